"""Storing transcripts: one transaction per file, unchanged files untouched, removals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fgkit.errors import TranscriptError
from fgkit.ingest import (
    forget_missing,
    ingest_transcripts,
    read_transcript,
    store_transcripts,
)
from fgkit.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "transcripts"
    out.mkdir()
    for name in ("teams_fg1.vtt", "typed_fg4.txt", "otter_fg3.txt"):
        shutil.copy(FIXTURES / name, out / name)
    return out


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "private" / "fgkit.sqlite") as s:
        yield s


def snapshot(store):
    return (
        [tuple(r) for r in store.query("SELECT * FROM transcripts ORDER BY name")],
        [tuple(r) for r in store.query("SELECT * FROM turns ORDER BY transcript, turn_index")],
    )


def test_first_ingest_stores_every_turn(folder, store):
    results = ingest_transcripts(sorted(folder.iterdir()), store)
    assert all(r.changed for r in results)
    for r in results:
        rows = store.query(
            "SELECT * FROM turns WHERE transcript=? ORDER BY turn_index", (r.transcript.name,)
        )
        assert [row["turn_id"] for row in rows] == [t.turn_id for t in r.transcript.turns]
        assert [row["text"] for row in rows] == [t.text for t in r.transcript.turns]
        meta = store.query("SELECT * FROM transcripts WHERE name=?", (r.transcript.name,))[0]
        assert meta["sha256"] == r.transcript.sha256
        assert meta["n_turns"] == len(r.transcript.turns) and meta["n_words"] == r.transcript.words
        assert json.loads(meta["warnings"]) == list(r.transcript.warnings)
    stored = store.query("SELECT annotations FROM turns WHERE annotations LIKE '%backchannel%'")
    (ann,) = [a for a in json.loads(stored[0]["annotations"]) if a["kind"] == "backchannel"]
    assert ann["speaker"] == "P2" and ann["text"] == "No."


def test_reingest_unchanged_writes_nothing(folder, store):
    ingest_transcripts(sorted(folder.iterdir()), store)
    before = snapshot(store)
    changes = store.conn.total_changes
    results = ingest_transcripts(sorted(folder.iterdir()), store)
    assert [r.changed for r in results] == [False, False, False]
    assert store.conn.total_changes == changes
    assert snapshot(store) == before


def test_changed_file_replaces_its_turns_only(folder, store):
    ingest_transcripts(sorted(folder.iterdir()), store)
    other_before = store.query("SELECT * FROM turns WHERE transcript='teams_fg1.vtt'")
    typed = folder / "typed_fg4.txt"
    typed.write_text(
        typed.read_text(encoding="utf-8").replace("R: And governance helps?\n", ""), encoding="utf-8"
    )
    results = {r.transcript.name: r for r in ingest_transcripts(sorted(folder.iterdir()), store)}
    assert results["typed_fg4.txt"].changed and not results["teams_fg1.vtt"].changed
    rows = store.query("SELECT speaker_label, turn_index FROM turns WHERE transcript='typed_fg4.txt' "
                       "ORDER BY turn_index")
    assert [r["speaker_label"] for r in rows] == ["FACILITATOR", "P1", "Interviewer", "P2", "P1"]
    assert [tuple(r) for r in store.query("SELECT * FROM turns WHERE transcript='teams_fg1.vtt'")] == [
        tuple(r) for r in other_before
    ]


def test_bad_file_raises_and_leaves_earlier_files_stored(folder, store):
    (folder / "zz_empty.vtt").write_bytes(b"")
    with pytest.raises(TranscriptError):
        ingest_transcripts(sorted(folder.iterdir()), store)
    names = [r["name"] for r in store.query("SELECT name FROM transcripts ORDER BY name")]
    assert names == ["otter_fg3.txt", "teams_fg1.vtt", "typed_fg4.txt"]


def test_forget_missing_removes_transcripts_and_turns(folder, store):
    ingest_transcripts(sorted(folder.iterdir()), store)
    gone = forget_missing(store, {"typed_fg4.txt"})
    assert gone == ["otter_fg3.txt", "teams_fg1.vtt"]
    assert {r["transcript"] for r in store.query("SELECT transcript FROM turns")} == {"typed_fg4.txt"}
    assert forget_missing(store, {"typed_fg4.txt"}) == []


def test_two_files_with_one_name_are_refused(folder, store, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(FIXTURES / "zoom_fg2.vtt", other / "teams_fg1.vtt")
    with pytest.raises(TranscriptError) as info:
        ingest_transcripts([folder / "teams_fg1.vtt", other / "teams_fg1.vtt"], store)
    assert info.value.path == other / "teams_fg1.vtt"
    rows = store.query("SELECT DISTINCT speaker_label FROM turns WHERE transcript='teams_fg1.vtt'")
    assert "Ann Lee (SL)" not in {r["speaker_label"] for r in rows}


def test_store_transcripts_takes_already_read_transcripts(folder, store):
    transcripts = [read_transcript(p) for p in sorted(folder.iterdir())]
    assert all(r.changed for r in store_transcripts(transcripts, store))
    assert not any(r.changed for r in store_transcripts(transcripts, store))
    assert store.query("SELECT COUNT(*) AS n FROM turns")[0]["n"] == sum(len(t.turns) for t in transcripts)
    with pytest.raises(TranscriptError):
        store_transcripts([transcripts[0], transcripts[0]], store)


def test_sections_are_stored_with_their_transcript_never_as_turns(tmp_path, store):
    layouts = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"
    (result,) = ingest_transcripts([layouts / "photo_elicitation.txt"], store)
    row = store.query("SELECT sections FROM transcripts WHERE name='photo_elicitation.txt'")[0]
    stored = json.loads(row["sections"])
    assert stored == [{"title": s.title, "line": s.line, "turn_index": s.turn_index}
                      for s in result.transcript.sections]
    assert [s["title"] for s in stored] == ["Participant 14", "Image three", "Participant 15",
                                            "Cooking Again - Looking Back"]
    texts = [r["text"] for r in store.query("SELECT text FROM turns")]
    assert not any(s["title"] in text for s in stored for text in texts)


def test_a_store_from_an_earlier_version_gains_the_sections_column(tmp_path, folder):
    import sqlite3

    path = tmp_path / "old" / "fgkit.sqlite"
    path.parent.mkdir()
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE transcripts (name TEXT PRIMARY KEY, format TEXT NOT NULL, sha256 TEXT NOT NULL, "
        "n_turns INTEGER NOT NULL, n_words INTEGER NOT NULL, warnings TEXT NOT NULL DEFAULT '[]', "
        "ingested_at TEXT NOT NULL);"
        "INSERT INTO transcripts VALUES ('old.txt', 'typed', 'abc', 1, 2, '[]', '2025-01-01');"
    )
    old.commit()
    old.close()
    with Store.open(path) as upgraded:
        assert upgraded.query("SELECT sections FROM transcripts WHERE name='old.txt'")[0]["sections"] == "[]"
        ingest_transcripts(sorted(folder.iterdir()), upgraded)
        rows = upgraded.query("SELECT name, sections FROM transcripts ORDER BY name")
        assert [r["name"] for r in rows] == ["old.txt", "otter_fg3.txt", "teams_fg1.vtt", "typed_fg4.txt"]
        typed = json.loads(rows[-1]["sections"])
        assert [(s["title"], s["line"]) for s in typed] == [("Question 3.", 14)]
    with Store.open(path) as again:  # opening twice adds nothing twice
        columns = [r[1] for r in again.query("PRAGMA table_info(transcripts)")]
        assert columns.count("sections") == 1
