"""Import another tool's coding of the pseudonymised transcripts as another coder's codings.

Each REFI-QDA text source is matched to a transcript by name (``FG2`` or ``FG2.vtt``) or, failing
that, by finding the transcript's turns in its text. Turns are located in the source text one
after another, so the layout of the other tool's copy (line breaks, speaker prefixes) does not
matter. A PlainTextSelection is mapped to every segment it overlaps; the overlap becomes the
evidence. Codes are matched to the codebook by id or label; unknown codes are reported, not
stored. Re-importing the same coder replaces that coder's earlier import.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .inputs import load_codes, withdrawn_ids
from .qdpx_reader import RefiProject, read_qdpx

__all__ = ["ImportResult", "import_refi", "align_turns"]

IMPORTED_STATUS = "imported"


@dataclass(frozen=True)
class ImportResult:
    coders: tuple[str, ...]
    stored: int
    selections: int
    mapped_selections: int
    unmatched_sources: tuple[str, ...] = ()
    unmapped_selections: int = 0
    unknown_codes: dict[str, int] = field(default_factory=dict)
    whole_source_codings: int = 0
    # Selections whose positions cannot lie in their source's text (negative, reversed, past
    # its end): skipped, because mapped by overlap they would code every segment they span.
    invalid_selections: int = 0


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def align_turns(source_text: str, turns) -> dict[str, int]:
    """turn_id -> offset of the turn's speech in ``source_text``, for turns found in order."""
    offsets: dict[str, int] = {}
    cursor = 0
    for row in turns:
        if not row.text:
            continue
        prefixed = f"{row.speaker}: {row.text}"
        at = source_text.find(prefixed, cursor)
        if at >= 0:
            at += len(row.speaker) + 2
        else:
            at = source_text.find(row.text, cursor)
        if at >= 0:
            offsets[row.turn_id] = at
            cursor = at + len(row.text)
    return offsets


def _segments(project, store, withdrawn: set[str]):
    df = store.consenting_segments(withdrawn)
    levels = set(df["level"])
    wanted = project.settings.coding.segment_level
    if len(levels) > 1 and wanted in levels:
        df = df[df["level"] == wanted]
    return df


def _match_sources(refi: RefiProject, turns) -> dict[str, tuple[str, dict[str, int]]]:
    """source GUID -> (transcript, turn offsets) for every source fgkit can place."""
    by_name: dict[str, str] = {}
    for transcript in sorted(set(turns["transcript"])):
        by_name.setdefault(transcript.casefold(), transcript)
        by_name.setdefault(Path(transcript).stem.casefold(), transcript)
    grouped = {t: list(g.itertuples(index=False)) for t, g in turns.groupby("transcript")}
    matched: dict[str, tuple[str, dict[str, int]]] = {}
    for source in refi.sources:
        if source.text is None:
            continue
        transcript = by_name.get(source.name.strip().casefold())
        if transcript is not None:
            matched[source.guid] = (transcript, align_turns(source.text, grouped[transcript]))
            continue
        best, best_offsets = None, {}
        for candidate, rows in grouped.items():
            offsets = align_turns(source.text, rows)
            if len(offsets) > len(best_offsets):
                best, best_offsets = candidate, offsets
        if best is not None and len(best_offsets) * 2 >= len(grouped[best]):
            matched[source.guid] = (best, best_offsets)
    return matched


def _code_map(refi: RefiProject, codes) -> dict[str, str | None]:
    """REFI code GUID -> codebook id (None when the code is not in the codebook)."""
    lookup: dict[str, str] = {}
    for code in codes:
        lookup.setdefault(_norm(code.id), code.id)
        lookup.setdefault(_norm(code.label), code.id)
    return {g: lookup.get(_norm(c.name)) for g, c in refi.codes.items()}


def _coder_for(refi: RefiProject, user: str | None, fallback: str) -> str:
    name = refi.users.get(user or "") or refi.users.get(refi.creating_user or "") or fallback
    return f"refi:{name}"


