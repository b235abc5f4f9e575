"""WebVTT from Teams (voice spans), Zoom (``Name: text`` cues) and plain captioning tools.

One tolerant cue parser serves all three. webvtt-py rejects files that real meeting tools
produce (seconds >= 60, cues without blank lines between them, truncated last cues) and rounds
cue times to whole seconds, so it is not the parser here: a single parser gives the same
answer for a clean file and for a quirky one (tests check it against webvtt-py on clean files).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from ..records import Utterance
from .common import _NOT_LABELS, Source, parse_clock, split_label
from .labels import names_speaker, zipf

__all__ = ["Cue", "cue_utterances", "parse_cues", "read_vtt"]

TIMING = re.compile(r"^\s*(?P<start>[\d:.,]+)\s*-->\s*(?P<end>[\d:.,]+)?")
_CUE_ID = re.compile(r"^(?:\d+|[0-9a-fA-F\-]{8,}/\d+-\d+|[\w\-]+/[\w\-]+)$")
_VOICE = re.compile(r"<v(?:\.[\w.\-]+)?\s+(?P<name>[^>]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-z][^>]*>|<\d[\d:.]*>|\{\\[^}]*\}", re.IGNORECASE)
_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass
class Cue:
    line: int
    start: float | None
    end: float | None
    text_lines: list[tuple[int, str]] = field(default_factory=list)


def parse_cues(source: Source, header: str | None) -> list[Cue]:
    """Cues of a WebVTT (``header="WEBVTT"``) or SRT (``header=None``) file, tolerantly."""
    lines = source.lines()
    i = 0
    if header is not None:
        while i < len(lines) and lines[i][1].strip() and not TIMING.match(lines[i][1]):
            i += 1
    cues: list[Cue] = []
    current: Cue | None = None
    skipping = False
    for n, line in lines[i:]:
        stripped = line.strip()
        if not stripped:
            current, skipping = None, False
            continue
        if skipping:
            continue
        m = TIMING.match(stripped)
        if m:
            if current is not None and current.text_lines and _CUE_ID.match(current.text_lines[-1][1]):
                current.text_lines.pop()  # a missing blank line: that was the next cue's id
            current = Cue(n, _time(m.group("start"), source, n), _time(m.group("end"), source, n))
            cues.append(current)
        elif current is not None:
            current.text_lines.append((n, stripped))
        elif header is not None and stripped.split(" ", 1)[0] in _BLOCKS:
            skipping = True
    _drop_truncated_tail(cues, source)
    return cues


def _time(value: str | None, source: Source, line: int) -> float | None:
    if value is None:
        return None
    seconds = parse_clock(value, source, line)
    if seconds is None:
        source.warn("unreadable cue time; cue kept without it", line)
    return seconds


def _drop_truncated_tail(cues: list[Cue], source: Source) -> None:
    """A file cut off mid-cue keeps every complete cue; the broken last one is left out."""
    if not cues:
        return
    last = cues[-1]
    text = " ".join(t for _, t in last.text_lines)
    closes_voices = any("</v>" in t for c in cues[:-1] for _, t in c.text_lines)
    unclosed = closes_voices and _VOICE.search(text) is not None and "</v>" not in text
    if not last.text_lines or last.end is None or unclosed:
        cues.pop()
        source.warn("the file ends inside a cue (truncated?); that cue was left out", last.line)


def cue_utterances(cue: Cue) -> list[Utterance]:
    """A cue's speech: one utterance per voice span, else a ``Name: text`` prefix, else unlabelled."""
    if not cue.text_lines:
        return []
    line = cue.text_lines[0][0]
    raw = " ".join(t for _, t in cue.text_lines)
    voices = list(_VOICE.finditer(raw))
    if voices:
        out = []
        lead = _TAG.sub("", raw[: voices[0].start()]).strip()
        if lead:
            out.append(Utterance(None, lead, line, cue.start, cue.end))
        for k, v in enumerate(voices):
            stop = voices[k + 1].start() if k + 1 < len(voices) else len(raw)
            text = _TAG.sub("", raw[v.end() : stop]).strip()
            out.append(Utterance(v.group("name").strip(), text, line, cue.start, cue.end))
        return out
    speaker, text = split_label(_TAG.sub("", raw))
    return [Utterance(speaker, text, line, cue.start, cue.end)]


def read_vtt(source: Source) -> list[Utterance]:
    header = "WEBVTT" if source.text.lstrip().startswith("WEBVTT") else None
    return names_without_colon([u for cue in parse_cues(source, header) for u in cue_utterances(cue)], source)


_NAME_WORD = re.compile(r"^(?:[A-Z][\w'.\-]*|&)$")
# Words this common open sentences ("I", "It", "We"), never a speaker's name here.
_COMMON = 6.0


def names_without_colon(utterances: list[Utterance], source: Source) -> list[Utterance]:
    """Cues that open with the speaker's name and no colon (``Tim Davis There are ...``).

    Some captioning tools write the name, a space, then the speech. With no colon, a name is
    told from the speech by recurring: it opens several cues and is followed by different
    words each time (``Tim`` is always followed by ``Davis``, so the name is ``Tim Davis``).
    Only a file with no labelled cue is read this way, and only when most cues open so.
    """
    if len(utterances) < 3 or any(u.speaker for u in utterances):
        return utterances
    opening: list[list[str]] = [u.text.split()[:6] for u in utterances]
    uses: Counter[str] = Counter()
    following: dict[str, set[str]] = defaultdict(set)
    for words in opening:
        for k in range(1, len(words)):
            prefix = " ".join(words[:k])
            uses[prefix] += 1
            following[prefix].add(words[k].lower())
    labels = [_name_prefix(words, uses, following) for words in opening]
    named = [x for x in labels if x]
    if len(named) < 0.6 * len(utterances) or (len(set(named)) < 2 and len(named) < 0.8 * len(utterances)):
        return utterances
    source.warn(f"{len(named)} cues open with a speaker's name without a colon; read as speaker "
                "labels (write 'Name: text' to make this certain)")
    return [replace(u, speaker=label, text=u.text[len(label):].strip()) if label else u
            for u, label in zip(utterances, labels)]


def _name_prefix(words: list[str], uses: Counter[str], following: dict[str, set[str]]) -> str | None:
    """The shortest name-like opening that recurs with different words after it."""
    for k in range(1, min(5, len(words))):
        word = words[k - 1]
        if not _NAME_WORD.match(word) or (k == 1 and (word == "&" or word.lower().rstrip(".") in _NOT_LABELS
                                                    or zipf(word.lower()) >= _COMMON)):
            return None
        prefix = " ".join(words[:k])
        if uses[prefix] >= 2 and len(following[prefix]) >= 2:
            return prefix if names_speaker(prefix) else None
    return None
