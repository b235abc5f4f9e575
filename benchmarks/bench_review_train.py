"""How long `fgkit review train`'s combined coder takes to fit on a large study.

A study of N segments is built from the labelled set (benchmarks/data/coding_gold.csv and
coding_holdout.csv): each segment joins two or three labelled segments, so its codes are the union
of theirs and its rule hits the strongest of theirs (the rule coder runs once on the 228 labelled
texts, not on the N segments). The first --reviewed segments carry decisions. For each size the
combined coder is fitted with one process and with one per core (what `fgkit review train` uses
from 2,000 segments on), on the default codebook's top-level codes or on all its codes.

    python benchmarks/bench_review_train.py [--sizes 1000 10000] [--reviewed 100]
                                            [--codes top|all] [--embedder none|minilm]

Measured (2 cores; 100 reviewed; the 10 codes of the default codebook; peak memory includes the
spaCy model the rule pass loaded):

      segments   features          1 process   one per core   peak memory
         1,000   TF-IDF                0.9 s          2.6 s        632 MB
        10,000   TF-IDF                5.7 s          4.6 s        639 MB
         1,000   TF-IDF + MiniLM       2.2 s          3.8 s        885 MB
        10,000   TF-IDF + MiniLM      48.3 s         28.7 s      1,233 MB

Encoding the 10,000 segments with MiniLM took 72 s more (a real study caches the vectors in its
store, so only new text is encoded). A second process pays off only on large studies, which is
why `fgkit review train` starts one from 2,000 segments on. The kappa columns are a sanity check,
not a quality figure: the joined segments reuse labelled texts, so reviewed and unreviewed
segments share parts (bench_learning_curve.py measures quality).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_learning_curve import load_labelled, rule_table  # noqa: E402


def build_study(labelled, codes, rules, size, seed):
    """``size`` segments, each two or three labelled segments joined, with their codes and rule hits."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    truth = np.array([[int(c in g["codes"]) for c in codes] for g in labelled])
    hits = rules.to_numpy()
    texts, labels, fired = [], [], []
    for _ in range(size):
        parts = rng.choice(len(labelled), size=int(rng.integers(2, 4)), replace=False)
        texts.append(" ".join(labelled[i]["text"] for i in parts))
        labels.append(truth[parts].max(axis=0))
        fired.append(hits[parts].max(axis=0))
    return texts, pd.DataFrame(labels, columns=codes, dtype=float), pd.DataFrame(fired, columns=codes)


def main() -> None:
    import numpy as np
    import pandas as pd
    from sklearn.metrics import cohen_kappa_score

    from fgkit.codebook import load_codebook
    from fgkit.coding.combined import CombinedCoder, combine
    from fgkit.coding.train import code_descriptions

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--reviewed", type=int, default=100)
    parser.add_argument("--codes", choices=["top", "all"], default="all")
    parser.add_argument("--embedder", choices=["none", "minilm"], default="none")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    codebook = load_codebook()
    labelled = load_labelled()
    # The labelled set is coded with top-level codes; with --codes all every sub-code shares its
    # parent's labels and rule hits, which costs what the real codebook costs.
    top = sorted({c for g in labelled for c in g["codes"]})
    codes = top if args.codes == "top" else [c for c in codebook.ids if codebook.top_level(c) in top]
    rules_top = rule_table([g["text"] for g in labelled], top)
    rules = pd.DataFrame({c: rules_top[codebook.top_level(c)] for c in codes})
    for g in labelled:
        g["codes"] = {c for c in codes if codebook.top_level(c) in g["codes"]}
    described = code_descriptions(codebook)
    print(f"{len(codes)} codes; {args.reviewed} reviewed segments; embedder {args.embedder}")
    print(f"{'segments':>9} {'codes':>6} {'n_jobs':>7} {'fit':>8} {'rules kappa':>12} {'combined kappa':>15}"
          f" {'threshold':>10} {'peak MB':>8}")
    for size in args.sizes:
        texts, truth, fired = build_study(labelled, codes, rules, size, args.seed)
        embedder = None
        if args.embedder == "minilm":
            from fgkit.analysis.embed import load_minilm

            every = list(dict.fromkeys([*texts, *(t for c in codes for t in described[c])]))
            started = time.perf_counter()
            vectors = dict(zip(every, load_minilm().encode(every, batch_size=64, show_progress_bar=False)))
            print(f"  (encoding {len(every)} texts took {time.perf_counter() - started:.1f}s)")

            def embedder(batch, vectors=vectors):
                return np.vstack([vectors[t] for t in batch])

        decisions = truth.copy()
        decisions.iloc[args.reviewed:] = np.nan
        for n_jobs in (None, -1):
            coder = CombinedCoder(embedder=embedder, descriptions={c: described[c] for c in codes},
                                  n_jobs=n_jobs, random_state=args.seed)
            started = time.perf_counter()
            coder.fit(texts, decisions, rule_hits=fired)
            seconds = time.perf_counter() - started
            rest = slice(args.reviewed, None)
            out = combine(fired, coder.proba_, coder.threshold_).iloc[rest].to_numpy().ravel()
            gold = truth.iloc[rest].to_numpy().ravel()
            alone = (fired.iloc[rest].to_numpy().ravel() > 0).astype(int)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            print(f"{size:>9,} {len(codes):>6} {str(n_jobs):>7} {seconds:>7.1f}s "
                  f"{cohen_kappa_score(gold, alone):>12.3f} {cohen_kappa_score(gold, out):>15.3f}"
                  f" {coder.threshold_:>10} {peak:>8}")


if __name__ == "__main__":
    main()
