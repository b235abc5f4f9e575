"""How much a detected name, place or organisation is worth: study-wide, here only, or nothing.

Detectors propose spans; a value replaced study-wide changes every transcript, so it must have
evidence that it is an identifier, not just a model's tag. Each candidate value gathers its
detections across the whole study and gets one of three scopes:

- ``study``: replaced wherever it occurs, and watched for by the leak gate. Needs evidence in
  context (a title "Mrs X", a relation "her neighbour X", a naming verb, a context recognizer
  such as "the X case" or "over in X"), or a value that is a known name and not an everyday word
  ("Okafor", "dominic"), or a multi-word name, or a rare place or organisation written with
  capitals inside a sentence.
- ``local``: replaced only where it was detected, and listed for the researcher to confirm or
  reject (``data/identifiers-to-review.csv``). Single low-evidence detections: a model's tag on an
  everyday word written with a capital ("Bill rang"), an acronym ("CLI"), a word no list knows.
- none: never replaced. Function words and pronouns; everyday words written in lower case;
  everyday words whose only capital is the one opening a sentence ("Awesome", "Ask"); countries
  and the UK's nations; single-word organisations that are everyday words (a party, a tool).

Propagation follows case unless the value is unambiguous: a value that is also an everyday word
("US", "Rose") is matched only where written as a name (``names.ordinary_word_is_name``), while
"Okafor" is matched in any case, as speech-recognition text writes names in lower case.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .vocabulary import (
    first_name,
    frequent_value,
    function_word,
    name_word,
    non_identifying_place,
    ordinary_value,
    ordinary_word,
    surname,
)
from .names import GENERIC_TERMS, opens_sentence, word_zipf

__all__ = ["Candidate", "Verdict", "alias_parts", "gather", "judge", "stale"]

NAME_TYPES = ("Person", "Place", "Organisation")
_PRIORITY = ["Person", "Place", "Organisation"]
_TITLE_BEFORE = re.compile(
    r"\b(?:mr|mrs|ms|miss|mx|dr|prof|professor|nurse|sister|auntie|aunty|uncle|nan|nanna|grandad|"
    r"grandma|sir|dame|lady|lord|cllr|councillor|father|fr|rev|reverend)\.?\s+$",
    re.IGNORECASE,
)
# A relation or a word said to someone: evidence of a person.
_RELATION_BEFORE = re.compile(
    r"\b(?:neighbour|neighbor|daughter|son|wife|husband|partner|mum|mother|dad|father|sister|"
    r"brother|carer|colleague|friend|nephew|niece|grandson|granddaughter|cousin|manager|boss|"
    r"supervisor|ask|asked|told|tell|thanks|thank you|cheers|spoke to|speak to|talked to|"
    r"talk to|rang|phoned|emailed|hi|hello)\s*,?\s+$",
    re.IGNORECASE,
)
# A naming phrase: evidence of a name, of whatever kind ("a firm called X", "my name is X").
_NAMING_BEFORE = re.compile(r"\b(?:called|named|name's|name is|known as)\s+$", re.IGNORECASE)
_PLACE_BEFORE = re.compile(
    r"\b(?:over|up|down|out|round|across|back)\s+(?:in|at|to|by)\s+$|"
    r"\b(?:based|lives?|living|lived|moved|grew up|born|stays?|staying|works?|working)\s+(?:in|at|near|to)\s+$|"
    r"\b(?:near|outside|towards|the .{1,20} side of)\s+$",
    re.IGNORECASE,
)
# Weaker: only decides a type between place and organisation ("in the Meadows", "from Radford").
_PLACE_HINT = re.compile(r"\b(?:in|at|from|near|to|around|round|through)\s+(?:the\s+)?$", re.IGNORECASE)
_PERSON_AFTER = re.compile(r"^['\u2019]s\s+(?:family|mum|dad|son|daughter|case|file|house|flat)\b|"
                           r"^\s+(?:family|household)\b", re.IGNORECASE)
# "the Delaney case": only for words that are not everyday words ("a Purple case" is a RAG rating).
_CASE_AFTER = re.compile(r"^\s+case\b", re.IGNORECASE)
_THE_BEFORE = re.compile(r"\bthe\s+$", re.IGNORECASE)
_ORG_WORDS = frozenset(
    "council trust borough service services centre center hospital ltd limited plc group federation "
    "association partnership foundation charity university college school academy surgery "
    "practice society agency clinic housing church commission authority institute network "
    "board company inc llp healthcare health care solutions partners".split()
)
_PLACE_WORDS = frozenset(
    "road street lane avenue close drive way crescent gardens grove square terrace court hill "
    "estate village town city park mews row walk rise vale".split()
)
# A capitalised word right before a country makes an organisation's name: "Age UK", "Sport England".
_ORG_LEAD = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]+)\s$")
# Organisations named this often in English text (wordfreq Zipf) are global brands and national
# institutions ("YouTube", "Spotify", "Microsoft"); local services ("Mencap" 1.6, "Tesco" 3.3)
# stay below it.
_WELL_KNOWN_ZIPF = 3.5
# Places named this often are countries, states and capital cities ("Russia", "Texas", "London");
# towns and districts a study could be traced to ("Mansfield" 3.4, "Leeds" 4.0) stay below it.
_WELL_KNOWN_PLACE_ZIPF = 4.5
_ACRONYM = re.compile(r"^[A-Z]{2,6}s?$")
_LETTERS = re.compile(r"[^\W\d_]+")


@dataclass
class Candidate:
    """One value's detections across the study (counts only; no text beyond the value)."""

    norm: str
    value: str
    votes: Counter = field(default_factory=Counter)
    detections: int = 0
    strong: int = 0            # detections with evidence in context
    mid_capitalised: int = 0   # written with a capital inside a sentence
    initial_only: int = 0      # capitalised only because it opens a sentence
    lowercase: int = 0         # written all in lower case
    place_context: int = 0
    place_hint: int = 0
    person_context: int = 0
    where: tuple[str, int] | None = None  # (transcript, turn index) of the first detection

    @property
    def words(self) -> list[str]:
        return _LETTERS.findall(self.norm)


