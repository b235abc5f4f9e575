"""Anonymised quotes for papers, slides and board reports.

One row per coded segment: the pseudonymised text, its codes and their statuses, and an
attribution by role and group from ``fgkit.disclosure`` (the rule every output follows:
"Practitioner, FG2", or "Participant, FG6" for everyone in a group where a role has fewer than
k people). Speaker pseudonyms are not written: quotes are attributed to groups, never to a
person. References ("fg1-teams turn 12") count turns from 1, as the report and the shareable
transcripts do; a quote from a group of fewer than k people ("Participant") has no group,
transcript, turn or reference, since the transcript's name is the group's. A filter on a parent
code includes its sub-codes; "doubtful" and rejected
codings are never exported.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..disclosure import shown_reference
from ..errors import InputError
from ..passages import turn_number, turn_reference
from ..shareable import publication
from .inputs import attribution_map, codings_in_force, load_codes, pseudo_turns, withdrawn_ids
from .safety import check_destination

__all__ = ["QUOTE_COLUMNS", "QuotesResult", "select_quotes", "export_quotes", "FORMATS"]

QUOTE_COLUMNS = [
    "quote_id", "quote", "codes", "status", "role", "group", "attribution", "transcript",
    "turn", "reference", "words",
]
FORMATS = ("csv", "xlsx", "docx")


@dataclass(frozen=True)
class QuotesResult:
    """What an export wrote."""

    rows: int
    codes: int
    files: tuple[Path, ...]
    parameters: dict = field(default_factory=dict)
    note: str = ""  # why nothing was exported, when nothing was


def _descendants(codes: set[str], book: dict) -> set[str]:
    """The codes asked for and every sub-code below them (a parent includes its sub-codes)."""
    out, todo = set(codes), list(codes)
    while todo:
        code = todo.pop()
        for child in (c.id for c in book.values() if c.parent == code):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def nothing_checked_note(store, include_suggestions: bool) -> str:
    """Why an export is empty when only unchecked suggestions exist ("" otherwise)."""
    if include_suggestions:
        return ""
    from ..coding.status import effective_codings

    codings = effective_codings(store)
    waiting = int((codings["status"] == "suggested").sum()) if len(codings) else 0
    if not waiting or (codings["status"] == "accepted").any():
        return ""
    return (
        f"Nothing is checked yet: none of the {waiting} machine-suggested codings has been accepted "
        "by a person, and only accepted codings are exported. Review them (`fgkit review export`, "
        "then `fgkit review import`), or add --include-suggestions to export unchecked quotes, "
        "marked as not checked."
    )


def _context_lines(turns, attributions) -> dict[tuple[str, int], str]:
    """The turn before each turn, as "Attribution: text", keyed by (transcript, turn_index)."""
    context: dict[tuple[str, int], str] = {}
    previous: dict[str, str] = {}
    for row in turns.itertuples(index=False):
        if row.transcript in previous:
            context[(row.transcript, row.turn_index)] = previous[row.transcript]
        who = (
            "Facilitator"
            if row.role == "facilitator"
            else attributions.get((row.participant_id, row.group), f"Participant, {row.group}")
        )
        previous[row.transcript] = f"{who}: {row.text}"
    return context


def select_quotes(
    project,
    store,
    codes: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    include_suggestions: bool = False,
    min_words: int = 0,
    context: bool = False,
):
    """The quotes table (DataFrame with QUOTE_COLUMNS, plus ``context`` if asked).

    ``codes`` match code ids or labels; ``roles`` and ``groups`` match the participant's role
    and group (case-insensitive). Facilitators are never quoted.
    """
    import pandas as pd

    if min_words < 0:
        raise InputError("--min-words must be 0 or more")
    k = project.settings.analysis.small_cell_k
    withdrawn = withdrawn_ids(project)
    turns = pseudo_turns(store, withdrawn)
    attributions = attribution_map(turns, k)
    # A group of fewer than k people is never named beside a quote (fgkit.disclosure).
    sizes = turns[turns["role"] != "facilitator"].groupby("group")["participant_id"].nunique()
    small_groups = {str(g) for g, n in sizes.items() if n < k}
    book = {c.id: c for c in load_codes(project)}
    wanted = None
    if codes:
        by_label = {c.label.casefold(): c.id for c in book.values()}
        wanted = _descendants({by_label.get(c.casefold(), c) for c in codes}, book)

    df = codings_in_force(store, withdrawn, include_suggestions)
    df = df[df["role"] != "facilitator"]
    if wanted is not None:
        df = df[df["code"].isin(wanted)]
    if roles:
        df = df[df["role"].str.casefold().isin({r.casefold() for r in roles})]
    if groups:
        df = df[df["group"].str.casefold().isin({g.casefold() for g in groups})]
    columns = QUOTE_COLUMNS + (["context"] if context else [])
    # Sorting puts each segment's codes next to each other, in the order quotes are listed.
    df = df.sort_values(["transcript", "turn_index", "start_char", "segment_id", "code"])
    before = _context_lines(turns, attributions) if context else {}
    rows = []
    records = df[["segment_id", "text", "code", "status", "role", "group", "participant_id",
                  "transcript", "turn_index"]].itertuples(index=False)
    for segment_id, part in itertools.groupby(records, key=lambda r: r.segment_id):
        part = list(part)
        first = part[0]
        words = len(first.text.split())
        if words < min_words:
            continue
        attribution = attributions.get((first.participant_id, first.group)) or (
            "Participant" if first.group in small_groups else f"Participant, {first.group}"
        )
        # The transcript and turn name the group: blank wherever the attribution withholds it.
        reference = shown_reference(attribution, first.group,
                                    turn_reference(first.transcript, first.turn_index))
        row = {
            "quote_id": segment_id,
            "quote": first.text,
            "codes": "; ".join(r.code for r in part),
            "status": "; ".join(r.status for r in part),
            # The role only where the attribution names it: never beside "Participant, FG6".
            "role": "" if attribution.startswith("Participant") else attribution.split(",")[0],
            "group": first.group if reference else "",
            "attribution": attribution,
            "transcript": first.transcript if reference else "",
            "turn": turn_number(first.turn_index) if reference else "",
            "reference": reference,
            "words": words,
        }
        if context:
            row["context"] = before.get((first.transcript, int(first.turn_index)), "")
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def export_quotes(
    project,
    store,
    output: str | Path | None = None,
    formats: Sequence[str] = FORMATS,
    **filters,
) -> QuotesResult:
    """Write quotes.csv / .xlsx / .docx into ``output`` (default: the shareable zone).

    ``filters`` are passed to :func:`select_quotes`. Nothing is written when the destination
    is in the private zone or the leak gate finds key material in what would be written; the
    files are published together, so a refusal leaves every earlier export in place.
    """
    from .quotes_writers import write_csv, write_docx, write_xlsx

    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise InputError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    target = check_destination(project, output) if output is not None else None
    table = select_quotes(project, store, **filters)
    note = nothing_checked_note(store, bool(filters.get("include_suggestions"))) if table.empty else ""
    if note:
        table.attrs["empty_reason"] = note  # the Word file says it instead of "no match"
    book = load_codes(project)

    writers = {"csv": write_csv, "xlsx": write_xlsx, "docx": write_docx}
    names = [f"quotes.{fmt}" if target is None else target / f"quotes.{fmt}" for fmt in FORMATS if fmt in formats]
    # Outside the default place an export is the researcher's own: `fgkit run` leaves it be.
    source = "export" if output is None else "export-custom"
    with publication(project, source) as out:
        for name in names:
            writers[Path(name).suffix[1:]](table, out.staged(name), book)
    files = [out.target(name) for name in names]
    n_codes = len({c for codes in table["codes"] for c in codes.split("; ") if c})
    return QuotesResult(
        rows=len(table),
        codes=n_codes,
        files=tuple(files),
        parameters={k: v for k, v in filters.items() if v not in (None, (), [])},
        note=note,
    )
