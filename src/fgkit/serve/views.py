"""What the workshop pages show, built from the working store by the library's own functions.

Only pseudonymised material is read: segments joined to ``pseudo_turns`` (withdrawn participants'
turns are never written there) and ``pseudo_turns`` itself, never ``turns`` (raw speech), the
key or the register's names. The register is read only for who has withdrawn since the last
``fgkit pseudonymise``, so their turns are hidden at once, before the next run removes them.

The review order is the worksheet's (``review.worksheet_rows``), and the read pages use
``effective_codings``, exactly as ``fgkit review export`` and the report do. Both cost a
noticeable fraction of a second on a study, so they are cached per store version and refreshed
in the background when a decision changes them (stale for well under a second, never blocking a
page after the first).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..coding.review import DEFAULT_STATUSES, STATUSES, worksheet_rows
from ..disclosure import display_count, role_title
from ..report.quotes import natural_key

__all__ = [
    "CHECKED",
    "AGREEMENT_STATUSES",
    "Filters",
    "VersionedCache",
    "FileWatch",
    "mark_spans",
    "review_queue",
    "segment_view",
    "quotes_view",
    "patterns_view",
    "transcript_view",
]

AGREEMENT_STATUSES = ("agreed", "needs rewording", "disputed")
# The read pages' "checked status": checked means a person accepted or rejected the coding.
CHECKED = {"checked": ("accepted", "rejected"), "unchecked": ("suggested",),
           "accepted": ("accepted",), "rejected": ("rejected",), "suggested": ("suggested",)}
CONTEXT_TURNS = 2


@dataclass(frozen=True)
class Filters:
    code: str = ""
    role: str = ""
    group: str = ""
    status: str = ""
    reviewer: str = ""

    @classmethod
    def from_query(cls, params) -> "Filters":
        return cls(*(str(params.get(k, "") or "").strip()[:80] for k in
                     ("code", "role", "group", "status", "reviewer")))

    def query(self, **override) -> str:
        from urllib.parse import urlencode

        values = {k: v for k, v in {**self.__dict__, **override}.items() if v}
        return urlencode(values)


class VersionedCache:
    """Values computed from the store, kept until the store's version changes.

    A changed version recomputes the value on a background thread, once, and returns the value
    held, at once (the review page: its segment and decisions are read live, only the queue may
    lag) or after waiting for the refresh a little (the read pages, whose quotes show statuses):
    pages stay fast while five reviewers post decisions, and show each other's decisions as soon
    as the refresh lands.
    """

    def __init__(self, open_store: Callable[[], Any]) -> None:
        self._open_store = open_store
        self._lock = threading.Condition()
        self._values: dict[Any, tuple[Any, Any]] = {}
        self._refreshing: set[Any] = set()
        self._started: dict[Any, float] = {}

    def get(self, key, version, compute: Callable[[Any], Any], store, wait: float = 0.0,
            min_interval: float = 0.0, refresh: bool = True) -> Any:
        """The value for ``key``. A stale one comes back at once, or after up to ``wait`` seconds
        for its refresh; a refresh starts at most every ``min_interval`` seconds, and never when
        ``refresh`` is false (filter choices: a stale list is fine and costs nothing)."""
        import time

        with self._lock:
            held = self._values.get(key)
            if held is not None and held[0] == version:
                return held[1]
            if held is not None:
                due = time.monotonic() - self._started.get(key, 0.0) >= min_interval
                if refresh and due and key not in self._refreshing:
                    self._refreshing.add(key)
                    self._started[key] = time.monotonic()
                    threading.Thread(target=self._refresh, args=(key, compute), daemon=True).start()
                end = time.monotonic() + wait
                while key in self._refreshing and time.monotonic() < end:
                    self._lock.wait(end - time.monotonic())
                return self._values[key][1]
        value = compute(store)
        with self._lock:
            self._values[key] = (version, value)
            self._started[key] = time.monotonic()
        return value

    def version_of(self, key):
        """The store version the value held for ``key`` was computed at (None: nothing held)."""
        with self._lock:
            held = self._values.get(key)
        return held[0] if held is not None else None

    def _refresh(self, key, compute) -> None:
        try:
            with self._open_store() as store:
                version = store.serve_reviews_version()
                value = compute(store)
            with self._lock:
                self._values[key] = (version, value)
        finally:
            with self._lock:
                self._refreshing.discard(key)
                self._lock.notify_all()

    def settle(self, timeout: float = 5.0) -> None:
        """Wait for background refreshes (tests and benchmarks)."""
        with self._lock:
            self._lock.wait_for(lambda: not self._refreshing, timeout)


class FileWatch:
    """A value derived from files, rebuilt when any of them changes (mtime and size)."""

    def __init__(self, paths: Callable[[], list[Path]], build: Callable[[], Any]) -> None:
        self._paths = list(paths())  # resolved once: resolving paths costs more than stat-ing them
        self._build = build
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._value: Any = None

    def _current(self) -> tuple:
        out = []
        for path in self._paths:
            try:
                st = path.stat()
                out.append((str(path), st.st_mtime_ns, st.st_size))
            except OSError:
                out.append((str(path), None, None))
        return tuple(out)

    def get(self) -> Any:
        stamp = self._current()
        with self._lock:
            if stamp != self._stamp:
                self._value = self._build()
                self._stamp = stamp
            return self._value


def mark_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_evidence) parts; overlapping spans are merged."""
    good = sorted((s, e) for s, e in spans if s is not None and e is not None and 0 <= s < e <= len(text))
    merged: list[list[int]] = []
    for s, e in good:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    parts, at = [], 0
    for s, e in merged:
        if s > at:
            parts.append((text[at:s], False))
        parts.append((text[s:e], True))
        at = e
    if at < len(text):
        parts.append((text[at:], False))
    return parts or [("", False)]


