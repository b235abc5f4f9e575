"""Numbers that identify someone: phones of any country, cards, bank details, NI numbers, IP
addresses, and long reference numbers of no known shape.

Checks come from libraries: python-phonenumbers for phones of every region, Presidio's
predefined recognizers for cards (Luhn), IBANs (ISO 7064 check digits), IP addresses
(``ipaddress``) and National Insurance numbers. Written bank details and long references have
no checksum, so they are found by shape and the words before them ("sort code", "account
number"). ``classify_digits`` gives the same verdict on a digit string however it was said,
so a number spoken as words (``spoken``) is judged exactly like a written one.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    IbanRecognizer,
    IpRecognizer,
    UkNinoRecognizer,
)

from .references import reference_kind

__all__ = [
    "DIGIT_ENTITIES",
    "IntlPhoneRecognizer",
    "LastDigitsRecognizer",
    "LongNumberRecognizer",
    "classify_digits",
    "luhn_valid",
    "nhs_valid",
    "number_recognizers",
]

# Presidio entity names for what this module finds (fgkit types in recognizers.PRESIDIO_TYPES).
DIGIT_ENTITIES = ["CREDIT_CARD", "BANK_ACCOUNT", "UK_NINO", "IP_ADDRESS", "NUMBER"]

# National formats are read for the UK and North America (the countries a UK study's speakers
# most often give numbers in); any number written with + or 00 is read for every country.
_REGIONS = ("GB", "US")
# A run of digits a phone, card or reference could be: 7+ digits with spaces, dots, dashes or
# brackets between groups, optionally after + or inside "(0115)".
_RUN = re.compile(r"(?<![\w.,/£$€])(?:\+\s?|\()?\d(?:[\s().\-]{0,2}\d){6,}(?![\w%])")
_SORT_CODE = re.compile(r"sort\s*-?\s*code", re.IGNORECASE)
_ACCOUNT = re.compile(r"\b(?:account|acc|a/c)(?:\s*(?:number|no\.?|num|#))?\b", re.IGNORECASE)
_NUMBER_CONTEXT = 40  # characters before a number searched for "sort code" / "account"
_CARD_WORD = re.compile(r"\b(?:card|visa|mastercard|amex|debit|credit)\b", re.IGNORECASE)
# Dates and year ranges are numbers of 7+ digits that identify nobody.
_DATE = re.compile(r"^\d{1,2}[\s./-]\d{1,2}[\s./-](?:19|20)?\d{2}$|^(?:19|20)\d{2}[\s./-]\d{1,2}[\s./-]\d{1,2}$")
_YEARS = re.compile(r"^(?:(?:19|20)\d{2}[\s\-–]*)+$")
_MONEY_AFTER = re.compile(
    r"^\s*(?:pounds?|quid|euros?|dollars?|pence|p\b|k\b|m\b|bn\b|million|billion|per\s?cent|%)",
    re.IGNORECASE,
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def nhs_valid(digits: str) -> bool:
    """Ten digits whose mod-11 check digit is right (the NHS and CHI number rule)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _uk_shape(digits: str) -> bool:
    """A UK national number (0 then 9-10 digits, not 00) or +44 / 0044 and 9-10 digits. Ofcom's
    drama ranges (07700 900xxx, 0115 496 0xxx) pass: phonenumbers calls them invalid."""
    for prefix in ("+44", "0044", "44"):
        if digits.startswith(prefix) and 9 <= len(digits[len(prefix):].lstrip("0")) <= 10:
            return prefix != "44" or len(digits) in (12, 13)
    return digits.startswith("0") and not digits.startswith("00") and len(digits) in (10, 11)


