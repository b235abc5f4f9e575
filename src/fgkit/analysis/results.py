"""The results of the analysis stage, as the report and export stages consume them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

TOPIC_COLUMNS = [
    "topic", "label", "size", "top_terms", "representative_segment_ids", "stability", "stable",
]
TOPIC_EXAMPLE_COLUMNS = ["topic", "rank", "segment_id", "text", "attribution", "reference"]
TOPIC_ROLE_COLUMNS = ["topic", "role", "frequency", "top_terms"]
DISTINCTIVE_COLUMNS = ["role", "term", "score", "count", "rank"]
COOCCURRENCE_COLUMNS = ["level", "code_a", "code_b", "count", "jaccard"]
MATRIX_COLUMNS = [
    "row_type", "row", "role", "code", "segments", "participants_display", "summary",
    "quote_refs", "status_mix", "checked",
]


@dataclass
class TopicsResult:
    """Candidate topics (never themes): clusters a person still has to read and judge.

    ``status`` is 'ok', 'too_few_segments', 'disabled' or 'no_stable_topics'; ``message``
    explains it in plain English; ``parameters`` records everything needed to repeat the fit.
    ``stability`` is a topic's mean matched overlap across refits (0 to 1, NaN when only one fit
    ran) and ``stable`` whether it reached ``parameters["stable_at"]``; ``examples`` holds up to
    three quotes per topic, whole sentences, already attributed under the disclosure rules.
    """

    status: str
    message: str
    topics: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TOPIC_COLUMNS))
    per_role: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TOPIC_ROLE_COLUMNS))
    parameters: dict[str, Any] = field(default_factory=dict)
    examples: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TOPIC_EXAMPLE_COLUMNS))


@dataclass
class AnalysisResult:
    """Every cross-group table, already small-cell protected, plus notes on thin data.

    ``quotes_attribution`` maps (participant_id, group) to a label such as "Practitioner, FG2"
    or "Participant, FG6" (a role with fewer than k members in that group).
    """

    prevalence: pd.DataFrame
    distinctive_terms: pd.DataFrame
    cooccurrence: pd.DataFrame
    topics: TopicsResult
    matrix: pd.DataFrame
    quotes_attribution: dict[tuple[str, str], str]
    summary: dict[str, Any]
    thin_data: list[str]
    k: int = 3

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables written to the shareable zone, by file stem."""
        return {
            "prevalence": self.prevalence,
            "distinctive_terms": self.distinctive_terms,
            "cooccurrence": self.cooccurrence,
            "topics": self.topics.topics,
            "topics_by_role": self.topics.per_role,
            "topic_examples": self.topics.examples,
            "framework_matrix": self.matrix,
        }
