"""Typed research transcripts, Otter text and markdown, and the line parser Word documents share.

Each line is first read alone (``lines.read_all``: markup off, then ``layout.read_line``); then
the file decides what was ambiguous:
- a leading code (``[T001]``, ``12``) that stands before a label anywhere numbers the lines, so
  it is dropped from every line that has one; otherwise a bracketed code (``[m1]``) is a speaker;
- blocks, indentation and markdown bold settle some labels (``blocks``: field blocks anywhere,
  indented quoted ``Sentence 1:`` lines, ``**Name** text``, names above their speech);
- a label is a speaker, a document field or a note-taker's heading (``labels.label_kind``;
  fields and notes are metadata, and a note alone on its line takes the lines under it). An
  ordinary word as a label is a note when it always sits under a note (``Status:``) or logs
  events and never talks (``SYSTEM: Call connected.``); a code block with no speaker is not speech;
- the header block is everything before the first confirmed speaker: one whose label shows it
  names someone, or that speaks more than once (``Source:`` used once is not one), except
  unlabelled paragraphs that talk (``blocks.body_start``), which are speech. The header's last
  heading is the first section;
- a heading shape is a heading when it stands apart: a numbered one (``Image eleven``) after
  a blank line or before a label, a title-case one (``Fitspiration - Retrospective``) between
  blank lines or before a label, a sentence-case or one-word one (``Privacy settings``) between
  blank lines right above a label in a file that punctuates its speech; markdown ``#`` and
  setext headings, whole-line bold or italic phrases and Word heading styles always;
- ``Question 3. How ...?`` with no label is a prompt by "Moderator"; ``Question 3.`` alone is
  a prompt if text follows it, else a heading; a markdown list right under a heading is a note;
- a file with no speaker label at all gives one unlabelled unit per paragraph (per line when
  it has no blank lines), which ``read_transcript`` labels "Unknown Speaker".
Unlabelled lines continue the current speaker, and speech is never dropped on a guess: a
one-word answer ("Yes.") or a sentence in capitals stays speech.
"""
from __future__ import annotations

import re
from collections import Counter

from ..records import Utterance
from .blocks import (
    META,
    bold_labels,
    body_start,
    field_blocks,
    key,
    labels_without_colon,
    listed_notes,
    quoted_labels,
    talks,
)
from .common import UNKNOWN_SPEAKER, Source
from .labels import MODERATOR, label_kind, names_speaker
from .layout import (
    _END_PUNCT,
    BLANK,
    FOOTER,
    HEADING,
    LABEL_ONLY,
    LABELLED,
    PROMPT,
    SKIP,
    TEXT,
    Line,
)
from .lines import fenced, read_all

__all__ = ["parse_lines", "read_typed"]

_SEPARATORS = frozenset({BLANK, HEADING, META, FOOTER, SKIP})
_PARTICIPLE = re.compile(r"\b[A-Za-z]{3,}ed\b")
_LISTED = 10


def _lines_text(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:_LISTED])
    more = f" and {len(numbers) - _LISTED} more" if len(numbers) > _LISTED else ""
    return f"line{'s' if len(numbers) > 1 else ''} {shown}{more}"


def _classify_labels(read: list[Line]) -> set[int]:
    """Turn field and note labels into metadata; return the indices of confirmed speakers."""
    labelled = [line for line in read if line.kind in (LABELLED, LABEL_ONLY)]
    uses = Counter(key(line.label) for line in labelled if line.label)
    kinds: dict[str, tuple[str, bool]] = {}
    where: dict[str, list[int]] = {}
    for i, line in enumerate(read):
        if line.kind not in (LABELLED, LABEL_ONLY) or line.label is None:
            continue
        if line.timed or line.bracket_code:
            continue
        k = key(line.label)
        where.setdefault(k, []).append(i)
        if k not in kinds:
            kind = label_kind(line.label, uses[k])
            kinds[k] = (kind, kind == "speaker" and (uses[k] >= 2 or names_speaker(line.label)))
    for k, (kind, _sure) in kinds.items():
        if kind == "speaker" and not names_speaker(read[where[k][0]].label or "") and _not_speech(read, where[k]):
            kinds[k] = ("note", False)
    confirmed: set[int] = set()
    for i, line in enumerate(read):
        if line.kind not in (LABELLED, LABEL_ONLY) or line.label is None:
            continue
        if line.timed or line.bracket_code:
            confirmed.add(i)
            continue
        kind, sure = kinds[key(line.label)]
        if kind != "speaker":
            line.kind = META
        elif sure:
            confirmed.add(i)
    return confirmed


