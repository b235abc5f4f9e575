"""Usernames, file names and e-mail addresses that carry a name, written or said aloud.

Written: a token joined by ``_ . -`` or in camelCase (``k_brennan74``, ``@dee_walcott``,
``HarrietPengelly_carers_assessment.xlsx``) is split into parts, and the parts are tested
against the names the study knows (register, extra identifiers) and the name lists of
``vocabulary``: a first name or surname that is not an everyday word, an initial before or
glued to a surname ("k_brennan", "bwalsh"), or a first name before a word that is not an
everyday one ("gemma_lowther").
A file name that holds a name becomes ``FILE_NAME``; any other such token ``USERNAME``, and so
does any ``@handle`` that is no e-mail address; a token after "username", "login", "handle",
"gamer tag", a platform ("her Discord is", "on Snapchat she's", "she goes by") is a username
whatever its parts, as long as it is no everyday word ("his Instagram is private"). A web
address whose host or path holds a name or a handle ("facebook.com/tamsin.okoro") is a ``URL``,
replaced whole.

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
from .names import word_zipf
from .vocabulary import first_name, function_word, name_word, ordinary_word, surname

__all__ = ["IdentifierRecognizer", "holds_name", "split_identifier"]

_FILE_EXT = (r"docx?|xlsx?|xlsm|csv|pdf|txt|rtf|odt|ods|pptx?|msg|eml|jpe?g|png|gif|heic|tiff?|"
             r"mp3|mp4|m4a|wav|mov|avi|zip|json|xml|vtt|srt|html?|md")
_HAS_EXT = re.compile(rf"\.(?:{_FILE_EXT})$", re.IGNORECASE)
# A token worth splitting: it holds "_", a dot between a character and a letter, or a
# lower-to-upper case change; the look-arounds keep e-mail addresses and URL paths whole.
_TOKEN = re.compile(
    r"(?<![\w@.\-/\\])@?(?=[\w.\-]*(?:_|[A-Za-z0-9]\.[A-Za-z]|[a-z][A-Z]|[A-Za-z]{3}\d\d))"
    r"[A-Za-z0-9][\w.\-]*[A-Za-z0-9](?![\w@\-]|\.[A-Za-z0-9])"
)
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_NAME_PREFIX = re.compile(r"^(?:Mc|Mac|Fitz|Van|Von|De|Di|Da|Du|Le|La|St|O)[A-Z]")
_PLATFORM = (r"(?:instagram|insta|twitter|tiktok|snapchat|snap|facebook|youtube|twitch|reddit|discord|"
             r"xbox(?:\s+live)?|playstation|psn|steam|threads|bluesky|mastodon|linkedin|telegram|"
             r"skype|roblox|minecraft|fortnite|tumblr|pinterest|gmail|hotmail|outlook|yahoo|icloud|ebay|"
             r"vinted|etsy|strava|whatsapp|wechat)")
_CUE_WORD = (r"\b(?:user\s?-?name|login|log-in|handle|screen\s?name|user\s?id|account\s+name|"
             r"gamer\s?-?tag|gamer\s?name|display\s+name|profile\s+name|"
             rf"{_PLATFORM}(?:\s+(?:name|handle|user\s?name|tag|id|account|page))?)")
# "handle" and "login" are verbs and nouns too: the cue needs "is", "was" or a colon after it,
# perhaps after a place ("my handle on there is", "her username on the carers' forum is").
_CUE_TAIL = (r"(?:\s+(?:name|id|handle|tag))?(?:['\u2019]s)?(?:\s+(?:on|in|for|at)\s+(?:[\w'\u2019]+\s+){0,3}?[\w'\u2019]+)?"
             r"(?:\s+(?:is|was)\s+|\s*[:=]\s*|['\u2019]s\s+)")
# "On Snapchat she's kez.m.22", "on Facebook she goes by Sarah T 84".
_ON_PLATFORM = (rf"\bon\s+{_PLATFORM}\s+(?:at|as)\s+|\bon\s+{_PLATFORM},?\s+(?:she|he|they|i|we|you)(?:['\u2019]s|['\u2019]m|['\u2019]re|\s+is|\s+am|\s+are|"
                r"\s+was|\s+were)?(?:\s+(?:goes|go|went)\s+by|\s+calls?\s+\w+self|\s+called)?\s+")
_CUE = re.compile(rf"{_CUE_WORD}{_CUE_TAIL}|{_ON_PLATFORM}", re.IGNORECASE)
_CUE_BEFORE = re.compile(rf"(?:{_CUE_WORD}{_CUE_TAIL}|{_ON_PLATFORM})$", re.IGNORECASE)
# A handle, and what a speaker adds to one aloud: "Sarah T 84".
_CUED_TOKEN = re.compile(r"@?[A-Za-z0-9][\w.\-#/]*[A-Za-z0-9](?:\s+(?:[A-Z]|\d{1,4})\b)*")

_WORD = r"(?!(?:at|dot|underscore|dash|hyphen)\b)[a-z0-9]+"
_JOIN = r"\s+(?:dot|underscore|dash|hyphen)\s+"
_SPOKEN_EMAIL = re.compile(rf"\b{_WORD}(?:{_JOIN}{_WORD})*\s+at\s+{_WORD}(?:\s+dot\s+{_WORD})+\b", re.IGNORECASE)
_SPOKEN_ID = re.compile(rf"\b{_WORD}(?:{_JOIN}{_WORD})+\b", re.IGNORECASE)
_SPOKEN_START = re.compile(rf"{_WORD}{_JOIN}", re.IGNORECASE)
_PIECES = re.compile(r"\s+(dot|underscore|dash|hyphen|at)\s+", re.IGNORECASE)
_WRITTEN_GATE = re.compile(r"[_@]|\w\.[A-Za-z]|[a-z][A-Z]|[A-Za-z]{3}\d\d")
_TIME = re.compile(r"^\d{1,2}(?:[:.]\d{2})?(?:am|pm)?$", re.IGNORECASE)
_CUE_GATE = ("user", "login", "log-in", "handle", "screen", "account name", "gamer", "display name", "profile",
             "instagram", "insta", "twitter", "tiktok", "snap", "facebook", "youtube", "twitch", "reddit",
             "discord", "xbox", "playstation", "psn", "steam", "threads", "bluesky", "mastodon",
             "linkedin", "telegram", "skype", "roblox", "minecraft", "fortnite", "tumblr", "pinterest",
             "gmail", "hotmail", "outlook", "yahoo", "icloud", "ebay", "vinted", "etsy", "strava", "whatsapp",
             "wechat")
# "@grandmaglo": an @ before a name that is no e-mail address is a handle.
_HANDLE = re.compile(r"(?<![\w@.])@(?=[\w.]*[A-Za-z])[A-Za-z0-9_](?:[\w.]*\w)?")
# A web address with a path: "facebook.com/tamsin.okoro", "www.example.org/people/derek-ashworth70".
_URL = re.compile(
    r"(?<![\w@.\-/])(?:https?://)?(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,}(?::\d+)?/[^\s<>\"']*[^\s<>\"'.,;:!?)\]]"
)
_NUMBER_TAIL = re.compile(r"(?:[\s-]+(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r"|\d+)\b)+",
                          re.IGNORECASE)
# A handle said as words and a number: "sneaky panda ninety nine".
_SAID_HANDLE = re.compile(r"([A-Za-z]+(?:\s+[A-Za-z]+){0,2}?)" + _NUMBER_TAIL.pattern + r"(?!\s*(?:pounds|quid|%|years|times))",
                          re.IGNORECASE)
_RARE_WORD = 3.3
_STATE_WORD = re.compile(r"(?:ed|ing|ly|able|ible)$", re.IGNORECASE)
_PLATFORM_ONLY = re.compile(rf"{_PLATFORM}\s+(?:is|was)\s+$", re.IGNORECASE)
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

    ENTITIES = ["USERNAME", "FILE_NAME", "EMAIL_ADDRESS", "URL"]

    def __init__(self, known: dict[str, tuple[str, str]] | None = None) -> None:
        super().__init__(supported_entities=self.ENTITIES, name="IdentifierRecognizer")
        self.known = frozenset(
            n for n, (kind, pid) in (known or {}).items() if pid or kind in ("Person", "Participant")
        )

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        # Cheap checks first: most turns hold no identifier-shaped token and no cue word.
        results = []
        if "/" in text:
            results += self._urls(text)
        if _WRITTEN_GATE.search(text):
            urls = [(r[1], r[2]) for r in results]
            results += [self._written(m) for m in _TOKEN.finditer(text)
                        if not any(a <= m.start() < b for a, b in urls)]
        if "@" in text:
            results += [("USERNAME", m.start(), m.end(), 0.6) for m in _HANDLE.finditer(text)
                        if not (m.group()[1:].isdigit() or _TIME.match(m.group()[1:]))]
        lower = text.lower()
        if any(cue in lower for cue in _CUE_GATE):
            results += self._cued(text)
        if any(word in lower for word in (" dot ", " underscore ", " dash ", " hyphen ")):
            results += self._spoken(text)
        # One type per span; what a cue says (added last) outranks the shape of the token.
        unique = {(r[1], r[2]): r for r in results if r is not None}
        return [self._result(*r) for r in unique.values()]

    # --- written --------------------------------------------------------------------------
    def _written(self, match: re.Match):
        token = match.group()
        handle = token.startswith("@")
        body = token.lstrip("@")
        file_name = bool(_HAS_EXT.search(body))
        stem = _HAS_EXT.sub("", body) if file_name else body
        if not handle and not file_name and "_" not in stem and _domain(stem):
            # "example.co.uk", "gov.uk" stay; a domain holding a name is someone's address.
            named = holds_name(split_identifier(offline_tld_extractor()(stem).domain), self.known)
            return ("URL", match.start(), match.end(), 0.6) if named else None
        if not handle and "_" not in stem and "." not in stem and "-" not in stem \
                and _NAME_PREFIX.match(stem):
            return None  # "McDonald", "DeSouza": a surname, for the name recognizers
        if not handle and not file_name and "_" not in stem and stem.upper() == stem:
            return None  # "HOLLI711254GR9KT", "INC0048213": codes, for the reference recognizer
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
            end = token.end()
            while text[token.start():end].endswith((" I", " A")):
                end -= 2  # "... is Sarah T 84 I think": the speaker's "I", not the handle's
            value = text[token.start():end].lstrip("@")
            if _SPOKEN_START.match(text, start):
                continue  # said aloud: the spoken pass handles it
            said = _SAID_HANDLE.match(text, start)
            if said and not any(function_word(w) for w in said.group(1).split()):
                out.append(("USERNAME", start, said.end(), 0.6))  # "sneaky panda ninety nine"
                continue
            odd = any(not ch.isalpha() for ch in value) or (len(value) >= 3 and not ordinary_word(value))
            # After "username was" even a dictionary word is a name if English rarely uses it
            # ("bluebottle"); "broken", "hacked", "private" stay.
            rare = (value.isalpha() and len(value) >= 5 and word_zipf(value.lower()) < _RARE_WORD
                    and not _STATE_WORD.search(value) and not _PLATFORM_ONLY.match(cue.group()))
            if (odd or rare) and not function_word(value) and any(ch.isalpha() for ch in value):
                out.append(("USERNAME", token.start(), end, 0.6))
        return out

    def _urls(self, text: str) -> list:
        """A web address whose host or path holds a name or a handle: the whole address goes."""
        out = []
        for m in _URL.finditer(text):
            address = m.group()
            host, _, path = address.split("://")[-1].partition("/")
            parts = offline_tld_extractor()(host)
            if not parts.suffix:
                continue  # "and/or", "24/7", "1/2"
            # Each piece on its own: a name needs two parts ("tamsin.okoro", "derek-ashworth70"),
            # so "/forum/14" or "/news" is no one, unless the study knows the word as a name.
            pieces = [p for p in re.split(r"[/?=&#]", path) if p] + [parts.subdomain]
            for piece in pieces:
                words = split_identifier(piece)
                if piece.startswith("@") or any(w in self.known for w in words) or (
                        len(words) >= 2 and holds_name(words, self.known)):
                    out.append(("URL", m.start(), m.end(), 0.65))
                    break
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
