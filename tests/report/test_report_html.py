"""The HTML report's structure: self-contained, accessible, escaped, deterministic, overridable."""

from __future__ import annotations

import itertools
import re

import pytest
from lxml import html as lxml_html

from fgkit.report import build_reports
from fgkit.report.context import build_context
from fgkit.report.render_html import render_html


@pytest.fixture(scope="module")
def doc(built_reports):
    _, paths = built_reports
    return lxml_html.fromstring(paths["report.html"].read_bytes())


@pytest.fixture(scope="module")
def source(built_reports):
    _, paths = built_reports
    return paths["report.html"].read_text(encoding="utf-8")


def test_sections_and_heading_outline(doc):
    assert [h.text_content() for h in doc.xpath("//h1")] == ["Machine-coded draft of the focus groups: not findings"]
    notice = doc.xpath("//div[@class='draft-notice']")[0].text_content()
    assert "Machine draft, not findings" in notice and "15 of 20 codings (75%)" in notice
    ids = [s.get("id") for s in doc.xpath("//main/section")]
    assert ids == ["about", "glossary", "summary", "codes", "comparison", "language", "topics", "matrix", "methods"]
    h3 = [h.text_content() for h in doc.xpath("//section[@id='codes']//h3")]
    assert h3 == ["Workload pressure", "Fairness of allocation", "Emotional labour",
                  "Professional judgement", "Reactions to AI"]
    # No level is skipped: every h3 sits below an h2, every h4 below an h3.
    levels = [int(el.tag[1]) for el in doc.iter("h1", "h2", "h3", "h4")]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_no_external_resources_at_all(doc, source):
    assert not doc.xpath("//script") and not doc.xpath("//link") and not doc.xpath("//iframe")
    for el in doc.xpath("//*[@href or @src]"):
        target = el.get("href") or el.get("src")
        assert target.startswith(("#", "data:")), target
    urls = re.findall(r"https?://[^\s\"'<>)]+", source)
    assert set(urls) <= {"http://www.w3.org/2000/svg"}  # the SVG namespace name, never fetched
    assert "@import" not in source and "url(" not in source


def test_skip_link_comes_first_and_targets_main(doc):
    first_link = doc.xpath("//body//a")[0]
    assert first_link.get("href") == "#main" and "skip-link" in first_link.get("class")
    assert doc.xpath("//main[@id='main']")


def test_every_chart_is_an_image_with_title_and_description(doc):
    charts = doc.xpath("//svg")
    assert len(charts) == 10
    for svg in charts:
        assert svg.get("role") == "img"
        title, desc = svg.get("aria-labelledby").split()
        assert svg.xpath(f".//title[@id='{title}']")[0].text_content().strip()
        assert svg.xpath(f".//desc[@id='{desc}']")[0].text_content().strip()


def test_every_table_has_caption_and_scoped_headers(doc):
    tables = doc.xpath("//table")
    assert len(tables) > 10
    for table in tables:
        assert table.xpath("./caption") and table.xpath("./caption")[0].text_content().strip()
        assert all(th.get("scope") in ("col", "row") for th in table.xpath(".//th"))


def test_accepted_and_suggested_are_labelled_in_words(doc):
    suggested = doc.xpath("//li[contains(@class,'quote') and contains(@class,'suggested')]")
    accepted = doc.xpath("//li[contains(@class,'quote') and contains(@class,'accepted')]")
    assert suggested and accepted
    assert all("Suggested, not checked" in li.text_content() for li in suggested)
    assert all("Accepted" in li.text_content() for li in accepted)


def test_quote_text_is_escaped_not_executed(doc, source):
    assert "<script>alert(1)</script>" not in source
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; that" in source
    quotes = " ".join(doc.xpath("//blockquote//text()"))
    assert "<script>alert(1)</script> & that's the point" in quotes


