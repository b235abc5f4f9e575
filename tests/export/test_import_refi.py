"""REFI-QDA import: round trip, another tool's layout, code mapping, clean errors."""

from __future__ import annotations

import zipfile

import pytest
from typer.testing import CliRunner

from fgkit.cli import app
from fgkit.errors import InputError
from fgkit.export.qdpx_reader import read_qdpx
from fgkit.export.refi_export import export_refi
from fgkit.export.refi_import import import_refi
from fgkit.io import sha256_file

U_CHRIS = "0a1b2c3d-0000-4000-8000-000000000001"
U_SAM = "0a1b2c3d-0000-4000-8000-000000000002"


def _imported(store, coder=None):
    sql = ("SELECT segment_id, code, coder, status, evidence, evidence_start, evidence_end "
           "FROM codings WHERE coder LIKE 'refi:%'")
    rows = [dict(r) for r in store.query(sql)]
    return [r for r in rows if coder is None or r["coder"] == coder]


def _segment_text(store, segment_id):
    return store.query("SELECT text FROM segments WHERE segment_id=?", [segment_id])[0]["text"]


def test_round_trip_preserves_codes_cases_variables_and_offsets(study):
    project, store, _ = study
    exported = export_refi(project, store, include_suggestions=True)
    refi = read_qdpx(exported.path)

    by_guid = refi.codes
    tree = {c.name: (by_guid[c.parent].name if c.parent else None) for c in by_guid.values()}
    assert tree == {"Workload pressure": None, "Fairness of allocation": None,
                    "Emotional labour": None, "AI and technology": None,
                    "Cautious about AI": "AI and technology"}
    colours = {c.name: c.color for c in by_guid.values()}
    assert colours["Workload pressure"] == "#E53935" and colours["AI and technology"] is None

    people = {(r["speaker"], r["role"], r["group_name"]) for r in store.query(
        "SELECT speaker, role, group_name FROM pseudo_turns WHERE participant_id != 'P07'")}
    cases = {(c.name, c.values["role"], c.values["group"]) for c in refi.cases}
    facilitator = ("Facilitator 1", "facilitator", "FG1; FG2")
    assert cases == (people - {("Facilitator 1", "facilitator", "FG1"),
                               ("Facilitator 1", "facilitator", "FG2")}) | {facilitator}
    assert sorted(refi.variables.values()) == ["group", "role"]

    result = import_refi(project, store, exported.path)
    assert result.selections == result.mapped_selections == exported.selections
    assert result.unknown_codes == {} and result.unmatched_sources == ()
    assert result.coders == ("refi:Reviewer A", "refi:rules:v1")

    from fgkit.coding.status import effective_codings

    df = effective_codings(store)
    df = df[df["participant_id"] != "P07"]
    in_force = set(zip(df["segment_id"], df["code"], strict=True))
    imported = _imported(store)
    assert {(r["segment_id"], r["code"]) for r in imported} == in_force
    for row in imported:
        text = _segment_text(store, row["segment_id"])
        assert (row["evidence_start"], row["evidence_end"]) == (0, len(text))
        assert row["evidence"] == text and row["status"] == "imported"


