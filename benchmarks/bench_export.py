"""Speed of the exports on a synthetic study of realistic size.

Builds a project with N transcripts of T turns (sentence segments, about half of them coded
and accepted), then times the quotes table, each quotes format, the REFI-QDA export and the
import of that export back as another coder.

    python benchmarks/bench_export.py [--transcripts N] [--turns T]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

SENTENCES = [
    "The pressure never stops.",
    "There's no time to reflect, just an endless cycle of cases.",
    "I don't feel I have any say in what's allocated to me.",
    "It just appears in my tray.",
    "I go home every night exhausted, knowing I haven't done enough.",
    "Judgement is contextual and risk is relational.",
    "Who is accountable if the tool gets the risk wrong?",
    "The weighting tool was hard to sustain on a busy team.",
]
CODES = ["workload_pressure", "allocation_fairness", "emotional_labour", "ai_caution"]
CODEBOOK = "name: bench\nversion: '1'\ncodes:\n" + "".join(
    f"  - id: {c}\n    label: {c.replace('_', ' ').capitalize()}\n    definition: d\n"
    for c in CODES
)


def build(root: Path, transcripts: int, turns: int):
    from fgkit.project import init_project
    from fgkit.records import stable_id
    from fgkit.store import now_iso

    rng = random.Random(42)
    project = init_project(root, name="bench")
    project.codebook_path.write_text(CODEBOOK, encoding="utf-8")
    store = project.open_store()
    with store.transaction() as conn:
        for t in range(transcripts):
            name, group = f"FG{t + 1}.vtt", f"FG{t + 1}"
            for i in range(turns):
                pid = f"P{t:02d}{i % 6}"
                text = " ".join(rng.sample(SENTENCES, 3))
                turn_id = stable_id(name, i)
                conn.execute(
                    "INSERT INTO pseudo_turns VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (turn_id, name, i, pid, f"Practitioner {pid}", "practitioner", group, text,
                     None, stable_id(text)),
                )
                start = 0
                for sentence in text.split(". "):
                    end = start + len(sentence) + (1 if not sentence.endswith(("?", ".")) else 0)
                    seg = stable_id(turn_id, start)
                    conn.execute(
                        "INSERT INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (seg, turn_id, name, i, "sentence", start, end, text[start:end],
                         f"Practitioner {pid}", pid, "practitioner", group),
                    )
                    if rng.random() < 0.5:
                        code = rng.choice(CODES)
                        conn.execute(
                            "INSERT INTO codings(segment_id, code, coder) VALUES (?,?,?)",
                            (seg, code, "rules:v1"),
                        )
                        conn.execute(
                            "INSERT INTO reviews(segment_id, code, decision, reviewer,"
                            " decided_at) VALUES (?,?,?,?,?)",
                            (seg, code, "accept", "R", now_iso()),
                        )
                    start = end + 1
    return project, store


def timed(label: str, func, rows: list):
    started = time.perf_counter()
    result = func()
    rows.append((label, time.perf_counter() - started))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=12)
    parser.add_argument("--turns", type=int, default=400)
    args = parser.parse_args()

    from fgkit.export import export_quotes, export_refi, import_refi, select_quotes

    with tempfile.TemporaryDirectory() as tmp:
        project, store = build(Path(tmp) / "study", args.transcripts, args.turns)
        n_segments = store.query("SELECT COUNT(*) AS n FROM segments")[0]["n"]
        rows: list[tuple[str, float]] = []
        table = timed("select quotes", lambda: select_quotes(project, store), rows)
        for fmt in ("csv", "xlsx", "docx"):
            timed(f"write quotes.{fmt}", lambda f=fmt: export_quotes(
                project, store, formats=(f,)), rows)
        refi = timed("export .qdpx", lambda: export_refi(project, store), rows)
        result = timed("import .qdpx", lambda: import_refi(project, store, refi.path), rows)
        store.close()

    print(f"{args.transcripts * args.turns} turns, {n_segments} segments, {len(table)} quotes, "
          f"{refi.codings} REFI codings, {result.stored} imported")
    print(f"{'step':<20}{'seconds':>10}")
    for label, seconds in rows:
        print(f"{label:<20}{seconds:>10.2f}")


if __name__ == "__main__":
    main()
