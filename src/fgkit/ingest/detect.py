"""Which format a transcript is in, judged by its content first and its extension second.

Files are renamed, mailed and re-saved; a ``.txt`` may hold WebVTT and a ``.vtt`` may hold
SRT. Content decides whenever it is distinctive; the extension only breaks ties between the
free-text formats.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import TranscriptError
from .common import OTTER_FOOTER, header_with_time, split_label
from .csv_reader import header_delimiter
from .markup import clean_line
from .vtt import TIMING

__all__ = ["FORMATS", "detect_format"]

FORMATS = ("teams_vtt", "zoom_vtt", "vtt", "otter", "docx", "typed", "srt", "csv")

_SRT_TIMING = re.compile(r"^\s*\d{1,3}:\d{1,3}:\d{1,3}[,.]\d{1,3}\s*-->")
_TEAMS_ID = re.compile(r"^[0-9a-fA-F\-]{8,}/\d+-\d+\s*$", re.MULTILINE)
_UNSUPPORTED = (
    ("{\\rtf", "an RTF document; save it as .docx or plain text"),
    ("%PDF", "a PDF; export the transcript from its source as .docx, .txt or .vtt"),
    ("PK\x03\x04", "a zip archive that is not a Word document; unpack it first"),
    ("\x7fELF", "a program, not a transcript"),
)


def _sample(text: str, limit: int = 400) -> list[str]:
    return [line.strip() for line in text.split("\n")[:limit] if line.strip()]


def _vtt_kind(text: str, lines: list[str]) -> str:
    if "<v " in text or "<v." in text or _TEAMS_ID.search(text):
        return "teams_vtt"
    cue_text = [ln for ln in lines[1:] if "-->" not in ln and not ln.isdigit()]
    if any(split_label(ln)[0] for ln in cue_text):
        return "zoom_vtt"
    return "vtt"


def detect_format(path: Path, text: str) -> str:
    """One of FORMATS; raises TranscriptError for a file no reader can take."""
    suffix = path.suffix.lower()
    stripped = text.lstrip("\ufeff \t\r\n")
    if suffix == ".docx" and not stripped.startswith("PK\x03\x04"):
        raise TranscriptError("named .docx but is not a Word document; save it again from Word", path)
    if stripped.startswith("PK\x03\x04") and (suffix == ".docx" or "word/" in text[:65536]):
        return "docx"
    for magic, what in _UNSUPPORTED:
        if stripped.startswith(magic):
            raise TranscriptError(f"this file is {what}", path)
    lines = _sample(stripped)
    if not lines:
        raise TranscriptError("the file holds no text; export the transcript again", path)
    if lines[0].startswith("WEBVTT"):
        return _vtt_kind(stripped, lines)
    if any(_SRT_TIMING.match(ln) for ln in lines[:6]):
        return "srt"
    if any("-->" in ln and TIMING.match(ln) for ln in lines[:6]):
        return "vtt" if suffix == ".vtt" else "srt"
    if suffix in (".csv", ".tsv") or header_delimiter(lines[0]) is not None:
        return "csv"
    if any(OTTER_FOOTER.match(ln) for ln in lines[-5:]) or _mostly_otter(lines):
        return "otter"
    if stripped[:1] == "{" or (stripped[:1] == "<" and clean_line(lines[0]).lstrip()[:1] in ("<", "")):
        # a page of text with inline tags (``<u>Name:</u> text``) is a transcript; markup
        # all the way down (<?xml, <html>, <tt>) is not
        raise TranscriptError(
            "this looks like JSON, XML or HTML, not a transcript; export it as .vtt, .srt, "
            ".txt, .docx or .csv",
            path,
        )
    return "typed"


def _mostly_otter(lines: list[str]) -> bool:
    headers = sum(1 for ln in lines if header_with_time(ln))
    labelled = sum(1 for ln in lines if split_label(ln)[0])
    return headers >= 2 and headers > labelled
