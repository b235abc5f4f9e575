"""Pass one: find identifiers in every turn.

The spaCy model runs once per text, through ``nlp.pipe``, with only the NER component loaded
(the parser, tagger and lemmatizer cost time and change nothing here). Its entities are cached
by content hash, so an unchanged turn never meets the model again; the cheap recognizers
(regexes, phone numbers, the study's own name list) run on every text, every time, because
their inputs (register, lists, settings) may have changed.

Presidio's AnalyzerEngine does the recognizing on precomputed ``nlp_artifacts``: its SpacyNlpEngine
is configured with the project's model name but handed the already-loaded pipeline, so Presidio
never loads (or downloads) a model itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import ModelError
from ..nlp import pipe
from .names import normalise

__all__ = ["Detection", "Detector", "load_ner"]

_NOT_NEEDED = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer"]
_NER_ENTITIES = ["PERSON", "LOCATION", "ORGANIZATION"]
_TITLE = re.compile(r"\b(?:mr|mrs|ms|miss|mx|dr|prof|nurse|sister|auntie|aunty|uncle|nan|grandad)\.?\s+", re.IGNORECASE)
_LEADING = re.compile(r"^(?:the|a|an|our|my|their|at|in)\s+", re.IGNORECASE)
_TRAILING = re.compile(r"(?:['\u2019]s?|[\s.,;:!?\"'\u201d\u2019)\]-]+)$")
_BRACKETED = re.compile(r"\[[^\[\]\n]{1,40}\]")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Detection:
    """An identifier found in a turn: character span, fgkit type, detector and score."""

    start: int
    end: int
    type: str
    detector: str
    score: float
    participant_id: str = ""


@lru_cache(maxsize=4)
def load_ner(model_name: str):
    """The NER-only pipeline; a missing model is one clear error, never a download."""
    import spacy

    if not (spacy.util.is_package(model_name) or __import__("pathlib").Path(model_name).exists()):
        raise ModelError(
            f"the spaCy model '{model_name}' is not installed; install it with pip or set "
            "[nlp] spacy_model in fgkit.toml to an installed English pipeline"
        )
    try:
        nlp = spacy.load(model_name, exclude=_NOT_NEEDED)
        nlp("Check.")
    except (ValueError, KeyError):
        # Pipelines whose NER listens to a shared encoder need it kept.
        nlp = spacy.load(model_name, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler"])
    if "ner" not in nlp.pipe_names:
        raise ModelError(f"the spaCy model '{model_name}' has no NER component; choose one that does")
    return nlp


def _model_tag(nlp) -> str:
    return f"{nlp.meta.get('name')}-{nlp.meta.get('version')}"


class Detector:
    """Presidio analyzer over the study's recognizers; ``detect`` handles many texts at once."""

    def __init__(
        self,
        model_name: str,
        known: dict[str, tuple[str, str]],
        allow_list: list[str],
        score_threshold: float = 0.4,
        batch_size: int = 64,
        protected: set[str] | frozenset = frozenset(),
    ) -> None:
        self.model_name = model_name
        self.known = known
        self.allow_list = list(allow_list)
        self.protected = {normalise(w) for w in allow_list} | set(protected)
        self.score_threshold = score_threshold
        self.batch_size = batch_size
        self.nlp = load_ner(model_name)
        self.analyzer, self.engine = self._build()
        self.cache_namespace = f"pseudonymise-ner:{_model_tag(self.nlp)}"
        self.model_calls = 0

    def _build(self):
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import (
            NerModelConfiguration,
            NlpArtifacts,
            SpacyNlpEngine,
        )
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        from .birthdates import BirthDateRecognizer
        from .context import ContextNameRecognizer
        from .identifiers import IdentifierRecognizer
        from .numbers import number_recognizers
        from .references import ReferenceRecognizer
        from .spelled import SpelledRecognizer
        from .recognizers import (
            DateOfBirthRecognizer,
            KnownValuesRecognizer,
            NameHeuristicRecognizer,
            NoContextEnhancer,
            OfflineEmailRecognizer,
            UkNhsNumberRecognizer,
            UkPhoneRecognizer,
            UkPostcodeRecognizer,
        )
        from .spoken import SpokenNumberRecognizer

        ner_config = NerModelConfiguration(
            model_to_presidio_entity_mapping={
                "PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION",
                "FAC": "LOCATION", "ORG": "ORGANIZATION",
            },
            labels_to_ignore=["DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY",
                              "PERCENT", "NORP", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "PRODUCT"],
        )
        engine = SpacyNlpEngine(
            models=[{"lang_code": "en", "model_name": self.model_name}],
            ner_model_configuration=ner_config,
        )
        engine.nlp = {"en": self.nlp}
        registry = RecognizerRegistry(supported_languages=["en"])
        for recognizer in (
            SpacyRecognizer(supported_entities=_NER_ENTITIES),
            OfflineEmailRecognizer(),
            UkPhoneRecognizer(),
            UkNhsNumberRecognizer(),
            UkPostcodeRecognizer(),
            DateOfBirthRecognizer(),
            KnownValuesRecognizer(self.nlp.vocab, self.nlp.make_doc, self.known, self.allow_list),
            NameHeuristicRecognizer(self.protected),
            ContextNameRecognizer(self.protected),
            IdentifierRecognizer(self.known),
            SpokenNumberRecognizer(),
            SpelledRecognizer(),
            BirthDateRecognizer(),
            ReferenceRecognizer(),
            *number_recognizers(),
        ):
            registry.add_recognizer(recognizer)
        analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=engine, supported_languages=["en"],
            context_aware_enhancer=NoContextEnhancer(),
        )
        self._artifacts_cls = NlpArtifacts
        return analyzer, engine

    def _artifacts(self, doc):
        """NlpArtifacts without per-token lemma lists: no recognizer here reads them."""
        ents, scores = self.engine._get_updated_entities(list(doc.ents), [0.85] * len(doc.ents))
        return self._artifacts_cls(
            entities=ents, tokens=doc, tokens_indices=[], lemmas=[], nlp_engine=self.engine,
            language="en", scores=scores,
        )

    # --- the model pass, cached --------------------------------------------------------------
    def _docs(self, texts: list[str], store=None) -> list:
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        cached = store.cache_get_many(self.cache_namespace, sorted(set(keys))) if store else {}
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k not in cached:
                first.setdefault(k, i)
        todo = sorted(first.values())
        docs: list = [None] * len(texts)
        fresh: dict[str, list] = {}
        for i, doc in zip(todo, pipe(self.nlp, [texts[i] for i in todo], self.batch_size)):
            docs[i] = doc
            fresh[keys[i]] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        self.model_calls += len(todo)
        for i, key in enumerate(keys):
            if docs[i] is None:
                docs[i] = self._doc_from_cache(texts[i], cached[key] if key in cached else fresh[key])
        if store is not None and fresh:
            store.cache_put_many(self.cache_namespace, fresh)
        return docs

    def _doc_from_cache(self, text: str, ents: list):
        doc = self.nlp.make_doc(text)
        spans = [doc.char_span(s, e, label=label, alignment_mode="expand") for s, e, label in ents]
        doc.ents = [s for s in spans if s is not None]
        return doc

    # --- recognizing -------------------------------------------------------------------------
    def detect(self, texts: list[str], store=None) -> list[list[Detection]]:
        """Detections per text, in text order; model results come from the cache when it can."""
        from .numbers import DIGIT_ENTITIES
        from .recognizers import PRESIDIO_TYPES
        from .references import REFERENCE_ENTITIES

        out = []
        for text, doc in zip(texts, self._docs(texts, store)):
            artifacts = self._artifacts(doc)
            # Usernames, file names, spoken numbers, spelt values and dates said in words may hold
            # no digit; their recognizers filter each text with one cheap check first.
            entities = ["PARTICIPANT", *_NER_ENTITIES, "USERNAME", "NUMBER", "DATE_OF_BIRTH"]
            if _DIGIT.search(text):
                entities += ["PHONE_NUMBER", "UK_NHS", "UK_POSTCODE", *DIGIT_ENTITIES, *REFERENCE_ENTITIES]
            elif any(c.isalpha() for c in text):
                entities.append("UK_POSTCODE")
            if "@" in text:
                entities.append("EMAIL_ADDRESS")
            results = self.analyzer.analyze(
                text, "en", entities=entities, nlp_artifacts=artifacts,
                score_threshold=self.score_threshold,
            )
            found = []
            for r in results:
                meta = r.recognition_metadata or {}
                kind = PRESIDIO_TYPES.get(r.entity_type)
                if kind is None:
                    continue
                span = _tidy(text, r.start, r.end, kind)
                if span is None:
                    continue
                found.append(Detection(span[0], span[1], kind, meta.get("recognizer_name", ""),
                                       round(float(r.score), 3), meta.get("participant_id", "")))
            out.append(_drop_shadowed(sorted(found, key=lambda d: (d.start, -d.end))))
        return out


