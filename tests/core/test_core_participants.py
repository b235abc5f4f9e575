"""The participants register: loading, validation, drafting and withdrawal."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import pytest

from fgkit.errors import RegisterError
from fgkit.participants import REGISTER_COLUMNS, check_speakers, draft_register, load_register, withdraw

HEADER = ",".join(REGISTER_COLUMNS)


def write(path: Path, *rows: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def test_participant_in_two_transcripts_is_one_person(tmp_path):
    reg = load_register(
        write(
            tmp_path / "p.csv",
            "fg2.vtt,Priya Shah,P03,Practitioner,FG2,given,Priya Shah,Priya;Pri",
            "fg6.csv,Priya S,P03,practitioner,FG6,given,,",
            "fg2.vtt,Ann Lee (SL),P04,practitioner,FG2,given,Ann Lee,",
        )
    )
    assert set(reg.participants) == {"P03", "P04"}
    priya = reg.participants["P03"]
    assert priya.role == "practitioner"
    assert priya.full_name == "Priya Shah"
    assert priya.name_variants == ("Priya", "Pri")
    assert priya.labels == (("fg2.vtt", "Priya Shah"), ("fg6.csv", "Priya S"))
    # Look-ups tolerate case and stray whitespace (non-breaking spaces) in labels.
    assert reg.lookup("fg2.vtt", "priya\u00a0shah").participant_id == "P03"
    assert reg.lookup("fg6.csv", "Ann Lee (SL)") is None


def test_every_problem_is_reported_with_its_line_and_no_names(tmp_path):
    path = write(
        tmp_path / "p.csv",
        "fg1.vtt,Bev Okoro,P01,practitioner,FG1,yes,,",
        "fg1.vtt,Tash Nowak,P02,,FG1,given,,",
        "fg1.vtt,Sam Reid,P03,practitioner,FG1,given,,",
        "fg1.vtt,sam reid,P04,practitioner,FG1,given,,",
        "fg2.vtt,Sam Reid,P03,manager,FG2,given,,",
    )
    with pytest.raises(RegisterError) as info:
        load_register(path)
    message = str(info.value)
    lines = message.splitlines()
    assert len(lines) == 4
    assert lines[0].endswith("p.csv:2: consent must be 'given' or 'withdrawn'")
    assert ":3: role is empty" in lines[1]
    assert ":5: this speaker label is already registered" in lines[2]
    assert ":6: participant P03 has role 'manager'" in lines[3]
    for name in ("Bev", "Okoro", "Tash", "Nowak", "Sam", "Reid"):
        assert name not in message


def test_missing_column_and_missing_file(tmp_path):
    with pytest.raises(RegisterError, match=r"p.csv:1: missing column\(s\) consent"):
        load_register(write(tmp_path / "p.csv", "a,b,P1,manager,FG1", header="transcript,speaker_label,participant_id,role,group"))
    with pytest.raises(RegisterError, match="fgkit participants init"):
        load_register(tmp_path / "absent.csv")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_register_saved_by_excel_in_other_encodings(tmp_path, encoding):
    reg = load_register(
        write(tmp_path / "p.csv", "fg1.vtt,Zoë Ó Briain,P01,manager,FG4,given,Zoë Ó Briain,Zoë", encoding=encoding)
    )
    assert reg.participants["P01"].full_name == "Zoë Ó Briain"


def test_binary_register_is_a_clear_error(tmp_path):
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00\x00garbage")
    with pytest.raises(RegisterError, match="not a text CSV"):
        load_register(path)


def test_unknown_speakers_listed_per_file_by_line_not_by_name(tmp_path):
    reg = load_register(write(tmp_path / "p.csv", "fg1.vtt,Bev Okoro,P01,practitioner,FG1,given,,"))
    with pytest.raises(RegisterError) as info:
        check_speakers(
            reg,
            {
                "fg1.vtt": [("Bev Okoro", 3), ("Kasia Nowak", 12), ("Femi Adeyemi", 20)],
                "fg2.srt": [("Unknown Speaker", 1)],
            },
        )
    message = str(info.value)
    assert "3 speaker label(s) are not in the register" in message
    assert "fg1.vtt: 2 unregistered speaker(s), first seen at line 12, line 20" in message
    assert "fg2.srt: 1 unregistered speaker(s), first seen at line 1" in message
    assert "Kasia" not in message and "Femi" not in message
    check_speakers(reg, {"fg1.vtt": [("BEV OKORO", 3)]})  # registered: no error


def test_draft_keeps_existing_rows_and_guesses_facilitators(tmp_path):
    path = write(tmp_path / "p.csv", "fg1.vtt,Bev Okoro,P01,practitioner,FG1,given,Bev Okoro,Bev")
    added = draft_register(path, {"fg1.vtt": ["Bev Okoro", "FACILITATOR", "Kasia Nowak"], "fg5.txt": ["P1"]})
    assert added == 3
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows[0]["name_variants"] == "Bev"
    drafted = {(r["transcript"], r["speaker_label"]): r for r in rows[1:]}
    assert drafted[("fg1.vtt", "FACILITATOR")]["role"] == "facilitator"
    assert drafted[("fg1.vtt", "Kasia Nowak")]["role"] == ""
    assert len({r["participant_id"] for r in rows}) == 4
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert draft_register(path, {"fg1.vtt": ["Kasia Nowak"]}) == 0
    # Drafted rows must be completed before the register loads.
    with pytest.raises(RegisterError, match="group, consent is empty"):
        load_register(path)


def test_withdraw_marks_every_row_and_logs_privately(tmp_path):
    path = write(
        tmp_path / "p.csv",
        "fg2.vtt,Priya Shah,P03,practitioner,FG2,given,Priya Shah,",
        "fg6.csv,Priya S,P03,practitioner,FG6,given,,",
        "fg2.vtt,Ann Lee,P04,practitioner,FG2,given,,",
    )
    log = tmp_path / "withdrawals.csv"
    assert withdraw(path, "P03", "asked by email", log) == 2
    reg = load_register(path)
    assert reg.withdrawn_ids() == {"P03"}
    assert not reg.participants["P04"].withdrawn
    entries = list(csv.DictReader(log.open()))
    assert entries[0]["participant_id"] == "P03" and entries[0]["reason"] == "asked by email"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    with pytest.raises(RegisterError, match="no participant with id P99"):
        withdraw(path, "P99", "x", log)
