"""Free text a person types (review memos, notes) pseudonymised like speech.

A memo can name anyone ("Spoke to Zebedee Quartermaine of 14 Elm Road NG7 2RD"), and memos
travel into shareable outputs (the REFI-QDA project's notes, worksheets). They go through the
same detector and the same study entities as the transcripts: a name already in the key gets its
placeholder from the key ("[Person 3]", "[Practitioner 02]"), register names and the study's lists
apply, and anything newly detected in a memo is replaced by its type alone ("[Person]", "[Phone]"),
because a memo must not hand out numbers the transcripts' key has not recorded. The key itself
is never changed here.

When the key is encrypted and no passphrase is given, the register, the study's lists and the
detector still apply; only names first detected in transcripts lose their numbered placeholder
(they are still detected in the memo, and the leak gate, which reads the key's hashes, checks
what is published).
"""

from __future__ import annotations

import copy
from dataclasses import replace

from ..errors import InputError

__all__ = ["pseudonymise_for_output", "pseudonymise_free_text"]


def pseudonymise_free_text(project, texts: list[str], passphrase: str | None = None) -> list[str]:
    """Each text with identifiers replaced; empty texts come back unchanged, the model loads
    only when some text has content."""
    from .key import PseudonymKey
    from .replace import StudyEntities, build_entities, replace_text
    from .run import study_context

    if not any(t.strip() for t in texts):
        return list(texts)
    try:
        context = study_context(project, passphrase)
    except InputError:
        # An encrypted key out of reach: the register and the lists still apply.
        context = study_context(project, key=PseudonymKey())
    known = dict(context.key.entities)
    scratch = copy.deepcopy(context.key)
    detections = context.detector().detect(texts)
    study = build_entities(texts, detections, scratch, context.lists)
    # Values the key already holds keep their placeholders; new ones are typed only.
    entities = {norm: e for norm, e in known.items() if e.scope != "local"}
    for norm, entity in study.entities.items():
        entities.setdefault(norm, entity if norm in known else replace(entity, placeholder=f"[{entity.type}]"))
    local = {norm: (e if norm in known else replace(e, placeholder=f"[{e.type}]"))
             for norm, e in study.local.items()}
    search = StudyEntities(entities, set(study.strict) & set(entities), local)
    return [replace_text(text, found, search)[0] if text.strip() else text
            for text, found in zip(texts, detections)]


def pseudonymise_for_output(project, texts: list[str], passphrase: str | None = None,
                            what: str = "review memos") -> list[str]:
    """``pseudonymise_free_text`` for text about to leave the private zone (an export's notes).

    With an encrypted key and no passphrase this refuses (InputError) rather than export text
    pseudonymised without the key: names first found in transcripts would then be matched only
    by what the model happens to detect in a short memo."""
    from .key import PASSPHRASE_ENV, key_paths

    if not any(t.strip() for t in texts):
        return list(texts)
    encrypted = key_paths(project.private_dir)[1]
    if encrypted.exists() and not passphrase:
        raise InputError(
            f"{what} go into this export and are pseudonymised with the study's key, which is "
            f"encrypted; set {PASSPHRASE_ENV} or pass --passphrase-file", encrypted)
    return pseudonymise_free_text(project, texts, passphrase)
