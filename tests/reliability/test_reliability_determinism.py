"""Determinism: the same inputs and settings give the same outputs, and a re-run reuses everything."""

from __future__ import annotations

import pytest
from support import reliability_outputs as outputs

pytestmark = pytest.mark.slow


def test_two_fresh_copies_give_identical_outputs(reference_run, twin, rel):
    rel.assert_run_ok(reference_run)
    reference = outputs.comparable(reference_run.project / "reports")
    assert reference, "the reference run wrote nothing to compare"
    assert reference == twin.first, outputs.describe_differences(reference, twin.first)


def test_the_comparison_masks_timestamps_only():
    # Guard against a normaliser so loose that it hides real differences.
    text = "Run at 2026-11-26T19:30:01+00:00; Practitioner 03 said caseloads rose."
    assert outputs.normalise_text(text) == outputs.normalise_text(text.replace("19:30:01", "08:02:59"))
    assert outputs.normalise_text(text) != outputs.normalise_text(text.replace("03", "04"))


def test_a_second_run_with_nothing_changed_reuses_every_stage(twin):
    ran = {o.name for o in twin.rerun_outcomes if not o.skipped}
    # Ingest always reads the transcripts to notice changes; every stage after it is reused.
    assert ran <= {"ingest"}, f"stages redone with nothing changed: {sorted(ran - {'ingest'})}"
    assert {o.name for o in twin.rerun_outcomes} >= {
        "pseudonymise", "code", "classifier", "analyse", "report", "export"
    }


def test_a_second_run_leaves_every_output_byte_identical(twin):
    assert twin.rerun_digests == twin.first_digests