def _int(value) -> int | None:
    try:
        return None if value is None or value != value else int(value)
    except (TypeError, ValueError):
        return None


# --- review ------------------------------------------------------------------------------------
def review_queue(store, labels: dict[str, str], filters: Filters, withdrawn: set[str]) -> list[dict]:
    """Segments to review, in the worksheet's order, each with its role, group and statuses."""
    statuses = CHECKED.get(filters.status) or (filters.status,) if filters.status else DEFAULT_STATUSES
    statuses = tuple(s for s in statuses if s in STATUSES) or DEFAULT_STATUSES
    rows = worksheet_rows(store, labels, codes=[filters.code] if filters.code else None,
                          roles=[filters.role] if filters.role else None,
                          groups=[filters.group] if filters.group else None, statuses=statuses)
    hidden = {s["segment_id"] for s in store.serve_segments() if s["participant_id"] in withdrawn} if withdrawn else set()
    queue: dict[str, dict] = {}
    for row in rows:
        if row["segment_id"] in hidden:
            continue
        entry = queue.setdefault(row["segment_id"], {
            "segment_id": row["segment_id"], "transcript": row["transcript"], "turn_index": row["turn_index"],
            "speaker": row["speaker"], "role": row["role"], "group": row["group"], "codes": []})
        if row["code"]:
            entry["codes"].append((row["code_label"] or row["code"], row["status"]))
    return list(queue.values())


@dataclass
class SegmentView:
    segment: dict
    parts: list[tuple[str, bool]]
    before: list[dict]
    after: list[dict]
    codes: list[dict]
    decisions: list[dict]
    addable: list[tuple[str, str]] = field(default_factory=list)


