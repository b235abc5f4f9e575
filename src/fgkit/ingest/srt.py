"""SubRip subtitles, with or without ``Name: text`` speaker prefixes."""

from __future__ import annotations

from ..records import Utterance
from .common import Source
from .vtt import cue_utterances, parse_cues

__all__ = ["read_srt"]


def read_srt(source: Source) -> list[Utterance]:
    return [u for cue in parse_cues(source, None) for u in cue_utterances(cue)]
