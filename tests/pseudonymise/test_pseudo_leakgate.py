"""The leak gate on every kind of file the shareable zone may hold."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from helpers_pseudo import write_register

from fgkit.errors import LeakError
from fgkit.project import init_project
from fgkit.pseudonymise.leakgate import run_leak_gate, scan_shareable

REGISTER = [
    dict(transcript="fg1.txt", speaker_label="Okafor, Grace", participant_id="P01", role="practitioner",
         group="FG1", consent="given", full_name="Grace Okafor", name_variants="Gracie"),
    dict(transcript="fg1.txt", speaker_label="P2", participant_id="P02", role="practitioner",
         group="FG1", consent="given", full_name="William O'Brien", name_variants="Will"),
]


@pytest.fixture
def project(tmp_path):
    project = init_project(tmp_path / "study")
    write_register(project, REGISTER)
    (project.private_dir / "extra-identifiers.csv").write_text("value,type\nHyson Green,place\n", encoding="utf-8")
    return project


def kinds(leaks):
    return sorted({(leak.file, leak.entity_type) for leak in leaks})


def test_clean_zone_passes(project):
    (project.shareable_dir / "report.html").write_text(
        "<p>[Practitioner 01] said the Green cases pile up. Will you read it? I will.</p>", encoding="utf-8")
    assert scan_shareable(project) == []
    assert run_leak_gate(project) == 1


def test_text_html_escaped_and_positions(project):
    (project.shareable_dir / "notes.md").write_text("line one\nthen GRACIE said\n", encoding="utf-8")
    (project.shareable_dir / "page.html").write_text("<p>Mr O&#x27;Brien</p><p>Hyson&nbsp;Green</p>",
                                                     encoding="utf-8")
    leaks = scan_shareable(project)
    assert ("reports/notes.md", "line 2, column 6") in {(l.file, l.position) for l in leaks}
    assert kinds(leaks) == [("reports/notes.md", "participant name"), ("reports/page.html", "Place"),
                            ("reports/page.html", "participant name")]


def test_word_boundaries_and_will_as_a_verb(project):
    (project.shareable_dir / "a.txt").write_text(
        "Gracefully done. Will we? You will. Okaforth is not a name here.\n", encoding="utf-8")
    assert scan_shareable(project) == []
    (project.shareable_dir / "b.txt").write_text("And then Will said no.\n", encoding="utf-8")
    assert kinds(scan_shareable(project)) == [("reports/b.txt", "participant name")]


def test_csv_xlsx_docx_zip_qdpx_parquet(project):
    import docx
    import openpyxl
    import pandas as pd

    share = project.shareable_dir
    (share / "quotes.csv").write_text("quote,speaker\n\"I told Grace, honestly\",Practitioner\n", encoding="utf-8")
    book = openpyxl.Workbook()
    book.active["B2"] = "Meeting with Okafor & team"
    book.save(share / "matrix.xlsx")
    document = docx.Document()
    paragraph = document.add_paragraph("Quote from ")
    paragraph.add_run("Gra")
    paragraph.add_run("cie").bold = True  # split across formatting runs
    document.save(share / "report.docx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("sources/fg1.txt", "nothing here\nbut Hyson Green is\n")
    (share / "bundle.zip").write_bytes(buf.getvalue())
    with zipfile.ZipFile(share / "project.qdpx", "w") as archive:
        archive.writestr("project.qde", '<Project><Source name="x">O&apos;Brien</Source></Project>')
    pd.DataFrame({"text": ["fine", "fine", "Grace again"], "n": [1, 2, 3]}).to_parquet(share / "seg.parquet")
    leaks = scan_shareable(project)
    files = {l.file for l in leaks}
    assert files == {"reports/quotes.csv", "reports/matrix.xlsx", "reports/report.docx",
                     "reports/bundle.zip", "reports/project.qdpx", "reports/seg.parquet"}
    by_file = {l.file: l for l in leaks}
    assert by_file["reports/seg.parquet"].position == "column 'text', row 3"
    assert by_file["reports/bundle.zip"].position == "member sources/fg1.txt, line 2, column 5"
    assert by_file["reports/matrix.xlsx"].position.startswith("member xl/")


def test_key_files_refused(project):
    (project.shareable_dir / "backup").mkdir()
    (project.shareable_dir / "backup" / "key.json").write_text("{}", encoding="utf-8")
    (project.shareable_dir / "renamed.txt").write_text(json.dumps({"format": "fgkit-key", "entities": []}),
                                                       encoding="utf-8")
    leaks = scan_shareable(project)
    assert {l.file for l in leaks if "key" in l.entity_type or "private" in l.entity_type} == {
        "reports/backup/key.json", "reports/renamed.txt"}


def test_error_lists_places_never_values(project):
    (project.shareable_dir / "x.txt").write_text("Grace Okafor and O'Brien\n", encoding="utf-8")
    with pytest.raises(LeakError) as info:
        run_leak_gate(project)
    message = str(info.value)
    assert "reports/x.txt: line 1, column 1" in message
    for value in ("Grace", "Okafor", "Brien"):
        assert value not in message


def test_check_cli_exit_code_and_no_values(project):
    from typer.testing import CliRunner

    from fgkit.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["check", "--project", str(project.root)])
    assert ok.exit_code == 0 and "no real identifiers" in ok.output
    (project.shareable_dir / "y.html").write_text("<td>Gracie</td>", encoding="utf-8")
    bad = runner.invoke(app, ["check", "--project", str(project.root)])
    assert bad.exit_code == 3
    assert "reports/y.html" in bad.output and "Gracie" not in bad.output
    as_json = runner.invoke(app, ["check", "--project", str(project.root), "--json"])
    assert as_json.exit_code == 3
    assert json.loads(as_json.stdout)["leaks"][0]["type"] == "participant name"
