"""A few-shot coder that learns from 20 to 50 reviewed segments, over sentence vectors.

What a few dozen decisions can teach is limited, so each code's model starts from what the
codebook already says and spends the decisions on the study's own voice:

- **features**: the segment's MiniLM vector, the vector of the talk just before it (the previous
  ``context_back`` segments of the same transcript, nearer ones weighing more: "it" and "the
  pilot" are AI because of what came before), and whether the rules found the code;
- **seeds**: the code's label, definition, inclusion notes and examples are labelled positives,
  its exclusion notes and the other top-level codes' descriptions labelled negatives (seeds carry
  no context);
- **decisions**: accepted and added codes are positives, rejections and codes nobody accepted on
  a reviewed segment negatives;
- **per-code calibration by counts**: a logistic regression on so few rows ranks better than it
  is calibrated, so instead of a fixed probability the reviewed segments say how many to change:
  the code's prevalence and the rules' precision there (smoothed, (k + 1) / (n + 2)) predict how
  many positives the rules miss among the unreviewed segments and how many of their hits are
  wrong.

The verdict on an unreviewed segment: where the rules were silent, the code is **added** on the
highest-scoring segments, as many as the rules are predicted to miss (``add_share`` of them;
``threshold_`` is the lowest score added); a rule hit stands unless it is among the
lowest-scoring ``doubt_share`` of the hits predicted wrong, when it is **doubtful** (kept as a
suggestion, left out of counts until a person accepts it). A person's decision always wins. ``cv_verdicts_`` holds the same
verdicts for the reviewed segments, each fold from a model that never saw its decisions: the
basis of ``fgkit.coding.trust``. Whether a code gets additions, doubts, both or neither is chosen
per code by those cross-validated verdicts: a change must beat the rules alone by 0.05 kappa on
the decisions, so where the rules already agree well the learner leaves them be (the choice
makes the cross-validated figure slightly optimistic: four options were compared on it).

Tried on the tuning study (``benchmarks/bench_learning_curve.py``): logistic regression on the
vector alone, with seeds, with context, a nearest-neighbour score, fixed probability thresholds
and prevalence matching; this combination was best there. See that file for the figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

__all__ = ["FewShotCoder", "context_vectors"]


def context_vectors(vectors: np.ndarray, transcripts, back: int = 8, decay: float = 0.8) -> np.ndarray:
    """For each row, the decayed sum of the ``back`` rows before it in the same transcript
    (rows in speaking order), scaled to unit length; zeros for a transcript's first row."""
    vectors = np.asarray(vectors, dtype=np.float64)
    transcripts = np.asarray(list(transcripts), dtype=object)
    out = np.zeros_like(vectors)
    for k in range(1, back + 1):
        if k >= len(vectors):
            break
        same = transcripts[k:] == transcripts[:-k]
        out[k:][same] += (decay ** (k - 1)) * vectors[:-k][same]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


def _unit(matrix) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or not matrix.shape[0]:
        return matrix.reshape(0, -1) if matrix.ndim == 2 else np.zeros((0, 1))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


