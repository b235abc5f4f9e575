"""The report's plain-English opening, its glossary and the "agreement with reviewers" line.

Written once here and carried in the report context, so the HTML, Markdown and Word reports say
exactly the same words. The reader in mind is a co-production lead, often with lived experience
of care, who must check the report makes sense to the people who took part: short sentences, no
code ids, no statistics without a sentence saying what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Opening", "GLOSSARY", "TRUST_UNKNOWN", "opening", "trust_line"]

TRUST_UNKNOWN = "unknown until reviewed"


@dataclass(frozen=True)
class Opening:
    """A titled page of (heading, text) parts; render_docx reads ``title`` and ``parts``."""

    title: str
    parts: tuple[tuple[str, str], ...]


def opening(draft: bool, n_checked: int, n_decidable: int, k: int, enough: float) -> Opening:
    """What this report is, what it is not, and how to read it."""
    share = round(100 * n_checked / n_decidable) if n_decidable else 0
    if draft:
        status = (
            f"So far a person has checked {n_checked} of {n_decidable} of the computer's "
            f"suggestions ({share}%). Until {round(100 * enough)}% are checked, treat everything "
            "here as a first sort of the material, not as what the study found."
        )
    else:
        status = (
            f"A person has checked {n_checked} of {n_decidable} of the computer's suggestions "
            f"({share}%), so the headline statements rest on the research team's own decisions."
        )
    return Opening(
        title="About this report",
        parts=(
            ("What this is",
             "This report sorts what people said in the focus groups into topics from the study's "
             "list of codes (for example, pressure of work). A computer makes the first pass by "
             "suggesting which parts of the conversation fit which code. A member of the research "
             "team then checks each suggestion and accepts or rejects it. " + status),
            ("What this is not",
             "It is not a list of themes or conclusions: deciding what the conversations mean is "
             "the research team's job, with the people who took part. It does not measure how "
             "many people in general hold a view: a focus group is a conversation, and people "
             "build on each other. Nobody is named: quotes say at most a person's role and "
             f"group, and any figure that rests on fewer than {k} people is held back so that "
             "nobody can be picked out."),
            ("How to read it",
             "Start with the summary, then read each code's quotes before its figures: the "
             "quotes are what people said, the figures only say how widely it came up. Solid "
             "bars and the word \"Accepted\" mean a person checked it; grey dashed bars and "
             "\"unchecked\" mean nobody has yet. Beside each code, \"agreement with reviewers\" "
             "says how often the computer's suggestions for that code matched the team's "
             "decisions. \"Candidate topics\" and \"distinctive language\" were found by the "
             "computer alone: they point to passages worth reading, nothing more. If something "
             "does not match what you remember from the groups, say so: that is what this draft "
             "is for. The glossary after this page explains the words the report uses."),
        ),
    )


# Term, meaning: plain sentences, in the order a reader meets the terms.
GLOSSARY: tuple[tuple[str, str], ...] = (
    ("Segment", "A short stretch of what one person said, usually a few sentences. The report "
                "counts and quotes segments, never whole conversations."),
    ("Code and coding", "A code is a label from the study's list, such as pressure of work. A "
                        "coding is one segment given one code."),
    ("Suggestion (unchecked)", "A coding the computer proposed that nobody on the research team "
                               "has looked at yet. It may be wrong."),
    ("Checked (accepted)", "A coding a member of the research team read and agreed with. Only "
                           "checked codings can support a headline."),
    ("Agreement with reviewers", "For each code, how closely the computer's suggestions matched "
                                 "what the team decided on the segments they checked, as a kappa "
                                 "score with a likely range. \"Not reliable yet\" means below 0.6: "
                                 "the computer's suggestions for that code still need checking one "
                                 "by one. \"Unknown until reviewed\" means nobody has checked enough "
                                 "segments to tell."),
    ("Kappa", "A score for how far two coders agree, beyond what chance alone would give: 1 is "
              "full agreement, 0 is no better than chance. 0.6 or more is usually taken as good "
              "enough to rely on."),
    ("Small-count protection", "Any figure that rests on only one or two people (fewer than the "
                               "study's threshold) is written as \"fewer than\" or held back, "
                               "along with any figure it could be worked out from, so that no "
                               "one can be identified."),
    ("Candidate topic", "A group of segments the computer found using similar words. It is not a "
                        "theme: a person decides whether it means anything."),
    ("Stability", "Whether a candidate topic turns up again when the computer repeats its search "
                  "from different starting points. An unstable topic may be a chance grouping."),
    ("Jaccard overlap", "How often two codes fall on the same segments, from 0 (never together) "
                        "to 1 (always together)."),
    ("Distinctive word score", "How much more often one role used a word than the others did, "
                               "allowing for how much each role spoke. Only words scoring 1.96 or "
                               "more are listed: below that, the difference could easily be "
                               "chance."),
)


def trust_line(trust) -> tuple[str, bool | None]:
    """("agreement with reviewers" text, reliable) for one code's CodeTrust, or unknown.

    ``reliable`` is None while nothing is known, so "not reliable yet" is never written for a
    code nobody has reviewed."""
    if trust is None or trust.kappa is None:
        return TRUST_UNKNOWN, None
    interval = (f", likely between {trust.low:.2f} and {trust.high:.2f}"
                if trust.low is not None and trust.high is not None else "")
    text = (f"kappa {trust.kappa:.2f}{interval}, from {trust.n_decisions} "
            f"decision{'s' if trust.n_decisions != 1 else ''}")
    return (text if trust.reliable else text + ": not reliable yet"), bool(trust.reliable)
