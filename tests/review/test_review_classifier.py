from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from fgkit.coding.classifier import CODER, CodeClassifier, train_and_suggest
from fgkit.coding.combined import Thresholds, combine
from fgkit.coding.status import effective_codings


@pytest.fixture(scope="module")
def corpus():
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    # The module-scoped corpus needs the conftest helpers outside a test's fixture scope.
    spec = importlib.util.spec_from_file_location("review_conftest", Path(__file__).with_name("conftest.py"))
    helpers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helpers)
    segments = helpers.make_segments(140, seed=21)
    labels = pd.DataFrame([[float(c in s["codes"]) for c in helpers.CODES] for s in segments],
                          columns=helpers.CODES)
    return SimpleNamespace(texts=[s["text"] for s in segments], labels=labels, segments=segments)


def test_estimator_conventions():
    est = CodeClassifier(min_positive=3, C=2.0, random_state=7)
    assert est.get_params() == {"min_positive": 3, "min_negative": 10, "C": 2.0, "threshold": 0.5,
                                "max_features": 30000, "embedder": None, "random_state": 7}
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not [k for k in vars(est) if k.endswith("_")], "no learned state before fit"
    with pytest.raises(NotFittedError):
        est.predict_proba(["anything"])
    # __init__ stores without validating, as sklearn expects.
    assert CodeClassifier(C="not-a-number").C == "not-a-number"


def test_learns_codes_with_calibrated_probabilities(corpus):
    train, test = slice(0, 90), slice(90, None)
    est = CodeClassifier(random_state=1)
    assert est.fit(corpus.texts[train], corpus.labels.iloc[train].reset_index(drop=True)) is est
    assert est.codes_ == list(corpus.labels.columns) and est.abstained_ == {}
    proba = est.predict_proba(corpus.texts[test])
    assert list(proba.columns) == est.codes_
    assert ((proba.to_numpy() >= 0) & (proba.to_numpy() <= 1)).all()
    predicted = est.predict(corpus.texts[test]).to_numpy()
    truth = corpus.labels.iloc[test].to_numpy().astype(int)
    from sklearn.metrics import f1_score

    assert f1_score(truth, predicted, average="micro") > 0.8


def test_abstains_with_few_decisions_and_ignores_unknown_labels(corpus):
    labels = corpus.labels.iloc[:60].reset_index(drop=True).copy()
    # Only 6 known positives of workload; the rest of that column unknown.
    positives = labels.index[labels["workload"] == 1][:6]
    negatives = labels.index[labels["workload"] == 0][:30]
    labels["workload"] = np.nan
    labels.loc[positives, "workload"] = 1.0
    labels.loc[negatives, "workload"] = 0.0
    est = CodeClassifier().fit(corpus.texts[:60], labels)
    assert est.n_examples_["workload"] == (6, 30)
    assert "workload" not in est.codes_
    assert est.abstained_["workload"].startswith("too few decisions (6 positive, 30 negative")
    assert "workload" not in est.predict_proba(corpus.texts[60:70]).columns


def test_deterministic_with_seed(corpus):
    a = CodeClassifier(random_state=5).fit(corpus.texts[:80], corpus.labels.iloc[:80])
    b = CodeClassifier(random_state=5).fit(corpus.texts[:80], corpus.labels.iloc[:80])
    pd.testing.assert_frame_equal(a.predict_proba(corpus.texts[80:]), b.predict_proba(corpus.texts[80:]))


def test_combine_rules_and_classifier():
    rules = pd.DataFrame({"a": [1, 1, 0, 0], "b": [1, 0, 1, 0]})
    proba = pd.DataFrame({"a": [0.1, 0.5, 0.96, 0.94]})
    out = combine(rules, proba, Thresholds.fixed(["a"], 0.95))
    assert out["a"].tolist() == [1, 1, 1, 0]  # rule hits stand; the model adds only when confident
    assert out["b"].tolist() == [1, 0, 1, 0]  # no model for b: the rules decide
    assert combine(rules, proba, Thresholds.fixed(["a"], 0.9))["a"].tolist() == [1, 1, 1, 1]
    # A veto drops a rule hit the model is nearly sure is wrong.
    assert combine(rules, proba, Thresholds.fixed(["a"], 0.95, veto=0.2))["a"].tolist() == [0, 1, 1, 0]


