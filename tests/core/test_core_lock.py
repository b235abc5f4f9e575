"""One writing command at a time per project, checked with real separate processes."""

from __future__ import annotations

import subprocess
import sys
import time

from fgkit.project import init_project
from fgkit.store import Store

# Holds the project's lock, as a running `fgkit run` does, until its stdin closes.
HOLDER = """
import sys
from fgkit.lock import project_lock
from fgkit.project import Project

with project_lock(Project.load(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def _project(tmp_path, wait: float):
    project = init_project(tmp_path / "p")
    settings = project.root / "fgkit.toml"
    settings.write_text(settings.read_text().replace("[project]\n", f"[project]\nlock_wait_seconds = {wait}\n", 1))
    return project


def _hold(project) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(project.root)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def _fgkit(*args: str) -> list[str]:
    return [sys.executable, "-m", "fgkit", *args]


def _runs(project) -> int:
    store = Store.open(project.store_path)
    try:
        return store.query("SELECT COUNT(*) AS n FROM runs")[0]["n"]
    finally:
        store.close()


def test_a_second_writer_stops_with_one_clear_line_and_changes_nothing(tmp_path):
    project = _project(tmp_path, 0.3)
    before = _runs(project)
    holder = _hold(project)
    try:
        second = subprocess.run(_fgkit("ingest", "--project", str(project.root)),
                                capture_output=True, text=True, timeout=120)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert second.returncode == 2
    assert second.stderr.count("\n") == 1, second.stderr
    assert second.stderr.startswith("fgkit: error: ")
    assert "another fgkit command is working on this project (waited 0.3 s)" in second.stderr
    assert _runs(project) == before
    # Once the first has finished, the same command runs.
    again = subprocess.run(_fgkit("ingest", "--project", str(project.root), "--json"),
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert _runs(project) == before + 1


def test_a_second_writer_waits_for_the_first_to_finish(tmp_path):
    project = _project(tmp_path, 60)
    holder = _hold(project)
    second = subprocess.Popen(_fgkit("participants", "withdraw", "P01", "--project", str(project.root)),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        assert second.poll() is None  # still waiting for the lock
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    out, err = second.communicate(timeout=120)
    # It ran once the lock was free: the register has no P01, which is its own clean error.
    assert second.returncode == 2 and "another fgkit command" not in err
    assert err.count("\n") == 1 and "P01" in err


def test_a_killed_holder_leaves_the_project_unlocked(tmp_path):
    project = _project(tmp_path, 5)
    holder = _hold(project)
    holder.kill()
    holder.wait(timeout=30)
    after = subprocess.run(_fgkit("ingest", "--project", str(project.root), "--json"),
                           capture_output=True, text=True, timeout=120)
    assert after.returncode == 0, after.stderr


def test_the_lock_is_reentrant_within_one_process(tmp_path):
    from fgkit.lock import project_lock
    from fgkit.project import Project

    project = Project.load(_project(tmp_path, 0).root)
    with project_lock(project), project_lock(project) as path:
        assert path.parent == project.private_dir
