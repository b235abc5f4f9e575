"""With an encrypted key the store never pairs real speaker labels with pseudonyms (item 8b).

The first run with a passphrase ingests (real labels, no encrypted key yet), pseudonymises and
encrypts the key, and must then seal every stored label; later ingests store sealed labels
directly. The store's bytes (database and write-ahead log) must not hold any label, yet every
command that needs to know who spoke (pseudonymise, a withdrawal, the gate) still works without
reading a real label from the store.
"""

from __future__ import annotations

import csv
import sqlite3
import stat
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PASSPHRASE = "a long passphrase nobody guesses"
ENV = {"FGKIT_KEY_PASSPHRASE": PASSPHRASE}


def _rows(root: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(root / "data" / "fgkit.sqlite")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _store_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((root / "data").glob("fgkit.sqlite*")))


def _named_labels(sec) -> list[str]:
    return [label for label in sec.people if label != "Facilitator"]


@pytest.fixture(scope="module")
def study(sec, tmp_path_factory) -> Path:
    root = sec.build_study(tmp_path_factory.mktemp("sealed") / "study")
    sec.fgkit("run", "--no-topics", "--project", root, env=ENV)
    return root


def test_every_stored_label_is_sealed(study):
    labels = [r["speaker_label"] for r in _rows(study, "SELECT speaker_label FROM turns")]
    assert labels and all(label.startswith("label:") for label in labels)
    # One sealed form per speaker and transcript, not one per turn.
    assert len(set(labels)) == 6


def test_no_real_label_remains_in_the_store_files(sec, study):
    data = _store_bytes(study).lower()
    for label in _named_labels(sec):
        assert label.lower().encode() not in data, label


def test_the_secret_is_private_and_the_key_encrypted(study):
    secret = study / "data" / "speaker-labels.secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert (study / "data" / "key.json.enc").is_file() and not (study / "data" / "key.json").exists()


def test_pseudonyms_still_follow_the_register(sec, study):
    rows = _rows(study, "SELECT transcript, participant_id, speaker FROM pseudo_turns")
    by_person = {}
    for r in rows:
        by_person.setdefault(r["participant_id"], set()).add(r["speaker"])
    assert set(by_person) == {pid for pid, _, _ in sec.people.values()}
    assert all(len(names) == 1 for names in by_person.values())
    assert by_person["P04"] == {"Manager 01"} and by_person["F1"] == {"Facilitator 1"}


def test_a_changed_transcript_is_stored_sealed(sec, study):
    path = study / "data" / "transcripts" / "south.csv"
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["Milo Carraway", "And the duty rota means one of us covers two desks most days."])
    sec.fgkit("run", "--no-topics", "--project", study, env=ENV)
    labels = {r["speaker_label"] for r in _rows(study, "SELECT speaker_label FROM turns")}
    assert all(label.startswith("label:") for label in labels) and len(labels) == 6
    data = _store_bytes(study).lower()
    assert not [label for label in _named_labels(sec) if label.lower().encode() in data]


def test_a_withdrawal_is_applied_with_sealed_labels(sec, study):
    sec.fgkit("participants", "withdraw", "P02", "--project", study)
    # Before the run: the gate sees their words in the outputs, without the passphrase.
    result = sec.fgkit("check", "--project", study, ok=False)
    assert result.exit_code == 3 and "withdrew" in result.output, result.output
    sec.fgkit("run", "--no-topics", "--project", study, env=ENV)
    assert not _rows(study, "SELECT 1 FROM pseudo_turns WHERE participant_id = 'P02'")
    result = sec.fgkit("check", "--project", study, ok=False)
    assert result.exit_code == 0, result.output
    text = "\n".join(sec.shareable_texts(study / "reports").values())
    assert "firefighting every single week" not in text
    assert "relentless" in text  # the rest of the discussion stays