def import_refi(
    project, store, path: str | Path, coder: str | None = None, run_id: str | None = None
) -> ImportResult:
    """Read ``path`` and store its codings; returns what was mapped and what was not."""
    path = Path(path)
    refi = read_qdpx(path)
    if coder is not None and not coder.strip():
        raise InputError("--coder must not be empty")
    withdrawn = withdrawn_ids(project)
    turns = store.participant_turns(withdrawn)
    segments = _segments(project, store, withdrawn)
    code_ids = _code_map(refi, load_codes(project))
    sources = _match_sources(refi, turns)

    found: dict[tuple[str, str, str], list[int]] = {}
    unknown: Counter[str] = Counter()
    n_selections = n_mapped = n_unmapped = n_invalid = 0
    for source in refi.sources:
        n_selections += len(source.selections)
        valid = [sel for sel in source.selections if _within(sel, source.text)]
        n_invalid += len(source.selections) - len(valid)
        if source.guid not in sources:
            n_unmapped += len(valid)
            continue
        spans = _segment_spans(segments, *sources[source.guid])
        starts = [s[0] for s in spans]
        longest = max((e - b for b, e, _ in spans), default=0)
        for sel in valid:
            hits = _overlapping(spans, starts, longest, sel.start, sel.end)
            if not hits or not sel.codings:
                n_unmapped += 1
                continue
            n_mapped += 1
            for coding in sel.codings:
                code = code_ids.get(coding.code)
                if code is None:
                    known = refi.codes.get(coding.code)
                    unknown[known.name if known else coding.code] += 1
                    continue
                who = f"refi:{coder.strip()}" if coder else _coder_for(
                    refi, coding.user or sel.user, path.stem)
                for seg_start, seg_end, segment_id in hits:
                    lo = max(sel.start, seg_start) - seg_start
                    hi = min(sel.end, seg_end) - seg_start
                    span = found.setdefault((segment_id, code, who), [lo, hi])
                    span[0], span[1] = min(span[0], lo), max(span[1], hi)

    text_of = dict(zip(segments["segment_id"], segments["text"], strict=True))
    coders = tuple(sorted({who for _, _, who in found}))
    store.replace_codings(coders, [
        (seg, code, who, IMPORTED_STATUS, 1.0, text_of[seg][lo:hi], lo, hi, f"refi:{path.name}", run_id)
        for (seg, code, who), (lo, hi) in sorted(found.items())
    ])
    return ImportResult(
        coders=coders,
        stored=len(found),
        selections=n_selections,
        mapped_selections=n_mapped,
        unmatched_sources=tuple(sorted(s.name for s in refi.sources if s.guid not in sources)),
        unmapped_selections=n_unmapped,
        unknown_codes=dict(sorted(unknown.items())),
        whole_source_codings=sum(s.whole_codings for s in refi.sources),
        invalid_selections=n_invalid,
    )


def _within(selection, text: str | None) -> bool:
    """True when the selection's positions can lie in its source's text (REFI-QDA positions
    count characters from 0, end exclusive); without the text only the sign can be judged."""
    if selection.start < 0 or selection.end < selection.start:
        return False
    return text is None or selection.end <= len(text)


def _segment_spans(
    segments, transcript: str, offsets: dict[str, int]
) -> list[tuple[int, int, str]]:
    """(start, end, segment_id) in source-text positions, sorted by start."""
    mine = segments[(segments["transcript"] == transcript) & segments["turn_id"].isin(offsets)]
    return sorted(
        (offsets[r.turn_id] + int(r.start_char), offsets[r.turn_id] + int(r.end_char), r.segment_id)
        for r in mine.itertuples(index=False)
    )


def _overlapping(spans, starts, longest: int, start: int, end: int) -> list[tuple[int, int, str]]:
    """Segments sharing at least one character with [start, end).

    Only spans starting in [start - longest, end) can overlap, so two bisections bound the scan.
    """
    lo = bisect.bisect_left(starts, start - longest)
    hi = bisect.bisect_left(starts, end)
    return [span for span in spans[lo:hi] if span[1] > start]
