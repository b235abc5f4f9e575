"""Typed research transcripts, Otter text and markdown, and the line parser Word documents share.

Each line is first read alone (``layout.read_line``); then the file decides what was ambiguous:
- a leading code (``[T001]``, ``12``) that stands before a label anywhere numbers the lines, so
  it is dropped from every line that has one; otherwise a bracketed code (``[m1]``) is a speaker;
- a label is a speaker, a document field or a note-taker's heading (``labels.label_kind``;
  fields and notes are metadata, and a note alone on its line takes the lines under it);
- the header block is everything before the first confirmed speaker: one whose label shows it
  names someone, or that speaks more than once (``Source:`` used once is not one). A numbered
  heading standing alone just before the first turn is the first section, not header;
- a heading shape is a heading when it stands apart: a numbered one (``Image eleven``) after
  a blank line or before a label, a title-case one (``Fitspiration - Retrospective``) between
  blank lines or before a label; markdown ``#`` headings and Word heading styles always;
- a short name-like line that recurs, each time above unlabelled text, is a speaker label
  written without a colon (``Amara Bello`` then the speech), not a heading;
- ``Question 3. How ...?`` with no label is a prompt by "Moderator"; ``Question 3.`` alone is
  a prompt if text follows it, else a heading;
- a file with no speaker label at all gives one unlabelled unit per paragraph (per line when
  it has no blank lines), which ``read_transcript`` labels "Unknown Speaker".
Unlabelled lines continue the current speaker, and speech is never dropped on a guess: a
one-word answer ("Yes.") or a sentence in capitals stays speech.
"""

from __future__ import annotations

import re
from collections import Counter

from ..records import Utterance
from .common import UNKNOWN_SPEAKER, Source, looks_like_label
from .labels import MODERATOR, is_field, label_kind, names_speaker
from .layout import (
    BLANK,
    FOOTER,
    HEADING,
    LABEL_ONLY,
    LABELLED,
    PROMPT,
    TEXT,
    Line,
    read_line,
    reread_without_code,
)

__all__ = ["parse_lines", "read_typed"]

META = "meta"
_SEPARATORS = frozenset({BLANK, HEADING, META, FOOTER})
_BARE_MMSS = re.compile(r"^\d{1,2}:\d{2}\s+\S")
_LISTED = 10


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _lines_text(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:_LISTED])
    more = f" and {len(numbers) - _LISTED} more" if len(numbers) > _LISTED else ""
    return f"line{'s' if len(numbers) > 1 else ''} {shown}{more}"


def _bare_mmss(lines: list[tuple[int, str]]) -> bool:
    """Does the file open its lines with a bare ``mm:ss`` (oTranscribe)? Then it is a time."""
    filled = [text for _, text in lines if text.strip()]
    hits = sum(1 for text in filled if _BARE_MMSS.match(text.strip()))
    return hits >= 3 and hits >= 0.3 * len(filled)


def _prefix(code: str) -> str:
    return re.sub(r"\d.*", "", code).lower()


def _drop_line_numbers(read: list[Line], source: Source, bare_mmss: bool) -> None:
    """Codes that number lines stand before labels again and again, on most of their lines."""
    coded = Counter(_prefix(line.code) for line in read if line.code)
    before_label = Counter(_prefix(line.code) for line in read if line.code and line.code_then_label)
    prefixes = {p for p, k in before_label.items() if k >= min(2, coded[p]) and k >= 0.3 * coded[p]}
    for i, line in enumerate(read):
        if line.code and not line.code_then_label and _prefix(line.code) in prefixes:
            read[i] = reread_without_code(line, source, bare_mmss)


def _labels_without_colon(read: list[Line]) -> None:
    """A short name-like line that recurs above unlabelled text is a speaker label."""
    counts = Counter(line.speech for line in read
                     if line.kind == TEXT and len(line.speech) <= 60 and looks_like_label(line.speech))
    for i, line in enumerate(read[:-1]):
        if (line.kind == TEXT and counts[line.speech] >= 2 and read[i + 1].kind == TEXT
                and names_speaker(line.speech)):
            line.kind, line.label, line.heading = LABEL_ONLY, line.speech, 0


def _field_block(read: list[Line]) -> None:
    """A title block of short ``Key: value`` lines with at least one document field is metadata,
    roles included: ``Interviewer: Sam Hughes`` there names the interviewer, it is not speech."""
    start = next((i for i, x in enumerate(read) if x.kind != BLANK), None)
    if start is None:
        return
    end = next((i for i in range(start, len(read)) if read[i].kind == BLANK), len(read))
    block = read[start:end]
    if end == len(read) or len(block) < 2 or not any(x.label and is_field(x.label) for x in block):
        return
    for x in block:
        short = x.kind == LABEL_ONLY or (x.kind == LABELLED and len(x.speech.split()) <= 6
                                         and x.speech[-1] not in ".?!")
        if not (short or (x.kind in (TEXT, HEADING) and x.heading)):
            return
    for x in block:
        x.kind = META


