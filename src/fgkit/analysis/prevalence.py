"""Prevalence of each code by role, by group and overall, at three levels.

For every code and status ('accepted' by a person, 'suggested' by the machine and not yet
reviewed, and 'any' of the two) a row counts segments, participants and groups, each beside the
total it is a share of (the role's, the group's or the study's). Parent codes hold their
sub-codes' segments (see ``frames.study_codings``).

Small-cell protection follows ``fgkit.disclosure`` (the one rule every output uses), applied to
the returned DataFrame itself so the API, the CSV and the Parquet file carry the same values:

* Role rows count only groups whose every role has at least k people
  (``Disclosure.role_groups``): a lone manager in a mixed group is in no role's figures, and
  "N of M groups" for a role counts only those groups.
* Within each (dimension, code, status) family, ``disclosure.withhold`` hides cells resting on
  1..k-1 participants ("fewer than k participants") and, smallest first, enough further cells
  ("withheld so that a smaller count cannot be worked out") that no hidden one is the total
  minus the visible ones.
* Role rows and group rows describe the same people, so a role total minus its single-role
  groups can reveal that role's count in a mixed group, and group sizes bound what a hidden
  cell can be. Where the visible rows, with those bounds, pin a small count to one value, a
  further row is withheld (and its family protected again).
* A role or group with fewer than k participants in all has its totals blanked too, so its
  size cannot be read off any row.
"""

from __future__ import annotations

import pandas as pd

from ..disclosure import FEWER, SHOWN, WITHHELD, role_title, withhold
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


def counted_roles(frames: StudyFrames, k: int) -> list[str]:
    """Roles with anyone in a group counted by role (see the module docstring)."""
    safe = frames.disclosure(k).role_groups
    return [r for r in frames.roles if (frames.roster[frames.roster["group"].isin(safe)]["role"] == r).any()]


def _population(frames: StudyFrames, dimension: str, k: int) -> list[tuple[str, str, pd.Series, pd.Series]]:
    """(role, group, roster mask, segment mask) for each cell of a dimension."""
    roster, segs = frames.roster, frames.segments
    if dimension == "overall":
        return [("", "", roster["role"].notna(), segs["role"].notna())]
    if dimension == "group":
        return [("", v, roster["group"] == v, segs["group"] == v) for v in frames.groups]
    safe = frames.disclosure(k).role_groups
    return [
        (v, "", (roster["role"] == v) & roster["group"].isin(safe),
         (segs["role"] == v) & segs["group"].isin(safe))
        for v in counted_roles(frames, k)
    ]


# Zero participants: nobody's coding says so, which is not the same as nobody raising it.
_NONE = {"accepted": "none accepted", "suggested": "no unchecked suggestions", "any": "no codings"}
# Only a person's acceptance makes a code "raised"; machine suggestions are "coded".
_VERB = {"accepted": "raised", "suggested": "suggested (not checked)", "any": "coded"}


def _display(dimension: str, status: str, role: str, group: str, p: int, pt: int, g: int, gt: int) -> str:
    if p == 0:
        return _NONE[status]
    verb = _VERB[status]
    if dimension == "group":
        return f"{verb} for {p} of {pt} participants in {group}"
    who = "participants" if dimension == "overall" else f"{role_title(role).lower()}s"
    return f"{verb} in {g} of {gt} groups, for {p} of {pt} {who}"


def _raw_rows(frames: StudyFrames, k: int) -> list[dict]:
    coded = _with_any(frames.codings)
    codes = frames.codes
    rows = []
    for dimension in ("overall", "role", "group"):
        for role, group, in_roster, in_segments in _population(frames, dimension, k):
            # one person may attend two groups: count people, not roster rows
            pt = frames.roster.loc[in_roster, "participant_id"].nunique()
            st = int(in_segments.sum())
            gt = frames.roster.loc[in_roster, "group"].nunique()
            counted = set(frames.segments.loc[in_segments, "segment_id"])
            cell = coded[coded["segment_id"].isin(counted)]
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
                        "display": _display(dimension, status, role, group, p, pt, g, gt),
                    })
    return rows


