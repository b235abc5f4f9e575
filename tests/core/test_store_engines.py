"""The same study gives byte-identical shareable outputs whether the store is the project's
SQLite file or a PostgreSQL database on a server."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fgkit.cli import app

pytestmark = pytest.mark.slow


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(project: Path, monkeypatch, url: str | None) -> dict[str, str]:
    if url:
        monkeypatch.setenv("FGKIT_STORE_URL", url)
    else:
        monkeypatch.delenv("FGKIT_STORE_URL", raising=False)
    result = CliRunner().invoke(app, ["run", "--no-topics", "--project", str(project)])
    assert result.exit_code == 0, result.output + result.stderr
    return _digests(project / "reports")


def test_sample_study_reports_are_identical_on_both_engines(sample_project, tmp_path, monkeypatch, postgres_url):
    project = tmp_path / "postgres"
    shutil.copytree(sample_project, project)
    on_sqlite = _run(sample_project, monkeypatch, None)
    on_postgres = _run(project, monkeypatch, postgres_url)
    assert not (project / "data" / "fgkit.sqlite").exists()
    assert on_sqlite.keys() == on_postgres.keys()
    differing = sorted(name for name in on_sqlite if on_sqlite[name] != on_postgres[name])
    assert differing == []
