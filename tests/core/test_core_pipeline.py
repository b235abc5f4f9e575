"""fgkit run's stage reuse: what is reused, what is redone, and that options survive reuse."""

from __future__ import annotations

import pytest

from fgkit.pipeline import run_all
from fgkit.project import Project


@pytest.mark.slow
def test_a_redone_report_after_a_reused_analysis_keeps_topics_off(sample_project):
    project = Project.load(sample_project)
    with project.open_store() as store:
        first = run_all(project, store, topics=False)
        assert not any(o.skipped for o in first.stages)
        report = project.shareable_dir / "report.md"
        report.unlink()
        again = run_all(project, store, topics=False)
    state = {o.name: o.skipped for o in again.stages}
    assert state == {
        "ingest": False, "pseudonymise": True, "code": True, "classifier": True,
        "analyse": True, "report": False, "export": True,
    }
    text = report.read_text(encoding="utf-8")
    assert "Candidate topics were switched off for this run." in text
    assert "| Candidate topic |" not in text
