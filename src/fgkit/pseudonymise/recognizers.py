"""Presidio recognizers for UK social-care speech, plus the study's own name list.

All recognizers run on the spaCy Doc the pipeline already made (``nlp_artifacts.tokens``), so
none of them calls a model. Presidio's entity names are used inside detection; ``PRESIDIO_TYPES``
maps them onto fgkit's placeholder types.
"""

from __future__ import annotations

import re
from functools import lru_cache

from presidio_analyzer import (
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.predefined_recognizers import EmailRecognizer, NhsRecognizer

from .vocabulary import CALENDAR_WORDS, common_first_name, lowercase_first_name, ordinary_value
from .names import normalise, opens_sentence, ordinary_word_is_name, word_zipf

__all__ = [
    "PRESIDIO_TYPES",
    "DateOfBirthRecognizer",
    "KnownValuesRecognizer",
    "NameHeuristicRecognizer",
    "NoContextEnhancer",
    "OfflineEmailRecognizer",
    "UkNhsNumberRecognizer",
    "UkPhoneRecognizer",
    "UkPostcodeRecognizer",
    "offline_tld_extractor",
]

PRESIDIO_TYPES = {
    "PARTICIPANT": "Participant",
    "PERSON": "Person",
    "LOCATION": "Place",
    "ORGANIZATION": "Organisation",
    "PHONE_NUMBER": "Phone",
    "EMAIL_ADDRESS": "Email",
    "UK_NHS": "NHS number",
    "UK_POSTCODE": "Postcode",
    "DATE_OF_BIRTH": "Date of birth",
    "CREDIT_CARD": "Card number",
    "BANK_ACCOUNT": "Bank account",
    "UK_NINO": "NI number",
    "IP_ADDRESS": "IP address",
    "USERNAME": "Username",
    "FILE_NAME": "File name",
    "NUMBER": "Number",
    "ID_NUMBER": "ID number",
    "VEHICLE_REG": "Vehicle registration",
    "PASSPORT": "Passport number",
    "DRIVING_LICENCE": "Driving licence",
    "URL": "URL",
}
TYPE_TO_PRESIDIO = {v: k for k, v in PRESIDIO_TYPES.items()}


@lru_cache(maxsize=1)
def offline_tld_extractor():
    """tldextract on its bundled public-suffix snapshot: no cache directory, no fetch."""
    import tldextract

    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


class NoContextEnhancer(ContextAwareEnhancer):
    """Scores stand as the recognizers gave them. Presidio's lemma-based enhancer needs the
    lemmatizer this pipeline leaves out, and the birth-date recognizer reads its own context."""

    def __init__(self) -> None:
        super().__init__(
            context_similarity_factor=0.0, min_score_with_context_similarity=0.0,
            context_prefix_count=0, context_suffix_count=0,
        )

    def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
        return raw_results


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer, validating domains without touching the network."""

    def validate_result(self, pattern_text: str) -> bool:
        return offline_tld_extractor()(pattern_text).fqdn != ""


class UkPhoneRecognizer(PatternRecognizer):
    """UK numbers in national (0115 496 0123, 07700 900123, (01632) 960001) and +44 formats.

    A regex rather than python-phonenumbers: the latter validates against live allocations, so
    it rejects Ofcom's drama ranges and costs more than the NER model on digit-heavy text.
    """

    PATTERN = (
        r"(?<![\w+])(?:(?:\+|00)44\s?\(?0?\)?\s?|\(?0)"
        r"(?:\d\)?[\s-]?){8,9}\d(?!\d)"
    )

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            patterns=[Pattern("UK phone", self.PATTERN, 0.7)],
            name="UkPhoneRecognizer",
        )

    def validate_result(self, pattern_text: str) -> bool:
        digits = re.sub(r"\D", "", pattern_text)
        national = (digits.removeprefix("44")).lstrip("0")
        return 9 <= len(national) <= 10 and not national.startswith("0")


class UkNhsNumberRecognizer(NhsRecognizer):
    """Ten digits (3-3-4) whose mod-11 check digit is valid."""


class UkPostcodeRecognizer(PatternRecognizer):
    """UK postcodes ("NG7 2RD", "ng72rd"), scored high: in speech they are rarely anything else."""

    PATTERN = (
        r"\b(GIR\s?0AA"
        r"|[A-PR-UWYZ][0-9][ABCDEFGHJKPSTUW]?\s?[0-9][ABD-HJLNP-UW-Z]{2}"
        r"|[A-PR-UWYZ][0-9]{2}\s?[0-9][ABD-HJLNP-UW-Z]{2}"
        r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]?\s?[0-9][ABD-HJLNP-UW-Z]{2}"
        r"|[A-PR-UWYZ][A-HK-Y][0-9]{2}\s?[0-9][ABD-HJLNP-UW-Z]{2})\b"
    )

    def __init__(self) -> None:
        super().__init__(
            supported_entity="UK_POSTCODE",
            patterns=[Pattern("UK postcode", self.PATTERN, 0.6)],
            name="UkPostcodeRecognizer",
        )


_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = re.compile(
    r"\b(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)?\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTHS}\s+(?:19|20)\d{{2}}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}"
    r"|(?:19|20)\d{2}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
_DOB_CONTEXT = re.compile(r"\b(?:born|d\.?o\.?b|date of birth|birthday|birth date)\b", re.IGNORECASE)


class DateOfBirthRecognizer(EntityRecognizer):
    """A date with birth context ("born", "DOB", "date of birth") within the 30 characters before
    it and no other date in between. Other dates (meetings, deadlines) identify nobody and stay."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["DATE_OF_BIRTH"], name="DateOfBirthRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        results = []
        previous_end = 0
        for match in _DATE.finditer(text):
            # The birth word must be close and govern this date, not an earlier one.
            window_start = max(previous_end, match.start() - 30)
            if _DOB_CONTEXT.search(text[window_start : match.start()]):
                results.append(self._result("DATE_OF_BIRTH", match.start(), match.end(), 0.85))
            previous_end = match.end()
        return results

    def _result(self, entity, start, end, score, **meta):
        return RecognizerResult(
            entity, start, end, score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                **meta,
            },
        )


