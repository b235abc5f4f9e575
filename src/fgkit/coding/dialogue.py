"""Coding a segment within the talk before it: its own turn, the facilitator's question and the
previous turn.

A focus group talks in stretches: the facilitator asks about something ("Some of you have used
the note-taking pilot?") and the answers that follow say "it", "the thing", "that" and lean on
the question for the rest. The rule coder's ``scan`` leaves such matches open (an anaphor with
nothing named before it in the segment, an everyday word with no context in it); here each is
settled by the nearest talk that supports it, and every hit records where (``Hit.basis``).

Rules of the stretch, kept simple enough to explain:

- *turn*: earlier segments of the same turn (sentence-level coding);
- *question*: the facilitator's last question, with the codes it names, touches on ("any
  technology?") or has context for; a follow-up that names nothing ("And how has that been?")
  keeps the question before it;
- *previous*: the participant turn just before, with the codes it ended up with, so a thread
  ("it" ... "it" ...) carries on until the facilitator moves the talk on. A new question that
  names something starts a new stretch: the turn before it no longer counts.

Only in talk about the work: a transcript where fewer than ``ON_TOPIC_SHARE`` of the
participants' turns name a code or its context in their own words (a study of something else,
where "it", "stressed" and "the team" mean the race or the school app) gets no support from
the talk around, only the hits its segments prove alone. Social-care groups sit well above
it (about 0.55 to 0.8 of turns on the tuning study), other subjects well below (about 0.25).

Nothing here reads the model: it works on cached scans, so a re-run costs no parsing.
"""

from __future__ import annotations

from dataclasses import dataclass

from .rules import Hit, Lead, Resolver, Scan

__all__ = ["ON_TOPIC_SHARE", "Unit", "code_dialogue", "on_topic_transcripts"]

ON_TOPIC_SHARE = 0.4


@dataclass(frozen=True)
class Unit:
    """Where a scanned segment sits: its transcript, its turn (segments of one turn share it)
    and whether a facilitator said it (a facilitator's turn leads, it is never coded)."""

    transcript: str
    turn: int
    facilitator: bool = False


def code_dialogue(coder: Resolver, scans: list[Scan], units: list[Unit]) -> list[list[Hit]]:
    """Hits per segment, each segment resolved with the talk before it.

    ``scans`` and ``units`` are parallel and in spoken order within each transcript (the
    transcripts may follow one another in any order). A facilitator's segment gets its own
    hits too (for the record), but callers code participants' segments only."""
    out: list[list[Hit]] = [[] for _ in scans]
    on_topic = on_topic_transcripts(scans, units)
    question: Lead | None = None
    previous: Lead | None = None
    current_turn: tuple[str, int] | None = None
    turn_hits: list[Hit] = []
    turn_scans: list[Scan] = []
    turn_is_facilitator = False

    def close_turn() -> None:
        nonlocal question, previous
        if current_turn is None:
            return
        merged = _merge(turn_scans)
        if turn_is_facilitator:
            asked = coder.lead("question", merged, turn_hits, open_codes=True)
            if not asked.empty:
                # A question that names something moves the talk on.
                question, previous = asked, None
        else:
            previous = coder.lead("previous", merged, turn_hits)

    for index, (scan, unit) in enumerate(zip(scans, units)):
        key = (unit.transcript, unit.turn)
        if key != current_turn:
            close_turn()
            if current_turn is None or current_turn[0] != unit.transcript:
                question = previous = None
            current_turn, turn_hits, turn_scans = key, [], []
            turn_is_facilitator = unit.facilitator
        leads = []
        if unit.transcript not in on_topic:
            out[index] = scan.hits
            turn_scans.append(scan)
            continue
        if turn_scans:
            leads.append(coder.lead("turn", _merge(turn_scans), turn_hits))
        leads.extend(ld for ld in (question, previous) if ld is not None)
        hits = coder.resolve(scan, leads)
        out[index] = hits
        turn_hits.extend(hits)
        turn_scans.append(scan)
    close_turn()
    return out


def on_topic_transcripts(scans: list[Scan], units: list[Unit]) -> set[str]:
    """Transcripts whose participants talk about the work: at least ``ON_TOPIC_SHARE`` of
    their turns hold a hit or a context match of some code in their own words."""
    turns: dict[str, dict[int, bool]] = {}
    for scan, unit in zip(scans, units):
        if unit.facilitator:
            continue
        seen = turns.setdefault(unit.transcript, {})
        seen[unit.turn] = seen.get(unit.turn, False) or bool(scan.hits or scan.context)
    return {t for t, seen in turns.items() if sum(seen.values()) >= ON_TOPIC_SHARE * len(seen)}


def _merge(scans: list[Scan]) -> Scan:
    """One scan standing for several segments of a turn (their context and open matches)."""
    if len(scans) == 1:
        return scans[0]
    merged = Scan()
    for scan in scans:
        merged.hits.extend(scan.hits)
        merged.pending.extend(scan.pending)
        merged.context.update(scan.context)
    return merged
