"""Guards every export passes before a byte reaches its final place.

1. The destination must not be in the private zone.
2. Every string about to be written is scanned with the leak gate's own search (pseudonym key
   entities, register names and labels, extra identifiers) before any file is opened.
3. Each finished file is scanned again, member by member for zip packages (a Word or Excel
   template can carry text of its own), while it still sits under a temporary name; only a
   clean file replaces the target.
A hit raises LeakError naming the file, the place and the kind, never the value.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import InputError, LeakError

__all__ = ["check_destination", "LeakCheck"]

_MAX_REPORTED = 10


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


class LeakCheck:
    """The leak gate's search, compiled once per export."""

    def __init__(self, project) -> None:
        from ..pseudonymise.leakgate import leak_values

        self.values = leak_values(project)

    def strings(self, items: Iterable[tuple[str, str, str]]) -> None:
        """Raise LeakError if any (file, where, text) holds key material."""
        from ..pseudonymise.leakgate import scan_text

        if not self.values:
            return
        leaks = []
        for file, where, text in items:
            if text:
                leaks.extend(scan_text(text, self.values, file, where))
        if leaks:
            shown = [str(leak) for leak in leaks[:_MAX_REPORTED]]
            if len(leaks) > len(shown):
                shown.append(f"... and {len(leaks) - len(shown)} more")
            raise LeakError(
                f"the export would contain {len(leaks)} real identifier(s); nothing was written. "
                "Pseudonymise them (add missed names to deny_list, re-run pseudonymise), then "
                "export again:\n" + "\n".join(shown)
            )

    def file(self, path: Path, shown_as: str) -> None:
        """Scan a written file (each member of a zip package) before it is published."""
        data = path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                items = [
                    (f"{shown_as}:{name}", "", zf.read(name).decode("utf-8", errors="replace"))
                    for name in zf.namelist()
                    if not name.endswith((".jpeg", ".jpg", ".png", ".emf", ".bin"))
                ]
        else:
            items = [(shown_as, "", data.decode("utf-8", errors="replace"))]
        self.strings(items)
