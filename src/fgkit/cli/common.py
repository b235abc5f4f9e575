"""What every command shares: the --project option, clean errors, run manifests."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import FgkitError

ProjectOption = Annotated[
    Optional[Path],
    typer.Option(
        "--project",
        "-p",
        help="Project folder (default: the nearest folder at or above here holding fgkit.toml).",
        file_okay=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def guard(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one clean line and a non-zero exit, never a traceback.

    Unexpected exceptions print only their type: their messages may quote transcript text.
    Set FGKIT_DEBUG=1 to see the traceback (on your own machine only).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except FgkitError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                typer.echo(f"fgkit: error: {line}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            # The reader went away (`fgkit check --show | head`): nothing left to say to it. Exit
            # as a process killed by SIGPIPE would (128 + 13), so a pipeline still sees it.
            with contextlib.suppress(OSError):
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - swallow the final flush
            raise typer.Exit(141) from None
        except KeyboardInterrupt:
            typer.echo("fgkit: interrupted; nothing half-written was kept", err=True)
            raise typer.Exit(130) from None
        except MemoryError:
            typer.echo("fgkit: error: out of memory", err=True)
            raise typer.Exit(1) from None
        except Exception as exc:  # noqa: BLE001 - the CLI edge
            if os.environ.get("FGKIT_DEBUG"):
                raise
            typer.echo(
                f"fgkit: internal error ({type(exc).__name__}); please report it. "
                "Re-run with FGKIT_DEBUG=1 to see details on your own machine.",
                err=True,
            )
            raise typer.Exit(1) from None

    return wrapper


def load_project(project: Path | None):
    from ..project import Project

    loaded = Project.load(project)
    warning = loaded.secure_private_zone()
    if warning:
        typer.echo(f"fgkit: warning: {warning}", err=True)
    return loaded


@contextlib.contextmanager
def recorded_run(
    project, command: str, inputs: list[Path] | None = None, parameters: dict | None = None
) -> Iterator[tuple[Any, str]]:
    """Take the project's lock, open the store, record the run manifest, and mark the run ok
    or failed at the end. A second writing command on the project waits, then stops cleanly."""
    from ..lock import project_lock
    from ..manifest import build_manifest

    with project_lock(project):
        store = project.open_store()
        manifest = build_manifest(command, project.settings.as_dict(), inputs, project.root, parameters)
        run_id = store.start_run(command, manifest)
        try:
            yield store, run_id
        except BaseException:
            store.finish_run(run_id, "failed")
            store.close()
            raise
        store.finish_run(run_id, "ok")
        store.close()
