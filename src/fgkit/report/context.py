"""The report context: everything a report says, built once so every format says the same thing.

Renderers (HTML, Word, Markdown, Excel) only lay this out. Nothing here reads raw transcripts or
the pseudonym key: quotes come from pseudonymised segments, attributed by role and group under
the small-cell rule, and every count resting on fewer than k participants stays suppressed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..disclosure import attribution_labels, display_count, role_title
from . import charts, tables
from .methods import Methods, build_methods
from .quotes import Quote, natural_key, select_quotes
from .tables import MatrixRow, TopicsSection, is_blank

__all__ = [
    "CodeSection",
    "MatrixRow",
    "PrevalenceRow",
    "ReportContext",
    "TopicsSection",
    "build_context",
]

# A difference in participant share smaller than this is not called a difference between roles:
# with a handful of groups, smaller gaps are well within what group dynamics alone produce.
HEADLINE_GAP = 0.25
MAX_HEADLINES = 6


@dataclass(frozen=True)
class PrevalenceRow:
    label: str
    display: str
    accepted_display: str
    share: float | None
    suppressed: bool


@dataclass(frozen=True)
class CodeSection:
    code: str
    label: str
    definition: str
    parent: str
    anchor: str
    overall: str
    groups_raised: str
    in_every_group: bool
    accepted: int
    suggested: int
    by_role: list[PrevalenceRow]
    by_group: list[PrevalenceRow]
    role_chart: charts.Chart
    group_chart: charts.Chart
    quotes: list[Quote]


@dataclass(frozen=True)
class ReportContext:
    title: str
    project_name: str
    k: int
    groups: list[dict[str, Any]]
    participants_by_role: list[dict[str, Any]]
    n_participants: int
    n_segments: int
    n_words: int
    n_accepted: int
    n_suggested: int
    headlines: list[str]
    roles: list[str]
    codes: list[CodeSection]
    comparison: list[dict[str, Any]]
    pairs: list[dict[str, Any]]
    distinctive: list[dict[str, Any]]
    topics: TopicsSection
    matrix_codes: list[dict[str, str]]
    matrix: list[MatrixRow]
    methods: Methods


def build_context(project, store, analysis) -> ReportContext:
    """Gather the analysis, the codebook, the store and the run manifests into one context."""
    from ..coding.status import effective_codings
    from .codebook_view import read_codebook

    k = int(getattr(analysis, "k", None) or project.settings.analysis.small_cell_k)
    codebook = read_codebook(project.codebook_path)
    codings = effective_codings(store)
    people = store.query(
        "SELECT DISTINCT participant_id, role, group_name FROM pseudo_turns "
        "WHERE role != 'facilitator'"
    )
    labels = getattr(analysis, "quotes_attribution", None) or attribution_labels(
        [(r[0], r[1], r[2]) for r in people], k
    )
    prevalence = analysis.prevalence
    roles = sorted({r[1] for r in people} | set(_values(prevalence, "role", "role")), key=natural_key)

    code_ids = _code_order(codebook.codes, prevalence, codings)
    per_code_quotes = project.settings.report.quotes_per_code
    max_chars = project.settings.report.quote_max_chars
    sections = []
    for code in code_ids:
        rows = codings[codings["code"] == code] if len(codings) else codings
        sections.append(
            _code_section(
                code, codebook.codes, prevalence, rows, labels, per_code_quotes, max_chars
            )
        )
    labels_by_code = {s.code: s.label for s in sections}

    groups, by_role, n_participants = _study_people(store, k)
    words = analysis.summary.get("words")
    if words is None:
        words = sum(
            len(r[0].split())
            for r in store.query("SELECT text FROM pseudo_turns WHERE role != 'facilitator'")
        )
    n_segments = store.query(
        "SELECT COUNT(*) FROM segments s JOIN pseudo_turns p ON p.turn_id = s.turn_id"
    )[0][0]
    status_counts = codings["status"].value_counts() if len(codings) else {}

    return ReportContext(
        title=project.settings.report.title,
        project_name=project.name,
        k=k,
        groups=groups,
        participants_by_role=by_role,
        n_participants=n_participants,
        n_segments=int(n_segments),
        n_words=int(words),
        n_accepted=int(status_counts.get("accepted", 0)),
        n_suggested=int(status_counts.get("suggested", 0)),
        headlines=_headlines(sections),
        roles=[role_title(r) for r in roles],
        codes=sections,
        comparison=_comparison(sections, roles),
        pairs=tables.pairs(analysis.cooccurrence, labels_by_code),
        distinctive=tables.distinctive(analysis.distinctive_terms),
        topics=tables.topics(analysis.topics),
        matrix_codes=[{"code": s.code, "label": s.label} for s in sections],
        matrix=tables.matrix(analysis.matrix, code_ids),
        methods=build_methods(project, store, analysis, codebook, labels_by_code, k),
    )


def _values(df, dimension: str, column: str) -> list[str]:
    if df is None or not len(df):
        return []
    sub = df[df["dimension"] == dimension][column].dropna()
    return [str(v) for v in sub.unique() if str(v)]


def _code_order(codebook_codes: dict, prevalence, codings) -> list[str]:
    """Codebook order first, then any code the data carry that the codebook no longer lists."""
    seen = dict.fromkeys(codebook_codes)
    present = set()
    if prevalence is not None and len(prevalence):
        present |= set(prevalence["code"].astype(str))
    if len(codings):
        present |= set(codings["code"].astype(str))
    order = [c for c in seen if c in present]
    order += sorted(present - set(order), key=natural_key)
    return order


def _prevalence_rows(prevalence, code: str, dimension: str) -> list[PrevalenceRow]:
    if prevalence is None or not len(prevalence):
        return []
    sub = prevalence[(prevalence["code"] == code) & (prevalence["dimension"] == dimension)]
    key = "role" if dimension == "role" else "group"
    anys = sub[sub["status"] == "any"]
    accepted = {str(r[key]): r for _, r in sub[sub["status"] == "accepted"].iterrows()}
    out = []
    for _, row in sorted(anys.iterrows(), key=lambda item: natural_key(item[1][key])):
        name = str(row[key])
        acc = accepted.get(name)
        suppressed = bool(row["suppressed"]) or is_blank(row["participant_share"])
        out.append(
            PrevalenceRow(
                label=role_title(name) if dimension == "role" else name,
                display=str(row["display"]),
                accepted_display=str(acc["display"]) if acc is not None else "none accepted yet",
                share=None if suppressed else float(row["participant_share"]),
                suppressed=suppressed,
            )
        )
    return out


def _overall(prevalence, code: str) -> tuple[str, str, bool]:
    none = ("no codings", "raised in no group", False)
    if prevalence is None or not len(prevalence):
        return none
    sub = prevalence[
        (prevalence["code"] == code)
        & (prevalence["dimension"] == "overall")
        & (prevalence["status"] == "any")
    ]
    if not len(sub):
        return none
    row = sub.iloc[0]
    if is_blank(row["groups"]) or is_blank(row["groups_total"]):
        return str(row["display"]), "number of groups not shown", False
    raised, total = int(row["groups"]), int(row["groups_total"])
    return str(row["display"]), f"raised in {raised} of {total} groups", total >= 2 and raised == total


def _code_label(code: str, meta: dict) -> str:
    return str(meta.get("label") or code.replace("_", " ").capitalize())


def _code_section(code, codebook_codes, prevalence, rows, labels, per_code, max_chars) -> CodeSection:
    meta = codebook_codes.get(code, {})
    label = _code_label(code, meta)
    parent = meta.get("parent") or ""
    parent_label = _code_label(parent, codebook_codes.get(parent, {})) if parent else ""
    by_role = _prevalence_rows(prevalence, code, "role")
    by_group = _prevalence_rows(prevalence, code, "group")
    overall, groups_raised, everywhere = _overall(prevalence, code)
    anchor = "code-" + re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")
    status = rows["status"].value_counts() if len(rows) else {}
    return CodeSection(
        code=code,
        label=label,
        definition=str(meta.get("definition") or "").strip(),
        parent=parent_label,
        anchor=anchor,
        overall=overall,
        groups_raised=groups_raised,
        in_every_group=everywhere,
        accepted=int(status.get("accepted", 0)),
        suggested=int(status.get("suggested", 0)),
        by_role=by_role,
        by_group=by_group,
        role_chart=charts.share_chart(f"{anchor}-roles", f"{label}: share of participants by role", by_role),
        group_chart=charts.share_chart(f"{anchor}-groups", f"{label}: share of participants by group", by_group),
        quotes=select_quotes(rows, labels, per_code, max_chars),
    )


def _study_people(store, k: int) -> tuple[list[dict], list[dict], int]:
    """Groups with their roles, and role totals (a total under k is shown as "fewer than k")."""
    rows = store.query(
        "SELECT group_name, role, COUNT(DISTINCT participant_id) FROM pseudo_turns "
        "WHERE role != 'facilitator' GROUP BY group_name, role"
    )
    # One person can sit in two groups: role totals count people, not group places.
    people = dict(
        store.query(
            "SELECT role, COUNT(DISTINCT participant_id) FROM pseudo_turns "
            "WHERE role != 'facilitator' GROUP BY role"
        )
    )
    groups: dict[str, dict] = {}
    roles: dict[str, dict] = {}
    for group, role, _ in rows:
        groups.setdefault(group, {"name": group, "roles": []})["roles"].append(role_title(role))
        entry = roles.setdefault(role, {"role": role_title(role), "participants": people[role], "groups": 0})
        entry["groups"] += 1
    ordered_groups = [groups[g] for g in sorted(groups, key=natural_key)]
    for g in ordered_groups:
        g["roles"] = ", ".join(sorted(set(g["roles"])))
    ordered_roles = [roles[r] for r in sorted(roles, key=natural_key)]
    total = sum(r["participants"] for r in ordered_roles)
    for r in ordered_roles:
        r["display"] = display_count(r["participants"], r["participants"], k)
    return ordered_groups, ordered_roles, total


def _headlines(sections: list[CodeSection]) -> list[str]:
    """Plain-language contrasts between roles, only where neither side is suppressed."""
    found = []
    for s in sections:
        visible = [r for r in s.by_role if r.share is not None]
        if len(visible) >= 2:
            high = max(visible, key=lambda r: (r.share, r.label))
            low = min(visible, key=lambda r: (r.share, r.label))
            gap = high.share - low.share
            if gap >= HEADLINE_GAP:
                found.append(
                    (-gap, s.label,
                     (f"{s.label} was raised more often by {high.label.lower()}s "
                     f"({high.display}) than by {low.label.lower()}s ({low.display})."))
                )
                continue
        if s.in_every_group:
            found.append((0.0, s.label, f"{s.label} came up in every group ({s.overall})."))
    found.sort()
    return [text for _, _, text in found[:MAX_HEADLINES]]


def _comparison(sections, roles) -> list[dict[str, Any]]:
    out = []
    for s in sections:
        cells = {r.label: r.display for r in s.by_role}
        out.append(
            {
                "label": s.label,
                "anchor": s.anchor,
                "cells": [cells.get(role_title(role), "not raised") for role in roles],
            }
        )
    return out


