"""The key file (mode, encryption) and speaker numbering, without any model."""

from __future__ import annotations

import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fgkit.errors import InputError, ProjectError, SettingsError
from fgkit.pseudonymise.key import (
    KeyEntity,
    PseudonymKey,
    load_key,
    read_passphrase,
    save_key,
)
from fgkit.pseudonymise.names import normalise, ordinary_word_is_name, trie_pattern
from fgkit.pseudonymise.speakers import assign_pseudonyms
from fgkit.records import Participant

SCHEME, FAC = "{Role} {number:02d}", "Facilitator {number}"


def people(*specs):
    return {pid: Participant(pid, role, "FG1", "given") for pid, role in specs}


def sample_key():
    key = PseudonymKey()
    key.entities["okafor"] = KeyEntity("Okafor", "Person", "[Person 1]", "detected")
    key.counters["Person"] = 1
    return key


def test_key_written_owner_only_and_round_trips(tmp_path):
    path = save_key(tmp_path, sample_key())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_key(tmp_path).entities["okafor"].placeholder == "[Person 1]"


def test_encrypted_key_round_trip_and_plain_file_removed(tmp_path):
    save_key(tmp_path, sample_key())
    path = save_key(tmp_path, sample_key(), passphrase="correct horse")
    assert path.name == "key.json.enc" and not (tmp_path / "key.json").exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b"Okafor" not in path.read_bytes()
    assert load_key(tmp_path, "correct horse").entities["okafor"].value == "Okafor"


def test_wrong_or_missing_passphrase_is_a_clean_error(tmp_path):
    save_key(tmp_path, sample_key(), passphrase="correct horse")
    with pytest.raises(InputError, match="wrong passphrase") as info:
        load_key(tmp_path, "battery staple")
    assert "horse" not in str(info.value) and "Okafor" not in str(info.value)
    with pytest.raises(InputError, match="encrypted"):
        load_key(tmp_path, None)
    with pytest.raises(ProjectError, match="encrypted"):
        save_key(tmp_path, sample_key())


def test_damaged_key_file(tmp_path):
    (tmp_path / "key.json").write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(InputError, match="not a readable fgkit key"):
        load_key(tmp_path)


def test_passphrase_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("FGKIT_KEY_PASSPHRASE", "from env")
    assert read_passphrase() == "from env"
    file = tmp_path / "pass.txt"
    file.write_text("from file\nignored\n", encoding="utf-8")
    assert read_passphrase(file) == "from file"
    file.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read_passphrase(file)


def test_pseudonyms_deterministic_by_role():
    group = people(("P02", "practitioner"), ("P01", "practitioner"), ("M01", "manager"), ("F1", "facilitator"))
    first = assign_pseudonyms(group, PseudonymKey(), SCHEME, FAC)
    second = assign_pseudonyms(group, PseudonymKey(), SCHEME, FAC)
    assert first == second == {"F1": "Facilitator 1", "M01": "Manager 01",
                               "P01": "Practitioner 01", "P02": "Practitioner 02"}


def test_adding_a_participant_renumbers_nobody():
    key = PseudonymKey()
    group = people(("P02", "practitioner"), ("P03", "practitioner"), ("M01", "manager"))
    before = assign_pseudonyms(group, key, SCHEME, FAC)
    grown = {**group, **people(("P01", "practitioner"), ("M00", "manager"))}
    after = assign_pseudonyms(grown, key, SCHEME, FAC)
    assert {pid: after[pid] for pid in before} == before
    assert after["P01"] == "Practitioner 03" and after["M00"] == "Manager 02"


def test_role_change_gets_a_new_number_and_old_numbers_stay_reserved():
    key = PseudonymKey()
    assign_pseudonyms(people(("P01", "practitioner"), ("P02", "practitioner")), key, SCHEME, FAC)
    after = assign_pseudonyms(people(("P01", "practitioner"), ("P02", "team_manager")), key, SCHEME, FAC)
    assert after == {"P01": "Practitioner 01", "P02": "Team manager 01"}


def test_bad_schemes():
    with pytest.raises(SettingsError):
        assign_pseudonyms(people(("P01", "practitioner")), PseudonymKey(), "{Name} {number}", FAC)
    with pytest.raises(SettingsError, match="same pseudonym"):
        assign_pseudonyms(people(("P01", "practitioner"), ("P02", "practitioner")), PseudonymKey(), "{Role}", FAC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Will said no", True), ("Will you come?", False), ("So Will you said it", True),
     ("I will go", False), ("me and will were late", True), ("will's car", True), ("He may be late", False)],
)
def test_ordinary_word_rules(text, expected):
    for word in ("Will", "will", "may"):
        at = text.find(word)
        if at >= 0 and text[at : at + len(word)] == word:
            assert ordinary_word_is_name(text, at, at + len(word)) is expected
            return
    raise AssertionError("word not in text")


def test_normalise_forms():
    assert normalise("Priya’s") == normalise("PRIYA's") == normalise(" priya ") == "priya"
    assert normalise("Grace   Okafor") == "grace okafor"


@settings(max_examples=60, deadline=None)
@given(st.sets(st.text(alphabet="abcé' .-&", min_size=1, max_size=8), min_size=1, max_size=25),
       st.text(alphabet="abcé' .-&", max_size=10))
def test_trie_pattern_matches_exactly_its_words(words, other):
    import re

    words = {w for w in words if w.strip() == w and "  " not in w and w}
    if not words:
        return
    pattern = re.compile(trie_pattern(words))
    for word in words:
        assert pattern.fullmatch(word)
    assert bool(pattern.fullmatch(other)) == (other in words)
