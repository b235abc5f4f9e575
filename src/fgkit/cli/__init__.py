"""The ``fgkit`` command: a thin typer layer over the library.

Each command is a module-level function in its own ``cmd_*.py`` module; they are registered
here, explicitly and in pipeline order, so ``fgkit --help`` lists them in the order a study
uses them (typer keeps the order of registration).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

# Command names in the order they were registered below: the pipeline order.
_ORDER: list[str] = []


class _PipelineOrder(TyperGroup):
    """List commands in pipeline order: typer itself puts every single command before every group."""

    def list_commands(self, ctx: Any) -> list[str]:
        rank = {name: i for i, name in enumerate(_ORDER)}
        return sorted(self.commands, key=lambda name: rank.get(name, len(rank)))


app = typer.Typer(
    name="fgkit",
    cls=_PipelineOrder,
    help="Qualitative focus-group analysis: ingest, pseudonymise, code, compare, report.",
    no_args_is_help=True,
    add_completion=False,
    # Transcripts are personal data: tracebacks must never print local variables.
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"fgkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Qualitative focus-group analysis: ingest, pseudonymise, code, compare, report."""


def _register_commands() -> None:
    from . import (
        cmd_agree,
        cmd_analyse,
        cmd_check,
        cmd_code,
        cmd_codebook,
        cmd_export,
        cmd_import,
        cmd_ingest,
        cmd_init,
        cmd_participants,
        cmd_pseudonymise,
        cmd_report,
        cmd_review,
        cmd_reviewers,
        cmd_run,
        cmd_serve,
    )

    _command("init", cmd_init.init_cli)
    _command("ingest", cmd_ingest.ingest_cli)

    participants = _group("The participants register (data/participants.csv): draft, inspect, withdraw.")
    participants.command("init")(cmd_participants.init_cli)
    participants.command("list")(cmd_participants.list_cli)
    participants.command("withdraw")(cmd_participants.withdraw_cli)
    _add_group("participants", participants)

    # No help on the group: the callback's docstring describes `fgkit pseudonymise` itself.
    pseudonymise = typer.Typer()
    pseudonymise.callback(invoke_without_command=True)(cmd_pseudonymise.pseudonymise_cli)
    pseudonymise.command("correct")(cmd_pseudonymise.correct_cli)
    _add_group("pseudonymise", pseudonymise)

    _command("code", cmd_code.code_cli)

    review = _group("Review machine codings: worksheets out and in, train the classifier.")
    review.command("export")(cmd_review.export_cli)
    review.command("import")(cmd_review.import_cli)
    review.command("status")(cmd_review.status_cli)
    review.command("train")(cmd_review.train_cli)
    _add_group("review", review)
    _add_group("reviewers", cmd_reviewers.app)
    _command("serve", cmd_serve.serve_cli)

    _command("agree", cmd_agree.agree_cli)
    _command("analyse", cmd_analyse.analyse_cli)
    _command("report", cmd_report.report_cli)

    export = _group("Export anonymised quotes or a REFI-QDA project.")
    export.command("quotes")(cmd_export.quotes_cli)
    export.command("refi")(cmd_export.refi_cli)
    _add_group("export", export)

    imports = _group("Import coding done in another tool.")
    imports.command("refi")(cmd_import.refi_cli)
    _add_group("import", imports)

    codebook = _group("Check codebooks and exchange them with other QDA tools (REFI-QDA .qdc).")
    codebook.command("validate")(cmd_codebook.validate_cli)
    codebook.command("export-qdc")(cmd_codebook.export_cli)
    codebook.command("import-qdc")(cmd_codebook.import_cli)
    _add_group("codebook", codebook)

    _command("check", cmd_check.check_cli)
    _command("run", cmd_run.run_cli)


def _command(name: str, func: Any) -> None:
    _ORDER.append(name)
    app.command(name)(func)


def _add_group(name: str, group: typer.Typer) -> None:
    _ORDER.append(name)
    app.add_typer(group, name=name)


def _group(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True)


_register_commands()


def main() -> None:
    app(prog_name="fgkit")


__all__ = ["app", "main"]