def test_candidate_topics_are_never_called_themes(doc):
    topics = doc.xpath("//section[@id='topics']")[0]
    heads = [h.text_content() for h in topics.xpath(".//th[@scope='col']")]
    assert "Candidate topic" in heads
    assert "cases / time / pressure" in topics.text_content()
    by_role = topics.xpath(".//table[caption[contains(., 'by role')]]")[0]
    rows = {tr.xpath("./th")[0].text_content(): [td.text_content() for td in tr.xpath("./td")]
            for tr in by_role.xpath("./tbody/tr")}
    assert rows["cases / time / pressure"] == ["4", "8"]  # manager, practitioner
    assert rows["ai / tool / trust"] == ["6", "0"]
    assert not re.search(r"\btheme\b(?! report)", " ".join(heads).lower())


def test_print_css_sets_a4_and_page_breaks(source):
    assert "@media print" in source and "size: A4" in source and "break-before: page" in source
    assert ":focus" in source


def test_matrix_table_has_a_column_per_code(doc):
    table = doc.xpath("//table[contains(@class,'matrix')]")[0]
    heads = [th.text_content() for th in table.xpath("./thead//th")]
    assert heads == ["Group", "Workload pressure", "Fairness of allocation", "Emotional labour",
                     "Professional judgement", "Reactions to AI"]
    rows = [tr.xpath("./th")[0].text_content() for tr in table.xpath("./tbody/tr")]
    assert rows[:4] == ["FG1Practitioner", "FG2Practitioner", "FG3Manager", "FG4Manager"]


def test_same_inputs_give_the_same_html(coded_study):
    project, store, analysis = coded_study
    first = render_html(project, build_context(project, store, analysis))
    second = render_html(project, build_context(project, store, analysis))
    assert first == second


def test_topics_status_message_shown_when_too_few_segments(coded_study):
    project, store, analysis = coded_study
    page = lxml_html.fromstring(render_html(project, build_context(project, store, analysis)))
    text = page.xpath("//section[@id='topics']")[0].text_content()
    assert "Only 19 segments" in text
    assert not page.xpath("//section[@id='topics']//table")


def test_project_template_overrides_the_packaged_one(coded_project):
    project, store, analysis = coded_project
    folder = project.root / "templates"
    folder.mkdir()
    (folder / "report.css").write_text("body { font-family: Georgia, serif; }\n", encoding="utf-8")
    out = render_html(project, build_context(project, store, analysis))
    assert "Georgia" in out and "--accent" not in out


def test_undefined_names_in_a_template_fail_loudly(coded_project):
    from fgkit.errors import InputError

    project, store, analysis = coded_project
    override = project.root / "templates" / "report.html.j2"
    override.parent.mkdir()
    override.write_text("<p>\n{{ ctx.no_such_field }}</p>", encoding="utf-8")
    ctx = build_context(project, store, analysis)
    with pytest.raises(InputError, match="no_such_field") as info:
        render_html(project, ctx)
    assert info.value.path == override
    override.write_text("<p>\n{% if %}</p>", encoding="utf-8")
    with pytest.raises(InputError, match="template error") as info:
        render_html(project, ctx)
    assert info.value.path == override and info.value.line == 2


def test_empty_store_is_refused_with_a_next_step(tmp_path):
    from fgkit.errors import ProjectError
    from fgkit.project import init_project

    project = init_project(tmp_path / "empty")
    with project.open_store() as store, pytest.raises(ProjectError, match="fgkit code"):
        build_reports(project, store)
    assert not list(project.shareable_dir.iterdir())


def test_a_report_that_leaks_is_removed_and_the_error_names_no_value(coded_project):
    from fgkit.errors import LeakError

    project, store, analysis = coded_project
    (project.private_dir / "extra-identifiers.csv").write_text("value,type\nBeeston,Place\n", encoding="utf-8")
    with store.transaction() as conn:
        for table in ("pseudo_turns", "segments"):
            conn.execute(
                f"UPDATE {table} SET text = 'Back at the Beeston office the pressure never stops.' "
                "WHERE text LIKE 'The pressure never stops%'"
            )
    with pytest.raises(LeakError) as info:
        build_reports(project, store, analysis)
    assert "Beeston" not in str(info.value)
    assert "report.html" in str(info.value)
    assert not [p for p in project.shareable_dir.iterdir() if p.name.startswith("report")]
    assert not (project.shareable_dir / "framework-matrix.xlsx").exists()
