"""The combined coder: the rules, plus the codes the team's decisions show they miss.

(The earlier review learner: ``fgkit review train`` now runs ``fgkit.coding.fewshot``; this one
stays as the baseline ``benchmarks/bench_learning_curve.py`` compares it with.)

Rule hits stand (a person rejects a wrong one in review); the combined coder adds a code where
the rules were silent and a stacked model is confident enough. What a few dozen decisions can
teach is limited, so the model spends them on five numbers per (segment, code), not on a
vocabulary:

- ``rule_confidence``: what the rule coder found (0 where silent);
- ``text_model``: out-of-fold probability from a logistic regression over TF-IDF (and sentence
  vectors) trained on the whole study, with the team's decisions as labels where a person decided
  and the rule hits as (weak) labels everywhere else: the rules' vocabulary, generalised;
- ``neighbours``: how much closer the segment is to reviewed segments that have the code than to
  reviewed segments that do not (mean of the ``n_neighbours`` nearest of each);
- ``codebook``: similarity to the code's label, definition, inclusion notes and examples;
- ``has_rules``: whether the rules can code it at all.

One logistic regression over these, pooled across codes, is trained on the reviewed segments
(their text-model and neighbour scores are out-of-fold, so they are as honest as on unreviewed
segments). As a logistic model of out-of-fold scores it is Platt scaling with several inputs: its
outputs read as probabilities. The addition threshold is the one at which the combined coder
agrees best with the decisions (Cohen's kappa), and only if it also makes fewer errors than the
rules alone; otherwise nothing is added. A human decision always wins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin

__all__ = ["FEATURES", "NEVER", "THRESHOLD_GRID", "CombinedCoder", "choose_threshold", "combine"]

NEVER = float("inf")  # a threshold no probability reaches: rules alone
THRESHOLD_GRID = (0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2)  # most conservative first
FEATURES = ("rule_confidence", "text_model", "neighbours", "codebook", "has_rules")


def combine(rule_hits: pd.DataFrame, proba: pd.DataFrame, threshold: float, decisions=None) -> pd.DataFrame:
    """The combined coder's 0/1 table over ``rule_hits``' columns.

    A rule hit (> 0) stands; a code is added where ``proba`` (NaN: no opinion) reaches
    ``threshold``; ``decisions`` (1, 0, NaN: none), when given, win wherever set.
    """
    out = (rule_hits.fillna(0) > 0).astype(int)
    for code in proba.columns.intersection(out.columns):
        p = proba[code].to_numpy(dtype=float)
        added = ~np.isnan(p) & (p >= threshold)
        out[code] = (out[code].to_numpy().astype(bool) | added).astype(int)
    if decisions is not None:
        for code in decisions.columns.intersection(out.columns):
            human = decisions[code].to_numpy(dtype=float)
            known = ~np.isnan(human)
            column = out[code].to_numpy().copy()
            column[known] = human[known].astype(int)
            out[code] = column
    return out


def _kappa(truth, guess) -> float:
    from sklearn.metrics import cohen_kappa_score

    value = cohen_kappa_score(truth, guess, labels=[0, 1])
    return 0.0 if np.isnan(value) else float(value)


def choose_threshold(rule, proba, truth, grid=THRESHOLD_GRID) -> tuple[float, float, float]:
    """(threshold, kappa of rules alone, kappa at the threshold) on reviewed (segment, code) pairs.

    ``rule``, ``proba`` and ``truth`` are flat arrays over the same pairs. A threshold is only
    chosen when it agrees with the decisions better than the rules alone (higher kappa, fewer
    errors), and among equals the most conservative wins; otherwise ``NEVER``.
    """
    rule = np.asarray(rule, dtype=bool)
    truth = np.asarray(truth, dtype=int)
    proba = np.asarray(proba, dtype=float)
    baseline = _kappa(truth, rule.astype(int))
    best, best_kappa = NEVER, baseline
    errors_alone = int((rule != truth).sum())
    for threshold in grid:
        guess = rule | (proba >= threshold)
        kappa = _kappa(truth, guess.astype(int))
        # Better kappa alone can come from trading errors on a rare code for more errors on a
        # common one; a threshold must also make fewer errors than the rules.
        if kappa > best_kappa + 1e-9 and int((guess != truth).sum()) < errors_alone:
            best, best_kappa = threshold, kappa
    return best, baseline, best_kappa


def _text_model(design, weak, known, C, n_splits, random_state):
    """A code's text model on the rows whose (weak) label is known, and its scores for every row:
    out-of-fold where the label is known, the full model's elsewhere."""
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    base = LogisticRegression(C=C, class_weight="balanced", solver="liblinear")
    labels = weak[known].astype(int)
    rows = np.flatnonzero(known)
    full = clone(base).fit(design[rows], labels)
    scores = full.predict_proba(design)[:, 1]
    smaller = int(min(labels.sum(), len(labels) - labels.sum()))
    folds = StratifiedKFold(n_splits=max(2, min(n_splits, smaller)), shuffle=True, random_state=random_state)
    for train, test in folds.split(rows, labels):
        model = clone(base).fit(design[rows[train]], labels[train])
        scores[rows[test]] = model.predict_proba(design[rows[test]])[:, 1]
    return full, scores


