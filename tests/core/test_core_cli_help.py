"""Every command, argument and option explains itself: one parametrised case per command and
per option, over the whole command tree (new commands are covered without editing this file)."""

from __future__ import annotations

import pytest
import typer.main
from typer.testing import CliRunner

from fgkit.cli import app

runner = CliRunner()
ROOT = typer.main.get_command(app)


def _walk(group, prefix: tuple[str, ...] = ()):
    for name in group.list_commands(None):
        command = group.commands[name]
        yield prefix + (name,), command
        if hasattr(command, "commands"):
            yield from _walk(command, prefix + (name,))


COMMANDS = list(_walk(ROOT))
PARAMS = [(path, param) for path, command in COMMANDS for param in command.params if param.name != "help"]


def _help(path: tuple[str, ...]) -> str:
    result = runner.invoke(app, [*path, "--help"], terminal_width=200, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_tree_holds_every_stage():
    names = {path for path, _ in COMMANDS}
    assert {("init",), ("ingest",), ("participants", "withdraw"), ("pseudonymise", "correct"), ("code",),
            ("review", "import"), ("agree",), ("analyse",), ("report",), ("export", "refi"),
            ("import", "refi"), ("codebook", "validate"), ("check",), ("run",)} <= names


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_has_help(path, command):
    text = command.help or command.short_help
    assert text, f"fgkit {' '.join(path)} has no help text"
    shown = _help(path)
    first_words = " ".join(text.split()[:4])
    assert first_words in " ".join(shown.replace("│", " ").split())


@pytest.mark.parametrize("path, param", PARAMS, ids=[f"{' '.join(p)} {q.name}" for p, q in PARAMS])
def test_option_and_argument_have_help(path, param):
    where = f"fgkit {' '.join(path)} {param.opts[0] if param.opts else param.name}"
    assert getattr(param, "help", None), f"{where} has no help text"
    shown = _help(path)
    if param.param_type_name == "option":
        assert param.opts[0] in shown, f"{where} missing from --help"
    else:
        assert param.name in shown, f"{where} missing from --help"
