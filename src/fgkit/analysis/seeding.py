"""Seed phrases for guided candidate topics, taken from the codebook's phrase patterns."""

from __future__ import annotations

from itertools import zip_longest

from ..errors import CodebookError, InputError

MAX_PHRASES = 12


def guided_seed_topics(project) -> list[list[str]]:
    """One list of seed phrases (lemma, lower-case and ambiguous phrase patterns) per top-level
    code, in codebook order; child codes' phrases join their parent's list. Unambiguous and
    ambiguous phrases alternate: "pressure" or "fair" need context to be coded, but they name
    a topic as well as "caseload" does."""
    from ..codebook import load_codebook

    codebook = load_codebook(project.codebook_path)
    phrases: dict[str, list[str]] = {}
    for code in codebook.codes:
        plain = [*code.patterns.lemma, *code.patterns.lower]
        ambiguous = [p for p in code.patterns.ambiguous if isinstance(p, str)]
        found = [p.lower() for pair in zip_longest(plain, ambiguous) for p in pair
                 if p and p.strip()]
        phrases.setdefault(codebook.top_level(code.id), []).extend(found)
    seeds = [list(dict.fromkeys(found))[:MAX_PHRASES] for found in phrases.values() if found]
    if not seeds:
        raise CodebookError([InputError(
            "no phrase patterns to guide candidate topics; add lemma or lower patterns, "
            "or set [topics] guided = false", project.codebook_path)])
    return seeds
