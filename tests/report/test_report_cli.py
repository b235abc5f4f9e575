"""`fgkit report` end to end, through the real analysis stage, and the integration contract."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from fgkit.cli import app

runner = CliRunner()


@pytest.fixture
def study(study_on_disk):
    return study_on_disk


def test_report_command_writes_all_four_and_records_the_run(study):
    result = runner.invoke(app, ["report", "--project", str(study.root)])
    assert result.exit_code == 0, result.output
    for name in ("report.html", "report.docx", "report.md", "framework-matrix.xlsx"):
        assert (study.shareable_dir / name).stat().st_size > 1000
        assert f"reports/{name}" in result.output
    with study.open_store() as store:
        run = store.last_run("report")
    assert run["status"] == "ok"
    assert run["manifest"]["parameters"]["formats"] == ["html", "docx", "md", "xlsx"]
    assert "codebooks/adult-social-care.yaml" in run["manifest"]["inputs"]


def test_real_analysis_feeds_the_report(study):
    result = runner.invoke(app, ["report", "-p", str(study.root), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in study.shareable_dir.iterdir() if not p.name.startswith(".")] == ["report.html"]
    page = lxml_html.fromstring((study.shareable_dir / "report.html").read_bytes())
    codes = [h.text_content() for h in page.xpath("//section[@id='codes']//h3")]
    assert codes[0] == "Workload pressure" and len(codes) == 5
    text = page.text_content()
    # FG4 has two people: its quotes name neither their role nor the group
    assert "Participant, FG4" not in text and "Manager, FG4" not in text
    assert "FG4 has fewer than 3 people" in text
    assert "Candidate topics were not" in text or "disabled" in text.lower() or page.xpath(
        "//section[@id='topics']/p[2]")
    # Whatever the analysis counted, nothing that rests on one or two people is printed.
    assert not re.search(r"(by|for) [12] of \d+ ", text)


def test_no_topics_overrides_the_setting(study):
    settings = study.root / "fgkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("enabled = false", "enabled = true"),
                        encoding="utf-8")
    result = runner.invoke(app, ["report", "-p", str(study.root), "-f", "md", "--no-topics"])
    assert result.exit_code == 0, result.output
    text = (study.shareable_dir / "report.md").read_text(encoding="utf-8")
    topics = text.split("## Candidate topics")[1].split("## Framework matrix")[0]
    assert "switched off" in topics and "| Candidate topic |" not in topics
    with study.open_store() as store:
        assert store.last_run("report")["manifest"]["parameters"]["topics"] is False


def test_unknown_format_is_a_clean_error(study):
    result = runner.invoke(app, ["report", "-p", str(study.root), "--format", "pdf"])
    assert result.exit_code == 2
    assert "unknown report format 'pdf'" in result.output
    assert "Traceback" not in result.output


def test_empty_project_says_what_to_do(tmp_path):
    runner.invoke(app, ["init", str(tmp_path / "empty")])
    result = runner.invoke(app, ["report", "-p", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert "run `fgkit code` first" in result.output
