"""Reading every kind of file the shareable zone may hold, for the leak gate.

Plain text and JSON are decoded and searched; HTML and XML are searched as written (escaped
names) and with their tags removed (names a word processor split across formatting runs); CSV is
searched cell by cell so a leak is placed by row and column as a spreadsheet shows them; zip
packages (.xlsx, .docx, .qdpx, ...) member by member; Parquet column by column. Key files and
other private files are refused by name or content wherever they appear.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import sys
import zipfile
from pathlib import Path

from .leakgate import Gate, Leak

__all__ = ["PRIVATE_FILE_NAMES", "scan_bytes", "scan_file"]

ZIP_SUFFIXES = {".zip", ".qdpx", ".xlsx", ".xlsm", ".docx", ".pptx", ".odt", ".ods", ".epub"}
XML_SUFFIXES = {".xml", ".html", ".htm", ".qde", ".qdc", ".svg", ".xhtml", ".rels"}
PRIVATE_FILE_NAMES = {
    "key.json", "key.json.enc", "anonymisation-log.csv", "pseudonymisation-review.csv",
    "participants.csv", "withdrawals.csv", "fgkit.sqlite", "gate-hashes.json",
}
_KEY_MARKERS = (b'"format": "fgkit-key', b'"format":"fgkit-key')
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(?:w:p|w:tc|p|li|td|th|tr|si|c|row|text:p|div|h\d)>|<w:br/>|<w:tab/>|<br\s*/?>")
_MAX_DEPTH = 4
_CELL_REF = re.compile(r'<c [^>]*?\br="([A-Z]+\d+)"')
_PARAGRAPH = re.compile(r"<w:p[ >]")


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Latin-1 never fails, and keeps ASCII names findable in cp1252 or binary files.
        return data.decode("latin-1")


def private_file_kind(name: str, head: bytes) -> str | None:
    base = Path(name).name.lower()
    if base in PRIVATE_FILE_NAMES or base.startswith("fgkit.sqlite") or base.endswith(".key.json"):
        return "private file (key, log, register or store)"
    if any(marker in head for marker in _KEY_MARKERS):
        return "pseudonym key file"
    if head.startswith(b"SQLite format 3"):
        return "database file"
    return None


def _xml_place(name: str, text: str, offset: int) -> str | None:
    """Where a person would look: the cell of a spreadsheet, the paragraph of a Word file."""
    if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
        cell = _CELL_REF.search(text, text.rfind("<c ", 0, offset))
        return f"cell {cell.group(1)}" if cell and cell.start() < offset else None
    if name == "word/document.xml":
        return f"paragraph {len(_PARAGRAPH.findall(text, 0, offset))}"
    return None


def _scan_xml(text: str, gate: Gate, file: str, where: str, name: str = "") -> list[Leak]:
    prefix = f"{where}, " if where else ""
    leaks = gate.scan(text, file, where, lambda offset: _xml_place(name, text, offset))
    seen = {(leak.entity_type, leak.placeholder) for leak in leaks}
    joined = _TAG.sub("", _BLOCK_END.sub(" ", text))
    for match in gate.matches(joined):
        if (match.kind, match.placeholder) not in seen:
            seen.add((match.kind, match.placeholder))
            leaks.append(gate.leak(joined, match, file, f"{prefix}text offset {match.start}"))
    return leaks


def _scan_cells(cells: list[str], gate: Gate, file: str, place) -> list[Leak]:
    """Search cells joined by newlines; ``place(index)`` names the cell a match starts in."""
    starts, pos = [], 0
    for cell in cells:
        starts.append(pos)
        pos += len(cell) + 1
    joined = "\n".join(cells)
    return [gate.leak(joined, m, file, place(bisect.bisect_right(starts, m.start) - 1))
            for m in gate.matches(joined)]


def _scan_csv(text: str, gate: Gate, file: str, where: str) -> list[Leak]:
    if not any(True for _ in gate.matches(text)):
        return []
    try:
        csv.field_size_limit(sys.maxsize)
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return gate.scan(text, file, where)
    header = rows[0] if rows else []
    cells, spots = [], []
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            cells.append(cell)
            spots.append((r, header[c] if r > 1 and c < len(header) and header[c] else f"{c + 1}"))
    prefix = f"{where}, " if where else ""

    def place(i: int) -> str:
        row, column = spots[i]
        return f"{prefix}row {row}, column {column}" if row > 1 else f"{prefix}row 1 (header)"

    return _scan_cells(cells, gate, file, place)


def _scan_zip(data: bytes, gate: Gate, file: str, where: str, depth: int) -> list[Leak]:
    leaks: list[Leak] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return gate.scan(_decode(data), file, where.rstrip(", "))
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            inner = f"{where}member {info.filename}"
            member = archive.read(info)
            private = private_file_kind(info.filename, member[:4096])
            if private:
                leaks.append(Leak(file, inner, private, origin="file"))
            leaks.extend(scan_bytes(info.filename, member, gate, file, inner, depth + 1))
    return leaks


def _scan_parquet(data: bytes, gate: Gate, file: str) -> list[Leak]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(data))
    leaks = _scan_cells(list(table.column_names), gate, file, lambda i: "column names")
    for name in table.column_names:
        column = table.column(name)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
                or pa.types.is_dictionary(column.type)):
            continue
        cells = [c or "" for c in pc.cast(column, pa.string()).to_pylist()]
        leaks.extend(_scan_cells(cells, gate, file, lambda i, name=name: f"column {name!r}, row {i + 1}"))
    return leaks


def scan_bytes(name: str, data: bytes, gate: Gate, file: str, where: str = "", depth: int = 0) -> list[Leak]:
    """Leaks in one file's (or zip member's) bytes; ``name`` chooses how to read it."""
    suffix = Path(name).suffix.lower()
    if (suffix in ZIP_SUFFIXES or data[:4] == b"PK\x03\x04") and depth < _MAX_DEPTH:
        return _scan_zip(data, gate, file, f"{where}, " if where else "", depth)
    if suffix == ".parquet" and data[:4] == b"PAR1":
        return _scan_parquet(data, gate, file)
    text = _decode(data)
    if suffix in XML_SUFFIXES or text.lstrip().startswith("<"):
        return _scan_xml(text, gate, file, where, name)
    if suffix == ".csv":
        return _scan_csv(text, gate, file, where)
    return gate.scan(text, file, where)


def scan_file(path: Path, gate: Gate, shown_as: str) -> list[Leak]:
    """Every leak in one file: a private file by name or content, then its values."""
    data = path.read_bytes()
    leaks = []
    private = private_file_kind(path.name, data[:4096])
    if private:
        leaks.append(Leak(shown_as, "whole file", private, origin="file"))
    return leaks + scan_bytes(path.name, data, gate, shown_as)
