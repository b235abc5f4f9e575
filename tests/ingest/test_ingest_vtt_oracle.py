"""The tolerant cue parser agrees with webvtt-py on clean files and goes further on quirky ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import webvtt

from fgkit.ingest.common import Source, normalise_text, parse_clock
from fgkit.ingest.vtt import cue_utterances, parse_cues

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"

CLEAN_TEAMS = """WEBVTT

0a1b2c3d-1111-4c1a-9e2f-0a1b2c3d4e5f/1-0
00:00:01.250 --> 00:00:04.000
<v Okafor, Daniel>Caseloads went up again
after the restructure.</v>

0a1b2c3d-1111-4c1a-9e2f-0a1b2c3d4e5f/2-0
00:00:04.500 --> 00:01:02.750
<v Beth Morgan>And the weighting tool fell out of use.</v>
"""


def _source(text: str) -> Source:
    return Source(Path("x.vtt"), text.encode(), normalise_text(text))


@pytest.mark.parametrize("text", [CLEAN_TEAMS, (FIXTURES / "zoom_fg2.vtt").read_text(encoding="utf-8")])
def test_clean_files_parse_like_webvtt_py(text):
    ours = parse_cues(_source(text), "WEBVTT")
    theirs = webvtt.from_string(text).captions
    assert len(ours) == len(theirs)
    for cue, caption in zip(ours, theirs):
        assert (cue.start, cue.end) == (parse_clock(caption.start), parse_clock(caption.end))
        utterances = cue_utterances(cue)
        assert len(utterances) == 1
        if caption.voice:
            assert utterances[0].speaker == caption.voice
            assert utterances[0].text == caption.text.replace("\n", " ")
        else:
            assert caption.text.replace("\n", " ").endswith(utterances[0].text)


def test_missing_blank_line_splits_cues_that_webvtt_py_runs_together():
    text = (FIXTURES / "teams_fg1.vtt").read_text(encoding="utf-8")
    ours = parse_cues(_source(text), "WEBVTT")
    assert len(ours) == 7
    assert len(webvtt.from_string(text).captions) == 6
    assert all(not line.endswith("/14-0") for cue in ours for _, line in cue.text_lines)
