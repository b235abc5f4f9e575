"""Synthetic segments, codebook and rule suggestions for the review and classifier tests."""

from __future__ import annotations

import random

from fgkit.records import stable_id

CODEBOOK = """\
version: "1"
name: Review test codebook
codes:
  - id: workload
    label: Workload pressure
  - id: allocation_fairness
    label: Fairness of case allocation
  - id: emotional_labour
    label: Emotional labour
  - id: professional_judgement
    label: Professional judgement
  - id: ai_technology
    label: AI and technology
"""

PHRASES = {
    "workload": [
        "my caseload has gone up to forty and there is no way to see everyone properly",
        "we are constantly firefighting, the waiting list just keeps growing",
        "I stay late most nights to finish the assessments and write up the notes",
        "there are not enough hours in the day with the number of reviews we carry",
        "the duty rota is relentless and nobody gets time to catch up on paperwork",
    ],
    "allocation_fairness": [
        "the complex cases always seem to land on the same people in the team",
        "allocation meetings feel arbitrary, it depends who shouts loudest",
        "newer staff get the easy cases while the experienced ones get buried",
        "nobody can explain how the manager decides who gets which referral",
        "it would feel fairer if the weighting of cases was done openly",
    ],
    "emotional_labour": [
        "you carry the families home with you, it is hard to switch off",
        "I cried in the car after that visit and then went straight to the next one",
        "you have to keep a calm face even when the situation is upsetting",
        "the safeguarding work takes a real emotional toll on all of us",
        "sometimes you absorb so much distress that you feel numb by Friday",
    ],
    "professional_judgement": [
        "I know this person and the form does not capture what they actually need",
        "the eligibility criteria leave little room for our own professional view",
        "I had to use my judgement and go against what the panel wanted",
        "experience tells you when a care plan is not going to hold",
        "we are trained to weigh up risk, not just tick the boxes on the system",
    ],
    "ai_technology": [
        "the new software suggests a package of care but I do not trust it",
        "they talked about an algorithm to prioritise referrals and people were worried",
        "the case management system crashes and we lose an hour of notes",
        "if a computer decides the hours, who is accountable when it goes wrong",
        "the chatbot for carers gives answers that are plainly out of date",
    ],
}
FILLER = [
    "To be honest,", "I think", "For me,", "It's like", "Yeah, and", "Well,", "You know,",
]
CODES = list(PHRASES)


def make_segments(n: int, seed: int = 7) -> list[dict]:
    """n segments of realistic speech, each with the codes it was built from."""
    rng = random.Random(seed)
    out, seen = [], set()
    for i in range(n):
        # Turns in a transcript differ; redraw a repeat so segment ids stay unique.
        while True:
            codes = sorted(rng.sample(CODES, rng.choice([1, 1, 2])))
            text = " ".join(f"{rng.choice(FILLER)} {rng.choice(PHRASES[c])}." for c in codes)
            if text not in seen:
                seen.add(text)
                break
        transcript = f"group-{i % 3 + 1}.vtt"
        out.append({
            "segment_id": stable_id(transcript, text),
            "turn_id": stable_id("turn", transcript, i),
            "transcript": transcript,
            "turn_index": i,
            "text": text,
            "speaker": f"Practitioner {i % 7 + 1:02d}",
            "participant_id": f"P{i % 7 + 1:02d}",
            "role": "manager" if i % 5 == 0 else "practitioner",
            "group": f"Team {'ABC'[i % 3]}",
            "codes": codes,
        })
    return out


def write_segments(store, segments: list[dict]) -> None:
    with store.transaction() as conn:
        for s in segments:
            conn.execute(
                """INSERT OR REPLACE INTO pseudo_turns(turn_id, transcript, turn_index, participant_id,
                   speaker, role, group_name, text, source_hash) VALUES (?,?,?,?,?,?,?,?,?)""",
                (s["turn_id"], s["transcript"], s["turn_index"], s["participant_id"], s["speaker"],
                 s["role"], s["group"], s["text"], "h"),
            )
            conn.execute(
                """INSERT OR REPLACE INTO segments(segment_id, turn_id, transcript, turn_index, level,
                   start_char, end_char, text, speaker, participant_id, role, group_name)
                   VALUES (?,?,?,?,'turn',0,?,?,?,?,?,?)""",
                (s["segment_id"], s["turn_id"], s["transcript"], s["turn_index"], len(s["text"]),
                 s["text"], s["speaker"], s["participant_id"], s["role"], s["group"]),
            )


def write_codings(store, rows: list[tuple]) -> None:
    """rows: (segment_id, code, coder, confidence, evidence_start, evidence_end)."""
    with store.transaction() as conn:
        conn.executemany(
            """INSERT OR REPLACE INTO codings(segment_id, code, coder, confidence, evidence_start,
               evidence_end, pattern) VALUES (?,?,?,?,?,?,'test')""",
            rows,
        )


def rule_suggestions(segments: list[dict], seed: int = 3) -> list[tuple]:
    """Imperfect machine suggestions: most true codes, some wrong ones, varied confidence."""
    rng = random.Random(seed)
    rows = []
    for s in segments:
        for code in CODES:
            truth = code in s["codes"]
            if (truth and rng.random() < 0.8) or (not truth and rng.random() < 0.1):
                start = s["text"].find(" ") + 1
                rows.append((s["segment_id"], code, "rules:v1", round(rng.uniform(0.3, 0.95), 2),
                             start, start + 12))
    return rows
