from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import ProjectOption, guard, load_project, recorded_run

FormatOption = Annotated[str, typer.Option("--format", "-f", help="Worksheet format: xlsx or csv.")]


@guard
def export_cli(
    project: ProjectOption = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Worksheet file (default: reports/review/worksheet.xlsx or .csv).")] = None,
    fmt: FormatOption = "xlsx",
    code: Annotated[Optional[list[str]], typer.Option(
        "--code", help="Only rows for this code id (repeatable).")] = None,
    role: Annotated[Optional[list[str]], typer.Option(
        "--role", help="Only segments spoken by this role (repeatable).")] = None,
    group: Annotated[Optional[list[str]], typer.Option(
        "--group", help="Only segments from this group (repeatable).")] = None,
    status: Annotated[Optional[list[str]], typer.Option(
        "--status", help="suggested, doubtful, accepted, rejected or uncoded (repeatable; "
                         "default: suggested, doubtful and uncoded).")] = None,
) -> None:
    """Write a review worksheet, the segments that teach the learner most first, evidence marked «like this»."""
    from ..coding.review import DEFAULT_STATUSES, export_worksheet

    if fmt not in ("xlsx", "csv"):
        raise typer.BadParameter("use xlsx or csv", param_hint="--format")
    proj = load_project(project)
    filters = {"codes": code or None, "roles": role or None, "groups": group or None,
               "statuses": tuple(status) if status else DEFAULT_STATUSES}
    with recorded_run(proj, "review export", parameters={**filters, "format": fmt}) as (store, _run):
        report = export_worksheet(proj, store, output, fmt=fmt, **filters)
    typer.echo(f"Wrote {report.n_rows} rows ({report.n_segments} segments) to {report.path}")
    typer.echo("Fill decision (accept/reject), add_codes and memo; then "
               "`fgkit review import FILE --reviewer NAME`.")


@guard
def import_cli(
    file: Annotated[Path, typer.Argument(help="The edited worksheet (.xlsx or .csv).")],
    reviewer: Annotated[str, typer.Option("--reviewer", "-r", help="Who made these decisions.")],
    project: ProjectOption = None,
) -> None:
    """Store the decisions in a worksheet; every bad row is reported and nothing is stored."""
    from ..coding.review import import_worksheet
    from ..coding.run import write_codings_reports
    from ..errors import LeakError
    from ..published import mark_imported

    proj = load_project(project)
    stale = ""
    with recorded_run(proj, "review import", inputs=[file], parameters={"reviewer": reviewer}) as (store, _run):
        report = import_worksheet(proj, store, file, reviewer)
        # Its decisions are stored now, so `fgkit run` may replace this worksheet with a fresh one.
        mark_imported(proj, file)
        if report.n_stored:
            # The shareable codings table shows the decisions at once, not after the next run;
            # after a correction not yet applied the gate stops it, and `fgkit run` writes it.
            try:
                write_codings_reports(proj, store)
            except LeakError as exc:
                stale = str(exc).splitlines()[0]
    stored = ", ".join(f"{n} {d}" for d, n in report.stored.items())
    typer.echo(f"{report.n_rows} rows read; stored {report.n_stored} decisions ({stored}); "
               f"{report.unchanged} already in force")
    if stale:
        typer.echo("note: the decisions are stored, but reports/codings.csv was not rewritten: "
                   f"{stale} `fgkit run` rewrites it once the corrections apply.", err=True)
    if report.memos_without_decision:
        rows = ", ".join(str(r) for r in report.memos_without_decision[:10])
        typer.echo(f"note: memo without a decision on row(s) {rows}: not stored", err=True)


@guard
def status_cli(project: ProjectOption = None) -> None:
    """Decisions per reviewer, and decisions whose code or segment is gone (kept, not dropped)."""
    from ..coding.review import review_status

    proj = load_project(project)
    with proj.open_store() as store:
        status = review_status(proj, store)
    if status.by_reviewer.empty:
        typer.echo("No review decisions yet.")
    for rec in status.by_reviewer.itertuples(index=False):
        typer.echo(f"{rec.reviewer:<20} {rec.decision:<7} {rec.n:>6}")
    if not status.coders.empty:
        typer.echo("Machine and imported coders: " + ", ".join(
            f"{rec.coder} ({rec.n})" for rec in status.coders.itertuples(index=False)))
    if not status.orphaned.empty:
        typer.echo("Orphaned decisions (code no longer in the codebook; kept):")
        for rec in status.orphaned.itertuples(index=False):
            typer.echo(f"  {rec.code} ({rec.code_label or 'no label'}) by {rec.reviewer}: {rec.n}")
    if not status.relabelled.empty:
        typer.echo("Decisions on codes whose label changed since:")
        for rec in status.relabelled.itertuples(index=False):
            typer.echo(f"  {rec.code}: {rec.code_label!r} -> {rec.current_label!r}: {rec.n}")
    if status.detached:
        typer.echo(f"{status.detached} decisions are on segments not in the store now "
                   "(kept; they return when the same text is ingested again)")


@guard
def train_cli(project: ProjectOption = None) -> None:
    """Learn from the review decisions: suggest codes the rules missed, doubt hits, say how far to trust it."""
    from ..coding.learn import learn_and_suggest
    from ..coding.run import write_codings_reports
    from ..coding.trust import trust_summary

    proj = load_project(project)
    with recorded_run(proj, "review train") as (store, run_id):
        report = learn_and_suggest(proj, store, run_id=run_id)
        write_codings_reports(proj, store)
        store.finish_run(run_id, "ok", {"trust": trust_summary(report.trust), "classifier": {
            "params": report.params, "trained": report.trained, "abstained": report.abstained,
            "modes": report.modes, "suggestions": report.n_suggestions, "doubtful": report.n_doubtful}})
    typer.echo(f"Learnt from {report.n_decisions} decisions on {report.n_reviewed_segments} segments")
    does = {"rules": "leaves the rules as they are (no change beat them in cross-validation)",
            "add": "adds codes the rules miss", "doubt": "doubts rule hits", "both": "adds codes and doubts hits"}
    for code, (pos, neg) in report.trained.items():
        typer.echo(f"  learnt    {code:<28} {pos} positive, {neg} negative; {does[report.modes[code]]}")
    for code, reason in report.abstained.items():
        typer.echo(f"  abstained {code:<28} {reason}")
    typer.echo(f"Suggested {report.n_suggestions} codings and doubted {report.n_doubtful} rule hits "
               f"on {report.n_segments_scored} unreviewed segments (doubtful ones are left out of counts "
               "until a person accepts them)")
    if report.trust:
        typer.echo("How far to trust the machine, per code (kappa against the reviewers on reviewed segments, "
                   "95% interval; reliable from kappa 0.6):")
        for code, trust in report.trust.items():
            typer.echo(f"  {code:<28} {trust.display()}")
    else:
        typer.echo("How far to trust the machine: unknown until segments are reviewed.")
