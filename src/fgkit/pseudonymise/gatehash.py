"""Keyed hashes of the key's real values, so the leak gate works while the key stays encrypted.

An encrypted key cannot be read without its passphrase, yet every command that writes to the
shareable zone runs the leak gate, and the gate must look for the names detected in speech, not
only for the register's. Beside ``key.json.enc`` fgkit therefore keeps ``gate-hashes.json`` in
the private zone: for each real value, a BLAKE2b hash of its comparison form keyed with a random
salt, its kind and its placeholder. The values themselves are not in it.

The comparison form is ``gatetext``'s, as for a plain key: a word value by its letters and
digits (``squash`` of its folded form, so "Priya Sharma", "priya_sharma" and "PriyaSharma" are
one hash), a number by its digits (``number_keys``). Matching a hash needs candidates: every
run of up to a few words of the folded text, words split at spaces and punctuation and inside
identifiers (at a change of case or between letters and digits), and every stretch of a written
number. Only candidates whose first word is the first word of some value (a second set of
hashes) go further, which keeps a scan of a large report to a few seconds. Files written
before this form (version 1) are still read, with their own candidates.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..io import atomic_write_text
from .gatetext import number_keys, number_runs, squash, value_shape
from .names import normalise

__all__ = ["GATE_HASH_FILE", "HashedValues", "load_gate_hashes", "write_gate_hashes"]

GATE_HASH_FILE = "gate-hashes.json"
FORMAT = "fgkit-gate-hashes"
VERSION = 2
# Word runs as the candidates see them: letters and digits; everything else separates them.
_WORD = re.compile(r"[^\W_]+")
# The words inside an identifier: "PDFPriyaSharma2024" -> PDF, Priya, Sharma, 2024.
_FINE_WORD = re.compile(r"\d+|[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[^\W\d_]+")
# What may stand between two words of one value: spaces and joiners, or one separator it spells.
_GAP = re.compile(r"[\s_.\-']*|[ \t]*[,@&/:+][ \t]*")


def _digest(salt: bytes, text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), key=salt, digest_size=16).hexdigest()


def _first_word(norm: str) -> str:
    match = _WORD.search(norm)
    return match.group(0) if match else ""


def _value_keys(norm: str, kind: str = "") -> tuple[list[str], str]:
    """The comparison keys of one value and its first word ("" for a number)."""
    numbers = number_keys(norm, phone=kind == "Phone")
    if numbers:
        return [f"#{key}" for key in sorted(numbers)], ""
    shape = value_shape(norm)
    return ([squash(shape)], _first_word(shape.replace("\x00", " "))) if shape else ([], "")


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
        keys, first = _value_keys(norm, entity.type)
        for key in keys:
            entries[_digest(salt, key)] = [kind, entity.placeholder, _mode(entity)]
            if first:
                firsts.update({_digest(salt, first), _digest(salt, key)})
        max_words = max(max_words, len(_WORD.findall(norm)))
    data = {"format": FORMAT, "version": VERSION, "salt": salt.hex(), "max_words": max_words,
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
                            {k: (str(v[0]), str(v[1]), _stored_mode(v[2])) for k, v in data["entries"].items()},
                            int(data.get("version", 1)))
    except (ValueError, KeyError, TypeError, IndexError):
        raise InputError("the leak gate's hash file is damaged; run `fgkit pseudonymise` with the "
                         "passphrase to write it again", path) from None


class HashedValues:
    """Finds the hashed values in a folded text: (start, end, digest, kind, placeholder, mode)."""

    def __init__(self, salt: bytes, max_words: int, first_words: set[str], entries: dict, version: int = VERSION):
        self.salt = salt
        self.max_words = max_words
        self.first_words = first_words
        self.entries = entries
        self.version = version

    def __len__(self) -> int:
        return len(self.entries)

    def digests(self, value: str) -> set[str]:
        """The hashes ``value`` would be stored under (to follow the allow list and decisions)."""
        if self.version < 2:
            return {_digest(self.salt, normalise(value))}
        keys, _ = _value_keys(normalise(value), "Phone")
        return {_digest(self.salt, key) for key in keys}

    def placeholders(self) -> set[str]:
        return {placeholder for _, placeholder, _ in self.entries.values() if placeholder}

    def finditer(self, text: str) -> Iterator[tuple[int, int, str, str, str, bool | str]]:
        """Each hashed value in ``text`` (folded by ``gatetext.fold``), one per place: the
        shortest value found there."""
        if self.version < 2:
            yield from self._finditer_v1(text)
            return
        salt, entries, firsts = self.salt, self.entries, self.first_words
        hits = []
        taken: list[tuple[int, int]] = []
        for start, end, keys in number_runs(text):
            # A written number is read from each of its groups on; one value per stretch.
            if any(a < end and start < b for a, b in taken):
                continue
            for key in sorted(keys):
                digest = _digest(salt, f"#{key}")
                if digest in entries:
                    hits.append((start, end, digest, *entries[digest]))
                    taken.append((start, end))
                    break
        coarse = {m.start(): m.group(0) for m in _WORD.finditer(text)}
        words = [(m.start(), m.end()) for m in _FINE_WORD.finditer(text)]
        span = self.max_words + 3
        for i, (start, end) in enumerate(words):
            whole = coarse.get(start)
            if (_digest(salt, text[start:end].casefold()) not in firsts
                    and (whole is None or len(whole) == end - start or _digest(salt, whole.casefold()) not in firsts)):
                continue
            for j in range(i, min(i + span, len(words))):
                if j > i and not _GAP.fullmatch(text, words[j - 1][1], words[j][0]):
                    break
                stop = words[j][1]
                digest = _digest(salt, squash(text[start:stop]))
                if digest in entries:
                    hits.append((start, stop, digest, *entries[digest]))
                    break
        # In text order, as the plain values are reported.
        yield from sorted(hits, key=lambda hit: (hit[0], hit[1]))

    def _finditer_v1(self, text: str) -> Iterator[tuple[int, int, str, str, str, bool | str]]:
        """Version 1 files hashed ``names.normalise`` forms: word runs as written."""
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        salt, entries = self.salt, self.entries
        for i, (start, end) in enumerate(words):
            if _digest(salt, text[start:end].casefold()) not in self.first_words:
                continue
            # A value may open with a sign the word runs leave out: "+44 ...", "(0115) ...".
            starts = [start, start - 1] if start and text[start - 1] in "+(#@" else [start]
            hit = None
            for j in range(i, min(i + self.max_words, len(words))):
                for first in starts:
                    digest = _digest(salt, normalise(text[first:words[j][1]]))
                    if digest in entries:
                        hit = (first, words[j][1], digest, *entries[digest])
                        break
                if hit:
                    break
            if hit:
                yield hit
