"""Export the pseudonymised, coded project as a REFI-QDA project (.qdpx).

The zip holds ``project.qde`` and one plain-text source per transcript under ``sources/``.
Cases are participants (named by pseudonym) carrying role and group as variables; accepted
codings become PlainTextSelections with one Coding each per code; review memos become Notes.
GUIDs are uuid5 of content and zip entries carry fixed timestamps, so the same store and
settings give a byte-identical file.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ..office import write_zip
from ..shareable import publication
from .inputs import codings_in_force, load_codes, pseudo_turns, withdrawn_ids
from .qde import guid, layout_source, project_root, sub, xml_bytes
from .safety import check_destination

__all__ = ["RefiResult", "build_qdpx", "export_refi", "default_qdpx_name"]

TOOL_USER = "fgkit"
VARIABLES = ("role", "group")


@dataclass(frozen=True)
class RefiResult:
    path: Path
    sources: int
    cases: int
    codes: int
    selections: int
    codings: int
    notes: int


def default_qdpx_name(project) -> str:
    stem = re.sub(r"[^\w.-]+", "-", project.name).strip("-.") or "project"
    return f"{stem}.qdpx"


def _version() -> str:
    from .. import __version__

    return __version__


def _codebook(parent: ET.Element, codes, used: set[str]) -> dict[str, str]:
    """Write the nested code tree; returns code id -> GUID."""
    known = {c.id for c in codes}
    extra = sorted(used - known)
    guids = {c.id: guid("code", c.id) for c in codes}
    guids.update({cid: guid("code", cid) for cid in extra})
    if not guids:
        return guids
    container = sub(sub(parent, "CodeBook"), "Codes")

    def add(into: ET.Element, code) -> None:
        el = sub(into, "Code", guid=guids[code.id], name=code.label, isCodable="true",
                 color=code.colour or None)
        if code.definition:
            sub(el, "Description", code.definition)
        for child in codes:
            if child.parent == code.id:
                add(el, child)

    for code in codes:
        if code.parent is None or code.parent not in known:
            add(container, code)
    for cid in extra:
        el = sub(container, "Code", guid=guids[cid], name=cid, isCodable="true")
        sub(el, "Description", "Used in codings but not in the codebook.")
    return guids


def build_qdpx(project, store, include_suggestions: bool = False, passphrase: str | None = None):
    """The .qdpx members [(name, bytes)] and counts, without writing anything.

    Review memos become notes pseudonymised like speech; with an encrypted key that needs the
    ``passphrase`` (without it, memos to export are refused with one clear line)."""
    withdrawn = withdrawn_ids(project)
    turns = list(pseudo_turns(store, withdrawn).itertuples(index=False))
    codings = _pseudonymised_memos(
        project, list(codings_in_force(store, withdrawn, include_suggestions).itertuples(index=False)), passphrase)
    codes = load_codes(project)

    users = {name: guid("user", name) for name in sorted({TOOL_USER, *map(_author, codings)})}
    root = project_root(name=project.name, origin=f"fgkit {_version()}",
                        creatingUserGUID=users[TOOL_USER])
    users_el = sub(root, "Users")
    for name, user_guid in users.items():
        sub(users_el, "User", guid=user_guid, name=name)
    code_guids = _codebook(root, codes, {c.code for c in codings})

    variables_el = sub(root, "Variables")
    var_guids = {v: guid("variable", v) for v in VARIABLES}
    for name in VARIABLES:
        sub(variables_el, "Variable", guid=var_guids[name], name=name, typeOfVariable="Text")

    source_guids = {t: guid("source", t) for t in sorted({t.transcript for t in turns})}
    n_cases = _cases(root, turns, var_guids, source_guids)

    writer = _SelectionWriter(users, code_guids, {c.id: c.label for c in codes})
    members: list[tuple[str, bytes]] = []
    if source_guids:
        sources_el = sub(root, "Sources")
    by_transcript: dict[str, list] = {}
    for row in codings:
        by_transcript.setdefault(row.transcript, []).append(row)
    for transcript, source_guid in source_guids.items():
        layout = layout_source(t for t in turns if t.transcript == transcript)
        members.append((f"sources/{source_guid}.txt", layout.text.encode("utf-8")))
        source = sub(sources_el, "TextSource", guid=source_guid, name=Path(transcript).stem,
                     plainTextPath=f"internal://{source_guid}.txt")
        mine = sorted(
            (r for r in by_transcript.get(transcript, []) if r.turn_id in layout.speech_offsets),
            key=lambda r: (r.turn_index, r.start_char, r.end_char, r.segment_id, r.status, r.code),
        )
        for (_, _), part in itertools.groupby(mine, key=lambda r: (r.segment_id, r.status)):
            writer.selection(source, list(part), layout.speech_offsets)
    if writer.notes:
        notes_el = sub(root, "Notes")
        for note_guid, name, user, memo in writer.notes:
            note = sub(notes_el, "Note", guid=note_guid, name=name, creatingUser=user)
            sub(note, "PlainTextContent", memo)

    members.sort()
    members.insert(0, ("project.qde", xml_bytes(root)))
    counts = {
        "sources": len(source_guids), "cases": n_cases, "codes": len(code_guids),
        "selections": writer.selections, "codings": writer.codings, "notes": len(writer.notes),
    }
    return members, counts


def _pseudonymised_memos(project, codings: list, passphrase: str | None) -> list:
    """Codings whose memos are pseudonymised: a memo is typed by a person and can name anyone
    (a participant, a neighbour, an address), so it goes through the study's detector and key."""
    from ..pseudonymise.freetext import pseudonymise_for_output

    memos = sorted({row.memo for row in codings if row.memo})
    if not memos:
        return codings
    done = dict(zip(memos, pseudonymise_for_output(project, memos, passphrase)))
    return [row._replace(memo=done[row.memo]) if row.memo else row for row in codings]


