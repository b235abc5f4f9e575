"""The leak gate: no real value and no key file may sit in the shareable zone.

Files are read by ``leakfiles`` (plain text, HTML, CSV, JSON, XLSX/DOCX/.qdpx and other zip
members, Parquet columns) and searched in one pass for every real value the project knows: the
key's entities, the register's names, name-like speaker labels, the study's extra identifiers
and the researcher's "missed" review entries. Values the researcher marked "wrong" (not an
identifier) are not looked for, unless the register names them. Text and values are compared
in one normal form (``gatetext.fold``: character references decoded, compatibility forms and
lookalike letters unified, diacritics, zero-width characters and soft hyphens dropped, words
hyphenated across a line break joined), case-insensitively, with a possessive of any case, at
word boundaries or inside identifiers (``priya_sharma_notes``, ``PriyaSharma``); numbers by their
digits, however grouped or prefixed. File and folder names are searched too, symbolic links out
of the zone and files the gate cannot read within its limits are refused (``leakfiles``).
Values that are also ordinary words (the allow list: "Will", "May", ...) count only where used
as a name ("Will said"), not as the verb ("Will you ...", "I will"). When the key is encrypted and no passphrase
is given, its values are found by their keyed hashes (``gatehash``), so the gate still covers them.

fgkit's own words never count: a value found in a file is excused when it is one of fgkit's own
words (``gatewords``: its templates, methods text, column and format names, the codebook) and the
study's pseudonymised text nowhere contains it, so it cannot have come from a transcript.

A leak names the file, the position and the kind of value, never the value; ``reveal=True``
(``fgkit check --show``) also carries the text found, for the terminal only.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..errors import InputError, LeakError
from .gatehash import HashedValues, load_gate_hashes
from .gatetext import fold, number_keys, number_runs, squash, value_pattern, value_shape
from .names import address_spans, case_mode, normalise, ordinary_word_is_name
from .vocabulary import ordinary_value

__all__ = [
    "Gate", "Leak", "LeakValues", "leak_values", "leak_message", "resolution", "run_leak_gate",
    "scan_shareable", "scan_text",
]

MAX_REPORTED = 50
_FIXED_TYPES = ("Phone", "Email", "NHS number", "Postcode", "Date of birth", "Card number", "Bank account",
                "NI number", "IP address", "Username", "File name", "Number", "ID number",
                "Vehicle registration", "Passport number", "Driving licence", "URL")
SHOW_HINT = ("Run `fgkit check --show` to see the values (printed to your terminal only) and the "
             "command that resolves each, then run `fgkit run` again.")


@dataclass(frozen=True)
class Leak:
    """A real value (or key file) found in a shareable file.

    ``value`` is empty unless the scan was asked to reveal it; ``str()`` never shows it, so a
    leak can go into an error message or a log safely. ``note`` is advice that names no value.
    """

    file: str
    position: str
    entity_type: str
    placeholder: str = ""
    value: str = field(default="", repr=False, compare=False)
    origin: str = field(default="", compare=False)
    note: str = field(default="", compare=False)

    def __str__(self) -> str:
        tail = f" (shown elsewhere as {self.placeholder})" if self.placeholder else ""
        note = f"; {self.note}" if self.note else ""
        return f"{self.file}: {self.position}: {self.entity_type}{tail}{note}"


@dataclass(frozen=True)
class Match:
    """One value found in a text: where, what kind, and its comparison form."""

    start: int
    end: int
    kind: str
    placeholder: str
    norm: str
    origin: str


class LeakValues:
    """The compiled search for a set of real values (normal form -> (kind, placeholder)).

    Values and text are compared in ``gatetext``'s folded form, through one compiled pattern
    for words and one digit index for numbers; offsets reported point into the text as written.
    """

    def __init__(
        self,
        values: dict[str, tuple[str, str]],
        allow_list: list[str] | tuple = (),
        case_sensitive: set[str] | frozenset = frozenset(),
        hashed: HashedValues | None = None,
        origins: dict[str, str] | None = None,
        wrong: set[str] | frozenset = frozenset(),
        cased: set[str] | frozenset = frozenset(),
    ) -> None:
        self.values = {k: v for k, v in values.items() if len(k) >= 2}
        self.origins = origins or {}
        self.hashed = hashed
        # The replacer's case modes (names.case_mode): the gate never flags what the replacer
        # rightly left, such as "rose" the verb beside "Rose" the neighbour. Allow-listed words
        # are names only where used as one ("Will said"), never as "will".
        self._cased = set(cased)
        allow = {normalise(w) for w in allow_list} | set(case_sensitive) | self._cased
        self._strict = {k for k in self.values if k in allow}
        self._numbers: dict[str, str] = {}
        self._by_squash: dict[str, str] = {}
        shapes = set()
        for norm, (kind, _) in sorted(self.values.items()):
            keys = number_keys(norm, phone=kind == "Phone")
            for key in keys:
                self._numbers.setdefault(key, norm)
            shape = "" if keys else value_shape(norm)
            if shape:
                shapes.add(shape)
                self._by_squash.setdefault(squash(shape), norm)
        self._pattern = value_pattern(shapes)
        # Placeholders are pseudonymised text: "NHS" inside "[NHS number]" is no leak.
        placeholders = {p for _, p in self.values.values() if p} | {f"[{t}]" for t in _FIXED_TYPES}
        self._hashed_skip: set[str] = set()
        if hashed is not None:
            placeholders |= hashed.placeholders()
            # Hashed values follow today's allow list and review decisions, like the plain ones.
            self._hashed_allow = {d for w in allow_list for d in hashed.digests(w)}
            self._hashed_skip = {d for w in wrong for d in hashed.digests(w)}
        self._placeholders = re.compile("|".join(re.escape(p) for p in sorted(placeholders, key=len, reverse=True)))

    def __bool__(self) -> bool:
        return bool(self.values) or bool(self.hashed)

    def matches(self, text: str) -> Iterator[Match]:
        """Every value found in ``text``: words, then numbers, then hashed values."""
        folded = fold(text)
        plain = folded.text
        inside = [(m.start(), m.end()) for m in self._placeholders.finditer(plain)] if "[" in plain else []
        addresses = address_spans(plain)
        found_at = set()

        def accept(start: int, end: int, value_end: int, strict: bool, cased: bool) -> bool:
            in_address = any(a <= start and end <= b for a, b in addresses)
            if strict and not in_address:
                if not ordinary_word_is_name(plain, start, value_end):
                    return False
                if cased and not plain[start:start + 1].isupper():
                    return False
            return not (inside and any(a <= start < b for a, b in inside))

        def match(start: int, end: int, kind: str, placeholder: str, norm: str, origin: str) -> Match:
            found_at.add(start)
            return Match(folded.start(start), folded.end(end), kind, placeholder, norm, origin)

        if self._pattern is not None:
            for m in self._pattern.finditer(plain):
                norm = self._by_squash.get(squash(m.group("v")))
                if norm is not None and accept(m.start(), m.end(), m.end("v"), norm in self._strict,
                                               norm in self._cased):
                    kind, placeholder = self.values[norm]
                    yield match(m.start(), m.end(), kind, placeholder, norm, self.origins.get(norm, "key"))
        if self._numbers:
            taken: list[tuple[int, int]] = []
            for start, end, keys in number_runs(plain):
                norm = next((self._numbers[k] for k in sorted(keys) if k in self._numbers), None)
                if norm is None or any(a < end and start < b for a, b in taken) or not accept(
                        start, end, end, False, False):
                    continue
                taken.append((start, end))
                kind, placeholder = self.values[norm]
                yield match(start, end, kind, placeholder, norm, self.origins.get(norm, "key"))
        if self.hashed is None:
            return
        for start, end, digest, kind, placeholder, case_sensitive in self.hashed.finditer(plain):
            if start in found_at or digest in self._hashed_skip:
                continue
            strict = bool(case_sensitive) or digest in self._hashed_allow
            if accept(start, end, end, strict, case_sensitive == "cased"):
                yield match(start, end, kind, placeholder, normalise(plain[start:end]), "key")

    def finditer(self, text: str) -> Iterator[tuple[int, str, str]]:
        """(offset, kind, placeholder) for each value found in ``text``."""
        for match in self.matches(text):
            yield match.start, match.kind, match.placeholder


class Gate:
    """One scan: the values to look for, which of fgkit's own words to excuse, and whether
    to keep the text found (``reveal``, for ``fgkit check --show`` only)."""

    def __init__(self, values: LeakValues, excused: Callable[[str], bool] | None = None,
                 reveal: bool = False) -> None:
        self.values = values
        self.excused = excused
        self.reveal = reveal

    def __bool__(self) -> bool:
        return bool(self.values)

    def matches(self, text: str) -> Iterator[Match]:
        if not self.values:
            return
        for match in self.values.matches(text):
            if self.excused is not None and self.excused(match.norm):
                continue
            yield match

    def leak(self, text: str, match: Match, file: str, position: str) -> Leak:
        value = html.unescape(text[match.start:match.end]) if self.reveal else ""
        return Leak(file, position, match.kind, match.placeholder, value, match.origin)

    def scan(self, text: str, file: str, where: str = "",
             place: Callable[[int], str | None] | None = None) -> list[Leak]:
        """Leaks in one decoded text, positioned as line and column (or as ``place`` says)."""
        newlines = None
        leaks = []
        prefix = f"{where}, " if where else ""
        for match in self.matches(text):
            spot = place(match.start) if place is not None else None
            if spot:
                leaks.append(self.leak(text, match, file, prefix + spot))
                continue
            if newlines is None:
                newlines = [i for i, ch in enumerate(text) if ch == "\n"] if "\n" in text else []
            line = bisect.bisect_left(newlines, match.start) + 1
            column = match.start - (newlines[line - 2] + 1 if line > 1 else 0) + 1
            leaks.append(self.leak(text, match, file, f"{prefix}line {line}, column {column}"))
        return leaks


def leak_values(project, key=None) -> LeakValues:
    """Everything the gate looks for: key entities, register names and labels, extra identifiers."""
    from ..settings import passphrase_from_env
    from .key import load_key
    from .sources import extra_identifiers, register_name_values, review_decisions

    values: dict[str, tuple[str, str]] = {}
    origins: dict[str, str] = {}
    case_sensitive: set[str] = set()
    cased: set[str] = set()
    hashed = None
    if key is None:
        try:
            key = load_key(project.private_dir, passphrase_from_env())
        except InputError:
            # An encrypted key without its passphrase: its values are looked for by their
            # keyed hashes instead, beside the register and the study's lists.
            key = None
            hashed = load_gate_hashes(project.private_dir)
    wrong, missed = review_decisions(project)
    for norm, kind, placeholder in register_name_values(project):
        values.setdefault(norm, (kind, placeholder))
        origins.setdefault(norm, "register")
    for source, pairs in (("extra", extra_identifiers(project)), ("missed", missed)):
        for value, kind in pairs:
            norm = normalise(value)
            if norm not in wrong:
                values.setdefault(norm, (kind, ""))
                origins.setdefault(norm, source)
    if key is not None:
        for norm, entity in key.entities.items():
            # A low-evidence detection replaced only where it was found is not watched for
            # elsewhere; a value the researcher marked "not an identifier" is no leak, unless
            # the register names it (the register is the stronger word).
            if getattr(entity, "scope", "study") == "local":
                continue
            if norm in wrong and origins.get(norm) != "register":
                continue
            kind = "participant name" if entity.type == "Participant" else entity.type
            values[norm] = (kind, entity.placeholder)
            origins.setdefault(norm, "key")
            mode = case_mode(entity)
            if mode == "cased":
                cased.add(norm)
            elif mode == "strict":
                case_sensitive.add(norm)
    # A register name that is an everyday word counts only where used as a name, as the
    # replacer matches it, even when the key is encrypted and out of reach.
    case_sensitive |= {n for n, origin in origins.items() if origin == "register" and ordinary_value(n)}
    allow = project.settings.pseudonymise.allow_list
    return LeakValues(values, allow, case_sensitive, hashed, origins, wrong, cased)


def scan_text(text: str, values: LeakValues, file: str, where: str = "") -> list[Leak]:
    """Leaks in one decoded text, positioned as line and column (no word is excused)."""
    return Gate(values).scan(text, file, where)


def scan_shareable(project, key=None, values: LeakValues | None = None, reveal: bool = False) -> list[Leak]:
    """Every leak in the shareable zone, in file order; fgkit's own words are excused."""
    from .gatewords import own_word_excuse
    from .leakfiles import scan_file, shareable_files

    root = project.shareable_dir
    if not root.is_dir():
        return []
    values = values if values is not None else leak_values(project, key)
    gate = Gate(values, own_word_excuse(project, values), reveal)
    files, leaks = shareable_files(root, gate)
    for path in files:
        leaks.extend(scan_file(path, gate, str(path.relative_to(root.parent))))
    return leaks


