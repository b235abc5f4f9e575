from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import ProjectOption, guard, load_project, recorded_run


@guard
def validate_cli(
    file: Annotated[Optional[Path], typer.Argument(
        help="Codebook YAML (default: the project's [coding] codebook).", dir_okay=False)] = None,
    project: ProjectOption = None,
) -> None:
    """Check a codebook; every problem is listed as file:line:column with what to do."""
    from ..codebook import load_codebook

    path = file if file is not None else load_project(project).codebook_path
    codebook = load_codebook(path)
    with_patterns = sum(1 for c in codebook.codes if not c.patterns.empty)
    typer.echo(f"{path}: valid; {len(codebook.codes)} codes "
               f"({len(codebook.children(None))} top level, {with_patterns} with patterns)")


@guard
def export_cli(
    project: ProjectOption = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="The .qdc file (default: reports/codebook.qdc).", dir_okay=False)] = None,
    codebook: Annotated[Optional[Path], typer.Option(
        "--codebook", "-c", help="Codebook YAML (default: the project's [coding] codebook).",
        dir_okay=False)] = None,
) -> None:
    """Write the codebook as a REFI-QDA .qdc for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    from ..codebook import load_codebook
    from ..codebook_refi import export_qdc, qdc_bytes
    from ..shareable import publication, zone_file

    proj = load_project(project)
    source = codebook or proj.codebook_path
    target = output.expanduser().absolute() if output else zone_file(proj, "codebook.qdc")
    with recorded_run(proj, "codebook export-qdc", inputs=[source],
                      parameters={"output": str(target)}):
        book = load_codebook(source)
        if proj.is_private(target):
            export_qdc(book, target)
        else:
            with publication(proj, "codebook") as out:
                out.write_bytes(target, qdc_bytes(book))
    typer.echo(f"Wrote {len(book.codes)} codes to {target}")


@guard
def import_cli(
    file: Annotated[Path, typer.Argument(help="A REFI-QDA codebook (.qdc).", dir_okay=False)],
    project: ProjectOption = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Codebook YAML to write (default: codebooks/<file name>.yaml).",
        dir_okay=False)] = None,
    reference: Annotated[Optional[Path], typer.Option(
        "--reference", help="Codebook whose ids and patterns to keep for codes it exported "
                            "(default: the project's codebook, if any).", dir_okay=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")] = False,
) -> None:
    """Turn a .qdc into a codebook YAML (names, nesting, descriptions, colours)."""
    from ..codebook import codebook_to_yaml, load_codebook, parse_codebook
    from ..codebook_refi import import_qdc
    from ..errors import InputError
    from ..io import atomic_write_text

    proj = load_project(project)
    ref_path = reference or (proj.codebook_path if proj.codebook_path.is_file() else None)
    target = output or proj.codebooks_dir / f"{file.stem}.yaml"
    if target.exists() and not force:
        raise InputError("output file exists; pass --force to overwrite or choose --output", target)
    with recorded_run(proj, "codebook import-qdc", inputs=[file],
                      parameters={"output": str(target), "reference": str(ref_path)}):
        book = import_qdc(file, load_codebook(ref_path) if ref_path else None)
        text = codebook_to_yaml(book)
        parse_codebook(text, target)  # what we write must load again
        atomic_write_text(target, text)
    typer.echo(f"Wrote {len(book.codes)} codes to {target}")
