"""Numbers said as words: "oh seven seven double-oh, nine double-oh, three one six",
"seven seven zero zero nine ...", "forty, eleven, sixty-two" after "sort code", an IP address
read out with "dot", and an NI number spelt "J T four eight two one six seven B". Dates said in
words are ``birthdates``' business, with the day and year forms defined here.

A run of number words is found as a span of the original text, turned into digits, and then
judged by ``numbers.classify_digits`` exactly as a written number is: a phone spoken is a
phone, a card a card; seven or more digits of no known shape are still a ``NUMBER``.

Hand-written rather than a words-to-number package: text2num, word2number and numerizer read
"seven seven zero zero" as arithmetic (7 7 009...), not as digits, and none knows "oh" for zero
or "double oh" / "treble". Amounts, years and times stay numbers here too but are too short, or
lack digits read singly ("nineteen eighty-four", "two hundred and fifty", "ten past two").
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult

from .numbers import classify_digits

__all__ = ["NUMBER_WORDS", "SpokenNumberRecognizer", "spoken_digits"]

_UNITS = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine".split())}
_UNITS.update({"oh": "0", "o": "0", "nought": "0"})
_TEENS = {w: str(10 + i) for i, w in enumerate(
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: str(20 + 10 * i) for i, w in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split())}
_TENS["fourty"] = "40"
_REPEAT = {"double": 2, "treble": 3, "triple": 3}
_SCALE = {"hundred": "00", "thousand": "000"}
NUMBER_WORDS = {**_UNITS, **_TEENS, **_TENS, **_REPEAT, **_SCALE}

_TOKEN = r"(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r"|\d+)"
# Tokens joined by spaces, hyphens and commas ("double-oh", "sixty-two", "0115, four nine six"),
# or by "dot" for an IP address; "plus" may open an international number. Three tokens at
# least: even a sort code said in pairs has three. Matched on the
# lower-cased text where that keeps offsets (a case-blind regex costs three times as much).
_RUN_TEXT = rf"(?:\bplus\s+)?\b{_TOKEN}(?:(?:\s*[,-]\s*|\s+|\s+dot\s+){_TOKEN}){{2,}}\b"
_RUN = re.compile(_RUN_TEXT)
_RUN_ANY_CASE = re.compile(_RUN_TEXT, re.IGNORECASE)
_PIECE = re.compile(rf"(\s+dot\s+|[\s,-]+)?({_TOKEN}|plus)\b", re.IGNORECASE)
_ORDINAL = (r"(?:(?:twenty|thirty)[\s-])?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
            r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|"
            r"eighteenth|nineteenth|twentieth|thirtieth|\d{1,2}(?:st|nd|rd|th)?")
_YEAR_PART = r"(?:oh|" + "|".join([*_UNITS, *_TEENS, *_TENS, "hundred"]) + r")"
_YEAR = (rf"(?:(?:nineteen|twenty)(?:[\s-]+{_YEAR_PART}){{1,2}}"
         rf"|two\s+thousand(?:\s+and)?(?:[\s-]+{_YEAR_PART}){{0,2}}|(?:19|20)\d{{2}})")
_NINO_LETTERS = re.compile(r"\b([A-Za-z])[\s.]*([A-Za-z])[\s.]+$")
_NINO_SUFFIX = re.compile(r"^[\s.,]+([A-Da-d])\b")
_NINO_CONTEXT = re.compile(r"national insurance|\bn\.?\s?i\.?\s+(?:number|no)\b|\bnino\b", re.IGNORECASE)


def spoken_digits(run: str) -> tuple[list[str], int]:
    """The digit groups of a spoken run (split at "dot") and how many digits were said singly.

    "oh seven seven double-oh" -> (["07700"], 4); "nine hundred" -> (["900"], 1);
    "forty, eleven, sixty-two" -> (["401162"], 0); "one nine two dot zero" -> (["192", "0"], 4).
    """
    groups: list[list[str]] = [[]]
    singles = 0
    plus = False
    pieces = [(sep or "", tok.lower()) for sep, tok in _PIECE.findall(run)]
    i = 0
    while i < len(pieces):
        sep, tok = pieces[i]
        nxt_sep, nxt = pieces[i + 1] if i + 1 < len(pieces) else ("", "")
        if "dot" in sep.lower():
            groups.append([])
        chunks = groups[-1]
        if tok == "plus":
            plus = True
        elif tok in _REPEAT and nxt in _UNITS and "dot" not in nxt_sep.lower():
            chunks.append(_UNITS[nxt] * _REPEAT[tok])
            singles += 1
            i += 1
        elif tok in _UNITS:
            chunks.append(_UNITS[tok])
            singles += 1
        elif tok in _TENS:
            # "sixty-two" and "sixty two" are one number; "sixty, two" and "sixty oh" are not.
            if nxt in _UNITS and nxt not in ("zero", "oh", "o", "nought") and "," not in nxt_sep \
                    and "dot" not in nxt_sep.lower():
                chunks.append(_TENS[tok][0] + _UNITS[nxt])
                i += 1
            else:
                chunks.append(_TENS[tok])
        elif tok in _TEENS:
            chunks.append(_TEENS[tok])
        elif tok in _SCALE:
            if chunks:
                chunks[-1] += _SCALE[tok]
            else:
                chunks.append("1" + _SCALE[tok])
        elif tok.isdigit():
            chunks.append(tok)
        i += 1
    out = ["".join(g) for g in groups]
    if plus and out:
        out[0] = "+" + out[0]
    return out, singles


def _counting(digits: str) -> bool:
    """"one two three four five six seven" is counting, not a number."""
    steps = {int(b) - int(a) for a, b in zip(digits, digits[1:])}
    return len(digits) >= 5 and steps in ({1}, {-1})


class SpokenNumberRecognizer(EntityRecognizer):
    """Phones, NHS numbers, cards, bank details, IP and NI numbers said as words; any other
    run of 7+ digits read out singly becomes ``NUMBER``."""

    ENTITIES = ["NUMBER", "PHONE_NUMBER", "UK_NHS", "CREDIT_CARD", "BANK_ACCOUNT", "IP_ADDRESS", "UK_NINO",
                "ID_NUMBER", "PASSPORT"]

    def __init__(self) -> None:
        super().__init__(supported_entities=self.ENTITIES, name="SpokenNumberRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        results = []
        lower = text.lower()
        runs = _RUN.finditer(lower) if len(lower) == len(text) else _RUN_ANY_CASE.finditer(text)
        for run in runs:
            if not any(ch.isalpha() for ch in run.group()):
                continue  # written digits are the written recognizers' business
            found = self._judge(text, run.start(), run.end(), text[run.start():run.end()])
            if found is not None:
                entity, start, end, score = found
                results.append(self._result(entity, start, end, score))
        return results

    def _result(self, entity, start, end, score):
        return RecognizerResult(entity, start, end, score, recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        })

    def _judge(self, text: str, start: int, end: int, run: str):
        groups, singles = spoken_digits(run)
        if len(groups) == 4 and all(g.isdigit() and len(g) <= 3 and int(g) <= 255 for g in groups):
            return "IP_ADDRESS", start, end, 0.6
        if len(groups) != 1:
            return None
        digits = groups[0]
        plain = digits.lstrip("+")
        if len(plain) == 6 and singles >= 3:
            nino = self._nino(text, start, end)
            if nino is not None:
                return nino
        if _counting(plain):
            return None
        entity = classify_digits(digits, text[:start])
        if entity is None or (singles < 3 and entity != "BANK_ACCOUNT"):
            return None  # "nineteen eighty-four", "two hundred thousand": no digits read singly
        return entity, start, end, 0.5 if entity == "NUMBER" else 0.6

    @staticmethod
    def _nino(text: str, start: int, end: int):
        """Two letters, six digits, a letter A-D: "J T four eight two one six seven B"."""
        before = _NINO_LETTERS.search(text[max(0, start - 12):start])
        after = _NINO_SUFFIX.match(text[end:end + 4])
        if before is None or after is None:
            return None
        first, second = before.group(1), before.group(2)
        lower = not (first.isupper() and second.isupper() and after.group(1).isupper())
        if lower and not _NINO_CONTEXT.search(text[max(0, start - 60):start]):
            return None  # lower-case single letters are too often words ("a", "i")
        if first.upper() in "DFIQUV" or second.upper() in "DFIOQUV":
            return None
        begin = max(0, start - 12) + before.start()
        return "UK_NINO", begin, end + after.end(), 0.6
