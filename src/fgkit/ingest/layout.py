"""One line of a free-text transcript, read on its own: what it could be, before the file decides.

Free text (typed transcripts, Otter text and markdown, Word paragraphs) mixes speech with
labels, headings, document fields and transcribers' notes. ``read_line`` peels what stands
in front of the speech, in this order: a ``>>`` speaker-change mark, timestamps (``[00:12]``,
``(01:02:03)``), a leading code (``[T001]`` line number, ``[m1]`` speaker code), markdown bold
around a label, then finds a label (``Name:``, ``Name (00:01:23):``, ``Name  0:03``,
``@12:34 - Name``), a numbered prompt (``Question 3. ...``, ``Q3: ...``) or a heading shape.
Whether a code numbers lines, a label is a speaker, and a heading shape is a heading depend on
the rest of the file; ``typed.parse_lines`` decides those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .common import (
    CLOCK,
    OTTER_FOOTER,
    Source,
    header_with_time,
    looks_like_label,
    parse_clock,
    split_label_time,
    unbold,
)
from .labels import is_field, role_word

__all__ = ["Line", "heading_shape", "read_line"]

BLANK, FOOTER, HEADING, LABELLED, LABEL_ONLY, PROMPT, TEXT = (
    "blank", "footer", "heading", "labelled", "label_only", "prompt", "text",
)
# Metadata that leaves the speech around it alone (front matter, link lines, page furniture),
# unlike a note-taker's heading, which takes the lines under it.
SKIP = "skip"

_TS_PREFIX = re.compile(
    r"^(?:\[(?P<a>" + CLOCK + r")\]|\((?P<b>" + CLOCK + r")\)|(?P<c>\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)(?=\s))"
    r"\s*(?:[-\u2013\u2014|]\s+)?(?P<rest>.*)$"
)
_BARE_MMSS = re.compile(r"^(?P<c>\d{1,2}:\d{2})\s+(?P<rest>\S.*)$")
_TIME_ONLY = re.compile(r"^[(\[](?P<ts>" + CLOCK + r")[)\]]:?$")
_AT_HEADER = re.compile(r"^@\s*(?P<ts>" + CLOCK + r")\s*[-\u2013\u2014]\s*(?P<label>.+)$")
_CODE = r"[A-Za-z]{0,4}\d{1,5}[a-z]?"
_BRACKET_CODE = re.compile(r"^\[(?P<code>[^\[\]\s]{1,20}|[A-Za-z]+ \d{1,3})\]\s*(?P<rest>.*)$")
# A bare line number ("12 ", "T001 ", "12. "); never with a colon, which makes it a label (P3:).
_BARE_CODE = re.compile(r"^(?P<code>[A-Z]{0,3}\d{1,5})[.)]?\s+(?P<rest>\S.*)$")
_BARE_CODE_START = re.compile(r"[A-Z]{0,3}\d")
_IS_CODE = re.compile(r"^" + _CODE + r"$")
_PROMPT = re.compile(
    r"^(?P<mark>(?:question|prompt)\s*\d{1,3}[a-z]?|q\s?\d{1,3}[a-z]?)\s*(?:(?P<sep>[.:)\-\u2013\u2014])\s*|$)"
    r"(?P<rest>.*)$",
    re.IGNORECASE,
)
_EMPHASIS = re.compile(r"^([*_])(?P<inner>[^*_\n]{1,70})\1$")
_BOLD_RUN = re.compile(r"^(\*\*|__)(?P<inner>[^*_\n]{1,80}?)\1(?P<after>.*)$")
_MD_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<title>.+?)\s*#*$")
_FIELD_SPLIT = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]{0,30}?)\s*:(?:\s+|$)(?P<rest>.*)$")
# Numbered things a session is divided into: with a colon they head a section ("Part 2:
# Workload"), never a speaker. Person words ("Participant 20:") are left to the label rules.
_SECTION_LABEL = re.compile(
    r"^(?:part|section|session|image|photo|photograph|picture|slide|vignette|scenario|round|"
    r"stage|phase|chapter|exercise|activity|task|card|clip|extract|item|week|day|module|unit|"
    r"theme|topic|subtheme|block|segment)"
    r"\s+(?:\d{1,3}[a-z]?|[ivx]{1,5}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve)$",
    re.IGNORECASE,
)
_NUMBER_WORDS = frozenset(
    """one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred first second third fourth fifth sixth seventh eighth ninth tenth""".split()
)
# The number comes early: "Image eleven", "Part 2 - Workload", "Focus Group 4", "3. Transport";
# an address or a time later in a line ("Mrs Okafor at 14 Beeston Road") is not a numbering.
_NUMBERED = re.compile(
    r"^(?:[A-Z][\w'\-]*\s+(?:[A-Za-z][\w'\-]*\s+)?(?:\d{1,3}[a-z]?|(?i:" + "|".join(sorted(_NUMBER_WORDS))
    + r")|[IVX]{1,5})(?:\W|$)|\d{1,3}[.)]\s+[A-Z]|\d{1,3}(?:\.\d{1,3})+\.?\s+[A-Z])"
)
_ROMAN = re.compile(r"^(?:I{2,3}|IV|VI{0,3}|IX|XI{0,3})$")
# Words a heading keeps in lower case, and words that only speech uses (pronouns, answers,
# auxiliaries): a line with one of the latter is speech whatever its capitals.
_SMALL = frozenset("a an the of and or in on at to for with from by as vs via per into about".split())
_SPEECHY = frozenset(
    """i you we they he she it me us them my your our their his her its i'm you're we're it's
    that's yes no yeah yep nope okay ok right well so oh um uh er erm mm hmm thanks thank please
    sorry hello hi bye sure exactly absolutely definitely really maybe is are was were be been do
    does did have has had can could will would should don't can't""".split()
)
# Words a reply is made of: a short unpunctuated line of them is speech, never a heading.
_REPLY = _SPEECHY | frozenset(
    """not never always just too very quite fair enough true cool great nice good fine wow indeed
    agreed totally course sometimes probably perhaps possibly maybe interesting depends what why
    how when where who which this there here all both none nothing something everything me""".split()
)
_WORDS = re.compile(r"[^\W\d_][\w'\-]*")
_END_PUNCT = ".?!,;:\u2026\"')"


@dataclass(slots=True)
class Line:
    """One line as read alone; ``kind`` is one of the module's constants."""

    n: int
    kind: str
    plain: str = ""  # the line without timestamps and codes, as speech if it turns out to be
    label: str | None = None
    speech: str = ""
    start: float | None = None
    mark: str | None = None  # a prompt's numbering, e.g. "Question 3."
    heading: int = 0  # 0 no, 1 a title shape (needs blank lines), 2 numbered, 3 certain
    title: str = ""
    timed: bool = False  # a label with its own time (``Name  0:03``): certainly a speaker
    code: str | None = None  # a leading code that may number lines
    code_then_label: bool = False  # the code stood before a label: it numbers lines
    bracket_code: bool = False  # the label is a bracketed speaker code (``[p1]``)
    document_title: bool = False  # a markdown ``# Title``: the document's own title
    rest_after_code: str = ""
    indent: int = 0  # leading spaces: an indented "Sentence 1:" in a file of unindented labels is quoted
    bold: bool = False  # the label was in markdown bold (``**Name:**``)
    bold_lead: str = ""  # ``**Name** text``: the bold words opening an unlabelled line
    loose: bool = False  # a sentence-case or one-word heading shape: needs blank lines and a label after


