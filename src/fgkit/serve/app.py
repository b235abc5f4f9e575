"""The workshop page as an ASGI app (Starlette): review one segment at a time, read and agree.

Every page with study text needs a signed-in reviewer; without one a page says how to sign in
and shows nothing else. Every value a page prints passes the leak gate's scan (the same values
and rules as ``fgkit check``) before the page leaves: a page holding a real identifier is
withheld, naming only the kind of value. The scan sees each printed value (Jinja's ``finalize``
hook collects them, so no template can forget one) and each pair of neighbouring values (a name
cut by an evidence mark); the template's own text is fgkit's words, which the gate excuses
anyway. Scanning values rather than whole pages lets results be cached per text: the same turn
is scanned once, not on every page that shows it. Decisions go through ``coding.decisions.record_decision``, the same
``reviews`` rows the worksheet import writes.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import secrets
import threading
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import FgkitError
from ..passages import turn_number
from . import auth, views

__all__ = ["Workshop", "create_app", "SECURITY_HEADERS"]

log = logging.getLogger("fgkit.serve")

# Nothing may be fetched from anywhere but this server; no inline script or style at all.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Sign-in links carry their token in the path: never hand it on in a Referer.
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cache-control": "no-store",
}
STATIC = Path(__file__).resolve().parent / "static"
QUEUE_REFRESH = 5.0  # seconds between recomputations of the review queue
# Seconds between refits of the learner's teaching order (half a second of a core each on the
# sample study): between refits, decided segments leave the queue and the rest keep their order.
RANK_REFRESH = 30.0


class _SecurityHeaders:
    """Pure ASGI middleware: the security headers on every response, static files included."""

    def __init__(self, app, https: bool) -> None:
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        if https:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in self.headers if k not in names)]
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


class Workshop:
    """One project served: its caches, its gate, its secret for CSRF tokens."""

    def __init__(self, project, https: bool = False, limiter: auth.RateLimiter | None = None) -> None:
        from ..coding.review import codebook_labels

        self.project = project
        self.https = https
        self.secret = secrets.token_bytes(32)
        self.limiter = limiter or auth.RateLimiter()
        self.k = int(project.setting("analysis", "small_cell_k", 3))
        self.labels = views.FileWatch(lambda: [project.codebook_path], lambda: codebook_labels(project))
        self.withdrawn = views.FileWatch(lambda: [project.register_path], self._withdrawn)
        self.gate = views.FileWatch(self._gate_files, self._gate)
        self.cache = views.VersionedCache(self.open_store)
        self.frames = views.StudyFrames()
        self.order = views.TeachingOrder(project, self.open_store, min_interval=RANK_REFRESH)
        self._printed = threading.local()
        self._stores = threading.local()
        self._choices: tuple | None = None
        self._own_writes: dict[str, int] = {}  # reviewer -> their latest review_id, read-your-writes
        self.env = Environment(loader=PackageLoader("fgkit.serve", "templates"), finalize=self._collect,
                               autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
                               auto_reload=False)
        # Turns are numbered from 1 on the page, as in the shareable transcripts and the report.
        self.env.globals["turn_number"] = turn_number
        # Fail at start, with one clear line, rather than on the first page.
        with self.open_store():
            pass
        self.labels.get()
        self.withdrawn.get()
        self.gate.get()
        with self.open_store() as store:
            self.order.current(store.serve_reviews_version())  # the first fit starts now, off any page

    # --- sources ---------------------------------------------------------------------------
    def open_store(self):
        return self.project.open_store()

    @contextlib.contextmanager
    def thread_store(self):
        """This worker thread's own connection, opened once: opening one (schema checks included)
        costs more than most pages. SQLite connections stay in the thread that made them."""
        store = getattr(self._stores, "store", None)
        if store is None:
            store = self._stores.store = self.open_store()
        yield store

    def _withdrawn(self) -> set[str]:
        from ..participants import load_register

        return load_register(self.project.register_path).withdrawn_ids()

    def _gate_files(self) -> list[Path]:
        from ..pseudonymise.gatehash import GATE_HASH_FILE
        from ..pseudonymise.key import ENCRYPTED_KEY_FILE, KEY_FILE
        from ..pseudonymise.sources import EXTRA_FILE, REVIEW_FILE

        private = self.project.private_dir
        return [private / KEY_FILE, private / ENCRYPTED_KEY_FILE, private / GATE_HASH_FILE,
                private / EXTRA_FILE, private / REVIEW_FILE, self.project.register_path]

    def _gate(self):
        from ..pseudonymise.gatewords import own_word_excuse
        from ..pseudonymise.leakgate import Gate, leak_values

        values = leak_values(self.project)
        return _PageGate(Gate(values, own_word_excuse(self.project, values)))

    def _collect(self, value):
        printed = getattr(self._printed, "values", None)
        if printed is not None and isinstance(value, str):
            printed.append(str(value))
        return value

    def codings(self, store, wait: float = 0.0, refresh: bool = True):
        """The codings in force (rejected and doubtful ones included) as of a recent version;
        a refresh updates the table held by the decisions made since, in the background."""
        key = ("codings",)
        return self.cache.get(key, store.serve_reviews_version(),
                              lambda s: self.frames.codings(s, self.cache.value_of(key)),
                              store, wait=wait, refresh=refresh)[0]

    def choices(self, store, labels: dict[str, str], codings=None) -> dict:
        """The filters' choices, from the codings held (a stale list is fine), kept per table."""
        codings = codings if codings is not None else self.codings(store, refresh=False)
        key = (id(codings), tuple(labels.items()))
        held = self._choices
        if held is None or held[0] != key or held[1] is not codings:
            held = self._choices = (key, codings, views.filter_choices(codings, labels))
        return held[2]

    def wrote(self, reviewer: str, store) -> None:
        self._own_writes[reviewer] = store.serve_reviews_version()[0]

    def codings_for(self, reviewer: str, store):
        """The codings for a reader's page: those held, unless they predate the reader's own
        latest decision; then brought up to date here, at once (only the decisions changed since
        are applied), rather than waiting for a background refresh that may have started before
        the decision."""
        key = ("codings",)
        held = self.cache.version_of(key)
        if held is None or held[0] >= self._own_writes.get(reviewer, 0):
            return self.codings(store)
        version = store.serve_reviews_version()
        value = self.frames.codings(store, self.cache.value_of(key))
        self.cache.put(key, version, value)
        return value[0]

    def queue(self, store, filters: views.Filters) -> list[dict]:
        """The worksheet's rows in the learner's teaching order (``TeachingOrder``), as ``fgkit
        review export`` writes them. With several reviewers deciding the queue is rebuilt at most
        every QUEUE_REFRESH seconds, in the background; the segment itself and its decisions
        are always read live."""
        labels, withdrawn = self.labels.get(), frozenset(self.withdrawn.get())
        version = store.serve_reviews_version()
        generation, ranking = self.order.current(version)
        key = ("queue", filters.code, filters.role, filters.group, filters.status, withdrawn, tuple(labels))
        return self.cache.get(key, (version, generation),
                              lambda s: views.review_queue(self.frames.over(s), labels, filters, set(withdrawn),
                                                           ranking=ranking),
                              store, min_interval=QUEUE_REFRESH)

    # --- sessions --------------------------------------------------------------------------
    def reviewer(self, request: Request, store) -> str | None:
        session = request.cookies.get(auth.SESSION_COOKIE, "")
        return store.serve_session_reviewer(auth.hash_secret(session)) if session else None

    def csrf_for(self, request: Request) -> str:
        return auth.csrf_token(self.secret, auth.hash_secret(request.cookies.get(auth.SESSION_COOKIE, "")))

    def check_form(self, request: Request, form, bound_to: str) -> None:
        origin = request.headers.get("origin")
        if origin and origin not in (f"{request.url.scheme}://{request.url.netloc}", "null"):
            raise _Refused(403, "This form came from another site and was refused.")
        if not auth.csrf_ok(self.secret, bound_to, str(form.get("csrf", ""))):
            raise _Refused(403, "This form has expired (the server restarted or you signed out). "
                                "Go back, reload the page and try again.")

    # --- rendering -------------------------------------------------------------------------
    def render(self, request: Request, template: str, status: int = 200, reviewer: str | None = None,
               **context) -> HTMLResponse:
        self._printed.values = []
        try:
            html = self.env.get_template(template).render(
                request=request, reviewer=reviewer, csrf=self.csrf_for(request) if reviewer else "",
                path=request.url.path, **context)
            printed = self._printed.values
        finally:
            self._printed.values = None
        leaks = self.gate.get().leaks(printed)
        if leaks:
            kinds = sorted({leak.entity_type for leak in leaks})
            log.warning("fgkit serve: withheld a page: the leak gate found %d value(s) (%s)", len(leaks), ", ".join(kinds))
            html = self.env.get_template("withheld.html").render(
                request=request, reviewer=reviewer, csrf=self.csrf_for(request) if reviewer else "",
                path="", n=len(leaks), kinds=kinds)
            status = 500
        return HTMLResponse(html, status_code=status)


