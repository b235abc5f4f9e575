"""Each reader on a realistic transcript of its format."""

from __future__ import annotations

from pathlib import Path

import pytest

from fgkit.errors import TranscriptError
from fgkit.ingest import READERS, detect_format, read_transcript

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"


def speakers_and_text(t):
    return [(turn.speaker_label, turn.text) for turn in t.turns]


def test_teams_vtt_merges_cues_and_keeps_voice_names_as_written():
    t = read_transcript(FIXTURES / "teams_fg1.vtt")
    assert t.format == "teams_vtt"
    assert t.name == "teams_fg1.vtt"
    assert t.speakers == ["Priya Shah", "Okafor, Daniel", "Beth Morgan"]
    assert [turn.index for turn in t.turns] == [0, 1, 2, 3, 4]
    daniel = t.turns[1]
    assert daniel.text == (
        "Honestly the pressure never stops. There's no time to reflect, just an endless cycle of cases."
    )
    assert (daniel.start, daniel.end) == (7.01, 15.9)
    (mark,) = daniel.annotations
    assert (mark.kind, mark.timestamp) == ("inaudible", 13.0)
    assert daniel.text[mark.offset] == ","
    # multi-line cue joined with a space
    assert t.turns[0].text.endswith("This session is about workload and how cases get allocated.")


def test_teams_vtt_out_of_range_seconds_carry_over_with_warning():
    t = read_transcript(FIXTURES / "teams_fg1.vtt")
    beth = t.turns[2]
    # 00:01:75.000 is 1 min 75 s = 2 min 15 s; the cue after the missing blank line still parsed
    assert beth.end == 135.0
    assert beth.text == "I don't feel I have any say in what's allocated to me. It just appears in my tray."
    assert any(w.startswith("line 20:") and "out of range" in w for w in t.warnings)


def test_zoom_vtt_labels_roles_devices_emails_and_continuations():
    t = read_transcript(FIXTURES / "zoom_fg2.vtt")
    assert t.format == "zoom_vtt"
    assert t.speakers == ["Ann Lee (SL)", "Sam's iPad", "tom.hughes@council.gov.uk"]
    sam = t.turns[1]
    assert sam.text.endswith("Amber 4. Red 6 and Purple 8, but nobody keeps it up to date.")
    assert (sam.start, sam.end) == (5.2, 14.0)
    tom = t.turns[2]
    assert tom.text == "We tried it for a month and then it lapsed."
    assert tom.annotations[0].kind == "crosstalk" and tom.annotations[0].timestamp == 16.0


def test_zoom_vtt_keeps_other_script_debris_and_warns_by_line():
    t = read_transcript(FIXTURES / "zoom_fg2.vtt")
    assert "谢谢" in t.turns[-1].text
    debris = [w for w in t.warnings if "another script" in w]
    assert debris == [debris[0]] and "25" in debris[0] and "谢谢" not in debris[0]


def test_plain_vtt_without_voices_gives_one_unknown_turn_per_cue(tmp_path):
    path = tmp_path / "plain.vtt"
    path.write_text(
        "WEBVTT\n\n00:01.000 --> 00:03.000\nWe need more staff.\n\n"
        "00:03.500 --> 00:06.000\nAnd fewer forms.\n",
        encoding="utf-8",
    )
    t = read_transcript(path)
    assert t.format == "vtt"
    assert speakers_and_text(t) == [("Unknown Speaker", "We need more staff."), ("Unknown Speaker", "And fewer forms.")]
    assert t.turns[1].start == 3.5
    assert sum("no speaker labels" in w for w in t.warnings) == 1


def test_otter_headers_timestamps_unknown_speaker_and_footer():
    t = read_transcript(FIXTURES / "otter_fg3.txt")
    assert t.format == "otter"
    assert t.speakers == ["Unknown Speaker", "Priya Shah", "Daniel Okafor", "Beth Morgan"]
    daniel = t.turns[2]
    assert daniel.text == (
        "Curious, I suppose. But cautious. If it writes my case notes, who is accountable? And who checks it?"
    )
    assert daniel.start == 21.0 and daniel.line == 8
    assert t.turns[3].start == 3723.0  # 1:02:03
    assert all("otter.ai" not in turn.text for turn in t.turns)


def test_typed_transcript_header_metadata_labels_and_continuations():
    t = read_transcript(FIXTURES / "typed_fg4.txt")
    assert t.format == "typed"
    assert [turn.speaker_label for turn in t.turns] == ["FACILITATOR", "P1", "Interviewer", "P2", "R", "P1"]
    for fake in ("Title", "Date", "Location", "Duration", "Question 3.", "Focus Group 4 - Team Managers"):
        assert fake not in t.speakers
    p1 = t.turns[1]
    assert p1.start == 70.0 and p1.line == 9
    assert p1.text.startswith("The allocation meeting is where it all happens or doesn't. We look at the tray")
    assert p1.text.endswith("Honestly nobody has capacity. We just share out the pain.")
    back = [a for a in p1.annotations if a.kind == "backchannel"]
    assert [(a.speaker, a.text) for a in back] == [("P2", "No.")]
    assert p1.text[back[0].offset :].startswith("We just share")
    assert any(w.startswith("lines 1-5:") and "metadata" in w for w in t.warnings)
    # "Question 3." alone above a labelled question is a section heading: kept as a marker
    # before the interviewer's turn (it used to be dropped as metadata).
    assert [(s.title, s.line, s.turn_index) for s in t.sections] == [("Question 3.", 14, 2)]
    assert any(w.startswith("line 14:") and "section heading" in w for w in t.warnings)
    assert t.turns[3].start == 225.0
    assert [a.text for a in t.turns[3].annotations if a.kind == "unclear"] == ["Beeston?"]