def heading_shape(text: str) -> int:
    """2 for a numbered heading shape (``Image eleven``, ``Part 2 - Workload``), 1 for a title
    shape (``Fitspiration - Retrospective``), 0 for anything that reads as speech."""
    t = text.strip()
    if not t or len(t) > 70 or t[0] in "-*\u2022([\"'>":
        return 0
    words = _WORDS.findall(t)
    if not words or len(t.split()) > 9:
        return 0
    lower = [w.lower() for w in words]
    numbered = bool(re.search(r"\d", t)) or any(w in _NUMBER_WORDS for w in lower) or any(
        _ROMAN.match(w) for w in words
    )
    if t[-1] in _END_PUNCT and not (t[-1] == "." and re.fullmatch(r"[A-Za-z]+ \d{1,3}[a-z]?\.", t)):
        return 0
    if any(w in _SPEECHY for w in lower) or re.search(r":\s*[a-z]", t):
        return 0  # speech words, or "NOTE: something" (a label whose text was left behind)
    if numbered and len(words) <= 6 and _NUMBERED.match(t) and lower[0] not in _NUMBER_WORDS:
        return 2
    capitalised = [w for w in words if w[0].isupper()]
    if len(capitalised) >= 2 and all(w[0].isupper() or w in _SMALL for w in words):
        return 1
    return 0


