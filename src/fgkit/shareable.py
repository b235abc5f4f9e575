"""The one writer for the shareable zone: stage privately, gate, then publish all at once.

Every file fgkit puts under ``reports/`` (or exports to a folder outside the private zone) is
written into a staging folder in the private zone (``data/.publish/``), checked there by the leak
gate, and only then moved into place, all files of one publication together:

    with publication(project, "report") as out:
        path = out.staged("report.docx")      # write here; out.target(...) is where it will go
        document.save(path)

A command's library function opens a publication; inside ``fgkit run`` it joins the run's own,
so the whole run is gated and published as one (``zone_publication``). When the gate finds
anything, nothing is published: ``reports/`` stays exactly as it was and the staged files are
held back in the private zone, where ``fgkit check --show`` can point at the values.

Publishing is crash-safe: after the gate passes, a journal listing every move is written (and
synced) before the first file moves; a run killed half-way is completed by the next command,
so ``reports/`` never keeps a mix for longer than that. A private record (``record.json``)
remembers each file fgkit published, its hash and which command wrote it, so ``fgkit run`` can
remove outputs it no longer produces and refresh review worksheets nobody has edited.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, LeakError, ProjectError
from .io import atomic_path, atomic_write_text, sha256_file
from .published import (
    check_edited_worksheets,
    edit_note,
    held_leaks,
    mark_imported,
    recorded,
    save_record,
    state_dir,
    zone_lock,
)

__all__ = [
    "Handle", "Publication", "check_edited_worksheets", "held_leaks", "mark_imported", "open_publication",
    "publication", "recorded", "recover", "withdrawn_message", "zone_file", "zone_publication",
]
_ACTIVE: contextvars.ContextVar[Publication | None] = contextvars.ContextVar("fgkit_publication", default=None)


def zone_file(project, name: str | Path) -> Path:
    """The path ``name`` (relative to reports/) will have once published; never write to it."""
    return project.shareable_dir / name


# --- moving files into place -------------------------------------------------------------------

def _move(src: Path, dst: Path) -> None:
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(src, dst)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            # The private and shareable zones on different file systems: copy, then swap.
            with atomic_path(dst) as tmp:
                shutil.copyfile(src, tmp)
            src.unlink()
    except OSError as exc:
        raise ProjectError(f"{dst}: cannot publish this file ({exc.strerror}); make the folder "
                           "writable, then run any fgkit command to finish publishing") from None


def _apply(project, folder: Path, journal: dict) -> None:
    for staged, final in journal["moves"]:
        source = folder / staged
        if source.exists():
            _move(source, Path(final))
    for final in journal["removes"]:
        with contextlib.suppress(FileNotFoundError):
            Path(final).unlink()
    save_record(project, journal["record"])


def recover(project) -> None:
    """Finish any publication a killed process left after its gate passed; clear abandoned ones."""
    with zone_lock(project):
        _recover_locked(project)


def _recover_locked(project, own: Path | None = None) -> None:
    from filelock import FileLock, Timeout

    for folder in sorted(p for p in state_dir(project, "staging").iterdir() if p.is_dir() and p != own):
        journal = folder / "journal.json"
        if journal.is_file():
            _apply(project, folder, json.loads(journal.read_text(encoding="utf-8")))
        else:
            alive = FileLock(f"{folder}.lock")
            try:
                alive.acquire(timeout=0)
            except Timeout:
                continue  # another fgkit process is still writing into it
            alive.release()
        shutil.rmtree(folder, ignore_errors=True)
        Path(f"{folder}.lock").unlink(missing_ok=True)


# --- publications ------------------------------------------------------------------------------

@dataclass
class _Staged:
    staged: Path
    source: str
    params: dict | None


@dataclass
class Publication:
    """Files staged for the shareable zone, published together once the gate passes."""

    project: object
    source: str
    whole_zone: bool = False
    files: dict[Path, _Staged] = field(default_factory=dict)
    kept: dict[Path, str] = field(default_factory=dict)
    stage_sources: frozenset = frozenset()
    removed: list[Path] = field(default_factory=list)
    dropped: list[Path] = field(default_factory=list)
    checked: int = 0

    def __post_init__(self) -> None:
        from filelock import FileLock

        self.root = self.project.shareable_dir
        recover(self.project)
        self.dir = Path(tempfile.mkdtemp(prefix="pub-", dir=state_dir(self.project, "staging")))
        self._alive = FileLock(f"{self.dir}.lock")
        self._alive.acquire()
        self._forced: list[str] = []
        self.open = True

    def target(self, name: str | Path) -> Path:
        """Where ``name`` (relative to reports/, or an absolute path) will be published."""
        path = Path(name)
        path = Path(os.path.abspath(path if path.is_absolute() else self.root / path))
        if self.project.is_private(path):
            raise InputError("this is inside the private zone; shareable files go to "
                             f"{self.root} or another folder outside {self.project.private_dir}", path)
        return path

    def stage(self, name: str | Path, source: str, params: dict | None) -> Path:
        if not self.open:
            raise ProjectError("internal: a publication was used after it was published")
        final = self.target(name)
        if final.is_relative_to(self.root):
            key = Path("zone") / final.relative_to(self.root)
        else:
            key = Path("outside") / hashlib.sha1(str(final.parent).encode()).hexdigest()[:12] / final.name
        staged = self.dir / key
        staged.parent.mkdir(parents=True, exist_ok=True)
        if self._forced:
            source, params = self._forced[-1], None
        self.files[final] = _Staged(staged, source, params)
        return staged

    @contextlib.contextmanager
    def part(self, source: str) -> Iterator[list[Path]]:
        """Label every file staged inside the block as ``source``'s (a stage of ``fgkit run``)."""
        before = set(self.files)
        finals: list[Path] = []
        self._forced.append(source)
        try:
            yield finals
        finally:
            self._forced.pop()
            finals.extend(sorted(set(self.files) - before))

    def digest(self, final: Path) -> str:
        return sha256_file(self.files[final].staged)

    def keep(self, final: Path, source: str) -> None:
        """A file a skipped stage wrote earlier: still produced by this run, left as it is."""
        self.kept[final] = source

    def _display(self, final: Path) -> str:
        return str(final.relative_to(self.root.parent)) if final.is_relative_to(self.root) else str(final)

    def check(self, finals: list[Path] | None = None, said: str = "") -> None:
        """Gate staged files now (all of them by default); on a leak hold everything back.

        ``said``: pseudonymised text not yet in the store (a stage about to store it)."""
        from .pseudonymise.gatewords import own_word_excuse
        from .pseudonymise.leakfiles import scan_file
        from .pseudonymise.leakgate import Gate, leak_message, leak_values

        values = leak_values(self.project)
        gate = Gate(values, own_word_excuse(self.project, values, said))
        leaks = []
        for final in sorted(self.files if finals is None else finals):
            leaks.extend(scan_file(self.files[final].staged, gate, self._display(final)))
        self.checked = len(self.files if finals is None else finals)
        if self.whole_zone and finals is None:
            leaks.extend(self._check_zone(gate))
        if leaks:
            self._hold()
            raise LeakError(leak_message(
                leaks, "what this command would publish",
                f"nothing was published and {self.root.name}/ is unchanged (the outputs are held back "
                "in the private zone)."))
        withdrawn = self._check_withdrawn(finals)
        if withdrawn:
            self.abandon()
            raise LeakError(withdrawn_message(withdrawn, self.root.name, self.whole_zone))

    def _check_withdrawn(self, finals: list[Path] | None) -> list:
        """Files the zone would hold, once published, with words of a participant who withdrew.

        Staged files must hold none. With ``finals`` None the rest of the zone is read too: in a
        run, fgkit's own outputs it no longer rewrites are removed; anything else (and, outside a
        run, every file) is refused, so a withdrawal never leaves the zone by way of a publication.
        """
        from .withdrawn import find_in_files, withdrawn_text

        text = withdrawn_text(self.project)
        if not text:
            return []
        names = sorted(self.files if finals is None else finals)
        found = find_in_files(text, [(self.files[f].staged, self._display(f)) for f in names])
        if finals is not None:
            return found
        record = recorded(self.project)
        rest = [p for p in sorted(self.root.rglob("*"))
                if p.is_file() and p not in self.files and p not in self.removed and p not in self.dropped]
        for finding in find_in_files(text, [(p, self._display(p)) for p in rest]):
            entry = record.get(finding.path.relative_to(self.root).as_posix())
            note = edit_note(self.root, finding.path, entry)
            if self.whole_zone and not note and finding.path not in self.kept:
                self.dropped.append(finding.path)  # an output of fgkit's this run no longer makes
                continue
            found.append(_with_note(finding, note))
        return found

    def _check_zone(self, gate) -> list:
        """The rest of the zone as it will be: stale outputs go; other files must pass too."""
        from .pseudonymise.leakfiles import scan_file, shareable_files

        record = recorded(self.project)
        produced = set(self.files) | set(self.kept)
        leaks = []
        for rel, entry in sorted(record.items()):
            path = self.root / rel
            if path not in produced and entry.get("source") in self.stage_sources and path.exists():
                self.removed.append(path)
        # The walk refuses symbolic links out of the zone (never followed) and names in folders.
        files, refused = shareable_files(self.root, gate)
        leaks.extend(refused)
        for path in files:
            if path in self.files or path in self.removed:
                continue
            found = scan_file(path, gate, self._display(path))
            self.checked += 1
            if not found:
                continue
            entry = record.get(path.relative_to(self.root).as_posix())
            note = edit_note(self.root, path, entry)
            if not note and path not in produced:
                # An older command's output (agreement tables, ...) that a correction made stale.
                self.dropped.append(path)
                continue
            leaks.extend(_with_note(leak, note) for leak in found)
        return leaks

    def _hold(self) -> None:
        """Keep the refused files in the private zone for ``fgkit check --show``; publish nothing."""
        held = state_dir(self.project, "held", _slug(self.source))
        shutil.rmtree(held, ignore_errors=True)
        held.mkdir(mode=0o700)
        names = {}
        for final, staged in self.files.items():
            if staged.staged.exists():
                rel = staged.staged.relative_to(self.dir)
                (held / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged.staged, held / rel)
                names[rel.as_posix()] = self._display(final)
        atomic_write_text(held / "held.json", json.dumps({"files": names}, indent=1) + "\n", mode=0o600)
        self.abandon()

    def commit(self) -> None:
        """Gate everything staged, then publish it all; raises LeakError and publishes nothing."""
        if not self.open:
            return  # already published
        self.check()
        for staged in self.files.values():
            os.chmod(staged.staged, 0o644)
            with open(staged.staged, "rb") as fh:
                os.fsync(fh.fileno())
        with zone_lock(self.project):
            # A publication killed after its gate passed goes first, so records stay in order.
            _recover_locked(self.project, own=self.dir)
            files = recorded(self.project)
            for final, staged in self.files.items():
                if final.is_relative_to(self.root):
                    files[final.relative_to(self.root).as_posix()] = {
                        "sha256": sha256_file(staged.staged), "source": staged.source, "params": staged.params}
            for final, source in self.kept.items():
                rel = final.relative_to(self.root).as_posix()
                if final.is_file() and rel not in files:
                    files[rel] = {"sha256": sha256_file(final), "source": source, "params": None}
            gone = self.removed + self.dropped
            files = {rel: e for rel, e in files.items()
                     if (self.root / rel) not in gone and ((self.root / rel).exists() or self.root / rel in self.files)}
            journal = {"moves": [[s.staged.relative_to(self.dir).as_posix(), str(f)] for f, s in sorted(self.files.items())],
                       "removes": [str(p) for p in gone], "record": files}
            atomic_write_text(self.dir / "journal.json", json.dumps(journal) + "\n", mode=0o600)
            _apply(self.project, self.dir, journal)
            (self.dir / "journal.json").unlink()
            shutil.rmtree(state_dir(self.project, "held", _slug(self.source)), ignore_errors=True)
        self.abandon()

    def abandon(self) -> None:
        """Drop whatever is staged; the shareable zone is left as it was.

        A publication that failed while moving files (its gate passed, its journal is written)
        is kept instead, for the next command to finish."""
        if self.open:
            self.open = False
            if not (self.dir / "journal.json").exists():
                shutil.rmtree(self.dir, ignore_errors=True)
            self._alive.release()
            if not self.dir.exists():
                Path(f"{self.dir}.lock").unlink(missing_ok=True)


