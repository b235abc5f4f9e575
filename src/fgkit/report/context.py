"""The report context: everything a report says, built once so every format says the same thing.

Renderers (HTML, Word, Markdown, Excel) only lay this out. Nothing here reads raw transcripts or
the pseudonym key: quotes come from pseudonymised segments, attributed by ``fgkit.disclosure``
(the rule every output follows), and every count it withholds stays withheld.

Checked status is the spine. Headlines come only from codings a person accepted, and only for
codes at least ``ENOUGH_CHECKED`` of whose codings a person has decided; until that share of all
codings is checked the report is a machine draft and says so in a box at the top. Figures that
include unchecked machine suggestions are labelled as such; "not checked yet" is never written
as "not raised".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..disclosure import Disclosure, display_count, role_title
from . import charts, tables
from .checked_chart import checked_chart
from .methods import Methods, build_methods
from .plain import GLOSSARY, TRUST_UNKNOWN, Opening, opening, trust_line
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
# "Enough" checked: a person has accepted, rejected or added at least this share of the codings.
# Below it, unchecked machine suggestions are more than a fifth of the evidence: on the tuning
# sets the rules agree with people only at kappa 0.19, so that many unchecked codings could
# move a role's share by about as much as the 25-point gap a headline needs.
ENOUGH_CHECKED = 0.8
DEFAULT_TITLE = "Focus group theme report"
DRAFT_TITLE = "Machine-coded draft of the focus groups: not findings"
CHECKED_TITLE = "Focus group codes by role and group, checked by the research team"


@dataclass(frozen=True)
class PrevalenceRow:
    label: str
    display: str  # every coding in force, checked or not
    accepted_display: str  # codings a person accepted ("not checked yet" when none decided)
    share: float | None  # participant share, every coding; None when withheld
    suppressed: bool
    accepted_share: float | None = None  # participant share, accepted codings; None when withheld


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
    checked_share: float = 0.0  # share of this code's codings a person decided
    overall_checked: str = ""  # the overall line from accepted codings only
    trust: str = TRUST_UNKNOWN  # agreement with reviewers (fgkit.coding.trust), in words
    trust_reliable: bool | None = None  # None until reviewed; False is "not reliable yet"


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
    # fgkit serve's read-and-agree pages: code -> patterns marked agreed / needs rewording / disputed.
    participant_readings: dict = None
    draft: bool = True  # fewer than ENOUGH_CHECKED of the codings checked by a person
    checked_share: float = 0.0
    n_checked: int = 0  # codings a person decided (accepted, rejected or added)
    n_decidable: int = 0  # codings in force plus rejected ones
    notice: str = ""  # the boxed "machine draft, not findings" text, "" once enough is checked
    headline_note: str = ""  # why there are no (or few) headlines
    unchecked_comparison: list = None  # parallel to comparison: figures incl. unchecked
    disclosure_note: str = ""  # groups left out of role figures, in plain English
    distinctive_explained: str = tables.DISTINCTIVE_EXPLAINED  # the score in one plain sentence
    distinctive_none: str = tables.DISTINCTIVE_NONE
    plain_english: Opening | None = None  # the one-page opening (report/plain.py), every format
    glossary: tuple = GLOSSARY  # (term, meaning) pairs, every format


def build_context(project, store, analysis) -> ReportContext:
    """Gather the analysis, the codebook, the store and the run manifests into one context."""
    from ..analysis.frames import section_headings, study_codings
    from .codebook_view import read_codebook

    k = int(getattr(analysis, "k", None) or project.settings.analysis.small_cell_k)
    codebook = read_codebook(project.codebook_path)
    parents = {c: m["parent"] for c, m in codebook.codes.items() if m.get("parent")}
    codings = study_codings(store, parents)
    disclosure = Disclosure.from_people(store.people("facilitator"), k)
    labels = disclosure.labels()
    prevalence = analysis.prevalence
    roles = sorted(set(_values(prevalence, "role", "role")), key=natural_key)
    decided = _decisions(store, parents)

    code_ids = _code_order(codebook.codes, prevalence, codings)
    per_code_quotes = project.settings.report.quotes_per_code
    max_chars = project.settings.report.quote_max_chars
    headings = section_headings(store)
    sections = []
    for code in code_ids:
        rows = codings[codings["code"] == code] if len(codings) else codings
        sections.append(
            _code_section(
                code, codebook.codes, prevalence, rows, labels, per_code_quotes, max_chars,
                decided.get(code, 0.0), disclosure, headings,
            )
        )
    sections = _with_trust(store, code_ids, sections)
    labels_by_code = {s.code: s.label for s in sections}

    groups, by_role, n_participants = _study_people(store, k)
    words = analysis.summary.get("words")
    if words is None:
        words = sum(len(text.split()) for text in store.spoken_texts("facilitator"))
    n_segments = len(store.consenting_segment_ids())
    status_counts = codings["status"].value_counts() if len(codings) else {}
    n_checked, n_decidable = decided.get("__checked__", 0), decided.get("__total__", 0)
    share = n_checked / n_decidable if n_decidable else 0.0
    draft = share < ENOUGH_CHECKED
    title = project.settings.report.title
    if title == DEFAULT_TITLE:  # the old default promised themes: say what the report is
        title = DRAFT_TITLE if draft else CHECKED_TITLE
    headlines = _headlines(sections)
    comparison = _comparison(sections, roles)

    return ReportContext(
        title=title,
        project_name=project.name,
        k=k,
        groups=groups,
        participants_by_role=by_role,
        n_participants=n_participants,
        n_segments=int(n_segments),
        n_words=int(words),
        n_accepted=int(decided.get("__accepted__", status_counts.get("accepted", 0))),
        n_suggested=int(decided.get("__suggested__", status_counts.get("suggested", 0))),
        headlines=headlines,
        roles=[role_title(r) for r in roles],
        codes=sections,
        comparison=comparison,
        pairs=tables.pairs(analysis.cooccurrence, labels_by_code),
        distinctive=tables.distinctive(analysis.distinctive_terms),
        topics=tables.topics(analysis.topics),
        matrix_codes=[{"code": s.code, "label": s.label} for s in sections],
        matrix=tables.matrix(analysis.matrix, code_ids),
        methods=build_methods(project, store, analysis, codebook, labels_by_code, k),
        participant_readings=participant_readings(store),
        draft=draft,
        checked_share=share,
        n_checked=int(n_checked),
        n_decidable=int(n_decidable),
        notice=_notice(draft, n_checked, n_decidable),
        headline_note=_headline_note(headlines, n_checked, n_decidable),
        unchecked_comparison=[row["unchecked"] for row in comparison],
        disclosure_note=disclosure.role_group_note() or "",
        plain_english=opening(draft, int(n_checked), int(n_decidable), k, ENOUGH_CHECKED),
    )


def _with_trust(store, code_ids, sections):
    """Each code's agreement with reviewers beside it ("unknown until reviewed" before any)."""
    from dataclasses import replace
    from types import SimpleNamespace

    from ..coding.trust import code_trust

    trust = code_trust(store, SimpleNamespace(ids=list(code_ids)))  # it needs only the ids
    out = []
    for s in sections:
        text, reliable = trust_line(trust.get(s.code))
        out.append(replace(s, trust=text, trust_reliable=reliable))
    return out


