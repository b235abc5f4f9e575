"""``fgkit code``: segment the pseudonymised turns, run the rule coder, write the codings.

The spaCy model runs once per distinct segment text; scans (what a text proves alone and what
it leaves open) are cached by the text's hash together with the codebook's, the model's and the
rule coder's version, so a re-run on unchanged data never loads the model. Open matches are
then settled with the talk before each segment (``fgkit.coding.dialogue``): the facilitator's
question and the previous turn, read from the pseudonymised transcript. Machine codings replace this coder's earlier rows; review decisions are never
touched, and the tidy table in reports/ shows the codings in force (decisions applied).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..codebook import Codebook, load_codebook
from ..nlp import pipe
from ..records import Coding
from .dialogue import Unit, code_dialogue
from .rules import CODER, RULES_VERSION, Hit, Resolver, Scan, hit_confidence
from .segments import (UNCODED_ROLES, build_segments, check_level, load_pseudo_turns,
                       write_segments)

__all__ = ["CodeResult", "code_project", "code_segments", "tidy_codings", "TIDY_COLUMNS"]

CACHE_NAMESPACE = "rules-scans"
TIDY_COLUMNS = [
    "transcript", "turn_index", "segment_id", "level", "start_char", "end_char", "speaker",
    "role", "group", "code", "code_label", "top_code", "status", "coder", "confidence",
    "evidence", "evidence_start", "evidence_end", "pattern", "reviewer",
]


@dataclass
class CodeResult:
    """What a coding run did; ``by_code_role`` counts codings in force per code and role."""

    n_turns: int
    n_segments: int
    n_codings: int
    n_segments_removed: int
    n_cached: int
    n_parsed: int
    level: str
    codebook_sha256: str
    outputs: list[Path] = field(default_factory=list)
    by_code_role: Any = None
    seconds: dict[str, float] = field(default_factory=dict)


def _cache_key(text: str, codebook: Codebook, model_id: str) -> str:
    digest = hashlib.sha256()
    for part in (codebook.sha256, model_id, CODER, RULES_VERSION, text):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


def _model_id(model: str) -> str:
    from importlib import metadata

    try:
        return f"{model}=={metadata.version(model.replace('_', '-'))}"
    except metadata.PackageNotFoundError:
        return model


def scan_segments(
    texts: list[str], codebook: Codebook, model: str, store=None, batch_size: int = 64
) -> tuple[list[Scan], int]:
    """A scan per text; the model runs only on texts the cache lacks. Returns (scans,
    n_parsed)."""
    model_id = _model_id(model)
    keys = [_cache_key(t, codebook, model_id) for t in texts]
    cached = store.cache_get_many(CACHE_NAMESPACE, sorted(set(keys))) if store is not None else {}
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in cached}.items())
    if missing:
        from .rules import RuleCoder, load_nlp

        nlp = load_nlp(model)
        coder = RuleCoder(codebook, nlp)
        fresh: dict[str, dict] = {}
        with nlp.memory_zone():
            for (key, _), doc in zip(missing, pipe(nlp, [t for _, t in missing], batch_size)):
                fresh[key] = coder.scan(doc).to_json()
        if store is not None:
            store.cache_put_many(CACHE_NAMESPACE, fresh)
        cached.update(fresh)
    return [Scan.from_json(cached[k]) for k in keys], len(missing)


def code_segments(
    texts: list[str], codebook: Codebook, model: str, store=None, batch_size: int = 64
) -> tuple[list[list[Hit]], int]:
    """Hits per text coded alone (no talk around it). Returns (hits, n_parsed)."""
    scans, n_parsed = scan_segments(texts, codebook, model, store, batch_size)
    return [s.hits for s in scans], n_parsed


def code_project(project, store, codebook_path: str | Path | None = None, level: str | None = None,
                 run_id: str | None = None, write_reports: bool = True) -> CodeResult:
    """Code every participant segment with the rule coder and write store rows and reports.

    ``write_reports=False`` leaves reports/codings.csv to a later step (``fgkit run`` writes it
    after the classifier, so it holds every suggestion and decision in force)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    codebook = load_codebook(codebook_path or project.codebook_path)
    level = check_level(level or project.settings.coding.segment_level)
    model = project.settings.nlp.spacy_model
    batch_size = project.settings.nlp.batch_size

    turns = load_pseudo_turns(store)
    segments = build_segments(turns, level)
    removed = write_segments(store, segments)
    timings["segment"] = time.perf_counter() - started

    started = time.perf_counter()
    hits, n_parsed = _code_in_dialogue(store, turns, segments, codebook, model, batch_size)
    timings["match"] = time.perf_counter() - started

    codings = []
    for segment, segment_hits in zip(segments, hits):
        by_code: dict[str, list[Hit]] = {}
        for hit in segment_hits:
            by_code.setdefault(hit.code, []).append(hit)
        for code, code_hits in by_code.items():
            first = code_hits[0]
            codings.append(Coding(
                segment_id=segment.segment_id, code=code, coder=CODER, status="suggested",
                confidence=hit_confidence(codebook.get(code).patterns.confidence, code_hits),
                evidence=segment.text[first.start:first.end], evidence_start=first.start,
                evidence_end=first.end, pattern=first.pattern,
            ))
    store.replace_codings([CODER], [
        (c.segment_id, c.code, c.coder, c.status, c.confidence, c.evidence, c.evidence_start,
         c.evidence_end, c.pattern, run_id) for c in codings])

    started = time.perf_counter()
    table = tidy_codings(store, codebook)
    outputs = _write_reports(project, table) if write_reports else []
    timings["report"] = time.perf_counter() - started
    return CodeResult(
        n_turns=len(turns),
        n_segments=len(segments),
        n_codings=len(codings),
        n_segments_removed=removed,
        n_cached=len({s.text for s in segments}) - n_parsed,
        n_parsed=n_parsed,
        level=level,
        codebook_sha256=codebook.sha256,
        outputs=outputs,
        by_code_role=_by_code_role(table),
        seconds=timings,
    )