def _classify_labels(read: list[Line]) -> set[int]:
    """Turn field and note labels into metadata; return the indices of confirmed speakers."""
    labelled = [line for line in read if line.kind in (LABELLED, LABEL_ONLY)]
    uses = Counter(_key(line.label) for line in labelled if line.label)
    kinds: dict[str, tuple[str, bool]] = {}
    confirmed: set[int] = set()
    for i, line in enumerate(read):
        if line.kind not in (LABELLED, LABEL_ONLY) or line.label is None:
            continue
        if line.timed or line.bracket_code:
            confirmed.add(i)
            continue
        key = _key(line.label)
        if key not in kinds:
            kind = label_kind(line.label, uses[key])
            kinds[key] = (kind, kind == "speaker" and (uses[key] >= 2 or names_speaker(line.label)))
        kind, sure = kinds[key]
        if kind != "speaker":
            line.kind = META
        elif sure:
            confirmed.add(i)
    return confirmed


def _resolve_prompts(read: list[Line]) -> None:
    """``Question 4.`` alone: a prompt when unlabelled text follows it, else a heading."""
    for i, line in enumerate(read):
        if line.kind == PROMPT and not line.speech:
            nxt = next((x for x in read[i + 1:] if x.kind != BLANK), None)
            if nxt is None or nxt.kind != TEXT or nxt.heading:
                line.kind, line.heading, line.title = HEADING, 2, line.mark or ""


def _is_heading(read: list[Line], i: int) -> bool:
    line = read[i]
    if line.heading >= 3:
        return True
    before = i == 0 or read[i - 1].kind in _SEPARATORS
    label_next = i + 1 < len(read) and read[i + 1].kind in (LABELLED, LABEL_ONLY, PROMPT)
    after = label_next or i + 1 == len(read) or read[i + 1].kind in _SEPARATORS
    if line.heading == 2:
        return before or after
    # A title shape right above a speaker label is a heading (Word documents have no blank
    # lines); elsewhere it must stand between blank lines, or it is speech going on.
    return line.heading == 1 and (label_next or (before and after))


def _mark_headings(read: list[Line], first: int, least: int = 1) -> None:
    for i in range(first, len(read)):
        line = read[i]
        if line.kind == TEXT and line.heading >= least and _is_heading(read, i):
            line.kind = HEADING
        elif line.kind == HEADING and line.heading < 3 and not _is_heading(read, i):
            line.kind = TEXT  # a numbered prompt head or section label inside running speech


def parse_lines(
    lines: list[tuple[int, str]],
    source: Source,
    headings: frozenset[int] = frozenset(),
    titles: frozenset[int] = frozenset(),
) -> list[Utterance]:
    """Utterances from numbered lines (file lines or Word paragraphs); see the module doc.

    ``headings`` are line numbers known to be headings, ``titles`` the document's own title
    (Word heading and title styles).
    """
    bare_mmss = _bare_mmss(lines)
    read: list[Line] = []
    after_timed = False
    for n, text in lines:
        stripped = text.strip()
        if after_timed and stripped:
            # The line under a timed speaker line (Otter's "Name  0:03") is that speaker's
            # speech, as written: no label, heading or prompt can stand there.
            read.append(Line(n, TEXT, plain=stripped, speech=stripped))
            after_timed = False
            continue
        line = read_line(n, text, source, bare_mmss)
        after_timed = line.kind == LABEL_ONLY and line.timed
        read.append(line)
    styled = headings | titles
    for line in read:
        if line.n in styled and line.kind not in (BLANK, FOOTER):
            line.kind, line.heading, line.title = HEADING, 3, line.plain or line.title
            line.document_title = line.n in titles
    _drop_line_numbers(read, source, bare_mmss)
    _labels_without_colon(read)
    _field_block(read)
    confirmed = _classify_labels(read)
    _resolve_prompts(read)
    first = next((i for i, x in enumerate(read) if i in confirmed or x.kind == PROMPT), None)
    if first is None:
        first = next((i for i, x in enumerate(read) if x.kind in (LABELLED, LABEL_ONLY)), None)
    if first is None:
        return _unlabelled(read, source)
    _header_block(read, first, source)
    _mark_headings(read, first)
    return _utterances(read[first:], source)