def _decisions(store, parents) -> dict[str, float]:
    """Share of each code's codings a person decided, plus study totals under "__checked__"
    and "__total__". Rejected codings count as decided; "doubtful" ones are still to decide."""
    from ..analysis.frames import ancestors
    from ..coding.status import effective_codings

    every = effective_codings(store, include_rejected=True)
    every = every[every["role"] != "facilitator"] if len(every) else every
    out: dict[str, float] = {"__checked__": 0, "__total__": 0}
    if not len(every):
        return out
    checked = every["reviewer"] != ""
    out["__checked__"], out["__total__"] = int(checked.sum()), len(every)
    # Study totals count each coding once, before parents collect their sub-codes' segments.
    out["__accepted__"] = int((every["status"] == "accepted").sum())
    out["__suggested__"] = int((every["status"] == "suggested").sum())
    per_code: dict[str, list[int]] = {}
    for code, is_checked in zip(every["code"].astype(str), checked):
        for c in [code, *ancestors(code, parents)]:
            tally = per_code.setdefault(c, [0, 0])
            tally[0] += int(is_checked)
            tally[1] += 1
    out.update({c: done / total for c, (done, total) in per_code.items()})
    return out


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def _notice(draft: bool, checked: int, total: int) -> str:
    if not draft:
        return ""
    return (
        f"Machine draft, not findings. A person has checked {checked} of {total} codings "
        f"({_pct(checked / total if total else 0.0)}). Until at least {_pct(ENOUGH_CHECKED)} are "
        "checked, this report shows what the automatic coder suggested, not what the research "
        "team found. Headlines use only codings a person accepted; every figure that includes "
        "unchecked suggestions is marked \"unchecked\"."
    )


