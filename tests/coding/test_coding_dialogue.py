"""Rules within the talk: anaphora, the facilitator's question, the previous turn, word senses.

Every turn here is our own writing. Each hit must say where its support came from (``basis``)
and point at words of the segment itself.
"""

from __future__ import annotations

import pytest

from fgkit.codebook import codebook_to_yaml, load_codebook, parse_codebook
from fgkit.coding.dialogue import Unit, code_dialogue
from fgkit.coding.rules import Hit, RuleCoder, Scan, hit_confidence
from fgkit.errors import CodebookError


@pytest.fixture(scope="module")
def coder(nlp):
    return RuleCoder(load_codebook(), nlp)


def talk(coder, nlp, lines: list[tuple[str, str]]) -> list[list[Hit]]:
    """Code a short transcript: ("F", question) or ("P", answer) lines, one turn each."""
    scans = [coder.scan(doc) for doc in nlp.pipe([text for _, text in lines])]
    units = [Unit("t.txt", i, facilitator=who == "F") for i, (who, _) in enumerate(lines)]
    return code_dialogue(coder.resolver, scans, units)


def tops(coder, hits: list[Hit]) -> set[str]:
    return {coder.codebook.top_level(h.code) for h in hits}


def test_it_stands_for_the_ai_tool_named_earlier_in_the_turn(coder, nlp):
    text = "They gave us an AI note-taker in March. Honestly, it misses the pauses that matter."
    hits = [h for h in coder.match(nlp(text)) if h.pattern.startswith("anaphora:")]
    assert len(hits) == 1
    assert text[hits[0].start:hits[0].end] == "it"
    assert hits[0].basis == "text" and hits[0].pattern.endswith("-> note-taker")


def test_it_after_a_question_about_the_tool_is_ai_and_says_so(coder, nlp):
    hits = talk(coder, nlp, [
        ("F", "Some of you have been using the AI that writes up visits. What's that been like?"),
        ("P", "It writes a tidy summary, but it had my client's son down as her husband."),
        ("P", "I stopped reading it after the first week, if I'm honest."),
    ])
    first, second = hits[1], hits[2]
    ai = [h for h in first if h.code == "ai_attitudes"]
    assert ai and ai[0].basis == "question" and "in the question" in ai[0].pattern
    text = "It writes a tidy summary, but it had my client's son down as her husband."
    assert text[ai[0].start:ai[0].end] == "It"
    # The thread carries on through the next answer, from the turn before it.
    assert "ai_attitudes" in tops(coder, second)


def test_it_with_nothing_named_before_is_not_ai(coder, nlp):
    hits = talk(coder, nlp, [
        ("F", "What's a normal week like at the moment?"),
        ("P", "It depends on who's off, really. It changes every Monday."),
    ])
    assert "ai_attitudes" not in tops(coder, hits[1])


def test_a_new_question_that_names_something_ends_the_thread(coder, nlp):
    hits = talk(coder, nlp, [
        ("F", "Has anyone tried the AI transcription pilot?"),
        ("P", "It was quick, I'll give it that."),
        ("F", "Let's turn to allocation. How do cases reach you?"),
        ("P", "It just lands on my desk on a Friday afternoon."),
    ])
    assert "ai_attitudes" in tops(coder, hits[1])
    assert "ai_attitudes" not in tops(coder, hits[3])
    assert "fairness" in tops(coder, hits[3])


def test_a_follow_up_that_names_nothing_keeps_the_topic(coder, nlp):
    hits = talk(coder, nlp, [
        ("P", "I'm a social worker in the older people's team."),
        ("P", "Senior practitioner, mostly safeguarding."),
        ("F", "Tell me about the AI tool that drafts assessments."),
        ("P", "I've only used it twice."),
        ("F", "And how did that go?"),
        ("P", "It was fine for the boring bits."),
    ])
    assert "ai_attitudes" in tops(coder, hits[5])


def test_talk_about_something_else_lends_no_support(coder, nlp):
    lines = [
        ("F", "The club has a new AI booking app. Has anyone used it?"),
        ("P", "It sends a reminder the night before."),
        ("P", "It crashed on race day, so I'm stressed about the next one."),
        ("P", "Our relay team got a fair draw this year."),
    ]
    hits = talk(coder, nlp, lines)
    # Participants never talk about the work in their own words: no "it" counts as the AI,
    # and "stressed" is not workload, even after a question that named AI.
    assert all(h == [] for h in hits[1:]), hits


