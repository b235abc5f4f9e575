"""Ingested transcripts into the working store: one transaction per file, skipped if unchanged."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import TranscriptError
from ..records import Transcript
from ..store import Store, now_iso
from .transcript import read_transcript

__all__ = ["IngestResult", "forget_missing", "ingest_transcripts"]


@dataclass(frozen=True)
class IngestResult:
    """A transcript read from disk; ``changed`` is False when the store already held these bytes."""

    transcript: Transcript
    changed: bool


def ingest_transcripts(paths: list[Path], store: Store) -> list[IngestResult]:
    """Read each file and store its turns. A file whose sha256 the store already holds is left
    alone; a changed or new one replaces its previous turns in a single transaction.

    A file that cannot be read, or a second file with the same name, raises TranscriptError;
    files before it stay stored.
    """
    results = []
    seen: set[str] = set()
    for path in paths:
        path = Path(path)
        if path.name in seen:
            raise TranscriptError(
                "another transcript in this run has the same file name; names identify "
                "transcripts, so rename one of them",
                path,
            )
        seen.add(path.name)
        transcript = read_transcript(path)
        row = store.query("SELECT sha256 FROM transcripts WHERE name=?", (transcript.name,))
        if row and row[0]["sha256"] == transcript.sha256:
            results.append(IngestResult(transcript, changed=False))
            continue
        _write(store, transcript)
        results.append(IngestResult(transcript, changed=True))
    return results


def _write(store: Store, t: Transcript) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM turns WHERE transcript=?", (t.name,))
        conn.execute(
            "INSERT OR REPLACE INTO transcripts(name, format, sha256, n_turns, n_words, warnings, "
            "ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (t.name, t.format, t.sha256, len(t.turns), t.words, json.dumps(list(t.warnings)), now_iso()),
        )
        conn.executemany(
            "INSERT INTO turns(turn_id, transcript, turn_index, speaker_label, text, line, start, "
            "end, annotations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (turn.turn_id, t.name, turn.index, turn.speaker_label, turn.text, turn.line,
                 turn.start, turn.end, json.dumps([asdict(a) for a in turn.annotations]))
                for turn in t.turns
            ],
        )


def forget_missing(store: Store, keep_names: set[str]) -> list[str]:
    """Remove stored transcripts (and their turns) whose names are not in ``keep_names``."""
    stored = [r["name"] for r in store.query("SELECT name FROM transcripts ORDER BY name")]
    gone = [name for name in stored if name not in keep_names]
    if gone:
        with store.transaction() as conn:
            for name in gone:
                conn.execute("DELETE FROM turns WHERE transcript=?", (name,))
                conn.execute("DELETE FROM transcripts WHERE name=?", (name,))
    return gone
