from __future__ import annotations

import json
import typer

from .common import JsonOption, ProjectOption, guard, load_project, recorded_run


@guard
def ingest_cli(project: ProjectOption = None, as_json: JsonOption = False) -> None:
    """Read every transcript in data/transcripts into the working store.

    Formats are detected by content: Teams and Zoom WebVTT, Otter text, Word, typed
    transcripts, SRT and CSV. Every speaker must be in the participants register.
    """
    from ..pipeline import ingest_project, ingest_rows

    proj = load_project(project)
    files = proj.transcript_files()
    with recorded_run(proj, "ingest", inputs=[*files, proj.register_path]) as (store, _):
        results, register = ingest_project(proj, store)
    rows = ingest_rows(results, register)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    _print_table(rows)


def _print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Ingested transcripts")
    for column in ("file", "format", "turns", "words", "speakers by role", "status"):
        table.add_column(column, justify="right" if column in ("turns", "words") else "left")
    for row in rows:
        roles = ", ".join(f"{role} {n}" for role, n in row["speakers_by_role"].items())
        status = "updated" if row["changed"] else "unchanged"
        if row["warnings"]:
            status += f", {len(row['warnings'])} warning(s)"
        table.add_row(row["file"], row["format"], str(row["turns"]), str(row["words"]), roles, status)
    console = Console()
    console.print(table)
    for row in rows:
        for warning in row["warnings"]:
            console.print(f"[yellow]warning[/yellow] {row['file']}: {warning}", highlight=False)
    total = sum(r["words"] for r in rows)
    console.print(f"{len(rows)} transcript(s), {total} words.", highlight=False)
