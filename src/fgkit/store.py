"""The working store: one SQLite database in the private zone.

It holds raw and pseudonymised turns, segments, codings, human review decisions, run manifests
and a content-hash cache. Every write happens inside ``Store.transaction()`` so a crash leaves
the previous state intact (SQLite's journal makes each transaction atomic). Review decisions are
never deleted by re-ingest or re-coding: they hang off content-based segment ids.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .cache_codec import MISS, decode, encode
from .errors import StoreError

__all__ = ["Store", "SCHEMA"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS transcripts (
    name TEXT PRIMARY KEY,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    n_turns INTEGER NOT NULL,
    n_words INTEGER NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]',
    ingested_at TEXT NOT NULL,
    sections TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS turns (
    turn_id TEXT PRIMARY KEY,
    transcript TEXT NOT NULL REFERENCES transcripts(name) ON DELETE CASCADE,
    turn_index INTEGER NOT NULL,
    speaker_label TEXT NOT NULL,
    text TEXT NOT NULL,
    line INTEGER NOT NULL,
    start REAL,
    end REAL,
    annotations TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS turns_by_transcript ON turns(transcript, turn_index);

-- Written by pseudonymise: one row per turn of a consenting participant (withdrawn
-- participants' turns are not written at all).
CREATE TABLE IF NOT EXISTS pseudo_turns (
    turn_id TEXT PRIMARY KEY,
    transcript TEXT NOT NULL,
    turn_index INTEGER NOT NULL,
    participant_id TEXT NOT NULL,
    speaker TEXT NOT NULL,
    role TEXT NOT NULL,
    group_name TEXT NOT NULL,
    text TEXT NOT NULL,
    start REAL,
    source_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pseudo_by_transcript ON pseudo_turns(transcript, turn_index);

-- Written by code: the units of coding.
CREATE TABLE IF NOT EXISTS segments (
    segment_id TEXT PRIMARY KEY,
    turn_id TEXT NOT NULL,
    transcript TEXT NOT NULL,
    turn_index INTEGER NOT NULL,
    level TEXT NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    text TEXT NOT NULL,
    speaker TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    role TEXT NOT NULL,
    group_name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS segments_by_turn ON segments(turn_id);

-- Machine and imported codings. Human decisions live in reviews, never here.
CREATE TABLE IF NOT EXISTS codings (
    segment_id TEXT NOT NULL,
    code TEXT NOT NULL,
    coder TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'suggested',
    confidence REAL NOT NULL DEFAULT 1.0,
    evidence TEXT NOT NULL DEFAULT '',
    evidence_start INTEGER,
    evidence_end INTEGER,
    pattern TEXT NOT NULL DEFAULT '',
    run_id TEXT,
    PRIMARY KEY (segment_id, code, coder)
);

-- Human review decisions: accept / reject / add, per segment and code. Append-only history;
-- the latest decision per (segment_id, code, reviewer) is in force.
CREATE TABLE IF NOT EXISTS reviews (
    review_id INTEGER PRIMARY KEY AUTOINCREMENT,
    segment_id TEXT NOT NULL,
    code TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'add')),
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    memo TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    code_label TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS reviews_by_segment ON reviews(segment_id, code);

CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    manifest TEXT NOT NULL DEFAULT '{}'
);

-- Content-addressed cache (NLP results, embeddings): key is a hash of the input and settings.
-- Values are cache_codec bytes (JSON or raw arrays), never pickles: see cache_get_many.
CREATE TABLE IF NOT EXISTS cache (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (namespace, key)
);
"""


# Columns added after a table was first released: a store made by an earlier version gains
# them when it is opened (CREATE TABLE IF NOT EXISTS leaves an existing table as it was).
_ADDED_COLUMNS = (("transcripts", "sections", "TEXT NOT NULL DEFAULT '[]'"),)


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    for table, column, declaration in _ADDED_COLUMNS:
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            try:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            except sqlite3.OperationalError:
                # another process opening the same store added it first
                if column not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
                    raise


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


class Store:
    """A thin wrapper over one SQLite connection with explicit transactions."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> "Store":
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            new = not path.exists()
            conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            if new:
                path.chmod(0o600)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.executescript(SCHEMA)
            _add_missing_columns(conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{path}: the working store cannot be opened ({exc}); move it aside and re-run"
            ) from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the working store ({exc.strerror})") from None
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All writes inside commit together or not at all."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    def dataframe(self, sql: str, params: Iterable[Any] = ()):
        import pandas as pd

        return pd.read_sql_query(sql, self.conn, params=tuple(params))

    # --- cache -------------------------------------------------------------------------------
    def cache_get_many(self, namespace: str, keys: list[str]) -> dict[str, Any]:
        """Cached values by key; a key missing, damaged or written as a pickle by an earlier
        version is left out (a miss, so it is recomputed): nothing in the store is unpickled."""
        found: dict[str, Any] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT key, value FROM cache WHERE namespace=? AND key IN ({marks})",
                (namespace, *chunk),
            ):
                value = decode(row["value"])
                if value is not MISS:
                    found[row["key"]] = value
        return found

    def cache_put_many(self, namespace: str, items: dict[str, Any]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO cache(namespace, key, value) VALUES (?, ?, ?)",
                [(namespace, k, encode(v)) for k, v in items.items()],
            )

    # --- run manifests -----------------------------------------------------------------------
    def start_run(self, command: str, manifest: dict[str, Any]) -> str:
        from .records import stable_id

        started = _dt.datetime.now(_dt.timezone.utc).isoformat()
        run_id = stable_id(command, started, length=12)
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO runs(run_id, command, started_at, manifest) VALUES (?, ?, ?, ?)",
                (run_id, command, started, json.dumps(manifest, sort_keys=True, default=str)),
            )
        return run_id

    def finish_run(self, run_id: str, status: str = "ok", extra: dict[str, Any] | None = None) -> None:
        with self.transaction() as conn:
            if extra:
                row = conn.execute("SELECT manifest FROM runs WHERE run_id=?", (run_id,)).fetchone()
                manifest = json.loads(row["manifest"]) if row else {}
                manifest.update(extra)
                conn.execute(
                    "UPDATE runs SET manifest=? WHERE run_id=?",
                    (json.dumps(manifest, sort_keys=True, default=str), run_id),
                )
            conn.execute(
                "UPDATE runs SET finished_at=?, status=? WHERE run_id=?",
                (now_iso(), status, run_id),
            )

    def last_run(self, command: str | None = None) -> dict[str, Any] | None:
        sql = "SELECT * FROM runs"
        params: tuple = ()
        if command:
            sql += " WHERE command=?"
            params = (command,)
        row = self.conn.execute(sql + " ORDER BY started_at DESC LIMIT 1", params).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["manifest"] = json.loads(out["manifest"])
        return out
