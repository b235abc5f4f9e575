"""The store's named queries, on SQLite and on a real PostgreSQL server: the same questions,
the same answers, seeded through the store's API."""

from __future__ import annotations

from fgkit.records import PseudoTurn, Section, Transcript, Turn
from fgkit.store import Store


def _transcript(name: str, texts: list[tuple[str, str]]) -> Transcript:
    turns = tuple(Turn(f"{name}-{i}", i, speaker, text, i + 1) for i, (speaker, text) in enumerate(texts))
    return Transcript(name, "typed", f"sha-{name}-{len(texts)}", turns, ("a warning",), (Section("Part 1", 1, 0),))


def _segment(segment_id, turn, transcript, index, participant, role="practitioner"):
    return (segment_id, turn, transcript, index, "turn", 0, 10, f"text of {segment_id}", "P", participant,
            role, "FG1")


def _pseudo(store: Store, rows):
    # (turn_id, transcript, index, participant_id, speaker, role, group, text, start, source_hash)
    store.replace_pseudo_turns([PseudoTurn(*row) for row in rows])


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


def _coding(seg, code, coder, confidence=0.9, status="suggested", evidence=""):
    return (seg, code, coder, status, confidence, evidence, None, None, "", None)


_STUDY = [("t1", "fg1.txt", 0, "F1", "Facilitator 1", "facilitator", "FG1", "What helps?", None, "h"),
          ("t2", "fg1.txt", 1, "P02", "Practitioner 02", "practitioner", "FG1", "Rotas help a lot.", 1.5, "h"),
          ("t3", "fg1.txt", 2, "P01", "Carer 01", "carer", "FG1", "Not for me.", None, "h"),
          ("t0", "fg2.txt", 0, "P01", "Carer 01", "carer", "FG2", "Again here.", None, "h")]