def record_decisions(store, segments, rules, reviewer="amy"):
    """A reviewer's decisions: accept true suggestions, reject false ones, add the missed."""
    suggested = {(s, c) for s, c, *_ in rules}
    rows = []
    for seg in segments:
        for code in {c for s, c in suggested if s == seg["segment_id"]} | set(seg["codes"]):
            truth = code in seg["codes"]
            if (seg["segment_id"], code) in suggested:
                decision = "accept" if truth else "reject"
            else:
                decision = "add"
            rows.append((seg["segment_id"], code, decision, reviewer, "2026-01-01T00:00:00+00:00"))
    with store.transaction() as conn:
        conn.executemany("INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) VALUES (?,?,?,?,?)",
                         rows)
    return rows


@pytest.fixture
def big_store(project, kit):
    segments = kit.make_segments(110, seed=5)
    st = project.open_store()
    kit.write_segments(st, segments)
    rules = kit.rule_suggestions(segments)
    kit.write_codings(st, rules)
    yield st, segments, rules
    st.close()


def test_train_and_suggest_never_overrides_decisions(project, big_store):
    store, segments, rules = big_store
    reviewed = segments[:70]
    decisions = record_decisions(store, reviewed, [r for r in rules if r[0] in {s["segment_id"] for s in reviewed}])
    before = effective_codings(store, include_rejected=True)
    report = train_and_suggest(project, store, run_id="run1")
    assert report.n_reviewed_segments == 70 and report.n_decisions == len(decisions)
    assert report.trained and report.n_suggestions > 0
    for (pos, neg) in report.trained.values():
        assert pos >= 10 and neg >= 10 and pos + neg == 70
    rows = store.query("SELECT * FROM codings WHERE coder=?", (CODER,))
    reviewed_ids = {s["segment_id"] for s in reviewed}
    assert rows and not [r for r in rows if r["segment_id"] in reviewed_ids]
    assert all(r["pattern"] == f"{CODER} (trained on 70 decisions)" and r["run_id"] == "run1" for r in rows)
    assert all(0.5 <= r["confidence"] <= 1 for r in rows)
    after = effective_codings(store, include_rejected=True)
    decided = before[before["status"] != "suggested"].set_index(["segment_id", "code"])["status"]
    still = after.set_index(["segment_id", "code"]).loc[decided.index, "status"]
    assert (still == decided).all()
    # The unreviewed segments' suggestions mostly match the truth the reviewer would give.
    truth = {(s["segment_id"], c) for s in segments[70:] for c in s["codes"]}
    suggested = {(r["segment_id"], r["code"]) for r in rows}
    assert len(truth & suggested) / len(suggested) > 0.8


def test_retraining_replaces_stale_suggestions_but_keeps_reviewed(project, big_store):
    store, segments, rules = big_store
    record_decisions(store, segments[:60], [r for r in rules if r[0] in {s["segment_id"] for s in segments[:60]}])
    train_and_suggest(project, store)
    first = {(r["segment_id"], r["code"]) for r in store.query("SELECT * FROM codings WHERE coder=?", (CODER,))}
    newly = segments[60:75]
    record_decisions(store, newly, [r for r in rules if r[0] in {s["segment_id"] for s in newly}], reviewer="ben")
    train_and_suggest(project, store)
    second = {(r["segment_id"], r["code"]) for r in store.query("SELECT * FROM codings WHERE coder=?", (CODER,))}
    newly_ids = {s["segment_id"] for s in newly}
    # What the reviewer saw on newly reviewed segments stays; nothing new is suggested there.
    assert {p for p in second if p[0] in newly_ids} == {p for p in first if p[0] in newly_ids}
    assert second


def test_too_few_decisions_abstains_and_writes_nothing(project, big_store):
    store, segments, rules = big_store
    record_decisions(store, segments[:8], [r for r in rules if r[0] in {s["segment_id"] for s in segments[:8]}])
    report = train_and_suggest(project, store)
    assert report.trained == {} and report.n_suggestions == 0
    assert set(report.abstained) == {"workload", "allocation_fairness", "emotional_labour",
                                     "professional_judgement", "ai_technology"}
    assert all("too few decisions" in reason for reason in report.abstained.values())
    assert store.query("SELECT COUNT(*) AS n FROM codings WHERE coder=?", (CODER,))[0]["n"] == 0


