"""Codebook loading and validation: every problem located as file:line:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from fgkit.codebook import codebook_to_yaml, default_codebook_path, load_codebook, parse_codebook
from fgkit.errors import CodebookError

REPO = Path(__file__).resolve().parents[2]

VALID = """\
version: "2"
name: Test book
codes:
  - id: pressure
    label: Workload pressure
    colour: "#aa0000"
    definition: Volume of work.
    patterns:
      lemma: [caseload]
  - id: pressure_time
    label: Time
    parent: pressure
  - id: by_hand
    label: Applied by hand
"""


def problems_of(text: str) -> list:
    with pytest.raises(CodebookError) as info:
        parse_codebook(text, "book.yaml")
    return info.value.problems


def test_packaged_codebook_and_sample_copy_are_identical():
    packaged = default_codebook_path().read_bytes()
    assert packaged == (REPO / "codebooks" / "adult-social-care.yaml").read_bytes()
    assert packaged == (REPO / "src" / "fgkit" / "data" / "adult-social-care.yaml").read_bytes()


def test_default_codebook_has_the_six_themes_and_nested_subcodes():
    book = load_codebook()
    top = [c.id for c in book.children(None)]
    assert top == ["pressure", "fairness", "emotional_labour", "professional_judgement",
                   "ai_attitudes", "governance"]
    for code in book.codes:
        assert code.definition and code.colour, code.id
    assert book.top_level("pressure_time") == "pressure"
    assert book.depth("fairness_voice") == 1


def test_valid_codebook_loads_with_nesting_and_code_without_patterns():
    book = parse_codebook(VALID, "book.yaml")
    assert book.version == "2" and book.ids == ["pressure", "pressure_time", "by_hand"]
    assert book.get("pressure").colour == "#AA0000"
    assert book.get("pressure_time").parent == "pressure"
    assert book.get("by_hand").patterns.empty
    assert [c.id for c in book.children("pressure")] == ["pressure_time"]


def test_hash_ignores_comments_but_not_patterns():
    base = parse_codebook(VALID).sha256
    assert parse_codebook("# a comment\n" + VALID).sha256 == base
    assert parse_codebook(VALID.replace("[caseload]", "[backlog]")).sha256 != base


def test_every_problem_is_reported_once_with_its_position():
    text = """\
name: Broken
codes:
  - id: a
    label: A
    colour: red
  - id: a
    label: Duplicate
  - id: b
    parent: nowhere
    colr: "#123456"
  - id: c
    include: just one string
    patterns:
      tokens:
        - [{LEMMA: too}, {FOO: many}]
        - [{DEP: nsubj}]
      negation: maybe
"""
    found = [(p.line, p.column, p.message.split(";")[0]) for p in problems_of(text)]
    assert found == [
        (5, 13, "colour 'red' is not valid"),
        (6, 5, "duplicate code id 'a' (first at line 3)"),
        (9, 13, "code 'b' has unknown parent 'nowhere'"),
        (10, 5, "unknown key 'colr' in a code"),
        (12, 14, "include must be a list of texts (lines starting with '- ')"),
        (15, 11, "invalid token pattern: [pattern -> 1 -> FOO] Extra inputs are not permitted"),
        (16, 11, "invalid token pattern: attribute DEP needs a pipeline component the coder does not run"),
        (17, 17, "negation must be true or false"),
    ]
    message = str(CodebookError(problems_of(text)))
    assert message.splitlines()[0].startswith("book.yaml:5:13: ")


def test_unknown_key_suggests_the_close_one():
    (problem,) = problems_of(VALID.replace("    definition:", "    defintion:"))
    assert "did you mean 'definition'" in problem.message


def test_parent_cycle_is_one_problem():
    text = """\
name: Cycle
codes:
  - {id: a, parent: c}
  - {id: b, parent: a}
  - {id: c, parent: b}
"""
    (problem,) = problems_of(text)
    assert "cycle" in problem.message and problem.line == 3


def test_yaml_syntax_error_is_located():
    (problem,) = problems_of("name: x\ncodes:\n  - id: a\n   label: [unclosed\n")
    assert problem.line == 4 and problem.column is not None
    assert problem.message.startswith("YAML syntax error")


def test_yaml_boolean_words_in_patterns_are_caught():
    # YAML 1.1 reads a bare `no` as false: the pattern would silently never match.
    text = VALID.replace("      lemma: [caseload]", '      tokens:\n        - [{LOWER: {IN: [no, "n\'t"]}}]')
    (problem,) = problems_of(text)
    assert problem.line == 10 and "invalid token pattern" in problem.message


def test_wrong_top_level_shapes():
    assert "must be a mapping" in problems_of("- just\n- a list\n")[0].message
    messages = [p.message for p in problems_of("version: 1\ncodes: []\ntitle: x\n")]
    assert any("missing 'name'" in m for m in messages)
    assert any("non-empty list" in m for m in messages)
    assert any("unknown key 'title'" in m for m in messages)


def test_ids_must_be_simple_words():
    (problem,) = problems_of(VALID.replace("id: by_hand", "id: By Hand"))
    assert "not valid" in problem.message and problem.line == 13


def test_load_codebook_missing_file_and_bad_encoding(tmp_path):
    with pytest.raises(CodebookError, match="not found"):
        load_codebook(tmp_path / "none.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: caf\xe9\ncodes: []\n".encode("latin-1"))
    with pytest.raises(CodebookError, match="not UTF-8"):
        load_codebook(bad)


def test_serialised_codebook_loads_back_identically():
    book = load_codebook()
    again = parse_codebook(codebook_to_yaml(book))
    assert again.sha256 == book.sha256


def test_unsafe_yaml_tags_are_refused_not_executed():
    (problem,) = problems_of(VALID.replace("label: Time", "label: !!python/name:os.getcwd ''"))
    assert problem.line == 11 and "unsupported YAML tag" in problem.message
