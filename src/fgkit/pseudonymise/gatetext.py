"""The leak gate's comparison form: one normalisation for the values and for the text scanned.

A name hidden by how it is written is still the name. ``fold`` turns a text into what a reader
sees, character references and entities decoded (``&#80;riya``), compatibility forms
unified (full-width ``Ｐｒｉｙａ``), diacritics removed (``Wiśniewska`` = ``Wisniewska``),
invisible characters dropped (zero-width spaces and joiners, soft hyphens, byte-order marks),
Cyrillic and Greek letters that look Latin made Latin, percent-escapes in addresses decoded and
words hyphenated across a line break joined (``Pri-\\nya``). Case is kept (the case rules need
it); the search ignores it. Each position of the folded text maps back to the text as written,
so a leak is still reported where a person would look.

Values are matched word by word (``value_pattern``): between a value's words any run of
spaces, ``_``, ``.``, ``-`` or ``'`` or none at all, and a value starts or ends wherever a word
does, including inside an identifier (``priya_sharma_notes``, ``PriyaSharma``, ``priya.sharma``,
``notes2Priya``), with a possessive of any case after it. A matched text is looked up by its
``squash`` (its letters and digits only, lower case). Numbers (phone, NHS, card, account numbers,
dates) are compared by their digits instead (``number_keys``), so ``07700 900123``,
``07700900123`` and ``+44 (0)7700 900 123`` are one value.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

__all__ = ["Folded", "ValuePattern", "fold", "number_keys", "number_runs", "squash", "value_pattern", "value_shape"]

# Letters with no Unicode decomposition that readers take for their base letter, and Cyrillic
# and Greek letters drawn exactly like Latin ones (a name typed with a Cyrillic "а" reads the
# same). Hand-written: transliteration packages map Cyrillic by sound ("Р" -> "R"), not by look.
_LOOKALIKE = {
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H", "ı": "i",
    "ŧ": "t", "Ŧ": "T", "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
    "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ŀ": "l", "Ŀ": "L", "ĸ": "k",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "А": "A", "В": "B", "Е": "E",
    "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "І": "I",
    "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H",
    "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "ο": "o", "ν": "v", "ι": "i",
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
}
_SPECIAL = re.compile(
    r"&(?:amp;)?(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?"
    r"|[-\u00ad\u2010\u2011](?<=[^\W\d_].|;.)[ \t]*\r?\n[ \t]*(?=[^\W\d_]|&)"  # ";"/"&": a reference
    r"|%[2-7][0-9A-Fa-f]"
    r"|[^\x00-\x7f]+"
)  # each branch opens with a character or class, so the engine skips ahead between them
_ASCII_SPECIAL = re.compile(r"&|%[2-7]|-[ \t]*\r?\n")


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    if ch in _LOOKALIKE:
        return _LOOKALIKE[ch]
    category = unicodedata.category(ch)
    if category in ("Cf", "Mn", "Me", "Cc"):
        return ""  # zero-width characters, soft hyphens, byte-order marks, combining marks
    if category == "Zs":
        return " "
    if category in ("Zl", "Zp"):
        return "\n"
    if category == "Pd":
        return "-"
    out = "".join(_LOOKALIKE.get(c, c) for c in unicodedata.normalize("NFKD", ch)
                  if not unicodedata.combining(c) and unicodedata.category(c) != "Cf")
    # Scripts whose letters decompose into parts (Hangul) keep their letters whole.
    return out if len(out) == 1 or any(c.isascii() for c in out) else ch


def _decode_reference(piece: str) -> str:
    if piece.startswith("%"):
        return chr(int(piece[1:], 16))
    out = html.unescape(piece)
    if out.startswith("&") and out != piece:
        out = html.unescape(out)  # double-escaped: "&amp;#80;"
    return out if out != piece else piece


class Folded:
    """A folded text and the way back: ``start(i)`` / ``end(i)`` are offsets in the original."""

    __slots__ = ("text", "_out", "_orig", "_span")

    def __init__(self, text: str, out: list[int] | None = None, orig: list[int] | None = None,
                 span: list[int] | None = None) -> None:
        self.text = text
        self._out, self._orig, self._span = out, orig, span

    def start(self, i: int) -> int:
        if self._out is None:
            return i
        k = bisect.bisect_right(self._out, i) - 1
        return self._orig[k] + (i - self._out[k] if self._span[k] < 0 else 0)

    def end(self, i: int) -> int:
        if self._out is None or i <= 0:
            return i
        k = bisect.bisect_right(self._out, i - 1) - 1
        return self._orig[k] + (i - self._out[k] if self._span[k] < 0 else self._span[k])


def fold(text: str) -> Folded:
    """The text as a reader sees it (see the module doc), with a map back to ``text``."""
    if text.isascii() and not _ASCII_SPECIAL.search(text):
        return Folded(text)
    pieces: list[str] = []
    # Segments: output start, original start, and -1 (one character for one) or the original
    # length of a piece replaced as a whole.
    out, orig, span = [0], [0], [-1]
    pos = written = 0

    def copy_to(end: int) -> None:
        nonlocal written
        if end > pos:
            pieces.append(text[pos:end])
            if span[-1] >= 0:
                out.append(written), orig.append(pos), span.append(-1)
            written += end - pos

    def replaced(at: int, length: int, new: str) -> None:
        nonlocal written
        pieces.append(new)
        out.append(written), orig.append(at), span.append(length)
        written += len(new)

    for m in _SPECIAL.finditer(text):
        start, end = m.span()
        copy_to(start)
        piece = m.group(0)
        if piece[0] == "&" or piece[0] == "%":
            new = "".join(_fold_char(c) if not c.isascii() else c for c in _decode_reference(piece))
            if new == piece:
                copy_to(end)
            else:
                replaced(start, end - start, new)
        elif piece.isascii() or piece[0] in "\u00ad\u2010\u2011" and "\n" in piece:
            replaced(start, end - start, "")
        else:
            for offset, ch in enumerate(piece):
                new = _fold_char(ch)
                if len(new) == 1:
                    if span[-1] >= 0:
                        out.append(written), orig.append(start + offset), span.append(-1)
                    pieces.append(new)
                    written += 1
                else:
                    replaced(start + offset, 1, new)
        pos = end
    copy_to(len(text))
    return Folded("".join(pieces), out, orig, span)


# --- values ----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
_FLEX = "\x00"      # between a value's words: spaces, _ . - ' or nothing
_SPACE = "\x01"     # spaces around a separator the value spells out ("A & E", "x @ y")
_FLEX_SEPARATOR = re.compile(r"[\s_.\-']*")
_NUMERIC = re.compile(r"[+(]?\d[\d\s\-./()]*")
_MIN_DIGITS = 6


def squash(text: str) -> str:
    """A matched text's lookup form: its letters and digits, lower case."""
    return "".join(_WORD.findall(text.lower()))


