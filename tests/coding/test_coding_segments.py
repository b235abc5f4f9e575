"""Segments: offsets always index the pseudonymised turn, ids are stable and unique."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fgkit.coding.segments import build_segments
from fgkit.records import stable_id

WORDS = st.sampled_from(["caseload", "I", "don't", "know", "[Practitioner 02]", "it's", "fair",
                         "really", "um", "the", "tray", "Mrs", "[Name]", "—", "“quoted”", "  "])
SENTENCE = st.builds(lambda ws, end: " ".join(ws) + end, st.lists(WORDS, min_size=1, max_size=12),
                     st.sampled_from([".", "?", "!", "...", "", " -"]))
TURN_TEXT = st.builds(lambda ss, sep: sep.join(ss), st.lists(SENTENCE, min_size=1, max_size=6),
                      st.sampled_from([" ", "  ", "\n", " \u00a0"]))


def turn(turn_id, text, index=0):
    return {"turn_id": turn_id, "transcript": "fg1.vtt", "turn_index": index, "participant_id": "P01",
            "speaker": "Practitioner 01", "role": "practitioner", "group_name": "FG1", "text": text}


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(TURN_TEXT, min_size=1, max_size=4))
def test_sentence_segments_index_their_turn_in_order(texts):
    turns = [turn(f"t{i}", text, i) for i, text in enumerate(texts)]
    segments = build_segments(turns, "sentence")
    assert len({s.segment_id for s in segments}) == len(segments)
    for t in turns:
        mine = [s for s in segments if s.turn_id == t["turn_id"]]
        previous_end = 0
        for s in mine:
            assert s.text == t["text"][s.start_char:s.end_char]
            assert s.text == s.text.strip() and s.text
            assert s.start_char >= previous_end
            previous_end = s.end_char
            assert s.segment_id == stable_id(t["turn_id"], "sentence", s.start_char, s.end_char)
        # Nothing but whitespace is left out.
        covered = "".join(s.text for s in mine)
        assert "".join(t["text"].split()) == "".join(covered.split())
    assert build_segments(turns, "sentence") == segments


def test_turn_segments_and_empty_turns():
    turns = [turn("a", "It just appears in my tray."), turn("b", "   ", 1)]
    (segment,) = build_segments(turns, "turn")
    assert (segment.turn_id, segment.start_char, segment.end_char) == ("a", 0, 27)
    assert segment.role == "practitioner" and segment.group == "FG1" and segment.level == "turn"
