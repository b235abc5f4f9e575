"""File-level decisions on read lines that no single line can make: blocks, indentation, markup.

``typed.parse_lines`` reads each line alone (``layout.read_line``), then calls these passes:
- ``field_blocks``: a block of short ``Key: value`` lines holding document fields (the title
  block, or ``**Call Date:** ...`` / ``DATE:`` blocks between sections) is metadata, roles
  included: ``**Agent:** Sam Hughes`` there names the agent, it is not speech;
- ``quoted_labels``: in a file whose speaker labels start at the margin, an indented
  ``Sentence 1: ...`` is quoted inside the speech, not a speaker;
- ``bold_labels``: in a file of ``**Name:**`` labels, ``**Name** text`` (the colon forgotten)
  is that speaker's turn;
- ``labels_without_colon``: a short name-like line that recurs above unlabelled text is a label;
- ``listed_notes``: a markdown list right under a heading is a note-taker's summary;
- ``body_start``: where the transcript starts. Before the first speaker label is a header block
  (metadata), except speech with no label: paragraphs that talk (``I``, ``we``, ``you``,
  questions) rather than describe. A label used once before the dialogue that describes
  (``NAME: An interview conducted by ...``) among prose that describes (``About`` and
  copyright sections) is part of the header.
"""

from __future__ import annotations

import re
from collections import Counter

from .common import looks_like_label
from .labels import is_field, names_speaker
from .layout import BLANK, FOOTER, HEADING, LABEL_ONLY, LABELLED, PROMPT, SKIP, TEXT, Line

__all__ = ["META", "bold_labels", "body_start", "field_blocks", "key", "labels_without_colon",
           "listed_notes", "quoted_labels", "talks"]

META = "meta"
_LABELS = (LABELLED, LABEL_ONLY)
_GAPS = (BLANK, SKIP, FOOTER)
# Words of someone talking to the room rather than a document describing: first and second
# person, greetings and replies.
_TALK = re.compile(
    r"\b(?:i|i'm|i've|i'll|i'd|me|my|we|we're|we've|we'll|us|our|you|you're|you've|your|"
    r"yeah|yes|okay|ok|um|uh|erm|hmm|oh|thanks|thank|please|sorry|hello|hi|hey)\b",
    re.IGNORECASE,
)


_BULLET = re.compile(r"^[-*+\u2022]\s+\S")


def key(label: str) -> str:
    return " ".join(label.split()).casefold()


def talks(text: str, least: int = 2) -> bool:
    """Does this text talk (module doc)? ``least`` talk words, or one and a question."""
    hits = len(_TALK.findall(text))
    return hits >= least or (hits >= 1 and "?" in text)


def field_blocks(read: list[Line]) -> None:
    """Blocks of short ``Key: value`` lines with document fields become metadata (module doc)."""
    i, first = 0, True
    while i < len(read):
        if read[i].kind in _GAPS or read[i].kind == HEADING:
            i += 1
            continue
        end = i
        while end < len(read) and read[end].kind not in _GAPS and read[end].kind != HEADING:
            end += 1
        block = read[i:end]
        if first and end == len(read):
            return  # one block is the whole file: no title block to set apart
        fields = sum(1 for x in block if x.label and x.kind in _LABELS and is_field(x.label))
        # the title block needs one field; a block between sections needs two, and most of it
        enough = fields >= 1 if first else fields >= 2 and fields * 2 >= len(block)
        if len(block) >= 2 and enough and all(_short_field(x, first) for x in block):
            for x in block:
                x.kind = META
        first, i = False, end


def _short_field(x: Line, title_block: bool) -> bool:
    if x.kind == LABEL_ONLY:
        return True
    if x.kind == LABELLED:
        return len(x.speech.split()) <= 8 and x.speech[-1:] not in (".", "?", "!")
    return title_block and x.kind in (TEXT, HEADING) and bool(x.heading)