class _PageGate:
    """The leak gate over the values a page prints, with each text's result remembered."""

    MAX_REMEMBERED = 50_000

    def __init__(self, gate) -> None:
        self.gate = gate
        self._lock = threading.Lock()
        self._seen: dict[str, tuple] = {}

    def leaks(self, printed: list[str]) -> list:
        texts = {t for t in printed if len(t) > 1}
        texts |= {a + b for a, b in zip(printed, printed[1:]) if a and b}
        found = []
        for text in texts:
            with self._lock:
                known = self._seen.get(text)
            if known is None:
                known = tuple(self.gate.scan(text, "page"))
                with self._lock:
                    if len(self._seen) >= self.MAX_REMEMBERED:
                        self._seen.clear()
                    self._seen[text] = known
            found.extend(known)
        return found


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _endpoint(ws: Workshop, handler, signed_in: bool = True):
    """Open the store, find the reviewer, turn errors into a page that quotes no study text."""

    async def endpoint(request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        try:
            return await _run_sync(ws, handler, request, form, signed_in)
        except _Refused as exc:
            return ws.render(request, "message.html", status=exc.status, title="Refused", message=exc.message)
        except FgkitError as exc:
            # Library errors name files and codes, never speech.
            return ws.render(request, "message.html", status=400, title="Not done", message=str(exc).splitlines()[0])
        except Exception as exc:  # noqa: BLE001 - the web edge: never a traceback with study text
            log.error("fgkit serve: internal error (%s) on %s", type(exc).__name__, request.url.path)
            return HTMLResponse("<!doctype html><title>Error</title><p>Internal error; please report it.</p>",
                                status_code=500)
        finally:
            if form is not None:
                await form.close()

    return endpoint


async def _run_sync(ws, handler, request, form, signed_in):
    from starlette.concurrency import run_in_threadpool

    def call():
        with ws.thread_store() as store:
            reviewer = ws.reviewer(request, store)
            if signed_in and reviewer is None:
                return ws.render(request, "signed_out.html", status=401)
            return handler(ws, request, store, reviewer, form)

    return await run_in_threadpool(call)


# --- pages -------------------------------------------------------------------------------------
def home(ws, request, store, reviewer, form):
    if reviewer is None:
        return ws.render(request, "signed_out.html")
    return RedirectResponse("/review", status_code=303)


def signin_page(ws, request, store, reviewer, form):
    token = request.path_params["token"]
    if not ws.limiter.allow(_client(request)):
        raise _Refused(429, "Too many sign-in attempts; wait a minute and try again.")
    token_hash = auth.hash_secret(token)
    name = store.serve_token_reviewer(token_hash)
    if name is None:
        ws.limiter.failed(_client(request))
        return ws.render(request, "message.html", status=404, title="Link not valid",
                         message="This sign-in link has been used or replaced. Ask the study lead "
                                 "for a new one (`fgkit reviewers link NAME`).")
    return ws.render(request, "signin.html", name=name, token=token,
                     signin_csrf=auth.csrf_token(ws.secret, "signin:" + token_hash))


def signin_post(ws, request, store, reviewer, form):
    if not ws.limiter.allow(_client(request)):
        raise _Refused(429, "Too many sign-in attempts; wait a minute and try again.")
    token_hash = auth.hash_secret(str(form.get("token", "")))
    try:
        ws.check_form(request, form, "signin:" + token_hash)
    except _Refused:
        ws.limiter.failed(_client(request))
        raise
    name = store.serve_redeem_token(token_hash)
    if name is None:
        ws.limiter.failed(_client(request))
        raise _Refused(403, "This sign-in link has been used or replaced; ask for a new one.")
    session = secrets.token_urlsafe(32)
    expires = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(hours=auth.SESSION_HOURS)
    store.serve_start_session(auth.hash_secret(session), name, expires.replace(microsecond=0).isoformat())
    response = RedirectResponse("/review", status_code=303)
    response.set_cookie(auth.SESSION_COOKIE, session, max_age=auth.SESSION_HOURS * 3600, path="/",
                        httponly=True, samesite="strict", secure=ws.https)
    return response


def signout(ws, request, store, reviewer, form):
    ws.check_form(request, form, auth.hash_secret(request.cookies.get(auth.SESSION_COOKIE, "")))
    store.serve_end_session(auth.hash_secret(request.cookies.get(auth.SESSION_COOKIE, "")))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=ws.https)
    return response


