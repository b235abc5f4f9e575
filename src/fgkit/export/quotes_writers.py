"""Writers for the quotes table: CSV, an Excel sheet, and a Word document grouped by code."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from ..office import new_word_document, save_office
from ..spreadsheet_safety import append_row
from ..spreadsheet_safety import write_csv as _write_safe_csv

__all__ = ["write_csv", "write_xlsx", "write_docx"]

_FIXED_DATE = _dt.datetime(2000, 1, 1)
_WIDTHS = {"quote": 80, "context": 60, "codes": 30, "attribution": 24, "reference": 24}


def write_csv(table, path: Path, codes: list) -> None:
    # Quotes are speech: a quote starting "=" must never become a formula in a spreadsheet.
    _write_safe_csv(table, path, encoding="utf-8", lineterminator="\n")


def write_xlsx(table, path: Path, codes: list) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Quotes"
    columns = list(table.columns)
    append_row(ws, columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table.itertuples(index=False):
        append_row(ws, [None if v == "" else v for v in row])
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, name in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = _WIDTHS.get(name, 14)
        if name in ("quote", "context"):
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.alignment = wrap
    ws.freeze_panes = "A2"
    if len(table):
        ws.auto_filter.ref = ws.dimensions
    wb.properties.creator = "fgkit"
    wb.properties.created = _FIXED_DATE
    save_office(wb, path)


def _ordered_codes(table, codes: list) -> list[str]:
    used = {c for value in table["codes"] for c in value.split("; ") if c}
    known = [c.id for c in codes if c.id in used]
    return known + sorted(used - set(known))


class _Body:
    """Appends paragraphs to a python-docx document in constant time each.

    ``Document.add_paragraph`` looks for the section properties among all body children and
    resolves styles by name through every style, so each call costs time in proportion to the
    document: a few thousand quotes took minutes. Here the paragraph goes straight before the
    section properties and styles are set by id.
    """

    def __init__(self, doc) -> None:
        self._doc = doc
        self._end = doc.element.body.sectPr
        self._style_ids = {}

    def add(self, text: str, style: str | None = None, italic: bool = False) -> None:
        from docx.oxml import OxmlElement
        from docx.text.paragraph import Paragraph

        element = OxmlElement("w:p")
        self._end.addprevious(element)
        paragraph = Paragraph(element, self._doc._body)
        if style is not None:
            if style not in self._style_ids:
                self._style_ids[style] = self._doc.styles[style].style_id
            element.style = self._style_ids[style]
        run = paragraph.add_run(text)
        if italic:
            run.italic = True


def write_docx(table, path: Path, codes: list) -> None:
    """A heading per code (label, definition), each quote a block quote with its attribution."""
    by_id = {c.id: c for c in codes}
    doc = new_word_document()
    props = doc.core_properties
    props.author = props.last_modified_by = "fgkit"
    props.created = props.modified = _FIXED_DATE
    props.revision = 1
    props.title = "Anonymised quotes"
    body = _Body(doc)
    body.add("Anonymised quotes", style="Title")
    body.add(
        "Quotes are pseudonymised and attributed by role and group; where fewer people share a "
        "role in a group than the small-cell threshold, only the group is given."
    )
    if table.empty:
        body.add(table.attrs.get("empty_reason") or "No quotes matched the filters.")
    rows = list(table.to_dict("records"))
    for code_id in _ordered_codes(table, codes):
        info = by_id.get(code_id)
        body.add(info.label if info else code_id, style="Heading 1")
        if info and info.definition:
            body.add(info.definition, italic=True)
        for row in rows:
            listed = row["codes"].split("; ")
            if code_id not in listed:
                continue
            status = row["status"].split("; ")[listed.index(code_id)]
            if row.get("context"):
                body.add(f"Context: {row['context']}", italic=True)
            body.add(f"\u201c{row['quote']}\u201d", style="Quote")
            marker = " (suggested coding, not yet reviewed)" if status == "suggested" else ""
            reference = f" ({row['reference']})" if row.get("reference") else ""
            body.add(f"\u2014 {row['attribution']}{reference}{marker}")
    save_office(doc, path)
