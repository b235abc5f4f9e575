"""One writing command at a time on a project.

Two ``fgkit run`` (or any two commands that write the working store, the register or the
zones) on one project would interleave their writes. Each writing command holds an exclusive
lock file in the private zone (``data/.fgkit.lock``) for its whole run. A second command waits
up to ``[project] lock_wait_seconds`` for it and then stops with one clear line, having
changed nothing. The operating system releases the lock when its holder exits, even when it
is killed, so a crash never leaves the project locked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import ProjectError

__all__ = ["LOCK_FILE", "project_lock", "ProjectBusy"]

LOCK_FILE = ".fgkit.lock"


class ProjectBusy(ProjectError):
    """Another fgkit command holds the project's lock."""


@contextmanager
def project_lock(project, wait: float | None = None) -> Iterator[Path]:
    """Hold the project's lock for the block; wait ``wait`` seconds (default: the setting).

    Re-entrant within one process (a command calling another stage's function), so a holder
    never waits for itself.
    """
    from filelock import FileLock, Timeout

    path = project.private(LOCK_FILE)
    seconds = project.settings.project.lock_wait_seconds if wait is None else wait
    # is_singleton: the same FileLock object for the same file within this process, so nested
    # holders count up instead of blocking on their own lock.
    lock = FileLock(str(path), is_singleton=True)
    try:
        lock.acquire(timeout=seconds)
    except Timeout:
        raise ProjectBusy(
            f"{project.root}: another fgkit command is working on this project (waited "
            f"{seconds:g} s); let it finish, then run this command again"
        ) from None
    try:
        yield path
    finally:
        lock.release()
