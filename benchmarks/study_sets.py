"""The labelled sets the coding benchmarks score on, loaded one way for every benchmark.

Two shapes of set:

- *segment sets*: a CSV of loose segments (``id,role,text,codes[,note]``):
  ``coding_gold.csv`` (tuned against), ``coding_holdout.csv`` (held out) and the off-topic
  tuning fixture ``tests/fixtures/coding_offtopic/tuning.csv`` (tuned against, no roles);
- *study sets*: a folder shaped like a real study, ``transcripts/``, ``register.csv``
  (``transcript,speaker_label,...,role,group,...``) and ``labels.csv``
  (``transcript,turn,speaker_label,role,group,text,codes,note``, one row per participant turn,
  ``turn`` 1-based among all turns of the transcript, facilitator turns included). The
  transcripts are read with fgkit's own reader, so turn numbers and texts are the ones
  ``fgkit ingest`` stores, and labels are joined to them by transcript and turn. Facilitator
  turns are kept (unlabelled) because a coder may use the question a turn answers.

Every set carries a ``status``: ``tuned`` (rules or models were changed while looking at it),
``held-out`` (never tuned against, but seen) or ``blind`` (frozen; nobody may read it, only the
figures a scorer prints). Nothing here prints speech: the blind sets' texts stay in memory.

    from study_sets import labelled_sets
    for s in labelled_sets():
        print(s.name, s.status, len(s.labelled))
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DATA",
    "FIXTURES",
    "LabelledSet",
    "StudyTurn",
    "labelled_sets",
    "load_segment_set",
    "load_study",
    "manifest_ok",
]

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
FIXTURES = ROOT / "tests" / "fixtures"
UNLABELLED_ROLES = frozenset({"facilitator"})

# (name, path, status, what it measures); a study folder that is not there yet is skipped.
KNOWN_SETS = (
    ("coding_gold", DATA / "coding_gold.csv", "tuned", "agreement"),
    ("coding_tuning", DATA / "coding_tuning", "tuned", "agreement"),
    ("offtopic_tuning", FIXTURES / "coding_offtopic" / "tuning.csv", "tuned", "offtopic"),
    ("coding_holdout", DATA / "coding_holdout.csv", "held-out", "agreement"),
    ("coding_blind", DATA / "coding_blind", "blind", "agreement"),
    ("offtopic_blind", DATA / "offtopic_blind", "blind", "offtopic"),
)


@dataclass(frozen=True)
class StudyTurn:
    """One turn of a labelled set.

    For a segment set, ``transcript`` is empty, ``turn`` the row number and ``key`` the CSV id.
    ``codes`` is None for a turn nobody labelled (a facilitator's question)."""

    key: str
    transcript: str
    turn: int
    speaker_label: str
    role: str
    group: str
    text: str
    codes: frozenset[str] | None

    @property
    def labelled(self) -> bool:
        return self.codes is not None


@dataclass(frozen=True)
class LabelledSet:
    """A labelled set with its status (``tuned`` / ``held-out`` / ``blind``) and purpose
    (``agreement``: score against the codes; ``offtopic``: the share of segments coded)."""

    name: str
    status: str
    purpose: str
    path: Path
    turns: tuple[StudyTurn, ...]
    # Labelled rows whose text differs from what fgkit's reader gives (0 when in step).
    mismatched: int = 0
    # Labelled rows with no turn of that number in the transcript as read.
    missing: int = 0
    study: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def labelled(self) -> list[StudyTurn]:
        return [t for t in self.turns if t.labelled]

    def context_of(self, item: StudyTurn, back: int = 1) -> list[StudyTurn]:
        """Up to ``back`` turns before ``item`` in its transcript (nearest last); none for a
        segment set, whose rows are unrelated."""
        if not self.study:
            return []
        same = [t for t in self.turns if t.transcript == item.transcript and t.turn < item.turn]
        return same[-back:]


def _codes(value: str) -> frozenset[str]:
    return frozenset(c.strip() for c in value.split(";") if c.strip())


def load_segment_set(path: Path, name: str = "", status: str = "tuned",
                     purpose: str = "agreement") -> LabelledSet:
    """A CSV of loose segments (``id,text,codes`` and optionally ``role``)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    turns = tuple(
        StudyTurn(key=row["id"], transcript="", turn=i, speaker_label="",
                  role=row.get("role") or "", group="", text=row["text"], codes=_codes(row["codes"]))
        for i, row in enumerate(rows, 1)
    )
    return LabelledSet(name or path.stem, status, purpose, path, turns)


def load_study(folder: Path, name: str = "", status: str = "tuned",
               purpose: str = "agreement") -> LabelledSet:
    """A study folder read as ``fgkit ingest`` reads it, with labels joined by transcript and
    turn. Roles and groups of unlabelled turns come from the register."""
    from fgkit.ingest import read_transcript

    folder = Path(folder)
    register: dict[tuple[str, str], tuple[str, str]] = {}
    with open(folder / "register.csv", newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            register[(row["transcript"], row["speaker_label"])] = (row.get("role") or "",
                                                                  row.get("group") or "")
    labels: dict[tuple[str, int], dict] = {}
    with open(folder / "labels.csv", newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            labels[(row["transcript"], int(row["turn"]))] = row
    turns: list[StudyTurn] = []
    mismatched = 0
    joined: set[tuple[str, int]] = set()
    for path in sorted((folder / "transcripts").iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        transcript = read_transcript(path)
        for turn in transcript.turns:
            number = turn.index + 1
            row = labels.get((path.name, number))
            role, group = register.get((path.name, turn.speaker_label), ("", ""))
            codes = None
            if row is not None:
                joined.add((path.name, number))
                role, group = row["role"] or role, row["group"] or group
                codes = _codes(row["codes"])
                # Compared on words only: the labels' authors may have normalised spacing.
                if row["text"].split() != turn.text.split():
                    mismatched += 1
            turns.append(StudyTurn(
                key=f"{path.name}#{number}", transcript=path.name, turn=number,
                speaker_label=turn.speaker_label, role=role, group=group, text=turn.text,
                codes=codes,
            ))
    return LabelledSet(name or folder.name, status, purpose, folder, tuple(turns),
                       mismatched=mismatched, missing=len(set(labels) - joined), study=True)


def manifest_ok(folder: Path) -> bool | None:
    """True when every file listed in ``MANIFEST.sha256`` has its recorded hash; None when the
    folder has no manifest. A frozen set that fails has been edited."""
    manifest = Path(folder) / "MANIFEST.sha256"
    if not manifest.is_file():
        return None
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        target = Path(folder) / name.strip().lstrip("*")
        if not target.is_file() or hashlib.sha256(target.read_bytes()).hexdigest() != digest.strip():
            return False
    return True


def labelled_sets(names: list[str] | None = None) -> list[LabelledSet]:
    """Every known set that exists on disk, in the order tuned, held-out, blind."""
    out = []
    for name, path, status, purpose in KNOWN_SETS:
        if names is not None and name not in names:
            continue
        if path.is_dir() and (path / "labels.csv").is_file():
            out.append(load_study(path, name, status, purpose))
        elif path.is_file():
            out.append(load_segment_set(path, name, status, purpose))
    return out
