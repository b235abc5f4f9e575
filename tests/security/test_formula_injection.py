"""Every writer gets hostile text: no CSV or XLSX fgkit writes may hold a live formula.

A small study is built whose speech, speaker labels, group names, code labels (arriving through
``fgkit codebook import-qdc``), reviewer name and review memo begin with ``=HYPERLINK(...)``,
``+``, ``-``, ``@``, a tab or a carriage return. The whole pipeline and every export then run
through the CLI, and every CSV and XLSX under ``reports/`` is read back independently of fgkit:
no workbook cell may be a formula (openpyxl ``data_type == "f"``) and no CSV cell, header
included, may begin with a character a spreadsheet program would take for a formula.
"""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fgkit.cli import app

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
HYPERLINK = '=HYPERLINK("http://x.example/leak","click")'
# What Excel, LibreOffice and Google Sheets take for the start of a formula (Google Sheets
# trims leading spaces first), and the full-width forms some input settings accept.
FORMULA_START = re.compile(r"^[ \u00a0]*[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]")

# Speech written for this test; every turn is about workload so the rule coder codes it.
TRANSCRIPT = [
    ("Facilitator", "How has the workload been since the new allocation tool came in?"),
    ("@Jo Hart", f"{HYPERLINK} The workload is too much and there is no time to reflect on any case."),
    ("-Mo Reid", "+1 referral after another referral, the caseload keeps growing and I feel overwhelmed."),
    ("+Ada Vance", "-2 staff on the team this month, so the paperwork piles up and nobody gets a lunch break."),
    ("=Kit Lowe", "@channel in the team chat said the backlog is overwhelming and we are firefighting."),
    ("Facilitator", "And what about AI tools deciding the allocation?"),
    ("@Jo Hart", "\tTabbed in: I worry about accountability if an algorithm decides who gets a visit."),
    ("-Mo Reid", "\rReturn first: the workload tool gives false certainty, judgement matters more."),
    ("+Ada Vance", "=1+1 is what the spreadsheet says, but the paperwork and the workload are real."),
    ("=Kit Lowe", "@ the end of the day we are overwhelmed and the workload never stops."),
]
SECOND = [
    ("Facilitator", "Tell me about your workload this year."),
    ("@Lu Penn", "=cmd|' /C calc'!A0 is a joke we tell, but the workload is overwhelming all the same."),
    ("-Bo Sykes", "-- honestly the paperwork is drowning us. I go home exhausted and feel guilty every night."),
    ("+Cy Moss", "+ another referral lands in my tray; allocation feels unfair and nobody asks if we have capacity."),
]
GROUPS = {"fg1-hostile.csv": "=North", "fg2-hostile.csv": "@South"}
PEOPLE = {
    "Facilitator": ("F1", "facilitator", ""),
    "@Jo Hart": ("P01", "practitioner", "Joanne Hart"),
    "-Mo Reid": ("P02", "practitioner", "Morgan Reid"),
    "+Ada Vance": ("P03", "manager", "Ada Vance"),
    "=Kit Lowe": ("P04", "practitioner", "Kit Lowe"),
    "@Lu Penn": ("P05", "practitioner", "Lucia Penn"),
    "-Bo Sykes": ("P06", "manager", "Bo Sykes"),
    "+Cy Moss": ("P07", "practitioner", "Cyrus Moss"),
}
# Code labels a .qdc from another tool might carry (the audit's case was the first).
HOSTILE_LABELS = {
    "Workload pressure": HYPERLINK,
    "Emotional labour": "+Emotional labour",
    "Fairness of allocation": "-Fairness of allocation",
    "Professional judgement": "@Professional judgement",
}
REVIEWER = "@reviewer"
MEMO = f"{HYPERLINK} check this with the team"

runner = CliRunner()


def fgkit(*args) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, f"fgkit {' '.join(map(str, args))} failed:\n{result.output}"
    return result.output


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def build_hostile_study(root: Path) -> Path:
    from fgkit.project import init_project

    project = init_project(root, name="hostile-study")
    settings = root / "fgkit.toml"
    # Small groups: counts on one or two people must still be written, to be tested.
    settings.write_text(settings.read_text(encoding="utf-8").replace("small_cell_k = 3", "small_cell_k = 1"),
                        encoding="utf-8")
    shutil.copy(REPO / "codebooks" / "adult-social-care.yaml", project.codebook_path)
    register = [["transcript", "speaker_label", "participant_id", "role", "group", "consent", "full_name",
                 "name_variants"]]
    for name, turns in (("fg1-hostile.csv", TRANSCRIPT), ("fg2-hostile.csv", SECOND)):
        _write_csv(project.transcripts_dir / name, [["speaker", "text"], *map(list, turns)])
        for label in dict.fromkeys(label for label, _ in turns):
            pid, role, full = PEOPLE[label]
            register.append([name, label, pid, role, GROUPS[name], "given", full, ""])
    _write_csv(project.register_path, register)
    return root


