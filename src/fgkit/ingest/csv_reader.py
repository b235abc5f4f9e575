"""CSV (or TSV) exports: one row per utterance, columns found by name.

Column names are matched case-insensitively: speaker/name/participant/speaker name,
text/utterance/transcript/content/speech, and optional start/timestamp/time/start time, end.
The delimiter (comma, semicolon, tab or pipe) is the one under which the header names a
text column.
"""

from __future__ import annotations

import csv
import io

from ..records import Utterance
from .common import Source, parse_clock

__all__ = ["find_columns", "header_delimiter", "read_csv"]

SPEAKER = ("speaker", "name", "participant", "speaker name", "speaker_name", "who")
TEXT = ("text", "utterance", "transcript", "content", "speech", "transcription")
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
    names = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for role, synonyms in (("speaker", SPEAKER), ("text", TEXT), ("start", START), ("end", END)):
        for synonym in synonyms:
            if synonym in names:
                found[role] = names.index(synonym)
                break
    return found


def _seconds(value: str, source: Source, line: int) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return parse_clock(value, source, line)


def read_csv(source: Source) -> list[Utterance]:
    text = source.text
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        header = next(reader, [])
        columns = find_columns(header)
        if "text" not in columns:
            raise source.error(
                "no text column in the header row; name it one of: " + ", ".join(TEXT), 1
            )
        out: list[Utterance] = []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            cell = dict(enumerate(row))
            speech = cell.get(columns["text"], "").strip()
            if not speech:
                continue
            speaker = cell.get(columns["speaker"], "").strip() if "speaker" in columns else ""
            start = _seconds(cell.get(columns["start"], ""), source, line) if "start" in columns else None
            end = _seconds(cell.get(columns["end"], ""), source, line) if "end" in columns else None
            out.append(Utterance(speaker or None, speech, line, start, end))
    except csv.Error:
        raise source.error(
            "the CSV file is malformed (an unclosed quote?); fix it in a spreadsheet and export "
            "it again", reader.line_num
        ) from None
    return out
