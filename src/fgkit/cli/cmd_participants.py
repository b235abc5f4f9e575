from __future__ import annotations

from typing import Annotated

import typer

from .common import ProjectOption, guard, load_project


@guard
def init_cli(project: ProjectOption = None) -> None:
    """Draft register rows for every speaker found in the transcripts.

    Existing rows are kept. Complete role, group and consent for each new row, and add
    full names and name variants (nicknames) so pseudonymisation can find them in speech.
    """
    from ..ingest import read_transcript
    from ..lock import project_lock
    from ..participants import draft_register

    proj = load_project(project)
    with project_lock(proj):
        speakers = {
            path.name: read_transcript(path).speakers for path in proj.transcript_files()
        }
        added = draft_register(proj.register_path, speakers)
    typer.echo(f"{added} draft row(s) added to {proj.register_path}.")
    if added:
        typer.echo(
            "Fill in role (practitioner, manager, facilitator or your own), group (e.g. FG1), "
            "consent (given or withdrawn), full_name and name_variants (';'-separated), "
            "then run `fgkit ingest`."
        )


@guard
def list_cli(project: ProjectOption = None) -> None:
    """Show participants by id, role, group and consent (no names)."""
    from ..participants import load_register

    register = load_register(load_project(project).register_path)
    for pid, person in sorted(register.participants.items()):
        groups = sorted({e.group for e in register.entries if e.participant_id == pid})
        typer.echo(f"{pid}\t{person.role}\t{','.join(groups)}\t{person.consent}")


@guard
def withdraw_cli(
    participant_id: Annotated[str, typer.Argument(help="The participant_id to withdraw, e.g. P07.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the private withdrawal log).")] = "consent withdrawn",
    project: ProjectOption = None,
) -> None:
    """Withdraw a participant's consent: the next run removes every word they said."""
    from ..lock import project_lock
    from ..participants import withdraw

    proj = load_project(project)
    with project_lock(proj):
        withdraw(proj.register_path, participant_id, reason, proj.private("withdrawals.csv"))
    typer.echo(
        f"{participant_id} is withdrawn (logged in the private zone). "
        "Run `fgkit run` to remove their words from every output."
    )
