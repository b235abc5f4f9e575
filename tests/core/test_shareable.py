"""The one writer for the shareable zone: staged privately, gated, published all at once.

Fast tests use a project with a register and no model; the scenario at the end runs the sample
study through `fgkit run` as a researcher would: a leak planted, corrections made, a worksheet
exported, edited and imported, a transcript dropped.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import fgkit
from fgkit.cli import app
from fgkit.errors import InputError, LeakError
from fgkit.project import init_project
from fgkit.shareable import held_leaks, open_publication, publication, recorded, recover, zone_publication

runner = CliRunner()
SRC = Path(fgkit.__file__).resolve().parent
REGISTER = (
    "transcript,speaker_label,participant_id,role,group,consent,full_name,name_variants\n"
    "fg1.vtt,Bea Okonjo,P01,practitioner,FG1,given,Beatrice Okonjo,Bea\n"
    "fg1.vtt,Kit Marlowe-Hay,P02,manager,FG1,given,Christopher Marlowe-Hay,Kit\n"
)


@pytest.fixture
def project(tmp_path):
    project = init_project(tmp_path / "study")
    project.register_path.write_text(REGISTER, encoding="utf-8")
    return project


def zone(project) -> dict[str, bytes]:
    root = project.shareable_dir
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- the rule: nothing else writes into reports/ --------------------------------------------------

# Building a path inside the zone is the first step of writing there; only the writer may.
ZONE_PATH = re.compile(r"\bshareable_dir\s*/|\bshareable_dir\.joinpath\(|\.shareable\(")
WRITE_CALLS = {"atomic_path", "atomic_open", "atomic_write_text", "atomic_write_bytes", "to_csv",
               "to_parquet", "save_office", "write_zip", "save", "write_text", "write_bytes", "open"}


def zone_writers(source: str, module: str) -> list[str]:
    """Places in one module that build a path in the shareable zone, or write to one."""
    problems = []
    for number, line in enumerate(source.splitlines(), start=1):
        if ZONE_PATH.search(line.split("#", 1)[0]):
            problems.append(f"{module}:{number}: builds a path in the shareable zone")
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in WRITE_CALLS and any("shareable" in ast.unparse(arg) for arg in [*node.args, *node.keywords]):
            problems.append(f"{module}:{node.lineno}: writes straight into the shareable zone")
    return problems


def test_no_module_but_the_one_writer_writes_into_the_shareable_zone():
    allowed = {"shareable.py", "project.py"}  # the writer; the Project helper it replaces
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        module = path.relative_to(SRC).as_posix()
        if module not in allowed:
            problems += zone_writers(path.read_text(encoding="utf-8"), module)
    assert not problems, "\n".join(problems)


def test_the_rule_catches_the_old_ways_of_writing():
    old = textwrap.dedent("""
        def write(project, frame, text):
            frame.to_csv(project.shareable("codings.csv"))
            with atomic_path(project.shareable_dir / "x.csv") as tmp:
                tmp.write_text(text)
            atomic_write_text(project.shareable_dir, text)
    """)
    found = zone_writers(old, "old.py")
    assert [p.split(": ", 1)[1] for p in found] == [
        "builds a path in the shareable zone", "builds a path in the shareable zone",
        "writes straight into the shareable zone", "writes straight into the shareable zone",
        "writes straight into the shareable zone"]


# --- staging, the gate, publishing --------------------------------------------------------------

def test_staged_files_wait_in_the_private_zone_then_publish_together(project):
    (project.shareable_dir / "old.md").write_text("kept\n", encoding="utf-8")
    with publication(project, "report") as out:
        staged = out.staged("report.md")
        staged.write_text("Practitioner 01 said the rota is a lottery.\n", encoding="utf-8")
        out.write_text("sub/notes.txt", "nothing personal\n")
        assert staged.is_relative_to(project.private_dir)
        assert zone(project) == {"old.md": b"kept\n"}
    assert zone(project) == {"old.md": b"kept\n", "report.md": b"Practitioner 01 said the rota is a lottery.\n",
                             "sub/notes.txt": b"nothing personal\n"}
    record = recorded(project)
    assert sorted(record) == ["report.md", "sub/notes.txt"]  # old.md was not fgkit's
    assert record["report.md"]["source"] == "report"
    assert not list((project.private_dir / ".publish" / "staging").iterdir())


def test_an_error_while_writing_publishes_nothing(project):
    (project.shareable_dir / "report.md").write_text("last week's\n", encoding="utf-8")
    with pytest.raises(ZeroDivisionError), publication(project, "report") as out:
        out.write_text("report.md", "this week's\n")
        out.write_text("report.html", "<p>this week's</p>\n")
        1 / 0
    assert zone(project) == {"report.md": b"last week's\n"}
    assert not list((project.private_dir / ".publish" / "staging").iterdir())


def test_a_planted_leak_publishes_nothing_and_is_shown_privately(project):
    (project.shareable_dir / "report.md").write_text("last week's report\n", encoding="utf-8")
    (project.shareable_dir / "transcripts").mkdir()
    (project.shareable_dir / "transcripts" / "fg1.txt").write_text("Practitioner 01: fine\n", encoding="utf-8")
    before = zone(project)
    with pytest.raises(LeakError) as caught, publication(project, "report") as out:
        out.write_text("report.md", "A clean new report.\n")
        out.write_text("transcripts/fg1.txt", "Practitioner 01: I told Bea about the rota.\n")
    message = str(caught.value)
    assert "reports/transcripts/fg1.txt: line 1, column 25: participant name" in message
    assert "fgkit check --show" in message and "Bea" not in message
    assert zone(project) == before  # byte for byte, the new clean file included

    held, = held_leaks(project, reveal=True)
    assert held.value == "Bea" and held.file == "reports/transcripts/fg1.txt (held back, not published)"
    shown = runner.invoke(app, ["check", "--show", "-p", str(project.root)])
    assert shown.exit_code == 0, shown.output  # the zone itself is clean
    assert "found: 'Bea'" in shown.stdout
    assert "resolve: fgkit pseudonymise correct Bea --missed Person" in shown.stdout
    quiet = runner.invoke(app, ["check", "-p", str(project.root)])
    assert quiet.exit_code == 0 and "Bea" not in quiet.output and "held back 1 finding" in quiet.output
    # The next clean publication from the same command clears what was held back.
    with publication(project, "report") as out:
        out.write_text("transcripts/fg1.txt", "Practitioner 01: I told [Practitioner 02] about the rota.\n")
    assert held_leaks(project) == []


def test_exports_outside_both_zones_are_gated_and_not_recorded(project, tmp_path):
    outside = tmp_path / "for-the-board"
    with publication(project, "export-custom") as out:
        out.write_text(outside / "quotes.csv", "quote\n\"fine\"\n")
    assert (outside / "quotes.csv").read_text(encoding="utf-8") == 'quote\n"fine"\n'
    assert recorded(project) == {}
    with pytest.raises(LeakError), publication(project, "export-custom") as out:
        out.write_text(outside / "quotes.csv", "quote\n\"Kit again\"\n")
    assert (outside / "quotes.csv").read_text(encoding="utf-8") == 'quote\n"fine"\n'
    with pytest.raises(InputError, match="private zone"), publication(project, "export-custom") as out:
        out.write_text(project.private_dir / "quotes.csv", "quote\n")


def test_inside_a_run_every_writer_joins_one_publication(project):
    with zone_publication(project, "run", {"report", "export"}) as pub:
        with pub.part("report") as written:
            with publication(project, "report") as out:
                out.write_text("report.md", "one\n")
            inner = open_publication(project, "export")
            inner.write_text("quotes.csv", "quote\n")
            inner.commit()  # joined: publishing is the run's
        assert zone(project) == {}
        assert sorted(p.name for p in written) == ["quotes.csv", "report.md"]
    assert sorted(zone(project)) == ["quotes.csv", "report.md"]
    assert {r["source"] for r in recorded(project).values()} == {"report"}


def test_a_run_removes_what_it_no_longer_produces_and_refuses_what_is_not_fgkits(project):
    with zone_publication(project, "run", {"report", "pseudonymise"}) as pub:
        with pub.part("pseudonymise"):
            open_publication(project, "x").write_text("transcripts/fg1.txt", "Practitioner 01: one\n")
            open_publication(project, "x").write_text("transcripts/fg2.txt", "Practitioner 01: two\n")
    with publication(project, "agree") as out:
        out.write_text("disagreements.csv", "text\n\"the rota\"\n")
    # fg2 is gone from the study; a file nobody recorded names a participant.
    (project.shareable_dir / "notes-from-kit.txt").write_text("Kit's notes\n", encoding="utf-8")
    before = zone(project)
    with pytest.raises(LeakError) as caught, zone_publication(project, "run", {"pseudonymise"}) as pub:
        with pub.part("pseudonymise"):
            open_publication(project, "x").write_text("transcripts/fg1.txt", "Practitioner 01: one\n")
    # The name in the file's name is a leak too, and the file is shown without it.
    shown = "reports/notes-from-[participant name].txt"
    assert f"{shown}: file name: participant name; not written by fgkit" in str(caught.value)
    assert f"{shown}: line 1, column 1: participant name; not written by fgkit" in str(caught.value)
    assert "Kit" not in str(caught.value) and "notes-from-kit" not in str(caught.value)
    assert zone(project) == before
    (project.shareable_dir / "notes-from-kit.txt").unlink()
    # A correction made the agreement table stale: it now holds a value the gate looks for.
    (project.private_dir / "pseudonymisation-review.csv").write_text(
        "value,type,decision,note\nrota,organisation,missed,\n", encoding="utf-8")
    with zone_publication(project, "run", {"pseudonymise"}) as pub:
        with pub.part("pseudonymise"):
            open_publication(project, "x").write_text("transcripts/fg1.txt", "Practitioner 01: one\n")
    assert sorted(zone(project)) == ["transcripts/fg1.txt"]
    assert sorted(pub.removed) == [project.shareable_dir / "transcripts" / "fg2.txt"]
    assert pub.dropped == [project.shareable_dir / "disagreements.csv"]
    assert sorted(recorded(project)) == ["transcripts/fg1.txt"]


KILL_MID_PUBLISH = """
import os, sys
from fgkit import shareable
from fgkit.project import Project
real, moved = shareable._move, []
def move(src, dst):
    if moved:
        os._exit(9)  # killed between two renames, after the journal was written
    moved.append(dst)
    real(src, dst)
