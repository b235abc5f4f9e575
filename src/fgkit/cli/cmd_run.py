from __future__ import annotations

import os
from typing import Annotated

import typer

from .common import ProjectOption, guard, load_project, recorded_run


@guard
def run_cli(
    project: ProjectOption = None,
    topics: Annotated[
        bool, typer.Option("--topics/--no-topics", help="Fit candidate topics (BERTopic).")
    ] = True,
    force: Annotated[bool, typer.Option(help="Redo every stage even if nothing changed.")] = False,
) -> None:
    """Ingest, pseudonymise, code, analyse, report and export in one incremental run.

    Unchanged inputs reuse earlier work; a changed codebook re-codes and keeps every human
    review decision. The leak gate checks the shareable zone before the run ends.
    """
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

    from ..nlp import reporting_progress
    from ..pipeline import run_all
    from ..settings import passphrase_from_env

    proj = load_project(project)
    console = Console(stderr=True)
    inputs = [*proj.transcript_files(), proj.register_path, proj.codebook_path]
    tasks: dict[str, TaskID] = {}
    with recorded_run(proj, "run", inputs=inputs, parameters={"topics": topics, "force": force}) as (store, _):
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            disable=not console.is_terminal and not os.environ.get("FGKIT_PROGRESS"),
        ) as progress:

            current: list[str] = []

            def on_stage(name: str, event: str) -> None:
                if event == "start":
                    tasks[name] = progress.add_task(f"{name} ...", total=1)
                    current[:] = [name]
                elif event == "skip":
                    progress.add_task(f"{name}: unchanged, reused", total=1, completed=1)
                else:
                    progress.update(tasks[name], total=1, completed=1, description=f"{name}: done")

            def on_texts(done: int, total: int) -> None:
                # The model passes inside pseudonymise and code: the long part of a big run.
                if current and total:
                    progress.update(tasks[current[0]], description=f"{current[0]}: {done:,} of {total:,} texts")

            with reporting_progress(on_texts):
                summary = run_all(
                    proj,
                    store,
                    topics=topics if topics is False else None,
                    passphrase=passphrase_from_env(),
                    force=force,
                    on_stage=on_stage,
                )
    _print_summary(proj, summary)


def _print_summary(project, summary) -> None:
    typer.echo(
        f"{summary.transcripts} transcript(s), {summary.words} words "
        f"({summary.changed_transcripts} new or changed)."
    )
    for outcome in summary.stages:
        state = "reused (unchanged)" if outcome.skipped else f"{outcome.seconds:.1f} s"
        typer.echo(f"  {outcome.name:<13} {state}")
    written = sorted({p for o in summary.stages for p in o.outputs} | set(summary.refreshed))
    if written:
        typer.echo(f"Shareable outputs in {project.shareable_dir}:")
        for path in written:
            typer.echo(f"  {path.relative_to(project.shareable_dir)}")
    if summary.removed:
        typer.echo("Removed (written by fgkit earlier, no longer produced or stale):")
        for path in summary.removed:
            typer.echo(f"  {path.relative_to(project.shareable_dir)}")
    typer.echo(f"Private working files (never share) in {project.private_dir}.")
    typer.echo(f"Leak gate: passed ({summary.files_checked} file(s) checked before publishing).")
