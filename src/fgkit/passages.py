"""Passages of speech fit to quote: whole sentences, enough of them to be read fairly.

The report's quotes, the framework matrix's summaries and the quotes export all cut speech here,
so each shows whole sentences around a coding's evidence (never a four-word fragment when the
speaker said more), never a transcript's section heading, and the same turn reference
("fg1-teams turn 12", counted from 1) that the shareable transcripts print beside each turn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "MIN_QUOTE_WORDS", "MIN_SUMMARY_WORDS", "headings_of", "is_heading", "passage", "sentences",
    "turn_number", "turn_reference",
]

# Fewer words than this reads as a soundbite ("Green, Amber, Red, Purple."): a quote grows to
# neighbouring sentences until it has this many, and a shorter turn is not quoted at all.
MIN_QUOTE_WORDS = 8
MIN_SUMMARY_WORDS = 6
# A sentence ends at . ! ? or … followed by space; a closing quote or bracket may follow the mark.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
_WORD = re.compile(r"\w+")


def turn_number(turn_index: int) -> int:
    """Turns are stored from 0; people count them from 1."""
    return int(turn_index) + 1


def turn_reference(transcript: str, turn_index: int) -> str:
    """"fg1-teams turn 12": the shareable transcript's name and the number printed beside the turn."""
    return f"{Path(str(transcript)).stem} turn {turn_number(turn_index)}"


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(str(text).casefold()))


def headings_of(titles: Iterable[str]) -> frozenset[str]:
    """Normalised section titles, for :func:`is_heading`."""
    return frozenset(n for n in (_norm(t) for t in titles) if n)


def is_heading(text: str, headings: frozenset[str]) -> bool:
    return bool(headings) and _norm(text) in headings


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start() + len(match.group(0).rstrip())
        if text[start:end].strip():
            spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def _without_headings(text: str, spans: list[tuple[int, int]], headings: frozenset[str]) -> list[tuple[int, int]]:
    """The spans left once any run of up to three sentences that is a heading is taken out
    ("Question 2. Allocation and fairness." splits into two sentences)."""
    if not headings:
        return spans
    dropped: set[int] = set()
    for i in range(len(spans)):
        for j in range(i, min(i + 3, len(spans))):
            if is_heading(text[spans[i][0]:spans[j][1]], headings):
                dropped.update(range(i, j + 1))
    return [s for n, s in enumerate(spans) if n not in dropped]


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _offset(value) -> int | None:
    if value is None:
        return None
    try:
        if math.isnan(value):
            return None
    except TypeError:
        return None
    return int(value)


def passage(text: str, evidence_start=None, max_chars: int = 320, min_words: int = MIN_QUOTE_WORDS,
            headings: frozenset[str] = frozenset()) -> str:
    """Whole sentences of ``text`` around ``evidence_start``; "" when too short to quote fairly.

    The whole text when it fits in ``max_chars``; otherwise the sentence holding the evidence,
    grown by following and then preceding sentences while it fits (and until it has
    ``min_words`` even if it then runs over). "… " marks sentences left out before or after.
    A sentence that is a section heading is never part of a passage.
    """
    text = " ".join(str(text).split())
    spans = _without_headings(text, sentences(text), headings)
    if not spans or sum(_words(text[a:b]) for a, b in spans) < min_words:
        return ""
    start = _offset(evidence_start)
    centre = 0
    if start is not None:
        centre = next((i for i, (a, b) in enumerate(spans) if a <= start < b or start < a), len(spans) - 1)
    lo = hi = centre

    def size(i: int, j: int) -> int:
        return spans[j][1] - spans[i][0]

    def words(i: int, j: int) -> int:
        return sum(_words(text[a:b]) for a, b in spans[i:j + 1])

    while True:
        grow = None
        if hi + 1 < len(spans) and (size(lo, hi + 1) <= max_chars or words(lo, hi) < min_words):
            grow = "hi"
        elif lo > 0 and (size(lo - 1, hi) <= max_chars or words(lo, hi) < min_words):
            grow = "lo"
        if grow is None:
            break
        if grow == "hi":
            hi += 1
        else:
            lo -= 1
    body = " ".join(text[a:b] for a, b in spans[lo:hi + 1])
    return ("… " if lo > 0 else "") + body + (" …" if hi < len(spans) - 1 else "")