def review(ws, request, store, reviewer, form):
    filters = views.Filters.from_query(request.query_params)
    labels = ws.labels.get()
    queue = ws.queue(store, filters)
    choices = ws.choices(store, labels)
    common = {"filters": filters, "choices": choices, "reviewer": reviewer, "n_queue": len(queue),
              "ranked": ws.order.ranking is not None}
    if request.query_params.get("view") == "list":
        return ws.render(request, "review_list.html", queue=queue[:200], **common)
    wanted = request.query_params.get("seg", "")
    ids = [q["segment_id"] for q in queue]
    segment_id = wanted or (ids[0] if ids else "")
    if not segment_id:
        return ws.render(request, "review_done.html", **common)
    view = views.segment_view(store, segment_id, labels, ws.withdrawn.get(),
                              machine=ws.frames.machine_codings(store, segment_id))
    if view is None:
        raise _Refused(404, "This segment is not in the study now (re-ingested or withdrawn).")
    if segment_id in ids:
        at = ids.index(segment_id)
        next_id = ids[at + 1] if at + 1 < len(ids) else ""
        prev_id = ids[at - 1] if at > 0 else ""
        position = at + 1
    else:  # decided and gone from the queue: the most wanted segment left is next
        next_id, prev_id, position = (ids[0] if ids else ""), "", 0
    link = lambda seg: f"/review?{filters.query(seg=seg)}" if seg else ""  # noqa: E731
    return ws.render(request, "review.html", view=view, next_link=link(next_id), prev_link=link(prev_id),
                     position=position, back=filters.query(), saved=request.query_params.get("saved", ""),
                     **common)


