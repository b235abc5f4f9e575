"""The framework matrix (Gale et al. 2013), in long form.

Rows are groups, plus one summary row per role across the groups counted by role; columns are
codes. Each cell holds the number of coded segments, the number of participants, a short
extractive summary, references to the turns behind it ("fg1-teams turn 12", counted from 1, as
the shareable transcripts number them) and how much of it a person checked.

Every count comes from the protected prevalence table, so a cell withheld there is withheld
here too (``fgkit.disclosure`` decides both). A group of fewer than k people is not summarised
(its words would be "Participant, FG7" by another name); role rows leave out groups where a role
has fewer than k people, as prevalence does.

The summary picks up to three passages deterministically: codings a person accepted before
machine suggestions, then higher confidence, then segment id; from each coded segment it takes
whole sentences around the coding's evidence with at least ``MIN_SUMMARY_WORDS`` words (never a
section heading), at most one per participant first, so the cell reads as the group's voice
rather than one speaker's.
"""

from __future__ import annotations

import pandas as pd

from ..disclosure import role_title
from ..passages import MIN_SUMMARY_WORDS, passage, turn_reference
from .frames import StudyFrames, natural_key
from .results import MATRIX_COLUMNS

MAX_PASSAGE = 220
MAX_SENTENCES = 3


def evidence_passage(text: str, evidence_start, headings=frozenset()) -> str:
    """Whole sentences of ``text`` around ``evidence_start`` ("" when only a fragment)."""
    return passage(text, evidence_start, MAX_PASSAGE, MIN_SUMMARY_WORDS, headings)


def _summary(cell: pd.DataFrame, headings) -> str:
    ranked = cell.assign(
        _accepted=(cell["status"] != "accepted").astype(int),
        _confidence=-cell["confidence"].astype(float),
    ).sort_values(["_accepted", "_confidence", "segment_id"])
    picked: list[str] = []
    speakers: set[str] = set()
    for passes in (True, False):  # first one passage per participant, then fill up
        for row in ranked.itertuples():
            if len(picked) >= MAX_SENTENCES:
                break
            if passes and row.participant_id in speakers:
                continue
            text = evidence_passage(row.text, row.evidence_start, headings)
            if text and text not in picked:
                picked.append(text)
                speakers.add(row.participant_id)
    return " ".join(f'"{s}"' for s in picked)


def _refs(cell: pd.DataFrame) -> str:
    refs = cell[["transcript", "turn_index"]].drop_duplicates()
    refs = sorted(refs.itertuples(index=False), key=lambda r: (natural_key(r[0]), int(r[1])))
    return ";".join(turn_reference(t, i) for t, i in refs)


def _checked(cell: pd.DataFrame) -> str:
    accepted = int((cell["status"] == "accepted").sum())
    return "all" if accepted == len(cell) else "none" if accepted == 0 else "some"


def _lookup(prevalence: pd.DataFrame, dimension: str, key: str) -> dict:
    if prevalence is None or not len(prevalence):
        return {}
    sub = prevalence[prevalence["dimension"] == dimension]
    return {(str(getattr(r, key)), str(r.code), str(r.status)): r for r in sub.itertuples()}


def _participants(row, k: int) -> str:
    if row is None:
        return ""
    if not row.suppressed:
        return str(int(row.participants))
    return f"fewer than {k}" if str(row.display).startswith("fewer") else "withheld"


def _status_mix(rows: dict, key: str, code: str, checked: str) -> str:
    """Checked and unchecked segments, as numbers only where prevalence shows both."""
    acc, sug = rows.get((key, code, "accepted")), rows.get((key, code, "suggested"))
    if acc is not None and sug is not None and not acc.suppressed and not sug.suppressed:
        return f"{int(acc.segments)} checked, {int(sug.segments)} not checked"
    return {"all": "all checked", "none": "none checked yet", "some": "some checked"}[checked]


def _row(row_type, row, role, code, cell, k, prev, key, headings, summarise=True) -> dict:
    if not len(cell):
        return {"row_type": row_type, "row": row, "role": role, "code": code, "segments": 0,
                "participants_display": "", "summary": "", "quote_refs": "", "status_mix": "",
                "checked": ""}
    any_row = prev.get((key, code, "any"))
    shown = any_row is not None and not any_row.suppressed
    checked = _checked(cell)
    if summarise:
        summary = _summary(cell, headings) or "Only short remarks: read them in the transcript."
    else:
        summary = f"Not summarised: this group has fewer than {k} people."
    return {
        "row_type": row_type, "row": row, "role": role, "code": code,
        # Segments count only where prevalence shows the cell; 0 stands for "not shown".
        "segments": int(cell["segment_id"].nunique()) if shown else 0,
        "participants_display": _participants(any_row, k),
        "summary": summary,
        "quote_refs": _refs(cell) if summarise else "",
        # A withheld count stays withheld in the checked/unchecked split (framework_matrix.csv).
        "status_mix": _status_mix(prev, key, code, checked) if shown else "",
        "checked": checked,
    }


def compute_matrix(frames: StudyFrames, k: int, prevalence: pd.DataFrame | None = None) -> pd.DataFrame:
    if prevalence is None:
        from .prevalence import compute_prevalence

        prevalence = compute_prevalence(frames, k)
    from .prevalence import counted_roles

    disclosure = frames.disclosure(k)
    codings = frames.codings.drop_duplicates(["segment_id", "code"])
    codes = frames.codes
    by_code = {code: cell for code, cell in codings.groupby("code")}
    by_group, by_role = _lookup(prevalence, "group", "group"), _lookup(prevalence, "role", "role")
    rows = []
    for group in frames.groups:
        roles = sorted(set(frames.roster.loc[frames.roster["group"] == group, "role"]))
        mix = roles[0] if len(roles) == 1 else "mixed"
        for code in codes:
            cell = by_code[code][by_code[code]["group"] == group]
            rows.append(_row("group", group, mix, code, cell, k, by_group, group, frames.headings,
                             summarise=group not in disclosure.small_groups))
    safe = disclosure.role_groups
    for role in counted_roles(frames, k):
        groups = sorted({g for r, g in disclosure.role_group_sizes if r == role and g in safe}, key=natural_key)
        label = f"{role_title(role)}s ({', '.join(groups)})"
        for code in codes:
            cell = by_code[code][(by_code[code]["role"] == role) & by_code[code]["group"].isin(safe)]
            rows.append(_row("role_summary", label, role, code, cell, k, by_role, role, frames.headings))
    table = pd.DataFrame(rows, columns=MATRIX_COLUMNS)
    return table.astype({"segments": "int64"}) if rows else table
