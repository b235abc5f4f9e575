from __future__ import annotations

import math

import pytest

from fgkit.coding.agreement import agreement, landis_koch, latest_agreement
from fgkit.errors import InputError

# Ten segments; coder A is the rule coder, B the reviewer "amy", C an NVivo import.
A_WORKLOAD = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
B_WORKLOAD = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]
C_WORKLOAD = [1, 1, 0, 1, 1, 0, 0, 0, 0, 1]


@pytest.fixture
def coded(project, kit):
    segments = kit.make_segments(10, seed=2)
    store = project.open_store()
    kit.write_segments(store, segments)
    ids = [s["segment_id"] for s in segments]
    kit.write_codings(store, [(ids[i], "workload", "rules:v1", 0.8, None, None)
                              for i, v in enumerate(A_WORKLOAD) if v])
    kit.write_codings(store, [(ids[i], "workload", "refi:nvivo", 1.0, None, None)
                              for i, v in enumerate(C_WORKLOAD) if v])
    rows = []
    for i, v in enumerate(B_WORKLOAD):
        if v:
            rows.append((ids[i], "workload", "accept" if A_WORKLOAD[i] else "add"))
        elif A_WORKLOAD[i]:
            rows.append((ids[i], "workload", "reject"))
        else:
            # Reviewed, and judged to need none of the codes: a reject on another code.
            rows.append((ids[i], "ai_technology", "reject"))
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) VALUES (?,?,?,'amy','t')",
            rows,
        )
    yield store, ids
    store.close()


def cohen(a, b):
    """Cohen's kappa from its definition, for the hand check."""
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return (po - pe) / (1 - pe)


def test_two_coders_match_hand_computation(coded):
    store, ids = coded
    result = agreement(store, ["rules:v1", "amy"], codes=["workload", "ai_technology"])
    row = result.per_code.set_index("code").loc["workload"]
    # po = 0.8, pe = 0.4*0.4 + 0.6*0.6 = 0.52, kappa = 0.28 / 0.48
    assert row["kappa"] == pytest.approx(0.28 / 0.48)
    # Coincidences: o00 = 10, o11 = 6, o01 = o10 = 2; n0 = 12, n1 = 8, n = 20.
    # alpha = 1 - (4/20) / (2*12*8 / (20*19))
    assert row["alpha"] == pytest.approx(1 - 0.2 / (192 / 380))
    assert row["percent_agreement"] == pytest.approx(0.8)
    assert row["n"] == 10 and row["label"] == "moderate"
    never = result.per_code.set_index("code").loc["ai_technology"]
    assert math.isnan(never["kappa"]) and math.isnan(never["alpha"])
    assert never["percent_agreement"] == 1.0 and "never applied" in never["note"]
    # Pooled over both codes: po = 0.9, pe = 0.2*0.2 + 0.8*0.8 = 0.68.
    assert result.overall["kappa"] == pytest.approx(0.22 / 0.32)
    assert result.overall["n"] == 20 and result.overall["mean_kappa"] == pytest.approx(0.28 / 0.48)
    dis = result.disagreements
    assert list(dis.columns) == ["segment_id", "transcript", "turn_index", "code", "rules:v1", "amy", "text"]
    assert dis["segment_id"].tolist() == [ids[3], ids[4]]
    assert dis[["rules:v1", "amy"]].values.tolist() == [[1, 0], [0, 1]]


def test_three_coders_light_kappa_and_alpha(coded):
    import krippendorff
    import numpy as np

    store, _ids = coded
    result = agreement(store, ["rules:v1", "amy", "refi:nvivo"], codes=["workload"])
    row = result.per_code.iloc[0]
    pairs = [cohen(A_WORKLOAD, B_WORKLOAD), cohen(A_WORKLOAD, C_WORKLOAD), cohen(B_WORKLOAD, C_WORKLOAD)]
    assert row["kappa"] == pytest.approx(sum(pairs) / 3)
    expected_alpha = krippendorff.alpha(reliability_data=np.array([A_WORKLOAD, B_WORKLOAD, C_WORKLOAD]),
                                        level_of_measurement="nominal")
    assert row["alpha"] == pytest.approx(expected_alpha)
    all_same = sum(a == b == c for a, b, c in zip(A_WORKLOAD, B_WORKLOAD, C_WORKLOAD))
    assert row["percent_agreement"] == pytest.approx(all_same / 10)
    assert len(result.disagreements) == 10 - all_same


