"""Property: any selection over a source maps to exactly the segments it overlaps."""

from __future__ import annotations

from collections import namedtuple

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from fgkit.export.qde import layout_source
from fgkit.export.refi_import import _overlapping, _segment_spans, align_turns

Turn = namedtuple("Turn", "turn_id speaker text")

TURNS = [
    Turn("t0", "Facilitator 1", "What is the pressure like at the moment?"),
    Turn("t1", "Practitioner 01", "The pressure never stops. No time to reflect."),
    Turn("t2", "Manager 01", "Yes."),
    Turn("t3", "Practitioner 02", "Yes. It just appears in my tray, every single day."),
    Turn("t4", "Practitioner 01", "Curious, but cautious \u2014 who is accountable?"),
]


def _sentence_segments():
    rows = []
    for turn in TURNS:
        start = 0
        for i, part in enumerate(turn.text.split(". ")):
            end = min(len(turn.text), start + len(part) + 1)
            rows.append({"segment_id": f"{turn.turn_id}-{i}", "turn_id": turn.turn_id,
                         "transcript": "FG1.vtt", "start_char": start, "end_char": end,
                         "text": turn.text[start:end]})
            start = end + 1
    return pd.DataFrame(rows)


SEGMENTS = _sentence_segments()
LAYOUT = layout_source(TURNS)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_selection_maps_to_every_overlapping_segment(data):
    text = LAYOUT.text
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    offsets = align_turns(text, TURNS)
    assert offsets == LAYOUT.speech_offsets
    spans = _segment_spans(SEGMENTS, "FG1.vtt", offsets)
    starts = [s[0] for s in spans]
    longest = max(e - b for b, e, _ in spans)
    hits = _overlapping(spans, starts, longest, start, end)
    brute = [s for s in spans if s[0] < end and s[1] > start]
    assert hits == brute
    seg_text = dict(zip(SEGMENTS["segment_id"], SEGMENTS["text"], strict=True))
    for seg_start, seg_end, segment_id in hits:
        lo, hi = max(start, seg_start), min(end, seg_end)
        assert seg_text[segment_id][lo - seg_start:hi - seg_start] == text[lo:hi]


@given(st.sampled_from(["\r\n", "\n", "\n\n", " "]), st.booleans())
def test_alignment_survives_another_tools_layout(separator, prefix_on_own_line):
    joiner = ":" + ("\r\n" if prefix_on_own_line else " ")
    text = separator.join(f"{t.speaker}{joiner}{t.text}" for t in TURNS)
    offsets = align_turns(text, TURNS)
    assert set(offsets) == {t.turn_id for t in TURNS}
    for turn in TURNS:
        assert text[offsets[turn.turn_id]:offsets[turn.turn_id] + len(turn.text)] == turn.text