def _speaker_code(code: str) -> bool:
    """``T001``, ``p1``, ``id1``, ``Interviewer``, ``Speaker 2``: a code or role, not ``[laughs]``."""
    if _IS_CODE.match(code):
        return True
    first, _, number = code.partition(" ")
    return role_word(first, head=False) and (not number or number.isdigit())


def _short_title(text: str, most: int = 8) -> bool:
    """A few words with no closing punctuation and no speech words: ``Workload``, ``Day Services``."""
    words = _WORDS.findall(text)
    return (0 < len(text.split()) <= most and len(text) <= 90 and text.strip()[-1] not in _END_PUNCT
            and not any(w.lower() in _SPEECHY for w in words))


def _strip_times(text: str, source: Source, n: int, bare_mmss: bool) -> tuple[float | None, str]:
    start = None
    for _ in range(2):
        m = _TS_PREFIX.match(text)
        if m:
            ts = m.group("a") or m.group("b") or m.group("c")
        elif bare_mmss and (m := _BARE_MMSS.match(text)):
            ts = m.group("c")
        else:
            break
        if start is None:
            start = parse_clock(ts, source, n)
        text = m.group("rest").strip()
    return start, text


def _classify(line: Line, text: str) -> Line:
    """Fill ``line`` from ``text`` (timestamps and codes already taken off).

    Each pattern is tried only when the line's first or last character allows it: most lines
    are speech, and ingest should stay as fast as it was before headings and notes were read.
    """
    line.plain = text
    first = text[:1]
    if first == "#" and (md := _MD_HEADING.match(text)):
        line.kind, line.heading, line.title = HEADING, 3, md.group("title").strip("*_ ").strip()
        line.document_title = len(md.group("level")) == 1
        return line
    bare = unbold(text) if first in ("*", "_") else text
    line.bold = bare != text
    if not bare.strip():
        line.kind = TEXT
        return line
    if first == "@" and (at := _AT_HEADER.match(bare)) and looks_like_label(at.group("label")):
        line.kind, line.label, line.timed = LABEL_ONLY, at.group("label").strip(), True
        line.start = line.start if line.start is not None else parse_clock(at.group("ts"))
        return line
    if len(bare) <= 90 and (bare[-1].isdigit() or bare[-1] in ")]:"):
        header = header_with_time(bare)
        if header is not None and _SECTION_LABEL.match(header[0]):
            # "Part 2 (00:32:10)": a section with its start time, not a speaker
            line.kind, line.heading, line.title = HEADING, 3, header[0]
            line.start = line.start if line.start is not None else parse_clock(header[1])
            return line
        if header is not None:
            line.kind, line.label, line.timed = LABEL_ONLY, header[0], True
            line.start = line.start if line.start is not None else parse_clock(header[1])
            return line
    if bare[0] in "qQpP" and (prompt := _PROMPT.match(bare)) and (prompt.group("sep") or not prompt.group("rest")):
        mark, asked = bare[: prompt.start("rest")].strip(), prompt.group("rest").strip()
        if asked and _short_title(asked, most=12):
            # "Question 2. Allocation and fairness": a topic heading, not something asked
            line.kind, line.heading, line.title = HEADING, 2, bare
            return line
        line.kind, line.mark, line.speech, line.title = PROMPT, mark, asked, mark
        return line
    label, speech, ts = split_label_time(bare) if ":" in bare[:90] else (None, bare, None)
    if label is None and bare.endswith(":") and looks_like_label(bare[:-1]):
        label, speech = bare[:-1].strip(), ""
    if label is None and ":" in bare[:40] and (field := _FIELD_SPLIT.match(bare)) and is_field(field.group("key")):
        label, speech = field.group("key").strip(), field.group("rest").strip()  # "Note: ..."
    if label is not None:
        if _SECTION_LABEL.match(label) and (not speech or _short_title(speech)):
            line.kind, line.heading, line.title = HEADING, 3, bare.rstrip(":").strip()
            return line
        if ts is None and speech[:1] in "([" and (alone := _TIME_ONLY.match(speech)):
            ts, speech = alone.group("ts"), ""  # "Henry: (00:07)" above the speech
        if ts is not None and line.start is None:
            line.start = parse_clock(ts)
        line.kind, line.label, line.speech = (LABELLED if speech else LABEL_ONLY), label, speech
        return line
    line.kind = TEXT
    line.speech = text
    shape = heading_shape(bare) if len(bare) <= 70 else 0
    if line.bold:
        bold = _BOLD_RUN.match(text)
        if bold and not bold.group("after").strip():
            if _short_title(bare, most=8) and not any(w.lower() in _REPLY for w in _WORDS.findall(bare)):
                shape = 2  # the whole line bold: a heading, as in a markdown export
        elif bold:
            line.bold_lead = bold.group("inner").strip()
    elif first in ("*", "_") and (em := _EMPHASIS.match(text)):
        if _short_title(em.group("inner"), most=8) and not any(
                w.lower() in _REPLY for w in _WORDS.findall(em.group("inner"))):
            shape, bare = 2, em.group("inner").strip()  # "*Privacy*": an italic heading
    elif not shape and len(bare) <= 50:
        line.loose = loose_heading(bare)
    line.heading, line.title = shape, bare.rstrip(":").rstrip() if line.loose else bare
    return line


