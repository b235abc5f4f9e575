"""Ingested transcripts into the working store: one transaction per file, skipped if unchanged.

Section headings are kept with their transcript (``transcripts.sections``, JSON of title, line
and the index of the turn they precede), never as turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import TranscriptError
from ..records import Transcript
from ..store import Store
from .transcript import read_transcript

__all__ = ["IngestResult", "check_names", "forget_missing", "ingest_transcripts", "store_transcripts"]


@dataclass(frozen=True)
class IngestResult:
    """A transcript read from disk; ``changed`` is False when the store already held these bytes."""

    transcript: Transcript
    changed: bool


def ingest_transcripts(paths: list[Path], store: Store) -> list[IngestResult]:
    """Read each file and store its turns, one file at a time (see ``store_transcripts``).

    Two files whose names differ only in case are refused before anything is read
    (``check_names``). A file that cannot be read raises TranscriptError; the files before it
    stay stored.
    """
    paths = [Path(p) for p in paths]
    check_names(paths)
    return [store_transcripts([read_transcript(path)], store)[0] for path in paths]


def check_names(paths: list[Path]) -> None:
    """Refuse two files whose names are the same apart from case, before anything is read: on a
    case-insensitive file system (Windows, macOS) they are one file, and storing both would count
    a group twice."""
    seen: dict[str, Path] = {}
    for path in paths:
        other = seen.get(path.name.casefold())
        if other is not None:
            same = ("the same file name" if other.name == path.name
                    else f"the same name as {other.name} apart from case")
            raise TranscriptError(
                f"another transcript in this run has {same}; names identify transcripts, so "
                "rename or remove one of them",
                path,
            )
        seen[path.name.casefold()] = path


def store_transcripts(transcripts: list[Transcript], store: Store, seal=None) -> list[IngestResult]:
    """Store transcripts already read. One whose sha256 the store already holds is left alone;
    a changed or new one replaces its previous turns in a single transaction.

    ``seal(transcript, label)``, when given, is the form each speaker label is stored in (a keyed
    hash while the key is encrypted, see pseudonymise/labels.py).
    """
    names = [t.name for t in transcripts]
    folded = [n.casefold() for n in names]
    duplicate = next((n for n, f in zip(names, folded) if folded.count(f) > 1), None)
    if duplicate is not None:
        raise TranscriptError("two transcripts share this name; rename one of them", duplicate)
    results = []
    for transcript in transcripts:
        changed = store.transcript_sha256(transcript.name) != transcript.sha256
        if changed:
            store.replace_transcript(transcript, seal)
        results.append(IngestResult(transcript, changed=changed))
    return results


def forget_missing(store: Store, keep_names: set[str]) -> list[str]:
    """Remove stored transcripts (and their turns) whose names are not in ``keep_names``."""
    gone = [name for name in store.transcript_names() if name not in keep_names]
    if gone:
        store.forget_transcripts(gone)
    return gone
