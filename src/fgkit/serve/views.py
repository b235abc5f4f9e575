"""What the workshop pages show, built from the working store by the library's own functions.

Only pseudonymised material is read: segments joined to ``pseudo_turns`` (withdrawn participants'
turns are never written there) and ``pseudo_turns`` itself, never ``turns`` (raw speech), the
key or the register's names. The register is read only for who has withdrawn since the last
``fgkit pseudonymise``, so their turns are hidden at once, before the next run removes them.

The review order is the worksheet's (``review.worksheet_rows`` in the learner's teaching order,
``learn.teaching_ranking``), and the read pages use ``effective_codings``, exactly as ``fgkit
review export`` and the report do. The teaching order fits the learner (half a second warm,
many seconds with the sentence model's first load), so it is computed off the request path and
refreshed now and then; between refreshes segments someone decided simply leave the queue. The
study's segments and machine codings change only with a new ``fgkit code`` or ``pseudonymise``,
so ``StudyFrames`` holds them and ``effective_codings`` re-reads only the (small) decisions after
a decision. The results are cached per store version and refreshed in the background.
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
    "StudyFrames",
    "TeachingOrder",
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
# A doubtful coding (a rule hit the learner doubts) is unchecked, and out of counts until accepted.
CHECKED = {"checked": ("accepted", "rejected"), "unchecked": ("suggested", "doubtful"),
           "accepted": ("accepted",), "rejected": ("rejected",), "suggested": ("suggested",),
           "doubtful": ("doubtful",)}
# What counts (quotes by default, pattern counts, section counts): the codings in force.
IN_FORCE = ("suggested", "accepted")
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
                    threading.Thread(target=self._refresh, args=(key, version, compute), daemon=True).start()
                end = time.monotonic() + wait
                while key in self._refreshing and time.monotonic() < end:
                    self._lock.wait(end - time.monotonic())
                return self._values[key][1]
        value = compute(store)
        with self._lock:
            self._values[key] = (version, value)
            self._started[key] = time.monotonic()
        return value

    def put(self, key, version, value) -> None:
        """Hold ``value``, computed by a page at ``version``, unless a newer one is held already
        (versions start with the latest decision's id)."""
        with self._lock:
            held = self._values.get(key)
            if held is None or held[0][0] <= version[0]:
                self._values[key] = (version, value)

    def value_of(self, key):
        """The value held for ``key`` (None: nothing held)."""
        with self._lock:
            held = self._values.get(key)
        return held[1] if held is not None else None

    def version_of(self, key):
        """The store version the value held for ``key`` was computed at (None: nothing held)."""
        with self._lock:
            held = self._values.get(key)
        return held[0] if held is not None else None

    def _refresh(self, key, version, compute) -> None:
        # The version asked for, not one read now: the value computed is at least that new, and
        # a change made meanwhile only causes one more refresh (the version may include more
        # than the store's, such as the teaching order's generation).
        try:
            with self._open_store() as store:
                value = compute(store)
            with self._lock:
                self._values[key] = (version, value)
        except Exception as exc:  # noqa: BLE001 - a background refresh: keep the value held, say so
            import logging

            logging.getLogger("fgkit.serve").error("fgkit serve: a refresh failed (%s); the value held stays",
                                                   type(exc).__name__)
        finally:
            with self._lock:
                self._refreshing.discard(key)
                self._lock.notify_all()

    def settle(self, timeout: float = 5.0) -> None:
        """Wait for background refreshes (tests and benchmarks)."""
        with self._lock:
            self._lock.wait_for(lambda: not self._refreshing, timeout)


class TeachingOrder:
    """The learner's teaching order (``learn.teaching_ranking``: segment id -> rank), computed on
    a background thread: at start (the sentence model's first load takes seconds) and again, at
    most every ``min_interval`` seconds, once decisions have changed the store. Pages use the
    order held (None until the first is ready: the worksheet's most-uncertain-first order) and
    its ``generation``, which changes whenever the order does."""

    def __init__(self, project, open_store: Callable[[], Any], min_interval: float = 30.0) -> None:
        self._project, self._open_store, self._min_interval = project, open_store, min_interval
        self._lock = threading.Condition()
        self.generation = 0
        self.ranking: dict[str, int] | None = None
        self._version: Any = None
        self._busy = False
        self._last = float("-inf")

    def current(self, version) -> tuple[int, dict[str, int] | None]:
        """(generation, ranking) held; starts a refresh when ``version`` (the store's) is newer."""
        import time

        with self._lock:
            due = time.monotonic() - self._last >= self._min_interval
            if version != self._version and not self._busy and due:
                self._busy, self._last = True, time.monotonic()
                threading.Thread(target=self._run, args=(version,), daemon=True).start()
            return self.generation, self.ranking

    def _run(self, version) -> None:
        import logging

        from ..coding import learn

        ranking = self.ranking
        try:
            with self._open_store() as store:
                ranking = learn.teaching_ranking(self._project, store)
        except Exception as exc:  # noqa: BLE001 - background: the order held stays, the log says why
            logging.getLogger("fgkit.serve").error(
                "fgkit serve: the learner's teaching order could not be computed (%s); the order held stays",
                type(exc).__name__)
        finally:
            with self._lock:
                if ranking != self.ranking:
                    self.ranking, self.generation = ranking, self.generation + 1
                self._version, self._busy = version, False
                self._lock.notify_all()

    def settle(self, timeout: float = 60.0) -> None:
        """Wait for a refresh under way (tests and benchmarks)."""
        with self._lock:
            self._lock.wait_for(lambda: not self._busy, timeout)


class StudyFrames:
    """The consenting segments and the machine's codings, held while the coded study is unchanged.

    They change only when ``fgkit code``, ``pseudonymise`` or ``ingest`` writes (the store
    version's parts other than the latest decision), while decisions change with every click.
    ``over(store)`` is the store with these two reads answered from memory, handed to the same
    library functions the CLI calls (``effective_codings``, ``worksheet_rows``): after a decision
    only the decisions are read again, not every segment's text.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: tuple | None = None

    def get(self, store) -> tuple:
        """(version, segments, machine codings) for the study as the store holds it now."""
        version = store.serve_reviews_version()[1:]
        with self._lock:
            held = self._held
        if held is None or held[0] != version:
            segments, machine = store.consenting_segments(), store.codings(machine_only=True)
            suggested = machine[machine["status"] != "doubtful"]
            held = (version, segments, machine, segments.rename(columns={"group_name": "group"}),
                    set(zip(suggested["segment_id"], suggested["code"])))
            with self._lock:
                self._held = held
        return held

    def over(self, store, decisions=None) -> "_FramesStore":
        """The store with segments and machine codings from memory (and the latest decisions,
        when given, as read once by the caller)."""
        held = self.get(store)
        return _FramesStore(store, held[1], held[2], decisions)

    def codings(self, store, held: tuple | None = None) -> tuple:
        """(effective codings with rejected and doubtful ones, the decisions they reflect, the
        study version): ``held``, such a triple computed earlier, brought up to date by the
        decisions changed since (``decisions.update_codings``) when the study is unchanged,
        else computed in full."""
        from ..coding.decisions import update_codings
        from ..coding.status import effective_codings

        version, segments, machine, renamed, pairs = self.get(store)
        decisions = store.latest_decisions()
        if held is not None and held[2] == version:
            codings = update_codings(held[0], held[1], decisions, renamed, pairs)
        else:
            codings = effective_codings(_FramesStore(store, segments, machine, decisions),
                                        include_rejected=True, include_doubtful=True)
        return codings, decisions, version

    def doubts(self, store) -> dict[tuple[str, str], str]:
        """(segment_id, code) -> why the learner doubts that machine coding (its stored reason)."""
        machine = self.get(store)[2]
        rows = machine[machine["status"] == "doubtful"]
        return {(s, c): str(p or "") for s, c, p in zip(rows["segment_id"], rows["code"], rows["pattern"])}

    def machine_codings(self, store, segment_id: str) -> list[dict]:
        """One segment's machine codings (doubts included, with their status), most confident first."""
        machine = self.get(store)[2]
        return machine[machine["segment_id"] == segment_id].to_dict("records")


class _FramesStore:
    """A store whose segment and machine-coding reads come from ``StudyFrames``; the rest is the store's."""

    def __init__(self, store, segments, machine, decisions=None) -> None:
        self._store, self._segments, self._machine, self._decisions = store, segments, machine, decisions

    def latest_decisions(self, reviewer=None):
        if reviewer is None and self._decisions is not None:
            return self._decisions.copy()
        return self._store.latest_decisions(reviewer)

    def consenting_segments(self, withdrawn=()):
        if withdrawn:
            return self._store.consenting_segments(withdrawn)
        return self._segments.copy()  # callers may add columns; the held frame stays as it is

    def codings(self, coder=None, machine_only=False):
        if coder is None and machine_only:
            return self._machine.copy()
        return self._store.codings(coder=coder, machine_only=machine_only)

    def __getattr__(self, name):
        return getattr(self._store, name)


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
def review_queue(store, labels: dict[str, str], filters: Filters, withdrawn: set[str],
                 ranking: dict[str, int] | None = None) -> list[dict]:
    """Segments to review, in the worksheet's order (the learner's ``ranking`` first when given),
    each with its role, group and statuses."""
    statuses = CHECKED.get(filters.status) or (filters.status,) if filters.status else DEFAULT_STATUSES
    statuses = tuple(s for s in statuses if s in STATUSES) or DEFAULT_STATUSES
    rows = worksheet_rows(store, labels, codes=[filters.code] if filters.code else None,
                          roles=[filters.role] if filters.role else None,
                          groups=[filters.group] if filters.group else None, statuses=statuses,
                          ranking=ranking)
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


def segment_view(store, segment_id: str, labels: dict[str, str], withdrawn: set[str],
                 machine: list[dict] | None = None) -> SegmentView | None:
    """One segment with its context turns, the machine's suggestions (a doubted one flagged
    ``doubtful`` with the learner's reason) and the decisions on it. ``machine``: the segment's
    machine codings with their status (``StudyFrames.machine_codings``); read from the store
    when not given, without doubts."""
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
    rows = machine if machine is not None else store.serve_machine_codings(segment_id)
    # A doubt is the learner's mark on another coder's suggestion: the suggestion is shown,
    # flagged with the doubt's reason (kept in the coding's pattern).
    doubts = {c["code"]: c for c in rows if c.get("status") == "doubtful"}
    suggestions = [c for c in rows if c.get("status") != "doubtful"]
    suggestions += [c for code, c in doubts.items() if all(s["code"] != code for s in suggestions)]
    for c in suggestions:
        if any(x["code"] == c["code"] for x in codes):
            continue
        start, end = _int(c["evidence_start"]), _int(c["evidence_end"])
        evidence = seg["text"][start:end] if start is not None and end is not None and 0 <= start < end <= len(seg["text"]) else ""
        if evidence:
            spans.append((start, end))
        doubt = doubts.get(c["code"])
        codes.append({"code": c["code"], "label": labels.get(c["code"], c["code"]), "coder": c["coder"],
                      "confidence": round(float(c["confidence"]), 2), "evidence": evidence,
                      "decision": latest.get(c["code"]), "doubtful": doubt is not None,
                      "doubt": str(doubt.get("pattern") or "") if doubt is not None else ""})
    suggested = {c["code"] for c in codes}
    for code, d in latest.items():
        if code not in suggested and d["decision"] == "add":
            codes.append({"code": code, "label": labels.get(code, code), "coder": d["reviewer"],
                          "confidence": 1.0, "evidence": "", "decision": d, "doubtful": False, "doubt": ""})
    present = {c["code"] for c in codes}
    return SegmentView(
        segment=seg, parts=mark_spans(seg["text"], spans),
        before=[t for t in turns if t["turn_index"] < seg["turn_index"]],
        after=[t for t in turns if t["turn_index"] > seg["turn_index"]],
        codes=codes, decisions=decisions,
        addable=[(code, label) for code, label in labels.items() if code not in present],
    )


# --- read and agree ----------------------------------------------------------------------------
def quotes_view(codings, filters: Filters, withdrawn: set[str], labels: dict[str, str], limit: int = 50,
                doubts: dict[tuple[str, str], str] | None = None) -> dict:
    """Quotes (codings in force; rejected and doubtful ones only when asked for) matching the
    filters; a doubtful quote carries the learner's reason (``doubts``) when stored."""
    # One mask, one selection: each selection copies every column of the table.
    statuses = CHECKED.get(filters.status)
    keep = (codings["role"] != "facilitator").to_numpy(bool) & codings["status"].isin(list(statuses or IN_FORCE)).to_numpy(bool)
    if withdrawn:
        keep &= ~codings["participant_id"].isin(list(withdrawn)).to_numpy(bool)
    for column, value in (("code", filters.code), ("role", filters.role), ("group", filters.group),
                          ("reviewer", filters.reviewer)):
        if value:
            keep &= (codings[column] == value).to_numpy(bool)
    total = int(keep.sum())
    rows = codings.iloc[keep.nonzero()[0][:limit]]
    quotes = []
    for rec in rows.to_dict("records"):
        start, end = _int(rec["evidence_start"]), _int(rec["evidence_end"])
        doubt = (doubts or {}).get((rec["segment_id"], rec["code"]), "") if rec["status"] == "doubtful" else ""
        quotes.append({**rec, "label": labels.get(rec["code"], rec["code"]), "doubt": doubt,
                       "parts": mark_spans(rec["text"], [(start, end)])})
    return {"quotes": quotes, "total": total, "shown": len(quotes)}


def patterns_view(codings, code: str, withdrawn: set[str], agreements: list[dict], k: int) -> list[dict]:
    """One row per pattern (the code by role, then by group): counts under the small-cell rule,
    and the agreement in force."""
    rows = codings
    if withdrawn:
        rows = rows[~rows["participant_id"].isin(list(withdrawn))]
    rows = rows[(rows["role"] != "facilitator") & rows["status"].isin(list(IN_FORCE))]
    mine = rows[rows["code"] == code]
    agreed = {(a["dimension"], a["value"]): a for a in agreements if a["code"] == code}
    out = []
    for dimension, column in (("role", "role"), ("group", "group")):
        # One grouping per dimension, not one filter per value: this runs on every read page.
        keys = mine[column].astype(str)
        n_hits = keys.value_counts().to_dict()
        n_people = mine["participant_id"].groupby(keys).nunique().to_dict()
        for value in sorted(set(rows[column].astype(str)), key=natural_key):
            people = int(n_people.get(value, 0))
            out.append({
                "dimension": dimension, "value": value,
                "label": role_title(value) if dimension == "role" else value,
                "segments": display_count(int(n_hits.get(value, 0)), people, k),
                "participants": display_count(people, people, k),
                "agreement": agreed.get((dimension, value)),
            })
    return out


def transcript_view(store, transcript: str, withdrawn: set[str]) -> list[dict]:
    return [t for t in store.serve_turns(transcript) if t["participant_id"] not in withdrawn]


def filter_choices(codings, labels: dict[str, str]) -> dict[str, list]:
    return {
        "codes": list(labels.items()),
        # unique() first: a set over every row's string costs ten times as much on each new table.
        "roles": sorted({str(r) for r in codings["role"].unique() if str(r) != "facilitator"}, key=natural_key),
        "groups": sorted({str(g) for g in codings["group"].unique()}, key=natural_key),
        "reviewers": sorted({str(r) for r in codings["reviewer"].unique() if str(r)}, key=natural_key),
        "statuses": list(CHECKED),
    }
