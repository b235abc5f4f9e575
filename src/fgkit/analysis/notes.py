"""The study summary and plain-English notes on where the data are too thin for a claim."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..disclosure import display_count, role_title
from .frames import StudyFrames
from .results import TopicsResult


def study_summary(frames: StudyFrames, k: int) -> dict[str, Any]:
    """Counts for the report's opening lines; role sizes under k are shown as "fewer than k"."""
    by_role = frames.roster.groupby("role")["participant_id"].nunique()
    statuses = frames.codings["status"].value_counts()
    return {
        "groups": len(frames.groups),
        "participants": int(frames.roster["participant_id"].nunique()),
        "participants_by_role": {
            role: display_count(int(by_role[role]), int(by_role[role]), k) for role in frames.roles
        },
        "segments": len(frames.segments),
        "words": frames.words,
        "codes": len(frames.codes),
        "codings_accepted": int(statuses.get("accepted", 0)),
        "codings_suggested": int(statuses.get("suggested", 0)),
        "k": k,
    }


def thin_data_notes(
    frames: StudyFrames, prevalence: pd.DataFrame, topics: TopicsResult, k: int
) -> list[str]:
    notes = []
    if frames.segments.empty:
        return ["No pseudonymised segments yet: run the pseudonymise and code stages first."]
    by_role = frames.roster.groupby("role")["participant_id"].nunique()
    for role in frames.roles:
        if by_role[role] < k:
            notes.append(
                f"{role_title(role)}s: fewer than {k} participants, so their counts are "
                "suppressed and no distinctive language is reported for them."
            )
    overall = prevalence[(prevalence["dimension"] == "overall") & (prevalence["status"] == "any")]
    n_groups = len(frames.groups)
    for row in overall.itertuples():
        if row.suppressed:
            notes.append(f"Code '{row.code}' rests on fewer than {k} participants: too thin to report.")
        elif n_groups > 1 and row.groups == 1:
            notes.append(f"Code '{row.code}' was raised in only one group: not a cross-group pattern.")
    accepted = set(frames.codings.loc[frames.codings["status"] == "accepted", "code"])
    unreviewed = [code for code in frames.codes if code not in accepted]
    if unreviewed:
        notes.append(
            f"{len(unreviewed)} code(s) rest only on machine suggestions nobody has accepted yet: "
            + ", ".join(unreviewed) + "."
        )
    if topics.status != "ok" and topics.status != "disabled":
        notes.append(topics.message)
    stability = topics.parameters.get("stability_ari")
    if topics.status == "ok" and stability is not None:
        table = topics.topics
        unstable = int((~table["stable"].astype(bool)).sum()) if "stable" in table else 0
        fits = len(topics.parameters.get("seeds", []))
        if unstable:
            notes.append(
                f"{unstable} of {len(table)} candidate topics did not hold together across {fits} "
                "fits of the topic model and are marked unstable: treat them as prompts for "
                "reading, not findings."
            )
        if stability < 0.5:
            notes.append(
                f"Overall, the grouping of segments into topics changed a lot between fits "
                f"(agreement {stability:.2f} on a scale where 1 is identical and 0 is chance)."
            )
    return notes
