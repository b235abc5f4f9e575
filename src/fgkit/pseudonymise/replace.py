"""Pass two: one study-wide set of entities, then every occurrence of each replaced.

Whatever pass one found in any turn becomes a study entity, and a search over every turn then
replaces all its occurrences, earlier ones included, with the same placeholder. Placeholders:
a participant named in speech becomes their pseudonym (``[Practitioner 03]``); other people,
places and organisations are numbered in order of first appearance (``[Person 1]``,
``[Place 2]``); numbers and addresses get their type only (``[Phone]``, ``[NHS number]``).
Numbers already in the key are never changed, so placeholders stay stable across runs.

Case rules: values are matched case-insensitively at word boundaries, except allow-listed
words that are also register names ("Will") and single-word parts of detected names ("Okafor"
from "Grace Okafor"): those count only where ``names.ordinary_word_is_name`` says the word is
used as a name ("Will said", "me and will were"; not "Will you", "I will").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from .detect import Detection
from .key import KeyEntity, PseudonymKey
from .names import (
    normalise,
    opens_sentence,
    ordinary_word_is_name,
    trie_pattern,
    word_zipf,
)

__all__ = ["NUMBERED_TYPES", "Replacement", "StudyEntities", "build_entities", "replace_text"]

NUMBERED_TYPES = ("Person", "Place", "Organisation")
_PRIORITY = ["Participant", "Person", "Place", "Organisation", "Email", "Phone", "NHS number",
             "Postcode", "Date of birth", "Card number", "Bank account", "NI number", "IP address",
             "Username", "File name", "Number"]
_BRACKETED = re.compile(r"\[[^\[\]\n]{1,40}\]")
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof"}
_COMMON_ZIPF = 3.5  # "panel", "training": everyday English words
_LOWER_WORD = re.compile(r"(?<![\w'])[a-z]+(?![\w'])")


@dataclass(frozen=True)
class Replacement:
    """One replacement in one turn: original and new offsets, type, detector, score."""

    start: int
    end: int
    new_start: int
    new_end: int
    type: str
    placeholder: str
    detector: str
    score: float


class StudyEntities:
    """The study-wide entity set and its compiled search."""

    def __init__(self, entities: dict[str, KeyEntity], strict: set[str]) -> None:
        self.entities = entities
        self.strict = strict
        self.allowed_names = 0  # allow-listed words replaced where used as names: worth a look
        loose = [k for k in entities if k not in strict]
        self._loose = self._compile(set(loose), re.IGNORECASE)
        self._strict = self._compile(set(strict), re.IGNORECASE)

    @staticmethod
    def _compile(words: set[str], flags: int):
        if not words:
            return None
        return re.compile(rf"(?<!\w)(?:{trie_pattern(words)})(?!\w)", flags)

    def find(self, text: str) -> list[tuple[int, int, KeyEntity]]:
        found = []
        for pattern, strict in ((self._loose, False), (self._strict, True)):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                entity = self.entities.get(normalise(m.group(0)))
                if entity is None:
                    continue
                if strict and not ordinary_word_is_name(text, m.start(), m.end()):
                    continue
                found.append((m.start(), m.end(), entity))
        return found


def _resolve_type(votes: Counter) -> str:
    best = max(votes.values())
    return min((t for t, n in votes.items() if n == best), key=_PRIORITY.index)


def build_entities(
    texts: list[str],
    detections: list[list[Detection]],
    key: PseudonymKey,
    participant_names: dict[str, str],
    pseudonyms: dict[str, str],
    known: dict[str, tuple[str, str]],
    allow: set[str],
    wrong: set[str],
    protected: set[str],
    strict_names: set[str],
    withdrawn: frozenset[str] | set[str] = frozenset(),
) -> StudyEntities:
    """Merge pass-one detections with the study's lists into the key and a compiled search.

    ``participant_names``: normal form -> participant id (register); ``known``: normal form ->
    (type, source) for extra identifiers, missed review entries and the deny list. A withdrawn
    participant named by others becomes an ordinary ``[Person N]``: their pseudonym must not
    appear in any output.
    """
    votes: dict[str, Counter] = defaultdict(Counter)
    first_seen: dict[str, str] = {}
    promoted = _named_ordinary_words(texts, allow - set(participant_names) - set(known))
    # Words the study itself uses in lower case are ordinary words, whatever a model says.
    lowercase_words = {w for text in texts for w in _LOWER_WORD.findall(text)}
    for text, found in zip(texts, detections):
        for d in found:
            value = text[d.start : d.end]
            norm = normalise(value)
            if d.participant_id or norm in participant_names or norm in known:
                continue
            if norm in allow or norm in wrong or norm in protected or norm.rstrip("s") in allow:
                continue
            if (d.type in ("Organisation", "Place") and " " not in norm and opens_sentence(text, d.start)
                    and (norm in lowercase_words or word_zipf(norm) >= _COMMON_ZIPF)):
                continue  # "Vacancies." tagged ORG at a sentence start: a capital, not a name
            votes[norm][d.type] += 1
            first_seen.setdefault(norm, value)

    entities: dict[str, KeyEntity] = {}
    for norm, pid in participant_names.items():
        if pid in withdrawn:
            entities[norm] = replace(_entity(key, norm, norm, "Person", "withdrawn"), participant_id=pid)
        else:
            entities[norm] = KeyEntity(norm, "Participant", f"[{pseudonyms[pid]}]", "register", pid)
    for norm, (kind, source) in known.items():
        if norm in entities or (norm in wrong and source != "missed"):
            continue
        if kind is None:  # deny list: typed by what detection said, else a person
            kind = _resolve_type(votes[norm]) if votes.get(norm) else "Person"
        entities[norm] = _entity(key, norm, norm, kind, source)
    person_words = {w for n, v in votes.items() if _resolve_type(v) == "Person" for w in n.split(" ")}
    person_words |= {w for n in participant_names for w in n.split(" ")}
    for norm in first_seen:  # first-appearance order keeps numbering deterministic
        if norm not in entities:
            kind = _resolve_type(votes[norm])
            if kind in ("Organisation", "Place") and " " in norm and set(norm.split(" ")) <= person_words:
                kind = "Person"  # "Grace Adeyemi" tagged ORG once, but both words are names
            entities[norm] = _entity(key, norm, first_seen[norm], kind, "detected")

    for norm, value in promoted.items():
        if norm not in entities:
            entities[norm] = _entity(key, norm, value, "Person", "detected")
    strict = set(strict_names) | set(promoted)
    for norm, entity in list(entities.items()):
        if entity.type == "Person" and entity.source == "detected" and " " in norm:
            for part in norm.split(" "):
                if len(part) >= 3 and part not in entities and part not in _TITLES | allow | wrong | protected:
                    entities[part] = KeyEntity(part, "Person", entity.placeholder, "alias")
                    strict.add(part)
    for norm in strict & set(entities):
        entities[norm] = replace(entities[norm], case_sensitive=True)
    # Entities of earlier runs stay in the key (the leak gate keeps watching for them) unless
    # the researcher has since marked them as wrong.
    key.entities = {k: v for k, v in key.entities.items() if k not in wrong or v.source == "register"}
    key.entities.update(entities)
    study = StudyEntities(entities, strict)
    study.allowed_names = len(promoted)
    return study


def _named_ordinary_words(texts: list[str], allow: set[str]) -> dict[str, str]:
    """Allow-listed words the study uses as someone's name: "a young woman I work with, Hope,
    she's...", "a lad called Will". The model's PERSON tag is no evidence here (it tags
    "Green two points" too); apposition and naming verbs are. Such a word is then replaced
    wherever it is used as a name, and stays where it is an ordinary word."""
    if not allow:
        return {}
    words = "|".join(re.escape(w) for w in sorted(allow, key=len, reverse=True))
    pattern = re.compile(
        rf"(?:, ({words}), (?:she|he|they|who)\b|\b(?:called|named) ({words})\b)", re.IGNORECASE
    )
    found: dict[str, str] = {}
    for text in texts:
        for m in pattern.finditer(text):
            value = m.group(1) or m.group(2)
            if value[:1].isupper():
                found.setdefault(normalise(value), value)
    return found


def _entity(key: PseudonymKey, norm: str, value: str, kind: str, source: str) -> KeyEntity:
    old = key.entities.get(norm)
    if old is not None and old.type == kind and old.source != "register":
        return KeyEntity(old.value, kind, old.placeholder, source)
    if kind in NUMBERED_TYPES:
        key.counters[kind] = key.counters.get(kind, 0) + 1
        placeholder = f"[{kind} {key.counters[kind]}]"
    else:
        placeholder = f"[{kind}]"
    return KeyEntity(value, kind, placeholder, source)


def replace_text(text: str, found: list[Detection], study: StudyEntities) -> tuple[str, list[Replacement]]:
    """The pseudonymised text and its replacements (with offsets in both texts)."""
    spans = []
    for d in found:
        entity = study.entities.get(normalise(text[d.start : d.end]))
        if entity is not None:
            spans.append((d.start, d.end, entity, d.detector, d.score))
        elif d.type not in NUMBERED_TYPES and d.type != "Participant":
            # A number or address that was not kept as an entity is still replaced by type.
            spans.append((d.start, d.end, KeyEntity("", d.type, f"[{d.type}]", "detected"), d.detector, d.score))
    for start, end, entity in study.find(text):
        spans.append((start, end, entity, "study-wide", 1.0))
    inside = [(m.start(), m.end()) for m in _BRACKETED.finditer(text)]
    spans = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in inside)]
    # Longest span first at each start; later overlapping spans are dropped.
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0]), s[3] == "study-wide"))
    out: list[str] = []
    replacements: list[Replacement] = []
    cursor = 0
    length = 0
    for start, end, entity, detector, score in spans:
        if start < cursor:
            continue
        out.append(text[cursor:start])
        length += start - cursor
        out.append(entity.placeholder)
        replacements.append(Replacement(start, end, length, length + len(entity.placeholder),
                                        entity.type, entity.placeholder, detector, score))
        length += len(entity.placeholder)
        cursor = end
    out.append(text[cursor:])
    return "".join(out), replacements
