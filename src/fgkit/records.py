"""Typed records passed between stages.

Records are frozen dataclasses: a stage takes records in and gives new records out. Ids are
content-based so that human decisions attached to them survive re-ingest and re-coding.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

__all__ = [
    "Annotation",
    "Utterance",
    "Turn",
    "Transcript",
    "Section",
    "Participant",
    "RegisterEntry",
    "PseudoTurn",
    "Segment",
    "Coding",
    "stable_id",
]


def stable_id(*parts: object, length: int = 16) -> str:
    """A short, deterministic id from its parts (sha1 of their joined reprs)."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:length]


@dataclass(frozen=True)
class Annotation:
    """A transcriber's mark inside a turn, kept out of the analysed speech.

    kind: one of "inaudible", "laughter", "crosstalk", "pause", "backchannel", "overlap",
    "unclear", "noise", "other". ``offset`` is the character position in the turn's cleaned text
    where the mark stood. ``speaker`` is set for back-channels (``[Paul: Yeah.]``).
    """

    kind: str
    raw: str
    offset: int
    speaker: str | None = None
    text: str | None = None
    timestamp: float | None = None


@dataclass(frozen=True)
class Utterance:
    """One cue, line or paragraph as a reader found it, before turns are merged.

    ``speaker`` is None when the unit carries no label (it continues the previous speaker).
    ``line`` is the 1-based line (or paragraph) number in the source file.
    """

    speaker: str | None
    text: str
    line: int
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class Turn:
    """A speaker's uninterrupted contribution after merging.

    ``text`` is the speech with annotations removed; ``index`` is 0-based in file order,
    facilitator turns included; ``turn_id`` is stable across re-ingests of unchanged content.
    """

    turn_id: str
    index: int
    speaker_label: str
    text: str
    line: int
    start: float | None = None
    end: float | None = None
    annotations: tuple[Annotation, ...] = ()

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Section:
    """A heading in a transcript (``Image eleven``, ``Part 2 - Workload``): a marker, never speech.

    ``line`` is where the heading stands in the file; ``turn_index`` is the index of the turn it
    precedes (``len(turns)`` for a heading after the last turn).
    """

    title: str
    line: int
    turn_index: int


@dataclass(frozen=True)
class Transcript:
    """A transcript file read into turns. ``name`` is the file name within the transcripts folder.

    ``sections`` are the headings found between turns, in file order.
    """

    name: str
    format: str
    sha256: str
    turns: tuple[Turn, ...]
    warnings: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()

    @property
    def words(self) -> int:
        return sum(t.words for t in self.turns)

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for t in self.turns:
            seen.setdefault(t.speaker_label, None)
        return list(seen)


@dataclass(frozen=True)
class RegisterEntry:
    """One row of the participants register: a speaker label in one transcript."""

    transcript: str
    speaker_label: str
    participant_id: str
    role: str
    group: str
    consent: str
    full_name: str = ""
    name_variants: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Participant:
    """A person across all transcripts they appear in."""

    participant_id: str
    role: str
    group: str
    consent: str
    full_name: str = ""
    name_variants: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # (transcript, speaker_label) pairs

    @property
    def withdrawn(self) -> bool:
        return self.consent == "withdrawn"

    @property
    def is_facilitator(self) -> bool:
        return self.role == "facilitator"


@dataclass(frozen=True)
class PseudoTurn:
    """A turn after pseudonymisation: safe text, speaker pseudonym, role and group."""

    turn_id: str
    transcript: str
    index: int
    participant_id: str
    speaker: str
    role: str
    group: str
    text: str
    start: float | None = None
    source_hash: str = ""  # SHA-1 of the turn's text before pseudonymisation


@dataclass(frozen=True)
class Segment:
    """A unit of coding: a whole turn or one sentence, with offsets into the pseudonymised turn."""

    segment_id: str
    turn_id: str
    transcript: str
    turn_index: int
    start_char: int
    end_char: int
    text: str
    speaker: str
    participant_id: str
    role: str
    group: str
    level: str = "turn"


@dataclass(frozen=True)
class Coding:
    """A code applied to a segment, with evidence and provenance.

    ``status``: "suggested" (machine), "accepted" or "rejected" (a person decided).
    ``coder``: "rules:v1", "classifier:v1", a reviewer's name, or an imported tool's coder name.
    Evidence offsets are relative to the segment's text.
    """

    segment_id: str
    code: str
    coder: str
    status: str = "suggested"
    confidence: float = 1.0
    evidence: str = ""
    evidence_start: int | None = None
    evidence_end: int | None = None
    pattern: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)
