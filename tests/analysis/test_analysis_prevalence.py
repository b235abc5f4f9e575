"""Prevalence counts, shares and small-cell protection on the hand-checkable study."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fgkit.analysis import analyse_project, attribution_for, write_tables
from fgkit.analysis.frames import load_frames
from fgkit.analysis.prevalence import COLUMNS, compute_prevalence
from fgkit.store import Store


@pytest.fixture
def prevalence(study):
    _, store = study
    return compute_prevalence(load_frames(store), k=3)


def row(table, dimension, code, status, role="", group=""):
    hit = table[(table["dimension"] == dimension) & (table["code"] == code)
                & (table["status"] == status) & (table["role"] == role) & (table["group"] == group)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_columns_and_one_row_per_cell(prevalence):
    assert list(prevalence.columns) == COLUMNS
    # 4 codes x 3 statuses x (1 overall + 3 roles + 4 groups)
    assert len(prevalence) == 4 * 3 * 8
    assert not prevalence.duplicated(["dimension", "role", "group", "code", "status"]).any()


def test_overall_counts_exclude_rejected_codings_and_facilitators(prevalence):
    pressure = row(prevalence, "overall", "pressure", "any")
    assert (pressure.segments, pressure.segments_total) == (8, 16)
    assert (pressure.participants, pressure.participants_total) == (7, 15)
    assert (pressure.groups, pressure.groups_total) == (4, 4)
    assert pressure.share == pressure.segment_share == 0.5
    assert pressure.display == "raised in 4 of 4 groups, by 7 of 15 participants"
    # P03's fairness coding was rejected by a person: it does not count.
    assert row(prevalence, "overall", "fairness", "any").participants == 5


def test_accepted_and_suggested_are_counted_separately(prevalence):
    accepted = row(prevalence, "overall", "pressure", "accepted")
    suggested = row(prevalence, "overall", "pressure", "suggested")
    assert (accepted.segments, accepted.participants, accepted.groups) == (3, 3, 2)
    assert accepted.segment_share == round(3 / 16, 4)
    assert (suggested.segments, suggested.participants) == (5, 5)


def test_role_and_group_shares_use_their_own_totals(prevalence):
    managers = row(prevalence, "role", "governance", "any", role="manager")
    assert (managers.segments, managers.segments_total, managers.segment_share) == (4, 4, 1.0)
    assert managers.display == "raised in 2 of 2 groups, by 4 of 4 managers"
    practitioners = row(prevalence, "role", "emotional_labour", "any", role="practitioner")
    assert (practitioners.segments, practitioners.segments_total) == (3, 10)
    assert (practitioners.participants, practitioners.participants_total) == (3, 9)
    assert practitioners.participant_share == round(3 / 9, 4)
    fg1 = row(prevalence, "group", "pressure", "any", group="FG1")
    assert (fg1.segments, fg1.segments_total, fg1.participants, fg1.participants_total) == (4, 5, 3, 4)
    assert fg1.display == "raised by 3 of 4 participants in FG1"


def test_a_role_with_two_participants_is_suppressed(prevalence):
    cell = row(prevalence, "role", "pressure", "any", role="advanced_practitioner")
    assert cell.suppressed
    assert cell.display == "fewer than 3 participants"
    for column in ("segments", "participants", "participants_total", "segments_total", "share"):
        assert pd.isna(cell[column])
    not_raised = row(prevalence, "role", "governance", "any", role="advanced_practitioner")
    assert not not_raised.suppressed and not_raised.display == "not raised"
    assert pd.isna(not_raised.participants_total)


def test_complementary_suppression_hides_a_cell_that_would_reveal_a_small_one(prevalence):
    # Managers (1) and advanced practitioners (1) raised pressure; practitioners' 5 would let
    # a reader work out the other two as 7 - 5 = 2, so practitioners are withheld too.
    cell = row(prevalence, "role", "pressure", "any", role="practitioner")
    assert cell.suppressed and pd.isna(cell.participants)
    assert cell.display.startswith("withheld")


def hidden_families_are_protected(table: pd.DataFrame, k: int) -> None:
    overall = table[table["dimension"] == "overall"].set_index(["code", "status"])["participants"]
    for (dim, code, status), family in table[table["dimension"] != "overall"].groupby(
        ["dimension", "code", "status"]
    ):
        hidden = family[family["suppressed"]]
        if hidden.empty or pd.isna(overall[(code, status)]):
            continue
        derivable = overall[(code, status)] - family["participants"].dropna().sum()
        assert len(hidden) >= 2 and derivable >= k, (dim, code, status)


def test_written_csv_holds_no_raw_count_for_suppressed_rows(study):
    project, store = study
    result = analyse_project(project, store, topics=False)
    write_tables(project, result)
    with open(project.shareable("prevalence.csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    hidden = [r for r in rows if r["suppressed"] == "True"]
    assert hidden
    for r in hidden:
        assert r["participants"] == r["segments"] == r["share"] == r["groups"] == ""
        assert r["display"].startswith(("fewer than 3", "withheld"))
    small_role = [r for r in rows if r["role"] == "advanced_practitioner"]
    assert all(r["participants_total"] == "" for r in small_role)
    parquet = pd.read_parquet(project.shareable("prevalence.parquet"))
    pd.testing.assert_frame_equal(parquet, result.prevalence)
    hidden_families_are_protected(result.prevalence, 3)


def test_attribution_labels_a_lone_manager_by_group_only(study):
    project, store = study
    labels = attribution_for(project, store)
    assert labels[("M04", "FG6")] == "Participant, FG6"
    assert labels[("P07", "FG6")] == "Practitioner, FG6"
    assert labels[("M01", "FG3")] == "Manager, FG3"
    assert labels[("A01", "FG1")] == "Participant, FG1"
    assert not any(pid == "F01" for pid, _ in labels)


def test_summary_and_thin_data_notes(study):
    project, store = study
    result = analyse_project(project, store, topics=False)
    assert result.summary["participants_by_role"] == {
        "advanced_practitioner": "fewer than 3", "manager": "4", "practitioner": "9"}
    assert (result.summary["codings_accepted"], result.summary["codings_suggested"]) == (9, 11)
    assert result.summary["segments"] == 16 and result.summary["groups"] == 4
    assert any("Advanced practitioners: fewer than 3" in note for note in result.thin_data)
    assert result.topics.status == "disabled"


def test_k_is_read_from_settings_and_validated(study):
    project, store = study
    project.settings["analysis"]["small_cell_k"] = 5
    table = analyse_project(project, store, topics=False).prevalence
    assert row(table, "role", "governance", "any", role="manager").suppressed  # 4 < 5
    from fgkit.errors import SettingsError

    with pytest.raises(SettingsError, match="small_cell_k"):
        project.settings["analysis"]["small_cell_k"] = "three"


ROLES = ["practitioner", "manager", "advanced_practitioner"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    people=st.lists(st.tuples(st.sampled_from(ROLES), st.sampled_from(["FG1", "FG2", "FG3"])),
                    min_size=3, max_size=14),
    coded=st.lists(st.tuples(st.integers(0, 13), st.sampled_from(["pressure", "fairness"]),
                             st.sampled_from(["accepted", "suggested"])), max_size=20),
    k=st.integers(2, 4),
)
def test_no_hidden_count_can_be_derived_from_visible_ones(tmp_path_factory, study_writer, people, coded, k):
    roster = [(f"X{i:02d}", role, group) for i, (role, group) in enumerate(people)]
    turns = [(pid, "We talked about the caseload and the tray.", {}) for pid, _, _ in roster]
    for idx, code, status in coded:
        pid = roster[idx % len(roster)][0]
        turns.append((pid, f"Turn {len(turns)} about {code}.", {code: status}))
    store = Store.open(tmp_path_factory.mktemp("h") / "s.sqlite")
    study_writer(store, turns, roster=roster)
    table = compute_prevalence(load_frames(store), k)
    store.close()
    visible = table[~table["suppressed"]]
    assert not visible["participants"].dropna().between(1, k - 1).any()
    hidden_families_are_protected(table, k)
