from __future__ import annotations

from typing import Annotated

import typer

from .common import ProjectOption, guard, load_project

app = typer.Typer(help="Reviewers of the workshop page (fgkit serve): add, list, remove, new link.",
                  no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="The reviewer's name, as decisions will record it.")]
HostOption = Annotated[str, typer.Option("--host", help="Host in the printed link (as given to fgkit serve).")]
PortOption = Annotated[int, typer.Option("--port", help="Port in the printed link (as given to fgkit serve).")]
HttpsOption = Annotated[bool, typer.Option("--https", help="The page is served with TLS.")]


def _print_link(name: str, token: str, host: str, port: int, https: bool) -> None:
    from ..serve.auth import sign_in_link

    typer.echo(f"One-time sign-in link for {name} (give it to them privately; it works once):")
    typer.echo(sign_in_link(token, host, port, https))


@guard
def add_cli(name: NameArg, project: ProjectOption = None, host: HostOption = "127.0.0.1",
            port: PortOption = 8765, https: HttpsOption = False) -> None:
    """Create a reviewer and print their one-time sign-in link."""
    from ..serve.auth import add_reviewer, valid_reviewer_name

    with load_project(project).open_store() as store:
        token = add_reviewer(store, name)
    _print_link(valid_reviewer_name(name), token, host, port, https)


@guard
def link_cli(name: NameArg, project: ProjectOption = None, host: HostOption = "127.0.0.1",
             port: PortOption = 8765, https: HttpsOption = False) -> None:
    """Print a new one-time sign-in link for a reviewer; the previous link stops working."""
    from ..serve.auth import new_link, valid_reviewer_name

    with load_project(project).open_store() as store:
        token = new_link(store, name)
    _print_link(valid_reviewer_name(name), token, host, port, https)


@guard
def list_cli(project: ProjectOption = None) -> None:
    """Reviewers, whether their sign-in link is still unused, and their decisions."""
    from ..serve.auth import list_reviewers

    with load_project(project).open_store() as store:
        rows = list_reviewers(store)
    if not rows:
        typer.echo("No reviewers yet; add one with `fgkit reviewers add NAME`.")
    for r in rows:
        link = "link not used yet" if r["link_pending"] else "signed in"
        typer.echo(f"{r['name']:<24} {link:<18} {r['decisions']:>5} decision(s) "
                   f"{r['agreements']:>4} agreement(s)  added {r['created_at']}")


@guard
def remove_cli(name: NameArg, project: ProjectOption = None) -> None:
    """Remove a reviewer and sign them out; their decisions stay, under their name."""
    from ..serve.auth import remove_reviewer

    with load_project(project).open_store() as store:
        remove_reviewer(store, name)
    typer.echo(f"Removed {name}; their sessions ended. Their decisions are kept.")


app.command("add")(add_cli)
app.command("list")(list_cli)
app.command("remove")(remove_cli)
app.command("link")(link_cli)
