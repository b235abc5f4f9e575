"""How long `fgkit review train` takes on a large study with its embeddings cached (issue 15 item 6).

A project is built in a temporary folder with N segments (default 10,000) in transcripts of 80
turns: each segment joins two or three turns of the tuning study (benchmarks/data/coding_tuning),
its rule codings are the union of theirs (the rule coder runs once on the tuning turns), and its
cached MiniLM vector is the normalised mean of theirs (so the store's embedding cache is warm, as
in a study that was coded and reviewed before; encoding 10,000 new texts is a one-off cost that
`fgkit review train` does not pay again). The first --reviewed segments carry a careful
reviewer's decisions (the union of the parts' hand labels). Then the library call behind `fgkit
review train` (``fgkit.coding.learn.learn_and_suggest``: read, fit, cross-validate, write
additions and doubts, trust) and the worksheet ordering (``teaching_ranking``) are timed.

    python benchmarks/bench_review_train.py [--sizes 10000] [--reviewed 50]

Target: within 60 s on 2 cores for 10,000 segments. The trust figures printed are a sanity check,
not a quality figure (parts repeat across segments); bench_learning_curve.py measures quality.

Measured 2026-12-02 on the shared 2-core machine (other work running), 10,000 segments, 50 reviewed
(137 decisions), default codebook (10 codes): `review train` 19.5 s, worksheet teaching order
17.0 s, peak memory 1,079 MB; building the project (rule coding the tuning turns, encoding them)
took most of the 2 min 40 s run.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_learning_curve import TOP, rule_table  # noqa: E402
from study_sets import labelled_sets  # noqa: E402


def build_project(root: Path, size: int, reviewed: int, seed: int):
    import numpy as np

    from fgkit.analysis.embed import embedder_info, load_minilm, text_hash
    from fgkit.codebook import load_codebook
    from fgkit.project import init_project
    from fgkit.records import stable_id

    lset = labelled_sets(["coding_tuning"])[0]
    turns = lset.labelled
    rules = rule_table(lset, TOP).to_numpy()[[i for i, t in enumerate(lset.turns) if t.labelled]]
    vectors = np.asarray(load_minilm().encode([t.text for t in turns], batch_size=64, show_progress_bar=False))
    project = init_project(root / "study", name="bench")
    codebook = load_codebook(project.codebook_path)
    rng = np.random.default_rng(seed)
    seg_rows, turn_rows, codings, reviews, cache = [], [], [], [], {}
    for i in range(size):
        parts = rng.choice(len(turns), size=int(rng.integers(2, 4)), replace=False)
        text = " ".join(turns[p].text for p in parts) + f" ({i})"
        transcript, index = f"t{i // 80:04d}.txt", i % 80
        turn_id = stable_id("turn", transcript, index)
        segment_id = stable_id(transcript, index, text)
        role = turns[parts[0]].role
        turn_rows.append((turn_id, transcript, index, f"P{i % 9}", f"Speaker {i % 9}", role, f"G{i // 80 % 6}",
                          text, "h"))
        seg_rows.append((segment_id, turn_id, transcript, index, len(text), text, f"Speaker {i % 9}",
                         f"P{i % 9}", role, f"G{i // 80 % 6}"))
        vector = vectors[parts].mean(axis=0)
        cache[text_hash(text)] = (vector / np.linalg.norm(vector)).astype(np.float32)
        fired = rules[parts].max(axis=0)
        truth = {c for p in parts for c in turns[p].codes}
        for j, code in enumerate(TOP):
            if fired[j] > 0:
                codings.append((segment_id, code, "rules:v1", float(fired[j])))
                if i < reviewed:
                    reviews.append((segment_id, code, "accept" if code in truth else "reject"))
        if i < reviewed:
            shown = {TOP[j] for j in np.flatnonzero(fired > 0)}
            reviews.extend((segment_id, code, "add") for code in truth - shown)
    with project.open_store() as store:
        with store.transaction() as conn:
            conn.executemany("""INSERT INTO pseudo_turns(turn_id, transcript, turn_index, participant_id, speaker,
                                role, group_name, text, source_hash) VALUES (?,?,?,?,?,?,?,?,?)""", turn_rows)
            conn.executemany("""INSERT INTO segments(segment_id, turn_id, transcript, turn_index, level, start_char,
                                end_char, text, speaker, participant_id, role, group_name)
                                VALUES (?,?,?,?,'turn',0,?,?,?,?,?,?)""", seg_rows)
            conn.executemany("INSERT INTO codings(segment_id, code, coder, confidence) VALUES (?,?,?,?)", codings)
            conn.executemany("""INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at)
                                VALUES (?,?,?,'bench','2026-12-02T00:00:00+00:00')""", reviews)
        store.cache_put_many(f"embed:minilm:{embedder_info('minilm')['model_package']}", cache)
        # The codebook's seeds are encoded once here, as the first `review train` would.
        from fgkit.analysis.embed import embed_texts
        from fgkit.coding.train import code_descriptions

        described = code_descriptions(codebook)
        embed_texts(store, [t for c in codebook.ids for t in described[c]]
                    + [t for c in codebook.codes for t in c.exclude], "minilm", 42)
    return project, len(reviews)


def main() -> None:
    import warnings

    from fgkit.coding.learn import learn_and_suggest, teaching_ranking

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--reviewed", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print(f"{'segments':>9} {'decisions':>9} {'train':>8} {'worksheet order':>16} {'suggested':>9} "
          f"{'doubtful':>9} {'peak MB':>8}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            project, n_decisions = build_project(Path(tmp), size, args.reviewed, args.seed)
            with project.open_store() as store:
                started = time.perf_counter()
                report = learn_and_suggest(project, store)
                train = time.perf_counter() - started
                started = time.perf_counter()
                teaching_ranking(project, store)
                order = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            print(f"{size:>9,} {n_decisions:>9} {train:>7.1f}s {order:>15.1f}s {report.n_suggestions:>9} "
                  f"{report.n_doubtful:>9} {peak:>8}")
            for code, trust in report.trust.items():
                print(f"    {code:<28} {trust.display()}")


if __name__ == "__main__":
    main()
