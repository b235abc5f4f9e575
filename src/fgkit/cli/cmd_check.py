from __future__ import annotations

import json
from typing import Annotated

import typer

from .cmd_pseudonymise import PassphraseFileOption
from .common import JsonOption, ProjectOption, guard, load_project, recorded_run

ShowOption = Annotated[bool, typer.Option(
    "--show", help="Also print each value found, and the command that resolves it, to this terminal "
                   "only (never to a file, a log or the run manifest).")]


@guard
def check_cli(
    project: ProjectOption = None,
    passphrase_file: PassphraseFileOption = None,
    show: ShowOption = False,
    as_json: JsonOption = False,
) -> None:
    """Leak gate: scan every file in the shareable zone for real names, identifiers and
    key files. Exits non-zero listing file, position and kind (never the value, unless
    --show). Outputs the gate held back from a failed run are checked and listed too."""
    from ..errors import LeakError
    from ..pseudonymise.key import load_key, read_passphrase
    from ..pseudonymise.leakgate import SHOW_HINT, leak_message, resolution, scan_shareable
    from ..shareable import held_leaks, recover
    from ..withdrawn import find_in_zone

    proj = load_project(project)
    passphrase = read_passphrase(passphrase_file)
    key = load_key(proj.private_dir, passphrase) if passphrase else None
    with recorded_run(proj, "check", parameters={"encrypted_key": bool(passphrase), "show": show}) as _:
        recover(proj)
        leaks = scan_shareable(proj, key, reveal=show)
        held = held_leaks(proj, key, reveal=show)
        files = sum(1 for p in proj.shareable_dir.rglob("*") if p.is_file()) if proj.shareable_dir.is_dir() else 0
        withdrawn = find_in_zone(proj)
        if as_json:
            typer.echo(json.dumps({"files_checked": files, "leaks": [_entry(leak, show) for leak in leaks],
                                   "held_back": [_entry(leak, show) for leak in held],
                                   "withdrawn": [w.shown for w in withdrawn]}, indent=1))
            if leaks or withdrawn:
                raise typer.Exit(LeakError.exit_code)
            return
        if show:
            for leak in leaks + held:
                typer.echo(f"{leak}\n    found: {leak.value!r}\n    resolve: {resolution(leak)}")
            if leaks or held:
                typer.echo("Then run `fgkit run` again: it rewrites every shareable output it owns.")
            if leaks:
                raise typer.Exit(LeakError.exit_code)
        elif leaks:
            raise LeakError(leak_message(leaks, "the shareable zone", "nothing was changed."))
        if withdrawn:
            # Their words are not values --show could print; the files are the whole finding.
            raise LeakError(withdrawn_message(withdrawn))
    if held and not show:
        typer.echo(f"The gate held back {len(held)} finding(s) from a failed run; those outputs were "
                   f"never published. {SHOW_HINT}")
        for leak in held[:20]:
            typer.echo(f"  {leak}")
    typer.echo(f"Leak gate: {files} shareable file(s) checked; no real identifiers or key files found.")


def withdrawn_message(found: list) -> str:
    shown = "; ".join(f.shown for f in found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
    return (f"{len(found)} shareable file(s) hold words of a participant who withdrew: {shown}; run "
            "`fgkit run`, which applies the withdrawal to every output fgkit owns (move any other "
            "file out of the shareable zone).")


def _entry(leak, show: bool) -> dict:
    from ..pseudonymise.leakgate import resolution

    entry = {"file": leak.file, "position": leak.position, "type": leak.entity_type,
             "placeholder": leak.placeholder}
    if leak.note:
        entry["note"] = leak.note
    if show:
        entry.update(value=leak.value, resolve=resolution(leak))
    return entry