def test_default_codes_are_those_any_coder_used(coded):
    store, _ids = coded
    result = agreement(store, ["rules:v1", "refi:nvivo"])
    assert result.per_code["code"].tolist() == ["workload"]
    row = result.per_code.iloc[0]
    assert row["kappa"] == pytest.approx(cohen(A_WORKLOAD, C_WORKLOAD))


def test_code_applied_everywhere_is_undefined_not_a_crash(project, kit):
    segments = kit.make_segments(6, seed=4)
    with project.open_store() as store:
        kit.write_segments(store, segments)
        for coder in ("rules:v1", "refi:atlas"):
            kit.write_codings(store, [(s["segment_id"], "workload", coder, 1.0, None, None) for s in segments])
        result = agreement(store, ["rules:v1", "refi:atlas"])
    row = result.per_code.iloc[0]
    assert math.isnan(row["kappa"]) and "every segment" in row["note"] and row["label"] == "undefined"
    assert row["percent_agreement"] == 1.0 and result.disagreements.empty


def test_one_constant_coder_gives_zero_kappa(project, kit):
    segments = kit.make_segments(6, seed=4)
    with project.open_store() as store:
        kit.write_segments(store, segments)
        kit.write_codings(store, [(s["segment_id"], "workload", "rules:v1", 1.0, None, None) for s in segments])
        kit.write_codings(store, [(segments[0]["segment_id"], "workload", "refi:atlas", 1.0, None, None)])
        row = agreement(store, ["rules:v1", "refi:atlas"]).per_code.iloc[0]
    assert row["kappa"] == pytest.approx(0.0) and row["percent_agreement"] == pytest.approx(1 / 6)


def test_reviewers_machine_and_effective_coders(coded):
    store, _ids = coded
    machine = agreement(store, ["machine", "reviewers"], codes=["workload"]).per_code.iloc[0]
    # Imported codings are another coder's work, not machine suggestions.
    assert machine["kappa"] == pytest.approx(cohen(A_WORKLOAD, B_WORKLOAD))
    effective = agreement(store, ["effective", "amy"], codes=["workload"]).per_code.iloc[0]
    assert effective["kappa"] == pytest.approx(1.0)


def test_unknown_coders_and_bad_requests(coded):
    store, _ids = coded
    with pytest.raises(InputError, match="no decisions by reviewer 'zoe'"):
        agreement(store, ["rules:v1", "zoe"])
    with pytest.raises(InputError, match="no codings by coder 'classifier:v1'"):
        agreement(store, ["rules:v1", "classifier:v1"])
    with pytest.raises(InputError, match="at least two different coders"):
        agreement(store, ["amy", "amy"])


def test_latest_agreement_for_the_report(project, kit, coded):
    store, _ids = coded
    table = latest_agreement(store)
    assert table["code"].tolist()[-1] == "(all codes)"
    workload = table.set_index("code").loc["workload"]
    assert workload["kappa"] == pytest.approx(cohen(A_WORKLOAD, B_WORKLOAD))
    with store.transaction() as conn:
        conn.execute("DELETE FROM reviews")
    assert latest_agreement(store) is None


@pytest.mark.parametrize("kappa, label", [(-0.1, "poor"), (0.1, "slight"), (0.3, "fair"), (0.5, "moderate"),
                                          (0.7, "substantial"), (0.9, "almost perfect"), (float("nan"), "undefined")])
def test_landis_koch(kappa, label):
    assert landis_koch(kappa) == label


def test_suggestion_left_undecided_is_no_judgement(coded):
    store, ids = coded
    with store.transaction() as conn:
        conn.execute("INSERT INTO codings(segment_id, code, coder) VALUES (?, 'emotional_labour', 'rules:v1')",
                     (ids[0],))
    row = agreement(store, ["rules:v1", "amy"], codes=["emotional_labour"]).per_code.iloc[0]
    assert row["n"] == 9 and row["positives"] == 0 and math.isnan(row["kappa"])
    # Another code on the same segment is still judged there.
    workload = agreement(store, ["rules:v1", "amy"], codes=["workload"]).per_code.iloc[0]
    assert workload["n"] == 10
    # Once decided, the pair counts again, as a disagreement.
    with store.transaction() as conn:
        conn.execute("INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) "
                     "VALUES (?, 'emotional_labour', 'reject', 'amy', 't')", (ids[0],))
    result = agreement(store, ["rules:v1", "amy"], codes=["emotional_labour"])
    assert result.per_code.iloc[0]["n"] == 10
    assert result.disagreements[["segment_id", "rules:v1", "amy"]].values.tolist() == [[ids[0], 1, 0]]
