"""Usernames, file names and e-mail addresses that carry a name, written or said aloud.

Written: a token joined by ``_ . -`` or in camelCase (``k_brennan74``, ``@dee_walcott``,
``HarrietPengelly_carers_assessment.xlsx``) is split into parts, and the parts are tested
against the names the study knows (register, extra identifiers) and the name lists of
``vocabulary``: a first name or surname that is not an everyday word, an initial before or
glued to a surname ("k_brennan", "bwalsh"), or a first name before a word that is not an
everyday one ("gemma_lowther").
A file name that holds a name becomes ``FILE_NAME``; any other such token ``USERNAME``; a token
after "username", "login" or "handle" is a username whatever its parts.

Said aloud: "mo dot farouk at example dot com" is an ``EMAIL_ADDRESS`` when the words after
"at" make a domain with a real public suffix (tldextract's bundled list, offline);
"k underscore brennan seventy-four" is a ``USERNAME``, and so is "t dot oduya" when its parts
hold a name or a username cue comes before it.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult

from .recognizers import offline_tld_extractor
from .spoken import NUMBER_WORDS
from .vocabulary import first_name, function_word, name_word, ordinary_word, surname

__all__ = ["IdentifierRecognizer", "holds_name", "split_identifier"]

_FILE_EXT = (r"docx?|xlsx?|xlsm|csv|pdf|txt|rtf|odt|ods|pptx?|msg|eml|jpe?g|png|gif|heic|tiff?|"
             r"mp3|mp4|m4a|wav|mov|avi|zip|json|xml|vtt|srt|html?|md")
_HAS_EXT = re.compile(rf"\.(?:{_FILE_EXT})$", re.IGNORECASE)
# A token worth splitting: it holds "_", a dot between a character and a letter, or a
# lower-to-upper case change; the look-arounds keep e-mail addresses and URL paths whole.
_TOKEN = re.compile(
    r"(?<![\w@.\-/\\])@?(?=[\w.\-]*(?:_|[A-Za-z0-9]\.[A-Za-z]|[a-z][A-Z]))"
    r"[A-Za-z0-9][\w.\-]*[A-Za-z0-9](?![\w@\-]|\.[A-Za-z0-9])"
)
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_NAME_PREFIX = re.compile(r"^(?:Mc|Mac|Fitz|Van|Von|De|Di|Da|Du|Le|La|St|O)[A-Z]")
_CUE_WORD = r"\b(?:user\s?-?name|login|log-in|handle|screen\s?name|user\s?id|account\s+name|gamertag)"
# "handle" and "login" are verbs and nouns too: the cue needs "is", "was" or a colon after it.
_CUE = re.compile(rf"{_CUE_WORD}(?:\s+(?:is|was)\s+|\s*[:=]\s*)", re.IGNORECASE)
_CUE_BEFORE = re.compile(rf"{_CUE_WORD}(?:\s+(?:is|was)\s+|\s*[:=]\s*)$", re.IGNORECASE)
_CUED_TOKEN = re.compile(r"@?[A-Za-z][\w.\-]*[A-Za-z0-9]")

_WORD = r"(?!(?:at|dot|underscore|dash|hyphen)\b)[a-z0-9]+"
_JOIN = r"\s+(?:dot|underscore|dash|hyphen)\s+"
_SPOKEN_EMAIL = re.compile(rf"\b{_WORD}(?:{_JOIN}{_WORD})*\s+at\s+{_WORD}(?:\s+dot\s+{_WORD})+\b", re.IGNORECASE)
_SPOKEN_ID = re.compile(rf"\b{_WORD}(?:{_JOIN}{_WORD})+\b", re.IGNORECASE)
_SPOKEN_START = re.compile(rf"{_WORD}{_JOIN}", re.IGNORECASE)
_PIECES = re.compile(r"\s+(dot|underscore|dash|hyphen|at)\s+", re.IGNORECASE)
_WRITTEN_GATE = re.compile(r"[_@]|\w\.[A-Za-z]|[a-z][A-Z]")
_CUE_GATE = ("user", "login", "log-in", "handle", "screen", "account name", "gamertag")
_NUMBER_TAIL = re.compile(r"(?:[\s-]+(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r"|\d+)\b)+",
                          re.IGNORECASE)
_SEPARATORS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-", "at": "@"}


def split_identifier(token: str) -> list[str]:
    """Lower-case parts of an identifier: split on ``_ . - @``, case changes and digits."""
    parts = []
    for piece in re.split(r"[_.\-@\s]+", token):
        parts.extend(m.group().lower() for m in _CAMEL.finditer(piece))
    return [p for p in parts if p]


def holds_name(parts: list[str], known: set[str] | frozenset = frozenset()) -> bool:
    """Do these identifier parts hold a person's name? See the module docstring."""
    words = [p for p in parts if p.isalpha()]
    for i, word in enumerate(words):
        if len(word) >= 3 and (word in known or name_word(word)):
            return True
        if len(word) >= 5 and not ordinary_word(word) and (surname(word[1:]) or word[1:] in known):
            return True  # an initial glued to a surname: "bwalsh", "jsmith"
        if i + 1 == len(words):
            break
        nxt = words[i + 1]
        if f"{word} {nxt}" in known:
            return True
        if len(nxt) >= 3 and not function_word(nxt):
            if len(word) == 1 and (surname(nxt) or not ordinary_word(nxt)):
                return True  # "k_brennan", "j.smith"
            if first_name(word) and not ordinary_word(nxt):
                return True  # "gemma_lowther": a first name, then a word that is no everyday one
    return False