class KnownValuesRecognizer(DateOfBirthRecognizer):
    """Names and values the study already knows: register names (with their participant id),
    the extra-identifiers list and "missed" review entries.

    One PhraseMatcher on lower-case forms: case-insensitive, token-bounded (so "Priya's" matches
    "Priya" and "Samuel" does not match "Sam"). Allow-listed register names ("Will") count only
    as names only where ``ordinary_word_is_name`` says so ("Will said", not "Will you", "I will").
    """

    def __init__(self, vocab, make_doc, values: dict[str, tuple[str, str]], allow_list) -> None:
        from spacy.matcher import PhraseMatcher

        EntityRecognizer.__init__(
            self, supported_entities=list(dict.fromkeys(["PARTICIPANT", *TYPE_TO_PRESIDIO.values()])),
            name="KnownValuesRecognizer",
        )
        self.values = values  # normal form -> (fgkit type, participant id or "")
        self.allow = {normalise(w) for w in allow_list}
        self.matcher = PhraseMatcher(vocab, attr="LOWER")
        patterns = [make_doc(value) for value in values]
        if patterns:
            self.matcher.add("KNOWN", patterns)

    def analyze(self, text, entities, nlp_artifacts=None):
        doc = nlp_artifacts.tokens
        results = []
        for _, start, end in self.matcher(doc):
            span = doc[start:end]
            norm = normalise(span.text)
            kind, pid = self.values.get(norm, (None, ""))
            if kind is None:
                continue
            # A name that is also an everyday word ("Rose", "Will") counts only where used as one.
            if (norm in self.allow or ordinary_value(norm)) and not ordinary_word_is_name(
                    text, span.start_char, span.end_char):
                continue
            entity = "PARTICIPANT" if pid else TYPE_TO_PRESIDIO[kind]
            results.append(
                self._result(entity, span.start_char, span.end_char, 1.0, participant_id=pid, known=True)
            )
        return results


