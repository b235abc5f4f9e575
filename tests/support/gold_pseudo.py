"""The labelled evaluation set as a project: register, stored turns, gold spans per turn."""

from __future__ import annotations

import shutil
from pathlib import Path

from fgkit.pseudonymise.evaluate import parse_marked

GOLD_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "pseudonymise_gold"


GOLD_FILES = ("turns.txt", "turns-heldout.txt")


def load_gold(files: tuple[str, ...] = GOLD_FILES) -> list[tuple[str, str, str, list]]:
    """(transcript, speaker label, text, gold spans) per turn, in file order."""
    rows = []
    lines = [line for name in files for line in (GOLD_DIR / name).read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        transcript, label, marked = line.split("|", 2)
        text, spans = parse_marked(marked)
        rows.append((transcript, label, text, spans))
    return rows


def gold_project(root: Path):
    """A project holding the gold turns and register; returns (project, store, gold rows)."""
    from support.pseudo import store_turns

    from fgkit.project import init_project

    project = init_project(root)
    shutil.copy(GOLD_DIR / "register.csv", project.register_path)
    gold = load_gold()
    transcripts: dict[str, list] = {}
    for transcript, label, text, _ in gold:
        transcripts.setdefault(transcript, []).append((label, text))
    store = project.open_store()
    store_turns(store, transcripts)
    return project, store, gold


def predicted_spans(project, gold) -> list[list[tuple[int, int, str]]]:
    """Replacement spans per gold turn, read from the anonymisation log."""
    import csv

    by_turn: dict[tuple[str, int], list] = {}
    with open(project.private_dir / "anonymisation-log.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_turn.setdefault((row["transcript"], int(row["turn_index"])), []).append(
                (int(row["start"]), int(row["end"]), row["type"])
            )
    index: dict[str, int] = {}
    out = []
    for transcript, _, _, _ in gold:
        i = index.get(transcript, 0)
        index[transcript] = i + 1
        out.append(by_turn.get((transcript, i), []))
    return out