@dataclass(frozen=True)
class Verdict:
    scope: str | None      # "study", "local" or None (not an identifier)
    type: str
    case_sensitive: bool
    reason: str


def _context(text: str, start: int, end: int) -> tuple[bool, bool, bool]:
    """(named in context, place phrase before, person phrase around) for a span."""
    before = text[max(0, start - 40) : start]
    after = text[end : end + 24]
    person = bool(_TITLE_BEFORE.search(before) or _PERSON_AFTER.match(after)
                  or _RELATION_BEFORE.search(before)
                  or (_THE_BEFORE.search(before) and _CASE_AFTER.match(after)
                      and not ordinary_value(text[start:end].casefold())))
    named = person or bool(_NAMING_BEFORE.search(before))
    return named, bool(_PLACE_BEFORE.search(before)), person


def gather(texts, detections, where, skip) -> dict[str, Candidate]:
    """Candidates from every Person/Place/Organisation detection not already known.

    ``where`` gives (transcript, turn index) per text; ``skip(norm)`` is True for values the
    study's own lists already decide (register names, extra identifiers, corrections). A model's
    name tag inside an e-mail address, phone number or other patterned value is no candidate:
    the patterned value's own type stands.
    """
    from .names import normalise

    out: dict[str, Candidate] = {}
    for text, found, place in zip(texts, detections, where):
        patterned = [(d.start, d.end) for d in found if d.type not in NAME_TYPES and d.type != "Participant"]
        for d in found:
            if d.type not in NAME_TYPES or d.participant_id:
                continue
            if any(a < d.end and d.start < b for a, b in patterned):
                continue
            start, kind = d.start, d.type
            lead = _ORG_LEAD.search(text[max(0, start - 30) : start])
            if kind == "Place" and lead and non_identifying_place(text[start : d.end]):
                start, kind = start - len(lead.group(1)) - 1, "Organisation"  # "Age UK"
            start, end = _trim(text, start, d.end)
            if kind == "Person":
                start, end = _trim_words(text, start, end)
            if end <= start:
                continue
            value = text[start:end]
            norm = normalise(value)
            if skip(norm):
                continue
            c = out.setdefault(norm, Candidate(norm, value, where=place))
            c.votes[kind] += 1
            c.place_hint += bool(_PLACE_HINT.search(text[max(0, start - 20) : start]))
            c.detections += 1
            named, place_before, person_around = _context(text, start, end)
            strong_detector = "Context" in d.detector or (
                d.detector == "NameHeuristicRecognizer" and d.score >= 0.6)
            if strong_detector or named or place_before:
                c.strong += 1
            c.place_context += place_before
            c.person_context += person_around
            if not any(ch.isupper() for ch in value):
                c.lowercase += 1
            elif opens_sentence(text, start) and not any(ch.isupper() for ch in value[1:]):
                c.initial_only += 1
            else:
                c.mid_capitalised += 1
    return out


