"""Who may use the workshop page: reviewers, one-time sign-in links, sessions, CSRF, rate limits.

A reviewer is created from the command line (``fgkit reviewers add NAME``), which prints a
one-time sign-in link. Only the SHA-256 of the link's token is stored (in the working store, in
the private zone, mode 0600), so neither the store nor a backup of it can be used to sign in.
Opening the link shows a "Sign in as NAME" button; the token is used up only when that form is
posted, so a mail scanner or link preview that fetches the link cannot spend it. Signing in
starts a session: a random id in an HttpOnly, SameSite=Strict cookie, stored hashed as well.
Every form carries a CSRF token derived from the session (HMAC with a per-process secret).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from ..errors import FgkitError

__all__ = [
    "ServeError",
    "SESSION_COOKIE",
    "SESSION_HOURS",
    "RateLimiter",
    "add_reviewer",
    "check_bind",
    "csrf_token",
    "hash_secret",
    "is_loopback",
    "list_reviewers",
    "new_link",
    "remove_reviewer",
    "sign_in_link",
    "valid_reviewer_name",
]

SESSION_COOKIE = "fgkit_session"
SESSION_HOURS = 12
DEFAULT_PORT = 8765
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._'-]{0,59}$")


class ServeError(FgkitError):
    """The workshop page cannot start, or a reviewer command is wrong."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def valid_reviewer_name(name: str) -> str:
    name = " ".join(name.split())
    if not _NAME.match(name):
        raise ServeError("a reviewer name is 1 to 60 letters, digits, spaces or . _ ' - "
                         "(starting with a letter or digit); choose another")
    return name


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, tls_cert: str | None, tls_key: str | None, insecure_lan: bool) -> None:
    """Loopback only, unless the page is served over TLS or the user explicitly accepts plain HTTP."""
    if bool(tls_cert) != bool(tls_key):
        raise ServeError("give both --tls-cert and --tls-key, or neither")
    if is_loopback(host) or tls_cert or insecure_lan:
        return
    raise ServeError(
        f"--host {host} would serve pseudonymised transcripts to other machines over plain HTTP; "
        "give --tls-cert and --tls-key, or add --insecure-lan to accept that anyone on the network "
        "can read the traffic and sign-in links")


def sign_in_link(token: str, host: str = "127.0.0.1", port: int = DEFAULT_PORT, https: bool = False) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"{'https' if https else 'http'}://{shown}:{port}/signin/{token}"


def add_reviewer(store, name: str) -> str:
    """Create a reviewer; returns the one-time token (shown once, stored only hashed)."""
    name = valid_reviewer_name(name)
    token = secrets.token_urlsafe(32)
    if not store.serve_add_reviewer(name, hash_secret(token)):
        raise ServeError(f"reviewer {name!r} exists; `fgkit reviewers link {name!r}` issues a new "
                         "sign-in link")
    return token


def new_link(store, name: str) -> str:
    """A fresh one-time token for an existing reviewer; the previous link stops working."""
    token = secrets.token_urlsafe(32)
    if not store.serve_reissue_link(valid_reviewer_name(name), hash_secret(token)):
        raise ServeError(f"no reviewer called {name!r}; `fgkit reviewers list` shows them")
    return token


def remove_reviewer(store, name: str) -> None:
    if not store.serve_remove_reviewer(" ".join(name.split())):
        raise ServeError(f"no reviewer called {name!r}; `fgkit reviewers list` shows them")


def list_reviewers(store) -> list[dict]:
    return store.serve_list_reviewers()


def csrf_token(secret: bytes, bound_to: str) -> str:
    """A form token bound to one session (or one sign-in link), unusable by another page."""
    return hmac.new(secret, bound_to.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, bound_to: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(secret, bound_to), given)


@dataclass
class RateLimiter:
    """Failed sign-in attempts: at most ``per_client`` per client and ``overall`` in all per
    ``window`` seconds, then every attempt is refused until the window moves on. Only failures
    count, so a room of reviewers signing in on one machine is never locked out."""

    per_client: int = 10
    overall: int = 60
    window: float = 60.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, deque] = {}
        self._all: deque = deque()

    def _trim(self, client: str, now: float) -> deque:
        cutoff = now - self.window
        mine = self._clients.setdefault(client, deque())
        for queue in (self._all, mine):
            while queue and queue[0] < cutoff:
                queue.popleft()
        return mine

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            mine = self._trim(client, now)
            return len(mine) < self.per_client and len(self._all) < self.overall

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._trim(client, now).append(now)
            self._all.append(now)
