"""Reading one transcript file: bytes -> decoded text -> format -> utterances -> turns."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..errors import TranscriptError
from ..records import Transcript, Utterance
from .common import UNKNOWN_SPEAKER, Source, decode_bytes, normalise_text
from .csv_reader import read_csv
from .detect import detect_format
from .docx import read_docx
from .otter import read_otter
from .srt import read_srt
from .turns import build_parts
from .typed import read_typed
from .vtt import read_vtt

__all__ = ["MAX_TRANSCRIPT_BYTES", "MAX_TURN_CHARS", "READERS", "read_transcript"]

# A two-hour focus group is about 120 KB of text; a recording of a whole day is a few MB. A file
# past this is not one session (or is not a transcript) and would hold the pipeline for many
# minutes, so it is refused before it is decoded.
MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024
# Twenty minutes of one person speaking is about 20,000 characters. A turn this much longer almost
# always means labels were not recognised and the rest of the file ran into one speaker; it is
# also kept well below the language model's own limit (1,000,000 characters per text).
MAX_TURN_CHARS = 200_000

READERS: dict[str, Callable[[Source], list[Utterance]]] = {
    "teams_vtt": read_vtt,
    "zoom_vtt": read_vtt,
    "vtt": read_vtt,
    "otter": read_otter,
    "docx": read_docx,
    "typed": read_typed,
    "srt": read_srt,
    "csv": read_csv,
}

# Formats whose units are timed cues or rows; in the free-text formats a unit is a paragraph.
_UNIT_FORMATS = frozenset({"teams_vtt", "zoom_vtt", "vtt", "srt", "csv"})
_HOW_TO_LABEL = {
    "csv": "fill in a speaker column (for example 'P1', 'Interviewer') and ingest again",
    "cue": "start each cue's text with its speaker's label and a colon (for example 'P1: ...' "
           "or 'Interviewer: ...') and ingest again",
    "paragraph": "start each turn with its speaker's label and a colon on a new line (for example "
                 "'P1: ...' or 'Interviewer: ...') and ingest again",
}


def read_transcript(path: Path, name: str | None = None) -> Transcript:
    """Read one transcript file of any supported format into turns.

    Raises TranscriptError (path, line and what to do) when the file cannot be read as a
    transcript; problems that leave the rest readable become ``Transcript.warnings``.
    """
    path = Path(path)
    name = name or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(f"cannot read this file ({exc.strerror}); check it exists", path) from None
    if len(data) > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(
            f"this file is {len(data) / 1048576:.0f} MB; fgkit reads transcripts of up to "
            f"{MAX_TRANSCRIPT_BYTES // 1048576} MB (one session each): split it into its sessions",
            path,
        )
    source = Source(path, data)
    if data.startswith(b"PK\x03\x04"):
        fmt = detect_format(path, data[:65536].decode("latin-1"))
    else:
        source.text = normalise_text(decode_bytes(data, path, source.warnings))
        fmt = detect_format(path, source.text)
    utterances = READERS[fmt](source)
    merge = True
    if utterances and not any(u.speaker for u in utterances):
        unit = "row" if fmt == "csv" else "cue" if fmt in _UNIT_FORMATS else "paragraph"
        source.warn(f"no speaker labels: each {unit} is one turn by '{UNKNOWN_SPEAKER}'; to name "
                    f"the speakers, {_HOW_TO_LABEL['csv' if fmt == 'csv' else unit]}")
        utterances = [replace(u, speaker=UNKNOWN_SPEAKER) for u in utterances]
        merge = False
    turns, sections = build_parts(name, utterances, source, merge=merge)
    if not turns:
        raise source.error(
            f"nothing that looks like speech was found (read as {fmt}); check this is a "
            "transcript and that it is not empty or cut short"
        )
    longest = max(turns, key=lambda turn: len(turn.text))
    if len(longest.text) > MAX_TURN_CHARS:
        raise source.error(
            f"the turn starting here is {len(longest.text):,} characters long (fgkit's limit is "
            f"{MAX_TURN_CHARS:,}); speaker labels after it were probably not recognised: start "
            "each turn with its speaker's label and a colon on a new line", longest.line
        )
    return Transcript(
        name=name,
        format=fmt,
        sha256=hashlib.sha256(data).hexdigest(),
        turns=turns,
        warnings=tuple(source.warnings),
        sections=sections,
    )
