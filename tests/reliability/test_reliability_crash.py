"""Crash safety: runs killed with SIGKILL at seeded random moments corrupt nothing.

One project goes through: a first run killed part-way, three review decisions, three more runs
killed part-way (each picks up where the last stopped), a run left to finish, and one
uninterrupted forced run to compare that finished run with.
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
from support import reliability_outputs as outputs

pytestmark = pytest.mark.slow

SEED = 20261126
KILLS_AFTER_REVIEWS = 3
# Kill moments as shares of the reference run's duration: the first ~15% is interpreter start-up
# and imports, where a kill tests nothing.
KILL_WINDOW = (0.15, 0.95)


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


def _add_reviews(project: Path, reference: Path) -> None:
    """Three decisions on segments of this study (ids are content hashes, so the reference
    run's ids are this project's too), written as the review import would."""
    from fgkit.project import Project
    from fgkit.store import now_iso

    conn = sqlite3.connect(reference / "data" / "fgkit.sqlite")
    try:
        suggested = conn.execute("SELECT segment_id, code FROM codings ORDER BY segment_id, code LIMIT 2").fetchall()
        uncoded = conn.execute(
            "SELECT segment_id FROM segments WHERE segment_id NOT IN (SELECT segment_id FROM codings) "
            "ORDER BY segment_id LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    assert len(suggested) == 2 and uncoded, "the reference run coded nothing to review"
    rows = [(*suggested[0], "accept"), (*suggested[1], "reject"), (uncoded[0], suggested[0][1], "add")]
    store = Project.load(project).open_store()
    try:
        with store.transaction() as db:
            db.executemany(
                "INSERT INTO reviews (segment_id, code, decision, reviewer, decided_at, memo, source) "
                "VALUES (?, ?, ?, 'reviewer-a', ?, 'second look', 'worksheet')",
                [(*r, now_iso()) for r in rows],
            )
    finally:
        store.close()


# What a kill in the middle of an atomic write leaves: a hidden, truncated temp file beside the
# real one (fgkit.io.atomic_path names them ".<name>.<random>.tmp").
HALF_WRITTEN = {
    "report.html": ".report.html.k3j9x2.tmp",
    "transcripts/fg1-teams.txt": "transcripts/.fg1-teams.txt.p0q8zz.tmp",
}


def _plant_half_written(project: Path, reference_reports: Path) -> None:
    for real, temp in HALF_WRITTEN.items():
        data = (reference_reports / real).read_bytes()
        # Killed runs publish nothing now, so the folder may not exist yet.
        (project / "reports" / temp).parent.mkdir(parents=True, exist_ok=True)
        (project / "reports" / temp).write_bytes(data[: len(data) // 2])


@pytest.fixture(scope="module")
def story(reference_run, rel, tmp_path_factory) -> CrashStory:
    rel.assert_run_ok(reference_run)
    reports = reference_run.project / "reports"
    expected = {p.relative_to(reports).as_posix() for p in outputs.visible_files(reports)}
    window = reference_run.seconds
    rng = random.Random(SEED)
    project = rel.copy_sample_project(tmp_path_factory.mktemp("crash") / "study")
    story = CrashStory(project)

    delay = window * rng.uniform(*KILL_WINDOW)
    story.kills.append(_observe(project, delay, _kill_at(project, delay, rel), expected))
    _add_reviews(project, reference_run.project)
    story.reviews = _reviews(project / "data" / "fgkit.sqlite")
    for _ in range(KILLS_AFTER_REVIEWS):
        delay = window * rng.uniform(*KILL_WINDOW)
        story.kills.append(_observe(project, delay, _kill_at(project, delay, rel), expected))

    _plant_half_written(project, reports)
    story.final = rel.full_run(project)
    story.final_outputs = outputs.comparable(project / "reports")
    story.uninterrupted = rel.full_run(project, "--force")
    story.uninterrupted_outputs = outputs.comparable(project / "reports")
    return story


def test_the_kills_landed_while_runs_were_working(story):
    assert sum(k.killed for k in story.kills) >= 2, [(round(k.delay, 1), k.killed) for k in story.kills]


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


def test_the_run_after_killed_runs_matches_an_uninterrupted_one(story, rel):
    rel.assert_run_ok(story.final)
    rel.assert_run_ok(story.uninterrupted)
    assert story.final_outputs == story.uninterrupted_outputs, outputs.describe_differences(
        story.final_outputs, story.uninterrupted_outputs
    )
    assert story.final_outputs, "the finished run wrote nothing"
    assert _reviews(story.project / "data" / "fgkit.sqlite") == story.reviews


def test_leftover_temporary_files_are_not_taken_for_outputs(story, rel):
    listed = story.final.stdout.split("Shareable outputs in", 1)[-1].splitlines()[1:]
    names = [line.strip() for line in listed if line.startswith("  ")]
    assert names, "the final run listed no outputs"
    assert not [n for n in names if any(part.startswith(".") for part in Path(n).parts)]
    assert rel.run_fgkit(story.project, "check").returncode == 0
    qdpx = list((story.project / "reports").rglob("*.qdpx"))
    assert qdpx
    for path in qdpx:
        texts = outputs.file_texts(path)
        assert not [m for m in texts if "/." in m.split("!", 1)[-1] or m.split("!", 1)[-1].startswith(".")]
