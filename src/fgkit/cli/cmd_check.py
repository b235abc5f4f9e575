from __future__ import annotations

import json

import typer

from .cmd_pseudonymise import PassphraseFileOption
from .common import JsonOption, ProjectOption, guard, load_project, recorded_run


def register(app: typer.Typer) -> None:
    @app.command("check")
    @guard
    def check_cli(
        project: ProjectOption = None,
        passphrase_file: PassphraseFileOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Leak gate: scan every file in the shareable zone for real names, identifiers and
        key files. Exits non-zero listing file, position and kind (never the value)."""
        from ..errors import LeakError
        from ..pseudonymise.key import load_key, read_passphrase
        from ..pseudonymise.leakgate import run_leak_gate, scan_shareable

        proj = load_project(project)
        passphrase = read_passphrase(passphrase_file)
        key = load_key(proj.private_dir, passphrase) if passphrase else None
        with recorded_run(proj, "check", parameters={"encrypted_key": bool(passphrase)}) as _:
            if as_json:
                leaks = scan_shareable(proj, key)
                files = sum(1 for p in proj.shareable_dir.rglob("*") if p.is_file()) if proj.shareable_dir.is_dir() else 0
                typer.echo(json.dumps({
                    "files_checked": files,
                    "leaks": [
                        {"file": l.file, "position": l.position, "type": l.entity_type, "placeholder": l.placeholder}
                        for l in leaks
                    ],
                }, indent=1))
                if leaks:
                    raise typer.Exit(LeakError.exit_code)
                return
            checked = run_leak_gate(proj, key)
        typer.echo(f"Leak gate: {checked} shareable file(s) checked; no real identifiers or key files found.")
