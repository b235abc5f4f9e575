"""Candidate topics with BERTopic: clusters for a person to read, never themes.

The pipeline is built explicitly so nothing is downloaded and nothing is left to chance: local
embeddings (see ``embed``), a reducer with ``random_state`` from the seed, HDBSCAN, and a
CountVectorizer with stopwords that ignores pseudonymisation placeholders. Settings adapt to
the corpus and every choice is written into ``parameters``:

* below ``[topics] min_segments`` (default 60) no model is fitted and the status says why;
* ``n_neighbors`` stays below the number of segments; ``min_cluster_size`` scales with it;
* ``[topics] reducer = "auto"`` uses UMAP from ``reducer_threshold`` (default 100) segments up
  and PCA below, where UMAP's neighbourhood graph is unreliable. PCA is lighter but on a real
  study of ~400 turns it gave 2 catch-all topics where UMAP gave 23 readable ones, so it is not
  the default for small studies; numba's on-disk cache keeps UMAP's start-up cost down instead;
* the first seed in ``[topics] seeds`` fits all segments; each further seed refits a seeded 90%
  subsample. The adjusted Rand index against the first fit on the shared segments, and per
  topic the mean best-match Jaccard overlap, say how far a topic can be trusted. A fixed seed
  makes topics repeatable, not stable.

Whole results are cached in the store under a hash of the segments and parameters, so a re-run
on unchanged text costs a lookup.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pandas as pd

from ..errors import SettingsError
from .embed import embed_texts, embedder_info, load_minilm, text_hash, tfidf_components
from .frames import TOKEN_PATTERN, StudyFrames, natural_key, stopwords
from .results import TOPIC_COLUMNS, TOPIC_ROLE_COLUMNS, TopicsResult
from .seeding import guided_seed_topics

CACHE_NAMESPACE = "topics:v1"
TOP_TERMS = 8
REPRESENTATIVES = 3
SUBSAMPLE = 0.9


def topic_settings(project, n_docs: int) -> dict:
    """The fitted parameters for a corpus of ``n_docs`` segments, all recorded.

    Each value's type and range was checked when the settings were loaded."""
    topics = project.settings.topics
    threshold = topics.reducer_threshold
    chosen = topics.reducer if topics.reducer != "auto" else ("pca" if n_docs < threshold else "umap")
    if topics.guided and topics.embedder != "minilm":
        raise SettingsError('[topics] guided = true needs embedder = "minilm" (seed phrases '
                            "must be embedded by a sentence model)", project.root / "fgkit.toml")
    min_cluster = topics.min_cluster_size
    if min_cluster is None:
        min_cluster = max(5, min(50, n_docs // 100))
    embedder, guided = topics.embedder, topics.guided
    return {
        "n_docs": n_docs,
        "min_segments": topics.min_segments,
        "seeds": list(topics.seeds),
        "analysis_seed": project.settings.analysis.seed,
        "reducer_setting": topics.reducer,
        "reducer": chosen,
        "reducer_threshold": threshold,
        "n_neighbors": max(2, min(15, n_docs - 1)),
        "n_components": 5,
        "min_dist": 0.0,
        "umap_metric": "cosine",
        "min_cluster_size": min_cluster,
        "hdbscan_metric": "euclidean",
        "cluster_selection_method": "eom",
        "vectorizer": {"stop_words": "english + spoken fillers", "ngram_range": [1, 2],
                       "removed": "placeholders, speaker pseudonyms, clitics"},
        "guided": guided,
        "stability_method": "first seed on all segments vs each further seed on a seeded "
                            f"{int(SUBSAMPLE * 100)}% subsample: adjusted Rand, best-match Jaccard",
        **embedder_info(embedder, tfidf_components(n_docs) if embedder == "tfidf" else None),
    }


def _build_model(params: dict, seed: int, seed_topics: list[list[str]] | None):
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import CountVectorizer

    if params["reducer"] == "umap":
        from umap import UMAP

        reducer = UMAP(n_neighbors=params["n_neighbors"], n_components=params["n_components"],
                       min_dist=params["min_dist"], metric=params["umap_metric"], random_state=seed)
    else:
        from sklearn.decomposition import PCA

        reducer = PCA(n_components=params["n_components"], svd_solver="full", random_state=seed)
    return BERTopic(
        embedding_model=load_minilm() if seed_topics else None,
        umap_model=reducer,
        hdbscan_model=HDBSCAN(min_cluster_size=params["min_cluster_size"],
                              metric=params["hdbscan_metric"],
                              cluster_selection_method=params["cluster_selection_method"],
                              prediction_data=True),
        vectorizer_model=CountVectorizer(stop_words=stopwords(), ngram_range=(1, 2),
                                         token_pattern=TOKEN_PATTERN),
        seed_topic_list=seed_topics,
        top_n_words=10,
        calculate_probabilities=False,
        verbose=False,
    )


def _terms(model, topic: int) -> str:
    words = model.get_topic(topic) or []
    return ", ".join(w for w, _ in words[:TOP_TERMS] if w)


def _representatives(labels: np.ndarray, embeddings: np.ndarray, ids: list[str], topic: int) -> str:
    """Segments nearest the topic's centroid (cosine), ties broken by segment id."""
    members = np.flatnonzero(labels == topic)
    vectors = embeddings[members]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1, norms)
    centroid = unit.mean(axis=0)
    similarity = np.round(unit @ centroid, 6)
    order = sorted(range(len(members)), key=lambda i: (-similarity[i], ids[members[i]]))
    return ";".join(ids[members[i]] for i in order[:REPRESENTATIVES])


def _stability(
    primary: np.ndarray, resamples: list[tuple[np.ndarray, np.ndarray]]
) -> tuple[float | None, dict[int, float]]:
    """Mean adjusted Rand index and, per topic, mean best-match Jaccard on shared segments."""
    from sklearn.metrics import adjusted_rand_score

    if not resamples:
        return None, {}
    ari = float(np.mean([adjusted_rand_score(primary[keep], o) for keep, o in resamples]))
    per_topic = {}
    for topic in sorted(set(primary.tolist()) - {-1}):
        scores = []
        for keep, other in resamples:
            a = set(np.flatnonzero(primary[keep] == topic))
            best = 0.0
            for t in set(other.tolist()) - {-1}:
                b = set(np.flatnonzero(other == t))
                best = max(best, len(a & b) / len(a | b)) if a | b else best
            scores.append(best)
        per_topic[int(topic)] = round(float(np.mean(scores)), 4)
    return round(ari, 4), per_topic


def _cache_key(params: dict, ids: list[str], texts: list[str], roles: list[str], k: int) -> str:
    digest = hashlib.sha256(json.dumps({**params, "k": k}, sort_keys=True).encode())
    for segment_id, text, role in zip(ids, texts, roles):
        digest.update(f"{segment_id}\t{role}\t{text_hash(text)}\n".encode())
    return digest.hexdigest()


def _vocabulary_size(texts: list[str]) -> int:
    from sklearn.feature_extraction.text import CountVectorizer

    try:
        return len(CountVectorizer(stop_words=stopwords(), token_pattern=TOKEN_PATTERN).fit(texts).vocabulary_)
    except ValueError:  # empty vocabulary
        return 0


def _fit(project, store, frames: StudyFrames, params: dict, k: int) -> TopicsResult:
    docs = frames.segments
    ids, roles = docs["segment_id"].tolist(), docs["role"].tolist()
    # Embeddings read the text as spoken; topic terms are counted on the cleaned text.
    spoken, texts = docs["text"].tolist(), docs["clean"].tolist()
    if _vocabulary_size(texts) <= params["n_components"]:
        return TopicsResult(
            "no_stable_topics",
            f"No candidate topics: the {len(texts)} segments left too few distinct words to "
            "describe clusters once stopwords, placeholders and pseudonyms were removed.",
            parameters=params,
        )
    embeddings = embed_texts(store, spoken if params["embedder"] == "minilm" else texts,
                             params["embedder"], params["analysis_seed"])
    seed_topics = guided_seed_topics(project) if params["guided"] else None
    first, *others = params["seeds"]
    model = _build_model(params, first, seed_topics)
    labels = np.asarray(model.fit_transform(texts, embeddings=embeddings)[0])
    resamples = []
    for seed in others:
        # Each further seed refits on a seeded subsample: a PCA reducer ignores seeds, and
        # topics that survive both a new seed and missing segments deserve more trust.
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(texts), size=int(len(texts) * SUBSAMPLE), replace=False))
        refit = _build_model(params, seed, seed_topics)
        other = refit.fit_transform([texts[i] for i in keep], embeddings=embeddings[keep])[0]
        resamples.append((keep, np.asarray(other)))
    ari, per_topic = _stability(labels, resamples)
    params = {**params, "stability_ari": ari, "outliers": int((labels == -1).sum()),
              "guided_seed_topics": len(seed_topics or [])}
    found = sorted(set(labels.tolist()) - {-1})
    if not found:
        return TopicsResult(
            "no_stable_topics",
            f"No candidate topics: all {len(texts)} segments were left as outliers. "
            "The segments may be too alike or too few for clusters to form.",
            parameters=params,
        )
    rows = []
    for topic in found:
        terms = _terms(model, topic)
        rows.append({
            "topic": int(topic),
            "label": f"Candidate topic {topic}: " + ", ".join(terms.split(", ")[:3]),
            "size": int((labels == topic).sum()),
            "top_terms": terms,
            "representative_segment_ids": _representatives(labels, embeddings, ids, topic),
            "stability": per_topic.get(int(topic), float("nan")),
        })
    table = pd.DataFrame(rows, columns=TOPIC_COLUMNS).astype({"stability": "float64"})
    by_role = frames.roster.groupby("role")["participant_id"].nunique()
    per_role = _per_role(model, texts, roles, found, {r for r in by_role.index if by_role[r] >= k})
    message = (f"{len(found)} candidate topics from {len(texts)} segments "
               f"({params['outliers']} left as outliers).")
    return TopicsResult("ok", message, table, per_role, params)


