"""Fuzzing: whatever the bytes, ingest gives a Transcript or a TranscriptError, nothing else."""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fgkit.errors import TranscriptError
from fgkit.ingest import READERS, read_transcript
from fgkit.ingest.common import Source, normalise_text
from fgkit.ingest.turns import build_turns
from fgkit.records import Transcript

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"
LAYOUTS = FIXTURES.parent / "layouts"
TEXT_FIXTURES = sorted(p for p in FIXTURES.iterdir() if p.is_file()) + sorted(
    p for p in LAYOUTS.iterdir() if p.is_file() and not p.name.endswith(".json")
)
TEXT_FORMATS = sorted(f for f in READERS if f != "docx")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text biased towards the characters that matter to the parsers.
transcript_chars = st.sampled_from(
    list("abcXYZ P1:[]()<>/.,-@ \n\n\r\t0123456789") + ["-->", "WEBVTT", "<v ", "</v>", "\u00a0", "\ufeff",
    "\u2019", "谢", "[laughs]", "[Paul: ", "(.)", "00:01:75.000", "\x00", "Transcribed by otter.ai"]
)
transcript_text = st.lists(transcript_chars, max_size=120).map("".join)


def _read_bytes(data: bytes, suffix: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            result = read_transcript(path)
        except TranscriptError as exc:
            assert exc.path == path
            return exc
    assert isinstance(result, Transcript)
    assert result.name == path.name and result.format in READERS
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.turns, "a transcript is returned only with turns; otherwise a TranscriptError"
    check_turns(result.turns, data.count(b"\n") + data.count(b"\r") + 1)
    assert result.speakers == list(dict.fromkeys(t.speaker_label for t in result.turns))
    assert result.words == sum(len(t.text.split()) for t in result.turns)
    return result


def check_turns(turns, max_line: int) -> None:
    """What every reader promises of the turns it builds, whatever the input."""
    assert [t.index for t in turns] == list(range(len(turns)))
    assert len({t.turn_id for t in turns}) == len(turns), "turn ids are unique"
    for turn in turns:
        assert turn.text and turn.text == turn.text.strip(), "no empty or padded speech"
        assert turn.speaker_label and turn.speaker_label == turn.speaker_label.strip()
        assert 1 <= turn.line <= max_line, "the line points into the file"
        if turn.start is not None:
            assert turn.start >= 0
        if turn.start is not None and turn.end is not None:
            assert turn.start <= turn.end
        assert all(0 <= a.offset <= len(turn.text) for a in turn.annotations)


@SETTINGS
@given(fmt=st.sampled_from(TEXT_FORMATS), text=st.one_of(transcript_text, st.text(max_size=300)))
def test_every_text_reader_survives_any_text(fmt, text):
    source = Source(Path("fuzz.txt"), text.encode("utf-8", "surrogatepass"), normalise_text(text))
    try:
        utterances = READERS[fmt](source)
        turns = build_turns("fuzz.txt", utterances, source)
    except TranscriptError as exc:
        assert exc.path == Path("fuzz.txt") and str(exc).startswith("fuzz.txt")
        return
    check_turns(turns, source.text.count("\n") + 1)
    # Reading is deterministic: the same text gives the same turns.
    assert build_turns("fuzz.txt", READERS[fmt](source), source) == turns


@SETTINGS
@given(
    suffix=st.sampled_from([".vtt", ".srt", ".txt", ".csv", ".docx", ""]),
    data=st.one_of(st.binary(max_size=400), transcript_text.map(lambda s: s.encode("utf-8", "surrogatepass"))),
)
def test_read_transcript_survives_any_bytes(suffix, data):
    _read_bytes(data, suffix)


@SETTINGS
@given(
    fixture=st.sampled_from(TEXT_FIXTURES),
    cut=st.integers(min_value=0, max_value=4000),
    junk=st.binary(max_size=20),
    at=st.integers(min_value=0, max_value=4000),
    encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]),
)
def test_mutated_fixtures_never_crash(fixture, cut, junk, at, encoding):
    data = fixture.read_text(encoding="utf-8").encode(encoding, "replace")
    data = data[: max(cut, 1)] if cut < len(data) else data
    data = data[:at] + junk + data[at:]
    _read_bytes(data, fixture.suffix)


def _docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    for text in ("Facilitator: What helps?", "P1: Time to think.", "P2: Fewer forms [laughs]."):
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX = _docx_bytes()


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=4, max_value=len(DOCX)), flip=st.integers(min_value=0, max_value=len(DOCX) - 1))
def test_damaged_docx_never_crashes(cut, flip):
    data = bytearray(DOCX)
    data[flip] ^= 0xFF
    _read_bytes(bytes(data[:cut]), ".docx")