def value_shape(norm: str) -> str:
    """A value as the search holds it: lower-case words joined by separator marks ("" if none)."""
    folded = fold(norm).text.lower()
    words = _WORD.findall(folded)
    if not words:
        return ""
    out = [words[0]]
    for sep, word in zip(_WORD.split(folded)[1:-1], words[1:]):
        out.append(_FLEX if _FLEX_SEPARATOR.fullmatch(sep) else re.sub(r"\s+", _SPACE, sep))
        out.append(word)
    return "".join(out)


# A value starts where a word does: after a non-letter (before a letter), after a non-letter-
# or-digit (before a digit), or at a change of case inside an identifier ("notesPriya").
_START = r"(?:(?<![^\W\d_])(?=[^\W\d_])|(?<![^\W_])(?=\d)|(?-i:(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])))"
_END = r"(?:(?<=[^\W\d_])(?![^\W\d_])|(?<=\d)(?![^\W_])|(?-i:(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])))"


_STARTS_HERE = re.compile(_START)


class ValuePattern:
    """Every value shape in one case-insensitive search; ``finditer`` yields matches whose
    group ``v`` is the value without a possessive.

    Where a value may start is checked apart from the search: a pattern opening with a
    look-behind makes the regex engine try every position in full, while one opening with the
    values' letters lets it skip ahead, about fifteen times faster on a long report."""

    def __init__(self, pattern: re.Pattern) -> None:
        self.pattern = pattern

    def finditer(self, text: str) -> Iterator[re.Match]:
        search, starts, pos = self.pattern.search, _STARTS_HERE.match, 0
        while (m := search(text, pos)) is not None:
            if starts(text, m.start()):
                yield m
                pos = m.end()
            else:
                pos = m.start() + 1  # a value may still start inside what matched here