def test_srt_with_speaker_prefixes_merges_continuation_cues():
    t = read_transcript(FIXTURES / "subtitles_labelled.srt")
    assert t.format == "srt"
    assert speakers_and_text(t) == [
        ("FACILITATOR", "Let's talk about emotional labour."),
        ("P3", "You carry it home with you. Every single night. It doesn't switch off."),
        ("P4", "Same for me."),
    ]
    assert (t.turns[1].start, t.turns[1].end) == (4.5, 10.0)
    assert t.warnings == ()


def test_srt_without_any_labels_is_unknown_speaker_with_one_warning():
    t = read_transcript(FIXTURES / "subtitles_unlabelled.srt")
    assert len(t.turns) == 3
    assert t.speakers == ["Unknown Speaker"]
    assert len(t.warnings) == 1


def test_csv_semicolon_export_with_synonym_columns():
    t = read_transcript(FIXTURES / "export_fg5.csv")
    assert t.format == "csv"
    assert speakers_and_text(t) == [
        ("Facilitator", "Welcome, everyone; let us begin."),
        ("P5", "We need a fairer allocation system. And more time to think."),
        ("P6", "I agree completely."),
    ]
    assert [turn.start for turn in t.turns] == [5.0, 12.0, 31.0]
    assert t.turns[2].line == 6


def test_csv_without_text_column_names_the_header_line(tmp_path):
    # no column is named as the speech and none holds free text (codes and numbers only)
    path = tmp_path / "bad.csv"
    path.write_text("who,minute,code\nP1,12,A3\nP2,13,B7\n", encoding="utf-8")
    with pytest.raises(TranscriptError) as info:
        read_transcript(path)
    assert info.value.line == 1 and "text column" in info.value.message


def test_csv_detected_by_header_in_a_txt_file(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text("speaker\ttext\tstart\nP1\tHello there.\t1.5\n", encoding="utf-8")
    t = read_transcript(path)
    assert t.format == "csv" and t.turns[0].start == 1.5


def _docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(path)
    return path


def test_docx_name_colon_paragraphs_span_and_ignore_participant_table(tmp_path):
    path = _docx(
        tmp_path / "fg7.docx",
        ["Focus group 7", "Facilitator: What would help most?", "P1: Time.",
         "Time to think about the family, not the form.", "P2: Agreed [laughs]."],
        table=[["Name", "Role"], ["Jane Roe", "Practitioner"]],
    )
    t = read_transcript(path)
    assert t.format == "docx"
    assert speakers_and_text(t) == [
        ("Facilitator", "What would help most?"),
        ("P1", "Time. Time to think about the family, not the form."),
        ("P2", "Agreed."),
    ]
    assert t.turns[1].line == 3  # paragraph number
    assert "Jane Roe" not in t.speakers


def test_docx_recorder_headers_with_times(tmp_path):
    path = _docx(
        tmp_path / "fg8.docx",
        ["@00:12 - Priya Shah", "How is the new system?", "@01:05 - Daniel Okafor",
         "Slower.", "It adds clicks.", "Beth Morgan  2:03", "I like the dashboard."],
    )
    t = read_transcript(path)
    assert speakers_and_text(t) == [
        ("Priya Shah", "How is the new system?"),
        ("Daniel Okafor", "Slower. It adds clicks."),
        ("Beth Morgan", "I like the dashboard."),
    ]
    assert [turn.start for turn in t.turns] == [12.0, 65.0, 123.0]


def test_docx_table_is_the_transcript_when_body_has_no_speech(tmp_path):
    path = _docx(
        tmp_path / "fg9.docx",
        ["Transcript"],
        table=[["00:00:05", "Facilitator", "Welcome."], ["00:00:09", "P1", "Thanks for having us."]],
    )
    t = read_transcript(path)
    assert speakers_and_text(t) == [("Facilitator", "Welcome."), ("P1", "Thanks for having us.")]
    assert [turn.start for turn in t.turns] == [5.0, 9.0]
    assert any("table" in w for w in t.warnings)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("teams_fg1.vtt", "teams_vtt"),
        ("zoom_fg2.vtt", "zoom_vtt"),
        ("otter_fg3.txt", "otter"),
        ("typed_fg4.txt", "typed"),
        ("subtitles_labelled.srt", "srt"),
        ("export_fg5.csv", "csv"),
    ],
)
def test_detection_by_content_ignores_a_misleading_extension(name, expected):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    assert detect_format(Path("renamed.txt"), text) == expected
    assert expected in READERS


def test_every_format_has_a_reader():
    from fgkit.ingest import FORMATS

    assert set(READERS) == set(FORMATS)
