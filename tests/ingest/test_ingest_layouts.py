"""Every layout in tests/fixtures/layouts read with turns, speakers and sections exact.

Each fixture has a ``.gold.json`` beside it, written by hand from the layout conventions (not
from the reader's output): the turns as (speaker, speech), the section headings with the index
of the turn they precede, and optionally start times, annotations, warning fragments and text
that must never reach a turn (headers, notes, headings).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fgkit.ingest import read_transcript

LAYOUTS = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"
GOLD = sorted(LAYOUTS.glob("*.gold.json"))


def _case(gold_path: Path) -> tuple[Path, dict]:
    return LAYOUTS / gold_path.name[: -len(".gold.json")], json.loads(gold_path.read_text(encoding="utf-8"))


@pytest.fixture(params=GOLD, ids=lambda p: p.name[: -len(".gold.json")])
def case(request):
    return _case(request.param)


def test_there_is_a_fixture_for_every_layout_in_the_issue():
    names = {p.name[: -len(".gold.json")] for p in GOLD}
    assert {"otter_markdown.md", "otter_markdown_single_space.md", "bold_colon_labels.md",
            "bracket_codes.txt", "qualcoder_ids.txt", "numbered_lines.txt", "name_time_labels.txt",
            "header_and_notes.txt", "photo_elicitation.txt", "question_prompts.txt",
            "unlabelled.txt", "unlabelled_bom.srt"} <= names


def test_turns_and_speakers_are_exact(case):
    path, gold = case
    t = read_transcript(path)
    assert t.format == gold["format"]
    assert [[x.speaker_label, x.text] for x in t.turns] == gold["turns"]
    assert [x.index for x in t.turns] == list(range(len(gold["turns"])))


def test_sections_are_markers_between_turns(case):
    path, gold = case
    t = read_transcript(path)
    assert [[s.title, s.turn_index] for s in t.sections] == gold["sections"]
    for section in t.sections:
        assert all(section.title not in x.text for x in t.turns)
        assert section.title not in t.speakers
        if section.turn_index < len(t.turns):
            assert t.turns[section.turn_index].line > section.line


def test_start_times(case):
    path, gold = case
    if "starts" not in gold:
        pytest.skip("no timestamps in this layout")
    t = read_transcript(path)
    assert [x.start for x in t.turns] == [float(s) for s in gold["starts"]]


def test_transcriber_notes_become_annotations(case):
    path, gold = case
    t = read_transcript(path)
    for index, raws in gold.get("annotations", {}).items():
        assert [a.raw for a in t.turns[int(index)].annotations] == raws
    for turn in t.turns:
        assert "(laughs)" not in turn.text and "(sighs)" not in turn.text


def test_headers_notes_and_headings_never_reach_the_speech(case):
    path, gold = case
    t = read_transcript(path)
    everything = " ".join(x.text for x in t.turns)
    for fragment in gold.get("not_in_text", []):
        assert fragment not in everything
    for fragment in gold.get("warn", []):
        assert any(fragment in w for w in t.warnings), fragment


def test_note_taker_and_header_lines_are_counted_in_one_warning():
    t = read_transcript(LAYOUTS / "header_and_notes.txt")
    header = [w for w in t.warnings if "header block" in w]
    notes = [w for w in t.warnings if "note-taker" in w]
    assert len(header) == 1 and header[0].startswith("lines 1-4:")
    assert len(notes) == 1 and "4 " in notes[0] and "9, 13, 15, 19" in notes[0]
    # no speech and no label from the file is quoted in a warning
    assert not any("ACTION" in w or "Bronwen" in w or "REACTION" in w for w in t.warnings)


def test_unlabelled_text_has_one_warning_that_says_how_to_label():
    t = read_transcript(LAYOUTS / "unlabelled.txt")
    (warning,) = [w for w in t.warnings if "no speaker labels" in w]
    assert "Unknown Speaker" in warning and "P1:" in warning
    assert [x.line for x in t.turns] == [1, 4, 6]


def test_unlabelled_srt_says_how_to_label_cues():
    t = read_transcript(LAYOUTS / "unlabelled_bom.srt")
    (warning,) = [w for w in t.warnings if "no speaker labels" in w]
    assert "cue" in warning and "P1:" in warning


def test_byte_order_mark_is_reported_once():
    for name in ("otter_markdown.md", "numbered_lines.txt", "photo_elicitation.txt"):
        t = read_transcript(LAYOUTS / name)
        assert sum("byte-order mark" in w for w in t.warnings) == 1
    t = read_transcript(LAYOUTS / "qualcoder_ids.txt")
    assert not any("byte-order mark" in w for w in t.warnings)


def test_timestamp_is_not_part_of_the_speaker_label():
    t = read_transcript(LAYOUTS / "name_time_labels.txt")
    assert t.speakers == ["Tomasz Wrona", "Hollie Barnes"]


def test_moderator_prompt_keeps_its_number_as_an_annotation():
    t = read_transcript(LAYOUTS / "question_prompts.txt")
    prompts = [x for x in t.turns if x.speaker_label == "Moderator"]
    assert [[a.raw for a in x.annotations] for x in prompts] == [["Question 1."], ["Question 2."], ["Q3:"]]
    assert all(a.kind == "other" and a.offset == 0 for x in prompts for a in x.annotations)


def test_a_heading_splits_one_speakers_turns():
    t = read_transcript(LAYOUTS / "photo_elicitation.txt")
    assert [x.speaker_label for x in t.turns[4:6]] == ["Interviewer", "Interviewer"]
    assert t.sections[1].line == 12


def test_bracket_codes_that_number_lines_are_not_speakers(tmp_path):
    path = tmp_path / "numbered.txt"
    path.write_text(
        "[L1] Facilitator: What gets in the way?\n[L2] P1: Forms.\n[L3] More forms.\n"
        "[L4] P2: And travel time.\n",
        encoding="utf-8",
    )
    t = read_transcript(path)
    assert [(x.speaker_label, x.text) for x in t.turns] == [
        ("Facilitator", "What gets in the way?"), ("P1", "Forms. More forms."), ("P2", "And travel time."),
    ]


def test_bare_line_numbers_before_labels(tmp_path):
    path = tmp_path / "numbered.txt"
    path.write_text("1 Interviewer: How are you?\n2 Amara Bello: Tired.\n3 Very tired.\n", encoding="utf-8")
    t = read_transcript(path)
    assert [(x.speaker_label, x.text) for x in t.turns] == [
        ("Interviewer", "How are you?"), ("Amara Bello", "Tired. Very tired."),
    ]


@pytest.mark.parametrize(
    "line, speaker, start",
    [
        ("Ann Lee (00:01:23): We log everything.", "Ann Lee", 83.0),
        ("Ann Lee [00:01:23]: We log everything.", "Ann Lee", 83.0),
        ("Ann Lee (SL) (01:23): We log everything.", "Ann Lee (SL)", 83.0),
        ("Lee, Ann (1:02:03): We log everything.", "Lee, Ann", 3723.0),
        ("[00:01:23] Ann Lee: We log everything.", "Ann Lee", 83.0),
        ("[00:01:23]Ann Lee: We log everything.", "Ann Lee", 83.0),
        (">> ANN LEE: We log everything.", "ANN LEE", None),
        ("**Ann Lee**: We log everything.", "Ann Lee", None),
    ],
)
def test_label_markup_and_times_are_not_part_of_the_label(tmp_path, line, speaker, start):
    path = tmp_path / "fg.txt"
    path.write_text(f"{line}\nP2 (00:02:00): Even the calls.\n", encoding="utf-8")
    t = read_transcript(path)
    assert [(x.speaker_label, x.text) for x in t.turns] == [
        (speaker, "We log everything."), ("P2", "Even the calls."),
    ]
    assert t.turns[0].start == start


def test_timestamped_label_in_a_zoom_style_vtt(tmp_path):
    path = tmp_path / "fg.vtt"
    path.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nAnn Lee (00:00:01): We log everything.\n\n"
        "2\n00:00:03.500 --> 00:00:05.000\nSam Ito (00:00:03): Even the calls.\n",
        encoding="utf-8",
    )
    assert read_transcript(path).speakers == ["Ann Lee", "Sam Ito"]


def test_speech_that_looks_like_a_heading_is_kept(tmp_path):
    path = tmp_path / "fg.txt"
    path.write_text(
        "Interviewer: What would you call it?\n\nYes.\n\nOkay\n\nRespite Care\n\n"
        "P1: Thirty two.\n\nThirty two\n\nP2: Me too\nThe Same Again\nfor us.\n",
        encoding="utf-8",
    )
    t = read_transcript(path)
    assert [(x.speaker_label, x.text) for x in t.turns] == [
        ("Interviewer", "What would you call it? Yes. Okay"),
        ("P1", "Thirty two. Thirty two"),
        ("P2", "Me too The Same Again for us."),
    ]
    assert [(s.title, s.turn_index, s.line) for s in t.sections] == [("Respite Care", 1, 7)]


def test_repeated_standalone_names_are_speaker_lines_not_headings(tmp_path):
    path = tmp_path / "fg.txt"
    path.write_text(
        "Amara Bello\nHow was the review?\n\nJoe Tran\nLong. Too long.\n\n"
        "Amara Bello\nWhy?\n\nJoe Tran\nThree forms for one visit.\n",
        encoding="utf-8",
    )
    t = read_transcript(path)
    assert [(x.speaker_label, x.text) for x in t.turns] == [
        ("Amara Bello", "How was the review?"), ("Joe Tran", "Long. Too long."),
        ("Amara Bello", "Why?"), ("Joe Tran", "Three forms for one visit."),
    ]
    assert t.sections == ()


def test_docx_heading_styles_and_standalone_headings(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Carers' group, March", style="Title")
    document.add_paragraph("Interviewer: Where shall we start?")
    document.add_paragraph("P1: With the waiting list.")
    document.add_paragraph("Allowances", style="Heading 2")
    document.add_paragraph("Interviewer: And the allowance?")
    document.add_paragraph("Image four")
    document.add_paragraph("P1: That's my kitchen table covered in forms.")
    path = tmp_path / "fg.docx"
    document.save(path)
    t = read_transcript(path)
    assert [(x.speaker_label, x.text) for x in t.turns] == [
        ("Interviewer", "Where shall we start?"), ("P1", "With the waiting list."),
        ("Interviewer", "And the allowance?"), ("P1", "That's my kitchen table covered in forms."),
    ]
    assert [(s.title, s.turn_index, s.line) for s in t.sections] == [("Allowances", 2, 4), ("Image four", 3, 6)]


@pytest.mark.parametrize(
    "label, kind",
    [
        ("ACTION ITEM", "note"), ("POSITIVE REACTION", "note"), ("OBSERVER NOTE", "note"),
        ("Key Point", "note"), ("Comment", "note"), ("Summary", "field"), ("Source", "field"), ("Licence", "field"),
        ("License", "field"), ("Description", "field"), ("Date", "field"),
        ("Grace", "speaker"), ("GRACE WHITFIELD", "speaker"), ("Jane Smith", "speaker"),
        ("SOCIAL WORKER", "speaker"), ("Team Manager", "speaker"), ("Mum", "speaker"),
        ("P1", "speaker"), ("m1", "speaker"), ("Speaker 2", "speaker"), ("Unknown Speaker", "speaker"),
        ("Dr Obi", "speaker"), ("Ann Lee (SL)", "speaker"), ("Okafor, Daniel", "speaker"),
        ("Sam's iPad", "speaker"), ("Interviewer", "speaker"), ("Priya", "speaker"),
    ],
)
def test_label_kinds(label, kind):
    from fgkit.ingest.labels import label_kind

    assert label_kind(label, uses=1) == kind


def test_participants_init_drafts_the_prompt_speaker_as_a_facilitator(tmp_path):
    import csv

    from fgkit.participants import draft_register

    speakers = {name: read_transcript(LAYOUTS / name).speakers
                for name in ("question_prompts.txt", "numbered_lines.txt", "photo_elicitation.txt")}
    register = tmp_path / "participants.csv"
    assert draft_register(register, speakers) == 9
    roles = {(r["transcript"], r["speaker_label"]): r["role"] for r in csv.DictReader(register.open())}
    assert roles[("question_prompts.txt", "Moderator")] == "facilitator"
    assert roles[("numbered_lines.txt", "Moderator")] == "facilitator"
    assert roles[("photo_elicitation.txt", "Interviewer")] == "facilitator"
    assert roles[("question_prompts.txt", "Owen Price")] == ""


def _read(tmp_path, text: str, name: str = "fg.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_transcript(path)


def test_a_title_block_of_short_fields_names_people_without_giving_them_speech(tmp_path):
    t = _read(tmp_path, "Interviewer: Sam Hughes\nInterviewee: P3\nDate: 3 June 2025\n\n"
                        "Interviewer: Thanks for coming in today.\nP3: No problem at all.\n")
    assert [(x.speaker_label, x.text) for x in t.turns] == [
        ("Interviewer", "Thanks for coming in today."), ("P3", "No problem at all."),
    ]
    assert any(w.startswith("lines 1-3:") and "header block" in w for w in t.warnings)


def test_zoom_text_transcript_with_bracketed_names_and_clock_times(tmp_path):
    t = _read(tmp_path, "[Jane Doe] 10:02:15\nHello everyone.\n\n[Tom Price] 10:02:21\nLoud and clear.\n")
    assert [(x.speaker_label, x.text, x.start) for x in t.turns] == [
        ("Jane Doe", "Hello everyone.", 36135.0), ("Tom Price", "Loud and clear.", 36141.0),
    ]


def test_f4_time_marks_and_bare_minute_stamps(tmp_path):
    t = _read(tmp_path, "I: Thank you for taking part. #00:00:05-0#\n\nB1: You're welcome. #00:00:12-3#\n")
    assert [(x.speaker_label, x.text) for x in t.turns] == [("I", "Thank you for taking part."),
                                                           ("B1", "You're welcome.")]
    assert [a.timestamp for x in t.turns for a in x.annotations] == [5.0, 12.0]
    t = _read(tmp_path, "00:01 Interviewer: How did it go?\n00:05 Participant: Badly.\n00:09 It took hours.\n"
                        "00:15 Interviewer: Hours?\n")
    assert [(x.speaker_label, x.text, x.start) for x in t.turns] == [
        ("Interviewer", "How did it go?", 1.0), ("Participant", "Badly. It took hours.", 5.0),
        ("Interviewer", "Hours?", 15.0),
    ]


def test_a_label_inside_speech_does_not_make_codes_line_numbers(tmp_path):
    t = _read(tmp_path, "Facilitator: Go on.\nP1: Three things: time, trust, tea.\nP2: Yes.\n"
                        "P3: Note: I only speak for my team.\nP1: Fair.\n")
    assert [x.speaker_label for x in t.turns] == ["Facilitator", "P1", "P2", "P3", "P1"]
    assert t.turns[3].text == "Note: I only speak for my team."


def test_numbered_theme_with_a_colon_is_a_section(tmp_path):
    t = _read(tmp_path, "JOHN: The rota is the problem.\nMARY: It always is.\n\nTheme 2: Weekend cover\n\n"
                        "JOHN: Weekends are the worst.\n")
    assert [(s.title, s.turn_index) for s in t.sections] == [("Theme 2: Weekend cover", 2)]
    assert t.speakers == ["JOHN", "MARY"]


@pytest.mark.parametrize(
    "speech, clean, raws",
    [
        ("Six years. (Jane laughs) Too long.", "Six years. Too long.", ["(Jane laughs)"]),
        ("Yes. (nods) I think so.", "Yes. I think so.", ["(nods)"]),
        ("We gave them (carers) a leaflet.", "We gave them (carers) a leaflet.", []),
        ("That one (points at the chart) matters.", "That one (points at the chart) matters.", []),
        ("It starts at 09:00 (00:01:23) sharp.", "It starts at 09:00 sharp.", ["(00:01:23)"]),
        ("Meet at noon (12:30) then.", "Meet at noon (12:30) then.", []),
    ],
)
def test_stage_directions_are_notes_between_sentences_only(speech, clean, raws):
    from fgkit.ingest.annotations import extract_annotations

    text, anns = extract_annotations(speech)
    assert text == clean and [a.raw for a in anns] == raws


def test_docx_headings_without_styles_or_blank_lines(tmp_path):
    import docx

    document = docx.Document()
    for text in ("Interviewer: Which photo first?", "P20: The allotment.", "Fitspiration \u2013 Retrospective",
                 "Interviewer: And this one?", "P20: My gym card. Never used.", "More Than I Expected",
                 "for a card."):
        document.add_paragraph(text)
    path = tmp_path / "fg.docx"
    document.save(path)
    t = read_transcript(path)
    assert [(x.speaker_label, x.text) for x in t.turns] == [
        ("Interviewer", "Which photo first?"), ("P20", "The allotment."), ("Interviewer", "And this one?"),
        ("P20", "My gym card. Never used. More Than I Expected for a card."),
    ]
    assert [(s.title, s.turn_index) for s in t.sections] == [("Fitspiration \u2013 Retrospective", 2)]
