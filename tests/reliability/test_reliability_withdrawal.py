"""Withdrawal: after `participants withdraw` and a run, none of that person's words remain."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import reliability_outputs as outputs

pytestmark = pytest.mark.slow

# Speaks in two focus groups (FG2 and FG6), so both transcripts must lose their words.
WITHDRAWN = "P09"
REASON = "asked by phone on 3 November to leave the study"
MIN_SENTENCE_WORDS = 6


@dataclass
class Withdrawal:
    project: Path
    withdraw_stdout: str
    withdraw_stderr: str
    withdraw_code: int
    run: object
    raw_turns: list[str]
    pseudo_turns: list[str]
    pseudonym: str
    others: dict[str, list[str]]
    before: str
    after: str
    # Between the withdrawal and the run: `fgkit check`, a publishing command, and the run that
    # meets a worksheet a person edited; the zone's digests before and after those.
    check_before: object = None
    export_before: object = None
    run_refused: object = None
    zone_before: dict | None = None
    zone_after_refusals: dict | None = None
    imported: object = None
    check_after: object = None


def _participant_turns(project: Path, rel) -> tuple[list[str], list[str], str, dict[str, list[str]]]:
    from fgkit.participants import load_register

    register = load_register(project / "data" / "participants.csv")
    raw = [
        row["text"]
        for row in rel.store_rows(project, "SELECT transcript, speaker_label, text FROM turns")
        if (entry := register.lookup(row["transcript"], row["speaker_label"])) and entry.participant_id == WITHDRAWN
    ]
    pseudo = rel.store_rows(project, "SELECT participant_id, speaker, transcript, text FROM pseudo_turns")
    mine = [r["text"] for r in pseudo if r["participant_id"] == WITHDRAWN]
    pseudonym = next(r["speaker"] for r in pseudo if r["participant_id"] == WITHDRAWN)
    groups = {r["transcript"] for r in pseudo if r["participant_id"] == WITHDRAWN}
    others: dict[str, list[str]] = {}
    for r in pseudo:
        if r["participant_id"] != WITHDRAWN and r["transcript"] in groups:
            others.setdefault(r["participant_id"], []).append(r["text"])
    return raw, mine, pseudonym, others


def _all_words(root: Path) -> str:
    # One flattened string per file, joined with a separator no shingle can cross.
    return "\n|\n".join(outputs.flatten_words(t) for t in outputs.shareable_texts(root).values())


def _edit_worksheet(path: Path, decision: str = "accept", every: bool = False) -> None:
    """A reviewer decides the first suggestion in a CSV worksheet (or every one) and saves it."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in [r for r in rows if r["code"]][: None if every else 1]:
        row["decision"] = decision
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def withdrawal(twin, rel) -> Withdrawal:
    project = twin.run.project
    raw, mine, pseudonym, others = _participant_turns(project, rel)
    # The audit's case: review worksheets exported (every segment, theirs included), one of them
    # edited by a reviewer, and agreement tables written by `fgkit agree`, which no run rewrites.
    for fmt in ("xlsx", "csv"):
        assert rel.run_fgkit(project, "review", "export", "--format", fmt).returncode == 0
    # A second reviewer rejects every suggestion (in a private copy), so `fgkit agree` lists
    # every coded segment, theirs included, as a disagreement.
    private = project / "data" / "review-b.csv"
    assert rel.run_fgkit(project, "review", "export", "--format", "csv", "--output", str(private)).returncode == 0
    _edit_worksheet(private, "reject", every=True)
    assert rel.run_fgkit(project, "review", "import", str(private), "--reviewer", "reviewer-b").returncode == 0
    assert rel.run_fgkit(project, "agree", "rules:v1", "reviewer-b").returncode == 0
    _edit_worksheet(project / "reports" / "review" / "worksheet.csv")
    before = _all_words(project / "reports")
    withdrawn = rel.run_fgkit(project, "participants", "withdraw", WITHDRAWN, "--reason", REASON)
    zone_before = outputs.digests(project / "reports")
    check_before = rel.run_fgkit(project, "check")
    export_before = rel.run_fgkit(project, "export", "quotes")
    run_refused = rel.full_run(project)
    zone_after_refusals = outputs.digests(project / "reports")
    imported = rel.run_fgkit(project, "review", "import", str(project / "reports" / "review" / "worksheet.csv"),
                             "--reviewer", "reviewer-a")
    run = rel.full_run(project)
    return Withdrawal(
        project, withdrawn.stdout, withdrawn.stderr, withdrawn.returncode, run,
        raw, mine, pseudonym, others, before, _all_words(project / "reports"),
        check_before, export_before, run_refused, zone_before, zone_after_refusals, imported,
        rel.run_fgkit(project, "check"),
    )


def _sentences(texts: list[str]) -> set[str]:
    parts = (s for t in texts for s in re.split(r"(?<=[.!?])\s+", t))
    return {outputs.flatten_words(s) for s in parts if len(outputs.flatten_words(s).split()) >= MIN_SENTENCE_WORDS}


def _shingles(texts: list[str]) -> set[str]:
    return set().union(*(outputs.shingles(t) for t in texts))


def test_withdraw_and_run_succeed_without_naming_anyone(withdrawal, rel):
    assert withdrawal.withdraw_code == 0, withdrawal.withdraw_stderr
    rel.assert_run_ok(withdrawal.run)
    console = {
        "withdraw": withdrawal.withdraw_stdout + withdrawal.withdraw_stderr,
        "run": withdrawal.run.stdout + withdrawal.run.stderr,
    }
    names = outputs.register_values(withdrawal.project / "data" / "participants.csv", withdrawal.project)
    assert not outputs.find_key_values(console, names)


