"""Reading the working store into the frames every analysis shares.

Only pseudonymised material is read: segments of pseudonymised turns, and the pseudonymised
turns themselves for the roster of who took part. Facilitators are not participants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

# Placeholders written by pseudonymisation ("[Person 1]", "[Place 2]", "[Practitioner 03]") carry
# no meaning for language comparisons and would otherwise top every term list.
PLACEHOLDER = re.compile(r"\[[^\[\]]{0,60}\]")
FACILITATOR = "facilitator"
# Words of two or more letters; hyphenated words stay whole ("follow-up").
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}(?:-[^\W\d_]+)*\b"
# Clitics are dropped so "it's" and "we're" fall to the stopword list instead of topping it.
CLITIC = re.compile(r"n['’]t\b|['’](?:s|re|ve|ll|d|m)\b", re.IGNORECASE)
# Spoken-language fillers that the written-English stopword list does not know.
SPEECH_STOPWORDS = frozenset(
    "yeah yes ok okay oh um uh er erm mm hmm like just really actually basically literally "
    "know think mean thing things lot lots bit kind sort got get getting going gonna wanna "
    "say said saying ca wo sha im id ive ill youre thats dont didnt doesnt cant wont isnt "
    "theres theyre weve were thank thanks sorry cheers yep yup did does doing fine good "
    "right".split()
)


def stopwords() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS | SPEECH_STOPWORDS)


def strip_placeholders(text: str) -> str:
    return PLACEHOLDER.sub(" ", text)


def analysis_text(text: str, pseudonyms: re.Pattern | None = None) -> str:
    """Text for term counting: placeholders, speaker pseudonyms and clitics removed."""
    text = strip_placeholders(text)
    if pseudonyms is not None:
        text = pseudonyms.sub(" ", text)
    return CLITIC.sub("", text)


def pseudonym_pattern(speakers) -> re.Pattern | None:
    """Speaker pseudonyms ("Practitioner 09") also appear unbracketed inside speech."""
    names = sorted({str(s) for s in speakers if str(s).strip()}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)


def natural_key(value: str) -> tuple:
    """Sort FG2 before FG10."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", str(value)))


def natural_sorted(values) -> list[str]:
    return sorted({str(v) for v in values}, key=natural_key)


@dataclass(frozen=True)
class StudyFrames:
    """The pseudonymised study as DataFrames (all deterministically sorted)."""

    segments: pd.DataFrame  # segment columns incl. role, group, and ``clean`` text for
    #                         term counts; participants only
    roster: pd.DataFrame  # participant_id, role, group (one row per participant and group)
    codings: pd.DataFrame  # effective codings in force (accepted and suggested)
    words: int

    @property
    def roles(self) -> list[str]:
        return natural_sorted(self.roster["role"])

    @property
    def groups(self) -> list[str]:
        return natural_sorted(self.roster["group"])

    @property
    def codes(self) -> list[str]:
        return natural_sorted(self.codings["code"])


def load_frames(store) -> StudyFrames:
    from ..coding.status import effective_codings

    segments = store.dataframe(
        """
        SELECT s.segment_id, s.turn_id, s.transcript, s.turn_index, s.level, s.start_char,
               s.end_char, s.text, s.speaker, s.participant_id, s.role, s.group_name AS "group"
        FROM segments s JOIN pseudo_turns p ON p.turn_id = s.turn_id
        WHERE s.role != ?
        ORDER BY s.transcript, s.turn_index, s.start_char, s.segment_id
        """,
        (FACILITATOR,),
    )
    roster = store.dataframe(
        """
        SELECT DISTINCT participant_id, role, group_name AS "group" FROM pseudo_turns
        WHERE role != ? ORDER BY participant_id, group_name
        """,
        (FACILITATOR,),
    )
    texts = store.query("SELECT text FROM pseudo_turns WHERE role != ?", (FACILITATOR,))
    words = sum(len(row["text"].split()) for row in texts)
    speakers = [row["speaker"] for row in store.query("SELECT DISTINCT speaker FROM pseudo_turns")]
    pattern = pseudonym_pattern(speakers)
    segments["clean"] = [analysis_text(t, pattern) for t in segments["text"]]
    codings = effective_codings(store)
    codings = codings[codings["role"] != FACILITATOR]
    codings = codings.sort_values(["transcript", "turn_index", "start_char", "segment_id", "code"])
    return StudyFrames(
        segments=segments.reset_index(drop=True),
        roster=roster.reset_index(drop=True),
        codings=codings.reset_index(drop=True),
        words=words,
    )