def value_pattern(shapes: Iterable[str]) -> ValuePattern | None:
    """One compiled search for every value shape (see ``ValuePattern``)."""
    trie: dict = {}
    for shape in shapes:
        if shape:
            node = trie
            for ch in shape:
                node = node.setdefault(ch, {})
            node[""] = {}
    if not trie:
        return None
    body = _emit(trie)
    return ValuePattern(re.compile(rf"(?P<v>{body}){_END}(?:'s?(?![^\W_]))?", re.IGNORECASE))


def _emit(node: dict) -> str:
    end = "" in node
    branches = []
    for ch in sorted(k for k in node if k):
        piece = r"[\s_.\-']*" if ch == _FLEX else r"\s*" if ch == _SPACE else re.escape(ch)
        branches.append(piece + _emit(node[ch]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if end else body


# --- numbers ---------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    import phonenumbers

    return frozenset(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def _national(digits: str) -> str:
    return digits[1:] if digits.startswith("0") else digits


def _international(digits: str) -> str | None:
    digits = digits[2:] if digits.startswith("00") else digits
    codes = _country_codes()
    for size in (1, 2, 3):  # country codes are prefix-free
        if digits[:size] in codes:
            return _national(digits[size:])
    return None


def number_keys(value: str, phone: bool = False) -> set[str]:
    """The digit keys of a numeric value ({} when it is not one): the national number, with a
    country code and trunk "0" taken off when written internationally (or, for a phone, when it
    opens with a country code)."""
    value = fold(value).text.strip()
    if not _NUMERIC.fullmatch(value):
        return set()
    digits = re.sub(r"\D", "", value)
    if len(digits) < _MIN_DIGITS:
        return set()
    keys = set()
    if value.startswith("+") or digits.startswith("00"):
        keys.add(_international(digits) or digits)
    else:
        keys.add(_national(digits))
        if phone and len(digits) >= 10:
            keys.add(_international(digits) or digits)
    return {k for k in keys if len(k) >= _MIN_DIGITS}


# A written number: digits in groups split by at most three of space . - / ( ), maybe after a +.
# It opens with a plain character class so the regex engine can skip ahead to a digit or "+".
_NUMBER_RUN = re.compile(r"[+\d](?:(?<=\+)(?=\d)|(?<=\d))(?:[ \t\u00a0\-./()]{1,3}(?=\d)|\d)*")
_GROUP = re.compile(r"\d+")


def number_runs(text: str, min_digits: int = _MIN_DIGITS) -> Iterator[tuple[int, int, set[str]]]:
    """(start, end, keys) for every stretch of a written number that could be a value: each
    run of consecutive digit groups, read both nationally and internationally."""
    for m in _NUMBER_RUN.finditer(text):
        if m.end() - m.start() < min_digits:
            continue
        groups = [(g.start(), g.end(), g.group(0)) for g in _GROUP.finditer(text, m.start(), m.end())]
        plus = text[m.start()] == "+"
        for i in range(len(groups)):
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j][2]
                if len(digits) < min_digits:
                    continue
                if len(digits) > 20:
                    break
                international = _international(digits)
                keys = {international or digits} if i == 0 and plus else {_national(digits), international}
                keys = {k for k in keys if k and len(k) >= _MIN_DIGITS}
                if keys:
                    yield (m.start() if i == 0 and plus else groups[i][0]), groups[j][1], keys
