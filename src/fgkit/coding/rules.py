"""The explainable rule coder: codebook patterns run through spaCy's matchers.

Each hit keeps the words that matched, their character offsets and the pattern, so a reviewer
sees why a code was suggested. Phrases sit in PhraseMatchers (cost barely grows with their
number); token patterns go to one Matcher. A hit is dropped when it overlaps one of the code's
exclusion phrases, or when a negation precedes it in the same clause (see ``clause_negation``).
An *ambiguous* pattern ("fair", "pressure", "tired") counts only when one of the code's context
phrases ("caseload", "referral", "visit") is in the same sentence or within a few tokens, because
the same words are everyday speech in any other study; its hit names both the pattern and the
context it found. An *anaphora* pattern ("it", "the tool", "the pilot") counts once the talk
has named the code ("the AI ... it"), and then stands in for what it names.

Coding happens in two steps. ``scan`` reads one doc alone: the hits it proves by itself, and
what it leaves open (ambiguous words with no context in it, anaphora with nothing named before
them). ``resolve`` settles the open matches with the talk before the segment (earlier in its
own turn, the facilitator's question, the previous turn; see ``fgkit.coding.dialogue``). Every
hit says where its support came from (``Hit.basis``), and confidence falls with the distance.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..codebook import CONTEXT_WINDOW, Codebook
from ..errors import ModelError

__all__ = ["CODER", "BASES", "RULES_VERSION", "Hit", "Lead", "Resolver", "RuleCoder", "Scan", "hit_confidence",
           "load_nlp", "NLP_DISABLED", "clause_negation", "sentence_ids", "spellings"]

CODER = "rules:v1"
# Bumped whenever the same codebook and text can give a different scan: it keys the match cache.
RULES_VERSION = "2"
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
# What a matcher key stands for: a plain pattern, an exclusion, the two halves of a
# context-dependent match, or a word standing for something named before it.
HIT, EXCLUDE, AMBIGUOUS, CONTEXT, ANAPHORA = "hit", "exclude", "ambiguous", "context", "anaphora"
SENTENCE_ENDS = frozenset({".", "?", "!", "…", "...", "?!", "!!", "??"})
# Where the support for a hit was found, nearest first, and how much of the code's confidence
# that leaves: the segment itself (or earlier in its own turn) is full evidence; the
# facilitator's question or the previous turn is the discussion's context, weaker.
BASES = ("text", "turn", "question", "previous")
BASIS_WEIGHT = {"text": 1.0, "turn": 1.0, "question": 0.7, "previous": 0.6}
BASIS_NOTE = {"turn": "earlier in the turn", "question": "in the question",
              "previous": "in the previous turn"}


@dataclass(frozen=True)
class Hit:
    """A pattern match that survived exclusion, negation and, for an ambiguous or anaphora
    pattern, the search for its support; offsets are into the text coded. ``basis`` says where
    the support was found (one of ``BASES``)."""

    code: str
    start: int
    end: int
    pattern: str
    basis: str = "text"


@dataclass
class Scan:
    """What one doc proves alone, and what it leaves for the talk around it to settle.

    Plain data, cached between runs (``to_json`` / ``from_json``). Open matches are
    ``(code, start_char, end_char, label)``; ``context`` gives, per code, the label of the doc's
    last context match, and ``named`` the words of its last hit, which later segments may lean
    on; ``open_codes`` are the codes of its unresolved ambiguous matches (a question's "any
    technology?" sets the topic even though it proves nothing)."""

    hits: list[Hit] = field(default_factory=list)
    pending: list[tuple] = field(default_factory=list)
    anaphora: list[tuple] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)
    named: dict[str, str] = field(default_factory=dict)

    @property
    def open_codes(self) -> set[str]:
        return {p[0] for p in self.pending}

    def to_json(self) -> dict:
        return {"hits": [[h.code, h.start, h.end, h.pattern] for h in self.hits],
                "pending": [list(p) for p in self.pending],
                "anaphora": [list(a) for a in self.anaphora],
                "context": self.context, "named": self.named}

    @classmethod
    def from_json(cls, data: dict) -> "Scan":
        return cls(hits=[Hit(*h) for h in data["hits"]],
                   pending=[tuple(p) for p in data["pending"]],
                   anaphora=[tuple(a) for a in data["anaphora"]],
                   context=dict(data["context"]), named=dict(data["named"]))


