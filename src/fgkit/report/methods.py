"""The methods and limits section, generated from the store and the run manifests.

It says what was automated, how much a person checked, what the figures rest on and where the
data are too thin, so a reader can judge how far to trust each claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .tables import is_blank

__all__ = ["Methods", "build_methods"]

STAGES = ("ingest", "pseudonymise", "code", "review", "analyse")
# Settings sections safe to print: [pseudonymise] is left out because its deny list holds names.
PRINTED_SECTIONS = ("coding", "analysis", "topics", "nlp")
NO_AGREEMENT = "No agreement figures: only one coder."


@dataclass(frozen=True)
class Methods:
    n_transcripts: int
    formats: list[dict[str, Any]]
    automated: list[str]
    reviewed: str
    agreement_columns: list[str]
    agreement_rows: list[list[str]]
    agreement_note: str
    codebook_file: str
    codebook_version: str
    codebook_sha256: str
    parameters: list[tuple[str, str]]
    seeds: list[tuple[str, str]]
    versions: list[tuple[str, str]]
    stages: list[dict[str, str]]
    k: int
    limits: list[str] = field(default_factory=list)
    enough: str = ""  # what "enough checked" means and why


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _formats(store) -> tuple[int, list[dict[str, Any]]]:
    out = store.format_summary()
    return sum(r["files"] for r in out), out


def _automated(store, topics) -> list[str]:
    lines = []
    if store.last_run("pseudonymise") is not None:
        lines.append(
            "Speaker names were replaced by role-based pseudonyms, and names and other "
            "identifiers in speech were detected automatically and replaced. Automatic "
            "detection is assistance, not a guarantee."
        )
    counts = store.coder_counts()
    for coder, n in zip(counts["coder"], counts["n"]):
        if coder.startswith("refi:"):
            lines.append(f"{n} codings were imported from another analysis tool ({coder}).")
        else:
            lines.append(f"The automatic coder {coder} suggested {n} codings.")
    if topics is not None and topics.status == "ok":
        lines.append(
            "Candidate topics were found by a topic model. They are prompts for discussion, "
            "not themes."
        )
    return lines


def _reviewed(store) -> str:
    from ..coding.status import effective_codings

    every = effective_codings(store, include_rejected=True)
    total = len(every)
    if not total:
        return "There are no codings to review."
    checked = int((every["reviewer"] != "").sum())
    return (
        f"A person checked {round(100 * checked / total)}% of codings ({checked} of {total}): "
        "accepted or rejected a machine suggestion, or added a coding."
    )


def _agreement(store, labels: dict[str, str]) -> tuple[list[str], list[list[str]], str]:
    try:
        from ..coding.agreement import latest_agreement
    except ImportError:
        return [], [], NO_AGREEMENT
    df = latest_agreement(store)
    if df is None or not len(df):
        return [], [], NO_AGREEMENT
    columns = [str(c).replace("_", " ").capitalize() for c in df.columns]
    if "code" in df.columns:
        df = df.assign(code=[labels.get(str(c), str(c)) for c in df["code"]])
    rows = [["" if is_blank(v) else _fmt(v) for v in row] for row in df.itertuples(index=False)]
    note = (
        "Agreement between coders: Landis and Koch read 0.41-0.60 as moderate and "
        "0.61-0.80 as substantial."
    )
    return columns, rows, note


def _parameters(project, topics) -> list[tuple[str, str]]:
    out = []
    for section in PRINTED_SECTIONS:
        for key, value in sorted(project.settings.as_dict()[section].items()):
            out.append((f"{section}.{key}", _fmt(value)))
    params = getattr(topics, "parameters", None) or {}
    for key, value in sorted(params.items()):
        out.append((f"topic model: {key}", _fmt(value)))
    return out


def _stages(store) -> list[dict[str, str]]:
    out = []
    for command in STAGES:
        run = store.last_run(command)
        if run is not None:
            out.append(
                {
                    "command": command,
                    "finished": str(run.get("finished_at") or "did not finish"),
                    "status": str(run.get("status")),
                    "run_id": str(run.get("run_id")),
                }
            )
    return out


def _readable(note: str, labels: dict[str, str]) -> str:
    """Name codes by their labels ('emotional_labour' -> 'Emotional labour') for lay readers."""
    note = re.sub(r"'([A-Za-z0-9_.-]+)'", lambda m: f"'{labels.get(m.group(1), m.group(1))}'", note)
    # Lists of bare ids ("rest only on machine suggestions: pressure_time, governance") too.
    for code in sorted(labels, key=len, reverse=True):
        note = re.sub(rf"(?<![\w'])({re.escape(code)})(?![\w'])", labels[code], note)
    return note


def build_methods(project, store, analysis, codebook, labels: dict[str, str], k: int) -> Methods:
    from ..manifest import package_versions

    n_transcripts, formats = _formats(store)
    columns, rows, note = _agreement(store, labels)
    topics = analysis.topics
    seeds = [("analysis.seed", _fmt(project.settings.analysis.seed))]
    seeds.append(("topics.seeds", _fmt(project.settings.topics.seeds)))
    limits = [
        (f"Counts resting on fewer than {k} participants are not shown ('fewer than {k}'), and "
        "further counts are withheld where the hidden ones could otherwise be worked out by "
        "subtraction; the same rule applies in every table, chart, the matrix, the Excel file "
        f"and the quotes export. A quote names a role only in a group where every role has at "
        f"least {k} people; elsewhere it says 'Participant' and the group, and in a group of "
        f"fewer than {k} people just 'Participant'."),
        ("Focus-group talk is shaped by the group: how often a code comes up says what was "
        "discussed, not how many people hold a view."),
        ("Machine-suggested codings that nobody has checked are shown as such and are not "
        "findings by themselves."),
    ]
    from ..disclosure import Disclosure

    left_out = Disclosure.from_people(store.people("facilitator"), k).role_group_note()
    if left_out:
        limits.append(left_out)
    limits += [_readable(str(t), labels) for t in analysis.thin_data]
    return Methods(
        n_transcripts=n_transcripts,
        formats=formats,
        automated=_automated(store, topics),
        reviewed=_reviewed(store),
        agreement_columns=columns,
        agreement_rows=rows,
        agreement_note=note,
        codebook_file=codebook.path,
        codebook_version=codebook.version,
        codebook_sha256=codebook.sha256 or "not available",
        parameters=_parameters(project, topics),
        seeds=seeds,
        versions=sorted(package_versions().items()),
        stages=_stages(store),
        k=k,
        limits=limits,
        enough=_enough(),
    )


def _enough() -> str:
    from .context import ENOUGH_CHECKED

    pct = round(100 * ENOUGH_CHECKED)
    return (
        f"This report is a machine draft until a person has checked (accepted, rejected or added) "
        f"at least {pct}% of the codings, and a code can make a headline only once {pct}% of its "
        "own codings are checked. Below that, unchecked machine suggestions are more than a fifth "
        "of the evidence; the automatic coder agrees with people only weakly (kappa 0.19 on the "
        "tuning material), so that many unchecked codings could move a role's share by about as "
        "much as the 25-point difference a headline needs. Headlines always use accepted codings only."
    )
