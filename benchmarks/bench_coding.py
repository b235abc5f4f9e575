"""Quality and speed of the rule coder on every labelled set, each figure labelled by status.

For each set (see ``benchmarks/study_sets.py``), labelled ``tuned`` (patterns were changed while
looking at it), ``held-out`` (never tuned against) or ``blind`` (frozen, never read):

- agreement sets: precision, recall and Cohen's kappa per top-level code and their mean;
  for sets with practitioners and managers, the prevalence of each code by role (share of
  participant turns, hand against rules) and whether each role difference comes out in the
  same direction (a difference is *clear* when the hand coding's 95% interval excludes zero);
- off-topic sets: the share of segments that get any code (target at most 5%), and the share
  that get a code the hand coding does not give.

Sets: ``coding_gold.csv`` (tuned), ``coding_tuning/`` (tuned; a study), the off-topic fixture
``tests/fixtures/coding_offtopic/tuning.csv`` (tuned), ``coding_holdout.csv`` (held out),
``coding_blind/`` and ``offtopic_blind/`` (blind; only these aggregate figures are printed,
never a text or a per-item result). Study sets are coded as ``fgkit code`` codes a study, turn
by turn; segment sets row by row. Then the speed of the matching step (``fgkit code`` must
keep at least 50,000 segments a minute for the rules).

    python benchmarks/bench_coding.py [--sets NAME ...] [--codebook FILE] [--repeat N]
                                      [--no-speed] [--json]
    python benchmarks/bench_coding.py --errors coding_gold     # tuned sets only
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from study_sets import (DATA, FIXTURES, LabelledSet, labelled_sets, load_segment_set,  # noqa: E402
                        load_study, manifest_ok)

# An off-topic *study* (facilitator's questions and all) to tune the rules within the talk on:
# the off-topic segment fixture has no dialogue, so it cannot show support leaking from one turn
# to the next. Our own writing; tuned against.
OFFTOPIC_STUDY = FIXTURES / "coding_offtopic" / "study"


def all_sets(names: list[str] | None = None) -> list[LabelledSet]:
    """The shared labelled sets and the off-topic tuning study, tuned sets first."""
    sets = labelled_sets(names)
    if OFFTOPIC_STUDY.is_dir() and (names is None or "offtopic_tuning_study" in names):
        tuned = [s for s in sets if s.status == "tuned"]
        sets = tuned + [load_study(OFFTOPIC_STUDY, "offtopic_tuning_study", "tuned", "offtopic")] \
            + [s for s in sets if s.status != "tuned"]
    return sets

GOLD = DATA / "coding_gold.csv"
HOLDOUT = DATA / "coding_holdout.csv"
ROLES = ("practitioner", "manager")
OFFTOPIC_TARGET = 0.05


def load_gold(path: Path = GOLD) -> list[dict]:
    """Rows of a segment CSV as dicts with ``codes`` as a set (kept for older callers)."""
    return [{"id": t.key, "role": t.role, "text": t.text, "codes": set(t.codes)}
            for t in load_segment_set(path).turns]


def predict(codebook, nlp, texts: list[str]) -> tuple[list[set[str]], list, float]:
    """Top-level codes per loose text, the docs, and the seconds the matching step took."""
    from fgkit.coding.rules import RuleCoder

    coder = RuleCoder(codebook, nlp)
    docs = list(nlp.pipe(texts, batch_size=256))
    started = time.perf_counter()
    hits = [coder.match(doc) for doc in docs]
    elapsed = time.perf_counter() - started
    return [{codebook.top_level(h.code) for h in doc_hits} for doc_hits in hits], docs, elapsed


def predict_set(codebook, nlp, lset: LabelledSet) -> list[set[str]]:
    """Top-level codes for each labelled turn of a set, coded the way ``fgkit code`` codes:
    a study turn by turn within its talk (the facilitator's question and the turn before, see
    ``fgkit.coding.dialogue``), a segment set row by row."""
    labelled = lset.labelled
    if not lset.study:
        predicted, _, _ = predict(codebook, nlp, [t.text for t in labelled])
        return predicted
    from fgkit.coding.dialogue import Unit, code_dialogue
    from fgkit.coding.rules import RuleCoder

    coder = RuleCoder(codebook, nlp)
    # Unlabelled turns (facilitators') lead the talk; only labelled turns are scored.
    turns = list(lset.turns)
    scans = [coder.scan(doc) for doc in nlp.pipe([t.text for t in turns], batch_size=256)]
    units = [Unit(t.transcript, t.turn, facilitator=not t.labelled) for t in turns]
    hits = code_dialogue(coder, scans, units)
    return [{codebook.top_level(h.code) for h in doc_hits}
            for t, doc_hits in zip(turns, hits) if t.labelled]


def agreement(codes: list[str], truth: list[frozenset[str]] | list[set[str]],
              predicted: list[set[str]]) -> dict[str, dict[str, float]]:
    """Per code: precision, recall, kappa (nan when neither side ever gives it), support."""
    from sklearn.metrics import cohen_kappa_score, precision_score, recall_score

    out: dict[str, dict[str, float]] = {}
    for code in codes:
        hand = [code in t for t in truth]
        rule = [code in p for p in predicted]
        both_constant = len(set(hand)) == 1 and hand == rule
        out[code] = {
            "precision": precision_score(hand, rule, zero_division=0),
            "recall": recall_score(hand, rule, zero_division=0),
            "kappa": math.nan if both_constant else float(cohen_kappa_score(hand, rule)),
            "support": sum(hand),
            "predicted": sum(rule),
        }
    kappas = [v["kappa"] for v in out.values() if not math.isnan(v["kappa"])]
    out["mean"] = {"kappa": sum(kappas) / len(kappas) if kappas else math.nan}
    low, high = _bootstrap(codes, truth, predicted)
    for code in codes:
        out[code]["low"], out[code]["high"] = low[code], high[code]
    out["mean"]["low"], out["mean"]["high"] = low["mean"], high["mean"]
    return out


def _kappa(hand, rule) -> "np.ndarray":
    """Cohen's kappa of boolean columns, row by row of resamples (vectorised)."""
    import numpy as np

    n = hand.shape[-1]
    po = (hand == rule).mean(-1)
    ph, pr = hand.mean(-1), rule.mean(-1)
    pe = ph * pr + (1 - ph) * (1 - pr)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pe < 1, (po - pe) / (1 - pe), np.nan) if n else np.nan


