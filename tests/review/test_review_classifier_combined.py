from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import cohen_kappa_score

from fgkit.coding.combined import NEVER, CombinedCoder, choose_threshold, combine


def make_study(n=160, seed=11):
    """A study with one code, "workload", whose rule finds the usual phrases but misses one
    paraphrase ("snowed under"), and fires on a decoy ("pressure sore") the team rejects."""
    rng = random.Random(seed)
    texts, truth, fired, kinds = [], [], [], []
    for _ in range(n):
        kind = rng.choice(["hit", "hit", "decoy", "missed", "none", "none", "none"])
        opener = rng.choice(["To be honest,", "I think", "Well,", "You know,", "For me,", "Honestly,"])
        tail = rng.choice(["every single week", "in our team", "since the restructure", "at the moment",
                           "most days", "this winter"])
        phrase = {
            "hit": rng.choice(["my caseload is huge", "the waiting list keeps growing", "the backlog is endless"]),
            "decoy": rng.choice(["we check every pressure sore", "a pressure sore on the ward round"]),
            "missed": rng.choice(["we are snowed under", "I am completely snowed under"]),
            "none": rng.choice(["the manager listens to us", "we had a nice team lunch", "supervision helps",
                                "the family were lovely", "the carers know her well"]),
        }[kind]
        texts.append(f"{opener} {phrase} {tail}.")
        truth.append(float(kind in ("hit", "missed")))
        fired.append(0.7 if kind in ("hit", "decoy") else 0.0)
        kinds.append(kind)
    return texts, pd.DataFrame({"workload": truth}), pd.DataFrame({"workload": fired}), kinds


@pytest.fixture(scope="module")
def study():
    return make_study()


def reviewed_first(labels, n_reviewed):
    """The decisions on the first n segments; the rest of the study unreviewed (NaN)."""
    y = labels.copy()
    y.iloc[n_reviewed:] = np.nan
    return y


def test_estimator_conventions():
    est = CombinedCoder(min_reviewed=30, C=2.0, random_state=7)
    params = est.get_params()
    assert params["min_reviewed"] == 30 and params["C"] == 2.0 and params["threshold"] == "auto"
    assert clone(est).get_params() == params
    assert not [k for k in vars(est) if k.endswith("_")], "no learned state before fit"
    with pytest.raises(NotFittedError):
        est.predict_proba(["anything"])
    assert CombinedCoder(C="not-a-number").C == "not-a-number"  # __init__ stores without validating


def test_learns_the_paraphrase_the_rules_miss(study):
    texts, labels, rules, kinds = study
    est = CombinedCoder(random_state=1).fit(texts, reviewed_first(labels, 50), rule_hits=rules)
    assert est.codes_ == ["workload"] and est.threshold_ < NEVER
    assert est.kappa_combined_ > est.kappa_rules_
    out = combine(rules, est.proba_, est.threshold_)["workload"].to_numpy()[50:]
    truth = labels["workload"].to_numpy()[50:].astype(int)
    rule_alone = (rules["workload"].to_numpy()[50:] > 0).astype(int)
    assert cohen_kappa_score(truth, out) > cohen_kappa_score(truth, rule_alone) + 0.1
    unreviewed = np.array(kinds[50:])
    missed = unreviewed == "missed"
    assert missed.any() and out[missed].mean() > 0.7
    assert out[unreviewed == "none"].sum() == 0
    # Rule hits stand: the decoys stay for a person to reject.
    assert out[unreviewed == "decoy"].all()


def test_probabilities_read_as_probabilities(study):
    texts, labels, rules, _kinds = study
    est = CombinedCoder(random_state=1).fit(texts, reviewed_first(labels, 50), rule_hits=rules)
    p = est.proba_["workload"].to_numpy()[50:]
    truth = labels["workload"].to_numpy()[50:]
    assert ((p >= 0) & (p <= 1)).all()
    # On the unreviewed segments: as many codings expected as there are, and a Brier score far
    # better than the rules' yes/no.
    assert abs(p.mean() - truth.mean()) < 0.05
    rule_brier = np.mean(((rules["workload"].to_numpy()[50:] > 0) - truth) ** 2)
    assert np.mean((p - truth) ** 2) < 0.1 < rule_brier


def test_a_reviewed_segment_does_not_vouch_for_itself():
    texts, labels, rules, _kinds = make_study()
    # One reviewed segment, unlike any other, is marked as workload: only its own decision
    # supports that, and its probability comes from out-of-fold scores without it.
    texts = ["The parking at the office is a nightmare on Mondays.", *texts]
    labels = pd.concat([pd.DataFrame({"workload": [1.0]}), labels], ignore_index=True)
    rules = pd.concat([pd.DataFrame({"workload": [0.0]}), rules], ignore_index=True)
    est = CombinedCoder(random_state=1).fit(texts, reviewed_first(labels, 51), rule_hits=rules)
    assert est.proba_["workload"].iat[0] < 0.5


def test_perfect_rules_get_no_additions(study):
    texts, labels, _rules, _kinds = study
    est = CombinedCoder(random_state=2).fit(texts, reviewed_first(labels, 60), rule_hits=labels * 0.8)
    assert est.threshold_ == NEVER
    assert est.kappa_rules_ == pytest.approx(1.0)
    assert (est.predict(texts[60:], rule_hits=(labels * 0.8).iloc[60:]) == labels.iloc[60:].reset_index(drop=True)
            .astype(int)).all().all()


