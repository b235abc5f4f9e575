"""How far to trust the machine's coding, code by code, from what reviewers decided.

For each code, Cohen's kappa between the machine's verdict and the reviewers' decisions over the
reviewed segments (a segment with any decision is reviewed; on it, a code nobody accepted or
added counts as "does not apply"), with a 95% percentile interval from a bootstrap over segments
(fixed seed) and the number of decisions behind it.

What "the machine's verdict" is on a reviewed segment:

- after ``fgkit review train``: the learner's *cross-validated* verdict (rules plus additions,
  minus the hits it doubts), each fold predicted by a learner that never saw that fold's
  decisions; ``train`` stores it with ``store_verdicts`` keyed by a fingerprint of the decisions,
  so it is used only while the decisions are the ones it was computed from;
- otherwise (or once new decisions came in): the suggestions the reviewers were shown (machine
  codings in the store, doubtful ones left out). These were made before the decision, so they
  are honest too; they describe the rules more than the learner.

Before any review, nothing is known: ``code_trust`` returns ``{}`` and no figure is guessed.
A code is *reliable* when its point kappa reaches 0.6 (``RELIABLE_KAPPA``; the bar the issue
sets and the usual "substantial agreement" line); its interval, shown beside it, says how
firmly. A code whose kappa is undefined (neither side ever used it on the reviewed segments)
has kappa None and is not reliable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

__all__ = ["RELIABLE_BASIS", "RELIABLE_KAPPA", "CodeTrust", "code_trust", "decisions_fingerprint",
           "kappa_interval", "store_verdicts", "trust_summary"]

RELIABLE_KAPPA = 0.6
RELIABLE_BASIS = "point kappa >= 0.6"
BOOTSTRAP = 1000
SEED = 20261202
_NAMESPACE = "trust:verdicts"


@dataclass(frozen=True)
class CodeTrust:
    """Agreement between the machine and the reviewers on one code.

    ``kappa``/``low``/``high``: Cohen's kappa and its 95% bootstrap interval, None when unknown.
    ``n_decisions``: explicit decisions (accept, reject, add) on this code; ``n_segments``: the
    reviewed segments the kappa is computed over; ``basis``: "cross-validated learner" or
    "suggestions as shown".
    """

    code: str
    kappa: float | None
    low: float | None
    high: float | None
    n_decisions: int
    reliable: bool  # point kappa >= RELIABLE_KAPPA
    n_segments: int = 0
    basis: str = ""

    def display(self) -> str:
        """'0.72 (0.55-0.86), 41 decisions' or 'unknown (no decisions)'."""
        if self.kappa is None:
            why = "no decisions" if not self.n_segments else "not enough variation to measure"
            return f"unknown ({why})"
        interval = f" ({self.low:.2f}-{self.high:.2f})" if self.low is not None else ""
        mark = "" if self.reliable else ", not reliable yet"
        return f"kappa {self.kappa:.2f}{interval}, {self.n_decisions} decisions{mark}"


def _kappas(truth: np.ndarray, guess: np.ndarray) -> np.ndarray:
    """Cohen's kappa per row of two 0/1 matrices (NaN where undefined)."""
    truth = truth.astype(float)
    guess = guess.astype(float)
    n = truth.shape[-1]
    observed = (truth == guess).mean(axis=-1)
    p_truth, p_guess = truth.mean(axis=-1), guess.mean(axis=-1)
    expected = p_truth * p_guess + (1 - p_truth) * (1 - p_guess)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (observed - expected) / (1 - expected)
    return np.where((1 - expected) > 1e-12, kappa, np.nan) if n else np.full(np.shape(observed), np.nan)


def kappa_interval(truth, guess, n_boot: int = BOOTSTRAP, seed: int = SEED):
    """(kappa, low, high) for two 0/1 vectors over the same segments; Nones when undefined.

    The interval is the 2.5th and 97.5th percentiles of kappa over bootstrap resamples of the
    segments; resamples where kappa is undefined are left out, and with fewer than half of them
    defined no interval is given."""
    truth = np.asarray(truth, dtype=int)
    guess = np.asarray(guess, dtype=int)
    if not len(truth):
        return None, None, None
    point = float(_kappas(truth[None, :], guess[None, :])[0])
    if np.isnan(point):
        return None, None, None
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(truth), size=(n_boot, len(truth)))
    boot = _kappas(truth[rows], guess[rows])
    boot = boot[~np.isnan(boot)]
    if len(boot) < n_boot / 2:
        return point, None, None
    low, high = np.percentile(boot, [2.5, 97.5])
    return point, float(low), float(high)


