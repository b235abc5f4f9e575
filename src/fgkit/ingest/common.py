"""What every reader shares: decoding, text normalisation, timestamps and speaker labels.

Normalisation choices (applied to every format, so the same words always look the same):
- a byte-order mark, CRLF and lone CR disappear; line numbers still match the file;
- non-breaking and other fixed-width spaces become plain spaces; zero-width characters go;
- curly quotes and apostrophes become straight ones. Transcribers and ASR engines mix both in
  one file; the codebook's phrases ("don't", "can't cope") must match either way, and no
  meaning is lost.
- text in other scripts (stray CJK or Cyrillic tokens, typical ASR debris) is kept as written,
  because deleting words distorts the data, but the file gets a warning naming the lines;
- a byte-order mark is removed and reported: README promises that quirks are reported, and a
  mark in the middle of a pasted file is a sign that files were joined.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import TranscriptError

__all__ = [
    "UNKNOWN_SPEAKER",
    "Source",
    "decode_bytes",
    "header_with_time",
    "looks_like_label",
    "normalise_text",
    "other_script_lines",
    "parse_clock",
    "split_label",
    "split_label_time",
    "unbold",
]

UNKNOWN_SPEAKER = "Unknown Speaker"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[\u00a0\u2007\u202f\u2000-\u200a\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                         "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                         "\u201f": '"', "\u2033": '"'})
_OTHER_SCRIPT = re.compile(
    "[\u0370-\u03ff\u0400-\u052f\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f"
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]"
)


@dataclass
class Source:
    """One input file as the readers see it: raw bytes, decoded text, and the warnings so far."""

    path: Path
    data: bytes
    text: str = ""
    warnings: list[str] = field(default_factory=list)
    # Headings found by a reader, as (line, title): section markers, never speech.
    sections: list[tuple[int, str]] = field(default_factory=list)
    # Numbering taken off a moderator prompt (``Question 3.``), by the prompt's line: kept as
    # an annotation of the prompt's turn.
    marks: dict[int, str] = field(default_factory=dict)

    def warn(self, message: str, line: int | None = None) -> None:
        self.warnings.append(f"line {line}: {message}" if line is not None else message)

    def error(self, message: str, line: int | None = None) -> TranscriptError:
        return TranscriptError(message, self.path, line)

    def lines(self) -> list[tuple[int, str]]:
        """(1-based line number, line) pairs of the decoded text."""
        return list(enumerate(self.text.split("\n"), start=1))


def decode_bytes(data: bytes, path: Path, warnings: list[str]) -> str:
    """Decode a text transcript: BOM first, then UTF-8, then charset-normalizer's best guess."""
    if not data.strip(b" \t\r\n\x00"):
        raise TranscriptError("the file is empty; export the transcript again", path)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            warnings.append(f"the file starts with a byte-order mark ({encoding.upper()}); removed")
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise TranscriptError(
                    f"the file says it is {encoding.upper()} but byte {exc.start} is not; "
                    "it may be truncated or damaged: export it again",
                    path,
                ) from None
    if data.count(b"\x00") > len(data) // 4:
        # NUL-heavy bytes are UTF-16 without a byte-order mark (or binary): UTF-8 would
        # "succeed" on them, so let charset-normalizer judge.
        text = _guess_decode(data, path, warnings)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _guess_decode(data, path, warnings)
    if _CONTROL.search(text[:4096]) and len(_CONTROL.findall(text)) > max(2, len(text) // 200):
        raise TranscriptError(
            "this looks like a binary file, not a transcript; export it as .vtt, .srt, .txt, "
            ".docx or .csv",
            path,
        )
    return text


def _guess_decode(data: bytes, path: Path, warnings: list[str]) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise TranscriptError(
            "this looks like a binary file or an unknown encoding; save it as UTF-8 text",
            path,
        )
    encoding, text = best.encoding, str(best)
    # Short files give charset detection little to go on, and single-byte code pages are hard
    # to tell apart ("£" in cp1252 is "Ł" in cp1250). A non-UTF-8 text from a UK team is
    # Windows-1252 unless the detector found a multi-byte encoding.
    if encoding != "cp1252" and _single_byte(encoding):
        try:
            encoding, text = "cp1252", data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    warnings.append(f"not UTF-8: decoded as {encoding}; check accented letters and symbols")
    return text


def _single_byte(encoding: str) -> bool:
    import codecs

    name = codecs.lookup(encoding).name
    return name.startswith(("cp125", "iso8859", "mac-", "cp437", "cp85"))


def normalise_text(text: str) -> str:
    """Line endings, spaces, zero-width characters and quotes made uniform (see module doc)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # A stray control character (a NUL from a damaged export) is no speech, and no XML-based
    # output (Word, REFI-QDA) can hold one.
    text = _CONTROL.sub("", text)
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text)
    return text.translate(_QUOTES)


def other_script_lines(lines: list[tuple[int, str]]) -> list[int]:
    return [n for n, line in lines if _OTHER_SCRIPT.search(line)]


_CLOCK = re.compile(r"^\s*(?:(\d{1,3}):)?(\d{1,3}):(\d{1,3})(?:[.,](\d{1,3}))?\s*$")


def parse_clock(value: str, source: Source | None = None, line: int | None = None) -> float | None:
    """Seconds from ``[h:]mm:ss[.mmm]``; out-of-range fields (00:01:75) carry over, with a warning."""
    m = _CLOCK.match(value)
    if not m:
        return None
    hours, minutes, seconds, frac = m.groups()
    h, mi, s = int(hours or 0), int(minutes), int(seconds)
    if (s >= 60 or (hours is not None and mi >= 60)) and source is not None:
        source.warn("timestamp field out of range (seconds or minutes >= 60); carried over", line)
    millis = int(frac.ljust(3, "0")) / 1000 if frac else 0.0
    return round(h * 3600 + mi * 60 + s + millis, 3)


# A speaker label: a name-like run of words. Each word is capitalised (or a digit, an iDevice,
# a name particle); parentheses (role suffixes) and e-mail addresses are allowed anywhere.
_LABEL_WORD = re.compile(
    r"^(?:[A-Z0-9][\w'.\-]*|i[A-Z]\w*|[a-z]{1,4}\d{1,4}|de|da|di|du|van|von|der|den|la|le|bin|al|"
    r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+)[,]?$"
)
# Capitalised words that open sentences ("Yes: that's it") rather than name anyone.
_NOT_LABELS = frozenset(
    [
        "yes", "no", "ok", "okay", "so", "well", "and", "but", "or", "the", "right", "sure",
        "true", "note", "example", "answer", "because", "again", "also", "first", "second",
        "then", "now", "look", "listen", "basically", "honestly", "exactly",
    ]
)
# Role labels some transcribers type in lower case.
_ROLE_LABELS = frozenset(
    ["interviewer", "facilitator", "moderator", "researcher", "respondent", "participant"]
)
_PAREN = re.compile(r"\([^()]{0,40}\)|<[^<>]{0,60}>")
_LABEL_SPLIT = re.compile(r"^(?P<label>[^:\n]{1,60}?)\s*:(?:\s+|$)(?P<rest>.*)$")


@lru_cache(maxsize=8192)  # labels recur on every turn of a file
def looks_like_label(label: str) -> bool:
    """True when ``label`` reads like a speaker name, role or participant code."""
    label = label.strip()
    if not label or len(label) > 60 or label.lower().startswith(("http", "www")):
        return False
    if label.lower().rstrip(".") in _NOT_LABELS:
        return False
    if label.lower() in _ROLE_LABELS:
        return True
    bare = _PAREN.sub(" ", label).replace("'s ", " ")
    words = bare.split()
    if not words or len(words) > 5:
        return False
    return all(_LABEL_WORD.match(w) for w in words)


# A clock as transcripts write it: 1:23, 01:23, 1:02:03, 00:01:23.450.
CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# ``Name (00:01:23): text``, ``Name [01:23]: text``, ``Name 00:01:23: text``: the time belongs
# to the turn, not to the label (left in, one person becomes as many speakers as turns).
_LABEL_TIME = re.compile(
    r"^(?P<label>[^:\n]{1,60}?)(?:\s*(?P<open>[(\[])|\s+)(?:[-\u2013\u2014@]\s*)?"
    r"(?P<ts>" + CLOCK + r")(?(open)[)\]])\s*:(?:\s+|$)(?P<rest>.*)$"
)
_BOLD = re.compile(r"^(\*\*|__)(?P<inner>[^*_\n]{1,80}?)\1(?P<after>.*)$")


def unbold(line: str) -> str:
    """``**Jane Doe**  0:00`` -> ``Jane Doe  0:00``: markdown emphasis around a leading label."""
    if line[:1] not in ("*", "_"):
        return line
    m = _BOLD.match(line)
    return m.group("inner") + m.group("after") if m else line


def split_label_time(line: str) -> tuple[str | None, str, str | None]:
    """(label, speech, timestamp) of ``"Ann Lee (00:01:23): text"``; (None, line, None) without one."""
    line = line.strip()
    m = _LABEL_TIME.match(line)
    if m and looks_like_label(m.group("label")):
        return m.group("label").strip(), m.group("rest").strip(), m.group("ts")
    m = _LABEL_SPLIT.match(line)
    if m and looks_like_label(m.group("label")):
        return m.group("label").strip(), m.group("rest").strip(), None
    return None, line, None


def split_label(line: str) -> tuple[str | None, str]:
    """``"Ann Lee (SL): text"`` -> ("Ann Lee (SL)", "text"); (None, line) when there is no label."""
    label, rest, _ = split_label_time(line)
    return label, rest


# Otter.ai (and Word exports from it): ``Firstname Lastname  0:03`` alone on a line; also with
# the time in brackets or after a dash, and the markdown export's ``**Name**  0:03``.
HEADER_WITH_TIME = re.compile(
    r"^(?P<label>\S.{0,60}?)(?:\s*(?P<open>[(\[])|\s+)(?:[-\u2013\u2014@|]\s*)?"
    r"(?P<ts>" + CLOCK + r")(?(open)[)\]])\s*:?$"
)
OTTER_FOOTER = re.compile(
    r"^[*_\s]*transcribed by\s+[\[(<]?(?:https?://)?(?:www\.)?otter\.ai(?![a-z0-9\-])", re.IGNORECASE
)


def header_with_time(line: str) -> tuple[str, str] | None:
    """(label, timestamp) for an Otter-style speaker line, else None."""
    m = HEADER_WITH_TIME.match(unbold(line.strip()))
    if not m:
        return None
    label = m.group("label").strip()
    if label.startswith("[") and label.endswith("]"):  # Zoom's text transcript: [Name] 10:02:15
        label = label[1:-1].strip()
    return (label, m.group("ts")) if looks_like_label(label) else None
