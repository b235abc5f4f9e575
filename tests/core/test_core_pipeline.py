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


@pytest.mark.slow
def test_review_decisions_reach_codings_csv_without_recoding(sample_project):
    import pandas as pd

    from fgkit.store import now_iso

    project = Project.load(sample_project)
    with project.open_store() as store:
        run_all(project, store, topics=False)
        before = pd.read_csv(project.shareable("codings.csv"))
        accepted, rejected = before[["segment_id", "code"]].drop_duplicates().head(2).itertuples(index=False)
        uncoded = store.query("SELECT segment_id FROM segments WHERE segment_id NOT IN "
                              "(SELECT segment_id FROM codings) ORDER BY segment_id LIMIT 1")[0]["segment_id"]
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) VALUES (?, ?, ?, 'amy', ?)",
                [(*accepted, "accept", now_iso()), (*rejected, "reject", now_iso()),
                 (uncoded, "governance", "add", now_iso())])
        again = run_all(project, store, topics=False)
    state = {o.name: o.skipped for o in again.stages}
    assert state["code"] and not state["classifier"]
    after = pd.read_csv(project.shareable("codings.csv"), dtype={"evidence_start": "Int64"})
    rows = after.set_index(["segment_id", "code"])
    assert rows.loc[tuple(accepted), "status"] == "accepted"
    assert tuple(rejected) not in rows.index
    assert rows.loc[(uncoded, "governance"), "status"] == "accepted"
    assert pd.isna(rows.loc[(uncoded, "governance"), "evidence_start"])
    # Evidence offsets stay whole numbers beside a person's code without evidence.
    raw = pd.read_csv(project.shareable("codings.csv"), dtype=str)
    offsets = pd.concat([raw["evidence_start"], raw["evidence_end"]]).dropna()
    assert len(offsets) and offsets.str.fullmatch(r"\d+").all()
