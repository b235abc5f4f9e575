"""``fgkit review train``: learn from 20-50 review decisions with the few-shot coder.

Reads the study in speaking order, the decisions in force, the rule hits and the sentence vectors
(cached in the store), fits ``fgkit.coding.fewshot.FewShotCoder`` and writes what it concluded
for the unreviewed segments:

- an **addition** where the rules were silent and the code's score reaches its threshold: a
  suggestion by ``classifier:v1`` with the score as confidence;
- a **doubt** on a rule hit the model ranks among the least likely: a ``classifier:v1`` row with
  status ``doubtful`` beside the rule's suggestion, which ``effective_codings`` reports as
  doubtful and leaves out of counts until a person accepts it.

A person's decision is never overridden: nothing is written on a reviewed segment except what was
there (the suggestions the reviewer saw). The learner's cross-validated verdicts on the reviewed
segments are stored for ``fgkit.coding.trust``, which the report shows beside each code.

A code's decisions include its sub-codes' (accepting ``pressure_caseload`` says ``pressure``
applies too), and so do its rule hits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import SettingsError
from .rules import CODER as RULE_CODER
from .train import CODER, code_descriptions, rule_table

__all__ = ["LearnReport", "learn_and_suggest", "study_frame", "teaching_ranking"]


@dataclass
class LearnReport:
    n_decisions: int
    n_reviewed_segments: int
    trained: dict[str, tuple[int, int]] = field(default_factory=dict)
    abstained: dict[str, str] = field(default_factory=dict)
    n_suggestions: int = 0
    n_doubtful: int = 0
    n_segments_scored: int = 0
    # code -> "rules" (left as they are), "add", "doubt" or "both": chosen by cross-validation.
    modes: dict[str, str] = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    trust: dict = field(default_factory=dict)


def study_frame(store) -> pd.DataFrame:
    """Every segment of a pseudonymised turn, in speaking order."""
    return store.consenting_segments().rename(columns={"group_name": "group"})[
        ["segment_id", "text", "transcript", "turn_index", "start_char", "role", "group"]]


def _family(codebook) -> dict[str, list[str]]:
    """code -> itself and every descendant."""
    family = {c.id: [c.id] for c in codebook.codes}
    for code in codebook.codes:
        parent = code.parent
        while parent is not None:
            family[parent].append(code.id)
            parent = codebook.get(parent).parent
    return family


def _labels(store, segments, codebook):
    """1 / 0 / NaN per segment and code (a reviewed segment's codes nobody accepted are 0)."""
    from .status import latest_decisions

    decisions = latest_decisions(store)
    decisions = decisions[decisions["segment_id"].isin(set(segments["segment_id"]))]
    family = _family(codebook)
    position = {s: i for i, s in enumerate(segments["segment_id"])}
    labels = np.full((len(segments), len(codebook.ids)), np.nan)
    reviewed = [position[s] for s in set(decisions["segment_id"])]
    labels[reviewed] = 0.0
    column = {c: j for j, c in enumerate(codebook.ids)}
    positive = decisions[decisions["decision"].isin(["accept", "add"])]
    for rec in positive.itertuples(index=False):
        if rec.code not in column:
            continue
        for code, members in family.items():
            if rec.code in members:
                labels[position[rec.segment_id], column[code]] = 1.0
    return pd.DataFrame(labels, columns=codebook.ids), decisions


def _rules(store, segments, codebook) -> pd.DataFrame:
    flat = rule_table(store, segments["segment_id"], codebook.ids)
    return pd.DataFrame({c: flat[members].max(axis=1) for c, members in _family(codebook).items()})[codebook.ids]


def _vectors(project, store, texts: list[str], extra: list[str]):
    """Sentence vectors for the study's texts and for ``extra`` texts (the codebook's seeds)."""
    from ..analysis.embed import embed_texts

    name = str(project.setting("coding", "classifier_embedder", "minilm"))
    seed = int(project.setting("analysis", "seed", 42))
    if name == "minilm":
        return embed_texts(store, texts, "minilm", seed), embed_texts(store, extra, "minilm", seed) if extra else None
    if name == "none":
        # TF-IDF + SVD fitted on the study and the seeds together, so both live in one space.
        both = embed_texts(store, texts + extra, "tfidf", seed)
        return both[:len(texts)], both[len(texts):]
    raise SettingsError('[coding] classifier_embedder must be "minilm" or "none"')


def _seeds(codebook, extra_vectors, described):
    seeds, negatives, start = {}, {}, 0
    spans = {}
    for code in codebook.ids:
        spans[code] = (start, start + len(described[code]))
        start += len(described[code])
    for code in codebook.ids:
        a, b = spans[code]
        seeds[code] = extra_vectors[a:b]
    for code in codebook.ids:
        top = codebook.top_level(code)
        others = [seeds[c] for c in codebook.ids
                  if codebook.get(c).parent is None and c != top and len(seeds[c])]
        negatives[code] = np.vstack(others) if others else np.zeros((0, extra_vectors.shape[1]))
    return seeds, negatives


def _fit(project, store, codebook):
    """Everything the learner needs, fitted: (segments, labels, decisions, rules, coder, vectors, context)."""
    from .fewshot import FewShotCoder, context_vectors

    segments = study_frame(store)
    labels, decisions = _labels(store, segments, codebook)
    rules = _rules(store, segments, codebook)
    described = code_descriptions(codebook)
    excluded = {c.id: list(c.exclude) for c in codebook.codes}
    extra = [t for c in codebook.ids for t in described[c]] + [t for c in codebook.ids for t in excluded[c]]
    vectors, extra_vectors = _vectors(project, store, list(segments["text"]), extra)
    n_desc = sum(len(described[c]) for c in codebook.ids)
    seeds, negatives = _seeds(codebook, extra_vectors[:n_desc], described)
    start = n_desc
    for code in codebook.ids:
        k = len(excluded[code])
        if k:
            negatives[code] = np.vstack([negatives[code], extra_vectors[start:start + k]])
        start += k
    context = context_vectors(vectors, segments["transcript"])
    coder = FewShotCoder(random_state=int(project.setting("analysis", "seed", 42)))
    return segments, labels, decisions, rules, coder, vectors, context, seeds, negatives


def learn_and_suggest(project, store, run_id: str | None = None) -> LearnReport:
    """Fit the few-shot coder on the study and its decisions; write additions and doubts for
    unreviewed segments; store the cross-validated verdicts and return the trust per code."""
    from ..codebook import load_codebook
    from .trust import code_trust, store_verdicts

    codebook = load_codebook(project.codebook_path)
    if study_frame(store).empty:
        return LearnReport(n_decisions=0, n_reviewed_segments=0,
                           abstained={c: "no segments coded yet" for c in codebook.ids})
    segments, labels, decisions, rules, coder, vectors, context, seeds, negatives = _fit(project, store, codebook)
    reviewed = labels.notna().any(axis=1).to_numpy()
    report = LearnReport(n_decisions=len(decisions), n_reviewed_segments=int(reviewed.sum()),
                         params={**coder.get_params(),
                                 "embedder": str(project.setting("coding", "classifier_embedder", "minilm"))})
    if reviewed.any():
        coder.fit(vectors, context, labels, rules, seeds, negatives)
        report.abstained = dict(coder.abstained_)
        for code in coder.codes_:
            decided = labels.loc[reviewed, code]
            report.trained[code] = (int((decided == 1).sum()), int((decided == 0).sum()))
            report.modes[code] = coder.mode_[code]
        report.n_segments_scored = int((~reviewed).sum())
        ids = segments["segment_id"].to_numpy()
        cv = coder.cv_verdicts_
        verdicts = {ids[i]: [c for c in cv.columns if cv.at[i, c]] for i in cv.index}
        if coder.codes_:
            # An abstaining learner's verdicts are the rules': trust then rests on what was shown.
            store_verdicts(store, decisions, verdicts)
        rows = []
        for code in coder.codes_:
            pos, neg = report.trained[code]
            why = f"{CODER} few-shot (codebook seeds and {pos + neg} decisions"
            for i in np.flatnonzero(coder.added_[code].to_numpy()):
                rows.append((ids[i], code, "suggested", round(float(coder.scores_[code].iat[i]), 4),
                             f"{why}; scores like coded segments)", run_id))
            for i in np.flatnonzero(coder.doubtful_[code].to_numpy()):
                rows.append((ids[i], code, "doubtful", round(float(coder.scores_[code].iat[i]), 4),
                             f"{why}; doubts this {RULE_CODER} hit)", run_id))
        report.n_suggestions = sum(1 for r in rows if r[2] == "suggested")
        report.n_doubtful = len(rows) - report.n_suggestions
        _write(store, rows, set(ids[reviewed]))
    else:
        report.abstained = {c: "no review decisions yet" for c in codebook.ids}
    report.trust = code_trust(store, codebook)
    return report


def _write(store, rows, reviewed_ids) -> None:
    # Earlier conclusions are stale, except on reviewed segments: there they are what the
    # reviewer saw.
    store.refresh_codings(CODER, [(s, c, CODER, status, conf, "", None, None, pattern, run)
                                  for s, c, status, conf, pattern, run in rows], reviewed_ids)


def teaching_ranking(project, store, head: int = 100) -> dict[str, int] | None:
    """segment id -> rank in the order that teaches the learner most (unreviewed segments), or
    None when the project codes without the sentence embedder (the worksheet then keeps the
    most-uncertain-suggestion order)."""
    from ..codebook import load_codebook
    from .fewshot import seed_scores, teaching_order

    if str(project.setting("coding", "classifier_embedder", "minilm")) != "minilm":
        return None
    codebook = load_codebook(project.codebook_path)
    if study_frame(store).empty:
        return {}
    segments, labels, _decisions, rules, coder, vectors, context, seeds, negatives = _fit(project, store, codebook)
    reviewed = labels.notna().any(axis=1).to_numpy()
    top = [c for c in codebook.ids if codebook.get(c).parent is None]
    thresholds: dict = {}
    if reviewed.sum() >= coder.min_reviewed:
        coder.fit(vectors, context, labels, rules, seeds, negatives)
        scores = coder.scores_[[c for c in top if c in coder.codes_]]
        thresholds = {c: coder.threshold_[c] for c in scores.columns}
    else:
        scores = seed_scores(vectors, context, rules[top], seeds, negatives)
    strata = (segments["group"].fillna("") + "/" + segments["role"].fillna("")).to_list()
    order = teaching_order(scores, thresholds, vectors, strata, eligible=~reviewed, head=head)
    ids = segments["segment_id"].to_numpy()
    return {ids[i]: rank for rank, i in enumerate(order)}
