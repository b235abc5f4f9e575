"""Transcriber's marks: found, turned into Annotation records, and taken out of the speech.

Recognised inside square brackets (and, for the keyword marks, round ones too):
``[inaudible]`` ``[inaudible 00:12:34]`` ``[laughs]`` ``[laughter]`` ``[crosstalk 00:12:34]``
``[pause]`` ``[unclear: word?]`` ``[overlapping]`` ``[coughs]`` and back-channels by another
speaker ``[Paul: Yeah.]``; pauses ``(.)`` ``(..)`` ``(2.0)``; a bare ``[00:12:45]`` timestamp;
stage directions in either bracket between sentences (``(reads caption)``, ``[nods]``,
``(Jane laughs)``) and recording times (``(00:12:45)``, f4's ``#00:12:45-3#``) as kind "other";
so are who a remark was addressed to (``[to the dogs]``), anything in angle brackets
(``<laughs>``, ``<brief interruption>``: speech never uses them), and a line that is one short
bracketed phrase that does not talk (``(Summary slide)``). Any other bracketed text
(``[the Beeston office]``, an editor's ``[word]`` inside a sentence, even one wrapped onto the
next line) is speech and stays. An annotation's ``offset`` is where it stood in the cleaned text: the index of the
character that followed it.
"""

from __future__ import annotations

import re

from ..records import Annotation
from .blocks import talks
from .common import looks_like_label, parse_clock

__all__ = ["extract_annotations"]

_BRACKETS = re.compile(
    r"\[(?P<sq>[^\[\]\n]{1,200})\]|\((?P<par>[^()\n]{1,40})\)"
    r"|<(?P<ang>(?![a-z][\w.+\-]*@|https?:|www\.|/)[^<>\n@]{1,60})>"  # <laughs>: never speech
    r"|#(?P<hash>\d{1,2}:\d{2}:\d{2})(?:[-.,]\d{1,3})?#"  # f4/MAXQDA time marks: #00:01:23-4#
)
_TS = r"(?:\s*[-@,]?\s*(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?))?"
_KEYWORDS: list[tuple[str, re.Pattern[str]]] = [
    ("inaudible", re.compile(r"^(?:inaudible|indistinct|unintelligible)(?: speech)?" + _TS + r"$", re.IGNORECASE)),
    ("laughter", re.compile(r"^(?:laughs?|laughter|laughing|chuckles?|giggles?)" + _TS + r"$", re.IGNORECASE)),
    ("crosstalk", re.compile(r"^cross[- ]?talk" + _TS + r"$", re.IGNORECASE)),
    ("pause", re.compile(r"^(?:long |short )?(?:pause|silence)" + _TS + r"$", re.IGNORECASE)),
    ("overlap", re.compile(r"^(?:overlapping(?: speech)?|overlap|talking over)" + _TS + r"$", re.IGNORECASE)),
    ("noise", re.compile(r"^(?:coughs?|coughing|sighs?|background noise|noise|phone rings?"
                         r"|door (?:opens|closes|knock)|clears throat)" + _TS + r"$", re.IGNORECASE)),
]
_UNCLEAR = re.compile(r"^(?:unclear|uncertain|unsure)(?:\s*:\s*(?P<word>.+))?$", re.IGNORECASE)
_PAUSE_MARK = re.compile(r"^(?:\.{1,3}|\d{1,2}\.\d)$")
_BARE_TS = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?$")
_BACKCHANNEL = re.compile(r"^(?P<who>[^:]{1,60}?)\s*:\s*(?P<what>.+)$")
_NO_SPACE_BEFORE = ",.;:!?)"
_DIRECTION = re.compile(
    r"^(?:(?:[A-Z][\w'\-]*|everyone|all|both|group)\s+)?(?P<verb>[A-Za-z][a-z]{3,})"
    r"(?:\s+[a-z][a-z'\-]*){0,5}\.?$"
)
_ADDRESSED = re.compile(r"^(?:to|addressing|aside to|turning to|speaking to)\s+\S+(?:\s+\S+){0,4}$", re.IGNORECASE)
_LONG_TS = re.compile(r"^\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?$")
_BOUNDARY_BEFORE = ".?!:;\"')]\u2014-"
_DIRECTION_MAX_ZIPF = 5.5


def _classify(raw: str, inner: str, square: bool, boundary: bool = True) -> Annotation | None:
    """The Annotation for one bracketed mark (offset filled in later), or None for speech.

    ``boundary``: the mark stands between sentences (after closing punctuation, at the start or
    at the end). Stage directions are only taken there: "gave them (carers) a leaflet" is speech.
    """
    inner = inner.strip()
    if not square and _PAUSE_MARK.match(inner):
        return Annotation("pause", raw, 0)
    if not square and _LONG_TS.match(inner):
        return Annotation("other", raw, 0, timestamp=parse_clock(inner))
    for kind, pattern in _KEYWORDS:
        m = pattern.match(inner.rstrip("."))
        if m:
            ts = m.group("ts")
            return Annotation(kind, raw, 0, timestamp=parse_clock(ts) if ts else None)
    if square and _ADDRESSED.match(inner):
        return Annotation("other", raw, 0, text=inner)  # [to the dogs]: who a remark was said to
    if boundary and _stage_direction(inner):
        return Annotation("other", raw, 0, text=inner.rstrip("."))
    if not square:
        return None
    m = _UNCLEAR.match(inner)
    if m:
        return Annotation("unclear", raw, 0, text=(m.group("word") or "").strip() or None)
    if _BARE_TS.match(inner):
        return Annotation("other", raw, 0, timestamp=parse_clock(inner))
    m = _BACKCHANNEL.match(inner)
    if m and looks_like_label(m.group("who")):
        return Annotation("backchannel", raw, 0, speaker=m.group("who").strip(),
                          text=m.group("what").strip())
    return None


