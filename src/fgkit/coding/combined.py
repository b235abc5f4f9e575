"""The combined coder: rule hits, corrected by the classifier where the team's decisions say so.

For each code the classifier was trained on, a rule hit stands unless the classifier's
calibrated probability is below the code's *veto* threshold, and a code the rules missed is added
when the probability reaches the code's *add* threshold. Both thresholds are chosen per code by
cross-validation on the reviewed segments alone (``choose_thresholds``): out-of-fold
probabilities are compared with the team's decisions, and a threshold is only moved away from
"rules alone" when that makes fewer errors there. A human decision always wins over both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["ADD_GRID", "NEVER", "VETO_GRID", "Thresholds", "choose_thresholds", "combine"]

NEVER = float("inf")  # an add threshold no probability reaches
# Candidate thresholds: vetoes only where the model is nearly sure the rule is wrong.
ADD_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
VETO_GRID = (0.02, 0.05, 0.1, 0.2)


@dataclass(frozen=True)
class Thresholds:
    """Per-code thresholds; a code missing from a mapping keeps the rules' decision."""

    add: dict[str, float]
    veto: dict[str, float]

    @classmethod
    def fixed(cls, codes, add: float, veto: float = 0.0) -> Thresholds:
        return cls({c: add for c in codes}, {c: veto for c in codes})


def _decide(rule, p, add, veto):
    """0/1 array: a rule hit stands unless p < veto; a silent rule is overruled when p >= add."""
    import numpy as np

    p = np.asarray(p, dtype=float)
    known = ~np.isnan(p)
    kept = rule & ~(known & (p < veto))
    return kept | (known & (p >= add))


def combine(rule_hits, proba, thresholds: Thresholds, decisions=None):
    """The combined coder as a 0/1 DataFrame over ``rule_hits``' columns.

    ``rule_hits``: a DataFrame over all codes, > 0 where the rules fired (counts or
    confidences); ``proba``: calibrated probabilities for the trained codes (NaN: no opinion);
    ``decisions``: optional DataFrame of human decisions (1, 0, NaN: none), which win wherever set.
    """
    import numpy as np

    out = (rule_hits.fillna(0) > 0).astype(int)
    for code in proba.columns:
        if code in out.columns and code in thresholds.add:
            decided = _decide(out[code].to_numpy().astype(bool), proba[code],
                              thresholds.add[code], thresholds.veto.get(code, 0.0))
            out[code] = decided.astype(int)
    if decisions is not None:
        for code in decisions.columns.intersection(out.columns):
            human = decisions[code].to_numpy(dtype=float)
            set_ = ~np.isnan(human)
            column = out[code].to_numpy().copy()
            column[set_] = human[set_].astype(int)
            out[code] = column
    return out


def _out_of_fold(estimator, texts, labels, rule_hits, n_splits):
    """Out-of-fold probabilities (NaN where an inner model abstained) for every code."""
    import numpy as np
    import pandas as pd
    from sklearn.base import clone
    from sklearn.model_selection import KFold

    oof = pd.DataFrame(np.nan, index=range(len(texts)), columns=labels.columns)
    folds = KFold(n_splits=n_splits, shuffle=True, random_state=estimator.random_state)
    # Each fold sees (k-1)/k of the decisions; scaling the minimums keeps the codes the full model
    # trains on trained in the folds too, so their thresholds can be judged.
    share = (n_splits - 1) / n_splits
    minimums = {"min_positive": math.ceil(estimator.min_positive * share),
                "min_negative": math.ceil(estimator.min_negative * share)}
    for train, test in folds.split(np.zeros(len(texts))):
        inner = clone(estimator).set_params(**minimums)
        train_rules = None if rule_hits is None else rule_hits.iloc[train].reset_index(drop=True)
        inner.fit([texts[i] for i in train], labels.iloc[train].reset_index(drop=True), rule_hits=train_rules)
        if not inner.codes_:
            continue
        test_rules = None if rule_hits is None else rule_hits.iloc[test].reset_index(drop=True)
        proba = inner.predict_proba([texts[i] for i in test], rule_hits=test_rules)
        for code in proba.columns:
            oof.loc[test, code] = proba[code].to_numpy()
    return oof


def _candidates():
    """(add, veto) pairs other than "rules alone", most conservative first, so a tie keeps the
    pair closer to the rules."""
    return [(a, v) for a in (NEVER, *sorted(ADD_GRID, reverse=True)) for v in (0.0, *VETO_GRID)][1:]


def choose_thresholds(estimator, texts, labels, rule_hits=None, n_splits=5, min_gain=2) -> Thresholds:
    """Per-code add and veto thresholds chosen by cross-validation on the reviewed data only.

    ``estimator`` is an unfitted CodeClassifier (cloned for each fold); ``labels`` the reviewed
    segments' 0/1/NaN decisions; ``rule_hits`` what the rules found on the same segments (None:
    no rules). Only codes with enough decisions for ``estimator`` to train on get thresholds.
    For each, the pair (add, veto) making the fewest out-of-fold errors wins, but only if it
    makes at least ``min_gain`` fewer errors than the rules alone: on a few dozen decisions one
    error is noise, and a threshold should move only when the decisions show it helps.
    """
    import numpy as np

    texts = list(texts)
    codes = [c for c in labels.columns
             if (labels[c] == 1).sum() >= estimator.min_positive and (labels[c] == 0).sum() >= estimator.min_negative]
    add, veto = {}, {}
    if not codes or len(texts) < 2 * n_splits:
        return Thresholds(add, veto)
    oof = _out_of_fold(estimator, texts, labels, rule_hits, n_splits)
    for code in codes:
        truth = labels[code].to_numpy(dtype=float)
        p = oof[code].to_numpy(dtype=float)
        known = ~np.isnan(truth)
        if not (~np.isnan(p[known])).any():
            continue
        rule = np.zeros(len(texts), dtype=bool) if rule_hits is None or code not in rule_hits.columns \
            else rule_hits[code].fillna(0).to_numpy() > 0
        truth, p, rule = truth[known].astype(bool), p[known], rule[known]
        best, best_errors = (NEVER, 0.0), int((rule != truth).sum()) - min_gain + 1
        for a, v in _candidates():
            errors = int((_decide(rule, p, a, v) != truth).sum())
            if errors < best_errors:
                best, best_errors = (a, v), errors
        add[code], veto[code] = best
    return Thresholds(add, veto)
