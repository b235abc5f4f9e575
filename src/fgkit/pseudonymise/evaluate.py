"""Measuring detection against a labelled set: recall and precision per type.

Gold text marks identifiers inline as ``[[Type|text]]``. Matching is by span overlap and
ignores the type: an identifier counts as caught when any replacement overlaps it (whatever
the replacement's type, the value is hidden), and a replacement counts as correct when it
overlaps any gold identifier. Recall is reported by gold type, precision by predicted type
(participants named in speech count as Person).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["GoldSpan", "TypeScore", "parse_marked", "score_spans"]

_MARK = re.compile(r"\[\[([A-Za-z][A-Za-z ]*)\|([^\]|]+)\]\]")


@dataclass(frozen=True)
class GoldSpan:
    start: int
    end: int
    type: str


@dataclass
class TypeScore:
    type: str
    gold: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


def parse_marked(marked: str) -> tuple[str, list[GoldSpan]]:
    """Plain text and gold spans from ``[[Type|text]]`` markup."""
    out, spans, cursor, length = [], [], 0, 0
    for m in _MARK.finditer(marked):
        out.append(marked[cursor : m.start()])
        length += m.start() - cursor
        spans.append(GoldSpan(length, length + len(m.group(2)), m.group(1)))
        out.append(m.group(2))
        length += len(m.group(2))
        cursor = m.end()
    out.append(marked[cursor:])
    return "".join(out), spans


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def score_spans(
    gold: list[list[GoldSpan]], predicted: list[list[tuple[int, int, str]]]
) -> dict[str, TypeScore]:
    """Per-type scores plus an "All" row, over texts given in the same order."""
    scores: dict[str, TypeScore] = {}

    def row(kind: str) -> TypeScore:
        return scores.setdefault(kind, TypeScore(kind))

    for gold_spans, pred_spans in zip(gold, predicted):
        for g in gold_spans:
            hit = any(_overlaps(g.start, g.end, s, e) for s, e, _ in pred_spans)
            for kind in (g.type, "All"):
                row(kind).gold += 1
                row(kind).found += hit
        for s, e, kind in pred_spans:
            kind = "Person" if kind == "Participant" else kind
            ok = any(_overlaps(g.start, g.end, s, e) for g in gold_spans)
            for k in (kind, "All"):
                row(k).predicted += 1
                row(k).correct += ok
    return dict(sorted(scores.items(), key=lambda kv: (kv[0] == "All", kv[0])))