shareable._move = move
with shareable.publication(Project.load(sys.argv[1]), "report") as out:
    out.write_text("a.md", "new a\\n")
    out.write_text("b.md", "new b\\n")
"""


def test_a_publication_killed_half_way_is_finished_by_the_next_command(project):
    for name in ("a.md", "b.md"):
        (project.shareable_dir / name).write_text(f"old {name[0]}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", KILL_MID_PUBLISH, str(project.root)], check=False)
    assert done.returncode == 9
    assert zone(project) == {"a.md": b"new a\n", "b.md": b"old b\n"}  # whole files, not yet all
    recover(project)
    assert zone(project) == {"a.md": b"new a\n", "b.md": b"new b\n"}
    assert sorted(recorded(project)) == ["a.md", "b.md"]
    assert not list((project.private_dir / ".publish" / "staging").iterdir())


def test_staging_a_killed_process_left_is_cleared_but_not_a_live_one(project):
    from filelock import FileLock

    staging = project.private_dir / ".publish" / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    dead = staging / "pub-dead"
    (dead / "zone").mkdir(parents=True)
    (dead / "zone" / "report.md").write_text("half", encoding="utf-8")
    live = staging / "pub-live"
    live.mkdir()
    lock = FileLock(f"{live}.lock")
    lock.acquire()
    try:
        recover(project)
        assert not dead.exists() and live.exists()
    finally:
        lock.release()
    assert zone(project) == {}


# --- `fgkit pseudonymise correct` -----------------------------------------------------------------

def test_correct_appends_to_the_review_file_in_its_format(project):
    review = project.private_dir / "pseudonymisation-review.csv"
    review.write_text("value,type,decision,note\nAmber Lodge,place,missed,from the first run\n", encoding="utf-8")
    wrong = runner.invoke(app, ["pseudonymise", "correct", "ask", "--wrong", "-p", str(project.root)])
    assert wrong.exit_code == 0, wrong.output
    assert "fgkit run" in wrong.stdout
    missed = runner.invoke(app, ["pseudonymise", "-p", str(project.root), "correct", "Delaney", "--missed", "person"])
    assert missed.exit_code == 0, missed.output
    again = runner.invoke(app, ["pseudonymise", "correct", "DELANEY", "--missed", "Person", "-p", str(project.root)])
    assert "Already recorded" in again.stdout
    assert review.read_text(encoding="utf-8") == (
        "value,type,decision,note\nAmber Lodge,place,missed,from the first run\n"
        "ask,,wrong,\nDelaney,Person,missed,\n")
    flipped = runner.invoke(app, ["pseudonymise", "correct", "Ask", "--missed", "Person", "-p", str(project.root)])
    assert "replacing the opposite decision" in flipped.stdout
    from fgkit.pseudonymise.sources import review_decisions

    assert review_decisions(project) == (set(), [("Amber Lodge", "Place"), ("Delaney", "Person"), ("Ask", "Person")])
    assert oct(review.stat().st_mode & 0o777) == "0o600"
    both = runner.invoke(app, ["pseudonymise", "correct", "x", "-p", str(project.root)])
    assert both.exit_code == 2 and "exactly one of --wrong" in both.output
    bad = runner.invoke(app, ["pseudonymise", "correct", "x", "--missed", "pet", "-p", str(project.root)])
    assert bad.exit_code == 2 and "unknown type" in bad.output
    # The value never reaches the store's run manifests.
    with project.open_store() as store:
        assert "Delaney" not in json.dumps([dict(r) for r in store.query("SELECT * FROM runs")])


# --- the scenario: the sample study through `fgkit run` -----------------------------------------

def _written_outside_the_writer() -> tuple[list[str], callable]:
    """An audit hook that notes every write into a ``reports`` folder not made by the writer."""
    seen: list[str] = []
    state = {"on": False}
    writer = str(SRC / "shareable.py")

    def hook(event: str, args) -> None:
        if not state["on"] or event not in ("open", "os.rename", "os.remove", "shutil.copyfile"):
            return
        if event == "open":
            path, mode, flags = args
            writing = (mode is not None and any(c in str(mode) for c in "wax+")) or (
                mode is None and isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR))
            if not writing:
                return
        else:
            path = args[1] if event in ("os.rename", "shutil.copyfile") else args[0]
        if not isinstance(path, (str, os.PathLike)) or "reports" not in Path(os.fsdecode(path)).parts:
            return
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != writer:
            frame = frame.f_back
        if frame is None:
            seen.append(f"{event} {path}")

    sys.addaudithook(hook)
    return seen, lambda on: state.update(on=on)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from support.sample import copy_sample_project

    return copy_sample_project(tmp_path_factory.mktemp("scenario") / "study")


def _accept_first_coded_row(sheet: Path) -> None:
    """A reviewer's edit: accept the first suggestion, as a spreadsheet program saves it."""
    rows = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
    header = rows[0]
    row = next(r for r in rows[1:] if r[header.index("code")])
    row[header.index("decision")] = "accept"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    sheet.write_bytes(buf.getvalue().encode("utf-8-sig"))


