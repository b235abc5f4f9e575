"""The few-shot learner behind `fgkit review train`: learns from a few dozen decisions, doubts
rule hits without overriding anyone, and its doubts stay out of counts until accepted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from fgkit.coding.fewshot import FewShotCoder, context_vectors, teaching_order
from fgkit.coding.learn import learn_and_suggest
from fgkit.coding.review import worksheet_rows
from fgkit.coding.status import effective_codings


def decide(store, segments, rules, reviewer="amy"):
    """A careful reviewer: accept true suggestions, reject false ones, add the missed codes."""
    ids = {s["segment_id"] for s in segments}
    suggested = {(s, c) for s, c, *_ in rules if s in ids}
    rows = []
    for seg in segments:
        for code in {c for s, c in suggested if s == seg["segment_id"]} | set(seg["codes"]):
            decision = ("accept" if code in seg["codes"] else "reject") \
                if (seg["segment_id"], code) in suggested else "add"
            rows.append((seg["segment_id"], code, decision, reviewer, "2026-01-01T00:00:00+00:00"))
    with store.transaction() as conn:
        conn.executemany("INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) VALUES (?,?,?,?,?)",
                         rows)


def weak_rules(segments, kit, seed=11):
    """Rules that miss half the true codes and fire wrongly on one segment in eight."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in segments:
        for code in kit.CODES:
            truth = code in s["codes"]
            if (truth and rng.random() < 0.5) or (not truth and rng.random() < 0.12):
                rows.append((s["segment_id"], code, "rules:v1", 0.7, 0, 5))
    return rows


def mean_kappa(segments, coded, codes):
    kappas = []
    for code in codes:
        truth = [int(code in s["codes"]) for s in segments]
        guess = [int((s["segment_id"], code) in coded) for s in segments]
        kappas.append(cohen_kappa_score(truth, guess))
    return float(np.mean(kappas))


@pytest.mark.parametrize("n_reviewed", [25, 50])
def test_a_few_dozen_decisions_beat_the_rules_on_segments_nobody_reviewed(project, kit, n_reviewed):
    segments = kit.make_segments(200, seed=21)
    rules = weak_rules(segments, kit)
    with project.open_store() as store:
        kit.write_segments(store, segments)
        kit.write_codings(store, rules)
        decide(store, segments[:n_reviewed], rules)
        report = learn_and_suggest(project, store)
        codings = effective_codings(store)
    assert set(report.trained) == set(kit.CODES) and report.n_suggestions > 0
    rest = segments[n_reviewed:]
    rest_ids = {s["segment_id"] for s in rest}
    machine = {(r.segment_id, r.code) for r in codings.itertuples() if r.segment_id in rest_ids}
    alone = {(s, c) for s, c, *_ in rules if s in rest_ids}
    assert mean_kappa(rest, machine, kit.CODES) > mean_kappa(rest, alone, kit.CODES) + 0.05
    # Trust comes from cross-validation on the reviewed segments, one figure per code.
    assert set(report.trust) == set(kit.CODES)
    assert all(t.n_segments == n_reviewed and t.kappa is not None for t in report.trust.values())


def test_doubtful_hits_are_shown_for_review_but_left_out_of_counts_until_accepted(project, kit):
    segments = kit.make_segments(120, seed=4)
    rules = weak_rules(segments, kit)
    reviewed = {s["segment_id"] for s in segments[:40]}
    with project.open_store() as store:
        kit.write_segments(store, segments)
        kit.write_codings(store, rules)
        decide(store, segments[:40], rules)
        report = learn_and_suggest(project, store)
        doubted = store.dataframe("SELECT segment_id, code FROM codings WHERE status='doubtful'")
        assert report.n_doubtful == len(doubted) > 0
        pairs = set(zip(doubted["segment_id"], doubted["code"]))
        # The doubts fall on wrong hits far more often than the rules are wrong.
        truth = {(s["segment_id"], c) for s in segments for c in s["codes"]}
        open_hits = [(s, c) for s, c, *_ in rules if s not in reviewed]
        wrong_share = sum(h not in truth for h in open_hits) / len(open_hits)
        assert sum(d not in truth for d in pairs) / len(pairs) > wrong_share + 0.2
        # Never on a reviewed segment: a person's decision is not second-guessed.
        assert not {s for s, _ in pairs} & reviewed
        segment, code = sorted(pairs)[0]
        counted = effective_codings(store)
        assert not ((counted["segment_id"] == segment) & (counted["code"] == code)).any()
        shown = effective_codings(store, include_doubtful=True)
        row = shown[(shown["segment_id"] == segment) & (shown["code"] == code)]
        assert list(row["status"]) == ["doubtful"] and list(row["coder"]) == ["rules:v1"]
        sheet = worksheet_rows(store, {c: c for c in kit.CODES})
        assert any(r["segment_id"] == segment and r["code"] == code and r["status"] == "doubtful" for r in sheet)
        # A person who accepts it makes it count.
        with store.transaction() as conn:
            conn.execute("INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) "
                         "VALUES (?, ?, 'accept', 'amy', 't')", (segment, code))
        counted = effective_codings(store)
        row = counted[(counted["segment_id"] == segment) & (counted["code"] == code)]
        assert list(row["status"]) == ["accepted"]


