"""Values spelt out letter by letter, with digits said or written singly: "that's O-K-W-U-O-S-A",
"N G five, one A Z", "my reference is A as in alpha, four four seven, nine, K for kilo, two",
"Whiskey Victor one seven, Foxtrot Papa Oscar", "Z E 4 1 7 7 0 3 B".

A run of single letters, phonetic-alphabet words, "X as in Y" / "X for Y" and number words is
turned into the string it spells ("NG51AZ", "A4479K2", "WV17FPO"), which is then judged by its
shape and the words before it, as a written value would be: a UK postcode, an NI number, a
registration plate or a driving licence by shape; an ID, passport or licence number after its cue
(``references.find_cue``) or when it mixes two letters or more with three digits or more; a name
when only letters are spelt, joined by hyphens ("O-K-W-U-O-S-A") or after a spelling cue
("spelt", "that's"), and the letters make no everyday word. "As easy as A-B-C", "a U-turn",
"November 2024" and "I for one" stay.

Hand-written: no maintained package reads spelling alphabets or mixed letter-and-number runs.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult

from .recognizers import UkPostcodeRecognizer
from .references import _LICENCE, _VEHICLE, find_cue, nino_shape
from .spoken import NUMBER_WORDS, spoken_digits
from .vocabulary import ordinary_word

__all__ = ["SpelledRecognizer", "spell_out"]

_NATO = {
    w: w[0].upper() for w in (
        "alpha alfa bravo charlie delta echo foxtrot golf hotel india juliet juliett kilo lima mike "
        "november oscar papa quebec romeo sierra tango uniform victor whiskey whisky xray yankee zulu"
    ).split()
}
_TOKEN = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)*|\d+")
# Between two spelt tokens: spaces, one comma or hyphen, or a dot with no space ("N.P.").
_JOIN = re.compile(r"^(?:\s*[,\-]?\s*|\.)$")
# "A as in alpha", "K for kilo", "S for Sugar": the word after repeats the letter.
_AS_IN = re.compile(r"\s+(?:as\s+in|for|like)\s+([A-Za-z]+)\b", re.IGNORECASE)
# A spelling cue: a spelling verb earlier in the clause ("he spelt it for me, B R A D..."), or a
# naming phrase right before the letters ("that's O K W U...", "surname is N W O S U").
_SPELL_CUE = re.compile(
    r"\b(?:spelt|spelled|spell|spells|spelling)\b[^.!?]{0,30}$"
    r"|\b(?:that['\u2019]?s|that\s+is|it['\u2019]?s|surname|name['\u2019]?s|name\s+is)\s*[,:]?\s*$", re.IGNORECASE)
_ECHO = re.compile(r"\b([A-Za-z]+(?:['\u2019][A-Za-z]+)?)\s*[,:.\-]?\s*(?:(?:that['\u2019]?s|it['\u2019]?s|so)\s*[,:]?\s*)?$",
                   re.IGNORECASE)
_POSTCODE = re.compile(rf"^(?:{UkPostcodeRecognizer.PATTERN[3:-3]})$")
# Cheap first check: a one-letter token other than "a" and "I", a phonetic word or a joiner.
_ONE_LETTER = re.compile(r"(?<![\w'\u2019])[b-hj-zB-HJ-Z](?![\w'\u2019])")


def _could_spell(text: str) -> bool:
    if _ONE_LETTER.search(text):
        return True
    lower = text.lower()
    return any(word in lower for word in _NATO) or any(f" {word} " in lower for word in _JOINER_WORDS)

_GATE = re.compile(
    r"(?<![\w'\u2019])[A-Za-z][\s,.\-]+(?:[A-Za-z0-9](?![\w'\u2019])|(?:zero|oh|one|two|three|four|five|"
    r"six|seven|eight|nine|ten|twenty|double|as\s+in|for)\b)|\b(?:" + "|".join(_NATO) + r")\b[\s,]+\w"
    r"|\s(?:dash|hyphen|slash|stroke)\s",
    re.IGNORECASE,
)


# Said between spelt characters and kept out of the value: "r e f dash two two nine one".
_JOINER_WORDS = {"dash", "hyphen", "slash", "stroke", "space"}


def _kind(token: str) -> str:
    lower = token.lower()
    if lower in _JOINER_WORDS:
        return "join"
    if len(token) == 1 and token.isalpha():
        return "letter"
    if lower in _NATO:
        return "nato"
    if lower in NUMBER_WORDS or (token.isdigit() and len(token) <= 4):
        return "number"
    return "other"


def spell_out(tokens: list[tuple[str, str, int, int]], text: str) -> tuple[str, int, int]:
    """The string a run spells, with its count of letters and digits. ``tokens`` are
    (kind, token, start, end); number words go through ``spoken.spoken_digits``."""
    out: list[str] = []
    letters = digits = 0
    i = 0
    while i < len(tokens):
        kind, token, start, _ = tokens[i]
        if kind == "number":
            j = i
            while j + 1 < len(tokens) and tokens[j + 1][0] == "number":
                j += 1
            groups, _ = spoken_digits(text[start:tokens[j][3]])
            said = "".join(g.lstrip("+") for g in groups)
            out.append(said)
            digits += len(said)
            i = j + 1
            continue
        if kind != "join":
            out.append(token[0].upper())
            letters += 1
        i += 1
    return "".join(out), letters, digits


class SpelledRecognizer(EntityRecognizer):
    """See the module docstring.

    Named a context recognizer: a value someone spells out letter by letter is named in context,
    which is the evidence ``evidence.gather`` asks of a name before replacing it study-wide.
    """

    ENTITIES = ["PERSON", "UK_POSTCODE", "UK_NINO", "VEHICLE_REG", "DRIVING_LICENCE", "ID_NUMBER", "PASSPORT"]

    def __init__(self) -> None:
        super().__init__(supported_entities=self.ENTITIES, name="SpelledContextRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if not _could_spell(text) or not _GATE.search(text):
            return []
        results = []
        for run in self._runs(text):
            # A speaker's "a" or "I" may touch the letters: "r d i think", "is a b c one".
            candidates = [run]
            if run[-1][0] == "letter" and run[-1][1].lower() in ("a", "i"):
                candidates.append(run[:-1])
            if run[0][0] == "letter" and run[0][1].lower() in ("a", "i"):
                candidates.append(run[1:])
            for candidate in candidates:
                if len(candidate) < 3:
                    continue
                found = self._judge(text, candidate)
                if found is not None:
                    results.append(self._result(found, candidate[0][2], candidate[-1][3]))
                    echo = self._echo(text, candidate) if found == "PERSON" else None
                    if echo is not None:
                        results.append(self._result("PERSON", *echo))
                    break
        return results

    def _result(self, entity: str, start: int, end: int) -> RecognizerResult:
        return RecognizerResult(entity, start, end, 0.7, recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        })

    @staticmethod
    def _echo(text: str, run: list) -> tuple[int, int] | None:
        """The word the letters spell, said just before them ("Okafor, O-K-A-F-O-R")."""
        spelt = "".join(t[1][0] for t in run).lower()
        before = _ECHO.search(text[max(0, run[0][2] - len(spelt) - 20):run[0][2]])
        if before is None or before.group(1).lower() != spelt:
            return None
        start = max(0, run[0][2] - len(spelt) - 20) + before.start(1)
        return start, start + len(spelt)

    @staticmethod
    def _runs(text: str) -> list[list[tuple[str, str, int, int]]]:
        """Maximal runs of spelt tokens: (kind, token, start, end) each, "X as in Y" folded."""
        runs: list[list] = []
        run: list = []
        pos = 0
        prev_end = None
        while True:
            m = _TOKEN.search(text, pos)
            if m is None:
                break
            token, start, end = m.group(), m.start(), m.end()
            kind = _kind(token)
            if kind == "letter":
                said = _AS_IN.match(text, end)
                if said and said.group(1)[0].lower() == token.lower():
                    end = said.end()
                    kind = "said"
            separator = text[prev_end:start] if prev_end is not None else ""
            joined = prev_end is not None and _JOIN.match(separator)
            # Letters joined by hyphens end where the hyphens end: "F-A-R-R-U-K-H, two Rs".
            hyphens = len(run) >= 2 and text[run[0][3]:run[1][2]] == "-"
            if kind == "other" or not joined or (hyphens and separator != "-"):
                if run:
                    runs.append(run)
                run = []
            if kind != "other":
                run.append((kind, token, start, end))
            prev_end = end
            pos = end
        if run:
            runs.append(run)
        return [r for r in (SpelledRecognizer._trim(r) for r in runs) if len(r) >= 3]

    @staticmethod
    def _trim(run: list) -> list:
        """Phonetic words count only beside another spelt letter ("Mike" alone is a name), and
        an "a" or "I" at either end is English unless letters are being spelt around it."""
        letters = sum(k in ("letter", "said") for k, *_ in run)
        natos = sum(k == "nato" for k, *_ in run)
        if natos and natos + letters < 2:
            run = [t for t in run if t[0] != "nato"]
        while run and run[0][0] == "join":
            run = run[1:]
        while run and run[-1][0] == "join":
            run = run[:-1]
        while run and run[0][1] in ("a", "I", "i", "A") and run[0][0] == "letter" and letters < 3:
            run = run[1:]
        while run and run[-1][1] in ("a", "I", "i", "A") and run[-1][0] == "letter" and letters < 3:
            run = run[:-1]
        return run

    @staticmethod
    def _judge(text: str, run: list) -> str | None:
        start = run[0][2]
        value, letters, digits = spell_out(run, text)
        cue = find_cue(text[:start])
        kind = cue[0] if cue else None
        if not letters:
            # "two zero two four slash one one eight seven" after "case number was": a number
            # said in parts is an ID only after a cue that names one.
            joined = any(t[0] == "join" for t in run)
            return kind if joined and cue and cue[1] and kind != "UK_NINO" and digits >= 4 else None
        if len(value) < 4:
            return None
        if letters >= 2 and digits and _POSTCODE.match(value):
            return "UK_POSTCODE"
        if nino_shape(value, cued=kind == "UK_NINO"):
            return "UK_NINO"
        if _VEHICLE.match(value) and digits:
            return "VEHICLE_REG"
        if _LICENCE.match(value):
            return "DRIVING_LICENCE"
        if digits:
            if kind and kind != "UK_NINO":
                return kind
            return "ID_NUMBER" if letters >= 2 and digits >= 3 and len(value) >= 6 else None
        # Only letters: a spelt name, if spelt as one and no everyday word.
        singles = all(k in ("letter", "said") for k, *_ in run)
        hyphenated = all(text[a[3]:b[2]] == "-" for a, b in zip(run, run[1:]))
        cued = bool(_SPELL_CUE.search(text[max(0, start - 40):start]))
        capitals = all(t[1].isupper() for t in run)
        echoed = SpelledRecognizer._echo(text, run) is not None
        if singles and (cued or echoed or (hyphenated and letters >= 4 and capitals)) \
                and not ordinary_word(value.lower()):
            return "PERSON"
        return None
