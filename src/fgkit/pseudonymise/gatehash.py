"""Keyed hashes of the key's real values, so the leak gate works while the key stays encrypted.

An encrypted key cannot be read without its passphrase, yet every command that writes to the
shareable zone runs the leak gate, and the gate must look for the names detected in speech, not
only for the register's. Beside ``key.json.enc`` fgkit therefore keeps ``gate-hashes.json`` in
the private zone: for each real value, a BLAKE2b hash of its comparison form keyed with a random
salt, its kind and its placeholder. The values themselves are not in it.

Matching a hash needs candidates: every run of up to ``max_words`` words starting at a word
(unescaped from HTML and XML, spaces folded, possessive dropped, as ``names.normalise`` does) is
hashed and looked up. Only candidates whose first word is the first word of some value (a second
set of hashes) go further, which keeps a scan of a large report to a few seconds.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..io import atomic_write_text
from .names import normalise

__all__ = ["GATE_HASH_FILE", "HashedValues", "load_gate_hashes", "write_gate_hashes"]

GATE_HASH_FILE = "gate-hashes.json"
FORMAT = "fgkit-gate-hashes"
# Word runs as the candidates see them: letters and digits; everything else separates them.
_WORD = re.compile(r"[^\W_]+")


def _digest(salt: bytes, text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), key=salt, digest_size=16).hexdigest()


def _first_word(norm: str) -> str:
    match = _WORD.search(norm)
    return match.group(0) if match else ""


def _mode(entity) -> bool | str:
    """False (any case), True (where used as a name) or "cased" (also with its capital)."""
    from .names import case_mode

    mode = case_mode(entity)
    return "cased" if mode == "cased" else mode == "strict"


def _stored_mode(value) -> bool | str:
    return "cased" if value == "cased" else bool(value)


def write_gate_hashes(private_dir: Path, entities) -> Path:
    """Write the hashes of ``entities`` (normal form -> KeyEntity) next to the encrypted key."""
    salt = os.urandom(16)
    entries, firsts, max_words = {}, set(), 1
    for norm, entity in entities.items():
        # Values replaced only where found are not watched for elsewhere, as with a plain key.
        if len(norm) < 2 or getattr(entity, "scope", "study") == "local":
            continue
        kind = "participant name" if entity.type == "Participant" else entity.type
        entries[_digest(salt, norm)] = [kind, entity.placeholder, _mode(entity)]
        firsts.add(_digest(salt, _first_word(norm)))
        max_words = max(max_words, len(_WORD.findall(norm)))
    data = {"format": FORMAT, "salt": salt.hex(), "max_words": max_words,
            "first_words": sorted(firsts), "entries": dict(sorted(entries.items()))}
    path = private_dir / GATE_HASH_FILE
    atomic_write_text(path, json.dumps(data, indent=0) + "\n", mode=0o600)
    return path


def load_gate_hashes(private_dir: Path) -> HashedValues | None:
    """The stored hashes, or None when there are none (a plain key, or no key yet)."""
    path = private_dir / GATE_HASH_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError
        return HashedValues(bytes.fromhex(data["salt"]), int(data["max_words"]), set(data["first_words"]),
                            {k: (str(v[0]), str(v[1]), _stored_mode(v[2])) for k, v in data["entries"].items()})
    except (ValueError, KeyError, TypeError, IndexError):
        raise InputError("the leak gate's hash file is damaged; run `fgkit pseudonymise` with the "
                         "passphrase to write it again", path) from None


class HashedValues:
    """Finds the hashed values in a text: (offset, kind, placeholder), like ``LeakValues``."""

    def __init__(self, salt: bytes, max_words: int, first_words: set[str], entries: dict):
        self.salt = salt
        self.max_words = max_words
        self.first_words = first_words
        self.entries = entries

    def __len__(self) -> int:
        return len(self.entries)

    def digest(self, value: str) -> str:
        """The hash of ``value``'s comparison form, as the entries are keyed."""
        return _digest(self.salt, normalise(value))

    def placeholders(self) -> set[str]:
        return {placeholder for _, placeholder, _ in self.entries.values() if placeholder}

    def finditer(self, text: str) -> Iterator[tuple[int, int, str, str, str, bool]]:
        """(start, end, digest, kind, placeholder, case_sensitive) for each hashed value in ``text``."""
        # Offsets must point into the text as written, so candidates are unescaped one by one;
        # an entity ("&#39;", "&nbsp;") adds a word run, hence the wider span.
        escaped = "&" in text
        span = self.max_words * 2 + 2 if escaped else self.max_words
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        salt, entries = self.salt, self.entries
        for i, (start, end) in enumerate(words):
            if _digest(salt, text[start:end].casefold()) not in self.first_words:
                continue
            # A value may open with a sign the word runs leave out: "+44 ...", "(0115) ...".
            starts = [start, start - 1] if start and text[start - 1] in "+(#@" else [start]
            hit = None
            for j in range(i, min(i + span, len(words))):
                stop = words[j][1]
                for first in starts:
                    candidate = text[first:stop]
                    if escaped:
                        candidate = html.unescape(candidate)
                    digest = _digest(salt, normalise(candidate.replace("\xa0", " ")))
                    found = entries.get(digest)
                    if found is not None:
                        hit = (first, stop, digest, *found)
                        break
                if hit:
                    break
            if hit:
                # One leak per place: the shortest value found there.
                yield hit
