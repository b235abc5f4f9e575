"""The default codebook stays quiet off-topic: everyday words count only near talk about the work.

Two fixtures of our own writing sit in tests/fixtures/coding_offtopic/: ``tuning.csv`` (three
off-topic groups, an allotment society, junior football coaches and a village baking club, full
of words that look like codebook words, with the few turns that genuinely fit a code labelled)
and ``ontopic_recall.csv`` (social-care turns that use the same everyday words in the work's
sense). Both were used to tune the patterns; the frozen blind sets are never read here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fgkit.codebook import codebook_to_yaml, load_codebook, parse_codebook
from fgkit.coding.rules import RuleCoder
from fgkit.errors import CodebookError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "coding_offtopic"


def read_rows(name: str) -> list[dict]:
    with open(FIXTURES / name, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["codes"] = {c for c in row["codes"].split(";") if c}
    return rows


@pytest.fixture(scope="module")
def coder(nlp):
    return RuleCoder(load_codebook(), nlp)


def top_codes(coder, nlp, text: str) -> set[str]:
    return {coder.codebook.top_level(h.code) for h in coder.match(nlp(text))}


@pytest.mark.parametrize("name", ["tuning.csv", "ontopic_recall.csv"])
def test_fixtures_follow_the_format(name):
    with open(FIXTURES / name, newline="", encoding="utf-8") as fh:
        assert csv.DictReader(fh).fieldnames == ["id", "text", "codes"]
    rows = read_rows(name)
    top = {c.id for c in load_codebook().children(None)}
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["text"].strip() and row["codes"] <= top, row["id"]
    if name == "tuning.csv":
        assert len(rows) >= 80 and len({r["id"][0] for r in rows}) >= 2
        # Mostly "no code", with a handful of turns that genuinely fit a definition.
        assert 3 <= sum(1 for r in rows if r["codes"]) <= len(rows) // 10


def test_off_topic_study_gets_few_suggestions(coder, nlp):
    rows = read_rows("tuning.csv")
    wrong = []
    for row, doc in zip(rows, nlp.pipe([r["text"] for r in rows])):
        false = {coder.codebook.top_level(h.code) for h in coder.match(doc)} - row["codes"]
        if false:
            wrong.append((row["id"], sorted(false)))
    assert len(wrong) <= 0.05 * len(rows), wrong


def test_on_topic_talk_with_the_same_words_is_still_coded(coder, nlp):
    rows = read_rows("ontopic_recall.csv")
    found = total = 0
    for row, doc in zip(rows, nlp.pipe([r["text"] for r in rows])):
        predicted = {coder.codebook.top_level(h.code) for h in coder.match(doc)}
        found += len(predicted & row["codes"])
        total += len(row["codes"])
    # 0.71 when these were written; the codebook before context patterns reached 0.79.
    assert found / total >= 0.65


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # fairness of allocation
        ("The allocation wasn't fair, the same two people got every complex case.", {"fairness"}),
        ("I'm fairly busy this week with the garden.", set()),
        ("Cases aren't shared out fairly in our team, the seniors get the lot.", {"fairness"}),
        ("I was fairly sure she'd win.", set()),
        ("My favourite bit is the icing.", set()),
        ("She gives the easy cases to her favourites and we get the rest.", {"fairness"}),
        ("We hand out the medals at the end of the season.", set()),
        ("The duty manager hands out the referrals to whoever's in the office.", {"fairness"}),
        ("Equal parts flour and butter, that's the rule.", set()),
        ("The league has a points system, three for a win.", set()),
        ("Put the tray on the top shelf for twenty minutes.", set()),
        # workload pressure
        ("The nurse is dressing a pressure sore on her heel.", set()),
        ("His blood pressure's fine now.", set()),
        ("We were under pressure to sell the house after Dad died.", set()),
        ("The pressure of thirty-five cases is getting to me.", {"pressure"}),
        ("The lads were under pressure in the second half.", set()),
        ("Duty is under so much pressure since the two vacancies.", {"pressure"}),
        ("It was chaos at the car boot sale.", set()),
        # emotional labour
        ("I'm tired after the match, that's all.", set()),
        ("I'm tired, three home visits and a strategy meeting before lunch.", {"emotional_labour"}),
        # governance and AI
        ("Trust me, the bus is quicker.", set()),
        ("The system's changed again, the number 12 only runs hourly.", set()),
        ("I don't trust the AI tool to write my case notes.", {"ai_attitudes", "governance"}),
        ("The new tool shed has a lock at last.", set()),
        # professional judgement
        ("The judge at the baking contest loved the scones.", set()),
        ("There's a risk of frost tonight.", set()),
        ("The risk with that family is the partner coming back.", {"professional_judgement"}),
    ],
)
def test_word_senses(coder, nlp, text, expected):
    assert top_codes(coder, nlp, text) == expected


def test_an_ambiguous_hit_names_its_context_and_marks_only_its_own_words(coder, nlp):
    text = "The allocation meeting wasn't fair to the part-timers."
    hits = [h for h in coder.match(nlp(text)) if h.pattern.startswith("ambiguous:")]
    assert [(text[h.start:h.end], h.pattern) for h in hits] == [
        ("fair", "ambiguous:fair + context:allocation")]


BOOK = """\
name: Context
codes:
  - id: load
    label: Load
    patterns:
      lemma: [backlog]
      ambiguous:
        - busy
        - [{LOWER: {IN: [so, too]}}, {LOWER: full}]
      context:
        - caseload
        - [{LEMMA: visit, POS: NOUN}]
      context_window: 4
      exclude: [busy bee]
  - id: load_time
    label: Time
    parent: load
    patterns:
      ambiguous: [weekend]
      context: [rota]
  - id: mood
    label: Mood
    patterns:
      negation: false
      ambiguous: [tired]
      context: [shift]
