"""The report context: quote balance and attribution, suppression, headlines, methods."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from fgkit.report.context import build_context
from fgkit.report.quotes import select_quotes, trim_quote


@pytest.fixture(scope="module")
def ctx(coded_study):
    project, store, analysis = coded_study
    return build_context(project, store, analysis)


def _section(ctx, code):
    return next(s for s in ctx.codes if s.code == code)


def test_codes_follow_codebook_order_with_labels_and_definitions(ctx):
    assert [s.code for s in ctx.codes] == [
        "workload_pressure", "allocation_fairness", "emotional_labour", "professional_judgement", "ai_reactions",
    ]
    wp = _section(ctx, "workload_pressure")
    assert wp.label == "Workload pressure"
    assert wp.definition.startswith("Talk about the volume")
    assert _section(ctx, "professional_judgement").parent == "Workload pressure"


def test_quotes_rotate_across_groups_and_skip_facilitators(ctx):
    quotes = _section(ctx, "workload_pressure").quotes
    assert [q.group for q in quotes[:4]] == ["FG1", "FG2", "FG3", "FG4"]
    assert len(quotes) == 6
    assert all(q.role != "facilitator" for s in ctx.codes for q in s.quotes)
    assert not any("normal week" in q.text for s in ctx.codes for q in s.quotes)


def test_small_role_in_a_group_is_attributed_to_the_group_only(ctx):
    # FG4 has two people in all (k = 3): not even the group is named
    fg4 = [q for s in ctx.codes for q in s.quotes if q.group == "FG4"]
    assert fg4 and {q.attribution for q in fg4} == {"Participant"}
    fg1 = [q for s in ctx.codes for q in s.quotes if q.group == "FG1"]
    assert {q.attribution for q in fg1} == {"Practitioner, FG1"}


def test_rejected_codings_never_become_quotes(ctx):
    assert not any("weather" in q.text for s in ctx.codes for q in s.quotes)


def test_accepted_quotes_come_before_suggestions_within_a_group(ctx):
    fg1 = [q for q in _section(ctx, "workload_pressure").quotes if q.group == "FG1"]
    assert [q.status for q in fg1] == ["accepted", "accepted"]
    fg2 = [q for q in _section(ctx, "workload_pressure").quotes if q.group == "FG2"]
    assert [q.status for q in fg2] == ["suggested"]


def test_long_quote_is_trimmed_at_word_boundaries():
    text = " ".join(f"word{i}" for i in range(200))
    start = text.index("word150")
    out = trim_quote(text, start, start + 7, 120)
    assert "word150" in out and out.startswith("… ") and out.endswith(" …")
    assert len(out) <= 124
    inner = out.strip("… ").split()
    assert all(w.startswith("word") and w[4:].isdigit() for w in inner)
    assert trim_quote("Short and sweet.", None, None, 120) == "Short and sweet."


def test_trim_copes_with_offsets_outside_the_text():
    text = "a " * 300
    assert len(trim_quote(text, 900, 950, 100)) <= 104


def test_quote_selection_balances_roles_inside_a_group():
    rows = pd.DataFrame({
        "transcript": ["t"] * 4, "turn_index": [0, 1, 2, 3], "start_char": [0] * 4,
        "text": [f"Quote number {n} says enough words to be read fairly here." for n in "1234"], "participant_id": ["p1", "p2", "m1", "p3"],
        "group": ["FG9"] * 4, "role": ["practitioner", "practitioner", "manager", "practitioner"],
        "status": ["accepted"] * 4, "confidence": [0.9, 0.8, 0.1, 0.7],
        "evidence_start": [None] * 4, "evidence_end": [None] * 4,
    })
    picked = select_quotes(rows, {}, 2, 200)
    assert [q.role for q in picked] == ["practitioner", "manager"]
    assert picked[0].attribution == "Participant, FG9"
    assert picked[0].reference == "t turn 1"


def test_soundbites_and_headings_are_never_quoted():
    rows = pd.DataFrame({
        "transcript": ["t"] * 2, "turn_index": [0, 1], "start_char": [0] * 2,
        "text": ["Green, Amber, Red, Purple.",
                 "Question 2. Allocation. Nobody ever asks us which cases we can really take on."],
        "participant_id": ["p1", "p2"], "group": ["FG9"] * 2, "role": ["practitioner"] * 2,
        "status": ["accepted"] * 2, "confidence": [0.9, 0.8],
        "evidence_start": [None] * 2, "evidence_end": [None] * 2,
    })
    picked = select_quotes(rows, {}, 5, 200, headings=frozenset({"question 2 allocation"}))
    assert [q.text for q in picked] == ["Nobody ever asks us which cases we can really take on."]


def test_suppressed_cells_carry_no_share_and_say_why(ctx):
    rows = _section(ctx, "allocation_fairness").by_role
    assert rows and all(r.share is None for r in rows)
    assert all(r.display == "fewer than 3 participants" for r in rows)
    chart = _section(ctx, "allocation_fairness").role_chart
    assert "<rect" not in chart.svg
    assert "not shown" in chart.desc


def test_chart_desc_states_every_value(ctx):
    chart = _section(ctx, "workload_pressure").role_chart
    assert "Manager: checked 60%, 60% including unchecked" in chart.desc
    assert "Practitioner: checked 43%, 57% including unchecked" in chart.desc
    assert "43% checked + 14% unchecked" in chart.svg and 'class="bar-unchecked"' in chart.svg
    assert 'role="img"' in chart.svg and "<title" in chart.svg


def test_a_draft_makes_no_headline_and_says_so(ctx):
    # 15 of 20 participant codings checked (75%) is under the 80% that ends the draft
    assert ctx.draft and ctx.headlines == []
    assert ctx.notice.startswith("Machine draft, not findings") and "15 of 20" in ctx.notice
    assert ctx.title.startswith("Machine-coded draft")
    assert "No headlines yet" in ctx.headline_note


def test_not_checked_yet_is_never_not_raised(ctx):
    cells = [r.accepted_display for s in ctx.codes for r in s.by_role + s.by_group]
    cells += [c for row in ctx.comparison for c in row["cells"]]
    assert "not raised" not in cells
    # FG2's workload pressure rests on an unchecked suggestion only
    fg2 = next(r for r in _section(ctx, "workload_pressure").by_group if r.label == "FG2")
    assert fg2.accepted_display == "not checked yet"


def test_study_summary_counts_people_not_facilitators(ctx):
    assert ctx.n_participants == 12
    assert [g["name"] for g in ctx.groups] == ["FG1", "FG2", "FG3", "FG4"]
    assert {r["role"]: r["participants"] for r in ctx.participants_by_role} == {"Manager": 5, "Practitioner": 7}


def test_methods_report_review_share_codebook_hash_and_limits(coded_study, ctx):
    project, _, _ = coded_study
    m = ctx.methods
    assert "(15 of 22)" in m.reviewed
    assert m.codebook_version == "1.2"
    assert m.codebook_sha256 == hashlib.sha256(project.codebook_path.read_bytes()).hexdigest()
    assert {f["format"]: f["files"] for f in m.formats} == {"docx": 1, "txt": 1, "vtt": 2}
    assert any("rules:v1" in line for line in m.automated)
    assert any("fewer than 3" in line for line in m.limits)
    assert any("'Emotional labour' was raised in only two groups" in line for line in m.limits)
    assert ("analysis.seed", "42") in m.seeds
    assert not any(name.startswith("pseudonymise.") for name, _ in m.parameters)
    assert [s["command"] for s in m.stages] == ["ingest", "pseudonymise", "code"]


def test_agreement_between_machine_and_reviewer_is_reported_by_code_label(ctx):
    m = ctx.methods
    assert m.agreement_columns[0] == "Code" and "Kappa" in m.agreement_columns
    codes = [row[0] for row in m.agreement_rows]
    assert "Workload pressure" in codes and "workload_pressure" not in codes
    assert all(len(row) == len(m.agreement_columns) for row in m.agreement_rows)
    assert "Landis and Koch" in m.agreement_note


def test_no_agreement_when_nobody_reviewed(coded_project):
    project, store, analysis = coded_project
    with store.transaction() as conn:
        conn.execute("DELETE FROM reviews")
    ctx = build_context(project, store, analysis)
    assert ctx.methods.agreement_rows == []
    assert ctx.methods.agreement_note == "No agreement figures: only one coder."
    assert "(0 of" in ctx.methods.reviewed


def test_missing_codebook_still_reports_codes(coded_project):
    project, store, analysis = coded_project
    project.codebook_path.unlink()
    ctx = build_context(project, store, analysis)
    assert ctx.methods.codebook_version == "not found"
    assert _section(ctx, "workload_pressure").label == "Workload pressure"
    assert _section(ctx, "workload_pressure").definition == ""


def test_invalid_codebook_names_file_and_line(coded_project):
    from fgkit.errors import CodebookError

    project, store, analysis = coded_project
    project.codebook_path.write_text("codes:\n  - id: a\n    label: [unclosed\n", encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        build_context(project, store, analysis)
    assert info.value.path == project.codebook_path and info.value.line is not None


def test_a_real_gap_in_accepted_codings_of_a_checked_code_becomes_a_headline(coded_project):
    project, store, analysis = coded_project
    with store.transaction() as conn:  # a person checks every remaining suggestion
        conn.execute(
            "INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) "
            "SELECT c.segment_id, c.code, 'accept', 'researcher-b', '2026-01-03T00:00:00' FROM codings c "
            "WHERE NOT EXISTS (SELECT 1 FROM reviews r WHERE r.segment_id = c.segment_id AND r.code = c.code)"
        )
    prev = analysis.prevalence
    rows = (prev["code"] == "ai_reactions") & (prev["dimension"] == "role") & (prev["status"] == "accepted")
    for role, share, text in (("practitioner", 0.8, "by 6 of 7 practitioners"), ("manager", 0.2, "by 3 of 5 managers")):
        mask = rows & (prev["role"] == role)
        prev.loc[mask, ["suppressed", "participant_share", "display", "participants"]] = [False, share, text, 3]
    ctx = build_context(project, store, analysis)
    assert not ctx.draft and ctx.notice == ""
    assert ctx.headlines[0] == (
        "Reactions to AI was raised more often by practitioners (by 6 of 7 practitioners) "
        "than by managers (by 3 of 5 managers), in codings a person accepted."
    )
    # One side withheld again: no comparison may be claimed.
    prev.loc[rows & (prev["role"] == "manager"), ["suppressed", "participant_share"]] = [True, None]
    ctx = build_context(project, store, analysis)
    assert not any(h.startswith("Reactions to AI") for h in ctx.headlines)


def test_a_role_too_small_to_count_is_shown_as_fewer_than_k(coded_project):
    project, store, analysis = coded_project
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO pseudo_turns VALUES ('extra1', 'FG3.docx', 99, 'S01', 'Senior manager 01', "
            "'senior_manager', 'FG3', 'We look at the whole service.', NULL, 'h')"
        )
    ctx = build_context(project, store, analysis)
    shown = {r["role"]: r["display"] for r in ctx.participants_by_role}
    assert shown == {"Manager": "5", "Practitioner": "7", "Senior manager": "fewer than 3"}
    assert [g["roles"] for g in ctx.groups if g["name"] == "FG3"] == ["Manager, Senior manager"]


def test_a_person_in_two_groups_is_counted_once(tmp_path):
    from fgkit.report.context import _study_people
    from fgkit.store import Store

    store = Store.open(tmp_path / "s.sqlite")
    rows = [
        ("t1", "FG2", "P09", "practitioner"), ("t2", "FG2", "P10", "practitioner"),
        ("t3", "FG6", "P09", "practitioner"), ("t4", "FG6", "P20", "manager"),
        ("t5", "FG6", "F1", "facilitator"),
    ]
    with store.transaction() as conn:
        for turn_id, group, pid, role in rows:
            conn.execute(
                "INSERT INTO pseudo_turns VALUES (?, 'x.csv', 0, ?, 'S', ?, ?, 'text', NULL, 'h')",
                (turn_id, pid, role, group),
            )
    groups, roles, total = _study_people(store, k=1)
    assert total == 3
    assert {r["role"]: (r["participants"], r["groups"]) for r in roles} == {
        "Manager": (1, 1), "Practitioner": (2, 2),
    }
    assert [g["name"] for g in groups] == ["FG2", "FG6"]