_RELATION = re.compile(
    r"\b(?:neighbour|neighbor|daughter|son|wife|husband|partner|mum|mother|dad|father|sister|"
    r"brother|carer|colleague|friend|nephew|niece|grandson|granddaughter|nan|grandad|auntie|"
    r"uncle|cousin|called|named|lady|gentleman|man|woman|boy|girl|client|resident)\s*,?\s*$",
    re.IGNORECASE,
)


_WORD = re.compile(r"(?<![\w'\u2019-])[^\W\d_]+(?:['\u2019-][^\W\d_]+)*(?![\w'\u2019-])")


# English word shapes that are rarely names: contractions ("I've"), lower-case compounds
# ("Note-taking"), and common derivational endings ("Automating", "Summarised").
_NOT_A_NAME = re.compile(r"['\u2019][a-z]{1,2}$|-[a-z]|(?:ing|ed|ly|tion|ment|ness|able|ise|ize)$")


def _lowercase_style(text: str) -> bool:
    """Speech-recognition output without capitals ("yeah so i work with dominic"): there a
    lower-case first name is a name. In text that uses capitals, a lower-case "sybil" or "indie"
    is a word the writer chose not to capitalise."""
    letters = sum(ch.isalpha() for ch in text)
    capitals = sum(ch.isupper() for ch in text) - len(re.findall(r"\bI\b", text))
    return letters >= 15 and capitals <= letters // 100


class NameHeuristicRecognizer(EntityRecognizer):
    """People the NER model missed: capitalised words that are rare in English (wordfreq Zipf
    below ``rare_zipf``: "Tash", "Oyelaran"), capitalised words right after a relation
    ("her neighbour Precious", "his daughter Aisha"), first names that are everyday words written
    with a capital inside a sentence ("Will from the other team", "ask Rose"), and first names
    written in lower case, as speech recognition writes them ("as dominic said"), when they are
    not everyday words.
    Scored below the model, so where the model found something at the same place its type
    stands.
    """

    def __init__(self, skip: set[str], rare_zipf: float = 3.0) -> None:
        super().__init__(supported_entities=["PERSON"], name="NameHeuristicRecognizer")
        self.skip = skip
        self.rare_zipf = rare_zipf

    def load(self) -> None:
        pass

    def _candidate(self, word: str) -> bool:
        return (
            word[:1].isupper() and len(word) >= 3 and not word.isupper()
            and not _NOT_A_NAME.search(word)
            and normalise(word) not in self.skip
            and normalise(word).rstrip("s") not in self.skip
        )

    @staticmethod
    def _everyday_first_name(text: str, match) -> bool:
        """A lone capitalised first name inside a sentence, where only a name takes a capital;
        a sentence start explains a capital, a month is not a name ("in May")."""
        word = match.group()
        return (common_first_name(word) and word.casefold() not in CALENDAR_WORDS
                and not opens_sentence(text, match.start()))

    def _lowercase_name(self, word: str) -> bool:
        return (word.islower() and len(word) >= 3 and word not in self.skip
                and lowercase_first_name(word))

    def analyze(self, text, entities, nlp_artifacts=None):
        # A regex over the text, not the Doc: iterating tokens costs more than the rest here.
        results = []
        if _lowercase_style(text):
            for m in _WORD.finditer(text):
                if self._lowercase_name(m.group()):
                    results.append(self._result(m.start(), m.end(), 0.45))
        words = [m for m in _WORD.finditer(text) if self._candidate(m.group())]
        i = 0
        while i < len(words):
            j = i + 1
            while j < len(words) and text[words[j - 1].end() : words[j].start()] == " ":
                j += 1
            start, end = words[i].start(), words[j - 1].end()
            rare = any(word_zipf(m.group().lower()) < self.rare_zipf for m in words[i:j])
            related = bool(_RELATION.search(text[max(0, start - 30) : start]))
            if rare or related:
                results.append(self._result(start, end, 0.6 if related else 0.5))
            elif j == i + 1 and self._everyday_first_name(text, words[i]):
                results.append(self._result(start, end, 0.45))
            i = j
        return results

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            "PERSON", start, end, score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
