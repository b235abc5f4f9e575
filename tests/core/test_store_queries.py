"""The store's named queries, on SQLite and on a real PostgreSQL server: the same questions,
the same answers, seeded through the store's API."""

from __future__ import annotations

from fgkit.records import Section, Transcript, Turn
from fgkit.store import Store


def _transcript(name: str, texts: list[tuple[str, str]]) -> Transcript:
    turns = tuple(Turn(f"{name}-{i}", i, speaker, text, i + 1) for i, (speaker, text) in enumerate(texts))
    return Transcript(name, "typed", f"sha-{name}-{len(texts)}", turns, ("a warning",), (Section("Part 1", 1, 0),))


def _segment(segment_id, turn, transcript, index, participant, role="practitioner"):
    return (segment_id, turn, transcript, index, "turn", 0, 10, f"text of {segment_id}", "P", participant,
            role, "FG1")


def _pseudo(store: Store, rows):
    # The pseudonymiser writes these; seeded here the way it stores them.
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO pseudo_turns(turn_id, transcript, turn_index, participant_id, speaker, role,"
            " group_name, text, start, source_hash) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)


def _open(tmp_path, store_engine) -> Store:
    _engine, url = store_engine
    return Store.open(tmp_path / "s.sqlite", url=url)


def test_transcripts_replace_and_forget(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    store.replace_transcript(_transcript("fg1.txt", [("Facilitator", "Hello."), ("Ann Lee", "Busy week.")]))
    assert store.transcript_sha256("fg1.txt") == "sha-fg1.txt-2"
    assert store.transcript_sha256("missing.txt") is None
    store.replace_transcript(_transcript("fg1.txt", [("Facilitator", "Hello again.")]),
                             seal=lambda _t, label: f"sealed:{len(label)}")
    labels = [r["speaker_label"] for r in store.query("SELECT speaker_label FROM turns")]
    assert labels == ["sealed:11"]
    store.replace_transcript(_transcript("fg2.txt", [("P1", "Fine.")]))
    assert store.transcript_names() == ["fg1.txt", "fg2.txt"]
    store.forget_transcripts(["fg1.txt"])
    assert store.transcript_names() == ["fg2.txt"]
    assert [r["transcript"] for r in store.query("SELECT transcript FROM turns")] == ["fg2.txt"]


def test_consenting_segments_leave_out_withdrawn_and_unpseudonymised(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    _pseudo(store, [("t1", "fg1.txt", 1, "P01", "Practitioner 01", "practitioner", "FG1", "a", None, "h"),
                    ("t2", "fg1.txt", 2, "P02", "Practitioner 02", "practitioner", "FG1", "b", None, "h")])
    removed = store.replace_segments([_segment("s1", "t1", "fg1.txt", 1, "P01"),
                                      _segment("s2", "t2", "fg1.txt", 2, "P02"),
                                      _segment("s3", "t9", "fg1.txt", 3, "P09")])
    assert removed == 0
    assert list(store.consenting_segments()["segment_id"]) == ["s1", "s2"]
    assert list(store.consenting_segments({"P02"})["segment_id"]) == ["s1"]
    assert list(store.participant_turns({"P01"})["turn_id"]) == ["t2"]
    assert "group" in store.participant_turns().columns
    assert store.replace_segments([_segment("s1", "t1", "fg1.txt", 1, "P01")]) == 2
    assert store.count_segments() == 1


def test_codable_turns_skip_roles(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    _pseudo(store, [("t1", "fg1.txt", 0, "F1", "Facilitator 1", "facilitator", "FG1", "q", None, "h"),
                    ("t2", "fg1.txt", 1, "P01", "Practitioner 01", "practitioner", "FG1", "a", None, "h")])
    assert [r["turn_id"] for r in store.codable_turns({"facilitator"})] == ["t2"]
    assert [r["turn_id"] for r in store.codable_turns(set())] == ["t1", "t2"]


def test_codings_replaced_per_coder_and_latest_decisions(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    row = lambda seg, code, coder: (seg, code, coder, "suggested", 0.9, "", None, None, "", None)  # noqa: E731
    store.replace_codings(["rules:v1"], [row("s1", "pressure", "rules:v1"), row("s2", "fairness", "rules:v1")])
    store.replace_codings(["refi:other"], [row("s1", "ai", "refi:other")])
    store.replace_codings(["rules:v1"], [row("s2", "pressure", "rules:v1")])
    assert store.coded_pairs() == {("s2", "pressure")}
    assert store.coded_pairs("refi:other") == {("s1", "ai")}
    assert store.has_codings("refi:other") and not store.has_codings("classifier:v1")
    assert not store.has_reviews()
    store.serve_add_reviews([
        ("s2", "pressure", "accept", "amy", "2026-01-01T10:00:00", "", "worksheet", "Pressure"),
        ("s2", "pressure", "reject", "ben", "2026-01-01T11:00:00", "", "worksheet", "Pressure"),
        ("s2", "pressure", "reject", "amy", "2026-01-01T12:00:00", "", "worksheet", "Pressure"),
        ("s2", "pressure", "accept", "ben", "2026-01-01T13:00:00", "", "worksheet", "Pressure"),
    ])
    everyone = store.latest_decisions()
    assert list(everyone["decision"]) == ["accept"] and list(everyone["reviewer"]) == ["ben"]
    amy = store.latest_decisions(reviewer="amy")
    assert list(amy["decision"]) == ["reject"]
    assert store.has_reviews()


def test_table_digest_changes_with_rows_only(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    empty = store.table_digest("segments")
    store.replace_segments([_segment("s1", "t1", "fg1.txt", 1, "P01")])
    once = store.table_digest("segments")
    store.replace_segments([_segment("s1", "t1", "fg1.txt", 1, "P01")])
    assert once != empty and store.table_digest("segments") == once


def test_cache_round_trip_and_upsert(tmp_path, store_engine):
    import numpy as np

    store = _open(tmp_path, store_engine)
    store.cache_put_many("emb", {"a": np.arange(3, dtype="float32"), "b": {"k": (1, 2)}})
    store.cache_put_many("emb", {"a": np.ones(2, dtype="float32")})
    found = store.cache_get_many("emb", ["a", "b", "missing"])
    assert found["a"].tolist() == [1.0, 1.0] and found["b"] == {"k": (1, 2)} and "missing" not in found


def test_reopening_runs_no_migration_twice_and_upgrades_an_old_store(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    store.replace_transcript(_transcript("fg1.txt", [("P1", "Fine.")]))
    store.close()
    store = _open(tmp_path, store_engine)
    versions = [r[0] for r in store.query("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == sorted(set(versions)) and versions
    assert store.transcript_names() == ["fg1.txt"]
    # A store written before section headings were kept lacks the column: opening adds it.
    with store.transaction() as conn:
        conn.execute("DELETE FROM schema_migrations")
        conn.execute("ALTER TABLE transcripts DROP COLUMN sections")
    store.close()
    store = _open(tmp_path, store_engine)
    assert store.query("SELECT sections FROM transcripts")[0][0] == "[]"