class FewShotCoder(BaseEstimator):
    """Per-code logistic regression over [vector, context vector, rule hit], codebook seeds and decisions.

    ``fit(vectors, context, y, rule_hits, seeds, negative_seeds)``: ``vectors`` and ``context``
    are (n, d) arrays over every segment of the study in speaking order; ``y`` a DataFrame of 1 /
    0 / NaN (no decision) per code; ``rule_hits`` a DataFrame aligned with it (rule confidence, 0
    where silent); ``seeds`` / ``negative_seeds``: code -> (k, d) array of description vectors.

    Learned: ``codes_`` (codes with a model), ``abstained_`` (code -> reason), ``scores_``
    (probabilities for every row), ``threshold_`` and ``prevalence_`` per code, ``verdict_``
    (0/1 per row: decisions where made, else rules minus doubts plus additions), ``added_`` and
    ``doubtful_`` (boolean DataFrames over unreviewed rows), ``cv_verdicts_`` (reviewed rows),
    ``mode_`` (code -> what the learner does for it: "rules" alone, "add", "doubt" or "both",
    whichever agreed best with the decisions in cross-validation) and ``cv_kappa_``.
    """

    def __init__(self, C=1.0, seed_weight=1.0, negative_seed_weight=0.5, rule_weight=2.0,
                 context_weight=1.0, weak_weight=0.0, add_share=1.0, doubt_share=0.5, min_gain=0.05, min_reviewed=20,
                 min_positive=2,
                 n_folds=5, random_state=42):
        self.C = C
        self.seed_weight = seed_weight
        self.negative_seed_weight = negative_seed_weight
        self.rule_weight = rule_weight
        self.context_weight = context_weight
        self.weak_weight = weak_weight
        self.min_gain = min_gain
        self.add_share = add_share
        self.doubt_share = doubt_share
        self.min_reviewed = min_reviewed
        self.min_positive = min_positive
        self.n_folds = n_folds
        self.random_state = random_state

    def _design(self, vectors, context, rule):
        return np.hstack([vectors, self.context_weight * context, self.rule_weight * rule[:, None]])

    def _model(self, design, rows, labels, seeds, negatives, weak_rows=None, weak_labels=None):
        """One code's logistic regression on reviewed ``rows`` plus the codebook's seeds (and,
        with ``weak_weight``, the rules' verdicts on ``weak_rows`` as weak labels)."""
        from sklearn.linear_model import LogisticRegression

        width = design.shape[1]
        blocks, targets, weights = [design[rows]], [labels], [np.ones(len(rows))]
        if self.weak_weight and weak_rows is not None and len(weak_rows):
            blocks.append(design[weak_rows])
            targets.append(weak_labels)
            weights.append(np.full(len(weak_rows), self.weak_weight))
        for matrix, target, weight in ((seeds, 1.0, self.seed_weight), (negatives, 0.0, self.negative_seed_weight)):
            if matrix is not None and len(matrix):
                padded = np.zeros((len(matrix), width))
                padded[:, :matrix.shape[1]] = matrix  # no context, no rule hit
                blocks.append(padded)
                targets.append(np.full(len(matrix), target))
                weights.append(np.full(len(matrix), weight))
        X, t, w = np.vstack(blocks), np.concatenate(targets), np.concatenate(weights)
        if t.min() == t.max():
            return None
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=1000).fit(X, t, sample_weight=w)

    def _cuts(self, scores, pool, fired, labels, labelled_fired):
        """(threshold, doubt, prevalence) for deciding the ``pool`` rows from their ``scores``.

        ``labels`` and ``labelled_fired``: the decisions and rule hits on the reviewed rows the
        model learnt from. From them, the code's prevalence and the rules' precision (both
        smoothed, (k + 1) / (n + 2)) predict how many positives the rules miss in the pool and
        how many of its hits are wrong; the highest-scoring ``add_share`` of the first are added,
        the lowest-scoring ``doubt_share`` of the second doubted."""
        hits, silent = pool & fired, pool & ~fired
        prevalence = (labels.sum() + 1.0) / (len(labels) + 2.0)
        precision = (labels[labelled_fired].sum() + 1.0) / (labelled_fired.sum() + 2.0)
        missed = prevalence * pool.sum() - precision * hits.sum()
        n_add = int(round(self.add_share * max(0.0, missed)))
        silent_scores = np.sort(scores[silent])
        threshold = np.inf if n_add <= 0 or not len(silent_scores) else float(silent_scores[-min(n_add, len(silent_scores))])
        n_doubt = int(np.floor(self.doubt_share * (1.0 - precision) * hits.sum()))
        hit_scores = np.sort(scores[hits])
        doubt = float(hit_scores[n_doubt]) if 0 < n_doubt < len(hit_scores) else -np.inf
        return threshold, doubt, prevalence

    def fit(self, vectors, context, y, rule_hits=None, seeds=None, negative_seeds=None):
        vectors, context = _unit(vectors), _unit(context)
        if len(vectors) != len(y) or len(context) != len(y):
            raise ValueError("vectors, context and y have different lengths")
        y = y.reset_index(drop=True).astype(float)
        rules = pd.DataFrame(0.0, index=y.index, columns=y.columns) if rule_hits is None else \
            rule_hits.reset_index(drop=True).reindex(columns=y.columns).fillna(0.0)
        seeds, negative_seeds = seeds or {}, negative_seeds or {}
        reviewed = y.notna().any(axis=1).to_numpy()
        unreviewed = ~reviewed
        reviewed_rows = np.flatnonzero(reviewed)
        self.codes_, self.abstained_ = [], {}
        self.scores_ = pd.DataFrame(index=y.index)
        self.threshold_, self.prevalence_, self.mode_, self.cv_kappa_ = {}, {}, {}, {}
        self.verdict_ = (rules > 0).astype(int)
        self.added_ = pd.DataFrame(False, index=y.index, columns=y.columns)
        self.doubtful_ = pd.DataFrame(False, index=y.index, columns=y.columns)
        self.cv_verdicts_ = pd.DataFrame(index=y.index[reviewed], columns=y.columns, dtype=float)
        for code in y.columns:
            human = y[code].to_numpy()
            known = ~np.isnan(human)
            self.verdict_.loc[known, code] = human[known].astype(int)
            self.cv_verdicts_[code] = (rules[code].to_numpy()[reviewed] > 0).astype(float)
        if reviewed.sum() < self.min_reviewed:
            self.abstained_ = {c: f"needs {self.min_reviewed} reviewed segments, has {int(reviewed.sum())}"
                               for c in y.columns}
            return self

        folds = self._folds(len(reviewed_rows))
        for code in y.columns:
            labels = np.nan_to_num(y[code].to_numpy()[reviewed_rows], nan=0.0)
            positives = int(labels.sum())
            if positives < self.min_positive:
                self.abstained_[code] = (f"too few positive decisions ({positives}; needs {self.min_positive})")
                continue
            rule = np.clip(rules[code].to_numpy(dtype=float), 0.0, 1.0)
            fired = rule > 0
            design = self._design(vectors, context, rule)
            weak_rows = np.flatnonzero(unreviewed)
            model = self._model(design, reviewed_rows, labels, seeds.get(code), negative_seeds.get(code),
                                weak_rows, fired[weak_rows].astype(float))
            if model is None:
                self.abstained_[code] = "every example is coded the same way"
                continue
            scores = model.predict_proba(design)[:, 1]
            threshold, doubt, prevalence = self._cuts(scores, unreviewed, fired, labels, fired[reviewed_rows])
            cv = self._cross_validated(design, reviewed_rows, labels, folds, fired, seeds.get(code),
                                       negative_seeds.get(code), unreviewed)
            mode, kappas = _choose_mode(labels, cv, self.min_gain)
            self.codes_.append(code)
            self.scores_[code] = scores
            self.threshold_[code], self.prevalence_[code] = threshold, prevalence
            self.mode_[code], self.cv_kappa_[code] = mode, kappas
            added = unreviewed & ~fired & (scores >= threshold) & (mode in ("add", "both"))
            doubted = unreviewed & fired & (scores < doubt) & (mode in ("doubt", "both"))
            self.added_[code], self.doubtful_[code] = added, doubted
            verdict = self.verdict_[code].to_numpy().copy()
            verdict[added], verdict[doubted] = 1, 0
            self.verdict_[code] = verdict
            self.cv_verdicts_[code] = cv[mode]
        self.cv_verdicts_ = self.cv_verdicts_.astype(int)
        return self

    def _folds(self, n_reviewed):
        rng = np.random.default_rng(self.random_state)
        order = rng.permutation(n_reviewed)
        k = max(2, min(self.n_folds, n_reviewed))
        return [order[i::k] for i in range(k)]

    def _cross_validated(self, design, reviewed_rows, labels, folds, fired, seeds, negatives, unreviewed):
        """Verdicts on reviewed rows under each mode (``MODES``), each fold from a model fitted
        on the other folds alone."""
        hit = fired[reviewed_rows]
        out = {mode: hit.astype(int) for mode in MODES}
        for held in folds:
            train = np.setdiff1d(np.arange(len(reviewed_rows)), held)
            if labels[train].sum() < 1:
                continue
            # The held-out fold is unreviewed for this model: its rule verdicts are weak labels
            # like any other unreviewed segment's (never its decisions).
            weak_rows = np.flatnonzero(unreviewed | np.isin(np.arange(len(design)), reviewed_rows[held]))
            model = self._model(design, reviewed_rows[train], labels[train], seeds, negatives,
                                weak_rows, fired[weak_rows].astype(float))
            if model is None:
                continue
            pool = unreviewed.copy()
            pool[reviewed_rows[held]] = True
            full = np.full(len(design), np.nan)
            full[pool] = model.predict_proba(design[pool])[:, 1]
            threshold, doubt, _ = self._cuts(full, pool, fired, labels[train], fired[reviewed_rows[train]])
            s, f = full[reviewed_rows[held]], hit[held]
            out["add"][held] = np.where(f, 1, s >= threshold)
            out["doubt"][held] = np.where(f, s >= doubt, 0)
            out["both"][held] = np.where(f, s >= doubt, s >= threshold)
        return out


