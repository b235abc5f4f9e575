"""The classifier coder: learns each code from human review decisions.

TF-IDF over word and character n-grams, joined by MiniLM sentence embeddings unless
``[coding] classifier_embedder = "none"`` and by what the rule coder found (its confidence per
code, so the model learns where the team rejects or adds to the rules), feeds one logistic
regression per code, calibrated with
cross-validation (sigmoid while data are few, isotonic once there are plenty) so a suggestion's
confidence reads as a probability. A code with too few positive or negative examples is not
guessed at: the classifier abstains for it and says so. Suggestions are only made where no
person has decided, so the classifier never overrides a human. How suggestions and rule hits
combine (per-code add and veto thresholds) is in ``fgkit.coding.combined``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The estimator must subclass sklearn's bases; this module is imported only by the commands
# that train or score, never by ``import fgkit``.
from sklearn.base import BaseEstimator, ClassifierMixin

from ..errors import SettingsError

__all__ = [
    "ADD_THRESHOLD",
    "CODER",
    "ClassifierReport",
    "CodeClassifier",
    "rule_table",
    "train_and_suggest",
    "training_data",
]

CODER = "classifier:v1"
_ISOTONIC_MIN = 200  # per class; isotonic calibration overfits below this


class CodeClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label text classifier trained on partially labelled data.

    ``fit(X, y)``: X is a sequence of texts; y is a pandas DataFrame with one column per code
    holding 1 (applies), 0 (does not apply) or NaN (not known for that text). Learned state:
    ``codes_`` (trained codes), ``abstained_`` (code -> reason), ``n_examples_`` (code ->
    (positives, negatives)), ``vectorizer_``, ``models_``. ``embedder``: None, or a callable
    taking a list of texts to a 2-D array of sentence vectors joined to the TF-IDF features.
    """

    def __init__(self, min_positive=10, min_negative=10, C=4.0, threshold=0.5,
                 max_features=30000, embedder=None, random_state=42):
        self.min_positive = min_positive
        self.min_negative = min_negative
        self.C = C
        self.threshold = threshold
        self.max_features = max_features
        self.embedder = embedder
        self.random_state = random_state

    def _vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        return FeatureUnion([
            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                     max_features=self.max_features, lowercase=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                     max_features=self.max_features, lowercase=True)),
        ])

    def _features(self, texts, rule_hits):
        """TF-IDF, then sentence embeddings when an embedder is set, then the rule hits if fitted with them."""
        import numpy as np
        from scipy import sparse

        blocks = [self.vectorizer_.transform(texts)]
        if self.embedder is not None:
            from sklearn.preprocessing import normalize

            blocks.append(sparse.csr_matrix(normalize(np.asarray(self.embedder(texts), dtype=np.float64))))
        if self.rule_columns_:
            if rule_hits is None:
                raise ValueError("the classifier was fitted with rule hits; pass rule_hits")
            # Capped at 1 like a confidence, so one feature per code weighs like a strong n-gram.
            values = rule_hits.reindex(columns=self.rule_columns_).fillna(0).to_numpy(dtype=np.float64)
            blocks.append(sparse.csr_matrix(np.clip(values, 0.0, 1.0)))
        return sparse.hstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]

    def fit(self, X, y, rule_hits=None):
        """Learn each code with enough decisions. ``rule_hits``: optional DataFrame aligned with X,
        one column per code, > 0 where the rules fired (their confidence); the model then learns
        when the team rejects what the rules found, and needs the same columns to predict."""
        import numpy as np
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        texts = list(X)
        if len(texts) != len(y):
            raise ValueError("X and y have different lengths")
        if rule_hits is not None and len(rule_hits) != len(texts):
            raise ValueError("X and rule_hits have different lengths")
        self.vectorizer_ = self._vectorizer().fit(texts)
        self.rule_columns_ = [] if rule_hits is None else list(rule_hits.columns)
        self.models_, self.abstained_, self.n_examples_ = {}, {}, {}
        trainable = []
        for code in y.columns:
            labels = y[code].to_numpy(dtype=float)
            known = ~np.isnan(labels)
            positives, negatives = int((labels[known] == 1).sum()), int((labels[known] == 0).sum())
            self.n_examples_[code] = (positives, negatives)
            if positives < self.min_positive or negatives < self.min_negative:
                self.abstained_[code] = (
                    f"too few decisions ({positives} positive, {negatives} negative; "
                    f"needs {self.min_positive} and {self.min_negative})"
                )
            else:
                trainable.append((code, labels, known, min(positives, negatives)))
        # Features (and the sentence embedder) only when some code has enough decisions.
        matrix = self._features(texts, rule_hits) if trainable else None
        for code, labels, known, smaller in trainable:
            folds = StratifiedKFold(n_splits=min(5, smaller), shuffle=True, random_state=self.random_state)
            base = LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear",
                                      random_state=self.random_state)
            method = "isotonic" if smaller >= _ISOTONIC_MIN else "sigmoid"
            # One calibrator on out-of-fold scores (ensemble=False): as well calibrated on small
            # data as an ensemble of k, at a fifth of the cost.
            model = CalibratedClassifierCV(base, method=method, cv=folds, ensemble=False)
            self.models_[code] = model.fit(matrix[known], labels[known].astype(int))
        self.codes_ = list(self.models_)
        return self

    def predict_proba(self, X, rule_hits=None):
        """A DataFrame of calibrated probabilities, one column per trained code."""
        import pandas as pd
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "models_")
        texts = list(X)
        matrix = self._features(texts, rule_hits)
        columns = {code: model.predict_proba(matrix)[:, 1] for code, model in self.models_.items()}
        return pd.DataFrame(columns, index=range(len(texts)), columns=self.codes_)

    def predict(self, X, rule_hits=None):
        return (self.predict_proba(X, rule_hits) >= self.threshold).astype(int)

    def evidence(self, text: str, code: str) -> tuple[int, int] | None:
        """Character span of the word n-gram in ``text`` that most supports ``code``, if any."""
        import re

        word = self.vectorizer_.transformer_list[0][1]
        coef = self.models_[code].calibrated_classifiers_[0].estimator.coef_[0][: len(word.vocabulary_)]
        best, best_weight = None, 0.0
        for term in set(word.build_analyzer()(text)):
            index = word.vocabulary_.get(term)
            if index is not None and coef[index] > best_weight:
                best, best_weight = term, coef[index]
        if best is None:
            return None
        # The analyzer lowercased and split on word boundaries; find the words as written.
        pattern = r"\b" + r"\W+".join(re.escape(w) for w in best.split()) + r"\b"
        match = re.search(pattern, text, flags=re.IGNORECASE)
        return (match.start(), match.end()) if match else None


