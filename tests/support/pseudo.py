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


# A two-transcript study: a withdrawn manager, a participant called Will, a facilitator.
STUDY_REGISTER = [
    dict(transcript="fg1.txt", speaker_label="FACILITATOR", participant_id="F01", role="facilitator",
         group="FG1", consent="given", full_name="Helen Marsh"),
    dict(transcript="fg1.txt", speaker_label="Priya Shah", participant_id="P01", role="practitioner",
         group="FG1", consent="given", full_name="Priya Shah", name_variants="Pri"),
    dict(transcript="fg1.txt", speaker_label="P2", participant_id="P02", role="practitioner",
         group="FG1", consent="given", full_name="William Okonkwo", name_variants="Will;Billy"),
    dict(transcript="fg1.txt", speaker_label="P3", participant_id="P03", role="manager",
         group="FG1", consent="withdrawn", full_name="Tomasz Nowak", name_variants="Tomek"),
    dict(transcript="fg2.txt", speaker_label="FACILITATOR", participant_id="F01", role="facilitator",
         group="FG2", consent="given", full_name="Helen Marsh"),
    dict(transcript="fg2.txt", speaker_label="Priya", participant_id="P01", role="practitioner",
         group="FG2", consent="given", full_name="Priya Shah", name_variants="Pri"),
    dict(transcript="fg2.txt", speaker_label="M1", participant_id="M01", role="manager",
         group="FG2", consent="given", full_name="Gráinne Murphy", name_variants="Gra"),
]

STUDY_TURNS = {
    "fg1.txt": [
        ("FACILITATOR", "Welcome. Will you each introduce yourselves?"),
        ("Priya Shah", "I'm Priya, I work at the Beeston office. Will's caseload is mad, and Tomek's too."),
        ("P2", "Will said that, yes. I will say it again: call me on 07700 900123."),
        ("P3", "Tomek here. I shared a lot about Mrs Okafor in Clifton."),
        ("Priya Shah", "Grace Adeyemi from Carers Federation rang about Mrs Okafor. Priya’s view: Amber."),
    ],
    "fg2.txt": [
        ("FACILITATOR", "Hello again, everyone."),
        ("Priya", "The Beeston office is still short. Okafor's daughter emailed grace.a@example.co.uk."),
        ("M1", "As Gráinne I'd say Priya carries too much. Hope is what keeps us going. Zebedee agrees."),
    ],
}
