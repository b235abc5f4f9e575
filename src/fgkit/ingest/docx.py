"""Word documents: typed transcripts and meeting-recorder exports (python-docx).

Body paragraphs go through the same line parser as typed transcripts (``Name: text``,
``Name  0:03`` then paragraphs, ``@12:34 - Name`` then paragraphs); a soft line break inside a
paragraph counts as a new line. Paragraphs in Word's heading styles are section headings (or,
above the first turn, the title block). Tables are ignored (a cover sheet often lists participants)
unless the body holds no speech, in which case a table of (speaker, text) or
(time, speaker, text) rows is the transcript. ``line`` numbers count paragraphs, or table rows.
"""

from __future__ import annotations

import io

from ..records import Utterance
from ..safezip import ZipRefused, check_zip
from .common import Source, normalise_text, parse_clock
from .typed import parse_lines

__all__ = ["open_docx", "read_docx"]


def open_docx(source: Source):
    import zipfile
    import zlib

    import docx
    from docx.opc.exceptions import OpcError
    from lxml.etree import LxmlError

    try:
        # python-docx inflates every part through zipfile, which never goes past a member's
        # declared size (a lying one ends in a CRC error below): checking the declared sizes
        # bounds what it inflates.
        check_zip(source.data, name=source.path)
        return docx.Document(io.BytesIO(source.data))
    except ZipRefused as exc:
        if exc.reason != "damaged":
            raise source.error(exc.message) from None
    # python-docx reports a damaged package from whichever layer met the damage (zip, deflate,
    # XML, package parts, or an attribute lookup on a malformed part such as [Content_Types].xml);
    # all of them mean the same thing to the user.
    except (zipfile.BadZipFile, zlib.error, EOFError, LxmlError, OpcError, KeyError, ValueError,
            AttributeError, TypeError):
        pass
    raise source.error(
        "this Word file is damaged or is not a .docx document; open it in Word and save it "
        "again as .docx"
    )


def read_docx(source: Source) -> list[Utterance]:
    document = open_docx(source)
    lines: list[tuple[int, str]] = []
    styled: dict[str, set[int]] = {"heading": set(), "title": set()}
    kinds = _heading_styles(document)
    for n, paragraph in enumerate(document.paragraphs, start=1):
        for part in normalise_text(paragraph.text).split("\n"):
            lines.append((n, part))
        # The style id straight from the XML: python-docx's paragraph.style searches every
        # style of the document for each paragraph, which made long transcripts 30 times slower.
        ppr = paragraph._p.pPr
        style_id = ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else None
        if style_id in kinds:
            styled[kinds[style_id]].add(n)
    utterances = parse_lines(lines, source, frozenset(styled["heading"]), frozenset(styled["title"]))
    if any(u.speaker for u in utterances) or not document.tables:
        return utterances
    source.warnings.clear()
    return _table_utterances(document.tables, source)


def _heading_styles(document) -> dict[str, str]:
    """Style id -> "heading" or "title" for Word's heading and title styles and those based on them."""
    kinds: dict[str, str] = {}
    for style in document.styles:
        base = style
        while base is not None:
            name = (base.name or "").lower()
            if name.startswith("heading"):
                kinds[style.style_id] = "heading"
                break
            if name.startswith(("title", "subtitle")):
                kinds[style.style_id] = "title"
                break
            base = getattr(base, "base_style", None)
    return kinds


def _table_utterances(tables, source: Source) -> list[Utterance]:
    out: list[Utterance] = []
    row_number = 0
    for table in tables:
        for row in table.rows:
            row_number += 1
            cells = [normalise_text(c.text).strip() for c in row.cells]
            cells = [c for k, c in enumerate(cells) if k == 0 or c != cells[k - 1]]  # merged cells repeat
            if len(cells) < 2:
                continue
            start = parse_clock(cells[0], source, row_number) if len(cells) >= 3 else None
            speaker, text = (cells[1], cells[2]) if start is not None else (cells[0], cells[1])
            if text:
                out.append(Utterance(speaker or None, text, row_number, start))
    if out:
        source.warn("no speech in the body text; the transcript was read from the document's table")
    return out
