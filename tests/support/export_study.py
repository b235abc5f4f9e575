"""A small coded study for the export tests (and the leak gate's output scan)."""

from __future__ import annotations

import re
from pathlib import Path

from fgkit.project import init_project
from fgkit.records import stable_id
from fgkit.store import now_iso

CODEBOOK = """\
name: Adult social care test codebook
version: "1"
codes:
  - id: workload_pressure
    label: Workload pressure
    definition: Talk about volume of cases, time pressure and no time to reflect.
    colour: "#E53935"
  - id: allocation_fairness
    label: Fairness of allocation
    definition: How cases are allocated and whether workers have a say.
    colour: "#1E88E5"
  - id: emotional_labour
    label: Emotional labour
    definition: Exhaustion, guilt and the emotional cost of the work.
    colour: "#8E24AA"
  - id: ai
    label: AI and technology
    definition: Reactions to AI tools and automation.
  - id: ai_caution
    label: Cautious about AI
    definition: Concern about accountability, transparency or false certainty.
    parent: ai
    colour: "#43A047"
"""

REGISTER = """\
transcript,speaker_label,participant_id,role,group,consent,full_name,name_variants
FG1.vtt,Facilitator,F01,facilitator,FG1,given,Dana Whitfield,
FG1.vtt,Bev Okafor,P01,practitioner,FG1,given,Beverley Okafor,Bev
FG1.vtt,Tasha Greenwood,P02,practitioner,FG1,given,Natasha Greenwood,Tasha;Tash
FG1.vtt,Sam Iqbal,P03,practitioner,FG1,given,Samir Iqbal,Sam
FG1.vtt,Ann Lee,P04,team_manager,FG1,given,Ann Lee,
FG2.vtt,Facilitator,F01,facilitator,FG2,given,Dana Whitfield,
FG2.vtt,Rob Kaye,P05,practitioner,FG2,given,Robert Kaye,Rob
FG2.vtt,Priya Shah,P06,practitioner,FG2,given,Priya Shah,
FG2.vtt,Lee Brant,P07,practitioner,FG2,withdrawn,Lee Brant,
FG2.vtt,Jo Hart,P08,practitioner,FG2,given,Joanna Hartley,Jo
"""

# (transcript, participant_id, pseudonym, role, group, text)
TURNS = [
    ("FG1.vtt", "F01", "Facilitator 1", "facilitator", "FG1",
     "What is the pressure like at the moment?"),
    ("FG1.vtt", "P01", "Practitioner 01", "practitioner", "FG1",
     "The pressure never stops. There's no time to reflect, just an endless cycle of cases."),
    ("FG1.vtt", "P02", "Practitioner 02", "practitioner", "FG1",
     "I don't feel I have any say in what's allocated to me. It just appears in my tray."),
    ("FG1.vtt", "P04", "Manager 01", "team_manager", "FG1",
     "As a manager I try to weigh cases fairly, but the tool is hard to keep up to date."),
    ("FG1.vtt", "P03", "Practitioner 03", "practitioner", "FG1",
     "I go home every night exhausted, knowing I haven't done enough. That stays with you."),
    ("FG2.vtt", "F01", "Facilitator 1", "facilitator", "FG2",
     "How would you feel about AI helping with allocation?"),
    ("FG2.vtt", "P05", "Practitioner 04", "practitioner", "FG2",
     "Curious, but cautious. Who is accountable if the AI gets the risk wrong?"),
    ("FG2.vtt", "P06", "Practitioner 05", "practitioner", "FG2",
     "Judgement is contextual. Risk is relational, and a score gives false certainty."),
    # Withdrawn after the last pseudonymise run: the register says so, the store does not yet.
    ("FG2.vtt", "P07", "Practitioner 06", "practitioner", "FG2",
     "Honestly the caseload weighting tool never survived a busy month on our team."),
    ("FG2.vtt", "P08", "Practitioner 07", "practitioner", "FG2",
     "There's no time to reflect here either. Caseloads keep growing every single month."),
]

SENTENCE = re.compile(r"[^.?!]+[.?!]+")

# (transcript, turn_index, sentence_no, code, machine_status, review decision or None, memo)
CODINGS = [
    ("FG1.vtt", 1, 0, "workload_pressure", "suggested", "accept", ""),
    ("FG1.vtt", 1, 1, "workload_pressure", "suggested", "accept", "Clear statement of pressure."),
    ("FG1.vtt", 2, 0, "allocation_fairness", "suggested", "accept", ""),
    ("FG1.vtt", 2, 1, "allocation_fairness", "suggested", None, ""),
    ("FG1.vtt", 3, 0, "allocation_fairness", "suggested", "accept", ""),
    ("FG1.vtt", 3, 0, "workload_pressure", "suggested", "reject", "About the tool, not pressure."),
    ("FG1.vtt", 4, 0, "emotional_labour", None, "add", "Added in review."),
    ("FG2.vtt", 1, 1, "ai_caution", "suggested", "accept", ""),
    ("FG2.vtt", 2, 1, "ai_caution", "suggested", "accept", ""),
    ("FG2.vtt", 3, 0, "workload_pressure", "suggested", "accept", ""),
    ("FG2.vtt", 4, 0, "workload_pressure", "suggested", "accept", ""),
    ("FG2.vtt", 4, 1, "workload_pressure", "suggested", None, ""),
]


def sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in SENTENCE.finditer(text):
        start = m.start() + (len(m.group()) - len(m.group().lstrip()))
        spans.append((start, m.end()))
    return spans


def build_study(root: Path, codings=CODINGS):
    project = init_project(root, name="Care Workload Study")
    project.codebook_path.write_text(CODEBOOK, encoding="utf-8")
    project.register_path.write_text(REGISTER, encoding="utf-8")
    store = project.open_store()
    seg_ids: dict[tuple[str, int, int], str] = {}
    with store.transaction() as conn:
        index: dict[str, int] = {}
        for transcript, pid, speaker, role, group, text in TURNS:
            i = index.get(transcript, 0)
            index[transcript] = i + 1
            turn_id = stable_id(transcript, i, text)
            conn.execute(
                "INSERT INTO pseudo_turns VALUES (?,?,?,?,?,?,?,?,?,?)",
                (turn_id, transcript, i, pid, speaker, role, group, text, float(i * 10),
                 stable_id(text)),
            )
            for n, (start, end) in enumerate(sentences(text)):
                seg = stable_id(turn_id, start, end)
                seg_ids[(transcript, i, n)] = seg
                conn.execute(
                    "INSERT INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (seg, turn_id, transcript, i, "sentence", start, end, text[start:end],
                     speaker, pid, role, group),
                )
        for transcript, i, n, code, machine, decision, memo in codings:
            seg = seg_ids[(transcript, i, n)]
            if machine:
                conn.execute(
                    "INSERT INTO codings(segment_id, code, coder, status, confidence, evidence,"
                    " evidence_start, evidence_end, pattern, run_id)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (seg, code, "rules:v1", machine, 0.8, "", 0, 4, "lemma", "r1"),
                )
            if decision:
                conn.execute(
                    "INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at, memo)"
                    " VALUES (?,?,?,?,?,?)",
                    (seg, code, decision, "Reviewer A", now_iso(), memo),
                )
    return project, store, seg_ids
