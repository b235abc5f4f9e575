"""Seed phrases for guided candidate topics, taken from the codebook's phrase patterns."""

from __future__ import annotations

from ..errors import CodebookError, InputError

MAX_PHRASES = 12


def guided_seed_topics(project) -> list[list[str]]:
    """One list of seed phrases (lemma and lower-case patterns) per top-level code, in
    codebook order; child codes' phrases join their parent's list."""
    from ..codebook import load_codebook

    codebook = load_codebook(project.codebook_path)
    phrases: dict[str, list[str]] = {}
    for code in codebook.codes:
        found = [p.lower() for p in (*code.patterns.lemma, *code.patterns.lower) if p.strip()]
        phrases.setdefault(codebook.top_level(code.id), []).extend(found)
    seeds = [list(dict.fromkeys(found))[:MAX_PHRASES] for found in phrases.values() if found]
    if not seeds:
        raise CodebookError([InputError(
            "no phrase patterns to guide candidate topics; add lemma or lower patterns, "
            "or set [topics] guided = false", project.codebook_path)])
    return seeds
