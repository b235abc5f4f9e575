"""Helpers shared by test modules and conftests, importable as ``support`` (pytest puts tests/
on the path: ``pythonpath`` in pyproject.toml). Fixtures stay in the conftest files."""
