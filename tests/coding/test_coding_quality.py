"""Quality floors of the default codebook on the labelled sets, so regressions show."""

from __future__ import annotations

import csv

import pytest

from fgkit.codebook import load_codebook

@pytest.fixture(scope="module")
def bench():
    import bench_coding  # benchmarks/ is on pytest's pythonpath

    return bench_coding


@pytest.mark.parametrize("name", ["GOLD", "HOLDOUT"])
def test_labelled_sets_follow_the_documented_format(bench, name):
    path = getattr(bench, name)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["id", "role", "text", "codes", "note"]
        rows = list(reader)
    top = {c.id for c in load_codebook().children(None)}
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["role"] in {"practitioner", "manager"}, row["id"]
        assert row["text"].strip(), row["id"]
        assert {c for c in row["codes"].split(";") if c} <= top, row["id"]
    if name == "GOLD":
        assert len(rows) >= 150
        assert sum(1 for r in rows if not r["codes"]) >= 15  # segments with no code at all


def test_gold_set_agreement_floor(bench, nlp):
    results = bench.score(load_codebook(), nlp, bench.load_gold(bench.GOLD))
    assert results["mean"]["kappa"] >= 0.5
    for code, r in results.items():
        if code != "mean":
            assert r["kappa"] >= 0.3, code


def test_held_out_agreement_floor(bench, nlp):
    results = bench.score(load_codebook(), nlp, bench.load_gold(bench.HOLDOUT))
    assert results["mean"]["kappa"] >= 0.45
