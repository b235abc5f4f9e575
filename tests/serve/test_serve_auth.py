"""Sign-in, sessions, CSRF, headers, rate limits and binding: nothing readable without a reviewer."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from fgkit.serve.auth import RateLimiter, ServeError, check_bind, hash_secret

SIGNED_OUT_PAGES = ["/", "/review", "/review?view=list", "/read", "/read/caseload", "/read?role=manager",
                    "/transcripts", "/transcripts/north.vtt", "/transcripts/south.vtt"]


def _study_strings(kit) -> list[str]:
    """Every turn's text (a distinctive slice of it) and every pseudonym."""
    out = [text[:30] for *_, text, _codes in kit.TURNS]
    return out + sorted({speaker for _t, _p, speaker, *_ in kit.TURNS})


def test_no_page_shows_study_text_without_sign_in(shared_study, serve_kit):
    client = serve_kit.client_for(shared_study)
    seg = serve_kit.segment_id_of("Monday I had")
    for path in [*SIGNED_OUT_PAGES, f"/review?seg={seg}"]:
        response = client.get(path)
        assert response.status_code in (200, 401), path
        assert response.status_code == 401 or path == "/"
        assert "sign-in link" in response.text
        for piece in _study_strings(serve_kit):
            assert piece not in response.text, (path, piece)
    # A decision posted without a session is refused and nothing is stored.
    response = client.post(f"/review/{seg}", data={"decide": "accept:caseload", "csrf": "x"})
    assert response.status_code == 401
    with shared_study.open_store() as store:
        assert store.query("SELECT COUNT(*) FROM reviews")[0][0] == 0


def test_sign_in_link_works_once_and_only_its_hash_is_stored(study, serve_kit):
    token = serve_kit.add_reviewer(study, "Amira")
    raw = study.store_path.read_bytes() + b"".join(
        p.read_bytes() for p in study.private_dir.glob("fgkit.sqlite-*"))
    assert token.encode() not in raw
    with study.open_store() as store:
        assert store.query("SELECT token_hash FROM reviewers")[0][0] == hash_secret(token)
    assert oct(study.store_path.stat().st_mode & 0o777) == "0o600"

    browser = serve_kit.Browser(serve_kit.client_for(study))
    # Opening the link (as a mail scanner would) does not use it up: the form does.
    assert "Sign in as Amira" in browser.get(f"/signin/{token}").text
    response = browser.sign_in(token)
    assert response.status_code == 303 and response.headers["location"] == "/review"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert browser.get("/review").status_code == 200
    assert "Sign out (Amira)" in browser.last

    again = serve_kit.Browser(serve_kit.client_for(study))
    assert again.get(f"/signin/{token}").status_code == 404
    forged = again.client.post("/signin", data={"token": token, "csrf": browser.csrf()})
    assert forged.status_code == 403
    assert again.get("/review").status_code == 401


def test_session_ids_are_stored_hashed_and_sign_out_ends_them(study, serve_kit):
    browser = serve_kit.Browser(serve_kit.client_for(study))
    browser.sign_in(serve_kit.add_reviewer(study, "Amira"))
    session = browser.client.cookies.get("fgkit_session")
    with study.open_store() as store:
        assert [r[0] for r in store.query("SELECT session_hash FROM reviewer_sessions")] == [hash_secret(session)]
    browser.get("/review")
    out = browser.client.post("/signout", data={"csrf": browser.csrf()}, follow_redirects=False)
    assert out.status_code == 303
    browser.client.cookies.set("fgkit_session", session)  # a copied cookie is dead too
    assert browser.get("/review").status_code == 401


def test_every_form_needs_its_csrf_token(study, serve_kit):
    browser = serve_kit.Browser(serve_kit.client_for(study))
    browser.sign_in(serve_kit.add_reviewer(study, "Amira"))
    seg = serve_kit.segment_id_of("Monday I had")
    browser.get(f"/review?seg={seg}")
    good = browser.csrf()
    forms = [(f"/review/{seg}", {"decide": "accept:caseload"}),
             ("/agree", {"code": "caseload", "dimension": "role", "value": "manager", "status": "agreed"}),
             ("/signout", {})]
    for path, data in forms:
        for csrf in ("", "0" * 64, good[:-1] + ("0" if good[-1] != "0" else "1")):
            assert browser.client.post(path, data={**data, "csrf": csrf}).status_code == 403, (path, csrf)
    # The right token from another origin is refused as well.
    response = browser.client.post(f"/review/{seg}", data={"decide": "accept:caseload", "csrf": good},
                                   headers={"origin": "http://evil.example"})
    assert response.status_code == 403
    with study.open_store() as store:
        assert store.query("SELECT COUNT(*) FROM reviews")[0][0] == 0
        assert store.query("SELECT COUNT(*) FROM pattern_agreements")[0][0] == 0
    # Every form on the pages carries one.
    for path in ("/review", "/read/caseload", "/read"):
        html = browser.get(path).text
        assert html.count("<form method=\"post\"") == html.count('name="csrf"')


