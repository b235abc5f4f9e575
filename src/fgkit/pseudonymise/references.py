"""Reference numbers that identify someone: customer, case, claim, order, booking, member, policy
and other IDs, vehicle registrations, driving licences, passports, and NI numbers however they
are spaced.

Most such values have no checksum and no fixed shape, so two kinds of evidence are used:

- the words before the value ("customer number", "booking reference is", "the reg, it was",
  "passport number"), found by ``reference_kind``, which also types numbers read out or spelt
  letter by letter (``numbers.classify_digits``, ``spelled``). After a cue a value needs only a
  digit and four characters ("PT 99172", "K7QM2P", "E40172");
- a shape that ordinary speech does not make: letters glued or hyphenated to four or more digits
  ("CUS-48213-B", "INC0048213", "PX/20931/77"), the UK's registration plates ("KX19 TNU",
  "P472 RWL", "MKF 294T") and its 16-character driving licence numbers.

Codes of everyday talk stay: "A4", "the M1", "COVID-19", "B12", "PS5", "Windows 11", "room 214",
years, versions, times and sums of money, since none has both a cue and a value of this kind,
nor the shape alone. Hand-written: python-stdnum knows checksummed national IDs, but the IDs
met in care work (council, supplier and service references) follow no published scheme.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult

__all__ = ["REFERENCE_ENTITIES", "ReferenceRecognizer", "reference_kind", "shape_kind"]

REFERENCE_ENTITIES = ["ID_NUMBER", "VEHICLE_REG", "PASSPORT", "DRIVING_LICENCE", "UK_NINO"]

# A cue names what follows. The noun may be followed by "number", "no.", "ID", "reference"...;
# the whole must end right before the value, or a few words later at "is", "was", ":" or ",".
_KINDS = (
    (r"passports?", "PASSPORT"),
    (r"(?:vehicle\s+|car\s+|van\s+)?reg(?:istration)?(?:\s+plate)?|(?:number|licen[cs]e)\s?plates?|plates?",
     "VEHICLE_REG"),
    (r"(?:driving|driver'?s|drivers)\s+licen[cs]es?|licen[cs]e", "DRIVING_LICENCE"),
    (r"national\s+insurance|n\.?\s?i\.?|nino", "UK_NINO"),
)
_ID_NOUNS = (
    r"customer|client|account|acc|case|claim|order|booking|member(?:ship)?|policy|"
    r"patient|hospital|employee|staff|payroll|student|pupil|tenancy|tenant|ticket|incident|"
    r"invoice|application|tracking|confirmation|serial|pension|council\s+tax|service\s+user|mosaic|"
    r"insurance|medicare|medicaid|social\s+security|tax|voter|library|badge|prescription"
)
# Nouns that name an identifier by themselves: after them even a bare "4471" is one.
_STRONG_NOUNS = r"reference|ref|identity|identification|i\.?d"
_NUMBER_WORD = r"(?:\s+(?P<num>number|no\.|no|num|id|code|reference|ref))"
_CUE = re.compile(
    r"\b(?i:(?:" + "|".join(f"(?P<k{i}>{p})" for i, (p, _) in enumerate(_KINDS))
    + rf"|(?P<strong>{_STRONG_NOUNS})|{_ID_NOUNS}){_NUMBER_WORD}?(?:['\u2019]s)?)(?!\w)"
)
# Between a cue and its value: nothing, a colon or comma, or a few words and then a verb
# ("the customer number on the letters is", "the reg, it was", "reference for the same man is").
_VERB = (r"(?:\b(?i:is|was|were|are|reads|read|said|says|as|gave|give)\b|['\u2019]s\b|:)"
         r"\s*[:,]?\s*(?:(?i:like\s+this|it'?s|it\s+was)\s*[:,]?\s*)?")
_BRIDGE = re.compile(
    rf"^(?:\s*[:#=,.\-]?\s*|(?:[,\s]+[\w'\u2019]+){{0,6}}?\s*(?:,\s*(?:{_VERB})?|{_VERB}))$"
)
_CUE_WINDOW = 70
_SENTENCE_BREAK = re.compile(r"[!?;]|\.\s+[A-Z]|\.$")

# Values. Uppercase groups of letters and digits, joined by "/", "-" or single spaces
# ("ZX 4471 09", "PX/20931/77"), or one token holding a digit in any case ("tc419372d").
_GROUP = r"[A-Z0-9]+(?:[/\-][A-Z0-9]+)*"
_VALUE = re.compile(
    rf"(?<![\w@./\-£$€:,])(?:{_GROUP}(?: {_GROUP})*|(?=[A-Za-z]*\d)[A-Za-z0-9]+(?:[/\-][A-Za-z0-9]+)*)"
    r"(?![\w@]|[.,:]\d|/\w|-\w)"
)
_VEHICLE = re.compile(
    r"^(?:[A-HJ-PR-Y][A-HJ-PR-Y]\d{2} ?[A-HJ-PR-Z]{3}"   # since 2001: KX19 TNU
    r"|[A-HJ-PR-Y]\d{1,3} ?[A-HJ-PR-Y]{3}"                # 1983-2001: P472 RWL
    r"|[A-HJ-PR-Y]{3} ?\d{1,3}[A-HJ-NPR-TV-Y])$"          # 1963-1983: MKF 294T
)
_PLATE_ANY_CASE = re.compile(
    r"(?<![\w])(?:[a-z]{2}\d{2} ?[a-z]{3}|[a-z]\d{1,3} ?[a-z]{3}|[a-z]{3} ?\d{1,3}[a-z])(?![\w])", re.IGNORECASE
)
_DATELESS = re.compile(r"^(?:[A-Z]{1,3} ?\d{1,4}|\d{1,4} ?[A-Z]{1,3})$")
_LICENCE = re.compile(r"^[A-Z9]{5} ?\d{6} ?[A-Z9]{2}\d ?[A-Z0-9]{2}(?: ?\d{2})?$")
_NINO = re.compile(r"^([A-Z])([A-Z])\d{6}[A-D]$")
_NINO_BAD_PAIRS = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_MONEY_AFTER = re.compile(r"^\s*(?:pounds?|quid|euros?|dollars?|pence|p\b|k\b|%|per\s?cent|million)", re.I)
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")  # Presidio's IBAN recognizer checks these
_DATE_LIKE = re.compile(r"^\d{1,4}[/\-]\d{1,2}(?:[/\-]\d{1,4})?$")
# Spoken NI numbers and spaced ones: "Z E 4 1 7 7 0 3 B", "JM 31 92 04 A".
_SPACED_NINO = re.compile(r"(?<![\w])([A-Za-z])[ .]?([A-Za-z])(?:[ .\-]?\d){6}[ .\-]?([A-Da-d])(?![\w])")
_GATE = re.compile(r"\d")


def find_cue(before: str) -> tuple[str, bool] | None:
    """(entity, strong) for the cue that ends right before a value ("booking reference is "),
    or None. ``before`` is the text up to the value; a cue is strong when it names an identifier
    by itself ("reference", "passport", "customer number"), weak when it is a bare noun that
    also counts things ("case", "claim")."""
    window = before[-_CUE_WINDOW:]
    for cue in reversed(list(_CUE.finditer(window))):
        bridge = window[cue.end():]
        if _SENTENCE_BREAK.search(bridge) or any(ch.isdigit() for ch in bridge):
            return None
        if not _BRIDGE.match(bridge):
            continue
        for i, (_, kind) in enumerate(_KINDS):
            if cue.group(f"k{i}"):
                return kind, True
        return "ID_NUMBER", bool(cue.group("strong") or cue.group("num") or "#" in bridge)
    return None


def reference_kind(before: str) -> str | None:
    """The entity named by the cue right before a value, or None (see ``find_cue``)."""
    found = find_cue(before)
    return found[0] if found else None


def nino_shape(value: str, cued: bool) -> bool:
    """Two letters, six digits, A-D; the letters a prefix HMRC issues unless a cue says NI."""
    m = _NINO.match(value)
    if m is None:
        return False
    first, second = m.group(1), m.group(2)
    valid = first not in "DFIQUV" and second not in "DFIOQUV" and first + second not in _NINO_BAD_PAIRS
    return valid or cued


def shape_kind(value: str) -> str | None:
    """The entity a value's shape alone shows, whatever the words around it (uppercase only)."""
    if _LICENCE.match(value):
        return "DRIVING_LICENCE"
    if _VEHICLE.match(value):
        return "VEHICLE_REG"
    compact = re.sub(r"[\s/\-]", "", value)
    if nino_shape(compact, cued=True):
        return "UK_NINO"  # written in capitals, any prefix: a typo of a real number is one too
    if " " in value or not compact.isupper():
        return None
    digits = re.findall(r"\d+", value)
    letters = sum(ch.isalpha() for ch in compact)
    # Letters glued or hyphenated to 4+ digits: "CUS-48213-B", "INC0048213", "PA4471953"; a year
    # is the only digit group of "FY2024" or "COVID-2019" and names a time, not a person.
    if letters and sum(len(d) for d in digits) >= 4 and not all(_YEAR.match(d) for d in digits):
        return "ID_NUMBER"
    return None