def _domain(value: str) -> bool:
    return offline_tld_extractor()(value).suffix != ""


class IdentifierRecognizer(EntityRecognizer):
    """See the module docstring. ``known``: normal form -> (type, participant id) of the
    study's own values, as KnownValuesRecognizer gets them."""

    ENTITIES = ["USERNAME", "FILE_NAME", "EMAIL_ADDRESS"]

    def __init__(self, known: dict[str, tuple[str, str]] | None = None) -> None:
        super().__init__(supported_entities=self.ENTITIES, name="IdentifierRecognizer")
        self.known = frozenset(
            n for n, (kind, pid) in (known or {}).items() if pid or kind in ("Person", "Participant")
        )

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        # Cheap checks first: most turns hold no identifier-shaped token and no cue word.
        results = [self._written(m) for m in _TOKEN.finditer(text)] if _WRITTEN_GATE.search(text) else []
        lower = text.lower()
        if any(cue in lower for cue in _CUE_GATE):
            results += self._cued(text)
        if any(word in lower for word in (" dot ", " underscore ", " dash ", " hyphen ")):
            results += self._spoken(text)
        return [self._result(*r) for r in results if r is not None]

    # --- written --------------------------------------------------------------------------
    def _written(self, match: re.Match):
        token = match.group()
        handle = token.startswith("@")
        body = token.lstrip("@")
        file_name = bool(_HAS_EXT.search(body))
        stem = _HAS_EXT.sub("", body) if file_name else body
        if not handle and not file_name and "_" not in stem and _domain(stem):
            return None  # "example.co.uk", "gov.uk"
        if not handle and "_" not in stem and "." not in stem and "-" not in stem \
                and _NAME_PREFIX.match(stem):
            return None  # "McDonald", "DeSouza": a surname, for the name recognizers
        parts = split_identifier(stem)
        named = holds_name(parts, self.known)
        if file_name:
            return ("FILE_NAME", match.start(), match.end(), 0.6) if named else None
        if named or (handle and ("_" in body or any(p.isdigit() for p in parts))):
            return "USERNAME", match.start(), match.end(), 0.6
        return None

    def _cued(self, text: str) -> list:
        """A token right after "username is", "login:", "handle was"."""
        out = []
        for cue in _CUE.finditer(text):
            start = cue.end()
            token = _CUED_TOKEN.match(text, start)
            if token is None:
                continue
            value = token.group().lstrip("@")
            if _SPOKEN_START.match(text, start):
                continue  # said aloud: the spoken pass handles it
            odd = any(not ch.isalpha() for ch in value) or (len(value) >= 3 and not ordinary_word(value))
            if odd and not function_word(value):
                out.append(("USERNAME", token.start(), token.end(), 0.6))
        return out

    # --- said aloud -----------------------------------------------------------------------
    def _spoken(self, text: str) -> list:
        out = []
        taken: list[tuple[int, int]] = []
        m = _SPOKEN_EMAIL.search(text)
        while m is not None:
            address = _PIECES.sub(lambda p: _SEPARATORS[p.group(1).lower()], m.group())
            local, _, host = address.rpartition("@")
            parts = offline_tld_extractor()(host)
            # "look at it dot com": a function word is no mailbox and no domain.
            if parts.suffix and parts.domain and not function_word(parts.domain) \
                    and not function_word(local):
                out.append(("EMAIL_ADDRESS", m.start(), m.end(), 0.7))
                taken.append((m.start(), m.end()))
                m = _SPOKEN_EMAIL.search(text, m.end())
            else:  # "her at jo dot delaney" is no address, but "jo dot delaney at ..." may be
                m = _SPOKEN_EMAIL.search(text, text.find(" ", m.start()) + 1 or len(text))
        for m in _SPOKEN_ID.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            joined = _PIECES.sub(lambda p: _SEPARATORS[p.group(1).lower()], m.group())
            parts = split_identifier(joined)
            underscore = "_" in joined
            cued = bool(_CUE_BEFORE.search(text[max(0, m.start() - 30):m.start()]))
            if not underscore and _domain(joined):
                continue  # "example dot com" alone is a web address, not a username
            if underscore or cued or holds_name(parts, self.known):
                end = m.end()
                tail = _NUMBER_TAIL.match(text, end)
                if tail and (underscore or cued):
                    end = tail.end()  # "k underscore brennan seventy-four"
                out.append(("USERNAME", m.start(), end, 0.6))
        return out

    def _result(self, entity, start, end, score):
        return RecognizerResult(entity, start, end, score, recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        })
