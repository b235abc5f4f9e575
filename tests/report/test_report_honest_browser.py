"""The honest report in a real browser, on a second study with other group sizes.

FG1 has six practitioners; FG2 three practitioners and three managers (every role at k = 3);
FG3 four practitioners and two managers (a role under k); FG4 two people in all. Nothing has
been reviewed. In Debian's chromium the page must open with the machine-draft notice in view,
draw unchecked bars (and no checked ones), never say "not raised", name no role in FG3 and not
name FG4 at all beside a quote, count FG3 in no role's figures, and keep its text readable.
"""

from __future__ import annotations

import hashlib
import re
import shutil

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
GROUPS = {"FG1": (6, 0), "FG2": (3, 3), "FG3": (4, 2), "FG4": (1, 1)}  # practitioners, managers
SAYINGS = [
    ("pressure", "Every week the caseload grows and nobody ever takes anything off the pile for us."),
    ("allocation", "Cases land in the tray on a Monday and nobody asks whether we can carry them."),
    ("pressure", "I stay late most nights to finish notes because the visits fill every hour."),
    ("allocation", "The allocation meeting decides in ten minutes what shapes my whole month."),
]


def _sid(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def _second_study(root):
    from fgkit.project import init_project

    project = init_project(root, name="second-study")
    project.codebook_path.write_text(
        "name: second\nversion: '1'\ncodes:\n  - id: pressure\n    label: Workload pressure\n"
        "  - id: allocation\n    label: Allocation\n    parent: pressure\n", encoding="utf-8")
    store = project.open_store()
    with store.transaction() as conn:
        for group, (n_prac, n_man) in GROUPS.items():
            people = [(f"{group}P{i}", "practitioner") for i in range(n_prac)]
            people += [(f"{group}M{i}", "manager") for i in range(n_man)]
            transcript = f"{group.lower()}.txt"
            month = ["January", "March", "June", "October"][int(group[-1]) - 1]
            for i, (pid, role) in enumerate(people * 2):
                code, text = SAYINGS[i % len(SAYINGS)]
                text += f" It has been like that since {month}, turn after turn {i}."
                turn_id = _sid(transcript, i)
                speaker = f"{role.title()} {pid[-2:]}"
                conn.execute(
                    "INSERT INTO pseudo_turns(turn_id, transcript, turn_index, participant_id, speaker,"
                    " role, group_name, text, source_hash) VALUES (?,?,?,?,?,?,?,?,?)",
                    (turn_id, transcript, i, pid, speaker, role, group, text, _sid(text)))
                conn.execute("INSERT INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                             (turn_id, turn_id, transcript, i, "turn", 0, len(text), text, speaker, pid, role, group))
                if i % 3 != 2:  # most turns get a machine suggestion; nobody has checked any
                    conn.execute(
                        "INSERT INTO codings(segment_id, code, coder, confidence, evidence,"
                        " evidence_start, evidence_end) VALUES (?,?,?,?,?,?,?)",
                        (turn_id, code, "rules:v1", 0.7, text.split()[1], 6, 12))
    for command in ("ingest", "pseudonymise", "code"):
        store.finish_run(store.start_run(command, {"command": command}), "ok")
    return project, store


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    from fgkit.analysis import analyse_project
    from fgkit.report import build_reports

    project, store = _second_study(tmp_path_factory.mktemp("second") / "study")
    with store:
        analysis = analyse_project(project, store, topics=False)
        paths = {p.name: p for p in build_reports(project, store, analysis, formats=("html",))}
    url = paths["report.html"].resolve().as_uri()
    out = {"console": [], "prevalence": analysis.prevalence}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"],
                                     headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: out["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: out["console"].append(("pageerror", str(e))))
            page.goto(url, wait_until="load")
            out["notice"] = page.evaluate(
                "() => { const n = document.querySelector('.draft-notice'); if (!n) return null;"
                " const r = n.getBoundingClientRect(); const s = getComputedStyle(n);"
                " return {text: n.innerText, top: r.top, bottom: r.bottom, border: s.borderTopStyle}; }")
            out["text"] = page.evaluate("() => document.body.innerText")
            out["unchecked_bars"] = page.eval_on_selector_all(
                "rect.bar-unchecked", "els => els.map(e => e.getBoundingClientRect().width)")
            out["checked_bars"] = page.eval_on_selector_all("rect.bar-checked", "els => els.length")
            out["cites"] = page.eval_on_selector_all("p.cite", "els => els.map(e => e.innerText)")
            out["title"] = page.title()
        finally:
            browser.close()
    return out


def test_opens_with_the_machine_draft_notice_in_view(second):
    notice = second["notice"]
    assert notice is not None and "Machine draft, not findings" in notice["text"]
    assert "0 of" in notice["text"] and "(0%)" in notice["text"]
    assert 0 <= notice["top"] and notice["bottom"] <= 900 and notice["border"] == "solid"
    assert second["title"].startswith("Machine-coded draft")
    assert second["console"] == []


def test_unchecked_figures_are_marked_and_nothing_reads_as_a_finding(second):
    text = second["text"]
    assert "not raised" not in text
    assert "No headlines yet" in text and "was raised more often" not in text
    assert second["checked_bars"] == 0
    assert second["unchecked_bars"] and all(w > 0 for w in second["unchecked_bars"])
    assert "not checked yet" in text


def test_attribution_and_role_counts_follow_the_disclosure_rule(second):
    cites = second["cites"]
    assert cites
    assert not any(c.startswith(("Practitioner, FG3", "Manager, FG3", "Participant, FG4")) for c in cites)
    assert any(c.startswith("Participant, FG3") for c in cites)
    assert any(c.startswith(("Practitioner, FG2", "Manager, FG2")) for c in cites)
    # every quote whose group may be named says where to find it; a small group's says nothing,
    # since the transcript's name would name the group
    named = [c for c in cites if re.match(r"\w+, FG\d", c)]
    assert named and all(" turn " in c for c in named)
    assert all(" turn " not in c for c in cites if c not in named)
    prev = second["prevalence"]
    roles = prev[(prev["dimension"] == "role") & (prev["status"] == "any")]
    # managers: only FG2's three count by role; practitioners: FG1 and FG2, not FG3 or FG4
    totals = {r.role: int(r.participants_total) for r in roles.itertuples()}
    assert totals == {"manager": 3, "practitioner": 9}
    assert "FG3 has a role with fewer than 3 people" in second["text"]