def _code_in_dialogue(store, turns, segments, codebook: Codebook, model: str,
                      batch_size: int) -> tuple[list[list[Hit]], int]:
    """Hits per segment, each settled with the facilitator's question and the turn before it.

    Facilitators' turns are scanned (never coded) because the question a turn answers is
    often what its "it" or "that" stands for."""
    by_turn = {t["turn_id"]: t for t in turns}
    questions = _facilitator_turns(store)
    # Spoken order: every segment and question by transcript, turn and position in the turn.
    order = sorted(
        [(by_turn[s.turn_id]["transcript"], by_turn[s.turn_id]["turn_index"], s.start_char, i)
         for i, s in enumerate(segments)]
        + [(q["transcript"], q["turn_index"], 0, -1 - j) for j, q in enumerate(questions)])
    texts = [segments[i].text if i >= 0 else questions[-1 - i]["text"] for *_, i in order]
    scans, n_parsed = scan_segments(texts, codebook, model, store, batch_size)
    units = [Unit(transcript, turn, facilitator=i < 0) for transcript, turn, _, i in order]
    resolved = code_dialogue(Resolver(codebook), scans, units)
    hits: list[list[Hit]] = [[] for _ in segments]
    for (*_, i), found in zip(order, resolved):
        if i >= 0:
            hits[i] = found
    return hits, n_parsed


def _facilitator_turns(store) -> list:
    """Facilitators' pseudonymised turns in transcript order (the questions others answer)."""
    return store.role_turns(UNCODED_ROLES)


def tidy_codings(store, codebook: Codebook | None = None):
    """One row per coding in force (human decisions applied), ready for the shareable zone."""
    from .status import effective_codings

    frame = effective_codings(store)
    labels = {c.id: c.label for c in codebook.codes} if codebook else {}
    tops = {c.id: codebook.top_level(c.id) for c in codebook.codes} if codebook else {}
    frame["code_label"] = frame["code"].map(labels).fillna(frame["code"])
    frame["top_code"] = frame["code"].map(tops).fillna(frame["code"])
    # A person's added code has no evidence span; whole numbers stay whole beside the blanks.
    for column in ("evidence_start", "evidence_end"):
        frame[column] = frame[column].astype("Int64")
    return frame[TIDY_COLUMNS].reset_index(drop=True)


def write_codings_reports(project, store) -> list[Path]:
    """reports/codings.csv and .parquet: every coding in force, human decisions applied."""
    return _write_reports(project, tidy_codings(store, load_codebook(project.codebook_path)))


def _write_reports(project, table) -> list[Path]:
    from ..shareable import publication
    from ..spreadsheet_safety import write_csv

    with publication(project, "code") as out:
        # Segment text and labels come from outside: no cell may start like a formula.
        write_csv(table, out.staged("codings.csv"))
        table.to_parquet(out.staged("codings.parquet"), index=False)
    return [out.target("codings.csv"), out.target("codings.parquet")]


def _by_code_role(table):
    import pandas as pd

    if table.empty:
        return pd.DataFrame()
    counts = pd.crosstab(table["code"], table["role"])
    counts["total"] = counts.sum(axis=1)
    return counts
