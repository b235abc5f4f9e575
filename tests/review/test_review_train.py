from __future__ import annotations

import pytest

from fgkit.coding.status import effective_codings
from fgkit.coding.train import CODER, code_descriptions, decision_table, rule_table, train_and_suggest
from fgkit.errors import SettingsError
from fgkit.project import Project


def record_decisions(store, segments, rules, reviewer="amy"):
    """A reviewer's decisions: accept true suggestions, reject false ones, add the missed."""
    suggested = {(s, c) for s, c, *_ in rules}
    rows = []
    for seg in segments:
        for code in {c for s, c in suggested if s == seg["segment_id"]} | set(seg["codes"]):
            truth = code in seg["codes"]
            if (seg["segment_id"], code) in suggested:
                decision = "accept" if truth else "reject"
            else:
                decision = "add"
            rows.append((seg["segment_id"], code, decision, reviewer, "2026-01-01T00:00:00+00:00"))
    with store.transaction() as conn:
        conn.executemany("INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) VALUES (?,?,?,?,?)",
                         rows)
    return rows


@pytest.fixture
def big_store(project, kit):
    segments = kit.make_segments(160, seed=5)
    st = project.open_store()
    kit.write_segments(st, segments)
    rules = kit.rule_suggestions(segments)
    kit.write_codings(st, rules)
    yield st, segments, rules
    st.close()


def review(store, segments, rules, reviewer="amy"):
    ids = {s["segment_id"] for s in segments}
    return record_decisions(store, segments, [r for r in rules if r[0] in ids], reviewer=reviewer)


def set_coding(project, line: str) -> Project:
    settings = project.root / "fgkit.toml"
    settings.write_text(settings.read_text().replace("[coding]\n", f"[coding]\n{line}\n"))
    return Project.load(project.root)


def test_tables_hold_every_segment_and_what_people_and_rules_said(project, big_store):
    store, segments, rules = big_store
    review(store, segments[:3], rules)
    table, labels, used = decision_table(store, ["workload", "emotional_labour"])
    assert len(table) == len(segments) and used > 0
    reviewed = labels.notna().all(axis=1)
    assert set(table["segment_id"][reviewed]) == {s["segment_id"] for s in segments[:3]}
    assert labels[~reviewed].isna().all().all()
    by_id = {s["segment_id"]: s for s in segments}
    for segment_id, workload in zip(table["segment_id"][reviewed], labels["workload"][reviewed]):
        assert workload == float("workload" in by_id[segment_id]["codes"])
    hits = rule_table(store, [s["segment_id"] for s in segments[:3]], ["workload", "not_a_code"])
    expected = {(s, c): conf for s, c, _coder, conf, *_ in rules}
    assert hits["workload"].tolist() == [expected.get((s["segment_id"], "workload"), 0.0) for s in segments[:3]]
    assert hits["not_a_code"].tolist() == [0.0, 0.0, 0.0]


def test_suggests_what_the_rules_missed_and_never_overrides_people(project, big_store):
    store, segments, rules = big_store
    decisions = review(store, segments[:70], rules)
    before = effective_codings(store, include_rejected=True)
    report = train_and_suggest(project, store, run_id="run1")
    assert report.n_reviewed_segments == 70 and report.n_decisions == len(decisions)
    assert report.n_segments_scored == 90
    assert set(report.trained) == {"workload", "allocation_fairness", "emotional_labour",
                                   "professional_judgement", "ai_technology"}
    assert report.threshold <= 1 and report.kappa_combined > report.kappa_rules
    rows = store.query("SELECT * FROM codings WHERE coder=?", (CODER,))
    reviewed_ids = {s["segment_id"] for s in segments[:70]}
    fired = {(s, c) for s, c, *_ in rules}
    assert rows and not [r for r in rows if r["segment_id"] in reviewed_ids]
    assert not [r for r in rows if (r["segment_id"], r["code"]) in fired], "rule hits are not suggested twice"
    assert all(r["pattern"] == f"{CODER} (trained on 70 decisions, with rules:v1 hits as weak labels)"
               and r["run_id"] == "run1" for r in rows)
    assert all(report.threshold <= r["confidence"] <= 1 for r in rows)
    after = effective_codings(store, include_rejected=True)
    decided = before[before["status"] != "suggested"].set_index(["segment_id", "code"])["status"]
    still = after.set_index(["segment_id", "code"]).loc[decided.index, "status"]
    assert (still == decided).all()
    # The additions are mostly codes the reviewer would have added, and find most of what the rules missed.
    truth = {(s["segment_id"], c) for s in segments[70:] for c in s["codes"]}
    added = {(r["segment_id"], r["code"]) for r in rows}
    missed = truth - fired
    assert len(truth & added) / len(added) > 0.8
    assert len(missed & added) / len(missed) > 0.5


