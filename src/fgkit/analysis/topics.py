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
* at least five fits: the seeds in ``[topics] seeds``, extended with the next whole numbers up
  to five. The first seed fits all segments; each further seed refits a seeded 90% subsample.
  Topics are matched one to one between the first fit and each refit (Hungarian matching on
  segment overlap, Jaccard); a topic's stability is its mean matched overlap, and a topic under
  0.5 is marked unstable. A fixed seed makes topics repeatable, not stable;
* turns of fewer than four words once stopwords are removed ("Yeah, happy.") carry no topic and
  are left out of the fit, counted;
* when one cluster takes more than half the fitted segments, the wording is too alike for
  topics to separate and no topics are reported, with the reason;
* each topic gets a label of distinct words (no word twice, no "home home") and up to three
  example quotes: whole sentences from the segments nearest its centre, attributed by the
  study's disclosure rules (``fgkit.disclosure``).

UMAP's own numba functions are not marked for caching, so every process would recompile them
(about a minute); they are compiled with ``cache=True`` into the project's private cache
(``data/cache/numba``) so only the first run pays.

Whole results are cached in the store under a hash of the segments and parameters, so a re-run
on unchanged text costs a lookup.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re

import numpy as np
import pandas as pd

from ..errors import SettingsError
from .embed import embed_texts, embedder_info, load_minilm, text_hash, tfidf_components
from .frames import TOKEN_PATTERN, StudyFrames, natural_key, stopwords
from .results import TOPIC_COLUMNS, TOPIC_EXAMPLE_COLUMNS, TOPIC_ROLE_COLUMNS, TopicsResult
from .seeding import guided_seed_topics

CACHE_NAMESPACE = "topics:v3"
TOP_TERMS = 8
LABEL_TERMS = 3
REPRESENTATIVES = 3
SUBSAMPLE = 0.9
MIN_FITS = 5
# Below this mean matched overlap a topic mostly dissolves or changes members between fits.
STABLE_AT = 0.5
# One cluster holding more than this share of the fitted segments is a catch-all, not a topic.
CATCH_ALL_SHARE = 0.5
MIN_WORDS = 4
EXAMPLES = 3
EXAMPLE_MAX_CHARS = 360


def fit_seeds(seeds: list[int]) -> list[int]:
    """The seeds given, extended with the next unused whole numbers to at least MIN_FITS."""
    out = list(dict.fromkeys(seeds))
    nxt = max(out) + 1
    while len(out) < MIN_FITS:
        if nxt not in out:
            out.append(nxt)
        nxt += 1
    return out


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
        "seeds": fit_seeds(list(topics.seeds)),
        "seeds_setting": list(topics.seeds),
        "min_words": MIN_WORDS,
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
                            f"{int(SUBSAMPLE * 100)}% subsample: adjusted Rand; per topic the mean "
                            "Jaccard overlap of its one-to-one (Hungarian) match in each refit",
        "stable_at": STABLE_AT,
        "catch_all_share": CATCH_ALL_SHARE,
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


def _repeats_a_word(term: str) -> bool:
    words = term.split()
    return len(set(words)) < len(words)


def _terms(model, topic: int) -> list[str]:
    """Top terms, without bigrams that only repeat a word ("home home", "fair fair")."""
    words = model.get_topic(topic) or []
    return [w for w, _ in words if w and not _repeats_a_word(w)][:TOP_TERMS]


def topic_label(topic: int, terms: list[str]) -> str:
    """"Candidate topic 3: allocation meeting, fair, rota": no word shown twice."""
    chosen, used = [], set()
    for term in terms:
        # "case" and "cases" are one word to a reader: compare without a plural s.
        words = {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                 for w in term.split()}
        if words & used:
            continue
        chosen.append(term)
        used |= words
        if len(chosen) == LABEL_TERMS:
            break
    return f"Candidate topic {topic}: " + ", ".join(chosen) if chosen else f"Candidate topic {topic}"


