"""The participants register: who spoke, in which role and group, and whether consent stands.

``data/participants.csv`` has one row per speaker label per transcript:

    transcript,speaker_label,participant_id,role,group,consent,full_name,name_variants

One participant can appear in several transcripts (several rows, one participant_id). Error
messages name the register line and the column, never a person's name: speaker labels are
often real names.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RegisterError
from .io import atomic_write_text
from .records import Participant, RegisterEntry
from .spreadsheet_safety import neutralise, restore

__all__ = [
    "REGISTER_COLUMNS",
    "Register",
    "load_register",
    "check_speakers",
    "draft_register",
    "withdraw",
    "FACILITATOR_LABEL",
]

REGISTER_COLUMNS = [
    "transcript", "speaker_label", "participant_id", "role", "group", "consent",
    "full_name", "name_variants",
]
REQUIRED = ("transcript", "speaker_label", "participant_id", "role", "group", "consent")
CONSENT_VALUES = ("given", "withdrawn")
FACILITATOR_LABEL = re.compile(
    r"^(facilitator|interviewer|moderator|researcher|chair|f\d*|int|i)\b", re.IGNORECASE
)
_SPACE = re.compile(r"\s+")


def _label_key(label: str) -> str:
    return _SPACE.sub(" ", label.replace("\u00a0", " ")).strip().casefold()


@dataclass
class Register:
    path: Path
    entries: list[RegisterEntry]
    participants: dict[str, Participant] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_label = {(e.transcript, _label_key(e.speaker_label)): e for e in self.entries}

    def lookup(self, transcript: str, speaker_label: str) -> RegisterEntry | None:
        return self._by_label.get((transcript, _label_key(speaker_label)))

    def withdrawn_ids(self) -> set[str]:
        return {pid for pid, p in self.participants.items() if p.withdrawn}


def _read_csv_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RegisterError(
            "participants register not found; run `fgkit participants init` to draft it", path
        ) from None
    except OSError as exc:
        raise RegisterError(f"cannot read the register ({exc.strerror})", path) from None
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RegisterError("this is not a text CSV file; save the register as CSV (UTF-8)", path)
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        return text
    raise RegisterError("cannot decode the register; save it as CSV (UTF-8)", path)


def load_register(path: str | Path) -> Register:
    """Read and validate the register. Every problem found is reported, one per line."""
    path = Path(path)
    text = _read_csv_text(path)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RegisterError(
            f"missing column(s) {', '.join(missing)}; the header must be {','.join(REGISTER_COLUMNS)}",
            path,
            1,
        )
    reader.fieldnames = header
    problems: list[RegisterError] = []
    entries: list[RegisterEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for line_no, row in enumerate(reader, start=2):
        row = {k: restore(v or "").strip() for k, v in row.items() if k is not None}
        if not any(row.values()):
            continue
        empty = [c for c in REQUIRED if not row.get(c)]
        if empty:
            problems.append(
                RegisterError(f"{', '.join(empty)} is empty; complete this row", path, line_no)
            )
            continue
        consent = row["consent"].lower()
        if consent not in CONSENT_VALUES:
            problems.append(
                RegisterError("consent must be 'given' or 'withdrawn'", path, line_no)
            )
            continue
        key = (row["transcript"], _label_key(row["speaker_label"]))
        if key in seen:
            problems.append(
                RegisterError(
                    f"this speaker label is already registered for this transcript at line "
                    f"{seen[key]}; keep one row",
                    path,
                    line_no,
                )
            )
            continue
        seen[key] = line_no
        variants = tuple(v.strip() for v in row.get("name_variants", "").split(";") if v.strip())
        entries.append(
            RegisterEntry(
                transcript=row["transcript"],
                speaker_label=row["speaker_label"],
                participant_id=row["participant_id"],
                role=row["role"].lower().replace(" ", "_"),
                group=row["group"],
                consent=consent,
                full_name=row.get("full_name", ""),
                name_variants=variants,
                line=line_no,
            )
        )
    participants, more = _participants(entries, path)
    problems.extend(more)
    if problems:
        raise RegisterError.many(problems)
    return Register(path=path, entries=entries, participants=participants)


def _participants(
    entries: Iterable[RegisterEntry], path: Path
) -> tuple[dict[str, Participant], list[RegisterError]]:
    by_id: dict[str, list[RegisterEntry]] = defaultdict(list)
    for entry in entries:
        by_id[entry.participant_id].append(entry)
    participants: dict[str, Participant] = {}
    problems: list[RegisterError] = []
    for pid, rows in by_id.items():
        first = rows[0]
        for other in rows[1:]:
            if other.role != first.role:
                problems.append(
                    RegisterError(
                        f"participant {pid} has role '{other.role}' here but '{first.role}' at "
                        f"line {first.line}; one person has one role",
                        path,
                        other.line,
                    )
                )
            if other.consent != first.consent:
                problems.append(
                    RegisterError(
                        f"participant {pid} has consent '{other.consent}' here but "
                        f"'{first.consent}' at line {first.line}; make them agree",
                        path,
                        other.line,
                    )
                )
        variants = tuple(dict.fromkeys(v for r in rows for v in r.name_variants))
        full_name = next((r.full_name for r in rows if r.full_name), "")
        participants[pid] = Participant(
            participant_id=pid,
            role=first.role,
            group=first.group,
            consent=first.consent,
            full_name=full_name,
            name_variants=variants,
            labels=tuple((r.transcript, r.speaker_label) for r in rows),
        )
    return participants, problems


def check_speakers(register: Register, speakers: Mapping[str, Iterable[tuple[str, int]]]) -> None:
    """Raise one RegisterError covering every unregistered speaker label, file by file.

    ``speakers`` maps a transcript name to (speaker_label, first line) pairs. Labels are often
    real names, so the message gives counts and line numbers, not the labels themselves.
    """
    lines = []
    total = 0
    for transcript in sorted(speakers):
        unknown = sorted(
            {label: line for label, line in speakers[transcript]
             if register.lookup(transcript, label) is None}.items(),
            key=lambda item: item[1],
        )
        if unknown:
            total += len(unknown)
            where = ", ".join(f"line {line}" for _, line in unknown)
            lines.append(f"{transcript}: {len(unknown)} unregistered speaker(s), first seen at {where}")
    if lines:
        raise RegisterError(
            f"{total} speaker label(s) are not in the register ({'; '.join(lines)}); "
            "run `fgkit participants init` to add draft rows, then complete them",
            register.path,
        )


def draft_register(path: Path, speakers: Mapping[str, Iterable[str]]) -> int:
    """Append a draft row for every speaker label not yet in the register; return how many.

    Existing rows are kept as they are. Facilitator-like labels get role 'facilitator'; every
    other role, group and consent is left for the researcher to fill in.
    """
    if path.exists():
        rows = _read_rows(path)
    else:
        rows = []
    known = {(r.get("transcript", "").strip(), _label_key(r.get("speaker_label", ""))) for r in rows}
    used_ids = {r.get("participant_id", "").strip() for r in rows}
    next_number = 1
    added = 0
    for transcript in sorted(speakers):
        for label in speakers[transcript]:
            if (transcript, _label_key(label)) in known:
                continue
            while f"P{next_number:02d}" in used_ids:
                next_number += 1
            pid = f"P{next_number:02d}"
            used_ids.add(pid)
            facilitator = bool(FACILITATOR_LABEL.match(label.strip()))
            rows.append(
                {
                    "transcript": transcript,
                    "speaker_label": label,
                    "participant_id": pid,
                    "role": "facilitator" if facilitator else "",
                    "group": "",
                    "consent": "",
                    "full_name": "",
                    "name_variants": "",
                }
            )
            known.add((transcript, _label_key(label)))
            added += 1
    _write_rows(path, rows)
    return added


def _read_rows(path: Path) -> list[dict[str, str]]:
    rows = csv.DictReader(io.StringIO(_read_csv_text(path)))
    return [{k: restore(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows]


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    # The researcher opens the register in a spreadsheet program, and speaker labels come from
    # transcripts: a label starting like a formula must stay text (read back by restore()).
    out = io.StringIO()
    extra = [k for r in rows for k in r if k and k not in REGISTER_COLUMNS]
    writer = csv.DictWriter(
        out, fieldnames=REGISTER_COLUMNS + list(dict.fromkeys(extra)), lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise(v) for k, v in row.items() if k})
    atomic_write_text(path, out.getvalue(), mode=0o600)


def withdraw(path: Path, participant_id: str, reason: str, log_path: Path) -> int:
    """Mark every row of a participant as withdrawn and log the decision (private zone).

    Returns the number of register rows changed. The next run removes the participant's words
    from every output.
    """
    register = load_register(path)
    if participant_id not in register.participants:
        raise RegisterError(
            f"no participant with id {participant_id}; check the participant_id column", path
        )
    rows = _read_rows(path)
    changed = 0
    for row in rows:
        if (row.get("participant_id") or "").strip() == participant_id:
            if (row.get("consent") or "").strip().lower() != "withdrawn":
                changed += 1
            row["consent"] = "withdrawn"
    _write_rows(path, rows)
    stamp = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    previous = log_path.read_text(encoding="utf-8") if log_path.exists() else "date,participant_id,reason\n"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([stamp, neutralise(participant_id), neutralise(reason)])
    atomic_write_text(log_path, previous + buf.getvalue(), mode=0o600)
    return changed
