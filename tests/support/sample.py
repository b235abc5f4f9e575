"""The bundled sample study: copy it into a temporary folder so no test touches the checkout."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# The published REFI-QDA schemas, copied into the repository with their licence.
REFI_SCHEMAS = REPO_ROOT / "tests" / "fixtures" / "refi-qda"


def copy_sample_project(dest: Path) -> Path:
    """Copy the bundled sample study (settings, data/, codebooks/) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO_ROOT / "fgkit.toml", dest / "fgkit.toml")
    shutil.copytree(
        REPO_ROOT / "data",
        dest / "data",
        ignore=shutil.ignore_patterns("fgkit.sqlite*", "key*", "anonymisation-log*", "cache", ".publish",
                                      ".fgkit.lock"),
    )
    shutil.copytree(REPO_ROOT / "codebooks", dest / "codebooks")
    (dest / "reports").mkdir(exist_ok=True)
    # As `fgkit init` leaves it: the private zone owner-only (a checkout's umask gives 755, which
    # fgkit would fix with a warning on the first command).
    os.chmod(dest / "data", 0o700)
    return dest