def _headline_note(headlines: list[str], checked: int, total: int) -> str:
    if headlines:
        return "Headlines use only codings a person accepted, for codes mostly checked."
    if not checked:
        return (
            "No headlines yet: nobody has checked any codings, and only codings a person "
            "accepted can support a headline."
        )
    return (
        f"No headlines yet: a headline needs a code at least {_pct(ENOUGH_CHECKED)} checked, with "
        "a clear difference between roles (or presence in every group) in accepted codings that "
        "can be shown."
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


def _share(row) -> float | None:
    if row is None or bool(row["suppressed"]) or is_blank(row["participant_share"]):
        return None
    return float(row["participant_share"])


def _prevalence_rows(prevalence, code: str, dimension: str) -> list[PrevalenceRow]:
    if prevalence is None or not len(prevalence):
        return []
    sub = prevalence[(prevalence["code"] == code) & (prevalence["dimension"] == dimension)]
    key = "role" if dimension == "role" else "group"
    anys = sub[sub["status"] == "any"]
    accepted = {str(r[key]): r for _, r in sub[sub["status"] == "accepted"].iterrows()}
    waiting = {str(r[key]): r for _, r in sub[sub["status"] == "suggested"].iterrows()}
    out = []
    for _, row in sorted(anys.iterrows(), key=lambda item: natural_key(item[1][key])):
        name = str(row[key])
        acc, sug = accepted.get(name), waiting.get(name)
        suppressed = _share(row) is None
        out.append(
            PrevalenceRow(
                label=role_title(name) if dimension == "role" else name,
                display=_unchecked_display(row),
                accepted_display=_accepted_display(acc, sug),
                share=None if suppressed else float(row["participant_share"]),
                suppressed=suppressed,
                accepted_share=_share(acc),
            )
        )
    return out


def _has_any(row) -> bool:
    """A cell holds codings (shown or withheld)."""
    if row is None:
        return False
    if bool(row["suppressed"]):
        return True
    return not is_blank(row["participants"]) and int(row["participants"]) > 0


def _accepted_display(acc, sug) -> str:
    """What people accepted: never "not raised" while suggestions wait to be checked."""
    if _has_any(acc):
        return str(acc["display"])
    if _has_any(sug):
        return "not checked yet"
    return "none accepted"


def _unchecked_display(row) -> str:
    text = str(row["display"])
    if _has_any(row) and not bool(row["suppressed"]):
        return text + " (includes unchecked)"
    return text


def _overall(prevalence, code: str, status: str = "any") -> tuple[str, str, bool]:
    none = ("no codings", "in no group", False)
    if prevalence is None or not len(prevalence):
        return none
    sub = prevalence[
        (prevalence["code"] == code)
        & (prevalence["dimension"] == "overall")
        & (prevalence["status"] == status)
    ]
    if not len(sub):
        return none
    row = sub.iloc[0]
    if is_blank(row["groups"]) or is_blank(row["groups_total"]):
        return str(row["display"]), "number of groups not shown", False
    raised, total = int(row["groups"]), int(row["groups_total"])
    verb = "raised" if status == "accepted" else "coded"
    return str(row["display"]), f"{verb} in {raised} of {total} groups", total >= 2 and raised == total


def _code_label(code: str, meta: dict) -> str:
    return str(meta.get("label") or code.replace("_", " ").capitalize())


def _code_section(code, codebook_codes, prevalence, rows, labels, per_code, max_chars,
                  checked_share, disclosure, headings) -> CodeSection:
    meta = codebook_codes.get(code, {})
    label = _code_label(code, meta)
    parent = meta.get("parent") or ""
    parent_label = _code_label(parent, codebook_codes.get(parent, {})) if parent else ""
    by_role = _prevalence_rows(prevalence, code, "role")
    by_group = _prevalence_rows(prevalence, code, "group")
    overall, groups_raised, _ = _overall(prevalence, code)
    overall_checked, _, everywhere = _overall(prevalence, code, "accepted")
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
        # "In every group" is a headline claim: it rests on accepted codings only.
        in_every_group=everywhere and checked_share >= ENOUGH_CHECKED,
        accepted=int(status.get("accepted", 0)),
        suggested=int(status.get("suggested", 0)),
        by_role=by_role,
        by_group=by_group,
        role_chart=checked_chart(f"{anchor}-roles", f"{label}: share of participants by role, checked and unchecked", by_role),
        group_chart=checked_chart(f"{anchor}-groups", f"{label}: share of participants by group, checked and unchecked", by_group),
        quotes=select_quotes(rows, labels, per_code, max_chars, disclosure, headings),
        checked_share=checked_share,
        overall_checked=overall_checked if overall_checked != "no codings" else "none accepted",
    )


