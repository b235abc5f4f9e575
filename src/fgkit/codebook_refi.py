"""REFI-QDA codebook exchange (.qdc, namespace urn:QDA-XML:codebook:1.0).

A .qdc carries what every QDA tool understands: code names, nesting, descriptions and colours.
fgkit's ids, criteria, examples and patterns have no place in the standard, so the export
derives each GUID from the code id (uuid5, the same GUIDs as fgkit's .qdpx project export);
an import given the codebook that was exported recognises its codes by GUID and gets their ids
and patterns back, while codes created in another tool get an id made from their name.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from .codebook import Code, Codebook, Patterns
from .errors import CodebookError, InputError

__all__ = ["NS", "qdc_bytes", "export_qdc", "import_qdc", "code_guid"]

NS = "urn:QDA-XML:codebook:1.0"
_TAG = f"{{{NS}}}"


def code_guid(code_id: str) -> str:
    from .export.qde import guid

    return guid("code", code_id)


def qdc_bytes(codebook: Codebook) -> bytes:
    """The codebook as a .qdc document (UTF-8, no byte-order mark, deterministic)."""
    from . import __version__

    root = ET.Element("CodeBook", {"xmlns": NS, "origin": f"fgkit {__version__}"})
    codes_el = ET.SubElement(root, "Codes")

    def add(parent: ET.Element, code: Code) -> None:
        attrs = {"guid": code_guid(code.id), "name": code.label, "isCodable": "true"}
        if code.colour:
            attrs["color"] = code.colour
        el = ET.SubElement(parent, "Code", attrs)
        if code.definition:
            ET.SubElement(el, "Description").text = code.definition
        for child in codebook.children(code.id):
            add(el, child)

    for code in codebook.children(None):
        add(codes_el, code)
    ET.indent(root)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
            + "\n").encode("utf-8")


def export_qdc(codebook: Codebook, path: str | Path) -> Path:
    from .io import atomic_write_bytes

    path = Path(path)
    atomic_write_bytes(path, qdc_bytes(codebook))
    return path


def _slug(name: str, taken: set[str]) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_") or "code"
    if not base[0].isalpha():
        base = f"code_{base}"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    return slug


def _line_of(path: Path, text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def import_qdc(path: str | Path, reference: Codebook | None = None) -> Codebook:
    """Read a .qdc into a Codebook. Codes whose GUID matches one of ``reference``'s keep its
    id, criteria, examples and patterns; the .qdc's names, nesting, descriptions and colours win.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CodebookError([InputError(f"cannot read the .qdc file ({exc.strerror})", path)]) from None
    try:
        # defusedxml: a foreign file may declare entities (billion laughs) or external ones.
        root = SafeET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise CodebookError([InputError("not well-formed XML; export the codebook again",
                                        path, line, column + 1)]) from None
    except DefusedXmlException:
        raise CodebookError([InputError(
            "declares a DTD or entities, which fgkit refuses to read (they can expand without "
            "limit or reach outside files); export the codebook again", path)]) from None
    if root.tag != f"{_TAG}CodeBook":
        raise CodebookError([InputError(
            f"not a REFI-QDA codebook (root element must be CodeBook in namespace {NS})", path, 1)])
    codes_el = root.find(f"{_TAG}Codes")
    if codes_el is None:
        raise CodebookError([InputError("the codebook has no <Codes> element", path, 1)])

    text = data.decode("utf-8", errors="replace")
    known = {code_guid(c.id): c for c in reference.codes} if reference else {}
    problems: list[InputError] = []
    codes: list[Code] = []
    taken: set[str] = set()

    def walk(el: ET.Element, parent: str | None) -> None:
        for child in el.findall(f"{_TAG}Code"):
            guid = (child.get("guid") or "").strip("{}").lower()
            name = child.get("name")
            if not name or not guid:
                problems.append(InputError("a <Code> lacks its name or guid attribute", path,
                                           _line_of(path, text, guid or "<Code")))
                continue
            colour = child.get("color")
            if colour and len(colour) == 4:
                colour = "#" + "".join(ch * 2 for ch in colour[1:])
            description = child.findtext(f"{_TAG}Description") or ""
            base = known.get(guid)
            if base is not None and base.id not in taken:
                code = replace(base, label=name, definition=description.strip(),
                               colour=colour.upper() if colour else None, parent=parent, line=0)
            else:
                code = Code(id=_slug(name, taken), label=name, definition=description.strip(),
                            colour=colour.upper() if colour else None, parent=parent,
                            patterns=Patterns())
            taken.add(code.id)
            codes.append(code)
            walk(child, code.id)

    walk(codes_el, None)
    if problems:
        raise CodebookError(problems)
    if not codes:
        raise CodebookError([InputError("the codebook holds no codes", path, 1)])
    return Codebook(
        name=reference.name if reference else path.stem,
        version=reference.version if reference else "1",
        description=reference.description if reference else f"Imported from {path.name}",
        codes=tuple(codes),
        path=None,
    )
