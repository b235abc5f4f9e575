"""The review queue in the learner's teaching order, doubtful codings shown as doubtful, and the
study's segments and codings held between decisions (issue 18, items 1-3)."""

from __future__ import annotations

import re

import pytest

from fgkit.records import stable_id

DOUBT_REASON = "classifier:v1 few-shot (codebook seeds and 7 decisions; doubts this rules:v1 hit)"


def _queue_ids(html: str) -> list[str]:
    return re.findall(r'href="/review\?(?:[^"]*&amp;)?seg=([0-9a-f]+)">Review segment', html)


def _settle(client) -> None:
    ws = client.app.state.workshop
    ws.order.settle()
    ws.cache.settle()


def test_queue_follows_the_learners_teaching_order(study, serve_kit, monkeypatch):
    from fgkit.coding import learn

    # The learner wants the managers' dashboard turn first, then the quiz night (uncoded), then
    # the referrals turn; everything else after them in the worksheet's own order.
    wanted = [serve_kit.segment_id_of(t) for t in ("A dashboard", "We had a quiz night", "Monday I had nine")]
    calls = []

    def ranking(project, store):
        calls.append(project.root)
        return {seg: rank for rank, seg in enumerate(wanted)}

    monkeypatch.setattr(learn, "teaching_ranking", ranking)
    client = serve_kit.client_for(study)
    browser = serve_kit.Browser(client)
    browser.sign_in(serve_kit.add_reviewer(study, "Amira"))
    _settle(client)
    html = browser.get("/review?view=list").text
    assert "in the learner's teaching order" in html
    ids = _queue_ids(html)
    assert ids[:3] == wanted
    # The rest keep the worksheet's most-uncertain-first order: the 0.49 suggestion before 0.52/0.44.
    assert ids.index(serve_kit.segment_id_of("I try to weigh")) < ids.index(serve_kit.segment_id_of("I sit in the car"))
    # The first segment offered on the review page is the learner's first.
    assert f'action="/review/{wanted[0]}"' in browser.get("/review").text
    assert len(calls) == 1  # computed once at start, not per page


def test_without_the_learner_the_queue_keeps_the_worksheet_order(study, serve_kit):
    client = serve_kit.client_for(study)
    browser = serve_kit.Browser(client)
    browser.sign_in(serve_kit.add_reviewer(study, "Amira"))
    _settle(client)
    html = browser.get("/review?view=list").text
    assert "the learner's teaching order is not ready" in html
    ids = _queue_ids(html)
    # Most uncertain suggestion first: 0.49 (|2p-1| = 0.02) is the first segment.
    assert ids[0] == serve_kit.segment_id_of("I try to weigh")


def test_teaching_order_refreshes_after_decisions_not_per_page(study, serve_kit, monkeypatch):
    from fgkit.coding import learn
    from fgkit.serve import views

    calls = []

    def ranking(project, store):
        calls.append(store.serve_reviews_version()[0])
        return {serve_kit.segment_id_of("A dashboard"): len(calls)}

    monkeypatch.setattr(learn, "teaching_ranking", ranking)
    with study.open_store() as store:
        order = views.TeachingOrder(study, study.open_store, min_interval=0.0)
        version = store.serve_reviews_version()
        order.current(version)
        order.settle()
        assert order.current(version) == (1, {serve_kit.segment_id_of("A dashboard"): 1})
        order.settle()
        assert calls == [0]  # same version: no refit
        store.serve_add_reviews([(serve_kit.segment_id_of("A dashboard"), "tools", "accept", "Amira",
                                  "2026-01-01T00:00:00+00:00", "", "workshop", "Digital tools")])
        order.current(store.serve_reviews_version())
        order.settle()
        assert calls == [0, 1] and order.generation == 2


def test_a_failing_learner_leaves_the_order_held(study, serve_kit, monkeypatch, caplog):
    from fgkit.coding import learn
    from fgkit.serve import views

    def broken(project, store):
        raise RuntimeError("the model file is damaged")

    monkeypatch.setattr(learn, "teaching_ranking", broken)
    order = views.TeachingOrder(study, study.open_store, min_interval=0.0)
    order.current(("v",))
    order.settle()
    assert order.current(("v",)) == (0, None)
    assert "teaching order could not be computed (RuntimeError)" in caplog.text
    assert "damaged" not in caplog.text


def _add_doubt(project, segment_id: str, code: str) -> None:
    with project.open_store() as store, store.transaction() as conn:
        conn.execute(
            "INSERT INTO codings(segment_id, code, coder, status, confidence, evidence, evidence_start, "
            "evidence_end, pattern) VALUES (?, ?, 'classifier:v1', 'doubtful', 0.08, '', NULL, NULL, ?)",
            (segment_id, code, DOUBT_REASON))


@pytest.fixture
def doubted(study, serve_kit):
    seg = serve_kit.segment_id_of("My team carry more")
    _add_doubt(study, seg, "caseload")
    client = serve_kit.client_for(study)
    browser = serve_kit.Browser(client)
    browser.sign_in(serve_kit.add_reviewer(study, "Amira"))
    return study, client, browser, seg


def test_review_page_shows_a_doubt_in_words_with_its_reason(doubted):
    _study, _client, browser, seg = doubted
    html = browser.get(f"/review?seg={seg}").text
    item = re.search(r'<li class="code doubtful">(.*?)</li>', html, re.S)
    assert item, "the doubted suggestion is not marked doubtful"
    text = item.group(1)
    assert "Caseload pressure" in text and ">Doubtful<" in text
    assert "not counted unless a person accepts it" in text and DOUBT_REASON in text
    # The rule's suggestion is what is shown (its coder, confidence and evidence), once.
    assert "suggested by rules:v1, confidence 0.66" in text and "<mark>carry more than they should</mark>" in text
    assert html.count("Accept Caseload pressure") == 1
    # Other segments' suggestions are not doubtful.
    other = browser.get("/review?seg=" + stable_id("segment", "south.vtt",
                                                   "A dashboard will not tell you that a worker is close to tears.")).text
    assert "doubtful" not in other.split("<ul class=\"codes\">")[1].split("</ul>")[0]


