"""Name handling shared by detection, replacement and the leak gate.

Values are compared in a normal form (case-folded, straight apostrophes, single spaces, no
possessive) so that "Priya's", "PRIYA" and "priya" all reach the same key entry.
"""

from __future__ import annotations

import html
import math
import re
from functools import lru_cache

__all__ = [
    "GENERIC_TERMS",
    "address_spans",
    "case_mode",
    "written_as",
    "is_name_like_label",
    "normalise",
    "opens_sentence",
    "ordinary_word_is_name",
    "surface_variants",
    "trie_pattern",
    "word_zipf",
]

# Institutions and terms every English social-care transcript mentions: a model may tag them
# as organisations, but they identify nobody.
GENERIC_TERMS = frozenset({
    "nhs", "gp", "gps", "cqc", "asye", "a&e", "dols", "lps", "lpa", "mash", "ot", "ots", "ai",
    "council", "the council", "social services", "adult social care", "children's services",
    "safeguarding", "panel", "duty", "the duty team", "teams", "zoom", "excel", "outlook",
    "google", "covid", "whatsapp", "ipad", "iphone", "dob", "dpia", "dbs", "amhp", "caldicott",
    "caldicott guardian", "care act", "mental health act", "mental capacity act",
})

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_SPACES = re.compile(r"\s+")
_POSSESSIVE = re.compile(r"'s?$")

# Generic labels transcription tools and typed transcripts use; they are not names.
_GENERIC_LABEL = re.compile(
    r"^(?:p|participant|speaker|spk|facilitator|interviewer|moderator|researcher|"
    r"unknown speaker|unknown|note ?taker|observer|r|i|f|m)\s*[-_#]?\s*\d*$",
    re.IGNORECASE,
)

# A web address, an e-mail address or a handle: matched as one unit by replacement and gate.
_ADDRESS = re.compile(r"(?:https?://|www\.)[^\s<>\"']+|[^\s<>\"'()]*@[^\s<>\"'()]*")
_ADDRESS_TAIL = ".,;:!?)]}'\""


def address_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every web or e-mail address in ``text``, without trailing punctuation."""
    if "@" not in text and "http" not in text and "www." not in text:
        return []
    out = []
    for m in _ADDRESS.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _ADDRESS_TAIL:
            end -= 1
        if end - m.start() >= 3:
            out.append((m.start(), end))
    return out


def case_mode(entity) -> str:
    """How a key value is matched: "loose" in any case; "strict" where used as a name (a register
    name that is an everyday word: "Mark said", "me and will were"); "cased" also only where
    written with its capital (a detected value that is an everyday word or an acronym: "Rose",
    "CLI"). The replacer and the leak gate both follow it, so they never disagree."""
    if not entity.case_sensitive:
        return "loose"
    return "cased" if entity.source in ("detected", "alias") else "strict"


def written_as(found: str, value: str) -> bool:
    """Written as the value was: an acronym in capitals, a name with its capital."""
    if value.isupper() and len(value) > 1:
        return found.upper() == found
    return found[:1].isupper()


def normalise(value: str) -> str:
    """The comparison form of a value: case-folded, straight apostrophes, one space, no 's."""
    value = _SPACES.sub(" ", value.translate(_APOSTROPHES)).strip()
    value = _POSSESSIVE.sub("", value) if len(value) > 3 else value
    return value.casefold()


def is_name_like_label(label: str) -> bool:
    """True when a speaker label could be a person's name (not "P1", "Speaker 2", "FACILITATOR",
    "Guest 1", "Host", "Audience member"): some word in it is a known first name or surname, or
    is not an everyday English word ("Sam's iPad", "Okafor, Grace", "Will")."""
    from .vocabulary import first_name, ordinary_word, surname

    label = label.strip()
    if not label or not any(ch.isalpha() for ch in label) or _GENERIC_LABEL.match(label):
        return False
    words = [w for w in re.findall(r"[^\W\d_]+", re.sub(r"\([^)]*\)", " ", label)) if len(w) >= 2]
    words = [w for w in words if w.casefold() not in ("s", "ipad", "iphone", "android", "laptop", "pc")]
    return any(first_name(w) or surname(w) or not ordinary_word(w) for w in words)


