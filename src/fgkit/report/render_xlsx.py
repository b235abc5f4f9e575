"""The framework matrix in Excel: one sheet per role plus "Overall", ready to keep working in."""

from __future__ import annotations

import re
from pathlib import Path

from ..office import save_office
from ..shareable import publication
from ..spreadsheet_safety import append_row

__all__ = ["cell_text", "render_xlsx", "write_xlsx"]

FIRST_COLUMNS = ("Group", "Role")
CODE_WIDTH = 45
GROUP_WIDTH = 22


def cell_text(cell) -> str:
    """Summary, then who it rests on, then the quotes behind it, one per line."""
    if not cell.summary:
        return ""
    # Unchecked machine suggestions are marked here as in the HTML: never read as findings.
    mark = {"none": "[unchecked] ", "some": "[partly checked] "}.get(getattr(cell, "checked", ""), "")
    parts = [mark + cell.summary]
    basis = "; ".join(p for p in (f"participants: {cell.participants}", cell.status_mix) if p)
    parts.append(f"[{basis}]")
    if cell.refs:
        parts.append(f"Quotes: {cell.refs}")
    return "\n".join(parts)


def _sheet_title(name: str, taken: set[str]) -> str:
    # Excel forbids []:*?/\ in sheet names and caps them at 31 characters.
    base = " ".join(re.sub(r"[\[\]:*?/\\]", " ", name).split()) or "Sheet"
    if len(base) > 31:
        cut = base[:31]
        base = cut.rsplit(" ", 1)[0] if base[31] != " " and " " in cut else cut.strip()
    title, n = base, 2
    while title.lower() in taken:
        title = f"{base[:28]} {n}"
        n += 1
    taken.add(title.lower())
    return title


def _fill(ws, ctx, rows) -> None:
    from openpyxl.styles import Alignment, Font

    header = [*FIRST_COLUMNS, *(c["label"] for c in ctx.matrix_codes)]
    # Code labels (a .qdc from anywhere), groups and quotes are text from outside: every cell
    # is neutralised and kept as text, never a formula.
    append_row(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        append_row(ws, [row.label, row.role, *(cell_text(c) for c in row.cells)])
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = wrap
    ws.freeze_panes = "C2"
    for index in range(1, len(header) + 1):
        letter = ws.cell(row=1, column=index).column_letter
        ws.column_dimensions[letter].width = GROUP_WIDTH if index <= len(FIRST_COLUMNS) else CODE_WIDTH


def render_xlsx(ctx):
    """An openpyxl Workbook: a sheet per role (its groups and summary row) plus "Overall"."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    roles = list(dict.fromkeys(row.role for row in ctx.matrix))
    for role in roles:
        ws = wb.create_sheet(_sheet_title(role, taken))
        _fill(ws, ctx, [row for row in ctx.matrix if row.role == role])
    ws = wb.create_sheet(_sheet_title("Overall", taken))
    _fill(ws, ctx, ctx.matrix)
    wb.properties.creator = ""
    wb.properties.title = f"{ctx.title}: framework matrix"
    return wb


def write_xlsx(project, ctx) -> Path:
    workbook = render_xlsx(ctx)
    with publication(project, "report") as out:
        save_office(workbook, out.staged("framework-matrix.xlsx"))
    return out.target("framework-matrix.xlsx")