def _run(root: Path, *args: str):
    return runner.invoke(app, [*args, "-p", str(root)])


@pytest.mark.slow
def test_a_study_through_leaks_corrections_and_stale_files(sample):
    from fgkit.pipeline import run_all
    from fgkit.project import Project

    project = Project.load(sample)
    reports = project.shareable_dir
    outside, watch = _written_outside_the_writer()
    with project.open_store() as store:
        watch(True)
        try:
            first = run_all(project, store, topics=False)
        finally:
            watch(False)
    assert not outside, outside
    assert {o.name for o in first.stages if not o.skipped} >= {"pseudonymise", "code", "report", "export"}
    assert (reports / "transcripts" / "fg6-mixed.txt").is_file()
    assert _run(sample, "review", "export", "--format", "csv").exit_code == 0
    assert recorded(project)["review/worksheet.csv"]["params"]["format"] == "csv"
    assert "spreadsheet" in (reports / "review" / "worksheet.csv").read_text(encoding="utf-8-sig").lower()

    # 1. A name the pseudonymiser missed: the run stops and reports/ stays exactly as it was.
    with project.open_store() as store, store.transaction() as conn:
        turn = conn.execute("SELECT turn_id, text FROM pseudo_turns WHERE role != 'facilitator' "
                            "ORDER BY turn_id LIMIT 1").fetchone()
        conn.execute("UPDATE pseudo_turns SET text = ? WHERE turn_id = ?",
                     (f"Leon Campbell said so. {turn[1]}", turn[0]))
    before = zone(project)
    failed = _run(sample, "run", "--no-topics")
    assert failed.exit_code == 3, failed.output
    assert "reports/transcripts/" not in failed.stderr or "Leon" not in failed.stderr
    assert "Leon" not in failed.output and "Campbell" not in failed.output
    assert "fgkit check --show" in failed.stderr
    assert zone(project) == before
    shown = _run(sample, "check", "--show")
    assert "found: 'Leon Campbell'" in shown.stdout
    with project.open_store() as store:
        manifests = json.dumps([dict(r) for r in store.query("SELECT * FROM runs")])
        assert "Leon" not in manifests
        with store.transaction() as conn:
            conn.execute("UPDATE pseudo_turns SET text = ? WHERE turn_id = ?", (turn[1], turn[0]))

    # 2. Corrections take effect on the next run with no file deleted by hand: an indirect
    # identifier marked missed, fgkit's own words made study identifiers, a transcript dropped.
    sheet = reports / "review" / "worksheet.csv"
    assert "somali" in sheet.read_text(encoding="utf-8-sig").lower()
    assert _run(sample, "pseudonymise", "correct", "Somali", "--missed", "Place").exit_code == 0
    extra = project.private_dir / "extra-identifiers.csv"
    extra.write_text(extra.read_text(encoding="utf-8") + "Otter,organisation\nLabour,organisation\n", encoding="utf-8")
    (project.transcripts_dir / "fg6-mixed.csv").rename(project.private_dir / "fg6-mixed.csv.set-aside")
    fixed = _run(sample, "run", "--no-topics")
    assert fixed.exit_code == 0, fixed.output
    assert "transcripts/fg6-mixed.txt" in fixed.stdout.split("Removed", 1)[1]
    assert not (reports / "transcripts" / "fg6-mixed.txt").exists()
    said = [p.name for p in reports.rglob("*") if p.is_file() and "somali" in _readable(p).lower()]
    assert not said, said  # replaced in speech everywhere, the unedited worksheet included
    assert "Emotional labour" in (reports / "report.md").read_text(encoding="utf-8")
    assert "otter" in (reports / "report.md").read_text(encoding="utf-8").lower()
    assert _run(sample, "check").exit_code == 0

    # 3. Changing one's mind is a correction like any other.
    flipped = _run(sample, "pseudonymise", "correct", "Somali", "--wrong")
    assert "replacing the opposite decision" in flipped.stdout
    assert _run(sample, "run", "--no-topics").exit_code == 0
    assert "somali" in sheet.read_text(encoding="utf-8-sig").lower()

    # 4. A worksheet a person edited is kept; when a correction makes it leak, the run stops
    # before changing anything and says to import it first; after the import it is refreshed.
    _accept_first_coded_row(sheet)
    assert _run(sample, "pseudonymise", "correct", "Somali", "--missed", "Place").exit_code == 0
    before = zone(project)
    edited = _run(sample, "run", "--no-topics")
    assert edited.exit_code == 3
    assert "reports/review/worksheet.csv" in edited.stderr and "import it first" in edited.stderr
    assert "Somali" not in edited.output
    assert zone(project) == before  # and the store too: the rows still match their segments
    imported = _run(sample, "review", "import", str(sheet), "--reviewer", "amy")
    assert imported.exit_code == 0, imported.output
    again = _run(sample, "run", "--no-topics")
    assert again.exit_code == 0, again.output
    assert "somali" not in sheet.read_text(encoding="utf-8-sig").lower()
    assert _run(sample, "check").exit_code == 0


def _readable(path: Path) -> str:
    import zipfile

    data = path.read_bytes()
    if path.suffix == ".parquet":
        import pandas as pd

        return pd.read_parquet(io.BytesIO(data)).to_csv(index=False)
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "\n".join(re.sub(r"<[^>]+>", "", zf.read(m).decode("utf-8", "replace")) for m in zf.namelist())
    return data.decode("utf-8-sig", "replace")