def opens_sentence(text: str, start: int) -> bool:
    """True when text[start:] begins a sentence, the text, a quotation or a table cell / markup
    element (``"Will a computer...``, ``<td>Will``)."""
    before = text[:start].rstrip(" \t")
    return not before or before[-1] in ".?!:;\n\u2026\"'\u201c\u2018([>|"


# Words that follow a name but not the verb "will" / "may": "Will said", "me and will were".
_NAME_FOLLOWERS = frozenset({
    "was", "were", "is", "are", "has", "had", "said", "says", "told", "asked", "thinks", "thought",
    "knows", "reckons", "did", "does", "and", "or", "who", "mentioned", "rang", "emailed", "'s",
})


def ordinary_word_is_name(text: str, start: int, end: int) -> bool:
    """For a name that is also an ordinary word ("Will", "May", "Hope"): is this occurrence the
    name? Capitalised inside a sentence, yes. Opening a sentence or in lower case, only when the
    next word could not follow the verb ("Will said", "me and will were"; not "Will you",
    "Will be honest", "I will")."""
    capitalised = text[start:start + 1].isupper()
    if capitalised and not opens_sentence(text, start):
        return True
    rest = text[end:].lstrip(" \t")
    if capitalised and (not rest or rest[0] in ".,!;:?"
                        or (rest[0].isupper() and not re.match(r"I\b", rest))):
        # "Will." introducing himself, "Will, can you...", and "Tailor Do you mind?" where
        # speech recognition left out the comma: the verb is followed by a capital only in
        # "Will I ...".
        return True
    follower = re.match(r"(['\u2019]s\b|[A-Za-z]+)", rest)
    if not follower:
        return False
    word = follower.group(1).casefold().replace("\u2019", "'")
    # A past-tense verb after it: "Grace mentioned", "Bill phoned" (the modal "will" and the
    # verb "hope" take an infinitive or a clause, not a past tense).
    return word in _NAME_FOLLOWERS or (len(word) > 4 and word.endswith("ed") and word != "need")


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict("en")


def word_zipf(word: str) -> float:
    """How common a lower-case English word is (wordfreq Zipf scale; 0 when unknown).

    A plain dict lookup: wordfreq's own zipf_frequency re-tokenises every word it is given.
    """
    freq = _frequencies().get(word, 0.0)
    return math.log10(freq) + 9 if freq else 0.0


def surface_variants(value: str) -> set[str]:
    """How a value may appear in a written file: as is, curly-apostrophed, HTML/XML-escaped."""
    base = {value, value.replace("'", "\u2019")}
    out = set(base)
    for v in base:
        out.add(html.escape(v, quote=True))
        out.add(v.replace("&", "&amp;").replace("'", "&apos;"))
        out.add(v.replace("&", "&amp;").replace("'", "&#39;"))
    return out


_WS = r"(?:\s|&nbsp;|&#160;|&#xa0;)+"


def trie_pattern(words: set[str]) -> str:
    """One regex alternation from many literal strings, factored as a trie.

    A trie keeps the regex engine from retrying every value at every position, so one pass
    over a file costs about the same for ten values or ten thousand. Spaces match any run of
    whitespace or non-breaking-space entities.
    """
    trie: dict = {}
    for word in words:
        if not word:
            continue
        node = trie
        for ch in _SPACES.sub(" ", word):
            node = node.setdefault(ch, {})
        node[""] = {}
    return _emit(trie) if trie else r"(?!x)x"


def _emit(node: dict) -> str:
    end = "" in node
    branches = []
    for ch in sorted(k for k in node if k):
        piece = _WS if ch == " " else re.escape(ch)
        branches.append(piece + _emit(node[ch]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if end else body
