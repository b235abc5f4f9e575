"""Review memos are pseudonymised like speech before they reach any output (issue 14, item 3).

The audit's memo shape: a made-up name, a street address with a UK postcode and a mobile number,
typed by a reviewer into the worksheet's memo cell. After import, ``fgkit run`` and
``fgkit export refi``, none of it may be in the .qdpx or in any other file under ``reports/``,
while the note itself (pseudonymised) is still exported. With an encrypted key and no
passphrase the export refuses with one line and publishes nothing.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

MEMO = "Spoke to Zebedee Quartermaine of 14 Elm Road NG7 2RD on 07911 123456 about this turn."
# Every piece of the memo that identifies someone, as it could be written into an output.
PIECES = ["Zebedee", "Quartermaine", "14 Elm Road", "Elm Road", "NG7 2RD", "NG72RD", "07911 123456",
          "07911123456", "123456"]
PASSPHRASE = "correct horse battery staple"


def _decide(rows):
    coded = [r for r in rows if r["code"]]
    assert coded, "the rule coder coded nothing: nothing to attach a memo to"
    coded[0]["decision"] = "accept"
    coded[0]["memo"] = MEMO


def _qde(root: Path) -> str:
    qdpx = next((root / "reports").glob("*.qdpx"))
    with zipfile.ZipFile(qdpx) as zf:
        return zf.read("project.qde").decode("utf-8")


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "reports").rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def study(sec, tmp_path_factory) -> Path:
    root = sec.build_study(tmp_path_factory.mktemp("memos") / "study")
    sec.fgkit("run", "--no-topics", "--project", root)
    sec.review(root, _decide)
    sec.fgkit("run", "--no-topics", "--project", root)
    sec.fgkit("export", "refi", "--project", root)
    return root


def test_the_memo_is_exported_as_a_note(study):
    notes = re.findall(r"<Note [^>]*>.*?</Note>", _qde(study), flags=re.S)
    assert len(notes) == 1
    # The reviewer's own words stay; only what identifies someone is replaced.
    assert "Spoke to" in notes[0] and "about this turn." in notes[0]
    assert "[" in notes[0]


@pytest.mark.parametrize("piece", PIECES)
def test_no_piece_of_the_memo_reaches_any_shareable_file(sec, study, piece):
    pattern = re.compile(rf"(?<!\w){re.escape(piece)}(?!\w)", re.IGNORECASE)
    found = [where for where, text in sec.shareable_texts(study / "reports").items() if pattern.search(text)]
    assert not found, f"{piece!r} in {found}"


def test_the_leak_gate_passes_the_zone(sec, study):
    result = sec.fgkit("check", "--project", study, ok=False)
    assert result.exit_code == 0, result.output


def test_an_encrypted_key_without_its_passphrase_refuses_the_memo_export(sec, study):
    sec.fgkit("pseudonymise", "--project", study, env={"FGKIT_KEY_PASSPHRASE": PASSPHRASE})
    assert (study / "data" / "key.json.enc").is_file() and not (study / "data" / "key.json").exists()
    before = _digests(study)
    result = sec.fgkit("export", "refi", "--project", study, ok=False)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "FGKIT_KEY_PASSPHRASE" in lines[0], result.output
    assert "Traceback" not in result.output and "Zebedee" not in result.output
    assert _digests(study) == before
    # With the passphrase the export goes ahead, pseudonymised as before.
    sec.fgkit("export", "refi", "--project", study, env={"FGKIT_KEY_PASSPHRASE": PASSPHRASE})
    qde = _qde(study)
    assert "Spoke to" in qde
    assert not [p for p in PIECES if p.lower() in qde.lower()]
