"""The study-wide tables of the report: co-occurring codes, distinctive language, candidate
topics and the framework matrix, shaped for the templates (strings, in a stable order)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..disclosure import role_title
from .quotes import natural_key

__all__ = [
    "MatrixCell", "MatrixRow", "TopicsSection", "distinctive", "is_blank", "matrix", "pairs", "topics",
]

PAIRS_SHOWN = 5
TERMS_PER_ROLE = 10

# One plain sentence each, shared by every format (HTML, Word, Markdown).
DISTINCTIVE_EXPLAINED = (
    "The score says how strong the evidence is that one role used a word more than the others, "
    "allowing for chance and for rare words: only words scoring 1.96 or more are listed (the "
    "usual 1-in-20 standard), and a higher score is stronger evidence, not a more important word."
)
DISTINCTIVE_NONE = (
    "No word or phrase was used by one role more than by the others with strong enough evidence "
    "(a score of 1.96 or more) to list."
)
TOPICS_EXPLAINED = (
    "Stability says how often a topic came back when the model was fitted again with other "
    "random starting points and a tenth of the segments left out: 1.00 means the same segments "
    "every time, 0 that the topic never came back. Topics under 0.50 are marked unstable; read "
    "them as prompts, not patterns. Example quotes are the passages nearest each topic's centre."
)


def is_blank(value) -> bool:
    """Suppressed cells arrive blanked (None, NaN or pandas.NA)."""
    import pandas as pd

    return bool(pd.isna(value))


@dataclass(frozen=True)
class MatrixCell:
    summary: str
    participants: str
    refs: str
    status_mix: str
    checked: str = ""  # "all", "some" or "none": how much of the cell a person checked


@dataclass(frozen=True)
class MatrixRow:
    label: str
    role: str
    row_type: str
    cells: list[MatrixCell]


@dataclass(frozen=True)
class TopicsSection:
    status: str
    message: str
    topics: list[dict[str, str]]
    roles: list[str]
    per_role: list[dict[str, Any]]
    explained: str = TOPICS_EXPLAINED


def pairs(cooccurrence, labels_by_code) -> list[dict[str, Any]]:
    if cooccurrence is None or not len(cooccurrence):
        return []
    seg = cooccurrence[cooccurrence["level"] == "segment"]
    if not len(seg):
        seg = cooccurrence
    seg = seg[seg["count"] > 0].sort_values(
        ["jaccard", "count", "code_a", "code_b"], ascending=[False, False, True, True]
    )
    return [
        {
            "a": labels_by_code.get(str(r.code_a), str(r.code_a)),
            "b": labels_by_code.get(str(r.code_b), str(r.code_b)),
            "count": int(r.count),
            "jaccard": f"{float(r.jaccard):.2f}",
        }
        for r in seg.head(PAIRS_SHOWN).itertuples()
    ]


def distinctive(terms) -> list[dict[str, Any]]:
    if terms is None or not len(terms):
        return []
    out = []
    for role in sorted(terms["role"].astype(str).unique(), key=natural_key):
        sub = terms[terms["role"] == role].sort_values(["rank", "term"]).head(TERMS_PER_ROLE)
        out.append(
            {
                "role": role_title(role),
                "terms": [
                    {"term": str(r.term), "count": int(r.count), "score": f"{float(r.score):.2f}"}
                    for r in sub.itertuples()
                ],
            }
        )
    return out


def _join_terms(value) -> str:
    if isinstance(value, str):
        return value
    try:
        return ", ".join(str(v) for v in value)
    except TypeError:
        return str(value)


def _refs(value) -> str:
    """Quote references as "a, b, c" whether they arrive as a list or a ";"-joined string."""
    text = value if isinstance(value, str) else _join_terms(value)
    return ", ".join(part.strip() for part in re.split(r"[;,]", text) if part.strip())


def topics(result) -> TopicsSection:
    if result is None:
        return TopicsSection("disabled", "Candidate topics were not computed.", [], [], [])
    topics = []
    df = result.topics
    examples = getattr(result, "examples", None)
    if df is not None and len(df):
        for r in df.sort_values("topic").itertuples():
            stability = getattr(r, "stability", None)
            stable = bool(getattr(r, "stable", False))
            quotes = []
            if examples is not None and len(examples):
                sub = examples[examples["topic"] == r.topic].sort_values("rank")
                quotes = [{"text": str(q.text), "attribution": str(q.attribution),
                           "reference": str(getattr(q, "reference", "") or "")}
                          for q in sub.itertuples()]
            topics.append(
                {
                    "topic": str(r.topic),
                    "label": str(r.label),
                    "size": str(int(r.size)),
                    "terms": _join_terms(r.top_terms),
                    # Topics are marked in words, not by colour: "0.84, stable" / "0.21, unstable".
                    "stability": "not measured (one fit)" if is_blank(stability) else
                    f"{float(stability):.2f}, {'stable' if stable else 'unstable'}",
                    "stable": stable and not is_blank(stability),
                    "examples": quotes,
                }
            )
    labels = {t["topic"]: t["label"] for t in topics}
    per_role, roles = [], []
    pr = result.per_role
    if pr is not None and len(pr):
        roles = sorted(pr["role"].astype(str).unique(), key=natural_key)
        for topic in sorted(pr["topic"].unique()):
            sub = pr[pr["topic"] == topic]
            freq = {str(r.role): int(r.frequency) for r in sub.itertuples()}
            label = labels.get(str(topic), str(topic))
            per_role.append({"topic": label, "counts": [freq.get(r, 0) for r in roles]})
    return TopicsSection(
        status=str(result.status),
        message=str(result.message),
        topics=topics,
        roles=[role_title(r) for r in roles],
        per_role=per_role,
    )


def matrix(matrix, code_ids: list[str]) -> list[MatrixRow]:
    if matrix is None or not len(matrix):
        return []
    empty = MatrixCell("", "", "", "", "")
    rows = []
    order = sorted(
        {(str(r.row_type), str(r.row), str(r.role)) for r in matrix.itertuples()},
        key=lambda t: (t[0] != "group", natural_key(t[1]), natural_key(t[2])),
    )
    for row_type, row, role in order:
        sub = matrix[(matrix["row_type"] == row_type) & (matrix["row"] == row)]
        cells = {}
        for r in sub.itertuples():
            cells[str(r.code)] = MatrixCell(
                summary=str(r.summary),
                participants=str(r.participants_display),
                refs=_refs(r.quote_refs),
                # A withheld count is withheld in the checked/unchecked split too.
                status_mix="" if str(r.participants_display) == "withheld" else str(r.status_mix),
                checked="" if is_blank(getattr(r, "checked", "")) else str(getattr(r, "checked", "")),
            )
        rows.append(MatrixRow(row, role_title(role), row_type, [cells.get(c, empty) for c in code_ids]))
    return rows
