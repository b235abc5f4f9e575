"""The fgkit exception tree.

Every error a user can cause is an ``FgkitError``; the CLI turns it into one line on stderr and a
non-zero exit, never a traceback. Messages must never contain speech or real names: name the
file, the line and what to do.

    FgkitError
     ├── InputError            a user-supplied file is wrong; carries path and line
     │    ├── TranscriptError  a transcript cannot be read
     │    ├── RegisterError    the participants register is wrong or incomplete
     │    ├── CodebookError    the codebook is invalid (may carry several problems)
     │    ├── ReviewFileError  a review worksheet or decisions file is wrong
     │    └── SettingsError    the project settings file is wrong
     ├── ProjectError          no project here, a folder is missing or unwritable
     ├── ModelError            a language model or embedder is not installed
     ├── LeakError             the leak gate found key material in the shareable zone
     └── StoreError            the working store is unusable
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "FgkitError",
    "InputError",
    "TranscriptError",
    "RegisterError",
    "CodebookError",
    "ReviewFileError",
    "SettingsError",
    "ProjectError",
    "ModelError",
    "LeakError",
    "StoreError",
]


class FgkitError(Exception):
    """Base class of every error fgkit reports to a user."""

    exit_code = 2


class InputError(FgkitError):
    """A user-supplied file is wrong. Rendered as ``path:line:column: message``."""

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column
        super().__init__(self.render())

    @classmethod
    def many(cls, problems: list["InputError"]) -> "InputError":
        """One error carrying several problems, rendered one per line."""
        if len(problems) == 1 and isinstance(problems[0], cls):
            return problems[0]
        first = problems[0]
        err = cls(first.message, first.path, first.line, first.column)
        err.problems = list(problems)
        err.args = (err.render(),)
        return err

    def location(self) -> str:
        if self.path is None:
            return ""
        loc = str(self.path)
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def render(self) -> str:
        problems = getattr(self, "problems", None)
        if problems and len(problems) > 1:
            return "\n".join(p.render() for p in problems)
        loc = self.location()
        return f"{loc}: {self.message}" if loc else self.message


class TranscriptError(InputError):
    """A transcript cannot be read."""


class RegisterError(InputError):
    """The participants register is wrong or does not cover the transcripts."""


class CodebookError(InputError):
    """The codebook is invalid. ``problems`` holds one InputError per problem found."""

    def __init__(self, problems: list[InputError]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.message, first.path, first.line, first.column)


class ReviewFileError(InputError):
    """A review worksheet or decisions file is wrong."""


class SettingsError(InputError):
    """The project settings file is wrong."""


class ProjectError(FgkitError):
    """No project folder, a missing folder, or a folder fgkit cannot write to."""


class ModelError(FgkitError):
    """A model fgkit needs is not installed; fgkit never downloads one."""


class LeakError(FgkitError):
    """Key material was found in the shareable zone. Never carries the value itself."""

    exit_code = 3


class StoreError(FgkitError):
    """The working store cannot be opened or is inconsistent."""