def _study_people(store, k: int) -> tuple[list[dict], list[dict], int]:
    """Groups with their roles, and role totals (a total under k is shown as "fewer than k")."""
    rows = store.group_role_counts("facilitator")
    # One person can sit in two groups: role totals count people, not group places.
    people = store.role_counts("facilitator")
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
    """Plain-language contrasts between roles from accepted codings only, for codes a person
    has mostly checked, and only where neither side is withheld."""
    found = []
    for s in sections:
        if s.checked_share < ENOUGH_CHECKED:
            continue
        visible = [r for r in s.by_role if r.accepted_share is not None]
        if len(visible) >= 2:
            high = max(visible, key=lambda r: (r.accepted_share, r.label))
            low = min(visible, key=lambda r: (r.accepted_share, r.label))
            gap = high.accepted_share - low.accepted_share
            if gap >= HEADLINE_GAP:
                found.append(
                    (-gap, s.label,
                     (f"{s.label} was raised more often by {high.label.lower()}s "
                      f"({high.accepted_display}) than by {low.label.lower()}s ({low.accepted_display}), "
                      "in codings a person accepted."))
                )
                continue
        if s.in_every_group:
            found.append((0.0, s.label, f"{s.label} came up in every group ({s.overall_checked}, checked)."))
    found.sort()
    return [text for _, _, text in found[:MAX_HEADLINES]]


def _comparison(sections, roles) -> list[dict[str, Any]]:
    out = []
    for s in sections:
        checked = {r.label: r.accepted_display for r in s.by_role}
        every = {r.label: r.display for r in s.by_role}
        out.append(
            {
                "label": s.label,
                "anchor": s.anchor,
                "cells": [checked.get(role_title(role), "none accepted") for role in roles],
                "unchecked": [every.get(role_title(role), "no codings") for role in roles],
            }
        )
    return out


def participant_readings(store) -> dict[str, list[dict[str, str]]]:
    """What participants said about our reading of each pattern (a code by role or by group), as
    marked on the workshop page: the latest mark per pattern, with its note (pseudonymised when
    typed), who recorded it and when."""
    out: dict[str, list[dict[str, str]]] = {}
    for row in store.serve_agreements():
        where = role_title(row["value"]) if row["dimension"] == "role" else row["value"]
        out.setdefault(row["code"], []).append({
            "pattern": f"{row['dimension'].capitalize()}: {where}", "status": row["status"],
            "note": row["note"], "recorded": f"{row['reviewer']}, {row['decided_at'][:10]}"})
    return out