ADD_THRESHOLD = 0.95  # additions to a code that has rules, when thresholds are fixed
RULE_CODER = "rules:v1"


@dataclass
class ClassifierReport:
    """What ``train_and_suggest`` did: per-code training counts, abstentions, suggestions made."""

    n_decisions: int
    n_reviewed_segments: int
    trained: dict[str, tuple[int, int]] = field(default_factory=dict)
    abstained: dict[str, str] = field(default_factory=dict)
    n_suggestions: int = 0
    n_segments_scored: int = 0
    params: dict = field(default_factory=dict)
    thresholds: dict[str, tuple[float, float]] = field(default_factory=dict)
    vetoed: list[tuple[str, str, float]] = field(default_factory=list)


def training_data(store, codes: list[str]):
    """Texts and labels learnt from human decisions.

    Positive: the latest decision on (segment, code) is accept or add. Negative: it is reject,
    or the segment was reviewed (has any decision) and the code was not accepted on it.
    Returns (segment DataFrame of reviewed segments, label DataFrame aligned with it, n_decisions).
    """
    import numpy as np
    import pandas as pd

    from .status import latest_decisions

    decisions = latest_decisions(store)
    segments = store.dataframe(
        """SELECT s.segment_id, s.text FROM segments s JOIN pseudo_turns p ON p.turn_id = s.turn_id
           ORDER BY s.segment_id"""
    )
    reviewed = segments[segments["segment_id"].isin(set(decisions["segment_id"]))].reset_index(drop=True)
    labels = pd.DataFrame(0.0, index=reviewed.index, columns=codes)
    position = {s: i for i, s in enumerate(reviewed["segment_id"])}
    used = 0
    for rec in decisions.itertuples(index=False):
        if rec.segment_id in position and rec.code in labels.columns:
            labels.loc[position[rec.segment_id], rec.code] = 1.0 if rec.decision in ("accept", "add") else 0.0
            used += 1
    return reviewed, labels.astype(np.float64), used


def _embedder(store, name: str, seed: int):
    """texts -> sentence vectors (cached in the store), or None for TF-IDF alone."""
    if name == "none":
        return None
    if name != "minilm":
        raise SettingsError('[coding] classifier_embedder must be "minilm" or "none"')
    from ..analysis.embed import embed_texts

    def embed(texts):
        return embed_texts(store, list(texts), "minilm", seed)

    return embed


def rule_table(store, segment_ids, codes: list[str]):
    """What the rule coder found on each segment: its confidence per code, 0 where silent."""
    import pandas as pd

    hits = store.dataframe("SELECT segment_id, code, confidence FROM codings WHERE coder=?", (RULE_CODER,))
    table = hits.pivot_table(index="segment_id", columns="code", values="confidence", aggfunc="max") \
        if len(hits) else pd.DataFrame()
    return table.reindex(index=list(segment_ids), columns=codes).fillna(0.0).reset_index(drop=True)


