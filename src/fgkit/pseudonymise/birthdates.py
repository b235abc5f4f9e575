"""Dates of birth in the forms people say and write them, told by the birth words around them.

"born on the third of March nineteen fifty-two", "DOB 03.03.52", "date of birth: 1952-03-03",
"born 9th Jan 1961", "her birthday's the 9th of November", "Mum's birthday is April the
second", "born in March 1952", "he gave his date of birth, after a lot of looking, as the
twenty-first of October, nineteen thirty-eight", "14/11/38 is his date of birth".

A date counts only with a birth word ("born", "DOB", "date of birth", "birthday") before it in
the same sentence with no other date between, or right after it ("... is her birthday"), so
meeting dates, deadlines and "from April to June" stay. A day and month with no year count too
(with an age or a record they give the date away); a year alone ("born in 1952") does not: it
says no more than an age does.

Complements ``recognizers.DateOfBirthRecognizer`` (written dates within 30 characters of the
birth word); Presidio keeps the longer span where both find a date.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult

from .spoken import _ORDINAL, _YEAR

__all__ = ["BirthDateRecognizer"]

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = rf"(?:{_ORDINAL})"
_YEAR_ANY = rf"(?:{_YEAR}|['\u2019]\d{{2}}|\d{{2}}(?!\d))"
_DATE = re.compile(
    r"(?<![\w/.\-])(?:"
    r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?![\w/.\-]\d)"          # 03/03/1952, 03.03.52
    r"|(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?!\d)"                             # 1952-03-03
    rf"|\d{{1,2}}[-/]{_MONTH}[-/](?:\d{{4}}|\d{{2}})(?!\d)"                 # 07-Mar-1962
    rf"|(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR_ANY})?"     # the 3rd of March 1952
    rf"|{_MONTH}\s+(?:the\s+)?{_DAY}(?:,?\s+{_YEAR})?"                   # March the third, 1952
    rf"|{_MONTH},?\s+(?:of\s+)?{_YEAR}"                                  # March 1952
    r")(?![\w])",
    re.IGNORECASE,
)
_BIRTH = re.compile(
    r"\b(?:turn(?:s|ed|ing)?\s+(?:\d{1,3}|[a-z]+(?:-[a-z]+)?)\s+on|born(?!-)|d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|birth\s?-?date|birthday|b-?day)(?:['\u2019]s)?",
    re.IGNORECASE,
)
_BIRTH_AFTER = re.compile(
    r"^,?\s+(?:is|was)\s+(?:her|his|my|their|your|the)\s+(?:birthday|date\s+of\s+birth|d\.?o\.?b)\b",
    re.IGNORECASE,
)
_WINDOW = 90
_SENTENCE_END = re.compile(r"[!?]|\.\s+[A-Z]|\n")
_YEAR_BETWEEN = re.compile(r"\b(?:19|20)\d{2}\b")
_NEW_CLAUSE = re.compile(r"\s(?:and|but|so|then|while|whereas)\s|;", re.IGNORECASE)
_GATE = ("born", "birth", "dob", "d.o.b", "bday", "b-day", "turn")


class BirthDateRecognizer(EntityRecognizer):
    """See the module docstring. Runs only on texts holding a birth word."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["DATE_OF_BIRTH"], name="BirthDateRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        lower = text.lower()
        if not any(word in lower for word in _GATE):
            return []
        results = []
        previous_end = 0
        for date in _DATE.finditer(text):
            start = date.start()
            if date.group().lower().startswith("the "):
                start += 4
            if self._cued(text, previous_end, date.start()) or _BIRTH_AFTER.match(text[date.end():date.end() + 40]):
                results.append(RecognizerResult("DATE_OF_BIRTH", start, date.end(), 0.85, recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                }))
            previous_end = date.end()
        return results

    @staticmethod
    def _cued(text: str, previous_end: int, start: int) -> bool:
        """A birth word before the date, in its sentence, with no other date between."""
        window_start = max(previous_end, start - _WINDOW)
        cues = list(_BIRTH.finditer(text, window_start, start))
        if not cues:
            return False
        between = text[cues[-1].end():start]
        # "born in 1952 and she's 71, and the meeting is on 12/05/2025": a year or a new clause
        # between the birth word and a distant date means the date is of something else.
        if _SENTENCE_END.search(between) or _YEAR_BETWEEN.search(between):
            return False
        return len(between) <= 30 or not _NEW_CLAUSE.search(between)
