"""What fgkit published, and what the leak gate held back: the shareable writer's private books.

Kept in the private zone, beside the staging area (``data/.publish/``):

- ``record.json``: each file fgkit published under ``reports/``, its SHA-256, the command or stage
  that wrote it (and for a review worksheet, how it was exported), and the hashes of edited
  copies a person has since imported. ``fgkit run`` uses it to remove outputs it no longer
  produces, to refresh worksheets nobody has edited, and to tell fgkit's files from anyone else's.
- ``held/<command>/``: the staged files of the last publication the gate refused, so
  ``fgkit check --show`` can point at the values without anything reaching ``reports/``.

Neither holds a real value beyond what the refused outputs themselves contain.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import LeakError
from .io import atomic_write_text, sha256_file

__all__ = [
    "STATE_DIR", "check_edited_worksheets", "edit_note", "held_leaks", "mark_imported", "recorded",
    "save_record", "state_dir", "zone_lock",
]

STATE_DIR = ".publish"
RECORD_FORMAT = "fgkit-published"


def state_dir(project, *parts: str) -> Path:
    """A path in the writer's private folder (created owner-only)."""
    path = project.private_dir / STATE_DIR
    for sub in ("", "staging", "held"):
        (path / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
    return path.joinpath(*parts)


def zone_lock(project):
    """Held while files move into the zone or the record changes: one publisher at a time."""
    from filelock import FileLock

    return FileLock(str(state_dir(project, "lock")))


def recorded(project) -> dict[str, dict]:
    """{path relative to reports/: {"sha256", "source", "params", "imported"}} of published files."""
    path = project.private_dir / STATE_DIR / "record.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        # The record only steers cleaning up; without it every file counts as not fgkit's.
        return {}
    return data.get("files", {}) if data.get("format") == RECORD_FORMAT else {}


def save_record(project, files: dict[str, dict]) -> None:
    data = {"format": RECORD_FORMAT, "files": dict(sorted(files.items()))}
    atomic_write_text(state_dir(project, "record.json"), json.dumps(data, indent=1) + "\n", mode=0o600)


def mark_imported(project, path: Path) -> None:
    """Remember that a person's edited worksheet was imported, so ``fgkit run`` may refresh it."""
    path = Path(path).resolve()
    if not path.is_file() or not path.is_relative_to(project.shareable_dir):
        return
    rel = path.relative_to(project.shareable_dir).as_posix()
    with zone_lock(project):
        files = recorded(project)
        if rel in files:
            entry = files[rel]
            entry["imported"] = sorted(set(entry.get("imported", [])) | {sha256_file(path)})
            save_record(project, files)


def edit_note(root: Path, path: Path, entry: dict | None) -> str:
    """What to do about a file in the zone that fgkit did not write as it stands ("" if it did)."""
    if entry is None:
        return f"not written by fgkit: move it out of {root.name}/ or pseudonymise it by hand"
    if sha256_file(path) in {entry.get("sha256"), *entry.get("imported", [])}:
        return ""
    if entry.get("source") == "review-worksheet":
        shown = path.relative_to(root.parent)
        return (f"edited by a person since fgkit wrote it: import it first (`fgkit review import {shown} "
                "--reviewer NAME`), then run `fgkit run` again")
    return f"changed since fgkit wrote it: move it out of {root.name}/ or correct it by hand"


def _gate(project, key=None, reveal: bool = False):
    from .pseudonymise.gatewords import own_word_excuse
    from .pseudonymise.leakgate import Gate, leak_values

    values = leak_values(project, key)
    return Gate(values, own_word_excuse(project, values), reveal)


def check_edited_worksheets(project) -> None:
    """Before a run changes any text: a worksheet a person edited (and has not imported) that
    the gate now stops must be imported first, while its rows still match the stored segments."""
    from dataclasses import replace

    from .pseudonymise.leakfiles import scan_file
    from .pseudonymise.leakgate import leak_message

    root = project.shareable_dir
    edited = [(root / rel, entry) for rel, entry in sorted(recorded(project).items())
              if entry.get("source") == "review-worksheet" and (root / rel).is_file()
              and edit_note(root, root / rel, entry)]
    if not edited:
        return
    gate = _gate(project)
    leaks = [replace(leak, note=edit_note(root, path, entry)) for path, entry in edited
             for leak in scan_file(path, gate, str(path.relative_to(root.parent)))]
    if leaks:
        raise LeakError(leak_message(leaks, "a worksheet a person edited", "nothing was run or changed."))
    # A withdrawal: the run would drop their segments, and the edited rows with them; the
    # decisions must come in first, while the rows still match the store.
    from .withdrawn import find_in_files, withdrawn_text

    found = find_in_files(withdrawn_text(project), [(p, str(p.relative_to(root.parent))) for p, _ in edited])
    if found:
        note = edit_note(root, found[0].path, dict(edited)[found[0].path])
        raise LeakError(f"{found[0].shown}: holds words of a participant who withdrew, and was {note}; "
                        "nothing was run or changed.")


def held_leaks(project, key=None, reveal: bool = False) -> list:
    """Leaks in outputs the gate held back (never published), for ``fgkit check``."""
    from .pseudonymise.leakfiles import scan_file

    base = project.private_dir / STATE_DIR / "held"
    listings = sorted(base.glob("*/held.json")) if base.is_dir() else []
    gate = _gate(project, key, reveal) if listings else None
    leaks = []
    for listing in listings:
        names = json.loads(listing.read_text(encoding="utf-8")).get("files", {})
        for rel, shown in sorted(names.items(), key=lambda item: item[1]):
            path = listing.parent / rel
            if path.is_file():
                leaks.extend(scan_file(path, gate, f"{shown} (held back, not published)"))
    return leaks
