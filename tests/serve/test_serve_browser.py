"""The workshop page in a real browser (Debian's chromium): sign in with the link, filter,
accept, reject, add a code, reload and see it persist; no console errors, no request off the
machine, usable 390 px wide and by keyboard alone."""

from __future__ import annotations

import re
import shutil

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def session(tmp_path_factory, serve_kit):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    project = serve_kit.build_study(tmp_path_factory.mktemp("browser") / "study")
    token = serve_kit.add_reviewer(project, "Amira")
    log = {"console": [], "offsite": [], "requests": []}
    with serve_kit.RunningServer(project) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1200, "height": 900})

        def route(r):
            log["requests"].append(r.request.url)
            if r.request.url.startswith(server.url + "/"):
                r.continue_()
            else:  # anything else would leave the machine: block it and count it
                log["offsite"].append(r.request.url)
                r.abort()

        context.route("**/*", route)
        context.on("console", lambda m: log["console"].append((m.type, m.text)))
        context.on("weberror", lambda e: log["console"].append(("pageerror", str(e.error))))
        try:
            yield project, server, context, token, log
        finally:
            context.close()
            browser.close()


def _reviews(project):
    with project.open_store() as store:
        return [(r[0], r[1], r[2]) for r in store.query(
            "SELECT segment_id, code, decision FROM reviews WHERE reviewer='Amira' ORDER BY review_id")]


def test_sign_in_filter_accept_reject_add_and_reload(session, serve_kit):
    project, server, context, token, log = session
    page = context.new_page()
    page.goto(f"{server.url}/signin/{token}")
    page.get_by_role("button", name="Sign in as Amira").click()
    page.wait_for_url(f"{server.url}/review")
    assert page.get_by_role("button", name=re.compile("^Sign out")).is_visible()

    # Filter to managers: every segment offered is a manager's.
    page.get_by_label("Role").select_option("manager")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"role=manager"))
    assert "(manager, South" in page.locator("#segment-heading").inner_text()

    # A segment with two suggestions: accept one, reject the other, add a code.
    seg = serve_kit.segment_id_of("A dashboard will not tell you")
    page.goto(f"{server.url}/review?seg={seg}")
    page.get_by_role("button", name=re.compile("^Accept Digital tools")).click()
    page.wait_for_selector("text=Decision saved.")
    page.get_by_role("button", name=re.compile("^Reject Feelings at work")).click()
    page.wait_for_selector("text=rejected by Amira")
    page.get_by_label("Add a code").select_option(label="Caseload pressure")
    page.get_by_role("button", name="Add code").click()
    page.wait_for_selector("text=added by Amira")
    page.reload()
    text = page.locator("ul.codes").inner_text()
    assert "accepted by Amira" in text and "rejected by Amira" in text and "added by Amira" in text
    assert _reviews(project)[-3:] == [(seg, "tools", "accept"), (seg, "feelings", "reject"), (seg, "caseload", "add")]

    # Read and agree: the checked quote is there, and its link opens its place in the transcript.
    page.goto(f"{server.url}/read/tools")
    page.get_by_label("Checked").select_option("checked")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile("status=checked"))
    quotes = page.locator("ol.quotes > li")
    assert quotes.count() == 1 and "dashboard" in quotes.first.inner_text()
    quotes.first.get_by_role("link", name="in the transcript").click()
    page.wait_for_url(re.compile(r"/transcripts/south\.vtt#turn-\d+$"))
    assert page.evaluate("() => document.activeElement.id").startswith("turn-")
    page.close()


def test_keyboard_only(session, serve_kit):
    project, server, context, token, log = session
    page = context.new_page()
    seg = serve_kit.segment_id_of("Monday I had")
    page.goto(f"{server.url}/review?seg={seg}")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("a")  # accept the first undecided code
    page.wait_for_selector("text=Decision saved.")
    page.wait_for_load_state("load")
    assert _reviews(project)[-1] == (seg, "caseload", "accept")
    page.keyboard.press("c")  # the code picker, then choose with arrows and press the button
    assert page.evaluate("() => document.activeElement.id") == "add-code"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "add-button"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=added by Amira")
    page.wait_for_load_state("load")
    assert _reviews(project)[-1][2] == "add"
    page.keyboard.press("m")
    page.keyboard.type("typed from the keyboard")
    page.keyboard.press("Escape")
    page.keyboard.press("n")  # next segment
    page.wait_for_url(re.compile(r"seg=(?!" + seg + ")"))
    assert page.locator("blockquote.current").count() == 1
    page.close()


def test_works_390_px_wide(session, serve_kit):
    project, server, context, token, log = session
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (f"/review?seg={serve_kit.segment_id_of('I sit in the car park')}", "/read/caseload",
                 "/review?view=list", "/transcripts/north.vtt"):
        page.goto(server.url + path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, path
    page.goto(f"{server.url}/review?seg={serve_kit.segment_id_of('I sit in the car park')}")
    button = page.get_by_role("button", name=re.compile("^Reject Caseload pressure"))
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    button.click()
    page.wait_for_selector("text=rejected by Amira")
    page.close()


def test_no_console_errors_and_nothing_off_the_machine(session):
    project, server, context, token, log = session
    assert log["requests"], "the tests above made no requests"
    assert [m for m in log["console"] if m[0] in ("error", "pageerror")] == []
    assert log["offsite"] == []
    assert all(u.startswith(server.url + "/") for u in log["requests"])
