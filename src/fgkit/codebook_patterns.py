"""The rule coder's patterns in a codebook: the ``Patterns`` record and its validation.

Kept apart from ``fgkit.codebook`` (which re-exports ``Patterns``) so that module stays about
the codebook's structure; ``PatternValidation`` is mixed into its validator and reports through
the same located problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Patterns", "PatternValidation", "PATTERN_KEYS", "CONTEXT_WINDOW", "MAX_CONTEXT_WINDOW"]

PATTERN_KEYS = {"lemma", "lower", "tokens", "exclude", "negation", "confidence", "ambiguous",
                "context", "context_window", "anaphora"}
# How far an ambiguous match looks for its context across a sentence end, in tokens between
# them (inside one sentence any distance counts): a clause or two of speech, short enough that
# the next speaker's topic rarely reaches.
CONTEXT_WINDOW = 10
MAX_CONTEXT_WINDOW = 100
# The coder runs the tagger and lemmatizer only: attributes set by the parser or the entity
# recogniser would never match, so a pattern using them is an error, not a silent miss.
UNAVAILABLE_ATTRS = {"DEP", "HEAD", "SENT_START", "IS_SENT_START", "ENT_TYPE", "ENT_IOB", "ENT_ID"}


@dataclass(frozen=True)
class Patterns:
    """How the rule coder detects a code. Empty patterns mean the code is applied by hand."""

    lemma: tuple[str, ...] = ()
    lower: tuple[str, ...] = ()
    tokens: tuple[tuple[dict, ...], ...] = ()
    exclude: tuple[str, ...] = ()
    negation: bool = True
    confidence: float = 0.7
    # Entries are phrases (matched like ``lemma``) or token patterns (like ``tokens``).
    ambiguous: tuple[str | tuple[dict, ...], ...] = ()
    context: tuple[str | tuple[dict, ...], ...] = ()
    # None: the parent's window, or CONTEXT_WINDOW at the top.
    context_window: int | None = None
    # Words that stand for something the talk has named ("it", "the tool" after "the AI"):
    # phrases or token patterns, counted only after a hit of this code's family, in the
    # segment, earlier in its turn, in the facilitator's question or in the previous turn.
    anaphora: tuple[str | tuple[dict, ...], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.lemma or self.lower or self.tokens or self.ambiguous)


class PatternValidation:
    """Validation of a code's ``patterns`` mapping; needs the validator's ``problem``,
    ``value``, ``mapping``, ``string`` and ``strings`` and its ``yaml`` module."""

    ambiguous_nodes: dict[str, Any]
    anaphora_nodes: dict[str, Any]

    def patterns(self, node: Any, code_id: str) -> Patterns:
        yaml = self.yaml
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"'patterns' of '{code_id}' must be a mapping "
                               "(lemma, lower, tokens, exclude, negation, confidence, ...)")
            return Patterns()
        keys = self.mapping(node, PATTERN_KEYS, "patterns")
        def get(key: str) -> Any:
            return keys[key][1] if key in keys else None

        negation = True
        if "negation" in keys:
            value = self.value(get("negation"))
            if not isinstance(value, bool):
                self.problem(get("negation"), "negation must be true or false")
            else:
                negation = value
        confidence = 0.7
        if "confidence" in keys:
            value = self.value(get("confidence"))
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                self.problem(get("confidence"), "confidence must be a number above 0 and at most 1")
            else:
                confidence = float(value)
        window = None
        if "context_window" in keys:
            value = self.value(get("context_window"))
            if isinstance(value, bool) or not isinstance(value, int) \
                    or not 1 <= value <= MAX_CONTEXT_WINDOW:
                self.problem(get("context_window"), "context_window must be a whole number of "
                                                    f"tokens from 1 to {MAX_CONTEXT_WINDOW}")
            else:
                window = value
        ambiguous = self.mixed(get("ambiguous"), "ambiguous")
        if ambiguous:
            self.ambiguous_nodes[code_id] = keys["ambiguous"][0]
        anaphora = self.mixed(get("anaphora"), "anaphora")
        if anaphora:
            self.anaphora_nodes[code_id] = keys["anaphora"][0]
        return Patterns(
            lemma=self.strings(get("lemma"), "lemma"),
            lower=self.strings(get("lower"), "lower"),
            tokens=self.token_patterns(get("tokens")),
            exclude=self.strings(get("exclude"), "exclude"),
            negation=negation,
            confidence=confidence,
            ambiguous=ambiguous,
            context=self.mixed(get("context"), "context"),
            context_window=window,
            anaphora=anaphora,
        )

    def token_patterns(self, node: Any) -> tuple[tuple[dict, ...], ...]:
        if node is None:
            return ()
        if not isinstance(node, self.yaml.SequenceNode):
            self.problem(node, "tokens must be a list of spaCy Matcher patterns "
                               "(each a list of token dicts)")
            return ()
        return tuple(p for p in map(self.token_pattern, node.value) if p is not None)

    def mixed(self, node: Any, what: str) -> tuple[str | tuple[dict, ...], ...]:
        """A list whose entries are phrases or token patterns (``ambiguous``, ``context``,
        ``anaphora``)."""
        if node is None:
            return ()
        if not isinstance(node, self.yaml.SequenceNode):
            self.problem(node, f"{what} must be a list of phrases or token patterns "
                               "(lines starting with '- ')")
            return ()
        out: list[str | tuple[dict, ...]] = []
        for item in node.value:
            if isinstance(item, self.yaml.SequenceNode):
                pattern = self.token_pattern(item)
                if pattern is not None:
                    out.append(pattern)
                continue
            text = self.string(item, f"each entry of {what}")
            if text is not None and not text.strip():
                self.problem(item, f"empty entry in {what}; remove it")
            elif text is not None:
                out.append(text)
        return tuple(out)

    def token_pattern(self, item: Any) -> tuple[dict, ...] | None:
        from spacy.schemas import validate_token_pattern

        value = self.value(item)
        if not isinstance(value, list) or not value or not all(isinstance(t, dict) for t in value):
            self.problem(item, "a token pattern must be a non-empty list of token dicts, "
                               "e.g. [{LEMMA: too}, {LEMMA: many}]")
            return None
        errors = validate_token_pattern(value)
        used = {str(k).upper() for t in value for k in t}
        unavailable = sorted(used & UNAVAILABLE_ATTRS)
        if unavailable:
            errors.append(f"attribute {unavailable[0]} needs a pipeline component the coder "
                          "does not run; use LEMMA, LOWER, POS, TAG or shape attributes")
        if errors:
            # spaCy's messages name the offending key path, never the pattern's text.
            self.problem(item, f"invalid token pattern: {errors[0]}; see the spaCy Matcher "
                               "documentation for allowed keys")
            return None
        return tuple(value)

    def check_context(self, by_id: dict[str, Any]) -> None:
        """An ambiguous pattern with no context anywhere up its line could never match."""
        for code_id, key_node in self.ambiguous_nodes.items():
            current, found = by_id.get(code_id), False
            steps = 0
            while current is not None and not found and steps <= len(by_id):
                found = bool(current.patterns.context)
                current, steps = by_id.get(current.parent or ""), steps + 1
            if not found:
                self.problem(key_node, f"'ambiguous' patterns of '{code_id}' need 'context' in "
                                       "this code or a parent; list the words that show the talk "
                                       "is on topic")

    def check_anaphora(self, by_id: dict[str, Any]) -> None:
        """Anaphora stand for what the code's family names: a family with no pattern that
        names anything could never use them."""
        for code_id, key_node in self.anaphora_nodes.items():
            if code_id not in by_id:
                continue
            top = self._top_of(by_id[code_id], by_id)
            family = [c for c in by_id.values() if self._top_of(c, by_id) == top]
            if not any(c.patterns.lemma or c.patterns.lower or c.patterns.tokens
                       or c.patterns.ambiguous for c in family):
                self.problem(key_node, f"'anaphora' of '{code_id}' stand for what its code "
                                       "family names, and the family has no patterns; add "
                                       "lemma, lower, tokens or ambiguous patterns")

    @staticmethod
    def _top_of(code: Any, by_id: dict[str, Any]) -> str:
        steps = 0
        while code.parent and code.parent in by_id and steps <= len(by_id):
            code, steps = by_id[code.parent], steps + 1
        return code.id
