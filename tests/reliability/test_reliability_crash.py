"""Crash safety: runs killed with SIGKILL at seeded random moments corrupt nothing.

One project goes through: a first run killed part-way, a recovery run (compared with the
uninterrupted reference), three review decisions, three forced runs killed part-way, a
recovery run, and one uninterrupted forced run to compare that recovery with.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import reliability_outputs as outputs

pytestmark = pytest.mark.slow

SEED = 20261126
KILLS_AFTER_REVIEWS = 3
EARLIEST_KILL = 1.0


@dataclass
class Kill:
    delay: float
    killed: bool
    integrity: str | None
    opens: bool
    reviews: list[tuple] | None
    broken_outputs: list[str]
    strays: list[str]


@dataclass
class CrashStory:
    project: Path
    kills: list[Kill] = field(default_factory=list)
    first_recovery: object = None
    first_recovery_outputs: dict = field(default_factory=dict)
    reviews: list[tuple] = field(default_factory=list)
    final: object = None
    final_outputs: dict = field(default_factory=dict)
    uninterrupted: object = None
    uninterrupted_outputs: dict = field(default_factory=dict)


def _reviews(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM reviews ORDER BY review_id").fetchall()
    finally:
        conn.close()


def _observe(project: Path, delay: float, killed: bool, expected_names: set[str]) -> Kill:
    from fgkit.project import Project

    db = project / "data" / "fgkit.sqlite"
    integrity = reviews = None
    opens = False
    if db.exists():
        conn = sqlite3.connect(db)
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
        store = Project.load(project).open_store()
        try:
            store.query("SELECT count(*) FROM turns")
            opens = True
        finally:
            store.close()
        reviews = _reviews(db)
    broken, strays = [], []
    reports = project / "reports"
    for path in outputs.visible_files(reports):
        rel = path.relative_to(reports).as_posix()
        if rel not in expected_names:
            strays.append(rel)
            continue
        try:
            outputs.check_complete(path)
        except Exception as exc:  # noqa: BLE001 - any reader failure means a damaged file
            broken.append(f"{rel}: {type(exc).__name__}")
    return Kill(delay, killed, integrity, opens, reviews, broken, strays)


def _kill_at(project: Path, delay: float, rel, *extra: str) -> bool:
    """Start a run, SIGKILL it after ``delay`` seconds; False when it finished first."""
    proc = subprocess.Popen(
        rel.fgkit_command("run", "--no-topics", *extra, "--project", str(project)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=rel.fgkit_env(),
    )
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def _add_reviews(project: Path) -> None:
    from fgkit.project import Project
    from fgkit.store import now_iso

    store = Project.load(project).open_store()
    try:
        suggested = store.query("SELECT segment_id, code FROM codings ORDER BY segment_id, code LIMIT 2")
        other = store.query(
            "SELECT segment_id FROM segments WHERE segment_id NOT IN (SELECT segment_id FROM codings) "
            "ORDER BY segment_id LIMIT 1"
        )
        code = store.query("SELECT code FROM codings ORDER BY code LIMIT 1")[0]["code"]
        assert len(suggested) == 2 and other, "the recovery run coded nothing to review"
        rows = [
            (suggested[0]["segment_id"], suggested[0]["code"], "accept"),
            (suggested[1]["segment_id"], suggested[1]["code"], "reject"),
            (other[0]["segment_id"], code, "add"),
        ]
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO reviews (segment_id, code, decision, reviewer, decided_at, memo, source) "
                "VALUES (?, ?, ?, 'reviewer-a', ?, 'second look', 'test')",
                [(*r, now_iso()) for r in rows],
            )
    finally:
        store.close()


@pytest.fixture(scope="module")
def story(reference_run, rel, tmp_path_factory) -> CrashStory:
    rel.assert_run_ok(reference_run)
    expected = {p.relative_to(reference_run.project / "reports").as_posix()
                for p in outputs.visible_files(reference_run.project / "reports")}
    window = reference_run.seconds
    rng = random.Random(SEED)
    project = rel.copy_sample_project(tmp_path_factory.mktemp("crash") / "study")
    story = CrashStory(project)

    delay = rng.uniform(EARLIEST_KILL, window)
    story.kills.append(_observe(project, delay, _kill_at(project, delay, rel), expected))
    story.first_recovery = rel.full_run(project)
    story.first_recovery_outputs = outputs.comparable(project / "reports")

    _add_reviews(project)
    story.reviews = _reviews(project / "data" / "fgkit.sqlite")
    for _ in range(KILLS_AFTER_REVIEWS):
        # Forced, so every stage rewrites its outputs and the kill lands in real work.
        delay = rng.uniform(EARLIEST_KILL, window)
        story.kills.append(_observe(project, delay, _kill_at(project, delay, rel, "--force"), expected))

    story.final = rel.full_run(project)
    story.final_outputs = outputs.comparable(project / "reports")
    story.uninterrupted = rel.full_run(project, "--force")
    story.uninterrupted_outputs = outputs.comparable(project / "reports")
    return story


def test_the_kills_landed_while_runs_were_working(story):
    assert sum(k.killed for k in story.kills) >= 3, [(round(k.delay, 1), k.killed) for k in story.kills]


def test_the_store_is_never_corrupted(story):
    for kill in story.kills:
        if kill.integrity is not None:
            assert kill.integrity == "ok", f"killed at {kill.delay:.1f} s"
            assert kill.opens


def test_review_decisions_survive_every_kill(story):
    assert len(story.reviews) == 3
    for kill in story.kills[1:]:
        assert kill.reviews == story.reviews, f"killed at {kill.delay:.1f} s"


def test_every_output_left_by_a_kill_is_whole(story):
    for kill in story.kills:
        assert not kill.broken_outputs, f"killed at {kill.delay:.1f} s: {kill.broken_outputs}"


def test_no_half_written_file_sits_among_the_outputs(story):
    for kill in story.kills:
        assert not kill.strays, f"killed at {kill.delay:.1f} s: unexpected files {kill.strays}"


def test_the_run_after_a_first_run_was_killed_matches_the_uninterrupted_one(story, reference_run, rel):
    rel.assert_run_ok(story.first_recovery)
    reference = outputs.comparable(reference_run.project / "reports")
    assert sorted(story.first_recovery_outputs) == sorted(reference)
    different = [k for k in reference if reference[k] != story.first_recovery_outputs[k]]
    assert not different


def test_the_run_after_killed_runs_matches_an_uninterrupted_one(story, rel):
    rel.assert_run_ok(story.final)
    rel.assert_run_ok(story.uninterrupted)
    assert story.final_outputs.keys() == story.uninterrupted_outputs.keys()
    different = [k for k in story.final_outputs if story.final_outputs[k] != story.uninterrupted_outputs[k]]
    assert not different
    assert _reviews(story.project / "data" / "fgkit.sqlite") == story.reviews


def test_leftover_temporary_files_are_not_taken_for_outputs(story):
    listed = story.final.stdout.split("Shareable outputs in", 1)[-1].splitlines()[1:]
    names = [line.strip() for line in listed if line.startswith("  ")]
    assert names, "the final run listed no outputs"
    assert not [n for n in names if any(part.startswith(".") for part in Path(n).parts)]
    qdpx = list((story.project / "reports").rglob("*.qdpx"))
    for path in qdpx:
        texts = outputs.file_texts(path)
        assert not [m for m in texts if "/." in m.split("!", 1)[-1] or m.split("!", 1)[-1].startswith(".")]
