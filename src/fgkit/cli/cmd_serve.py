from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import ProjectOption, guard, load_project


@guard
def serve_cli(
    project: ProjectOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (default: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8765,
    tls_cert: Annotated[Optional[Path], typer.Option(
        "--tls-cert", help="TLS certificate (PEM), needed to serve beyond this machine.", dir_okay=False)] = None,
    tls_key: Annotated[Optional[Path], typer.Option(
        "--tls-key", help="TLS private key (PEM) for --tls-cert.", dir_okay=False)] = None,
    insecure_lan: Annotated[bool, typer.Option(
        "--insecure-lan", help="Serve beyond this machine over plain HTTP: anyone on the network can "
                               "read the pages, the session cookies and the sign-in links.")] = False,
) -> None:
    """The workshop page: reviewers decide on codings, co-production leads read, filter and agree."""
    from ..serve import check_bind, run_server

    check_bind(host, str(tls_cert or ""), str(tls_key or ""), insecure_lan)
    proj = load_project(project)
    scheme = "https" if tls_cert else "http"

    def ready(_app) -> None:
        typer.echo(f"fgkit workshop page on {scheme}://{host}:{port}/ (Ctrl+C to stop). "
                   "Reviewers sign in with the link `fgkit reviewers add NAME` prints.")

    run_server(proj, host=host, port=port, tls_cert=str(tls_cert) if tls_cert else None,
               tls_key=str(tls_key) if tls_key else None, insecure_lan=insecure_lan, on_ready=ready)
