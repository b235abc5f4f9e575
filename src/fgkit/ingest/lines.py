"""Every line of a free-text file read alone, after the markup around it is taken off.

``typed.parse_lines`` starts here: markdown escapes and inline HTML go, front matter and page
furniture are skipped, rules and fences are blank lines (a ``---`` under a short line makes it
a setext heading), link-only lines are skipped, and every other line is read by
``layout.read_line``. Codes that number lines (``[T001]``) are dropped once the whole file has
shown they stand before labels, and only a file's first ``# Title`` is its own title.
"""

from __future__ import annotations

import re
from collections import Counter

from .common import Source
from .labels import is_field
from .layout import BLANK, HEADING, LABEL_ONLY, LABELLED, SKIP, TEXT, Line, read_line, reread_without_code
from .markup import clean_line, front_matter, is_link_line, page_furniture, rule_kind

__all__ = ["fenced", "read_all"]

_BARE_MMSS = re.compile(r"^\d{1,2}:\d{2}\s+\S")


def read_all(lines: list[tuple[int, str]], source: Source) -> tuple[list[Line], list[int]]:
    """Every line read alone, with the file's markup (``markup``) taken off first; and the
    indices of code-fence lines."""
    lines = [(n, clean_line(text)) for n, text in lines]
    skip = front_matter(lines)
    if len(lines) >= 30:
        skip |= page_furniture(lines)
    bare_mmss = _bare_mmss(lines)
    read: list[Line] = []
    fences: list[int] = []
    after_timed = False
    for idx, (n, text) in enumerate(lines):
        stripped = text.strip()
        if idx in skip:
            read.append(Line(n, SKIP))
            continue
        if after_timed and stripped:
            # The line under a timed speaker line (Otter's "Name  0:03") is that speaker's
            # speech, as written: no label, heading or prompt can stand there.
            read.append(Line(n, TEXT, plain=stripped, speech=stripped))
            after_timed = False
            continue
        rule = rule_kind(stripped) if stripped[:1] in "-*_=~`" else None
        if rule:
            if rule == "setext" and read:
                _setext(read)
            if stripped[:3] in ("```", "~~~"):
                fences.append(len(read))
            read.append(Line(n, BLANK))
            continue
        if is_link_line(stripped):
            read.append(Line(n, SKIP))
            continue
        line = read_line(n, text, source, bare_mmss)
        line.indent = len(text) - len(text.lstrip())
        after_timed = line.kind == LABEL_ONLY and line.timed
        read.append(line)
    _drop_line_numbers(read, source, bare_mmss)
    titles = [x for x in read if x.document_title]
    for later in titles[1:]:  # only the first "# Title" is the document's; later ones are sections
        later.document_title = False
    return read, fences


def fenced(read: list[Line], fences: list[int], confirmed: set[int]) -> None:
    """A code block holding no speaker is shown material, not speech; a block around the
    whole transcript (a call log pasted into markdown) is read as usual."""
    for start, end in zip(fences[::2], fences[1::2]):
        if not any(start < i < end for i in confirmed):
            for x in read[start + 1 : end]:
                if x.kind != BLANK:
                    x.kind = SKIP


def _setext(read: list[Line]) -> None:
    """A short line underlined with ``---`` or ``===`` is a heading (markdown's setext form)."""
    above = read[-1]
    alone = len(read) == 1 or read[-2].kind in (BLANK, SKIP)
    field = above.kind in (LABELLED, LABEL_ONLY) and above.label is not None and is_field(above.label)
    if alone and (above.kind == TEXT or field) and 0 < len(above.plain) <= 80:
        above.kind, above.heading, above.title = HEADING, 3, above.plain.strip("*_ ")


def _bare_mmss(lines: list[tuple[int, str]]) -> bool:
    """Does the file open its lines with a bare ``mm:ss`` (oTranscribe)? Then it is a time."""
    filled = [text for _, text in lines if text.strip()]
    hits = sum(1 for text in filled if _BARE_MMSS.match(text.strip()))
    return hits >= 3 and hits >= 0.3 * len(filled)


def _prefix(code: str) -> str:
    return re.sub(r"\d.*", "", code).lower()


def _drop_line_numbers(read: list[Line], source: Source, bare_mmss: bool) -> None:
    """Codes that number lines stand before labels again and again, on most of their lines."""
    coded = Counter(_prefix(line.code) for line in read if line.code)
    before_label = Counter(_prefix(line.code) for line in read if line.code and line.code_then_label)
    prefixes = {p for p, k in before_label.items() if k >= min(2, coded[p]) and k >= 0.3 * coded[p]}
    for i, line in enumerate(read):
        if line.code and not line.code_then_label and _prefix(line.code) in prefixes:
            read[i] = reread_without_code(line, source, bare_mmss)
