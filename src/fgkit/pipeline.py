"""Project-level stages and ``fgkit run``: ingest to report in one incremental pass.

Each stage is a library function reading the project's inputs and the working store. ``run_all``
chains them. A stage is skipped when its fingerprint (a hash of its inputs, its settings and the
fgkit version) matches the last successful run and the files it wrote are still there, unchanged;
so a re-run with nothing changed loads no model at all. Human review decisions are never part of
any stage's output: a changed codebook re-codes and the decisions still apply.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .io import sha256_file
from .participants import Register, check_speakers, load_register

__all__ = ["ingest_project", "ingest_rows", "run_all", "StageOutcome", "RunSummary", "STAGES"]


def ingest_project(project, store) -> tuple[list, Register]:
    """Read every transcript, check every speaker is registered, then store the turns.

    Nothing is stored unless every file reads cleanly and every speaker is in the register.
    Transcripts whose files are gone are forgotten.
    """
    from .ingest import check_names, forget_missing, read_transcript, store_transcripts

    paths = project.transcript_files()
    check_names(paths)
    transcripts = [read_transcript(path) for path in paths]
    register = load_register(project.register_path)
    _refuse_names_in_file_names(project, paths)
    check_speakers(
        register,
        {t.name: [(label, _first_line(t, label)) for label in t.speakers] for t in transcripts},
    )
    from .pseudonymise.labels import seal_store_labels, sealer

    # With an encrypted key the store never holds a real speaker label (pseudonymise/labels.py).
    results = store_transcripts(transcripts, store, sealer(project))
    seal_store_labels(project, store)
    forget_missing(store, {t.name for t in transcripts})
    return results, register


def _refuse_names_in_file_names(project, paths) -> None:
    """A transcript's file name travels into every shareable output (its pseudonymised copy,
    quote references, codings.csv, the REFI-QDA project), so a participant's name in it would be
    a leak the gate stops only after the whole run. Say so before anything is stored, without
    the name."""
    from .errors import TranscriptError
    from .pseudonymise.leakgate import leak_values

    values = leak_values(project)
    if not values:
        return
    for path in paths:
        # Participants' own names only: a word listed or detected as an identifier that also
        # names a tool or a format ("otter" in fg3-otter.txt) is judged by the leak gate's rules
        # for fgkit's own words in the outputs.
        found = sorted((m for m in values.matches(path.name) if m.origin == "register"),
                       key=lambda m: m.start)
        if not found:
            continue
        shown, at = [], 0
        for match in found:
            shown += [path.name[at:match.start], f"[{match.kind}]"]
            at = max(at, match.end)
        shown.append(path.name[at:])
        raise TranscriptError(
            "this transcript's file name holds a name or identifier, and file names reach every "
            "shareable output: rename the file (for example fg1-teams.vtt), change its name in the "
            "transcript column of the register too, and run again",
            path.parent / "".join(shown),
        )


def _first_line(transcript, label: str) -> int:
    return next(t.line for t in transcript.turns if t.speaker_label == label)


def ingest_rows(results, register: Register) -> list[dict[str, Any]]:
    """One row per ingested transcript for display: format, size, speakers by role, warnings."""
    from collections import Counter

    rows = []
    for result in results:
        transcript = result.transcript
        roles = Counter(register.lookup(transcript.name, label).role for label in transcript.speakers)
        rows.append({
            "file": transcript.name,
            "format": transcript.format,
            "turns": len(transcript.turns),
            "words": transcript.words,
            "speakers": transcript.speakers,
            "speakers_by_role": dict(sorted(roles.items())),
            "changed": result.changed,
            "warnings": list(transcript.warnings),
        })
    return rows


# --- fingerprints ---------------------------------------------------------------------------

def _file_digest(path: Path) -> str | None:
    if path.is_dir():
        return hashlib.sha256(
            "".join(f"{p.name}:{sha256_file(p)}" for p in sorted(path.rglob("*")) if p.is_file()).encode()
        ).hexdigest()
    return sha256_file(path) if path.is_file() else None


@dataclass(frozen=True)
class Stage:
    name: str
    tables: tuple[str, ...]
    settings: tuple[str, ...]
    files: Callable[[Any], list[Path]]
    run: Callable[..., Any]


def _fingerprint(stage: Stage, project, store, options: dict[str, Any]) -> str:
    from . import __version__

    payload = {
        "fgkit": __version__,
        "topics": options.get("topics"),
        "tables": {t: store.table_digest(t) for t in stage.tables},
        "settings": {s: project.settings.as_dict()[s] for s in stage.settings},
        "files": {str(p): _file_digest(p) for p in stage.files(project)},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _outputs_intact(recorded: dict[str, str | None]) -> bool:
    return all(Path(path).is_file() and sha256_file(path) == digest for path, digest in recorded.items())


# --- the stages -----------------------------------------------------------------------------

def _run_pseudonymise(project, store, options):
    from .pseudonymise import pseudonymise_project

    return pseudonymise_project(project, store, passphrase=options.get("passphrase"))


def _run_code(project, store, options):
    from .coding.run import code_project

    # codings.csv is written after the classifier, which also follows the review decisions.
    return code_project(project, store, write_reports=False)


def _run_classifier(project, store, options):
    from .coding.run import write_codings_reports
    from .coding.learn import learn_and_suggest

    # The same learner as `fgkit review train`, so a run keeps its additions, doubts and trust.
    report = learn_and_suggest(project, store)
    write_codings_reports(project, store)
    return report


def _run_analyse(project, store, options):
    from .analysis import analyse_project, write_tables

    options["analysis"] = analyse_project(project, store, topics=options.get("topics"))
    write_tables(project, options["analysis"])
    return options["analysis"]


def _run_report(project, store, options):
    from .report import build_reports

    # With the analyse stage reused there is no analysis in hand; the report computes it,
    # and must honour --no-topics as the analyse stage did.
    return build_reports(
        project, store, analysis=options.get("analysis"), topics=options.get("topics")
    )


def _run_export(project, store, options):
    from .export.quotes import export_quotes
    from .export.refi_export import export_refi

    # Review memos go into the REFI notes pseudonymised, which an encrypted key needs unlocked for.
    return export_quotes(project, store), export_refi(project, store, passphrase=options.get("passphrase"))


STAGES: tuple[Stage, ...] = (
    Stage(
        "pseudonymise",
        ("turns",),
        ("nlp", "pseudonymise"),
        lambda p: [
            p.register_path,
            p.private_dir / "extra-identifiers.csv",
            p.private_dir / "pseudonymisation-review.csv",
        ],
        _run_pseudonymise,
    ),
    Stage("code", ("pseudo_turns",), ("nlp", "coding"), lambda p: [p.codebook_path], _run_code),
    # The rules' codings and the codebook's descriptions are features of the combined coder;
    # its own suggestions land in codings too, which the fingerprint (taken after) absorbs.
    Stage("classifier", ("segments", "codings", "reviews"), ("coding", "analysis"),
          lambda p: [p.codebook_path], _run_classifier),
    Stage(
        "analyse",
        ("segments", "codings", "reviews"),
        ("analysis", "topics"),
        lambda p: [p.codebook_path],
        _run_analyse,
    ),
    Stage(
        "report",
        ("segments", "codings", "reviews"),
        ("analysis", "topics", "report"),
        lambda p: [p.codebook_path, p.root / "templates"],
        _run_report,
    ),
    Stage(
        "export",
        ("segments", "codings", "reviews", "pseudo_turns"),
        ("analysis", "project"),
        lambda p: [p.codebook_path, p.register_path],
        _run_export,
    ),
)


@dataclass
class StageOutcome:
    name: str
    skipped: bool
    seconds: float
    outputs: list[Path] = field(default_factory=list)


@dataclass
class RunSummary:
    stages: list[StageOutcome]
    transcripts: int
    words: int
    changed_transcripts: int
    removed: list[Path] = field(default_factory=list)
    refreshed: list[Path] = field(default_factory=list)
    files_checked: int = 0


def run_all(
    project,
    store,
    *,
    topics: bool | None = None,
    passphrase: str | None = None,
    force: bool = False,
    on_stage: Callable[[str, str], None] | None = None,
) -> RunSummary:
    """Ingest, pseudonymise, code, analyse, report and export, reusing unchanged work.

    ``on_stage(name, event)`` is called with event "start", "skip" or "done" for progress display.
    Every stage writes into one publication: the leak gate checks the shareable zone as it will
    be (new outputs, kept ones, anything else in it), and only then is it all published at once.
    Outputs an earlier run wrote that this one no longer produces are removed; a review
    worksheet nobody has edited since fgkit wrote it is refreshed.
    """
    from .codebook import load_codebook
    from .shareable import check_edited_worksheets, zone_publication

    notify = on_stage or (lambda name, event: None)
    outcomes: list[StageOutcome] = []
    # Every input is checked before any stage writes: a broken codebook must not leave a run
    # that pseudonymised half the outputs and then stopped. A codebook that already passed is
    # not checked again (validation imports spaCy, which a run with nothing to do avoids).
    codebook_digest = _file_digest(project.codebook_path) or "missing"
    if not store.cache_get_many("valid-codebook", [codebook_digest]):
        load_codebook(project.codebook_path)
        store.cache_put_many("valid-codebook", {codebook_digest: True})
    check_edited_worksheets(project)

    with zone_publication(project, "run", {stage.name for stage in STAGES}) as pub:
        notify("ingest", "start")
        started = time.perf_counter()
        results, _ = ingest_project(project, store)
        outcomes.append(StageOutcome("ingest", False, time.perf_counter() - started))
        notify("ingest", "done")

        options: dict[str, Any] = {"topics": topics, "passphrase": passphrase}
        for stage in STAGES:
            fingerprint = _fingerprint(stage, project, store, options)
            previous = store.cache_get_many("stage", [stage.name]).get(stage.name)
            if (
                not force
                and previous
                and previous["fingerprint"] == fingerprint
                and _outputs_intact(previous["outputs"])
            ):
                for path in previous["outputs"]:
                    pub.keep(Path(path), stage.name)
                outcomes.append(StageOutcome(stage.name, True, 0.0, [Path(p) for p in previous["outputs"]]))
                notify(stage.name, "skip")
                continue
            notify(stage.name, "start")
            started = time.perf_counter()
            with pub.part(stage.name) as written:
                stage.run(project, store, options)
            elapsed = time.perf_counter() - started
            # Recorded as they will be published; a run stopped before publishing (the gate, a
            # kill) leaves them unmatched in reports/, so the next run redoes the stage.
            recorded = {str(p): pub.digest(p) for p in written}
            # Taken again after the run: a stage may create one of its own inputs (pseudonymise
            # writes the review-file template), and that must not make the next run redo it.
            fingerprint = _fingerprint(stage, project, store, options)
            store.cache_put_many("stage", {stage.name: {"fingerprint": fingerprint, "outputs": recorded}})
            outcomes.append(StageOutcome(stage.name, False, elapsed, list(written)))
            notify(stage.name, "done")

        refreshed = _refresh_worksheets(project, store) if force or any(not o.skipped for o in outcomes[1:]) else []
        notify("leak gate", "start")
        pub.commit()
        notify("leak gate", "done")

    transcripts = [r.transcript for r in results]
    return RunSummary(
        stages=outcomes,
        transcripts=len(transcripts),
        words=sum(t.words for t in transcripts),
        changed_transcripts=sum(1 for r in results if r.changed),
        removed=sorted(pub.removed + pub.dropped),
        refreshed=refreshed,
        files_checked=pub.checked,
    )


def _refresh_worksheets(project, store) -> list[Path]:
    """Rewrite each review worksheet fgkit exported into the zone, with the options it was
    exported with, unless a person edited it and has not imported it (then it stays)."""
    from .coding.review import export_worksheet
    from .shareable import recorded, zone_file

    refreshed = []
    for rel, entry in sorted(recorded(project).items()):
        path = zone_file(project, rel)
        if entry.get("source") != "review-worksheet" or not path.is_file():
            continue
        if sha256_file(path) not in {entry.get("sha256"), *entry.get("imported", [])}:
            continue
        recipe = entry.get("params") or {}
        export_worksheet(project, store, path=path, fmt=recipe.get("format", path.suffix[1:]),
                         **recipe.get("filters", {}))
        refreshed.append(path)
    return refreshed
