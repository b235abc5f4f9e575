"""fgkit: qualitative focus-group analysis that is fast, transparent and safe with personal data.

The stages are plain library functions; the ``fgkit`` command is a thin layer over them.
Heavy libraries (spaCy, Presidio, BERTopic) are imported only when a stage needs them.
"""

from .errors import (
    CodebookError,
    FgkitError,
    InputError,
    LeakError,
    ModelError,
    ProjectError,
    RegisterError,
    ReviewFileError,
    SettingsError,
    StoreError,
    TranscriptError,
)
from .project import Project, init_project

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Project",
    "init_project",
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
