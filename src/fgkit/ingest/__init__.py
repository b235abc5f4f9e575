"""Transcript ingest: one reader per format behind a dispatch dict, shared turn building.

Every reader turns a file into ``Utterance``s (a cue, row, line or paragraph with an optional
speaker label); common code merges them into ``Turn``s: consecutive utterances by one speaker
form one turn, an unlabelled utterance continues the current turn (a leading one is labelled
"Unknown Speaker", with a warning), transcribers' marks become ``Annotation``s and leave the
text, and ``turn_id = stable_id(name, speaker, text, occurrence)`` so ids survive re-ingest and
edits elsewhere in the file. Speaker labels are kept as written (``Lee, Ann``,
``Ann Lee (SL)``, ``Sam's iPad``, an e-mail address), without markup or timestamps: the
participants register maps them. Headings between turns become ``Section`` markers on the
``Transcript``; header fields, note-takers' lines, markdown front matter, link lines and a
PDF's running headers and footers are metadata (``typed``, ``labels``, ``blocks`` and
``markup`` say how each is told from a speaker). A file with no labels at all gives one "Unknown
Speaker" turn per cue, row or paragraph, with one warning saying how to add labels.
"""

from __future__ import annotations

from .detect import FORMATS, detect_format
from .storing import IngestResult, check_names, forget_missing, ingest_transcripts, store_transcripts
from .transcript import READERS, read_transcript

__all__ = [
    "FORMATS",
    "READERS",
    "IngestResult",
    "check_names",
    "detect_format",
    "forget_missing",
    "ingest_transcripts",
    "read_transcript",
    "store_transcripts",
]