_EDGE_DEBRIS = re.compile(r"^[\s\-\u2013\u2014.,;:!?'\"\u2018\u2019\u201c\u201d()\[\]]+")
_TAIL_DEBRIS = re.compile(r"(?:['\u2019]s?|[\s\-\u2013\u2014.,;:!?'\"\u2018\u2019\u201c\u201d()\[\]])+$")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the punctuation, dashes and possessive a model or ASR left on its edges
    ("that's-" -> "that", "Okafor's" -> "Okafor")."""
    chunk = text[start:end]
    lead = _EDGE_DEBRIS.match(chunk)
    if lead:
        start += lead.end()
    tail = _TAIL_DEBRIS.search(text[start:end])
    if tail and tail.start() > 0:
        end = start + tail.start()
    return start, end


_SPAN_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")


def _trim_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A person's span without the everyday words a model swept in around the name: "Ask Ewa"
    -> "Ewa", "Sarah Probably" -> "Sarah". A first name stays first and a surname last
    ("Will Smith", "Grace Baker"), and nothing is trimmed from a span with no known name in it."""
    words = list(_SPAN_WORD.finditer(text, start, end))
    if len(words) < 2 or not any(name_word(w.group()) or first_name(w.group()) or surname(w.group())
                                 for w in words):
        return start, end
    first, last = 0, len(words) - 1
    while first < last and ordinary_word(words[first].group()) and not first_name(words[first].group()):
        first += 1
    while last > first and ordinary_word(words[last].group()) and not surname(words[last].group()):
        last -= 1
    return words[first].start(), words[last].end()


def _type(c: Candidate) -> str:
    words = c.words
    if c.person_context > c.place_context:
        return "Person"
    if c.place_context and not c.person_context:
        return "Place"
    if words and words[-1] in _ORG_WORDS:
        return "Organisation"
    if words and words[-1] in _PLACE_WORDS:
        return "Place"
    if len(words) >= 2 and first_name(words[0]) and (surname(words[-1]) or name_word(words[-1])):
        return "Person"
    if len(words) == 1 and name_word(words[0]) and first_name(words[0]) and not c.place_hint:
        return "Person"  # a first name the model took for a place or organisation ("Femi")
    if c.place_hint and "Person" not in c.votes:
        return "Place"
    best = max(c.votes.values())
    return min((t for t, n in c.votes.items() if n == best), key=_PRIORITY.index)


