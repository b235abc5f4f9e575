"""The working store: an SQLite database in the private zone, or a PostgreSQL database on a
team server (``[store] url`` in fgkit.toml or ``FGKIT_STORE_URL``).

It holds raw and pseudonymised turns, segments, codings, human review decisions, run manifests
and a content-hash cache. Every write happens inside ``Store.transaction()`` so a crash leaves
the previous state intact (each transaction is atomic on either engine). Review decisions are
never deleted by re-ingest or re-coding: they hang off content-based segment ids. The schema and
the dialect differences live in ``store_db``; every query of the pipeline is a ``Store`` method.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .cache_codec import MISS, decode, encode
from .errors import StoreError
from .records import PseudoTurn
from .store_db import (MIGRATIONS, create_schema_sql, is_postgres_url, row_factory, table_columns_sql,
                       to_postgres)

__all__ = ["Store", "store_url"]

# The order a stage table's rows are read in for its fingerprint (``Store.table_digest``).
_TABLE_ORDER = {
    "turns": "turn_id",
    "pseudo_turns": "turn_id",
    "segments": "segment_id",
    "codings": "segment_id, code, coder",
    "reviews": "review_id",
}


# Any fixed number: the advisory lock taken while a PostgreSQL store's schema is prepared.
_SCHEMA_LOCK = 0x66676B6974


def store_url(settings_url: str = "") -> str:
    """The store URL in force: FGKIT_STORE_URL, else ``[store] url``, else "" (the project's
    own SQLite file)."""
    import os

    return os.environ.get("FGKIT_STORE_URL", "").strip() or (settings_url or "").strip()


def _shown_url(url: str) -> str:
    """A URL fit for a message: the password is never shown."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


class _PostgresConnection:
    """The subset of sqlite3.Connection the store uses, over a psycopg connection: each
    statement is rewritten by ``store_db.to_postgres``."""

    def __init__(self, raw) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Iterable[Any] = ()):
        cursor = self.raw.cursor()
        cursor.execute(to_postgres(sql), tuple(params))
        return cursor

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]):
        cursor = self.raw.cursor()
        rows = [tuple(r) for r in rows]
        if rows:
            cursor.executemany(to_postgres(sql), rows)
        return cursor

    def executescript(self, script: str) -> None:
        from .store_db import statements

        for statement in statements(script):
            self.execute(statement)

    def close(self) -> None:
        self.raw.close()


def _without(frame, withdrawn: Iterable[str]):
    withdrawn = set(withdrawn)
    if not withdrawn:
        return frame
    return frame[~frame["participant_id"].isin(withdrawn)].reset_index(drop=True)


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


# Sign-in tokens and session ids are stored as SHA-256 hashes only: the store sits in the private
# zone (0600), and even a copy of it cannot be used to sign in.
# The tables are in store_db.METADATA (reviewers, reviewer_sessions, pattern_agreements).

# Segments a page may show: only those of pseudonymised turns (withdrawn participants' turns are
# never written there).
_SERVED_SEGMENTS = """
    SELECT s.segment_id, s.turn_id, s.transcript, s.turn_index, s.start_char, s.end_char, s.text,
           s.speaker, s.participant_id, s.role, s.group_name AS "group"
    FROM segments s JOIN pseudo_turns p ON p.turn_id = s.turn_id
"""


