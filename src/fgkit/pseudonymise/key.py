"""The pseudonym key: real value -> pseudonym, kept in the private zone only.

``data/key.json`` (mode 0600) or, with a passphrase, ``data/key.json.enc``: a Fernet token whose
key is derived from the passphrase with scrypt (random salt stored beside the token). The key
also remembers every number it has handed out, which is what keeps pseudonyms stable when the
register grows (see speakers.py).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import InputError, ProjectError
from ..io import atomic_write_text
from ..settings import PASSPHRASE_ENV, passphrase_from_env
from .names import normalise

__all__ = [
    "ENCRYPTED_KEY_FILE",
    "KEY_FILE",
    "PASSPHRASE_ENV",
    "KeyEntity",
    "PseudonymKey",
    "key_paths",
    "load_key",
    "read_passphrase",
    "save_key",
]

KEY_FILE = "key.json"
ENCRYPTED_KEY_FILE = "key.json.enc"
KEY_FORMAT = "fgkit-key"
ENCRYPTED_FORMAT = "fgkit-key-encrypted"
# scrypt cost: about 0.1 s and 32 MB, enough to slow guessing without slowing a run.
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}


@dataclass
class KeyEntity:
    """One real value and its placeholder. ``source``: register, extra, detected, review.

    ``scope`` "study": replaced wherever it occurs and watched for by the leak gate; "local": a
    low-evidence detection replaced only where it was found (kept here so its number is stable).
    """

    value: str
    type: str
    placeholder: str
    source: str
    participant_id: str = ""
    case_sensitive: bool = False
    scope: str = "study"


@dataclass
class PseudonymKey:
    """Speaker pseudonyms (by participant id), in-text entities (by normal form), counters."""

    speakers: dict[str, dict] = field(default_factory=dict)
    entities: dict[str, KeyEntity] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        data = {
            "format": KEY_FORMAT,
            "version": 1,
            "speakers": dict(sorted(self.speakers.items())),
            "counters": dict(sorted(self.counters.items())),
            "entities": [asdict(self.entities[k]) for k in sorted(self.entities)],
        }
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, path: Path) -> PseudonymKey:
        try:
            data = json.loads(text)
            if data.get("format") != KEY_FORMAT:
                raise ValueError
            entities = {}
            for item in data.get("entities", []):
                entity = KeyEntity(**item)
                entities[normalise(entity.value)] = entity
            return cls(dict(data.get("speakers", {})), entities, dict(data.get("counters", {})))
        except (ValueError, TypeError, AttributeError):
            raise InputError(
                "not a readable fgkit key; restore it from your backup or move it aside "
                "(pseudonyms will then be renumbered)",
                path,
            ) from None


def key_paths(private_dir: Path) -> tuple[Path, Path]:
    return private_dir / KEY_FILE, private_dir / ENCRYPTED_KEY_FILE


def read_passphrase(passphrase_file: Path | None = None) -> str | None:
    """The passphrase from a file (first line) or from FGKIT_KEY_PASSPHRASE, else None."""
    if passphrase_file is not None:
        try:
            lines = Path(passphrase_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(f"cannot read the passphrase file ({exc.strerror})", passphrase_file) from None
        if not lines or not lines[0]:
            raise InputError("the passphrase file is empty; put the passphrase on line 1", passphrase_file, 1)
        return lines[0]
    return passphrase_from_env()


def _fernet(passphrase: str, salt: bytes):
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    kdf = Scrypt(salt=salt, length=32, **_SCRYPT)
    return Fernet(base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8"))))


def load_key(private_dir: Path, passphrase: str | None = None) -> PseudonymKey:
    """The stored key, or an empty one on a first run."""
    plain, enc = key_paths(private_dir)
    if enc.exists():
        if not passphrase:
            raise InputError(
                f"the key is encrypted; set {PASSPHRASE_ENV} or pass --passphrase-file", enc
            )
        from cryptography.fernet import InvalidToken

        try:
            wrapper = json.loads(enc.read_text(encoding="utf-8"))
            salt = base64.b64decode(wrapper["salt"])
            token = wrapper["token"].encode("ascii")
        except (ValueError, KeyError, TypeError):
            raise InputError("the encrypted key file is damaged; restore it from your backup", enc) from None
        try:
            text = _fernet(passphrase, salt).decrypt(token).decode("utf-8")
        except InvalidToken:
            raise InputError("cannot decrypt the key: wrong passphrase or damaged file", enc) from None
        return PseudonymKey.from_json(text, enc)
    if plain.exists():
        return PseudonymKey.from_json(plain.read_text(encoding="utf-8"), plain)
    return PseudonymKey()


def save_key(private_dir: Path, key: PseudonymKey, passphrase: str | None = None) -> Path:
    """Write the key owner-only; with a passphrase the plain file is replaced by the encrypted one."""
    plain, enc = key_paths(private_dir)
    if passphrase:
        salt = os.urandom(16)
        token = _fernet(passphrase, salt).encrypt(key.to_json().encode("utf-8"))
        wrapper = {
            "format": ENCRYPTED_FORMAT,
            "kdf": "scrypt",
            **_SCRYPT,
            "salt": base64.b64encode(salt).decode("ascii"),
            "token": token.decode("ascii"),
        }
        atomic_write_text(enc, json.dumps(wrapper) + "\n", mode=0o600)
        if plain.exists():
            plain.unlink()
        return enc
    if enc.exists():
        raise ProjectError(
            f"{enc}: the key is encrypted; pass the passphrase so it stays encrypted"
        )
    atomic_write_text(plain, key.to_json(), mode=0o600)
    return plain
