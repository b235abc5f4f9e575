"""The framework matrix: rows, cells, extractive summaries and quote references."""

from __future__ import annotations

import pytest

from fgkit.analysis.frames import load_frames
from fgkit.analysis.matrix import compute_matrix, evidence_passage
from fgkit.analysis.prevalence import compute_prevalence
from fgkit.analysis.results import MATRIX_COLUMNS


@pytest.fixture
def matrix(study):
    return compute_matrix(load_frames(study[1]), k=3)


def cell(matrix, row, code):
    hit = matrix[(matrix["row"] == row) & (matrix["code"] == code)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_rows_are_groups_then_one_summary_per_role(matrix):
    assert list(matrix.columns) == MATRIX_COLUMNS
    groups = matrix[matrix["row_type"] == "group"]
    summaries = matrix[matrix["row_type"] == "role_summary"]
    assert list(dict.fromkeys(groups["row"])) == ["FG1", "FG2", "FG3", "FG6"]
    # only FG3 has k people in every role: the role rows say which groups they cover
    assert list(dict.fromkeys(summaries["row"])) == ["Managers (FG3)"]
    assert len(matrix) == (4 + 1) * 4  # every row has a cell for every code
    assert cell(matrix, "FG3", "governance").role == "manager"
    assert cell(matrix, "FG6", "governance").role == "mixed"


def test_cells_count_protect_and_reference(matrix):
    fg1 = cell(matrix, "FG1", "pressure")
    assert fg1.segments == 4
    assert fg1.participants_display == "3"
    # references count turns from 1, by the shareable transcript's name
    assert fg1.quote_refs == "fg1 turn 2;fg1 turn 3;fg1 turn 4;fg1 turn 6"
    # FG1's accepted and suggested rows rest on fewer than 3 people: no segment split is given
    assert fg1.status_mix == "some checked" and fg1.checked == "some"
    fg6 = cell(matrix, "FG6", "governance")
    assert fg6.participants_display == "fewer than 3" and fg6.segments == 0
    empty = cell(matrix, "FG1", "governance")
    assert (empty.segments, empty.summary, empty.quote_refs, empty.status_mix) == (0, "", "", "")


def test_matrix_withholds_exactly_what_prevalence_withholds(study):
    frames = load_frames(study[1])
    prevalence = compute_prevalence(frames, 3)
    matrix = compute_matrix(frames, 3, prevalence)
    for r in matrix[matrix["participants_display"] != ""].itertuples():
        dim, key = ("group", "group") if r.row_type == "group" else ("role", "role")
        p = prevalence[(prevalence["dimension"] == dim) & (prevalence[key] == (r.row if dim == "group" else r.role))
                       & (prevalence["code"] == r.code) & (prevalence["status"] == "any")].iloc[0]
        if p.suppressed:
            assert r.participants_display in ("fewer than 3", "withheld") and r.segments == 0
        else:
            assert r.participants_display == str(p.participants) and r.segments == p.segments
    # governance: the managers' row would equal FG3's withheld cell
    assert cell(matrix, "Managers (FG3)", "governance").participants_display == "withheld"


def test_a_group_smaller_than_k_is_not_summarised(tmp_path, study_writer):
    from fgkit.store import Store

    roster = [("P1", "practitioner", "FG1"), ("P2", "practitioner", "FG1"), ("P3", "practitioner", "FG1"),
              ("M1", "manager", "FG9")]
    turns = [(pid, "The caseload is huge and the pressure never stops for any of us here.", {"pressure": "accepted"})
             for pid, _, _ in roster]
    store = Store.open(tmp_path / "s.sqlite")
    study_writer(store, turns, roster=roster)
    matrix = compute_matrix(load_frames(store), k=3)
    store.close()
    lone = cell(matrix, "FG9", "pressure")
    assert lone.summary.startswith("Not summarised") and lone.quote_refs == ""


def test_summary_prefers_accepted_codings_and_one_sentence_per_person(matrix):
    summary = cell(matrix, "FG1", "pressure").summary
    quoted = [s for s in summary.split('"') if s.strip()]
    assert 1 <= len(quoted) <= 3
    # accepted codings (P01's first turn, P02) come before the advanced practitioner's suggestion
    assert quoted[0].startswith(("My caseload", "The tray keeps"))
    assert "have no say" not in summary  # P01's second turn: P01 is already quoted
    # quotes are pseudonymised text: placeholders stay as the reader will see them
    assert "[Person 2]" in cell(matrix, "FG2", "emotional_labour").summary


def test_evidence_passage_is_whole_sentences_never_a_fragment():
    text = "Relentless. The tray is overflowing again and nobody can see the bottom of it! Last one?"
    out = evidence_passage(text, text.index("tray"))
    assert "The tray is overflowing again and nobody can see the bottom of it!" in out
    assert evidence_passage("Relentless.", 0) == ""  # a one-word remark is not a summary
    assert evidence_passage("Green, Amber, Red, Purple.", 0) == ""
    heading = frozenset({"question 2 allocation and fairness"})
    text = "Question 2. Allocation and fairness. We never get a say in which cases land in the tray."
    assert "Question 2" not in evidence_passage(text, 0, heading)


def test_matrix_is_deterministic(study):
    _, store = study
    first = compute_matrix(load_frames(store), k=3)
    second = compute_matrix(load_frames(store), k=3)
    assert first.equals(second)