class Store:
    """One connection to the working store, with explicit transactions."""

    def __init__(self, conn, path: Path | str, engine: str = "sqlite") -> None:
        self.conn = conn
        self.path = path
        self.engine = engine

    @classmethod
    def open(cls, path: str | Path, url: str | None = None) -> "Store":
        """The store at ``url`` (a PostgreSQL URL) or, without one, the SQLite file ``path``."""
        if url and is_postgres_url(url):
            return cls._open_postgres(url)
        if url and not url.startswith("sqlite:///"):
            raise StoreError(f"store url {_shown_url(url)}: use postgresql://user@host:port/database, "
                             "or leave it empty for the project's own SQLite file")
        if url:
            path = Path(url[len("sqlite:///"):])
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
            store = cls(conn, path, "sqlite")
            store._prepare()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{path}: the working store cannot be opened ({exc}); move it aside and re-run"
            ) from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the working store ({exc.strerror})") from None
        return store

    @classmethod
    def _open_postgres(cls, url: str) -> "Store":
        import psycopg

        try:
            raw = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1),
                                  autocommit=True, row_factory=row_factory, connect_timeout=10)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"store {_shown_url(url)}: cannot connect ({reason}); check [store] url "
                             "or FGKIT_STORE_URL and that the server is running") from None
        store = cls(_PostgresConnection(raw), _shown_url(url), "postgresql")
        try:
            store._prepare()
        except psycopg.Error as exc:
            raw.close()
            reason = exc.diag.message_primary or type(exc).__name__
            raise StoreError(f"store {_shown_url(url)}: cannot prepare the schema ({reason})") from None
        return store

    def _prepare(self) -> None:
        """Create what is missing and run the numbered migrations not yet recorded, together."""
        with self.transaction() as conn:
            if self.engine == "postgresql":
                # One schema creation at a time when several researchers open a new study at once.
                conn.execute("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK,))
            for statement in create_schema_sql(self.engine):
                conn.execute(statement)
            done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations").fetchall()}
            for version, step in MIGRATIONS:
                if version in done:
                    continue
                for statement in step(self._columns):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)",
                             (version, now_iso()))

    def _columns(self, table: str) -> set[str]:
        return {r[0] for r in self.conn.execute(table_columns_sql(self.engine), (table,)).fetchall()}

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """All writes inside commit together or not at all."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    def dataframe(self, sql: str, params: Iterable[Any] = ()):
        """The rows as a DataFrame, built the same way on both engines (as pandas.read_sql_query
        builds it), so a table reads with the same columns and dtypes from either."""
        import pandas as pd

        cursor = self.conn.execute(sql, tuple(params))
        columns = [d[0] for d in cursor.description or ()]
        return pd.DataFrame.from_records([tuple(r) for r in cursor.fetchall()], columns=columns,
                                         coerce_float=True)

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

    # --- speaker labels ----------------------------------------------------------------------
    def replace_speaker_labels(self, labels: dict[str, str]) -> None:
        """New stored speaker labels by turn id (sealing them: pseudonymise/labels.py). The old
        ones are overwritten on disk too (secure_delete, then the write-ahead log emptied), so a
        real label does not linger in free pages."""
        self.conn.execute("PRAGMA secure_delete=ON")
        try:
            with self.transaction() as conn:
                conn.executemany("UPDATE turns SET speaker_label=? WHERE turn_id=?",
                                 [(label, turn_id) for turn_id, label in labels.items()])
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self.conn.execute("PRAGMA secure_delete=OFF")

    # --- named queries: questions several stages ask, written once ----------------------------
    def participant_turns(self, withdrawn: Iterable[str] = ()):
        """Pseudonymised turns of consenting participants, in transcript order, as a DataFrame
        (turn_id, transcript, turn_index, participant_id, speaker, role, group, text, start).
        ``withdrawn`` participant ids are left out as well (a withdrawal since the last run)."""
        frame = self.dataframe(
            """SELECT turn_id, transcript, turn_index, participant_id, speaker, role,
                      group_name AS "group", text, start
               FROM pseudo_turns ORDER BY transcript, turn_index"""
        )
        return _without(frame, withdrawn)

    def consenting_segments(self, withdrawn: Iterable[str] = ()):
        """Segments whose turn is a consenting participant's (it has a pseudonymised turn), with
        every segment column and the participant id, in transcript order."""
        frame = self.dataframe(
            """SELECT s.segment_id, s.turn_id, s.transcript, s.turn_index, s.level, s.start_char,
                      s.end_char, s.text, s.speaker, p.participant_id, s.role, s.group_name
               FROM segments s JOIN pseudo_turns p ON p.turn_id = s.turn_id
               ORDER BY s.transcript, s.turn_index, s.start_char, s.segment_id"""
        )
        return _without(frame, withdrawn)

    def codable_turns(self, skip_roles: Iterable[str]) -> list[Any]:
        """Pseudonymised turns whose speaker's role is coded (facilitators' are not)."""
        roles = sorted(skip_roles)
        where = f"WHERE role NOT IN ({','.join('?' * len(roles))})" if roles else ""
        return self.query(
            f"""SELECT turn_id, transcript, turn_index, participant_id, speaker, role, group_name, text
                FROM pseudo_turns {where} ORDER BY transcript, turn_index""",
            roles,
        )

    def replace_segments(self, rows: list[tuple]) -> int:
        """Make ``rows`` the segments (segment_id, turn_id, transcript, turn_index, level,
        start_char, end_char, text, speaker, participant_id, role, group_name); returns how many
        segments no longer present were removed. Review decisions are kept: they hang off
        content-based ids and come back with their segment."""
        with self.transaction() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS keep_segments (segment_id TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM keep_segments")
            conn.executemany("INSERT OR IGNORE INTO keep_segments VALUES (?)", [(r[0],) for r in rows])
            removed = conn.execute(
                "DELETE FROM segments WHERE segment_id NOT IN (SELECT segment_id FROM keep_segments)"
            ).rowcount
            conn.executemany(
                """INSERT OR REPLACE INTO segments(segment_id, turn_id, transcript, turn_index, level,
                       start_char, end_char, text, speaker, participant_id, role, group_name)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
            conn.execute("DELETE FROM keep_segments")
        return removed

    def replace_codings(self, coders: Iterable[str], rows: list[tuple]) -> None:
        """Make ``rows`` all the codings of ``coders``, in one transaction: (segment_id, code,
        coder, status, confidence, evidence, evidence_start, evidence_end, pattern, run_id)."""
        with self.transaction() as conn:
            conn.executemany("DELETE FROM codings WHERE coder = ?", [(c,) for c in sorted(set(coders))])
            conn.executemany(
                "INSERT INTO codings(segment_id, code, coder, status, confidence, evidence,"
                " evidence_start, evidence_end, pattern, run_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                rows,
            )

    def latest_decisions(self, reviewer: str | None = None):
        """The decision in force per (segment_id, code): the latest, by anyone or by one
        reviewer; columns segment_id, code, decision, reviewer, decided_at, memo."""
        mine = "WHERE reviewer = ?" if reviewer is not None else ""
        return self.dataframe(
            f"""SELECT r.segment_id, r.code, r.decision, r.reviewer, r.decided_at, r.memo
                FROM reviews r
                JOIN (SELECT MAX(review_id) AS last_id FROM reviews {mine}
                      GROUP BY segment_id, code) last ON r.review_id = last.last_id
                ORDER BY r.segment_id, r.code""",
            () if reviewer is None else (reviewer,),
        )

    def coded_pairs(self, coder: str | None = None) -> set[tuple[str, str]]:
        """(segment_id, code) pairs coded by ``coder``, or by every machine coder when None
        (codings imported from another tool, coder ``refi:...``, are not the machine's)."""
        if coder is None:
            rows = self.query("SELECT DISTINCT segment_id, code FROM codings WHERE coder NOT LIKE 'refi:%'")
        else:
            rows = self.query("SELECT DISTINCT segment_id, code FROM codings WHERE coder = ?", (coder,))
        return {(r["segment_id"], r["code"]) for r in rows}

    def has_codings(self, coder: str) -> bool:
        return bool(self.query("SELECT 1 FROM codings WHERE coder = ? LIMIT 1", (coder,)))

    def has_reviews(self) -> bool:
        return bool(self.query("SELECT 1 FROM reviews LIMIT 1"))

    def count_segments(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM segments")[0][0])

    def table_digest(self, table: str) -> str:
        """A hash of every row of one of the stage tables, in a fixed order (a stage's output
        fingerprint: unchanged rows, unchanged digest)."""
        import hashlib

        order = _TABLE_ORDER[table]
        digest = hashlib.sha256()
        for row in self.conn.execute(f"SELECT * FROM {table} ORDER BY {order}"):
            digest.update(repr(tuple(row)).encode("utf-8"))
        return digest.hexdigest()

    # --- transcripts -------------------------------------------------------------------------
    def transcript_sha256(self, name: str) -> str | None:
        row = self.query("SELECT sha256 FROM transcripts WHERE name = ?", (name,))
        return row[0]["sha256"] if row else None

    def transcript_names(self) -> list[str]:
        return [r["name"] for r in self.query("SELECT name FROM transcripts ORDER BY name")]

    def replace_transcript(self, transcript, seal=None) -> None:
        """Store one read ``Transcript`` (records.Transcript) and its turns, replacing what the
        store held under its name, in one transaction. ``seal(transcript_name, label)`` is the
        form each speaker label is stored in (a keyed hash while the key is encrypted)."""
        from dataclasses import asdict

        t = transcript
        seal = seal or (lambda _transcript, label: label)
        with self.transaction() as conn:
            conn.execute("DELETE FROM turns WHERE transcript=?", (t.name,))
            conn.execute(
                "INSERT OR REPLACE INTO transcripts(name, format, sha256, n_turns, n_words, warnings, "
                "ingested_at, sections) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (t.name, t.format, t.sha256, len(t.turns), t.words, json.dumps(list(t.warnings)),
                 now_iso(), json.dumps([asdict(s) for s in t.sections])),
            )
            conn.executemany(
                "INSERT INTO turns(turn_id, transcript, turn_index, speaker_label, text, line, start, "
                "\"end\", annotations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(turn.turn_id, t.name, turn.index, seal(t.name, turn.speaker_label), turn.text, turn.line,
                  turn.start, turn.end, json.dumps([asdict(a) for a in turn.annotations]))
                 for turn in t.turns],
            )

    def forget_transcripts(self, names: Iterable[str]) -> None:
        """Remove transcripts and their turns."""
        with self.transaction() as conn:
            for name in names:
                conn.execute("DELETE FROM turns WHERE transcript=?", (name,))
                conn.execute("DELETE FROM transcripts WHERE name=?", (name,))

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

    # --- turns -------------------------------------------------------------------------------
    def raw_turns(self) -> list[Any]:
        """Ingested turns (turn_id, transcript, turn_index, speaker_label, text, line, start), in
        transcript order. Speaker labels may be real names or sealed: private zone only."""
        return self.query(
            "SELECT turn_id, transcript, turn_index, speaker_label, text, line, start "
            "FROM turns ORDER BY transcript, turn_index"
        )

    def replace_pseudo_turns(self, turns: Iterable[PseudoTurn]) -> None:
        """Make ``turns`` all the pseudonymised turns, in one transaction."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM pseudo_turns")
            conn.executemany(
                "INSERT INTO pseudo_turns(turn_id, transcript, turn_index, participant_id, speaker, role, "
                "group_name, text, start, source_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(t.turn_id, t.transcript, t.index, t.participant_id, t.speaker, t.role, t.group, t.text,
                  t.start, t.source_hash) for t in turns],
            )

    def people(self, skip_role: str = "facilitator") -> list[tuple[str, str, str]]:
        """(participant_id, role, group) of everyone with a pseudonymised turn, but ``skip_role``."""
        rows = self.query(
            "SELECT DISTINCT participant_id, role, group_name FROM pseudo_turns WHERE role != ? "
            "ORDER BY participant_id, group_name, role", (skip_role,))
        return [(r[0], r[1], r[2]) for r in rows]

    def group_role_counts(self, skip_role: str = "facilitator") -> list[tuple[str, str, int]]:
        """(group, role, people) for every group and role but ``skip_role``."""
        rows = self.query(
            "SELECT group_name, role, COUNT(DISTINCT participant_id) FROM pseudo_turns WHERE role != ? "
            "GROUP BY group_name, role ORDER BY group_name, role", (skip_role,))
        return [(r[0], r[1], int(r[2])) for r in rows]

    def role_counts(self, skip_role: str = "facilitator") -> dict[str, int]:
        """People per role (one person in two groups counts once), but ``skip_role``."""
        rows = self.query(
            "SELECT role, COUNT(DISTINCT participant_id) FROM pseudo_turns WHERE role != ? "
            "GROUP BY role ORDER BY role", (skip_role,))
        return {r[0]: int(r[1]) for r in rows}

    def spoken_texts(self, skip_role: str = "facilitator") -> list[str]:
        """Pseudonymised text of every turn but ``skip_role``'s, in transcript order."""
        rows = self.query("SELECT text FROM pseudo_turns WHERE role != ? ORDER BY transcript, turn_index",
                          (skip_role,))
        return [r[0] for r in rows]

    def speakers(self) -> list[str]:
        """Every speaker pseudonym in use, sorted."""
        return [r[0] for r in self.query("SELECT DISTINCT speaker FROM pseudo_turns ORDER BY speaker")]

    def role_turns(self, roles: Iterable[str]) -> list[Any]:
        """Pseudonymised turns (transcript, turn_index, text) of speakers in ``roles``, in order."""
        roles = sorted(roles)
        if not roles:
            return []
        return self.query(
            f"""SELECT transcript, turn_index, text FROM pseudo_turns WHERE role IN ({','.join('?' * len(roles))})
                ORDER BY transcript, turn_index""", roles)

    def pseudonymised_texts(self) -> list[str]:
        """Every pseudonymised text the store holds: turns (by turn id), then coding evidence and
        review memos (what may reach shareable files)."""
        parts = [r[0] for r in self.query("SELECT text FROM pseudo_turns ORDER BY turn_id")]
        if not parts:
            return []
        parts += [r[0] for r in self.query(
            "SELECT evidence FROM codings WHERE evidence != '' ORDER BY segment_id, code, coder")]
        parts += [r[0] for r in self.query("SELECT memo FROM reviews WHERE memo != '' ORDER BY review_id")]
        return parts

    # --- segments and codings ----------------------------------------------------------------
    def consenting_segment_ids(self) -> set[str]:
        """Ids of the segments of pseudonymised turns."""
        return {r[0] for r in self.query(
            "SELECT s.segment_id FROM segments s JOIN pseudo_turns p ON p.turn_id = s.turn_id")}

    def segment_texts(self) -> dict[str, str]:
        """segment_id -> text, for every stored segment."""
        return {r[0]: r[1] for r in self.query("SELECT segment_id, text FROM segments ORDER BY segment_id")}

    def codings(self, coder: str | None = None, machine_only: bool = False):
        """Codings as a DataFrame (segment_id, code, coder, status, confidence, evidence,
        evidence_start, evidence_end, pattern, run_id), by segment, code, most confident first:
        one coder's, or only the machine's (not imported ``refi:...``) with ``machine_only``."""
        where, params = "", ()
        if coder is not None:
            where, params = "WHERE coder = ?", (coder,)
        elif machine_only:
            where = "WHERE coder NOT LIKE 'refi:%'"
        return self.dataframe(
            f"""SELECT segment_id, code, coder, status, confidence, evidence, evidence_start,
                       evidence_end, pattern, run_id
                FROM codings {where} ORDER BY segment_id, code, confidence DESC, coder""", params)

    def coder_counts(self):
        """Codings per coder as a DataFrame (coder, n), by coder."""
        frame = self.dataframe("SELECT coder, COUNT(*) AS n FROM codings GROUP BY coder ORDER BY coder")
        frame["n"] = frame["n"].astype("int64")
        return frame

    def refresh_codings(self, coder: str, rows: list[tuple], keep_segments: Iterable[str]) -> None:
        """Replace ``coder``'s codings by ``rows`` (as for ``replace_codings``), except that its
        earlier codings on ``keep_segments`` stay unless a row replaces them: on reviewed segments
        they are what the reviewer saw, which agreement statistics compare against."""
        keep = set(keep_segments)
        with self.transaction() as conn:
            stale = [(r[0], r[1]) for r in conn.execute(
                "SELECT segment_id, code FROM codings WHERE coder=? ORDER BY segment_id, code", (coder,))
                if r[0] not in keep]
            conn.executemany("DELETE FROM codings WHERE segment_id=? AND code=? AND coder=?",
                             [(s, c, coder) for s, c in stale])
            conn.executemany(
                """INSERT OR REPLACE INTO codings(segment_id, code, coder, status, confidence, evidence,
                                                  evidence_start, evidence_end, pattern, run_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )

    # --- review decisions --------------------------------------------------------------------
    def add_reviews(self, rows: list[tuple]) -> None:
        """Append review decisions: (segment_id, code, decision, reviewer, decided_at, memo,
        source, code_label)."""
        with self.transaction() as conn:
            conn.executemany(
                """INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at, memo, source,
                                       code_label) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", rows)

    def decisions_per_reviewer(self):
        """Each reviewer's latest decision per (segment_id, code), every review column, as a
        DataFrame in the order they were made."""
        return self.dataframe(
            """SELECT r.* FROM reviews r
               JOIN (SELECT MAX(review_id) AS last_id FROM reviews GROUP BY segment_id, code, reviewer) last
                 ON r.review_id = last.last_id
               ORDER BY r.review_id""")

    # --- transcripts, summarised -------------------------------------------------------------
    def format_summary(self) -> list[dict[str, Any]]:
        """Per transcript format: files, turns and words, by format."""
        rows = self.query("SELECT format, COUNT(*), SUM(n_turns), SUM(n_words) FROM transcripts "
                          "GROUP BY format ORDER BY format")
        return [{"format": r[0], "files": int(r[1]), "turns": int(r[2] or 0), "words": int(r[3] or 0)}
                for r in rows]

    def transcript_sections(self) -> list[str]:
        """Each transcript's sections (JSON, as ingest stored them), by name."""
        return [r[0] for r in self.query("SELECT sections FROM transcripts ORDER BY name")]

    # --- fgkit serve: reviewers, sessions, pattern agreements (the workshop page) ---------------
    def serve_add_reviewer(self, name: str, token_hash: str) -> bool:
        """A new reviewer with a pending sign-in link; False if the name is taken."""
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM reviewers WHERE name=?", (name,)).fetchone():
                return False
            now = now_iso()
            conn.execute("INSERT INTO reviewers(name, token_hash, created_at, link_issued_at) VALUES (?, ?, ?, ?)",
                         (name, token_hash, now, now))
        return True

    def serve_reissue_link(self, name: str, token_hash: str) -> bool:
        """A fresh one-time link for a reviewer (the old one stops working); False if unknown."""
        with self.transaction() as conn:
            cur = conn.execute("UPDATE reviewers SET token_hash=?, link_issued_at=? WHERE name=?",
                               (token_hash, now_iso(), name))
        return cur.rowcount == 1

    def serve_remove_reviewer(self, name: str) -> bool:
        """Remove a reviewer and end their sessions; their decisions stay, under their name."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM reviewer_sessions WHERE reviewer=?", (name,))
            cur = conn.execute("DELETE FROM reviewers WHERE name=?", (name,))
        return cur.rowcount == 1

    def serve_list_reviewers(self) -> list[dict[str, Any]]:
        rows = self.query(
            """SELECT r.name, r.created_at, r.link_issued_at, r.token_hash IS NOT NULL AS link_pending,
                      (SELECT COUNT(*) FROM reviews v WHERE v.reviewer = r.name) AS decisions,
                      (SELECT COUNT(*) FROM pattern_agreements a WHERE a.reviewer = r.name) AS agreements
               FROM reviewers r ORDER BY r.name"""
        )
        return [dict(r) for r in rows]

    def serve_redeem_token(self, token_hash: str) -> str | None:
        """The reviewer a sign-in token belongs to, using it up (one time only); None if unknown."""
        with self.transaction() as conn:
            row = conn.execute("SELECT name FROM reviewers WHERE token_hash=?", (token_hash,)).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE reviewers SET token_hash=NULL WHERE name=?", (row["name"],))
        return row["name"]

    def serve_token_reviewer(self, token_hash: str) -> str | None:
        """Whose pending sign-in token this is, without using it up."""
        row = self.conn.execute("SELECT name FROM reviewers WHERE token_hash=?", (token_hash,)).fetchone()
        return row["name"] if row else None

    def serve_start_session(self, session_hash: str, reviewer: str, expires_at: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM reviewer_sessions WHERE expires_at < ?", (now_iso(),))
            conn.execute("INSERT INTO reviewer_sessions VALUES (?, ?, ?, ?)",
                         (session_hash, reviewer, now_iso(), expires_at))

    def serve_session_reviewer(self, session_hash: str) -> str | None:
        """The signed-in reviewer for a session, if the session is live and the reviewer still exists."""
        row = self.conn.execute(
            """SELECT s.reviewer FROM reviewer_sessions s JOIN reviewers r ON r.name = s.reviewer
               WHERE s.session_hash=? AND s.expires_at >= ?""", (session_hash, now_iso())).fetchone()
        return row["reviewer"] if row else None

    def serve_end_session(self, session_hash: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM reviewer_sessions WHERE session_hash=?", (session_hash,))

    def serve_add_reviews(self, rows: list[tuple]) -> None:
        """Append review decisions, exactly the rows the worksheet import writes (``add_reviews``)."""
        self.add_reviews(rows)

    def serve_segment_ids(self) -> set[str]:
        return self.consenting_segment_ids()

    def serve_segments(self, segment_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """Served segments (all, or these ids), in transcript order."""
        sql, params = _SERVED_SEGMENTS, ()
        if segment_ids is not None:
            if not segment_ids:
                return []
            sql += f" WHERE s.segment_id IN ({','.join('?' * len(segment_ids))})"
            params = tuple(segment_ids)
        return [dict(r) for r in self.query(sql + " ORDER BY s.transcript, s.turn_index, s.start_char", params)]

    def serve_turns(self, transcript: str, first: int | None = None, last: int | None = None
                    ) -> list[dict[str, Any]]:
        """Pseudonymised turns of one transcript (optionally turn_index first..last), in order."""
        sql = ("SELECT turn_id, transcript, turn_index, participant_id, speaker, role, group_name AS \"group\", "
               "text FROM pseudo_turns WHERE transcript=?")
        params: tuple = (transcript,)
        if first is not None and last is not None:
            sql += " AND turn_index BETWEEN ? AND ?"
            params += (first, last)
        return [dict(r) for r in self.query(sql + " ORDER BY turn_index", params)]

    def serve_transcripts(self) -> list[dict[str, Any]]:
        rows = self.query("SELECT transcript, MIN(group_name) AS \"group\", COUNT(*) AS turns FROM pseudo_turns "
                          "GROUP BY transcript ORDER BY transcript")
        return [dict(r) for r in rows]

    def serve_machine_codings(self, segment_id: str) -> list[dict[str, Any]]:
        rows = self.query(
            """SELECT segment_id, code, coder, confidence, evidence, evidence_start, evidence_end
               FROM codings WHERE segment_id=? AND coder NOT LIKE 'refi:%'
               ORDER BY code, confidence DESC, coder""", (segment_id,))
        return [dict(r) for r in rows]

    def serve_decisions(self, segment_id: str) -> list[dict[str, Any]]:
        """Every reviewer's latest decision per code on one segment, newest first."""
        rows = self.query(
            """SELECT r.code, r.decision, r.reviewer, r.decided_at, r.memo FROM reviews r
               JOIN (SELECT MAX(review_id) AS last_id FROM reviews WHERE segment_id=?
                     GROUP BY code, reviewer) last ON r.review_id = last.last_id
               ORDER BY r.review_id DESC""", (segment_id,))
        return [dict(r) for r in rows]

    def serve_decided_by(self) -> dict[str, set[str]]:
        """segment_id -> reviewers with a decision on it."""
        out: dict[str, set[str]] = {}
        for seg, reviewer in self.conn.execute("SELECT DISTINCT segment_id, reviewer FROM reviews"):
            out.setdefault(seg, set()).add(reviewer)
        return out

    def serve_reviews_version(self) -> tuple:
        """Changes whenever a decision, a coding or a segment changes: a key for caches."""
        return tuple(self.conn.execute(
            """SELECT (SELECT COALESCE(MAX(review_id), 0) FROM reviews),
                      (SELECT COUNT(*) FROM codings), (SELECT COUNT(*) FROM segments),
                      (SELECT COUNT(*) FROM pseudo_turns),
                      (SELECT COALESCE(MAX(started_at), '') FROM runs)""").fetchone())

    def serve_add_agreement(self, code: str, dimension: str, value: str, status: str, note: str,
                            reviewer: str, decided_at: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO pattern_agreements(code, dimension, value, status, note, reviewer, decided_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""", (code, dimension, value, status, note, reviewer, decided_at))

    def serve_agreements(self) -> list[dict[str, Any]]:
        """The agreement in force per pattern (code, dimension, value): the latest one."""
        rows = self.query(
            """SELECT a.code, a.dimension, a.value, a.status, a.note, a.reviewer, a.decided_at
               FROM pattern_agreements a
               JOIN (SELECT MAX(agreement_id) AS last_id FROM pattern_agreements
                     GROUP BY code, dimension, value) last ON a.agreement_id = last.last_id
               ORDER BY a.code, a.dimension, a.value""")
        return [dict(r) for r in rows]