def test_review_filter_lists_doubtful_segments(doubted):
    _study, client, browser, seg = doubted
    html = browser.get("/review?view=list&status=doubtful").text
    assert _queue_ids(html) == [seg]
    assert "Caseload pressure (doubtful)" in html
    assert '<option value="doubtful"' in html


def test_read_pages_leave_doubts_out_of_counts_until_accepted(doubted):
    _study, client, browser, seg = doubted
    page = browser.get("/read").text
    # Caseload: referrals (0.55), car park (0.35), and the doubted one left out: 2, not 3.
    assert re.search(r'href="/read/caseload">Caseload pressure</a> <span class="meta">2 coded segment', page)
    default = browser.get("/read/caseload").text
    assert "carry more than they should" not in default and "2 quote(s)" in default
    doubts = browser.get("/read/caseload?status=doubtful").text
    assert "1 quote(s)" in doubts and "carry more than they should" in doubts
    assert re.search(r'<li class="quote doubtful">.*?<strong class="doubt-flag">doubtful</strong> \(not counted '
                     r'unless accepted; ' + re.escape(DOUBT_REASON), doubts, re.S)
    assert "carry more than they should" in browser.get("/read/caseload?status=unchecked").text
    # The pattern table counts in-force codings only: managers have no caseload segment yet.
    managers = re.search(r"Role: Managers?</th>\s*<td>(.*?)</td>", default, re.S)
    assert managers and managers.group(1) in ("0", "fewer than 3", "&lt;3")

    assert browser.decide(seg, "accept:caseload").status_code == 303
    after = browser.get("/read/caseload").text  # the reader's own decision is in at once
    assert "3 quote(s)" in after and "carry more than they should" in after
    assert re.search(r"carry more than they should.*?Caseload pressure · accepted by Amira", after, re.S)


def test_study_frames_follow_a_new_coding_run(study, serve_kit):
    from fgkit.coding.status import effective_codings
    from fgkit.serve import views

    frames = views.StudyFrames()
    seg = serve_kit.segment_id_of("We moved office")
    with study.open_store() as store:
        before = effective_codings(frames.over(store), include_rejected=True, include_doubtful=True)
        assert seg not in set(before["segment_id"])
        held = frames.get(store)
        # A decision does not re-read segments or codings ...
        store.serve_add_reviews([(serve_kit.segment_id_of("A dashboard"), "tools", "reject", "Amira",
                                  "2026-01-01T00:00:00+00:00", "", "workshop", "Digital tools")])
        assert frames.get(store) is held
        decided = effective_codings(frames.over(store), include_rejected=True, include_doubtful=True)
        assert effective_codings(store, include_rejected=True, include_doubtful=True).equals(decided)
        # ... a new coding does.
        with store.transaction() as conn:
            conn.execute("INSERT INTO codings(segment_id, code, coder, confidence, evidence, evidence_start, "
                         "evidence_end, pattern) VALUES (?, 'allocation', 'rules:v1', 0.5, 'moved', 3, 8, 'p')",
                         (seg,))
        assert frames.get(store) is not held
        after = effective_codings(frames.over(store), include_rejected=True, include_doubtful=True)
        assert effective_codings(store, include_rejected=True, include_doubtful=True).equals(after)
        assert seg in set(after["segment_id"])


def test_updating_codings_after_each_decision_equals_recomputing_them(study, serve_kit):
    """Accept, reject and add in a seeded random order (a doubted pair, a withdrawn participant's
    segment and codes no machine suggested among them): after every decision, the updated table
    is the full recomputation's, value for value."""
    import random

    from pandas.testing import assert_frame_equal

    from fgkit.coding.decisions import update_codings
    from fgkit.coding.status import effective_codings

    _add_doubt(study, serve_kit.segment_id_of("My team carry more"), "caseload")
    rng = random.Random(18)
    segments = [stable_id("segment", row[0], row[5]) for row in serve_kit.TURNS]
    codes = ["caseload", "allocation", "feelings", "tools"]
    with study.open_store() as store:
        base_segments = store.consenting_segments().rename(columns={"group_name": "group"})
        machine = store.codings(machine_only=True)
        machine_pairs = set(zip(machine.loc[machine["status"] != "doubtful", "segment_id"],
                                machine.loc[machine["status"] != "doubtful", "code"]))
        held = effective_codings(store, include_rejected=True, include_doubtful=True)
        decisions = store.latest_decisions()
        seen = set(held["status"])
        for step in range(40):
            segment_id, code = rng.choice(segments), rng.choice(codes)
            decision = rng.choice(["accept", "reject", "add"])
            store.serve_add_reviews([(segment_id, code, decision, rng.choice(["Amira", "Bo"]),
                                      f"2026-01-01T00:00:{step:02d}+00:00", rng.choice(["", "memo"]),
                                      "workshop", code)])
            now = store.latest_decisions()
            held = update_codings(held, decisions, now, base_segments, machine_pairs)
            decisions = now
            full = effective_codings(store, include_rejected=True, include_doubtful=True)
            assert_frame_equal(held.astype(str), full.astype(str), obj=f"after decision {step}")
            seen |= set(held["status"])
        # Every kind of status came and went; the doubted pair was decided along the way.
        assert seen == {"accepted", "rejected", "doubtful", "suggested"}
        assert "doubtful" not in set(held["status"])
