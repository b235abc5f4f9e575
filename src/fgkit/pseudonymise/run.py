"""pseudonymise_project: the whole stage, from stored turns to pseudonymised turns and files.

Reads the ``turns`` table and the register; writes ``pseudo_turns`` (consenting participants and
facilitators only; withdrawn participants' turns are left out), the key and the anonymisation
log in the private zone, and one plain-text transcript per file in ``reports/transcripts/``,
through the one shareable writer: nothing reaches the shareable zone until the leak gate has
passed the rendered text.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ProjectError
from ..io import atomic_write_text
from ..spreadsheet_safety import neutralise
from ..passages import turn_number
from ..records import PseudoTurn
from .gatehash import write_gate_hashes
from .key import load_key, save_key
from .labels import seal_store_labels, stored_label_lookup
from .names import GENERIC_TERMS, is_name_like_label, normalise
from .sources import REVIEW_FILE, extra_identifiers, participant_names, review_decisions

__all__ = ["LOG_FILE", "TO_REVIEW_FILE", "TRANSCRIPTS_DIR", "PseudonymiseResult", "StudyContext",
           "pseudonymise_project", "study_context"]

LOG_FILE = "anonymisation-log.csv"
# Regenerated each run: confirm a value with `fgkit pseudonymise correct VALUE --missed TYPE`
# (then it is replaced everywhere), or reject it with `--wrong`.
TO_REVIEW_FILE = "identifiers-to-review.csv"
TO_REVIEW_COLUMNS = ["value", "type", "placeholder", "detections", "first_transcript", "first_turn", "why"]
TRANSCRIPTS_DIR = "transcripts"
LOG_COLUMNS = ["transcript", "turn_index", "turn_id", "type", "placeholder", "detector", "score",
               "start", "end", "new_start", "new_end"]
# The single words of placeholder types ("[Card number]" -> "card"), besides the whole types
# that _protected adds from PRESIDIO_TYPES.
_PLACEHOLDER_WORDS = {"participant", "facilitator", "practitioner", "manager", "url", "card", "bank", "ni",
                      "ip", "username", "file", "number", "id", "vehicle", "registration", "passport",
                      "driving", "licence"}


@dataclass
class PseudonymiseResult:
    """What a run did, in counts only (never values)."""

    turns_written: int
    turns_withdrawn: int
    transcripts: list[str]
    replacements: dict[str, int]
    key_path: Path
    log_path: Path
    output_files: list[Path] = field(default_factory=list)
    turns_from_model: int = 0
    turns_from_cache: int = 0
    allow_listed_names: int = 0
    to_review: int = 0


def _load_turns(store) -> list:
    rows = store.raw_turns()
    if not rows:
        raise ProjectError("no transcripts in the working store; run `fgkit ingest` first")
    return rows


def _check_labels(register, rows, lookup) -> None:
    from ..participants import check_speakers

    speakers: dict[str, dict[str, int]] = {}
    for row in rows:
        # A sealed label (encrypted key) is checked as the register label it matches.
        entry = lookup(row["transcript"], row["speaker_label"])
        label = entry.speaker_label if entry is not None else row["speaker_label"]
        speakers.setdefault(row["transcript"], {}).setdefault(label, row["line"])
    check_speakers(register, {t: list(labels.items()) for t, labels in speakers.items()})


def _register_names(register) -> tuple[dict[str, str], set[str]]:
    """normal form -> participant id; a name two participants share maps to neither (it is then
    an ordinary person entity, so nobody is wrongly attributed)."""
    owners: dict[str, set[str]] = {}
    for pid, participant in register.participants.items():
        for name in participant_names(participant):
            norm = normalise(name)
            if len(norm) >= 2:
                owners.setdefault(norm, set()).add(pid)
    names = {n: next(iter(p)) for n, p in owners.items() if len(p) == 1}
    shared = {n for n, p in owners.items() if len(p) > 1}
    return names, shared


def _protected(register, pseudonyms: dict[str, str]) -> set[str]:
    """Words never taken for new entities: pseudonyms, role and group names, generic labels."""
    # Every placeholder type's words ("[Person 2]", "[Card number]"): never taken for a value.
    from .recognizers import PRESIDIO_TYPES

    words = set(_PLACEHOLDER_WORDS) | GENERIC_TERMS | {t.casefold() for t in PRESIDIO_TYPES.values()}
    words |= {normalise(p) for p in pseudonyms.values()}
    for entry in register.entries:
        words |= {normalise(entry.role.replace("_", " ")), normalise(entry.group)}
        if not is_name_like_label(entry.speaker_label):
            words.add(normalise(entry.speaker_label))
    return words


@dataclass
class StudyContext:
    """What pseudonymising any text of the study needs: register, key, pseudonyms and the
    study's lists; ``detector()`` loads the model configured with them (only when needed, so a
    register error is reported before any model loads)."""

    project: object
    register: object
    key: object
    pseudonyms: dict[str, str]
    lists: object
    recognizer_values: dict

    def detector(self):
        from .detect import Detector

        settings = self.project.settings
        return Detector(
            settings.nlp.spacy_model,
            self.recognizer_values,
            sorted(self.lists.allow),
            settings.pseudonymise.score_threshold,
            settings.nlp.batch_size,
            protected=set(self.lists.protected) | set(self.lists.wrong),
        )


def study_context(project, passphrase: str | None = None, key=None) -> StudyContext:
    """Register, key (``key`` if given, else the stored one), pseudonyms and lists."""
    from ..participants import load_register
    from .replace import StudyLists
    from .speakers import assign_pseudonyms

    settings = project.settings.pseudonymise
    register = load_register(project.register_path)
    key = key if key is not None else load_key(project.private_dir, passphrase)
    pseudonyms = assign_pseudonyms(
        register.participants, key, settings.scheme, settings.facilitator_scheme,
    )
    names, shared = _register_names(register)
    allow = {normalise(w) for w in settings.allow_list}
    wrong, missed = review_decisions(project)
    known: dict[str, tuple] = {n: ("Person", "register") for n in shared}
    for value, kind in extra_identifiers(project):
        known.setdefault(normalise(value), (kind, "extra"))
    for value, kind in missed:
        known[normalise(value)] = (kind, "missed")
    for value in settings.deny_list:
        known.setdefault(normalise(value), (None, "deny"))
    recognizer_values = {n: ("Participant", pid) for n, pid in names.items()}
    recognizer_values.update({n: (k or "Person", "") for n, (k, _) in known.items()})
    lists = StudyLists(
        participant_names=names, pseudonyms=pseudonyms, known=known, allow=frozenset(allow),
        wrong=frozenset(wrong), protected=frozenset(_protected(register, pseudonyms)),
        withdrawn=frozenset(register.withdrawn_ids()),
    )
    return StudyContext(project, register, key, pseudonyms, lists, recognizer_values)


def pseudonymise_project(project, store, passphrase: str | None = None) -> PseudonymiseResult:
    """Pseudonymise every stored turn; see the module docstring for what is written where."""
    from ..shareable import open_publication
    from .replace import build_entities, replace_text

    rows = _load_turns(store)
    context = study_context(project, passphrase)
    register, key, pseudonyms = context.register, context.key, context.pseudonyms
    lookup = stored_label_lookup(project, register)
    _check_labels(register, rows, lookup)

    kept, withdrawn = [], 0
    for row in rows:
        entry = lookup(row["transcript"], row["speaker_label"])
        participant = register.participants[entry.participant_id]
        if participant.withdrawn:
            withdrawn += 1
        else:
            kept.append((row, participant))
    texts = [row["text"] for row, _ in kept]

    detector = context.detector()
    detections = detector.detect(texts, store)
    where = [(row["transcript"], row["turn_index"]) for row, _ in kept]
    study = build_entities(texts, detections, key, context.lists, where)

    pseudo_rows, log_rows, counts = [], [], Counter()
    by_transcript: dict[str, list[str]] = {}
    for (row, participant), text, found in zip(kept, texts, detections):
        new_text, replacements = replace_text(text, found, study)
        speaker = pseudonyms[participant.participant_id]
        entry = lookup(row["transcript"], row["speaker_label"])
        pseudo_rows.append(PseudoTurn(
            turn_id=row["turn_id"], transcript=row["transcript"], index=row["turn_index"],
            participant_id=participant.participant_id, speaker=speaker, role=participant.role,
            group=entry.group, text=new_text, start=row["start"],
            source_hash=hashlib.sha1(text.encode("utf-8")).hexdigest(),
        ))
        # "Turn 12." is what the report, quotes.csv and the matrix cite ("fg1-teams turn 12").
        by_transcript.setdefault(row["transcript"], []).append(
            f"Turn {turn_number(row['turn_index'])}. {speaker}: {new_text}")
        for r in replacements:
            counts[r.type] += 1
            log_rows.append([row["transcript"], row["turn_index"], row["turn_id"], r.type,
                             r.placeholder, r.detector, r.score, r.start, r.end, r.new_start, r.new_end])

    rendered = {Path(name).stem + ".txt": "\n\n".join(paras) + "\n" for name, paras in by_transcript.items()}
    # Through the one shareable writer: staged and gated here, before the store, the key or the
    # log change, so a value the replacement missed stops the stage with nothing changed, and
    # the staged transcripts are held back privately for `fgkit check --show`.
    shared = open_publication(project, "pseudonymise")
    for name, text in sorted(rendered.items()):
        shared.write_text(f"{TRANSCRIPTS_DIR}/{name}", text)
    shared.check(said="\n\n".join(rendered.values()))

    store.replace_pseudo_turns(pseudo_rows)
    key_path = save_key(project.private_dir, key, passphrase)
    if passphrase:
        # Without the passphrase later commands cannot read the key; the leak gate uses these.
        write_gate_hashes(project.private_dir, key.entities)
        # Nor may the store pair real speaker labels with pseudonyms by turn id.
        seal_store_labels(project, store)
    log_path = project.private(LOG_FILE)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(LOG_COLUMNS)
    # Private files are opened in spreadsheet programs too: no cell may start like a formula.
    writer.writerows([neutralise(c) for c in row] for row in log_rows)
    atomic_write_text(log_path, buf.getvalue(), mode=0o600)
    review = project.private(REVIEW_FILE)
    if not review.exists():  # a ready template for the researcher's decisions
        atomic_write_text(review, "value,type,decision,note\n", mode=0o600)
    atomic_write_text(project.private(TO_REVIEW_FILE), _to_review_csv(study.review), mode=0o600)
    shared.commit()
    outputs = shared.finals
    return PseudonymiseResult(
        turns_written=len(pseudo_rows), turns_withdrawn=withdrawn,
        transcripts=sorted(by_transcript), replacements=dict(sorted(counts.items())),
        key_path=key_path, log_path=log_path, output_files=outputs,
        turns_from_model=detector.model_calls, turns_from_cache=len(texts) - detector.model_calls,
        allow_listed_names=study.allowed_names, to_review=len(study.review),
    )


def _to_review_csv(review) -> str:
    """The low-evidence detections, replaced only where found, for a person to confirm or reject."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(TO_REVIEW_COLUMNS)
    for candidate, verdict, entity in review:
        transcript, turn = candidate.where or ("", "")
        writer.writerow([neutralise(c) for c in (candidate.value, verdict.type, entity.placeholder,
                                                 candidate.detections, transcript, turn, verdict.reason)])
    return buf.getvalue()
