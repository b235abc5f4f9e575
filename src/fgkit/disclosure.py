"""Small-cell protection: the unit of analysis is the group, never the person.

This module is the one place that decides what may be shown about people. Every output (the
analysis tables, the report in every format, the framework matrix, the quotes export) asks it
rather than deciding for itself, so nothing withheld in one place is shown in another.

Three rules, all resting on the study's roster (participant, role, group) and ``k``:

* **Withholding counts** (:func:`withhold`): in a family of cells that add up to a known total
  (the roles of one code, the groups of one code), a cell resting on 1..k-1 participants is
  shown as "fewer than k"; further cells are withheld, smallest first, until at least two are
  hidden and together they hold at least k participants, so no hidden count can be worked out
  as the total minus the visible ones.
* **Who is broken down by role** (:attr:`Disclosure.role_groups`): a group is counted in role
  figures only when every role in it has at least k people. A group where one role has fewer
  (FG6: four practitioners and one manager) still counts in its own group row and overall, but
  in no role row: otherwise "managers" minus the other managers' groups is the lone manager,
  and "practitioners" minus the practitioner-only groups, taken from the group's row, is too.
* **Attribution** (:meth:`Disclosure.attribution`): a quote names role and group ("Practitioner,
  FG2") only in a group counted by role; in any other group everyone is "Participant, FG6", so
  the label cannot single out the lone manager; in a group of fewer than k people the group is
  not named either ("Participant").
* **References** (:func:`shown_reference`): a quote's turn reference ("fg4-managers turn 2")
  names its transcript, and a transcript is a group; it is given only beside an attribution that
  names that group, so "Participant" (a group of fewer than k) never comes with a reference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

__all__ = [
    "Disclosure", "SHOWN", "FEWER", "WITHHELD", "suppressed", "display_count", "withhold",
    "attribution_labels", "role_title", "shown_reference",
]

SHOWN, FEWER, WITHHELD = "shown", "fewer", "withheld"


def role_title(role: str) -> str:
    return role.replace("_", " ").strip().capitalize() or "Participant"


def suppressed(participants: int, k: int) -> bool:
    """True when a count rests on some but fewer than k participants."""
    return 0 < participants < k


def shown_reference(attribution: str, group: str, reference: str) -> str:
    """The quote's reference, or "" when its attribution does not name its group.

    Every output asks this before printing a reference: the transcript's name gives the group
    away, so a quote whose group is withheld ("Participant") gets none."""
    group = str(group)
    if not group or not str(attribution).endswith(f", {group}"):
        return ""
    return str(reference)


def display_count(value: int, participants: int, k: int) -> str:
    return f"fewer than {k}" if suppressed(participants, k) else str(value)


def withhold(participants: Sequence[int], k: int, order: Sequence | None = None,
             already: Sequence[str] | None = None) -> list[str]:
    """The state of each cell of one family: SHOWN, FEWER (primary) or WITHHELD (complementary).

    ``participants`` are the cells' participant counts; ``order`` breaks ties between equal
    counts (default: position); ``already`` marks cells another check has hidden already.
    """
    n = len(participants)
    order = list(order) if order is not None else list(range(n))
    states = list(already) if already is not None else [SHOWN] * n
    for i, p in enumerate(participants):
        if states[i] == SHOWN and suppressed(int(p), k):
            states[i] = FEWER
    hidden = [i for i in range(n) if states[i] != SHOWN]
    if not hidden:
        return states
    total = sum(int(participants[i]) for i in hidden)
    candidates = sorted(
        (i for i in range(n) if states[i] == SHOWN and int(participants[i]) > 0),
        key=lambda i: (int(participants[i]), order[i]),
    )
    for i in candidates:
        if len(hidden) >= 2 and total >= k:
            break
        states[i] = WITHHELD
        hidden.append(i)
        total += int(participants[i])
    return states


@dataclass(frozen=True)
class Disclosure:
    """The roster's disclosure rules; build one with :meth:`from_people`."""

    k: int
    people: tuple[tuple[str, str, str], ...] = field(default=())

    @classmethod
    def from_people(cls, people: Iterable[tuple[str, str, str]], k: int) -> Disclosure:
        """``people`` yields (participant_id, role, group) for every non-facilitator participant."""
        rows = tuple(dict.fromkeys((str(p), str(r), str(g)) for p, r, g in people))
        return cls(int(k), rows)

    @cached_property
    def group_sizes(self) -> Counter:
        return Counter(group for _, _, group in self.people)

    @cached_property
    def role_group_sizes(self) -> Counter:
        return Counter((role, group) for _, role, group in self.people)

    @cached_property
    def role_groups(self) -> frozenset[str]:
        """Groups whose every role has at least k people: the only ones counted by role."""
        sizes = self.role_group_sizes
        groups = {g for _, _, g in self.people}
        return frozenset(
            g for g in groups if all(n >= self.k for (_, group), n in sizes.items() if group == g)
        )

    @cached_property
    def small_groups(self) -> frozenset[str]:
        """Groups of fewer than k people: never named beside a quote or a summary."""
        return frozenset(g for g, n in self.group_sizes.items() if n < self.k)

    @cached_property
    def _known(self) -> frozenset:
        return frozenset(self.people)

    def counted_by_role(self, group: str) -> bool:
        return str(group) in self.role_groups

    def attribution(self, participant_id: str, role: str, group: str) -> str:
        group = str(group)
        if group in self.small_groups:
            return "Participant"
        if group in self.role_groups:
            return f"{role_title(str(role))}, {group}"
        return f"Participant, {group}"

    def reference(self, group: str, reference: str) -> str:
        """A quote's reference where its group may be named, "" where it is withheld."""
        return shown_reference(self.label_for("", "", group), group, reference)

    def labels(self) -> dict[tuple[str, str], str]:
        """Attribution strings keyed by (participant_id, group)."""
        return {(p, g): self.attribution(p, r, g) for p, r, g in self.people}

    def label_for(self, participant_id: str, role: str, group: str) -> str:
        """The attribution of someone the roster may not list (a facilitator-free fallback)."""
        if (str(participant_id), str(role), str(group)) in self._known:
            return self.attribution(participant_id, role, group)
        return "Participant" if str(group) in self.small_groups else f"Participant, {group}"

    def role_group_note(self) -> str | None:
        """Plain English on groups left out of role figures, or None when there are none."""
        left_out = sorted({g for _, _, g in self.people} - self.role_groups - self.small_groups)
        small = sorted(self.small_groups)
        parts = []
        if left_out:
            parts.append(
                f"{_names(left_out)} {'has' if len(left_out) == 1 else 'have'} a role with fewer "
                f"than {self.k} people, so {'it counts' if len(left_out) == 1 else 'they count'} in "
                "group and overall figures but not in any role's figures, and everyone there is "
                "quoted as 'Participant' with the group"
            )
        if small:
            parts.append(
                f"{_names(small)} {'has' if len(small) == 1 else 'have'} fewer than {self.k} "
                "people, so quotes from there do not name the group"
            )
        return ("; ".join(parts) + ".") if parts else None


def _names(groups: list[str]) -> str:
    return groups[0] if len(groups) == 1 else ", ".join(groups[:-1]) + " and " + groups[-1]


def attribution_labels(people: Iterable[tuple[str, str, str]], k: int) -> dict[tuple[str, str], str]:
    """Attribution strings keyed by (participant_id, group); see :class:`Disclosure`."""
    return Disclosure.from_people(people, k).labels()