def hit_confidence(base: float, hits: list[Hit]) -> float:
    """Independent pieces of evidence raise confidence, 1 - prod(1 - base * weight), where the
    weight falls with the distance of each hit's support (``BASIS_WEIGHT``); capped at 0.99."""
    doubt = 1.0
    for hit in hits:
        doubt *= 1 - base * BASIS_WEIGHT.get(hit.basis, 1.0)
    return round(min(0.99, 1 - doubt), 3)


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


def spellings(phrase: str) -> list[str]:
    """A phrase as written and with its words joined the other way: "pressure sore" also as
    "pressure-sore", "short-staffed" also as "short staffed". Speakers and transcribers write
    compounds both ways, and an exclusion that misses one spelling does not hold."""
    out = [phrase]
    words = phrase.split()
    if 2 <= len(words) <= 3 and "-" not in phrase:
        out.append("-".join(words))
    elif "-" in phrase and " " not in phrase.strip("-"):
        out.append(" ".join(w for w in phrase.split("-") if w))
    return out


@dataclass(frozen=True)
class Lead:
    """The talk before a segment that may support its open matches: where it is (``basis``),
    the codes it names (top-level code -> the words) and the codes it has context for (top-level
    code -> the context pattern)."""

    basis: str
    named: dict[str, str]
    context: dict[str, str]

    @property
    def empty(self) -> bool:
        return not (self.named or self.context)


