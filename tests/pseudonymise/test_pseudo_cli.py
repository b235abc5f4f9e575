"""`fgkit pseudonymise` through the CLI: counts only, never a real value."""

from __future__ import annotations

import json

import pytest
from support.pseudo import STUDY_REGISTER, STUDY_TURNS, make_project
from typer.testing import CliRunner

pytestmark = pytest.mark.slow


def test_pseudonymise_cli_prints_counts_only(tmp_path, monkeypatch):
    from fgkit.cli import app

    monkeypatch.delenv("FGKIT_KEY_PASSPHRASE", raising=False)
    project, store = make_project(tmp_path / "s", STUDY_REGISTER, STUDY_TURNS)
    store.close()
    runner = CliRunner()
    result = runner.invoke(app, ["pseudonymise", "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    assert "Participant" in result.output and "Leak gate:" in result.output
    for value in ("Priya", "Okafor", "Beeston", "07700", "grace.a@", "Tomek", "Gráinne"):
        assert value not in result.output
    passfile = tmp_path / "pass.txt"
    passfile.write_text("a long passphrase\n", encoding="utf-8")
    encrypted = runner.invoke(app, ["pseudonymise", "-p", str(project.root), "--passphrase-file",
                                    str(passfile), "--json"])
    assert encrypted.exit_code == 0, encrypted.output
    data = json.loads(encrypted.stdout)
    assert data["turns_from_model"] == 0 and data["turns_written"] == 7
    assert (project.private_dir / "key.json.enc").exists() and not (project.private_dir / "key.json").exists()
    passfile.write_text("the wrong one\n", encoding="utf-8")
    wrong = runner.invoke(app, ["pseudonymise", "-p", str(project.root), "--passphrase-file", str(passfile)])
    assert wrong.exit_code == 2 and "wrong passphrase" in wrong.output
    assert "Traceback" not in wrong.output
