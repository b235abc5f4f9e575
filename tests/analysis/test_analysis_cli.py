"""`fgkit analyse` end to end through the CLI."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from fgkit.cli import app


def test_analyse_writes_protected_tables_and_records_the_run(study):
    project, store = study
    result = CliRunner().invoke(app, ["analyse", "--project", str(project.root), "--no-topics"])
    assert result.exit_code == 0, result.output
    assert "4 group(s), 15 participants" in result.output
    assert "Advanced practitioner: fewer than 3" in result.output
    assert "Leak gate" in result.output
    for stem in ("prevalence", "distinctive_terms", "cooccurrence", "topics", "topics_by_role",
                 "topic_examples", "framework_matrix"):
        assert (project.shareable_dir / f"{stem}.csv").is_file()
        assert (project.shareable_dir / f"{stem}.parquet").is_file()
    with open(project.shareable_dir / "prevalence.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # two advanced practitioners, each alone in their group: in no role's figures at all
    assert not [r for r in rows if r["role"] == "advanced_practitioner"]
    small = [r for r in rows if r["group"] == "FG6" and r["code"] == "governance"]
    assert small and all(r["participants"] == "" and r["display"] == "fewer than 3 participants"
                         for r in small if r["status"] != "accepted")
    run = store.last_run("analyse")
    assert run["status"] == "ok"
    assert run["manifest"]["topics"]["status"] == "disabled"
    assert "reports/prevalence.csv" in run["manifest"]["outputs"]
    # no speech text reaches the run manifest
    assert "caseload" not in json.dumps(run["manifest"])


def test_analyse_reports_too_few_segments_for_topics(study):
    project, _ = study
    result = CliRunner().invoke(app, ["analyse", "-p", str(project.root), "--topics"])
    assert result.exit_code == 0, result.output
    assert "Only 16 segments: too few for stable candidate topics (need 60)." in result.output


def test_bad_settings_give_one_clean_error_line(study):
    project, _ = study
    settings = project.root / "fgkit.toml"
    settings.write_text(settings.read_text().replace("[topics]", '[topics]\nreducer = "tsne"'))
    result = CliRunner().invoke(app, ["analyse", "-p", str(project.root), "--topics"])
    assert result.exit_code == 2
    assert "reducer" in result.output and "Traceback" not in result.output


def test_analyse_outside_a_project_fails_cleanly(tmp_path):
    result = CliRunner().invoke(app, ["analyse", "-p", str(tmp_path)])
    assert result.exit_code != 0
    assert "not an fgkit project" in result.output


def test_an_empty_study_says_what_to_do_next(tmp_path):
    from fgkit.project import init_project

    project = init_project(tmp_path / "p")
    result = CliRunner().invoke(app, ["analyse", "-p", str(project.root), "--no-topics"])
    assert result.exit_code == 0, result.output
    assert "run the pseudonymise and code stages first" in result.output
    assert (project.shareable_dir / "prevalence.csv").read_text().startswith("dimension,role,group,code")
