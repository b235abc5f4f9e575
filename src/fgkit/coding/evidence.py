"""Evidence for a learnt suggestion: the phrase in the text that most supports the code."""

from __future__ import annotations

import re

__all__ = ["supporting_span"]


def supporting_span(word_vectorizer, coefficients, text: str) -> tuple[int, int] | None:
    """Character span of the word n-gram in ``text`` with the largest positive weight, if any.

    ``word_vectorizer``: a fitted word-level TfidfVectorizer; ``coefficients``: a linear model's
    weights whose first ``len(vocabulary_)`` entries belong to that vectorizer's terms.
    """
    vocabulary = word_vectorizer.vocabulary_
    best, best_weight = None, 0.0
    # Sorted, longest first, so that among equal weights the fuller phrase wins, every time.
    for term in sorted(set(word_vectorizer.build_analyzer()(text)), key=lambda t: (-len(t.split()), t)):
        index = vocabulary.get(term)
        if index is not None and coefficients[index] > best_weight:
            best, best_weight = term, coefficients[index]
    if best is None:
        return None
    # The analyzer lowercased and split on word boundaries; find the words as written.
    pattern = r"\b" + r"\W+".join(re.escape(w) for w in best.split()) + r"\b"
    match = re.search(pattern, text, flags=re.IGNORECASE)
    return (match.start(), match.end()) if match else None