class Resolver:
    """Settles a scan's open matches with the talk before it. Needs the codebook only (no
    model), so cached scans are resolved without parsing anything."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.top = {c.id: codebook.top_level(c.id) for c in codebook.codes}

    def lead(self, basis: str, scan: Scan, hits: list[Hit] | None = None,
             open_codes: bool = False) -> Lead:
        """What a segment offers the segments after it: the codes its (resolved) hits name,
        the codes it has context for and, for a question, the codes it only touches on."""
        named = {}
        for hit in scan.hits if hits is None else hits:
            named.setdefault(self.top[hit.code], _named(hit.pattern))
        if open_codes:
            for code, _, _, label in scan.pending:
                named.setdefault(self.top[code], _named(label))
        return Lead(basis, named, dict(scan.context))

    def resolve(self, scan: Scan, leads: list[Lead] = ()) -> list[Hit]:
        """The scan's hits, plus its open matches settled by the talk before it.

        ``leads`` are nearest first ("turn": earlier in the same turn, "question": the
        facilitator's question, "previous": the previous turn). An anaphor needs a lead that
        names its code; an ambiguous match a lead that names its code or has its context."""
        if not (scan.pending or scan.anaphora) or not leads:
            return scan.hits
        hits = list(scan.hits)
        for code, start, end, label in scan.anaphora:
            top = self.top[code]
            lead = next((ld for ld in leads if top in ld.named), None)
            if lead is not None:
                hits.append(Hit(code, start, end, f"{label} -> {lead.named[top]} "
                                f"({BASIS_NOTE[lead.basis]})", lead.basis))
        for code, start, end, label in scan.pending:
            top = self.top[code]
            for lead in leads:
                support = lead.named.get(top) or lead.context.get(top)
                if support is not None:
                    hits.append(Hit(code, start, end, f"{label} + {support} "
                                    f"({BASIS_NOTE[lead.basis]})", lead.basis))
                    break
        hits.sort(key=lambda h: (h.start, h.end, h.code))
        return hits


class RuleCoder:
    """Matchers built once from a codebook and a pipeline; ``scan`` reads one spaCy Doc alone,
    ``resolve`` settles what it left open with the talk before it, and ``match`` is the two
    for a doc with no talk around it."""

    def __init__(self, codebook: Codebook, nlp) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.codebook = codebook
        self.nlp = nlp
        self.lemma_matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.lower_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.token_matcher = Matcher(nlp.vocab)
        # (attribute, hashes of the words it needs, a Matcher for that one pattern)
        self.anchored: list[tuple[str, frozenset[int], Any]] = []
        # key string -> (code, pattern label, kind)
        self.keys: dict[int, tuple[str, str, str]] = {}
        self.lemma_phrases: dict[str, list[str]] = {}
        self.lineage = {c.id: self._lineage(c.id) for c in codebook.codes}
        self.resolver = Resolver(codebook)
        self.top = self.resolver.top
        for code in codebook.codes:
            p = code.patterns
            for phrase in p.lemma:
                self._phrase(code.id, f"lemma:{phrase}", phrase, HIT)
            for phrase in self._exclusions(code.id):
                self._phrase(code.id, f"exclude:{phrase}", phrase, EXCLUDE)
            for phrase in p.lower:
                self.lower_matcher.add(self._key(code.id, f"lower:{phrase}", HIT),
                                       [nlp.make_doc(s.lower()) for s in spellings(phrase)])
            for i, pattern in enumerate(p.tokens, 1):
                self._tokens(self._key(code.id, f"tokens:{code.id}#{i}", HIT), pattern)
            for kind, entries in ((AMBIGUOUS, p.ambiguous), (CONTEXT, p.context),
                                  (ANAPHORA, p.anaphora)):
                for i, entry in enumerate(entries, 1):
                    if isinstance(entry, str):
                        self._phrase(code.id, f"{kind}:{entry}", entry, kind)
                    else:
                        self._tokens(self._key(code.id, f"{kind}:{code.id}#{i}", kind), entry)
        # LEMMA matching needs pattern docs lemmatised by the same pipeline, not make_doc.
        keys = list(self.lemma_phrases)
        texts = [t for k in keys for t in self.lemma_phrases[k]]
        docs = iter(nlp.pipe(texts, batch_size=256))
        for key in keys:
            self.lemma_matcher.add(key, [next(docs) for _ in self.lemma_phrases[key]])
        self.negation = {c.id: c.patterns.negation for c in codebook.codes}
        # A code's ambiguous matches accept its own context and its ancestors' ("stress" under
        # time pressure is on topic near "caseload" too), within its window or its parent's.
        self.window = {
            c.id: next((codebook.get(a).patterns.context_window for a in self.lineage[c.id]
                        if codebook.get(a).patterns.context_window is not None), CONTEXT_WINDOW)
            for c in codebook.codes
        }

    def _key(self, code: str, label: str, kind: str) -> str:
        key = f"{code}\x1f{label}"
        self.keys[self.nlp.vocab.strings.add(key)] = (code, label, kind)
        return key

    def _tokens(self, key: str, pattern: tuple[dict, ...]) -> None:
        """A token pattern goes to the Matcher unless it is a fixed run of words on one
        attribute ([{LOWER: {IN: [cases, referrals]}}]): those become phrases, the same matches
        at a fraction of the cost (the Matcher's time grows with every pattern it holds)."""
        from spacy.tokens import Doc

        phrases = _as_phrases(pattern)
        if phrases is None:
            anchor = _anchor(pattern)
            if anchor is None:
                self.token_matcher.add(key, [list(pattern)])
                return
            # A pattern with a word it cannot match without runs only on docs holding that
            # word: the Matcher's cost grows with the patterns it holds, on every token.
            from spacy.matcher import Matcher

            matcher = Matcher(self.nlp.vocab)
            matcher.add(key, [list(pattern)])
            attr, words = anchor
            self.anchored.append((attr, frozenset(self.nlp.vocab.strings.add(w) for w in words),
                                  matcher))
            return
        attr, runs = phrases
        if attr == "LOWER":
            self.lower_matcher.add(key, [Doc(self.nlp.vocab, words=run) for run in runs])
        else:
            self.lemma_matcher.add(key, [Doc(self.nlp.vocab, words=run, lemmas=run)
                                         for run in runs])

    def _phrase(self, code: str, label: str, phrase: str, kind: str) -> None:
        key = self._key(code, label, kind)
        forms = spellings(phrase)
        self.lemma_phrases[key] = forms
        # A word lemmatised on its own can differ from the same word in a sentence
        # ("data" -> "datum"), so the exact wording always matches as well.
        self.lower_matcher.add(key, [self.nlp.make_doc(f.lower()) for f in forms])

    def _lineage(self, code_id: str) -> list[str]:
        out = [code_id]
        while (parent := self.codebook.get(out[-1]).parent) is not None:
            out.append(parent)
        return out

    def _exclusions(self, code_id: str) -> list[str]:
        """The exclusion phrases of a code's whole family: its own, its ancestors' ("blood
        pressure" is never workload) and its descendants' ("first time" is no time pressure for
        the parent code either): a word's sense does not change between sub-codes."""
        family = [c.id for c in self.codebook.codes
                  if code_id in self.lineage[c.id] or c.id in self.lineage[code_id]]
        phrases: list[str] = []
        for member in family:
            phrases.extend(p for p in self.codebook.get(member).patterns.exclude
                           if p not in phrases)
        return phrases

    def match(self, doc) -> list[Hit]:
        """Hits in document order proved by the doc alone; at most one per code and span."""
        return self.scan(doc).hits

    def scan(self, doc) -> Scan:
        """Match one doc: the hits it proves alone and the matches it leaves open."""
        found = [
            *self.lemma_matcher(doc),
            *self.lower_matcher(doc),
            *(self.token_matcher(doc) if len(self.token_matcher) else ()),
        ]
        if self.anchored:
            from spacy.attrs import LEMMA, LOWER

            words = doc.to_array([LOWER, LEMMA])
            present = {"LOWER": set(words[:, 0].tolist()), "LEMMA": set(words[:, 1].tolist())}
            for attr, needed, matcher in self.anchored:
                if not needed.isdisjoint(present[attr]):
                    found.extend(matcher(doc))
        excluded: dict[str, list[tuple[int, int]]] = defaultdict(list)
        context: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        candidates, anaphora = [], []
        for key, start, end in found:
            code, label, kind = self.keys[key]
            if kind == EXCLUDE:
                excluded[code].append((start, end))
            elif kind == CONTEXT:
                context[code].append((start, end, label))
            elif kind == ANAPHORA:
                anaphora.append((start, -end, code, label))
            else:
                candidates.append((start, -end, code, label, kind))
        scan = Scan()
        if not candidates and not anaphora:
            scan.context = {self.top[c]: max(e)[2] for c, e in context.items()}
            return scan
        sentence = sentence_ids(doc) if context else []
        spans: list[tuple[int, int, str]] = []   # token spans of hits: (start, end, code)
        for start, neg_end, code, label, kind in sorted(candidates):
            end = -neg_end
            if not self._allowed(doc, code, start, end, excluded):
                continue
            if kind == AMBIGUOUS:
                near = self._nearest_context(code, start, end, context, sentence)
                if near is None:
                    if not any(p[0] == code for p in scan.pending):
                        scan.pending.append((code, *self._chars(doc, start, end), label))
                    continue
                label = f"{label} + {near}"
            self._add(scan, doc, code, start, end, label, spans)
        # An anaphor counts after something of its code's family named earlier in the doc;
        # one is enough per code (it says the talk is still about the thing).
        done: set[str] = set()
        for start, neg_end, code, label in sorted(anaphora):
            end = -neg_end
            if code in done or not self._allowed(doc, code, start, end, excluded):
                continue
            done.add(code)
            antecedent = next((s for s in reversed(spans)
                               if s[1] <= start and code in self.lineage[s[2]]), None)
            if antecedent is None:
                scan.anaphora.append((code, *self._chars(doc, start, end), label))
                continue
            named = doc[antecedent[0]:antecedent[1]].text
            self._add(scan, doc, code, start, end, f"{label} -> {named}", spans)
        scan.hits.sort(key=lambda h: (h.start, h.end, h.code))
        scan.context = {self.top[c]: max(e)[2] for c, e in context.items()}
        for start, end, code in spans:
            scan.named[self.top[code]] = doc[start:end].text
        return scan

    @staticmethod
    def _chars(doc, start: int, end: int) -> tuple[int, int]:
        return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])

    def _allowed(self, doc, code: str, start: int, end: int, excluded) -> bool:
        if any(s < end and start < e for s, e in excluded.get(code, ())):
            return False
        negation = clause_negation(doc, start)
        return not (negation == "dismissed" or (negation and self.negation[code]))

    def _add(self, scan: Scan, doc, code: str, start: int, end: int, label: str,
             spans: list) -> None:
        span = doc[start:end]
        # Overlapping hits of one code (e.g. "stretched" inside "stretched thin") count once.
        if any(h.code == code and h.start < span.end_char and span.start_char < h.end
               for h in scan.hits):
            return
        scan.hits.append(Hit(code, span.start_char, span.end_char, label))
        spans.append((start, end, code))

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

    def lead(self, *args, **kwargs) -> Lead:
        return self.resolver.lead(*args, **kwargs)

    def resolve(self, scan: Scan, leads: list[Lead] = ()) -> list[Hit]:
        return self.resolver.resolve(scan, leads)


