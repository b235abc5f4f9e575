"""Quotes export: filters, small-cell attribution, withdrawal, zones, leak scan, formats."""

from __future__ import annotations

import csv
import io

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from fgkit.cli import app
from fgkit.errors import InputError, LeakError
from fgkit.export.quotes import QUOTE_COLUMNS, export_quotes, select_quotes

WITHDRAWN_TEXT = "caseload weighting tool never survived"


def _csv_rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_default_is_accepted_only_and_skips_facilitators(study):
    project, store, _ = study
    table = select_quotes(project, store)
    assert set(table["status"]) == {"accepted"}
    assert len(table) == 8
    assert not table["quote"].str.contains("What is the pressure like").any()
    # A rejected coding is never exported, even with suggestions included.
    manager = table[table["quote"].str.startswith("As a manager")]
    assert manager["codes"].tolist() == ["allocation_fairness"]


def test_include_suggestions_adds_unreviewed_codings(study):
    project, store, _ = study
    table = select_quotes(project, store, include_suggestions=True)
    assert len(table) == 10
    suggested = table[table["status"] == "suggested"]
    assert sorted(suggested["quote"]) == [
        "Caseloads keep growing every single month.",
        "It just appears in my tray.",
    ]


def test_filters_by_code_label_or_id_role_group_and_length(study):
    project, store, _ = study
    by_id = select_quotes(project, store, codes=["workload_pressure"])
    by_label = select_quotes(project, store, codes=["workload PRESSURE"])
    assert by_id["quote_id"].tolist() == by_label["quote_id"].tolist()
    assert len(by_id) == 3 and set(by_id["codes"]) == {"workload_pressure"}

    fg2 = select_quotes(project, store, groups=["fg2"])
    assert set(fg2["group"]) == {"FG2"} and len(fg2) == 3

    managers = select_quotes(project, store, roles=["team_manager"])
    assert managers["quote"].tolist() == [
        "As a manager I try to weigh cases fairly, but the tool is hard to keep up to date."
    ]

    long_ones = select_quotes(project, store, min_words=11)
    assert len(long_ones) and (long_ones["words"] >= 11).all()
    assert "The pressure never stops." not in set(long_ones["quote"])

    assert select_quotes(project, store, codes=["no_such_code"]).empty


def test_small_cell_rule_blanks_role_of_lone_manager(study):
    project, store, _ = study
    table = select_quotes(project, store)
    manager = table[table["quote"].str.startswith("As a manager")].iloc[0]
    assert manager["attribution"] == "Participant, FG1"
    assert manager["role"] == ""
    # FG1's practitioners are "Participant, FG1" too: were they labelled by role, "Participant,
    # FG1" could only be the lone manager
    practitioner = table[table["quote"] == "The pressure never stops."].iloc[0]
    assert practitioner["attribution"] == "Participant, FG1"
    assert practitioner["role"] == ""
    fg2 = table[table["group"] == "FG2"]
    assert len(fg2) and set(fg2["attribution"]) == {"Practitioner, FG2"}
    assert set(fg2["role"]) == {"Practitioner"}


def test_larger_threshold_hides_every_role(study):
    project, store, _ = study
    project.settings["analysis"]["small_cell_k"] = 5
    table = select_quotes(project, store)
    assert set(table["role"]) == {""}
    # both groups have fewer than 5 people: not even the group is named
    assert set(table["attribution"]) == {"Participant"}


def test_withdrawn_participant_never_appears_anywhere(study):
    project, store, _ = study
    result = export_quotes(project, store, context=True, include_suggestions=True)
    for path in result.files:
        if path.suffix == ".csv":
            text = path.read_text(encoding="utf-8")
        elif path.suffix == ".xlsx":
            ws = load_workbook(path).active
            text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row)
        else:
            text = "\n".join(p.text for p in Document(path).paragraphs)
        assert WITHDRAWN_TEXT not in text, path.name
        assert "Practitioner 06" not in text


def test_context_is_the_preceding_consenting_turn(study):
    project, store, _ = study
    table = select_quotes(project, store, context=True)
    first = table[table["quote"] == "The pressure never stops."].iloc[0]
    assert first["context"] == "Facilitator: What is the pressure like at the moment?"
    # The withdrawn participant spoke just before this turn: the turn before theirs is shown.
    last = table[table["quote"] == "There's no time to reflect here either."].iloc[0]
    assert last["context"].startswith("Practitioner, FG2: Judgement is contextual.")
    manager_follow = table[table["quote"].str.startswith("I go home")].iloc[0]
    assert manager_follow["context"].startswith("Participant, FG1: As a manager")


def test_refuses_the_private_zone_and_writes_nothing(study):
    project, store, _ = study
    with pytest.raises(InputError, match="private zone"):
        export_quotes(project, store, output=project.private_dir / "exports")
    assert not (project.private_dir / "exports").exists()
    assert not list(project.shareable_dir.glob("quotes.*"))


def test_real_name_in_a_quote_stops_the_export_before_writing(study):
    project, store, _ = study
    with store.transaction() as conn:
        conn.execute(
            "UPDATE segments SET text = 'Bev Okafor said the pressure never stops.' "
            "WHERE text = 'The pressure never stops.'"
        )
    with pytest.raises(LeakError) as info:
        export_quotes(project, store)
    assert "Okafor" not in str(info.value) and "Bev" not in str(info.value)
    # Placed as a spreadsheet shows it: the header is row 1.
    assert "reports/quotes.csv: row 2, column quote" in str(info.value)
    assert "reports/quotes.xlsx: member xl/worksheets/sheet1.xml, cell B2" in str(info.value)
    assert not list(project.shareable_dir.glob("quotes.*"))