def _per_role(model, texts, roles, found, reportable: set[str]) -> pd.DataFrame:
    """Topic frequency and terms per role; roles under k participants are left out."""
    raw = model.topics_per_class(texts, classes=roles)
    raw = raw[raw["Topic"].isin(found) & raw["Class"].isin(reportable)]
    table = pd.DataFrame({
        "topic": raw["Topic"].astype("int64"),
        "role": raw["Class"].astype(str),
        "frequency": raw["Frequency"].astype("int64"),
        "top_terms": raw["Words"].astype(str),
    }, columns=TOPIC_ROLE_COLUMNS)
    table = table.assign(_r=[natural_key(r) for r in table["role"]])
    return table.sort_values(["topic", "_r"])[TOPIC_ROLE_COLUMNS].reset_index(drop=True)


def candidate_topics(project, store, frames: StudyFrames, k: int, enabled: bool = True) -> TopicsResult:
    """Fit (or fetch from the cache) candidate topics for the study's segments."""
    if not enabled:
        return TopicsResult("disabled", "Candidate topics were switched off for this run.")
    n_docs = len(frames.segments)
    params = topic_settings(project, n_docs)
    if n_docs < params["min_segments"]:
        return TopicsResult(
            "too_few_segments",
            f"Only {n_docs} segments: too few for stable candidate topics "
            f"(need {params['min_segments']}).",
            parameters=params,
        )
    docs = frames.segments
    key = _cache_key(params, docs["segment_id"].tolist(), (docs["text"] + "\0" + docs["clean"]).tolist(),
                     docs["role"].tolist(), k)
    cached = store.cache_get_many(CACHE_NAMESPACE, [key]).get(key)
    if cached is not None:
        return TopicsResult(**cached)
    # UMAP compiles numba code on first use; an on-disk cache in the private zone lets later
    # processes reuse it. Must be set before numba is first imported.
    os.environ.setdefault("NUMBA_CACHE_DIR", str(project.private("cache", "numba", ".keep").parent))
    result = _fit(project, store, frames, params, k)
    store.cache_put_many(CACHE_NAMESPACE, {key: {
        "status": result.status, "message": result.message, "topics": result.topics,
        "per_role": result.per_role, "parameters": result.parameters,
    }})
    return result