MODES = ("rules", "add", "doubt", "both")  # simplest first


def _choose_mode(labels, cv, min_gain=0.05):
    """The mode whose cross-validated verdicts agree best with the decisions (Cohen's kappa), if
    it beats the rules alone by ``min_gain``; among equals the simplest. Returns (mode, kappas)."""
    from .trust import _kappas

    truth = np.asarray(labels, dtype=int)
    kappas = {m: float(np.nan_to_num(_kappas(truth[None, :], np.asarray(cv[m])[None, :])[0], nan=0.0))
              for m in MODES}
    best = "rules"
    for mode in MODES[1:]:
        if kappas[mode] > max(kappas[best], kappas["rules"] + min_gain) + 1e-9:
            best = mode
    return best, kappas


def seed_scores(vectors, context, rule_hits, seeds, negative_seeds, C=1.0, rule_weight=2.0) -> pd.DataFrame:
    """Before any decision: each code's score from the codebook's seeds alone (plus the rule hit)."""
    from sklearn.linear_model import LogisticRegression

    vectors, context = _unit(vectors), _unit(context)
    out = {}
    for code in rule_hits.columns:
        pos, neg = seeds.get(code), negative_seeds.get(code)
        if pos is None or neg is None or not len(pos) or not len(neg):
            continue
        X = np.vstack([pos, neg])
        t = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=1000).fit(X, t)
        score = model.decision_function(vectors) + rule_weight * (rule_hits[code].to_numpy(dtype=float) > 0)
        out[code] = score
    return pd.DataFrame(out, index=rule_hits.index)


