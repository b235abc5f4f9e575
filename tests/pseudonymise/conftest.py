"""Fixtures for the pseudonymisation tests: small projects with registers and stored turns."""

from __future__ import annotations

import pytest
from support.pseudo import STUDY_REGISTER, STUDY_TURNS, make_project


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A two-transcript study pseudonymised once per test module: (project, result)."""
    from fgkit.pseudonymise import pseudonymise_project

    root = tmp_path_factory.mktemp("pseudo") / "study"
    project, store = make_project(root, STUDY_REGISTER, STUDY_TURNS, settings='deny_list = ["Zebedee"]')
    result = pseudonymise_project(project, store)
    store.close()
    return project, result
