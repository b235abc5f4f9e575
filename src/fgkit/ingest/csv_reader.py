"""CSV (or TSV) exports: one row per utterance, columns found by name.

Column names are matched case-insensitively, spaces, underscores and hyphens alike:
speaker/name/participant/speaker name, text/utterance/transcript/content/speech/words/...,
and optional start/timestamp/time/start time, end. When no column is named as the speech,
the column holding the longest free text on average is taken, with a warning naming it
(oral-history and subtitle tools name it as they like). The delimiter (comma, semicolon, tab
or pipe) is the one under which the header names a text column. A speaker cell keeps its
label as written without a trailing colon (``DB:`` is ``DB``); times may be ``[00:01:23]``,
seconds, or ``1M 21S``.
"""

from __future__ import annotations

import csv
import io
import re

from ..records import Utterance
from .common import Source, parse_clock

__all__ = ["find_columns", "header_delimiter", "read_csv"]

SPEAKER = ("speaker", "name", "participant", "speaker name", "speaker label", "speaker id", "who",
           "person", "voice", "role", "interlocutor")
TEXT = ("text", "utterance", "transcript", "content", "speech", "transcription", "words", "word",
        "dialogue", "dialog", "transcript text", "utterance text", "caption", "captions", "subtitle",
        "sentence", "turn text", "statement", "response", "answer", "message", "body", "said",
        "spoken", "quote", "verbatim", "passage")
START = ("start", "timestamp", "time", "start time", "start_time", "begin")
END = ("end", "end time", "end_time", "stop")
DELIMITERS = ",;\t|"


def header_delimiter(first_line: str) -> str | None:
    """The delimiter under which ``first_line`` is a header naming a text column, if any."""
    for delimiter in DELIMITERS:
        if delimiter in first_line:
            header = next(csv.reader([first_line], delimiter=delimiter))
            if len(header) >= 2 and "text" in find_columns(header):
                return delimiter
    return None


def _delimiter(text: str) -> str:
    found = header_delimiter(text.split("\n", 1)[0])
    if found:
        return found
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def find_columns(header: list[str]) -> dict[str, int]:
    """Column index for each role found in the header row."""
    names = [" ".join(re.split(r"[\s_\-]+", h.strip().lower())) for h in header]
    found: dict[str, int] = {}
    for role, synonyms in (("speaker", SPEAKER), ("text", TEXT), ("start", START), ("end", END)):
        for synonym in synonyms:
            if synonym in names:
                found[role] = names.index(synonym)
                break
    return found


_UNITS = re.compile(r"^(?:(?P<h>\d+)\s*h\s*)?(?:(?P<m>\d+)\s*m\s*)?(?:(?P<s>\d+(?:\.\d+)?)\s*s)?$",
                    re.IGNORECASE)


def _seconds(value: str, source: Source, line: int) -> float | None:
    value = value.strip().strip("[]()")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    units = _UNITS.match(value)
    if units and any(units.groups()):
        return int(units.group("h") or 0) * 3600 + int(units.group("m") or 0) * 60 + float(units.group("s") or 0)
    return parse_clock(value, source, line)


def _longest_text(header: list[str], rows: list[list[str]], taken: set[int]) -> int | None:
    """The column whose cells hold the longest free text on average (several words, letters)."""
    best, best_length = None, 0.0
    for k in range(len(header)):
        if k in taken:
            continue
        cells = [row[k].strip() for row in rows if k < len(row)]
        prose = [c for c in cells if len(c.split()) >= 2 and sum(ch.isalpha() for ch in c) > len(c) / 2]
        if not cells or len(prose) < 0.3 * len(cells):
            continue
        length = sum(len(c) for c in cells) / len(cells)
        if length > best_length:
            best, best_length = k, length
    return best


def read_csv(source: Source) -> list[Utterance]:
    text = source.text
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        header = next(reader, [])
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error:
        raise source.error(
            "the CSV file is malformed (an unclosed quote?); fix it in a spreadsheet and export "
            "it again", reader.line_num
        ) from None
    columns = find_columns(header)
    if "text" not in columns:
        chosen = _longest_text(header, [row for _, row in rows[:500]], set(columns.values()))
        if chosen is None:
            raise source.error(
                "no text column in the header row; name it one of: " + ", ".join(TEXT[:8]), 1
            )
        columns["text"] = chosen
        source.warn(f"no column is named as the speech; read column {chosen + 1} "
                    f"('{header[chosen].strip()[:40]}'), which holds the longest text; rename it "
                    "'text' if that is wrong")
    out: list[Utterance] = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        cell = dict(enumerate(row))
        speech = cell.get(columns["text"], "").strip()
        if not speech:
            continue
        speaker = cell.get(columns["speaker"], "").strip() if "speaker" in columns else ""
        speaker = speaker[:-1].rstrip() if speaker.endswith(":") else speaker
        start = _seconds(cell.get(columns["start"], ""), source, line) if "start" in columns else None
        end = _seconds(cell.get(columns["end"], ""), source, line) if "end" in columns else None
        out.append(Utterance(speaker or None, speech, line, start, end))
    return out
