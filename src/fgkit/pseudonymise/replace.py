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
from dataclasses import dataclass, replace

from .detect import Detection
from .evidence import Candidate, Verdict, alias_parts, gather, judge, stale
from .key import KeyEntity, PseudonymKey
from .vocabulary import ordinary_value
from .names import address_spans, case_mode, normalise, ordinary_word_is_name, trie_pattern, written_as

__all__ = ["NUMBERED_TYPES", "Replacement", "StudyEntities", "StudyLists", "build_entities", "replace_text"]

NUMBERED_TYPES = ("Person", "Place", "Organisation")
_PRIORITY = ["Participant", "Person", "Place", "Organisation", "Email", "Phone", "NHS number",
             "Postcode", "Date of birth", "Card number", "Bank account", "NI number", "IP address",
             "Username", "File name", "URL", "ID number", "Vehicle registration", "Passport number",
             "Driving licence", "Number"]
_BRACKETED = re.compile(r"\[[^\[\]\n]{1,40}\]")
# Types replaced by a fixed placeholder ("[Phone]"), not a numbered one.
_FIXED_PLACEHOLDER_TYPES = [t for t in _PRIORITY if t not in NUMBERED_TYPES and t != "Participant"]


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


@dataclass(frozen=True)
class StudyLists:
    """What the study itself says about values: register names, its lists and corrections.

    ``participant_names``: normal form -> participant id (register); ``known``: normal form ->
    (type or None, source) for extra identifiers, missed review entries and the deny list.
    """

    participant_names: dict[str, str]
    pseudonyms: dict[str, str]
    known: dict[str, tuple[str | None, str]]
    allow: frozenset[str] = frozenset()
    wrong: frozenset[str] = frozenset()
    protected: frozenset[str] = frozenset()
    withdrawn: frozenset[str] = frozenset()

    def excluded(self, norm: str) -> bool:
        """Never a new entity: allow-listed, marked wrong, or a pseudonym, role or group name."""
        return (norm in self.allow or norm in self.wrong or norm in self.protected
                or norm.rstrip("s") in self.allow)


class StudyEntities:
    """The study-wide entity set and its compiled search, plus values replaced only where found.

    Matching modes: a value that is not an everyday word is found in any case ("okafor" in
    speech-recognition text); a register name or listed value that is also an everyday word
    ("Will", "Hope") counts where ``ordinary_word_is_name`` says it is used as a name; a detected
    value that is an everyday word or an acronym ("Rose", "CLI") must also be written with its
    capital.
    """

    def __init__(self, entities: dict[str, KeyEntity], strict: set[str],
                 local: dict[str, KeyEntity] | None = None) -> None:
        self.entities = entities
        self.strict = strict
        self.local = local or {}
        self.allowed_names = 0  # allow-listed words replaced where used as names: worth a look
        self.review: list[tuple[Candidate, Verdict, KeyEntity]] = []
        cased = {k for k, e in entities.items() if case_mode(e) == "cased" and k not in strict}
        loose = set(entities) - strict - cased
        self._loose = self._compile(loose)
        self._strict = self._compile(set(strict) & set(entities))
        self._cased = self._compile(cased)
        self._local = self._compile(set(self.local))

    def placeholders(self) -> set[str]:
        """Every placeholder this key writes, and the fixed ones (``[Phone]``, ``[Email]``...)."""
        found = {e.placeholder for e in (*self.entities.values(), *self.local.values()) if e.placeholder}
        return found | {f"[{kind}]" for kind in _FIXED_PLACEHOLDER_TYPES}

    @staticmethod
    def _compile(words: set[str]):
        if not words:
            return None
        return re.compile(rf"(?<!\w)(?:{trie_pattern(words)})(?!\w)", re.IGNORECASE)

    def find(self, text: str) -> list[tuple[int, int, KeyEntity]]:
        found = []
        addresses = address_spans(text)
        for pattern, mode in ((self._loose, "loose"), (self._strict, "strict"), (self._cased, "cased")):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                entity = self.entities.get(normalise(m.group(0)))
                if entity is None:
                    continue
                # Inside an address everything is lower case and nothing is an everyday word.
                in_address = any(a <= m.start() and m.end() <= b for a, b in addresses)
                if not in_address:
                    if mode != "loose" and not ordinary_word_is_name(text, m.start(), m.end()):
                        continue
                    if mode == "cased" and not written_as(m.group(0), entity.value):
                        continue
                elif mode != "loose" and ordinary_value(normalise(m.group(0))):
                    continue
                found.append((m.start(), m.end(), entity))
        return found


    def find_local(self, text: str, found: list[Detection]) -> list[tuple[int, int, KeyEntity]]:
        """Low-evidence values, only where a detection in this text overlaps them (a model's
        "UK" inside "Age UK" replaces the organisation's whole name)."""
        if self._local is None or not found:
            return []
        out = []
        for m in self._local.finditer(text):
            entity = self.local.get(normalise(m.group(0)))
            if entity is not None and any(d.start < m.end() and m.start() < d.end for d in found):
                out.append((m.start(), m.end(), entity))
        return out