def _trim(start: int, value: str) -> tuple[int, str]:
    """The value without the cue written in capitals before it ("ID 40718" -> "40718") or the
    English after it ("ZX 4471 09 I" -> "ZX 4471 09"), and its new start."""
    groups = value.split(" ")
    while len(groups) > 1 and _CUE.fullmatch(groups[0]):
        start += len(groups.pop(0)) + 1
    while len(groups) > 1 and (groups[-1] in ("A", "I") or (groups[-1].isalpha() and len(groups[-1]) > 5)):
        groups.pop()
    return start, " ".join(groups)


class ReferenceRecognizer(EntityRecognizer):
    """See the module docstring. Runs only on texts holding a digit."""

    def __init__(self) -> None:
        super().__init__(supported_entities=REFERENCE_ENTITIES, name="ReferenceRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if not _GATE.search(text):
            return []
        results = []
        for m in _VALUE.finditer(text):
            start, value = _trim(m.start(), m.group())
            found = self._judge(text, start, value) if value else None
            if found is not None:
                entity, end, score = found
                results.append(self._result(entity, start, end, score))
        if any(w in text.lower() for w in ("reg", "plate")):
            # "the number plate was hjn 551k": a plate in lower case, known by its cue.
            for m in _PLATE_ANY_CASE.finditer(text):
                if not m.group().isupper() and reference_kind(text[:m.start()]) == "VEHICLE_REG":
                    results.append(self._result("VEHICLE_REG", m.start(), m.end(), 0.65))
        taken = {(r.start, r.end) for r in results}
        for m in _SPACED_NINO.finditer(text):
            if (m.start(), m.end()) in taken:
                continue
            compact = re.sub(r"[\s.\-]", "", m.group()).upper()
            cued = reference_kind(text[:m.start()]) == "UK_NINO"
            capitals = m.group().replace(" ", "").isupper()
            # In capitals the shape is enough ("QQ 12 34 56 C" may be a mistyped real number);
            # in lower case single letters are too often words without the cue.
            if nino_shape(compact, cued or capitals) and (cued or capitals):
                results.append(self._result("UK_NINO", m.start(), m.end(), 0.75))
        return results

    def _judge(self, text: str, start: int, value: str):
        end = start + len(value)
        compact = re.sub(r"[\s/\-]", "", value)
        digits = sum(ch.isdigit() for ch in compact)
        if not digits or len(compact) < 4:
            return None
        if _MONEY_AFTER.match(text[end:end + 12]) or _DATE_LIKE.match(value) or _IBAN.match(compact.upper()):
            return None
        found = find_cue(text[:start])
        shape = shape_kind(value) if value.upper() == value else None
        if found is None:
            return (shape, end, 0.6) if shape else None
        cue, strong = found
        if cue == "UK_NINO":
            return ("UK_NINO", end, 0.7) if nino_shape(compact.upper(), cued=True) else None
        if compact.isdigit():
            if len(compact) >= 7:
                # Typed as numbers.classify_digits types it (a phone after "passport" stays a
                # phone); the long-number recognizer then finds the same span with the same type.
                from .numbers import classify_digits

                return (cue, end, 0.6) if classify_digits(compact, text[:start]) == cue else None
            if _YEAR.match(compact) or not strong:
                return None
            return cue, end, 0.6
        # After "reg" or "plate", any plate: UK, dateless ("JSH 44") or foreign ("ABC-1234", "7ABC123").
        if cue == "VEHICLE_REG" and not (_VEHICLE.match(value.upper()) or _DATELESS.match(value.upper())
                                         or (any(c.isalpha() for c in compact) and 4 <= len(compact) <= 8)):
            return None
        return cue, end, 0.65

    def _result(self, entity, start, end, score):
        return RecognizerResult(entity, start, end, score, recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        })
