"""Words of withdrawn participants in shareable files: found, so that nothing of theirs is published.

A withdrawal takes effect at the next ``fgkit run``, which pseudonymises without the person and
rewrites every output it owns. Until then, and in files no run rewrites (a worksheet a person
edited, agreement tables, a file someone copied into ``reports/``), their words could stay. So
the one shareable writer and ``fgkit check`` look for them, independently of how an output was
made.

What is looked for: every run of ``RUN_WORDS`` consecutive words that a withdrawn participant
said (in the raw turns, and in their pseudonymised turns while the store still holds them) and
that nobody else in the study said. Words are compared case-folded, letters and digits only, so
punctuation, quoting, markup, evidence marks and cell boundaries do not hide them; an identifier
the pseudonymiser replaced only breaks the runs that cross it. Six words are enough to be the
person's own (no run of fgkit's own template text is counted unless nobody else's speech has it
and the withdrawn person said it) and short enough that a one-sentence turn has one.

The runs are built in memory from the private store and never written anywhere; findings name
the file and a count, never the words.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "RUN_WORDS", "WithdrawnFinding", "WithdrawnText", "file_words", "find_in_files", "find_in_zone", "withdrawn_text",
]

RUN_WORDS = 6
_WORD = re.compile(r"[^\W_]+")
_TAG = re.compile(r"<[^>]*>")
# Tags that end a paragraph, cell or line: a space, so words on either side stay apart. Any
# other tag (a Word run boundary inside a word) is removed without a space.
_BLOCK_END = re.compile(
    r"</(?:w:p|w:tc|p|li|td|th|tr|si|c|row|text:p|div|h\d|PlainTextContent|Description)>"
    r"|<w:br/>|<w:tab/>|<br\s*/?>",
    re.IGNORECASE,
)
_XML_SUFFIXES = {".xml", ".html", ".htm", ".qde", ".qdc", ".svg", ".xhtml", ".rels", ".md"}


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _runs(tokens: list[str], n: int = RUN_WORDS) -> Iterator[str]:
    for i in range(len(tokens) - n + 1):
        yield " ".join(tokens[i : i + n])


@dataclass(frozen=True)
class WithdrawnText:
    """Participant ids who withdrew, and the word runs only they said."""

    ids: frozenset[str]
    runs: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.runs)

    def count(self, tokens: list[str]) -> int:
        """How many of their runs a list of words holds."""
        if not self.runs or len(tokens) < RUN_WORDS:
            return 0
        return len({run for run in _runs(tokens) if run in self.runs})


EMPTY = WithdrawnText(frozenset(), frozenset())


def withdrawn_text(project, store=None) -> WithdrawnText:
    """The runs of words only withdrawn participants said (empty when nobody has withdrawn or
    there is no working store yet)."""
    from .participants import load_register
    from .pseudonymise.labels import stored_label_lookup

    if not project.register_path.is_file():
        return EMPTY
    register = load_register(project.register_path)
    ids = frozenset(register.withdrawn_ids())
    if not ids:
        return EMPTY
    own = store is None
    if own:
        if not project.store_path.is_file():
            return EMPTY
        store = project.open_store()
    try:
        lookup = stored_label_lookup(project, register)
        theirs: set[str] = set()
        others: set[str] = set()
        for row in store.raw_turns():
            entry = lookup(row["transcript"], row["speaker_label"])
            (theirs if entry is not None and entry.participant_id in ids else others).update(
                _runs(words(row["text"])))
        spoken = store.participant_turns()
        for participant_id, text in zip(spoken["participant_id"], spoken["text"]):
            (theirs if participant_id in ids else others).update(_runs(words(text)))
    finally:
        if own:
            store.close()
    return WithdrawnText(ids, frozenset(theirs - others))


# --- reading a file's words --------------------------------------------------------------------

def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _xml_words(text: str) -> list[str]:
    return words(html.unescape(_TAG.sub("", _BLOCK_END.sub(" ", text))))


def _parquet_words(data: bytes) -> Iterator[list[str]]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(data))
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type) or pa.types.is_dictionary(column.type):
            yield words("\n".join(c or "" for c in pc.cast(column, pa.string()).to_pylist()))


def _bytes_words(name: str, data: bytes, depth: int = 0, archive=None) -> Iterator[list[str]]:
    suffix = Path(name).suffix.lower()
    if data[:4] == b"PK\x03\x04" and archive is not None and depth < 3:
        with archive.open_nested(name, data) as inner:
            yield from _zip_words(inner, depth + 1)
        return
    if suffix == ".parquet" and data[:4] == b"PAR1":
        yield from _parquet_words(data)
        return
    text = _decode(data)
    if suffix in _XML_SUFFIXES or text.lstrip().startswith("<"):
        yield _xml_words(text)
    yield words(html.unescape(text))


def _zip_words(archive, depth: int) -> Iterator[list[str]]:
    for info in archive.files():
        yield from _bytes_words(info.filename, archive.read(info), depth, archive)


def file_words(path: Path) -> Iterator[list[str]]:
    """The words of every text in a file a person could read, one list per part (a zip member,
    a Parquet column, the file itself). Zips are read within safezip's limits."""
    from .safezip import open_zip

    data = Path(path).read_bytes()
    if data[:4] == b"PK\x03\x04":
        with open_zip(data, name=str(path)) as archive:
            yield from _zip_words(archive, 0)
        return
    yield from _bytes_words(Path(path).name, data)


@dataclass(frozen=True)
class WithdrawnFinding:
    """A file holding words of a withdrawn participant: where, shown as, and how many runs."""

    path: Path
    shown: str
    runs: int
    note: str = ""

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.shown}: holds words of a participant who withdrew{note}"


def find_in_files(text: WithdrawnText, files: Iterable[tuple[Path, str]]) -> list[WithdrawnFinding]:
    """Each (path, shown as) whose text holds any run only a withdrawn participant said."""
    if not text:
        return []
    found = []
    for path, shown in files:
        runs = sum(text.count(tokens) for tokens in file_words(path))
        if runs:
            found.append(WithdrawnFinding(Path(path), shown, runs))
    return found


def find_in_zone(project) -> list[WithdrawnFinding]:
    """Every file in the shareable zone that holds words of a participant who withdrew."""
    text = withdrawn_text(project)
    root = project.shareable_dir
    if not text or not root.is_dir():
        return []
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return find_in_files(text, [(p, str(p.relative_to(root.parent))) for p in files])
