"""Property: any transcript generated in a labelled layout reads back with its own speakers.

The generator writes turns (some with continuation paragraphs or lines), a header block of
metadata fields, note-taker lines between turns and section headings between turns, in one of
the labelled layouts fgkit reads. Reading it back must give exactly the generated speakers, in
order, one turn per generated turn, and no heading, header or note text inside any turn.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fgkit.ingest import read_transcript

SYLLABLES = ["ka", "lo", "mi", "ren", "tu", "sa", "vo", "del", "an", "ris", "bo", "nek", "zu", "fa", "dri"]
ROLES = ["Interviewer", "Facilitator", "Moderator", "Respondent", "Participant", "Social Worker"]
WORDS = ("we visits were short and staff felt rushed every week care plan was late again family called "
         "office twice money budget helps nobody listens then things changed home support worker rota "
         "forms hours travel pressure time manager asked allocation tray cases heavy").split()
ANSWERS = ["Yes.", "No.", "Okay.", "Right.", "Mm.", "Exactly."]
HEADING_WORDS = ["Respite", "Looking", "Back", "Day", "Services", "Allowance", "Matching", "Transport"]
NUMBER_WORDS = ["one", "two", "three", "seven", "eleven", "twenty"]
NOTE_LABELS = ["ACTION ITEM", "POSITIVE REACTION", "NOTE", "OBSERVER NOTE", "NEGATIVE REACTION"]
FIELDS = ["Title", "Date", "Source", "Licence", "License", "Description"]
LAYOUTS = ["colon", "colon_time", "stamp_code", "qualcoder", "numbered", "otter", "otter_md", "bold_colon",
           "underline_tab", "name_time_alone"]
CODE_ONLY = {"stamp_code", "qualcoder"}

name_part = st.lists(st.sampled_from(SYLLABLES), min_size=3, max_size=4).map(lambda s: "".join(s).capitalize())
person = st.tuples(name_part, name_part).map(" ".join)
code = st.tuples(st.sampled_from(["p", "m", "id", "P", "R"]), st.integers(1, 30)).map(lambda t: f"{t[0]}{t[1]}")
label = st.one_of(person, code, st.sampled_from(ROLES))
sentence = st.one_of(
    st.sampled_from(ANSWERS),
    st.tuples(st.lists(st.sampled_from(WORDS), min_size=3, max_size=12), st.sampled_from(".?!")).map(
        lambda t: " ".join(t[0]).capitalize() + t[1]
    ),
)
paragraph = st.lists(sentence, min_size=1, max_size=3).map(" ".join)
heading = st.one_of(
    st.tuples(st.sampled_from(["Image", "Participant", "Photo", "Part", "Session"]),
              st.one_of(st.sampled_from(NUMBER_WORDS), st.integers(1, 40).map(str))).map(" ".join),
    st.lists(st.sampled_from(HEADING_WORDS), min_size=2, max_size=3, unique=True).map(" ".join),
    st.tuples(st.integers(1, 9), st.sampled_from(HEADING_WORDS), st.sampled_from(HEADING_WORDS)).map(
        lambda t: f"Part {t[0]} - {t[1]} {t[2]}"
    ),
)
note_text = st.lists(st.sampled_from(["group", "agreed", "nodded", "follow", "up", "chase", "quietly"]),
                     min_size=2, max_size=5).map(lambda w: "zzx " + " ".join(w))


@st.composite
def transcripts(draw):
    layout = draw(st.sampled_from(LAYOUTS))
    speakers = draw(st.lists(code if layout in CODE_ONLY else label, min_size=2, max_size=5,
                             unique_by=str.casefold))
    n_turns = draw(st.integers(2, 14))
    order = [draw(st.integers(0, len(speakers) - 1))]
    while len(order) < n_turns:
        nxt = draw(st.integers(0, len(speakers) - 1))
        if nxt != order[-1]:
            order.append(nxt)
    turns = [(speakers[i], draw(st.lists(paragraph, min_size=1, max_size=2))) for i in order]
    header = draw(st.lists(st.tuples(st.sampled_from(FIELDS), note_text), max_size=4, unique_by=lambda f: f[0]))
    front_matter = bool(header) and draw(st.booleans())
    between = [draw(st.one_of(st.none(), st.none(), heading.map(lambda h: ("heading", h)),
                              st.tuples(st.sampled_from(NOTE_LABELS), note_text).map(lambda n: ("note", n))))
               for _ in turns]
    return layout, turns, header, between, front_matter


def _turn_lines(layout: str, k: int, who: str, paragraphs: list[str], counter: list[int]) -> list[str]:
    first, rest = paragraphs[0], paragraphs[1:]
    seconds = 5 + 37 * k
    clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    otter_clock = f"{seconds // 60}:{seconds % 60:02d}"
    if layout == "colon":
        return [f"{who}: {first}"] + [line for p in rest for line in ("", p)]
    if layout == "colon_time":
        return [f"{who} ({clock}): {first}"] + rest
    if layout == "stamp_code":
        return [f"[{otter_clock}] [{who}] {first}"] + rest
    if layout == "qualcoder":
        return [f"[{who}] {first}"] + rest
    if layout == "numbered":
        lines = []
        for j, p in enumerate(paragraphs):
            counter[0] += 1
            lines.append(f"[T{counter[0]:03d}] {who + ': ' if j == 0 else ''}{p}")
        return lines
    if layout == "otter":
        return [f"{who}  {otter_clock}", *paragraphs]
    if layout == "otter_md":
        return [f"**{who}**{' ' if k % 2 else '  '}{otter_clock}", *paragraphs]
    if layout == "underline_tab":  # an HTML page's labels: <u>Name:</u> then a tab
        return [f"<u>{who}:</u>\t{first}"] + rest
    if layout == "name_time_alone":  # Name: (mm:ss) alone on a line, the speech below
        return [f"{who}: ({otter_clock})", *paragraphs]
    return [f"**{who}:** {first}"] + rest  # bold_colon


def render(layout, turns, header, between, front_matter=False) -> tuple[str, list[str]]:
    """The file text and the strings that must never appear in a turn."""
    lines: list[str] = [f"{field}: {value}" for field, value in header]
    forbidden = [value for _, value in header]
    if front_matter:  # markdown's YAML front matter
        lines = ["---", *(f"{field.lower()}: {value}" for field, value in header), "---"]
    if lines:
        lines.append("")
    counter = [0]
    for k, ((who, paragraphs), extra) in enumerate(zip(turns, between)):
        if extra and extra[0] == "heading" and k > 0:
            lines += ["", extra[1], ""]
            forbidden.append(extra[1])
        lines += _turn_lines(layout, k, who, paragraphs, counter)
        if extra and extra[0] != "heading" and layout not in ("otter", "otter_md", "stamp_code", "qualcoder"):
            note_label, text = extra[1]
            counter[0] += 1
            prefix = f"[T{counter[0]:03d}] " if layout == "numbered" else ""
            lines.append(f"{prefix}{note_label}: {text}")
            forbidden.append(text)
        if layout in ("otter", "otter_md", "colon", "underline_tab", "name_time_alone"):
            lines.append("")
    return "\n".join(lines) + "\n", forbidden


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts(), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_generated_labelled_transcripts_round_trip(generated, newline, bom):
    layout, turns, header, between, front_matter = generated
    text, forbidden = render(layout, turns, header, between, front_matter)
    data = ("\ufeff" if bom else "").encode() + text.replace("\n", newline).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.txt"
        path.write_bytes(data)
        t = read_transcript(path)
    assert [x.speaker_label for x in t.turns] == [who for who, _ in turns], (layout, text)
    assert [x.text for x in t.turns] == [" ".join(paragraphs) for _, paragraphs in turns], (layout, text)
    for value in forbidden:
        assert all(value not in x.text for x in t.turns), (layout, value)
    headings = [extra[1] for k, extra in enumerate(between) if extra and extra[0] == "heading" and k > 0]
    assert [s.title for s in t.sections] == headings
