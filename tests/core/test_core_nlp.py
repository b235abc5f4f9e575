"""The model pass: a second process only when it pays, and the same results either way."""

from __future__ import annotations

import fgkit.nlp as fgnlp


def test_small_batches_stay_in_one_process():
    assert fgnlp.processes_for(["a short turn"] * 100) == 1
    assert fgnlp.processes_for([]) == 1


def test_large_batches_use_two_processes_on_two_cores(monkeypatch):
    monkeypatch.setattr(fgnlp.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    many = ["word " * 100] * (fgnlp.PARALLEL_MIN_WORDS // 100 + 1)
    assert fgnlp.processes_for(many) == 2
    monkeypatch.setattr(fgnlp.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert fgnlp.processes_for(many) == 1


def test_two_processes_give_the_same_entities_in_the_same_order(nlp, monkeypatch):
    texts = [
        f"Turn {i}: Mrs Okafor from Clifton rang the Beeston office about her care plan."
        if i % 3 == 0 else f"Turn {i}: the caseload in Bulwell keeps growing every week."
        for i in range(60)
    ]
    single = [[(e.text, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]
    monkeypatch.setattr(fgnlp, "PARALLEL_MIN_WORDS", 10)
    monkeypatch.setattr(fgnlp.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert fgnlp.processes_for(texts) == 2
    parallel = [[(e.text, e.label_) for e in doc.ents] for doc in fgnlp.pipe(nlp, texts)]
    assert parallel == single


def test_progress_is_reported_only_inside_the_block():
    import spacy

    blank = spacy.blank("en")
    texts = [f"turn number {i}" for i in range(150)]
    seen = []
    assert [d.text for d in fgnlp.pipe(blank, texts)] == texts
    with fgnlp.reporting_progress(lambda done, total: seen.append((done, total))):
        docs = [d.text for d in fgnlp.pipe(blank, texts)]
    assert docs == texts
    assert seen[0] == (0, 150) and seen[-1] == (150, 150)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen) and len(seen) >= 3
    seen.clear()
    list(fgnlp.pipe(blank, texts))
    assert seen == []
