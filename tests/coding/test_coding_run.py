"""`fgkit code` end to end on a store: segments, codings, reports, reviews kept, cache used."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from fgkit.cli import app
from fgkit.coding.run import TIDY_COLUMNS, code_project
from fgkit.project import init_project
from fgkit.records import stable_id

TURNS = [
    ("t0", "fg1.vtt", 0, "F01", "Facilitator 1", "facilitator", "FG1",
     "How is the workload? Is the allocation fair?"),
    ("t1", "fg1.vtt", 1, "P01", "Practitioner 01", "practitioner", "FG1",
     "The pressure never stops. There's no time to reflect, just an endless cycle of cases."),
    ("t2", "fg1.vtt", 2, "P02", "Practitioner 02", "practitioner", "FG1",
     "I don't feel I have any say in what's allocated to me. It just appears in my tray."),
    ("t3", "fg2.vtt", 0, "M01", "Manager 01", "manager", "FG2",
     "Her blood pressure was up, so we rang the GP. Nothing else to add really."),
    ("t4", "fg2.vtt", 1, "M02", "Manager 02", "manager", "FG2",
     "I go home every night exhausted, knowing I haven't done enough."),
]


def insert_turns(store, turns):
    with store.transaction() as conn:
        conn.executemany(
            """INSERT INTO pseudo_turns(turn_id, transcript, turn_index, participant_id, speaker,
                   role, group_name, text, start, source_hash) VALUES (?,?,?,?,?,?,?,?,NULL,'h')""",
            turns,
        )


@pytest.fixture()
def project(tmp_path):
    proj = init_project(tmp_path / "study")
    store = proj.open_store()
    insert_turns(store, TURNS)
    yield proj, store
    store.close()


def test_code_project_writes_segments_codings_and_tidy_reports(project):
    proj, store = project
    result = code_project(proj, store)
    segments = store.query("SELECT * FROM segments ORDER BY transcript, turn_index")
    assert [s["turn_id"] for s in segments] == ["t1", "t2", "t3", "t4"]  # facilitator left out
    assert segments[0]["segment_id"] == stable_id("t1", "turn", 0, len(TURNS[1][7]))
    codings = store.query("SELECT * FROM codings")
    assert {c["coder"] for c in codings} == {"rules:v1"}
    assert {c["status"] for c in codings} == {"suggested"}
    by_segment = {}
    for c in codings:
        by_segment.setdefault(c["segment_id"], set()).add(c["code"])
        text = next(s["text"] for s in segments if s["segment_id"] == c["segment_id"])
        assert text[c["evidence_start"]:c["evidence_end"]] == c["evidence"]
        assert 0 < c["confidence"] < 1
    assert segments[2]["segment_id"] not in by_segment  # blood pressure is not workload
    assert by_segment[segments[1]["segment_id"]] == {"fairness"}

    table = pd.read_csv(proj.shareable("codings.csv"))
    assert list(table.columns) == TIDY_COLUMNS
    assert len(table) == result.n_codings == len(codings)
    assert set(table["role"]) == {"practitioner", "manager"}
    assert set(table["top_code"]) == {"pressure", "fairness", "emotional_labour"}
    assert pd.read_parquet(proj.shareable("codings.parquet")).shape == table.shape
    assert result.by_code_role.loc["fairness", "practitioner"] == 1


def test_rerun_uses_the_cache_and_keeps_review_decisions(project):
    proj, store = project
    code_project(proj, store)
    fairness = store.query("SELECT segment_id FROM codings WHERE code='fairness'")[0]["segment_id"]
    with store.transaction() as conn:
        conn.execute("""INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at)
                        VALUES (?, 'fairness', 'reject', 'rev', '2026-01-01')""", (fairness,))
        conn.execute("""INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at)
                        VALUES (?, 'governance', 'add', 'rev', '2026-01-01')""", (fairness,))
    again = code_project(proj, store)
    assert again.n_parsed == 0 and again.n_cached == 4
    assert len(store.query("SELECT * FROM reviews")) == 2
    table = pd.read_csv(proj.shareable("codings.csv"))
    rows = table[table["segment_id"] == fairness]
    assert list(rows["code"]) == ["governance"]
    assert list(rows["status"]) == ["accepted"] and list(rows["coder"]) == ["rev"]


def test_removed_turns_lose_their_segments_and_codings(project):
    proj, store = project
    code_project(proj, store)
    with store.transaction() as conn:
        conn.execute("DELETE FROM pseudo_turns WHERE turn_id='t4'")  # participant withdrew
    result = code_project(proj, store)
    assert result.n_segments_removed == 1
    assert not store.query("SELECT * FROM segments WHERE turn_id='t4'")
    table = pd.read_csv(proj.shareable("codings.csv"))
    assert "Manager 02" not in set(table["speaker"])


def test_sentence_level_offsets_index_the_turn(project):
    proj, store = project
    result = code_project(proj, store, level="sentence")
    assert result.level == "sentence"
    turns = {t[0]: t[7] for t in TURNS}
    rows = store.query("SELECT * FROM segments")
    assert len(rows) == 7
    for row in rows:
        assert turns[row["turn_id"]][row["start_char"]:row["end_char"]] == row["text"]
        assert row["level"] == "sentence"
    codes_by_text = {}
    for c in store.query("SELECT s.text, c.code FROM codings c JOIN segments s USING (segment_id)"):
        codes_by_text.setdefault(c["text"], set()).add(c["code"])
    assert codes_by_text["It just appears in my tray."] == {"fairness"}


def test_unknown_level_is_a_settings_error(project):
    from fgkit.errors import SettingsError

    proj, store = project
    with pytest.raises(SettingsError, match="segment level 'paragraph'"):
        code_project(proj, store, level="paragraph")


def test_cli_code_prints_counts_by_role_and_records_a_run(project):
    proj, store = project
    result = CliRunner().invoke(app, ["code", "--project", str(proj.root)])
    assert result.exit_code == 0, result.output
    assert "Codings in force per code and role" in result.output
    assert "practitioner" in result.output and "manager" in result.output
    run = store.last_run("code")
    assert run["status"] == "ok"
    assert run["manifest"]["parameters"]["level"] == "turn"
    assert len(run["manifest"]["parameters"]["codebook_sha256"]) == 64


def test_cli_code_on_an_empty_store_says_so(tmp_path):
    proj = init_project(tmp_path / "empty")
    result = CliRunner().invoke(app, ["code", "--project", str(proj.root)])
    assert result.exit_code == 0, result.output
    assert "Coded 0 turn segments" in result.output and "No codings in force" in result.output
    assert pd.read_csv(proj.shareable("codings.csv")).empty


def test_cli_code_with_invalid_codebook_codes_nothing(project, tmp_path):
    proj, store = project
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncodes:\n  - id: a\n    parent: b\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["code", "--project", str(proj.root), "--codebook", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml:4:13: code 'a' has unknown parent 'b'" in result.output
    assert not store.query("SELECT * FROM codings")
