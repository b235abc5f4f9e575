"""The review loop: worksheets out, human decisions in, and what became of old decisions.

A worksheet has one row per (segment, code in force) plus one row per segment with no code, the
segments that teach the learner most first (``fgkit.coding.learn.teaching_ranking``: uncertain,
diverse across codes, groups and roles, no near-duplicates; without the sentence embedder, the
most uncertain suggestions first). A suggestion the learner doubts has status ``doubtful``. Reviewers fill ``decision`` (accept / reject), ``add_codes``
(codes the machine missed, ``;``-separated) and ``memo``. Importing validates every row before
anything is stored, so a worksheet goes in whole or not at all; decisions are appended to the
``reviews`` history keyed by content-based segment ids, so they outlive re-ingest and re-coding.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ReviewFileError
from ..records import stable_id
from .review_io import (
    DECISIONS,
    EDITABLE_COLUMNS,
    mark_evidence,
    read_worksheet,
    text_hash,
    unmark,
    write_worksheet,
)

__all__ = [
    "STATUSES",
    "codebook_labels",
    "worksheet_rows",
    "export_worksheet",
    "import_worksheet",
    "review_status",
    "ExportReport",
    "ImportReport",
    "ReviewStatus",
    "WorksheetProblems",
]

STATUSES = ("suggested", "doubtful", "accepted", "rejected", "uncoded")
DEFAULT_STATUSES = ("suggested", "doubtful", "uncoded")
_EXPORT_NAMESPACE = "review-worksheet"
_MAX_LISTED_PROBLEMS = 50


class WorksheetProblems(ReviewFileError):
    """Every problem found in one worksheet, one ``file:row: message`` line each."""

    def __init__(self, problems: list[ReviewFileError]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.message, first.path, first.line, first.column)

    def render(self) -> str:
        problems = getattr(self, "problems", [])
        if len(problems) <= 1:
            return super().render()
        lines = [p.render() for p in problems[:_MAX_LISTED_PROBLEMS]]
        if len(problems) > _MAX_LISTED_PROBLEMS:
            lines.append(f"... and {len(problems) - _MAX_LISTED_PROBLEMS} more problems")
        return "\n".join(lines)


def codebook_labels(project) -> dict[str, str]:
    """Code id -> label for the project's codebook, in codebook order."""
    from ..codebook import load_codebook

    return {c.id: c.label for c in load_codebook(project.codebook_path).codes}


# --- export ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportReport:
    path: Path
    n_rows: int
    n_segments: int
    worksheet: str


def _uncertainty(confidence: float) -> float:
    """1 at p=0.5, 0 at p=0 or 1: how much a decision on this suggestion would teach."""
    return round(1.0 - abs(2.0 * float(confidence) - 1.0), 4)


