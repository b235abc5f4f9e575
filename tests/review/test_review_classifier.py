from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from fgkit.coding.classifier import CodeClassifier


@pytest.fixture(scope="module")
def corpus():
    from types import SimpleNamespace

    import support.review_kit as helpers
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


def test_evidence_points_at_a_supporting_phrase(corpus, kit):
    est = CodeClassifier(random_state=3).fit(corpus.texts[:100], corpus.labels.iloc[:100])
    text = "Yeah, and the chatbot for carers gives answers that are plainly out of date."
    start, end = est.evidence(text, "ai_technology")
    phrase = text[start:end].lower()
    assert phrase and any(phrase in p for p in kit.PHRASES["ai_technology"])
    assert est.evidence("", "ai_technology") is None


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
