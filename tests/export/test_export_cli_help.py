"""Every export and import command, argument and option explains itself."""

from __future__ import annotations

import typer.main

from fgkit.cli import app


def _commands():
    group = typer.main.get_command(app)
    for name in ("export", "import"):
        sub = group.commands[name]
        assert sub.help
        yield from ((f"{name} {n}", c) for n, c in sub.commands.items())


def test_commands_and_options_have_help():
    seen = set()
    for name, command in _commands():
        seen.add(name)
        assert command.help, name
        for param in command.params:
            assert getattr(param, "help", None), f"{name}: {param.name}"
    assert seen == {"export quotes", "export refi", "import refi"}
