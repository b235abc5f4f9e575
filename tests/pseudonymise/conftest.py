"""Fixtures for the pseudonymisation tests: small projects with registers and stored turns."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers_pseudo import make_project

STUDY_REGISTER = [
    dict(transcript="fg1.txt", speaker_label="FACILITATOR", participant_id="F01", role="facilitator",
         group="FG1", consent="given", full_name="Helen Marsh"),
    dict(transcript="fg1.txt", speaker_label="Priya Shah", participant_id="P01", role="practitioner",
         group="FG1", consent="given", full_name="Priya Shah", name_variants="Pri"),
    dict(transcript="fg1.txt", speaker_label="P2", participant_id="P02", role="practitioner",
         group="FG1", consent="given", full_name="William Okonkwo", name_variants="Will;Billy"),
    dict(transcript="fg1.txt", speaker_label="P3", participant_id="P03", role="manager",
         group="FG1", consent="withdrawn", full_name="Tomasz Nowak", name_variants="Tomek"),
    dict(transcript="fg2.txt", speaker_label="FACILITATOR", participant_id="F01", role="facilitator",
         group="FG2", consent="given", full_name="Helen Marsh"),
    dict(transcript="fg2.txt", speaker_label="Priya", participant_id="P01", role="practitioner",
         group="FG2", consent="given", full_name="Priya Shah", name_variants="Pri"),
    dict(transcript="fg2.txt", speaker_label="M1", participant_id="M01", role="manager",
         group="FG2", consent="given", full_name="Gráinne Murphy", name_variants="Gra"),
]

STUDY_TURNS = {
    "fg1.txt": [
        ("FACILITATOR", "Welcome. Will you each introduce yourselves?"),
        ("Priya Shah", "I'm Priya, I work at the Beeston office. Will's caseload is mad, and Tomek's too."),
        ("P2", "Will said that, yes. I will say it again: call me on 07700 900123."),
        ("P3", "Tomek here. I shared a lot about Mrs Okafor in Clifton."),
        ("Priya Shah", "Grace Adeyemi from Carers Federation rang about Mrs Okafor. Priya’s view: Amber."),
    ],
    "fg2.txt": [
        ("FACILITATOR", "Hello again, everyone."),
        ("Priya", "The Beeston office is still short. Okafor's daughter emailed grace.a@example.co.uk."),
        ("M1", "As Gráinne I'd say Priya carries too much. Hope is what keeps us going. Zebedee agrees."),
    ],
}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A two-transcript study pseudonymised once per test module: (project, result)."""
    from fgkit.pseudonymise import pseudonymise_project

    root = tmp_path_factory.mktemp("pseudo") / "study"
    project, store = make_project(root, STUDY_REGISTER, STUDY_TURNS, settings='deny_list = ["Zebedee"]')
    result = pseudonymise_project(project, store)
    store.close()
    return project, result