def test_unknown_format_is_a_clean_error(study):
    project, store, _ = study
    with pytest.raises(InputError, match="unknown format"):
        export_quotes(project, store, formats=("pdf",))


def test_csv_and_xlsx_columns(study):
    project, store, _ = study
    result = export_quotes(project, store, context=True)
    rows = _csv_rows(project.shareable_dir / "quotes.csv")
    assert list(rows[0]) == QUOTE_COLUMNS + ["context"]
    assert rows[0]["reference"] == "FG1 turn 2"
    ws = load_workbook(project.shareable_dir / "quotes.xlsx").active
    header = [c.value for c in ws[1]]
    assert header == QUOTE_COLUMNS + ["context"]
    assert ws.max_row == 1 + result.rows
    quotes = [ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)]
    assert quotes == [r["quote"] for r in rows]


def test_docx_groups_quotes_under_code_headings(study):
    project, store, _ = study
    export_quotes(project, store, include_suggestions=True)
    doc = Document(project.shareable_dir / "quotes.docx")
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    # Codebook order, labels rather than ids.
    assert headings == ["Workload pressure", "Fairness of allocation", "Emotional labour",
                        "Cautious about AI"]
    current, under = None, {}
    for p in doc.paragraphs:
        if p.style.name == "Heading 1":
            current = p.text
        elif p.style.name == "Quote":
            under.setdefault(current, []).append(p.text)
    assert "\u201cThe pressure never stops.\u201d" in under["Workload pressure"]
    assert len(under["Workload pressure"]) == 4
    assert all("tray" not in q for q in under["Workload pressure"])
    texts = [p.text for p in doc.paragraphs]
    assert "Talk about volume of cases, time pressure and no time to reflect." in texts
    assert any(t.startswith("\u2014 Participant, FG1 (FG1 turn 4)") for t in texts)
    assert any(t.endswith("(suggested coding, not yet reviewed)") for t in texts)


def test_same_inputs_give_byte_identical_files(study):
    project, store, _ = study
    first = {p.name: p.read_bytes() for p in export_quotes(project, store, context=True).files}
    second = {p.name: p.read_bytes() for p in export_quotes(project, store, context=True).files}
    assert first.keys() == {"quotes.csv", "quotes.xlsx", "quotes.docx"}
    assert first == second


def test_cli_export_quotes_with_filters(study):
    project, store, _ = study
    store.close()
    result = CliRunner().invoke(app, [
        "export", "quotes", "-p", str(project.root), "--code", "ai_caution", "-f", "csv",
        "--group", "FG2",
    ])
    assert result.exit_code == 0, result.output
    assert "Exported 2 quote(s) across 1 code(s)" in result.output
    rows = _csv_rows(project.shareable_dir / "quotes.csv")
    assert {r["codes"] for r in rows} == {"ai_caution"}
    assert not (project.shareable_dir / "quotes.docx").exists()
    last = project.open_store().last_run("export quotes")
    assert last["status"] == "ok" and last["manifest"]["parameters"]["codes"] == ["ai_caution"]


def test_cli_refuses_private_output(study):
    project, store, _ = study
    store.close()
    result = CliRunner().invoke(app, [
        "export", "quotes", "-p", str(project.root), "-o", str(project.root / "data"),
    ])
    assert result.exit_code == 2
    assert "private zone" in result.output


def test_written_files_are_scanned_before_they_replace_anything(study):
    """Office templates carry text of their own (fonts, language tags); it is checked too."""
    project, store, _ = study
    export_quotes(project, store, formats=("csv",))
    before = (project.shareable_dir / "quotes.csv").read_bytes()
    # A study whose key holds a word that only the Word/Excel templates contain.
    (project.private_dir / "extra-identifiers.csv").write_text(
        "value,type\nCalibri,organisation\n", encoding="utf-8"
    )
    with pytest.raises(LeakError) as info:
        export_quotes(project, store)
    assert "Calibri" not in str(info.value)
    assert "quotes.xlsx:" in str(info.value) or "quotes.docx:" in str(info.value)
    assert (project.shareable_dir / "quotes.csv").read_bytes() == before
    assert not (project.shareable_dir / "quotes.xlsx").exists()
    assert not (project.shareable_dir / "quotes.docx").exists()
    assert sorted(p.name for p in project.shareable_dir.iterdir()) == ["quotes.csv"]


def test_nothing_checked_yet_says_so_and_how_to_include_suggestions(study):
    from typer.testing import CliRunner

    from fgkit.cli import app

    project, store, _ = study
    with store.transaction() as conn:
        conn.execute("DELETE FROM reviews")
    result = export_quotes(project, store, formats=("docx",))
    assert result.rows == 0
    assert "Nothing is checked yet" in result.note and "--include-suggestions" in result.note
    from docx import Document

    text = "\n".join(p.text for p in Document(str(result.files[0])).paragraphs)
    assert "Nothing is checked yet" in text and "No quotes matched" not in text
    store.close()
    out = CliRunner().invoke(app, ["export", "quotes", "--project", str(project.root), "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert "Nothing is checked yet" in out.output
    # with suggestions asked for, there is nothing to explain
    assert export_quotes(project, project.open_store(), formats=("csv",), include_suggestions=True).note == ""


def test_a_parent_code_filter_includes_its_sub_codes(study):
    from fgkit.export.quotes import _descendants

    class Code:
        def __init__(self, id, parent=None):
            self.id, self.parent = id, parent

    book = {c.id: c for c in (Code("a"), Code("b", "a"), Code("c", "b"), Code("d"))}
    assert _descendants({"a"}, book) == {"a", "b", "c"}
    assert _descendants({"d"}, book) == {"d"}
