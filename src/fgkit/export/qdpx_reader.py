"""Read a REFI-QDA project (.qdpx) made by any tool into plain records.

Only what fgkit can use is read: users, the code tree, variables, cases, text sources with
their plain text and PlainTextSelections with their codings. Errors name the file and say what
to do; they never quote the project's content.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from ..errors import InputError
from ..safezip import SafeZip, ZipRefused, open_zip
from .qde import NS

__all__ = [
    "RefiCode", "RefiCoding", "RefiSelection", "RefiSource", "RefiCase", "RefiProject", "read_qdpx",
]


@dataclass(frozen=True)
class RefiCode:
    guid: str
    name: str
    parent: str | None
    codable: bool = True
    color: str | None = None
    description: str = ""


@dataclass(frozen=True)
class RefiCoding:
    guid: str
    code: str  # code GUID
    user: str | None


@dataclass(frozen=True)
class RefiSelection:
    guid: str
    start: int
    end: int
    user: str | None
    codings: tuple[RefiCoding, ...]
    description: str = ""


@dataclass(frozen=True)
class RefiSource:
    guid: str
    name: str
    text: str | None  # None when the plain text is missing from the archive
    selections: tuple[RefiSelection, ...]
    whole_codings: int = 0


@dataclass(frozen=True)
class RefiCase:
    guid: str
    name: str
    values: dict[str, str]  # variable name -> value
    sources: tuple[str, ...]


@dataclass
class RefiProject:
    name: str
    creating_user: str | None
    users: dict[str, str] = field(default_factory=dict)  # GUID -> name
    codes: dict[str, RefiCode] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)  # GUID -> name
    cases: list[RefiCase] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # GUID -> text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _items(el: ET.Element, container: str, name: str) -> list[ET.Element]:
    holder = _child(el, container)
    return _children(holder, name) if holder is not None else []


def _text(el: ET.Element | None) -> str:
    return (el.text or "") if el is not None else ""


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        return str(best) if best is not None else data.decode("utf-8", errors="replace")


def _int(el: ET.Element, attr: str, path: Path) -> int:
    value = el.get(attr, "")
    try:
        return int(value)
    except ValueError:
        raise InputError(
            f"project.qde: {_local(el.tag)} {el.get('guid', '?')} has a {attr} that is not a "
            "whole number; re-export the project from the other tool",
            path,
        ) from None


def _codes(el: ET.Element, parent: str | None, out: dict[str, RefiCode]) -> None:
    for code in _children(el, "Code"):
        guid = code.get("guid", "")
        out[guid] = RefiCode(
            guid=guid,
            name=code.get("name", ""),
            parent=parent,
            codable=code.get("isCodable", "true").strip().lower() in ("true", "1"),
            color=code.get("color"),
            description=_text(_child(code, "Description")),
        )
        _codes(code, guid, out)


def _coding(el: ET.Element) -> RefiCoding | None:
    ref = _child(el, "CodeRef")
    if ref is None or not ref.get("targetGUID"):
        return None
    return RefiCoding(el.get("guid", ""), ref.get("targetGUID"), el.get("creatingUser"))


def _read_members(path: str) -> bool:
    """The members fgkit reads (the project file and text sources), as safezip's ``only``:
    audio, video and PDF sources a project may carry are never opened, so never limited."""
    lower = path.casefold()
    return lower.endswith(".qde") or lower.endswith(".txt")


def _plain_text(zf: SafeZip, name: str, path: Path) -> str:
    data = zf.read(name)
    # A text source that is an archive or binary would be "decoded" into noise and matched
    # against nothing; say what it is instead.
    if data[:4] == b"PK\x03\x04" or b"\x00" in data[:4096]:
        raise InputError(
            f"{name} inside should be a text source but holds binary data or another archive; "
            "re-export the project from the other tool",
            path,
        )
    return _decode(data)


def _source_text(zf: SafeZip, el: ET.Element, names: dict[str, str], path: Path) -> str | None:
    inline = _child(el, "PlainTextContent")
    if inline is not None:
        return inline.text or ""
    target = el.get("plainTextPath", "")
    if target.startswith("internal://"):
        wanted = "sources/" + target[len("internal://"):]
        name = names.get(wanted.casefold())
        return _plain_text(zf, name, path) if name else None
    # relative:// and absolute paths point outside the archive: nothing to read here.
    return None


def read_qdpx(path: str | Path) -> RefiProject:
    """Parse a .qdpx archive. Raises InputError for a missing file, a bad or oversized zip
    (``fgkit.safezip`` limits) or bad XML."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found; give the path of a .qdpx project", path)
    try:
        zf = open_zip(path, only=_read_members)
    except ZipRefused as exc:
        if exc.reason != "damaged":
            raise
        raise InputError(
            "not a zip archive (or a damaged one), so not a REFI-QDA project; export it again "
            "from the other tool as a REFI-QDA project (.qdpx)",
            path,
        ) from None
    with zf:
        names = {n.casefold(): n for n in zf.namelist()}
        qde = names.get("project.qde") or next(
            (n for k, n in sorted(names.items()) if k.endswith(".qde") and "/" not in k), None
        )
        if qde is None:
            raise InputError(
                "no project.qde inside; this archive is not a REFI-QDA project. Export the "
                "project again as REFI-QDA (.qdpx)",
                path,
            )
        try:
            # defusedxml: a foreign file may declare entities (billion laughs) or external ones.
            root = SafeET.fromstring(zf.read(qde))
        except ET.ParseError as exc:
            line, column = exc.position
            raise InputError(
                f"{qde} inside is not well-formed XML (line {line}, column {column}); "
                "re-export the project from the other tool",
                path,
            ) from None
        except DefusedXmlException:
            raise InputError(
                f"{qde} inside declares a DTD or entities, which fgkit refuses to read (they "
                "can expand without limit or reach outside files); re-export the project from "
                "the other tool",
                path,
            ) from None
        foreign = root.tag.startswith("{") and not root.tag.startswith(f"{{{NS}}}")
        if _local(root.tag) != "Project" or foreign:
            raise InputError(
                f"{qde} inside is not a REFI-QDA 1.0 project (root element or namespace differs)",
                path,
            )
        return _read_project(zf, root, names, path)


