"""SubRip subtitles, with or without ``Name: text`` (or ``Name text``) speaker prefixes."""

from __future__ import annotations

from ..records import Utterance
from .common import Source
from .vtt import cue_utterances, names_without_colon, parse_cues

__all__ = ["read_srt"]


def read_srt(source: Source) -> list[Utterance]:
    return names_without_colon([u for cue in parse_cues(source, None) for u in cue_utterances(cue)], source)
