"""The leak gate: no real value and no key file may sit in the shareable zone.

Every file under ``reports/`` is read (plain text, HTML, CSV, JSON, XLSX/DOCX/.qdpx and other zip
members, Parquet columns) and searched in one pass for every real value the project knows: the
key's entities, the register's names, name-like speaker labels, the study's extra identifiers
and the researcher's "missed" review entries. Matching is case-insensitive at word boundaries
and also finds HTML/XML-escaped and curly-apostrophe forms. Values that are also ordinary words
(the allow list: "Will", "May", ...) count only where used as a name ("Will said"), not as
the verb ("Will you ...", "I will"). A leak names the file, the position and the
kind of value, never the value. When the key is encrypted and no passphrase is given, its
values are found by their keyed hashes (``gatehash``), so the gate still covers them.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, LeakError
from .gatehash import HashedValues, load_gate_hashes
from .names import normalise, ordinary_word_is_name, surface_variants, trie_pattern

__all__ = ["Leak", "LeakValues", "leak_values", "run_leak_gate", "scan_shareable", "scan_text"]

ZIP_SUFFIXES = {".zip", ".qdpx", ".xlsx", ".xlsm", ".docx", ".pptx", ".odt", ".ods", ".epub"}
PRIVATE_FILE_NAMES = {
    "key.json", "key.json.enc", "anonymisation-log.csv", "pseudonymisation-review.csv",
    "participants.csv", "withdrawals.csv", "fgkit.sqlite", "gate-hashes.json",
}
_KEY_MARKERS = (b'"format": "fgkit-key', b'"format":"fgkit-key')
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(?:w:p|w:tc|p|li|td|th|tr|si|c|row|text:p|div|h\d)>|<w:br/>|<w:tab/>|<br\s*/?>")
MAX_REPORTED = 50
_FIXED_TYPES = ("Phone", "Email", "NHS number", "Postcode", "Date of birth", "Card number", "Bank account",
                "NI number", "IP address", "Username", "File name", "Number")


@dataclass(frozen=True)
class Leak:
    """A real value (or key file) found in the shareable zone. Never holds the value itself."""

    file: str
    position: str
    entity_type: str
    placeholder: str = ""

    def __str__(self) -> str:
        tail = f" (shown elsewhere as {self.placeholder})" if self.placeholder else ""
        return f"{self.file}: {self.position}: {self.entity_type}{tail}"


class LeakValues:
    """The compiled search for a set of real values (normal form -> (kind, placeholder))."""

    def __init__(
        self,
        values: dict[str, tuple[str, str]],
        allow_list: list[str] | tuple = (),
        case_sensitive: set[str] | frozenset = frozenset(),
        hashed: HashedValues | None = None,
    ) -> None:
        self.values = {k: v for k, v in values.items() if len(k) >= 2}
        self.hashed = hashed
        allow = {normalise(w) for w in allow_list} | set(case_sensitive)
        loose = {k for k in self.values if k not in allow}
        strict = {k for k in self.values if k in allow}
        self._loose = self._compile(loose, re.IGNORECASE)
        # Allow-listed words are names only when capitalised ("Will"), never as "will".
        self._strict = self._compile(strict, re.IGNORECASE)
        # Placeholders are pseudonymised text: "NHS" inside "[NHS number]" is no leak.
        placeholders = {p for _, p in self.values.values() if p} | {f"[{t}]" for t in _FIXED_TYPES}
        if hashed is not None:
            placeholders |= hashed.placeholders()
            # Hashed values follow today's allow list, like the plain ones.
            self._hashed_allow = {hashed.digest(w) for w in allow_list}
        self._placeholders = re.compile("|".join(re.escape(p) for p in sorted(placeholders, key=len, reverse=True)))

    @staticmethod
    def _compile(words: set[str], flags: int) -> re.Pattern | None:
        surfaces = {s for w in words for s in surface_variants(w)}
        if not surfaces:
            return None
        return re.compile(rf"(?<![\w&])(?:{trie_pattern(surfaces)})(?:'s|\u2019s)?(?!\w)", flags)

    def __bool__(self) -> bool:
        return bool(self.values) or bool(self.hashed)

    def finditer(self, text: str) -> Iterator[tuple[int, str, str]]:
        """(offset, kind, placeholder) for each value found in ``text``."""
        inside = [(m.start(), m.end()) for m in self._placeholders.finditer(text)] if "[" in text else []
        found_at = set()
        for pattern, strict in ((self._loose, False), (self._strict, True)):
            if pattern is None:
                continue
            for match in pattern.finditer(text):
                if strict and not ordinary_word_is_name(text, match.start(), match.end()):
                    continue
                if inside and any(a <= match.start() < b for a, b in inside):
                    continue
                found = self.values.get(normalise(html.unescape(match.group(0)).replace("\xa0", " ")))
                if found is not None:
                    found_at.add(match.start())
                    yield match.start(), found[0], found[1]
        if self.hashed is None:
            return
        for start, end, digest, kind, placeholder, case_sensitive in self.hashed.finditer(text):
            strict = case_sensitive or digest in self._hashed_allow
            if start in found_at or (strict and not ordinary_word_is_name(text, start, end)):
                continue
            if inside and any(a <= start < b for a, b in inside):
                continue
            found_at.add(start)
            yield start, kind, placeholder


def leak_values(project, key=None) -> LeakValues:
    """Everything the gate looks for: key entities, register names and labels, extra identifiers."""
    import os

    from .key import PASSPHRASE_ENV, load_key
    from .sources import extra_identifiers, register_name_values, review_missed

    values: dict[str, tuple[str, str]] = {}
    case_sensitive: set[str] = set()
    hashed = None
    if key is None:
        try:
            key = load_key(project.private_dir, os.environ.get(PASSPHRASE_ENV))
        except InputError:
            # An encrypted key without its passphrase: its values are looked for by their
            # keyed hashes instead, beside the register and the study's lists.
            key = None
            hashed = load_gate_hashes(project.private_dir)
    for norm, kind, placeholder in register_name_values(project):
        values.setdefault(norm, (kind, placeholder))
    for value, kind in extra_identifiers(project) + review_missed(project):
        values.setdefault(normalise(value), (kind, ""))
    if key is not None:
        for norm, entity in key.entities.items():
            kind = "participant name" if entity.type == "Participant" else entity.type
            values[norm] = (kind, entity.placeholder)
            if entity.case_sensitive:
                case_sensitive.add(norm)
    allow = project.setting("pseudonymise", "allow_list", []) or []
    return LeakValues(values, allow, case_sensitive, hashed)


def scan_text(text: str, values: LeakValues, file: str, where: str = "") -> list[Leak]:
    """Leaks in one decoded text, positioned as line and column."""
    if not values:
        return []
    newlines = [i for i, ch in enumerate(text) if ch == "\n"] if "\n" in text else []
    leaks = []
    prefix = f"{where}, " if where else ""
    for offset, kind, placeholder in values.finditer(text):
        line = bisect.bisect_left(newlines, offset) + 1
        column = offset - (newlines[line - 2] + 1 if line > 1 else 0) + 1
        leaks.append(Leak(file, f"{prefix}line {line}, column {column}", kind, placeholder))
    return leaks


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Latin-1 never fails, and keeps ASCII names findable in cp1252 or binary files.
        return data.decode("latin-1")


def _is_private_file(name: str, head: bytes) -> str | None:
    base = Path(name).name.lower()
    if base in PRIVATE_FILE_NAMES or base.startswith("fgkit.sqlite") or base.endswith(".key.json"):
        return "private file (key, log, register or store)"
    if any(marker in head for marker in _KEY_MARKERS):
        return "pseudonym key file"
    if head.startswith(b"SQLite format 3"):
        return "database file"
    return None


def _scan_xml(text: str, values: LeakValues, file: str, where: str) -> list[Leak]:
    """XML members: the raw markup (escaped names), then the text with tags removed, which
    finds names a word processor split across formatting runs."""
    leaks = scan_text(text, values, file, where)
    seen = {(leak.entity_type, leak.placeholder) for leak in leaks}
    joined = _TAG.sub("", _BLOCK_END.sub(" ", text))
    prefix = f"{where}, " if where else ""
    for offset, kind, placeholder in values.finditer(joined):
        if (kind, placeholder) not in seen:
            seen.add((kind, placeholder))
            leaks.append(Leak(file, f"{prefix}text offset {offset}", kind, placeholder))
    return leaks


def _scan_zip(data: bytes, values: LeakValues, file: str, where: str, depth: int = 0) -> list[Leak]:
    import io
    import zipfile

    leaks: list[Leak] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return scan_text(_decode(data), values, file, where.rstrip(", "))
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            inner = f"{where}member {info.filename}"
            member = archive.read(info)
            private = _is_private_file(info.filename, member[:4096])
            if private:
                leaks.append(Leak(file, inner, private))
            leaks.extend(_scan_bytes(info.filename, member, values, file, inner, depth + 1))
    return leaks


def _scan_parquet(path: Path, values: LeakValues, file: str) -> list[Leak]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    leaks = [Leak(file, "column names", k, p) for _, k, p in values.finditer("\n".join(table.column_names))]
    for name in table.column_names:
        column = table.column(name)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
                or pa.types.is_dictionary(column.type)):
            continue
        cells = [c or "" for c in pc.cast(column, pa.string()).to_pylist()]
        starts = []
        pos = 0
        for cell in cells:
            starts.append(pos)
            pos += len(cell) + 1
        for offset, kind, placeholder in values.finditer("\n".join(cells)):
            row = bisect.bisect_right(starts, offset)
            leaks.append(Leak(file, f"column {name!r}, row {row}", kind, placeholder))
    return leaks


def _scan_bytes(name: str, data: bytes, values: LeakValues, file: str, where: str, depth: int) -> list[Leak]:
    suffix = Path(name).suffix.lower()
    if (suffix in ZIP_SUFFIXES or data[:4] == b"PK\x03\x04") and depth < 4:
        return _scan_zip(data, values, file, f"{where}, " if where else "", depth)
    text = _decode(data)
    if suffix in {".xml", ".html", ".htm", ".qde", ".qdc", ".svg", ".xhtml", ".rels"} or text.lstrip().startswith("<"):
        return _scan_xml(text, values, file, where)
    return scan_text(text, values, file, where)


def scan_shareable(project, key=None, values: LeakValues | None = None) -> list[Leak]:
    """Every leak in the shareable zone, in file order."""
    root = project.shareable_dir
    if not root.is_dir():
        return []
    values = values if values is not None else leak_values(project, key)
    leaks: list[Leak] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = str(path.relative_to(root.parent))
        data = path.read_bytes()
        private = _is_private_file(path.name, data[:4096])
        if private:
            leaks.append(Leak(rel, "whole file", private))
        if path.suffix.lower() == ".parquet":
            leaks.extend(_scan_parquet(path, values, rel))
        else:
            leaks.extend(_scan_bytes(path.name, data, values, rel, "", 0))
    return leaks


def run_leak_gate(project, key=None) -> int:
    """Raise LeakError listing each leak (file, position, kind) if the shareable zone leaks.

    Returns the number of files checked. Commands that write to the shareable zone call this
    before they finish.
    """
    leaks = scan_shareable(project, key)
    if leaks:
        shown = [str(leak) for leak in leaks[:MAX_REPORTED]]
        more = len(leaks) - len(shown)
        if more:
            shown.append(f"... and {more} more")
        raise LeakError(
            f"the leak gate found {len(leaks)} real identifier(s) or private file(s) in the "
            "shareable zone; remove or pseudonymise them, then re-run:\n" + "\n".join(shown)
        )
    root = project.shareable_dir
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0
