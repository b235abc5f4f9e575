"""Report building on generated coded studies: time per step, file sizes, peak memory.

    python benchmarks/bench_report.py                  # 6, 24 and 96 groups
    python benchmarks/bench_report.py --groups 24      # one size

Each size runs in a fresh subprocess so peak memory (ru_maxrss) belongs to that size alone.
The store is filled directly (pseudonymised turns, segments, machine codings, some reviews),
so the figures are the analysis and report stages alone, without NLP. Candidate topics are off.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ["caseload", "pressure", "allocation", "fair", "tray", "visit", "supervision", "risk", "judgement", "team", "manager", "duty", "backlog", "sickness", "agency", "tool", "governance", "trust", "record", "notes", "time", "reflect", "cycle"]
CODES = ("workload_pressure", "allocation_fairness", "emotional_labour", "professional_judgement",
         "ai_reactions", "governance", "staffing", "supervision")


def fill_store(project, groups: int, seed: int = 7) -> int:
    """Six to nine participants a group, 40 turns each; return the number of segments."""
    from fgkit.records import stable_id

    rng = random.Random(seed)
    n = 0
    store = project.open_store()
    with store.transaction() as conn:
        for g in range(1, groups + 1):
            role = "manager" if g % 3 == 0 else "practitioner"
            people = [f"{role[0].upper()}{g:03d}{i}" for i in range(rng.randint(6, 9))]
            name = f"FG{g}.txt"
            conn.execute("INSERT INTO transcripts VALUES (?, 'typed', ?, 40, 4000, '[]', 'x')", (name, stable_id(name)))
            for t in range(40):
                pid = rng.choice(people)
                text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 160))).capitalize() + "."
                tid = stable_id(name, t)
                conn.execute("INSERT INTO pseudo_turns VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 'h')",
                             (tid, name, t, pid, pid, role, f"FG{g}", text))
                conn.execute("INSERT INTO segments VALUES (?, ?, ?, ?, 'turn', 0, ?, ?, ?, ?, ?, ?)",
                             (tid, tid, name, t, len(text), text, pid, pid, role, f"FG{g}"))
                for code in rng.sample(CODES, rng.randint(0, 3)):
                    conn.execute("INSERT INTO codings(segment_id, code, coder, confidence, evidence, "
                                 "evidence_start, evidence_end) VALUES (?, ?, 'rules:v1', ?, '', 0, 10)",
                                 (tid, code, round(rng.random(), 2)))
                    if rng.random() < 0.3:
                        conn.execute("INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) "
                                     "VALUES (?, ?, ?, 'r', 'x')", (tid, code, rng.choice(["accept", "reject"])))
                n += 1
    store.close()
    return n


def measure(groups: int) -> dict:
    from fgkit.analysis import analyse_project
    from fgkit.project import init_project
    from fgkit.report.context import build_context
    from fgkit.report.render_docx import write_docx
    from fgkit.report.render_html import write_html
    from fgkit.report.render_md import write_md
    from fgkit.report.render_xlsx import write_xlsx

    with tempfile.TemporaryDirectory() as tmp:
        project = init_project(Path(tmp) / "study")
        project.settings["topics"]["enabled"] = False
        segments = fill_store(project, groups)
        out = {"groups": groups, "segments": segments, "seconds": {}, "kb": {}}
        with project.open_store() as store:
            started = time.perf_counter()
            analysis = analyse_project(project, store, topics=False)
            out["seconds"]["analyse"] = time.perf_counter() - started
            started = time.perf_counter()
            ctx = build_context(project, store, analysis)
            out["seconds"]["context"] = time.perf_counter() - started
            for name, writer in (("html", write_html), ("docx", write_docx), ("md", write_md), ("xlsx", write_xlsx)):
                started = time.perf_counter()
                path = writer(project, ctx)
                out["seconds"][name] = time.perf_counter() - started
                out["kb"][name] = path.stat().st_size / 1024
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, action="append", help="groups in the study (repeatable)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    steps = ("analyse", "context", "html", "docx", "md", "xlsx")
    print(f"| groups | segments | {' | '.join(s + ' s' for s in steps)} | html KB | docx KB | peak MB |")
    print("|" + "---:|" * (len(steps) + 5))
    for groups in args.groups or [6, 24, 96]:
        done = subprocess.run([sys.executable, __file__, "--child", str(groups)],
                              capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        times = " | ".join(f"{r['seconds'][s]:.2f}" for s in steps)
        print(f"| {r['groups']} | {r['segments']} | {times} | {r['kb']['html']:.0f} | "
              f"{r['kb']['docx']:.0f} | {r['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
