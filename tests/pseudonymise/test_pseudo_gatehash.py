"""The leak gate with an encrypted key and no passphrase: keyed hashes stand in for the values."""

from __future__ import annotations

import pytest
from support.pseudo import STUDY_REGISTER, STUDY_TURNS, make_project

from fgkit.errors import InputError
from fgkit.pseudonymise.gatehash import GATE_HASH_FILE, load_gate_hashes, write_gate_hashes
from fgkit.pseudonymise.key import KeyEntity
from fgkit.pseudonymise.leakgate import LeakValues

ENTITIES = {
    "jane smith": KeyEntity("Jane Smith", "Person", "[Person 1]", "detected"),
    "o'brien": KeyEntity("O'Brien", "Person", "[Person 2]", "detected"),
    "will": KeyEntity("Will", "Participant", "Practitioner 02", "register"),
    "jane.doe@example.com": KeyEntity("jane.doe@example.com", "Email", "[Email]", "detected"),
    "+44 7700 900123": KeyEntity("+44 7700 900123", "Phone", "[Phone]", "detected"),
    "st anne's road": KeyEntity("St Anne's Road", "Place", "[Place 1]", "detected"),
}


@pytest.fixture
def hashed(tmp_path):
    write_gate_hashes(tmp_path, ENTITIES)
    return load_gate_hashes(tmp_path)


def found(hashed, text):
    """What the gate reports, as written: ``HashedValues`` searches the folded text and the
    gate maps each place back to the text a person reads."""
    return [(text[m.start:m.end], m.kind) for m in LeakValues({}, [], hashed=hashed).matches(text)]


def test_the_file_holds_no_real_value(tmp_path, hashed):
    stored = (tmp_path / GATE_HASH_FILE).read_text(encoding="utf-8").casefold()
    for entity in ENTITIES.values():
        for word in entity.value.casefold().replace("@", " ").replace(".", " ").split():
            if len(word) > 2:
                assert word not in stored
    assert len(hashed) == len(ENTITIES)
    # A new salt every time: the same values never hash alike twice.
    write_gate_hashes(tmp_path, ENTITIES)
    assert load_gate_hashes(tmp_path).salt != hashed.salt


def test_finds_values_as_they_are_written(hashed):
    assert found(hashed, "Then JANE SMITH's team rang.") == [("JANE SMITH", "Person")]
    assert found(hashed, "Jane\n  Smith") == [("Jane\n  Smith", "Person")]
    assert found(hashed, "Mr O\u2019Brien and Mr O'Brien") == [("O\u2019Brien", "Person"), ("O'Brien", "Person")]
    assert found(hashed, "<p>Mr O&#39;Brien</p><p>Jane&nbsp;Smith</p>") == [
        ("O&#39;Brien", "Person"), ("Jane&nbsp;Smith", "Person")]
    assert found(hashed, "mail jane.doe@example.com or ring +44 7700 900123.") == [
        ("jane.doe@example.com", "Email"), ("+44 7700 900123", "Phone")]
    assert found(hashed, "the flats on St Anne's Road") == [("St Anne's Road", "Place")]
    assert found(hashed, "Janet Smithson and Jane Smit met O'Briens") == []


def test_leak_values_use_hashes_with_the_usual_rules(hashed):
    values = LeakValues({}, ["Will", "May"], hashed=hashed)
    assert values
    text = "Will you ask? [Person 1] said Will said no, and Jane Smith agreed."
    hits = [(text[offset:offset + 10], kind) for offset, kind, _p in values.finditer(text)]
    assert hits == [("Will said ", "participant name"), ("Jane Smith", "Person")]
    # A value both known in plain (the register) and hashed is reported once.
    both = LeakValues({"jane smith": ("participant name", "")}, [], hashed=hashed)
    assert len(list(both.finditer("Jane Smith"))) == 1


def test_a_damaged_file_is_a_clear_error(tmp_path):
    assert load_gate_hashes(tmp_path) is None
    (tmp_path / GATE_HASH_FILE).write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(InputError, match="hash file is damaged"):
        load_gate_hashes(tmp_path)


@pytest.mark.slow
def test_check_without_the_passphrase_still_finds_detected_names(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from fgkit.cli import app

    monkeypatch.delenv("FGKIT_KEY_PASSPHRASE", raising=False)
    project, store = make_project(tmp_path / "s", STUDY_REGISTER, STUDY_TURNS)
    store.close()
    passfile = tmp_path / "pass.txt"
    passfile.write_text("a long passphrase\n", encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(app, ["pseudonymise", "-p", str(project.root), "--passphrase-file", str(passfile)])
    assert done.exit_code == 0, done.output
    assert (project.private_dir / GATE_HASH_FILE).exists()
    clean = runner.invoke(app, ["check", "-p", str(project.root)])
    assert clean.exit_code == 0, clean.output
    # "Okafor" and "Clifton" were detected in speech; neither is in the register or any list.
    (project.shareable_dir / "draft.md").write_text("Quote about Mrs Okafor in Clifton.\n", encoding="utf-8")
    leaked = runner.invoke(app, ["check", "-p", str(project.root)])
    assert leaked.exit_code == 3, leaked.output
    assert "reports/draft.md: line 1" in leaked.output
    assert "Okafor" not in leaked.output and "Clifton" not in leaked.output