def _thresholds(project, estimator, reviewed, labels, rules, ruled):
    """Per-code thresholds: by cross-validation on the reviewed segments, or fixed by settings."""
    from sklearn.base import clone

    from .combined import Thresholds, choose_thresholds

    mode = str(project.setting("coding", "classifier_thresholds", "cv"))
    if mode not in ("cv", "fixed"):
        raise SettingsError('[coding] classifier_thresholds must be "cv" or "fixed"')
    add_threshold = float(project.setting("coding", "classifier_add_threshold", ADD_THRESHOLD))
    # Fixed (and the fallback where cross-validation has no opinion): a code with rules only
    # gets confident additions; a code without rules is the classifier's alone.
    add = {c: add_threshold if c in ruled else estimator.threshold for c in estimator.codes_}
    veto = {c: 0.0 for c in estimator.codes_}
    if mode == "cv":
        chosen = choose_thresholds(clone(estimator), reviewed["text"], labels, rules)
        add.update(chosen.add)
        veto.update(chosen.veto)
    return Thresholds(add, veto)


def train_and_suggest(project, store, run_id: str | None = None, estimator: CodeClassifier | None = None) -> ClassifierReport:
    """Train on the decisions in the store and write suggestions for unreviewed segments.

    Suggestions are the codes the classifier adds at each code's add threshold. Rule hits it
    would veto are listed in the report (``vetoed``), not written: a rule suggestion stays for a
    person to reject.
    """
    from ..codebook import load_codebook
    from .status import latest_decisions

    codebook = load_codebook(project.codebook_path)
    codes = codebook.ids
    ruled = {c.id for c in codebook.codes if not c.patterns.empty}
    seed = int(project.setting("analysis", "seed", 42))
    embedder_name = str(project.setting("coding", "classifier_embedder", "minilm"))
    estimator = estimator or CodeClassifier(
        threshold=float(project.setting("coding", "classifier_threshold", 0.5)),
        embedder=_embedder(store, embedder_name, seed),
        random_state=seed,
    )
    reviewed, labels, n_decisions = training_data(store, codes)
    params = {**estimator.get_params(), "embedder": embedder_name if estimator.embedder else "none",
              "thresholds": str(project.setting("coding", "classifier_thresholds", "cv"))}
    report = ClassifierReport(n_decisions=n_decisions, n_reviewed_segments=len(reviewed), params=params)
    if len(reviewed) == 0:
        report.abstained = {c: "no review decisions yet" for c in codes}
        return report
    # What the rules found is a feature: the model learns where the team rejects or adds to it.
    rules = rule_table(store, reviewed["segment_id"], codes)
    estimator.fit(reviewed["text"], labels, rule_hits=rules)
    report.abstained = dict(estimator.abstained_)
    report.trained = {c: estimator.n_examples_[c] for c in estimator.codes_}
    thresholds = _thresholds(project, estimator, reviewed, labels, rules, ruled)
    report.thresholds = {c: (thresholds.add[c], thresholds.veto[c]) for c in estimator.codes_}

    decided = latest_decisions(store)
    decided_segments = set(decided["segment_id"])
    targets = store.dataframe(
        """SELECT s.segment_id, s.text FROM segments s JOIN pseudo_turns p ON p.turn_id = s.turn_id
           ORDER BY s.segment_id"""
    )
    targets = targets[~targets["segment_id"].isin(decided_segments)].reset_index(drop=True)
    report.n_segments_scored = len(targets)
    rows = []
    if estimator.codes_ and len(targets):
        target_rules = rule_table(store, targets["segment_id"], codes)
        proba = estimator.predict_proba(targets["text"], rule_hits=target_rules)
        for code in estimator.codes_:
            provenance = f"{CODER} (trained on {sum(report.trained[code])} decisions)"
            add, veto = thresholds.add[code], thresholds.veto[code]
            fired = target_rules[code].to_numpy() > 0
            for segment, text, p, hit in zip(targets["segment_id"], targets["text"], proba[code], fired):
                if hit and p < veto:
                    report.vetoed.append((segment, code, round(float(p), 4)))
                elif p >= add:
                    span = estimator.evidence(text, code)
                    start, end = span if span else (None, None)
                    evidence = text[start:end] if span else ""
                    rows.append((segment, code, CODER, round(float(p), 4), evidence, start, end,
                                 provenance, run_id))
    with store.transaction() as conn:
        # Earlier suggestions are stale, except on reviewed segments: there they are what the
        # reviewer saw, which agreement statistics compare against.
        stale = [
            (r["segment_id"], r["code"])
            for r in conn.execute("SELECT segment_id, code FROM codings WHERE coder=?", (CODER,))
            if r["segment_id"] not in decided_segments
        ]
        conn.executemany("DELETE FROM codings WHERE segment_id=? AND code=? AND coder=?",
                         [(s, c, CODER) for s, c in stale])
        conn.executemany(
            """INSERT OR REPLACE INTO codings(segment_id, code, coder, status, confidence, evidence,
                                              evidence_start, evidence_end, pattern, run_id)
               VALUES (?, ?, ?, 'suggested', ?, ?, ?, ?, ?, ?)""",
            rows,
        )
    report.n_suggestions = len(rows)
    return report
