"""Speaker pseudonyms: one per participant, the same in every transcript and every run.

Numbering rule (decided and documented here): numbers are per role. On the first run they
follow participant-id order. From then on the private key remembers every number handed out,
and a participant the key has not seen gets the next free number for their role. So adding a
participant never renumbers anyone, even when the new id sorts first, and a withdrawn
participant's number is never reused. Deleting the key restarts numbering from scratch, which is
one more reason to keep (and back up) the key.
"""

from __future__ import annotations

from ..errors import SettingsError

__all__ = ["assign_pseudonyms", "role_title"]


def role_title(role: str) -> str:
    """"team_manager" -> "Team manager"."""
    words = role.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _format(scheme: str, role: str, number: int, setting: str) -> str:
    try:
        return scheme.format(Role=role_title(role), role=role.replace("_", " "), number=number)
    except (KeyError, IndexError, ValueError):
        raise SettingsError(
            f"[pseudonymise] {setting} must use only {{Role}}, {{role}} and {{number}} "
            "(e.g. \"{Role} {number:02d}\")"
        ) from None


def assign_pseudonyms(participants, key, scheme: str, facilitator_scheme: str) -> dict[str, str]:
    """participant_id -> pseudonym for every participant; new assignments are added to ``key``."""
    used: dict[str, set[int]] = {}
    for info in key.speakers.values():
        used.setdefault(info["role"], set()).add(int(info["number"]))
    for pid in sorted(participants):
        role = participants[pid].role
        info = key.speakers.get(pid)
        if info is None or info["role"] != role:
            taken = used.setdefault(role, set())
            number = max(taken, default=0) + 1
            taken.add(number)
            key.speakers[pid] = {"role": role, "number": number}
    pseudonyms: dict[str, str] = {}
    for pid, info in key.speakers.items():
        facilitator = info["role"] == "facilitator"
        pseudonyms[pid] = _format(
            facilitator_scheme if facilitator else scheme, info["role"], int(info["number"]),
            "facilitator_scheme" if facilitator else "scheme",
        )
        info["pseudonym"] = pseudonyms[pid]
    seen: dict[str, str] = {}
    for pid in sorted(pseudonyms):
        if pseudonyms[pid] in seen:
            raise SettingsError(
                "[pseudonymise] scheme gives two participants the same pseudonym; include {number}"
            )
        seen[pseudonyms[pid]] = pid
    return {pid: pseudonyms[pid] for pid in participants}
