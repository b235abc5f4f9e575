from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from fgkit.coding.classifier import CODER, CodeClassifier, rule_table, train_and_suggest
from fgkit.coding.combined import NEVER, Thresholds, choose_thresholds, combine


@pytest.fixture(scope="module")
def noisy_rules():
    """Segments with one code whose rule fires on the code's phrases and on a decoy phrase
    ("pressure sore") the team always rejects; the rule misses one paraphrase ("snowed under")."""
    rng = random.Random(11)
    texts, truth, fired = [], [], []
    for i in range(120):
        kind = rng.choice(["hit", "hit", "decoy", "missed", "none", "none"])
        opener = rng.choice(["To be honest,", "I think", "Well,", "You know,", "For me,"])
        tail = rng.choice(["every single week", "in our team", "since the restructure", "at the moment"])
        phrase = {
            "hit": rng.choice(["my caseload is huge", "the waiting list keeps growing", "the backlog is endless"]),
            "decoy": rng.choice(["we check every pressure sore", "a pressure sore on the ward round"]),
            "missed": "we are snowed under",
            "none": rng.choice(["the manager listens to us", "we had a nice team lunch", "supervision helps"]),
        }[kind]
        texts.append(f"{opener} {phrase} {tail}.")
        truth.append(float(kind in ("hit", "missed")))
        fired.append(0.7 if kind in ("hit", "decoy") else 0.0)
    labels = pd.DataFrame({"workload": truth})
    rules = pd.DataFrame({"workload": fired})
    return texts, labels, rules


def test_rule_hits_are_features_and_must_be_given_to_predict(noisy_rules):
    texts, labels, rules = noisy_rules
    est = CodeClassifier(random_state=1).fit(texts[:80], labels.iloc[:80], rule_hits=rules.iloc[:80])
    assert est.rule_columns_ == ["workload"]
    proba = est.predict_proba(texts[80:], rule_hits=rules.iloc[80:].reset_index(drop=True))["workload"]
    decoys = [i for i, t in enumerate(texts[80:]) if "pressure sore" in t]
    hits = [i for i in range(40) if rules["workload"].iloc[80 + i] > 0 and i not in decoys]
    assert decoys and hits and proba.iloc[decoys].max() < proba.iloc[hits].min()
    with pytest.raises(ValueError, match="rule_hits"):
        est.predict_proba(texts[80:])
    with pytest.raises(ValueError, match="different lengths"):
        CodeClassifier().fit(texts[:80], labels.iloc[:80], rule_hits=rules.iloc[:70])


def test_thresholds_veto_the_rejected_rule_and_add_the_missed(noisy_rules):
    texts, labels, rules = noisy_rules
    chosen = choose_thresholds(CodeClassifier(random_state=2), texts[:80], labels.iloc[:80], rules.iloc[:80])
    assert chosen.veto["workload"] > 0 and chosen.add["workload"] < NEVER
    est = CodeClassifier(random_state=2).fit(texts[:80], labels.iloc[:80], rule_hits=rules.iloc[:80])
    test_rules = rules.iloc[80:].reset_index(drop=True)
    out = combine(test_rules, est.predict_proba(texts[80:], rule_hits=test_rules), chosen)
    truth = labels["workload"].iloc[80:].to_numpy().astype(int)
    rule_errors = int(((test_rules["workload"] > 0).astype(int).to_numpy() != truth).sum())
    assert rule_errors > 0 and int((out["workload"].to_numpy() != truth).sum()) < rule_errors


def test_thresholds_keep_the_rules_when_they_are_right(noisy_rules):
    texts, labels, _ = noisy_rules
    # A perfect rule: nothing to veto or add, so the thresholds stay at "rules alone".
    perfect = labels.copy()
    chosen = choose_thresholds(CodeClassifier(random_state=2), texts[:80], labels.iloc[:80], perfect.iloc[:80])
    assert chosen.add["workload"] == NEVER and chosen.veto["workload"] == 0.0


