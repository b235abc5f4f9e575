"""Reading the working store into the frames every analysis shares.

Only pseudonymised material is read: segments of pseudonymised turns, and the pseudonymised
turns themselves for the roster of who took part. Facilitators are not participants.

The codings every analysis counts come from :func:`study_codings`: accepted and suggested only
(rejected and "doubtful" codings never count), and a parent code holds its sub-codes' segments,
each segment once, so a parent is never reported narrower than its own sub-codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


# Which status wins when a parent collects the same segment from itself and its sub-codes.
_STATUS_RANK = {"accepted": 0, "suggested": 1}
COUNTED_STATUSES = tuple(_STATUS_RANK)


def ancestors(code: str, parents: dict[str, str]) -> list[str]:
    """The code's parent, grandparent and so on (a cycle stops at the first repeat)."""
    out, seen = [], {code}
    parent = parents.get(code) or ""
    while parent and parent not in seen:
        out.append(parent)
        seen.add(parent)
        parent = parents.get(parent) or ""
    return out


def roll_up(codings: pd.DataFrame, parents: dict[str, str] | None) -> pd.DataFrame:
    """Counted codings, with every sub-code's segment added to each of its ancestors once.

    Only accepted and suggested codings are kept. Where a segment reaches a parent more than
    once (its own coding and a sub-code's), the accepted one wins, then the higher confidence.
    """
    codings = codings[codings["status"].isin(COUNTED_STATUSES)]
    if parents and len(codings):
        extra = []
        for code, rows in codings.groupby("code", sort=False):
            for parent in ancestors(str(code), parents):
                extra.append(rows.assign(code=parent))
        if extra:
            codings = pd.concat([codings, *extra], ignore_index=True)
    ranked = codings.assign(
        _rank=codings["status"].map(_STATUS_RANK), _conf=-codings["confidence"].astype(float)
    ).sort_values(["segment_id", "code", "_rank", "_conf"], kind="stable")
    ranked = ranked.drop_duplicates(["segment_id", "code"], keep="first")
    return ranked.drop(columns=["_rank", "_conf"]).reset_index(drop=True)


def study_codings(store, parents: dict[str, str] | None = None) -> pd.DataFrame:
    """The codings that count, participants only, sorted; see the module docstring."""
    from ..coding.status import effective_codings

    codings = effective_codings(store)
    codings = codings[codings["role"] != FACILITATOR]
    codings = roll_up(codings, parents)
    return codings.sort_values(
        ["transcript", "turn_index", "start_char", "segment_id", "code"]
    ).reset_index(drop=True)


def codebook_parents(project) -> dict[str, str]:
    """Code id to parent id, from the project's codebook ({} without a codebook)."""
    from ..codebook import load_codebook

    path = project.codebook_path
    if not path.is_file():
        return {}
    return {c.id: c.parent for c in load_codebook(path).codes if c.parent}


@dataclass(frozen=True)
class StudyFrames:
    """The pseudonymised study as DataFrames (all deterministically sorted)."""

    segments: pd.DataFrame  # segment columns incl. role, group, and ``clean`` text for
    #                         term counts; participants only
    roster: pd.DataFrame  # participant_id, role, group (one row per participant and group)
    codings: pd.DataFrame  # counted codings (accepted and suggested), parents rolled up
    words: int
    parents: dict = field(default_factory=dict)  # code id -> parent code id
    headings: frozenset = frozenset()  # normalised section titles: never quoted as speech

    def disclosure(self, k: int):
        """The study's disclosure rules (who is counted by role, how quotes are attributed)."""
        from ..disclosure import Disclosure

        return Disclosure.from_people(
            self.roster[["participant_id", "role", "group"]].itertuples(index=False, name=None), k
        )

    @property
    def roles(self) -> list[str]:
        return natural_sorted(self.roster["role"])

    @property
    def groups(self) -> list[str]:
        return natural_sorted(self.roster["group"])

    @property
    def codes(self) -> list[str]:
        return natural_sorted(self.codings["code"])


def load_frames(store, parents: dict[str, str] | None = None) -> StudyFrames:

    segments = store.consenting_segments().rename(columns={"group_name": "group"})
    segments = segments[segments["role"] != FACILITATOR].reset_index(drop=True)
    roster = pd.DataFrame(store.people(FACILITATOR), columns=["participant_id", "role", "group"])
    words = sum(len(text.split()) for text in store.spoken_texts(FACILITATOR))
    pattern = pseudonym_pattern(store.speakers())
    segments["clean"] = [analysis_text(t, pattern) for t in segments["text"]]
    return StudyFrames(
        segments=segments.reset_index(drop=True),
        roster=roster.reset_index(drop=True),
        codings=study_codings(store, parents),
        words=words,
        parents=dict(parents or {}),
        headings=section_headings(store),
    )


def section_headings(store) -> frozenset[str]:
    """Every transcript's section titles (kept by ingest apart from speech), normalised."""
    import json

    from ..passages import headings_of

    titles = []
    for sections in store.transcript_sections():
        try:
            titles += [str(s.get("title", "")) for s in json.loads(sections or "[]")]
        except (ValueError, AttributeError, TypeError):
            continue
    return headings_of(titles)
