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
# "she's from Bulwell", "came over from Kirkby-in-Ashfield"; "Hucknall to Beeston", "Selston to
# Long Whatton in one morning". Both need a place word no dictionary knows ("from Monday to
# Friday", "from bad to worse", "Back to Basics" stay).
_FROM = re.compile(rf"\bfrom\s+({_PLACE})(?!['\u2019]s?\b|\s+(?:{'|'.join(w.title() for w in ('council', 'trust', 'services', 'service', 'hospital', 'team', 'group', 'ltd', 'limited', 'university', 'college', 'school', 'surgery', 'practice', 'centre', 'house', 'homecare', 'care'))})\b)")
_FROM_GATE = re.compile(r"\bfrom\s+[A-Z]")
_TO_GATE = re.compile(r"[a-z]\s+to\s+(?:St\.?\s)?[A-Z]")
_X_TO_Y = re.compile(rf"(?<![\w'\u2019-])({_PLACE})\s+to\s+({_PLACE})\b")
# A first name said to someone: alone at the start of a turn ("Gareth." "Ronke, can you..."),
# after a greeting or thanks ("Thanks, Isidore."), or closing a turn ("Over to you, Wojciech.").
_OPENING_NAME = re.compile(rf"^\s*({_CAP})\s*(?:[.,?!:]|$)")
_ASKED = re.compile(r"\s*(?:\?|,\s*(?:can|could|would|will|do|did|have|are|were|what|how|any|you|your|"
                    r"over|go|is|anything)\b)", re.IGNORECASE)
_RARE = 3.0  # wordfreq Zipf below which a capitalised word is rare enough to be a name
_GREETING = (r"(?:thanks|thank\s+you|cheers|sorry|hi|hiya|hello|hey|morning|afternoon|evening|welcome|"
             r"ok|okay|right|yes|yeah|no|go\s+on|go\s+ahead|over\s+to\s+you|and\s+you|what\s+about\s+you|"
             r"how\s+about\s+you|bye|see\s+you)")
_ADDRESSED = re.compile(
    rf"(?:^|[.!?]\s+)(?i:{_GREETING})\s*,?\s+({_CAP})(?=\s*(?:[,.!?]|$))|,\s+({_CAP})\s*[.?!]*\s*$"
)
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

    def _first_name(self, word: str, rare_too: bool) -> bool:
        """A word said to someone is a name when the name lists know it, or (``rare_too``) when
        it is rare in English, and it is no everyday word ("Right.", "Honestly,", "Lovely.",
        "Cheers," and "Grace," stay)."""
        if ordinary_word(word.lower()) or self._blocked(word) or non_identifying_place(word.lower()):
            return False
        return first_name(word) or (rare_too and word_zipf(word.lower()) < _RARE)

    def _addressed(self, text: str) -> list:
        out = []
        m = _OPENING_NAME.match(text)
        # A turn that opens with a word and a question to "you" opens with a name: "Hafsa, can
        # you...", "Benedikt?"; "Blimey." alone is no one.
        if m and self._first_name(m.group(1), rare_too=bool(_ASKED.match(text, m.end(1)))):
            out.append(_result(self, "PERSON", m.start(1), m.end(1), 0.6))
        if "," in text or text.rstrip()[-1:] in ".?!":
            for m in _ADDRESSED.finditer(text):
                group = 1 if m.group(1) else 2
                if self._first_name(m.group(group), rare_too=True):
                    out.append(_result(self, "PERSON", m.start(group), m.end(group), 0.6))
        return out

    def _travel(self, text: str) -> list:
        out = []
        if "from " in text and _FROM_GATE.search(text):
            for m in _FROM.finditer(text):
                value = m.group(1)
                if not self._blocked(value) and self._place(value) and not (
                        " " not in value and first_name(value) and not surname(value)):
                    out.append(_result(self, "LOCATION", m.start(1), m.end(1), 0.6))
        if " to " in text and _TO_GATE.search(text):
            for m in _X_TO_Y.finditer(text):
                sides = [(m.start(i), m.end(i)) for i in (1, 2)]
                values = [text[a:b] for a, b in sides]
                if any(self._blocked(v) or not self._place(v) for v in values):
                    continue
                if all(" " not in v and first_name(v) for v in values):
                    continue  # "Kieran to Gemma": people
                out += [_result(self, "LOCATION", a, b, 0.6) for a, b in sides]
        return out

    def analyze(self, text, entities, nlp_artifacts=None):
        results = self._addressed(text) + self._travel(text)
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
