"""Small builders for pseudonymisation tests: a project with a register and stored turns."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fgkit.project import init_project
from fgkit.records import stable_id
from fgkit.store import Store, now_iso

REGISTER_COLUMNS = ["transcript", "speaker_label", "participant_id", "role", "group", "consent",
                    "full_name", "name_variants"]


def write_register(project, rows: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=REGISTER_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in REGISTER_COLUMNS})
    Path(project.register_path).write_text(buf.getvalue(), encoding="utf-8")


def store_turns(store: Store, transcripts: dict[str, list[tuple[str, str]]]) -> None:
    """Insert (speaker_label, text) turns per transcript, as ingest would."""
    with store.transaction() as conn:
        for name, turns in transcripts.items():
            conn.execute("DELETE FROM transcripts WHERE name=?", (name,))
            conn.execute(
                "INSERT INTO transcripts(name, format, sha256, n_turns, n_words, ingested_at) "
                "VALUES (?, 'txt', ?, ?, ?, ?)",
                (name, stable_id(name), len(turns), sum(len(t.split()) for _, t in turns), now_iso()),
            )
            for i, (label, text) in enumerate(turns):
                conn.execute(
                    "INSERT INTO turns(turn_id, transcript, turn_index, speaker_label, text, line) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (stable_id(name, i, label, text), name, i, label, text, i * 2 + 1),
                )


def make_project(root: Path, register: list[dict], transcripts: dict, settings: str = ""):
    project = init_project(root)
    if settings:
        toml = root / "fgkit.toml"
        toml.write_text(toml.read_text().replace("deny_list = []", settings), encoding="utf-8")
        project = type(project).load(root)
    write_register(project, register)
    store = project.open_store()
    store_turns(store, transcripts)
    return project, store