@lru_cache(maxsize=4096)
def _valid_phone(digits: str) -> bool:
    regions = ("ZZ",) if digits.startswith("+") else _REGIONS
    for region in regions:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(digits, None if region == "ZZ" else region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


def classify_digits(digits: str, before: str = "") -> str | None:
    """The Presidio entity a digit string is, given the text just before it; None for numbers
    too short to identify anyone. ``digits`` may start with "+"."""
    plain = digits.lstrip("+")
    context = before[-_NUMBER_CONTEXT:]
    if len(plain) == 6 and _SORT_CODE.search(context):
        return "BANK_ACCOUNT"
    if len(plain) == 8 and _ACCOUNT.search(context) and not _SORT_CODE.search(context[-15:]):
        return "BANK_ACCOUNT"
    if len(plain) < 7:
        return None
    if not digits.startswith("+") and nhs_valid(plain):
        return "UK_NHS"
    if _uk_shape(digits) or _valid_phone(digits):
        return "PHONE_NUMBER"
    if 13 <= len(plain) <= 19 and (luhn_valid(plain) or _CARD_WORD.search(context)):
        return "CREDIT_CARD"  # after "card", even a number that fails Luhn (a slip of the tongue)
    # "passport number 533780914", "membership number ... 00418823": the cue names the type.
    cued = reference_kind(before)
    return cued if cued and cued != "UK_NINO" else "NUMBER"


def _result(recognizer, entity: str, start: int, end: int, score: float) -> RecognizerResult:
    return RecognizerResult(entity, start, end, score, recognition_metadata={
        RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
    })


class IntlPhoneRecognizer(EntityRecognizer):
    """Phone numbers python-phonenumbers calls valid: UK and North American national formats,
    and any country's number written with + or 00 ("+353 87 555 0123", "(212) 555-0147").

    The matcher runs only on a run of digits that could be such a number (so a turn without one
    costs one regex search); a bare ten-digit number with a valid NHS check digit is left to the
    NHS recognizer, and UK national numbers to UkPhoneRecognizer, which keeps Ofcom's drama
    ranges that phonenumbers calls invalid.
    """

    def __init__(self) -> None:
        super().__init__(supported_entities=["PHONE_NUMBER"], name="IntlPhoneRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        results = []
        for run in _RUN.finditer(text):
            raw = run.group().lstrip("(")
            digits = re.sub(r"\D", "", raw)
            if raw.startswith(("+", "00")):
                region = "GB"  # any country; GB reads 00 as the international prefix
            elif len(digits) == 10 or (len(digits) == 11 and digits[0] == "1"):
                if digits[0] == "0" or nhs_valid(digits):
                    continue  # UK national numbers are UkPhoneRecognizer's; NHS numbers stay NHS
                region = "US"
            else:
                continue
            # The matcher needs a little room: "+" or "(" before the run, a word after it.
            lo, hi = max(0, run.start() - 2), min(len(text), run.end() + 1)
            for match in phonenumbers.PhoneNumberMatcher(text[lo:hi], region, leniency=phonenumbers.Leniency.VALID):
                results.append(_result(self, "PHONE_NUMBER", lo + match.start, lo + match.end, 0.75))
        return results


class LongNumberRecognizer(EntityRecognizer):
    """Written digit runs the other recognizers may not type: sort codes and account numbers
    after "sort code" / "account number", and any other run of 7+ digits ("reference 48213377"),
    typed by ``classify_digits``. Dates, year ranges and sums of money are left alone.
    Scored below the checksum recognizers, which win where both find the same number.
    """

    _SHORT = re.compile(r"(?<![\w.,/£$€])\d{2}[\s-]?\d{2}[\s-]?\d{2}(?:\d{2})?(?![\w%]|[.,]\d)")

    def __init__(self) -> None:
        super().__init__(supported_entities=["NUMBER", "BANK_ACCOUNT"], name="LongNumberRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        results = []
        spans = {(m.start(), m.end()) for m in _RUN.finditer(text)}
        if "sort" in text.lower() or "acc" in text.lower() or "a/c" in text.lower():
            spans |= {(m.start(), m.end()) for m in self._SHORT.finditer(text)}
        for start, end in sorted(spans):
            raw = text[start:end]
            if "." in raw:
                continue  # IP addresses, versions or decimals, each found (or not) elsewhere
            digits = ("+" if raw.lstrip("(").startswith("+") else "") + re.sub(r"\D", "", raw)
            entity = classify_digits(digits, text[:start])
            if entity is None:
                continue
            # "20-45-77" after "sort code" is bank detail even in a date's shape.
            if entity != "BANK_ACCOUNT" and (
                    _DATE.match(raw) or _YEARS.match(raw) or _MONEY_AFTER.match(text[end:end + 12])):
                continue
            results.append(_result(self, entity, start, end, 0.5))
        return results


_DIGIT_WORD = r"(?:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine|o)\b"
_LAST_DIGITS = re.compile(
    r"\b(?i:(?:ending|ends|ended)(?:\s+(?:in|with))?"
    r"|last\s+(?:four|4)(?:\s+(?:digits|numbers))?(?:\s+(?:of|on|from)\s+(?:[\w'\u2019]+\s+){0,3}?[\w'\u2019]+)?"
    r"(?:\s*,?\s*(?:are|is|were|was))?)"
    rf"\s*[:,]?\s*(\d{{4}}|(?i:{_DIGIT_WORD}(?:[\s,-]+{_DIGIT_WORD}){{3}}))(?![\w,.]\d|\s*(?i:pounds|quid|%))"
)
# What the digits end: the nearest such word before them, in the same sentence, types them.
_ENDS_WHAT = re.compile(
    r"\b(?i:(?P<card>cards?|visa|mastercard|amex|debit|credit)|(?P<bank>account|bank)"
    r"|(?P<phone>phone|mobile|landline|number))\b"
)


# The rest of a card: a masked number ("XXXX XXXX XXXX 4417", "**** 4417"), the security
# code ("CVV 318", "the three digits on the back are 318") and the expiry ("expires 09/27").
_MASKED = re.compile(r"(?<![\w*])(?:[xX*\u2022#]{4}[\s-]?){1,3}(\d{4})(?!\d)")
_CVV = re.compile(
    r"\b(?i:cvv2?|cvc2?|cv2|security\s+code|(?:three|3)\s+digits\s+on\s+the\s+back"
    r"|(?:three|3|four|4)[\s-]+digit\s+(?:security\s+)?code)(?:\s+(?:number|code))?"
    rf"(?:\s*,?\s*(?i:is|was|are|were|:))?\s*[:,]?\s*(\d{{3,4}}|(?i:{_DIGIT_WORD}(?:[\s,-]+{_DIGIT_WORD}){{2,3}}))(?!\d)"
)
_MONTH_YEAR_WORDS = (r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
                     r"thirty|slash)")
_EXPIRY = re.compile(
    r"\b(?i:(?P<card>expiry|expiration|exp\.?)|expires|valid\s+(?:until|thru|through|to)|end\s+date)(?:\s+date)?"
    r"(?:\s*,?\s*(?i:is|was|of|:))?\s*[:,]?\s*"
    rf"(\d{{1,2}}\s?/\s?(?:\d{{4}}|\d{{2}})(?![\d/])|(?i:{_MONTH_YEAR_WORDS}(?:[\s-]+{_MONTH_YEAR_WORDS}){{1,4}})\b)"
)


class LastDigitsRecognizer(EntityRecognizer):
    """The last four digits of a card, account or phone, said as such: "her card ending 3064",
    "the last four digits of the account, 9921", "mobile ending oh one one one"; and the other
    card details: a masked number, the security code and the expiry date of a card.

    Kept, not ignored: banks and call centres ask for them as a security answer, and beside a
    name they narrow a card down. "The last four weeks", "ending in 2019" (no card, account or
    phone in the sentence) and sums of money stay.
    """

    def __init__(self) -> None:
        # NUMBER too: the detector asks for it on every text, and "ending oh one one one" has
        # no digit to make it ask for the others.
        super().__init__(supported_entities=["CREDIT_CARD", "BANK_ACCOUNT", "PHONE_NUMBER", "NUMBER"],
                         name="LastDigitsRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        lower = text.lower()
        results = self._card_details(text, lower)
        if "ending" not in lower and "last" not in lower and "ends" not in lower:
            return results
        for m in _LAST_DIGITS.finditer(text):
            before = text[max(0, m.start() - 60):m.start(1)]
            before = re.split(r"[.!?]\s", before)[-1]
            what = list(_ENDS_WHAT.finditer(before))
            if not what:
                continue
            kind = what[-1].lastgroup
            entity = {"card": "CREDIT_CARD", "bank": "BANK_ACCOUNT", "phone": "PHONE_NUMBER"}[kind]
            results.append(_result(self, entity, m.start(1), m.end(1), 0.6))
        return results

    def _card_details(self, text: str, lower: str) -> list:
        out = []
        if "xxxx" in lower or "****" in text or "\u2022" in text:
            out += [_result(self, "CREDIT_CARD", m.start(), m.end(), 0.6) for m in _MASKED.finditer(text)]
        if any(w in lower for w in ("cvv", "cvc", "cv2", "security code", "on the back", "digit code")):
            out += [_result(self, "CREDIT_CARD", m.start(1), m.end(1), 0.6) for m in _CVV.finditer(text)]
        if "exp" in lower or "valid" in lower or "end date" in lower:
            for m in _EXPIRY.finditer(text):
                # "Expiry" is a card's word; "expires" or "valid until" count only with a card
                # in the sentence: contracts expire too.
                sentence = re.split(r"[.!?]\s", text[max(0, m.start() - 80):m.start()])[-1]
                if m.group("card") or _CARD_WORD.search(sentence) or "cvv" in sentence.lower():
                    out.append(_result(self, "CREDIT_CARD", m.start(2), m.end(2), 0.6))
        return out


def _gated(cls, gate: str, **kwargs) -> EntityRecognizer:
    """A Presidio pattern recognizer that first checks one cheap regex: its own patterns cost
    far more, and most turns hold nothing of the kind."""
    check = re.compile(gate)

    class Gated(cls):
        def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
            if not check.search(text):
                return []
            return super().analyze(text, entities, nlp_artifacts, regex_flags)

    Gated.__name__ = Gated.__qualname__ = cls.__name__
    return Gated(**kwargs)


def number_recognizers() -> list[EntityRecognizer]:
    """Every recognizer for written numbers, with fgkit's entity names."""
    return [
        IntlPhoneRecognizer(),
        LongNumberRecognizer(),
        LastDigitsRecognizer(),
        _gated(CreditCardRecognizer, r"\d(?:[ -]?\d){11}", supported_entity="CREDIT_CARD"),
        _gated(IbanRecognizer, r"[A-Z]{2}\d{2}", supported_entity="BANK_ACCOUNT"),
        _gated(IpRecognizer, r"\d\.\d{1,3}\.\d|:[0-9A-Fa-f]*:", supported_entity="IP_ADDRESS"),
        _gated(UkNinoRecognizer, r"\d\d ?\d\d ?\d\d", supported_entity="UK_NINO"),
    ]