def decide(ws, request, store, reviewer, form):
    from ..coding.decisions import record_decision

    segment_id = request.path_params["segment_id"]
    ws.check_form(request, form, auth.hash_secret(request.cookies.get(auth.SESSION_COOKIE, "")))
    action = str(form.get("decide", ""))
    decision, _, code = action.partition(":")
    if decision == "add":
        code = str(form.get("add_code", ""))
        if not code:
            raise _Refused(400, "Pick a code from the list to add.")
    found = store.serve_segments([segment_id])
    if not found or found[0]["participant_id"] in ws.withdrawn.get():
        raise _Refused(404, "This segment is not in the study now (re-ingested or withdrawn).")
    record_decision(ws.project, store, segment_id, code, decision, reviewer, memo=str(form.get("memo", ""))[:4000],
                    labels=ws.labels.get())
    ws.wrote(reviewer, store)
    back = views.Filters.from_query(_parse_back(form))
    return RedirectResponse(f"/review?{back.query(seg=segment_id, saved=decision)}#decided", status_code=303)


def read(ws, request, store, reviewer, form):
    filters = views.Filters.from_query(request.query_params)
    code = request.path_params.get("code", "") or filters.code
    labels = ws.labels.get()
    if code and code not in labels:
        raise _Refused(404, "No such code in the codebook.")
    if code != filters.code:
        filters = views.Filters(code, filters.role, filters.group, filters.status, filters.reviewer)
    # Quotes show each coding's status: a reviewer's own latest decision must be in them, so
    # wait (briefly) for the refresh when it is not; other reviewers' follow within a moment.
    codings = ws.codings_for(reviewer, store)
    withdrawn = ws.withdrawn.get()
    quotes = views.quotes_view(codings, filters, withdrawn, labels, doubts=ws.frames.doubts(store))
    patterns = views.patterns_view(codings, code, withdrawn, store.serve_agreements(), ws.k) if code else []
    sections = []
    if not code:
        live = codings[codings["status"].isin(list(views.IN_FORCE)) & (codings["role"] != "facilitator")]
        counts = live["code"].value_counts()
        sections = [{"code": c, "label": lbl, "n": int(counts.get(c, 0))} for c, lbl in labels.items()]
    return ws.render(request, "read.html", reviewer=reviewer, filters=filters, code=code,
                     label=labels.get(code, ""), choices=ws.choices(store, labels, codings),
                     quotes=quotes, patterns=patterns, sections=sections,
                     agreement_statuses=views.AGREEMENT_STATUSES, saved=request.query_params.get("saved", ""))