def _slug(source: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in source) or "publication"


def _with_note(leak, note: str):
    from dataclasses import replace

    return replace(leak, note=note) if note else leak


def withdrawn_message(found: list, zone: str, in_run: bool) -> str:
    """One line: which files hold a withdrawn participant's words, and what to do."""
    shown = "; ".join(f"{f.shown} ({f.note})" if f.note else f.shown for f in found[:3])
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    action = ("" if in_run else "run `fgkit run`, which applies the withdrawal to every output fgkit "
              "owns; ")
    return (f"{len(found)} file(s) would hold words of a participant who withdrew: {shown}{more}; "
            f"{action}nothing was published and {zone}/ is unchanged.")


class Handle:
    """What a writer holds: stage files under its own label; publish if it owns the publication."""

    def __init__(self, pub: Publication, source: str, params: dict | None, owns: bool) -> None:
        self.pub, self.source, self.params, self.owns = pub, source, params, owns
        self.finals: list[Path] = []

    def target(self, name: str | Path) -> Path:
        return self.pub.target(name)

    def staged(self, name: str | Path, params: dict | None = None) -> Path:
        """A staging path to write the file that will be published at ``name``."""
        path = self.pub.stage(name, self.source, params if params is not None else self.params)
        self.finals.append(self.pub.target(name))
        return path

    def write_bytes(self, name: str | Path, data: bytes) -> Path:
        self.staged(name).write_bytes(data)
        return self.target(name)

    def write_text(self, name: str | Path, text: str) -> Path:
        return self.write_bytes(name, text.encode("utf-8"))

    def check(self, said: str = "") -> None:
        """Gate this writer's files now, before it changes anything else."""
        self.pub.check(self.finals, said)

    def commit(self) -> None:
        if self.owns:
            self.pub.commit()

    def abandon(self) -> None:
        if self.owns:
            self.pub.abandon()