# A fixed run spelt out as phrases is kept to this many: beyond it the Matcher is cheaper.
MAX_PHRASE_RUNS = 400


def _as_phrases(pattern: tuple[dict, ...]) -> tuple[str, list[list[str]]] | None:
    """``(attr, word runs)`` when every token of a pattern is one LOWER or LEMMA value or IN
    list, the same attribute throughout, with no operator; else None."""
    attr, choices = None, []
    for token in pattern:
        if len(token) != 1:
            return None
        (key, value), = token.items()
        key = str(key).upper()
        if key not in ("LOWER", "LEMMA") or attr not in (None, key):
            return None
        attr = key
        if isinstance(value, str):
            choices.append([value])
        elif isinstance(value, dict) and set(value) == {"IN"} and value["IN"] \
                and all(isinstance(v, str) for v in value["IN"]):
            choices.append(list(value["IN"]))
        else:
            return None
    runs: list[list[str]] = [[]]
    for options in choices:
        runs = [run + [option] for run in runs for option in options]
        if len(runs) > MAX_PHRASE_RUNS:
            return None
    return attr, runs


def _anchor(pattern: tuple[dict, ...]) -> tuple[str, list[str]] | None:
    """A word a token pattern cannot match without: the last token that must be there once
    (no operator, or "!"/"1") and is one LOWER or LEMMA value or IN list. Content words come
    late in the codebook's patterns ("no ... lunch", "check ... email")."""
    for token in reversed(pattern):
        if token.get("OP", "1") not in ("1", "!") or token.get("OP") == "!":
            continue
        for key in ("LOWER", "LEMMA"):
            value = token.get(key, token.get(key.lower()))
            if isinstance(value, str):
                return key, [value]
            if isinstance(value, dict) and set(value) == {"IN"} \
                    and all(isinstance(v, str) for v in value["IN"]):
                return key, list(value["IN"])
    return None


def _named(label: str) -> str:
    """The pattern a lead's hit came from, without how that hit was itself supported:
    'ambiguous:fair + context:allocation' -> 'fair'."""
    return "'" + label.split(" + ")[0].split(" -> ")[0].split(":", 1)[-1] + "'"


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