def _bootstrap(codes, truth, predicted, rounds: int = 2000, seed: int = 15):
    """Percentile 95% intervals of each code's kappa and of the mean, resampling segments."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = len(truth)
    picks = rng.integers(0, n, size=(rounds, n))
    per = {}
    for code in codes:
        hand = np.array([code in t for t in truth])[picks]
        rule = np.array([code in p for p in predicted])[picks]
        per[code] = _kappa(hand, rule)
    mean = np.nanmean(np.vstack(list(per.values())), axis=0)
    low = {c: float(np.nanpercentile(v, 2.5)) for c, v in per.items()}
    high = {c: float(np.nanpercentile(v, 97.5)) for c, v in per.items()}
    low["mean"], high["mean"] = float(np.nanpercentile(mean, 2.5)), float(np.nanpercentile(mean, 97.5))
    return low, high


def score(codebook, nlp, gold: list[dict]) -> dict[str, dict[str, float]]:
    """Per top-level code: precision, recall, kappa, support. Key 'mean' holds the mean kappa."""
    predicted, _, _ = predict(codebook, nlp, [g["text"] for g in gold])
    codes = [c.id for c in codebook.codes if c.parent is None]
    return agreement(codes, [g["codes"] for g in gold], predicted)


def role_prevalence(codes: list[str], roles: list[str], truth, predicted) -> list[dict]:
    """Per code: share of each role's turns with it, by hand and by rules, and the direction of
    the practitioner - manager difference on each side."""
    rows = []
    n = {r: sum(1 for x in roles if x == r) for r in ROLES}
    for code in codes:
        row: dict = {"code": code}
        for side, sets in (("hand", truth), ("rules", predicted)):
            for role in ROLES:
                hits = sum(1 for x, s in zip(roles, sets) if x == role and code in s)
                row[f"{side}_{role}"] = hits / n[role] if n[role] else math.nan
        hand_diff = row["hand_practitioner"] - row["hand_manager"]
        rule_diff = row["rules_practitioner"] - row["rules_manager"]
        # Normal-approximation 95% interval of the hand coding's difference in proportions.
        p1, p2 = row["hand_practitioner"], row["hand_manager"]
        se = math.sqrt(p1 * (1 - p1) / n["practitioner"] + p2 * (1 - p2) / n["manager"])
        row["hand_diff"], row["rules_diff"] = hand_diff, rule_diff
        row["clear"] = abs(hand_diff) > 1.96 * se and hand_diff != 0
        if hand_diff == 0:
            row["direction"] = "no hand difference"
        elif rule_diff == 0:
            row["direction"] = "rules flat"
        else:
            row["direction"] = "same" if (hand_diff > 0) == (rule_diff > 0) else "REVERSED"
        rows.append(row)
    return rows


def evaluate(codebook, nlp, lset: LabelledSet) -> dict:
    codes = [c.id for c in codebook.codes if c.parent is None]
    labelled = lset.labelled
    predicted = predict_set(codebook, nlp, lset)
    truth = [t.codes for t in labelled]
    result: dict = {"name": lset.name, "status": lset.status, "purpose": lset.purpose,
                    "segments": len(labelled), "study": lset.study}
    if lset.study:
        result["text_mismatches"] = lset.mismatched
        result["labels_not_found"] = lset.missing
        result["manifest"] = manifest_ok(lset.path)
    if lset.purpose == "offtopic":
        coded = sum(1 for p in predicted if p)
        false = sum(1 for p, t in zip(predicted, truth) if p - t)
        result["coded_share"] = coded / len(labelled)
        result["false_share"] = false / len(labelled)
        result["hand_coded_share"] = sum(1 for t in truth if t) / len(labelled)
        result["by_code"] = {c: sum(1 for p in predicted if c in p) for c in codes}
        return result
    result["agreement"] = agreement(codes, truth, predicted)
    roles = [t.role for t in labelled]
    if all(sum(1 for r in roles if r == role) >= 10 for role in ROLES):
        result["roles"] = {r: sum(1 for x in roles if x == r) for r in ROLES}
        result["role_prevalence"] = role_prevalence(codes, roles, truth, predicted)
    return result


def _pct(x: float) -> str:
    return "   -" if math.isnan(x) else f"{100 * x:4.0f}%"


def _num(x: float) -> str:
    return "    -" if math.isnan(x) else f"{x:5.2f}"


def show(result: dict) -> None:
    tag = f"[{result['status']}] {result['name']}"
    print(f"{tag}: {result['segments']} {'participant turns' if result['study'] else 'segments'}")
    if result["study"]:
        manifest = {True: "manifest ok", False: "MANIFEST FAILS", None: "no manifest"}[result["manifest"]]
        print(f"  read with fgkit's reader: {result['text_mismatches']} label texts differ, "
              f"{result['labels_not_found']} labelled turns not found; {manifest}")
    if result["purpose"] == "offtopic":
        target = "meets" if result["coded_share"] <= OFFTOPIC_TARGET else "MISSES"
        print(f"  segments coded: {_pct(result['coded_share'])} ({target} the <= 5% target; "
              f"hand coding gives a code to {_pct(result['hand_coded_share']).strip()})")
        print(f"  segments given a code the hand coding does not give: {_pct(result['false_share'])}")
        print("  segments per code: " + ", ".join(f"{c} {n}" for c, n in result["by_code"].items()))
        print()
        return
    agree = result["agreement"]
    print(f"  {'code':<24}{'support':>8}{'rules':>7}{'precision':>11}{'recall':>8}{'kappa':>8}"
          "  95% interval")
    for code, r in agree.items():
        if code != "mean":
            print(f"  {code:<24}{r['support']:>8}{r['predicted']:>7}{r['precision']:>11.2f}"
                  f"{r['recall']:>8.2f}{_num(r['kappa']):>8}  [{r['low']:.2f}, {r['high']:.2f}]")
    m = agree["mean"]
    print(f"  {'mean kappa (' + result['status'] + ')':<58}{_num(m['kappa']):>8}"
          f"  [{m['low']:.2f}, {m['high']:.2f}]")
    if "role_prevalence" in result:
        n = result["roles"]
        print(f"  prevalence by role ({n['practitioner']} practitioner, {n['manager']} manager turns):")
        print(f"  {'code':<24}{'hand P':>7}{'hand M':>7}{'rules P':>8}{'rules M':>8}  direction")
        rows = result["role_prevalence"]
        for row in rows:
            clear = " (clear by hand)" if row["clear"] else ""
            print(f"  {row['code']:<24}{_pct(row['hand_practitioner']):>7}{_pct(row['hand_manager']):>7}"
                  f"{_pct(row['rules_practitioner']):>8}{_pct(row['rules_manager']):>8}  "
                  f"{row['direction']}{clear}")
        clear = [r for r in rows if r["clear"]]
        differing = [r for r in rows if r["direction"] != "no hand difference"]
        print(f"  role differences in the hand coding's direction: "
              f"{sum(r['direction'] == 'same' for r in differing)} of {len(differing)}; clear ones: "
              f"{sum(r['direction'] == 'same' for r in clear)} of {len(clear)} ({result['status']})")
    print()


def show_errors(codebook, nlp, lset: LabelledSet) -> None:
    """Every disagreement with its evidence, for a set one may tune on."""
    if lset.status != "tuned":
        raise SystemExit(f"{lset.name} is {lset.status}: its items are never printed")
    predicted = predict_set(codebook, nlp, lset)
    for item, guess in zip(lset.labelled, predicted):
        missed, extra = item.codes - guess, guess - item.codes
        if missed or extra:
            print(f"{item.key} {item.role or '-'} missed={sorted(missed)} extra={sorted(extra)} | {item.text}")


def speed(codebook, nlp, texts: list[str], repeat: int) -> None:
    """The spaCy pass is timed apart from the matching step the coder owns."""
    import spacy

    from fgkit.coding.rules import RuleCoder
    from fgkit.project import DEFAULT_SETTINGS

    texts = texts * repeat
    started = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=256))
    nlp_seconds = time.perf_counter() - started
    from fgkit.coding.dialogue import Unit, code_dialogue

    coder = RuleCoder(codebook, nlp)
    started = time.perf_counter()
    scans = [coder.scan(doc) for doc in docs]
    # Resolved as one long discussion, every tenth turn a question: the most leads to weigh.
    units = [Unit("t", i, facilitator=i % 10 == 0) for i in range(len(scans))]
    code_dialogue(coder.resolver, scans, units)
    match_seconds = time.perf_counter() - started
    print(f"{'step':<34}{'segments':>10}{'seconds':>10}{'segments/min':>14}")
    print(f"{'spaCy pass (lemmas)':<34}{len(docs):>10}{nlp_seconds:>10.2f}"
          f"{len(docs) / nlp_seconds * 60:>14,.0f}")
    # Why the coder approximates clause scope with a token window instead of the parser.
    sample = texts[: max(len(texts) // 4, 1)]
    with_parser = spacy.load(DEFAULT_SETTINGS["nlp"]["spacy_model"], exclude=["ner"])
    for label, pipeline in (("lemmas, same sample", nlp), ("with parser", with_parser)):
        started = time.perf_counter()
        for _ in pipeline.pipe(sample, batch_size=256):
            pass
        seconds = time.perf_counter() - started
        print(f"{'spaCy pass (' + label + ')':<34}{len(sample):>10}{seconds:>10.2f}"
              f"{len(sample) / seconds * 60:>14,.0f}")
    print(f"{'rule matching (scan + resolve)':<34}{len(docs):>10}{match_seconds:>10.2f}"
          f"{len(docs) / match_seconds * 60:>14,.0f}")


def main() -> None:
    import spacy  # noqa: F401  (fail early when spaCy is missing)

    from fgkit.codebook import load_codebook
    from fgkit.coding.rules import load_nlp
    from fgkit.project import DEFAULT_SETTINGS

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codebook", type=Path, default=None)
    parser.add_argument("--sets", nargs="*", default=None, help="names of the sets to score")
    parser.add_argument("--repeat", type=int, default=400, help="copies of the gold texts to time")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed measurement")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--errors", metavar="SET", help="print the disagreements of a tuned set")
    args = parser.parse_args()

    codebook = load_codebook(args.codebook)
    nlp = load_nlp(DEFAULT_SETTINGS["nlp"]["spacy_model"])
    if args.errors:
        found = all_sets([args.errors])
        if not found:
            raise SystemExit(f"no set named {args.errors}")
        show_errors(codebook, nlp, found[0])
        return
    results = [evaluate(codebook, nlp, s) for s in all_sets(args.sets)]
    if args.json:
        print(json.dumps(results, indent=1, default=lambda x: None))
        return
    print(f"codebook '{codebook.name}' {codebook.version}; rules alone\n")
    for result in results:
        show(result)
    summary = [(r["status"], r["name"], r["agreement"]["mean"]["kappa"]) for r in results
               if "agreement" in r]
    print("mean kappa: " + "; ".join(f"{name} ({status}) {k:.2f}" for status, name, k in summary))
    print("off-topic share coded: " + "; ".join(
        f"{r['name']} ({r['status']}) {100 * r['coded_share']:.1f}%" for r in results
        if r["purpose"] == "offtopic"))
    print()
    if not args.no_speed:
        speed(codebook, nlp, [g["text"] for g in load_gold()], args.repeat)


if __name__ == "__main__":
    main()
