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


# Role-counted groups: FG1, FG2 practitioners (4 each), FG3 managers (4), FG4 managers (3);
# FG5 mixes three practitioners with one manager, so it counts in no role's words.
ROLE_ROSTER = (
    [(f"P{i}", "practitioner", "FG1") for i in range(1, 5)]
    + [(f"P{i}", "practitioner", "FG2") for i in range(5, 9)]
    + [(f"M{i}", "manager", "FG3") for i in range(1, 5)]
    + [(f"M{i}", "manager", "FG4") for i in range(5, 8)]
    + [("P9", "practitioner", "FG5"), ("P10", "practitioner", "FG5"), ("P11", "practitioner", "FG5"),
       ("M8", "manager", "FG5")]
)
PRACTICE = [
    "My caseload is huge again and the duty tray keeps filling up before lunch.",
    "I was on duty all week and the tray never emptied, the caseload just grows.",
    "Visits overran, so the notes waited until the evening and [Person 1] rang about the caseload.",
]
MANAGING = [
    "The budget forecast went to the board and the performance dashboard looks grim.",
    "I spend the week on the budget, the dashboard and whatever the board wants next.",
    "Performance figures on the dashboard decide where the budget goes this quarter.",
]
SHARED = "We talked about the team and the week and what helps people keep going."


def role_turns():
    turns = []
    for pid, role, group in ROLE_ROSTER:
        lines = PRACTICE if role == "practitioner" else MANAGING
        turns += [(pid, line, {}) for line in lines] + [(pid, SHARED, {})]
    # The lone FG5 manager's pet word: used often, but by someone no role figure may include.
    turns += [("M8", "Rota rota rota, the rota is everything to me, the rota decides.", {})] * 3
    return turns


@pytest.fixture
def role_frames(study_writer, tmp_path):
    from fgkit.store import Store

    store = Store.open(tmp_path / "roles.sqlite")
    study_writer(store, role_turns(), roster=ROLE_ROSTER)
    yield load_frames(store)
    store.close()


def test_each_role_gets_its_own_words_with_strong_evidence_only(role_frames):
    terms = compute_distinctive_terms(role_frames, k=3)
    assert list(terms.columns) == ["role", "term", "score", "count", "rank"]
    managers = terms[terms["role"] == "manager"]["term"].tolist()
    practitioners = terms[terms["role"] == "practitioner"]["term"].tolist()
    assert {"budget", "dashboard", "performance"} <= set(managers)
    assert {"caseload", "tray"} <= set(practitioners)
    assert not set(managers) & {"caseload", "tray"}
    assert (terms["score"] >= 1.96).all()
    # words both roles used alike are never listed, whatever their count
    assert not set(terms["term"]) & {"team", "week", "people"}
    for _, group in terms.groupby("role"):
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert group["score"].is_monotonic_decreasing


def test_weak_evidence_gives_no_list_rather_than_noise(role_frames):
    loose = compute_distinctive_terms(role_frames, k=3, min_z=0)
    strict = compute_distinctive_terms(role_frames, k=3)
    weak = loose[loose["score"] < 1.96]
    assert len(weak)
    assert not set(zip(weak["role"], weak["term"])) & set(zip(strict["role"], strict["term"]))
    assert compute_distinctive_terms(role_frames, k=3, min_z=50).empty


def test_a_group_not_counted_by_role_adds_no_words(role_frames):
    terms = compute_distinctive_terms(role_frames, k=3, min_z=0).set_index(["role", "term"])
    # seven counted managers say "budget" three times each; FG5's lone manager is not counted
    assert terms.loc[("manager", "budget"), "count"] == 21
    assert terms.loc[("practitioner", "caseload"), "count"] == 8 * 3
    assert "rota" not in set(terms.index.get_level_values("term"))


def test_placeholders_and_stopwords_are_left_out(role_frames):
    terms = compute_distinctive_terms(role_frames, k=3, min_z=0)
    assert not terms["term"].str.contains(r"person|place|\[|\d", regex=True).any()
    assert not set(terms["term"]) & {"the", "and", "is", "i"}


def test_the_fixture_study_has_only_one_role_counted(frames):
    # FG1, FG2 (one advanced practitioner each) and FG6 (one manager) count in no role's
    # figures, which leaves FG3's managers alone: nothing to compare them with.
    assert compute_distinctive_terms(frames, k=3, min_z=0).empty


def test_bigrams_are_scored(study_writer, tmp_path):
    from fgkit.store import Store

    roster = [(f"P{i}", "practitioner", "FG1") for i in range(4)] + [
        (f"M{i}", "manager", "FG2") for i in range(4)]
    turns = [(f"P{i}", "The duty tray fills and supervision gets cancelled again.", {}) for i in range(4)]
    turns += [(f"M{i}", "The budget forecast went to the quarterly board meeting.", {}) for i in range(4)]
    store = Store.open(tmp_path / "s.sqlite")
    study_writer(store, turns, roster=roster)
    terms = compute_distinctive_terms(load_frames(store), k=3, min_z=0)
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
    terms = set(compute_distinctive_terms(load_frames(store), k=3, min_z=0)["term"])
    store.close()
    assert {"duty tray", "budget"} <= terms
    assert not terms & {"practitioner", "manager", "it", "yeah", "like", "won", "wo", "re", "ll"}
