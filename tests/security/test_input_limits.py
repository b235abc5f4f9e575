"""Inputs built to exhaust the machine or to confuse fgkit end in one clear line, fast.

Each case is one the security audit found giving "internal error", taking minutes, or passing
silently: a zip bomb, a lying zip header, YAML nested thousands deep, an oversized transcript or
turn, two transcripts whose names differ only in case, a formula typed into a decision cell,
REFI selections outside their source, and a private folder others can read.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fgkit.cli import app
from fgkit.codebook import MAX_YAML_DEPTH, parse_codebook
from fgkit.errors import CodebookError, FgkitError, TranscriptError
from fgkit.ingest import read_transcript
from fgkit.ingest.transcript import MAX_TRANSCRIPT_BYTES, MAX_TURN_CHARS

ERROR_LINE = re.compile(r"^fgkit: error: \S")
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv("FGKIT_DEBUG", raising=False)


def _invoke(project: Path, *args: str):
    return CliRunner().invoke(app, [*args, "--project", str(project)])


def _one_clean_line(result) -> str:
    assert result.exit_code not in (0, None), result.output
    assert "Traceback" not in result.output and "internal error" not in result.stderr, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip() and not ln.startswith("fgkit: warning")]
    assert len(lines) == 1 and ERROR_LINE.match(lines[0]), result.stderr
    return lines[0]


def _bomb_qdpx(path: Path, member_bytes: int) -> None:
    """A .qdpx whose project file inflates to ``member_bytes`` of spaces from a few KB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("project.qde", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 20)
            for _ in range(member_bytes >> 20):
                member.write(chunk)


def test_zip_bomb_in_import_is_refused_within_a_second(sample_project, tmp_path):
    bomb = tmp_path / "other-tool.qdpx"
    _bomb_qdpx(bomb, 300 << 20)
    assert bomb.stat().st_size < 2 << 20
    started = time.perf_counter()
    result = _invoke(sample_project, "import", "refi", str(bomb))
    elapsed = time.perf_counter() - started
    line = _one_clean_line(result)
    assert "other-tool.qdpx" in line
    assert elapsed < 1.0, f"took {elapsed:.2f} s to refuse"


def _lying_docx(path: Path) -> None:
    """A .docx whose document part says it inflates to 100 bytes but holds far more."""
    buffer = io.BytesIO()
    body = b"<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'>" + b" " * 500_000 + b"</w:document>"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", body)
    data = bytearray(buffer.getvalue())
    # Rewrite the uncompressed size of word/document.xml in both headers to a small lie.
    name = b"word/document.xml"
    at = 0
    while (at := data.find(b"PK\x03\x04", at)) != -1:
        name_len = struct.unpack_from("<H", data, at + 26)[0]
        if data[at + 30:at + 30 + name_len] == name:
            struct.pack_into("<I", data, at + 22, 100)
        at += 4
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) != -1:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + name_len] == name:
            struct.pack_into("<I", data, at + 24, 100)
        at += 4
    path.write_bytes(bytes(data))


def test_docx_with_lying_size_header_is_one_clear_error(tmp_path):
    path = tmp_path / "fg9-notes.docx"
    _lying_docx(path)
    with pytest.raises(FgkitError) as caught:
        read_transcript(path)
    assert "fg9-notes.docx" in str(caught.value)


