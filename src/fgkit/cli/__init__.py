"""The ``fgkit`` command: a thin typer layer over the library.

Each command lives in its own ``cmd_*.py`` module exposing ``register(app)``; modules are
discovered here so adding a command never means editing a shared list.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

app = typer.Typer(
    name="fgkit",
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
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{module.name}").register(app)


_register_commands()


def main() -> None:
    app(prog_name="fgkit")


__all__ = ["app", "main"]
