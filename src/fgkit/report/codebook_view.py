"""The codebook as a report needs it: labels, definitions, parents, version and file hash."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..io import sha256_file

__all__ = ["CodebookView", "read_codebook"]


@dataclass(frozen=True)
class CodebookView:
    path: str
    version: str
    sha256: str
    codes: dict[str, dict] = field(default_factory=dict)


def read_codebook(path: Path) -> CodebookView:
    """Load and validate the codebook; a missing file gives an empty view (the report says so).

    The hash is of the file itself, so a reader can check it with any SHA-256 tool.
    """
    from ..codebook import load_codebook

    path = Path(path)
    if not path.is_file():
        return CodebookView(path.name, "not found", "", {})
    book = load_codebook(path)
    codes = {
        c.id: {"label": c.label, "definition": c.definition, "parent": c.parent or ""} for c in book.codes
    }
    return CodebookView(path.name, str(book.version or "not stated"), sha256_file(path), codes)
