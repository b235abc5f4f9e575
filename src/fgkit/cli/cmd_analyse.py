from __future__ import annotations

from typing import Annotated, Optional

import typer

from .common import ProjectOption, guard, load_project, recorded_run


@guard
def analyse_cli(
    project: ProjectOption = None,
    topics: Annotated[
        Optional[bool],
        typer.Option("--topics/--no-topics",
                     help="Fit candidate topics (default: the topics.enabled setting in fgkit.toml)."),
    ] = None,
) -> None:
    """Compare codes across roles and groups; write protected tables to reports/.

    Prevalence, distinctive language by role, code co-occurrence, candidate topics and the
    framework matrix, as CSV and Parquet. Counts resting on fewer than k participants
    are suppressed. The tables are published only once the leak gate has passed them.
    """
    from ..analysis import analyse_project, write_tables

    proj = load_project(project)
    with recorded_run(proj, "analyse", parameters={"topics": topics}) as (store, run_id):
        result = analyse_project(proj, store, topics=topics)
        written = write_tables(proj, result)
        store.finish_run(run_id, "ok", extra={
            "topics": {"status": result.topics.status, **result.topics.parameters},
            "outputs": [str(p.relative_to(proj.root)) for p in written],
        })
    _print_summary(proj, result, written)
    typer.echo(f"Leak gate: passed ({len(written)} table file(s) checked before publishing).")


def _print_summary(project, result, written) -> None:
    from ..disclosure import role_title

    s = result.summary
    roles = ", ".join(f"{role_title(r)}: {v}" for r, v in s["participants_by_role"].items())
    typer.echo(
        f"{s['groups']} group(s), {s['participants']} participants ({roles}), "
        f"{s['segments']} segments, {s['codes']} code(s): {s['codings_accepted']} accepted and "
        f"{s['codings_suggested']} suggested codings. Small cells: k = {s['k']}."
    )
    typer.echo(f"Candidate topics: {result.topics.message}")
    if result.thin_data:
        typer.echo("Where the data are thin:")
        for note in result.thin_data:
            typer.echo(f"  - {note}")
    typer.echo(f"Tables in {project.shareable_dir}:")
    for path in written:
        typer.echo(f"  {path.relative_to(project.shareable_dir)}")
