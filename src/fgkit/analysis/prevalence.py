"""Prevalence of each code by role, by group and overall, at three levels.

For every code and status ('accepted' by a person, 'suggested' by the machine and not yet
reviewed, and 'any' of the two) a row counts segments, participants and groups, each beside the
total it is a share of (the role's, the group's or the study's).

Small-cell protection, applied to the returned DataFrame itself so the API, the CSV and the
Parquet file all carry the same protected values:

* Primary suppression: a row resting on 1..k-1 participants has ``suppressed`` True, its
  segment, participant and group counts and shares blanked (missing), and ``display`` reads
  "fewer than k participants".
* Complementary suppression: roles partition the participants and so do groups, so a single
  hidden cell could be worked out as overall minus the visible cells. Within each
  (dimension, code, status) family, further cells are withheld, smallest first, until at least
  two cells are hidden and together they hold at least k participants. Those rows are also
  ``suppressed`` and their ``display`` says they are withheld to protect a smaller count.
* A role or group with fewer than k participants in all has its totals blanked too, so its
  size cannot be read off any row.

Rows are not checked against each other across dimensions (role rows against group rows);
with k participants per hidden family that inference yields ranges, not single people.
"""

from __future__ import annotations

import pandas as pd

from ..disclosure import role_title, suppressed
from .frames import StudyFrames, natural_key

STATUSES = ("accepted", "suggested", "any")
COLUMNS = [
    "dimension", "role", "group", "code", "status", "segments", "segments_total", "segment_share",
    "participants", "participants_total", "participant_share", "groups", "groups_total",
    "suppressed", "display", "share",
]
_HIDDEN = ["segments", "segment_share", "participants", "participant_share", "groups", "share"]
_COUNTS = ["segments", "segments_total", "participants", "participants_total", "groups", "groups_total"]


def _with_any(codings: pd.DataFrame) -> pd.DataFrame:
    base = codings[["segment_id", "code", "status", "participant_id", "role", "group"]]
    both = pd.concat([base, base.assign(status="any")], ignore_index=True)
    return both.drop_duplicates(["segment_id", "code", "status"])


def _population(frames: StudyFrames, dimension: str) -> list[tuple[str, str, pd.Series, pd.Series]]:
    """(role, group, roster mask, segment mask) for each cell of a dimension."""
    roster, segs = frames.roster, frames.segments
    if dimension == "overall":
        return [("", "", roster["role"].notna(), segs["role"].notna())]
    column = dimension
    values = frames.roles if dimension == "role" else frames.groups
    return [
        (v if dimension == "role" else "", v if dimension == "group" else "",
         roster[column] == v, segs[column] == v)
        for v in values
    ]


def _display(dimension: str, role: str, group: str, p: int, pt: int, g: int, gt: int) -> str:
    if p == 0:
        return "not raised"
    if dimension == "group":
        return f"raised by {p} of {pt} participants in {group}"
    who = "participants" if dimension == "overall" else f"{role_title(role).lower()}s"
    return f"raised in {g} of {gt} groups, by {p} of {pt} {who}"


def _raw_rows(frames: StudyFrames) -> list[dict]:
    coded = _with_any(frames.codings)
    codes = frames.codes
    rows = []
    for dimension in ("overall", "role", "group"):
        for role, group, in_roster, in_segments in _population(frames, dimension):
            # one person may attend two groups: count people, not roster rows
            pt = frames.roster.loc[in_roster, "participant_id"].nunique()
            st = int(in_segments.sum())
            gt = frames.roster.loc[in_roster, "group"].nunique()
            cell = coded
            if role:
                cell = cell[cell["role"] == role]
            if group:
                cell = cell[cell["group"] == group]
            stats = cell.groupby(["code", "status"]).agg(
                segments=("segment_id", "nunique"),
                participants=("participant_id", "nunique"),
                groups=("group", "nunique"),
            )
            for code in codes:
                for status in STATUSES:
                    s, p, g = (
                        (int(v) for v in stats.loc[(code, status)])
                        if (code, status) in stats.index else (0, 0, 0)
                    )
                    rows.append({
                        "dimension": dimension, "role": role, "group": group, "code": code,
                        "status": status, "segments": s, "segments_total": st,
                        "segment_share": s / st if st else float("nan"),
                        "participants": p, "participants_total": pt,
                        "participant_share": p / pt if pt else float("nan"),
                        "groups": g, "groups_total": gt,
                        "display": _display(dimension, role, group, p, pt, g, gt),
                    })
    return rows


def _complementary(family: pd.DataFrame, primary: pd.Series, k: int) -> list[int]:
    """Index labels of further cells to withhold so the hidden cells cannot be derived."""
    if not primary.any():
        return []
    hidden = list(family.index[primary])
    total = int(family.loc[hidden, "participants"].sum())
    candidates = family[~primary & (family["participants"] > 0)]
    candidates = candidates.assign(_key=[natural_key(v) for v in candidates["role"] + candidates["group"]])
    extra = []
    for idx in candidates.sort_values(["participants", "_key"]).index:
        if len(hidden) + len(extra) >= 2 and total >= k:
            break
        extra.append(idx)
        total += int(family.loc[idx, "participants"])
    return extra


def compute_prevalence(frames: StudyFrames, k: int) -> pd.DataFrame:
    """The protected prevalence table (see the module docstring for the protection rules)."""
    table = pd.DataFrame(_raw_rows(frames), columns=[c for c in COLUMNS if c not in ("suppressed", "share")])
    table["suppressed"] = [suppressed(int(p), k) for p in table["participants"]]
    table["withheld"] = False
    for _, family in table[table["dimension"] != "overall"].groupby(["dimension", "code", "status"]):
        extra = _complementary(family, family["suppressed"], k)
        table.loc[extra, "withheld"] = True
    table["share"] = table["segment_share"]
    for column in _COUNTS:
        table[column] = table[column].astype("Int64")
    primary, withheld = table["suppressed"], table["withheld"]
    hide = primary | withheld
    table.loc[hide, _HIDDEN] = pd.NA
    table.loc[primary, "display"] = f"fewer than {k} participants"
    table.loc[withheld, "display"] = "withheld so that a smaller count cannot be worked out"
    table["suppressed"] = hide
    small_population = table["participants_total"].fillna(0).between(1, k - 1)
    table.loc[small_population, ["participants_total", "segments_total", "groups_total"]] = pd.NA
    for column in ("segment_share", "participant_share", "share"):
        table[column] = table[column].astype("Float64").round(4)
    order = {"overall": 0, "role": 1, "group": 2}
    table = table.assign(
        _d=table["dimension"].map(order),
        _r=[natural_key(v) for v in table["role"]],
        _g=[natural_key(v) for v in table["group"]],
        _c=[natural_key(v) for v in table["code"]],
        _s=table["status"].map({s: i for i, s in enumerate(STATUSES)}),
    )
    table = table.sort_values(["_d", "_r", "_g", "_c", "_s"])
    return table[COLUMNS].reset_index(drop=True)
