"""REFI-QDA export: schema validity, compatibility notes, determinism, independent readers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import xmlschema
from typer.testing import CliRunner

from fgkit.cli import app
from fgkit.errors import InputError, LeakError
from fgkit.export.refi_export import export_refi

# The published schemas, copied into the repository with their licence.
REFI_SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "refi-qda"
NS = {"q": "urn:QDA-XML:project:1.0"}
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SCHEMA_ORDER = ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets",
                "Graphs", "Description", "NoteRef"]


@pytest.fixture(scope="module")
def project_schema():
    return xmlschema.XMLSchema(str(REFI_SCHEMAS / "Project.xsd"))


def _qde(path):
    with zipfile.ZipFile(path) as zf:
        return zf.read("project.qde"), {n: zf.read(n) for n in zf.namelist()}


def test_project_qde_validates_against_the_refi_schema(study, project_schema):
    project, store, _ = study
    for suggestions in (False, True):
        result = export_refi(project, store, include_suggestions=suggestions)
        raw, _ = _qde(result.path)
        project_schema.validate(raw.decode("utf-8"))


def test_compatibility_notes_are_followed(study):
    project, store, _ = study
    result = export_refi(project, store, include_suggestions=True)
    assert result.path == project.shareable_dir / "Care-Workload-Study.qdpx"
    raw, members = _qde(result.path)
    assert not raw.startswith(b"\xef\xbb\xbf")
    root = ET.fromstring(raw)
    order = [child.tag.split("}")[1] for child in root]
    assert order == sorted(order, key=SCHEMA_ORDER.index)
    assert root.find("q:Sets", NS) is None
    for el in root.iter():
        for attr in ("guid", "targetGUID", "creatingUser", "creatingUserGUID"):
            if attr in el.attrib:
                assert GUID.match(el.attrib[attr]), (el.tag, attr)
    for coding in root.iter(f"{{{NS['q']}}}Coding"):
        assert len(coding.findall("q:CodeRef", NS)) == 1
    sources = root.findall("q:Sources/q:TextSource", NS)
    assert len(sources) == 2
    for source in sources:
        name = source.get("plainTextPath").removeprefix("internal://")
        assert source.get("plainTextPath") == f"internal://{source.get('guid')}.txt"
        assert f"sources/{name}" in members
    assert sorted(members) == ["project.qde"] + sorted(m for m in members if m != "project.qde")
    assert all(m == "project.qde" or m.startswith("sources/") for m in members)


def test_selection_offsets_point_at_the_segment_text(study):
    project, store, _ = study
    result = export_refi(project, store, include_suggestions=True)
    raw, members = _qde(result.path)
    root = ET.fromstring(raw)
    segment_texts = {r["text"] for r in store.query("SELECT text FROM segments")}
    checked = 0
    for source in root.findall("q:Sources/q:TextSource", NS):
        text = members[f"sources/{source.get('guid')}.txt"].decode("utf-8")
        for sel in source.findall("q:PlainTextSelection", NS):
            piece = text[int(sel.get("startPosition")):int(sel.get("endPosition"))]
            assert piece in segment_texts
            checked += 1
    assert checked == result.selections == 10


def test_codebook_nesting_cases_variables_and_memos(study):
    project, store, _ = study
    result = export_refi(project, store)
    root = ET.fromstring(_qde(result.path)[0])
    top = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [c.get("name") for c in top] == [
        "Workload pressure", "Fairness of allocation", "Emotional labour", "AI and technology"]
    ai = top[3]
    assert [c.get("name") for c in ai.findall("q:Code", NS)] == ["Cautious about AI"]
    assert ai.find("q:Code", NS).get("color") == "#43A047"
    assert top[0].find("q:Description", NS).text.startswith("Talk about volume")
    assert all(c.get("isCodable") == "true" for c in root.iter(f"{{{NS['q']}}}Code"))

    variables = {v.get("guid"): v.get("name") for v in root.findall("q:Variables/q:Variable", NS)}
    assert sorted(variables.values()) == ["group", "role"]
    cases = {c.get("name"): c for c in root.findall("q:Cases/q:Case", NS)}
    assert "Practitioner 06" not in cases  # withdrawn per the register
    manager = cases["Manager 01"]
    values = {
        variables[v.find("q:VariableRef", NS).get("targetGUID")]: v.find("q:TextValue", NS).text
        for v in manager.findall("q:VariableValue", NS)
    }
    assert values == {"role": "team_manager", "group": "FG1"}
    assert len(cases["Facilitator 1"].findall("q:SourceRef", NS)) == 2

    notes = root.findall("q:Notes/q:Note", NS)
    assert sorted(n.find("q:PlainTextContent", NS).text for n in notes) == [
        "Added in review.", "Clear statement of pressure."]
    note_refs = {r.get("targetGUID") for r in root.iter(f"{{{NS['q']}}}NoteRef")}
    assert note_refs == {n.get("guid") for n in notes}


def test_suggestions_only_when_asked_and_marked(study):
    project, store, _ = study
    plain = ET.fromstring(_qde(export_refi(project, store).path)[0])
    assert not plain.findall(".//q:PlainTextSelection/q:Description", NS)
    users = {u.get("name") for u in plain.findall("q:Users/q:User", NS)}
    assert users == {"fgkit", "Reviewer A"}
    marked = ET.fromstring(_qde(export_refi(project, store, include_suggestions=True).path)[0])
    descriptions = [d.text for d in marked.findall(".//q:PlainTextSelection/q:Description", NS)]
    assert len(descriptions) == 2
    assert all(d.startswith("Suggested by fgkit, not reviewed") for d in descriptions)


def test_withdrawn_speech_is_not_in_any_source(study):
    project, store, _ = study
    _, members = _qde(export_refi(project, store).path)
    text = b"".join(members.values()).decode("utf-8")
    assert "caseload weighting tool" not in text
    assert "Practitioner 06" not in text


def test_re_export_is_byte_identical(study):
    project, store, _ = study
    first = export_refi(project, store, include_suggestions=True).path.read_bytes()
    second = export_refi(project, store, include_suggestions=True).path.read_bytes()
    assert first == second
    with zipfile.ZipFile(export_refi(project, store).path) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_refuses_private_zone_and_leaks(study):
    project, store, _ = study
    with pytest.raises(InputError, match="private zone"):
        export_refi(project, store, output=project.private_dir / "x.qdpx")
    with store.transaction() as conn:
        conn.execute("UPDATE pseudo_turns SET text = text || ' Ask Tasha.' WHERE turn_index = 1")
    with pytest.raises(LeakError) as info:
        export_refi(project, store)
    assert "Tasha" not in str(info.value)
    assert not list(project.shareable_dir.glob("*.qdpx"))


def test_opens_in_an_independent_refi_reader(study, tmp_path):
    """pyrefiqda parses .qdpx with models generated from the REFI-QDA schema."""
    pyrefiqda = pytest.importorskip("pyrefiqda")
    project, store, _ = study
    result = export_refi(project, store, include_suggestions=True)
    parsed = pyrefiqda.RefiProject.load(result.path, extract_dir=str(tmp_path / "x"))
    assert parsed.name == "Care Workload Study"
    codes = parsed.code_book.codes.code
    assert [c.name for c in codes[3].code] == ["Cautious about AI"]
    assert sorted(c.name for c in parsed.cases.case)[0] == "Facilitator 1"
    source = parsed.sources.text_source[0]
    local = pyrefiqda.RefiProject.resolve_source_path(source.plain_text_path, tmp_path / "x")
    text = local.read_text(encoding="utf-8")
    sel = source.plain_text_selection[0]
    assert text[sel.start_position:sel.end_position] == "The pressure never stops."
    assert sum(len(s.plain_text_selection) for s in parsed.sources.text_source) == result.selections


def test_cli_export_refi(study):
    project, store, _ = study
    store.close()
    out = project.root / "for-nvivo"
    out.mkdir()
    result = CliRunner().invoke(app, ["export", "refi", "-p", str(project.root), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "Care-Workload-Study.qdpx").is_file()
    assert "2 source(s), 8 case(s), 5 code(s), 8 coding(s)" in result.output


def test_two_builds_of_the_same_study_give_the_same_bytes(make_study):
    outputs = []
    for name in ("one", "two"):
        project, store, _ = make_study(name)
        outputs.append(export_refi(project, store, include_suggestions=True).path.read_bytes())
    assert outputs[0] == outputs[1]
