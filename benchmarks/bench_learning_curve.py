"""Learning curve of the review loop on the project's labelled set.

The labelled set is benchmarks/data/coding_gold.csv (168 segments; the default codebook's rules
were tuned on them) pooled with coding_holdout.csv (60 segments never used for tuning). The
scenario is a team reviewing N segments of its own study and the machine coding the rest: for each
N, draws of N segments (seeded) are the human decisions, and the remaining segments are the
evaluation set. Nothing is chosen on the evaluation set: the combined coder's thresholds come
from cross-validation inside the N reviewed segments. Scores are Cohen's kappa pooled over every
(segment, top-level code) pair (mean +- sd over draws), with the mean per-code kappa in brackets:

- rules:      the rule coder alone (fgkit.coding.rules, default codebook);
- classifier: CodeClassifier on text alone (TF-IDF + MiniLM; --embedder none: TF-IDF), p >= 0.5;
              a code it abstains on counts as never applied;
- fixed:      rule hits plus text-classifier additions at p >= 0.95 (the earlier combined coder);
- combined:   fgkit.coding.combined: CodeClassifier with the rule hits as extra features; per
              code, a rule hit is vetoed when p < veto and a code added when p >= add, both
              chosen by 5-fold cross-validation on the reviewed segments only (what
              `fgkit review train` does with [coding] classifier_thresholds = "cv").

The second table scores the same draws on the held-out segments of each remainder alone (never
used to tune rules): the least optimistic figure. "combined - rules" is the paired difference
per draw, with the number of draws where combined is ahead.

    python benchmarks/bench_learning_curve.py [--sizes 10 25 50 100 150] [--draws 10]
                                              [--min-decisions 10] [--embedder minilm|none]

Measured (10 draws, TF-IDF + MiniLM, a code needs 10 positive and 10 negative decisions):

    remainder of the pooled set   rules        classifier   fixed        combined     combined - rules
         10 reviewed, 218 eval    0.75+-0.00   0.00+-0.00   0.75+-0.00   0.75+-0.00   +0.000  0/10
         25               203     0.75+-0.01   0.01+-0.04   0.75+-0.01   0.75+-0.01   +0.000  0/10
         50               178     0.75+-0.02   0.21+-0.09   0.75+-0.02   0.75+-0.02   +0.000  0/10
        100               128     0.76+-0.02   0.51+-0.04   0.76+-0.02   0.76+-0.02   -0.002  1/10
        150                78     0.76+-0.04   0.56+-0.04   0.76+-0.04   0.76+-0.04   -0.004  2/10
    held-out segments only
         50 reviewed,  45 eval    0.50+-0.03   0.25+-0.11   0.51+-0.04   0.50+-0.03   +0.000  0/10
        100                31     0.49+-0.07   0.58+-0.05   0.51+-0.07   0.50+-0.07   +0.007  2/10
        150                20     0.49+-0.13   0.65+-0.09   0.52+-0.13   0.49+-0.12   +0.001  2/10

With 50 reviewed segments the combined coder does not beat the rules: it equals them, because
cross-validation inside 50 decisions never shows a threshold move that gains two errors (on
average 2.6 of 6 codes even have 10 positive decisions). Three quarters of the reviewed
segments are gold ones the rules were tuned on, so the decisions vouch for the rules; on the
held-out segments the classifier alone overtakes the rules from about 100 reviewed, which the
combined coder, judged on mostly-gold decisions, does not pick up. Moving thresholds on a
one-error gain and letting the rule-aware model decide alone scored -0.002 at 50 and -0.013 at
100 (pooled). With --min-decisions 5 the combined coder still equals the rules at 50.
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SETS = {"gold": DATA / "coding_gold.csv", "holdout": DATA / "coding_holdout.csv"}
COLUMNS = ("rules", "classifier", "fixed", "combined")


def load_labelled() -> list[dict]:
    """Gold and holdout segments, each row tagged with the set it came from."""
    rows = []
    for name, path in SETS.items():
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                row["codes"] = {c for c in row["codes"].split(";") if c}
                row["set"] = name
                rows.append(row)
    return rows


def rule_table(texts: list[str], codes: list[str]):
    """The rule coder's confidence per top-level code and text (0 where silent), as the store holds it."""
    import pandas as pd

    from fgkit.codebook import load_codebook
    from fgkit.coding.rules import RuleCoder, load_nlp
    from fgkit.project import DEFAULT_SETTINGS

    codebook = load_codebook()
    confidence = {c.id: c.patterns.confidence for c in codebook.codes}
    nlp = load_nlp(DEFAULT_SETTINGS["nlp"]["spacy_model"])
    coder = RuleCoder(codebook, nlp)
    rows = []
    for doc in nlp.pipe(texts, batch_size=256):
        missed = {c: 1.0 for c in codes}
        for hit in coder.match(doc):
            top = codebook.top_level(hit.code)
            if top in missed:
                missed[top] *= 1.0 - confidence[hit.code]
        rows.append([0.0 if missed[c] == 1.0 else min(0.99, 1.0 - missed[c]) for c in codes])
    return pd.DataFrame(rows, columns=codes)


