"""Real-file quirks: encodings, line endings, odd spaces, damaged and non-transcript files."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import pytest

from fgkit.errors import TranscriptError
from fgkit.ingest import read_transcript

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"

TYPED = (
    "Title: Managers group\n"
    "FACILITATOR:\u00a0What does \u201cfair\u201d mean here?\n"
    "P1: It\u2019s fair when I\u2019m asked \u2013 not told. Caf\u00e9 chats don\u2019t count.\n"
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "encoding, prefix",
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16", b""),  # Python writes the BOM itself
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("cp1252", b""),
    ],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_encodings_and_line_endings_read_the_same(tmp_path, encoding, prefix, newline):
    data = prefix + TYPED.replace("\n", newline).encode(encoding)
    t = read_transcript(write(tmp_path, "fg.txt", data))
    assert [(x.speaker_label, x.text) for x in t.turns] == [
        ("FACILITATOR", 'What does "fair" mean here?'),
        ("P1", "It's fair when I'm asked \u2013 not told. Caf\u00e9 chats don't count."),
    ]
    assert [x.line for x in t.turns] == [2, 3]
    decoded_warning = [w for w in t.warnings if "not UTF-8" in w]
    assert decoded_warning == (["not UTF-8: decoded as cp1252; check accented letters and symbols"]
                               if encoding == "cp1252" else [])


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark(tmp_path, encoding):
    t = read_transcript(write(tmp_path, "fg.txt", TYPED.encode(encoding)))
    assert t.speakers == ["FACILITATOR", "P1"]
    assert t.turns[1].text.startswith("It's fair when I'm asked")


def test_short_windows_1252_file_is_read_as_windows_1252(tmp_path):
    text = "Interviewer:\nWhat matters?\n\nP1 (social worker):\n\u00a0Time\u2026 and trust \u2013 \u00a35.\n"
    t = read_transcript(write(tmp_path, "fg.txt", text.encode("cp1252")))
    assert t.turns[1].text == "Time\u2026 and trust \u2013 \u00a35."
    assert any("cp1252" in w for w in t.warnings)


def test_same_content_in_different_encodings_gives_the_same_turn_ids(tmp_path):
    a = read_transcript(write(tmp_path, "a.txt", TYPED.encode("utf-8")), name="fg.txt")
    b = read_transcript(write(tmp_path, "b.txt", TYPED.replace("\n", "\r\n").encode("utf-16")), name="fg.txt")
    assert [x.turn_id for x in a.turns] == [x.turn_id for x in b.turns]
    assert a.sha256 != b.sha256


def test_teams_vtt_in_utf16_with_crlf(tmp_path):
    text = (FIXTURES / "teams_fg1.vtt").read_text(encoding="utf-8").replace("\n", "\r\n")
    t = read_transcript(write(tmp_path, "fg1.vtt", text.encode("utf-16")))
    assert t.format == "teams_vtt" and len(t.turns) == 5


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf", codecs.BOM_UTF16_LE])
def test_empty_files_are_a_transcript_error(tmp_path, data):
    with pytest.raises(TranscriptError) as info:
        read_transcript(write(tmp_path, "empty.vtt", data))
    assert info.value.path.name == "empty.vtt"


@pytest.mark.parametrize(
    "name, data, hint",
    [
        ("audio.txt", bytes(range(256)) * 8, "binary"),
        ("fg.vtt", b"\x00\x01\x02WEBVTT\x00\x00\x00" * 50, "binary"),
        ("slides.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
        ("fg.rtf", b"{\\rtf1\\ansi P1: hello}", "RTF"),
        ("fg.json", b'{"speaker": "P1", "text": "hello"}', "JSON"),
        ("fg.docx", b"P1: this is plain text with a docx name", "not a Word document"),
    ],
)
def test_non_transcripts_are_refused_with_a_reason(tmp_path, name, data, hint):
    with pytest.raises(TranscriptError) as info:
        read_transcript(write(tmp_path, name, data))
    assert hint in info.value.message


def test_zip_that_is_not_docx(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("notes.txt", "P1: hello")
    with pytest.raises(TranscriptError) as info:
        read_transcript(write(tmp_path, "bundle.zip", buffer.getvalue()))
    assert "zip" in info.value.message


def test_truncated_docx_is_a_transcript_error(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("P1: The pressure never stops.")
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    with pytest.raises(TranscriptError) as info:
        read_transcript(write(tmp_path, "cut.docx", data[: len(data) // 2]))
    assert "damaged" in info.value.message


def test_truncated_vtt_keeps_complete_cues_and_warns():
    t = read_transcript(FIXTURES / "truncated_fg6.vtt")
    assert t.speakers == ["Priya Shah", "Beth Morgan"]
    assert t.warnings == ("line 12: the file ends inside a cue (truncated?); that cue was left out",)


def test_vtt_cut_inside_a_timing_line(tmp_path):
    text = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nP1: We need time.\n\n2\n00:00:04.000 --> 00:0"
    t = read_transcript(write(tmp_path, "cut.vtt", text.encode()))
    assert [(x.speaker_label, x.text) for x in t.turns] == [("P1", "We need time.")]
    assert any("ends inside a cue" in w for w in t.warnings)


def test_vtt_with_only_a_header_has_no_speech(tmp_path):
    with pytest.raises(TranscriptError) as info:
        read_transcript(write(tmp_path, "blank.vtt", b"WEBVTT\n\nNOTE exported by Teams\n"))
    assert "nothing that looks like speech" in info.value.message


def test_prose_without_labels_is_read_as_unknown_speaker_paragraphs_with_one_warning(tmp_path):
    prose = b"Minutes of the team meeting.\n\nWe discussed allocation and agreed to meet again.\n"
    t = read_transcript(write(tmp_path, "minutes.txt", prose))
    assert [(x.speaker_label, x.text) for x in t.turns] == [
        ("Unknown Speaker", "Minutes of the team meeting."),
        ("Unknown Speaker", "We discussed allocation and agreed to meet again."),
    ]
    (warning,) = t.warnings
    assert "no speaker labels" in warning and "P1:" in warning


def test_vtt_header_straight_into_cue_without_blank_line(tmp_path):
    text = "WEBVTT\n00:00:01.000 --> 00:00:02.000\n<v Ann Lee>Hello.</v>\n"
    t = read_transcript(write(tmp_path, "tight.vtt", text.encode()))
    assert [(x.speaker_label, x.text) for x in t.turns] == [("Ann Lee", "Hello.")]


def test_leading_unlabelled_vtt_cue_becomes_unknown_speaker_with_warning(tmp_path):
    text = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nis this on?\n\n"
        "2\n00:00:02.500 --> 00:00:04.000\nAnn Lee: Yes, we're recording.\n"
    )
    t = read_transcript(write(tmp_path, "z.vtt", text.encode()))
    assert t.speakers == ["Unknown Speaker", "Ann Lee"]
    assert any(w.startswith("line 5:") and "Unknown Speaker" in w for w in t.warnings)


def test_error_and_warning_messages_never_quote_speech(tmp_path):
    secret = "Mrs Okafor at 14 Beeston Road"
    path = write(tmp_path, "fg.vtt", f"WEBVTT\n\n00:00:01.000 --> 00:00:99.000\n{secret} 谢谢\n".encode())
    t = read_transcript(path)
    assert all("Okafor" not in w and "Beeston" not in w for w in t.warnings)
    with pytest.raises(TranscriptError) as info:
        read_transcript(write(tmp_path, "p.vtt", f"WEBVTT\n\nNOTE {secret}\n".encode()))
    assert "Okafor" not in str(info.value)
    unlabelled = read_transcript(write(tmp_path, "p.txt", f"{secret}.\n\nACTION ITEM: {secret}\n".encode()))
    assert unlabelled.turns[0].text == f"{secret}."
    assert all("Okafor" not in w and "Beeston" not in w and "ACTION" not in w for w in unlabelled.warnings)


def test_speaker_labels_are_kept_exactly_as_written(tmp_path):
    text = (
        "Ann Lee (ann.lee@council.gov.uk): We log everything.\n"
        "Lee, Ann: Even the calls.\n"
        "Sam's iPhone: Sorry, I was on mute.\n"
        "Dr. O'Neil-Smith (TM): Governance helps.\n"
        "Speaker 2: Agreed.\n"
        "interviewer: Thank you.\n"
    )
    t = read_transcript(write(tmp_path, "fg.txt", text.encode()))
    assert t.speakers == [
        "Ann Lee (ann.lee@council.gov.uk)", "Lee, Ann", "Sam's iPhone", "Dr. O'Neil-Smith (TM)", "Speaker 2",
        "interviewer",
    ]
    assert t.turns[0].text == "We log everything."
