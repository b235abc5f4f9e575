"""Open a zip archive fgkit did not write (.qdpx, .docx, .xlsx, a zip met by the leak gate).

An archive is refused with one ``ZipRefused`` line naming the file when it is damaged (bad
CRC, truncated, unreadable), encrypted, uses a compression method other than stored or deflate,
holds too many members, or would inflate past the limits below. The limits are checked twice:
from the central directory when the archive is opened (so a bomb is refused before anything is
inflated, in milliseconds), and again while each member is read, in 1 MiB chunks, so a size
header that lies cannot get past them.

API (everything a reader needs)::

    from fgkit.safezip import ZipLimits, ZipRefused, check_zip, open_zip

    with open_zip(path) as archive:            # or open_zip(data, name="reports/x.docx")
        for info in archive.files():           # zipfile.ZipInfo of each member, no folders
            data = archive.read(info)          # bytes; a name (str) works too
            if data[:4] == b"PK\\x03\\x04":
                with archive.open_nested(info, data) as inner:   # shares the byte budget
                    ...                                            # depth-limited
    check_zip(path)    # the central-directory checks only, for an archive then handed to
                       # python-docx or openpyxl (zipfile never inflates a member past its
                       # declared size, and a lying size ends in a CRC error, so the
                       # declared sizes checked here bound what those libraries inflate)

``open_zip(..., only=predicate)`` applies the opening checks to the members the caller will
read (a .qdpx may carry audio or video that fgkit never opens); ``read`` checks every member it
is asked for regardless. ``ZipRefused.reason`` is one of ``damaged``, ``members``, ``size``,
``ratio``, ``encrypted``, ``method``, ``depth``, for callers that treat kinds differently.

Default limits and why (a study's archives are text; real ones sit far inside these):
- 10,000 members: a .docx has about 20, a .qdpx one per source plus the project file.
- 64 MiB per member inflated: the largest member fgkit reads is a .docx's document.xml or a
  .qdpx's project.qde; a whole-day transcript's document.xml is about 5 MB, a large study's
  project.qde about 20 MB.
- 256 MiB in all, across nested archives too: room for a Word file with photographs.
- a ratio of 200 (inflated / stored size) for members inflating past 1 MiB: Office and REFI XML
  and transcript text compress 3-30 times; deflate can reach about 1,030, which only
  constructed data (a bomb) does. Smaller members are too small to matter whatever their ratio.
- nesting 3 deep (an archive in an archive in an archive).

The standard library's ``zipfile`` does the reading; it has no limits of its own and no
maintained package adds them, so this module is hand-written around it.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

__all__ = ["DEFAULT_LIMITS", "SafeZip", "ZipLimits", "ZipRefused", "check_zip", "open_zip"]

MiB = 1024 * 1024
_CHUNK = MiB
# Stored and deflate are what Office, REFI-QDA tools and every zip writer fgkit meets use.
# zipfile inflates bzip2 and LZMA input without an output bound, so those are refused.
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
# Everything a damaged archive raises from zipfile, zlib or the file layer.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error, ValueError,
           KeyError, IndexError, OverflowError)


@dataclass(frozen=True)
class ZipLimits:
    """Limits for one untrusted archive (and the archives nested in it)."""

    max_members: int = 10_000
    max_member_bytes: int = 64 * MiB
    max_total_bytes: int = 256 * MiB
    max_ratio: float = 200.0
    ratio_floor: int = MiB
    max_depth: int = 3


DEFAULT_LIMITS = ZipLimits()


class ZipRefused(InputError):
    """An archive fgkit will not read; ``reason`` says which check refused it."""

    def __init__(self, message: str, path, reason: str) -> None:
        self.reason = reason
        super().__init__(message, path)


@dataclass
class _Budget:
    """Bytes inflated and members seen so far, shared by an archive and those nested in it."""

    limits: ZipLimits
    inflated: int = 0
    members: int = 0


def _shown(member: str) -> str:
    """A member name fit for a one-line message: no control characters, not too long."""
    clean = "".join(c if c.isprintable() else "?" for c in member)
    return clean if len(clean) <= 120 else clean[:117] + "..."


def _mib(n: int) -> str:
    return f"{n / MiB:,.0f} MiB" if n >= MiB else f"{n:,} bytes"


class SafeZip:
    """An open archive; use ``open_zip`` to make one."""

    def __init__(
        self, zf: zipfile.ZipFile, name: str | Path, budget: _Budget, parents: tuple[str, ...] = ()
    ) -> None:
        self._zf = zf
        self.name = name
        self._budget = budget
        self.limits = budget.limits
        # The members this archive sits inside, outermost first (empty at the top).
        self.parents = parents

    # -- context manager ------------------------------------------------------------------
    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._zf.close()

    # -- members --------------------------------------------------------------------------
    def files(self) -> list[zipfile.ZipInfo]:
        """Every member that is a file (folders left out), in archive order."""
        return [i for i in self._zf.infolist() if not i.is_dir()]

    def namelist(self) -> list[str]:
        return self._zf.namelist()

    def getinfo(self, name: str) -> zipfile.ZipInfo:
        return self._zf.getinfo(name)

    def _where(self, info: zipfile.ZipInfo) -> str:
        return ", ".join([*self.parents, f"member {_shown(info.filename)}"])

    def refuse(self, message: str, reason: str) -> ZipRefused:
        return ZipRefused(message, self.name, reason)

    def _check_member(self, info: zipfile.ZipInfo, planned: int = 0) -> None:
        """The central-directory checks for one member (``planned``: bytes already promised)."""
        limits = self.limits
        where = self._where(info)
        if info.flag_bits & 0x1:
            raise self.refuse(f"{where} is encrypted; save the archive again without a password",
                              "encrypted")
        if info.compress_type not in _METHODS:
            raise self.refuse(
                f"{where} uses a compression method fgkit does not read (only stored and "
                "deflate); save the archive again with ordinary zip compression", "method")
        if info.file_size > limits.max_member_bytes:
            raise self.refuse(
                f"{where} would inflate to {_mib(info.file_size)}, more than fgkit's limit of "
                f"{_mib(limits.max_member_bytes)} per member; this is not a study file (a zip "
                "bomb or the wrong file)", "size")
        if info.file_size > limits.ratio_floor and (
            info.file_size > limits.max_ratio * max(info.compress_size, 1)
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            raise self.refuse(
                f"{where} would inflate {ratio:,.0f} times (fgkit's limit is "
                f"{limits.max_ratio:,.0f}); only constructed data compresses like that, so the "
                "archive is refused as a zip bomb", "ratio")
        if self._budget.inflated + planned + info.file_size > limits.max_total_bytes:
            raise self.refuse(
                f"the archive's members would inflate to more than fgkit's limit of "
                f"{_mib(limits.max_total_bytes)} in all (at {where}); this is not a study file "
                "(a zip bomb or the wrong file)", "size")

    def _check_directory(self, only: Callable[[str], bool] | None) -> None:
        infos = self._zf.infolist()
        self._budget.members += len(infos)
        if self._budget.members > self.limits.max_members:
            raise _too_many(self.name, self._budget.members, self.limits, self.parents)
        planned = 0
        for info in infos:
            if info.is_dir() or (only is not None and not only(info.filename)):
                continue
            self._check_member(info, planned)
            planned += info.file_size

    # -- reading --------------------------------------------------------------------------
    def read(self, member: str | zipfile.ZipInfo) -> bytes:
        """A member's bytes, inflated in chunks and stopped at the first limit passed."""
        try:
            info = member if isinstance(member, zipfile.ZipInfo) else self._zf.getinfo(member)
        except KeyError:
            raise self.refuse(f"member {_shown(str(member))} is missing from the archive",
                              "damaged") from None
        self._check_member(info)
        limits, budget = self.limits, self._budget
        cap = min(limits.max_member_bytes, info.file_size)
        ratio_cap = limits.max_ratio * max(info.compress_size, 1)
        out = io.BytesIO()
        got = 0
        try:
            with self._zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    got += len(chunk)
                    # zipfile stops at the declared size itself; these guard the limits even
                    # if it ever did not, and catch an archive whose sizes disagree.
                    if got > cap or budget.inflated + got > limits.max_total_bytes or (
                        got > limits.ratio_floor and got > ratio_cap
                    ):
                        raise self.refuse(
                            f"{self._where(info)} inflates past what its header says or past "
                            "fgkit's limits; the archive is damaged or a zip bomb", "size")
                    out.write(chunk)
        except ZipRefused:
            raise
        except _DAMAGE + (NotImplementedError, RuntimeError) as exc:
            raise _damaged(self.name, self._where(info), exc) from None
        budget.inflated += got
        return out.getvalue()

    def open_nested(self, member: str | zipfile.ZipInfo, data: bytes | None = None) -> SafeZip:
        """A member that is itself a zip, opened with the same limits and byte budget."""
        info = member if isinstance(member, zipfile.ZipInfo) else self.getinfo(member)
        if len(self.parents) + 1 > self.limits.max_depth:
            raise self.refuse(
                f"{self._where(info)} nests archives more than {self.limits.max_depth} deep; "
                "fgkit refuses it as a zip bomb", "depth")
        if data is None:
            data = self.read(info)
        return _open(data, self.name, self._budget, None,
                     (*self.parents, f"member {_shown(info.filename)}"))


