"""Annotations out of the speech, turn merging, and content-based turn ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from fgkit.ingest import read_transcript
from fgkit.ingest.annotations import extract_annotations
from fgkit.records import stable_id

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"


@pytest.mark.parametrize(
    "raw, clean, kind, extra",
    [
        ("I said no [inaudible] twice.", "I said no twice.", "inaudible", {}),
        ("We were [inaudible 00:12:34] told.", "We were told.", "inaudible", {"timestamp": 754.0}),
        ("It's funny [laughs] really.", "It's funny really.", "laughter", {}),
        ("[laughter] Anyway.", "Anyway.", "laughter", {}),
        ("So [crosstalk 00:12:34] right.", "So right.", "crosstalk", {"timestamp": 754.0}),
        ("Well [pause] maybe.", "Well maybe.", "pause", {}),
        ("Well (.) maybe.", "Well maybe.", "pause", {}),
        ("Well (..) maybe.", "Well maybe.", "pause", {}),
        ("Well (2.0) maybe.", "Well maybe.", "pause", {}),
        ("At [unclear: Beeston?] office.", "At office.", "unclear", {"text": "Beeston?"}),
        ("Yes [overlapping] yes.", "Yes yes.", "overlap", {}),
        ("It was hard [Paul: Yeah.] every day.", "It was hard every day.", "backchannel",
         {"speaker": "Paul", "text": "Yeah."}),
        ("Sorry [coughs], go on.", "Sorry, go on.", "noise", {}),
        ("Next point [00:12:45] is staffing.", "Next point is staffing.", "other", {"timestamp": 765.0}),
        ("Well (laughs) fine.", "Well fine.", "laughter", {}),
    ],
)
def test_each_mark_becomes_an_annotation_and_leaves_the_text(raw, clean, kind, extra):
    text, anns = extract_annotations(raw)
    assert text == clean
    (ann,) = anns
    assert ann.kind == kind
    assert raw.count(ann.raw) == 1 and ann.raw.startswith(("[", "("))
    for key, value in extra.items():
        assert getattr(ann, key) == value
    assert 0 <= ann.offset <= len(text)


def test_offsets_point_where_the_mark_stood_after_whitespace_collapses():
    text, anns = extract_annotations("  First [laughs]   second (.)third [pause]")
    assert text == "First second third"
    assert [text[a.offset :] for a in anns] == ["second third", "third", ""]


def test_ordinary_brackets_and_numbers_stay_in_the_speech():
    raw = "The [Beeston office] said (1) no and (see above) 12:30 [sic] was fine."
    text, anns = extract_annotations(raw)
    assert text == raw and anns == ()


def test_sentence_like_brackets_are_not_backchannels():
    text, anns = extract_annotations("He said [what we need is: more time] then left.")
    assert anns == () and "what we need is" in text


def test_annotation_only_utterance_joins_the_surrounding_turn(tmp_path):
    path = tmp_path / "fg.txt"
    path.write_text("P1: It never stops.\nP2: [laughs]\nP1: Never.\n", encoding="utf-8")
    t = read_transcript(path)
    assert [(x.speaker_label, x.text) for x in t.turns] == [("P1", "It never stops. Never.")]
    (ann,) = t.turns[0].annotations
    assert (ann.kind, ann.speaker, ann.offset) == ("laughter", "P2", len("It never stops."))


def test_turn_ids_are_content_based_and_count_repeats(tmp_path):
    path = tmp_path / "fg.txt"
    path.write_text("P1: Yes.\nP2: No.\nP1: Yes.\n", encoding="utf-8")
    t = read_transcript(path)
    ids = [x.turn_id for x in t.turns]
    assert ids == [
        stable_id("fg.txt", "P1", "Yes.", 0),
        stable_id("fg.txt", "P2", "No.", 0),
        stable_id("fg.txt", "P1", "Yes.", 1),
    ]
    assert len(set(ids)) == 3


def test_ids_stable_across_rereads_and_untouched_by_edits_elsewhere(tmp_path):
    original = (FIXTURES / "zoom_fg2.vtt").read_text(encoding="utf-8")
    path = tmp_path / "fg2.vtt"
    path.write_text(original, encoding="utf-8")
    first = read_transcript(path)
    assert [x.turn_id for x in read_transcript(path).turns] == [x.turn_id for x in first.turns]

    path.write_text(original.replace("then it lapsed", "then it quietly lapsed"), encoding="utf-8")
    edited = read_transcript(path)
    before = {x.index: x.turn_id for x in first.turns}
    after = {x.index: x.turn_id for x in edited.turns}
    changed = [i for i in before if before[i] != after[i]]
    assert changed == [2]
    # shifting timestamps or re-wrapping lines does not change ids either
    path.write_text(original.replace("00:00:01.500", "00:00:01.900"), encoding="utf-8")
    assert [x.turn_id for x in read_transcript(path).turns] == [x.turn_id for x in first.turns]


def test_name_argument_sets_transcript_name_and_ids(tmp_path):
    path = tmp_path / "copy.txt"
    path.write_text("P1: Hello.\n", encoding="utf-8")
    t = read_transcript(path, name="fg1.txt")
    assert t.name == "fg1.txt"
    assert t.turns[0].turn_id == stable_id("fg1.txt", "P1", "Hello.", 0)


def test_label_lookalikes_in_speech_do_not_split_turns(tmp_path):
    path = tmp_path / "fg.txt"
    path.write_text(
        "P1: Here's the thing: we never get time.\n"
        "The problem is: nobody asks.\n"
        "Yes: that is it.\n"
        "P2: See https://intranet.example/policy for the rules.\n",
        encoding="utf-8",
    )
    t = read_transcript(path)
    assert t.speakers == ["P1", "P2"]
    assert t.turns[0].text.endswith("The problem is: nobody asks. Yes: that is it.")
