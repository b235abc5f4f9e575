"""REFI-QDA codebook exchange: schema-valid .qdc, round trip, CLI."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from typer.testing import CliRunner

from fgkit.cli import app
from fgkit.codebook import load_codebook, parse_codebook
from fgkit.codebook_refi import NS, code_guid, import_qdc, qdc_bytes
from fgkit.errors import CodebookError


# The published schemas, copied into the repository with their licence.
REFI_SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "refi-qda"


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(REFI_SCHEMAS / "Codebook.xsd"))


def test_export_is_schema_valid_nested_and_deterministic(schema):
    book = load_codebook()
    data = qdc_bytes(book)
    assert data == qdc_bytes(load_codebook())
    assert not data.startswith(b"\xef\xbb\xbf")
    schema.validate(data.decode("utf-8"))
    root = ET.fromstring(data)
    top = root.findall(f"{{{NS}}}Codes/{{{NS}}}Code")
    assert [c.get("name") for c in top] == [c.label for c in book.children(None)]
    pressure = top[0]
    assert pressure.get("guid") == code_guid("pressure")
    assert pressure.get("isCodable") == "true" and pressure.get("color") == "#D55E00"
    assert [c.get("name") for c in pressure.findall(f"{{{NS}}}Code")] == [
        c.label for c in book.children("pressure")]


def test_round_trip_keeps_codes_nesting_descriptions_colours(tmp_path):
    book = load_codebook()
    path = tmp_path / "book.qdc"
    path.write_bytes(qdc_bytes(book))

    plain = import_qdc(path)  # as another tool's codebook: ids come from names
    assert [c.label for c in plain.codes] == [c.label for c in book.codes]
    assert [c.definition for c in plain.codes] == [c.definition for c in book.codes]
    assert [c.colour for c in plain.codes] == [c.colour for c in book.codes]
    label_of = {c.id: c.label for c in plain.codes}
    assert [label_of.get(c.parent) for c in plain.codes] == [
        book.get(c.parent).label if c.parent else None for c in book.codes]
    assert all(c.patterns.empty for c in plain.codes)

    with_reference = import_qdc(path, reference=book)  # fgkit's own export comes home whole
    assert with_reference.sha256 == book.sha256


def test_import_from_another_tool(tmp_path, schema):
    qdc = f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="{NS}" origin="QualCoder">
  <Codes>
    <Code guid="{{0A1B2C3D-0000-4000-8000-000000000001}}" name="Workload" isCodable="false" color="#f00">
      <Description>Volume of work</Description>
      <Code guid="0a1b2c3d-0000-4000-8000-000000000002" name="Waiting lists" isCodable="true"/>
      <Code guid="0a1b2c3d-0000-4000-8000-000000000003" name="Workload" isCodable="true"/>
    </Code>
  </Codes>
</CodeBook>"""
    schema.validate(qdc)
    path = tmp_path / "other.qdc"
    path.write_text(qdc, encoding="utf-8")
    book = import_qdc(path)
    assert [(c.id, c.parent, c.colour) for c in book.codes] == [
        ("workload", None, "#FF0000"),
        ("waiting_lists", "workload", None),
        ("workload_2", "workload", None),
    ]


def test_malformed_qdc_is_located(tmp_path):
    path = tmp_path / "broken.qdc"
    path.write_text(f'<CodeBook xmlns="{NS}">\n  <Codes>\n    <Code name="x"\n</CodeBook>', encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        import_qdc(path)
    assert info.value.line == 4 and "not well-formed" in info.value.message
    other = tmp_path / "project.qdc"
    other.write_text('<Project xmlns="urn:QDA-XML:project:1.0"/>', encoding="utf-8")
    with pytest.raises(CodebookError, match="not a REFI-QDA codebook"):
        import_qdc(other)


def test_cli_export_import_validate(sample_project, schema):
    runner = CliRunner()
    out = runner.invoke(app, ["codebook", "export-qdc", "--project", str(sample_project)])
    assert out.exit_code == 0, out.output
    qdc = sample_project / "reports" / "codebook.qdc"
    schema.validate(qdc.read_text(encoding="utf-8"))

    target = sample_project / "codebooks" / "back.yaml"
    out = runner.invoke(app, ["codebook", "import-qdc", str(qdc), "--project", str(sample_project),
                              "--output", str(target)])
    assert out.exit_code == 0, out.output
    original = load_codebook(sample_project / "codebooks" / "adult-social-care.yaml")
    assert parse_codebook(target.read_text(encoding="utf-8")).sha256 == original.sha256
    again = runner.invoke(app, ["codebook", "import-qdc", str(qdc), "--project", str(sample_project),
                                "--output", str(target)])
    assert again.exit_code == 2 and "--force" in again.output

    out = runner.invoke(app, ["codebook", "validate", str(target)])
    assert out.exit_code == 0 and "valid; 10 codes" in out.output
    target.write_text("name: x\ncodes:\n  - id: a\n    colour: blue\n", encoding="utf-8")
    out = runner.invoke(app, ["codebook", "validate", str(target)])
    assert out.exit_code == 2 and "back.yaml:4:13: colour 'blue' is not valid" in out.output