def test_damaged_crc_in_docx_is_one_clear_error(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("word/document.xml", "<w:document xmlns:w='x'>Facilitator: hello</w:document>")
    data = bytearray(buffer.getvalue())
    data[data.find(b"Facilitator")] ^= 0x20  # the stored bytes no longer match their CRC
    path = tmp_path / "fg8.docx"
    path.write_bytes(bytes(data))
    with pytest.raises(FgkitError) as caught:
        read_transcript(path)
    assert "fg8.docx" in str(caught.value)


def test_yaml_nested_thousands_deep_is_one_line_naming_the_line(tmp_path):
    depth = 5000
    text = "version: 1\nname: deep\ncodes:\n  - id: a\n    label: A\n    definition: " + "[" * depth + "]" * depth + "\n"
    started = time.perf_counter()
    with pytest.raises(CodebookError) as caught:
        parse_codebook(text, tmp_path / "deep.yaml")
    assert time.perf_counter() - started < 2.0
    message = str(caught.value)
    assert "deep.yaml" in message and str(MAX_YAML_DEPTH) in message and "deep.yaml:6:" in message
    # A codebook of ordinary depth still loads.
    book = parse_codebook("version: 1\nname: ok\ncodes:\n  - id: a\n    label: A\n    definition: Talk of A.\n"
                          "    patterns:\n      tokens: [[{LOWER: {IN: [a, b]}}]]\n", tmp_path / "ok.yaml")
    assert [c.id for c in book.codes] == ["a"]


def test_oversized_transcript_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "all-day.txt"
    line = b"P1: the caseload keeps growing and nobody asks how we cope with it.\n"
    path.write_bytes(line * (MAX_TRANSCRIPT_BYTES // len(line) + 10))
    started = time.perf_counter()
    with pytest.raises(TranscriptError) as caught:
        read_transcript(path)
    assert time.perf_counter() - started < 2.0
    assert "all-day.txt" in str(caught.value) and "split it" in str(caught.value)


def test_a_turn_past_the_limit_names_its_line(tmp_path):
    path = tmp_path / "run-on.txt"
    words = "we never get the time to write things up properly "
    path.write_text("Facilitator: How is the week going?\n\nP1: " + words * (MAX_TURN_CHARS // len(words) + 5)
                    + "\n\nP2: Busy.\n", encoding="utf-8")
    with pytest.raises(TranscriptError) as caught:
        read_transcript(path)
    message = str(caught.value)
    assert "run-on.txt" in message and re.search(r"\b3\b", message) and "label" in message
    # A long but ordinary monologue stays readable.
    path.write_text("P1: " + words * 300 + "\n", encoding="utf-8")
    assert len(read_transcript(path).turns) == 1


def test_transcripts_named_alike_but_for_case_are_refused(sample_project):
    folder = sample_project / "data" / "transcripts"
    original = next(p for p in sorted(folder.iterdir()) if p.suffix == ".vtt")
    twin = folder / original.name.upper()
    twin.write_bytes(original.read_bytes())
    result = _invoke(sample_project, "ingest")
    line = _one_clean_line(result)
    assert twin.name in line or original.name in line
    assert "case" in line


def test_private_folder_readable_by_others_is_made_owner_only_with_a_warning(sample_project):
    if os.name != "posix":
        pytest.skip("permissions are POSIX")
    data = sample_project / "data"
    os.chmod(data, 0o755)
    result = _invoke(sample_project, "check")
    assert "fgkit: warning:" in result.stderr and "700" in result.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    again = _invoke(sample_project, "check")
    assert "fgkit: warning:" not in again.stderr


def test_formula_in_a_decision_cell_names_row_and_column(tmp_path):
    from openpyxl import Workbook

    from fgkit.coding.review_io import read_worksheet
    from fgkit.errors import ReviewFileError

    wb = Workbook()
    ws = wb.active
    ws.title = "review"
    ws.append(["segment_id", "code", "decision", "text"])
    ws.append(["s1", "pressure", "accept", "Caseloads are up again."])
    ws.append(["s2", "fairness", '=IF(1,"accept","reject")', "Allocation felt fair."])
    path = tmp_path / "worksheet.xlsx"
    wb.save(path)
    with pytest.raises(ReviewFileError) as caught:
        read_worksheet(path)
    message = str(caught.value)
    assert "row 3" in message and "decision" in message and "formula" in message


def test_refi_selections_outside_their_source_are_not_stored():
    from fgkit.export.refi_import import _within
    from fgkit.export.qdpx_reader import RefiSelection

    text = "Facilitator: hello\nP1: the caseload is heavy\n"
    fields = RefiSelection.__dataclass_fields__
    assert {"start", "end"} <= set(fields)

    def selection(start, end):
        values = {name: None for name in fields}
        values.update(start=start, end=end)
        if "codings" in fields:
            values["codings"] = ()
        return RefiSelection(**values)

    assert _within(selection(0, 10), text)
    assert not _within(selection(-5, 10), text)
    assert not _within(selection(10, 5), text)
    assert not _within(selection(0, len(text) + 1), text)


def test_stray_control_characters_never_reach_a_turn(tmp_path):
    path = tmp_path / "damaged-export.txt"
    path.write_bytes(b"Facilitator: How was the week?\n\nP1: Busy\x00 again, and the rota\x07 changed.\n"
                     + b"\n\nFacilitator: And the team?\n\nP1: Short-staffed, as ever, since the spring.\n" * 3)
    turns = read_transcript(path).turns
    assert turns[1].text == "Busy again, and the rota changed."
    assert not any(ch in t.text for t in turns for ch in "\x00\x07")


def test_transcript_named_after_a_participant_is_refused_without_the_name(sample_project):
    folder = sample_project / "data" / "transcripts"
    original = folder / "fg1-teams.vtt"
    original.rename(folder / "fg1-teams-Katarzyna-Nowak.vtt")
    result = _invoke(sample_project, "ingest")
    line = _one_clean_line(result)
    assert "rename the file" in line and "fg1-teams-" in line
    assert "Katarzyna" not in line and "Nowak" not in line
