"""Pattern agreements made on the workshop page reach the HTML and Word reports."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

pytestmark = pytest.mark.slow


def test_agreements_appear_in_the_html_and_word_reports(study, serve_kit):
    import docx

    from fgkit.cli import app

    # The withdrawal applied, as `fgkit run` would have done before a report.
    with study.open_store() as store, store.transaction() as conn:
        conn.execute("DELETE FROM codings WHERE segment_id IN "
                     "(SELECT segment_id FROM segments WHERE participant_id = 'P04')")
        conn.execute("DELETE FROM segments WHERE participant_id = 'P04'")
        conn.execute("DELETE FROM pseudo_turns WHERE participant_id = 'P04'")
    browser = serve_kit.Browser(serve_kit.client_for(study))
    browser.sign_in(serve_kit.add_reviewer(study, "Amira"))
    browser.get("/read/caseload")
    response = browser.client.post("/agree", follow_redirects=False, data={
        "csrf": browser.csrf(), "code": "caseload", "dimension": "role", "value": "manager",
        "status": "needs rewording", "note": "say some managers, not all of them"})
    assert response.status_code == 303

    runner = CliRunner()
    for command in ("analyse", "report"):
        result = runner.invoke(app, [command, "--project", str(study.root)])
        assert result.exit_code == 0, result.output
    html = (study.shareable_dir / "report.html").read_text(encoding="utf-8")
    assert html.count("what participants said about our reading</caption>") == 1
    row = html.split("Caseload pressure: what participants said about our reading", 1)[1].split("</table>")[0]
    assert "Role: Manager" in row and "needs rewording: say some managers, not all of them" in row
    assert "Amira, " in row

    word = docx.Document(str(study.shareable_dir / "report.docx"))
    tables = [[[c.text for c in r.cells] for r in t.rows] for t in word.tables
              if t.rows[0].cells[1].text == "What participants said about our reading"]
    assert len(tables) == 1
    assert tables[0][1][:2] == ["Role: Manager", "needs rewording: say some managers, not all of them"]
