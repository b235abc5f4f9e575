"""Reading every file of the shareable zone as text, independently of fgkit's own leak gate."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

_TAG = re.compile(r"<[^>]+>")


def _xml_text(data: bytes) -> str:
    # Word and Excel split runs across tags; joining with nothing keeps words whole.
    return html.unescape(_TAG.sub("", data.decode("utf-8", "replace")))


def file_texts(path: Path) -> dict[str, str]:
    """Every text a person could read in ``path``, keyed by 'file' or 'file!member'."""
    data = path.read_bytes()
    name = str(path)
    if path.suffix == ".parquet":
        import pandas as pd

        frame = pd.read_parquet(io.BytesIO(data))
        return {name: frame.to_csv(index=False) + " ".join(map(str, frame.columns))}
    if zipfile.is_zipfile(io.BytesIO(data)):
        texts = {}
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for member in zf.namelist():
                body = zf.read(member)
                texts[f"{name}!{member}"] = (
                    _xml_text(body) + "\n" + body.decode("utf-8", "replace")
                    if member.endswith((".xml", ".qde", ".rels", ".qdc"))
                    else body.decode("utf-8", "replace")
                )
        return texts
    text = data.decode("utf-8", "replace")
    return {name: text + "\n" + html.unescape(text)}


def shareable_texts(root: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            texts.update(file_texts(path))
    return texts


def find_values(texts: dict[str, str], values: set[str]) -> list[tuple[str, str]]:
    """(where, value) for every value found case-insensitively at word boundaries."""
    hits = []
    for value in sorted(values):
        if not value.strip():
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)
        for where, text in texts.items():
            if pattern.search(text):
                hits.append((where, value))
    return hits


# --- the key: every real value a shareable file must never hold --------------------------------

PLANTED = Path(__file__).resolve().parents[1] / "fixtures" / "sample-planted-identifiers.csv"
_ROLE_LABEL = re.compile(r"^(facilitator|interviewer|moderator|p\d+|f\d+|unknown speaker)$", re.IGNORECASE)


@dataclass(frozen=True)
class KeyValue:
    """One real value and where it came from.

    ``match``: "any-case" (default), "exact" (case-sensitive) or "name-use" (a word that is also
    ordinary English, such as "Will": a leak only when capitalised after a lower-case word or a
    comma, as in "asked Will", so the verb at the start of a sentence is not mistaken for it).
    """

    value: str
    source: str
    match: str = "any-case"


def _ordinary_words(project_root: Path) -> set[str]:
    # The study's own allow list names the words that are both names and ordinary English
    # ("Will", "Hope"); those are leaks only where used as a name.
    import tomllib

    settings = tomllib.loads((project_root / "fgkit.toml").read_text(encoding="utf-8"))
    return {w.casefold() for w in settings.get("pseudonymise", {}).get("allow_list", [])}


def planted_values(project_root: Path) -> set[KeyValue]:
    ordinary = _ordinary_words(project_root)
    with PLANTED.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {KeyValue(row["value"], "planted", _match_for(row["value"], ordinary)) for row in rows}


def _match_for(value: str, ordinary: set[str], case_sensitive: bool = False) -> str:
    if value.casefold() in ordinary:
        return "name-use"
    return "exact" if case_sensitive else "any-case"


def register_values(register: Path, project_root: Path) -> set[KeyValue]:
    """Full names, name variants and speaker labels that name someone (not 'P1' or 'FACILITATOR')."""
    ordinary = _ordinary_words(project_root)
    values: set[KeyValue] = set()
    with register.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            names = [(row["full_name"], "register full_name")]
            names += [(v, "register name variant") for v in row["name_variants"].split(";")]
            if not _ROLE_LABEL.match(row["speaker_label"].strip()):
                names.append((row["speaker_label"], "register speaker label"))
            values.update(KeyValue(v.strip(), src, _match_for(v.strip(), ordinary)) for v, src in names if v.strip())
    return values


def key_file_values(private_dir: Path, project_root: Path) -> set[KeyValue]:
    """Every entity of the pseudonymisation key (data/key.json), honouring its case flag."""
    from fgkit.pseudonymise.key import load_key

    ordinary = _ordinary_words(project_root)
    return {
        KeyValue(e.value, f"key:{e.source}", _match_for(e.value, ordinary, e.case_sensitive))
        for e in load_key(private_dir).entities.values()
    }


def find_key_values(texts: dict[str, str], values: set[KeyValue]) -> list[tuple[str, KeyValue]]:
    """(where, value) for every key value found at word boundaries in ``texts``.

    One alternation per matching mode, longest values first, so each text is read three times
    however many values the key holds.
    """
    searches = []
    for mode, flags in (("any-case", re.IGNORECASE), ("exact", 0), ("name-use", 0)):
        chosen = [v for v in values if v.match == mode and v.value.strip()]
        if not chosen:
            continue
        forms = sorted({v.value.capitalize() if mode == "name-use" else v.value for v in chosen}, key=len, reverse=True)
        body = "|".join(map(re.escape, forms))
        before = r"(?:(?<=[a-z] )|(?<=, ))" if mode == "name-use" else r"(?<!\w)"
        pattern = re.compile(rf"{before}(?:{body})(?!\w)", flags)
        searches.append((mode, pattern, chosen))
    hits = set()
    for where, text in texts.items():
        for mode, pattern, chosen in searches:
            found = {m.group(0).casefold() if mode == "any-case" else m.group(0) for m in pattern.finditer(text)}
            for kv in chosen:
                form = kv.value.casefold() if mode == "any-case" else kv.value.capitalize() if mode == "name-use" else kv.value
                if form in found:
                    hits.add((where, kv))
    return sorted(hits, key=lambda h: (h[0], h[1].value, h[1].source))


# --- completeness and comparison of output files -----------------------------------------------

_ISO_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
)
# Zip members that only carry the moment of writing.
_TIMESTAMP_MEMBERS = re.compile(r"(^|/)(core|app)\.xml$")


def is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def visible_files(root: Path) -> list[Path]:
    """Output files a reader would pick up: every file except hidden (temporary) ones."""
    return sorted(p for p in root.rglob("*") if p.is_file() and not is_hidden(p, root))


def check_complete(path: Path) -> None:
    """Raise AssertionError (or the reader's own error) unless ``path`` is a whole file of its kind."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        import pandas as pd

        pd.read_csv(path)
    elif suffix == ".parquet":
        import pandas as pd

        pd.read_parquet(path)
    elif suffix == ".xlsx":
        import openpyxl

        openpyxl.load_workbook(path, read_only=True).close()
    elif suffix == ".docx":
        import docx

        docx.Document(str(path))
    elif suffix in {".zip", ".qdpx"}:
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None, f"{path.name}: a damaged member"
    elif suffix in {".html", ".htm"}:
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), f"{path.name} is cut short"
    elif suffix in {".json"}:
        import json

        json.loads(path.read_text(encoding="utf-8"))
    elif suffix in {".qdc", ".qde", ".xml"}:
        import xml.etree.ElementTree as ET

        ET.parse(path)
    else:
        path.read_text(encoding="utf-8")


