"""Otter.ai text exports: ``Name  0:03`` on one line, the speech on the lines after it."""

from __future__ import annotations

from ..records import Utterance
from .common import OTTER_FOOTER, Source, header_with_time, parse_clock

__all__ = ["read_otter"]


def read_otter(source: Source) -> list[Utterance]:
    out: list[Utterance] = []
    speaker: str | None = None
    start: float | None = None
    for n, line in source.lines():
        stripped = line.strip()
        if not stripped:
            continue
        if OTTER_FOOTER.match(stripped):
            continue
        header = header_with_time(stripped)
        if header is not None:
            speaker, start = header[0], parse_clock(header[1], source, n)
            continue
        out.append(Utterance(speaker, stripped, n, start))
        speaker, start = None, None
    return out