def _by_closeness(labels: np.ndarray, embeddings: np.ndarray, ids: list[str], topic: int) -> list[int]:
    """Member rows nearest the topic's centroid first (cosine), ties broken by segment id."""
    members = np.flatnonzero(labels == topic)
    vectors = embeddings[members]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1, norms)
    centroid = unit.mean(axis=0)
    similarity = np.round(unit @ centroid, 6)
    order = sorted(range(len(members)), key=lambda i: (-similarity[i], ids[members[i]]))
    return [int(members[i]) for i in order]


def _densest_sentence(text: str, terms: list[str]) -> int:
    """Where the sentence with the most topic words starts, for the passage to centre on."""
    from ..passages import sentences

    text = " ".join(str(text).split())
    words = {w for term in terms for w in term.lower().split()}
    best, best_hits = 0, -1
    for start, end in sentences(text):
        hits = sum(1 for w in re.findall(r"[a-z']+", text[start:end].lower()) if w in words)
        if hits > best_hits:
            best, best_hits = start, hits
    return best


def _examples(topic: int, order: list[int], docs: pd.DataFrame, terms: list[str], disclosure,
              headings: frozenset) -> list[dict]:
    """Up to EXAMPLES quotes for a topic, nearest its centre first, one per participant: the
    report's own passages (whole sentences, never a heading, never a soundbite) around the
    sentence richest in the topic's words, attributed by the disclosure rules."""
    from ..disclosure import shown_reference
    from ..passages import passage, turn_reference

    out, people = [], set()
    for row in order:
        seg = docs.iloc[row]
        if seg["participant_id"] in people:
            continue
        text = passage(seg["text"], _densest_sentence(seg["text"], terms),
                       max_chars=EXAMPLE_MAX_CHARS, headings=headings)
        if not text:
            continue
        people.add(seg["participant_id"])
        attribution = disclosure.label_for(seg["participant_id"], seg["role"], seg["group"])
        out.append({
            "topic": int(topic), "rank": len(out) + 1, "segment_id": str(seg["segment_id"]),
            "text": text, "attribution": attribution,
            # The transcript's name gives the group away: no reference where the group is withheld.
            "reference": shown_reference(attribution, seg["group"],
                                         turn_reference(seg["transcript"], seg["turn_index"])),
        })
        if len(out) == EXAMPLES:
            break
    return out


def _overlaps(a: np.ndarray, b: np.ndarray) -> tuple[list[int], list[int], np.ndarray]:
    """Topics of two labellings (outliers aside) and their Jaccard overlaps on shared rows."""
    ta = sorted(set(a.tolist()) - {-1})
    tb = sorted(set(b.tolist()) - {-1})
    matrix = np.zeros((len(ta), len(tb)))
    for i, x in enumerate(ta):
        in_a = a == x
        for j, y in enumerate(tb):
            in_b = b == y
            union = np.count_nonzero(in_a | in_b)
            matrix[i, j] = np.count_nonzero(in_a & in_b) / union if union else 0.0
    return ta, tb, matrix