def normalise_text(text: str) -> str:
    return _ISO_TIME.sub("<time>", text)


def comparable(root: Path) -> dict[str, object]:
    """Every visible output under ``root`` in a form where only real differences show.

    Zip-based files compare member by member without their timestamp parts; parquet compares
    as a table; text compares with ISO timestamps masked.
    """
    out: dict[str, object] = {}
    for path in visible_files(root):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        if path.suffix == ".parquet":
            import pandas as pd

            out[rel] = pd.read_parquet(io.BytesIO(data)).to_csv(index=False)
        elif zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for member in sorted(zf.namelist()):
                    if not _TIMESTAMP_MEMBERS.search(member):
                        out[f"{rel}!{member}"] = normalise_text(zf.read(member).decode("utf-8", "replace"))
        else:
            out[rel] = normalise_text(data.decode("utf-8", "replace"))
    return out


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, hidden ones included (for 'nothing changed' checks)."""
    import hashlib

    if not root.exists():
        return {}
    if root.is_file():
        return {".": hashlib.sha256(root.read_bytes()).hexdigest()}
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def shingles(text: str, n: int = 8) -> set[str]:
    """Every run of ``n`` consecutive words, lower-cased, punctuation dropped."""
    words = re.findall(r"\w+(?:'\w+)?", text.lower())
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def flatten_words(text: str) -> str:
    return " ".join(re.findall(r"\w+(?:'\w+)?", text.lower()))


def describe_differences(a: dict[str, object], b: dict[str, object], limit: int = 5) -> str:
    """The first lines that differ, per output, for a readable failure."""
    import difflib

    parts = []
    for name in sorted(set(a) | set(b)):
        if a.get(name) == b.get(name):
            continue
        left, right = a.get(name), b.get(name)
        if isinstance(left, str) and isinstance(right, str):
            diff = list(difflib.unified_diff(left.splitlines(), right.splitlines(), lineterm="", n=0))[2:12]
            parts.append(f"{name}:\n" + "\n".join(line[:240] for line in diff))
        else:
            parts.append(f"{name}: only on one side")
        if len(parts) == limit:
            break
    return "\n\n".join(parts)
