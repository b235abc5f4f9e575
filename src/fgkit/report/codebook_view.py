"""The codebook as a report needs it: labels, definitions, parents, version and file hash."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CodebookError, InputError
from ..io import sha256_file

__all__ = ["CodebookView", "read_codebook"]


@dataclass(frozen=True)
class CodebookView:
    path: str
    version: str
    sha256: str
    codes: dict[str, dict] = field(default_factory=dict)


def read_codebook(path: Path) -> CodebookView:
    """Read the codebook file; a missing file gives an empty view (the report says so)."""
    path = Path(path)
    if not path.is_file():
        return CodebookView(path.name, "not found", "", {})
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CodebookError(
            [InputError("not valid YAML; fix the codebook", path, mark.line + 1 if mark else None)]
        ) from None
    codes = {}
    for entry in data.get("codes") or [] if isinstance(data, dict) else []:
        if isinstance(entry, dict) and entry.get("id"):
            codes[str(entry["id"])] = {
                "label": entry.get("label") or "",
                "definition": entry.get("definition") or "",
                "parent": entry.get("parent") or "",
            }
    version = str(data.get("version", "not stated")) if isinstance(data, dict) else "not stated"
    return CodebookView(path.name, version, sha256_file(path), codes)