def judge(c: Candidate, lists) -> Verdict:
    """The scope and type of one candidate (see the module doc for the rules)."""
    kind = _type(c)
    words = c.words
    ordinary = ordinary_value(c.norm)
    acronym = bool(_ACRONYM.match(c.value.strip()))
    known_name = any(name_word(w) for w in words)
    # Matched in any case only when lower case cannot mean anything else: a known name, a
    # multi-word name, or a value speech recognition itself wrote in lower case.
    case_sensitive = (ordinary or acronym or frequent_value(c.norm)
                      or (len(words) == 1 and not known_name and not c.lowercase))

    def verdict(scope: str | None, reason: str) -> Verdict:
        return Verdict(scope, kind, case_sensitive, reason)

    letters = sum(len(w) for w in words)
    if not words or letters < 2 or all(function_word(w) for w in words):
        return verdict(None, "function word")
    if lists.excluded(c.norm) or c.norm in GENERIC_TERMS:
        return verdict(None, "allow list, correction or generic term")
    if kind == "Place" and non_identifying_place(c.norm):
        return verdict(None, "country or nation")
    if letters < 3 and not c.strong:
        return verdict(None, "too short to tell from an abbreviation")
    capitalised = c.mid_capitalised + c.initial_only
    if ordinary and not capitalised:
        return verdict(None, "everyday word in lower case")
    if ordinary and len(words) == 1 and not c.mid_capitalised and not c.strong:
        return verdict(None, "everyday word capitalised only at a sentence start")
    if c.strong:
        return verdict("study", "named in context")
    if (kind == "Organisation" and len(words) == 1 and not known_name
            and word_zipf(words[0]) >= _WELL_KNOWN_ZIPF):
        return verdict(None, "a name so common in English it identifies nobody (a global brand)")
    if kind == "Place" and len(words) <= 2 and not known_name and _zipf_of(c.norm) >= _WELL_KNOWN_PLACE_ZIPF:
        return verdict(None, "a place so well known it identifies nobody (a country, a state, a capital)")
    if (kind == "Person" and ordinary and len(words) == 1
            and not (first_name(words[0]) or surname(words[0]))):
        return verdict(None, "everyday word no list knows as a name (a product, a language)")
    if known_name:
        return verdict("study", "a known name")
    if len(words) >= 2 and _capitalised_words(c.value) >= 2 and (
            not ordinary or (first_name(words[0]) and surname(words[-1]))):
        return verdict("study", "a multi-word name")
    if kind in ("Place", "Organisation") and not ordinary and not acronym and c.mid_capitalised:
        return verdict("study", "a rare name written with capitals")
    if c.lowercase and not capitalised:
        return verdict(None, "lower-case word no list knows as a name")
    return verdict("local", "one kind of evidence only")


def _zipf_of(norm: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(norm, "en")


def _capitalised_words(value: str) -> int:
    return sum(1 for w in _LETTERS.findall(value) if w[:1].isupper())


def alias_parts(norm: str, lists) -> list[tuple[str, bool]]:
    """Single words of a study-wide multi-word name worth matching alone, with case-sensitivity.

    A part that is an everyday word is never an alias ("ask" from "Ask Ewa"), unless the name
    lists know it in that position ("Grace" first, "Baker" last), and then only as a name.
    """
    words = norm.split(" ")
    out = []
    for position, part in enumerate(words):
        if len(part) < 3 or function_word(part) or lists.excluded(part) or _TITLE_BEFORE.search(part + " "):
            continue
        if not ordinary_word(part):
            out.append((part, False))
        elif (position == 0 and first_name(part)) or (position == len(words) - 1 and surname(part)):
            out.append((part, True))
    return out


def stale(norm: str, entity) -> bool:
    """A key entry from an earlier run that today's rules would never make (a function word, an
    everyday word found in lower case or as an alias, a country): dropped from the key, so it
    stops being replaced and stops alarming the leak gate."""
    words = _LETTERS.findall(norm)
    if not words or all(function_word(w) for w in words):
        return True
    if entity.source not in ("detected", "alias"):
        return False
    if entity.type == "Place" and non_identifying_place(norm):
        return True
    ordinary = ordinary_value(norm)
    if ordinary and (entity.source == "alias" or not any(ch.isupper() for ch in entity.value)):
        return True
    return ordinary and not entity.case_sensitive
