"""Reading and writing review worksheets (XLSX and CSV).

The worksheet is the one place a reviewer edits, so the two formats carry the same columns and
read back into the same rows: ``(sheet_row, {column: text})`` where ``sheet_row`` is the row
number a spreadsheet program shows (the header is row 1), so errors point where people look.

Every cell is written through ``spreadsheet_safety``: speech or a code label that starts like a
formula gets a leading apostrophe and stays text, and reading takes that apostrophe off again,
so an escaped text or memo comes back exactly as it was. A formula a person puts into a cell is
an error naming its row and column, never a silent blank.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from ..errors import ReviewFileError
from ..io import atomic_path, atomic_write_bytes
from ..spreadsheet_safety import append_row, neutralise, restore, set_text_cell

__all__ = [
    "WORKSHEET_COLUMNS",
    "EDITABLE_COLUMNS",
    "DECISIONS",
    "EVIDENCE_OPEN",
    "EVIDENCE_CLOSE",
    "text_hash",
    "mark_evidence",
    "unmark",
    "write_worksheet",
    "read_worksheet",
]

WORKSHEET_COLUMNS = [
    "row", "worksheet", "segment_id", "text_hash", "transcript", "turn_index", "speaker", "role",
    "group", "code", "code_label", "suggested_by", "confidence", "uncertainty", "status", "text",
    "decision", "add_codes", "memo",
]
EDITABLE_COLUMNS = ["decision", "add_codes", "memo"]
DECISIONS = ("accept", "reject")
EVIDENCE_OPEN, EVIDENCE_CLOSE = "«", "»"

_WIDTHS = {"text": 80, "memo": 40, "add_codes": 18, "decision": 11, "code_label": 24}


def text_hash(text: str) -> str:
    """A short digest of a segment's text, so an edited text cell or changed segment is caught."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def mark_evidence(text: str, start: int | None, end: int | None) -> str:
    """The text with the evidence span wrapped in «», or unchanged when there is no valid span."""
    if start is None or end is None or not 0 <= start < end <= len(text):
        return text
    return f"{text[:start]}{EVIDENCE_OPEN}{text[start:end]}{EVIDENCE_CLOSE}{text[end:]}"


def unmark(text: str) -> str:
    return text.replace(EVIDENCE_OPEN, "").replace(EVIDENCE_CLOSE, "")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- writing -----------------------------------------------------------------------------------
def write_worksheet(rows: list[dict], path: Path) -> None:
    """Write rows (dicts keyed by WORKSHEET_COLUMNS) as .xlsx or .csv, chosen by the suffix."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=WORKSHEET_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell_text(neutralise(row.get(k))) for k in WORKSHEET_COLUMNS})
        # utf-8-sig so spreadsheet programs read accents and «» correctly.
        atomic_write_bytes(path, buffer.getvalue().encode("utf-8-sig"))
    elif suffix == ".xlsx":
        _write_xlsx(rows, path)
    else:
        raise ReviewFileError("worksheets are .xlsx or .csv; choose one of those suffixes", path)


def _rich_text(text: str):
    """Evidence in bold (and still inside «» so the mark survives a save as CSV)."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    start, end = text.find(EVIDENCE_OPEN), text.find(EVIDENCE_CLOSE)
    if start < 0 or end < start:
        return text
    parts = [text[:start], TextBlock(InlineFont(b=True), text[start : end + 1]), text[end + 1 :]]
    return CellRichText([p for p in parts if not isinstance(p, str) or p])


def _write_xlsx(rows: list[dict], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "review"
    append_row(ws, WORKSHEET_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    editable_fill = PatternFill("solid", fgColor="FFF2CC")
    text_col = WORKSHEET_COLUMNS.index("text") + 1
    for r, row in enumerate(rows, start=2):
        for c, column in enumerate(WORKSHEET_COLUMNS, start=1):
            value = row.get(column)
            if column == "text":
                value = _rich_text(str(value or ""))
            # Speech starting with "=" must stay text, never become a formula.
            cell = set_text_cell(ws, r, c, value)
            if column in EDITABLE_COLUMNS:
                cell.fill = editable_fill
        ws.cell(row=r, column=text_col).alignment = Alignment(wrap_text=True, vertical="top")
    last = max(len(rows) + 1, 2)
    decision_col = get_column_letter(WORKSHEET_COLUMNS.index("decision") + 1)
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(DECISIONS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Decision",
        error="Choose accept or reject, or leave the cell blank.",
    )
    validation.add(f"{decision_col}2:{decision_col}{last}")
    ws.add_data_validation(validation)
    for c, column in enumerate(WORKSHEET_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = _WIDTHS.get(column, 12)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(WORKSHEET_COLUMNS))}{last}"
    with atomic_path(path) as tmp:
        wb.save(tmp)


# --- reading -----------------------------------------------------------------------------------
def read_worksheet(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the data rows of a worksheet, each with its spreadsheet row number."""
    path = Path(path)
    if not path.is_file():
        raise ReviewFileError("file not found; give the path of the edited worksheet", path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise ReviewFileError("worksheets are read from .xlsx or .csv files", path)


def _read_xlsx(path: Path):
    import zipfile

    from openpyxl import load_workbook

    try:
        # Not data_only: a formula must be seen as a formula (its cached value is often absent,
        # which data_only would read as a blank decision without a word).
        wb = load_workbook(path, read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ReviewFileError(
            "not a readable .xlsx workbook; save it from your spreadsheet program as .xlsx", path
        ) from None
    try:
        ws = wb["review"] if "review" in wb.sheetnames else wb.worksheets[0]
        lines = ws.iter_rows()
        first = list(next(lines, ()))
        formulas = _formula_cells(path, 1, first, [])
        header = [restore(_cell_text(c.value)).strip() for c in first]
        rows = []
        for number, raw in enumerate(lines, start=2):
            raw = list(raw)
            formulas += _formula_cells(path, number, raw, header)
            cells = [restore(_cell_text(c.value)) for c in raw]
            if not any(c.strip() for c in cells):
                continue
            rows.append((number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}))
    finally:
        wb.close()
    if formulas:
        raise ReviewFileError.many(formulas)
    return header, rows


def _formula_cells(path: Path, number: int, cells: list, header: list[str]) -> list[ReviewFileError]:
    """A problem for each formula cell in one sheet row, named by row and column."""
    from openpyxl.utils import get_column_letter

    problems = []
    for index, cell in enumerate(cells):
        if getattr(cell, "data_type", None) != "f":
            continue
        letter = get_column_letter(index + 1)
        name = header[index] if index < len(header) and header[index] else letter
        what = "accept, reject or nothing" if name == "decision" else "the value itself"
        problems.append(ReviewFileError(
            f"row {number}, column {name} (cell {letter}{number}) holds a formula, which fgkit "
            f"does not evaluate; type {what} in the cell instead", path, number))
    return problems


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise ReviewFileError("cannot tell the text encoding; save the file as UTF-8 CSV", path) from None
        return str(best)


def _read_csv(path: Path):
    text = _decode(path.read_bytes(), path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [restore(h).strip() for h in next(reader, [])]
        rows = []
        start = reader.line_num + 1
        for cells in reader:
            cells = [restore(c) for c in cells]
            if any(c.strip() for c in cells):
                rows.append((start, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ReviewFileError(f"malformed CSV ({exc}); re-save the worksheet", path, reader.line_num) from None
    return header, rows