def test_an_everyday_word_is_settled_by_the_turn_before(coder, nlp):
    hits = talk(coder, nlp, [
        ("F", "How are people doing?"),
        ("P", "My caseload went from twenty to thirty-two in a month."),
        ("P", "Shattered. All of us."),
    ])
    el = [h for h in hits[2] if h.code == "emotional_labour"]
    assert el and el[0].basis == "previous" and "caseload" in el[0].pattern
    # Alone, with nothing about the work around it, the same word is everyday speech.
    assert coder.match(nlp("Shattered. All of us.")) == []


def test_off_topic_talk_gives_everyday_words_no_support(coder, nlp):
    hits = talk(coder, nlp, [
        ("F", "What do you bake for the village show?"),
        # (Not "a fair bit of work": "work" as a noun is context, a limit of the rules.)
        ("P", "Scones, mostly. It's a fair bit of effort and I'm shattered after."),
        ("P", "My favourite is the lemon drizzle, it's fairly easy."),
        ("P", "I can't switch the new oven off, it has a mind of its own."),
    ])
    assert all(h == [] for h in hits[1:]), hits


@pytest.mark.parametrize(("text", "absent"), [
    ("He has a pressure-sore on his heel and the nurse is visiting daily.", "pressure"),
    ("She came home with a pressure sore, so the care package was urgent.", "pressure"),
    ("My favourite bit of the job is the first visit.", "fairness"),
    ("We've been fairly busy on duty but the allocation meeting was fine.", None),
])
def test_word_senses_hold_in_every_spelling(coder, nlp, text, absent):
    found = tops(coder, coder.match(nlp(text)))
    if absent is None:
        # "fairly busy" is not fairness; the allocation meeting is.
        hits = [h for h in coder.match(nlp(text)) if coder.codebook.top_level(h.code) == "fairness"]
        assert hits and all("fairly" not in text[h.start:h.end] for h in hits)
    else:
        assert absent not in found


def test_favourites_given_cases_is_fairness(coder, nlp):
    text = "The manager hands the easy cases to her favourites."
    assert "fairness" in tops(coder, coder.match(nlp(text)))


FAMILY = """\
name: Family
codes:
  - id: time
    label: Time
    patterns:
      lemma: [time]
  - id: time_short
    label: Short of time
    parent: time
    patterns:
      lemma: [no time]
      exclude: [first time]
  - id: tool
    label: Tool
    patterns:
      lower: [robot]
      anaphora: [it, [{LOWER: {IN: [the, that]}}, {LOWER: {IN: [machine, gadget]}}]]
"""


@pytest.fixture(scope="module")
def family(nlp):
    return RuleCoder(parse_codebook(FAMILY), nlp)


def test_an_exclusion_holds_for_the_whole_code_family(family, nlp):
    # "first time" is a sub-code's exclusion; the parent's "time" does not count there either.
    assert family.match(nlp("It was the first time I'd met her.")) == []
    assert [h.code for h in family.match(nlp("I had time to read the file."))] == ["time"]


def test_anaphora_token_patterns_and_the_scan_round_trip(family, nlp):
    scan = family.scan(nlp("The robot hoovered. Then that gadget got stuck."))
    anaphor = [h for h in scan.hits if h.pattern.startswith("anaphora:")]
    assert [(h.code, h.basis) for h in anaphor] == [("tool", "text")]
    open_scan = family.scan(nlp("Then the machine got stuck."))
    assert open_scan.hits == [] and [a[0] for a in open_scan.anaphora] == ["tool"]
    again = Scan.from_json(open_scan.to_json())
    assert again == open_scan


def test_confidence_falls_with_the_distance_of_the_support():
    near = hit_confidence(0.8, [Hit("c", 0, 2, "p", "text")])
    far = hit_confidence(0.8, [Hit("c", 0, 2, "p", "previous")])
    assert near == 0.8 and far < near
    assert hit_confidence(0.8, [Hit("c", 0, 2, "p"), Hit("c", 3, 5, "q", "question")]) > near


