"""Fixtures for the export tests: the small coded study of support.export_study."""

from __future__ import annotations

import pytest
from support.export_study import build_study


@pytest.fixture
def study(tmp_path):
    project, store, seg_ids = build_study(tmp_path / "study")
    yield project, store, seg_ids
    store.close()


@pytest.fixture
def make_study(tmp_path):
    """Build further copies of the study: make_study("name") -> (project, store, seg_ids)."""
    stores = []

    def make(name: str):
        built = build_study(tmp_path / name)
        stores.append(built[1])
        return built

    yield make
    for store in stores:
        store.close()
