"""Bad input across the CLI: one clean error line, a non-zero exit, no traceback, nothing written.

Each case breaks one thing in a fresh copy of the sample study whose reports/ already holds an
earlier report; the failing command must leave reports/ exactly as it was.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from support import reliability_outputs as outputs
from typer.testing import CliRunner

from fgkit.cli import app

ERROR_LINE = re.compile(r"^fgkit: error: \S")
EARLIER_REPORT = {
    "report.html": "<!DOCTYPE html>\n<html><body><h1>Earlier report</h1><p>Practitioner 01: caseloads.</p></body></html>\n",
    "codings.csv": "segment_id,code,status\nab12,pressure,accepted\n",
    "transcripts/fg1-teams.txt": "Facilitator 1: Welcome.\n",
}


@pytest.fixture
def study(tmp_path, rel) -> Path:
    project = rel.copy_sample_project(tmp_path / "study")
    for name, text in EARLIER_REPORT.items():
        (project / "reports" / name).parent.mkdir(parents=True, exist_ok=True)
        (project / "reports" / name).write_text(text, encoding="utf-8")
    return project


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv("FGKIT_DEBUG", raising=False)


def _invoke(project: Path, *args: str):
    return CliRunner().invoke(app, [*args, "--project", str(project)])


def _assert_clean_failure(result, before: dict[str, str], project: Path, *, names: str, line: int | None = None):
    assert result.exit_code not in (0, None), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and ERROR_LINE.match(errors[0]), result.stderr
    assert "internal error" not in result.stderr, result.stderr
    assert names in errors[0], errors[0]
    if line is not None:
        assert re.search(rf"(line {line}\b|:{line}\b)", errors[0]), errors[0]
    assert outputs.digests(project / "reports") == before


# --- transcripts -----------------------------------------------------------------------------

def _junk_vtt(project: Path) -> None:
    rng = random.Random(7)
    (project / "data" / "transcripts" / "fg7-junk.vtt").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))


def _empty_transcript(project: Path) -> None:
    (project / "data" / "transcripts" / "fg8-empty.txt").write_bytes(b"")


def _truncated_docx(project: Path) -> None:
    path = project / "data" / "transcripts" / "fg4-managers.docx"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _vtt_without_cues(project: Path) -> None:
    (project / "data" / "transcripts" / "fg9-header-only.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> broken\n<v Priya Sharma>half a cue\n", encoding="utf-8"
    )


TRANSCRIPT_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "binary junk named .vtt": (_junk_vtt, "fg7-junk.vtt"),
    "empty file": (_empty_transcript, "fg8-empty.txt"),
    "truncated Word file": (_truncated_docx, "fg4-managers.docx"),
    "broken cue timing": (_vtt_without_cues, "fg9-header-only.vtt"),
}


@pytest.mark.parametrize("case", sorted(TRANSCRIPT_CASES))
@pytest.mark.parametrize("command", [("ingest",), ("run", "--no-topics")])
def test_a_broken_transcript_is_refused_cleanly(case, command, study, rel):
    breaker, name = TRANSCRIPT_CASES[case]
    breaker(study)
    before = outputs.digests(study / "reports")
    result = _invoke(study, *command)
    _assert_clean_failure(result, before, study, names=name)
    # All or nothing: not one turn of the good transcripts was stored either.
    if (study / "data" / "fgkit.sqlite").exists():
        assert rel.store_rows(study, "SELECT count(*) AS n FROM turns")[0]["n"] == 0


# --- the participants register ---------------------------------------------------------------

def _edit_register(project: Path, edit: Callable[[list[str]], list[str]]) -> None:
    path = project / "data" / "participants.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")


def _drop_column(lines: list[str], column: str) -> list[str]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    at = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:at] + r[at + 1 :] for r in rows])
    return out.getvalue().splitlines()


def _bad_consent(lines: list[str]) -> list[str]:
    lines[5] = lines[5].replace(",given,", ",yes,")
    return lines


def _unregistered_speaker(lines: list[str]) -> list[str]:
    return [ln for ln in lines if not ln.startswith("fg1-teams.vtt,Daniel Mensah,")]


REGISTER_CASES = {
    "missing consent column": (lambda lines: _drop_column(lines, "consent"), "participants.csv", 1),
    "consent neither given nor withdrawn": (_bad_consent, "participants.csv", 6),
    "a speaker not in the register": (_unregistered_speaker, "fg1-teams.vtt", None),
}


@pytest.mark.parametrize("case", sorted(REGISTER_CASES))
def test_a_broken_register_is_refused_cleanly(case, study):
    edit, name, line = REGISTER_CASES[case]
    _edit_register(study, edit)
    before = outputs.digests(study / "reports")
    result = _invoke(study, "run", "--no-topics")
    _assert_clean_failure(result, before, study, names=name, line=line)
    for part in ("Daniel", "Mensah"):
        assert part not in result.output


def test_an_unregistered_speaker_is_reported_at_their_first_line(study):
    _edit_register(study, _unregistered_speaker)
    vtt = (study / "data" / "transcripts" / "fg1-teams.vtt").read_text(encoding="utf-8").splitlines()
    first = next(i for i, ln in enumerate(vtt, 1) if "<v Daniel Mensah>" in ln)
    result = _invoke(study, "ingest")
    assert re.search(rf"fg1-teams\.vtt.*\b{first}\b", result.stderr), result.stderr


# --- codebooks -------------------------------------------------------------------------------

def _duplicate_id(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    second = [i for i, ln in enumerate(lines) if re.match(r"\s*- id: ", ln)][1]
    lines[second] = re.sub(r"id: \S+", "id: pressure", lines[second])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return second + 1


def _yaml_syntax_error(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.strip().startswith("label:"))
    lines[at] = lines[at] + ' "unclosed: [quote'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return at + 1


CODEBOOK_CASES = {"duplicate code id": _duplicate_id, "YAML syntax error": _yaml_syntax_error}


@pytest.mark.parametrize("case", sorted(CODEBOOK_CASES))
def test_a_broken_codebook_is_refused_cleanly(case, study):
    codebook = study / "codebooks" / "adult-social-care.yaml"
    line = CODEBOOK_CASES[case](codebook)
    before = outputs.digests(study / "reports")
    result = _invoke(study, "codebook", "validate")
    assert result.exit_code not in (0, None)
    assert "Traceback" not in result.output
    assert re.search(rf"adult-social-care\.yaml:{line}\b|adult-social-care\.yaml.*line {line}\b", result.stderr), result.stderr
    assert outputs.digests(study / "reports") == before


@pytest.mark.slow
def test_a_run_with_a_broken_codebook_stops_cleanly_and_writes_nothing(study):
    _yaml_syntax_error(study / "codebooks" / "adult-social-care.yaml")
    before = outputs.digests(study / "reports")
    result = _invoke(study, "run", "--no-topics")
    _assert_clean_failure(result, before, study, names="adult-social-care.yaml")


# --- encodings -------------------------------------------------------------------------------

def test_a_register_saved_as_utf32_is_refused_cleanly(study):
    path = study / "data" / "participants.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-32-le"))
    before = outputs.digests(study / "reports")
    result = _invoke(study, "ingest")
    _assert_clean_failure(result, before, study, names="participants.csv")


def test_a_transcript_in_a_windows_code_page_is_read_not_refused(study, rel):
    # Word on Windows still saves typed notes as cp1252; that is a supported encoding.
    path = study / "data" / "transcripts" / "fg5-managers-typed.txt"
    text = path.read_text(encoding="utf-8").replace("post four years.", "post four years on \u00a352,000 and caf\u00e9 shifts.")
    path.write_bytes(text.encode("cp1252"))
    result = _invoke(study, "ingest")
    assert result.exit_code == 0, result.stderr
    stored = rel.store_rows(study, "SELECT text FROM turns WHERE transcript = 'fg5-managers-typed.txt'")
    assert any("\u00a352,000 and caf\u00e9 shifts" in r["text"] for r in stored)


# --- missing files and folders ---------------------------------------------------------------

def test_no_transcripts_folder(study):
    shutil.rmtree(study / "data" / "transcripts")
    before = outputs.digests(study / "reports")
    _assert_clean_failure(_invoke(study, "run", "--no-topics"), before, study, names="transcripts")


def test_no_register(study):
    (study / "data" / "participants.csv").unlink()
    before = outputs.digests(study / "reports")
    _assert_clean_failure(_invoke(study, "run", "--no-topics"), before, study, names="participants.csv")


def test_no_settings_file(tmp_path):
    (tmp_path / "empty").mkdir()
    result = _invoke(tmp_path / "empty", "run", "--no-topics")
    assert result.exit_code not in (0, None)
    assert "Traceback" not in result.output
    assert ERROR_LINE.match(result.stderr), result.stderr


# --- outputs that cannot be written ------------------------------------------------------------

@pytest.mark.slow
def test_reports_that_cannot_be_a_folder_stop_the_run_cleanly(study):
    # Tests run as root, where a read-only folder is still writable; a FILE named reports
    # blocks every write beneath it for any user.
    shutil.rmtree(study / "reports")
    (study / "reports").write_text("not a folder\n", encoding="utf-8")
    before = outputs.digests(study / "reports")
    result = _invoke(study, "run", "--no-topics")
    _assert_clean_failure(result, before, study, names="reports")
    assert (study / "reports").read_text(encoding="utf-8") == "not a folder\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions; the FILE case above covers it")
def test_a_read_only_reports_folder_stops_the_run_cleanly(study):
    (study / "reports").chmod(0o500)
    try:
        before = outputs.digests(study / "reports")
        result = _invoke(study, "run", "--no-topics")
        _assert_clean_failure(result, before, study, names="reports")
    finally:
        (study / "reports").chmod(0o700)
