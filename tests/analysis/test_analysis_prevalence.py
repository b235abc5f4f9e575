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
    # 4 codes x 3 statuses x (1 overall + 1 role + 4 groups): only FG3 has every role at k or
    # more people, so managers are the only role counted by role
    assert len(prevalence) == 4 * 3 * 6
    assert not prevalence.duplicated(["dimension", "role", "group", "code", "status"]).any()


def test_overall_counts_exclude_rejected_codings_and_facilitators(prevalence):
    pressure = row(prevalence, "overall", "pressure", "any")
    assert (pressure.segments, pressure.segments_total) == (8, 16)
    assert (pressure.participants, pressure.participants_total) == (7, 15)
    assert (pressure.groups, pressure.groups_total) == (4, 4)
    assert pressure.share == pressure.segment_share == 0.5
    # machine suggestions are "coded", never "raised": only a person's acceptance says that
    assert pressure.display == "coded in 4 of 4 groups, for 7 of 15 participants"
    # P03's fairness coding was rejected by a person: it does not count.
    assert row(prevalence, "overall", "fairness", "any").participants == 5


def test_accepted_and_suggested_are_counted_separately(prevalence):
    accepted = row(prevalence, "overall", "pressure", "accepted")
    suggested = row(prevalence, "overall", "pressure", "suggested")
    assert (accepted.segments, accepted.participants, accepted.groups) == (3, 3, 2)
    assert accepted.segment_share == round(3 / 16, 4)
    assert (suggested.segments, suggested.participants) == (5, 5)


def test_role_and_group_shares_use_their_own_totals(prevalence):
    practitioners = row(prevalence, "group", "pressure", "any", group="FG1")
    assert (practitioners.segments, practitioners.segments_total) == (4, 5)
    assert (practitioners.participants, practitioners.participants_total) == (3, 4)
    assert practitioners.participant_share == 0.75
    assert practitioners.display == "coded for 3 of 4 participants in FG1"
    accepted = row(prevalence, "group", "pressure", "accepted", group="FG1")
    assert accepted.display == "fewer than 3 participants"


def test_only_groups_whose_every_role_has_k_people_count_by_role(prevalence):
    # FG1, FG2 (one advanced practitioner each) and FG6 (one manager) are left out of role
    # figures: the lone manager M04 is in no "N of M managers" count.
    assert set(prevalence.loc[prevalence["dimension"] == "role", "role"]) == {"manager"}
    managers = row(prevalence, "role", "fairness", "any", role="manager")
    assert managers.participants_total == 3 and managers.groups_total == 1
    assert managers.display == "fewer than 3 participants"


def test_zero_is_no_coding_not_not_raised(prevalence):
    assert not (prevalence["display"] == "not raised").any()
    empty = row(prevalence, "group", "governance", "accepted", group="FG1")
    assert not empty.suppressed and empty.display == "none accepted"
    assert row(prevalence, "group", "governance", "any", group="FG1").display == "no codings"


def test_a_cell_the_others_would_reveal_is_withheld_across_dimensions(prevalence):
    # Governance: FG3's three managers and FG6's lone manager. Overall (4) minus FG3 (3) would
    # be FG6's one person, and the managers' row equals FG3: both are withheld.
    assert row(prevalence, "overall", "governance", "any").participants == 4
    assert row(prevalence, "group", "governance", "any", group="FG6").display == "fewer than 3 participants"
    for cell in (row(prevalence, "group", "governance", "any", group="FG3"),
                 row(prevalence, "role", "governance", "any", role="manager")):
        assert cell.suppressed and pd.isna(cell.participants)
        assert cell.display.startswith("withheld")


def test_parent_codes_hold_their_sub_codes_once(study):
    _, store = study
    frames = load_frames(store, {"emotional_labour": "pressure"})
    table = compute_prevalence(frames, k=3)
    # pressure's 7 participants plus P06, whose only coding is emotional labour; P02's segment
    # carries both codes and counts once
    assert row(table, "overall", "pressure", "any").participants == 8
    assert row(table, "overall", "pressure", "any").segments == 9
    assert row(table, "overall", "emotional_labour", "any").participants == 3


def test_doubtful_and_rejected_codings_never_count(study):
    from fgkit.analysis.frames import roll_up

    _, store = study
    codings = load_frames(store).codings
    assert set(codings["status"]) <= {"accepted", "suggested"}
    doubtful = codings.assign(status="doubtful")
    assert roll_up(doubtful, {}).empty


