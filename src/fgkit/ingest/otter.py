"""Otter.ai exports: ``Name  0:03`` (or markdown ``**Name**  0:03``) on one line, the speech below.

The line parser typed transcripts use reads them: a timed speaker line is a label standing
alone, the lines under it are that speaker's speech, a title block above the first speaker is
metadata and the ``Transcribed by https://otter.ai`` footer is neither. One parser for both
keeps headings, notes and quirks handled the same way in each.
"""

from __future__ import annotations

from ..records import Utterance
from .common import Source
from .typed import parse_lines

__all__ = ["read_otter"]


def read_otter(source: Source) -> list[Utterance]:
    return parse_lines(source.lines(), source)
