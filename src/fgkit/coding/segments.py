"""Units of coding: whole turns or sentences of pseudonymised turns, with stable ids.

A segment id hashes the turn id (itself content-based), the level and the character span, so a
human decision attached to a segment survives re-coding as long as the turn's text is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from ..errors import SettingsError
from ..records import Segment, stable_id

__all__ = ["LEVELS", "build_segments", "load_pseudo_turns", "write_segments", "sentence_spans"]

LEVELS = ("turn", "sentence")
# Roles that are never coded: the facilitator asks, participants' talk is what is analysed.
UNCODED_ROLES = frozenset({"facilitator"})


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise SettingsError(
            f"segment level '{level}' is not known; use one of: {', '.join(LEVELS)} "
            "([coding] segment_level or --level)"
        )
    return level


def load_pseudo_turns(store) -> list[Mapping[str, Any]]:
    """Participants' pseudonymised turns in transcript order (facilitators left out)."""
    return store.codable_turns(UNCODED_ROLES)


@lru_cache(maxsize=1)
def _sentencizer():
    import spacy

    splitter = spacy.blank("en")
    splitter.add_pipe("sentencizer")
    return splitter


def sentence_spans(texts: Iterable[str], batch_size: int = 256) -> list[list[tuple[int, int]]]:
    """Character spans of the sentences of each text (spaCy's rule-based sentencizer).

    The rule-based splitter is used rather than the parser: it is two orders of magnitude
    faster and transcribed speech marks its sentence ends with punctuation.
    """
    out = []
    for doc in _sentencizer().pipe(texts, batch_size=batch_size):
        spans = []
        for sent in doc.sents:
            start, end = sent.start_char, sent.end_char
            while start < end and doc.text[start].isspace():
                start += 1
            while end > start and doc.text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((start, end))
        out.append(spans)
    return out


def build_segments(turns: list[Mapping[str, Any]], level: str = "turn") -> list[Segment]:
    """Segments of the given turns; empty turns give no segment."""
    check_level(level)
    texts = [t["text"] for t in turns]
    if level == "turn":
        spans = [[(0, len(text))] if text.strip() else [] for text in texts]
    else:
        spans = sentence_spans(texts)
    segments = []
    for turn, turn_spans in zip(turns, spans):
        text = turn["text"]
        for start, end in turn_spans:
            segments.append(
                Segment(
                    segment_id=stable_id(turn["turn_id"], level, start, end),
                    turn_id=turn["turn_id"],
                    transcript=turn["transcript"],
                    turn_index=int(turn["turn_index"]),
                    start_char=start,
                    end_char=end,
                    text=text[start:end],
                    speaker=turn["speaker"],
                    participant_id=turn["participant_id"],
                    role=turn["role"],
                    group=turn["group_name"],
                    level=level,
                )
            )
    return segments


def write_segments(store, segments: list[Segment]) -> int:
    """Make the segments table hold exactly this segmentation.

    Segments of turns that no longer exist (re-ingested, withdrawn) or of another level go;
    review decisions stay in their table and reattach if the same segment comes back.
    Returns the number of segments removed.
    """
    rows = [
        (s.segment_id, s.turn_id, s.transcript, s.turn_index, s.level, s.start_char, s.end_char,
         s.text, s.speaker, s.participant_id, s.role, s.group)
        for s in segments
    ]
    return store.replace_segments(rows)
