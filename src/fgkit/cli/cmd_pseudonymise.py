from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

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


def register(app: typer.Typer) -> None:
    @app.command("pseudonymise")
    @guard
    def pseudonymise_cli(
        project: ProjectOption = None,
        passphrase_file: PassphraseFileOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Replace speaker names and identifiers in speech with consistent pseudonyms.

        Writes the key and the anonymisation log to the private zone, the pseudonymised
        transcripts to reports/transcripts/, then runs the leak gate. Prints counts only.
        """
        from ..pseudonymise import pseudonymise_project, run_leak_gate
        from ..pseudonymise.key import load_key, read_passphrase
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
            checked = run_leak_gate(proj, key=load_key(proj.private_dir, passphrase))
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
        typer.echo(f"Transcripts: {proj.shareable_dir / 'transcripts'} (shareable).")
        if result.allow_listed_names:
            typer.echo(f"{result.allow_listed_names} allow-listed word(s) were used as a person's name and "
                       "replaced only there; check them, and mark any mistake in "
                       "data/pseudonymisation-review.csv as 'wrong'.")
        typer.echo(f"Leak gate: {checked} shareable file(s) checked, nothing found.")
