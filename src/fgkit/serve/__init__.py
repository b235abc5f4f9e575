"""``fgkit serve``: the workshop page, a local web app over the working store.

Reviewers decide on machine codings one segment at a time, and co-production leads read quotes
by code, role, group, checked status and reviewer and mark each pattern agreed, needs rewording
or disputed. Routes call the same library functions as the CLI (``coding.decisions`` stores a
decision as the worksheet import does). Loopback only unless TLS is given or ``--insecure-lan``
is chosen; see ``auth`` for sign-in and ``app`` for what pages may show.
"""

from __future__ import annotations

from .auth import DEFAULT_PORT, ServeError, check_bind

__all__ = ["DEFAULT_PORT", "ServeError", "check_bind", "create_app", "run_server"]


def create_app(project, host: str = "127.0.0.1", https: bool = False, limiter=None):
    from .app import create_app as _create

    return _create(project, host=host, https=https, limiter=limiter)


def run_server(project, host: str = "127.0.0.1", port: int = DEFAULT_PORT, tls_cert: str | None = None,
               tls_key: str | None = None, insecure_lan: bool = False, on_ready=None) -> None:
    """Serve until interrupted. Refuses a non-loopback host without TLS or ``insecure_lan``."""
    import uvicorn

    check_bind(host, tls_cert, tls_key, insecure_lan)
    app = create_app(project, host=host, https=bool(tls_cert))
    if on_ready is not None:
        on_ready(app)
    # No access log: sign-in links carry their token in the path, and query strings may carry
    # filter values; neither belongs in a terminal log.
    uvicorn.run(app, host=host, port=port, ssl_certfile=tls_cert, ssl_keyfile=tls_key,
                access_log=False, log_level="warning", server_header=False, proxy_headers=False)