def _too_many(name, count: int, limits: ZipLimits, parents: tuple[str, ...]) -> ZipRefused:
    inside = f" ({', '.join(parents)})" if parents else ""
    return ZipRefused(
        f"the archive{inside} holds {count:,} members, more than fgkit's limit of "
        f"{limits.max_members:,}; this is not a study file (a zip bomb or the wrong file)",
        name, "members")


def _damaged(name, where: str | None, exc: BaseException) -> ZipRefused:
    text = str(exc).lower()
    if "crc" in text:
        what = "a checksum does not match"
    elif isinstance(exc, EOFError) or "truncat" in text or "end of" in text:
        what = "it is cut short"
    elif isinstance(exc, RuntimeError) and "encrypt" in text:
        return ZipRefused(f"{where or 'the archive'} is encrypted; save the archive again without "
                          "a password", name, "encrypted")
    else:
        what = "it cannot be read"
    at = f" ({where})" if where else ""
    return ZipRefused(f"the archive is damaged{at}: {what}; copy or export it again", name,
                      "damaged")


def _declared_entries(fh) -> int | None:
    """The member count in the end-of-central-directory record, read before zipfile parses
    a central directory that may hold millions of entries; None when it cannot tell."""
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    tail_start = max(0, size - (22 + 65535))
    fh.seek(tail_start)
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    entries = struct.unpack("<H", tail[at + 10:at + 12])[0]
    return None if entries == 0xFFFF else entries  # zip64 keeps the real count elsewhere


