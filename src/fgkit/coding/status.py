"""The codings in force: machine suggestions combined with human review decisions.

A person's latest decision on a (segment, code) pair wins: "accept" makes a suggestion
accepted, "reject" makes it rejected, "add" creates an accepted coding by that reviewer.
Machine codings nobody has reviewed stay "suggested", or "doubtful" where the learner
(``fgkit review train``) doubts a rule hit: a doubtful coding is shown for review but left out of
counts (``include_doubtful``) until a person accepts it. Codings imported from another tool
(coder "refi:...") are another coder's work for agreement statistics, not suggestions.
Only segments of pseudonymised turns count, so withdrawn participants never reappear.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["effective_codings", "latest_decisions", "SEGMENT_COLUMNS"]

SEGMENT_COLUMNS = [
    "segment_id", "turn_id", "transcript", "turn_index", "level", "start_char", "end_char",
    "text", "speaker", "participant_id", "role", "group",
]


def latest_decisions(store) -> pd.DataFrame:
    """The latest human decision per (segment_id, code), whoever made it."""
    return store.latest_decisions()


def effective_codings(store, include_rejected: bool = False, include_doubtful: bool = False) -> pd.DataFrame:
    """One row per (segment, code) in force, joined with the segment's text and speaker.

    Rejected codings, and machine codings the learner doubts and nobody decided on, are left out
    unless asked for (the review worksheet asks for both).

    Columns: the segment columns, then code, status, coder, confidence, evidence,
    evidence_start, evidence_end, pattern, reviewer, memo.
    """
    segments = store.consenting_segments().rename(columns={"group_name": "group"})[SEGMENT_COLUMNS]
    machine = store.codings(machine_only=True).rename(columns={"status": "machine_status"}).drop(columns=["run_id"])
    # A doubt is a mark on another coder's suggestion: the suggestion (its evidence) is shown.
    doubts = machine[machine["machine_status"] == "doubtful"]
    doubted = set(zip(doubts["segment_id"], doubts["code"]))
    machine = machine[machine["machine_status"] != "doubtful"].drop_duplicates(["segment_id", "code"], keep="first")
    machine = machine.drop(columns=["machine_status"])
    decisions = latest_decisions(store)

    merged = machine.merge(decisions, on=["segment_id", "code"], how="outer")
    status = pd.Series("suggested", index=merged.index)
    if doubted:
        pairs = pd.Series(list(zip(merged["segment_id"], merged["code"])), index=merged.index)
        status[pairs.isin(doubted)] = "doubtful"
    status[merged["decision"].isin(["accept", "add"])] = "accepted"
    status[merged["decision"] == "reject"] = "rejected"
    merged["status"] = status
    added = merged["coder"].isna()
    merged.loc[added, "coder"] = merged.loc[added, "reviewer"]
    merged.loc[added, "confidence"] = 1.0
    merged["evidence"] = merged["evidence"].fillna("")
    merged["pattern"] = merged["pattern"].fillna("")
    merged["reviewer"] = merged["reviewer"].fillna("")
    merged["memo"] = merged["memo"].fillna("")
    if not include_rejected:
        merged = merged[merged["status"] != "rejected"]
    if not include_doubtful:
        merged = merged[merged["status"] != "doubtful"]
    out = segments.merge(merged.drop(columns=["decision", "decided_at"]), on="segment_id")
    columns = SEGMENT_COLUMNS + [
        "code", "status", "coder", "confidence", "evidence", "evidence_start", "evidence_end",
        "pattern", "reviewer", "memo",
    ]
    return out[columns].sort_values(["transcript", "turn_index", "start_char", "code"]).reset_index(drop=True)