def _not_speech(read: list[Line], at: list[int]) -> bool:
    """An ordinary word as a label (no name, role or mark) whose lines are not talk: it sits
    under a note every time (``Status:`` under ``ACTION 4:``), or it logs events, each line a
    few words around a participle and never talk (``SYSTEM: Call connected.``, ``Call
    transferred to finance.``). Short answers (``KB: Bye.``) are talk enough to stay speech."""
    label = read[at[0]].label or ""
    if all(i > 0 and read[i - 1].kind == META for i in at):
        return True
    if label.isupper() and len(label) <= 4:
        return False  # initials
    lines = [read[i] for i in at]
    return (len(lines) >= 2 and all(x.kind == LABELLED and len(x.speech.split()) <= 12
                                    and _PARTICIPLE.search(x.speech) for x in lines)
            and not any(talks(x.speech, 1) for x in lines))


def _resolve_prompts(read: list[Line]) -> None:
    """``Question 4.`` alone: a prompt when unlabelled text follows it, else a heading."""
    for i, line in enumerate(read):
        if line.kind == PROMPT and not line.speech:
            nxt = next((x for x in read[i + 1:] if x.kind != BLANK), None)
            if nxt is None or nxt.kind != TEXT or nxt.heading:
                line.kind, line.heading, line.title = HEADING, 2, line.mark or ""


def _is_heading(read: list[Line], i: int, loose: bool = False) -> bool:
    line = read[i]
    if line.heading >= 3:
        return True
    before = i == 0 or read[i - 1].kind in _SEPARATORS
    label_next = i + 1 < len(read) and read[i + 1].kind in (LABELLED, LABEL_ONLY, PROMPT)
    after = label_next or i + 1 == len(read) or read[i + 1].kind in _SEPARATORS
    if line.heading == 2:
        return before or after
    if line.heading == 1:
        # A title shape right above a speaker label is a heading (Word documents have no blank
        # lines); elsewhere it must stand between blank lines, or it is speech going on.
        return label_next or (before and after)
    if loose and line.loose and before and i + 1 < len(read):
        # sentence case (``Privacy settings``): after a blank line, right above a label
        nxt = next((x for x in read[i + 1 :] if x.kind not in (BLANK, SKIP)), None)
        return nxt is not None and nxt.kind in (LABELLED, LABEL_ONLY, PROMPT)
    return False


def _mark_headings(read: list[Line], first: int, least: int = 1, loose: bool = False) -> None:
    for i in range(first, len(read)):
        line = read[i]
        if line.kind == TEXT and (line.heading >= least or loose and line.loose) and _is_heading(read, i, loose):
            line.kind = HEADING
        elif line.kind == HEADING and line.heading < 3 and not _is_heading(read, i):
            line.kind = TEXT  # a numbered prompt head or section label inside running speech


def _punctuated(read: list[Line]) -> bool:
    """Does the file end its speech with punctuation? Then a bare short line stands out."""
    ends = [x.speech.rstrip()[-1] in _END_PUNCT for x in read
            if x.kind in (LABELLED, TEXT) and len(x.speech.split()) >= 4]
    return len(ends) >= 5 and sum(ends) >= 0.8 * len(ends)


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
    read, fences = read_all(lines, source)
    styled = headings | titles
    for line in read:
        if line.n in styled and line.kind not in (BLANK, FOOTER, SKIP):
            line.kind, line.heading, line.title = HEADING, 3, line.plain or line.title
            line.document_title = line.n in titles
    labels_without_colon(read)
    bold_labels(read)
    quoted_labels(read)
    field_blocks(read)
    confirmed = _classify_labels(read)
    fenced(read, fences, confirmed)
    _resolve_prompts(read)
    first = next((i for i, x in enumerate(read) if i in confirmed or x.kind == PROMPT), None)
    if first is None:
        first = next((i for i, x in enumerate(read) if x.kind in (LABELLED, LABEL_ONLY)), None)
    if first is None:
        return _unlabelled(read, source)
    first = body_start(read, first)
    _header_block(read, first, source)
    _mark_headings(read, first, loose=_punctuated(read))
    listed_notes(read)
    return _utterances(read[first:], source)


def _header_block(read: list[Line], first: int, source: Source) -> None:
    body = [i for i in range(first) if read[i].kind not in (BLANK, FOOTER)]
    # The header's last heading opens the first section: a numbered one standing alone at its
    # end, or a markdown one with at most a few lines (a presenter's name) under it.
    real = [i for i in body if read[i].kind != SKIP]
    marked = [i for i in real if read[i].kind == HEADING and read[i].heading >= 3 and not read[i].document_title]
    chosen = None
    if real:
        last = read[real[-1]]
        standalone = real[-1] == 0 or read[real[-1] - 1].kind in (BLANK, SKIP)
        if last.kind in (TEXT, HEADING) and last.heading >= 2 and standalone and not last.document_title:
            chosen = real[-1]
        elif marked and len([i for i in real if i > marked[-1]]) <= 3:
            chosen = marked[-1]
    if chosen is not None:
        source.sections.append((read[chosen].n, read[chosen].title))
        body.remove(chosen)
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
        if kind == SKIP:
            metadata.append(line.n)
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
        if line.kind in (META, SKIP, LABELLED, LABEL_ONLY, PROMPT) or (line.kind == HEADING and i < started):
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