def _cases(root: ET.Element, turns, var_guids: dict[str, str], source_guids: dict[str, str]) -> int:
    """One Case per participant, named by pseudonym, with role, group and the sources."""
    people: dict[str, dict] = {}
    for t in turns:
        person = people.setdefault(t.participant_id, {
            "speaker": t.speaker, "role": t.role, "groups": set(), "transcripts": set()})
        person["groups"].add(t.group)
        person["transcripts"].add(t.transcript)
    if not people:
        return 0
    cases_el = sub(root, "Cases")
    for pid, person in sorted(people.items(), key=lambda p: (p[1]["speaker"], p[0])):
        case = sub(cases_el, "Case", guid=guid("case", pid), name=person["speaker"])
        # A facilitator may run several groups: every group they appear in is listed.
        values = {"role": person["role"], "group": "; ".join(sorted(person["groups"]))}
        for name in VARIABLES:
            value = sub(case, "VariableValue")
            sub(value, "VariableRef", targetGUID=var_guids[name])
            sub(value, "TextValue", values[name])
        for transcript in sorted(person["transcripts"]):
            sub(case, "SourceRef", targetGUID=source_guids[transcript])
    return len(people)


class _SelectionWriter:
    """Writes one PlainTextSelection per (segment, status) and collects memos as notes."""

    def __init__(self, users: dict[str, str], code_guids: dict[str, str], labels: dict[str, str]):
        self.users, self.code_guids, self.labels = users, code_guids, labels
        self.notes: list[tuple[str, str, str, str]] = []
        self.selections = self.codings = 0

    def selection(self, source: ET.Element, part: list, speech_offsets: dict[str, int]) -> None:
        first = part[0]
        segment_id, status = first.segment_id, first.status
        offset = speech_offsets[first.turn_id]
        selection = sub(source, "PlainTextSelection", guid=guid("selection", segment_id, status),
                        startPosition=offset + int(first.start_char),
                        endPosition=offset + int(first.end_char))
        self.selections += 1
        if status == "suggested":
            sub(selection, "Description", "Suggested by fgkit, not reviewed: " + "; ".join(
                f"{self.labels.get(r.code, r.code)} ({r.coder}, confidence {r.confidence:.2f})"
                for r in part))
        for row in part:
            author = self.users[_author(row)]
            coding = sub(selection, "Coding", guid=guid("coding", segment_id, row.code, status),
                         creatingUser=author)
            sub(coding, "CodeRef", targetGUID=self.code_guids[row.code])
            self.codings += 1
            if row.memo:
                note_guid = guid("note", segment_id, row.code, row.memo)
                sub(coding, "NoteRef", targetGUID=note_guid)
                label = self.labels.get(row.code, row.code)
                self.notes.append((note_guid, f"Memo: {label}", author, row.memo))


def _author(row) -> str:
    """Who a coding is credited to: the reviewer who decided it, else the machine coder."""
    if row.status == "accepted" and row.reviewer:
        return str(row.reviewer)
    return str(row.coder)


def export_refi(
    project, store, output: str | Path | None = None, include_suggestions: bool = False,
    passphrase: str | None = None,
) -> RefiResult:
    """Write the project as ``reports/<project name>.qdpx`` (or ``output``)."""
    name: str | Path = default_qdpx_name(project)  # in the shareable zone
    if output is not None:
        path = Path(output)
        name = check_destination(project, path / name if path.is_dir() else path)
    members, counts = build_qdpx(project, store, include_suggestions, passphrase)
    with publication(project, "export" if output is None else "export-custom") as out:
        write_zip(out.staged(name), members)
    return RefiResult(path=out.target(name), **counts)
