"""The codebook: a YAML file of codes the researchers own, loaded into frozen records.

Validation walks PyYAML's composed node tree so that every problem names ``file:line:column``;
all problems are collected and raised together as one ``CodebookError``. Nothing is coded
with an invalid codebook. The format is documented in the README ("The codebook").
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .codebook_patterns import CONTEXT_WINDOW, PatternValidation, Patterns
from .errors import CodebookError, InputError

__all__ = [
    "CONTEXT_WINDOW",
    "Code",
    "Codebook",
    "Patterns",
    "load_codebook",
    "parse_codebook",
    "default_codebook_path",
    "codebook_to_yaml",
]

TOP_KEYS = {"version", "name", "description", "codes"}
CODE_KEYS = {
    "id", "label", "definition", "include", "exclude", "examples", "colour", "parent", "patterns",
}
# Lists and mappings nested deeper than this are refused before PyYAML composes them: a codebook
# needs about eight levels (codes, a code, its patterns, a token pattern), and PyYAML's composer
# recurses once per level, so a file nested ~1,000 deep would end in a RecursionError.
MAX_YAML_DEPTH = 50
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
COLOUR_RE = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


@dataclass(frozen=True)
class Code:
    id: str
    label: str
    definition: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    colour: str | None = None
    parent: str | None = None
    patterns: Patterns = field(default_factory=Patterns)
    line: int = 0


@dataclass(frozen=True)
class Codebook:
    name: str
    version: str
    description: str
    codes: tuple[Code, ...]
    path: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {c.id: c for c in self.codes})

    def __contains__(self, code_id: str) -> bool:
        return code_id in self._by_id  # type: ignore[attr-defined]

    def get(self, code_id: str) -> Code:
        return self._by_id[code_id]  # type: ignore[attr-defined]

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def children(self, code_id: str | None) -> list[Code]:
        return [c for c in self.codes if c.parent == code_id]

    def top_level(self, code_id: str) -> str:
        """The root ancestor of a code (itself when it has no parent)."""
        code = self.get(code_id)
        while code.parent is not None:
            code = self.get(code.parent)
        return code.id

    def depth(self, code_id: str) -> int:
        depth, code = 0, self.get(code_id)
        while code.parent is not None:
            depth, code = depth + 1, self.get(code.parent)
        return depth

    @property
    def sha256(self) -> str:
        """A hash of the content that matters (not comments or layout): keys the match cache."""
        content = {
            "name": self.name,
            "version": self.version,
            "codes": [
                {k: v for k, v in asdict(c).items() if k != "line"} for c in self.codes
            ],
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def default_codebook_path() -> Path:
    """The packaged adult social care codebook."""
    return Path(str(resources.files("fgkit") / "data" / "adult-social-care.yaml"))


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook file (default: the packaged one). Raises CodebookError."""
    path = Path(path) if path is not None else default_codebook_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CodebookError(
            [InputError("codebook file not found; check the path or [coding] codebook", path)]
        ) from None
    except OSError as exc:
        raise CodebookError([InputError(f"cannot read the codebook ({exc.strerror})", path)]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(
            [InputError(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", path)]
        ) from None
    return parse_codebook(text, path)


def parse_codebook(text: str, path: str | Path = "<codebook>") -> Codebook:
    """Validate YAML text and build the Codebook; every problem is reported at once."""
    import yaml

    path = Path(path)
    _check_depth(text, path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise CodebookError([InputError(
            f"the YAML nests lists and mappings too deeply (fgkit's limit is {MAX_YAML_DEPTH} "
            "levels); check the brackets and indentation", path)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise CodebookError(
            [InputError(f"YAML syntax error: {exc.problem}; fix the indentation or quoting",
                        path, line, column)]
        ) from None
    except yaml.YAMLError as exc:
        raise CodebookError([InputError(f"YAML error ({type(exc).__name__})", path)]) from None
    return _Validator(path).build(root)


def _check_depth(text: str, path: Path) -> None:
    """Refuse nesting past MAX_YAML_DEPTH, reading parser events (a flat stream, no recursion).

    libyaml's parser is used when PyYAML has it: the pure-Python scanner looks ahead through
    every open bracket, which takes seconds on a hostile file. Syntax errors are left for
    ``yaml.compose`` to report in PyYAML's own words.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    opening = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    closing = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, opening):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    mark = event.start_mark
                    raise CodebookError([InputError(
                        f"lists and mappings are nested more than {MAX_YAML_DEPTH} deep here; a "
                        "codebook needs a few levels: check the brackets and indentation",
                        path, mark.line + 1, mark.column + 1)])
            elif isinstance(event, closing):
                depth -= 1
    except yaml.YAMLError:
        return


class _Validator(PatternValidation):
    def __init__(self, path: Path) -> None:
        import yaml

        self.path = path
        self.problems: list[InputError] = []
        self.yaml = yaml
        self.constructor = yaml.constructor.SafeConstructor()
        self.parent_nodes: dict[str, Any] = {}
        self.ambiguous_nodes: dict[str, Any] = {}
        self.anaphora_nodes: dict[str, Any] = {}

    # --- reporting -----------------------------------------------------------------------
    def problem(self, node: Any, message: str) -> None:
        mark = getattr(node, "start_mark", None)
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        self.problems.append(InputError(message, self.path, line, column))

    def value(self, node: Any) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except self.yaml.constructor.ConstructorError:
            self.problem(node, "unsupported YAML tag or value; write plain text, numbers and lists")
            return None

    def mapping(self, node: Any, allowed: set[str], what: str) -> dict[str, tuple[Any, Any]]:
        """Keys to (key node, value node); reports unknown and duplicate keys."""
        out: dict[str, tuple[Any, Any]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, self.yaml.ScalarNode) else None
            if key is None:
                self.problem(key_node, f"{what} keys must be plain words")
                continue
            if key in out:
                self.problem(key_node, f"duplicate key '{key}' in {what}; keep one")
                continue
            if key not in allowed:
                hint = difflib.get_close_matches(key, sorted(allowed), n=1)
                tip = f"did you mean '{hint[0]}'?" if hint else f"allowed: {', '.join(sorted(allowed))}"
                self.problem(key_node, f"unknown key '{key}' in {what}; {tip}")
                continue
            out[key] = (key_node, value_node)
        return out

    def string(self, node: Any, what: str, required: bool = False) -> str | None:
        if node is None:
            return None
        if not isinstance(node, self.yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            if required or node.tag != "tag:yaml.org,2002:null":
                self.problem(node, f"{what} must be text")
            return None
        problems = len(self.problems)
        value = self.value(node)
        if len(self.problems) > problems:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(node, f"{what} must be text; put it in quotes")
            return None
        return str(value)

    def strings(self, node: Any, what: str) -> tuple[str, ...]:
        if node is None:
            return ()
        if not isinstance(node, self.yaml.SequenceNode):
            self.problem(node, f"{what} must be a list of texts (lines starting with '- ')")
            return ()
        out = []
        for item in node.value:
            text = self.string(item, f"each entry of {what}")
            if text is not None:
                if not text.strip():
                    self.problem(item, f"empty entry in {what}; remove it")
                else:
                    out.append(text)
        return tuple(out)

    # --- the document ----------------------------------------------------------------------
    def build(self, root: Any) -> Codebook:
        yaml = self.yaml
        if root is None or not isinstance(root, yaml.MappingNode):
            self.problem(root, "a codebook must be a mapping with 'name' and 'codes'")
            raise CodebookError(self.problems or [InputError("the codebook is empty", self.path)])
        top = self.mapping(root, TOP_KEYS, "the codebook")
        name = self.string(top["name"][1], "name") if "name" in top else None
        if "name" not in top:
            self.problem(root, "missing 'name'; give the codebook a name")
        version = self.string(top["version"][1], "version") if "version" in top else "1"
        description = self.string(top["description"][1], "description") if "description" in top else ""
        codes: list[Code] = []
        if "codes" not in top:
            self.problem(root, "missing 'codes'; list the codes under 'codes:'")
        else:
            codes_node = top["codes"][1]
            if not isinstance(codes_node, yaml.SequenceNode) or not codes_node.value:
                self.problem(codes_node, "'codes' must be a non-empty list of codes")
            else:
                nodes: dict[str, Any] = {}
                for item in codes_node.value:
                    code = self.code(item)
                    if code is None:
                        continue
                    if code.id in nodes:
                        first = nodes[code.id].start_mark.line + 1
                        self.problem(item, f"duplicate code id '{code.id}' (first at line {first}); "
                                           "give each code its own id")
                        continue
                    nodes[code.id] = item
                    codes.append(code)
                self.check_tree(codes, nodes)
        if self.problems:
            self.problems.sort(key=lambda p: (p.line or 0, p.column or 0))
            raise CodebookError(self.problems)
        return Codebook(name=name or "", version=version or "1", description=description or "",
                        codes=tuple(codes), path=self.path)

    def code(self, node: Any) -> Code | None:
        if not isinstance(node, self.yaml.MappingNode):
            self.problem(node, "each code must be a mapping with at least 'id' and 'label'")
            return None
        keys = self.mapping(node, CODE_KEYS, "a code")
        if "id" not in keys:
            self.problem(node, "code without 'id'; add an id such as 'workload_pressure'")
            return None
        id_node = keys["id"][1]
        code_id = self.string(id_node, "id")
        if code_id is None:
            return None
        if not ID_RE.match(code_id):
            self.problem(id_node, f"id '{code_id}' is not valid; use lower case letters, digits "
                                  "and '_', starting with a letter")
        def get(key: str) -> Any:
            return keys[key][1] if key in keys else None

        label = self.string(get("label"), "label") or code_id
        colour = self.string(get("colour"), "colour")
        if colour is not None and not COLOUR_RE.match(colour):
            self.problem(get("colour"), f"colour '{colour}' is not valid; write '#RRGGBB' in "
                                        "quotes, e.g. \"#1f77b4\"")
            colour = None
        parent = self.string(get("parent"), "parent")
        self.parent_nodes.setdefault(code_id, get("parent"))
        patterns = self.patterns(get("patterns"), code_id) if "patterns" in keys else Patterns()
        return Code(
            id=code_id,
            label=label,
            definition=self.string(get("definition"), "definition") or "",
            include=self.strings(get("include"), "include"),
            exclude=self.strings(get("exclude"), "exclude"),
            examples=self.strings(get("examples"), "examples"),
            colour=colour.upper() if colour else None,
            parent=parent,
            patterns=patterns,
            line=node.start_mark.line + 1,
        )

    def check_tree(self, codes: list[Code], nodes: dict[str, Any]) -> None:
        by_id = {c.id: c for c in codes}
        for code in codes:
            if code.parent is not None and code.parent not in by_id:
                hint = difflib.get_close_matches(code.parent, list(by_id), n=1)
                tip = f"did you mean '{hint[0]}'?" if hint else "add that code or remove 'parent'"
                self.problem(self.parent_nodes.get(code.id) or nodes[code.id],
                             f"code '{code.id}' has unknown parent "
                                             f"'{code.parent}'; {tip}")
        reported: set[str] = set()
        for code in codes:
            seen = [code.id]
            current = code
            while current.parent in by_id:
                current = by_id[current.parent]
                if current.id in seen:
                    cycle = seen[seen.index(current.id):] + [current.id]
                    if not reported & set(cycle):
                        self.problem(nodes[code.id], "parents form a cycle ("
                                     + " -> ".join(cycle) + "); remove one 'parent'")
                        reported.update(cycle)
                    break
                seen.append(current.id)
        self.check_context(by_id)
        self.check_anaphora(by_id)


def codebook_to_yaml(codebook: Codebook) -> str:
    """Serialise a codebook in the documented format (used by REFI import)."""
    import yaml

    codes = []
    for c in codebook.codes:
        entry: dict[str, Any] = {"id": c.id, "label": c.label}
        if c.parent:
            entry["parent"] = c.parent
        if c.colour:
            entry["colour"] = c.colour
        entry["definition"] = c.definition
        for key in ("include", "exclude", "examples"):
            if getattr(c, key):
                entry[key] = list(getattr(c, key))
        # A parent may hold only the context its sub-codes' ambiguous patterns use.
        if c.patterns != Patterns():
            p = c.patterns
            pats: dict[str, Any] = {}
            for key in ("lemma", "lower"):
                if getattr(p, key):
                    pats[key] = list(getattr(p, key))
            if p.tokens:
                pats["tokens"] = [list(t) for t in p.tokens]
            if p.exclude:
                pats["exclude"] = list(p.exclude)
            for key in ("ambiguous", "context", "anaphora"):
                if getattr(p, key):
                    pats[key] = [e if isinstance(e, str) else list(e) for e in getattr(p, key)]
            if p.context_window is not None:
                pats["context_window"] = p.context_window
            pats["negation"] = p.negation
            pats["confidence"] = p.confidence
            entry["patterns"] = pats
        codes.append(entry)
    doc = {"version": codebook.version, "name": codebook.name,
           "description": codebook.description, "codes": codes}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
