"""The store's two engines: SQLite embedded in the project (the default) and PostgreSQL on a
team server, behind one schema and one set of queries.

The schema is written once, as SQLAlchemy Core tables, and compiled to each engine's DDL (types,
auto-numbered keys, quoting of names such as ``end``). Queries are plain SQL that both engines
run: the few SQLite idioms the store uses (``?`` placeholders, ``INSERT OR REPLACE`` and
``INSERT OR IGNORE``, ``BEGIN IMMEDIATE``) are rewritten for PostgreSQL here, statement by
statement, with the primary keys taken from the same tables. SQLAlchemy's ORM and query builder
are not used: the store's questions are few and named (``Store`` methods), and plain SQL keeps
each one readable and identical on both engines.

Schema changes are versioned: ``MIGRATIONS`` lists numbered steps, and the ``schema_migrations``
table records which ran, so a store made by an earlier fgkit is brought up to date when opened.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

__all__ = [
    "METADATA",
    "MIGRATIONS",
    "Row",
    "create_schema_sql",
    "is_postgres_url",
    "primary_keys",
    "to_postgres",
]

METADATA = sa.MetaData()
_T, _I, _F, _B = sa.Text, sa.Integer, sa.Float(precision=53), sa.LargeBinary


def _c(name: str, kind, *constraints, **options) -> sa.Column:
    options.setdefault("nullable", False)
    return sa.Column(name, kind, *constraints, **options)


sa.Table(
    "transcripts", METADATA,
    _c("name", _T, primary_key=True), _c("format", _T), _c("sha256", _T), _c("n_turns", _I),
    _c("n_words", _I), _c("warnings", _T, server_default="[]"), _c("ingested_at", _T),
    _c("sections", _T, server_default="[]"),
)
sa.Table(
    "turns", METADATA,
    _c("turn_id", _T, primary_key=True),
    _c("transcript", _T, sa.ForeignKey("transcripts.name", ondelete="CASCADE")),
    _c("turn_index", _I), _c("speaker_label", _T), _c("text", _T), _c("line", _I),
    _c("start", _F, nullable=True), _c("end", _F, nullable=True),
    _c("annotations", _T, server_default="[]"),
    sa.Index("turns_by_transcript", "transcript", "turn_index"),
)
# Written by pseudonymise: one row per turn of a consenting participant.
sa.Table(
    "pseudo_turns", METADATA,
    _c("turn_id", _T, primary_key=True), _c("transcript", _T), _c("turn_index", _I),
    _c("participant_id", _T), _c("speaker", _T), _c("role", _T), _c("group_name", _T),
    _c("text", _T), _c("start", _F, nullable=True), _c("source_hash", _T),
    sa.Index("pseudo_by_transcript", "transcript", "turn_index"),
)
# Written by code: the units of coding.
sa.Table(
    "segments", METADATA,
    _c("segment_id", _T, primary_key=True), _c("turn_id", _T), _c("transcript", _T),
    _c("turn_index", _I), _c("level", _T), _c("start_char", _I), _c("end_char", _I),
    _c("text", _T), _c("speaker", _T), _c("participant_id", _T), _c("role", _T),
    _c("group_name", _T),
    sa.Index("segments_by_turn", "turn_id"),
)
# Machine and imported codings. Human decisions live in reviews, never here.
sa.Table(
    "codings", METADATA,
    _c("segment_id", _T, primary_key=True), _c("code", _T, primary_key=True),
    _c("coder", _T, primary_key=True), _c("status", _T, server_default="suggested"),
    _c("confidence", _F, server_default="1.0"), _c("evidence", _T, server_default=""),
    _c("evidence_start", _I, nullable=True), _c("evidence_end", _I, nullable=True),
    _c("pattern", _T, server_default=""), _c("run_id", _T, nullable=True),
)
# Human review decisions, append-only: the latest per (segment_id, code, reviewer) is in force.
sa.Table(
    "reviews", METADATA,
    _c("review_id", _I, primary_key=True, autoincrement=True), _c("segment_id", _T),
    _c("code", _T), _c("decision", _T), _c("reviewer", _T), _c("decided_at", _T),
    _c("memo", _T, server_default=""), _c("source", _T, server_default=""),
    _c("code_label", _T, server_default=""),
    sa.CheckConstraint("decision IN ('accept', 'reject', 'add')"),
    sa.Index("reviews_by_segment", "segment_id", "code"),
    sqlite_autoincrement=True,
)
sa.Table(
    "runs", METADATA,
    _c("run_id", _T, primary_key=True), _c("command", _T), _c("started_at", _T),
    _c("finished_at", _T, nullable=True), _c("status", _T, server_default="running"),
    _c("manifest", _T, server_default="{}"),
)
# Content-addressed cache (NLP results, embeddings); values are cache_codec bytes, never pickles.
sa.Table(
    "cache", METADATA,
    _c("namespace", _T, primary_key=True), _c("key", _T, primary_key=True), _c("value", _B),
)
# The workshop page (fgkit serve): reviewers with hashed one-time tokens, hashed sessions, and
# "what participants said about our reading" per pattern (a code by role or by group).
sa.Table(
    "reviewers", METADATA,
    _c("name", _T, primary_key=True), _c("token_hash", _T, nullable=True, unique=True),
    _c("created_at", _T), _c("link_issued_at", _T, nullable=True),
)
sa.Table(
    "reviewer_sessions", METADATA,
    _c("session_hash", _T, primary_key=True),
    _c("reviewer", _T, sa.ForeignKey("reviewers.name", ondelete="CASCADE")),
    _c("created_at", _T), _c("expires_at", _T),
)
sa.Table(
    "pattern_agreements", METADATA,
    _c("agreement_id", _I, primary_key=True, autoincrement=True), _c("code", _T),
    _c("dimension", _T), _c("value", _T), _c("status", _T), _c("note", _T, server_default=""),
    _c("reviewer", _T), _c("decided_at", _T),
    sa.CheckConstraint("dimension IN ('role', 'group')"),
    sa.CheckConstraint("status IN ('agreed', 'needs rewording', 'disputed')"),
    sa.Index("agreements_by_pattern", "code", "dimension", "value"),
    sqlite_autoincrement=True,
)
sa.Table(
    "schema_migrations", METADATA,
    _c("version", _I, primary_key=True, autoincrement=False), _c("applied_at", _T),
)


def _add_sections_column(columns: Callable[[str], set[str]]) -> list[str]:
    # Stores written before section headings were kept lack transcripts.sections.
    if "sections" in columns("transcripts"):
        return []
    return ["ALTER TABLE transcripts ADD COLUMN sections TEXT NOT NULL DEFAULT '[]'"]


# Numbered schema changes after the first release. Each takes a function giving a table's
# column names and returns the statements to run (the same on both engines); a step already
# recorded in schema_migrations is never run again.
MIGRATIONS: tuple[tuple[int, Callable[[Callable[[str], set[str]]], list[str]]], ...] = (
    (1, _add_sections_column),
)


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://"))


def create_schema_sql(engine: str) -> list[str]:
    """CREATE TABLE / CREATE INDEX statements for ``engine`` ("sqlite" or "postgresql"), each
    guarded with IF NOT EXISTS so opening an existing store changes nothing."""
    dialect = sqlite.dialect() if engine == "sqlite" else postgresql.dialect()
    statements = []
    for table in METADATA.sorted_tables:
        statements.append(str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)).strip())
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            statements.append(str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect)).strip())
    return statements


def primary_keys(table: str) -> list[str]:
    return [c.name for c in METADATA.tables[table].primary_key.columns]


class Row(tuple):
    """A result row read by position, by column name (``row["text"]``) or as a mapping
    (``dict(row)``), as sqlite3.Row allows, so queries read the same on both engines."""

    _names: tuple[str, ...] = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> tuple[str, ...]:
        return self._names


def row_factory(cursor) -> Callable[[Sequence[Any]], Row]:
    """A psycopg row factory making ``Row``s with the cursor's column names."""
    names = tuple(d.name for d in cursor.description or ())
    kind = type("Row", (Row,), {"_names": names, "_index": {n: i for i, n in enumerate(names)}})
    return lambda values: kind(values)