def quoted_labels(read: list[Line]) -> None:
    """Indented labels in a file of labels at the margin are quoted text (module doc)."""
    margin = Counter(key(x.label) for x in read if x.kind in _LABELS and x.label and x.indent == 0)
    if sum(margin.values()) < 3:
        return
    for x in read:
        if x.kind in _LABELS and x.indent >= 2 and x.label and key(x.label) not in margin and not x.timed:
            x.kind, x.label, x.speech, x.heading = TEXT, None, x.plain, 0


def bold_labels(read: list[Line]) -> None:
    """``**Name** text`` is a turn in a file of ``**Name:**`` labels (module doc)."""
    bold = [x for x in read if x.kind in _LABELS and x.bold and x.label]
    if len(bold) < 2:
        return
    known = {key(x.label) for x in bold}
    for x in read:
        lead = x.bold_lead
        if x.kind == TEXT and lead and looks_like_label(lead) and (key(lead) in known or names_speaker(lead)):
            rest = x.plain.split(lead, 1)[-1].lstrip("*_ ").strip()
            if rest:
                x.kind, x.label, x.speech, x.plain, x.heading = LABELLED, lead, rest, rest, 0


def listed_notes(read: list[Line]) -> None:
    """A markdown list right under a heading (``#### Conclusion`` then ``- Stage 3``), in a file
    of speaker labels, is the note-taker's summary: no one says it."""
    under = False
    for x in read:
        if x.kind == HEADING:
            under = True
        elif x.kind == TEXT and under and _BULLET.match(x.plain):
            x.kind = SKIP
        elif x.kind not in _GAPS:
            under = False


def labels_without_colon(read: list[Line]) -> None:
    """A short name-like line that recurs above unlabelled text is a speaker label."""
    def name(line: Line) -> str:
        return line.title or line.speech

    counts = Counter(name(line) for line in read
                     if line.kind == TEXT and len(name(line)) <= 60 and looks_like_label(name(line)))
    for i, line in enumerate(read[:-1]):
        if (line.kind == TEXT and counts[name(line)] >= 2 and read[i + 1].kind == TEXT
                and names_speaker(name(line))):
            line.kind, line.label, line.heading, line.loose = LABEL_ONLY, name(line), 0, False


def body_start(read: list[Line], first: int) -> int:
    """Index where the transcript's body starts, given its first speaker line (module doc)."""
    exact = Counter(x.label for x in read if x.kind in _LABELS and x.label)
    dialogue = next((i for i in range(first, len(read)) if read[i].kind == PROMPT or read[i].timed
                     or (read[i].kind in _LABELS and exact[read[i].label] >= 2)), first)
    while (first < dialogue and exact[read[first].label] == 1 and not talks(read[first].speech, 1)
           and _described(read, first, dialogue)):
        read[first].kind = META
        first = next((i for i in range(first + 1, dialogue) if read[i].kind in _LABELS), dialogue)
    for i in range(first):
        line = read[i]
        if line.kind != TEXT or line.heading >= 2 or (i and read[i - 1].kind == TEXT):
            continue
        paragraph = [line.plain]
        for later in read[i + 1 : first]:
            if later.kind != TEXT:
                break
            paragraph.append(later.plain)
        text = " ".join(paragraph)
        if len(text.split()) >= 8 and talks(text):
            j = i  # start at a heading just above the talk: it becomes the first section
            while j > 0 and read[j - 1].kind in _GAPS:
                j -= 1
            return j - 1 if j > 0 and _heading_like(read[j - 1]) else i
    return first


def _heading_like(line: Line) -> bool:
    return line.kind == HEADING or (line.kind == TEXT and line.heading >= 1)


def _described(read: list[Line], at: int, dialogue: int) -> bool:
    """A label used once before the dialogue, followed (before the dialogue) by a heading with
    descriptive prose under it: the label is the header's, not a speaker's."""
    for h in range(at + 1, dialogue):
        if read[h].kind == HEADING or (read[h].kind == TEXT and read[h].heading >= 2):
            nxt = next((x for x in read[h + 1 : dialogue] if x.kind not in _GAPS), None)
            if nxt is not None and nxt.kind == TEXT and not nxt.heading and not talks(nxt.plain, 1):
                return True
    return False