def worksheet_rows(
    store,
    labels: dict[str, str],
    codes: list[str] | None = None,
    roles: list[str] | None = None,
    groups: list[str] | None = None,
    statuses: list[str] | tuple[str, ...] = DEFAULT_STATUSES,
    ranking: dict[str, int] | None = None,
) -> list[dict]:
    """The worksheet's rows, filtered by code/role/group/status: segments in ``ranking`` order
    (segment id -> rank; see ``teaching_ranking``) when given, then the most uncertain first."""
    from .status import effective_codings

    unknown = sorted(set(statuses) - set(STATUSES))
    if unknown:
        raise ReviewFileError(f"unknown status {unknown[0]!r}; use one of {', '.join(STATUSES)}")
    codings = effective_codings(store, include_rejected=True, include_doubtful=True)
    segments = store.consenting_segments().rename(columns={"group_name": "group"})[
        ["segment_id", "transcript", "turn_index", "start_char", "text", "speaker", "role", "group"]]
    coded = set(codings["segment_id"])
    uncoded = segments[~segments["segment_id"].isin(coded)]

    rows: list[dict] = []
    for rec in codings.to_dict("records"):
        rows.append({
            **_segment_cells(rec),
            "code": rec["code"],
            "code_label": labels.get(rec["code"], ""),
            "suggested_by": rec["coder"],
            "confidence": round(float(rec["confidence"]), 4),
            "uncertainty": _uncertainty(rec["confidence"]) if rec["status"] in ("suggested", "doubtful") else 0.0,
            "status": rec["status"],
            "text": mark_evidence(rec["text"], _int(rec["evidence_start"]), _int(rec["evidence_end"])),
            "_start": rec["start_char"],
        })
    for rec in uncoded.to_dict("records"):
        rows.append({
            **_segment_cells(rec), "code": "", "code_label": "", "suggested_by": "",
            "confidence": "", "uncertainty": 0.0, "status": "uncoded", "text": rec["text"],
            "_start": rec["start_char"],
        })

    def keep(row: dict) -> bool:
        return (
            row["status"] in statuses
            and (not codes or row["code"] in codes)
            and (not roles or row["role"] in roles)
            and (not groups or row["group"] in groups)
        )

    rows = [r for r in rows if keep(r)]
    # A segment's rows stay together, ordered by the segment's most uncertain suggestion.
    priority: dict[str, float] = {}
    for r in rows:
        priority[r["segment_id"]] = max(priority.get(r["segment_id"], 0.0), r["uncertainty"])
    last = len(ranking) if ranking else 0
    rows.sort(key=lambda r: ((ranking or {}).get(r["segment_id"], last), -priority[r["segment_id"]],
                             r["transcript"], r["turn_index"],
                             r.pop("_start"), r["segment_id"], r["code"]))
    for number, r in enumerate(rows, start=1):
        r["row"] = number
        r.update(decision="", add_codes="", memo="")
    return rows


def _int(value) -> int | None:
    try:
        return None if value is None or value != value else int(value)
    except (TypeError, ValueError):
        return None


def _segment_cells(rec: dict) -> dict:
    return {
        "segment_id": rec["segment_id"],
        "text_hash": text_hash(rec["text"]),
        "transcript": rec["transcript"],
        "turn_index": int(rec["turn_index"]),
        "speaker": rec["speaker"],
        "role": rec["role"],
        "group": rec["group"],
    }


def export_worksheet(
    project,
    store,
    path: Path | None = None,
    fmt: str = "xlsx",
    **filters,
) -> ExportReport:
    """Write the review worksheet (default ``reports/review/worksheet.<fmt>``) and remember its rows.

    The text is pseudonymised, so the worksheet belongs in the shareable zone; outside the
    private zone it goes through the one shareable writer, which publishes it only once the leak
    gate has passed it, and remembers how it was made so ``fgkit run`` can refresh it.
    """
    from ..shareable import publication, zone_file

    path = Path(path).expanduser().absolute() if path is not None else zone_file(project, f"review/worksheet.{fmt}")
    from .learn import teaching_ranking

    rows = worksheet_rows(store, codebook_labels(project), ranking=teaching_ranking(project, store), **filters)
    worksheet = stable_id(*(f"{r['segment_id']}/{r['code']}" for r in rows), length=12)
    for r in rows:
        r["worksheet"] = worksheet
    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise ReviewFileError("worksheets are .xlsx or .csv; choose one of those suffixes", path)
    if project.is_private(path):
        write_worksheet(rows, path)
    else:
        # The worksheet is meant to be e-mailed: a name the pseudonymiser missed stops it here.
        recipe = {"format": fmt, "filters": {k: list(v) if isinstance(v, (list, tuple)) else v
                                              for k, v in filters.items()}}
        with publication(project, "review-worksheet", recipe) as out:
            write_worksheet(rows, out.staged(path))
        path = out.target(path)
    # Remembered privately so an import can tell a deleted row from one never exported.
    store.cache_put_many(
        _EXPORT_NAMESPACE, {worksheet: [(r["row"], r["segment_id"], r["code"]) for r in rows]}
    )
    return ExportReport(path, len(rows), len({r["segment_id"] for r in rows}), worksheet)


