"""Issue 17: the store owns all SQL. Any string literal outside store.py and store_db.py that
reads like an SQL statement fails this test (so a query cannot creep back into a stage)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import fgkit

SRC = Path(fgkit.__file__).resolve().parent
STORE_MODULES = {"store.py", "store_db.py"}

# A statement keyword followed by the words that make it SQL rather than prose. Keywords are
# matched in capitals, as the store writes them, so "Select the codes ... from the list" or
# "Delete from the worksheet" in a message stay allowed.
SQL = re.compile(
    r"\b(SELECT\s+(DISTINCT\s+)?[\w\"*.(),\s]+?\s+FROM\s+\w+"
    r"|INSERT\s+(OR\s+\w+\s+)?INTO\s+\w+"
    r"|UPDATE\s+\w+\s+SET\s+\w+\s*="
    r"|DELETE\s+FROM\s+\w+"
    r"|CREATE\s+(TEMP\s+|TEMPORARY\s+|UNIQUE\s+)?(TABLE|INDEX|VIEW)\b)",
)


def sql_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal in ``source`` that holds an SQL statement."""
    found = []
    tree = ast.parse(source)
    # An f-string's literal parts are checked as part of the whole f-string, not on their own.
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        if id(node) in parts:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
            if SQL.search(text):
                found.append((node.lineno, text))
    return found


def test_the_detector_finds_sql_and_passes_prose():
    source = '''
rows = store.query("SELECT segment_id, code FROM codings WHERE coder=?")
more = f"""SELECT s.text, p.role
           FROM segments s JOIN pseudo_turns p WHERE s.role IN ({marks})"""
conn.execute("INSERT OR REPLACE INTO cache VALUES (?)")
conn.execute("UPDATE runs SET status=?")
conn.execute("DELETE FROM turns")
conn.execute("CREATE TEMP TABLE keep (id TEXT)")
note = "Select the codes that apply from the list, then update the register."
help = "Delete from the worksheet any row you did not review; SELECT is a keyword."
'''
    assert sorted(line for line, _ in sql_strings(source)) == [2, 3, 5, 6, 7, 8]


def test_no_sql_outside_the_store():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name in STORE_MODULES and path.parent == SRC:
            continue
        for line, text in sql_strings(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(SRC)}:{line}: {' '.join(text.split())[:80]}")
    assert offenders == [], "SQL outside the store; add a named Store method:\n" + "\n".join(offenders)
