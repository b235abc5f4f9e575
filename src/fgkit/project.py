"""The project folder: settings file, paths and the two zones.

A project is a folder holding ``fgkit.toml``. ``data/`` is the private zone (raw transcripts,
register, working store, pseudonym key, anonymisation log); ``reports/`` is the shareable zone
(only pseudonymised material). Commands find the project by walking up from the working
directory, or take ``--project DIR``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ProjectError
from .io import atomic_write_text
from .settings import Settings, load_settings, settings_template

__all__ = ["Project", "DEFAULT_SETTINGS", "SETTINGS_FILE", "init_project", "find_project"]

SETTINGS_FILE = "fgkit.toml"

# Every setting fgkit reads, with its default, is declared once in fgkit.settings.
DEFAULT_SETTINGS: dict[str, dict[str, Any]] = Settings().as_dict()

REGISTER_HEADER = "transcript,speaker_label,participant_id,role,group,consent,full_name,name_variants\n"


@dataclass
class Project:
    """An fgkit project folder and its settings."""

    root: Path
    settings: Settings

    @classmethod
    def load(cls, root: str | Path | None = None) -> "Project":
        path = find_project(root)
        return cls(root=path, settings=load_settings(path / SETTINGS_FILE))

    def setting(self, section: str, key: str, default: Any = None) -> Any:
        """One setting by name; prefer the typed field (``project.settings.nlp.batch_size``)."""
        return self.settings[section].get(key, default)

    def _path(self, key: str) -> Path:
        return (self.root / getattr(self.settings.paths, key)).resolve()

    @property
    def name(self) -> str:
        return self.settings.project.name

    @property
    def private_dir(self) -> Path:
        return self._path("private")

    @property
    def shareable_dir(self) -> Path:
        return self._path("shareable")

    @property
    def transcripts_dir(self) -> Path:
        return self._path("transcripts")

    @property
    def register_path(self) -> Path:
        return self._path("register")

    @property
    def codebooks_dir(self) -> Path:
        return self._path("codebooks")

    @property
    def store_path(self) -> Path:
        return self.private_dir / "fgkit.sqlite"

    @property
    def codebook_path(self) -> Path:
        return (self.root / self.settings.coding.codebook).resolve()

    def shareable(self, *parts: str) -> Path:
        """A path in the shareable zone, with its parent folder created."""
        path = self.shareable_dir.joinpath(*parts)
        _make_folder(path.parent)
        return path

    def private(self, *parts: str) -> Path:
        """A path in the private zone, with its parent folder created (owner-only)."""
        path = self.private_dir.joinpath(*parts)
        _make_folder(path.parent, mode=0o700)
        return path

    def secure_private_zone(self) -> str | None:
        """Make the private folder owner-only when others can read or enter it (a project copied
        with ``cp -r``, unzipped or checked out keeps the copier's umask, often 755), and say so.

        Returns the warning to show, or None when nothing needed fixing."""
        folder = self.private_dir
        try:
            mode = folder.stat().st_mode & 0o777
        except OSError:
            return None
        if os.name != "posix" or not mode & 0o077:
            return None
        try:
            os.chmod(folder, 0o700)
        except OSError as exc:
            return (f"{folder}: others can read this private folder (mode {mode:o}) and fgkit could "
                    f"not change it ({exc.strerror}); run `chmod 700 {folder}`")
        return (f"{folder}: others could read this private folder (mode {mode:o}); fgkit made it "
                "owner-only (700)")

    def is_private(self, path: str | Path) -> bool:
        return Path(path).resolve().is_relative_to(self.private_dir)

    def transcript_files(self) -> list[Path]:
        """Transcript files in name order (hidden files and the register are skipped)."""
        folder = self.transcripts_dir
        if not folder.is_dir():
            raise ProjectError(f"{folder}: transcripts folder not found; create it or fix [paths]")
        return sorted(
            p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
        )

    def open_store(self):
        from .store import Store, store_url

        return Store.open(self.store_path, url=store_url(self.settings.store.url))


def _make_folder(folder: Path, mode: int = 0o777) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=mode)
    except FileExistsError:
        raise ProjectError(f"{folder}: exists but is not a folder; move it aside") from None
    except NotADirectoryError:
        raise ProjectError(f"{folder}: a file stands where a folder must be; move it aside") from None
    except OSError as exc:
        raise ProjectError(f"{folder}: cannot create this folder ({exc.strerror})") from None


def find_project(start: str | Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding fgkit.toml."""
    if start is not None:
        path = Path(start).expanduser().resolve()
        if not (path / SETTINGS_FILE).is_file():
            raise ProjectError(
                f"{path}: not an fgkit project (no {SETTINGS_FILE}); run `fgkit init {start}`"
            )
        return path
    here = Path(os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    raise ProjectError(
        f"no {SETTINGS_FILE} here or above {here}; run `fgkit init DIR` or pass --project DIR"
    )


def init_project(root: str | Path, name: str | None = None) -> Project:
    """Scaffold a project folder. Existing files are never overwritten."""
    root = Path(root).expanduser().resolve()
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / "data" / "transcripts").mkdir(parents=True, exist_ok=True)
        os.chmod(root / "data", 0o700)
        (root / "codebooks").mkdir(exist_ok=True)
        (root / "reports").mkdir(exist_ok=True)
    except OSError as exc:
        raise ProjectError(f"{root}: cannot create project folders ({exc.strerror})") from None
    settings = root / SETTINGS_FILE
    if not settings.exists():
        atomic_write_text(settings, settings_template(name or root.name))
    register = root / "data" / "participants.csv"
    if not register.exists():
        atomic_write_text(register, REGISTER_HEADER, mode=0o600)
    codebook = root / "codebooks" / "adult-social-care.yaml"
    if not codebook.exists():
        from importlib import resources

        default = resources.files("fgkit") / "data" / "adult-social-care.yaml"
        if default.is_file():
            atomic_write_text(codebook, default.read_text(encoding="utf-8"))
    return Project.load(root)