# --- import ------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    path: Path
    reviewer: str
    n_rows: int = 0
    stored: dict[str, int] = field(default_factory=lambda: {"accept": 0, "reject": 0, "add": 0})
    unchanged: int = 0
    memos_without_decision: list[int] = field(default_factory=list)

    @property
    def n_stored(self) -> int:
        return sum(self.stored.values())


def _split_codes(cell: str) -> list[str]:
    return [c.strip() for c in cell.replace(",", ";").split(";") if c.strip()]


def import_worksheet(project, store, path: Path, reviewer: str, now: str | None = None) -> ImportReport:
    """Validate a worksheet and store its decisions; raises WorksheetProblems listing every bad row."""
    path = Path(path)
    reviewer = reviewer.strip()
    if not reviewer:
        raise ReviewFileError("a reviewer name is required (--reviewer NAME)", path)
    labels = codebook_labels(project)
    header, rows = read_worksheet(path)
    missing = [c for c in ("row", "segment_id", "text_hash", "code", "text", *EDITABLE_COLUMNS) if c not in header]
    if missing:
        raise ReviewFileError(
            f"missing column(s) {', '.join(missing)}; import a worksheet written by `fgkit review export`",
            path, 1,
        )
    report = ImportReport(path=path, reviewer=reviewer, n_rows=len(rows))
    problems: list[ReviewFileError] = []

    def problem(line: int, message: str) -> None:
        problems.append(ReviewFileError(message, path, line))

    segment_text = store.segment_texts()
    seen_rows: dict[int, int] = {}
    seen_pairs: dict[tuple[str, str], int] = {}
    wanted: dict[tuple[str, str], tuple[str, str, int]] = {}
    worksheets: set[str] = set()
    for line, row in rows:
        number = row.get("row", "").strip()
        segment = row.get("segment_id", "").strip()
        code = row.get("code", "").strip()
        decision = row.get("decision", "").strip().lower()
        adds = _split_codes(row.get("add_codes", ""))
        memo = row.get("memo", "").strip()
        if row.get("worksheet", "").strip():
            worksheets.add(row["worksheet"].strip())
        if not number.isdigit():
            problem(line, "the row number is missing or not a whole number; restore it from the export")
        elif int(number) in seen_rows:
            problem(line, f"duplicate row: row number {number} also on row {seen_rows[int(number)]}; delete the copy")
            continue
        else:
            seen_rows[int(number)] = line
        if not segment:
            problem(line, "segment_id is missing; restore it from the export")
            continue
        if (segment, code) in seen_pairs:
            problem(line, f"duplicate row: same segment and code as row {seen_pairs[(segment, code)]}; delete one")
            continue
        seen_pairs[(segment, code)] = line
        if segment not in segment_text:
            problem(line, "this segment is not in the working store (its text changed on re-ingest, "
                          "or the row comes from another project); re-export and review it again")
            continue
        stored = segment_text[segment]
        if unmark(row.get("text", "")).strip() != unmark(stored).strip():
            problem(line, "the text cell was edited; the text must stay as exported "
                          "(write comments in memo); restore the text or re-export")
        elif row.get("text_hash", "").strip() != text_hash(stored):
            problem(line, "text_hash does not match the segment; restore the cell from the export")
        if decision and decision not in DECISIONS:
            problem(line, "decision must be accept, reject or blank; fix the cell")
            decision = ""
        if decision and not code:
            problem(line, "a decision on a row without a code; put the code in add_codes instead")
            decision = ""
        if decision and code not in labels:
            problem(line, f"unknown code {code!r} (not in the codebook); fix the codebook or clear the decision")
        for extra in adds:
            if extra not in labels:
                problem(line, f"unknown code {extra!r} in add_codes; use a code id from the codebook")
        entries = ([(code, decision)] if decision else []) + [(c, "add") for c in adds if c in labels]
        if memo and not entries:
            report.memos_without_decision.append(line)
        for entry_code, entry in entries:
            key = (segment, entry_code)
            if key in wanted and (wanted[key][0] == "reject") != (entry == "reject"):
                problem(line, f"contradictory decisions on code {entry_code!r} for this segment "
                              f"(see row {wanted[key][2]}); keep one")
            elif key not in wanted or entry != "add":
                wanted[key] = (entry, memo, line)
    problems.extend(_missing_rows(store, path, worksheets, seen_rows, rows))
    if problems:
        raise WorksheetProblems(sorted(problems, key=lambda p: p.line or 0))

    mine = store.latest_decisions(reviewer)
    in_force = {
        (segment, code): (decision, memo)
        for segment, code, decision, memo in zip(mine["segment_id"], mine["code"], mine["decision"], mine["memo"])
    }
    now = now or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    inserts = []
    for (segment, code), (decision, memo, _line) in sorted(wanted.items()):
        previous = in_force.get((segment, code))
        # "add" and "accept" both mean the code applies; re-importing either is no change.
        if previous and _positive(previous[0]) == _positive(decision) and previous[1] == memo:
            report.unchanged += 1
            continue
        inserts.append((segment, code, decision, reviewer, now, memo, path.name, labels.get(code, "")))
        report.stored[decision] += 1
    if inserts:
        store.add_reviews(inserts)
    return report


