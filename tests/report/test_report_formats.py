"""Word, Markdown and Excel: the same content, in the structures researchers keep working in."""

from __future__ import annotations

import re

import docx
import openpyxl
import pytest

from fgkit.report.context import build_context
from fgkit.report.render_md import render_md

SECTIONS = ["Summary of the study", "Codes, one by one", "Comparing roles", "Distinctive language",
            "Candidate topics", "Framework matrix", "Methods and limits"]
# The plain-English opening and the glossary come first in every format.
OPENING = ["About this report", "Glossary"]
CODE_LABELS = ["Workload pressure", "Fairness of allocation", "Emotional labour",
               "Professional judgement", "Reactions to AI"]


@pytest.fixture(scope="module")
def word(built_reports):
    _, paths = built_reports
    return docx.Document(str(paths["report.docx"]))


@pytest.fixture(scope="module")
def markdown(built_reports):
    _, paths = built_reports
    return paths["report.md"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def workbook(built_reports):
    _, paths = built_reports
    return openpyxl.load_workbook(paths["framework-matrix.xlsx"])


def _headings(document, level):
    style = "Title" if level == 0 else f"Heading {level}"
    return [p.text for p in document.paragraphs if p.style.name == style]


def test_docx_has_real_headings_in_order(word):
    assert _headings(word, 0) == ["Machine-coded draft of the focus groups: not findings"]
    assert _headings(word, 1) == [*OPENING, *SECTIONS]
    h2 = _headings(word, 2)
    assert h2[:3] == ["What this is", "What this is not", "How to read it"]
    assert h2[3:5] == ["Headline comparisons", *CODE_LABELS[:1]]
    assert all(label in h2 for label in CODE_LABELS)


def test_docx_tables_have_bold_repeating_headers(word):
    assert len(word.tables) > 15
    for table in word.tables:
        first = table.rows[0]
        assert all(run.bold for cell in first.cells for p in cell.paragraphs for run in p.runs)
        assert first._tr.xpath("./w:trPr/w:tblHeader")
    comparison = next(t for t in word.tables if t.rows[0].cells[0].text == "Code" and
                      [c.text for c in t.rows[0].cells][1:] == ["Manager", "Practitioner"])
    assert [r.cells[0].text for r in comparison.rows[1:]] == CODE_LABELS


def test_docx_quotes_say_who_and_whether_checked(word):
    quotes = [p.text for p in word.paragraphs if p.style.name == "Quote"]
    assert quotes
    # FG4 has two people (k = 3): its quotes name neither role nor group
    # each quote ends: who, where to find it in the shareable transcript, whether it was checked
    assert all(re.search(r"— ((Practitioner|Manager|Participant), FG\d|Participant)"
                         r"( \([\w-]+ turn \d+\))? \((Accepted|Suggested, not checked)\)$", q)
               for q in quotes)
    assert any(re.search(r"— Participant( \([\w-]+ turn \d+\))? \(Accepted\)$", q) for q in quotes)
    assert not any("FG4" in q for q in quotes)


def test_docx_carries_no_author_name(word):
    assert word.core_properties.author == ""
    assert word.core_properties.last_modified_by == ""


def test_markdown_headings_and_quotes(markdown):
    h2 = re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE)
    assert h2 == [*OPENING, *SECTIONS]
    assert re.findall(r"^### (.+)$", markdown, flags=re.MULTILINE)[4:9] == CODE_LABELS
    # FG4 is under k: its quotes say "Participant" with no reference (the transcript is FG4's)
    assert "> — Participant (**Accepted**)" in markdown
    assert "> — Participant, FG4" not in markdown and "FG4 turn" not in markdown
    assert "\nPart of: Workload pressure\n" in markdown
    assert "\n\n\n" not in markdown


def test_markdown_tables_are_well_formed(markdown):
    blocks = re.findall(r"((?:^\|.*\|\n)+)", markdown, flags=re.MULTILINE)
    assert len(blocks) > 10
    for block in blocks:
        rows = block.strip("\n").split("\n")
        assert re.fullmatch(r"\|(---\|)+", rows[1]), rows[1]
        widths = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
        assert len(widths) == 1, block


def test_markdown_escapes_speech(markdown):
    assert "<script>" not in markdown
    assert "&lt;script>alert(1)&lt;/script> &amp; that's the point" in markdown


def test_markdown_is_deterministic(coded_study):
    project, store, analysis = coded_study
    assert render_md(project, build_context(project, store, analysis)) == render_md(
        project, build_context(project, store, analysis)
    )


def test_xlsx_one_sheet_per_role_plus_overall(workbook):
    assert workbook.sheetnames == ["Practitioner", "Manager", "Overall"]
    for ws in workbook.worksheets:
        header = [c.value for c in ws[1]]
        assert header == ["Group", "Role", *CODE_LABELS]
        assert ws.freeze_panes == "C2"
        assert ws.column_dimensions["C"].width >= 30
        assert all(c.alignment.wrap_text for row in ws.iter_rows(min_row=2) for c in row)


def test_xlsx_rows_and_cells(workbook):
    practitioners = workbook["Practitioner"]
    assert [r[0].value for r in practitioners.iter_rows(min_row=2)] == ["FG1", "FG2", "Practitioners (all groups)"]
    fg1_workload = practitioners["C2"].value
    assert fg1_workload.splitlines()[0] == "Discussed in 3 segment(s)."
    assert "Quotes: FG1-T0, FG1-T1, FG1-T2" in fg1_workload
    overall = workbook["Overall"]
    assert [r[0].value for r in overall.iter_rows(min_row=2)] == [
        "FG1", "FG2", "FG3", "FG4", "Managers (all groups)", "Practitioners (all groups)"]
    assert overall["E5"].value in (None, "")  # FG4 never raised emotional labour


def test_sheet_names_are_made_safe_for_excel():
    from fgkit.report.render_xlsx import _sheet_title

    taken: set[str] = set()
    assert _sheet_title("Senior practitioner/team lead [acting]", taken) == "Senior practitioner team lead"
    assert _sheet_title("senior practitioner team lead", taken) == "senior practitioner team lea 2"
    assert len(_sheet_title("x" * 40, taken)) == 31


def test_docx_is_uk_english_without_template_leftovers(built_reports):
    import zipfile

    _, paths = built_reports
    with zipfile.ZipFile(paths["report.docx"]) as z:
        names = z.namelist()
        styles = z.read("word/styles.xml").decode("utf-8")
    assert 'w:val="en-GB"' in styles and "en-US" not in styles
    assert not any("thumbnail" in n or "stylesWithEffects" in n for n in names)