def kappas(truth, guess) -> tuple[float, float]:
    """Pooled kappa over all (segment, code) pairs, and the mean of the per-code kappas."""
    from sklearn.metrics import cohen_kappa_score

    pooled = cohen_kappa_score(truth.to_numpy().ravel(), guess.to_numpy().ravel(), labels=[0, 1])
    per_code = [cohen_kappa_score(truth[c], guess[c], labels=[0, 1]) for c in truth.columns]
    per_code = [k for k in per_code if not math.isnan(k)]
    return float(pooled), float(sum(per_code) / len(per_code)) if per_code else float("nan")


def one_draw(args, texts, truth, rules, embedder, train, test):
    """The four coders' 0/1 tables on ``test``, trained on ``train`` only."""
    import pandas as pd

    from fgkit.coding.classifier import ADD_THRESHOLD, CodeClassifier
    from fgkit.coding.combined import Thresholds, choose_thresholds, combine

    def rows(frame, index):
        return frame.iloc[index].reset_index(drop=True)

    def estimator():
        return CodeClassifier(min_positive=args.min_decisions, min_negative=args.min_decisions,
                              embedder=embedder, random_state=args.seed)

    train_texts, test_texts = [texts[i] for i in train], [texts[i] for i in test]
    labels, test_rules = rows(truth, train).astype(float), rows(rules, test)
    codes = list(truth.columns)
    empty = pd.DataFrame(index=range(len(test)))

    text_only = estimator().fit(train_texts, labels)
    proba = text_only.predict_proba(test_texts) if text_only.codes_ else empty
    alone = pd.DataFrame(0, index=range(len(test)), columns=codes)
    for code in proba.columns:
        alone[code] = (proba[code] >= text_only.threshold).astype(int)
    fixed = combine(test_rules, proba, Thresholds.fixed(proba.columns, ADD_THRESHOLD))

    with_rules = estimator().fit(train_texts, labels, rule_hits=rows(rules, train))
    thresholds = choose_thresholds(estimator(), train_texts, labels, rows(rules, train))
    proba = with_rules.predict_proba(test_texts, rule_hits=test_rules) if with_rules.codes_ else empty
    combined = combine(test_rules, proba, thresholds)
    moved = sum(thresholds.add[c] != float("inf") or thresholds.veto[c] > 0 for c in thresholds.add)
    return {"rules": (test_rules > 0).astype(int), "classifier": alone, "fixed": fixed,
            "combined": combined}, len(with_rules.codes_), moved


