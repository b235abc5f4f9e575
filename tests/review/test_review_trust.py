from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from fgkit.codebook import load_codebook
from fgkit.coding.trust import RELIABLE_KAPPA, code_trust, kappa_interval, store_verdicts
from fgkit.coding.status import latest_decisions


def decide(store, segments, rules, reviewer="amy"):
    """Accept true suggestions, reject false ones, add the missed codes."""
    ids = {s["segment_id"] for s in segments}
    suggested = {(s, c) for s, c, *_ in rules if s in ids}
    rows = []
    for seg in segments:
        for code in {c for s, c in suggested if s == seg["segment_id"]} | set(seg["codes"]):
            decision = ("accept" if code in seg["codes"] else "reject") \
                if (seg["segment_id"], code) in suggested else "add"
            rows.append((seg["segment_id"], code, decision, reviewer, "2026-01-01T00:00:00+00:00"))
    with store.transaction() as conn:
        conn.executemany("INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) VALUES (?,?,?,?,?)",
                         rows)


def test_trust_is_unknown_before_any_review(project, store):
    assert code_trust(store, load_codebook(project.codebook_path)) == {}


def test_trust_per_code_matches_kappa_of_suggestions_against_decisions(project, store, segments, kit):
    rules = kit.rule_suggestions(segments)
    decide(store, segments[:20], rules)
    trust = code_trust(store, load_codebook(project.codebook_path))
    assert set(trust) == set(kit.CODES)
    for code, t in trust.items():
        reviewed = segments[:20]
        truth = [int(code in s["codes"]) for s in reviewed]
        shown = {s for s, c, *_ in rules if c == code}
        guess = [int(s["segment_id"] in shown) for s in reviewed]
        assert t.n_segments == 20 and t.basis == "suggestions as shown"
        assert t.n_decisions == sum(1 for s in reviewed if code in s["codes"] or s["segment_id"] in shown)
        expected = cohen_kappa_score(truth, guess)
        assert t.kappa == pytest.approx(expected)
        assert t.low <= t.kappa + 1e-9 and t.kappa - 1e-9 <= t.high
        assert t.reliable == (t.kappa >= RELIABLE_KAPPA)
        assert "decisions" in t.display()


def test_stored_cross_validated_verdicts_are_used_only_for_the_decisions_they_came_from(project, store, segments, kit):
    rules = kit.rule_suggestions(segments)
    decide(store, segments[:20], rules)
    codebook = load_codebook(project.codebook_path)
    perfect = {s["segment_id"]: list(s["codes"]) for s in segments[:20]}
    store_verdicts(store, latest_decisions(store), perfect)
    trust = code_trust(store, codebook)
    assert all(t.kappa == pytest.approx(1.0) and t.reliable for t in trust.values())
    assert {t.basis for t in trust.values()} == {"cross-validated learner"}
    # A new decision makes the stored verdicts stale: back to the suggestions as shown.
    decide(store, segments[20:22], rules)
    assert {t.basis for t in code_trust(store, codebook).values()} == {"suggestions as shown"}


def test_interval_narrows_with_more_segments_and_is_seeded():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 400)
    guess = np.where(rng.random(400) < 0.85, truth, 1 - truth)
    k_small, lo_small, hi_small = kappa_interval(truth[:40], guess[:40])
    k_big, lo_big, hi_big = kappa_interval(truth, guess)
    assert hi_big - lo_big < hi_small - lo_small
    assert kappa_interval(truth[:40], guess[:40]) == (k_small, lo_small, hi_small)
    assert kappa_interval([0, 0, 0], [0, 0, 0]) == (None, None, None)
