"""Language distinctive of each role: weighted log-odds with an informative Dirichlet prior.

Monroe, Colaresi and Quinn (2008), "Fightin' Words": for a term w, role i and the other roles j,

    delta_w = log((y_iw + a_w) / (n_i + a0 - y_iw - a_w)) - log((y_jw + a_w) / (n_j + a0 - y_jw - a_w))
    z_w = delta_w / sqrt(1 / (y_iw + a_w) + 1 / (y_jw + a_w))

with the prior a_w set from the whole study's counts (scaled by ``prior_scale``), which shrinks
rare terms towards no difference. Unigrams and bigrams after stopword removal (English plus
spoken fillers); placeholders such as "[Person 1]", speaker pseudonyms and clitics are removed
first. A term is listed for a role only when at least k of that
role's participants used it, so no list describes one person's turns of phrase; roles with
fewer than k participants get no list at all.

Only strong evidence is listed: z of at least 1.96 (``MIN_Z``), the usual two-sided 5% level,
where a z of 2 means the role used the word about two standard errors more than the other roles
once chance and rare words are allowed for. A role with no such word gets no rows: "none".
Role documents follow the disclosure rules: a group where some role has fewer than k people
(a lone manager among practitioners) counts in no role's documents, as in every role figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import TOKEN_PATTERN, StudyFrames, natural_key, stopwords
from .results import DISTINCTIVE_COLUMNS

MIN_Z = 1.96


def participant_documents(frames: StudyFrames, k: int | None = None) -> pd.DataFrame:
    """One document per participant: their pseudonymised segments, placeholders removed.

    With ``k``, only segments from groups the disclosure rules count by role."""
    segments = frames.segments
    if k is not None:
        counted = frames.disclosure(k).counted_by_role
        segments = segments[segments["group"].map(counted).astype(bool)]
    docs = (
        segments.groupby(["participant_id", "role"], sort=True)["clean"]
        .agg(" ".join)
        .reset_index()
    )
    return docs


def compute_distinctive_terms(
    frames: StudyFrames, k: int, top_n: int = 25, prior_scale: float = 1.0, min_count: int = 2,
    min_z: float = MIN_Z,
) -> pd.DataFrame:
    from sklearn.feature_extraction.text import CountVectorizer

    empty = pd.DataFrame(columns=DISTINCTIVE_COLUMNS)
    docs = participant_documents(frames, k)
    if docs.empty or docs["role"].nunique() < 2:
        return empty
    vectorizer = CountVectorizer(
        stop_words=stopwords(), ngram_range=(1, 2), token_pattern=TOKEN_PATTERN, lowercase=True
    )
    try:
        counts = vectorizer.fit_transform(docs["clean"])
    except ValueError:  # every document was empty or stopwords only
        return empty
    terms = vectorizer.get_feature_names_out()
    roles = docs["role"].to_numpy()
    total = np.asarray(counts.sum(axis=0)).ravel().astype(float)
    prior = total * prior_scale
    a0 = prior.sum()
    rows = []
    for role in sorted(set(roles), key=natural_key):
        mask = roles == role
        if mask.sum() < k:
            continue
        y_i = np.asarray(counts[mask].sum(axis=0)).ravel().astype(float)
        y_j = total - y_i
        n_i, n_j = y_i.sum(), y_j.sum()
        if n_j == 0:
            continue
        users = np.asarray((counts[mask] > 0).sum(axis=0)).ravel()
        delta = np.log((y_i + prior) / (n_i + a0 - y_i - prior)) - np.log(
            (y_j + prior) / (n_j + a0 - y_j - prior)
        )
        z = delta / np.sqrt(1.0 / (y_i + prior) + 1.0 / (y_j + prior))
        keep = np.flatnonzero((z >= min_z) & (users >= k) & (y_i >= min_count))
        # Ties broken by term so the order never depends on the vocabulary's internals.
        chosen = sorted(keep, key=lambda idx: (-round(float(z[idx]), 10), terms[idx]))[:top_n]
        for rank, idx in enumerate(chosen, start=1):
            rows.append({"role": role, "term": str(terms[idx]), "score": round(float(z[idx]), 4),
                         "count": int(y_i[idx]), "rank": rank})
    table = pd.DataFrame(rows, columns=DISTINCTIVE_COLUMNS)
    return table.astype({"score": "float64", "count": "int64", "rank": "int64"}) if rows else empty
