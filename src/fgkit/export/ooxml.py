"""Byte-stable zip packages: fixed timestamps and metadata so equal inputs give equal files."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["FIXED_ZIP_TIME", "write_zip", "normalise_ooxml"]

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_W3CDTF = "2000-01-01T00:00:00Z"
_CORE_DATES = re.compile(
    rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)"
)


def write_zip(path: Path, members: Iterable[tuple[str, bytes]]) -> None:
    """Write ``members`` (name, data) in the order given, with fixed times and modes."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


def normalise_ooxml(path: Path) -> None:
    """Rewrite an .xlsx/.docx in place with fixed zip times and document dates.

    Office writers stamp the current time into the zip entries and docProps/core.xml, which
    would make every export differ from the last one.
    """
    with zipfile.ZipFile(path) as zf:
        members = [(info.filename, zf.read(info)) for info in zf.infolist()]
    fixed = []
    for name, data in members:
        if name == "docProps/core.xml":
            data = _CORE_DATES.sub(rb"\g<1>" + _FIXED_W3CDTF.encode() + rb"\g<3>", data)
        fixed.append((name, data))
    write_zip(path, fixed)
