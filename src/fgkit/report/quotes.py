"""Quote selection: balanced across groups and roles, deterministic, short enough to read.

Each quote is whole sentences around the coding's evidence (``fgkit.passages``): a turn too
short to read fairly ("Green, Amber, Red, Purple.") and a section heading are never quoted, and
each quote carries its 1-based turn reference ("fg1-teams turn 12"), the same as quotes.csv and
the shareable transcripts. Attribution and whether a reference may be shown (it names the group)
come from ``fgkit.disclosure``.

Each round takes one quote from every group in turn (groups in natural order); inside a group
the role quoted least so far goes first, then accepted codings before machine suggestions,
then the highest confidence, then transcript order. The same store gives the same quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Quote", "natural_key", "select_quotes", "trim_quote"]


@dataclass(frozen=True)
class Quote:
    text: str
    attribution: str
    status: str  # "accepted" | "suggested"
    group: str
    role: str
    reference: str = ""  # "fg1-teams turn 12": find it in reports/transcripts/fg1-teams.txt


def natural_key(value: str) -> list:
    """Sort FG2 before FG10."""
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", str(value))]


def trim_quote(text: str, start: int | None, end: int | None, max_chars: int) -> str:
    """The quote itself, or a window of about ``max_chars`` around its evidence, cut at words."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    if start is None or end is None or not 0 <= start < end <= len(text):
        start, end = 0, min(len(text), max_chars // 2)
    centre = (start + end) // 2
    lo = max(0, min(centre - max_chars // 2, len(text) - max_chars))
    hi = min(len(text), lo + max_chars)
    if lo > 0:
        space = text.find(" ", lo)
        lo = space + 1 if 0 <= space < start else lo
    if hi < len(text):
        space = text.rfind(" ", lo, hi)
        hi = space if space > max(end, lo) else hi
    piece = text[lo:hi].strip()
    return ("… " if lo > 0 else "") + piece + (" …" if hi < len(text) else "")


def select_quotes(codings, labels: dict[tuple[str, str], str], limit: int, max_chars: int,
                  disclosure=None, headings: frozenset = frozenset()) -> list[Quote]:
    """Pick up to ``limit`` quotes for one code from its effective codings."""
    from ..disclosure import shown_reference
    from ..passages import passage, turn_reference

    if codings is None or not len(codings) or limit <= 0:
        return []
    rows = codings[codings["role"] != "facilitator"]
    candidates: dict[str, list] = {}
    seen_text: set[str] = set()
    ordered = sorted(
        rows.itertuples(index=False),
        key=lambda r: (
            r.status != "accepted",
            -float(r.confidence),
            len(r.text) > max_chars,
            natural_key(r.transcript),
            int(r.turn_index),
            int(r.start_char),
        ),
    )
    for r in ordered:
        text = passage(str(r.text), r.evidence_start, max_chars, headings=headings)
        if not text or text in seen_text:
            continue
        seen_text.add(text)
        attribution = labels.get((str(r.participant_id), str(r.group))) or (
            disclosure.label_for(r.participant_id, r.role, r.group) if disclosure is not None
            else f"Participant, {r.group}"
        )
        # The transcript names the group: no reference beside an attribution that withholds it.
        reference = shown_reference(attribution, str(r.group), turn_reference(r.transcript, r.turn_index))
        quote = Quote(text, attribution, str(r.status), str(r.group), str(r.role), reference)
        candidates.setdefault(str(r.group), []).append(quote)

    chosen: list[Quote] = []
    role_use: dict[str, int] = {}
    groups = sorted(candidates, key=natural_key)
    while len(chosen) < limit and any(candidates[g] for g in groups):
        for group in groups:
            pool = candidates[group]
            if not pool or len(chosen) >= limit:
                continue
            # The first candidate of the least-quoted role keeps the within-group ranking.
            least = min(role_use.get(q.role, 0) for q in pool)
            pick = next(q for q in pool if role_use.get(q.role, 0) == least)
            pool.remove(pick)
            role_use[pick.role] = role_use.get(pick.role, 0) + 1
            chosen.append(pick)
    return chosen