def build_entities(
    texts: list[str],
    detections: list[list[Detection]],
    key: PseudonymKey,
    lists: StudyLists,
    where: list[tuple[str, int]] | None = None,
) -> StudyEntities:
    """Merge pass-one detections with the study's lists into the key and a compiled search.

    Register names, the study's lists and corrections are entities as they stand. Detections
    are judged on their evidence across the study (``evidence.judge``): study-wide, here only,
    or not at all. A withdrawn participant named by others becomes an ordinary ``[Person N]``:
    their pseudonym must not appear in any output.
    """
    names, known = lists.participant_names, lists.known
    where = where or [("", i) for i in range(len(texts))]
    candidates = gather(texts, detections, where, lambda n: n in names or n in known)
    promoted = _named_ordinary_words(texts, lists.allow - set(names) - set(known))

    entities: dict[str, KeyEntity] = {}
    strict: set[str] = set(promoted)
    for norm, pid in names.items():
        if pid in lists.withdrawn:
            entities[norm] = replace(_entity(key, norm, norm, "Person", "withdrawn"), participant_id=pid)
        else:
            entities[norm] = KeyEntity(norm, "Participant", f"[{lists.pseudonyms[pid]}]", "register", pid)
        if ordinary_value(norm):
            strict.add(norm)
    for norm, (kind, source) in known.items():
        if norm in entities or (norm in lists.wrong and source != "missed"):
            continue
        if kind is None:  # deny list: typed by what detection said, else a person
            found = candidates.get(norm)
            kind = max(found.votes, key=found.votes.get) if found and found.votes else "Person"
        entities[norm] = _entity(key, norm, norm, kind, source)
        # A value the researcher listed or marked missed is replaced wherever it occurs, in any
        # case: they have said it identifies someone. An everyday word keeps to where it is used
        # as a name when it is a name the register shares between people, or when the researcher
        # also put it on the allow list (they have said it is a word as well: "Will", "will").
        if ordinary_value(norm) and (source == "register" or (source != "missed" and norm in lists.allow)):
            strict.add(norm)

    local: dict[str, KeyEntity] = {}
    review = []
    for norm, candidate in candidates.items():  # first-appearance order: stable numbering
        verdict = judge(candidate, lists)
        if verdict.scope is None:
            continue
        entity = replace(_entity(key, norm, candidate.value, verdict.type, "detected"),
                         case_sensitive=verdict.case_sensitive, scope=verdict.scope)
        if verdict.scope == "study":
            entities[norm] = entity
        else:
            local[norm] = entity
            review.append((candidate, verdict, entity))
    for norm, value in promoted.items():
        if norm not in entities:
            entities[norm] = _entity(key, norm, value, "Person", "detected")
    for norm, entity in list(entities.items()):
        if entity.type == "Person" and entity.source == "detected" and " " in norm:
            for part, cased in alias_parts(norm, lists):
                if part not in entities:
                    entities[part] = KeyEntity(part, "Person", entity.placeholder, "alias",
                                               case_sensitive=cased)
    for norm in strict & set(entities):
        entities[norm] = replace(entities[norm], case_sensitive=True)
    # Entities of earlier runs stay in the key (the leak gate keeps watching for them) unless
    # the researcher has since marked them wrong or today's rules would never replace them.
    key.entities = {k: v for k, v in key.entities.items()
                    if v.source == "register" or (k not in lists.wrong and not stale(k, v))}
    key.entities.update(entities)
    key.entities.update(local)
    study = StudyEntities(entities, strict, local)
    study.allowed_names = len(promoted)
    study.review = review
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


def _whole_addresses(text: str, spans: list) -> list:
    """A value found inside an address replaces the whole address ("[URL]", "[Email]"): a
    half-replaced link reads as garbage and can still lead back to the person."""
    addresses = address_spans(text)
    if not addresses:
        return spans
    out = []
    for span in spans:
        start, end = span[0], span[1]
        hit = next(((a, b) for a, b in addresses if a < end and start < b), None)
        if hit is None or (hit[0] == start and hit[1] == end):
            out.append(span)
            continue
        kind = "Email" if "@" in text[hit[0] : hit[1]] and "://" not in text[hit[0] : hit[1]] else "URL"
        out.append((min(start, hit[0]), max(end, hit[1]), KeyEntity("", kind, f"[{kind}]", "detected"),
                    span[3], span[4]))
    return out


def replace_text(text: str, found: list[Detection], study: StudyEntities) -> tuple[str, list[Replacement]]:
    """The pseudonymised text and its replacements (with offsets in both texts)."""
    spans = []
    for d in found:
        norm = normalise(text[d.start : d.end])
        entity = study.entities.get(norm) or study.local.get(norm)
        if entity is not None:
            spans.append((d.start, d.end, entity, d.detector, d.score))
        elif d.type not in NUMBERED_TYPES and d.type != "Participant":
            # A number or address that was not kept as an entity is still replaced by type.
            spans.append((d.start, d.end, KeyEntity("", d.type, f"[{d.type}]", "detected"), d.detector, d.score))
    for start, end, entity in study.find(text):
        spans.append((start, end, entity, "study-wide", 1.0))
    for start, end, entity in study.find_local(text, found):
        spans.append((start, end, entity, "low-evidence", 0.5))
    # A placeholder already in the text (a memo written after pseudonymisation) is left whole;
    # any other bracket is an editor's insertion or a note, and its words are speech.
    placeholders = study.placeholders()
    inside = [(m.start(), m.end()) for m in _BRACKETED.finditer(text) if m.group(0) in placeholders]
    spans = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in inside)]
    spans = _whole_addresses(text, spans)
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
