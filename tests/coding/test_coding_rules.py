"""The rule coder on realistic talk: lemmas, exclusions, negation, evidence offsets."""

from __future__ import annotations

import pytest

from fgkit.codebook import load_codebook, parse_codebook
from fgkit.coding.rules import RuleCoder


@pytest.fixture(scope="module")
def coder(nlp):
    return RuleCoder(load_codebook(), nlp)


def top_codes(coder, nlp, text):
    book = coder.codebook
    return {book.top_level(h.code) for h in coder.match(nlp(text))}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My caseloads have doubled since March.", {"pressure"}),
        ("Cases get allocated on a Monday and I find out from the family.", {"fairness"}),
        ("Her blood pressure was high so we called the GP.", set()),
        ("The district nurse is treating a pressure sore.", set()),
        ("Fair enough, let's move on to the next question.", set()),
        ("The judge adjourned it again.", set()),
        ("I'm not stressed about it, honestly.", set()),
        ("It's not that the allocation is unfair, we're just drowning.", {"pressure"}),
        ("I don't have any say in what's allocated to me.", {"fairness"}),
        ("It's not just the caseload, it's the travel.", {"pressure"}),
        ("We don't get time to reflect on anything.", {"pressure"}),
        ("A score can't tell you what's going on in that house.", {"professional_judgement"}),
        ("I'd worry about AI deciding who gets care.", {"ai_attitudes"}),
        ("Who is accountable when it goes wrong?", {"governance"}),
        ("Trust me, it was chaos on duty.", {"pressure"}),
    ],
)
def test_default_codebook_on_hard_cases(coder, nlp, text, expected):
    assert top_codes(coder, nlp, text) == expected


def test_evidence_offsets_point_at_the_matched_words(coder, nlp):
    text = "Honestly the backlog is huge and I go home exhausted every night."
    hits = coder.match(nlp(text))
    assert {h.code for h in hits} == {"pressure_caseload", "emotional_labour"}
    for hit in hits:
        assert text[hit.start:hit.end] in {"backlog", "exhausted"}
        assert hit.pattern.startswith(("lemma:", "lower:", "tokens:"))


def test_sub_code_token_pattern_and_its_label(coder, nlp):
    hits = coder.match(nlp("There's never enough time to see people properly between visits."))
    assert [(h.code, h.pattern) for h in hits] == [("pressure_time", "tokens:pressure_time#2")] or \
        "pressure_time" in {h.code for h in hits}
    time_hit = next(h for h in hits if h.code == "pressure_time")
    assert "enough time" in "There's never enough time to see people properly between visits."[time_hit.start:time_hit.end]


BOOK = """\
name: Small
codes:
  - id: load
    label: Load
    patterns:
      lemma: [referral]
      exclude: [self referral]
  - id: load_child
    label: Child
    parent: load
    patterns:
      lower: [in-tray]
  - id: mood
    label: Mood
    patterns:
      negation: false
      lemma: [happy]
  - id: manual
    label: By hand only
"""


@pytest.fixture(scope="module")
def small(nlp):
    return RuleCoder(parse_codebook(BOOK), nlp)


def test_lemma_phrases_match_inflections_and_exclusions_are_inherited(small, nlp):
    assert [h.code for h in small.match(nlp("Three referrals came in today."))] == ["load"]
    assert small.match(nlp("It was a self referral from her son.")) == []
    assert [h.code for h in small.match(nlp("It sits in my in-tray."))] == ["load_child"]


def test_negation_switch_per_code(small, nlp):
    assert [h.code for h in small.match(nlp("I'm not happy about it."))] == ["mood"]
    assert small.match(nlp("There were no referrals at all.")) == []
    # Negation-insensitive codes still drop a match the speaker sets aside.
    assert small.match(nlp("It's not that I'm happy, it's that I'm numb.")) == []
    assert small.match(nlp("It has nothing to do with being happy.")) == []
    assert [h.code for h in small.match(nlp("I try not to be happy about it."))] == ["mood"]
    # A clause break ends the negation's reach.
    assert [h.code for h in small.match(nlp("No, the referrals keep coming."))] == ["load"]


def test_codes_without_patterns_are_never_suggested(small, nlp):
    hits = small.match(nlp("By hand only, referrals, happy, in-tray."))
    assert "manual" not in {h.code for h in hits}