def _open(source, name, budget: _Budget, only, parents: tuple[str, ...] = ()) -> SafeZip:
    inside = ", ".join(parents) or None
    is_bytes = isinstance(source, (bytes, bytearray, memoryview))
    try:
        if is_bytes:
            declared = _declared_entries(io.BytesIO(source))
        else:
            with open(source, "rb") as fh:
                declared = _declared_entries(fh)
        if declared is not None and budget.members + declared > budget.limits.max_members:
            raise _too_many(name, budget.members + declared, budget.limits, parents)
        zf = zipfile.ZipFile(io.BytesIO(source) if is_bytes else source)
    except ZipRefused:
        raise
    except zipfile.BadZipFile:
        at = f" ({inside})" if inside else ""
        raise ZipRefused(f"not a zip archive{at}, or one damaged beyond reading; copy or export "
                         "it again", name, "damaged") from None
    except FileNotFoundError:
        raise ZipRefused("file not found", name, "damaged") from None
    except _DAMAGE as exc:
        raise _damaged(name, inside, exc) from None
    archive = SafeZip(zf, name, budget, parents)
    try:
        archive._check_directory(only)
    except BaseException:
        archive.close()
        raise
    return archive


def open_zip(
    source: str | Path | bytes,
    *,
    name: str | Path | None = None,
    limits: ZipLimits = DEFAULT_LIMITS,
    only: Callable[[str], bool] | None = None,
) -> SafeZip:
    """Open ``source`` (a path or the archive's bytes) with ``limits``; see the module doc.

    ``name`` is the file named in errors (defaults to the path). ``only``, given a member
    name, says whether the caller will read it: the opening checks then skip the others.
    """
    if name is None:
        name = source if isinstance(source, (str, Path)) else "archive"
    return _open(source, name, _Budget(limits), only)


def check_zip(
    source: str | Path | bytes,
    *,
    name: str | Path | None = None,
    limits: ZipLimits = DEFAULT_LIMITS,
) -> None:
    """Refuse ``source`` unless its central directory is within ``limits`` (nothing inflated)."""
    open_zip(source, name=name, limits=limits).close()


def iter_files(archive: SafeZip) -> Iterator[tuple[zipfile.ZipInfo, bytes]]:
    """(info, bytes) of every file member, each read within the limits."""
    for info in archive.files():
        yield info, archive.read(info)
