"""A small coded study built by hand: four groups, two roles, five codes, reviews and runs.

FG4 has only two managers, so under k=3 their quotes must be attributed "Participant, FG4" and
their counts suppressed. One turn carries markup and one is very long, to exercise escaping and
trimming. The analysis result follows the fgkit.analysis contract, built from these rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fgkit.analysis import AnalysisResult, TopicsResult
from fgkit.disclosure import attribution_labels
from fgkit.project import init_project
from fgkit.records import stable_id

K = 3
CODES = ["workload_pressure", "allocation_fairness", "emotional_labour", "professional_judgement", "ai_reactions"]

CODEBOOK = """\
name: Adult social care workload
version: "1.2"
codes:
  - id: workload_pressure
    label: Workload pressure
    definition: Talk about the volume and pace of work and the lack of time to reflect.
    colour: "#1d4f91"
  - id: allocation_fairness
    label: Fairness of allocation
    definition: How cases are allocated and whether practitioners have a say.
  - id: emotional_labour
    label: Emotional labour
    definition: The emotional cost of the work, exhaustion, guilt.
  - id: professional_judgement
    label: Professional judgement
    definition: Judgement under pressure; risk as relational; false certainty.
    parent: workload_pressure
  - id: ai_reactions
    label: Reactions to AI
    definition: Curiosity, caution and concern about AI tools.
