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
from .turns import build_turns
from .typed import read_typed
from .vtt import read_vtt

__all__ = ["READERS", "read_transcript"]

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

# Formats whose units are timed cues or rows: without any speaker labels each unit is still
# usable speech. In the free-text formats a file without labels is not a transcript at all.
_UNIT_FORMATS = frozenset({"teams_vtt", "zoom_vtt", "vtt", "srt", "csv"})


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
    source = Source(path, data)
    if data.startswith(b"PK\x03\x04"):
        fmt = detect_format(path, data[:65536].decode("latin-1"))
    else:
        source.text = normalise_text(decode_bytes(data, path, source.warnings))
        fmt = detect_format(path, source.text)
    utterances = READERS[fmt](source)
    merge = True
    unlabelled = not any(u.speaker for u in utterances)
    if unlabelled and fmt not in _UNIT_FORMATS:
        raise source.error(
            f"no speaker labels found (read as {fmt}; expected lines like 'P1: ...' or "
            "'Name  0:03'); add labels or export the transcript with speaker names"
        )
    if utterances and unlabelled:
        source.warn(f"no speaker labels: every {'row' if fmt == 'csv' else 'cue'} is its own "
                    f"turn, labelled '{UNKNOWN_SPEAKER}'")
        utterances = [replace(u, speaker=UNKNOWN_SPEAKER) for u in utterances]
        merge = False
    turns = build_turns(name, utterances, source, merge=merge)
    if not turns:
        raise source.error(
            f"nothing that looks like speech was found (read as {fmt}); check this is a "
            "transcript and that it is not empty or cut short"
        )
    return Transcript(
        name=name,
        format=fmt,
        sha256=hashlib.sha256(data).hexdigest(),
        turns=turns,
        warnings=tuple(source.warnings),
    )
