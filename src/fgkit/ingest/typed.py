"""Typed research transcripts (plain text), and the line parser Word documents share.

A line may open with a timestamp (``[00:12:45]``, ``(12:45)``, ``00:12:45``) and a label
(``FACILITATOR:``, ``P1:``, ``R:``, ``Ann Lee (SL):``); a label may stand alone with the speech
below it, as may an Otter-style ``Name  0:03`` or a recorder's ``@12:34 - Name``. Lines without
a label continue the current speaker. Lines that only look like labels are metadata, never
speakers: ``Date:``, ``Location:``, ``Title:``, ``Duration:``, ``Question 3.`` and the like,
and everything before the first real turn (the header block).
"""

from __future__ import annotations

import re

from ..records import Utterance
from .common import (
    OTTER_FOOTER,
    Source,
    header_with_time,
    looks_like_label,
    parse_clock,
    split_label,
)

__all__ = ["parse_lines", "read_typed"]

_TS_PREFIX = re.compile(
    r"^(?:\[(?P<a>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]|\((?P<b>\d{1,2}:\d{2}(?::\d{2})?)\)"
    r"|(?P<c>\d{1,2}:\d{2}:\d{2}))\s*(?P<rest>.*)$"
)
_AT_HEADER = re.compile(r"^@\s*(?P<ts>\d{1,2}:\d{2}(?::\d{2})?)\s*[-\u2013\u2014]\s*(?P<label>.+)$")
_METADATA = re.compile(
    r"^(?:date|day|time|start time|end time|location|venue|place|site|title|duration|length|"
    r"project|study|session|group|focus group(?: \d+)?|transcriber|transcribed by|transcription|"
    r"transcript|recording|recorded by|file|file ?name|attendees|present|participants|"
    r"facilitators|interviewers|note|notes|topic|theme|section|part(?: \d+)?|"
    r"question(?: \d+)?|q\d+|key|audio|version|speakers)$",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^(?:question|q)\s*\d+\s*[.:)]?(?:\s|$)", re.IGNORECASE)


def _strip_timestamp(line: str, source: Source, n: int) -> tuple[float | None, str]:
    m = _TS_PREFIX.match(line)
    if not m:
        return None, line
    ts = m.group("a") or m.group("b") or m.group("c")
    return parse_clock(ts, source, n), m.group("rest").strip()


def _label_of(rest: str) -> tuple[str | None, str, bool, str | None]:
    """(label, speech, is_metadata, header timestamp) for one line (leading timestamp removed)."""
    at = _AT_HEADER.match(rest)
    if at and looks_like_label(at.group("label")):
        return at.group("label").strip(), "", False, at.group("ts")
    header = header_with_time(rest)
    if header is not None:
        return header[0], "", False, header[1]
    if _HEADING.match(rest):
        return None, "", True, None
    label, speech = split_label(rest)
    if label is None and rest.endswith(":") and looks_like_label(rest[:-1]):
        label, speech = rest[:-1].strip(), ""
    if label is not None and _METADATA.match(label.strip()):
        return None, "", True, None
    return label, speech, False, None


def parse_lines(lines: list[tuple[int, str]], source: Source) -> list[Utterance]:
    """Utterances from numbered lines (file lines or Word paragraphs)."""
    out: list[Utterance] = []
    header: list[int] = []
    metadata: list[int] = []
    pending: tuple[str, float | None] | None = None
    for n, line in lines:
        stripped = line.strip()
        if not stripped or OTTER_FOOTER.match(stripped):
            continue
        start, rest = _strip_timestamp(stripped, source, n)
        label, speech, is_meta, header_ts = _label_of(rest)
        if start is None and header_ts is not None:
            start = parse_clock(header_ts, source, n)
        if is_meta:
            (metadata if out or pending else header).append(n)
            continue
        if label is None and not out and pending is None:
            header.append(n)
            continue
        if label is not None and not speech:
            pending = (label, start)
            continue
        if label is None and pending is not None:
            label, start = pending[0], start if start is not None else pending[1]
        pending = None
        out.append(Utterance(label, speech, n, start))
    if header:
        span = f"line {header[0]}" if len(header) == 1 else f"lines {header[0]}-{header[-1]}"
        source.warn(f"{span}: header block before the first speaker label read as metadata, "
                    "not speech")
    if metadata:
        shown = ", ".join(str(n) for n in metadata[:10])
        plural = "s" if len(metadata) > 1 else ""
        source.warn(f"line{plural} {shown}: label-like metadata (date, title, question) "
                    "not read as speech")
    return out


def read_typed(source: Source) -> list[Utterance]:
    return parse_lines(source.lines(), source)
