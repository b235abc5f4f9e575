"""Layouts seen in real public transcripts (second round), each as a class with its near misses.

The gold fixtures in tests/fixtures/layouts cover each layout whole; these tests pin the
decisions that make them work, and the look-alikes that must stay as they were: speech is never
dropped on a guess, and a file without the layout reads as before.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fgkit.ingest import read_transcript
from fgkit.ingest.annotations import extract_annotations
from fgkit.ingest.labels import label_kind

LAYOUTS = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"


def _read(tmp_path: Path, text: str, name: str = "fg.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_transcript(path)


def _pairs(t):
    return [(x.speaker_label, x.text) for x in t.turns]


def test_there_is_a_fixture_for_every_layout_of_this_round():
    names = {p.name[: -len(".gold.json")] for p in LAYOUTS.glob("*.gold.json")}
    assert {"csv_words_column.csv", "underline_tab_labels.md", "vtt_name_without_colon.vtt",
            "seminar_front_matter.md", "call_log_fields.md", "meeting_actions.md",
            "meeting_initials.md", "escaped_marks.md", "pdf_page_furniture.txt",
            "oral_history_about.md", "plain_headings.txt"} <= names


# --- CSV: the speech column -------------------------------------------------------------------

def test_csv_speech_column_with_an_unknown_name_is_the_one_with_the_longest_text(tmp_path):
    t = _read(tmp_path, "clip,who,mood,remarks_of_speaker\n"
                        "1,Facilitator,ok,What did the council tell you about the assessment?\n"
                        "2,Nkechi,cross,Nothing at all until the letter came in March.\n"
                        "3,Facilitator,ok,And then?\n", "export.csv")
    assert _pairs(t) == [("Facilitator", "What did the council tell you about the assessment?"),
                         ("Nkechi", "Nothing at all until the letter came in March."),
                         ("Facilitator", "And then?")]
    (warning,) = [w for w in t.warnings if "longest text" in w]
    assert "column 4" in warning and "remarks_of_speaker" in warning
    assert "Nothing" not in warning  # the column is named, never the speech


def test_csv_speaker_colons_and_written_out_times(tmp_path):
    t = _read(tmp_path, ",speaker,time,transcript\n0,moderator,0M 5S,Welcome to the panel.\n"
                        "1,JT:,1M 21S,Thank you for having me.\n2,JT:,,It is good to be here.\n",
              "panel.csv")
    assert _pairs(t) == [("moderator", "Welcome to the panel."),
                         ("JT", "Thank you for having me. It is good to be here.")]
    assert [x.start for x in t.turns] == [5.0, 81.0]


# --- cues opening with a name and no colon ------------------------------------------------

def test_unlabelled_cues_opening_with_common_words_stay_unlabelled(tmp_path):
    openings = ["I think the team did well", "I was not sure at first", "The rota changed twice",
                "The manager rang me", "So we carried on", "So that was March", "It was hard",
                "It got better"]
    cues = "\n".join(f"{k}\n00:00:{k:02d}.000 --> 00:00:{k + 1:02d}.000\n{text}.\n"
                     for k, text in enumerate(openings, 1))
    t = _read(tmp_path, "WEBVTT\n\n" + cues, "talk.vtt")
    assert t.speakers == ["Unknown Speaker"] and len(t.turns) == len(openings)
    assert any("no speaker labels" in w for w in t.warnings)


def test_names_without_colon_in_srt_cues(tmp_path):
    cues = [("Yusuf Demir", "We started the carers' cafe in a church hall."),
            ("Yusuf Demir", "Nobody came for the first month."),
            ("Marta Kowalczyk", "Then the leaflet went out with the GP letters."),
            ("Marta Kowalczyk", "And suddenly we had thirty people."),
            ("Yusuf Demir", "Thirty-two, actually.")]
    text = "\n".join(f"{k}\n00:00:0{k},000 --> 00:00:0{k + 1},000\n{who} {what}\n"
                     for k, (who, what) in enumerate(cues, 1))
    t = _read(tmp_path, text, "cafe.srt")
    assert _pairs(t) == [("Yusuf Demir", "We started the carers' cafe in a church hall. Nobody came for the first month."),
                         ("Marta Kowalczyk", "Then the leaflet went out with the GP letters. And suddenly we had thirty people."),
                         ("Yusuf Demir", "Thirty-two, actually.")]


# --- what stands before a colon -------------------------------------------------------------

@pytest.mark.parametrize(
    "label, uses, kind",
    [
        ("ACTION 62.1", 1, "note"), ("DECISION 7", 1, "note"), ("Action Item 3", 2, "note"),
        ("Table 3", 2, "speaker"), ("P12", 1, "speaker"), ("Speaker 2", 3, "speaker"),
        ("MLS", 1, "speaker"), ("DE", 1, "speaker"), ("DECISION", 1, "note"),
        ("Call Date", 1, "field"), ("Customer ID", 1, "field"), ("Meeting Date/Time", 1, "field"),
        ("Status", 4, "field"), ("Ann Place", 1, "speaker"), ("Grace Date", 2, "speaker"),
        ("Support Worker", 1, "speaker"), ("Chair", 1, "speaker"),
    ],
)
def test_label_kinds_second_round(label, uses, kind):
    assert label_kind(label, uses) == kind


def test_event_lines_are_not_a_speaker_but_an_ordinary_word_that_talks_is(tmp_path):
    t = _read(tmp_path, "EVENT: Session opened.\nCOACH: Right, I'm glad you all came.\n"
                        "PLAYER: Thanks, coach.\nEVENT: Recording paused.\nCOACH: We're back. Where were we?\n"
                        "EVENT: Session closed.\n")
    assert t.speakers == ["COACH", "PLAYER"]
    assert "Recording paused" not in " ".join(x.text for x in t.turns)


def test_a_once_used_label_that_talks_before_the_dialogue_is_speech(tmp_path):
    t = _read(tmp_path, "## Welcome\n\nChair: Welcome, everyone, thanks for making the time.\n\n"
                        "## Part 1\n\nThe group watched a short film about respite.\n\n"
                        "P1: I liked it.\n\nP2: I didn't.\n\nP1: Why not?\n\nP2: Too glossy.\n")
    assert t.turns[0].speaker_label == "Chair"


def test_indented_labels_stay_labels_when_every_label_is_indented(tmp_path):
    t = _read(tmp_path, "  Ana: We meet on Mondays.\n  Ben: And Thursdays.\n  Ana: Sometimes.\n"
                        "  Ben: Rarely.\n")
    assert t.speakers == ["Ana", "Ben"] and len(t.turns) == 4


# --- headings, notes and metadata -------------------------------------------------------------

def test_numbered_headings_on_every_page_are_sections_not_page_furniture(tmp_path):
    body = []
    for k in range(1, 5):
        body += [f"Participant {k}", "", f"Interviewer: What do you remember about week {k}?", "",
                 "Respondent: Mostly the waiting, and the forms, and the phone calls to the office.", ""]
    t = _read(tmp_path, "\n".join(body) * 3)
    assert [s.title for s in t.sections][:4] == ["Participant 1", "Participant 2", "Participant 3", "Participant 4"]


def test_sentence_case_line_in_unpunctuated_speech_stays_speech(tmp_path):
    t = _read(tmp_path, "Speaker 1: so what do you think about the new rota\n\n"
                        "Speaker 2: honestly it depends on the week\n\n"
                        "Depends on the manager too\n\n"
                        "Speaker 1: right and how often does it change\n\n"
                        "Speaker 2: every month or so\n\nSpeaker 1: okay thanks\n")
    assert "Depends on the manager too" in t.turns[1].text and not t.sections


def test_talk_before_the_first_label_is_speech_and_a_description_is_metadata(tmp_path):
    t = _read(tmp_path, "# Interview with a Shared Lives carer\n\n## Details\n\n"
                        "Interview recorded on 4 June 2025. Interviewer is Sol Ferrante.\n\n"
                        "## Transcript\n\nSol Ferrante: Shall we begin?\n\nLeah Brennan: Go on then.\n\n"
                        "Sol Ferrante: How long have you been a carer?\n\nLeah Brennan: Nine years.\n")
    assert _pairs(t)[0] == ("Sol Ferrante", "Shall we begin?")
    assert "Interviewer is" not in " ".join(x.text for x in t.turns)
    assert [s.title for s in t.sections] == ["Transcript"]


def test_a_code_block_with_no_labels_is_not_speech(tmp_path):
    t = _read(tmp_path, "P1: Our referral form looks like this.\n\n```\nName: ____\nNHS no: ____\n```\n\n"
                        "P2: Ours is longer.\n\nP1: Of course it is.\n", "notes.md")
    assert _pairs(t) == [("P1", "Our referral form looks like this."), ("P2", "Ours is longer."),
                         ("P1", "Of course it is.")]


def test_a_list_after_a_heading_is_a_note_but_a_list_inside_a_turn_is_speech(tmp_path):
    t = _read(tmp_path, "FA: What matters most?\n\nKB: Three things:\n- time\n- money\n- people\n\n"
                        "#### Outcome\n\n- Agreed to meet again\n\nFA: Thanks.\n\nKB: Bye.\n", "m.md")
    assert _pairs(t) == [("FA", "What matters most?"), ("KB", "Three things: - time - money - people"),
                         ("FA", "Thanks."), ("KB", "Bye.")]


# --- marks ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "lead, speech, clean, raws",
    [
        # an editor's word at the start of a wrapped line, the sentence still open: speech
        ("they had nothing to offer but", "[using] a leaflet.", "[using] a leaflet.", []),
        # the same mark after a finished sentence: a stage direction
        ("That was the end of it.", "[nods] Yes.", "Yes.", ["[nods]"]),
        ("", "<laughs> It was chaos.", "It was chaos.", ["<laughs>"]),
        ("", "Write to <ann@example.org> please.", "Write to <ann@example.org> please.", []),
        ("", "(Summary slide)", "", ["(Summary slide)"]),
        ("", "(I mean, it was hard)", "(I mean, it was hard)", []),
        ("", "[to the interviewer] Is this on?", "Is this on?", ["[to the interviewer]"]),
    ],
)
def test_marks_judged_with_the_speech_before_them(lead, speech, clean, raws):
    text, anns = extract_annotations(speech, lead)
    assert text == clean and [a.raw for a in anns] == raws


def test_escaped_stamp_is_a_time_not_a_back_channel(tmp_path):
    t = _read(tmp_path, "**Ana Ruiz:** \\[04:23\\] Right. Where were we? \\[laughs\\]\n\n"
                        "**Ben Ode:** The rota.\n\n**Ana Ruiz:** Yes.\n", "pod.md")
    anns = t.turns[0].annotations
    assert [(a.kind, a.speaker) for a in anns] == [("other", None), ("laughter", None)]
    assert t.turns[0].text == "Right. Where were we?"


# --- the register -------------------------------------------------------------------------------

def test_labels_differing_only_in_case_share_one_draft_row(tmp_path):
    from fgkit.participants import draft_register, load_register

    t = _read(tmp_path, "INTERVIEWER: Can you hear me?\nTomasz Nowak: Yes.\nInterviewer: Good.\n"
                        "Tomasz Nowak: Go ahead.\nNowak: Sorry, one more thing.\n")
    assert t.speakers == ["INTERVIEWER", "Tomasz Nowak", "Interviewer", "Nowak"]  # kept as written
    register = tmp_path / "participants.csv"
    assert draft_register(register, {"fg.txt": t.speakers}) == 3
    rows = list(csv.DictReader(register.open(encoding="utf-8")))
    assert [r["speaker_label"] for r in rows] == ["INTERVIEWER", "Tomasz Nowak", "Nowak"]
    for row in rows:
        row.update(role=row["role"] or "participant", group="G1", consent="given")
    with register.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    loaded = load_register(register)
    assert loaded.lookup("fg.txt", "Interviewer") is loaded.lookup("fg.txt", "INTERVIEWER")
    assert loaded.lookup("fg.txt", "Nowak").participant_id != loaded.lookup("fg.txt", "Tomasz Nowak").participant_id


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("<u>Ann Lee:</u>\tHello <b>there</b>.", "Ann Lee:\tHello there."),
        ("one line<br>and the next", "one line and the next"),
        ("\\[laughs\\] and \\*that\\* was it", "[laughs] and *that* was it"),
        ("<laughs> stays for the annotation reader", "<laughs> stays for the annotation reader"),
        ("a path C:\\Users stays", "a path C:\\Users stays"),
    ],
)
def test_markup_taken_off_a_line(raw, clean):
    from fgkit.ingest.markup import clean_line

    assert clean_line(raw) == clean


def test_a_sentence_case_heading_right_above_a_label_after_a_blank_line(tmp_path):
    t = _read(tmp_path, "Chair: Welcome back, everyone. Let's carry on.\n\nP1: Thanks. I had a question.\n\n"
                        "Questions from the floor\nChair: Go ahead, at the front.\n\nP2: How long is the waiting list?\n\n"
                        "Chair: About six weeks.\nEspecially at weekends\nP2: That's too long.\n")
    assert [s.title for s in t.sections] == ["Questions from the floor"]
    # a capitalised fragment under a turn, with no blank line before it, is still that turn's speech
    assert t.turns[-2].text == "About six weeks. Especially at weekends"