def _family_states(table: pd.DataFrame, states: pd.Series, k: int) -> pd.Series:
    """Apply ``disclosure.withhold`` to every (dimension, code, status) family; an overall row
    is a family of one (primary suppression only: it has no visible siblings to subtract)."""
    states = states.copy()
    for i in table.index[table["dimension"] == "overall"]:
        states[i] = withhold([int(table.at[i, "participants"])], k, already=[states[i]])[0]
    for _, family in table[table["dimension"] != "overall"].groupby(["dimension", "code", "status"]):
        order = [natural_key(r + g) for r, g in zip(family["role"], family["group"])]
        result = withhold(list(family["participants"]), k, order, list(states[family.index]))
        states[family.index] = result
    return states


def _disclosure(frames: StudyFrames, k: int):
    """The study's Disclosure, built once per frames and k (the audits ask for it often)."""
    cache = _DISCLOSURES.get(id(frames))
    if cache is None or cache[0] is not frames or cache[1] != k:
        cache = _DISCLOSURES[id(frames)] = (frames, k, frames.disclosure(k))
    return cache[2]


_DISCLOSURES: dict[int, tuple] = {}


def _linked_leaks(table: pd.DataFrame, states: pd.Series, frames: StudyFrames, k: int) -> list[int]:
    """Visible rows to withhold because, taken together, visible rows reveal a small count.

    For each (code, status) the unknowns are the role-in-group counts of the groups counted by
    role and the totals of the other groups; every visible role, group and overall row is an
    equation over them. Solving what the equations determine one unknown at a time, a leak is
    a determined role-in-group count of 1..k-1, or a hidden row whose value is determined. Each
    leak is closed by withholding the smallest visible row that involves it.
    """
    safe = _disclosure(frames, k).role_groups
    members = frames.roster[frames.roster["group"].isin(safe)]
    roles_of = {g: sorted(set(rows["role"])) for g, rows in members.groupby("group")}
    leaks = []
    for _, rows in table.groupby(["code", "status"]):
        equations: dict[int, list] = {}
        for i, r in rows.iterrows():
            if r.dimension == "overall":
                terms = [(role, g) for g, roles in roles_of.items() for role in roles]
                terms += [("*", g) for g in frames.groups if g not in safe]
            elif r.dimension == "role":
                terms = [(r.role, g) for g, roles in roles_of.items() if r.role in roles]
            elif r.group in safe:
                terms = [(role, r.group) for role in roles_of[r.group]]
            else:
                terms = [("*", r.group)]
            equations[i] = terms
        known: dict[tuple[str, str], int] = {}
        used: dict[tuple[str, str], set[int]] = {}  # the visible rows each value was worked out from
        changed = True
        while changed:
            changed = False
            for i, terms in equations.items():
                if states[i] != SHOWN:
                    continue
                unknown = [t for t in terms if t not in known]
                if len(unknown) == 1:
                    rest = [t for t in terms if t in known]
                    known[unknown[0]] = int(rows.at[i, "participants"]) - sum(known[t] for t in rest)
                    used[unknown[0]] = {i}.union(*(used[t] for t in rest))
                    changed = True
        sources: set[int] = set()
        for term, value in known.items():
            if term[0] != "*" and 0 < value < k:
                sources |= used[term]
        for i, terms in equations.items():
            if states[i] == FEWER and terms and all(t in known for t in terms):
                sources = sources.union(*(used[t] for t in terms))
        involved = [i for i in sources if int(rows.at[i, "participants"]) > 0]
        if involved:
            leaks.append(min(involved, key=lambda i: (rows.at[i, "dimension"] == "overall",
                                                       int(rows.at[i, "participants"]), i)))
    return sorted(set(leaks))