def test_no_decisions_at_all(project, big_store):
    store, _segments, _rules = big_store
    report = train_and_suggest(project, store)
    assert report.n_decisions == 0 and report.trained == {}
    assert set(report.abstained.values()) == {"no review decisions yet"}


def test_embedder_setting_chooses_features(project, big_store):
    from fgkit.errors import SettingsError
    from fgkit.project import Project

    store, segments, rules = big_store
    record_decisions(store, segments[:60], [r for r in rules if r[0] in {s["segment_id"] for s in segments[:60]}])
    plain = train_and_suggest(project, store)
    assert plain.params["embedder"] == "none" and plain.trained
    settings = project.root / "fgkit.toml"
    settings.write_text(settings.read_text().replace('classifier_embedder = "none"', 'classifier_embedder = "word2vec"'))
    with pytest.raises(SettingsError, match="classifier_embedder"):
        train_and_suggest(Project.load(project.root), store)
    # The default: MiniLM sentence vectors, cached in the store per text.
    settings.write_text(settings.read_text().replace('classifier_embedder = "word2vec"\n', ""))
    report = train_and_suggest(Project.load(project.root), store)
    assert report.params["embedder"] == "minilm" and report.trained
    cached = store.query("SELECT COUNT(*) AS n FROM cache WHERE namespace LIKE 'embed:minilm:%'")[0]["n"]
    assert cached == len(segments)


def test_codes_with_rules_only_get_confident_additions(project, big_store, kit):
    from fgkit.coding.classifier import ADD_THRESHOLD
    from fgkit.project import Project

    store, segments, rules = big_store
    record_decisions(store, segments[:70], [r for r in rules if r[0] in {s["segment_id"] for s in segments[:70]}])
    ruled = kit.CODEBOOK.replace(
        "    label: Workload pressure\n",
        "    label: Workload pressure\n    patterns:\n      lemma:\n        - caseload\n        - waiting list\n",
    )
    project.codebook_path.write_text(ruled, encoding="utf-8")
    settings = project.root / "fgkit.toml"
    settings.write_text(settings.read_text().replace("[coding]\n", '[coding]\nclassifier_thresholds = "fixed"\n'))
    report = train_and_suggest(Project.load(project.root), store)
    assert report.thresholds["workload"] == (ADD_THRESHOLD, 0.0)
    rows = store.query("SELECT code, confidence FROM codings WHERE coder=?", (CODER,))
    workload = [r["confidence"] for r in rows if r["code"] == "workload"]
    others = [r["confidence"] for r in rows if r["code"] != "workload"]
    assert all(p >= ADD_THRESHOLD for p in workload)
    assert others and min(others) < ADD_THRESHOLD


def test_evidence_points_at_a_supporting_phrase(corpus, kit):
    est = CodeClassifier(random_state=3).fit(corpus.texts[:100], corpus.labels.iloc[:100])
    text = "Yeah, and the chatbot for carers gives answers that are plainly out of date."
    start, end = est.evidence(text, "ai_technology")
    phrase = text[start:end].lower()
    assert phrase and any(phrase in p for p in kit.PHRASES["ai_technology"])
    assert est.evidence("", "ai_technology") is None


def test_suggestions_carry_evidence(project, big_store):
    store, segments, rules = big_store
    record_decisions(store, segments[:70], [r for r in rules if r[0] in {s["segment_id"] for s in segments[:70]}])
    train_and_suggest(project, store)
    rows = store.query(
        """SELECT c.evidence, c.evidence_start, c.evidence_end, s.text FROM codings c
           JOIN segments s USING (segment_id) WHERE c.coder=?""", (CODER,))
    with_evidence = [r for r in rows if r["evidence"]]
    assert len(with_evidence) > 0.8 * len(rows)
    assert all(r["text"][r["evidence_start"]:r["evidence_end"]] == r["evidence"] for r in with_evidence)


def test_embedder_not_called_when_every_code_abstains(corpus):
    calls = []

    def embedder(texts):
        calls.append(len(texts))
        return np.ones((len(texts), 4))

    few = corpus.labels.iloc[:12].reset_index(drop=True)
    est = CodeClassifier(embedder=embedder).fit(corpus.texts[:12], few)
    assert est.codes_ == [] and calls == []
    CodeClassifier(embedder=embedder).fit(corpus.texts[:80], corpus.labels.iloc[:80])
    assert calls == [80]