def _drop_shadowed(found: list[Detection]) -> list[Detection]:
    """Heuristic name guesses yield to any other detector covering the same text."""
    firm = [d for d in found if d.detector != "NameHeuristicRecognizer"]
    return [d for d in found if d.detector != "NameHeuristicRecognizer"
            or not any(f.start < d.end and d.start < f.end for f in firm)]


def _tidy(text: str, start: int, end: int, kind: str) -> tuple[int, int] | None:
    """Trim titles, articles and trailing punctuation from a span; None if nothing is left or it
    is an existing placeholder such as ``[Practitioner 03]``."""
    for match in _BRACKETED.finditer(text):
        if match.start() <= start and end <= match.end():
            return None
    if kind in ("Person", "Place", "Organisation", "Participant"):
        chunk = text[start:end]
        if kind in ("Person", "Participant"):
            # Keep the title outside the placeholder ("Mrs [Person 1]"), and anything before it.
            titles = [m for m in _TITLE.finditer(chunk) if m.end() < len(chunk)]
            if titles:
                start += titles[-1].end()
        else:
            lead = _LEADING.match(chunk)
            if lead:
                start += lead.end()
        chunk = text[start:end]
        trail = _TRAILING.search(chunk)
        if trail and trail.start() > 0:
            end = start + trail.start()
        if not any(ch.isalpha() for ch in text[start:end]) or len(normalise(text[start:end])) < 2:
            return None
    return (start, end) if end > start else None
