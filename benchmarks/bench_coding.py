"""Quality and speed of the rule coder on the labelled gold set.

Prints precision, recall and Cohen's kappa per top-level code for the default codebook (or
--codebook), their mean, and the speed of the matching step alone over pre-parsed spaCy docs.

Two labelled sets: ``coding_gold.csv`` was written from the code definitions before any
pattern was tuned, but the patterns were then broadened while looking at its errors, so its
figures are optimistic. ``coding_holdout.csv`` was written afterwards and never tuned against:
its figures are the honest estimate.

    python benchmarks/bench_coding.py [--codebook FILE] [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

GOLD = Path(__file__).resolve().parent / "data" / "coding_gold.csv"
HOLDOUT = Path(__file__).resolve().parent / "data" / "coding_holdout.csv"


def load_gold(path: Path = GOLD) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["codes"] = {c for c in row["codes"].split(";") if c}
    return rows


def predict(codebook, nlp, texts: list[str]) -> tuple[list[set[str]], list, float]:
    """Top-level codes per text, the docs, and the seconds the matching step took."""
    from fgkit.coding.rules import RuleCoder

    coder = RuleCoder(codebook, nlp)
    docs = list(nlp.pipe(texts, batch_size=256))
    started = time.perf_counter()
    hits = [coder.match(doc) for doc in docs]
    elapsed = time.perf_counter() - started
    return [{codebook.top_level(h.code) for h in doc_hits} for doc_hits in hits], docs, elapsed


def score(codebook, nlp, gold: list[dict]) -> dict[str, dict[str, float]]:
    """Per top-level code: precision, recall, kappa, support. Key 'mean' holds the mean kappa."""
    from sklearn.metrics import cohen_kappa_score, precision_score, recall_score

    predicted, _, _ = predict(codebook, nlp, [g["text"] for g in gold])
    out: dict[str, dict[str, float]] = {}
    for code in [c.id for c in codebook.codes if c.parent is None]:
        truth = [code in g["codes"] for g in gold]
        guess = [code in p for p in predicted]
        out[code] = {
            "precision": precision_score(truth, guess, zero_division=0),
            "recall": recall_score(truth, guess, zero_division=0),
            "kappa": cohen_kappa_score(truth, guess),
            "support": sum(truth),
        }
    kappas = [v["kappa"] for v in out.values()]
    out["mean"] = {"kappa": sum(kappas) / len(kappas)}
    return out


def main() -> None:
    import spacy  # noqa: F401  (fail early when spaCy is missing)

    from fgkit.codebook import load_codebook
    from fgkit.coding.rules import RuleCoder, load_nlp
    from fgkit.project import DEFAULT_SETTINGS

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codebook", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=400, help="copies of the gold texts to time")
    args = parser.parse_args()

    codebook = load_codebook(args.codebook)
    nlp = load_nlp(DEFAULT_SETTINGS["nlp"]["spacy_model"])
    gold = load_gold()
    for label, rows in (("gold set (tuned against)", gold), ("held-out set", load_gold(HOLDOUT))):
        results = score(codebook, nlp, rows)
        print(f"{label}: {len(rows)} segments, codebook '{codebook.name}' {codebook.version}")
        print(f"{'code':<24}{'support':>8}{'precision':>11}{'recall':>8}{'kappa':>8}")
        for code, r in results.items():
            if code != "mean":
                print(f"{code:<24}{r['support']:>8}{r['precision']:>11.2f}{r['recall']:>8.2f}"
                      f"{r['kappa']:>8.2f}")
        print(f"{'mean kappa':<51}{results['mean']['kappa']:>8.2f}")
        print()

    # Speed: the spaCy pass is timed apart from the matching step the coder owns.
    texts = [g["text"] for g in gold] * args.repeat
    started = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=256))
    nlp_seconds = time.perf_counter() - started
    coder = RuleCoder(codebook, nlp)
    started = time.perf_counter()
    for doc in docs:
        coder.match(doc)
    match_seconds = time.perf_counter() - started
    print(f"{'step':<34}{'segments':>10}{'seconds':>10}{'segments/min':>14}")
    print(f"{'spaCy pass (lemmas)':<34}{len(docs):>10}{nlp_seconds:>10.2f}{len(docs) / nlp_seconds * 60:>14,.0f}")
    # Why the coder approximates clause scope with a token window instead of the parser.
    import spacy

    sample = texts[: max(len(texts) // 4, 1)]
    with_parser = spacy.load(DEFAULT_SETTINGS["nlp"]["spacy_model"], exclude=["ner"])
    for label, pipeline in (("lemmas, same sample", nlp), ("with parser", with_parser)):
        started = time.perf_counter()
        for _ in pipeline.pipe(sample, batch_size=256):
            pass
        seconds = time.perf_counter() - started
        print(f"{'spaCy pass (' + label + ')':<34}{len(sample):>10}{seconds:>10.2f}"
              f"{len(sample) / seconds * 60:>14,.0f}")
    print(f"{'rule matching':<34}{len(docs):>10}{match_seconds:>10.2f}{len(docs) / match_seconds * 60:>14,.0f}")


if __name__ == "__main__":
    main()
