"""REFI-QDA building blocks shared by export and import: namespace, GUIDs, source text layout.

A source's plain text is the pseudonymised transcript, one turn per paragraph as
``Pseudonym: text``, paragraphs separated by a blank line. REFI-QDA offsets count characters
(Unicode code points) of that text, so a segment's position is the turn's offset plus the
speaker prefix plus the segment's offset inside the turn.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

__all__ = [
    "NS",
    "q",
    "project_root",
    "guid",
    "SourceLayout",
    "layout_source",
    "sub",
    "xml_bytes",
    "xml_safe",
]

NS = "urn:QDA-XML:project:1.0"
# Fixed namespace for uuid5: the same project content always gets the same GUIDs, so exports
# are stable and diffable, and a re-export updates rather than duplicates in other tools.
_GUID_NAMESPACE = uuid.UUID("6f1c1d0e-5a57-4e0b-9a3c-2f4a8f0e7b21")
PARAGRAPH_BREAK = "\n\n"
# Characters XML 1.0 cannot carry at all.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def q(tag: str) -> str:
    """A tag in the REFI-QDA project namespace, as ElementTree names parsed elements."""
    return f"{{{NS}}}{tag}"


def project_root(**attrs: object) -> ET.Element:
    """The <Project> element. Elements are built unqualified under an explicit default
    namespace declaration: ElementTree's default_namespace option rejects unprefixed attributes."""
    given = {k: str(v) for k, v in attrs.items() if v is not None}
    return ET.Element("Project", {"xmlns": NS, **given})


def guid(kind: str, *parts: object) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join([kind, *map(str, parts)])))


def xml_safe(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    """Append a namespaced child; attributes keep the order given, None values are left out."""
    el = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = xml_safe(text)
    return el


def xml_bytes(root: ET.Element) -> bytes:
    """UTF-8 without a byte-order mark, REFI-QDA namespace as the default namespace."""
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


@dataclass(frozen=True)
class SourceLayout:
    """A source's plain text and where each turn's speech starts in it."""

    text: str
    speech_offsets: dict[str, int]  # turn_id -> offset of the turn's text


def layout_source(turns) -> SourceLayout:
    """Lay out turns (rows with turn_id, speaker, text) as the source's plain text."""
    parts: list[str] = []
    offsets: dict[str, int] = {}
    position = 0
    for row in turns:
        if parts:
            parts.append(PARAGRAPH_BREAK)
            position += len(PARAGRAPH_BREAK)
        prefix = f"{row.speaker}: "
        offsets[row.turn_id] = position + len(prefix)
        paragraph = prefix + row.text
        parts.append(paragraph)
        position += len(paragraph)
    parts.append("\n")
    return SourceLayout("".join(parts), offsets)