def test_before_enough_review_the_learner_abstains_and_trust_is_unknown(project, kit):
    segments = kit.make_segments(60, seed=2)
    rules = weak_rules(segments, kit)
    with project.open_store() as store:
        kit.write_segments(store, segments)
        kit.write_codings(store, rules)
        report = learn_and_suggest(project, store)
        assert report.trust == {} and report.n_suggestions == 0
        decide(store, segments[:5], rules)
        report = learn_and_suggest(project, store)
    assert not report.trained and all("needs 20 reviewed" in why for why in report.abstained.values())
    assert report.n_suggestions == 0 and report.n_doubtful == 0
    # Five decisions: a kappa with an interval, computed from the suggestions as shown.
    assert {t.basis for t in report.trust.values()} == {"suggestions as shown"}


def test_an_empty_study_is_not_an_error(project):
    with project.open_store() as store:
        report = learn_and_suggest(project, store)
    assert report.trust == {} and report.n_suggestions == 0 and report.abstained


def test_context_is_the_decayed_talk_before_within_a_transcript():
    vectors = np.eye(4)
    context = context_vectors(vectors, ["a", "a", "a", "b"], back=2, decay=0.5)
    assert np.allclose(context[0], 0) and np.allclose(context[3], 0)
    assert np.allclose(context[1], [1, 0, 0, 0])
    expected = np.array([0.5, 1, 0, 0]) / np.linalg.norm([0.5, 1])
    assert np.allclose(context[2], expected)


def test_teaching_order_skips_near_duplicates_and_spreads_over_strata():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(40, 8))
    vectors[1] = vectors[0]  # a duplicate
    scores = pd.DataFrame({"a": np.linspace(-1, 1, 40)})
    strata = ["g1/practitioner"] * 30 + ["g2/manager"] * 10
    order = teaching_order(scores, {"a": 0.0}, vectors, strata, head=10)
    assert sorted(order) == list(range(40))
    first = order[:10]
    assert not ({0, 1} <= set(first))
    spread = sum(strata[i] == "g2/manager" for i in first)
    # Without strata the same rows give managers fewer places among the first ten.
    flat = teaching_order(scores, {"a": 0.0}, vectors, ["all"] * 40, head=10)[:10]
    assert spread >= 2 and spread > sum(strata[i] == "g2/manager" for i in flat)


def test_a_human_decision_always_wins_in_the_verdict():
    vectors = np.random.default_rng(1).normal(size=(60, 5))
    y = pd.DataFrame({"a": [1.0] * 10 + [0.0] * 15 + [np.nan] * 35})
    rules = pd.DataFrame({"a": [0.0] * 10 + [0.9] * 15 + [0.0] * 35})
    coder = FewShotCoder(min_reviewed=20).fit(vectors, np.zeros_like(vectors), y, rules)
    assert list(coder.verdict_["a"][:25]) == [1] * 10 + [0] * 15
    assert not coder.added_["a"][:25].any() and not coder.doubtful_["a"][:25].any()


def test_worksheet_follows_the_teaching_order_with_the_sentence_embedder(project, kit):
    from fgkit.coding.learn import teaching_ranking
    from fgkit.coding.review import export_worksheet
    from fgkit.coding.review_io import read_worksheet
    from fgkit.project import Project

    segments = kit.make_segments(40, seed=8)
    with project.open_store() as store:
        kit.write_segments(store, segments)
        kit.write_codings(store, weak_rules(segments, kit))
        decide(store, segments[:3], weak_rules(segments, kit))
        assert teaching_ranking(project, store) is None  # TF-IDF project: most uncertain first
    settings = project.root / "fgkit.toml"
    settings.write_text(settings.read_text().replace('classifier_embedder = "none"', 'classifier_embedder = "minilm"'))
    project = Project.load(project.root)
    with project.open_store() as store:
        ranking = teaching_ranking(project, store)
        assert set(ranking) == {s["segment_id"] for s in segments[3:]}  # reviewed ones are not ranked
        assert sorted(ranking.values()) == list(range(37))
        report = export_worksheet(project, store, project.root / "data" / "sheet.csv", fmt="csv")
    _header, rows = read_worksheet(report.path)
    order = list(dict.fromkeys(r["segment_id"] for _line, r in rows if r["segment_id"] in ranking))
    assert order == sorted(ranking, key=ranking.get)