def _dense(matrix) -> np.ndarray:
    """A similarity matrix as a float ndarray, whether the product was sparse or dense."""
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix, dtype=float)


def _top_mean(similarity: np.ndarray, k: int) -> np.ndarray:
    """Mean of each row's k largest finite values (0 for a row with none)."""
    if similarity.shape[1] == 0:
        return np.zeros(similarity.shape[0])
    k = min(k, similarity.shape[1])
    top = np.sort(similarity, axis=1)[:, -k:]
    finite = np.isfinite(top)
    counts = finite.sum(axis=1)
    sums = np.where(finite, top, 0.0).sum(axis=1)
    return np.divide(sums, counts, out=np.zeros(len(sums)), where=counts > 0)


class CombinedCoder(ClassifierMixin, BaseEstimator):
    """Rules plus a stacked model learnt from review decisions, over a whole study.

    ``fit(X, y, rule_hits)``: X is every segment's text in the study; y a DataFrame, one column
    per code, of 1 (applies), 0 (does not) or NaN (nobody decided: an unreviewed segment);
    ``rule_hits`` a DataFrame aligned with X of the rule coder's confidence per code (0 where
    silent; a code absent or never hit counts as having no rules). The study's unreviewed
    segments serve as weak labels through the rules, which is why the coder is fitted on all of
    them, and ``proba_`` holds out-of-fold based probabilities for every row of X.

    A code with rules is learnt once ``min_positive_with_rules`` segments were accepted for it; a
    code without rules needs ``min_positive`` and ``min_negative`` decisions; no code is learnt
    before ``min_reviewed`` segments were reviewed. Otherwise the coder abstains and says why
    (``abstained_``). ``threshold``: "auto" (chosen on the decisions, see ``choose_threshold``)
    or a probability. ``embedder``: None, or a callable from a list of texts to sentence vectors.
    ``descriptions``: code -> texts describing it (label, definition, examples). ``n_jobs``: codes
    fitted at once (processes; None: one, -1: one per core).

    Learned: ``codes_``, ``abstained_``, ``n_examples_`` (code -> (positive, negative)
    decisions), ``n_reviewed_``, ``threshold_``, ``kappa_rules_`` and ``kappa_combined_`` (on the
    reviewed pairs), ``proba_``, ``meta_`` (the stacked model), ``text_models_``,
    ``vectorizer_``.
    """

    def __init__(self, min_positive=10, min_negative=10, min_positive_with_rules=3, min_reviewed=20,
                 n_neighbours=3, C=1.0, threshold="auto", embedder=None, descriptions=None,
                 n_splits=5, n_jobs=None, random_state=42):
        self.min_positive = min_positive
        self.min_negative = min_negative
        self.min_positive_with_rules = min_positive_with_rules
        self.min_reviewed = min_reviewed
        self.n_neighbours = n_neighbours
        self.C = C
        self.threshold = threshold
        self.embedder = embedder
        self.descriptions = descriptions
        self.n_splits = n_splits
        self.n_jobs = n_jobs
        self.random_state = random_state

    # --- features -----------------------------------------------------------------------------

    def _vectors(self, texts, words):
        """Unit-length rows for similarity: sentence vectors, or the (sparse) TF-IDF rows without an embedder."""
        from sklearn.preprocessing import normalize

        if self.embedder is None:
            return normalize(words).tocsr()
        if not len(texts):
            return np.zeros((0, 1))
        return normalize(np.asarray(self.embedder(list(texts)), dtype=np.float64))

    def _design(self, words, vectors):
        from scipy import sparse

        if self.embedder is None:
            return words.tocsr()
        return sparse.hstack([words, sparse.csr_matrix(vectors)], format="csr")

    def _neighbours(self, vectors, code, exclude=None):
        """Nearest reviewed positives minus nearest reviewed negatives; ``exclude[i]``: a reviewed
        row to leave out for row i (its own decision), or -1."""
        similarity = _dense(vectors @ self.reviewed_vectors_.T)
        if exclude is not None:
            rows = np.flatnonzero(exclude >= 0)
            similarity[rows, exclude[rows]] = -np.inf
        labels = self.reviewed_labels_[code]
        positive = similarity[:, labels == 1]
        negative = similarity[:, labels == 0]
        return _top_mean(positive, self.n_neighbours) - _top_mean(negative, self.n_neighbours)

    def _codebook_similarity(self, vectors, code):
        described = self.description_vectors_.get(code)
        if described is None or not vectors.shape[0]:
            return np.zeros(vectors.shape[0])
        return _dense(vectors @ described.T).max(axis=1)

    def _stack(self, code, rule_hits, text_model, neighbours, codebook):
        has_rules = float(code in self.ruled_)
        confidence = rule_hits[code].to_numpy(dtype=float) if has_rules else np.zeros(len(text_model))
        return np.column_stack([np.clip(confidence, 0.0, 1.0), text_model, neighbours, codebook,
                                np.full(len(text_model), has_rules)])

    # --- fitting ------------------------------------------------------------------------------

    def _abstentions(self, y, reviewed):
        abstained, trainable = {}, []
        self.n_examples_ = {}
        for code in y.columns:
            decided = y.loc[reviewed, code].dropna()
            positives, negatives = int((decided == 1).sum()), int((decided == 0).sum())
            self.n_examples_[code] = (positives, negatives)
            if reviewed.sum() < self.min_reviewed:
                abstained[code] = f"needs {self.min_reviewed} reviewed segments, has {int(reviewed.sum())}"
            elif code in self.ruled_ and positives < self.min_positive_with_rules:
                abstained[code] = (f"too few decisions ({positives} positive; a code with rules needs "
                                   f"{self.min_positive_with_rules})")
            elif code not in self.ruled_ and (positives < self.min_positive or negatives < self.min_negative):
                abstained[code] = (f"too few decisions ({positives} positive, {negatives} negative; "
                                   f"needs {self.min_positive} and {self.min_negative})")
            else:
                trainable.append(code)
        return abstained, trainable

    def fit(self, X, y, rule_hits=None):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        texts = list(X)
        if len(texts) != len(y):
            raise ValueError("X and y have different lengths")
        if rule_hits is not None and len(rule_hits) != len(texts):
            raise ValueError("X and rule_hits have different lengths")
        y = y.reset_index(drop=True).astype(float)
        rules = pd.DataFrame(0.0, index=y.index, columns=y.columns) if rule_hits is None else \
            rule_hits.reset_index(drop=True).reindex(columns=y.columns).fillna(0.0)
        self.ruled_ = [c for c in y.columns if (rules[c] > 0).any()]
        reviewed = y.notna().any(axis=1).to_numpy()
        self.n_reviewed_ = int(reviewed.sum())
        self.abstained_, trainable = self._abstentions(y, reviewed)
        self.codes_, self.text_models_ = [], {}
        self.threshold_, self.kappa_rules_, self.kappa_combined_ = NEVER, None, None
        self.proba_ = pd.DataFrame(index=y.index)
        if not trainable:
            return self

        self.vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True).fit(texts)
        words = self.vectorizer_.transform(texts)
        vectors = self._vectors(texts, words)
        design = self._design(words, vectors)
        reviewed_rows = np.flatnonzero(reviewed)
        self.reviewed_vectors_ = vectors[reviewed_rows]
        self.reviewed_words_ = words[reviewed_rows]
        self.reviewed_labels_ = {c: y[c].to_numpy()[reviewed_rows] for c in trainable}
        # Every code's descriptions in one embedder call, then split back by code.
        described = {c: [t for t in (self.descriptions or {}).get(c, ()) if t and t.strip()] for c in trainable}
        every = [t for texts_of_code in described.values() for t in texts_of_code]
        every_vectors = self._vectors(every, self.vectorizer_.transform(every)) if every else None
        self.description_vectors_, start = {}, 0
        for code, texts_of_code in described.items():
            if texts_of_code:
                self.description_vectors_[code] = every_vectors[start:start + len(texts_of_code)]
                start += len(texts_of_code)
        exclude = np.full(len(texts), -1)
        exclude[reviewed_rows] = np.arange(len(reviewed_rows))

        weak_labels = {}
        for code in trainable:
            # Decisions where a person decided; elsewhere the rules' verdict when the code has rules.
            weak = y[code].to_numpy(dtype=float).copy()
            if code in self.ruled_:
                silent = np.isnan(weak) & ~reviewed
                weak[silent] = (rules[code].to_numpy()[silent] > 0).astype(float)
            known = ~np.isnan(weak)
            if weak[known].sum() < 2 or (weak[known] == 0).sum() < 2:
                self.abstained_[code] = "every segment it could learn from is coded the same way"
            else:
                weak_labels[code] = (weak, known)
        # Codes are independent; liblinear holds the GIL, so parallel fits need processes.
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_text_model)(design, weak, known, self.C, self.n_splits, self.random_state)
            for weak, known in weak_labels.values())
        stacked = {}
        for code, (model, scores) in zip(weak_labels, fitted):
            self.text_models_[code] = model
            stacked[code] = self._stack(code, rules, scores, self._neighbours(vectors, code, exclude),
                                        self._codebook_similarity(vectors, code))
        self.codes_ = list(stacked)
        if not self.codes_:
            return self

        pairs = [(stacked[c][reviewed_rows], y[c].to_numpy()[reviewed_rows], rules[c].to_numpy()[reviewed_rows] > 0)
                 for c in self.codes_]
        features = np.vstack([f[~np.isnan(t)] for f, t, _ in pairs])
        truth = np.concatenate([t[~np.isnan(t)] for _, t, _ in pairs]).astype(int)
        fired = np.concatenate([r[~np.isnan(t)] for _, t, r in pairs])
        if truth.min() == truth.max():
            for code in self.codes_:
                self.abstained_[code] = "the decisions so far are all one way"
            self.codes_ = []
            return self
        self.meta_ = LogisticRegression(C=1.0, max_iter=2000).fit(features, truth)
        self.proba_ = pd.DataFrame({c: self.meta_.predict_proba(stacked[c])[:, 1] for c in self.codes_},
                                   index=y.index, columns=self.codes_)
        reviewed_proba = self.meta_.predict_proba(features)[:, 1]
        chosen, self.kappa_rules_, self.kappa_combined_ = choose_threshold(fired, reviewed_proba, truth)
        if self.threshold == "auto":
            self.threshold_ = chosen
        else:
            self.threshold_ = float(self.threshold)
            self.kappa_combined_ = _kappa(truth, (fired | (reviewed_proba >= self.threshold_)).astype(int))
        return self

    # --- prediction ---------------------------------------------------------------------------

    def predict_proba(self, X, rule_hits=None) -> pd.DataFrame:
        """Probabilities for new texts, one column per learnt code (use ``proba_`` for the fitted study)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "proba_")
        texts = list(X)
        if not self.codes_:
            return pd.DataFrame(index=range(len(texts)))
        rules = pd.DataFrame(0.0, index=range(len(texts)), columns=self.codes_) if rule_hits is None else \
            rule_hits.reset_index(drop=True).reindex(columns=self.codes_).fillna(0.0)
        words = self.vectorizer_.transform(texts)
        vectors = self._vectors(texts, words)
        design = self._design(words, vectors)
        columns = {}
        for code in self.codes_:
            stacked = self._stack(code, rules, self.text_models_[code].predict_proba(design)[:, 1],
                                  self._neighbours(vectors, code), self._codebook_similarity(vectors, code))
            columns[code] = self.meta_.predict_proba(stacked)[:, 1]
        return pd.DataFrame(columns, index=range(len(texts)), columns=self.codes_)

    def predict(self, X, rule_hits=None) -> pd.DataFrame:
        """0/1 per learnt code (and per code in ``rule_hits``): rule hits, plus additions."""
        texts = list(X)
        proba = self.predict_proba(texts, rule_hits)
        rules = pd.DataFrame(index=range(len(texts))) if rule_hits is None else rule_hits.reset_index(drop=True)
        return combine(rules.reindex(columns=rules.columns.union(proba.columns, sort=False), fill_value=0.0),
                       proba, self.threshold_)

    def evidence(self, text: str, code: str) -> tuple[int, int] | None:
        """Character span of the word n-gram in ``text`` that most supports ``code``, if any.

        A term's support is its weight in the code's text model plus how much it weighs in the
        text's nearest reviewed segments that have the code (both scaled to 1), so an addition
        made because the segment resembles reviewed ones points at what they share.
        """
        from .evidence import supporting_span

        row = self.vectorizer_.transform([text])
        n_terms = row.shape[1]
        coef = np.clip(self.text_models_[code].coef_[0][:n_terms], 0.0, None)
        positives = self.reviewed_words_[self.reviewed_labels_[code] == 1]
        shared = np.zeros(n_terms)
        if positives.shape[0]:
            similarity = (positives @ row.T).toarray().ravel()
            nearest = np.argsort(similarity)[-self.n_neighbours:]
            nearest = nearest[similarity[nearest] > 0]
            if len(nearest):
                shared = np.asarray(positives[nearest].multiply(row).mean(axis=0)).ravel()
        weights = coef / max(coef.max(), 1e-12) + shared / max(shared.max(), 1e-12)
        return supporting_span(self.vectorizer_, weights, text)
