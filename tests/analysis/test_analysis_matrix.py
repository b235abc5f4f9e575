"""The framework matrix: rows, cells, extractive summaries and quote references."""

from __future__ import annotations

import pytest

from fgkit.analysis.frames import load_frames
from fgkit.analysis.matrix import compute_matrix, evidence_sentence
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
    assert list(dict.fromkeys(summaries["row"])) == [
        "Advanced practitioners (all groups)", "Managers (all groups)", "Practitioners (all groups)"]
    assert len(matrix) == (4 + 3) * 4  # every row has a cell for every code
    assert cell(matrix, "FG3", "governance").role == "manager"
    assert cell(matrix, "FG6", "governance").role == "mixed"


def test_cells_count_protect_and_reference(matrix):
    fg1 = cell(matrix, "FG1", "pressure")
    assert fg1.segments == 4
    assert fg1.participants_display == "3"
    assert fg1.quote_refs == "fg1.txt#1;fg1.txt#2;fg1.txt#3;fg1.txt#5"
    assert fg1.status_mix == "2 accepted, 2 suggested"
    fg6 = cell(matrix, "FG6", "governance")
    assert fg6.participants_display == "fewer than 3"
    empty = cell(matrix, "FG1", "governance")
    assert (empty.segments, empty.summary, empty.quote_refs, empty.status_mix) == (0, "", "", "")
    managers = cell(matrix, "Managers (all groups)", "governance")
    assert (managers.segments, managers.participants_display) == (4, "4")


def test_summary_prefers_accepted_codings_and_one_sentence_per_person(matrix):
    summary = cell(matrix, "FG1", "pressure").summary
    quoted = [s for s in summary.split('"') if s.strip()]
    assert 1 <= len(quoted) <= 3
    # accepted codings (P01's first turn, P02) come before the advanced practitioner's suggestion
    assert quoted[0].startswith(("My caseload", "The tray keeps"))
    assert "have no say" not in summary  # P01's second turn: P01 is already quoted
    # quotes are pseudonymised text: placeholders stay as the reader will see them
    assert "[Person 2]" in cell(matrix, "FG2", "emotional_labour").summary


def test_evidence_sentence_picks_the_sentence_holding_the_evidence():
    text = "First point here. The tray is overflowing again! Last one?"
    assert evidence_sentence(text, text.index("tray")) == "The tray is overflowing again!"
    assert evidence_sentence(text, None) == "First point here."
    long = "word " * 100
    assert evidence_sentence(long, 0).endswith("...") and len(evidence_sentence(long, 0)) <= 225


def test_matrix_is_deterministic(study):
    _, store = study
    first = compute_matrix(load_frames(store), k=3)
    second = compute_matrix(load_frames(store), k=3)
    assert first.equals(second)
