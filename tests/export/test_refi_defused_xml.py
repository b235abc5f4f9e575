"""Foreign REFI-QDA XML is read with defusedxml: entity expansion and external entities refused."""

from __future__ import annotations

import zipfile

import pytest

from fgkit.codebook_refi import import_qdc
from fgkit.errors import CodebookError, InputError
from fgkit.export.qdpx_reader import read_qdpx

# A few nested entities: harmless here, a memory bomb when nested ten deep.
LAUGHS = ('<!DOCTYPE r [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;">]>\n')
EXTERNAL = '<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/hostname">]>\n'


@pytest.mark.parametrize("doctype", [LAUGHS, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_a_qdc_declaring_entities_is_refused(tmp_path, doctype):
    entity = "&c;" if doctype is LAUGHS else "&secret;"
    path = tmp_path / "book.qdc"
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + doctype +
                    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
                    f'<Code guid="1" name="Workload {entity}" isCodable="true"/></Codes></CodeBook>',
                    encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        import_qdc(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: declares a DTD or entities")
    assert "haha" not in message and "\n" not in message


@pytest.mark.parametrize("doctype", [LAUGHS, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_a_qdpx_declaring_entities_is_refused(tmp_path, doctype):
    entity = "&c;" if doctype is LAUGHS else "&secret;"
    path = tmp_path / "study.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", '<?xml version="1.0" encoding="utf-8"?>\n' + doctype +
                    f'<Project xmlns="urn:QDA-XML:project:1.0" name="{entity}"/>')
    with pytest.raises(InputError, match=r"project.qde inside declares a DTD or entities") as caught:
        read_qdpx(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_a_plain_qdc_still_reads(tmp_path):
    path = tmp_path / "book.qdc"
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
                    '<Codes><Code guid="0b5c1a8e-7f4e-4f0e-9a53-3c1b9d8a2f10" name="Workload" isCodable="true"/>'
                    '</Codes></CodeBook>', encoding="utf-8")
    book = import_qdc(path)
    assert [c.label for c in book.codes] == ["Workload"]
