"""Office files fgkit writes: byte-stable zip packages and clean Word documents.

Equal inputs must give equal files (fixed zip times and document dates), and a shareable Word
file must carry nothing but its content: no author, no template leftovers.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["FIXED_ZIP_TIME", "write_zip", "normalise_ooxml", "save_office", "new_word_document"]

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_W3CDTF = "2000-01-01T00:00:00Z"
_CORE_DATES = re.compile(
    rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)"
)


def write_zip(path: Path, members: Iterable[tuple[str, bytes]]) -> None:
    """Write ``members`` (name, data) in the order given, with fixed times and modes."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


def normalise_ooxml(path: Path) -> None:
    """Rewrite an .xlsx/.docx in place with fixed zip times and document dates.

    Office writers stamp the current time into the zip entries and docProps/core.xml, which
    would make every export differ from the last one.
    """
    with zipfile.ZipFile(path) as zf:
        members = [(info.filename, zf.read(info)) for info in zf.infolist()]
    fixed = []
    for name, data in members:
        if name == "docProps/core.xml":
            data = _CORE_DATES.sub(rb"\g<1>" + _FIXED_W3CDTF.encode() + rb"\g<3>", data)
        fixed.append((name, data))
    write_zip(path, fixed)


def save_office(document, path: Path) -> None:
    """Save a python-docx Document or openpyxl Workbook byte-stably to ``path``."""
    document.save(str(path))
    normalise_ooxml(path)


def new_word_document():
    """A python-docx Document marked UK English, with no author and no template leftovers.

    python-docx's template says en-US, which spell-checks a UK document wrongly and, where a
    study's key holds "US" as a place, trips the leak gate. Its Word 2010 styles copy and stock
    thumbnail carry nothing of the content; its default author is a stranger's name.
    """
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document()
    for element in (doc.styles.element, doc.settings.element):
        for node in element.iter(qn("w:lang"), qn("w:themeFontLang")):
            for attr, value in list(node.attrib.items()):
                if value == "en-US":
                    node.set(attr, "en-GB")
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rel_id)
    package_rels = doc.part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package_rels.pop(rel_id)
    doc.core_properties.author = ""
    doc.core_properties.last_modified_by = ""
    return doc
