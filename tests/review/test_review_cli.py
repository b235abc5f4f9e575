from __future__ import annotations

import csv
import json

import pandas as pd
from typer.testing import CliRunner

from fgkit.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def read_worksheet(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write_worksheet(path, rows: list[dict]) -> None:
    """Save a worksheet as a reviewer's spreadsheet would: same columns, same encoding."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_export_import_status_round_trip(project, store):
    root = project.root
    result = run("review", "export", "--format", "csv", "--role", "manager", "--project", root)
    assert result.exit_code == 0, result.output
    path = root / "reports" / "review" / "worksheet.csv"
    assert f"to {path}" in result.output
    rows = read_worksheet(path)
    assert rows and {r["role"] for r in rows} == {"manager"}
    first = next(r for r in rows if r["code"])
    first["decision"] = "accept"
    rows[-1]["add_codes"] = "emotional_labour"
    write_worksheet(path, rows)

    result = run("review", "import", path, "--reviewer", "amy", "--project", root)
    assert result.exit_code == 0, result.output
    assert "stored 2 decisions (1 accept, 0 reject, 1 add); 0 already in force" in result.output
    with open(root / "reports" / "codings.csv", encoding="utf-8", newline="") as fh:
        in_force = {(r["segment_id"], r["code"]): r for r in csv.DictReader(fh)}
    assert in_force[(first["segment_id"], first["code"])]["status"] == "accepted"
    added = in_force[(rows[-1]["segment_id"], "emotional_labour")]
    assert added["status"] == "accepted" and added["reviewer"] == "amy"
    result = run("review", "import", path, "--reviewer", "amy", "--project", root)
    assert "stored 0 decisions" in result.output and "2 already in force" in result.output

    result = run("review", "status", "--project", root)
    assert result.exit_code == 0
    assert "amy" in result.output and "accept" in result.output and "add" in result.output
    n_rules = store.query("SELECT COUNT(*) AS n FROM codings WHERE coder='rules:v1'")[0]["n"]
    assert f"Machine and imported coders: rules:v1 ({n_rules})" in result.output
    runs = store.query("SELECT command, status, manifest FROM runs ORDER BY started_at")
    assert [r["command"] for r in runs] == ["review export", "review import", "review import"]
    assert all(r["status"] == "ok" for r in runs)
    assert json.loads(runs[1]["manifest"])["parameters"] == {"reviewer": "amy"}


def test_import_error_is_one_line_per_row_and_exit_code(project, store):
    root = project.root
    run("review", "export", "--format", "csv", "--project", root)
    path = root / "reports" / "review" / "worksheet.csv"
    rows = read_worksheet(path)
    rows[2]["decision"] = "definitely"
    write_worksheet(path, rows)
    result = run("review", "import", path, "--reviewer", "amy", "--project", root)
    assert result.exit_code == 2
    assert f"fgkit: error: {path}:4: decision must be accept, reject or blank" in result.output
    assert "Traceback" not in result.output


def test_status_reports_orphaned_decisions(project, store, kit):
    segment = store.query("SELECT segment_id FROM segments LIMIT 1")[0]["segment_id"]
    with store.transaction() as conn:
        conn.execute("INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at, code_label) "
                     "VALUES (?, 'burnout', 'add', 'amy', 't', 'Burnout')", (segment,))
    result = run("review", "status", "--project", project.root)
    assert "Orphaned decisions" in result.output and "burnout (Burnout) by amy: 1" in result.output


def test_train_writes_suggestions(project, kit):
    segments = kit.make_segments(60, seed=9)
    with project.open_store() as store:
        kit.write_segments(store, segments)
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) VALUES (?,?,'add','amy','t')",
                [(s["segment_id"], c) for s in segments[:45] for c in s["codes"]],
            )
    result = run("review", "train", "--project", project.root)
    assert result.exit_code == 0, result.output
    assert "Learnt from" in result.output and "learnt    workload" in result.output
    with project.open_store() as store:
        n = store.query("SELECT COUNT(*) AS n FROM codings WHERE coder='classifier:v1' AND status='suggested'")[0]["n"]
        manifest = store.last_run("review train")["manifest"]
    assert n > 0
    assert f"Suggested {n} codings and doubted 0 rule hits on 15 unreviewed segments" in result.output
    assert manifest["classifier"]["params"]["random_state"] == 42
    assert manifest["classifier"]["suggestions"] == n
    # How far to trust it: printed per code and recorded in the run manifest.
    assert "How far to trust the machine, per code" in result.output
    assert "workload" in manifest["trust"]["codes"]
    workload = manifest["trust"]["codes"]["workload"]
    assert workload["n_segments"] == 45 and workload["basis"] == "cross-validated learner"
    assert workload["low"] <= workload["kappa"] <= workload["high"]


def test_train_before_any_review_says_trust_is_unknown(project, kit):
    with project.open_store() as store:
        kit.write_segments(store, kit.make_segments(30, seed=9))
    result = run("review", "train", "--project", project.root)
    assert result.exit_code == 0, result.output
    assert "How far to trust the machine: unknown until segments are reviewed." in result.output
    with project.open_store() as store:
        assert store.last_run("review train")["manifest"]["trust"]["codes"] == {}


def test_agree_writes_tables_and_prints_labels(project, store):
    root = project.root
    run("review", "export", "--format", "csv", "--project", root)
    path = root / "reports" / "review" / "worksheet.csv"
    rows = read_worksheet(path)
    for i, r in enumerate(rows):
        if r["code"]:
            r["decision"] = "reject" if i % 4 == 0 else "accept"
    write_worksheet(path, rows)
    assert run("review", "import", path, "--reviewer", "amy", "--project", root).exit_code == 0
    result = run("agree", "rules:v1", "amy", "--project", root)
    assert result.exit_code == 0, result.output
    assert "Landis & Koch" in result.output and "(all codes, pooled)" in result.output
    per_code = pd.read_csv(root / "reports" / "agreement.csv")
    assert list(per_code.columns) == ["code", "kappa", "alpha", "percent_agreement", "n", "positives", "label", "note"]
    disagreements = pd.read_csv(root / "reports" / "disagreements.csv")
    rejected = sum(1 for i, r in enumerate(rows) if r["code"] and i % 4 == 0)
    assert len(disagreements) == rejected
    assert set(disagreements["rules:v1"]) == {1} and set(disagreements["amy"]) == {0}
    bad = run("agree", "rules:v1", "nobody", "--project", root)
    assert bad.exit_code == 2 and "no decisions by reviewer 'nobody'" in bad.output
