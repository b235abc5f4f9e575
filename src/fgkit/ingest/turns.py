"""From a reader's utterances to numbered, annotated turns with content-based ids."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..records import Annotation, Section, Turn, Utterance, stable_id
from .annotations import extract_annotations
from .common import UNKNOWN_SPEAKER, Source, other_script_lines

__all__ = ["build_parts", "build_turns"]

_MAX_LINES_LISTED = 10


@dataclass
class _Draft:
    speaker: str
    line: int
    parts: list[str] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    start: float | None = None
    end: float | None = None
    length: int = 0

    def add(self, text: str, anns: tuple[Annotation, ...], start: float | None, end: float | None) -> None:
        shift = self.length + 1 if self.parts else 0
        self.annotations.extend(replace(a, offset=a.offset + shift) for a in anns)
        self.parts.append(text)
        self.length = shift + len(text)
        if self.start is None:
            self.start = start
        if end is not None:
            self.end = end

    def attach(self, anns: tuple[Annotation, ...], speaker: str | None) -> None:
        """Marks from an utterance that held no speech (``Paul: [laughs]``) join this turn."""
        at = self.length
        for a in anns:
            who = a.speaker or (speaker if speaker != self.speaker else None)
            self.annotations.append(replace(a, offset=at, speaker=who))


def build_turns(
    name: str, utterances: list[Utterance], source: Source, merge: bool = True
) -> tuple[Turn, ...]:
    """Merge utterances into turns (see the package doc); ``merge=False`` keeps one turn per unit."""
    return build_parts(name, utterances, source, merge)[0]


def build_parts(
    name: str, utterances: list[Utterance], source: Source, merge: bool = True
) -> tuple[tuple[Turn, ...], tuple[Section, ...]]:
    """Turns and the sections between them.

    Consecutive utterances by one speaker merge; an unlabelled one continues the current
    speaker. A heading (``source.sections``) ends the turn before it: the next utterance starts
    a new turn even when the same person goes on speaking. A prompt's numbering
    (``source.marks``) becomes an annotation at the start of the prompt's speech.
    """
    drafts: list[_Draft] = []
    headings = sorted(source.sections)
    sections: list[Section] = []
    h = 0
    cut = False
    for u in utterances:
        while h < len(headings) and headings[h][0] < u.line:
            sections.append(Section(headings[h][1], headings[h][0], len(drafts)))
            h, cut = h + 1, True
        current = drafts[-1] if drafts else None
        continues = current is not None and not cut and u.speaker in (None, current.speaker)
        text, anns = extract_annotations(u.text, current.parts[-1] if continues and current.parts else "")
        if u.line in source.marks and text:
            anns = (Annotation("other", source.marks[u.line], 0), *anns)
        if not text:
            if current is not None and anns and not cut:
                current.attach(anns, u.speaker)
            continue
        speaker = u.speaker.strip() if u.speaker and u.speaker.strip() else None
        if speaker is None:
            if current is None:
                source.warn("speech before any speaker label; labelled 'Unknown Speaker'", u.line)
                speaker = UNKNOWN_SPEAKER
            else:
                speaker = current.speaker
        if merge and not cut and current is not None and current.speaker == speaker:
            current.add(text, anns, u.start, u.end)
        else:
            draft = _Draft(speaker, u.line)
            draft.add(text, anns, u.start, u.end)
            drafts.append(draft)
        cut = False
    sections.extend(Section(title, line, len(drafts)) for line, title in headings[h:])
    _warn_other_scripts(utterances, source)
    return _number(name, drafts), tuple(sections)


def _number(name: str, drafts: list[_Draft]) -> tuple[Turn, ...]:
    seen: dict[tuple[str, str], int] = {}
    turns = []
    for index, d in enumerate(drafts):
        text = " ".join(d.parts)
        occurrence = seen.get((d.speaker, text), 0)
        seen[(d.speaker, text)] = occurrence + 1
        turns.append(
            Turn(
                turn_id=stable_id(name, d.speaker, text, occurrence),
                index=index,
                speaker_label=d.speaker,
                text=text,
                line=d.line,
                start=d.start,
                end=d.end,
                annotations=tuple(d.annotations),
            )
        )
    return tuple(turns)


def _warn_other_scripts(utterances: list[Utterance], source: Source) -> None:
    lines = other_script_lines([(u.line, u.text) for u in utterances])
    if lines:
        shown = ", ".join(str(n) for n in lines[:_MAX_LINES_LISTED])
        more = f" and {len(lines) - _MAX_LINES_LISTED} more" if len(lines) > _MAX_LINES_LISTED else ""
        source.warn(
            f"line{'s' if len(lines) > 1 else ''} {shown}{more}: characters in another script (possible speech-recognition "
            "debris), kept as written; check against the recording"
        )
