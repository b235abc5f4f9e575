from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .cmd_pseudonymise import PassphraseFileOption
from .common import ProjectOption, guard, load_project, recorded_run


def _inputs(project) -> list[Path]:
    return [p for p in (project.codebook_path, project.register_path) if p.is_file()]


@guard
def quotes_cli(
    project: ProjectOption = None,
    code: Annotated[Optional[list[str]], typer.Option(
        "--code", "-c", help="Only quotes with this code (id or label); repeatable.")] = None,
    role: Annotated[Optional[list[str]], typer.Option(
        help="Only quotes from this role (e.g. practitioner); repeatable.")] = None,
    group: Annotated[Optional[list[str]], typer.Option(
        help="Only quotes from this group (e.g. FG2); repeatable.")] = None,
    include_suggestions: Annotated[bool, typer.Option(
        "--include-suggestions",
        help="Also export machine suggestions nobody has reviewed (marked as such).")] = False,
    min_words: Annotated[int, typer.Option(
        "--min-words", min=0, help="Skip quotes shorter than this many words.")] = 0,
    context: Annotated[bool, typer.Option(
        "--context", help="Add the preceding turn as context.")] = False,
    fmt: Annotated[Optional[list[str]], typer.Option(
        "--format", "-f", help="csv, xlsx or docx; repeatable (default: all three).")] = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", file_okay=False,
        help="Folder to write into (default: the shareable zone, reports/).")] = None,
) -> None:
    """Write anonymised quotes to reports/quotes.csv, .xlsx and .docx (grouped by code)."""
    from ..export.quotes import FORMATS, export_quotes

    proj = load_project(project)
    formats = tuple(fmt) if fmt else FORMATS
    params = {
        "codes": code or [], "roles": role or [], "groups": group or [],
        "include_suggestions": include_suggestions, "min_words": min_words,
        "context": context, "formats": list(formats),
    }
    run = recorded_run(proj, "export quotes", inputs=_inputs(proj), parameters=params)
    with run as (store, _run_id):
        result = export_quotes(
            proj, store, output=output, formats=formats, codes=code, roles=role,
            groups=group, include_suggestions=include_suggestions, min_words=min_words,
            context=context,
        )
    if result.note:
        typer.echo(result.note)
    typer.echo(f"Exported {result.rows} quote(s) across {result.codes} code(s):")
    for path in result.files:
        typer.echo(f"  {path}")


@guard
def refi_cli(
    project: ProjectOption = None,
    include_suggestions: Annotated[bool, typer.Option(
        "--include-suggestions",
        help="Also export unreviewed machine suggestions (marked in each selection's "
             "description).")] = False,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o",
        help="The .qdpx file or a folder for it "
             "(default: reports/<project name>.qdpx).")] = None,
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """Write a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder and others."""
    from ..export.refi_export import export_refi
    from ..pseudonymise.key import read_passphrase

    proj = load_project(project)
    params = {"include_suggestions": include_suggestions}
    run = recorded_run(proj, "export refi", inputs=_inputs(proj), parameters=params)
    with run as (store, _run_id):
        result = export_refi(
            proj, store, output=output, include_suggestions=include_suggestions,
            passphrase=read_passphrase(passphrase_file),
        )
    typer.echo(
        f"Wrote {result.path}: {result.sources} source(s), {result.cases} case(s), "
        f"{result.codes} code(s), {result.codings} coding(s) in {result.selections} "
        f"selection(s), {result.notes} memo(s)."
    )
