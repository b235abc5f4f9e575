"""Name handling shared by detection, replacement and the leak gate.

Values are compared in a normal form (case-folded, straight apostrophes, single spaces, no
possessive) so that "Priya's", "PRIYA" and "priya" all reach the same key entry.
"""

from __future__ import annotations

import html
import re

__all__ = [
    "GENERIC_TERMS",
    "is_name_like_label",
    "looks_auxiliary",
    "normalise",
    "ordinary_word_is_name",
    "surface_variants",
    "trie_pattern",
]

# Institutions and terms every English social-care transcript mentions: a model may tag them
# as organisations, but they identify nobody.
GENERIC_TERMS = frozenset({
    "nhs", "gp", "gps", "cqc", "asye", "a&e", "dols", "lps", "lpa", "mash", "ot", "ots", "ai",
    "council", "the council", "social services", "adult social care", "children's services",
    "safeguarding", "panel", "duty", "the duty team", "teams", "zoom", "excel", "outlook",
    "google", "covid",
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

# Words that, after a sentence-initial "Will" / "May" / "Hope", show the ordinary-word use.
_AUX_FOLLOWERS = frozenset(
    ["i", "you", "we", "they", "he", "she", "it", "that", "this", "there", "the", "a", "an", "be", "not", "someone", "anyone", "everyone", "our", "your", "their", "his", "her", "all", "any", "some", "one", "people", "staff"]
)


def normalise(value: str) -> str:
    """The comparison form of a value: case-folded, straight apostrophes, one space, no 's."""
    value = _SPACES.sub(" ", value.translate(_APOSTROPHES)).strip()
    value = _POSSESSIVE.sub("", value) if len(value) > 3 else value
    return value.casefold()


def is_name_like_label(label: str) -> bool:
    """True when a speaker label could be a person's name (not "P1", "Speaker 2", "FACILITATOR")."""
    label = label.strip()
    if not label or not any(ch.isalpha() for ch in label):
        return False
    return not _GENERIC_LABEL.match(label)


def looks_auxiliary(text: str, start: int, end: int) -> bool:
    """True when the word at text[start:end] opens a sentence and is followed by a word that
    marks it as a verb ("Will you...", "May I..."), not a name."""
    before = text[:start].rstrip(" \t\"'\u201c\u2018(")
    if before and before[-1] not in ".?!:;\n":
        return False
    follower = re.match(r"\s+([A-Za-z]+)", text[end:])
    return bool(follower) and follower.group(1).casefold() in _AUX_FOLLOWERS


# Words that cannot follow the verb "will" / "may" but do follow a name: "me and will were".
_NAME_FOLLOWERS = frozenset(
    ["was", "were", "is", "are", "has", "had", "said", "says", "told", "asked", "thinks", "thought", "knows", "reckons", "did", "does", "and", "or", "who", "mentioned", "rang", "emailed"]
)


def ordinary_word_is_name(text: str, start: int, end: int) -> bool:
    """For a register name that is also an ordinary word ("Will", "May", "Hope"): is this
    occurrence the name? Capitalised, it is, unless it opens a sentence as a verb ("Will you");
    lower-case, only when the next word could not follow the verb ("me and will were")."""
    word = text[start:end]
    if word[:1].isupper():
        return not looks_auxiliary(text, start, end)
    follower = re.match(r"\s*(['\u2019]s\b|[A-Za-z]+)", text[end:])
    return bool(follower) and follower.group(1).casefold().replace("\u2019", "'") in _NAME_FOLLOWERS | {"'s"}


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
