"""Reviewing and reading on the page: decisions stored as the worksheet stores them, withdrawn
participants never shown, the leak gate applied to every page, patterns agreed with notes."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def signed_in(study, serve_kit):
    browser = serve_kit.Browser(serve_kit.client_for(study))
    browser.sign_in(serve_kit.add_reviewer(study, "Amira"))
    return study, browser


def _reviews(project):
    with project.open_store() as store:
        return [dict(r) for r in store.query("SELECT * FROM reviews ORDER BY review_id")]


def test_segment_page_shows_context_evidence_coder_and_buttons(signed_in, serve_kit):
    study, browser = signed_in
    seg = serve_kit.segment_id_of("I sit in the car park")
    html = browser.get(f"/review?seg={seg}").text
    # The turns before and after, the evidence spans marked, the coder and its confidence.
    assert "Nobody explains why the complicated families" in html
    assert "The new tablet app logs visits" in html
    assert re.search(r"<blockquote class=\"current\">I sit in the car park for <mark>ten minutes</mark>"
                     r" before I go home, <mark>just to breathe</mark>\.</blockquote>", html)
    assert "suggested by rules:v1, confidence 0.71" in html and "confidence 0.35" in html
    for name in ("Accept Feelings at work", "Reject Feelings at work", "Accept Caseload pressure",
                 "Reject Caseload pressure"):
        assert f">{name}</button>" in html
    # The code picker offers codebook codes not already on the segment, never free text.
    picker = re.search(r'<select id="add-code" name="add_code">(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="(\w+)">', picker) == ["allocation", "tools"]
    assert "<textarea id=\"memo\"" in html


def test_accept_reject_add_are_stored_like_worksheet_decisions(signed_in, serve_kit):
    from fgkit.coding.status import effective_codings

    study, browser = signed_in
    seg = serve_kit.segment_id_of("I sit in the car park")
    assert browser.decide(seg, "accept:feelings").status_code == 303
    assert browser.decide(seg, "reject:caseload").status_code == 303
    response = browser.decide(seg, "add", add_code="allocation")
    assert response.status_code == 303 and f"seg={seg}" in response.headers["location"]
    rows = _reviews(study)
    assert [(r["code"], r["decision"], r["reviewer"], r["source"]) for r in rows] == [
        ("feelings", "accept", "Amira", "workshop"), ("caseload", "reject", "Amira", "workshop"),
        ("allocation", "add", "Amira", "workshop")]
    assert rows[0]["code_label"] == "Feelings at work" and re.match(r"\d{4}-\d\d-\d\dT", rows[0]["decided_at"])
    with study.open_store() as store:
        codings = effective_codings(store, include_rejected=True)
    mine = codings[codings["segment_id"] == seg].set_index("code")["status"].to_dict()
    assert mine == {"feelings": "accepted", "caseload": "rejected", "allocation": "accepted"}
    page = browser.get(f"/review?seg={seg}").text
    assert "accepted by Amira" in page and "rejected by Amira" in page and "added by Amira" in page


def test_decisions_reach_the_codings_table_on_the_next_code_run(signed_in, serve_kit):
    import pandas as pd

    from fgkit.coding.run import write_codings_reports

    study, browser = signed_in
    seg = serve_kit.segment_id_of("Monday I had")

    def table_for_segment():
        with study.open_store() as store:
            write_codings_reports(study, store)
        table = pd.read_csv(study.shareable_dir / "codings.csv")
        return {r.code: (r.status, r.reviewer if isinstance(r.reviewer, str) else "")
                for r in table[table["segment_id"] == seg].itertuples()}

    assert table_for_segment() == {"caseload": ("suggested", "")}
    browser.decide(seg, "reject:caseload")
    browser.decide(seg, "add", add_code="allocation")
    assert table_for_segment() == {"allocation": ("accepted", "Amira")}


def test_wrong_decisions_are_refused_and_nothing_is_stored(signed_in, serve_kit):
    study, browser = signed_in
    seg = serve_kit.segment_id_of("Monday I had")
    for decide, add_code in (("accept:not_a_code", ""), ("add", "<b>free text</b>"), ("approve:caseload", ""),
                             ("add", "")):
        response = browser.decide(seg, decide, add_code=add_code)
        assert response.status_code == 400, decide
        assert "<b>free" not in response.text
    browser.get("/review")
    unknown = browser.client.post("/review/0123456789abcdef", data={"csrf": browser.csrf(), "decide": "accept:caseload"})
    assert unknown.status_code == 404
    assert _reviews(study) == []


def test_review_follows_the_worksheet_order(signed_in, serve_kit):
    from fgkit.coding.review import codebook_labels, worksheet_rows

    study, browser = signed_in
    with study.open_store() as store:
        rows = worksheet_rows(store, codebook_labels(study))
    order = list(dict.fromkeys(r["segment_id"] for r in rows))
    withdrawn = serve_kit.segment_id_of("Withdrawn words")
    order = [s for s in order if s != withdrawn]
    seen, html = [], browser.get("/review").text
    for _ in range(len(order)):
        seen.append(re.search(r'action="/review/([0-9a-f]+)"', html).group(1))
        following = re.search(r'href="([^"]+)" data-key="next"', html)
        if not following:
            break
        html = browser.get(following.group(1).replace("&amp;", "&")).text
    assert seen == order
    listed = browser.get("/review?view=list").text
    assert listed.count("Review segment ") == len(order)


def test_withdrawn_participant_never_appears(signed_in, serve_kit):
    study, browser = signed_in
    secret = serve_kit.WITHDRAWN_TEXT
    seg = serve_kit.segment_id_of("Withdrawn words")
    for path in ("/review", "/review?view=list", "/review?view=list&code=tools", "/read", "/read/tools",
                 "/read?status=unchecked", "/transcripts/north.vtt", "/review?seg=" + serve_kit.segment_id_of("Monday")):
        html = browser.get(path).text
        assert secret not in html and "Practitioner 04" not in html, path
    assert browser.get(f"/review?seg={seg}").status_code == 404
    browser.get("/review")
    refused = browser.client.post(f"/review/{seg}", data={"csrf": browser.csrf(), "decide": "accept:tools"})
    assert refused.status_code == 404
    assert _reviews(study) == []


def test_a_page_holding_a_real_name_is_withheld(signed_in, serve_kit):
    study, browser = signed_in
    with study.open_store() as store, store.transaction() as conn:
        conn.execute("UPDATE pseudo_turns SET text = text || ' Ask Barnaby Quist.' WHERE turn_index = 6 "
                     "AND transcript = 'north.vtt'")
    page = browser.get("/transcripts/north.vtt")
    assert page.status_code == 500 and "Page withheld" in page.text
    assert "Barnaby" not in page.text and "participant name" in page.text
    assert browser.get("/transcripts/south.vtt").status_code == 200


def test_filters_on_the_read_pages(signed_in, serve_kit):
    study, browser = signed_in
    managers = browser.get("/read?role=manager").text
    assert "loudest voice" in managers and "nine new referrals" not in managers
    assert "How do you decide who takes" not in managers  # facilitators are not quoted
    browser.decide(serve_kit.segment_id_of("Monday I had"), "accept:caseload")
    checked = browser.get("/read/caseload?status=checked").text
    assert "nine new referrals" in checked and "carry more than they should" not in checked
    assert "accepted by Amira" in checked
    assert "nine new referrals" in browser.get("/read?reviewer=Amira").text
    assert "carry more than they should" not in browser.get("/read?reviewer=Amira").text
    south = browser.get("/read/tools?group=South").text
    assert "dashboard" in south and "tablet app" not in south
    # Each quote links to its place in the pseudonymised transcript.
    link = re.search(r'href="(/transcripts/south\.vtt#turn-(\d+))"', south)
    assert link.group(2) == "4"  # counted from 1, as the shareable transcripts and the report do
    transcript = browser.get(link.group(1).split("#")[0]).text
    assert f'id="turn-{link.group(2)}"' in transcript


def test_pattern_agreement_is_stored_with_who_and_when(signed_in, serve_kit):
    study, browser = signed_in
    html = browser.get("/read/caseload").text
    assert "Save for role Manager" in html and "Save for group North" in html
    response = browser.client.post("/agree", follow_redirects=False, data={
        "csrf": browser.csrf(), "code": "caseload", "dimension": "role", "value": "manager",
        "status": "needs rewording", "note": ""})
    assert response.status_code == 303
    with study.open_store() as store:
        rows = store.serve_agreements()
    assert [(r["code"], r["dimension"], r["value"], r["status"], r["reviewer"]) for r in rows] == [
        ("caseload", "role", "manager", "needs rewording", "Amira")]
    assert "<strong>needs rewording</strong>" in browser.get("/read/caseload").text
    for bad in ({"status": "maybe"}, {"dimension": "speaker"}, {"value": "nobody"}, {"code": "nope"}):
        data = {"csrf": browser.csrf(), "code": "caseload", "dimension": "role", "value": "manager",
                "status": "agreed", **bad}
        assert browser.client.post("/agree", data=data).status_code in (400, 404), bad


@pytest.mark.slow
def test_memos_and_notes_are_pseudonymised(signed_in, serve_kit):
    study, browser = signed_in
    seg = serve_kit.segment_id_of("Monday I had")
    browser.decide(seg, "accept:caseload", memo="Ottoline Varga said the same at the team meeting")
    memo = _reviews(study)[0]["memo"]
    assert "Ottoline" not in memo and "Varga" not in memo and "team meeting" in memo
    browser.get("/read/caseload")
    browser.client.post("/agree", data={"csrf": browser.csrf(), "code": "caseload", "dimension": "group",
                                        "value": "North", "status": "disputed",
                                        "note": "Peregrine Hollis disagreed strongly"})
    with study.open_store() as store:
        note = store.serve_agreements()[0]["note"]
    assert "Peregrine" not in note and "disagreed strongly" in note


def test_a_value_cut_by_the_evidence_mark_is_still_caught(signed_in, serve_kit):
    study, browser = signed_in
    # A two-word identifier neither of whose words is one on its own.
    (study.private_dir / "extra-identifiers.csv").write_text("value,type\nLarkspur Close,Place\n", encoding="utf-8")
    seg = serve_kit.segment_id_of("Nobody explains why")
    text = "Nobody explains it, and the families from Larkspur Close land on my desk."
    cut = text.index("Larkspur") + len("Larkspur")  # the evidence span ends inside the value
    with study.open_store() as store, store.transaction() as conn:
        conn.execute("UPDATE segments SET text=? WHERE segment_id=?", (text, seg))
        conn.execute("UPDATE codings SET evidence_start=0, evidence_end=? WHERE segment_id=?", (cut, seg))
    page = browser.get(f"/review?seg={seg}")
    assert page.status_code == 500 and "Page withheld" in page.text
    assert "Larkspur" not in page.text