def test_the_check_would_have_seen_their_words_before(withdrawal):
    # Without this, an output that never quoted them would pass the checks below vacuously.
    assert withdrawal.raw_turns and withdrawal.pseudo_turns
    found = [s for s in _shingles(withdrawal.pseudo_turns) if s in withdrawal.before]
    assert len(found) > 20
    assert outputs.flatten_words(withdrawal.pseudonym) in withdrawal.before


def test_no_sentence_or_shingle_of_theirs_remains(withdrawal):
    theirs = _shingles(withdrawal.raw_turns) | _shingles(withdrawal.pseudo_turns)
    assert len(theirs) > 100
    left = sorted(s for s in theirs if s in withdrawal.after)
    assert not left, f"{len(left)} eight-word runs of theirs remain, e.g. {left[:3]}"
    sentences = _sentences(withdrawal.raw_turns) | _sentences(withdrawal.pseudo_turns)
    assert sentences
    left = sorted(s for s in sentences if f" {s} " in f" {withdrawal.after} ")
    assert not left, f"{len(left)} sentences of theirs remain, e.g. {left[:3]}"


def test_their_pseudonym_is_gone(withdrawal):
    pattern = re.compile(rf"(?<!\w){re.escape(withdrawal.pseudonym)}(?!\w)", re.IGNORECASE)
    texts = outputs.shareable_texts(withdrawal.project / "reports")
    assert not [where for where, text in texts.items() if pattern.search(text)]


def test_the_rest_of_the_discussion_stays(withdrawal):
    assert len(withdrawal.others) >= 8
    for participant, texts in sorted(withdrawal.others.items()):
        theirs = _shingles(texts)
        kept = sum(s in withdrawal.after for s in theirs)
        assert kept >= 0.5 * len(theirs), f"{participant}: only {kept} of {len(theirs)} word runs kept"


def test_the_store_holds_nothing_of_theirs_for_analysis(withdrawal, rel):
    for table in ("pseudo_turns", "segments"):
        rows = rel.store_rows(withdrawal.project, f"SELECT count(*) AS n FROM {table} WHERE participant_id = ?", (WITHDRAWN,))
        assert rows[0]["n"] == 0, table


def test_the_withdrawal_is_logged_privately_with_date_and_reason(withdrawal):
    log = withdrawal.project / "data" / "withdrawals.csv"
    with log.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["participant_id"] for r in rows] == [WITHDRAWN]
    assert rows[0]["reason"] == REASON
    when = dt.datetime.fromisoformat(rows[0]["date"])
    assert abs(dt.datetime.now(dt.UTC) - when) < dt.timedelta(hours=1)
    assert not [p for p in (withdrawal.project / "reports").rglob("*") if p.name.startswith("withdrawal")]
    assert outputs.flatten_words(REASON) not in withdrawal.after and REASON not in withdrawal.withdraw_stdout


def test_the_register_marks_every_row_of_theirs_withdrawn(withdrawal):
    with (withdrawal.project / "data" / "participants.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["participant_id"] == WITHDRAWN]
    assert len(rows) == 2
    assert {r["consent"] for r in rows} == {"withdrawn"}


def _one_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_check_fails_while_their_words_are_in_the_zone(withdrawal):
    assert withdrawal.check_before.returncode == 3
    line = _one_line(withdrawal.check_before)
    assert "withdrew" in line and "fgkit run" in line
    assert withdrawal.check_after.returncode == 0, withdrawal.check_after.stderr


def test_publishing_before_the_run_refuses_and_changes_nothing(withdrawal):
    assert withdrawal.export_before.returncode == 3
    assert "withdrew" in _one_line(withdrawal.export_before)
    assert withdrawal.zone_after_refusals == withdrawal.zone_before


def test_an_edited_worksheet_must_be_imported_first(withdrawal):
    assert withdrawal.run_refused.returncode == 3
    line = _one_line(withdrawal.run_refused)
    assert "reports/review/worksheet.csv" in line and "fgkit review import" in line
    assert withdrawal.imported.returncode == 0, withdrawal.imported.stderr


def test_every_shareable_file_is_free_of_their_distinctive_sentences(withdrawal):
    """Each file on its own (worksheets, agreement tables, REFI, transcripts, report, codings...)."""
    sentences = _sentences(withdrawal.raw_turns) | _sentences(withdrawal.pseudo_turns)
    assert len(sentences) >= 10
    texts = outputs.shareable_texts(withdrawal.project / "reports")
    names = {Path(where.split("!")[0]).relative_to(withdrawal.project / "reports").as_posix() for where in texts}
    assert {"review/worksheet.xlsx", "review/worksheet.csv", "sample-study.qdpx", "codings.csv",
            "report.html", "quotes.xlsx"} <= names
    hits = sorted({(where, s) for where, text in texts.items() for s in sentences
                   if f" {s} " in f" {outputs.flatten_words(text)} "})
    assert not hits, f"{len(hits)} sentence(s) of theirs remain, e.g. {hits[:3]}"



def test_the_agreement_table_that_quoted_them_is_gone(withdrawal):
    # `fgkit agree` wrote their segments into disagreements.csv; no run rewrites it, so the run
    # that applied the withdrawal removed it (agreement.csv, which holds no speech, stays).
    assert "disagreements.csv" in withdrawal.zone_before
    assert not (withdrawal.project / "reports" / "disagreements.csv").exists()
    assert (withdrawal.project / "reports" / "agreement.csv").exists()