def decisions_fingerprint(decisions) -> str:
    """A hash of the decisions in force (segment, code, verdict), order-free."""
    items = sorted(f"{r.segment_id}\t{r.code}\t{int(r.decision in ('accept', 'add'))}"
                   for r in decisions.itertuples(index=False))
    return hashlib.sha256("\n".join(items).encode("utf-8")).hexdigest()


def store_verdicts(store, decisions, verdicts: dict[str, list[str]]) -> None:
    """Remember the learner's cross-validated verdicts on the reviewed segments (segment id ->
    codes it would apply) for the decisions they were computed from."""
    store.cache_put_many(_NAMESPACE, {"latest": {"fingerprint": decisions_fingerprint(decisions),
                                                  "verdicts": verdicts}})


def _stored_verdicts(store, decisions) -> dict[str, list[str]] | None:
    found = store.cache_get_many(_NAMESPACE, ["latest"]).get("latest")
    if not isinstance(found, dict) or found.get("fingerprint") != decisions_fingerprint(decisions):
        return None
    verdicts = found.get("verdicts")
    return verdicts if isinstance(verdicts, dict) else None


def _shown_suggestions(store) -> dict[str, list[str]]:
    """Machine codings the reviewers saw (not imported codings, not doubtful ones)."""
    machine = store.codings(machine_only=True)
    rows = machine[machine["status"] != "doubtful"]
    everyone = store.codings()
    doubted = everyone[everyone["status"] == "doubtful"]
    doubted_pairs = set(zip(doubted["segment_id"], doubted["code"]))
    out: dict[str, list[str]] = {}
    for segment, code in zip(rows["segment_id"], rows["code"]):
        if (segment, code) not in doubted_pairs:
            out.setdefault(segment, []).append(code)
    return out


def code_trust(store, codebook, verdicts: dict[str, list[str]] | None = None) -> dict[str, CodeTrust]:
    """Per code of ``codebook``, agreement between the machine and the reviewers; {} before any
    review. ``verdicts`` (segment id -> codes the machine applies) overrides what is stored."""
    from .status import latest_decisions

    decisions = latest_decisions(store)
    present = store.consenting_segment_ids()
    decisions = decisions[decisions["segment_id"].isin(present)]
    if decisions.empty:
        return {}
    reviewed = sorted(set(decisions["segment_id"]))
    basis = "cross-validated learner"
    if verdicts is None:
        verdicts = _stored_verdicts(store, decisions)
    if verdicts is None:
        verdicts, basis = _shown_suggestions(store), "suggestions as shown"
    position = {s: i for i, s in enumerate(reviewed)}
    out = {}
    for code in codebook.ids:
        mine = decisions[decisions["code"] == code]
        truth = np.zeros(len(reviewed), dtype=int)
        for rec in mine.itertuples(index=False):
            truth[position[rec.segment_id]] = int(rec.decision in ("accept", "add"))
        guess = np.array([int(code in verdicts.get(s, ())) for s in reviewed], dtype=int)
        kappa, low, high = kappa_interval(truth, guess)
        out[code] = CodeTrust(code=code, kappa=kappa, low=low, high=high, n_decisions=len(mine),
                              reliable=kappa is not None and kappa >= RELIABLE_KAPPA,
                              n_segments=len(reviewed), basis=basis)
    return out


def trust_summary(trust: dict[str, CodeTrust]) -> dict:
    """A JSON-ready record for the run manifest."""
    return {
        "rule": RELIABLE_BASIS,
        "interval": f"95% bootstrap over reviewed segments ({BOOTSTRAP} resamples, seed {SEED})",
        "codes": {c: {"kappa": t.kappa, "low": t.low, "high": t.high, "n_decisions": t.n_decisions,
                      "n_segments": t.n_segments, "reliable": t.reliable, "basis": t.basis}
                  for c, t in trust.items()},
    }
