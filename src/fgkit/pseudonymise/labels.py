"""Speaker labels in the working store, sealed while the key is encrypted.

A speaker label is often a real name ("Priya Sharma", "Sam's iPad"). The store keeps raw turns
beside pseudonymised ones with the same turn id, so a store holding the real labels pairs every
real speaker with their pseudonym, which is the one thing encrypting the key is meant to hide.
With an encrypted key (``key.json.enc``) fgkit therefore stores, instead of each label, a keyed
hash of it: ``label:`` and a BLAKE2b digest of the transcript name and the label's comparison
form (the register's: spaces collapsed, case folded), keyed with a random 32-byte secret.

The secret lives in its own owner-only file in the private zone (``speaker-labels.secret``), not
in the store, so a copy of the store alone cannot be tested against guessed names. Commands
that need to know who spoke a turn hash each register row's label and compare
(``stored_label_lookup``); none of them needs the passphrase for that. Labels stored before the
key was encrypted are sealed by the first run that encrypts it (``seal_store_labels``).

What this does not hide: the register (``data/participants.csv``) names every participant by
id beside their labels, and ``pseudo_turns`` keeps each turn's participant id, so whoever holds
the whole private zone can still pair them; the register is the researcher's own file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

from ..io import atomic_write_text

__all__ = ["PREFIX", "SECRET_FILE", "is_sealed", "seal_store_labels", "sealer", "sealing",
           "stored_label_lookup"]

PREFIX = "label:"
SECRET_FILE = "speaker-labels.secret"


def sealing(project) -> bool:
    """Whether labels are stored sealed: the key is encrypted."""
    from .key import key_paths

    return key_paths(project.private_dir)[1].exists()


def _secret(project, create: bool) -> bytes | None:
    path = project.private_dir / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            return None
    except ValueError:
        from ..errors import InputError

        raise InputError("this file is damaged; restore it from your backup (without it the stored "
                         "speaker labels cannot be matched to the register)", path) from None
    secret = os.urandom(32)
    atomic_write_text(path, secret.hex() + "\n", mode=0o600)
    return secret


def _form(label: str) -> str:
    from ..participants import _label_key

    return _label_key(label)


def _digest(secret: bytes, transcript: str, label: str) -> str:
    data = f"{transcript}\x00{_form(label)}".encode("utf-8")
    return PREFIX + hashlib.blake2b(data, key=secret, digest_size=16).hexdigest()


def is_sealed(label: str) -> bool:
    return label.startswith(PREFIX)


def sealer(project) -> Callable[[str, str], str] | None:
    """``seal(transcript, label)`` -> the form a label is stored in while the key is encrypted
    (its keyed hash); None while the key is plain (labels are stored as written)."""
    if not sealing(project):
        return None
    secret = _secret(project, create=True)
    return lambda transcript, label: label if is_sealed(label) else _digest(secret, transcript, label)


def stored_label_lookup(project, register) -> Callable[[str, str], object]:
    """``lookup(transcript, stored_label)`` -> the register entry of a stored label, sealed or not
    (None for a label the register does not have)."""
    secret = _secret(project, create=False)
    sealed = {}
    if secret is not None:
        sealed = {(e.transcript, _digest(secret, e.transcript, e.speaker_label)): e for e in register.entries}

    def lookup(transcript: str, label: str):
        if is_sealed(label):
            return sealed.get((transcript, label))
        return register.lookup(transcript, label)

    return lookup


def seal_store_labels(project, store) -> int:
    """Replace every real label still in the store by its keyed hash (the key is encrypted);
    returns how many turns changed."""
    seal = sealer(project)
    if seal is None:
        return 0
    rows = store.raw_turns()
    changes = {r["turn_id"]: seal(r["transcript"], r["speaker_label"])
               for r in rows if not is_sealed(r["speaker_label"])}
    if changes:
        store.replace_speaker_labels(changes)
    return len(changes)
