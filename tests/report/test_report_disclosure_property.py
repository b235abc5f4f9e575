"""One disclosure rule in every output: a property test over generated studies with small groups.

Hypothesis writes studies of two to four groups where a role may have one or two people, codes
some turns (accepted, suggested or rejected), runs the analysis, writes the report in every
format and the quotes export, and checks the outputs against counts worked out here from the
generated data, not from fgkit's own tables:

* no small count (1..k-1 people) of a group appears in any output, nor "not raised";
* no quote names the role of anyone in a group where some role has fewer than k people, and no
  quote names a group of fewer than k people, nor gives a reference (it names the transcript, so
  the group) beside an attribution that leaves the group out;
* role figures count only groups whose every role has at least k people;
* every framework-matrix cell that prevalence withholds shows no count in any format;
* with nothing reviewed, the report makes no headline and opens with the draft notice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fgkit.project import init_project

K = 3
TEXT = "We talked for a long time about the caseload and the {} in our team this month."
CODES = ["pressure", "fairness"]


def _sid(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def _write(store, roster, turns, decisions):
    with store.transaction() as conn:
        index: dict[str, int] = {}
        for n, (pid, role, group) in enumerate(turns):
            transcript = f"{group.lower()}.txt"
            i = index.get(transcript, -1) + 1
            index[transcript] = i
            turn_id = _sid(transcript, i)
            text = TEXT.format(f"tray {n}")
            speaker = f"{role.title()} {pid}"
            conn.execute(
                "INSERT INTO pseudo_turns(turn_id, transcript, turn_index, participant_id, speaker,"
                " role, group_name, text, source_hash) VALUES (?,?,?,?,?,?,?,?,?)",
                (turn_id, transcript, i, pid, speaker, role, group, text, _sid(text)),
            )
            conn.execute("INSERT INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                         (turn_id, turn_id, transcript, i, "turn", 0, len(text), text, speaker, pid, role, group))
            for code, status in decisions[n].items():
                conn.execute(
                    "INSERT INTO codings(segment_id, code, coder, confidence, evidence, evidence_start,"
                    " evidence_end) VALUES (?,?,?,?,?,?,?)", (turn_id, code, "rules:v1", 0.7, "caseload", 30, 38))
                if status != "suggested":
                    conn.execute(
                        "INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) VALUES (?,?,?,?,?)",
                        (turn_id, code, "accept" if status == "accepted" else "reject", "r", "2026-01-01T00:00:00"))
    for command in ("ingest", "pseudonymise", "code"):
        store.finish_run(store.start_run(command, {"command": command}), "ok")


group_st = st.tuples(st.integers(1, 5), st.integers(0, 4))  # practitioners, managers


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(
    groups=st.lists(group_st, min_size=2, max_size=4),
    coding=st.lists(st.sampled_from(["none", "accepted", "suggested", "rejected"]), min_size=40, max_size=40),
    reviewed=st.booleans(),
)
def test_every_output_follows_one_disclosure_rule(tmp_path_factory, groups, coding, reviewed):
    from docx import Document
    from openpyxl import load_workbook

    from fgkit.analysis import analyse_project
    from fgkit.export.quotes import export_quotes
    from fgkit.report import build_reports
    from fgkit.report.context import build_context

    roster = []
    for g, (n_prac, n_man) in enumerate(groups, start=1):
        roster += [(f"P{g}{i}", "practitioner", f"FG{g}") for i in range(n_prac)]
        roster += [(f"M{g}{i}", "manager", f"FG{g}") for i in range(n_man)]
    turns = [roster[n % len(roster)] for n in range(max(len(roster), 20))]
    decisions = []
    for n in range(len(turns)):
        status = coding[n % len(coding)] if reviewed else ("none" if coding[n % len(coding)] == "none" else "suggested")
        decisions.append({} if status == "none" else {CODES[n % 2]: status})

    project = init_project(tmp_path_factory.mktemp("p") / "study")
    project.codebook_path.write_text(
        "name: t\nversion: '1'\ncodes:\n  - id: pressure\n    label: Pressure\n"
        "  - id: fairness\n    label: Fairness\n    parent: pressure\n", encoding="utf-8")
    store = project.open_store()
    _write(store, roster, turns, decisions)

    # What the generated data say, worked out here.
    sizes: dict[tuple[str, str], int] = {}
    for _, role, group in roster:
        sizes[(role, group)] = sizes.get((role, group), 0) + 1
    group_size = {f"FG{g}": p + m for g, (p, m) in enumerate(groups, start=1)}
    safe = {g for g in group_size if all(n >= K for (r, gg), n in sizes.items() if gg == g)}
    people: dict[tuple[str, str], set] = {}
    for (pid, _role, group), codes in zip(turns, decisions):
        for code, status in codes.items():
            if status == "rejected":
                continue
            for c in {code, "pressure"}:  # fairness is a sub-code of pressure
                people.setdefault((group, c), set()).add(pid)

    with store:
        analysis = analyse_project(project, store, topics=False)
        ctx = build_context(project, store, analysis)
        paths = {p.name: p for p in build_reports(project, store, analysis)}
        quotes = export_quotes(project, store, formats=("csv",), include_suggestions=True)

    texts = {
        "html": paths["report.html"].read_text(encoding="utf-8"),
        "md": paths["report.md"].read_text(encoding="utf-8"),
        "docx": "\n".join(p.text for p in Document(str(paths["report.docx"])).paragraphs)
        + "\n".join(c.text for t in Document(str(paths["report.docx"])).tables for r in t.rows for c in r.cells),
        "xlsx": "\n".join(str(c.value) for ws in load_workbook(paths["framework-matrix.xlsx"]).worksheets
                          for row in ws.iter_rows() for c in row if c.value is not None),
        "quotes.csv": quotes.files[0].read_text(encoding="utf-8"),
        "prevalence.csv": "",
    }
    everything = "\n".join(texts.values())

    assert "not raised" not in everything
    for (group, code), who in people.items():
        p, n = len(who), group_size[group]
        if 0 < p < K:
            for name, text in texts.items():
                assert not re.search(rf"\b{p} of {n} participants in {group}\b", text), (name, group, code)

    for group, n in group_size.items():
        if group not in safe:
            for name, text in texts.items():
                assert f"Practitioner, {group}" not in text and f"Manager, {group}" not in text, (name, group)
        if n < K:
            for name, text in texts.items():
                assert f"Participant, {group}" not in text, (name, group)
    # A reference names the transcript ("fg3 turn 2"), so the group: never beside "Participant".
    for name, text in texts.items():
        assert not re.search(r"\bParticipant,? \(?fg\d+ turn \d+", text), name
    for row in csv.DictReader(io.StringIO(texts["quotes.csv"])):
        if row["attribution"] == "Participant":
            assert group_size.get(row["group"], 0) < K or row["group"] == ""
            assert (row["group"], row["transcript"], row["turn"], row["reference"]) == ("", "", "", "")
        else:
            assert row["reference"].startswith(row["group"].lower() + " turn ")
    for s in ctx.codes:
        for q in s.quotes:
            assert (q.reference == "") == (group_size[q.group] < K), (q.group, q.reference)
    attributions = {r["attribution"] for r in csv.DictReader(io.StringIO(texts["quotes.csv"]))}
    for label in attributions:
        named = label.split(", ")[-1] if ", " in label else None
        if named is not None:
            assert group_size[named] >= K
            if not label.startswith("Participant"):
                assert named in safe

    prev = analysis.prevalence
    for r in prev[prev["dimension"] == "role"].itertuples():
        if r.participants_total is not None and str(r.participants_total) != "<NA>":
            assert int(r.participants_total) == sum(n for (role, g), n in sizes.items() if role == r.role and g in safe)

    hidden = {(r.group, r.code) for r in prev[(prev["dimension"] == "group") & (prev["status"] == "any")
                                              & prev["suppressed"]].itertuples()}
    codes = [c["code"] for c in ctx.matrix_codes]
    for row in ctx.matrix:
        if row.row_type != "group":
            continue
        for code, cell in zip(codes, row.cells):
            if (row.label, code) in hidden and cell.summary:
                assert cell.participants in (f"fewer than {K}", "withheld"), (row.label, code)
                assert not re.search(r"\d", cell.status_mix), cell.status_mix

    if not reviewed:
        assert ctx.headlines == [] and ctx.draft
        assert "Machine draft, not findings" in texts["html"] and "Machine draft, not findings" in texts["md"]
