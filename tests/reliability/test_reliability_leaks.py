"""Leak canary: after a full run no real value reaches the shareable zone, the console or a log."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from support import reliability_outputs as outputs

pytestmark = pytest.mark.slow

EXPECTED_KINDS = {".csv", ".html", ".docx", ".xlsx", ".md"}


@pytest.fixture(scope="module")
def finished(reference_run, rel):
    rel.assert_run_ok(reference_run)
    return reference_run


@pytest.fixture(scope="module")
def the_key(finished):
    root = finished.project
    return (
        outputs.planted_values(root)
        | outputs.register_values(root / "data" / "participants.csv", root)
        | outputs.key_file_values(root / "data", root)
    )


@pytest.fixture(scope="module")
def shareable(finished):
    return outputs.shareable_texts(finished.project / "reports")


def _describe(hits) -> str:
    # Failures name the value: these are the sample study's fictional identifiers.
    return "\n".join(f"{where}: {kv.value!r} ({kv.source})" for where, kv in hits[:40])


def test_the_run_wrote_a_full_set_of_outputs(finished):
    files = outputs.visible_files(finished.project / "reports")
    assert {p.suffix for p in files} >= EXPECTED_KINDS, sorted(p.name for p in files)


def test_no_planted_identifier_or_register_name_in_any_shareable_file(finished, shareable):
    root = finished.project
    values = outputs.planted_values(root) | outputs.register_values(root / "data" / "participants.csv", root)
    hits = outputs.find_key_values(shareable, values)
    assert not hits, _describe(hits)


def test_no_entity_of_the_private_key_in_any_shareable_file(finished, shareable):
    root = finished.project
    values = outputs.key_file_values(root / "data", root)
    assert len(values) > 100, "the key holds fewer entities than the register alone names"
    hits = outputs.find_key_values(shareable, values)
    assert not hits, _describe(hits)


def test_no_key_value_on_the_console(finished, the_key):
    hits = outputs.find_key_values({"stdout": finished.stdout, "stderr": finished.stderr}, the_key)
    assert not hits, _describe(hits)


def test_no_key_value_in_any_log(finished, the_key, rel):
    root = finished.project
    logs = {p.name: p.read_text(encoding="utf-8") for p in (root / "data").rglob("*log*") if p.is_file()}
    logs.update({p.name: p.read_text(encoding="utf-8") for p in root.rglob("*.log")})
    for row in rel.store_rows(root, "SELECT run_id, manifest FROM runs"):
        logs[f"run manifest {row['run_id']}"] = row["manifest"]
    assert "anonymisation-log.csv" in logs
    hits = outputs.find_key_values(logs, the_key)
    assert not hits, _describe(hits)


def test_the_anonymisation_log_records_positions_not_values(finished):
    with (finished.project / "data" / "anonymisation-log.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, "the anonymisation log is empty after a run that replaced names"
    assert not {"value", "original", "text"} & set(rows[0])


def test_no_private_file_copied_into_the_shareable_zone(finished):
    root = finished.project
    private = {p.read_bytes() for p in (root / "data").iterdir() if p.is_file()}
    for path in (root / "reports").rglob("*"):
        if path.is_file():
            assert path.read_bytes() not in private, path.name
            if path.suffix == ".json":
                assert json.loads(path.read_text(encoding="utf-8")).get("format") != "fgkit-key"


def _named_speaker_transcript(project, label: str) -> None:
    # A new transcript whose speaker label (a real-looking name) is not in the register.
    (project / "data" / "transcripts" / "fg7-extra.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n"
        f"<v {label}>We had three new referrals this week and no one to take them.</v>\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize("command", [("run", "--no-topics"), ("ingest",)])
def test_an_unregistered_named_speaker_fails_without_naming_them(command, tmp_path, rel):
    project = rel.copy_sample_project(tmp_path / "study")
    label = "Marguerite Oyelaran-Baptiste"
    _named_speaker_transcript(project, label)
    result = rel.run_fgkit(project, *command)
    assert result.returncode != 0
    assert "fg7-extra.vtt" in result.stderr
    for part in [label, *label.replace("-", " ").split()]:
        assert part not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_a_register_error_on_a_named_row_does_not_print_the_name(tmp_path, rel):
    project = rel.copy_sample_project(tmp_path / "study")
    register = project / "data" / "participants.csv"
    lines = register.read_text(encoding="utf-8").splitlines()
    # Line 3 is Priya Sharma's row; an impossible consent value must be reported by line only.
    assert lines[2].startswith("fg1-teams.vtt,Priya Sharma,")
    lines[2] = lines[2].replace(",given,", ",maybe later,")
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = rel.run_fgkit(project, "run", "--no-topics")
    assert result.returncode != 0
    assert "participants.csv" in result.stderr and "3" in result.stderr
    for part in ("Priya", "Sharma"):
        assert part not in result.stderr + result.stdout


def test_the_scanner_finds_what_it_looks_for(tmp_path):
    # The canary is only as good as its reader: plant values in several kinds of file.
    import docx

    repo = Path(__file__).resolve().parents[2]
    (tmp_path / "plain.txt").write_text("Practitioner 02 said Mrs Okafor waited.", encoding="utf-8")
    (tmp_path / "page.html").write_text("<p>they met at St Anne&#x27;s</p></html>", encoding="utf-8")
    (tmp_path / "asr.csv").write_text("speaker,text\nPractitioner 12,then bev said no\n", encoding="utf-8")
    document = docx.Document()
    paragraph = document.add_paragraph("I asked ")
    paragraph.add_run("Wi")
    paragraph.add_run("ll about Mr Kowal")
    paragraph.add_run("czyk.")
    document.save(tmp_path / "split-runs.docx")
    (tmp_path / "verbs.md").write_text("Will it help? I will see. I hope so.", encoding="utf-8")
    hits = outputs.find_key_values(outputs.shareable_texts(tmp_path), outputs.planted_values(repo))
    found = {(Path(where.split("!")[0]).name, kv.value) for where, kv in hits}
    assert found >= {
        ("plain.txt", "Mrs Okafor"), ("page.html", "St Anne's"), ("asr.csv", "bev"),
        ("split-runs.docx", "Will"), ("split-runs.docx", "Mr Kowalczyk"),
    }
    assert not [f for f in found if f[0] == "verbs.md"]
