"""Full runs of the sample study, shared by every reliability test module.

Each full run costs tens of seconds, so runs are session-scoped and never mutated by the tests
that read them; a test that changes a project takes its own copy. The helper module
comparisons of outputs live in ``support.reliability_outputs``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import reliability_outputs as outputs
from support.sample import copy_sample_project as _copy_sample_project

_SNAPSHOT: list[Path] = []

RUN_TIMEOUT = 600


@dataclass
class CliRun:
    project: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def fgkit_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONHASHSEED="0")
    env.pop("FGKIT_DEBUG", None)
    env.pop("FGKIT_KEY_PASSPHRASE", None)
    return env


def fgkit_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "fgkit", *args]


def run_fgkit(project: Path, *args: str) -> CliRun:
    """``python -m fgkit ARGS --project PROJECT`` in a subprocess, output captured."""
    started = time.perf_counter()
    done = subprocess.run(
        fgkit_command(*args, "--project", str(project)),
        capture_output=True,
        text=True,
        env=fgkit_env(),
        timeout=RUN_TIMEOUT,
        check=False,
    )
    return CliRun(project, done.returncode, done.stdout, done.stderr, time.perf_counter() - started)


def full_run(project: Path, *extra: str) -> CliRun:
    return run_fgkit(project, "run", "--no-topics", *extra)


def assert_run_ok(run: CliRun) -> None:
    # The first stderr lines say which stage failed; they carry no speech by design.
    assert run.returncode == 0, f"fgkit run failed ({run.returncode}):\n{run.stderr[-3000:]}"


def store_rows(project: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(project / "data" / "fgkit.sqlite")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="session", autouse=True)
def _sample_snapshot(tmp_path_factory) -> Path:
    # The repository's sample study may change while a long session runs; every copy in this
    # session comes from one snapshot so all runs see the same inputs.
    snapshot = _copy_sample_project(tmp_path_factory.mktemp("snapshot") / "study")
    _SNAPSHOT.append(snapshot)
    yield snapshot
    _SNAPSHOT.clear()


def copy_sample_project(dest: Path) -> Path:
    """A copy of this session's snapshot of the sample study (settings, data/, codebooks/, reports/)."""
    shutil.copytree(_SNAPSHOT[0], dest)
    return dest


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory) -> CliRun:
    """One uninterrupted ``fgkit run --no-topics`` on a fresh copy of the sample study."""
    project = copy_sample_project(tmp_path_factory.mktemp("reference") / "study")
    return full_run(project)


@dataclass
class Twin:
    """A second fresh copy run once, then again with nothing changed (all recorded before any
    later test changes the copy)."""

    run: CliRun
    first: dict[str, object]
    first_digests: dict[str, str]
    rerun_outcomes: list
    rerun_digests: dict[str, str]


@pytest.fixture(scope="session")
def twin(tmp_path_factory) -> Twin:
    from fgkit.pipeline import run_all
    from fgkit.project import Project

    project = copy_sample_project(tmp_path_factory.mktemp("twin") / "study")
    run = full_run(project)
    assert_run_ok(run)
    first = outputs.comparable(project / "reports")
    first_digests = outputs.digests(project / "reports")
    loaded = Project.load(project)
    store = loaded.open_store()
    try:
        summary = run_all(loaded, store, topics=False)
    finally:
        store.close()
    return Twin(run, first, first_digests, summary.stages, outputs.digests(project / "reports"))


@pytest.fixture(scope="session")
def rel():
    """The helpers of this folder, for test modules."""
    from types import SimpleNamespace

    return SimpleNamespace(
        outputs=outputs,
        copy_sample_project=copy_sample_project,
        run_fgkit=run_fgkit,
        full_run=full_run,
        fgkit_command=fgkit_command,
        fgkit_env=fgkit_env,
        assert_run_ok=assert_run_ok,
        store_rows=store_rows,
    )
