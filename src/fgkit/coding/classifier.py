"""A text classifier that learns each code from human review decisions alone.

TF-IDF over word and character n-grams, optionally joined by sentence vectors (``embedder``),
feeds one logistic regression per code, calibrated with cross-validation (sigmoid while data are
few, isotonic once there are plenty) so its output reads as a probability. A code with too few positive or negative decisions is not guessed at: the
classifier abstains for it and says so.

It needs many decisions per code (on the project's labelled set it overtakes the rules only from
about 100 reviewed segments). What ``fgkit review train`` runs is the few-shot learner in
``fgkit.coding.fewshot`` (see ``fgkit.coding.learn``), which starts from the codebook and the
rules and is meant for a few dozen decisions; this estimator stays as a plain baseline, and for
codes a team would rather learn from decisions only.
"""

from __future__ import annotations

# The estimator must subclass sklearn's bases; this module is imported only by the commands
# that train or score, never by ``import fgkit``.
from sklearn.base import BaseEstimator, ClassifierMixin

__all__ = ["CodeClassifier"]

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

    def _features(self, texts):
        """TF-IDF, then sentence embeddings when an embedder is set."""
        import numpy as np
        from scipy import sparse

        blocks = [self.vectorizer_.transform(texts)]
        if self.embedder is not None:
            from sklearn.preprocessing import normalize

            blocks.append(sparse.csr_matrix(normalize(np.asarray(self.embedder(texts), dtype=np.float64))))
        return sparse.hstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]

    def fit(self, X, y):
        """Learn each code with enough decisions."""
        import numpy as np
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        texts = list(X)
        if len(texts) != len(y):
            raise ValueError("X and y have different lengths")
        self.vectorizer_ = self._vectorizer().fit(texts)
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
        matrix = self._features(texts) if trainable else None
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

    def predict_proba(self, X):
        """A DataFrame of calibrated probabilities, one column per trained code."""
        import pandas as pd
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "models_")
        texts = list(X)
        matrix = self._features(texts)
        columns = {code: model.predict_proba(matrix)[:, 1] for code, model in self.models_.items()}
        return pd.DataFrame(columns, index=range(len(texts)), columns=self.codes_)

    def predict(self, X):
        return (self.predict_proba(X) >= self.threshold).astype(int)

    def evidence(self, text: str, code: str) -> tuple[int, int] | None:
        """Character span of the word n-gram in ``text`` that most supports ``code``, if any."""
        from .evidence import supporting_span

        word = self.vectorizer_.transformer_list[0][1]
        coef = self.models_[code].calibrated_classifiers_[0].estimator.coef_[0]
        return supporting_span(word, coef, text)
