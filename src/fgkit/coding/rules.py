"""The explainable rule coder: codebook patterns run through spaCy's matchers.

Each hit keeps the words that matched, their character offsets and the pattern, so a reviewer
sees why a code was suggested. Phrases sit in PhraseMatchers (cost barely grows with their
number); token patterns go to one Matcher. A hit is dropped when it overlaps one of the code's
exclusion phrases, or when a negation precedes it in the same clause (see ``clause_negation``).
An *ambiguous* pattern ("fair", "pressure", "tired") counts only when one of the code's context
phrases ("caseload", "referral", "visit") is in the same sentence or within a few tokens, because
the same words are everyday speech in any other study; its hit names both the pattern and the
context it found.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from ..codebook import CONTEXT_WINDOW, Codebook
from ..errors import ModelError

__all__ = ["CODER", "Hit", "RuleCoder", "load_nlp", "NLP_DISABLED", "clause_negation"]

CODER = "rules:v1"
# Lemmas need tok2vec, tagger, attribute_ruler and lemmatizer; the parser and the entity
# recogniser would triple the cost and the coder uses neither.
NLP_DISABLED = ("parser", "ner", "senter")
NEGATORS = frozenset({"not", "n't", "never", "no", "nothing", "nobody", "none", "neither", "nor",
                      "cannot", "noone", "without"})
# "not just the caseload", "not only ..." add rather than deny.
NOT_NEGATING_NEXT = frozenset({"just", "only", "even", "merely", "simply", "least"})
# "it's not that X", "it's not about X", "nothing to do with X": the speaker sets the topic aside.
DISMISSING_NEXT = frozenset({"that", "about"})
CLAUSE_BREAKS = frozenset({"but", "and", "so", "because", "cos", "though", "although", "however",
                           "whereas", "while", "if", "when", "or"})
NEGATION_WINDOW = 6
# What a matcher key stands for: a plain pattern, an exclusion, or the two halves of a
# context-dependent match.
HIT, EXCLUDE, AMBIGUOUS, CONTEXT = "hit", "exclude", "ambiguous", "context"
SENTENCE_ENDS = frozenset({".", "?", "!", "…", "...", "?!", "!!", "??"})


@dataclass(frozen=True)
class Hit:
    """A pattern match that survived exclusion, negation and, for an ambiguous pattern, the
    search for context; offsets are into the text coded."""

    code: str
    start: int
    end: int
    pattern: str


@lru_cache(maxsize=2)
def load_nlp(model: str):
    """The spaCy pipeline the coder needs (lemmas only), loaded once per process.

    fgkit never downloads a model."""
    import spacy

    try:
        return spacy.load(model, exclude=list(NLP_DISABLED))
    except OSError:
        raise ModelError(
            f"spaCy model '{model}' is not installed; install it with pip or set "
            "[nlp] spacy_model to an installed English pipeline"
        ) from None


def clause_negation(doc, start: int) -> str | None:
    """'negated' or 'dismissed' when a negator precedes token ``start`` in its clause.

    The clause is approximated by a window of tokens bounded by punctuation and conjunctions,
    which the parser would do better but at several times the cost.
    """
    lower = max(start - NEGATION_WINDOW, 0)
    for i in range(start - 1, lower - 1, -1):
        token = doc[i]
        word = token.lower_
        if token.is_punct and word not in {"'", "’"} or word in CLAUSE_BREAKS:
            return None
        if word in NEGATORS or token.norm_ == "not":
            following = doc[i + 1].lower_ if i + 1 < len(doc) else ""
            if following in NOT_NEGATING_NEXT:
                continue
            if following in DISMISSING_NEXT or (word == "nothing" and following == "to"):
                return "dismissed"
            return "negated"
    return None


class RuleCoder:
    """Matchers built once from a codebook and a pipeline; ``match`` codes one spaCy Doc."""

    def __init__(self, codebook: Codebook, nlp) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.codebook = codebook
        self.nlp = nlp
        self.lemma_matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.lower_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.token_matcher = Matcher(nlp.vocab)
        # key string -> (code, pattern label, kind)
        self.keys: dict[int, tuple[str, str, str]] = {}
        self.lemma_phrases: dict[str, str] = {}
        for code in codebook.codes:
            p = code.patterns
            for phrase in p.lemma:
                self._phrase(code.id, f"lemma:{phrase}", phrase, HIT)
            for phrase in self._exclusions(code.id):
                self._phrase(code.id, f"exclude:{phrase}", phrase, EXCLUDE)
            for phrase in p.lower:
                self.lower_matcher.add(self._key(code.id, f"lower:{phrase}", HIT),
                                       [nlp.make_doc(phrase.lower())])
            for i, pattern in enumerate(p.tokens, 1):
                self.token_matcher.add(self._key(code.id, f"tokens:{code.id}#{i}", HIT),
                                       [list(pattern)])
            for kind, entries in ((AMBIGUOUS, p.ambiguous), (CONTEXT, p.context)):
                for i, entry in enumerate(entries, 1):
                    if isinstance(entry, str):
                        self._phrase(code.id, f"{kind}:{entry}", entry, kind)
                    else:
                        self.token_matcher.add(self._key(code.id, f"{kind}:{code.id}#{i}", kind),
                                               [list(entry)])
        # LEMMA matching needs pattern docs lemmatised by the same pipeline, not make_doc.
        keys, texts = list(self.lemma_phrases), list(self.lemma_phrases.values())
        for key, doc in zip(keys, nlp.pipe(texts, batch_size=256)):
            self.lemma_matcher.add(key, [doc])
        self.negation = {c.id: c.patterns.negation for c in codebook.codes}
        # A code's ambiguous matches accept its own context and its ancestors' ("stress" under
        # time pressure is on topic near "caseload" too), within its window or its parent's.
        self.lineage = {c.id: self._lineage(c.id) for c in codebook.codes}
        self.window = {
            c.id: next((codebook.get(a).patterns.context_window for a in self.lineage[c.id]
                        if codebook.get(a).patterns.context_window is not None), CONTEXT_WINDOW)
            for c in codebook.codes
        }

    def _key(self, code: str, label: str, kind: str) -> str:
        key = f"{code}\x1f{label}"
        self.keys[self.nlp.vocab.strings.add(key)] = (code, label, kind)
        return key

    def _phrase(self, code: str, label: str, phrase: str, kind: str) -> None:
        key = self._key(code, label, kind)
        self.lemma_phrases[key] = phrase
        # A word lemmatised on its own can differ from the same word in a sentence
        # ("data" -> "datum"), so the exact wording always matches as well.
        self.lower_matcher.add(key, [self.nlp.make_doc(phrase.lower())])

    def _lineage(self, code_id: str) -> list[str]:
        out = [code_id]
        while (parent := self.codebook.get(out[-1]).parent) is not None:
            out.append(parent)
        return out

    def _exclusions(self, code_id: str) -> list[str]:
        """A code's exclusion phrases and its ancestors' ("blood pressure" is never workload)."""
        phrases: list[str] = []
        code = self.codebook.get(code_id)
        while True:
            phrases.extend(p for p in code.patterns.exclude if p not in phrases)
            if code.parent is None:
                return phrases
            code = self.codebook.get(code.parent)

    def match(self, doc) -> list[Hit]:
        """Hits in document order; at most one per code and span."""
        found = [
            *self.lemma_matcher(doc),
            *self.lower_matcher(doc),
            *(self.token_matcher(doc) if len(self.token_matcher) else ()),
        ]
        excluded: dict[str, list[tuple[int, int]]] = defaultdict(list)
        context: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        candidates = []
        for key, start, end in found:
            code, label, kind = self.keys[key]
            if kind == EXCLUDE:
                excluded[code].append((start, end))
            elif kind == CONTEXT:
                context[code].append((start, end, label))
            else:
                candidates.append((start, -end, code, label, kind))
        hits: list[Hit] = []
        seen: set[tuple[str, int, int]] = set()
        sentence = sentence_ids(doc) if context else []
        for start, neg_end, code, label, kind in sorted(candidates):
            end = -neg_end
            if any(s < end and start < e for s, e in excluded.get(code, ())):
                continue
            negation = clause_negation(doc, start)
            if negation == "dismissed" or (negation and self.negation[code]):
                continue
            if kind == AMBIGUOUS:
                near = self._nearest_context(code, start, end, context, sentence)
                if near is None:
                    continue
                label = f"{label} + {near}"
            span = doc[start:end]
            # Overlapping hits of one code (e.g. "stretched" inside "stretched thin") count once.
            if any(c == code and s < span.end_char and span.start_char < e for c, s, e in seen):
                continue
            seen.add((code, span.start_char, span.end_char))
            hits.append(Hit(code, span.start_char, span.end_char, label))
        return hits

    def _nearest_context(self, code: str, start: int, end: int,
                         context: dict[str, list[tuple[int, int, str]]],
                         sentence: list[int]) -> str | None:
        """The label of the closest context match outside [start, end): in the same sentence,
        or across a sentence end within the code's window (tokens between the two).

        A context word inside the ambiguous match itself proves nothing about the talk
        around it."""
        window, best = self.window[code], None
        for owner in self.lineage[code]:
            for s, e, label in context.get(owner, ()):
                gap = start - e if e <= start else s - end if s >= end else -1
                if gap < 0 or (gap > window and sentence[s] != sentence[start]):
                    continue
                if best is None or gap < best[0]:
                    best = (gap, label)
        return best[1] if best else None


def sentence_ids(doc) -> list[int]:
    """A sentence number per token, split after sentence-final punctuation.

    The coder runs without the parser or senter (see NLP_DISABLED); punctuation is what a
    transcript marks sentences with, and unpunctuated ASR text stays one sentence per segment."""
    ids, current = [], 0
    for token in doc:
        ids.append(current)
        if token.text in SENTENCE_ENDS:
            current += 1
    return ids
