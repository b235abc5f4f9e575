"""The Word report: real headings and tables, so researchers can keep editing it.

It says what the HTML report says, section by section and caveat by caveat (the machine-draft
notice, checked and unchecked figures, the notes on disclosure and on reading patterns), with the
charts as images, on A4 pages numbered in the footer, in UK English. The plain-English opening and
the glossary (report/plain.py, via the context) come first, as in the HTML and Markdown.
"""

from __future__ import annotations

import io
from pathlib import Path

from ..office import new_word_document, save_office
from ..shareable import publication
from .charts import chart_png

__all__ = ["render_docx", "write_docx"]

A4 = (210, 297)  # millimetres
MARGIN_MM = 20
CHART_WIDTH_MM = 160


def _table(doc, caption: str, header: list[str], rows: list[list[str]]) -> None:
    doc.add_paragraph(caption, style="Caption")
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.paragraphs[0].add_run(str(text)).bold = True
    _repeat_header(table.rows[0])
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = str(text)


def _repeat_header(row) -> None:
    """Mark the header row to repeat on each printed page (Word's tblHeader)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    props.append(flag)


def _bullets(doc, lines) -> None:
    for line in lines:
        doc.add_paragraph(str(line), style="List Bullet")


def _note(doc, text: str) -> None:
    """A caveat the HTML sets in a shaded box: here an indented paragraph with a left rule."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    para = doc.add_paragraph(str(text))
    para.paragraph_format.left_indent = Mm(4)
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for key, value in (("val", "single"), ("sz", "24"), ("space", "8"), ("color", "1D4F91")):
        left.set(qn(f"w:{key}"), value)
    borders.append(left)
    para._p.get_or_add_pPr().append(borders)


