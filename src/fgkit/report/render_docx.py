"""The Word report: real headings and tables, so researchers can keep editing it."""

from __future__ import annotations

from pathlib import Path

from ..office import new_word_document, save_office
from ..shareable import publication

__all__ = ["render_docx", "write_docx"]


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


def _summary(doc, ctx) -> None:
    doc.add_heading("Summary of the study", level=1)
    roles = ", ".join(
        f"{r['display']} {r['role'].lower()}s in {r['groups']} groups" for r in ctx.participants_by_role
    )
    doc.add_paragraph(
        f"{len(ctx.groups)} focus groups with {ctx.n_participants} participants ({roles}); "
        f"{ctx.n_words:,} words of discussion in {ctx.n_segments} coded segments."
    )
    doc.add_paragraph(
        f"{ctx.n_accepted} codings were accepted by a researcher; {ctx.n_suggested} are machine "
        "suggestions nobody has checked yet."
    )
    _table(doc, "Groups and who took part", ["Group", "Role"], [[g["name"], g["roles"]] for g in ctx.groups])
    doc.add_heading("Headline comparisons", level=2)
    if ctx.headlines:
        _bullets(doc, ctx.headlines)
    else:
        doc.add_paragraph("No difference between roles is large enough, on counts that can be shown, "
                          "to report as a headline.")


def _codes(doc, ctx) -> None:
    doc.add_heading("Codes, one by one", level=1)
    doc.add_paragraph("“Accepted” marks a coding a researcher accepted; “Suggested, not checked” "
                      "marks a machine suggestion.")
    for c in ctx.codes:
        doc.add_heading(c.label, level=2)
        if c.parent:
            doc.add_paragraph(f"Part of: {c.parent}")
        doc.add_paragraph(c.definition or "The codebook gives no definition for this code.")
        doc.add_paragraph(f"Overall: {c.overall}. {c.accepted} accepted and "
                          f"{c.suggested} suggested codings.")
        _table(doc, f"{c.label} by role", ["Role", "All codings", "Accepted by a researcher"],
               [[r.label, r.display, r.accepted_display] for r in c.by_role])
        _table(doc, f"{c.label} by group ({c.groups_raised})", ["Group", "All codings"],
               [[r.label, r.display] for r in c.by_group])
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
            para.add_run(f"— {q.attribution} ({tag})").bold = True


def _comparison(doc, ctx) -> None:
    doc.add_heading("Comparing roles", level=1)
    _table(doc, "How widely each code came up, by role", ["Code", *ctx.roles],
           [[row["label"], *row["cells"]] for row in ctx.comparison])
    if ctx.pairs:
        _table(doc, "Codes that often come up together (same segment)",
               ["Code", "With", "Segments", "Overlap (Jaccard)"],
               [[p["a"], p["b"], p["count"], p["jaccard"]] for p in ctx.pairs])
    doc.add_heading("Distinctive language", level=1)
    if not ctx.distinctive:
        doc.add_paragraph("No distinctive language was computed.")
    for d in ctx.distinctive:
        _table(doc, f"Words distinctive of {d['role'].lower()}s", ["Word or phrase", "Times used", "Score"],
               [[t["term"], t["count"], t["score"]] for t in d["terms"]])
    doc.add_heading("Candidate topics", level=1)
    doc.add_paragraph("Candidate topics are clusters a topic model found in the wording. They are not "
                      "themes: a researcher decides whether any of them means something.")
    doc.add_paragraph(ctx.topics.message)
    if ctx.topics.topics:
        _table(doc, "Candidate topics", ["Candidate topic", "Segments", "Top words", "Stability across seeds"],
               [[t["label"], t["size"], t["terms"], t["stability"]] for t in ctx.topics.topics])


def _matrix(doc, ctx) -> None:
    doc.add_heading("Framework matrix", level=1)
    if not ctx.matrix:
        doc.add_paragraph("The framework matrix is empty: no codings to summarise.")
        return
    for row in ctx.matrix:
        doc.add_heading(f"{row.label} ({row.role})", level=2)
        _table(doc, f"Framework matrix: {row.label}", ["Code", "Summary", "Participants", "Coding status", "Quotes"],
               [[code["label"], cell.summary, cell.participants, cell.status_mix, cell.refs]
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
    doc.add_heading("Limits: where the data are too thin", level=2)
    _bullets(doc, m.limits)
    doc.add_heading("Reproducing this report", level=2)
    doc.add_paragraph(f"Codebook {m.codebook_file}, version {m.codebook_version}, SHA-256 "
                      f"{m.codebook_sha256}. Small-cell threshold: {m.k} participants.")
    _table(doc, "Parameters and seeds", ["Setting", "Value"], [list(p) for p in m.seeds + m.parameters])
    _table(doc, "Software versions", ["Package", "Version"], [list(v) for v in m.versions])


def render_docx(ctx):
    """A python-docx Document holding the whole report."""
    doc = new_word_document()
    props = doc.core_properties
    props.title = ctx.title
    doc.add_heading(ctx.title, level=0)
    doc.add_paragraph(f"{ctx.project_name}: pseudonymised, safe to share within the study team.")
    _summary(doc, ctx)
    _codes(doc, ctx)
    _comparison(doc, ctx)
    _matrix(doc, ctx)
    _methods(doc, ctx)
    return doc


def write_docx(project, ctx) -> Path:
    document = render_docx(ctx)
    with publication(project, "report") as out:
        save_office(document, out.staged("report.docx"))
    return out.target("report.docx")
