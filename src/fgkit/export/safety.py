"""The destination guard every export passes before anything is staged.

An export never goes into the private zone. The leak gate itself runs in the one writer for
shareable files (``fgkit.shareable``): files are staged privately, scanned (member by member for
zip packages, whose templates can carry text of their own) and published only when clean.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

__all__ = ["check_destination"]


def check_destination(project, path: str | Path) -> Path:
    """Resolve an output path and refuse anything inside the private zone."""
    resolved = Path(path).expanduser().resolve()
    if resolved == project.private_dir or project.is_private(resolved):
        raise InputError(
            "this is inside the private zone; exports go to the shareable zone "
            f"({project.shareable_dir}) or another folder outside {project.private_dir}",
            resolved,
        )
    return resolved
