"""Surnames and places the model misses, found by the words around them.

People: a capitalised word after a title ("Mrs Ferriday", "Dr Oyelowo"), in "the X case /
family / household", or before a possessive relation ("Adeyinka's family", "Haddad's key
worker"). Places: a capitalised word after a movement or residence phrase ("over in Keyworth",
"up in Arnold", "out at Ravenshead", "lives in Eastwood", "based in Sutton-in-Ashfield") or
before a local unit ("the Mapperley office", "the Bestwood estate"), and street addresses
("14 Elm Grove", "Flat 2, 118 Mansfield Road", "lives on Wollaton Road").

Context alone does not make a name: the word itself must not be an everyday English word
(``vocabulary.ordinary_word``), a calendar word, a country or nation, or one of the study's
protected words, so "the Duty case", "the Green case", "over in Excel" and "in the end" stay.
A surname that is also a word ("Smith", "Patel") passes when it is on the surname list and not
among the most common English words; after a title, any listed first name or surname passes
("Mrs Green"), since a title is strong evidence.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult

from .names import normalise, word_zipf
from .vocabulary import (
    CALENDAR_WORDS,
    first_name,
    function_word,
    non_identifying_place,
    ordinary_word,
    surname,
)

__all__ = ["ContextNameRecognizer"]

# One capitalised word, possibly double-barrelled: "Okafor", "O'Neill", "McKay", "Castellano-Smith".
_CAP = r"(?:[A-Z]['\u2019]|Ma?c)?[A-Z][a-z]+(?:-[A-Z][a-z]+)*"
# A place: up to three capitalised words, with the joiners English place names use.
_PLACE = rf"(?:St\.?\s)?{_CAP}(?:-(?:in|on|upon|under|le|by|en|the)-{_CAP}|\s{_CAP}){{0,2}}"
_TITLE = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+({_CAP}(?:\s{_CAP})?)")
_THE_X = re.compile(
    rf"\b[Tt]he\s+({_CAP}(?:\s{_CAP})?)\s+(?:case|family|families|household|kids|children|twins|"
    r"brothers|sisters|referral|file|siblings|grandchildren)\b"
)
_POSSESSIVE = re.compile(
    rf"\b({_CAP})['\u2019]s?\s+(?:family|mum|mother|dad|father|son|daughter|wife|husband|"
    r"partner|carer|carers|children|kids|sister|brother|grandson|granddaughter|niece|nephew|"
    r"neighbour|key\s?worker|social\s?worker|care\s?package|case|file|son-in-law|daughter-in-law)\b"
)
_MOVED = re.compile(
    r"\b(?i:(?:over|up|down|out|round|across|back)\s+(?:in|at|to|near|by|towards)"
    r"|(?:lives?|lived|living|based|moved|moving|grew\s+up|brought\s+up|settled|stays?|stayed|"
    r"staying|resides?|residing|housed)\s+(?:in|at|near|to|out\s+in|over\s+in|up\s+in|down\s+in)"
    r"|(?:work|works|worked|working)\s+out\s+of\s+the)"
    rf"\s+({_PLACE})((?:(?:,\s*|\s+)(?:or|and)\s+{_PLACE}|,\s*{_PLACE}(?=\s+(?:or|and)\s)){{0,3}})"
)
_NEXT_PLACE = re.compile(_PLACE)
_LOCAL_UNIT = re.compile(
    rf"\b[Tt]he\s+({_PLACE})\s+(?:office|area|estate|patch|ward|locality|hub|team\s+base|depot)\b"
)
# Cheap pre-checks, so most turns meet only these: a preposition before a capital word, the
# words that follow "the X" or "X's".
_MOVED_GATE = re.compile(r"\b(?:in|at|to|near|by|towards|the)\s+[A-Z]")
_UNIT_WORDS = ("office", "area", "estate", "patch", "ward", "locality", "hub", "team base", "depot")
_FAMILY_WORDS = ("case", "famil", "household", "kids", "children", "twins", "brothers", "sisters",
                 "referral", "file", "siblings")
# A street address: a house number (after "Flat 2," perhaps), one to three capitalised words and
# a street word ("14 Elm Grove", "27b Wollaton Road"), or a named street after "on" / "off".
_STREET = (r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|Grove|Crescent|Way|Court|Place|"
           r"Terrace|Gardens|Walk|Rise|Row|Square|Mews|View|Parade|Vale|Approach|Gate|Yard|Wharf)")
_ADDRESS = re.compile(
    rf"(?:\b(?:Flat|Apartment|Unit)\s+\d+[A-Za-z]?,?\s+)?\b\d{{1,4}}[A-Za-z]?,?\s+(?:{_CAP}\s+){{1,3}}{_STREET}\b"
    rf"|(?:(?<=\bon\s)|(?<=\boff\s))(?:{_CAP}\s+){{1,3}}{_STREET}\b"
)
_STREET_GATE = re.compile(rf"[a-z]\s{_STREET}\b")
_COMMON = 5.0  # listed surnames above this are words first: "Green", "Brown", "Young", "Case"


def _result(recognizer, entity: str, start: int, end: int, score: float) -> RecognizerResult:
    return RecognizerResult(entity, start, end, score, recognition_metadata={
        RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
    })


class ContextNameRecognizer(EntityRecognizer):
    """See the module docstring. ``skip``: normal forms never taken (allow list, protected
    words such as pseudonyms, role and group names)."""

    def __init__(self, skip: set[str] | frozenset = frozenset()) -> None:
        super().__init__(supported_entities=["PERSON", "LOCATION"], name="ContextNameRecognizer")
        self.skip = set(skip)

    def load(self) -> None:
        pass

    def _blocked(self, value: str) -> bool:
        norm = normalise(value)
        return norm in self.skip or any(normalise(w) in self.skip for w in value.split())

    def _surname(self, word: str, titled: bool) -> bool:
        lower = word.lower().replace("\u2019", "'")
        base = re.sub(r"'s$", "", lower)
        if function_word(base) or base in CALENDAR_WORDS or non_identifying_place(base):
            return False
        if not ordinary_word(base):
            return True
        if titled:
            return surname(base) or first_name(base)
        return surname(base) and word_zipf(base) < _COMMON

    def _place(self, value: str) -> bool:
        words = [w for w in re.split(r"[\s-]+", value) if w and w[0].isupper() and w not in ("St", "St.")]
        if not words or non_identifying_place(value) or any(w.lower() in CALENDAR_WORDS for w in words):
            return False
        if any(function_word(w) for w in words[:1]):
            return False
        return any(not ordinary_word(w.lower()) for w in words)

    def analyze(self, text, entities, nlp_artifacts=None):
        results = []
        lower = text.lower()
        people = [(_TITLE, True)]
        if any(w in lower for w in _FAMILY_WORDS):
            people.append((_THE_X, False))
        if "'" in text or "\u2019" in text:
            people.append((_POSSESSIVE, False))
        for pattern, titled in people:
            for m in pattern.finditer(text):
                value = m.group(1)
                words = value.split()
                if self._blocked(value) or not all(self._surname(w, titled) for w in words[-1:]):
                    continue
                if len(words) > 1 and not self._surname(words[0], True):
                    value = words[-1]  # "the Duty Castellano case" never; keep the name word
                start = m.start(1) + m.group(1).index(value)
                results.append(_result(self, "PERSON", start, start + len(value), 0.7 if titled else 0.6))
        for m in _ADDRESS.finditer(text) if _STREET_GATE.search(text) else ():
            if normalise(m.group()) not in self.skip:
                results.append(_result(self, "LOCATION", m.start(), m.end(), 0.6))
        places = [_MOVED] if _MOVED_GATE.search(text) else []
        if any(w in lower for w in _UNIT_WORDS):
            places.append(_LOCAL_UNIT)
        for pattern in places:
            for m in pattern.finditer(text):
                spans = [(m.start(1), m.end(1))]
                if pattern is _MOVED and m.group(2):  # "out at Ravenshead or Calverton"
                    spans += [(m.start(2) + p.start(), m.start(2) + p.end())
                              for p in _NEXT_PLACE.finditer(m.group(2))]
                for start, end in spans:
                    value = text[start:end]
                    if not self._blocked(value) and self._place(value):
                        results.append(_result(self, "LOCATION", start, end, 0.6))
        return results
