"""The CLI edge: help everywhere, clean one-line errors, no tracebacks."""

from __future__ import annotations

from typer.testing import CliRunner

from fgkit.cli import app

runner = CliRunner()


PIPELINE_ORDER = ["init", "ingest", "participants", "pseudonymise", "code", "review", "agree",
                  "analyse", "report", "export", "import", "codebook", "check", "run"]


def test_help_lists_commands_in_pipeline_order():
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    listed = [line.split()[1] for line in result.output.splitlines()
              if line.startswith("│ ") and len(line.split()) > 2 and line.split()[1].isalpha()]
    listed = [name for name in listed if name in PIPELINE_ORDER]
    # typer on its own lists single commands before groups; the order must be the pipeline's.
    assert listed == PIPELINE_ORDER


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("fgkit ")


def test_init_then_ingest_empty_project(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["ingest", "--project", str(tmp_path / "s"), "--json"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "[]"


def test_no_project_is_one_clean_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("fgkit: error: no fgkit.toml")
    assert "Traceback" not in result.output


def test_a_reader_that_goes_away_is_no_internal_error(tmp_path):
    """`fgkit check --show | head -1`: the pipe closes under a long listing; the command ends as a
    process killed by SIGPIPE would, with no traceback and no 'internal error'."""
    import subprocess

    from fgkit.project import init_project

    project = init_project(tmp_path / "p")
    (project.register_path).write_text(
        "transcript,speaker_label,participant_id,role,group,consent,full_name,name_variants\n"
        "a.txt,P1,P01,practitioner,G1,given,Zebedee Quartermaine,\n", encoding="utf-8")
    (project.shareable_dir / "notes.txt").write_text("Zebedee Quartermaine was here.\n" * 5000)
    proc = subprocess.run("fgkit check --show | head -1", shell=True, cwd=project.root,
                          capture_output=True, text=True, executable="/bin/bash")
    assert proc.stdout.count("\n") == 1
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
