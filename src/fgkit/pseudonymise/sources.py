"""The researcher's own lists: register names, extra identifiers, review decisions.

``data/extra-identifiers.csv`` (value,type) names people, places and services the researcher
knows will come up. ``data/pseudonymisation-review.csv`` (value,type,decision,note) records
decisions on earlier runs: ``wrong`` (this value is not an identifier; never replace it again)
or ``missed`` (an identifier detection did not find; always replace it).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..errors import InputError, ReviewFileError
from ..spreadsheet_safety import neutralise, restore
from .names import is_name_like_label, normalise

__all__ = [
    "ENTITY_TYPES",
    "add_review_decision",
    "EXTRA_FILE",
    "REVIEW_FILE",
    "canonical_type",
    "extra_identifiers",
    "participant_names",
    "register_name_values",
    "review_decisions",
    "review_missed",
]

EXTRA_FILE = "extra-identifiers.csv"
REVIEW_FILE = "pseudonymisation-review.csv"
ENTITY_TYPES = ("Person", "Place", "Organisation", "Phone", "Email", "NHS number", "Postcode", "Date of birth",
                "Card number", "Bank account", "NI number", "IP address", "Username", "File name", "Number",
                "ID number", "Vehicle registration", "Passport number", "Driving licence", "URL")
_TYPE_ALIASES = {
    "person": "Person", "name": "Person", "per": "Person", "people": "Person",
    "place": "Place", "location": "Place", "loc": "Place", "gpe": "Place", "address": "Place",
    "organisation": "Organisation", "organization": "Organisation", "org": "Organisation",
    "service": "Organisation", "team": "Organisation",
    "phone": "Phone", "phone number": "Phone", "telephone": "Phone",
    "email": "Email", "e-mail": "Email", "email address": "Email",
    "nhs number": "NHS number", "nhs": "NHS number", "nhs_number": "NHS number",
    "postcode": "Postcode", "post code": "Postcode",
    "date of birth": "Date of birth", "dob": "Date of birth", "date_of_birth": "Date of birth",
    "card number": "Card number", "card": "Card number", "credit card": "Card number",
    "debit card": "Card number", "bank account": "Bank account", "account number": "Bank account",
    "sort code": "Bank account", "iban": "Bank account", "bank": "Bank account",
    "ni number": "NI number", "national insurance": "NI number",
    "national insurance number": "NI number", "nino": "NI number", "ip address": "IP address",
    "ip": "IP address", "username": "Username", "user name": "Username", "login": "Username",
    "handle": "Username", "file name": "File name", "filename": "File name", "file": "File name",
    "number": "Number",
    "id number": "ID number", "id": "ID number", "reference": "ID number", "reference number": "ID number",
    "ref": "ID number", "customer number": "ID number", "case number": "ID number",
    "membership number": "ID number", "policy number": "ID number", "booking reference": "ID number",
    "vehicle registration": "Vehicle registration", "registration": "Vehicle registration",
    "reg": "Vehicle registration", "number plate": "Vehicle registration",
    "registration number": "Vehicle registration",
    "passport number": "Passport number", "passport": "Passport number",
    "driving licence": "Driving licence", "driving license": "Driving licence",
    "driver's license": "Driving licence", "licence number": "Driving licence",
    "url": "URL", "web address": "URL", "link": "URL", "website": "URL",
}
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev"}
_DEVICE_WORDS = {"ipad", "iphone", "android", "galaxy", "laptop", "pc", "phone", "mobile", "macbook", "surface"}
_PARTS = re.compile(r"[^\s,()/]+")


def canonical_type(raw: str) -> str | None:
    return _TYPE_ALIASES.get(raw.strip().lower().replace("_", " ")) or _TYPE_ALIASES.get(raw.strip().lower())


def _read_rows(path: Path, columns: tuple[str, ...], error) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error("cannot decode this file; save it as CSV (UTF-8)", path) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in columns if c not in header]
    if missing:
        raise error(f"missing column(s) {', '.join(missing)}; the header must be {','.join(columns)}", path, 1)
    reader.fieldnames = header
    rows = []
    for line, row in enumerate(reader, start=2):
        row = {k: restore(v or "").strip() for k, v in row.items() if k}
        if any(row.values()):
            rows.append((line, row))
    return rows


class _SafeWriter:
    """A csv writer whose cells are neutralised for spreadsheet programs."""

    def __init__(self, writer) -> None:
        self.writer = writer

    def writerow(self, row) -> None:
        self.writer.writerow([neutralise(c) for c in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def extra_identifiers(project) -> list[tuple[str, str]]:
    """(value, type) pairs from data/extra-identifiers.csv; none if the file is absent."""
    path = project.private_dir / EXTRA_FILE
    if not path.exists():
        return []
    out = []
    for line, row in _read_rows(path, ("value", "type"), InputError):
        kind = canonical_type(row.get("type", ""))
        if not row.get("value"):
            raise InputError("value is empty; fill it in or delete the row", path, line)
        if kind is None:
            raise InputError(f"unknown type; use one of {', '.join(ENTITY_TYPES)}", path, line)
        out.append((row["value"], kind))
    return out


def review_decisions(project) -> tuple[set[str], list[tuple[str, str]]]:
    """(normal forms marked wrong, (value, type) pairs marked missed) from the review file."""
    path = project.private_dir / REVIEW_FILE
    if not path.exists():
        return set(), []
    wrong: set[str] = set()
    missed: list[tuple[str, str]] = []
    for line, row in _read_rows(path, ("value", "type", "decision"), ReviewFileError):
        decision = row.get("decision", "").lower()
        if not row.get("value"):
            raise ReviewFileError("value is empty; fill it in or delete the row", path, line)
        if decision == "wrong":
            wrong.add(normalise(row["value"]))
        elif decision == "missed":
            kind = canonical_type(row.get("type", ""))
            if kind is None:
                raise ReviewFileError(f"unknown type; use one of {', '.join(ENTITY_TYPES)}", path, line)
            missed.append((row["value"], kind))
        else:
            raise ReviewFileError("decision must be 'wrong' or 'missed'", path, line)
    return wrong, missed


def review_missed(project) -> list[tuple[str, str]]:
    return review_decisions(project)[1]


REVIEW_HEADER = ("value", "type", "decision", "note")


def add_review_decision(project, value: str, decision: str, kind: str = "", note: str = "") -> tuple[Path, str]:
    """Record one decision in the review file: "added", "unchanged" (already there) or "replaced"
    (an earlier, opposite decision on the same value is dropped, so the file never says both)."""
    from ..io import atomic_write_text

    value = " ".join(value.split())
    if not value:
        raise InputError("the value is empty; give it as `fgkit check --show` printed it")
    if decision not in ("wrong", "missed"):
        raise InputError("decision must be 'wrong' or 'missed'")
    if decision == "missed":
        canonical = canonical_type(kind)
        if canonical is None:
            raise InputError(f"unknown type {kind!r}; use one of {', '.join(ENTITY_TYPES)}")
        kind = canonical
    path = project.private(REVIEW_FILE)
    review_decisions(project)  # a broken file is reported by line before anything is added
    text = path.read_bytes().decode("utf-8-sig") if path.exists() else ""
    text = text if text.strip() else ""
    rows = ([[restore(c) for c in r] for r in csv.reader(io.StringIO(text))] if text
            else [list(REVIEW_HEADER)])
    header = [h.strip().lower() for h in rows[0]]
    at = {name: header.index(name) for name in ("value", "decision") if name in header}
    norm = normalise(value)
    same = [r for r in rows[1:] if len(r) > at["value"] and normalise(r[at["value"]]) == norm]
    if any(len(r) > at["decision"] and r[at["decision"]].strip().lower() == decision for r in same):
        return path, "unchanged"
    new = {"value": value, "type": kind, "decision": decision, "note": note}
    line = [new.get(h, "") for h in header]
    buf = io.StringIO()
    # Researchers open this file in a spreadsheet program: a value such as "+44 7700 ..." or
    # "=..." stays text (and reads back without the apostrophe).
    writer = _SafeWriter(csv.writer(buf, lineterminator="\n"))
    if same:
        writer.writerows([rows[0], *(r for r in rows[1:] if r not in same), line])
        outcome = "replaced"
    else:
        buf.write(text if not text or text.endswith("\n") else text + "\n")
        if not text:
            writer.writerow(REVIEW_HEADER)
        writer.writerow(line)
        outcome = "added"
    atomic_write_text(path, buf.getvalue(), mode=0o600)
    return path, outcome


def participant_names(participant) -> list[str]:
    """Every form of a participant's name worth matching: full name, its parts, variants."""
    names: list[str] = []
    if participant.full_name:
        names.append(participant.full_name)
        parts = [p for p in _PARTS.findall(participant.full_name) if p.lower().strip(".") not in _TITLES]
        names.extend(p for p in parts if len(p) >= 2)
    names.extend(participant.name_variants)
    for _transcript, label in participant.labels:
        if is_name_like_label(label):
            names.extend(_label_names(label))
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def _label_names(label: str) -> list[str]:
    """A name-like speaker label and its name parts ("Okafor, Grace" -> Okafor, Grace)."""
    label = re.sub(r"\([^)]*\)", "", label).strip()
    out = [label]
    for part in _PARTS.findall(label):
        part = re.sub(r"['\u2019]s$", "", part)
        if len(part) >= 2 and part[0].isupper() and part.lower() not in _DEVICE_WORDS | _TITLES:
            out.append(part)
    return out


def register_name_values(project) -> list[tuple[str, str, str]]:
    """(normal form, kind, placeholder) for every name the register holds."""
    from ..participants import load_register

    if not project.register_path.exists():
        return []
    register = load_register(project.register_path)
    out = []
    for participant in register.participants.values():
        for name in participant_names(participant):
            out.append((normalise(name), "participant name", ""))
    return out
