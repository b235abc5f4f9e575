"""Agreement between coders: Cohen's kappa, Krippendorff's alpha, percent agreement.

A coder is one of: a reviewer's name (their latest decisions: accept/add = 1, reject = 0, and
0 for any other code on a segment they reviewed, except a machine suggestion they left
undecided, which is no judgement and leaves that pair out), ``reviewers`` (the latest decision
whoever made it), a machine or imported coder from ``codings`` (``rules:v1``, ``classifier:v1``,
``refi:<name>``; 1 where it coded, 0 elsewhere), ``machine`` (any machine suggestion), or
``effective`` (the codings in force). Each code is a yes/no judgement per segment, compared over
the segments every coder covered. Kappa for more than two coders is the mean of pairwise Cohen's
kappas (Light's kappa); Krippendorff's alpha takes any number of coders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AgreementResult", "agreement", "latest_agreement", "landis_koch", "coder_values",
           "publish_agreement"]

REVIEWERS, MACHINE, EFFECTIVE = "reviewers", "machine", "effective"


def landis_koch(kappa: float) -> str:
    """Landis & Koch (1977) strength-of-agreement label."""
    if kappa is None or (isinstance(kappa, float) and math.isnan(kappa)):
        return "undefined"
    if kappa < 0:
        return "poor"
    for upper, label in ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial")):
        if kappa <= upper:
            return label
    return "almost perfect"


@dataclass
class AgreementResult:
    coders: list[str]
    per_code: pd.DataFrame  # code, kappa, alpha, percent_agreement, n, positives, label, note
    overall: dict = field(default_factory=dict)
    disagreements: pd.DataFrame | None = None  # segment_id, transcript, turn_index, code, <coders>, text


def _segments(store):
    return store.consenting_segments()[["segment_id", "transcript", "turn_index", "start_char", "text"]]


def coder_values(store, coder: str) -> tuple[set[str], set[tuple[str, str]], set[tuple[str, str]]]:
    """(segments the coder covered, (segment, code) pairs it applied, pairs it left undecided)."""
    from .status import effective_codings, latest_decisions

    everything = set(_segments(store)["segment_id"])
    if coder == EFFECTIVE:
        codings = effective_codings(store)
        return everything, set(zip(codings["segment_id"], codings["code"])), set()
    if coder == MACHINE or ":" in coder:
        if coder != MACHINE and not store.has_codings(coder):
            raise InputError(f"no codings by coder {coder!r}; see `fgkit review status` for coders")
        return everything, store.coded_pairs(None if coder == MACHINE else coder), set()
    if coder == REVIEWERS:
        decisions = latest_decisions(store)
    else:
        decisions = store.latest_decisions(reviewer=coder)
        if decisions.empty:
            raise InputError(
                f"no decisions by reviewer {coder!r}; name a reviewer, rules:v1, classifier:v1, "
                "refi:<name>, machine, reviewers or effective"
            )
    covered = set(decisions["segment_id"]) & everything
    positive = decisions[decisions["decision"].isin(["accept", "add"])]
    decided = set(zip(decisions["segment_id"], decisions["code"]))
    suggested = store.coded_pairs()
    undecided = {(s, c) for s, c in suggested if s in covered and (s, c) not in decided}
    return covered, set(zip(positive["segment_id"], positive["code"])), undecided


def _kappa(a, b) -> float:
    from sklearn.metrics import cohen_kappa_score

    if len(set(a) | set(b)) < 2:
        return float("nan")
    return float(cohen_kappa_score(a, b, labels=[0, 1]))


def _stats(matrix) -> tuple[float, float, float, str]:
    """kappa, alpha, percent agreement and a note, for a coders x units 0/1 matrix."""
    import itertools

    import krippendorff
    import numpy as np

    n_units = matrix.shape[1]
    if n_units == 0:
        return float("nan"), float("nan"), float("nan"), "no segments in common"
    percent = float((matrix == matrix[0]).all(axis=0).mean())
    values = set(np.unique(matrix))
    if len(values) < 2:
        note = ("never applied by any coder" if values == {0} else "applied to every segment by every coder")
        return float("nan"), float("nan"), percent, f"kappa and alpha undefined: {note}"
    pairs = [_kappa(matrix[i], matrix[j]) for i, j in itertools.combinations(range(len(matrix)), 2)]
    defined = [k for k in pairs if not math.isnan(k)]
    kappa = float(np.mean(defined)) if defined else float("nan")
    alpha = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))
    return kappa, alpha, percent, ""


def agreement(store, coders: list[str], codes: list[str] | None = None) -> AgreementResult:
    """Agreement per code and overall between two or more coders over the segments all covered."""
    import numpy as np
    import pandas as pd

    if len(coders) < 2 or len(set(coders)) != len(coders):
        raise InputError("name at least two different coders")
    covered, applied, undecided = zip(*(coder_values(store, c) for c in coders))
    unknown = set().union(*undecided)
    common = set.intersection(*covered)
    if not common:
        raise InputError("these coders have no segment in common; review or code the same segments first")
    segments = _segments(store)
    segments = segments[segments["segment_id"].isin(common)].sort_values(
        ["transcript", "turn_index", "start_char", "segment_id"]).reset_index(drop=True)
    units = list(segments["segment_id"])
    if codes is None:
        codes = sorted({code for pairs in applied for (segment, code) in pairs
                        if segment in common and (segment, code) not in unknown})

    rows, blocks, disagreements = [], [], []
    for code in codes:
        judged = [j for j, u in enumerate(units) if (u, code) not in unknown]
        matrix = np.array([[int((units[j], code) in pairs) for j in judged] for pairs in applied],
                          dtype=int).reshape(len(coders), len(judged))
        blocks.append(matrix)
        kappa, alpha, percent, note = _stats(matrix)
        rows.append({"code": code, "kappa": kappa, "alpha": alpha, "percent_agreement": percent,
                     "n": len(judged), "positives": int(matrix.sum()), "label": landis_koch(kappa),
                     "note": note})
        for k in np.flatnonzero(~(matrix == matrix[0]).all(axis=0)):
            j = judged[k]
            seg = segments.iloc[j]
            disagreements.append({"segment_id": seg["segment_id"], "transcript": seg["transcript"],
                                  "turn_index": int(seg["turn_index"]), "code": code,
                                  **{c: int(matrix[i, k]) for i, c in enumerate(coders)},
                                  "text": seg["text"]})
    per_code = pd.DataFrame(rows, columns=["code", "kappa", "alpha", "percent_agreement", "n",
                                           "positives", "label", "note"])
    pooled = np.concatenate(blocks, axis=1) if blocks else np.zeros((len(coders), 0), dtype=int)
    kappa, alpha, percent, note = _stats(pooled)
    defined = per_code["kappa"].dropna()
    overall = {"kappa": kappa, "alpha": alpha, "percent_agreement": percent,
               "n": int(pooled.shape[1]), "n_segments": len(units), "n_codes": len(codes),
               "mean_kappa": float(defined.mean()) if len(defined) else float("nan"),
               "label": landis_koch(kappa), "note": note}
    columns = ["segment_id", "transcript", "turn_index", "code", *coders, "text"]
    return AgreementResult(list(coders), per_code, overall, pd.DataFrame(disagreements, columns=columns))


def latest_agreement(store):
    """Machine suggestions against the human reviewers over reviewed segments, for the report.

    One row per code plus ``(all codes)``; None when nobody has reviewed anything yet.
    """
    import pandas as pd

    if not store.has_reviews():
        return None
    try:
        result = agreement(store, [MACHINE, REVIEWERS])
    except InputError:
        return None
    overall = {"code": "(all codes)", **{k: result.overall[k] for k in ("kappa", "alpha", "percent_agreement", "n", "label", "note")}}
    overall["positives"] = int(result.per_code["positives"].sum())
    return pd.concat([result.per_code, pd.DataFrame([overall])], ignore_index=True)


def publish_agreement(project, result: AgreementResult) -> tuple[Path, Path]:
    """Publish the per-code table and the disagreements through the leak gate.

    Returns the paths of agreement.csv and disagreements.csv in the shareable zone.
    """
    from ..shareable import publication
    from ..spreadsheet_safety import write_csv

    with publication(project, "agree") as out:
        write_csv(result.per_code, out.staged("agreement.csv"))
        write_csv(result.disagreements, out.staged("disagreements.csv"))
    return out.target("agreement.csv"), out.target("disagreements.csv")