def segment_view(store, segment_id: str, labels: dict[str, str], withdrawn: set[str]) -> SegmentView | None:
    found = store.serve_segments([segment_id])
    if not found or found[0]["participant_id"] in withdrawn:
        return None
    seg = found[0]
    turns = store.serve_turns(seg["transcript"], seg["turn_index"] - CONTEXT_TURNS, seg["turn_index"] + CONTEXT_TURNS)
    turns = [t for t in turns if t["participant_id"] not in withdrawn]
    decisions = store.serve_decisions(segment_id)
    latest: dict[str, dict] = {}
    for d in decisions:  # newest first: the first seen per code is in force
        latest.setdefault(d["code"], d)
    codes, spans = [], []
    for c in store.serve_machine_codings(segment_id):
        if any(x["code"] == c["code"] for x in codes):
            continue
        start, end = _int(c["evidence_start"]), _int(c["evidence_end"])
        evidence = seg["text"][start:end] if start is not None and end is not None and 0 <= start < end <= len(seg["text"]) else ""
        if evidence:
            spans.append((start, end))
        codes.append({"code": c["code"], "label": labels.get(c["code"], c["code"]), "coder": c["coder"],
                      "confidence": round(float(c["confidence"]), 2), "evidence": evidence,
                      "decision": latest.get(c["code"])})
    suggested = {c["code"] for c in codes}
    for code, d in latest.items():
        if code not in suggested and d["decision"] == "add":
            codes.append({"code": code, "label": labels.get(code, code), "coder": d["reviewer"],
                          "confidence": 1.0, "evidence": "", "decision": d})
    present = {c["code"] for c in codes}
    return SegmentView(
        segment=seg, parts=mark_spans(seg["text"], spans),
        before=[t for t in turns if t["turn_index"] < seg["turn_index"]],
        after=[t for t in turns if t["turn_index"] > seg["turn_index"]],
        codes=codes, decisions=decisions,
        addable=[(code, label) for code, label in labels.items() if code not in present],
    )


# --- read and agree ----------------------------------------------------------------------------
def quotes_view(codings, filters: Filters, withdrawn: set[str], labels: dict[str, str], limit: int = 50) -> dict:
    """Quotes (codings in force, rejected ones only when asked for) matching the filters."""
    rows = codings
    if withdrawn:
        rows = rows[~rows["participant_id"].isin(list(withdrawn))]
    rows = rows[rows["role"] != "facilitator"]
    statuses = CHECKED.get(filters.status)
    rows = rows[rows["status"].isin(list(statuses))] if statuses else rows[rows["status"] != "rejected"]
    for column, value in (("code", filters.code), ("role", filters.role), ("group", filters.group),
                          ("reviewer", filters.reviewer)):
        if value:
            rows = rows[rows[column] == value]
    total = len(rows)
    quotes = []
    for rec in rows.head(limit).to_dict("records"):
        start, end = _int(rec["evidence_start"]), _int(rec["evidence_end"])
        quotes.append({**rec, "label": labels.get(rec["code"], rec["code"]),
                       "parts": mark_spans(rec["text"], [(start, end)])})
    return {"quotes": quotes, "total": total, "shown": len(quotes)}


def patterns_view(codings, code: str, withdrawn: set[str], agreements: list[dict], k: int) -> list[dict]:
    """One row per pattern (the code by role, then by group): counts under the small-cell rule,
    and the agreement in force."""
    rows = codings
    if withdrawn:
        rows = rows[~rows["participant_id"].isin(list(withdrawn))]
    rows = rows[(rows["role"] != "facilitator") & (rows["status"] != "rejected")]
    mine = rows[rows["code"] == code]
    agreed = {(a["dimension"], a["value"]): a for a in agreements if a["code"] == code}
    out = []
    for dimension, column in (("role", "role"), ("group", "group")):
        for value in sorted(set(rows[column].astype(str)), key=natural_key):
            hits = mine[mine[column] == value]
            people = int(hits["participant_id"].nunique())
            out.append({
                "dimension": dimension, "value": value,
                "label": role_title(value) if dimension == "role" else value,
                "segments": display_count(len(hits), people, k),
                "participants": display_count(people, people, k),
                "agreement": agreed.get((dimension, value)),
            })
    return out


def transcript_view(store, transcript: str, withdrawn: set[str]) -> list[dict]:
    return [t for t in store.serve_turns(transcript) if t["participant_id"] not in withdrawn]


def filter_choices(codings, labels: dict[str, str]) -> dict[str, list]:
    return {
        "codes": list(labels.items()),
        "roles": sorted({str(r) for r in codings["role"] if str(r) != "facilitator"}, key=natural_key),
        "groups": sorted({str(g) for g in codings["group"]}, key=natural_key),
        "reviewers": sorted({str(r) for r in codings["reviewer"] if str(r)}, key=natural_key),
        "statuses": list(CHECKED),
    }