def test_abstains_and_says_why(study):
    texts, labels, rules, _kinds = study
    early = CombinedCoder().fit(texts, reviewed_first(labels, 12), rule_hits=rules)
    assert early.codes_ == [] and early.threshold_ == NEVER
    assert early.abstained_ == {"workload": "needs 20 reviewed segments, has 12"}
    assert early.predict_proba(texts[:3]).shape == (3, 0)

    # A code with no rules is learnt from decisions alone and needs ten of each.
    two = labels.assign(ai=0.0)
    two.loc[:5, "ai"] = 1.0
    est = CombinedCoder().fit(texts, reviewed_first(two, 60), rule_hits=rules)
    assert est.codes_ == ["workload"]
    assert est.abstained_["ai"] == "too few decisions (6 positive, 54 negative; needs 10 and 10)"
    assert est.n_examples_["ai"] == (6, 54)

    # A code with rules needs a few accepted segments before its additions are trusted.
    none_accepted = reviewed_first(labels, 60)
    none_accepted.loc[:59, "workload"] = 0.0
    est = CombinedCoder().fit(texts, none_accepted, rule_hits=rules)
    assert est.abstained_["workload"].startswith("too few decisions (0 positive; a code with rules needs 3")


def test_deterministic_with_seed(study):
    texts, labels, rules, _kinds = study
    runs = [CombinedCoder(random_state=4).fit(texts, reviewed_first(labels, 40), rule_hits=rules) for _ in range(2)]
    pd.testing.assert_frame_equal(runs[0].proba_, runs[1].proba_)
    assert runs[0].threshold_ == runs[1].threshold_


def test_codes_fitted_in_parallel_give_the_same_answer(study):
    texts, labels, rules, _kinds = study
    two = labels.assign(other=labels["workload"][::-1].to_numpy())
    two_rules = rules.assign(other=rules["workload"][::-1].to_numpy())
    serial = CombinedCoder(random_state=5).fit(texts, reviewed_first(two, 40), rule_hits=two_rules)
    parallel = CombinedCoder(random_state=5, n_jobs=2).fit(texts, reviewed_first(two, 40), rule_hits=two_rules)
    assert serial.codes_ == parallel.codes_ == ["workload", "other"]
    pd.testing.assert_frame_equal(serial.proba_, parallel.proba_)


def test_fixed_threshold_and_new_texts(study):
    texts, labels, rules, _kinds = study
    est = CombinedCoder(threshold=0.9, random_state=3).fit(texts[:120], reviewed_first(labels.iloc[:120], 50),
                                                           rule_hits=rules.iloc[:120])
    assert est.threshold_ == 0.9
    new = ["Well, we are snowed under at the moment.", "You know, we had a nice team lunch most days."]
    proba = est.predict_proba(new, rule_hits=pd.DataFrame({"workload": [0.0, 0.0]}))
    assert list(proba.columns) == ["workload"]
    assert proba["workload"].iat[0] > 0.5 > proba["workload"].iat[1]
    start, end = est.evidence(new[0], "workload")
    phrase = new[0].index("we are snowed under")
    assert phrase <= start < end <= phrase + len("we are snowed under")


def test_a_sentence_embedder_is_used_for_every_text(study):
    texts, labels, rules, _kinds = study
    calls = []

    def embedder(batch):
        calls.append(list(batch))
        rng = np.random.default_rng(len(batch))
        return rng.normal(size=(len(batch), 8))

    CombinedCoder(embedder=embedder, descriptions={"workload": ["Workload pressure", "Too much work"]}) \
        .fit(texts, reviewed_first(labels, 40), rule_hits=rules)
    assert calls[0] == texts and ["Workload pressure", "Too much work"] in calls


def test_choose_threshold_needs_fewer_errors_and_prefers_caution():
    truth = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    rule = np.array([1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    proba = np.array([0.9, 0.8, 0.75, 0.1, 0.1, 0.1, 0.1, 0.1])
    threshold, alone, combined = choose_threshold(rule, proba, truth)
    assert threshold == 0.7 and combined == pytest.approx(1.0) and alone < combined
    # Additions that gain kappa on nothing but trade errors one for one are refused.
    assert choose_threshold(rule, np.array([0.9, 0.8, 0.1, 0.8, 0.1, 0.1, 0.1, 0.1]), truth)[0] == NEVER
    assert choose_threshold(truth.astype(bool), proba, truth)[0] == NEVER


def test_combine_keeps_rule_hits_and_lets_people_win():
    rules = pd.DataFrame({"a": [1, 1, 0, 0], "b": [1, 0, 1, 0]})
    proba = pd.DataFrame({"a": [0.1, 0.5, 0.96, np.nan]})
    out = combine(rules, proba, 0.9)
    assert out["a"].tolist() == [1, 1, 1, 0]  # rule hits stand; additions where p reaches 0.9
    assert out["b"].tolist() == [1, 0, 1, 0]  # no model for b: the rules decide
    decisions = pd.DataFrame({"a": [0.0, np.nan, 0.0, 1.0]})
    assert combine(rules, proba, 0.9, decisions=decisions)["a"].tolist() == [0, 1, 0, 1]
    assert combine(rules, proba, NEVER)["a"].tolist() == [1, 1, 0, 0]


def test_input_lengths_are_checked(study):
    texts, labels, rules, _kinds = study
    with pytest.raises(ValueError, match="different lengths"):
        CombinedCoder().fit(texts[:50], labels)
    with pytest.raises(ValueError, match="different lengths"):
        CombinedCoder().fit(texts, labels, rule_hits=rules.iloc[:10])
