"""The framework matrix (Gale et al. 2013), in long form.

Rows are groups, plus one summary row per role across all groups; columns are codes. Each cell
holds the number of coded segments, the number of participants (small-cell protected), a short
extractive summary and references to the quotes behind it ("transcript#turn_index").

The summary picks up to three sentences deterministically: codings a person accepted before
machine suggestions, then higher confidence, then segment id; from each coded segment it takes
the sentence holding the coding's evidence (or the first sentence), at most one per participant,
so the cell reads as the group's voice rather than one speaker's.
"""

from __future__ import annotations

import re

import pandas as pd

from ..disclosure import display_count, role_title
from .frames import StudyFrames, natural_key
from .results import MATRIX_COLUMNS

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MAX_SENTENCE = 220
MAX_SENTENCES = 3


def evidence_sentence(text: str, evidence_start) -> str:
    """The sentence of ``text`` holding character ``evidence_start`` (or the first one)."""
    position = int(evidence_start) if pd.notna(evidence_start) else 0
    offset = 0
    chosen = text
    for sentence in SENTENCE_END.split(text):
        start = text.find(sentence, offset)
        end = start + len(sentence)
        offset = end
        if start <= position < end or position < start:
            chosen = sentence
            break
    chosen = " ".join(chosen.split())
    if len(chosen) > MAX_SENTENCE:
        chosen = chosen[:MAX_SENTENCE].rsplit(" ", 1)[0] + " ..."
    return chosen


def _summary(cell: pd.DataFrame) -> str:
    ranked = cell.assign(
        _accepted=(cell["status"] != "accepted").astype(int),
        _confidence=-cell["confidence"].astype(float),
    ).sort_values(["_accepted", "_confidence", "segment_id"])
    picked: list[str] = []
    speakers: set[str] = set()
    for passes in (True, False):  # first one sentence per participant, then fill up
        for row in ranked.itertuples():
            if len(picked) >= MAX_SENTENCES:
                break
            if passes and row.participant_id in speakers:
                continue
            sentence = evidence_sentence(row.text, row.evidence_start)
            if sentence and sentence not in picked:
                picked.append(sentence)
                speakers.add(row.participant_id)
    return " ".join(f'"{s}"' for s in picked)


def _refs(cell: pd.DataFrame) -> str:
    refs = cell[["transcript", "turn_index"]].drop_duplicates()
    refs = sorted(refs.itertuples(index=False), key=lambda r: (natural_key(r[0]), int(r[1])))
    return ";".join(f"{t}#{int(i)}" for t, i in refs)


def _status_mix(cell: pd.DataFrame) -> str:
    accepted = int((cell["status"] == "accepted").sum())
    return f"{accepted} accepted, {len(cell) - accepted} suggested"


def _row(row_type: str, row: str, role: str, code: str, cell: pd.DataFrame, k: int) -> dict:
    participants = cell["participant_id"].nunique()
    return {
        "row_type": row_type, "row": row, "role": role, "code": code,
        "segments": int(cell["segment_id"].nunique()),
        "participants_display": display_count(participants, participants, k),
        "summary": _summary(cell) if len(cell) else "",
        "quote_refs": _refs(cell) if len(cell) else "",
        "status_mix": _status_mix(cell) if len(cell) else "",
    }


def compute_matrix(frames: StudyFrames, k: int) -> pd.DataFrame:
    codings = frames.codings.drop_duplicates(["segment_id", "code"])
    codes = frames.codes
    by_code = {code: cell for code, cell in codings.groupby("code")}
    rows = []
    for group in frames.groups:
        roles = sorted(set(frames.roster.loc[frames.roster["group"] == group, "role"]))
        mix = roles[0] if len(roles) == 1 else "mixed"
        for code in codes:
            cell = by_code[code][by_code[code]["group"] == group]
            rows.append(_row("group", group, mix, code, cell, k))
    for role in frames.roles:
        label = f"{role_title(role)}s (all groups)"
        for code in codes:
            cell = by_code[code][by_code[code]["role"] == role]
            rows.append(_row("role_summary", label, role, code, cell, k))
    table = pd.DataFrame(rows, columns=MATRIX_COLUMNS)
    return table.astype({"segments": "int64"}) if rows else table
