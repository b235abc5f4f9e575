"""The leak gate on every kind of file the shareable zone may hold."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from support.pseudo import write_register

from fgkit.errors import LeakError
from fgkit.project import init_project
from fgkit.pseudonymise.leakgate import run_leak_gate, scan_shareable

REGISTER = [
    dict(transcript="fg1.txt", speaker_label="Okafor, Grace", participant_id="P01", role="practitioner",
         group="FG1", consent="given", full_name="Grace Okafor", name_variants="Gracie"),
    dict(transcript="fg1.txt", speaker_label="P2", participant_id="P02", role="practitioner",
         group="FG1", consent="given", full_name="William O'Brien", name_variants="Will"),
]


@pytest.fixture
def project(tmp_path):
    project = init_project(tmp_path / "study")
    write_register(project, REGISTER)
    (project.private_dir / "extra-identifiers.csv").write_text("value,type\nHyson Green,place\n", encoding="utf-8")
    return project


def kinds(leaks):
    return sorted({(leak.file, leak.entity_type) for leak in leaks})


def test_clean_zone_passes(project):
    (project.shareable_dir / "report.html").write_text(
        "<p>[Practitioner 01] said the Green cases pile up. Will you read it? I will.</p>", encoding="utf-8")
    assert scan_shareable(project) == []
    assert run_leak_gate(project) == 1


def test_text_html_escaped_and_positions(project):
    (project.shareable_dir / "notes.md").write_text("line one\nthen GRACIE said\n", encoding="utf-8")
    (project.shareable_dir / "page.html").write_text("<p>Mr O&#x27;Brien</p><p>Hyson&nbsp;Green</p>",
                                                     encoding="utf-8")
    leaks = scan_shareable(project)
    assert ("reports/notes.md", "line 2, column 6") in {(l.file, l.position) for l in leaks}
    assert kinds(leaks) == [("reports/notes.md", "participant name"), ("reports/page.html", "Place"),
                            ("reports/page.html", "participant name")]


def test_word_boundaries_and_will_as_a_verb(project):
    (project.shareable_dir / "a.txt").write_text(
        "Gracefully done. Will we? You will. Okaforth is not a name here.\n", encoding="utf-8")
    assert scan_shareable(project) == []
    (project.shareable_dir / "b.txt").write_text("And then Will said no.\n", encoding="utf-8")
    assert kinds(scan_shareable(project)) == [("reports/b.txt", "participant name")]


def test_csv_xlsx_docx_zip_qdpx_parquet(project):
    import docx
    import openpyxl
    import pandas as pd

    share = project.shareable_dir
    (share / "quotes.csv").write_text("quote,speaker\n\"I told Grace, honestly\",Practitioner\n", encoding="utf-8")
    book = openpyxl.Workbook()
    book.active["B2"] = "Meeting with Okafor & team"
    book.save(share / "matrix.xlsx")
    document = docx.Document()
    paragraph = document.add_paragraph("Quote from ")
    paragraph.add_run("Gra")
    paragraph.add_run("cie").bold = True  # split across formatting runs
    document.save(share / "report.docx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("sources/fg1.txt", "nothing here\nbut Hyson Green is\n")
    (share / "bundle.zip").write_bytes(buf.getvalue())
    with zipfile.ZipFile(share / "project.qdpx", "w") as archive:
        archive.writestr("project.qde", '<Project><Source name="x">O&apos;Brien</Source></Project>')
    pd.DataFrame({"text": ["fine", "fine", "It was Grace again"], "n": [1, 2, 3]}).to_parquet(share / "seg.parquet")
    leaks = scan_shareable(project)
    files = {l.file for l in leaks}
    assert files == {"reports/quotes.csv", "reports/matrix.xlsx", "reports/report.docx",
                     "reports/bundle.zip", "reports/project.qdpx", "reports/seg.parquet"}
    by_file = {l.file: l for l in leaks}
    assert by_file["reports/seg.parquet"].position == "column 'text', row 3"
    assert by_file["reports/bundle.zip"].position == "member sources/fg1.txt, line 2, column 5"
    assert by_file["reports/matrix.xlsx"].position.startswith("member xl/")


def test_key_files_refused(project):
    (project.shareable_dir / "backup").mkdir()
    (project.shareable_dir / "backup" / "key.json").write_text("{}", encoding="utf-8")
    (project.shareable_dir / "renamed.txt").write_text(json.dumps({"format": "fgkit-key", "entities": []}),
                                                       encoding="utf-8")
    leaks = scan_shareable(project)
    assert {l.file for l in leaks if "key" in l.entity_type or "private" in l.entity_type} == {
        "reports/backup/key.json", "reports/renamed.txt"}


def test_error_lists_places_never_values(project):
    (project.shareable_dir / "x.txt").write_text("Grace Okafor and O'Brien\n", encoding="utf-8")
    with pytest.raises(LeakError) as info:
        run_leak_gate(project)
    message = str(info.value)
    assert "reports/x.txt: line 1, column 1" in message
    for value in ("Grace", "Okafor", "Brien"):
        assert value not in message


def test_check_cli_exit_code_and_no_values(project):
    from typer.testing import CliRunner

    from fgkit.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["check", "--project", str(project.root)])
    assert ok.exit_code == 0 and "no real identifiers" in ok.output
    (project.shareable_dir / "y.html").write_text("<td>Gracie</td>", encoding="utf-8")
    bad = runner.invoke(app, ["check", "--project", str(project.root)])
    assert bad.exit_code == 3
    assert "reports/y.html" in bad.output and "Gracie" not in bad.output
    as_json = runner.invoke(app, ["check", "--project", str(project.root), "--json"])
    assert as_json.exit_code == 3
    assert json.loads(as_json.stdout)["leaks"][0]["type"] == "participant name"


# --- transcript-derived text against fgkit's own words ----------------------------------------
#
# A coded study built straight into the store (the export tests' builder), with register names
# and study identifiers that are also fgkit's own words: "Otter" is a format name, "Page",
# "Cross" and "Judge" occur in fgkit's own text, "Link" in a column name.

import html as _html
import itertools
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.export_study import build_study

EXTRA_PEOPLE = (
    "FG2.vtt,Joan Otter,P09,practitioner,FG2,given,Joan Otter,\n"
    "FG2.vtt,Marcus Page,P10,practitioner,FG2,given,Marcus Page,\n"
    "FG1.vtt,Ruth Cross,P11,practitioner,FG1,given,Ruth Cross,\n"
    "FG1.vtt,Simon Judge,P12,practitioner,FG1,given,Simon Judge,Si\n"
)
STUDY_IDENTIFIERS = "value,type\nRiverside Link,organisation\nHyson Green,place\nTrent Lodge,organisation\n"


def _coded_study(root: Path):
    project, store, _ = build_study(root)
    project.register_path.write_text(project.register_path.read_text() + EXTRA_PEOPLE, encoding="utf-8")
    (project.private_dir / "extra-identifiers.csv").write_text(STUDY_IDENTIFIERS, encoding="utf-8")
    with store.transaction() as conn:
        for name, fmt in (("FG1.vtt", "otter"), ("FG2.vtt", "teams-vtt")):
            conn.execute("INSERT INTO transcripts(name, format, sha256, n_turns, n_words, ingested_at) "
                         "VALUES (?, ?, ?, 5, 80, '2024-01-01T00:00:00+00:00')", (name, fmt, name))
        # Turn-level evidence, so codings.csv carries speech as well.
        conn.execute("UPDATE codings SET evidence = (SELECT text FROM segments s "
                     "WHERE s.segment_id = codings.segment_id)")
    return project, store


def _transcripts(project, store):
    from fgkit.shareable import publication

    rows = store.query("SELECT transcript, speaker, text FROM pseudo_turns ORDER BY transcript, turn_index")
    with publication(project, "pseudonymise") as out:
        for name, turns in itertools.groupby(rows, key=lambda r: r[0]):
            out.write_text(f"transcripts/{Path(name).stem}.txt",
                           "\n\n".join(f"{r[1]}: {r[2]}" for r in turns) + "\n")


def _tables(project, store):
    from fgkit.analysis import analyse_project, write_tables

    write_tables(project, analyse_project(project, store, topics=False))


def _report(fmt):
    def write(project, store):
        from fgkit.report import build_reports

        build_reports(project, store, formats=(fmt,), topics=False)
    return write


def _quotes(fmt):
    def write(project, store):
        from fgkit.export.quotes import export_quotes

        export_quotes(project, store, formats=(fmt,), context=True)
    return write


def _worksheet(fmt):
    def write(project, store):
        from fgkit.coding.review import export_worksheet

        export_worksheet(project, store, fmt=fmt, statuses=("suggested", "accepted", "uncoded"))
    return write


def _codings(project, store):
    from fgkit.coding.run import write_codings_reports

    write_codings_reports(project, store)


def _refi(project, store):
    from fgkit.export.refi_export import export_refi

    export_refi(project, store, include_suggestions=True)


OUTPUTS = {
    "transcripts (txt)": _transcripts, "codings (csv, parquet)": _codings,
    "analysis tables (csv, parquet)": _tables,
    **{f"report ({fmt})": _report(fmt) for fmt in ("html", "md", "docx", "xlsx")},
    **{f"quotes ({fmt})": _quotes(fmt) for fmt in ("csv", "xlsx", "docx")},
    **{f"worksheet ({fmt})": _worksheet(fmt) for fmt in ("csv", "xlsx")},
    "REFI-QDA project (qdpx)": _refi,
}
ALLOWED = {"will", "may", "hope", "green", "amber", "red", "purple", "duty"}


def _names() -> list[str]:
    from fgkit.participants import load_register
    from fgkit.pseudonymise.sources import participant_names

    with tempfile.TemporaryDirectory() as tmp:
        project, store = _coded_study(Path(tmp) / "s")
        store.close()
        register = load_register(project.register_path)
        names = {n for p in register.participants.values() if not p.withdrawn for n in participant_names(p)}
    names |= {line.split(",")[0] for line in STUDY_IDENTIFIERS.splitlines()[1:]}
    return sorted(n for n in names if n.casefold() not in ALLOWED and len(n) > 2)


NAMES = _names()


def _insert(text: str, surface: str, where: float) -> str:
    words = text.split(" ")
    at = round(where * len(words))
    return " ".join(words[:at] + [surface] + words[at:])


def _readable(path: Path) -> str:
    """What a person could read in a file, by an independent route (not the gate's reader)."""
    import io
    import zipfile

    data = path.read_bytes()
    if path.suffix == ".parquet":
        import pandas as pd

        return pd.read_parquet(io.BytesIO(data)).to_csv(index=False)
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            # Cells and paragraphs end a line; other tags (formatting runs) join what they split.
            return "\n".join(_html.unescape(re.sub(r"<[^>]+>", "", re.sub(
                r"</(?:c|si|w:p|row)>", "\n", zf.read(m).decode("utf-8", "replace")))) for m in zf.namelist())
    return _html.unescape(data.decode("utf-8-sig", "replace"))


def test_the_names_include_fgkits_own_words():
    from fgkit.pseudonymise.gatewords import own_words

    with tempfile.TemporaryDirectory() as tmp:
        project, store = _coded_study(Path(tmp) / "s")
        store.close()
        own = own_words(project)
    assert {"Otter", "Page", "Cross", "Judge", "Riverside Link"} <= set(NAMES)
    assert all(name.casefold() in own for name in ("Otter", "Page", "Cross", "Judge"))


@settings(max_examples=45, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(NAMES),
    output=st.sampled_from(sorted(OUTPUTS)),
    where=st.floats(min_value=0, max_value=1),
    form=st.sampled_from(["as written", "upper case", "lower case", "possessive"]),
)
def test_any_register_name_in_any_transcript_derived_text_of_any_output_is_caught(name, output, where, form):
    """Inserted into the pseudonymised text every output draws on (turns, segments, evidence),
    wherever the name lands in an output the gate stops it, whatever else the name matches;
    an output that leaves that part of the text out (a summary cut short) is published.

    A register name that is also an everyday word ("Judge", "Page") counts only where written
    as a name, as the replacer matches it: its lower-case form is the word ("the judge said"),
    so that form is tried only for names that are not everyday words, and it goes in as a name
    is used ("Judge said", "Judge's"), never as a sentence that merely opens with the word."""
    from fgkit.pseudonymise.vocabulary import ordinary_value

    everyday = ordinary_value(name.casefold())
    if form == "lower case" and everyday:
        form = "upper case"
    surface = {"as written": name, "upper case": name.upper(), "lower case": name.lower(),
               "possessive": f"{name}'s"}[form]
    if everyday and form != "possessive":
        # Used as a name: "Cross said", not a sentence that opens with the word "Cross".
        surface += " said"
    with tempfile.TemporaryDirectory() as tmp:
        caught, published, held = _write_with_name(Path(tmp) / "s", output, surface, where)
    # Where the name landed, as a reader sees it: an output may change its case or drop the
    # possessive (a table of distinctive words lists "ann"); an everyday word counts only as
    # written, as the replacer and the gate match it.
    shown = name.upper() if form == "upper case" else name.lower() if form == "lower case" else name
    follower = "(?:'s| said)" if everyday else ""
    pattern = re.compile(rf"(?<![\w&]){re.escape(shown)}{follower}(?!\w)", 0 if everyday else re.IGNORECASE)
    # The worksheet's evidence marks may fall inside the name ("«Ann »Lee"); a reader skips them.
    reached = any(pattern.search(text.replace("«", "").replace("»", "")) for text in (held or published))
    assert caught or not reached, (output, "reached the output, no gate")
    assert reached or not caught or everyday, (output, "gate, but the name is not in the output")
    if caught:
        assert surface not in caught and name not in caught
        assert not published, "something was published"


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_every_output_format_carries_the_inserted_name_to_the_gate(output, tmp_path):
    """The property above is not vacuous: a name opening every text reaches every output."""
    for surface in ("Joan Otter", "Tasha"):
        caught, published, held = _write_with_name(tmp_path / surface.replace(" ", "-"), output, surface, 0.0)
        assert caught and not published and held, (output, surface)
        assert any(surface.casefold() in text.casefold() for text in held)


def _write_with_name(root: Path, output: str, surface: str, where: float):
    """(error message or "", texts published, texts held back) after writing ``output``."""
    from fgkit.errors import LeakError

    project, store = _coded_study(root)
    caught = ""
    try:
        with store.transaction() as conn:
            for table, key in (("pseudo_turns", "turn_id"), ("segments", "segment_id")):
                for row in conn.execute(f"SELECT {key}, text FROM {table}").fetchall():
                    conn.execute(f"UPDATE {table} SET text = ? WHERE {key} = ?",
                                 (_insert(row[1], surface, where), row[0]))
            conn.execute("UPDATE codings SET evidence = (SELECT text FROM segments s "
                         "WHERE s.segment_id = codings.segment_id)")
        try:
            OUTPUTS[output](project, store)
        except LeakError as exc:
            caught = str(exc)
    finally:
        store.close()
    published = [_readable(p) for p in project.shareable_dir.rglob("*") if p.is_file()]
    held = [_readable(p) for p in (project.private_dir / ".publish" / "held").rglob("*")
            if p.is_file() and p.name != "held.json"]
    return caught, published, held


def test_fgkits_own_words_that_are_key_values_never_fire(tmp_path):
    """Key values detected in speech (and replaced there) that fgkit's own text also uses: a code
    label word, a format name, column names, words of the methods text."""
    from fgkit.errors import LeakError
    from fgkit.pseudonymise.key import KeyEntity, PseudonymKey, save_key
    from fgkit.pseudonymise.leakgate import scan_shareable

    project, store = _coded_study(tmp_path / "s")
    # No withdrawal pending here (the shared study has one, which every publisher would refuse
    # until the next run): this test is about fgkit's own words.
    register = project.register_path.read_text(encoding="utf-8")
    project.register_path.write_text(register.replace(",withdrawn,", ",given,"), encoding="utf-8")
    key = PseudonymKey()
    for i, (value, kind) in enumerate((("Labour", "Organisation"), ("Otter", "Organisation"),
                                       ("Evidence", "Person"), ("Transcript", "Organisation"),
                                       ("Quotes", "Person"), ("Worksheet", "Place"))):
        key.entities[value.casefold()] = KeyEntity(value, kind, f"[{kind} {i + 1}]", "detected")
    save_key(project.private_dir, key)
    try:
        for write in OUTPUTS.values():
            write(project, store)
        assert scan_shareable(project) == []
        text = {p.name: _readable(p) for p in project.shareable_dir.rglob("*") if p.is_file()}
        # Not vacuous: each of those words is in what was published, in fgkit's own text.
        assert "Emotional labour" in text["report.md"] and "otter" in text["report.md"].lower()
        assert "evidence" in text["codings.csv"].splitlines()[0]
        assert "transcript" in text["quotes.csv"].splitlines()[0]
        # Said in speech, the same word is a leak wherever fgkit's own text also has it.
        with store.transaction() as conn:
            conn.execute("UPDATE segments SET text = 'We rang Otter about it. ' || text "
                         "WHERE segment_id = (SELECT MIN(segment_id) FROM codings)")
            conn.execute("UPDATE pseudo_turns SET text = 'We rang Otter about it. ' || text "
                         "WHERE turn_id = (SELECT turn_id FROM segments WHERE segment_id = "
                         "(SELECT MIN(segment_id) FROM codings))")
        before = {p: p.read_bytes() for p in project.shareable_dir.rglob("*") if p.is_file()}
        with pytest.raises(LeakError) as caught:
            _quotes("csv")(project, store)
        assert "reports/quotes.csv: row" in str(caught.value) and "Otter" not in str(caught.value)
        assert {p: p.read_bytes() for p in project.shareable_dir.rglob("*") if p.is_file()} == before
    finally:
        store.close()


def test_values_marked_wrong_are_not_looked_for_but_register_names_are(project):
    share = project.shareable_dir
    (share / "a.txt").write_text("We met at Hyson Green. Grace said so.\n", encoding="utf-8")
    assert kinds(scan_shareable(project)) == [("reports/a.txt", "Place"), ("reports/a.txt", "participant name")]
    (project.private_dir / "pseudonymisation-review.csv").write_text(
        "value,type,decision,note\nHyson Green,place,wrong,\nGrace,person,wrong,\n", encoding="utf-8")
    assert kinds(scan_shareable(project)) == [("reports/a.txt", "participant name")]


def test_reveal_keeps_the_value_out_of_every_message(project):
    from fgkit.pseudonymise.leakgate import leak_message, resolution

    (project.shareable_dir / "q.csv").write_text("quote,role\n\"then gracie rang\",practitioner\n", encoding="utf-8")
    hidden, = scan_shareable(project)
    shown, = scan_shareable(project, reveal=True)
    assert hidden.value == "" and shown.value == "gracie"
    assert shown.position == "row 2, column quote"
    for text in (str(shown), repr(shown), leak_message([shown], "x", "y")):
        assert "gracie" not in text.lower()
    assert resolution(shown) == "fgkit pseudonymise correct gracie --missed Person   (the register names this person)"