def _hostile_codebook(root: Path) -> None:
    """Round-trip the codebook through a .qdc whose code names start like formulas."""
    from xml.sax.saxutils import quoteattr

    qdc = root / "data" / "codebook.qdc"
    fgkit("codebook", "export-qdc", "--output", qdc, "--project", root)
    text = qdc.read_text(encoding="utf-8")
    for plain, hostile in HOSTILE_LABELS.items():
        assert f'name="{plain}"' in text, plain
        text = text.replace(f'name="{plain}"', f"name={quoteattr(hostile)}")
    qdc.write_text(text, encoding="utf-8")
    fgkit("codebook", "import-qdc", qdc, "--output", root / "codebooks" / "adult-social-care.yaml",
          "--force", "--project", root)


def _review_with_hostile_memo(root: Path) -> None:
    sheet = root / "reports" / "review" / "worksheet.csv"
    fgkit("review", "export", "--format", "csv", "--project", root)
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    coded = [r for r in rows if r["code"]]
    assert coded, "the rule coder coded nothing: the hostile study tests nothing"
    coded[0]["decision"] = "accept"
    coded[0]["memo"] = MEMO
    private = root / "data" / "worksheet-reviewed.csv"
    with private.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    fgkit("review", "import", private, "--reviewer", REVIEWER, "--project", root)


@dataclass
class Outputs:
    root: Path
    csvs: list[Path]
    workbooks: list[Path]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Outputs:
    root = build_hostile_study(tmp_path_factory.mktemp("hostile") / "study")
    _hostile_codebook(root)
    fgkit("run", "--no-topics", "--project", root)
    _review_with_hostile_memo(root)
    fgkit("run", "--no-topics", "--project", root)
    fgkit("export", "quotes", "--include-suggestions", "--format", "csv", "--format", "xlsx",
          "--format", "docx", "--project", root)
    fgkit("review", "export", "--format", "xlsx", "--status", "suggested", "--status", "accepted",
          "--status", "uncoded", "--project", root)
    fgkit("review", "export", "--format", "csv", "--status", "suggested", "--status", "accepted",
          "--status", "uncoded", "--project", root)
    fgkit("agree", "rules:v1", REVIEWER, "--project", root)
    fgkit("export", "refi", "--include-suggestions", "--project", root)
    reports = root / "reports"
    return Outputs(root, sorted(reports.rglob("*.csv")), sorted(reports.rglob("*.xlsx")))


def _csv_cells(path: Path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for r, row in enumerate(csv.reader(fh), start=1):
            for c, cell in enumerate(row, start=1):
                yield r, c, cell


def _sheet_cells(path: Path):
    import openpyxl

    book = openpyxl.load_workbook(path)
    try:
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        yield ws.title, cell
    finally:
        book.close()


def test_every_writer_under_test_wrote_its_file(hostile):
    names = {p.relative_to(hostile.root / "reports").as_posix() for p in hostile.csvs + hostile.workbooks}
    expected = {"codings.csv", "quotes.csv", "quotes.xlsx", "framework-matrix.xlsx", "prevalence.csv",
                "framework_matrix.csv", "agreement.csv", "disagreements.csv", "review/worksheet.csv",
                "review/worksheet.xlsx"}
    assert expected <= names, sorted(expected - names)
    assert (hostile.root / "reports" / "quotes.docx").is_file()


def test_the_hostile_text_reached_the_outputs(hostile):
    # Without this the checks below could pass on outputs that never carried the hostile text.
    texts = "\n".join(cell for p in hostile.csvs for _, _, cell in _csv_cells(p))
    texts += "\n".join(str(cell.value) for p in hostile.workbooks for _, cell in _sheet_cells(p))
    # ("@channel" becomes "[Username]", and ingest trims a leading tab or carriage return.)
    for needle in (HYPERLINK, "+1 referral", "-2 staff", "=1+1", "@ the end", "=cmd|", "=North", "@South", REVIEWER,
                   *HOSTILE_LABELS.values()):
        assert needle in texts, needle
    for path in hostile.workbooks:
        assert any(HYPERLINK in str(cell.value) for _, cell in _sheet_cells(path)), path.name


def test_no_csv_cell_starts_like_a_formula(hostile):
    found = [f"{p.relative_to(hostile.root)} row {r} column {c}: {cell[:30]!r}"
             for p in hostile.csvs for r, c, cell in _csv_cells(p) if FORMULA_START.match(cell)]
    assert not found, "\n".join(found[:20])


def test_no_workbook_cell_is_a_formula_or_reads_as_one(hostile):
    formulas, texts = [], []
    for path in hostile.workbooks:
        for sheet, cell in _sheet_cells(path):
            where = f"{path.relative_to(hostile.root)} {sheet}!{cell.coordinate}"
            if cell.data_type == "f":
                formulas.append(where)
            elif isinstance(cell.value, str) and FORMULA_START.match(cell.value):
                # A text cell is safe in the workbook, but not once saved as CSV and reopened.
                texts.append(f"{where}: {cell.value[:30]!r}")
    assert not formulas, "\n".join(formulas[:20])
    assert not texts, "\n".join(texts[:20])


def test_the_escaped_worksheet_reads_back_as_written(hostile):
    # The apostrophe is taken off on import: a re-import of the fresh worksheet changes nothing.
    sheet = hostile.root / "reports" / "review" / "worksheet.csv"
    out = fgkit("review", "import", sheet, "--reviewer", REVIEWER, "--project", hostile.root)
    assert "stored 0 decisions" in out, out
