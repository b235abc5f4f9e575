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

__all__ = ["Decision", "record_decision", "ALL_DECISIONS"]

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