def _header_block(read: list[Line], first: int, source: Source) -> None:
    body = [i for i in range(first) if read[i].kind not in (BLANK, FOOTER)]
    if body:
        last = read[body[-1]]
        standalone = body[-1] == 0 or read[body[-1] - 1].kind == BLANK
        if last.kind in (TEXT, HEADING) and last.heading >= 2 and standalone and not last.document_title:
            source.sections.append((last.n, last.title))
            body.pop()
    if body:
        lo, hi = read[body[0]].n, read[body[-1]].n
        span = f"line {lo}" if lo == hi else f"lines {lo}-{hi}"
        source.warn(f"{span}: header block before the first speaker label read as metadata, not speech")


def _utterances(read: list[Line], source: Source) -> list[Utterance]:
    out: list[Utterance] = []
    metadata: list[int] = []
    unknown: list[int] = []
    pending: tuple[str, float | None, str | None] | None = None
    note_body = after_prompt = paragraph_break = False
    for line in read:
        kind = line.kind
        if kind == BLANK:
            note_body, paragraph_break = False, True
            continue
        if kind == FOOTER:
            continue
        if kind == META:
            metadata.append(line.n)
            note_body = not line.speech
            continue
        if kind == HEADING and (pending is None or line.heading >= 3):
            source.sections.append((line.n, line.title))
            pending, after_prompt, note_body = None, False, False
            continue
        if kind == LABEL_ONLY:
            pending, note_body, after_prompt = (line.label or "", line.start, None), False, False
            continue
        if kind == PROMPT and pending is None:
            if line.speech:
                out.append(Utterance(MODERATOR, line.speech, line.n, line.start))
                source.marks[line.n] = line.mark or ""
                after_prompt = True
            else:
                pending = (MODERATOR, line.start, line.mark)
            note_body = paragraph_break = False
            continue
        if kind == LABELLED:
            out.append(Utterance(line.label, line.speech, line.n, line.start))
            pending, note_body, after_prompt, paragraph_break = None, False, False, False
            continue
        if note_body:
            metadata.append(line.n)
            continue
        if pending is not None:
            label, start, mark = pending
            out.append(Utterance(label, line.plain, line.n, line.start if line.start is not None else start))
            if mark:
                source.marks[line.n] = mark
            after_prompt, pending = label == MODERATOR and mark is not None, None
        elif after_prompt and paragraph_break:
            # Answers under an unlabelled prompt: whoever answered, it was not the moderator.
            out.append(Utterance(UNKNOWN_SPEAKER, line.plain, line.n, line.start))
            unknown.append(line.n)
            after_prompt = False
        else:
            out.append(Utterance(None, line.plain, line.n, line.start))
        paragraph_break = False
    _warn(source, metadata, unknown)
    return out


def _unlabelled(read: list[Line], source: Source) -> list[Utterance]:
    """No speaker labels anywhere: one unit per paragraph (per line without blank lines)."""
    by_paragraph = any(
        x.kind == BLANK and 0 < i < len(read) - 1 for i, x in enumerate(read)
    ) and sum(1 for x in read if x.kind == TEXT) > 1
    started = next((i for i, x in enumerate(read) if x.kind == TEXT and x.heading < 2), len(read))
    # Without labels there is no structure to set a heading apart: only numbered ones count.
    _mark_headings(read, 0, least=2)
    out: list[Utterance] = []
    metadata: list[int] = []
    parts: list[Line] = []

    def flush() -> None:
        if parts:
            out.append(Utterance(None, " ".join(p.plain for p in parts), parts[0].n, parts[0].start))
            parts.clear()

    for i, line in enumerate(read):
        if line.kind == TEXT:
            if not by_paragraph or (parts and line.start is not None):
                flush()
            parts.append(line)
            continue
        flush()
        if line.kind in (META, LABELLED, LABEL_ONLY, PROMPT) or (line.kind == HEADING and i < started):
            metadata.append(line.n)
        elif line.kind == HEADING:
            source.sections.append((line.n, line.title))
    flush()
    _warn(source, metadata, [])
    return out


def _warn(source: Source, metadata: list[int], unknown: list[int]) -> None:
    if metadata:
        source.warn(f"{_lines_text(metadata)}: {len(metadata)} metadata or note-taker "
                    f"line{'s' if len(metadata) > 1 else ''} (document fields such as the date or "
                    "source, action items, observers' notes) kept out of the speech")
    if source.sections:
        numbers = [n for n, _ in source.sections]
        many = len(numbers) > 1
        source.warn(f"{_lines_text(numbers)}: {len(numbers)} section heading{'s' if many else ''} kept "
                    f"as {'section markers' if many else 'a section marker'}, not speech")
    if unknown:
        source.warn(f"{_lines_text(unknown)}: unlabelled speech after a numbered question; labelled "
                    f"'{UNKNOWN_SPEAKER}'")


def read_typed(source: Source) -> list[Utterance]:
    return parse_lines(source.lines(), source)
