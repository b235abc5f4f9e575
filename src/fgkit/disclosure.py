"""Small-cell protection: the unit of analysis is the group, never the person.

A count resting on fewer than ``k`` participants is shown as "fewer than k". A quote is attributed
by role and group ("Practitioner, FG2") only when at least ``k`` participants share that role in
that group; otherwise by group alone ("Participant, FG4"), so nobody is singled out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

__all__ = ["suppressed", "display_count", "attribution_labels", "role_title"]


def role_title(role: str) -> str:
    return role.replace("_", " ").strip().capitalize() or "Participant"


def suppressed(participants: int, k: int) -> bool:
    """True when a count rests on some but fewer than k participants."""
    return 0 < participants < k


def display_count(value: int, participants: int, k: int) -> str:
    return f"fewer than {k}" if suppressed(participants, k) else str(value)


def attribution_labels(
    people: Iterable[tuple[str, str, str]], k: int
) -> dict[tuple[str, str], str]:
    """Attribution strings keyed by (participant_id, group).

    ``people`` yields (participant_id, role, group) for every consenting, non-facilitator
    participant. A role with fewer than k members in a group is attributed as "Participant".
    Groups themselves are study-level labels (FG1...), never personal.
    """
    people = list(dict.fromkeys(people))
    counts = Counter((role, group) for _, role, group in people)
    labels = {}
    for pid, role, group in people:
        title = role_title(role) if counts[(role, group)] >= k else "Participant"
        labels[(pid, group)] = f"{title}, {group}"
    return labels
