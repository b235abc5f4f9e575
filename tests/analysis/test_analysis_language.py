"""Distinctive terms by role (weighted log-odds) and code co-occurrence."""

from __future__ import annotations

import pandas as pd
import pytest

from fgkit.analysis.cooccurrence import compute_cooccurrence
from fgkit.analysis.distinctive import compute_distinctive_terms
from fgkit.analysis.frames import load_frames, strip_placeholders


@pytest.fixture
def frames(study):
    return load_frames(study[1])


def test_each_role_gets_its_own_words(frames):
    terms = compute_distinctive_terms(frames, k=3)
    assert list(terms.columns) == ["role", "term", "score", "count", "rank"]
    managers = terms[terms["role"] == "manager"]["term"].tolist()
    practitioners = terms[terms["role"] == "practitioner"]["term"].tolist()
    assert {"budget", "performance", "dashboard"} <= set(managers)
    assert "caseload" in practitioners and "tray" in practitioners
    assert not set(managers) & {"caseload", "tray"}
    assert (terms["score"] > 0).all()
    for _, group in terms.groupby("role"):
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert group["score"].is_monotonic_decreasing


def test_small_roles_placeholders_and_stopwords_are_left_out(frames):
    terms = compute_distinctive_terms(frames, k=3)
    assert "advanced_practitioner" not in set(terms["role"])
    assert not terms["term"].str.contains(r"person|place|\[|\d", regex=True).any()
    assert not set(terms["term"]) & {"the", "and", "is", "i"}
    # a term only one practitioner used is never listed
    assert "agency" not in set(terms["term"])


def test_bigrams_are_scored(study_writer, tmp_path):
    from fgkit.store import Store

    roster = [(f"P{i}", "practitioner", "FG1") for i in range(4)] + [
        (f"M{i}", "manager", "FG2") for i in range(4)]
    turns = [(f"P{i}", "The duty tray fills and supervision gets cancelled again.", {}) for i in range(4)]
    turns += [(f"M{i}", "The budget forecast went to the quarterly board meeting.", {}) for i in range(4)]
    store = Store.open(tmp_path / "s.sqlite")
    study_writer(store, turns, roster=roster)
    terms = compute_distinctive_terms(load_frames(store), k=3)
    store.close()
    assert "budget forecast" in set(terms[terms["role"] == "manager"]["term"])
    assert "duty tray" in set(terms[terms["role"] == "practitioner"]["term"])


def test_a_single_role_study_has_no_comparison(study_writer, tmp_path):
    from fgkit.store import Store

    roster = [(f"P{i}", "practitioner", "FG1") for i in range(4)]
    store = Store.open(tmp_path / "s.sqlite")
    study_writer(store, [(p, "The tray is full.", {}) for p, _, _ in roster], roster=roster)
    assert compute_distinctive_terms(load_frames(store), k=3).empty
    store.close()


def test_placeholders_are_stripped():
    assert strip_placeholders("I told [Person 1] at [Place 2].").split() == ["I", "told", "at", "."]


def test_cooccurrence_counts_and_jaccard(frames):
    table = compute_cooccurrence(frames)
    assert list(table.columns) == ["level", "code_a", "code_b", "count", "jaccard"]
    seg = table[table["level"] == "segment"].set_index(["code_a", "code_b"])
    # P02 and P09 both carry emotional_labour with pressure; 3 + 8 - 2 = 9 segments hold either.
    assert seg.loc[("emotional_labour", "pressure"), "count"] == 2
    assert seg.loc[("emotional_labour", "pressure"), "jaccard"] == round(2 / 9, 4)
    assert seg.loc[("fairness", "governance"), "count"] == 1
    assert ("emotional_labour", "fairness") not in seg.index
    assert (table["code_a"] < table["code_b"]).all()


def test_turn_level_joins_codes_on_different_sentences(study_writer, tmp_path):
    from fgkit.store import Store

    roster = [("P1", "practitioner", "FG1")]
    store = Store.open(tmp_path / "s.sqlite")
    study_writer(store, [("P1", "The tray is full.", {"pressure": "suggested"})], roster=roster)
    # a second sentence-level segment of the same turn, coded differently
    turn = store.query("SELECT * FROM segments")[0]
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            ("second", turn["turn_id"], turn["transcript"], turn["turn_index"], "sentence", 0, 5,
             "I cry.", turn["speaker"], "P1", "practitioner", "FG1"))
        conn.execute("INSERT INTO codings(segment_id, code, coder) VALUES ('second', 'emotional_labour', 'rules:v1')")
    table = compute_cooccurrence(load_frames(store))
    store.close()
    assert table[table["level"] == "segment"].empty
    turn_rows = table[table["level"] == "turn"]
    assert turn_rows[["code_a", "code_b", "count", "jaccard"]].values.tolist() == [
        ["emotional_labour", "pressure", 1, 1.0]]


def test_empty_store_gives_empty_tables(tmp_path):
    from fgkit.store import Store

    store = Store.open(tmp_path / "s.sqlite")
    frames = load_frames(store)
    assert compute_cooccurrence(frames).empty
    assert compute_distinctive_terms(frames, k=3).empty
    assert isinstance(compute_cooccurrence(frames), pd.DataFrame)
    store.close()


def test_pseudonyms_in_speech_clitics_and_fillers_never_become_terms(study_writer, tmp_path):
    from fgkit.store import Store

    roster = [(f"P{i}", "practitioner", "FG1") for i in range(4)] + [
        (f"M{i}", "manager", "FG2") for i in range(4)]
    turns = [(f"P{i}", "Yeah it's like Practitioner 2 said, the duty tray won't empty.", {})
             for i in range(4)]
    turns += [(f"M{i}", "We're told the budget won't stretch, as Manager 1 knows.", {}) for i in range(4)]
    store = Store.open(tmp_path / "s.sqlite")
    study_writer(store, turns, roster=roster)
    terms = set(compute_distinctive_terms(load_frames(store), k=3)["term"])
    store.close()
    assert {"duty tray", "budget"} <= terms
    assert not terms & {"practitioner", "manager", "it", "yeah", "like", "won", "wo", "re", "ll"}