def _aside(raw: str, inner: str) -> Annotation | None:
    """A line that is one bracketed phrase, ``(Summary slide)`` or ``(Dr. Ann Lee)``, is a
    transcriber's note unless it talks (``[I went on to study chemistry]`` is speech)."""
    words = inner.split()
    if not words or len(words) > 10 or talks(inner, 1):
        return None
    return Annotation("other", raw, 0, text=inner.strip())


def _stage_direction(inner: str) -> bool:
    """``reads caption``, ``nods``, ``points at the screen``: what someone did, not what they said.

    The class is a short lower-case phrase opened by a verb in the third person (``-s``) or
    the ``-ing`` form whose stem is an English word. Very frequent ``-s`` words are left out
    (``this``, ``was``, ``things``, ``years``): as the first word in brackets they open speech.
    """
    m = _DIRECTION.match(inner)
    if not m:
        return False
    verb = m.group("verb").lower()
    if verb.endswith("ing"):
        stems = [verb[:-3], verb[:-3] + "e", verb[:-4]]
    elif verb.endswith("ies"):
        stems = [verb[:-3] + "y"]
    elif verb.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        stems = [verb[:-2]]
    elif verb.endswith("s") and not verb.endswith(("ss", "us", "is", "ous")):
        stems = [verb[:-1]]
    else:
        return False
    from .labels import zipf

    return zipf(verb) < _DIRECTION_MAX_ZIPF and any(len(s) >= 3 and zipf(s) >= 3.0 for s in stems)


def _append(out: list[str], length: int, chunk: str, found: list[tuple[Annotation, int]]) -> int:
    """Add a chunk of speech with collapsed whitespace; returns the new length.

    Punctuation that followed a removed mark closes up to the word before it, so marks that
    stood at the dropped space move back with it.
    """
    chunk = re.sub(r"\s+", " ", chunk)
    if length == 0 or (out and out[-1].endswith(" ")):
        chunk = chunk.lstrip()
        if chunk and chunk[0] in _NO_SPACE_BEFORE and out:
            out[-1] = out[-1].rstrip()
            length = sum(len(p) for p in out)
            found[:] = [(a, min(off, length)) for a, off in found]
    if not chunk:  # nothing between two marks: an empty piece would hide the space before them
        return length
    out.append(chunk)
    return length + len(chunk)


def extract_annotations(text: str, lead: str = "") -> tuple[str, tuple[Annotation, ...]]:
    """Cleaned speech and the marks taken out of it (offsets into the cleaned speech).

    ``lead`` is the speech just before ``text`` in the same turn (a wrapped line's previous
    line): a mark at the start of ``text`` after an unfinished sentence is inside that
    sentence, so ``[using]`` there is an editor's insertion, not a stage direction.
    """
    out: list[str] = []
    length = 0
    found: list[tuple[Annotation, int]] = []
    pos = 0
    lead = lead.rstrip()
    for m in _BRACKETS.finditer(text):
        if m.group("hash"):
            ann: Annotation | None = Annotation("other", m.group(0), 0, timestamp=parse_clock(m.group("hash")))
        elif m.group("ang") is not None:
            inner = m.group("ang").strip()
            ann = _classify(m.group(0), inner, True) or Annotation("other", m.group(0), 0, text=inner)
        else:
            square = m.group("sq") is not None
            before = text[: m.start()].rstrip() or lead
            boundary = not before or before[-1] in _BOUNDARY_BEFORE or not text[m.end():].strip()
            inner = m.group("sq") if square else m.group("par")
            ann = _classify(m.group(0), inner, square, boundary)
            if ann is None and boundary and m.start() == 0 and m.end() == len(text.rstrip()):
                ann = _aside(m.group(0), inner)
        if ann is None:
            continue
        length = _append(out, length, text[pos : m.start()], found)
        if out and not out[-1].endswith(" ") and length:
            out.append(" ")
            length += 1
        found.append((ann, length))
        pos = m.end()
    length = _append(out, length, text[pos:], found)
    cleaned = "".join(out)
    stripped = cleaned.strip()
    shift = len(cleaned) - len(cleaned.lstrip())
    anns = tuple(
        Annotation(a.kind, a.raw, min(max(off - shift, 0), len(stripped)), a.speaker, a.text, a.timestamp)
        for a, off in found
    )
    return stripped, anns
