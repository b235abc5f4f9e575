"""Guards every export passes before a byte reaches disk.

1. The destination must not be in the private zone.
2. Every string about to be written is scanned with the leak gate's own search (pseudonym key
   entities, register names and labels, extra identifiers). A hit stops the export before
   anything is written; the error names the file, the place and the kind, never the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..errors import InputError, LeakError

__all__ = ["check_destination", "scan_before_write"]

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


def scan_before_write(project, items: Iterable[tuple[str, str, str]]) -> None:
    """Raise LeakError if any (file, where, text) holds key material; nothing is written then."""
    from ..pseudonymise.leakgate import leak_values, scan_text

    values = leak_values(project)
    if not values:
        return
    leaks = []
    for file, where, text in items:
        if text:
            leaks.extend(scan_text(text, values, file, where))
    if leaks:
        shown = [str(leak) for leak in leaks[:_MAX_REPORTED]]
        if len(leaks) > len(shown):
            shown.append(f"... and {len(leaks) - len(shown)} more")
        raise LeakError(
            f"the export would contain {len(leaks)} real identifier(s); nothing was written. "
            "Pseudonymise them (add missed names to deny_list, re-run pseudonymise), then export "
            "again:\n" + "\n".join(shown)
        )