def agree(ws, request, store, reviewer, form):
    from ..pseudonymise.freetext import pseudonymise_free_text

    ws.check_form(request, form, auth.hash_secret(request.cookies.get(auth.SESSION_COOKIE, "")))
    code, dimension, value = (str(form.get(k, "")) for k in ("code", "dimension", "value"))
    status, note = str(form.get("status", "")), str(form.get("note", "")).strip()[:4000]
    if code not in ws.labels.get():
        raise _Refused(400, "No such code in the codebook.")
    if dimension not in ("role", "group") or status not in views.AGREEMENT_STATUSES:
        raise _Refused(400, "Choose agreed, needs rewording or disputed for a role or group.")
    codings = ws.codings(store)
    if value not in set(codings[dimension].astype(str)):
        raise _Refused(400, "No such role or group in the study.")
    if note:
        # The note reaches the shareable report: pseudonymised like a memo.
        note = pseudonymise_free_text(ws.project, [note])[0]
    store.serve_add_agreement(code, dimension, value, status, note, reviewer, _now())
    return RedirectResponse(f"/read/{code}?{urlencode({'saved': f'{dimension}:{value}'})}#patterns", status_code=303)


def transcripts(ws, request, store, reviewer, form):
    return ws.render(request, "transcripts.html", reviewer=reviewer, transcripts=store.serve_transcripts())


def transcript(ws, request, store, reviewer, form):
    name = request.path_params["name"]
    if name not in {t["transcript"] for t in store.serve_transcripts()}:
        raise _Refused(404, "No such pseudonymised transcript.")
    return ws.render(request, "transcript.html", reviewer=reviewer, name=name,
                     turns=views.transcript_view(store, name, ws.withdrawn.get()))


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _parse_back(form) -> dict:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(str(form.get("back", ""))))


def allowed_hosts(host: str) -> list[str]:
    """Host headers the page answers to: loopback names and the bound host (DNS rebinding guard)."""
    hosts = {"127.0.0.1", "localhost", "::1", "[::1]"}
    if host not in ("0.0.0.0", "::"):
        hosts.add(host)
    else:
        hosts.add("*")  # bound to every interface (TLS or --insecure-lan): any name this machine has
    return sorted(hosts)


def create_app(project, host: str = "127.0.0.1", https: bool = False, limiter: auth.RateLimiter | None = None
               ) -> Starlette:
    ws = Workshop(project, https=https, limiter=limiter)
    e = lambda handler, signed_in=True: _endpoint(ws, handler, signed_in)  # noqa: E731
    routes = [
        Route("/", e(home, signed_in=False)),
        Route("/signin/{token}", e(signin_page, signed_in=False)),
        Route("/signin", e(signin_post, signed_in=False), methods=["POST"]),
        Route("/signout", e(signout), methods=["POST"]),
        Route("/review", e(review)),
        Route("/review/{segment_id}", e(decide), methods=["POST"]),
        Route("/read", e(read)),
        Route("/read/{code}", e(read)),
        Route("/agree", e(agree), methods=["POST"]),
        Route("/transcripts", e(transcripts)),
        Route("/transcripts/{name}", e(transcript)),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[
        Middleware(_SecurityHeaders, https=https),
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(host)),
    ])
    app.state.workshop = ws
    return app
