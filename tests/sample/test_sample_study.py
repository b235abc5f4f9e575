"""The bundled sample study keeps the promises other tests and the documentation rely on.

Six fictional focus groups in six formats, a register that covers every speaker label, and an
answer key of planted identifiers whose every value occurs verbatim in its transcript.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import pytest

from fgkit.ingest import read_transcript
from fgkit.participants import check_speakers, load_register

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = ROOT / "data" / "transcripts"
REGISTER = ROOT / "data" / "participants.csv"
EXTRA = ROOT / "data" / "extra-identifiers.csv"
PLANTED = ROOT / "tests" / "fixtures" / "sample-planted-identifiers.csv"
TYPES = {"person", "place", "organisation", "phone", "email", "nhs_number", "postcode", "date_of_birth"}
EXPECTED_FORMATS = {
    "fg1-teams.vtt": "teams_vtt",
    "fg2-zoom.vtt": "zoom_vtt",
    "fg3-otter.txt": "otter",
    "fg4-managers.docx": "docx",
    "fg5-managers-typed.txt": "typed",
    "fg6-mixed.csv": "csv",
}
# Transcribers' marks are not speech.
MARKS = re.compile(r"\[[^\]]*\]|\(\.\)")


@pytest.fixture(scope="module")
def transcripts():
    return {p.name: read_transcript(p) for p in sorted(TRANSCRIPTS.iterdir())}


@pytest.fixture(scope="module")
def register():
    return load_register(REGISTER)


@pytest.fixture(scope="module")
def planted():
    with PLANTED.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def raw_text(path: Path) -> str:
    """The file's characters as a reader sees them before any parsing."""
    if path.suffix == ".docx":
        import docx

        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    return path.read_bytes().decode("utf-8-sig")


def test_six_groups_each_in_its_own_format(transcripts):
    assert set(transcripts) == set(EXPECTED_FORMATS)
    assert {name: t.format for name, t in transcripts.items()} == EXPECTED_FORMATS


@pytest.mark.parametrize("name", sorted(EXPECTED_FORMATS))
def test_speech_length_is_a_realistic_focus_group(transcripts, name):
    words = sum(len(MARKS.sub(" ", turn.text).split()) for turn in transcripts[name].turns)
    assert 1500 <= words <= 3000, f"{name}: {words} words of speech"


def test_every_speaker_label_is_registered(transcripts, register):
    check_speakers(
        register,
        {name: [(label, 1) for label in t.speakers] for name, t in transcripts.items()},
    )
    registered = defaultdict(set)
    for entry in register.entries:
        registered[entry.transcript].add(entry.speaker_label)
    for name, t in transcripts.items():
        assert registered[name] == set(t.speakers), f"{name}: register rows with no speaker"


def test_register_describes_the_study_design(register):
    roles = defaultdict(lambda: defaultdict(set))
    for e in register.entries:
        roles[e.group][e.role].add(e.participant_id)
        assert e.consent == "given" and e.full_name
    for group in ("FG1", "FG2", "FG3"):
        assert 4 <= len(roles[group]["practitioner"]) <= 6 and not roles[group]["manager"]
    for group in ("FG4", "FG5"):
        assert 3 <= len(roles[group]["manager"]) <= 5 and not roles[group]["practitioner"]
    assert len(roles["FG6"]["manager"]) == 1 and len(roles["FG6"]["practitioner"]) >= 3
    assert all(len(roles[g]["facilitator"]) == 1 for g in roles)
    # One practitioner took part twice; the facilitators ran several groups each.
    assert roles["FG2"]["practitioner"] & roles["FG6"]["practitioner"]
    facilitated = defaultdict(set)
    for e in register.entries:
        if e.role == "facilitator":
            facilitated[e.participant_id].add(e.group)
    assert all(len(groups) >= 2 for groups in facilitated.values())


def test_device_and_unknown_labels_map_to_real_people(register):
    ipad = register.lookup("fg2-zoom.vtt", "Sam's iPad")
    assert ipad is not None and ipad.full_name.startswith("Sam")
    unknown = register.lookup("fg3-otter.txt", "Unknown Speaker")
    named = {e.participant_id for e in register.entries if e.transcript == "fg3-otter.txt"
             and e.speaker_label != "Unknown Speaker"}
    assert unknown is not None and unknown.participant_id in named


def test_planted_values_occur_verbatim_in_their_transcripts(planted):
    assert {row["type"] for row in planted} == TYPES
    texts = {name: raw_text(TRANSCRIPTS / name) for name in EXPECTED_FORMATS}
    for line, row in enumerate(planted, start=2):
        assert row["transcript"] in texts, f"answer key line {line}: unknown transcript"
        assert row["value"] in texts[row["transcript"]], f"answer key line {line}: value not in file"


def nhs_check_digit_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    remainder = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
    expected = 0 if remainder == 11 else remainder
    return len(digits) == 10 and expected != 10 and digits[9] == expected


def test_nhs_check_digit_helper_rejects_a_mistyped_number():
    assert nhs_check_digit_ok("943 476 5919")
    assert not nhs_check_digit_ok("943 476 5918")


def test_structured_identifiers_are_valid_and_fictional(planted):
    by_type = defaultdict(list)
    for row in planted:
        by_type[row["type"]].append(row["value"])
    assert all(nhs_check_digit_ok(v) for v in by_type["nhs_number"])
    # Ofcom's ranges reserved for drama: no real line can be reached.
    for phone in by_type["phone"]:
        national = re.sub(r"^\+44\s*", "0", phone).replace(" ", "")
        assert national.startswith(("01154960", "07700900")), phone
    assert all(v.endswith(("@example.org", "@example.com")) for v in by_type["email"])
    assert all(re.fullmatch(r"[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}", v) for v in by_type["postcode"])


def test_ordinary_words_that_double_as_names_are_not_in_the_key(planted):
    """"we will", "I hope" and "in May" are in the study; none of them is an identifier."""
    texts = {name: raw_text(TRANSCRIPTS / name) for name in EXPECTED_FORMATS}
    study = "\n".join(texts.values())
    for phrase in ("we will", "I hope", "In May"):
        assert phrase in study
    keyed = {(row["transcript"], row["value"]) for row in planted}
    assert ("fg2-zoom.vtt", "Will") in keyed and ("fg3-otter.txt", "Hope") in keyed
    assert not any(value.lower() in {"will", "hope", "may"} and value.islower() for _, value in keyed)
    assert not any(value == "May" for _, value in keyed)
    # "Will it understand ...?" opens a question in FG1; the key must not claim it as a name.
    assert "Will it understand" in texts["fg1-teams.vtt"]
    assert ("fg1-teams.vtt", "Will") not in keyed


def test_extra_identifiers_are_all_spoken_somewhere():
    study = "\n".join(raw_text(TRANSCRIPTS / name) for name in EXPECTED_FORMATS)
    with EXTRA.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        assert row["type"] in TYPES and row["value"] in study


def test_otter_export_has_the_quirks_of_a_real_download():
    raw = (TRANSCRIPTS / "fg3-otter.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode("utf-8-sig")
    assert "\u00a0" in text and "\u201c" in text and "\u2019" in text
    assert text.rstrip().endswith("Transcribed by https://otter.ai")


def test_docx_script_rebuilds_the_committed_file_byte_for_byte(tmp_path):
    import make_sample_docx as module  # scripts/ is on pytest's pythonpath

    out = tmp_path / "fg4.docx"
    assert module.main(["make_sample_docx.py", str(out)]) == 0
    assert out.read_bytes() == (TRANSCRIPTS / "fg4-managers.docx").read_bytes()
