"""Reading every kind of file the shareable zone may hold, for the leak gate.

Plain text and JSON are decoded (UTF-8, UTF-16 and UTF-32 with or without a byte-order mark,
Latin-1 as the last resort, and for other binary files also their UTF-16 strings, where .doc
and .xls files keep text) and searched; HTML and XML are searched as written (escaped names)
and with their tags removed (names a word processor split across formatting runs); CSV is
searched cell by cell so a leak is placed by row and column as a spreadsheet shows them; zip
packages (.xlsx, .docx, .qdpx, ...) member by member, member names included, through
``safezip``; gzip files inflated; PDF files by their text (``pypdf``) and document information;
Parquet column by column. Key files and other private files are refused by name or content
wherever they appear. File and folder names are searched as well: a real name in a file name
is a leak.

What the gate cannot read, or will not read because it is too big, is refused (a finding like
a leak, so the gate fails) rather than passed unread. The limits (``GateLimits``), and why:

- 64 MiB for one file as stored: fgkit's largest outputs (a study's Parquet tables, a report
  with every quote) are a few MiB; a bigger file is not an fgkit output. A file over the limit
  is refused from its size alone, before a byte is read.
- 256 MiB inflated from one file in all (gzip, zip members, PDF streams), as ``safezip``.
- a ratio of 200 (inflated / stored) past the first MiB: text compresses 3-30 times; only
  constructed data (a bomb) compresses like that, and it is refused after inflating one MiB,
  in milliseconds.
- containers 3 deep (a zip in a gzip in a zip); deeper nesting is refused.
- 2,000 PDF pages.

A bomb in ``reports/`` is therefore refused in well under a second instead of being inflated.

Symbolic links that lead out of ``reports/`` (a link to a folder in ``data/``) are refused; a
link within ``reports/`` is read where it points.
"""

from __future__ import annotations

import bisect
import csv
import io
import os
import re
import sys
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from ..safezip import ZipLimits, ZipRefused, open_zip
from .leakgate import Gate, Leak

__all__ = ["GATE_LIMITS", "PRIVATE_FILE_NAMES", "GateLimits", "scan_bytes", "scan_file", "shareable_files"]

MiB = 1024 * 1024
ZIP_SUFFIXES = {".zip", ".qdpx", ".xlsx", ".xlsm", ".docx", ".pptx", ".odt", ".ods", ".epub"}
XML_SUFFIXES = {".xml", ".html", ".htm", ".qde", ".qdc", ".svg", ".xhtml", ".rels"}
PRIVATE_FILE_NAMES = {
    "key.json", "key.json.enc", "anonymisation-log.csv", "pseudonymisation-review.csv",
    "participants.csv", "withdrawals.csv", "fgkit.sqlite", "gate-hashes.json",
    "speaker-labels.secret", "identifiers-to-review.csv", "extra-identifiers.csv",
}
_KEY_MARKERS = (b'"format": "fgkit-key', b'"format":"fgkit-key')
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(?:w:p|w:tc|p|li|td|th|tr|si|c|row|text:p|div|h\d)>|<w:br/>|<w:tab/>|<br\s*/?>")
_CELL_REF = re.compile(r'<c [^>]*?\br="([A-Z]+\d+)"')
_PARAGRAPH = re.compile(r"<w:p[ >]")
_CHUNK = MiB
REFUSED_NOTE = ("move it out of reports/ (shareable outputs are fgkit's; keep other files in the "
                "private zone, data/), then run the command again")


@dataclass(frozen=True)
class GateLimits:
    """What the gate reads of one file (see the module doc for why)."""

    max_file_bytes: int = 64 * MiB
    max_inflated_bytes: int = 256 * MiB
    max_ratio: float = 200.0
    ratio_floor: int = MiB
    max_depth: int = 3
    max_pdf_pages: int = 2_000


GATE_LIMITS = GateLimits()


class _Refused(Exception):
    """The gate will not read this (it says why in one phrase, naming no value)."""


def _mib(n: int) -> str:
    return f"{n / MiB:,.0f} MiB" if n >= MiB else f"{n:,} bytes"


