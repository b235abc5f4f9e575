"""One review decision at a time: what the workshop page stores when a reviewer clicks.

The worksheet import (``review.import_worksheet``) stores a whole worksheet at once; this stores
one decision on one segment and code, as the same ``reviews`` row (segment, code, decision,
reviewer, time, memo, source, code label), so ``effective_codings``, ``fgkit review status``,
training and ``reports/codings.csv`` read both alike. Codes must be in the codebook (never free
text), and a memo is pseudonymised before it is stored, because memos travel into shareable
outputs.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from ..errors import ReviewFileError
from .review import codebook_labels
from .review_io import DECISIONS

__all__ = ["Decision", "record_decision", "update_codings", "ALL_DECISIONS"]

# The worksheet's accept / reject, and "add" for a code the machine did not suggest.
ALL_DECISIONS = (*DECISIONS, "add")


@dataclass(frozen=True)
class Decision:
    segment_id: str
    code: str
    decision: str
    reviewer: str
    decided_at: str
    memo: str


def record_decision(
    project,
    store,
    segment_id: str,
    code: str,
    decision: str,
    reviewer: str,
    memo: str = "",
    source: str = "workshop",
    labels: dict[str, str] | None = None,
    now: str | None = None,
) -> Decision:
    """Validate and store one decision; raises ReviewFileError (naming no speech) when it is wrong."""
    reviewer = reviewer.strip()
    decision = decision.strip().lower()
    if not reviewer:
        raise ReviewFileError("a reviewer name is required")
    if decision not in ALL_DECISIONS:
        raise ReviewFileError(f"decision must be one of {', '.join(ALL_DECISIONS)}")
    labels = labels if labels is not None else codebook_labels(project)
    if code not in labels:
        raise ReviewFileError(f"unknown code {code!r}: pick a code from the codebook")
    if segment_id not in store.serve_segment_ids():
        raise ReviewFileError("this segment is not in the working store (re-ingested or withdrawn); "
                              "reload the page")
    memo = memo.strip()
    if memo:
        from ..pseudonymise.freetext import pseudonymise_free_text

        memo = pseudonymise_free_text(project, [memo])[0]
    now = now or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    store.serve_add_reviews([(segment_id, code, decision, reviewer, now, memo, source, labels[code])])
    return Decision(segment_id, code, decision, reviewer, now, memo)


def _in_force(decision: str) -> str:
    # As in ``status.effective_codings``: the latest decision wins; add and accept accept.
    return "accepted" if decision in ("accept", "add") else "rejected"


def update_codings(codings, decisions_then, decisions_now, segments, machine_pairs: set[tuple[str, str]]):
    """``effective_codings(store, include_rejected=True, include_doubtful=True)`` brought from
    the decisions it was computed with (``decisions_then``, as ``store.latest_decisions()`` gave
    them) to ``decisions_now``, touching only the (segment, code) pairs whose latest decision
    changed: what the workshop page does after each click instead of recomputing every coding.

    ``segments``: the consenting segments (``store.consenting_segments()``, ``group_name``
    as ``group``); ``machine_pairs``: the pairs the machine suggested (not doubts), whose coder
    and evidence stay when a person decides. Decisions are only ever added, so a pair never goes
    back to suggested. The result equals a full recomputation (tests hold it to that).
    """
    import pandas as pd

    def latest(frame) -> dict:
        # Plain lists first: iterating pandas' string columns value by value is many times slower.
        cols = [frame[c].tolist() for c in ("segment_id", "code", "decision", "reviewer", "memo", "decided_at")]
        return {(s, c): (d, r, m, t) for s, c, d, r, m, t in zip(*cols)}

    then, now = latest(decisions_then), latest(decisions_now)
    changed = {pair: value for pair, value in now.items() if then.get(pair) != value}
    if not changed:
        return codings
    out = codings.copy()
    at = {pair: i for i, pair in enumerate(zip(out["segment_id"].tolist(), out["code"].tolist()))}
    consenting = set(segments["segment_id"].tolist())
    columns = {name: out.columns.get_loc(name) for name in ("status", "reviewer", "memo", "coder")}
    new_rows = []
    for (segment_id, code), (decision, reviewer, memo, _time) in changed.items():
        if segment_id not in consenting:
            continue  # withdrawn or gone: effective_codings joins on consenting segments
        status, memo = _in_force(decision), "" if memo is None or memo != memo else memo
        i = at.get((segment_id, code))
        if i is not None:
            out.iat[i, columns["status"]] = status
            out.iat[i, columns["reviewer"]] = reviewer
            out.iat[i, columns["memo"]] = memo
            if (segment_id, code) not in machine_pairs:
                out.iat[i, columns["coder"]] = reviewer
            continue
        seg = segments[segments["segment_id"] == segment_id].iloc[0]
        new_rows.append({**{c: seg[c] for c in segments.columns if c in out.columns}, "segment_id": segment_id,
                         "code": code, "status": status, "coder": reviewer, "confidence": 1.0, "evidence": "",
                         "evidence_start": float("nan"), "evidence_end": float("nan"), "pattern": "",
                         "reviewer": reviewer, "memo": memo})
    if new_rows:
        out = pd.concat([out, pd.DataFrame(new_rows, columns=out.columns)], ignore_index=True)
        out = out.sort_values(["transcript", "turn_index", "start_char", "code"]).reset_index(drop=True)
    return out