def _bounded_leaks(table: pd.DataFrame, states: pd.Series, frames: StudyFrames, k: int) -> list[int]:
    """Rows to withhold because group sizes pin down a small count that equations alone do not.

    Each role-in-group count lies between 0 and the number of people in that cell, and the
    report prints group sizes; with those bounds, a linear programme finds the least and the
    greatest value every small count can take given the visible rows. A count of 1..k-1 that can
    take only one value is a leak, closed by withholding the smallest visible row beside it.
    """
    from scipy.optimize import linprog

    disclosure = _disclosure(frames, k)
    safe = disclosure.role_groups
    sizes = disclosure.role_group_sizes
    group_sizes = disclosure.group_sizes
    cells = sorted((r, g) for (r, g) in sizes if g in safe) + sorted(("*", g) for g in group_sizes if g not in safe)
    if not cells:
        return []
    bounds = [(0, sizes[c] if c[0] != "*" else group_sizes[c[1]]) for c in cells]
    leaks = []
    for _, rows in table.groupby(["code", "status"]):
        terms_of: dict[int, list] = {}
        for i, r in rows.iterrows():
            if r.dimension == "overall":
                terms_of[i] = list(cells)
            elif r.dimension == "role":
                terms_of[i] = [c for c in cells if c[0] == r.role]
            elif r.group in safe:
                terms_of[i] = [c for c in cells if c[1] == r.group and c[0] != "*"]
            else:
                terms_of[i] = [("*", r.group)]
        visible = [i for i in terms_of if states[i] == SHOWN]
        a_eq = [[1.0 if c in terms_of[i] else 0.0 for c in cells] for i in visible]
        b_eq = [float(rows.at[i, "participants"]) for i in visible]
        truth = _cell_truth(frames, rows, cells, safe)
        targets = [([c], truth[c], None) for c in cells if c[0] != "*" and 0 < truth[c] < k]
        targets += [(terms_of[i], int(rows.at[i, "participants"]), i) for i in terms_of if states[i] == FEWER]
        for terms, value, _ in targets:  # value: the true count the visible rows must not pin
            objective = [1.0 if c in terms else 0.0 for c in cells]
            low = linprog(objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
            if not low.success or low.fun < value - 0.5:  # it could be smaller: not pinned down
                continue
            high = linprog([-x for x in objective], A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds,
                           method="highs")
            if not high.success or -high.fun - low.fun > 0.5:
                continue
            near = {c[0] for c in terms} | {c[1] for c in terms}
            involved = [
                i for i in visible
                if int(rows.at[i, "participants"]) > 0 and rows.at[i, "dimension"] != "overall"
                and (rows.at[i, "role"] in near or rows.at[i, "group"] in near)
            ] or [i for i in visible if int(rows.at[i, "participants"]) > 0]
            if involved:
                leaks.append(min(involved, key=lambda i: (int(rows.at[i, "participants"]), i)))
                break
    return sorted(set(leaks))


def _cell_truth(frames: StudyFrames, rows: pd.DataFrame, cells, safe) -> dict:
    """The true participant count of each role-in-group (or other group's) cell for one family."""
    code, status = rows["code"].iloc[0], rows["status"].iloc[0]
    by_role, by_group = _truth_tables(frames)
    return {
        (role, group): (by_group if role == "*" else by_role).get(
            (code, status, group) if role == "*" else (code, status, role, group), 0)
        for role, group in cells
    }


def _truth_tables(frames: StudyFrames) -> tuple[dict, dict]:
    """Participants per (code, status, role, group) and per (code, status, group), counted once."""
    cached = _TRUTHS.get(id(frames))
    if cached is not None and cached[0] is frames:
        return cached[1], cached[2]
    coded = _with_any(frames.codings)
    by_role = coded.groupby(["code", "status", "role", "group"])["participant_id"].nunique().to_dict()
    by_group = coded.groupby(["code", "status", "group"])["participant_id"].nunique().to_dict()
    _TRUTHS[id(frames)] = (frames, by_role, by_group)
    return by_role, by_group


_TRUTHS: dict[int, tuple] = {}


def compute_prevalence(frames: StudyFrames, k: int) -> pd.DataFrame:
    """The protected prevalence table (see the module docstring for the protection rules)."""
    table = pd.DataFrame(_raw_rows(frames, k), columns=[c for c in COLUMNS if c not in ("suppressed", "share")])
    states = _family_states(table, pd.Series(SHOWN, index=table.index), k)
    # Withholding a row changes only its own (code, status): audit each to a fixed point.
    for _, index in table[table["dimension"] != "overall"].groupby(["code", "status"]).groups.items():
        rows = table.loc[table.index.isin(index) | (
            (table["dimension"] == "overall") & (table["code"] == table.at[index[0], "code"])
            & (table["status"] == table.at[index[0], "status"]))]
        for _ in range(len(rows)):  # each pass hides at least one more row, so this ends
            leaks = _linked_leaks(rows, states, frames, k) or _bounded_leaks(rows, states, frames, k)
            if not leaks:
                break
            states[leaks] = WITHHELD
            states = _family_states(rows, states, k)
    table["share"] = table["segment_share"]
    for column in _COUNTS:
        table[column] = table[column].astype("Int64")
    primary, withheld = states == FEWER, states == WITHHELD
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