# --- decoding ---------------------------------------------------------------------------------

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when ``data`` looks like UTF-16 text without a byte-order mark:
    Latin-script UTF-16 has a zero byte in every other place, on one side only."""
    sample = data[:8192]
    half = len(sample) // 2
    if half < 2:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd >= 0.3 * half and even <= 0.02 * half:
        return "utf-16-le"
    if even >= 0.3 * half and odd <= 0.02 * half:
        return "utf-16-be"
    return None


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if b"\x00" in data[:8192]:
        wide = _utf16_without_bom(data)
        if wide:
            return data[: len(data) // 2 * 2].decode(wide, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Latin-1 never fails, and keeps ASCII names findable in cp1252 or binary files.
        return data.decode("latin-1")


def _wide_strings(data: bytes) -> list[str]:
    """The UTF-16 text inside a binary file (.doc, .xls, .msg keep their text so), both
    alignments; searched beside its Latin-1 reading."""
    if b"\x00" not in data[:8192] or _utf16_without_bom(data) or data.startswith(tuple(b for b, _ in _BOMS)):
        return []
    return [data[k: k + (len(data) - k) // 2 * 2].decode("utf-16-le", errors="replace") for k in (0, 1)]


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
    joined = _TAG.sub("", _BLOCK_END.sub("\n", text))  # a line break, so hyphenation rejoins
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


class _Reader:
    """One file's reading: its byte budget and depth, refusals turned into findings."""

    def __init__(self, gate: Gate, file: str, limits: GateLimits) -> None:
        self.gate, self.file, self.limits = gate, file, limits
        self.inflated = 0

    def refusal(self, where: str, why: str) -> Leak:
        where = where.rstrip(", ") or "whole file"
        return Leak(self.file, redact(where, self.gate), f"not checked: {redact(why, self.gate)}",
                    origin="refused", note=REFUSED_NOTE)

    def spend(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.limits.max_inflated_bytes:
            raise _Refused(f"it inflates past the leak gate's limit of {_mib(self.limits.max_inflated_bytes)}; "
                           "a compression bomb or not a study file")

    # -- containers ---------------------------------------------------------------------------
    def gunzip(self, data: bytes) -> bytes:
        """A gzip file's content (members concatenated, as gzip reads them), within the limits."""
        out = io.BytesIO()
        stored, rest = 0, data
        while rest[:2] == b"\x1f\x8b":
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            pos = 0
            try:
                while not inflater.eof:
                    if inflater.unconsumed_tail:
                        feed = inflater.unconsumed_tail
                    elif pos < len(rest):
                        feed = rest[pos:pos + _CHUNK]
                        pos += len(feed)
                    else:
                        raise _Refused("a gzip file cut short")
                    piece = inflater.decompress(feed, _CHUNK)
                    self.spend(len(piece))
                    out.write(piece)
                    # Input consumed so far, not fed: a bomb is caught after its first MiB.
                    self.check_ratio(out.tell(), stored + pos - len(inflater.unconsumed_tail))
            except zlib.error:
                raise _Refused("a damaged gzip file") from None
            stored += pos - len(inflater.unused_data)
            rest = inflater.unused_data + rest[pos:]
        return out.getvalue()

    def check_ratio(self, inflated: int, stored: int) -> None:
        limits = self.limits
        if inflated > limits.ratio_floor and inflated > limits.max_ratio * max(stored, 1):
            raise _Refused(f"it inflates more than {limits.max_ratio:,.0f} times; only constructed data "
                           "compresses like that (a compression bomb)")

    def zip_members(self, data: bytes, where: str, depth: int) -> list[Leak]:
        limits = ZipLimits(max_total_bytes=max(self.limits.max_inflated_bytes - self.inflated, 1),
                           max_ratio=self.limits.max_ratio, ratio_floor=self.limits.ratio_floor,
                           max_depth=0)
        leaks: list[Leak] = []
        try:
            archive = open_zip(data, name=self.file, limits=limits)
        except ZipRefused as exc:
            if exc.reason == "damaged" and not data.startswith(b"PK"):
                return self.text("", _decode(data), where.rstrip(", "))  # named .docx, but text
            return [self.refusal(where, exc.message)]
        with archive:
            for number, info in enumerate(archive.files(), start=1):
                inner = f"{where}member {redact(info.filename, self.gate)}"
                leaks.extend(self.name(info.filename, f"{where}name of member {number}"))
                try:
                    member = archive.read(info)
                except ZipRefused as exc:
                    leaks.append(self.refusal(inner, exc.message))
                    return leaks
                self.spend(len(member))
                private = private_file_kind(info.filename, member[:4096])
                if private:
                    leaks.append(Leak(self.file, redact(inner, self.gate), private, origin="file"))
                leaks.extend(self.bytes(info.filename, member, inner, depth + 1))
        return leaks

    def pdf(self, data: bytes, where: str) -> list[Leak]:
        """The text a PDF shows (pages and document information), read by pypdf after its
        streams were inflated here within the limits (pypdf's own limits are wider)."""
        self.check_pdf_streams(data)
        import logging

        from pypdf import PdfReader
        from pypdf.errors import PyPdfError

        # pypdf logs what it repairs in a damaged file, possibly with its text, to the terminal;
        # the gate says what it needs to in its own line.
        logging.getLogger("pypdf").setLevel(logging.CRITICAL)
        damage = (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, OverflowError,
                  RecursionError, UnicodeError, zlib.error, OSError)
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise _Refused("an encrypted PDF; share it unencrypted or keep it in the private zone")
            if len(reader.pages) > self.limits.max_pdf_pages:
                raise _Refused(f"a PDF of more than {self.limits.max_pdf_pages:,} pages")
            info = [str(v) for v in (reader.metadata or {}).values()]
            pages = [page.extract_text() or "" for page in reader.pages]
        except _Refused:
            raise
        except damage:
            # pypdf raises many kinds on a damaged or unusual file; unread is refused either way.
            raise _Refused("a PDF the leak gate cannot read") from None
        prefix = f"{where}, " if where else ""
        leaks = self.gate.scan("\n".join(info), self.file, f"{prefix}document information") if info else []
        for number, text in enumerate(pages, start=1):
            leaks.extend(self.gate.scan(text, self.file, f"{prefix}page {number}"))
        return leaks

    def check_pdf_streams(self, data: bytes) -> None:
        for m in _PDF_STREAM.finditer(data):
            if b"/FlateDecode" not in data[max(0, m.start() - 400):m.start()]:
                continue
            stop = data.find(b"endstream", m.end())
            body = data[m.end(): stop if stop >= 0 else len(data)]
            inflater = zlib.decompressobj()
            got = pos = 0
            try:
                while not inflater.eof:
                    if inflater.unconsumed_tail:
                        feed = inflater.unconsumed_tail
                    elif pos < len(body):
                        feed = body[pos:pos + _CHUNK]
                        pos += len(feed)
                    else:
                        break
                    piece = inflater.decompress(feed, _CHUNK)
                    got += len(piece)
                    self.spend(len(piece))
                    self.check_ratio(got, pos - len(inflater.unconsumed_tail))
            except zlib.error:
                continue  # pypdf decides whether it can read this stream

    # -- dispatch -----------------------------------------------------------------------------
    def bytes(self, name: str, data: bytes, where: str = "", depth: int = 0) -> list[Leak]:
        suffix = Path(name).suffix.lower()
        sep = f"{where}, " if where else ""
        container = (data[:2] == b"\x1f\x8b" or data[:4] in (b"PK\x03\x04", b"PK\x05\x06")
                     or data[:5] == b"%PDF-" or suffix in ZIP_SUFFIXES and data[:2] == b"PK")
        try:
            if container and depth >= self.limits.max_depth:
                raise _Refused(f"containers nested more than {self.limits.max_depth} deep")
            if data[:2] == b"\x1f\x8b":
                inner = name[:-3] if name.lower().endswith(".gz") else name
                content = self.gunzip(data)
                return self.bytes(inner, content, f"{sep}inflated", depth + 1)
            if data[:4] in (b"PK\x03\x04", b"PK\x05\x06") or suffix in ZIP_SUFFIXES:
                return self.zip_members(data, sep, depth)
            if data[:5] == b"%PDF-" or (suffix == ".pdf" and b"%PDF-" in data[:1024]):
                return self.pdf(data, where)
        except _Refused as exc:
            return [self.refusal(where, str(exc))]
        if suffix == ".parquet" and data[:4] == b"PAR1":
            import pyarrow as pa

            try:
                return _scan_parquet(data, self.gate, self.file)
            except (pa.ArrowException, OSError, ValueError):
                return [self.refusal(where, "a Parquet file the leak gate cannot read")]
        return self.text(name, _decode(data), where) + [
            leak for wide in _wide_strings(data) for leak in self.gate.scan(wide, self.file, f"{sep}UTF-16 text")]

    def text(self, name: str, text: str, where: str) -> list[Leak]:
        suffix = Path(name).suffix.lower()
        if suffix in XML_SUFFIXES or text.lstrip().startswith("<"):
            return _scan_xml(text, self.gate, self.file, where, name)
        if suffix == ".csv":
            return _scan_csv(text, self.gate, self.file, where)
        return self.gate.scan(text, self.file, where)

    def name(self, name: str, position: str) -> list[Leak]:
        """A file, folder or member name: a real name in it is a leak like any other."""
        return [self.gate.leak(name, m, self.file, position.rstrip(", ")) for m in self.gate.matches(name)]


_PDF_STREAM = re.compile(rb"\bstream(?:\r\n|\n|\r)")


def redact(text: str, gate: Gate) -> str:
    """``text`` (a member name, a refusal) with every real value in it replaced by its kind,
    so a position or a reason never shows what it is about."""
    matches = list(gate.matches(text)) if gate else []
    for m in reversed(matches):
        text = f"{text[:m.start]}[{m.placeholder or m.kind}]{text[m.end:]}"
    return text


def scan_bytes(name: str, data: bytes, gate: Gate, file: str, where: str = "", depth: int = 0,
               limits: GateLimits = GATE_LIMITS) -> list[Leak]:
    """Leaks in one file's (or zip member's) bytes; ``name`` and the content choose how to
    read them; what cannot be read within ``limits`` is refused (an ``origin="refused"`` leak)."""
    return _Reader(gate, file, limits).bytes(name, data, where, depth)


def scan_file(path: Path, gate: Gate, shown_as: str, limits: GateLimits = GATE_LIMITS) -> list[Leak]:
    """Every leak in one file: its name, a private file by name or content, then its values.

    ``shown_as`` is how the file is named to people: relative (``reports/...``), every part of
    it is the shareable zone's and is searched; absolute (an export outside the project), only
    the file's own name is fgkit's doing and is searched."""
    checked = shown_as if not Path(shown_as).is_absolute() else Path(shown_as).name
    leaks = _Reader(gate, shown_as, limits).name(checked, "file name")
    if leaks:
        # The file is named in every finding: never with the value its name holds.
        shown_as = redact(shown_as, gate)
        leaks = [replace(leak, file=shown_as) for leak in leaks]
    reader = _Reader(gate, shown_as, limits)
    try:
        size = path.stat().st_size
    except OSError:
        return leaks + [reader.refusal("", "the file cannot be read")]
    if size > limits.max_file_bytes:
        return leaks + [reader.refusal("", f"larger ({_mib(size)}) than the leak gate's limit of "
                                           f"{_mib(limits.max_file_bytes)} for one file")]
    data = path.read_bytes()
    private = private_file_kind(path.name, data[:4096])
    if private:
        leaks.append(Leak(shown_as, "whole file", private, origin="file"))
    return leaks + reader.bytes(path.name, data)


def shareable_files(root: Path, gate: Gate | None = None, shown_from: Path | None = None) -> tuple[list[Path], list[Leak]]:
    """The files under ``root`` to scan, and the findings of the walk itself: symbolic links
    leading out of ``root`` (refused, never followed) and, given a gate, real values in folder
    names. Links that stay inside ``root`` are read where they point (files) or skipped
    (folders, whose files the walk meets anyway)."""
    files: list[Path] = []
    leaks: list[Leak] = []
    if not root.is_dir():
        return files, leaks
    base = shown_from if shown_from is not None else root.parent
    inside = root.resolve()
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        for entry in sorted(dirs) + sorted(names):
            path = here / entry
            shown = redact(str(path.relative_to(base)), gate) if gate else str(path.relative_to(base))
            if path.is_symlink():
                target = Path(os.path.realpath(path))
                if not target.is_relative_to(inside):
                    leaks.append(Leak(shown, "whole file", "symbolic link leading out of the shareable zone",
                                      origin="refused", note="remove the link; copy into reports/ only what is "
                                      "meant to be shared"))
                elif entry in names and target.is_file():
                    files.append(path)
            elif entry in dirs:
                # A folder's name is searched with each file's path; an empty one here.
                if gate and not any(path.iterdir()):
                    named = str(path.relative_to(base))
                    leaks.extend(replace(leak, file=shown) for leak in
                                 _Reader(gate, shown, GATE_LIMITS).name(named, "folder name"))
            elif path.is_file():
                files.append(path)
        dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink())
    return sorted(files), leaks
