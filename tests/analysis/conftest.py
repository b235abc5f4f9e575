"""A small pseudonymised study written straight into a store, for the analysis tests.

Groups: FG1 and FG2 practitioners (plus one advanced practitioner each), FG3 managers, FG6
mixed (three practitioners and one manager). Advanced practitioners number two in all, so
their counts fall under k = 3.
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
from pathlib import Path

import pytest

from fgkit.project import init_project

# UMAP and pynndescent compile numba code on first import; a cache shared by test sessions on
# this machine saves most of a minute per session (projects otherwise use their private zone).
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "fgkit-test-numba"))

ROSTER = [
    ("P01", "practitioner", "FG1"), ("P02", "practitioner", "FG1"), ("P03", "practitioner", "FG1"),
    ("A01", "advanced_practitioner", "FG1"),
    ("P04", "practitioner", "FG2"), ("P05", "practitioner", "FG2"), ("P06", "practitioner", "FG2"),
    ("A02", "advanced_practitioner", "FG2"),
    ("M01", "manager", "FG3"), ("M02", "manager", "FG3"), ("M03", "manager", "FG3"),
    ("P07", "practitioner", "FG6"), ("P08", "practitioner", "FG6"), ("P09", "practitioner", "FG6"),
    ("M04", "manager", "FG6"),
]

# (participant, text, {code: status}); status "accepted", "suggested" or "rejected".
TURNS = [
    ("P01", "My caseload is enormous and the pressure never stops. There is no time to reflect.",
     {"pressure": "accepted"}),
    ("P01", "Cases just appear in my tray and I have no say in the allocation.",
     {"fairness": "suggested", "pressure": "suggested"}),
    ("P02", "The tray keeps filling up. I go home exhausted, knowing I have not done enough.",
     {"pressure": "accepted", "emotional_labour": "accepted"}),
    ("P03", "[Person 1] said the allocation meeting is fair, but the tray never empties.",
     {"fairness": "rejected"}),
    ("A01", "As an advanced practitioner I carry the complex safeguarding cases in the tray.",
     {"pressure": "suggested"}),
    ("P04", "Honestly the caseload is relentless and the tray is full every morning.",
     {"pressure": "suggested"}),
    ("P05", "The allocation feels unfair when agency staff get the easy cases.",
     {"fairness": "accepted"}),
    ("P06", "I cried in the car after the visit to [Person 2], it stays with you.",
     {"emotional_labour": "suggested"}),
    ("A02", "I review the tray with the complex safeguarding cases before allocation.",
     {"fairness": "suggested"}),
    ("M01", "The budget forecast and the performance dashboard drive the allocation meeting.",
     {"governance": "accepted", "fairness": "suggested"}),
    ("M02", "Our budget is overspent, so oversight of every performance target matters.",
     {"governance": "accepted"}),
    ("M03", "The dashboard shows the performance figures the budget board wants.",
     {"governance": "suggested", "pressure": "suggested"}),
    ("P07", "The tray is overflowing and my caseload doubled after [Place 1] closed.",
     {"pressure": "accepted"}),
    ("P08", "Nobody asks us about allocation, the tray decides for us.",
     {"fairness": "accepted"}),
    ("P09", "Some days the caseload breaks you and you carry it home.",
     {"pressure": "suggested", "emotional_labour": "accepted"}),
    ("M04", "From the budget side the performance dashboard tells a different story.",
     {"governance": "suggested"}),
]


def _sid(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def write_study(store, turns, roster=ROSTER, reviewer="researcher") -> None:
    """Write pseudonymised turns, one turn-level segment each, codings and review decisions."""
    people = {pid: (role, group) for pid, role, group in roster}
    with store.transaction() as conn:
        index: dict[str, int] = {}
        for n, (pid, text, codes) in enumerate(turns):
            role, group = people[pid]
            transcript = f"{group.lower()}.txt"
            i = index.get(transcript, 0) + 1
            index[transcript] = i
            turn_id = _sid(transcript, i)
            segment_id = _sid(turn_id, "turn", n)
            speaker = f"{role.replace('_', ' ').title()} {pid[1:]}"
            conn.execute(
                "INSERT INTO pseudo_turns(turn_id, transcript, turn_index, participant_id, speaker,"
                " role, group_name, text, source_hash) VALUES (?,?,?,?,?,?,?,?,?)",
                (turn_id, transcript, i, pid, speaker, role, group, text, _sid(text)),
            )
            conn.execute(
                "INSERT INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (segment_id, turn_id, transcript, i, "turn", 0, len(text), text, speaker, pid,
                 role, group),
            )
            for code, status in codes.items():
                conn.execute(
                    "INSERT INTO codings(segment_id, code, coder, confidence, evidence,"
                    " evidence_start, evidence_end) VALUES (?,?,?,?,?,?,?)",
                    (segment_id, code, "rules:v1", 0.7, text.split()[1], 3, 8),
                )
                if status != "suggested":
                    conn.execute(
                        "INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at)"
                        " VALUES (?,?,?,?,?)",
                        (segment_id, code, "accept" if status == "accepted" else "reject",
                         reviewer, "2026-01-01T00:00:00+00:00"),
                    )
        conn.execute(
            "INSERT INTO pseudo_turns(turn_id, transcript, turn_index, participant_id, speaker,"
            " role, group_name, text, source_hash) VALUES (?,?,?,?,?,?,?,?,?)",
            (_sid("fac"), "fg1.txt", 0, "F01", "Facilitator 1", "facilitator", "FG1",
             "Welcome everyone, let us talk about allocation.", _sid("fac-text")),
        )


@pytest.fixture
def study(tmp_path):
    """(project, store) holding the hand-checkable study above."""
    project = init_project(tmp_path / "proj")
    store = project.open_store()
    write_study(store, TURNS)
    yield project, store
    store.close()


THEMES = {
    "caseload": [
        "My caseload has grown again and the tray is full of {x} referrals.",
        "We are drowning in {x} cases and nobody reduces the caseload.",
        "The waiting list for {x} assessments keeps growing every week.",
    ],
    "technology": [
        "The new software for {x} notes crashes and I type everything twice.",
        "An AI tool could draft the {x} summary but who checks the output?",
        "The laptop and the {x} recording system slow every visit down.",
    ],
    "emotion": [
        "After the {x} visit I sat in the car and cried for ten minutes.",
        "You carry the {x} family home with you, it never leaves.",
        "Supervision should help with the {x} grief but it is always rushed.",
    ],
}
FILLERS = ["safeguarding", "hospital discharge", "carers", "mental health", "reablement", "housing"]


def generated_turns(n: int, seed: int = 7):
    """``n`` turns drawn from three distinct themes, spread over the roster."""
    rng = random.Random(seed)
    themes = sorted(THEMES)
    turns = []
    for i in range(n):
        theme = themes[i % 3]
        text = rng.choice(THEMES[theme]).format(x=rng.choice(FILLERS))
        if rng.random() < 0.4:
            text += " " + rng.choice(THEMES[theme]).format(x=rng.choice(FILLERS))
        pid = ROSTER[rng.randrange(len(ROSTER))][0]
        turns.append((pid, text, {theme: "suggested"}))
    return turns


@pytest.fixture(scope="session")
def study_writer():
    """``write_study(store, turns, roster=ROSTER)`` for tests that build their own study."""
    return write_study


@pytest.fixture(scope="session")
def turn_generator():
    """``generated_turns(n, seed)``: turns on three distinct themes."""
    return generated_turns