def test_retraining_replaces_stale_suggestions_but_keeps_reviewed(project, big_store):
    store, segments, rules = big_store
    review(store, segments[:60], rules)
    train_and_suggest(project, store)
    first = {(r["segment_id"], r["code"]) for r in store.query("SELECT * FROM codings WHERE coder=?", (CODER,))}
    newly = segments[60:90]
    review(store, newly, rules, reviewer="ben")
    train_and_suggest(project, store)
    second = {(r["segment_id"], r["code"]) for r in store.query("SELECT * FROM codings WHERE coder=?", (CODER,))}
    newly_ids = {s["segment_id"] for s in newly}
    # What the reviewer saw on newly reviewed segments stays; nothing new is suggested there.
    assert {p for p in second if p[0] in newly_ids} == {p for p in first if p[0] in newly_ids}
    assert {p for p in second if p[0] not in newly_ids} and first != second


def test_too_few_reviewed_segments_abstains_and_writes_nothing(project, big_store):
    store, segments, rules = big_store
    review(store, segments[:8], rules)
    report = train_and_suggest(project, store)
    assert report.trained == {} and report.n_suggestions == 0
    assert set(report.abstained.values()) == {"needs 20 reviewed segments, has 8"}
    assert store.query("SELECT COUNT(*) AS n FROM codings WHERE coder=?", (CODER,))[0]["n"] == 0


def test_no_decisions_at_all(project, big_store):
    store, _segments, _rules = big_store
    report = train_and_suggest(project, store)
    assert report.n_decisions == 0 and report.trained == {}
    assert set(report.abstained.values()) == {"no review decisions yet"}


def test_embedder_setting_chooses_features(project, big_store):
    store, segments, rules = big_store
    review(store, segments[:60], rules)
    plain = train_and_suggest(project, store)
    assert plain.params["embedder"] == "none" and plain.trained
    settings = project.root / "fgkit.toml"
    settings.write_text(settings.read_text().replace('classifier_embedder = "none"', 'classifier_embedder = "word2vec"'))
    with pytest.raises(SettingsError, match="classifier_embedder"):
        train_and_suggest(Project.load(project.root), store)
    # The default: MiniLM sentence vectors, cached in the store per text (segments and the
    # codebook's descriptions).
    settings.write_text(settings.read_text().replace('classifier_embedder = "word2vec"\n', ""))
    report = train_and_suggest(Project.load(project.root), store)
    assert report.params["embedder"] == "minilm" and report.trained
    cached = store.query("SELECT COUNT(*) AS n FROM cache WHERE namespace LIKE 'embed:minilm:%'")[0]["n"]
    assert cached == len(segments) + 5  # each test code is described by its label


def test_a_fixed_threshold_from_settings(project, big_store):
    store, segments, rules = big_store
    review(store, segments[:70], rules)
    report = train_and_suggest(set_coding(project, "classifier_add_threshold = 0.9"), store)
    assert report.threshold == 0.9 and report.params["threshold"] == 0.9
    confidences = [r["confidence"] for r in store.query("SELECT confidence FROM codings WHERE coder=?", (CODER,))]
    assert confidences and min(confidences) >= 0.9
    for bad in ("1.5", '"sometimes"', "true"):
        (project.root / "fgkit.toml").write_text(
            (project.root / "fgkit.toml").read_text().replace("classifier_add_threshold = 0.9",
                                                             f"classifier_add_threshold = {bad}"))
        with pytest.raises(SettingsError, match="classifier_add_threshold"):
            train_and_suggest(Project.load(project.root), store)
        (project.root / "fgkit.toml").write_text(
            (project.root / "fgkit.toml").read_text().replace(f"classifier_add_threshold = {bad}",
                                                             "classifier_add_threshold = 0.9"))


def test_descriptions_gather_sub_codes(kit):
    from fgkit.codebook import load_codebook

    described = code_descriptions(load_codebook())
    assert "Workload pressure" in described["pressure"]
    assert all(text in described["pressure"] for text in described["pressure_caseload"])
    assert len(described["pressure"]) > len(described["pressure_caseload"])


def test_suggestions_carry_evidence(project, big_store):
    store, segments, rules = big_store
    review(store, segments[:70], rules)
    train_and_suggest(project, store)
    rows = store.query(
        """SELECT c.evidence, c.evidence_start, c.evidence_end, s.text FROM codings c
           JOIN segments s USING (segment_id) WHERE c.coder=?""", (CODER,))
    with_evidence = [r for r in rows if r["evidence"]]
    assert rows and len(with_evidence) > 0.8 * len(rows)
    assert all(r["text"][r["evidence_start"]:r["evidence_end"]] == r["evidence"] for r in with_evidence)