_INSERT_OR = re.compile(r"^\s*INSERT\s+OR\s+(REPLACE|IGNORE)\s+INTO\s+(\w+)\s*(?:\(([^)]*)\))?", re.IGNORECASE)
_STRING = re.compile(r"'(?:[^']|'')*'")


def to_postgres(sql: str) -> str:
    """One statement written for SQLite, as PostgreSQL runs it (see the module docstring)."""
    stripped = sql.strip()
    if re.fullmatch(r"BEGIN\s+IMMEDIATE", stripped, re.IGNORECASE):
        return "BEGIN"
    upsert = _INSERT_OR.match(sql)
    if upsert:
        how, table, columns = upsert.group(1).upper(), upsert.group(2), upsert.group(3)
        sql = re.sub(r"^\s*INSERT\s+OR\s+\w+\s+INTO", "INSERT INTO", sql, count=1, flags=re.IGNORECASE)
        keys = primary_keys(table) if table in METADATA.tables else []
        if how == "IGNORE" or not keys or not columns:
            sql = sql.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
        else:
            names = [c.strip().strip('"') for c in columns.split(",")]
            updates = ", ".join(f'"{n}" = EXCLUDED."{n}"' for n in names if n not in keys)
            conflict = ", ".join(f'"{k}"' for k in keys)
            action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
            sql = sql.rstrip().rstrip(";") + f" ON CONFLICT ({conflict}) {action}"
    return _placeholders(sql)


def _placeholders(sql: str) -> str:
    """``?`` -> ``%s`` and a literal ``%`` -> ``%%`` outside string literals; inside them only
    ``%`` is doubled (psycopg reads the whole statement for placeholders)."""
    out, at = [], 0
    for literal in _STRING.finditer(sql):
        out.append(sql[at:literal.start()].replace("%", "%%").replace("?", "%s"))
        out.append(literal.group(0).replace("%", "%%"))
        at = literal.end()
    out.append(sql[at:].replace("%", "%%").replace("?", "%s"))
    return "".join(out)


def table_columns_sql(engine: str) -> str:
    if engine == "sqlite":
        return "SELECT name FROM pragma_table_info(?)"
    return "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema()"


def statements(script: str) -> Iterable[str]:
    """The statements of a script of plain DDL (no semicolons inside literals)."""
    return (s.strip() for s in script.split(";") if s.strip())
