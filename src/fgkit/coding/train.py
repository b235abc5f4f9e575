"""The earlier review learner (the combined coder), and tables the current one shares.

``fgkit review train`` and ``fgkit run`` now run the few-shot learner in ``fgkit.coding.learn``;
``train_and_suggest`` stays as the baseline ``benchmarks/bench_learning_curve.py`` compares it
with (``combined`` there). ``rule_table``, ``decision_table`` and ``code_descriptions`` serve both.

The combined coder (``fgkit.coding.combined``) is fitted on every segment of the study: the
decisions teach it, the rule hits on unreviewed segments are its weak labels. It writes a
suggestion (coder ``classifier:v1``) where the rules were silent on an unreviewed segment and
its probability reaches the chosen threshold, with that probability as confidence, the phrase
that most supports the code as evidence, and its provenance. Rule suggestions stay as they are
for a person to accept or reject, and nothing is suggested where a person has decided.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import SettingsError
from .rules import CODER as RULE_CODER

__all__ = ["CODER", "ClassifierReport", "code_descriptions", "decision_table", "rule_table",
           "train_and_suggest"]

CODER = "classifier:v1"

# A second process pays for its start-up (about two seconds) from this many segments on.
PARALLEL_MIN_SEGMENTS = 2000


@dataclass
class ClassifierReport:
    """What ``train_and_suggest`` did: per-code decision counts, abstentions, suggestions made."""

    n_decisions: int
    n_reviewed_segments: int
    trained: dict[str, tuple[int, int]] = field(default_factory=dict)
    abstained: dict[str, str] = field(default_factory=dict)
    n_suggestions: int = 0
    n_segments_scored: int = 0
    params: dict = field(default_factory=dict)
    threshold: float = math.inf
    kappa_rules: float | None = None
    kappa_combined: float | None = None


def decision_table(store, codes: list[str]):
    """Every segment with the team's verdict per code: 1, 0 or NaN (nobody reviewed the segment).

    Positive: the latest decision on (segment, code) is accept or add. Negative: it is reject,
    or the segment was reviewed (has any decision) and the code was not accepted on it.
    Returns (segment DataFrame, label DataFrame aligned with it, number of decisions used).
    """
    import numpy as np
    import pandas as pd

    from .status import latest_decisions

    decisions = latest_decisions(store)
    segments = store.consenting_segments()[["segment_id", "text"]] \
        .sort_values("segment_id").reset_index(drop=True)
    labels = pd.DataFrame(np.nan, index=segments.index, columns=codes)
    labels.loc[segments["segment_id"].isin(set(decisions["segment_id"])).to_numpy()] = 0.0
    position = {s: i for i, s in enumerate(segments["segment_id"])}
    used = 0
    for rec in decisions.itertuples(index=False):
        if rec.segment_id in position and rec.code in labels.columns:
            labels.loc[position[rec.segment_id], rec.code] = 1.0 if rec.decision in ("accept", "add") else 0.0
            used += 1
    return segments, labels.astype(np.float64), used


def rule_table(store, segment_ids, codes: list[str]):
    """What the rule coder found on each segment: its confidence per code, 0 where silent."""
    import pandas as pd

    hits = store.codings(RULE_CODER)[["segment_id", "code", "confidence"]]
    table = hits.pivot_table(index="segment_id", columns="code", values="confidence", aggfunc="max") \
        if len(hits) else pd.DataFrame()
    return table.reindex(index=list(segment_ids), columns=codes).fillna(0.0).reset_index(drop=True)


def code_descriptions(codebook) -> dict[str, list[str]]:
    """Each code's label, definition, inclusion notes and examples, and those of its sub-codes."""
    described: dict[str, list[str]] = {c.id: [] for c in codebook.codes}
    for code in codebook.codes:
        texts = [code.label, code.definition, *code.include, *code.examples]
        ancestor: str | None = code.id
        while ancestor is not None:
            described[ancestor].extend(t for t in texts if t)
            ancestor = codebook.get(ancestor).parent
    return described


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


def train_and_suggest(project, store, run_id: str | None = None, estimator=None) -> ClassifierReport:
    """Fit the combined coder on the study and its decisions; write suggestions for unreviewed segments."""
    import numpy as np

    from ..codebook import load_codebook
    from .combined import CombinedCoder

    codebook = load_codebook(project.codebook_path)
    codes = codebook.ids
    seed = project.settings.analysis.seed
    embedder_name = project.settings.coding.classifier_embedder
    # "auto" or a probability in (0, 1], checked when the settings were loaded.
    threshold = project.settings.coding.classifier_add_threshold
    segments, labels, n_decisions = decision_table(store, codes)
    reviewed = labels.notna().any(axis=1).to_numpy()
    estimator = estimator or CombinedCoder(threshold=threshold, embedder=_embedder(store, embedder_name, seed),
                                           descriptions=code_descriptions(codebook), random_state=seed,
                                           n_jobs=-1 if len(segments) >= PARALLEL_MIN_SEGMENTS else None)
    params = {k: v for k, v in estimator.get_params().items() if k not in ("embedder", "descriptions")}
    params["embedder"] = embedder_name if estimator.embedder else "none"
    report = ClassifierReport(n_decisions=n_decisions, n_reviewed_segments=int(reviewed.sum()), params=params)
    if not reviewed.any():
        report.abstained = {c: "no review decisions yet" for c in codes}
        return report

    rules = rule_table(store, segments["segment_id"], codes)
    estimator.fit(segments["text"], labels, rule_hits=rules)
    report.abstained = dict(estimator.abstained_)
    report.trained = {c: estimator.n_examples_[c] for c in estimator.codes_}
    report.threshold = float(estimator.threshold_)
    report.kappa_rules, report.kappa_combined = estimator.kappa_rules_, estimator.kappa_combined_
    report.n_segments_scored = int((~reviewed).sum())

    rows = []
    for code in estimator.codes_:
        decided = sum(report.trained[code])
        provenance = f"{CODER} (trained on {decided} decisions" + \
            (f", with {RULE_CODER} hits as weak labels)" if code in estimator.ruled_ else ")")
        candidates = ~reviewed & (rules[code].to_numpy() <= 0) & (estimator.proba_[code].to_numpy() >= report.threshold)
        for i in np.flatnonzero(candidates):
            text = segments["text"].iat[i]
            span = estimator.evidence(text, code)
            start, end = span if span else (None, None)
            rows.append((segments["segment_id"].iat[i], code, CODER, "suggested",
                         round(float(estimator.proba_[code].iat[i]), 4), text[start:end] if span else "",
                         start, end, provenance, run_id))
    reviewed_ids = set(segments["segment_id"][reviewed])
    # Earlier suggestions are stale, except on reviewed segments: there they are what the
    # reviewer saw, which agreement statistics compare against.
    store.refresh_codings(CODER, rows, reviewed_ids)
    report.n_suggestions = len(rows)
    return report