def teaching_order(scores: pd.DataFrame, thresholds: dict, vectors, strata, eligible=None,
                   head: int = 100, redundancy: float = 0.5, duplicate: float = 0.95) -> list[int]:
    """Rows in the order that teaches the learner most per decision.

    A row's value is how uncertain it is, summed over codes (1 at the code's threshold, falling
    off with the distance in standard deviations of the scores). Rows are then picked greedily:
    value minus ``redundancy`` times the cosine similarity to the nearest row already picked,
    divided by how often its stratum (group and role) was picked already, so the first rows cover
    the study's groups, roles and topics; a row within ``duplicate`` cosine of a picked one goes
    to the end (a near-duplicate teaches nothing new). ``thresholds``: code -> score at which the
    code would apply (None: the score a fifth of the rows reach, a prior guess of prevalence).
    The greedy pass orders the first ``head`` rows (a worksheet's worth; it costs head x rows);
    the rest follow by value.
    """
    vectors = _unit(vectors)
    rows = np.arange(len(vectors)) if eligible is None else np.flatnonzero(eligible)
    if not len(rows):
        return []
    value = np.zeros(len(rows))
    for code in scores.columns:
        s = scores[code].to_numpy(dtype=float)[rows]
        spread = float(np.std(s)) or 1.0
        centre = thresholds.get(code)
        centre = float(np.quantile(s, 0.8)) if centre is None or not np.isfinite(centre) else centre
        value += np.exp(-np.abs(s - centre) / spread)
    strata = np.asarray(list(strata), dtype=object)[rows]
    picked_strata: dict = {}
    nearest = np.full(len(rows), -1.0)
    order, duplicates = [], []
    left = np.ones(len(rows), dtype=bool)
    while len(order) < head and left.any():
        counts = np.array([picked_strata.get(s, 0) for s in strata])
        gain = (value - redundancy * np.clip(nearest, 0.0, None)) / (1.0 + counts)
        gain[~left] = -np.inf
        best = int(np.argmax(gain))
        left[best] = False
        if nearest[best] >= duplicate:
            duplicates.append(rows[best])
            continue
        order.append(rows[best])
        picked_strata[strata[best]] = picked_strata.get(strata[best], 0) + 1
        nearest = np.maximum(nearest, vectors[rows] @ vectors[rows[best]])
    rest = np.flatnonzero(left)
    rest = rows[rest[np.argsort(-value[rest], kind="stable")]]
    return [int(r) for r in [*order, *rest, *duplicates]]