def _positive(decision: str) -> bool:
    return decision in ("accept", "add")


def _missing_rows(store, path: Path, worksheets: set[str], seen_rows: dict[int, int], rows) -> list:
    """Rows of the exported worksheet that are absent from the file being imported."""
    if len(worksheets) > 1:
        line = rows[0][0] if rows else 1
        return [ReviewFileError("rows from different worksheets were pasted together; "
                                "import each worksheet on its own", path, line)]
    exported = store.cache_get_many(_EXPORT_NAMESPACE, sorted(worksheets)) if worksheets else {}
    if worksheets and exported:
        expected = {number for number, _segment, _code in next(iter(exported.values()))}
    else:
        # Not exported from this store: only gaps in the numbering can show a deleted row.
        expected = set(range(1, max(seen_rows, default=0) + 1))
    problems = []
    for number in sorted(expected - set(seen_rows)):
        # Spreadsheet row of a missing worksheet row: the header is row 1.
        problems.append(ReviewFileError(
            f"worksheet row {number} is missing (deleted?); restore it, leaving its decision blank "
            "to skip it", path, number + 1))
    return problems


# --- status ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewStatus:
    """Decisions in force per reviewer, and decisions that no longer fit the data or codebook.

    ``orphaned``: decisions about codes that are no longer in the codebook (renamed or removed).
    ``relabelled``: decisions whose code is still there under a different label.
    ``detached``: decisions about segments not in the store now (kept; they reattach when the
    same text is ingested again).
    """

    by_reviewer: "object"  # DataFrame: reviewer, decision, n
    coders: "object"  # DataFrame: coder, n (machine and imported codings, for `fgkit agree`)
    orphaned: "object"  # DataFrame: code, code_label, reviewer, n
    relabelled: "object"  # DataFrame: code, code_label, current_label, n
    detached: int


def review_status(project, store) -> ReviewStatus:
    labels = codebook_labels(project)
    latest = store.decisions_per_reviewer()
    by_reviewer = (
        latest.groupby(["reviewer", "decision"]).size().rename("n").reset_index()
        .sort_values(["reviewer", "decision"]).reset_index(drop=True)
    )
    gone = latest[~latest["code"].isin(list(labels))]
    orphaned = (
        gone.groupby(["code", "code_label", "reviewer"]).size().rename("n").reset_index()
        .sort_values(["code", "reviewer"]).reset_index(drop=True)
    )
    kept = latest[latest["code"].isin(list(labels))].copy()
    kept["current_label"] = kept["code"].map(labels)
    changed = kept[(kept["code_label"] != "") & (kept["code_label"] != kept["current_label"])]
    relabelled = (
        changed.groupby(["code", "code_label", "current_label"]).size().rename("n").reset_index()
        .sort_values("code").reset_index(drop=True)
    )
    present = set(store.segment_texts())
    detached = int((~latest["segment_id"].isin(present)).sum())
    coders = store.coder_counts()
    return ReviewStatus(by_reviewer, coders, orphaned, relabelled, detached)