def hidden_families_are_protected(table: pd.DataFrame, k: int) -> None:
    overall = table[table["dimension"] == "overall"].set_index(["code", "status"])["participants"]
    for (dim, code, status), family in table[table["dimension"] != "overall"].groupby(
        ["dimension", "code", "status"]
    ):
        hidden = family[family["suppressed"]]
        if hidden.empty or pd.isna(overall[(code, status)]):
            continue
        if dim == "role":
            continue  # roles cover only some groups: checked by the linked audit below
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
    assert not [r for r in rows if r["role"] == "advanced_practitioner"]
    parquet = pd.read_parquet(project.shareable("prevalence.parquet"))
    pd.testing.assert_frame_equal(parquet, result.prevalence)
    hidden_families_are_protected(result.prevalence, 3)


def test_attribution_labels_a_lone_manager_by_group_only(study):
    project, store = study
    labels = attribution_for(project, store)
    # everyone in FG6 is "Participant, FG6": labelling the practitioners by role would make
    # "Participant, FG6" the lone manager
    assert labels[("M04", "FG6")] == "Participant, FG6"
    assert labels[("P07", "FG6")] == "Participant, FG6"
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
    # k = 5: no group has five people in every role, so nothing is counted by role
    assert not (table["dimension"] == "role").any()
    assert row(table, "group", "governance", "any", group="FG3").suppressed  # 3 < 5
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
    role_minus_groups_reveals_nothing(table, roster, k)


def role_minus_groups_reveals_nothing(table: pd.DataFrame, roster, k: int) -> None:
    """A visible role total minus that role's visible single-role groups must not leave one
    mixed group's small count; and no role row counts a group where some role is under k."""
    sizes: dict[tuple[str, str], int] = {}
    for _, role, group in roster:
        sizes[(role, group)] = sizes.get((role, group), 0) + 1
    safe = {g for _, _, g in roster if all(n >= k for (r, gg), n in sizes.items() if gg == g)}
    roles_of = {g: {r for (r, gg) in sizes if gg == g} for g in safe}
    for (code, status), rows in table.groupby(["code", "status"]):
        groups = {r.group: r for r in rows[rows["dimension"] == "group"].itertuples()}
        for r in rows[(rows["dimension"] == "role") & ~rows["suppressed"]].itertuples():
            assert int(r.participants_total) == sum(n for (role, g), n in sizes.items() if role == r.role and g in safe)
            mine = [g for g in safe if r.role in roles_of[g]]
            single = [g for g in mine if roles_of[g] == {r.role}]
            mixed = [g for g in mine if g not in single]
            if len(mixed) == 1 and all(not groups[g].suppressed for g in single):
                left = int(r.participants) - sum(int(groups[g].participants) for g in single)
                assert not 0 < left < k, (code, status, r.role, mixed[0], left)


def test_group_sizes_cannot_pin_down_a_small_mixed_count(tmp_path, study_writer):
    # FG2 holds three practitioners and three managers; one FG2 practitioner, every manager and
    # every FG1 practitioner raised it. Practitioners 4 minus FG1's 3 would be FG2's lone one;
    # with FG1 hidden, managers 6 with at most 3 in each group would still give it away.
    roster = [(f"a{i}", "practitioner", "FG1") for i in range(3)]
    roster += [(f"b{i}", "practitioner", "FG2") for i in range(3)] + [(f"c{i}", "manager", "FG2") for i in range(3)]
    roster += [(f"d{i}", "manager", "FG3") for i in range(3)]
    coded = {"a0", "a1", "a2", "b0", "c0", "c1", "c2", "d0", "d1", "d2"}
    turns = [(pid, "We talked about the caseload at length.", {"pressure": "accepted"} if pid in coded else {})
             for pid, _, _ in roster]
    store = Store.open(tmp_path / "s.sqlite")
    study_writer(store, turns, roster=roster)
    table = compute_prevalence(load_frames(store), 3)
    store.close()
    role_minus_groups_reveals_nothing(table, roster, 3)
    shown = table[(table["status"] == "any") & ~table["suppressed"]]
    practitioners = shown[shown["role"] == "practitioner"]
    managers = shown[shown["role"] == "manager"]
    fg1 = shown[shown["group"] == "FG1"]
    fg2 = shown[shown["group"] == "FG2"]
    assert practitioners.empty or fg1.empty  # 4 - 3 = 1
    # managers 6, at most 3 in FG3, so 3 in FG2; FG2's 4 minus those 3 would be the one
    assert practitioners.empty or managers.empty or fg2.empty