def resolution(leak: Leak) -> str:
    """The one command (or step) that resolves a leak; names the value only if it was revealed."""
    import shlex

    from .names import word_zipf
    from .sources import ENTITY_TYPES

    if leak.origin == "file":
        return "move this file out of the shareable zone (it belongs in the private zone, data/)"
    if leak.note:
        return leak.note
    value = shlex.quote(leak.value) if leak.value else "VALUE"
    kind = leak.entity_type if leak.entity_type in ENTITY_TYPES else "Person"
    missed = f"fgkit pseudonymise correct {value} --missed {shlex.quote(kind)}"
    wrong = f"fgkit pseudonymise correct {value} --wrong"
    if leak.origin == "register":
        return f"{missed}   (the register names this person)"
    # A detection that is an everyday word ("ask", "primary") is most likely a wrong detection.
    words = leak.value.split()
    ordinary = bool(words) and (leak.value.islower() or (len(words) == 1 and word_zipf(leak.value.casefold()) >= 4.0))
    if ordinary:
        return f"{wrong}   (or, if it does identify someone: --missed {shlex.quote(kind)})"
    return f"{missed}   (or, if it is not an identifier: --wrong)"


def leak_message(leaks: list[Leak], where: str, outcome: str) -> str:
    """The one error a gate failure raises: counts, places and kinds, never a value."""
    shown = [str(leak) for leak in leaks[:MAX_REPORTED]]
    if len(leaks) > len(shown):
        shown.append(f"... and {len(leaks) - len(shown)} more")
    return (f"the leak gate found {len(leaks)} real identifier(s) or private file(s) in {where}; "
            f"{outcome} {SHOW_HINT}\n" + "\n".join(shown))


def run_leak_gate(project, key=None) -> int:
    """Raise LeakError listing each leak (file, position, kind) if the shareable zone leaks.

    Returns the number of files checked.
    """
    leaks = scan_shareable(project, key)
    if leaks:
        raise LeakError(leak_message(leaks, "the shareable zone", "nothing was changed."))
    from .leakfiles import shareable_files

    return len(shareable_files(project.shareable_dir)[0])
