"""Markup around transcript text that is never speech: what a file's lines carry besides words.

Transcripts reach fgkit as markdown pages, HTML pasted into text, and PDF text. Before a line
is read (``layout.read_line``) or the file decides what it is (``typed.parse_lines``):
- markdown backslash escapes are undone (``\\[laughs\\]`` is ``[laughs]``, ``\\[04:23\\]`` a
  time) and inline HTML tags go (``<u>Name:</u>``, ``<b>``), keeping the text between them;
  angle-bracket marks that are not HTML (``<laughs>``) stay for the annotation reader;
- YAML front matter (``---`` ... ``---`` at the top), code fences and horizontal rules
  (``---``, ``***``, ``** **``) are structure, not speech; a rule of ``-`` or ``=`` right under a
  short line makes that line a (setext) heading;
- a line that is only links (``<https://...>``, ``[text](url)``, a bare URL) is metadata;
- a line that repeats on every page of a PDF (a running header or a footer carrying the page
  number) is page furniture: the footer is found by a number that grows from page to page, the
  header by repeating verbatim next to it.
"""

from __future__ import annotations

import re
from collections import defaultdict

__all__ = ["clean_line", "front_matter", "is_link_line", "page_furniture", "rule_kind"]

_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
# Inline HTML a page export leaves around labels and emphasis; other <...> is a transcriber's
# mark (<laughs>) or an address, so only these names are taken out.
_HTML = re.compile(
    r"</?(?:u|b|i|em|strong|span|font|mark|small|big|sup|sub|s|strike|del|ins|p|div|br|a|tt|"
    r"code|h[1-6])(?:\s[^<>]{0,200})?\s*/?>",
    re.IGNORECASE,
)
_RULE = re.compile(r"^(?:(?:[-*_=~]\s*){3,}|`{3,}.*|~{3,}.*|(?:\*\*|__)\s+(?:\*\*|__))$")
_SETEXT = re.compile(r"^(?:-{2,}|={2,})$")
_LINK = r"(?:<(?:https?://|www\.|mailto:)[^<>\s]+>|!?\[[^\[\]]*\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*\)|(?:https?://|www\.)\S+)"
_LINK_LINE = re.compile(r"^(?:[-*+>]\s+)?\(?\s*" + _LINK + r"(?:\s*[,;|\u2022\-]?\s*" + _LINK + r")*\s*\)?[.,;]?$")
_FRONT_KEY = re.compile(r"^(?:[\w\-. ]{1,40}:(?:\s|$)|-\s|\s+\S|#)")
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = frozenset(".?!\"'")
_PAGE_WORD = re.compile(r"\bpage\s*#", re.IGNORECASE)


def clean_line(text: str) -> str:
    """The line without markdown escapes and inline HTML tags (cheap when it has neither)."""
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    if "<" in text and ">" in text:
        text = _HTML.sub(_tag_space, text)
    return text


def _tag_space(m: re.Match[str]) -> str:
    # a line break or paragraph tag separated words; emphasis tags sit inside or around them
    return " " if m.group(0)[1:4].lower().lstrip("/")[:2] in ("br", "p>", "p ", "di") else ""


def rule_kind(text: str) -> str | None:
    """"setext" for a ``---``/``===`` underline, "rule" for other rules and fences, else None."""
    t = text.strip()
    if len(t) < 3 or t[0] not in "-*_=~`":
        return None
    if _SETEXT.match(t):
        return "setext"
    return "rule" if _RULE.match(t) else None


def is_link_line(text: str) -> bool:
    t = text.strip()
    return bool(t) and t[0] in "<[!(hw-*+>" and bool(_LINK_LINE.match(t))


def front_matter(lines: list[tuple[int, str]]) -> set[int]:
    """Indices of a YAML front-matter block (with its ``---`` fences) at the top of the file."""
    start = next((i for i, (_, t) in enumerate(lines) if t.strip()), None)
    if start is None or lines[start][1].strip() != "---":
        return set()
    for j in range(start + 1, min(len(lines), start + 300)):
        t = lines[j][1]
        if t.strip() in ("---", "..."):
            body = [x for _, x in lines[start + 1 : j] if x.strip()]
            keyed = sum(1 for x in body if _FRONT_KEY.match(x))
            return set(range(start, j + 1)) if body and keyed >= 0.8 * len(body) else set()
    return set()


def page_furniture(lines: list[tuple[int, str]]) -> set[int]:
    """Indices of lines repeated on every page: running footers and headers (module doc)."""
    shapes: dict[str, list[int]] = defaultdict(list)
    for i, (_, text) in enumerate(lines):
        # a page line does not end a sentence; this keeps the pass cheap on long transcripts
        if 8 <= len(text) <= 300 and text.rstrip()[-1:] not in _SENTENCE_END and _DIGITS.search(text):
            shapes[_DIGITS.sub("#", " ".join(text.split()))].append(i)
    footers: set[int] = set()
    for shape, where in shapes.items():
        # a numbered heading (``Participant 20``) also grows: a footer is long or says "page"
        # and a speaker's time (``**Name**  1:05``) grows too: a page number is no clock
        if len(where) >= 3 and "#" in shape and "#:#" not in shape and (
            _PAGE_WORD.search(shape) or (len(shape) >= 30 and _grows(lines, where))
        ):
            footers.update(where)
    if not footers:
        return footers
    found = set(footers)
    shapes = defaultdict(list)  # the running header repeats verbatim, with or without digits
    for i, (_, text) in enumerate(lines):
        if 8 <= len(text) <= 300 and i not in footers:
            shapes[" ".join(text.split())].append(i)
    for where in shapes.values():
        if len(where) >= 3:
            near = [i for i in where if any(abs(i - f) <= 3 for f in footers)]
            if len(near) >= max(2, len(where) - 1):
                found.update(where)
    return found


def _grows(lines: list[tuple[int, str]], where: list[int]) -> bool:
    """Does one of the line's numbers grow from each occurrence to the next (a page number)?"""
    numbers = [[int(n) for n in _DIGITS.findall(lines[i][1])] for i in where]
    width = len(numbers[0])
    return any(all(a[k] < b[k] <= a[k] + 5 for a, b in zip(numbers, numbers[1:])) for k in range(width))
