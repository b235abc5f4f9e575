"""The HTML report in a real browser: offline, no console errors, keyboard reachable, printable."""

from __future__ import annotations

import re
import shutil

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")

# Every element with its own text: its colour against the first opaque background behind it,
# as a WCAG contrast ratio, and whether it counts as large text (where 3:1 is enough).
CONTRAST_JS = """
() => {
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); return {rgb: m.slice(0, 3), a: m.length > 3 ? m[3] : 1}; };
  const lum = rgb => { const [r, g, b] = rgb.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c.a > 0) return c.rgb; } return [255, 255, 255]; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const fg = parse(el instanceof SVGElement ? style.fill : style.color).rgb;
    const [l1, l2] = [lum(fg), lum(background(el))].sort((a, b) => b - a);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    out.push({tag: el.tagName, ratio: (l1 + 0.05) / (l2 + 0.05), large: size >= 24 || (bold && size >= 18.66)});
  }
  return out;
}
"""


@pytest.fixture(scope="module")
def page_log(built_reports, tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    _, paths = built_reports
    url = paths["report.html"].resolve().as_uri()
    shots = tmp_path_factory.mktemp("shots")
    log = {"console": [], "requests": [], "url": url}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            headless=True,
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: log["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: log["console"].append(("pageerror", str(e))))
            page.on("request", lambda r: log["requests"].append(r.url))
            page.goto(url, wait_until="load")
            log["contrast"] = page.evaluate(CONTRAST_JS)
            log["headings"] = page.eval_on_selector_all("h2", "els => els.map(e => e.id)")
            log["svg_boxes"] = page.eval_on_selector_all(
                "svg.chart", "els => els.map(e => e.getBoundingClientRect().width)"
            )
            page.keyboard.press("Tab")
            log["first_focus"] = page.evaluate(
                "() => [document.activeElement.className, document.activeElement.getAttribute('href'),"
                " document.activeElement.getBoundingClientRect().top,"
                " getComputedStyle(document.activeElement).outlineStyle]"
            )
            page.keyboard.press("Tab")
            log["second_focus"] = page.evaluate("() => document.activeElement.getAttribute('href')")
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Enter")
            log["after_enter"] = page.evaluate("() => document.activeElement.id")
            log["screenshot"] = shots / "report.png"
            page.screenshot(path=str(log["screenshot"]), full_page=False)
            page.emulate_media(media="print")
            log["print_nav_display"] = page.evaluate(
                "() => getComputedStyle(document.querySelector('nav')).display"
            )
            log["pdf"] = page.pdf(format="A4", prefer_css_page_size=True)
        finally:
            browser.close()
    return log


def test_no_console_errors(page_log):
    assert [m for m in page_log["console"] if m[0] in ("error", "pageerror")] == []


def test_only_the_file_itself_is_requested(page_log):
    others = [u for u in page_log["requests"] if u != page_log["url"] and not u.startswith("data:")]
    assert others == []
    assert page_log["url"] in page_log["requests"]


def test_key_sections_render(page_log):
    for section in ("summary-heading", "codes-heading", "comparison-heading", "topics-heading",
                    "matrix-heading", "methods-heading"):
        assert section in page_log["headings"]
    assert page_log["svg_boxes"] and all(w > 100 for w in page_log["svg_boxes"])


def test_first_tab_reaches_a_visible_skip_link(page_log):
    cls, href, top, outline = page_log["first_focus"]
    assert "skip-link" in cls and href == "#main"
    assert top >= 0  # on screen once focused, not parked off-canvas
    assert outline != "none"  # a visible focus indicator
    assert page_log["second_focus"] == "#about"  # then on into the contents (the plain-English page first)
    assert page_log["after_enter"] == "main"


def test_screenshot_and_print(page_log):
    data = page_log["screenshot"].read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    assert page_log["print_nav_display"] == "none"
    pdf = page_log["pdf"]
    assert pdf.startswith(b"%PDF")
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    portrait = [s for s in sizes if float(s[0]) < float(s[1])]
    landscape = [s for s in sizes if float(s[0]) > float(s[1])]
    # A4 is 595 x 842 points; the wide framework matrix gets landscape pages of its own.
    assert len(portrait) > 3 and landscape
    assert all(abs(float(w) - 595) < 1 and abs(float(h) - 842) < 1 for w, h in portrait)


def test_text_meets_wcag_aa_contrast(page_log):
    checked = page_log["contrast"]
    assert len(checked) > 100
    failing = [c for c in checked if c["ratio"] < (3.0 if c["large"] else 4.5)]
    assert failing == []