def test_turns_raw_and_pseudonymised(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    store.replace_transcript(_transcript("fg2.txt", [("Ann Lee", "Later.")]))
    store.replace_transcript(_transcript("fg1.txt", [("Facilitator", "Hello."), ("Bo Chan", "Busy week.")]))
    assert [(r["transcript"], r["turn_index"], r["speaker_label"]) for r in store.raw_turns()] == [
        ("fg1.txt", 0, "Facilitator"), ("fg1.txt", 1, "Bo Chan"), ("fg2.txt", 0, "Ann Lee")]
    _pseudo(store, _STUDY)
    _pseudo(store, _STUDY)  # replaces, never appends
    turns = store.participant_turns()
    assert list(turns["turn_id"]) == ["t1", "t2", "t3", "t0"] and turns["start"].iloc[1] == 1.5
    assert store.people() == [("P01", "carer", "FG1"), ("P01", "carer", "FG2"), ("P02", "practitioner", "FG1")]
    assert store.people("carer")[0] == ("F1", "facilitator", "FG1")
    assert store.group_role_counts() == [("FG1", "carer", 1), ("FG1", "practitioner", 1), ("FG2", "carer", 1)]
    assert store.role_counts() == {"carer": 1, "practitioner": 1}
    assert store.spoken_texts() == ["Rotas help a lot.", "Not for me.", "Again here."]
    assert store.speakers() == ["Carer 01", "Facilitator 1", "Practitioner 02"]
    assert [r["text"] for r in store.role_turns({"facilitator"})] == ["What helps?"]
    assert store.role_turns(set()) == []
    assert store.serve_transcripts() == [{"transcript": "fg1.txt", "group": "FG1", "turns": 3},
                                         {"transcript": "fg2.txt", "group": "FG2", "turns": 1}]


def test_pseudonymised_texts_are_turns_evidence_and_memos(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    store.replace_codings(["rules:v1"], [_coding("s1", "ai", "rules:v1", evidence="help a lot")])
    assert store.pseudonymised_texts() == []  # nothing pseudonymised yet: nothing to show
    _pseudo(store, _STUDY)
    store.add_reviews([("s1", "ai", "accept", "amy", "2026-01-01T10:00:00", "fits", "w.xlsx", "AI"),
                       ("s1", "ai", "accept", "ben", "2026-01-01T10:00:00", "", "w.xlsx", "AI")])
    assert store.pseudonymised_texts() == ["Again here.", "What helps?", "Rotas help a lot.", "Not for me.",
                                           "help a lot", "fits"]


def test_segments_and_codings_frames(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    _pseudo(store, _STUDY)
    store.replace_segments([_segment("s2", "t2", "fg1.txt", 1, "P02"), _segment("s3", "t3", "fg1.txt", 2, "P01"),
                            _segment("s9", "t9", "fg1.txt", 9, "P09")])
    assert store.consenting_segment_ids() == {"s2", "s3"} == store.serve_segment_ids()
    assert store.segment_texts() == {"s2": "text of s2", "s3": "text of s3", "s9": "text of s9"}
    store.replace_codings(["rules:v1", "refi:nvivo"], [
        _coding("s3", "ai", "rules:v1", 0.5), _coding("s2", "ai", "rules:v1", 0.4),
        _coding("s2", "ai", "refi:nvivo", 1.0), _coding("s2", "ai", "classifier:v1", 0.8, "doubtful")])
    everything = store.codings()
    assert list(zip(everything["segment_id"], everything["coder"])) == [
        ("s2", "refi:nvivo"), ("s2", "classifier:v1"), ("s2", "rules:v1"), ("s3", "rules:v1")]
    assert list(store.codings(machine_only=True)["coder"]) == ["classifier:v1", "rules:v1", "rules:v1"]
    assert list(store.codings("rules:v1")["confidence"]) == [0.4, 0.5]
    assert list(store.codings("nobody").columns)[:4] == ["segment_id", "code", "coder", "status"]
    counts = store.coder_counts()
    assert list(zip(counts["coder"], counts["n"])) == [("classifier:v1", 1), ("refi:nvivo", 1), ("rules:v1", 2)]


def test_refresh_codings_keeps_what_reviewers_saw(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    store.replace_codings(["learner:v1", "rules:v1"], [
        _coding("s1", "ai", "learner:v1", 0.6), _coding("s2", "ai", "learner:v1", 0.7),
        _coding("s3", "ai", "learner:v1", 0.7), _coding("s1", "ai", "rules:v1")])
    store.refresh_codings("learner:v1", [_coding("s3", "ai", "learner:v1", 0.2),
                                         _coding("s4", "ai", "learner:v1", 0.3)], keep_segments={"s2", "s3"})
    mine = store.codings("learner:v1")
    # s1 is stale (unreviewed), s2 is kept (reviewed), s3 is replaced, s4 is new; other coders untouched.
    assert list(zip(mine["segment_id"], mine["confidence"])) == [("s2", 0.7), ("s3", 0.2), ("s4", 0.3)]
    assert store.coded_pairs("rules:v1") == {("s1", "ai")}


def test_reviews_added_and_decisions_per_reviewer(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    store.add_reviews([
        ("s1", "ai", "accept", "amy", "2026-01-01T10:00:00", "", "w.xlsx", "AI"),
        ("s1", "ai", "reject", "ben", "2026-01-01T11:00:00", "no", "w.xlsx", "AI"),
        ("s1", "ai", "reject", "amy", "2026-01-01T12:00:00", "", "w.xlsx", "AI"),
        ("s2", "ai", "add", "amy", "2026-01-01T13:00:00", "", "w.xlsx", "AI tools"),
    ])
    latest = store.decisions_per_reviewer()
    assert list(zip(latest["segment_id"], latest["reviewer"], latest["decision"])) == [
        ("s1", "ben", "reject"), ("s1", "amy", "reject"), ("s2", "amy", "add")]
    assert {"review_id", "memo", "source", "code_label"} <= set(latest.columns)
    assert list(store.latest_decisions()["decision"]) == ["reject", "add"]


def test_transcript_summaries(tmp_path, store_engine):
    store = _open(tmp_path, store_engine)
    assert store.format_summary() == [] and store.transcript_sections() == []
    store.replace_transcript(_transcript("fg2.txt", [("P1", "Fine thanks."), ("P2", "Yes.")]))
    store.replace_transcript(_transcript("fg1.txt", [("P1", "Fine.")]))
    assert store.format_summary() == [{"format": "typed", "files": 2, "turns": 3, "words": 4}]
    assert store.transcript_sections() == ['[{"title": "Part 1", "line": 1, "turn_index": 0}]'] * 2