def test_anaphora_need_something_in_the_family_to_stand_for():
    book = """\
name: Bad
codes:
  - id: gadget
    label: Gadget
    patterns:
      anaphora: [it]
"""
    with pytest.raises(CodebookError) as info:
        parse_codebook(book, "book.yaml")
    assert "anaphora" in str(info.value.problems[0])


def test_anaphora_survive_a_round_trip_through_yaml():
    book = parse_codebook(FAMILY)
    again = parse_codebook(codebook_to_yaml(book))
    assert again.get("tool").patterns.anaphora == book.get("tool").patterns.anaphora


def test_fixed_token_runs_match_as_the_matcher_would(nlp):
    book = parse_codebook("""\
name: Runs
codes:
  - id: pile
    label: Pile
    patterns:
      tokens:
        - [{LOWER: {IN: [forty, fifty]}}, {LOWER: {IN: [cases, referrals]}}]
        - [{LEMMA: {IN: [stack, pile]}}, {LOWER: up}]
        - [{LOWER: "no"}, {IS_ALPHA: true, OP: "{0,2}"}, {LEMMA: lunch}]
""")
    coder = RuleCoder(book, nlp)
    text = "Fifty referrals stacked up and I had no proper lunch."
    found = {text[h.start:h.end] for h in coder.match(nlp(text))}
    assert found == {"Fifty referrals", "stacked up", "no proper lunch"}
    assert coder.match(nlp("Forty minutes on the phone, then lunch.")) == []


DIALOGUE_TURNS = [
    ("q0", "fg1.txt", 0, "F01", "Facilitator 1", "facilitator", "FG1",
     "Some of you have the AI note-taker now. What's that like?"),
    ("a1", "fg1.txt", 1, "P01", "Practitioner 01", "practitioner", "FG1",
     "It gets the names wrong every single time."),
    ("a2", "fg1.txt", 2, "P02", "Practitioner 02", "practitioner", "FG1",
     "We trialled an AI scribe in the spring. It was quick. I checked every line."),
    ("b0", "fg2.txt", 0, "M01", "Manager 01", "manager", "FG2",
     "It gets the names wrong every single time."),
]


@pytest.fixture()
def store_project(tmp_path):
    from fgkit.project import init_project

    proj = init_project(tmp_path / "study")
    store = proj.open_store()
    with store.transaction() as conn:
        conn.executemany(
            """INSERT INTO pseudo_turns(turn_id, transcript, turn_index, participant_id, speaker,
                   role, group_name, text, start, source_hash) VALUES (?,?,?,?,?,?,?,?,NULL,'h')""",
            DIALOGUE_TURNS,
        )
    yield proj, store
    store.close()


def ai_codings(store) -> dict[str, list]:
    rows = store.query(
        """SELECT s.turn_id, s.text, c.* FROM codings c JOIN segments s USING (segment_id)
           WHERE c.code = 'ai_attitudes' ORDER BY s.turn_id, s.start_char""")
    out: dict[str, list] = {}
    for row in rows:
        assert row["text"][row["evidence_start"]:row["evidence_end"]] == row["evidence"]
        out.setdefault(row["turn_id"], []).append(row)
    return out


def test_fgkit_code_reads_the_facilitators_question(store_project):
    from fgkit.coding.run import code_project

    proj, store = store_project
    code_project(proj, store, write_reports=False)
    found = ai_codings(store)
    answer = found["a1"][0]
    assert answer["evidence"] == "It" and answer["pattern"].endswith("(in the question)")
    # Support from the question is weaker evidence than the words themselves.
    assert answer["confidence"] < load_codebook().get("ai_attitudes").patterns.confidence
    # The same words in another group, with no question naming the tool, are not coded.
    assert "b0" not in found
    # A re-run resolves from the cached scans, without parsing.
    again = code_project(proj, store, write_reports=False)
    assert again.n_parsed == 0 and ai_codings(store).keys() == found.keys()


def test_sentence_segments_lean_on_earlier_sentences_of_the_turn(store_project):
    from fgkit.coding.run import code_project

    proj, store = store_project
    code_project(proj, store, level="sentence", write_reports=False)
    rows = ai_codings(store)["a2"]
    by_sentence = {row["text"]: row for row in rows}
    assert by_sentence["It was quick."]["pattern"].endswith("(earlier in the turn)")