def _foreign_qdpx(path, turns_by_transcript, selections_fg1, selections_fg2):
    """A project as another tool writes it: CRLF, names on their own line, other source names."""
    def layout(turns):
        return "\r\n".join(f"{speaker}:\r\n{text}\r\n" for speaker, text in turns)

    fg1 = layout(turns_by_transcript["FG1.vtt"])
    fg2 = layout(turns_by_transcript["FG2.vtt"])

    def sel(i, start, end, code, user=None):
        who = f' creatingUser="{user}"' if user else ""
        return (f'<PlainTextSelection guid="5e1ec7ed-0000-4000-8000-{i:012d}" '
                f'startPosition="{start}" endPosition="{end}"{who}>'
                f'<Coding guid="c0d1a600-0000-4000-8000-{i:012d}"{who}>'
                f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>')

    codes = {
        "pressure": "c0de0000-0000-4000-8000-000000000001",
        "fairness": "c0de0000-0000-4000-8000-000000000002",
        "hope": "c0de0000-0000-4000-8000-000000000003",
        "themes": "c0de0000-0000-4000-8000-000000000004",
    }
    sels1 = "".join(sel(i, s, e, codes[c], u) for i, (s, e, c, u) in enumerate(selections_fg1(fg1)))
    sels2 = "".join(sel(100 + i, s, e, codes[c], u)
                    for i, (s, e, c, u) in enumerate(selections_fg2(fg2)))
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Shared coding" creatingUserGUID="{U_SAM}">
<Users><User guid="{U_CHRIS}" name="Chris"/><User guid="{U_SAM}" name="Sam"/></Users>
<CodeBook><Codes>
 <Code guid="{codes['themes']}" name="Themes" isCodable="false">
  <Code guid="{codes['pressure']}" name="Workload  Pressure" isCodable="true"/>
  <Code guid="{codes['hope']}" name="Hope and optimism" isCodable="true"/>
 </Code>
 <Code guid="{codes['fairness']}" name="allocation_fairness" isCodable="true"/>
</Codes></CodeBook>
<Sources>
 <TextSource guid="50000000-0000-4000-8000-000000000001" name="Focus group one (typed up)"
   plainTextPath="internal://50000000-0000-4000-8000-000000000001.txt">{sels1}
   <Coding guid="c0d1a600-0000-4000-8000-999999999999">
     <CodeRef targetGUID="{codes['pressure']}"/></Coding>
 </TextSource>
 <TextSource guid="50000000-0000-4000-8000-000000000002" name="FG2"
   plainTextPath="internal://50000000-0000-4000-8000-000000000002.txt">{sels2}</TextSource>
 <TextSource guid="50000000-0000-4000-8000-000000000003" name="Unrelated memo">
   <PlainTextContent>Nothing from this study.</PlainTextContent>
   {sel(900, 0, 7, codes['pressure'])}
 </TextSource>
</Sources>
</Project>"""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("Sources/50000000-0000-4000-8000-000000000001.txt", fg1.encode("utf-8"))
        zf.writestr("sources/50000000-0000-4000-8000-000000000002.txt", fg2.encode("utf-8"))
    return path


@pytest.fixture
def foreign(study, tmp_path):
    project, store, seg_ids = study
    turns = {}
    for r in store.query("SELECT transcript, speaker, text FROM pseudo_turns "
                         "ORDER BY transcript, turn_index"):
        turns.setdefault(r["transcript"], []).append((r["speaker"], r["text"]))

    def fg1(text):
        a = text.index("just an endless cycle")
        b = text.index("It just appears in my tray.")
        c = text.index("The pressure never stops.")
        d = text.index("There's no time to reflect")
        return [
            (a, a + len("just an endless cycle"), "pressure", U_CHRIS),  # inside one sentence
            (b - 20, b + 7, "fairness", U_CHRIS),  # spans two sentences of one turn
            (c, d + 10, "hope", U_CHRIS),  # unknown code
            (text.index("Practitioner 02:"), text.index("Practitioner 02:") + 10, "pressure",
             U_CHRIS),  # speaker label only: overlaps no segment
        ]

    def fg2(text):
        a = text.index("Caseloads keep growing")
        return [(a, a + len("Caseloads keep growing every single month."), "pressure", None)]

    path = _foreign_qdpx(tmp_path / "shared coding.qdpx", turns, fg1, fg2)
    return project, store, seg_ids, path


def test_foreign_layout_maps_selections_to_overlapping_segments(foreign):
    project, store, seg_ids, path = foreign
    result = import_refi(project, store, path)
    assert result.unmatched_sources == ("Unrelated memo",)
    assert result.unknown_codes == {"Hope and optimism": 1}
    assert result.whole_source_codings == 1
    assert result.selections == 6 and result.mapped_selections == 4
    assert result.unmapped_selections == 2
    assert result.coders == ("refi:Chris", "refi:Sam")

    rows = {(r["segment_id"], r["code"]): r for r in _imported(store)}
    inside = rows[(seg_ids[("FG1.vtt", 1, 1)], "workload_pressure")]
    seg_text = _segment_text(store, inside["segment_id"])
    start = seg_text.index("just an endless cycle")
    assert (inside["evidence_start"], inside["evidence_end"]) == (start, start + 21)
    assert inside["evidence"] == "just an endless cycle" and inside["coder"] == "refi:Chris"

    first, second = seg_ids[("FG1.vtt", 2, 0)], seg_ids[("FG1.vtt", 2, 1)]
    tail = rows[(first, "allocation_fairness")]
    first_text = _segment_text(store, first)
    assert tail["evidence_end"] == len(first_text) and tail["evidence_start"] > 0
    head = rows[(second, "allocation_fairness")]
    assert (head["evidence_start"], head["evidence"]) == (0, "It just")

    # No creatingUser on the coding: the project's creating user is the coder.
    fg2 = rows[(seg_ids[("FG2.vtt", 4, 1)], "workload_pressure")]
    assert fg2["coder"] == "refi:Sam"
    assert fg2["evidence"] == "Caseloads keep growing every single month."
    assert len(rows) == 4


def test_reimport_replaces_and_coder_option_names_the_coder(foreign):
    project, store, _, path = foreign
    import_refi(project, store, path)
    import_refi(project, store, path)
    assert len(_imported(store)) == 4
    result = import_refi(project, store, path, coder="Alex")
    assert result.coders == ("refi:Alex",)
    assert len(_imported(store, "refi:Alex")) == 4
    with pytest.raises(InputError, match="--coder"):
        import_refi(project, store, path, coder="  ")


def test_imported_codings_are_not_suggestions(foreign):
    from fgkit.coding.status import effective_codings

    project, store, _, path = foreign
    before = effective_codings(store)
    import_refi(project, store, path)
    after = effective_codings(store)
    assert len(before) == len(after)
    assert not after["coder"].str.startswith("refi:").any()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "not a zip archive"),
        (lambda p: _zip(p, {"sources/a.txt": "text"}), "no project.qde inside"),
        (lambda p: _zip(p, {"project.qde": '<?xml version="1.0"?>\n<Project name="x">\n<Users>'}),
         r"not well-formed XML \(line 3"),
        (lambda p: _zip(p, {"project.qde": '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>'}),
         "not a REFI-QDA 1.0 project"),
        (lambda p: _zip(p, {"project.qde": (
            '<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Sources>'
            '<TextSource guid="50000000-0000-4000-8000-000000000001" name="FG1">'
            '<PlainTextSelection guid="50000000-0000-4000-8000-000000000002" '
            'startPosition="ten" endPosition="20"/></TextSource></Sources></Project>')}),
         "startPosition that is not a whole number"),
    ],
    ids=["bad-zip", "no-qde", "bad-xml", "not-a-project", "bad-offset"],
)
def test_bad_files_give_clean_errors(study, tmp_path, make, message):
    project, store, _ = study
    path = tmp_path / "broken.qdpx"
    make(path)
    with pytest.raises(InputError, match=message) as info:
        import_refi(project, store, path)
    assert info.value.path == path
    assert _imported(store) == []


def test_missing_file(study, tmp_path):
    project, store, _ = study
    with pytest.raises(InputError, match="file not found"):
        import_refi(project, store, tmp_path / "nope.qdpx")


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)


def test_cli_import_reports_unknown_codes(foreign):
    project, store, _, path = foreign
    store.close()
    result = CliRunner().invoke(app, ["import", "refi", str(path), "-p", str(project.root)])
    assert result.exit_code == 0, result.output
    assert "stored 4 coding(s) as refi:Chris, refi:Sam" in result.output
    assert "Hope and optimism: 1 coding(s)" in result.output
    assert "Unrelated memo" in result.output
    with project.open_store() as reopened:
        run = reopened.last_run("import refi")
        assert run["status"] == "ok"
        assert run["manifest"]["inputs"] == {path.name: sha256_file(path)}
        stored_run = {r["run_id"] for r in reopened.query(
            "SELECT DISTINCT run_id FROM codings WHERE coder LIKE 'refi:%'")}
        assert stored_run == {run["run_id"]}
    bad = CliRunner().invoke(app, ["import", "refi", str(project.root / "fgkit.toml"),
                                   "-p", str(project.root)])
    assert bad.exit_code == 2 and "not a zip archive" in bad.output
