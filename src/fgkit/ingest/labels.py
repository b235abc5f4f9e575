"""What stands before a colon: a speaker, a document field, or a note-taker's heading.

Typed transcripts put three kinds of thing in the ``Label: text`` shape: speakers (``P1``,
``Ann Lee``, ``SOCIAL WORKER``), document fields (``Source``, ``Licence``, ``Date``) and
note-takers' headings (``ACTION ITEM``, ``POSITIVE REACTION``). Only speakers own speech.

The rules, in order (``label_kind``):
1. a document field is a known field name, possibly numbered (``Focus Group 4``), or a short
   compound ending in one whose other words name nobody (``Call Date``, ``Customer ID``): a
   closed vocabulary, since documents describe themselves with a small set of fields;
2. a label shows it names a speaker when it has a digit (``P1``, ``Speaker 2``), a role suffix,
   comma, e-mail or possessive (``Ann Lee (SL)``, ``Lee, Ann``, ``Sam's iPad``), a single
   letter (``R``), a title (``Dr``), a role noun as its head word (``Team Manager``,
   ``Interviewer``, ``Mum``), a word that is rare in English (``Okafor``: a name), or a given
   name or, alone, a surname (``Grace``, ``Jane Smith``: names that are also English words);
3. otherwise the label is made only of ordinary English words that name nobody. Several such
   words (``ACTION ITEM``, ``Key Point``) are a note-taker's heading; so is one abstract noun
   (``Summary``, ``Observation``) or one capitalised word used once (``DECISION``). A lone
   ordinary word used more than once stays a speaker: speech is never dropped on a guess.
   A number does not make a speaker of a note: ``ACTION 62.1``, ``DECISION 4`` (abstract head
   word, section number) are notes, ``Table 3`` is not. Initials (``MLS``) used once speak.
A speaker normally speaks more than once, so the caller also treats a label used once that
sits before every confirmed speaker as part of the header block (see ``typed.parse_lines``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..gazetteer import person_names

__all__ = ["MODERATOR", "is_field", "label_kind", "names_speaker", "role_word", "zipf"]

# The speaker given to numbered prompts with no label (``Question 3. How ...?``); the
# participants register drafts it as a facilitator like any other moderator label.
MODERATOR = "Moderator"

_FIELD = re.compile(
    r"^(?:date|day|time|start time|end time|location|venue|place|site|title|subtitle|duration|"
    r"length|project|study|session|group|focus group|transcriber|transcribed by|transcription|"
    r"transcript|recording|recorded by|recorded|file|file ?name|attendees|present|participants|"
    r"facilitators|interviewers|note|notes|topic|theme|section|part|key|audio|video|version|"
    r"speakers|source|sources|licen[cs]e|licen[cs]ed under|copyright|rights|description|abstract|"
    r"keywords|tags|url|link|author|authors|creator|publisher|published|language|format|"
    r"reference|citation|identifier|doi|collection|series|episode|event|meeting|agenda|"
    r"summary|purpose|context|background|consent|funder|funding|organisation|organization|"
    r"status|outcome|deadline|priority|category|attendance|apologies|name)"
    r"(?:\s*(?:\d+|[ivx]+))?$",
    re.IGNORECASE,
)
# Head words of compound fields (``Call Date``, ``Customer ID``), beside the field names.
_FIELD_HEAD = re.compile(r"^(?:id|ids|no|number|ref|type|name|date|time|times|duration|length|"
                         r"location|address|code|status|details)$", re.IGNORECASE)
# Role nouns a speaker label may end with; "-er", "-or", "-ist", "-ant", "-ee", "-ian" nouns
# (``Team Leader``, ``Senior Practitioner``) count as roles at the head of a longer label.
_ROLES = frozenset(
    """facilitator moderator interviewer interviewee researcher respondent participant speaker
    chair chairperson host cohost guest presenter panellist panelist caller audience everyone
    all both others group crowd voice voices person people man woman child adult member
    observer notetaker translator interpreter practitioner assessor manager worker carer
    caregiver nurse doctor gp therapist officer coordinator advocate volunteer commissioner
    councillor director leader lead supervisor student trainee pupil teacher tutor parent
    resident client patient relative user provider mum mom dad mother father son daughter wife
    husband partner sister brother aunt uncle gran granny grandma grandad grandmother
    grandfather nan friend neighbour neighbor staff team colleague sw tm ot pa""".split()
)
_ROLE_SUFFIX = re.compile(r"(?:er|or|ist|ant|ee|ian|ess|(?<!m)ent)$")
_ABSTRACT_SUFFIX = re.compile(r"(?:ion|ment|ness|ity|ance|ence|ary|ism|ics|ing|ure|ship|hood)$")
_TITLES = frozenset("mr mrs ms miss mx dr prof professor cllr sir dame lord lady rev revd fr".split())
_NAME_MARKS = re.compile(r"[(),@]|'s\b|\b[A-Z]\.")
_WORD = re.compile(r"[^\W\d_][\w'\-]*")
# Below this Zipf frequency a word is rare enough in English to be taken for a name.
_RARE = 3.3


@lru_cache(maxsize=4096)  # labels recur on every turn
def is_field(label: str) -> bool:
    """A document field: a known field name, or a short compound ending in one (``Call Date``,
    ``Customer ID``, ``Issue Type``, ``Meeting Date/Time``) whose other words name nobody."""
    label = " ".join(label.split())
    if _FIELD.match(label):
        return True
    words = re.split(r"[\s/]+", label.strip())
    if not 2 <= len(words) <= 4 or not _FIELD_HEAD.match(words[-1]) and not _FIELD.match(words[-1]):
        return False
    given, _ = person_names(english_only=True)
    lead = [w.lower() for w in words[:-1]]
    return all(w.isalpha() and w not in given and w not in _TITLES and not role_word(w, head=False)
               and zipf(w) >= _RARE for w in lead)


def role_word(word: str, head: bool = True) -> bool:
    """True for a role noun (``worker``, ``Mum``, ``Interviewees``); suffixes only at a head."""
    w = word.lower().strip(".'")
    if w in _ROLES or (w.endswith("s") and w[:-1] in _ROLES):
        return True
    w = w[:-1] if w.endswith("s") and not w.endswith("ss") else w
    return head and len(w) >= 5 and bool(_ROLE_SUFFIX.search(w))


def names_speaker(label: str) -> bool:
    """True when the label itself shows it names a speaker (rule 2 of the module doc)."""
    if any(ch.isdigit() for ch in label) or _NAME_MARKS.search(label):
        return True
    words = [w.strip("'-") for w in _WORD.findall(label)]
    words = [w for w in words if w]
    if not words:
        return False
    lower = [w.lower() for w in words]
    if len(words) == 1 and len(words[0]) == 1:
        return True
    if lower[0].rstrip(".") in _TITLES:
        return True
    if role_word(lower[-1], head=len(words) > 1):
        return True
    given, surnames = person_names(english_only=True)
    if lower[0] in given or (len(lower) == 1 and lower[0] in surnames):
        return True
    return any(len(w) > 1 and zipf(w) < _RARE for w in lower)


def label_kind(label: str, uses: int = 1) -> str:
    """"field", "note" or "speaker" for a label used ``uses`` times in a file (module doc)."""
    label = " ".join(label.split())
    if is_field(label):
        return "field"
    if any(ch.isdigit() for ch in label) and _numbered_note(label):
        return "note"
    if names_speaker(label):
        return "speaker"
    words = _WORD.findall(label)
    if len(words) != 1:
        return "note"
    if _ABSTRACT_SUFFIX.search(words[0].lower()):
        return "note"
    # DECISION used once is a heading; MLS, DE, VYG (initials) are people however often they speak
    if uses == 1 and label.isupper() and len(words[0]) >= 5 and not role_word(words[0]):
        return "note"  # PLAYER, CALLER used once are still people
    return "speaker"


def _numbered_note(label: str) -> bool:
    """``ACTION 62.1``, ``DECISION 4``, ``Action Item 3``: a numbered note, not ``P1``/``Table 3``.

    The words before the number must name nobody (no role, name or rare word), and either the
    number is a section number (``62.1``), the head word is abstract (``action``,
    ``observation``) or several ordinary words stand together.
    """
    words = [w.strip("'-") for w in _WORD.findall(label)]
    words = [w for w in words if w]
    if not words or _NAME_MARKS.search(label) or names_speaker(" ".join(words)):
        return False
    lower = [w.lower() for w in words]
    if any(len(w) == 1 for w in lower) or any(role_word(w, head=False) for w in lower):
        return False
    dotted = re.search(r"\d+\.\d+", label) is not None
    return dotted or len(words) >= 2 or bool(_ABSTRACT_SUFFIX.search(lower[-1]))


@lru_cache(maxsize=4096)
def zipf(word: str) -> float:
    # Imported here: the word list takes a quarter of a second to load and most files never
    # need it (their labels show they are speakers by a digit, role or mark).
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