def _stability(
    primary: np.ndarray, resamples: list[tuple[np.ndarray, np.ndarray]]
) -> tuple[float | None, dict[int, float]]:
    """Mean adjusted Rand index and, per topic, the mean Jaccard overlap of its one-to-one
    match in each refit (Hungarian matching; a topic left unmatched scores 0)."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import adjusted_rand_score

    if not resamples:
        return None, {}
    ari = float(np.mean([adjusted_rand_score(primary[keep], o) for keep, o in resamples]))
    scores: dict[int, list[float]] = {int(t): [] for t in set(primary.tolist()) - {-1}}
    for keep, other in resamples:
        ta, _, matrix = _overlaps(primary[keep], other)
        matched = {}
        if matrix.size:
            rows, cols = linear_sum_assignment(-matrix)
            matched = {ta[r]: matrix[r, c] for r, c in zip(rows, cols)}
        for topic in scores:
            scores[topic].append(float(matched.get(topic, 0.0)))
    return round(ari, 4), {t: round(float(np.mean(v)), 4) for t, v in sorted(scores.items())}


@contextlib.contextmanager
def _cached_numba():
    """Compile numba functions defined meanwhile with ``cache=True``.

    UMAP does not ask numba to cache its functions, so each new process spent about a minute
    recompiling them; with the on-disk cache (NUMBA_CACHE_DIR, set by the caller) later runs
    load them. Functions numba cannot cache (closures over dynamic values) just compile as
    before. Only takes effect when UMAP is first imported inside this block."""
    import warnings

    import numba

    original = numba.njit

    def njit(*args, **kwargs):
        kwargs.setdefault("cache", True)
        return original(*args, **kwargs)

    numba.njit = njit
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=numba.NumbaWarning)
            warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
            yield
    finally:
        numba.njit = original


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
    all_docs = frames.segments
    # A turn of a few words ("Yeah, happy.") carries no topic; it would only form noise clusters.
    long_enough = all_docs["clean"].str.split().str.len().fillna(0) >= params["min_words"]
    docs = all_docs[long_enough].reset_index(drop=True)
    params = {**params, "short_segments_left_out": int((~long_enough).sum())}
    ids, roles = docs["segment_id"].tolist(), docs["role"].tolist()
    # Embeddings read the text as spoken; topic terms are counted on the cleaned text.
    spoken, texts = docs["text"].tolist(), docs["clean"].tolist()
    if len(texts) < params["min_segments"]:
        return TopicsResult(
            "too_few_segments",
            f"Only {len(texts)} of {len(all_docs)} segments have {params['min_words']} or more "
            f"words besides fillers: too few for candidate topics (need {params['min_segments']}).",
            parameters=params,
        )
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
    with _cached_numba():
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
    sizes = {t: int((labels == t).sum()) for t in found}
    largest = max(found, key=lambda t: (sizes[t], -t))
    if len(found) == 1 or sizes[largest] > CATCH_ALL_SHARE * len(texts):
        return TopicsResult(
            "no_stable_topics",
            f"No candidate topics: one cluster took {sizes[largest]} of the {len(texts)} segments, "
            "so the wording is too alike across the study for topics to separate. The data "
            "cannot support topics; read the codes instead.",
            parameters={**params, "largest_cluster": sizes[largest]},
        )
    disclosure = frames.disclosure(k)
    rows, examples = [], []
    for topic in found:
        terms = _terms(model, topic)
        order = _by_closeness(labels, embeddings, ids, topic)
        stability = per_topic.get(int(topic), float("nan"))
        rows.append({
            "topic": int(topic),
            "label": topic_label(topic, terms),
            "size": sizes[topic],
            "top_terms": ", ".join(terms),
            "representative_segment_ids": ";".join(ids[i] for i in order[:REPRESENTATIVES]),
            "stability": stability,
            "stable": bool(stability >= STABLE_AT) if ari is not None else False,
        })
        examples += _examples(topic, order, docs, terms, disclosure, frames.headings)
    table = pd.DataFrame(rows, columns=TOPIC_COLUMNS).astype({"stability": "float64", "stable": "bool"})
    example_table = pd.DataFrame(examples, columns=TOPIC_EXAMPLE_COLUMNS).astype({"rank": "int64"})
    # Role figures follow the disclosure rule: only groups where every role has k people count.
    counted = [r if disclosure.counted_by_role(g) else "" for r, g in zip(roles, docs["group"])]
    by_role = frames.roster[frames.roster["group"].map(disclosure.counted_by_role)]
    by_role = by_role.groupby("role")["participant_id"].nunique()
    per_role = _per_role(model, texts, counted, found, {r for r in by_role.index if by_role[r] >= k})
    n_stable = int(table["stable"].sum())
    message = (f"{len(found)} candidate topics from {len(texts)} segments "
               f"({params['outliers']} left as outliers"
               + (f"; {params['short_segments_left_out']} turns too short to carry a topic left out"
                  if params["short_segments_left_out"] else "") + "). "
               + (f"{n_stable} of {len(found)} held together across {len(params['seeds'])} fits; "
                  "the others are marked unstable." if ari is not None else
                  "Only one fit ran, so stability was not measured."))
    return TopicsResult("ok", message, table, per_role, params, example_table)


def _per_role(model, texts, roles, found, reportable: set[str]) -> pd.DataFrame:
    """Topic frequency and terms per role; roles under k participants are left out, and so are
    segments whose class is "" (groups not counted by role under the disclosure rules)."""
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
        "per_role": result.per_role, "parameters": result.parameters, "examples": result.examples,
    }})
    return result