def open_publication(project, source: str, params: dict | None = None) -> Handle:
    """Join the publication in progress (inside ``fgkit run``) or open one of this writer's own."""
    outer = _ACTIVE.get()
    if outer is not None and outer.open and outer.root == project.shareable_dir:
        return Handle(outer, source, params, owns=False)
    return Handle(Publication(project, source), source, params, owns=True)


@contextlib.contextmanager
def publication(project, source: str, params: dict | None = None) -> Iterator[Handle]:
    """Stage files for the shareable zone; published (or refused) when the block ends."""
    handle = open_publication(project, source, params)
    token = _ACTIVE.set(handle.pub) if handle.owns else None
    try:
        yield handle
    except BaseException:
        handle.abandon()
        raise
    finally:
        if token is not None:
            _ACTIVE.reset(token)
    handle.commit()


@contextlib.contextmanager
def zone_publication(project, source: str, stage_sources) -> Iterator[Publication]:
    """One publication for a whole ``fgkit run``: the zone as it will be must pass the gate."""
    pub = Publication(project, source, whole_zone=True, stage_sources=frozenset(stage_sources))
    token = _ACTIVE.set(pub)
    try:
        yield pub
    except BaseException:
        pub.abandon()
        raise
    finally:
        _ACTIVE.reset(token)
    pub.commit()
