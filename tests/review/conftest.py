"""Fixtures for the review tests: a small project, synthetic segments and rule suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.review_kit import CODEBOOK, make_segments, rule_suggestions, write_codings, write_segments

from fgkit.project import Project, init_project


@pytest.fixture
def project(tmp_path: Path):
    proj = init_project(tmp_path / "study", name="review-test")
    (proj.root / "codebooks" / "adult-social-care.yaml").write_text(CODEBOOK, encoding="utf-8")
    # TF-IDF alone keeps training fast; one test switches the sentence embedder back on.
    settings = proj.root / "fgkit.toml"
    settings.write_text(settings.read_text().replace("[coding]", '[coding]\nclassifier_embedder = "none"'))
    return Project.load(proj.root)


@pytest.fixture
def segments() -> list[dict]:
    return make_segments(30)


@pytest.fixture
def store(project, segments):
    st = project.open_store()
    write_segments(st, segments)
    write_codings(st, rule_suggestions(segments))
    yield st
    st.close()


@pytest.fixture(scope="session")
def kit():
    """The helpers of support.review_kit, as a fixture (modules may also import them)."""
    import support.review_kit

    return support.review_kit