"""

# (group, role, participant ids)
PEOPLE = [
    ("FG1", "practitioner", ["P01", "P02", "P03", "P04"]),
    ("FG2", "practitioner", ["P05", "P06", "P07"]),
    ("FG3", "manager", ["M01", "M02", "M03"]),
    ("FG4", "manager", ["M04", "M05"]),
]

LONG = (
    "We had a team day about it and honestly it went round in circles for most of the morning, "
    "people talking about rotas and the duty system and who covers what when someone is off, "
    "and then right at the end somebody said the thing everyone was thinking, which is that the "
    "pressure never stops and there is no time to reflect, just an endless cycle of cases, and "
    "after that the room went quiet and we moved on to the next agenda item as if nothing had "
    "been said at all, which is how it always goes in those meetings."
)

# (group, speaker index within group or None for the facilitator, text, codes, decision)
# decision: None (machine suggestion left unchecked), "accept", "reject".
TURNS = [
    ("FG1", None, "So what does a normal week look like for you?", ["workload_pressure"], None),
    ("FG1", 0, "The pressure never stops. There's no time to reflect, just an endless cycle of cases.", ["workload_pressure"], "accept"),
    ("FG1", 1, "I don't feel I have any say in what's allocated to me. It just appears in my tray.", ["allocation_fairness"], "accept"),
    ("FG1", 2, "I go home every night exhausted, knowing I haven't done enough.", ["emotional_labour", "workload_pressure"], "accept"),
    ("FG1", 3, "Risk is relational, you can't score it off a form <script>alert(1)</script> & that's the point.", ["professional_judgement"], None),
    ("FG1", 0, "If an AI tool wrote the case notes I'd want to check every word of it.", ["ai_reactions"], None),
    ("FG1", 1, LONG, ["workload_pressure"], "accept"),
    ("FG2", 0, "Allocation meetings feel like a lottery, whoever shouts loudest gets the lighter cases.", ["allocation_fairness"], "accept"),
    ("FG2", 1, "The caseload is just relentless, we're firefighting all the time.", ["workload_pressure"], None),
    ("FG2", 2, "Some weeks I cry in the car before a visit.", ["emotional_labour"], "accept"),
    ("FG2", 0, "I'm curious about AI but who is accountable when it gets it wrong?", ["ai_reactions"], "accept"),
    ("FG2", 1, "The weather was nice on Tuesday.", ["workload_pressure"], "reject"),
    ("FG3", None, "How do you decide who gets which case?", ["allocation_fairness"], None),
    ("FG3", 0, "We try to weigh cases, Green two points up to Purple eight, but nobody keeps it up.", ["allocation_fairness", "workload_pressure"], "accept"),
    ("FG3", 1, "My team are stretched and I see it in sickness absence.", ["workload_pressure"], "accept"),
    ("FG3", 2, "Governance made the AI pilot clearer, not slower: we knew who signed off what.", ["ai_reactions"], None),
    ("FG3", 0, "You have to trust their judgement, a tool can give you false certainty.", ["professional_judgement", "ai_reactions"], "accept"),
    ("FG4", 0, "From a manager's seat the allocation looks fair but I know it doesn't feel fair.", ["allocation_fairness"], None),
    ("FG4", 1, "There's never enough time, for them or for us.", ["workload_pressure"], "accept"),
]


def _fill_store(store) -> pd.DataFrame:
    """Write transcripts, pseudo turns, segments, codings, reviews and runs; return the codings."""
    role_of = {g: r for g, r, _ in PEOPLE}
    ids_of = {g: ids for g, _, ids in PEOPLE}
    formats = {"FG1": "vtt", "FG2": "vtt", "FG3": "docx", "FG4": "txt"}
    rows, index = [], {}
    with store.transaction() as conn:
        for group, fmt in formats.items():
            turns = [t for t in TURNS if t[0] == group]
            conn.execute(
                "INSERT INTO transcripts(name, format, sha256, n_turns, n_words, warnings, ingested_at) "
                "VALUES (?, ?, ?, ?, ?, '[]', '2026-01-01T00:00:00')",
                (f"{group}.{fmt}", fmt, stable_id(group), len(turns), sum(len(t[2].split()) for t in turns)),
            )
        for group, who, text, codes, decision in TURNS:
            i = index[group] = index.get(group, -1) + 1
            transcript = f"{group}.{formats[group]}"
            turn_id = stable_id(transcript, i)
            if who is None:
                pid, role, speaker = f"F-{group}", "facilitator", "Facilitator 1"
            else:
                pid, role = ids_of[group][who], role_of[group]
                speaker = f"{role.capitalize()} {pid[1:]}"
            conn.execute(
                "INSERT INTO pseudo_turns VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (turn_id, transcript, i, pid, speaker, role, group, text, stable_id(text)),
            )
            conn.execute(
                "INSERT INTO segments VALUES (?, ?, ?, ?, 'turn', 0, ?, ?, ?, ?, ?, ?)",
                (turn_id, turn_id, transcript, i, len(text), text, speaker, pid, role, group),
            )
            for n, code in enumerate(codes):
                evidence = text.split(".")[0][:40]
                conn.execute(
                    "INSERT INTO codings(segment_id, code, coder, status, confidence, evidence, "
                    "evidence_start, evidence_end, pattern) VALUES (?, ?, 'rules:v1', 'suggested', ?, ?, 0, ?, 'p')",
                    (turn_id, code, 0.9 - 0.1 * n, evidence, len(evidence)),
                )
                if decision:
                    conn.execute(
                        "INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) "
                        "VALUES (?, ?, ?, 'researcher-a', '2026-01-02T00:00:00')",
                        (turn_id, code, decision),
                    )
                rows.append((turn_id, group, role, pid, code, decision))
    for command in ("ingest", "pseudonymise", "code"):
        store.finish_run(store.start_run(command, {"command": command}), "ok")
    return pd.DataFrame(rows, columns=["segment_id", "group", "role", "participant_id", "code", "decision"])


def _display(dimension: str, n_groups: int, groups_total: int, people: int, people_total: int) -> tuple[bool, str]:
    if 0 < people < K:
        return True, f"fewer than {K} participants"
    if people == 0:
        return False, "not raised"
    if dimension == "group":
        return False, f"by {people} of {people_total} participants"
    return False, f"raised in {n_groups} of {groups_total} groups, by {people} of {people_total} participants"


def _prevalence(codings: pd.DataFrame) -> pd.DataFrame:
    kept = codings[(codings["decision"] != "reject") & (codings["role"] != "facilitator")]
    everyone = pd.DataFrame(
        [(g, r, p) for g, r, ids in PEOPLE for p in ids], columns=["group", "role", "participant_id"]
    )
    out = []
    for code in CODES:
        for status in ("any", "accepted", "suggested"):
            sub = kept[kept["code"] == code]
            if status == "accepted":
                sub = sub[sub["decision"] == "accept"]
            elif status == "suggested":
                sub = sub[sub["decision"].isna()]
            scopes = [("overall", None, None, everyone, sub)]
            scopes += [("role", r, None, everyone[everyone.role == r], sub[sub.role == r]) for r in ("manager", "practitioner")]
            scopes += [("group", everyone[everyone.group == g].role.iloc[0], g, everyone[everyone.group == g], sub[sub.group == g]) for g, _, _ in PEOPLE]
            for dimension, role, group, base, hits in scopes:
                people = hits["participant_id"].nunique()
                total = base["participant_id"].nunique()
                groups, groups_total = hits["group"].nunique(), base["group"].nunique()
                suppressed, display = _display(dimension, groups, groups_total, people, total)
                if suppressed:  # the contract blanks every count behind a suppressed cell
                    people = groups = share = None
                else:
                    share = people / total if total else 0.0
                out.append({
                    "dimension": dimension, "role": role, "group": group, "code": code, "status": status,
                    "segments": len(hits), "segments_total": len(base), "segment_share": len(hits) / 20,
                    "participants": people, "participants_total": total,
                    "participant_share": share,
                    "groups": groups, "groups_total": groups_total, "suppressed": suppressed,
                    "display": display, "share": share,
                })
    return pd.DataFrame(out)


def _matrix(codings: pd.DataFrame) -> pd.DataFrame:
    kept = codings[(codings["decision"] != "reject") & (codings["role"] != "facilitator")]
    out = []
    for group, role, _ in PEOPLE:
        for code in CODES:
            hits = kept[(kept.group == group) & (kept.code == code)]
            if len(hits):
                n = hits.participant_id.nunique()
                out.append({
                    "row_type": "group", "row": group, "role": role, "code": code, "segments": len(hits),
                    "participants_display": f"fewer than {K}" if n < K else str(n),
                    "summary": f"Discussed in {len(hits)} segment(s).",
                    "quote_refs": [f"{group}-T{i}" for i in range(len(hits))],
                    "status_mix": f"{int((hits.decision == 'accept').sum())} accepted, {int(hits.decision.isna().sum())} suggested",
                })
    for role in ("practitioner", "manager"):
        for code in CODES:
            hits = kept[(kept.role == role) & (kept.code == code)]
            out.append({
                "row_type": "role_summary", "row": f"{role.capitalize()}s (all groups)", "role": role, "code": code, "segments": len(hits),
                "participants_display": str(hits.participant_id.nunique()),
                "summary": f"{role.capitalize()}s: {len(hits)} segment(s) across groups.",
                "quote_refs": "", "status_mix": "",
            })
    return pd.DataFrame(out)


def make_analysis(codings: pd.DataFrame, topics_ok: bool = False) -> AnalysisResult:
    if topics_ok:
        topics = TopicsResult(
            "ok", "3 candidate topics found; stability measured over 3 seeds.",
            pd.DataFrame({
                "topic": [0, 1, 2], "label": ["cases / time / pressure", "allocation / fair / tray", "ai / tool / trust"],
                "size": [12, 8, 6], "top_terms": [["cases", "time"], ["allocation", "fair"], ["ai", "trust"]],
                "representative_segment_ids": [[], [], []], "stability": [0.81, 0.64, float("nan")],
            }),
            pd.DataFrame({"topic": [0, 0, 1, 2], "role": ["practitioner", "manager", "practitioner", "manager"],
                          "frequency": [8, 4, 8, 6], "top_terms": ["", "", "", ""]}),
            {"embedder": "minilm", "min_topic_size": 5, "seeds": [1, 2, 3]},
        )
    else:
        topics = TopicsResult(
            "too_few_segments",
            "Only 19 segments: candidate topics need at least 60, so none are shown.",
            parameters={"min_segments": 60},
        )
    terms = pd.DataFrame({
        "role": ["practitioner"] * 3 + ["manager"] * 2,
        "term": ["tray", "exhausted", "endless cycle", "governance", "sickness absence"],
        "score": [4.2, 3.1, 2.5, 3.9, 2.2], "count": [3, 2, 2, 2, 1], "rank": [1, 2, 3, 1, 2],
    })
    co = pd.DataFrame({
        "level": ["segment", "segment", "turn"], "code_a": ["emotional_labour", "ai_reactions", "x"],
        "code_b": ["workload_pressure", "professional_judgement", "y"], "count": [1, 1, 9], "jaccard": [0.1, 0.25, 0.9],
    })
    return AnalysisResult(
        prevalence=_prevalence(codings), distinctive_terms=terms, cooccurrence=co, topics=topics,
        matrix=_matrix(codings),
        quotes_attribution=attribution_labels(
            [(p, role, group) for group, role, ids in PEOPLE for p in ids], K
        ),
        summary={"groups": 4, "k": K},
        thin_data=["Code 'emotional_labour' was raised in only two groups: read it with care."],
        k=K,
    )


def make_study(root: Path, topics_ok: bool = False):
    """(project, open store, analysis) for the hand-built study under ``root``."""
    project = init_project(root, name="allocation-study")
    project.codebook_path.write_text(CODEBOOK, encoding="utf-8")
    store = project.open_store()
    return project, store, make_analysis(_fill_store(store), topics_ok)


@pytest.fixture
def coded_project(tmp_path: Path):
    """A fresh study a test may change; the store is closed afterwards."""
    project, store, analysis = make_study(tmp_path / "study")
    yield project, store, analysis
    store.close()


@pytest.fixture
def study_on_disk(tmp_path: Path):
    """The study with its store closed and candidate topics switched off in fgkit.toml.

    Nineteen segments are far below any topic model's reach; this keeps CLI runs fast and offline.
    """
    from fgkit.project import Project

    project, store, _ = make_study(tmp_path / "study")
    store.close()
    settings = project.root / "fgkit.toml"
    text = settings.read_text(encoding="utf-8").replace("enabled = true", "enabled = false")
    settings.write_text(text, encoding="utf-8")
    return Project.load(project.root)


@pytest.fixture(scope="module")
def coded_study(tmp_path_factory):
    """A study shared by a module's read-only tests."""
    project, store, analysis = make_study(tmp_path_factory.mktemp("shared") / "study")
    yield project, store, analysis
    store.close()


@pytest.fixture(scope="module")
def built_reports(tmp_path_factory):
    """All four reports built once for a module: (project, paths by file name)."""
    from fgkit.report import build_reports

    project, store, analysis = make_study(tmp_path_factory.mktemp("built") / "study", topics_ok=True)
    with store:
        paths = build_reports(project, store, analysis)
    return project, {p.name: p for p in paths}
