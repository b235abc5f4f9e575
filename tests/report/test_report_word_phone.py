"""Word and phone parity: the Word report says everything the HTML says (every section, caveat
and notice), on numbered A4 pages in UK English with the charts as pictures; the HTML fits a
390 px phone screen without sideways scrolling, in a real browser."""

from __future__ import annotations

import re
import shutil
import zipfile
from html.parser import HTMLParser

import docx
import pandas as pd
import pytest

from fgkit.report.context import build_context
from fgkit.report.render_docx import render_docx
from fgkit.report.render_html import render_html

from .conftest import make_study

LONG_WORD = "Safeguardingreferralbacklogwithoutanyspaces" * 2


class _Parts(HTMLParser):
    """Headings (h1-h4), notes and notices, captions and paragraphs of the HTML report, as text."""

    WANTED = {"h1", "h2", "h3", "h4", "caption", "p", "li"}

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.found: list[tuple[str, str, str]] = []
        self.buffer: list[list[str]] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("nav", "svg", "style", "title", "table"):
            self.skip += 1
        if tag in self.WANTED:
            self.stack.append((tag, attrs.get("class") or ""))
            self.buffer.append([])

    def handle_endtag(self, tag):
        if tag in ("nav", "svg", "style", "title", "table"):
            self.skip -= 1
        if tag in self.WANTED and self.stack and self.stack[-1][0] == tag:
            name, cls = self.stack.pop()
            text = " ".join("".join(self.buffer.pop()).split())
            if text:
                self.found.append((name, cls, text))
                if self.buffer:
                    self.buffer[-1].append(text)

    def handle_data(self, data):
        if self.buffer and (not self.skip or self.stack and self.stack[-1][0] == "caption"):
            self.buffer[-1].append(data)


# Words about how the HTML draws things, with no meaning in Word.
PRESENTATION_ONLY = ("(with a dashed edge) ",)


def _norm(text: str) -> str:
    """Compare words, not typography: quotes, brackets and case set aside."""
    text = " ".join(text.replace("“", "").replace("”", "").split())
    for phrase in PRESENTATION_ONLY:
        text = text.replace(phrase, "")
    return re.sub(r"[()]", "", text).lower()


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """(html text, Word document, Word text, docx path) for one study with unstable topics,
    example quotes, an unbreakable long word and nothing reviewed in some codes."""
    project, store, analysis = make_study(tmp_path_factory.mktemp("parity") / "study", topics_ok=True)
    topics = analysis.topics
    topics.topics["stable"] = [True, True, False]
    topics.examples = pd.DataFrame({
        "topic": [0, 0, 1, 1], "rank": [1, 2, 1, 2], "segment_id": ["a", "b", "c", "d"],
        "text": ["There is never enough time to write anything up properly.",
                 f"The {LONG_WORD} list grows every single week we meet.",
                 "Allocation feels like a lottery to most of us in the team.",
                 "Nobody explains why a case lands in my tray on a Friday."],
        "attribution": ["Practitioner, FG1", "Manager, FG3", "Practitioner, FG2", "Participant"],
        "reference": ["fg1 turn 2", "fg3 turn 4", "fg2 turn 1", ""],
    })
    with store:
        ctx = build_context(project, store, analysis)
        html = render_html(project, ctx)
    document = render_docx(ctx)
    path = tmp_path_factory.mktemp("out") / "report.docx"
    document.save(str(path))
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return html, document, _norm("\n".join(texts)), path


def test_every_heading_caption_and_caveat_of_the_html_is_in_the_word_report(both):
    html, _, word, _ = both
    parser = _Parts()
    parser.feed(html)
    missing = []
    for tag, cls, text in parser.found:
        if tag == "p" and "cite" in cls:
            continue  # quote attributions: checked with the quotes below
        wanted = _norm(text)
        if tag in ("h1", "h2", "h3", "caption") or "note" in cls or "notice" in cls or tag == "p":
            if wanted not in word:
                missing.append(f"{tag}.{cls}: {wanted[:90]}")
    assert not missing, "\n".join(missing)
    # the caveats the old Word file dropped
    assert "patterns across groups, not measurements" in word
    assert "they point to where to read, not to conclusions" in word


def test_word_marks_unchecked_figures_and_unstable_topics_as_the_html_does(both):
    html, document, word, _ = both
    assert "machine draft, not findings." in word
    assert "including unchecked suggestions" in word
    assert "0.64, stable" in word and "not measured one fit" in word
    unstable = [p.text for p in document.paragraphs if p.style.name == "Heading 2" and "(unstable)" in p.text]
    assert unstable == ["ai / tool / trust (unstable)"]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert any("Allocation feels like a lottery" in q and "Practitioner, FG2 (fg2 turn 1)" in q for q in quotes)
    # no reference beside an attribution that withholds the group
    assert any(q.endswith("— Participant") for q in quotes if "Friday" in q)


def test_word_is_numbered_a4_in_uk_english_with_charts_as_pictures(both):
    html, document, _, path = both
    for section in document.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        footer_xml = section.footer._element.xml
        assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml
    assert document.core_properties.language == "en-GB"
    with zipfile.ZipFile(path) as z:
        styles = z.read("word/styles.xml").decode("utf-8")
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        body = z.read("word/document.xml").decode("utf-8")
    assert 'w:val="en-GB"' in styles and "en-US" not in styles
    charts = html.count("<svg")
    pictures = body.count("<pic:pic")
    assert charts > 0 and pictures == charts
    assert media and all(n.endswith(".png") for n in media)
    # every picture carries its chart's values in words as alt text
    assert len(re.findall(r'<wp:docPr [^>]*descr="[^"]*%', body)) + body.count('descr="') >= pictures


def test_chart_pixels_are_small_palette_indices_never_letters(both):
    """The leak gate reads every .docx member as text: pixel bytes must never spell a name."""
    import struct
    import zlib

    _, _, _, path = both
    with zipfile.ZipFile(path) as z:
        images = [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
    assert images
    for data in images:
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        pos, idat, colour_type = 8, b"", None
        while pos < len(data):
            length, kind = struct.unpack(">I4s", data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + length]
            if kind == b"IHDR":
                colour_type = body[9]
            if kind == b"IDAT":
                idat += body
            pos += 12 + length
        assert colour_type == 3  # palette
        pixels = zlib.decompress(idat)
        assert max(pixels) < 0x41
        # stored, not compressed: the zlib stream holds the pixel bytes as they are
        assert len(idat) > len(pixels)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_the_html_report_fits_a_390_px_phone_screen(both, tmp_path):
    from playwright.sync_api import sync_playwright

    html = both[0]
    page_file = tmp_path / "report.html"
    page_file.write_text(html, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(page_file.as_uri())
            width = page.evaluate("document.scrollingElement.scrollWidth")
            # the long word is in the page, wrapped rather than pushing it wider
            assert page.locator(f"text={LONG_WORD[:30]}").count() >= 1
            wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
                .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > 391)
                .map(e => e.tagName).slice(0, 5)""")
        finally:
            browser.close()
    assert width <= 390, wide
    assert not wide
