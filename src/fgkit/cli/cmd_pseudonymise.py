from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import JsonOption, ProjectOption, guard, load_project, recorded_run

PassphraseFileOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help="File whose first line is the key passphrase (default: $FGKIT_KEY_PASSPHRASE). "
        "With a passphrase the key is stored encrypted as data/key.json.enc.",
        dir_okay=False,
    ),
]


@guard
def pseudonymise_cli(
    ctx: typer.Context,
    project: ProjectOption = None,
    passphrase_file: PassphraseFileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace speaker names and identifiers in speech with consistent pseudonyms.

    Writes the key and the anonymisation log to the private zone and the pseudonymised
    transcripts to reports/transcripts/, published only once the leak gate has passed them.
    Prints counts only. `fgkit pseudonymise correct` records a decision on one value.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..pseudonymise import pseudonymise_project
    from ..pseudonymise.run import TO_REVIEW_FILE
    from ..pseudonymise.key import read_passphrase
    from ..pseudonymise.sources import EXTRA_FILE, REVIEW_FILE

    proj = load_project(project)
    passphrase = read_passphrase(passphrase_file)
    inputs = [proj.register_path] + [
        p for p in (proj.private_dir / EXTRA_FILE, proj.private_dir / REVIEW_FILE) if p.exists()
    ]
    with recorded_run(
        proj, "pseudonymise", inputs=inputs, parameters={"encrypted_key": bool(passphrase)}
    ) as (store, _run_id):
        result = pseudonymise_project(proj, store, passphrase)
    checked = len(result.output_files)
    to_review = result.to_review
    if as_json:
        typer.echo(json.dumps({
            "turns_written": result.turns_written,
            "turns_withdrawn": result.turns_withdrawn,
            "transcripts": len(result.transcripts),
            "replacements": result.replacements,
            "turns_from_model": result.turns_from_model,
            "turns_from_cache": result.turns_from_cache,
            "shareable_files_checked": checked,
            "allow_listed_names": result.allow_listed_names,
            "to_review": to_review,
        }, indent=1))
        return
    typer.echo(f"Pseudonymised {result.turns_written} turns in {len(result.transcripts)} transcript(s); "
               f"{result.turns_withdrawn} turn(s) of withdrawn participants left out.")
    typer.echo(f"{'Type':<16}{'Replacements':>13}")
    for kind, count in result.replacements.items():
        typer.echo(f"{kind:<16}{count:>13}")
    typer.echo(f"{'Total':<16}{sum(result.replacements.values()):>13}")
    typer.echo(f"Model run on {result.turns_from_model} turn(s); {result.turns_from_cache} from cache.")
    typer.echo(f"Key: {result.key_path} (private). Log: {result.log_path} (private).")
    typer.echo(f"Transcripts: {result.output_files[0].parent if result.output_files else 'none'} (shareable).")
    if result.allow_listed_names:
        typer.echo(f"{result.allow_listed_names} allow-listed word(s) were used as a person's name and "
                   "replaced only there; check them, and mark any mistake with "
                   "`fgkit pseudonymise correct VALUE --wrong`.")
    if to_review:
        typer.echo(f"{to_review} low-evidence detection(s) were replaced only where found; they are "
                   f"listed in {result.log_path.parent / TO_REVIEW_FILE} (private). Confirm one with "
                   "`fgkit pseudonymise correct VALUE --missed TYPE` (then it is replaced everywhere) "
                   "or reject it with `--wrong`.")
    typer.echo(f"Leak gate: {checked} shareable file(s) checked, nothing found.")


@guard
def correct_cli(
    ctx: typer.Context,
    value: Annotated[str, typer.Argument(help="The value, as `fgkit check --show` printed it.")],
    wrong: Annotated[bool, typer.Option(
        "--wrong", help="Not an identifier: never replace it again, and the leak gate ignores it.")] = False,
    missed: Annotated[Optional[str], typer.Option(
        "--missed", metavar="TYPE",
        help="An identifier detection missed: always replace it. TYPE: Person, Place, Organisation, "
             "Phone, Email, NHS number, Postcode or Date of birth.")] = None,
    note: Annotated[str, typer.Option("--note", help="Why, for whoever reads the decisions later.")] = "",
    project: ProjectOption = None,
) -> None:
    """Record a decision on one value in data/pseudonymisation-review.csv (private).

    It takes effect on the next `fgkit run`, which rewrites every shareable output it owns.
    The value is printed back to this terminal only; no run manifest records it.
    """
    from ..errors import InputError
    from ..lock import project_lock
    from ..pseudonymise.sources import add_review_decision

    if wrong == (missed is not None):
        raise InputError("give exactly one of --wrong (not an identifier) or --missed TYPE (an identifier)")
    parent = ctx.parent.params.get("project") if ctx.parent is not None else None
    proj = load_project(project or parent)
    with project_lock(proj):
        path, outcome = add_review_decision(proj, value, "wrong" if wrong else "missed", missed or "", note)
    meaning = "not an identifier" if wrong else f"an identifier ({missed})"
    said = {"added": "Recorded", "replaced": "Recorded (replacing the opposite decision)",
            "unchanged": "Already recorded"}[outcome]
    typer.echo(f"{said}: {value!r} is {meaning}, in {path}.")
    typer.echo("Run `fgkit run` to apply it; every shareable output is rewritten, no file needs deleting.")