"""


@pytest.fixture(scope="module")
def small(nlp):
    return RuleCoder(parse_codebook(BOOK), nlp)


def codes(small, nlp, text):
    return sorted(h.code for h in small.match(nlp(text)))


def test_ambiguous_needs_context_within_the_window_or_the_sentence(small, nlp):
    assert codes(small, nlp, "It's been busy.") == []
    assert codes(small, nlp, "Busy with my caseload.") == ["load"]
    # Same sentence: context counts however far away it is.
    assert codes(small, nlp, "It's busy, what with the allotment and the dog and my caseload.") == ["load"]
    # Across a sentence end only within the window (four tokens here).
    assert codes(small, nlp, "It's busy. My caseload.") == ["load"]
    assert codes(small, nlp, "It's busy. The dog and the cat and the hens. My caseload.") == []
    # Token patterns work on both sides; "visit" as a verb is not the noun.
    assert codes(small, nlp, "The diary is so full before each visit.") == ["load"]
    assert codes(small, nlp, "The diary is so full when we visit my mum.") == []


def test_context_is_inherited_by_sub_codes_but_not_lent_sideways(small, nlp):
    assert codes(small, nlp, "I worked the weekend on my caseload.") == ["load_time"]
    assert codes(small, nlp, "The weekend rota is out.") == ["load_time"]
    assert codes(small, nlp, "Busy on the rota.") == []  # the child's context is not the parent's
    assert codes(small, nlp, "Tired after my caseload.") == []  # another code's context


def test_exclusion_and_negation_still_apply_to_ambiguous_matches(small, nlp):
    assert codes(small, nlp, "She's a busy bee with her caseload.") == []
    assert codes(small, nlp, "I'm not busy with my caseload.") == []
    # A code that keeps negated talk keeps it for ambiguous words too.
    assert codes(small, nlp, "I'm never tired after a shift.") == ["mood"]


def test_context_inside_the_match_is_not_evidence(nlp):
    book = parse_codebook("""\
name: Inside
codes:
  - id: load
    label: Load
    patterns:
      ambiguous: [busy caseload]
      context: [caseload]
""")
    assert RuleCoder(book, nlp).match(nlp("A busy caseload.")) == []


def test_new_keys_survive_serialisation_and_change_the_hash():
    book = parse_codebook(BOOK)
    again = parse_codebook(codebook_to_yaml(book))
    assert again.get("load").patterns == book.get("load").patterns
    assert again.get("load_time").patterns.context == ("rota",)
    assert parse_codebook(BOOK.replace("context_window: 4", "context_window: 5")).sha256 != book.sha256


def problems(text: str) -> list:
    with pytest.raises(CodebookError) as info:
        parse_codebook(text, "book.yaml")
    return info.value.problems


def test_ambiguous_without_any_context_is_an_error_at_its_line():
    found = problems("name: B\ncodes:\n  - id: a\n    label: A\n    patterns:\n"
                     "      ambiguous: [fair]\n")
    assert [(p.line, p.column) for p in found] == [(6, 7)]
    assert "need 'context'" in found[0].message and "fair" not in found[0].message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("context_window: 0", "context_window must be a whole number"),
        ("context_window: 2.5", "context_window must be a whole number"),
        ("context_window: ten", "context_window must be a whole number"),
        ("context: caseload", "context must be a list"),
        ("ambiguous: [[{LOWER: {IN: [no, not]}}]]\n      context: [case]", "invalid token pattern"),
        ("ambiguous: [\"\"]\n      context: [case]", "empty entry in ambiguous"),
        ("ambiguous: [[{DEP: nsubj}]]\n      context: [case]", "does not run"),
    ],
)
def test_new_keys_are_validated(value, message):
    found = problems("name: B\ncodes:\n  - id: a\n    label: A\n    patterns:\n"
                     f"      lemma: [x]\n      {value}\n")
    assert any(message in p.message for p in found), [p.message for p in found]
    assert all(p.line for p in found)