def print_table(title, sizes, results):
    print(title)
    print(f"{'reviewed':>8} {'eval':>5}   " + " ".join(f"{c:>17}" for c in COLUMNS)
          + f"   {'combined - rules':>18}")
    for size in sizes:
        if size not in results:
            continue
        scores, n_eval = results[size]
        cells = []
        for name in COLUMNS:
            pooled = [p for p, _ in scores[name]]
            macro = statistics.mean(m for _, m in scores[name])
            cells.append(f"{statistics.mean(pooled):.2f}+-{statistics.stdev(pooled):.2f} ({macro:.2f})")
        diff = [c[0] - r[0] for c, r in zip(scores["combined"], scores["rules"])]
        ahead = sum(d > 0 for d in diff)
        print(f"{size:>8} {statistics.mean(n_eval):>5.0f}   " + " ".join(f"{c:>17}" for c in cells)
              + f"   {statistics.mean(diff):+.3f}+-{statistics.stdev(diff):.3f} {ahead:>2}/{len(diff)}")
    print()


def main() -> None:
    import numpy as np
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50, 100, 150])
    parser.add_argument("--draws", type=int, default=10, help="random draws per size (seeded)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--min-decisions", type=int, default=10,
                        help="positives and negatives a code needs before the classifier codes it")
    parser.add_argument("--embedder", choices=["minilm", "none"], default="minilm")
    args = parser.parse_args()

    labelled = load_labelled()
    texts = [g["text"] for g in labelled]
    held_out = np.array([g["set"] == "holdout" for g in labelled])
    codes = sorted({c for g in labelled for c in g["codes"]})
    truth = pd.DataFrame([[int(c in g["codes"]) for c in codes] for g in labelled], columns=codes)
    started = time.perf_counter()
    rules = rule_table(texts, codes)
    rules_seconds = time.perf_counter() - started
    embedder = None
    if args.embedder == "minilm":
        from fgkit.analysis.embed import load_minilm

        vectors = dict(zip(texts, load_minilm().encode(texts, batch_size=64, show_progress_bar=False)))

        def embedder(batch):
            return np.vstack([vectors[t] for t in batch])

    print(f"labelled set: {len(labelled)} segments ({held_out.sum()} held out from rule tuning), "
          f"{len(codes)} top-level codes; rule coding took {rules_seconds:.1f}s")
    print(f"classifier features: TF-IDF{' + MiniLM' if embedder else ''}; {args.draws} draws per size; "
          f"a code needs {args.min_decisions} positive and negative decisions")
    print()
    pooled, holdout, notes = {}, {}, []
    for size in args.sizes:
        if size > len(labelled) - 20:
            continue
        pooled[size] = ({c: [] for c in COLUMNS}, [])
        holdout[size] = ({c: [] for c in COLUMNS}, [])
        trained, moved, seconds = [], [], []
        for draw in range(args.draws):
            order = np.random.default_rng(args.seed + draw).permutation(len(labelled))
            train, test = order[:size], order[size:]
            t0 = time.perf_counter()
            tables, n_trained, n_moved = one_draw(args, texts, truth, rules, embedder, train, test)
            seconds.append(time.perf_counter() - t0)
            trained.append(n_trained)
            moved.append(n_moved)
            test_truth = truth.iloc[test].reset_index(drop=True)
            only = held_out[test]
            pooled[size][1].append(len(test))
            holdout[size][1].append(int(only.sum()))
            for name, table in tables.items():
                pooled[size][0][name].append(kappas(test_truth, table))
                holdout[size][0][name].append(kappas(test_truth[only].reset_index(drop=True),
                                                     table[only].reset_index(drop=True)))
        notes.append(f"{size:>8}: codes trained {statistics.mean(trained):.1f}, thresholds moved from "
                     f"rules-alone {statistics.mean(moved):.1f}, {statistics.mean(seconds):.1f}s per draw")
    print_table("Remainder of the pooled set: kappa pooled (mean per-code)", args.sizes, pooled)
    print_table("Held-out segments of the remainder only", args.sizes, holdout)
    print("\n".join(notes))


if __name__ == "__main__":
    main()