def _boxed(doc, lines: list[str], bold_first: str = "") -> None:
    """The machine-draft notice: paragraphs inside one heavy border, as the HTML's box (Word
    draws one box round consecutive paragraphs with the same borders)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for i, line in enumerate(lines):
        para = doc.add_paragraph()
        if i == 0 and bold_first:
            para.add_run(bold_first + " ").bold = True
        para.add_run(line)
        borders = OxmlElement("w:pBdr")
        for side in ("top", "left", "bottom", "right"):
            edge = OxmlElement(f"w:{side}")
            for key, value in (("val", "single"), ("sz", "24"), ("space", "6"), ("color", "5C3D00")):
                edge.set(qn(f"w:{key}"), value)
            borders.append(edge)
        shading = OxmlElement("w:shd")
        for key, value in (("val", "clear"), ("color", "auto"), ("fill", "FFF8E6")):
            shading.set(qn(f"w:{key}"), value)
        props = para._p.get_or_add_pPr()
        props.append(borders)
        props.append(shading)


def _chart(doc, chart) -> None:
    """The chart as a picture, its title as alt text, and its values in words beneath."""
    from docx.shared import Mm

    doc.add_picture(io.BytesIO(chart_png(chart)), width=Mm(CHART_WIDTH_MM))
    picture = doc.paragraphs[-1]
    doc_pr = picture._p.xpath(".//wp:docPr")
    if doc_pr:
        doc_pr[0].set("descr", chart.desc)
        doc_pr[0].set("title", chart.title)
    doc.add_paragraph(chart.desc, style="Caption")


def _page_setup(doc) -> None:
    """A4 portrait with page numbers centred in every footer ("Page 3 of 12")."""
    from docx.shared import Mm

    for section in doc.sections:
        section.page_width, section.page_height = Mm(A4[0]), Mm(A4[1])
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Mm(MARGIN_MM))
        footer = section.footer.paragraphs[0]
        footer.alignment = 1  # centre
        footer.add_run("Page ")
        _field(footer, "PAGE")
        footer.add_run(" of ")
        _field(footer, "NUMPAGES")


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in when laying out pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str):
        run = OxmlElement("w:r")
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        run.append(fld)
        return run

    text_run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    text_run.append(instr)
    shown = OxmlElement("w:r")
    value = OxmlElement("w:t")
    value.text = "1"
    shown.append(value)
    for element in (char("begin"), text_run, char("separate"), shown, char("end")):
        paragraph._p.append(element)


def _opening(doc, ctx) -> None:
    doc.add_heading(ctx.title, level=0)
    if getattr(ctx, "notice", ""):
        _boxed(doc, [ctx.notice[28:].strip() if ctx.notice.startswith("Machine draft, not findings.")
                     else ctx.notice,
                     f"Checked by a person: {ctx.n_checked} of {ctx.n_decidable} codings "
                     f"({round(100 * ctx.checked_share)}%)."],
               bold_first="Machine draft, not findings." if ctx.notice.startswith("Machine draft") else "")
    doc.add_paragraph(f"{ctx.project_name}: {len(ctx.groups)} focus groups, {ctx.n_participants} "
                      "participants. Pseudonymised: safe to share within the study team.")
    if ctx.plain_english:
        _plain_english(doc, ctx.plain_english)
    _glossary(doc, ctx)


def _plain_english(doc, plain) -> None:
    """The one-page opening (report/plain.py): its title, then a heading and a paragraph a part."""
    doc.add_heading(plain.title, level=1)
    for heading, text in plain.parts:
        doc.add_heading(heading, level=2)
        doc.add_paragraph(text)


def _glossary(doc, ctx) -> None:
    if not ctx.glossary:
        return
    doc.add_heading("Glossary", level=1)
    for term, meaning in ctx.glossary:
        para = doc.add_paragraph()
        para.add_run(f"{term}: ").bold = True
        para.add_run(meaning)


def _summary(doc, ctx) -> None:
    doc.add_heading("Summary of the study", level=1)
    roles = ", ".join(
        f"{r['display']} {r['role'].lower()}{'s' if r['participants'] != 1 else ''} in "
        f"{r['groups']} group{'s' if r['groups'] != 1 else ''}" for r in ctx.participants_by_role
    )
    doc.add_paragraph(
        f"{len(ctx.groups)} focus groups with {ctx.n_participants} participants ({roles}); "
        f"{ctx.n_words:,} words of discussion in {ctx.n_segments} coded segments."
    )
    doc.add_paragraph(
        f"{ctx.n_accepted} codings were accepted by a researcher; {ctx.n_suggested} are machine "
        "suggestions nobody has checked yet. Quotes, tables and bars below say which is which: "
        "solid bars are checked, light grey bars with a dashed edge are unchecked."
    )
    if getattr(ctx, "disclosure_note", ""):
        _note(doc, ctx.disclosure_note)
    _table(doc, "Groups and who took part", ["Group", "Role"], [[g["name"], g["roles"]] for g in ctx.groups])
    doc.add_heading("Headline comparisons", level=2)
    if ctx.headlines:
        _bullets(doc, ctx.headlines)
        if ctx.headline_note:
            _note(doc, ctx.headline_note)
    else:
        doc.add_paragraph(ctx.headline_note or "No difference between roles is large enough, on "
                          "counts that can be shown, to report as a headline.")
    _note(doc, "These are patterns across groups, not measurements of how many people hold a view. "
               "See Methods and limits.")


def _codes(doc, ctx) -> None:
    doc.add_heading("Codes, one by one", level=1)
    para = doc.add_paragraph("For each code: what it means, how widely it came up, and quotes drawn "
                             "in turn from each group. ")
    para.add_run("Accepted").bold = True
    para.add_run(" marks a coding a researcher accepted; ")
    para.add_run("Suggested, not checked").bold = True
    para.add_run(" marks a machine suggestion nobody has checked yet.")
    for c in ctx.codes:
        doc.add_heading(c.label, level=2)
        if c.parent:
            doc.add_paragraph(f"Part of: {c.parent}")
        doc.add_paragraph(c.definition or "The codebook gives no definition for this code.")
        checked = getattr(c, "overall_checked", "")
        doc.add_paragraph((f"Checked by a person: {checked}. " if checked else "")
                          + f"Including unchecked suggestions: {c.overall}. {c.accepted} accepted "
                          f"and {c.suggested} unchecked codings.")
        doc.add_paragraph(f"Agreement with reviewers: {c.trust}.")
        doc.add_heading("By role: share of participants, checked and unchecked", level=3)
        _chart(doc, c.role_chart)
        _table(doc, f"{c.label} by role", ["Role", "Accepted by a researcher", "Including unchecked suggestions"],
               [[r.label, r.accepted_display, r.display] for r in c.by_role])
        doc.add_heading(f"By group: {c.groups_raised}", level=3)
        _chart(doc, c.group_chart)
        readings = (ctx.participant_readings or {}).get(c.code)
        if readings:
            _table(doc, f"{c.label}: what participants said about our reading",
                   ["Pattern", "What participants said about our reading", "Recorded by"],
                   [[r["pattern"], r["status"] + (f": {r['note']}" if r["note"] else ""), r["recorded"]]
                    for r in readings])
        doc.add_heading("Quotes", level=3)
        if not c.quotes:
            doc.add_paragraph("No quote available for this code.")
        for q in c.quotes:
            para = doc.add_paragraph(f"“{q.text}” ", style="Quote")
            tag = "Accepted" if q.status == "accepted" else "Suggested, not checked"
            # The reference is "" where the attribution withholds the group (fgkit.disclosure).
            reference = q.reference
            para.add_run(f"— {q.attribution}{f' ({reference})' if reference else ''} ({tag})").bold = True


def _comparison(doc, ctx) -> None:
    doc.add_heading("Comparing roles", level=1)
    unchecked = ctx.unchecked_comparison or []
    rows = []
    for i, row in enumerate(ctx.comparison):
        extra = row.get("unchecked") or (unchecked[i] if i < len(unchecked) else None)
        cells = row["cells"]
        if extra:
            cells = [f"{cell} (including unchecked: {more})" for cell, more in zip(cells, extra)]
        rows.append([row["label"], *cells])
    _table(doc, "How widely each code came up, by role: accepted by a researcher, then including "
           "unchecked suggestions", ["Code", *ctx.roles], rows)
    if ctx.pairs:
        _table(doc, "Codes that often come up together (same segment)",
               ["Code", "With", "Segments", "Overlap (Jaccard)"],
               [[p["a"], p["b"], p["count"], p["jaccard"]] for p in ctx.pairs])


def _language(doc, ctx) -> None:
    doc.add_heading("Distinctive language", level=1)
    doc.add_paragraph("Words one role used noticeably more than the others. They point to where to "
                      "read, not to conclusions.")
    doc.add_paragraph(ctx.distinctive_explained)
    if not ctx.distinctive:
        doc.add_paragraph(ctx.distinctive_none)
    for d in ctx.distinctive:
        _table(doc, f"Words distinctive of {d['role'].lower()}s", ["Word or phrase", "Times used", "Score"],
               [[t["term"], t["count"], t["score"]] for t in d["terms"]])


def _topics(doc, ctx) -> None:
    doc.add_heading("Candidate topics", level=1)
    _note(doc, "Candidate topics are clusters a topic model found in the wording. They are not "
               "themes: a researcher decides whether any of them means something.")
    doc.add_paragraph(ctx.topics.message)
    if ctx.topics.topics:
        _table(doc, "Candidate topics", ["Candidate topic", "Segments", "Top words", "Stability across fits"],
               [[t["label"], t["size"], t["terms"], t["stability"]] for t in ctx.topics.topics])
        _note(doc, ctx.topics.explained)
        for t in ctx.topics.topics:
            heading = doc.add_heading(t["label"], level=2)
            if not t.get("stable", True):
                heading.add_run(" (unstable)")
            if not t.get("examples"):
                doc.add_paragraph("No passage long enough to quote fairly.")
            for q in t.get("examples", []):
                para = doc.add_paragraph(f"“{q['text']}” ", style="Quote")
                reference = f" ({q['reference']})" if q.get("reference") else ""
                para.add_run(f"— {q['attribution']}{reference}").bold = True
    if ctx.topics.per_role:
        _table(doc, "Candidate topics by role (segments)", ["Candidate topic", *ctx.topics.roles],
               [[t["topic"], *t["counts"]] for t in ctx.topics.per_role])


def _matrix(doc, ctx) -> None:
    doc.add_heading("Framework matrix", level=1)
    doc.add_paragraph("Rows are groups, columns are codes; each cell summarises what the group said, "
                      "with references to the quotes behind it. Read down a column for one code across "
                      "groups, along a row for one group across codes. The same matrix is in "
                      "framework-matrix.xlsx.")
    if not ctx.matrix:
        doc.add_paragraph("The framework matrix is empty: no codings to summarise.")
        return
    marks = {"none": "Unchecked: ", "some": "Partly checked: "}
    for row in ctx.matrix:
        doc.add_heading(f"{row.label} ({row.role})", level=2)
        _table(doc, f"Framework matrix: {row.label}", ["Code", "Summary", "Participants", "Coding status", "Quotes"],
               [[code["label"], marks.get(getattr(cell, "checked", ""), "") + cell.summary,
                 cell.participants, cell.status_mix, cell.refs]
                for code, cell in zip(ctx.matrix_codes, row.cells) if cell.summary])


def _methods(doc, ctx) -> None:
    m = ctx.methods
    doc.add_heading("Methods and limits", level=1)
    doc.add_heading("Data", level=2)
    _table(doc, "Transcripts by format", ["Format", "Files", "Turns", "Words"],
           [[f["format"], f["files"], f["turns"], f["words"]] for f in m.formats])
    doc.add_heading("What was automated and what a person checked", level=2)
    _bullets(doc, [*m.automated, m.reviewed])
    doc.add_heading("Agreement between coders", level=2)
    doc.add_paragraph(m.agreement_note)
    if m.agreement_rows:
        _table(doc, "Agreement figures", m.agreement_columns, m.agreement_rows)
    if getattr(m, "enough", ""):
        doc.add_heading("When the report stops being a draft", level=2)
        doc.add_paragraph(m.enough)
    doc.add_heading("Limits: where the data are too thin", level=2)
    _bullets(doc, m.limits)
    doc.add_heading("Reproducing this report", level=2)
    doc.add_paragraph(f"Codebook {m.codebook_file}, version {m.codebook_version}, SHA-256 "
                      f"{m.codebook_sha256}. Small-cell threshold: {m.k} participants.")
    if getattr(m, "stages", None):
        _table(doc, "Stages run", ["Stage", "Finished", "Status", "Run"],
               [[s["command"], s["finished"], s["status"], s["run_id"]] for s in m.stages])
    _table(doc, "Parameters and seeds", ["Setting", "Value"], [list(p) for p in m.seeds + m.parameters])
    _table(doc, "Software versions", ["Package", "Version"], [list(v) for v in m.versions])


def render_docx(ctx):
    """A python-docx Document holding the whole report."""
    doc = new_word_document()
    doc.core_properties.title = ctx.title
    doc.core_properties.language = "en-GB"
    _page_setup(doc)
    _opening(doc, ctx)
    _summary(doc, ctx)
    _codes(doc, ctx)
    _comparison(doc, ctx)
    _language(doc, ctx)
    _topics(doc, ctx)
    _matrix(doc, ctx)
    _methods(doc, ctx)
    doc.add_paragraph("Made with fgkit from pseudonymised material. Attributions name at most a role "
                      "and a group, never a person.")
    return doc


def write_docx(project, ctx) -> Path:
    document = render_docx(ctx)
    with publication(project, "report") as out:
        save_office(document, out.staged("report.docx"))
    return out.target("report.docx")