def test_thresholds_come_from_the_training_data_only(noisy_rules, monkeypatch):
    texts, labels, rules = noisy_rules
    seen = []
    original = CodeClassifier.fit

    def spy(self, X, y, rule_hits=None):
        seen.extend(X)
        return original(self, X, y, rule_hits=rule_hits)

    monkeypatch.setattr(CodeClassifier, "fit", spy)
    choose_thresholds(CodeClassifier(random_state=3), texts[:60], labels.iloc[:60], rules.iloc[:60])
    assert seen and set(seen) <= set(texts[:60])
    # Folds train on 4/5 of the decisions, with the minimums scaled so the same codes train.
    assert len(seen) == 4 * 60


def test_choose_thresholds_is_deterministic_with_seed(noisy_rules):
    texts, labels, rules = noisy_rules
    runs = [choose_thresholds(CodeClassifier(random_state=4), texts[:70], labels.iloc[:70], rules.iloc[:70])
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_codes_without_enough_decisions_keep_the_rules(noisy_rules):
    texts, labels, rules = noisy_rules
    chosen = choose_thresholds(CodeClassifier(min_positive=70, random_state=1), texts[:80],
                               labels.iloc[:80], rules.iloc[:80])
    assert chosen.add == {} and chosen.veto == {}
    out = combine(rules.iloc[:5], pd.DataFrame(index=range(5)), chosen)
    assert out["workload"].tolist() == (rules["workload"].iloc[:5] > 0).astype(int).tolist()


def test_human_decisions_win_over_veto_and_addition():
    rules = pd.DataFrame({"a": [1, 1, 0, 0]})
    proba = pd.DataFrame({"a": [0.01, 0.01, 0.99, 0.99]})
    thresholds = Thresholds({"a": 0.9}, {"a": 0.1})
    assert combine(rules, proba, thresholds)["a"].tolist() == [0, 0, 1, 1]
    decisions = pd.DataFrame({"a": [1.0, np.nan, 0.0, np.nan]})
    assert combine(rules, proba, thresholds, decisions=decisions)["a"].tolist() == [1, 0, 0, 1]


def record(store, segments, truth_of):
    rows = [(s["segment_id"], "workload", "accept" if truth_of(s) else "reject", "amy",
             "2026-01-01T00:00:00+00:00") for s in segments]
    with store.transaction() as conn:
        conn.executemany("INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) VALUES (?,?,?,?,?)",
                         rows)


def test_train_and_suggest_vetoes_only_undecided_rule_hits(project, kit, noisy_rules):
    texts, labels, rules = noisy_rules
    segments = kit.make_segments(len(texts), seed=9)
    for seg, text in zip(segments, texts):
        seg["text"] = text
    store = project.open_store()
    try:
        kit.write_segments(store, segments)
        kit.write_codings(store, [(s["segment_id"], "workload", "rules:v1", 0.7, 0, 5)
                                  for s, hit in zip(segments, rules["workload"]) if hit > 0])
        truth = dict(zip((s["segment_id"] for s in segments), labels["workload"]))
        record(store, segments[:80], lambda s: truth[s["segment_id"]] == 1.0)
        table = rule_table(store, [s["segment_id"] for s in segments[:3]], ["workload", "other"])
        assert table["workload"].tolist() == rules["workload"].iloc[:3].tolist()
        assert table["other"].tolist() == [0.0, 0.0, 0.0]

        report = train_and_suggest(project, store)
        _add, veto = report.thresholds["workload"]
        assert veto > 0 and report.vetoed
        reviewed = {s["segment_id"] for s in segments[:80]}
        vetoed = {segment for segment, code, p in report.vetoed}
        assert not vetoed & reviewed
        decoys = {s["segment_id"] for s in segments[80:] if "pressure sore" in s["text"]}
        assert vetoed <= decoys and len(vetoed) >= len(decoys) // 2
        added = {r["segment_id"] for r in store.query("SELECT segment_id FROM codings WHERE coder=?", (CODER,))}
        assert not added & reviewed
        assert all(p < veto for _s, _c, p in report.vetoed)
    finally:
        store.close()