def loose_heading(text: str) -> bool:
    """``Privacy settings``, ``Introduction``: a short capitalised phrase that is no reply.

    Only a shape: ``typed`` takes it as a heading when it stands between blank lines right
    above a speaker label in a file whose speech ends its sentences with punctuation.
    """
    words = _WORDS.findall(text)
    t = text.strip()
    t = t[:-1].rstrip() if t.endswith(":") and len(t) > 1 else t  # "Social media and sleep:"
    return (0 < len(words) <= 6 and len(t.split()) <= 6 and t[0].isupper() and t[-1] not in _END_PUNCT
            and not any(ch.isdigit() for ch in t) and not any(w.lower() in _REPLY for w in words))


def _code_at(text: str) -> re.Match[str] | None:
    first = text[:1]
    if first == "[":
        return _BRACKET_CODE.match(text)
    return _BARE_CODE.match(text) if _BARE_CODE_START.match(text) else None


def read_line(n: int, raw: str, source: Source, bare_mmss: bool = False) -> Line:
    """What one line could be, judged alone (see the module doc)."""
    text = raw.strip()
    if not text:
        return Line(n, BLANK)
    if text[0] in "*_Tt" and OTTER_FOOTER.match(text):
        return Line(n, FOOTER)
    if text.startswith(">>"):
        text = text[2:].lstrip()
    start = None
    if text[:1] in ("[", "(") or text[:1].isdigit():
        start, text = _strip_times(text, source, n, bare_mmss)
    line = Line(n, TEXT, start=start)
    code = _code_at(text)
    if code and _speaker_code(code.group("code")):
        rest_start, rest = _strip_times(code.group("rest").strip(), source, n, bare_mmss)
        after = _classify(Line(n, TEXT, start=rest_start), rest)
        if after.kind in (LABELLED, LABEL_ONLY):
            after.start = after.start if after.start is not None else start
            after.code, after.code_then_label, after.rest_after_code = code.group("code"), True, rest
            return after
        if code.group(0).startswith("["):
            line.kind, line.label, line.speech = (LABELLED if rest else LABEL_ONLY), code.group("code"), rest
            line.start = start if start is not None else rest_start
            line.plain, line.bracket_code = rest, True
            line.code, line.rest_after_code = code.group("code"), rest
            return line
        line.code, line.rest_after_code = code.group("code"), rest
    return _classify(line, text)


def reread_without_code(line: Line, source: Source, bare_mmss: bool) -> Line:
    """The line again with its leading code dropped (the file numbers its lines)."""
    start, rest = _strip_times(line.rest_after_code, source, line.n, bare_mmss)
    again = _classify(Line(line.n, TEXT, start=line.start if line.start is not None else start), rest)
    return again