def _read_project(zf, root: ET.Element, names: dict[str, str], path: Path) -> RefiProject:
    project = RefiProject(name=root.get("name", ""), creating_user=root.get("creatingUserGUID"))
    for user in _items(root, "Users", "User"):
        project.users[user.get("guid", "")] = user.get("name") or user.get("id") or ""
    book = _child(root, "CodeBook")
    if book is not None and _child(book, "Codes") is not None:
        _codes(_child(book, "Codes"), None, project.codes)
    for var in _items(root, "Variables", "Variable"):
        project.variables[var.get("guid", "")] = var.get("name", "")
    for case in _items(root, "Cases", "Case"):
        values = {}
        for vv in _children(case, "VariableValue"):
            ref = _child(vv, "VariableRef")
            name = project.variables.get(ref.get("targetGUID", "") if ref is not None else "", "")
            value = next((c for c in vv if _local(c.tag) != "VariableRef"), None)
            if name and value is not None:
                values[name] = value.text or ""
        refs = tuple(r.get("targetGUID", "") for r in _children(case, "SourceRef"))
        project.cases.append(RefiCase(case.get("guid", ""), case.get("name", ""), values, refs))
    for note in _items(root, "Notes", "Note"):
        project.notes[note.get("guid", "")] = _text(_child(note, "PlainTextContent"))
    for src in _items(root, "Sources", "TextSource"):
        selections = []
        for sel in _children(src, "PlainTextSelection"):
            codings = tuple(c for c in map(_coding, _children(sel, "Coding")) if c is not None)
            selections.append(RefiSelection(
                guid=sel.get("guid", ""),
                start=_int(sel, "startPosition", path),
                end=_int(sel, "endPosition", path),
                user=sel.get("creatingUser"),
                codings=codings,
                description=_text(_child(sel, "Description")),
            ))
        project.sources.append(RefiSource(
            guid=src.get("guid", ""),
            name=src.get("name", ""),
            text=_source_text(zf, src, names, path),
            selections=tuple(selections),
            whole_codings=len(_children(src, "Coding")),
        ))
    return project
