"""fgkit's own words, which the leak gate never counts as a leak.

A code labelled "Emotional labour" when "Labour" is a key value, "Otter" in the methods text's
list of formats, a column called "evidence": these words are fgkit's (or the researcher's
configuration), not speech. They are:

- the text fgkit itself writes: every string literal in its modules (methods text, column and
  file names, format names) and its report templates, with docstrings and the pseudonymiser's
  own word lists left out;
- the project's configuration: the codebook, the project templates, the settings other than
  ``[pseudonymise]`` (whose deny list holds names), and the register's roles and groups.

A value found in a file is excused only when it is one of these words **and** the study's
pseudonymised text (every stored pseudonymised turn, coding evidence and review memo, which is
where all transcript-derived text in any output comes from) nowhere contains it. So a register
name or key value that reached transcript-derived text is still caught, whatever else it
matches; and with no pseudonymised text to compare against, nothing is excused.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

__all__ = ["OwnWords", "own_word_excuse", "own_words", "study_text"]

_WORD = re.compile(r"[^\W_]+")
# Modules whose literals never reach a shareable file, or hold detection word lists.
_SKIPPED_PACKAGES = ("pseudonymise", "cli")


def _phrases(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _literals(path: Path) -> list[str]:
    """String literals of a module, docstrings excluded (they describe, they are not output)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return []
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


@lru_cache(maxsize=1)
def _package_lines() -> tuple[str, ...]:
    # Read from the installed package itself, so a new column or methods sentence counts at
    # once; parsed only when a scan finds something to excuse.
    root = Path(__file__).resolve().parents[1]
    lines: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).parts[0] in _SKIPPED_PACKAGES:
            continue
        lines.extend(_phrases(s) for s in _literals(path))
    for pattern in ("report/templates/*", "data/*.yaml"):
        lines.extend(_phrases(p.read_text(encoding="utf-8")) for p in sorted(root.glob(pattern)) if p.is_file())
    return tuple(line for line in lines if line)


def _project_lines(project) -> list[str]:
    lines = []
    files = [project.codebook_path]
    templates = project.root / "templates"
    if templates.is_dir():
        files.extend(sorted(p for p in templates.iterdir() if p.is_file()))
    for path in files:
        try:
            lines.append(_phrases(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    for section, values in project.settings.as_dict().items():
        if section != "pseudonymise" and isinstance(values, dict):
            lines.extend(_phrases(str(v)) for v in values.values())
    if project.register_path.is_file():
        from ..participants import load_register

        try:
            register = load_register(project.register_path)
        except Exception:  # noqa: BLE001 - a broken register excuses nothing; ingest reports it
            register = None
        for entry in register.entries if register else []:
            lines.append(_phrases(f"{entry.role.replace('_', ' ')} | {entry.group}"))
    return lines


class OwnWords:
    """Phrases fgkit or the project's configuration wrote; ``norm in words`` tests a value."""

    def __init__(self, lines: list[str] | tuple[str, ...]) -> None:
        # One line per literal, padded, so a phrase never matches across two literals.
        self._text = "\n".join(f" {line} " for line in lines if line)

    def __contains__(self, norm: str) -> bool:
        phrase = _phrases(norm)
        return bool(phrase) and f" {phrase} " in self._text


def own_words(project) -> OwnWords:
    return OwnWords(list(_package_lines()) + _project_lines(project))


def study_text(project) -> str | None:
    """All pseudonymised text of the study, or None when there is no store to read it from."""
    if not project.store_path.exists():
        return None
    from ..errors import StoreError

    try:
        store = project.open_store()
    except StoreError:
        return None
    try:
        parts = store.pseudonymised_texts()
        if not parts:
            return None
    finally:
        store.close()
    return "\n\n".join(parts)


def own_word_excuse(project, values, said: str = "") -> Callable[[str], bool]:
    """``excused(norm)``: is this value one of fgkit's own words that no transcript carries?

    ``said`` adds pseudonymised text not stored yet. Both word lists are built on the first
    call, so a clean scan costs nothing extra.
    """
    state: dict = {}

    def excused(norm: str) -> bool:
        if "own" not in state:
            state["own"] = own_words(project)
            text = study_text(project)
            if said:
                text = f"{text or ''}\n\n{said}"
            state["said"] = None if text is None else {m.norm for m in values.matches(text)}
            state["seen"] = {}
        seen = state["seen"]
        if norm not in seen:
            seen[norm] = state["said"] is not None and norm not in state["said"] and norm in state["own"]
        return seen[norm]

    return excused