def test_security_headers_forbid_outside_requests(shared_study, serve_kit):
    client = serve_kit.client_for(shared_study)
    for path in ("/", "/review", "/static/serve.css", "/signin/nothing"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
        assert not re.search(r"https?:|\*|'unsafe-inline'|data:", csp)
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"


def test_sign_in_attempts_are_rate_limited(shared_study, serve_kit):
    client = serve_kit.client_for(shared_study, limiter=RateLimiter(per_client=5, overall=100, window=60))
    codes = [client.get(f"/signin/guess{i}").status_code for i in range(7)]
    assert codes[:5] == [404] * 5 and codes[5:] == [429, 429]
    assert client.post("/signin", data={"token": "x", "csrf": "y"}).status_code == 429
    limiter = RateLimiter(per_client=2, overall=3, window=10)
    for now in (0, 1):
        assert limiter.allow("a", now)
        limiter.failed("a", now)
    assert not limiter.allow("a", 2) and limiter.allow("b", 2)
    limiter.failed("b", 3)
    assert not limiter.allow("c", 4)  # the overall cap
    assert limiter.allow("a", 11.5)  # the window moved on


def test_successful_sign_ins_are_not_limited(study, serve_kit):
    client = serve_kit.client_for(study, limiter=RateLimiter(per_client=2, overall=100, window=60))
    for i in range(4):  # a room of reviewers on one machine
        response = serve_kit.Browser(client).sign_in(serve_kit.add_reviewer(study, f"Reviewer {i}"))
        assert response.status_code == 303


def test_other_host_names_are_refused(shared_study, serve_kit):
    client = serve_kit.client_for(shared_study)
    # DNS rebinding: a page on another name resolving to 127.0.0.1 must not reach the app.
    assert client.get("/", headers={"host": "evil.example:8765"}).status_code == 400
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200


def test_loopback_only_unless_tls_or_insecure_lan():
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_bind(host, None, None, False)
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        with pytest.raises(ServeError, match="--insecure-lan"):
            check_bind(host, None, None, False)
        check_bind(host, None, None, True)
        check_bind(host, "cert.pem", "key.pem", False)
    with pytest.raises(ServeError, match="both"):
        check_bind("0.0.0.0", "cert.pem", None, False)


def test_reviewers_cli(study):
    from fgkit.cli import app

    runner = CliRunner()
    args = ["--project", str(study.root)]
    added = runner.invoke(app, ["reviewers", "add", "Sam Okafor", *args, "--port", "9001"])
    assert added.exit_code == 0, added.output
    link = re.search(r"http://127\.0\.0\.1:9001/signin/(\S+)", added.output)
    assert link
    listed = runner.invoke(app, ["reviewers", "list", *args])
    assert "Sam Okafor" in listed.output and "link not used yet" in listed.output
    assert link.group(1) not in listed.output
    twice = runner.invoke(app, ["reviewers", "add", "Sam Okafor", *args])
    assert twice.exit_code == 2 and "reviewers link" in twice.output and "Traceback" not in twice.output
    relinked = runner.invoke(app, ["reviewers", "link", "Sam Okafor", *args])
    assert relinked.exit_code == 0 and link.group(1) not in relinked.output
    bad = runner.invoke(app, ["reviewers", "add", "<script>", *args])
    assert bad.exit_code == 2 and "reviewer name" in bad.output
    assert runner.invoke(app, ["reviewers", "remove", "Sam Okafor", *args]).exit_code == 0
    assert "No reviewers yet" in runner.invoke(app, ["reviewers", "list", *args]).output
    gone = runner.invoke(app, ["reviewers", "remove", "Sam Okafor", *args])
    assert gone.exit_code == 2 and "no reviewer called" in gone.output


def test_removed_reviewer_is_signed_out(study, serve_kit):
    from fgkit.serve.auth import remove_reviewer

    browser = serve_kit.Browser(serve_kit.client_for(study))
    browser.sign_in(serve_kit.add_reviewer(study, "Amira"))
    assert browser.get("/review").status_code == 200
    with study.open_store() as store:
        remove_reviewer(store, "Amira")
    assert browser.get("/review").status_code == 401


def test_serve_refuses_a_lan_host_without_tls(study):
    from fgkit.cli import app

    result = CliRunner().invoke(app, ["serve", "--project", str(study.root), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "--insecure-lan" in result.output and "Traceback" not in result.output
