"""Candidate topics: honest refusals on small corpora, deterministic fits, caching, stability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fgkit.analysis import analyse_project
from fgkit.analysis.frames import load_frames
from fgkit.analysis.results import TOPIC_COLUMNS, TOPIC_EXAMPLE_COLUMNS, TOPIC_ROLE_COLUMNS
from fgkit.analysis.topics import (
    CACHE_NAMESPACE, _stability, candidate_topics, fit_seeds, topic_label, topic_settings,
)
from fgkit.errors import SettingsError
from fgkit.project import init_project


def make_project(root, study_writer, turns, **topics):
    project = init_project(root)
    project.settings["topics"].update(topics)
    store = project.open_store()
    study_writer(store, turns)
    return project, store


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, study_writer, turn_generator):
    """The same 150 segments fitted in two separate projects (tfidf embedder, three seeds)."""
    results = []
    for name in ("a", "b"):
        project, store = make_project(tmp_path_factory.mktemp(name) / "p", study_writer,
                                      turn_generator(150), embedder="tfidf", seeds=[42, 43, 44])
        results.append((project, store, candidate_topics(project, store, load_frames(store), k=3)))
    yield results
    for _, store, _ in results:
        store.close()


def test_too_few_segments_returns_a_message_not_noise(study):
    project, store = study
    result = candidate_topics(project, store, load_frames(store), k=3)
    assert result.status == "too_few_segments"
    assert result.message == "Only 16 segments: too few for stable candidate topics (need 60)."
    assert result.topics.empty and list(result.topics.columns) == TOPIC_COLUMNS
    assert result.parameters["n_docs"] == 16


def test_disabled_topics_say_so(study):
    project, store = study
    project.settings["topics"]["enabled"] = False
    assert analyse_project(project, store).topics.status == "disabled"


def test_a_small_fit_finds_the_generated_themes(fitted):
    _, _, result = fitted[0]
    assert result.status == "ok", result.message
    table = result.topics
    assert list(table.columns) == TOPIC_COLUMNS and len(table) >= 3
    assert table["label"].str.startswith("Candidate topic").all()
    assert table["size"].sum() + result.parameters["outliers"] == 150
    terms = " ".join(table["top_terms"])
    for word in ("caseload", "software", "car"):
        assert word in terms
    assert not table["top_terms"].str.contains(r"\bperson\b|\[", regex=True).any()
    assert table["representative_segment_ids"].str.count(";").le(2).all()
    assert table["stability"].between(0, 1).all()
    assert (table["stable"] == (table["stability"] >= 0.5)).all()
    assert 0 <= result.parameters["stability_ari"] <= 1
    assert f"held together across 5 fits" in result.message


def test_every_topic_has_a_label_without_repeats_and_whole_sentence_examples(fitted):
    project, store, result = fitted[0]
    for label in result.topics["label"]:
        words = label.split(": ", 1)[1].replace(",", " ").split()
        assert len(words) == len(set(words)), label
    for terms in result.topics["top_terms"]:
        assert all(len(set(t.split())) == len(t.split()) for t in terms.split(", ")), terms
    examples = result.examples
    assert list(examples.columns) == TOPIC_EXAMPLE_COLUMNS
    per_topic = examples.groupby("topic").size()
    assert set(per_topic.index) == set(result.topics["topic"])
    assert per_topic.between(2, 3).all()
    # whole sentences, one participant per topic, attributed by the study's disclosure rules
    assert examples["text"].str.match(r"^[A-Z]").all() and examples["text"].str.contains(r"[.!?]$").all()
    frames = load_frames(store)
    disclosure = frames.disclosure(3)
    seg = frames.segments.set_index("segment_id")
    for row in examples.itertuples():
        who = seg.loc[row.segment_id]
        assert row.text in " ".join(who["text"].split())
        assert row.attribution == disclosure.label_for(who["participant_id"], who["role"], who["group"])
        assert row.reference.endswith(f"turn {int(who['turn_index']) + 1}")
    # FG1 holds one advanced practitioner: nobody there is named by role
    assert not examples["attribution"].str.contains("Practitioner, FG1").any()
    assert examples.groupby("topic")["segment_id"].apply(
        lambda ids: seg.loc[list(ids), "participant_id"].is_unique).all()


def test_parameters_record_every_choice(fitted):
    params = fitted[0][2].parameters
    assert params["reducer"] == "umap" and params["reducer_setting"] == "auto"
    # at least five fits: the three seeds given, then the next whole numbers
    assert params["seeds"] == [42, 43, 44, 45, 46] and params["seeds_setting"] == [42, 43, 44]
    assert params["n_neighbors"] < params["n_docs"] == 150
    assert params["min_cluster_size"] == 5
    assert params["embedder"] == "tfidf" and "scikit_learn" in params


def test_per_role_frequencies_add_up_to_topic_sizes(fitted):
    project, store, result = fitted[0]
    per_role = result.per_role
    assert list(per_role.columns) == TOPIC_ROLE_COLUMNS
    # advanced practitioners (two people) are never broken out
    assert set(per_role["role"]) <= {"manager", "practitioner"}
    sizes = result.topics.set_index("topic")["size"]
    assert (per_role.groupby("topic")["frequency"].sum() <= sizes.loc[per_role["topic"].unique()]).all()


def test_same_segments_and_seeds_give_identical_tables(fitted):
    (_, _, first), (_, _, second) = fitted
    pd.testing.assert_frame_equal(first.topics, second.topics)
    pd.testing.assert_frame_equal(first.per_role, second.per_role)
    assert first.parameters == second.parameters


def test_a_rerun_on_unchanged_text_comes_from_the_cache(fitted, monkeypatch):
    project, store, first = fitted[0]
    import fgkit.analysis.topics as topics_module

    def no_fit(*args, **kwargs):
        raise AssertionError("refitted although nothing changed")

    monkeypatch.setattr(topics_module, "_fit", no_fit)
    again = candidate_topics(project, store, load_frames(store), k=3)
    pd.testing.assert_frame_equal(again.topics, first.topics)
    assert store.query("SELECT COUNT(*) AS n FROM cache WHERE namespace=?", (CACHE_NAMESPACE,))[0]["n"] == 1


@pytest.mark.parametrize(
    "setting, value, message",
    [("seeds", [], "seeds"), ("seeds", ["42"], "seeds"), ("reducer", "tsne", "reducer"),
     ("min_segments", 3, "min_segments"), ("embedder", "openai", "embedder"),
     ("guided", True, "guided")],
)
def test_bad_topic_settings_are_named(tmp_path, setting, value, message):
    project = init_project(tmp_path / "p")
    with pytest.raises(SettingsError, match=message):
        project.settings["topics"].update({"embedder": "tfidf", setting: value})
        topic_settings(project, 200)


def test_large_corpora_switch_to_umap_and_scale_clusters(tmp_path):
    project = init_project(tmp_path / "p")
    params = topic_settings(project, 4000)
    assert params["reducer"] == "umap" and params["min_cluster_size"] == 40
    assert params["embedder"] == "minilm" and params["model"] == "all-MiniLM-L6-v2"


def test_minilm_embeddings_are_cached_by_content(tmp_path, study_writer, turn_generator):
    from fgkit.analysis.embed import embed_texts

    project, store = make_project(tmp_path / "p", study_writer, turn_generator(80), seeds=[42])
    texts = load_frames(store).segments["text"].tolist()
    first = embed_texts(store, texts, "minilm", 42)
    assert first.shape == (80, 384)
    cached = store.query("SELECT COUNT(*) AS n FROM cache WHERE namespace LIKE 'embed:minilm:%'")[0]["n"]
    assert cached == len(set(texts))
    again = embed_texts(store, list(reversed(texts)), "minilm", 42)
    assert np.allclose(again, first[::-1])
    result = candidate_topics(project, store, load_frames(store), k=3)
    assert result.status in ("ok", "no_stable_topics")
    assert result.parameters["embedder"] == "minilm"
    store.close()


def test_guided_topics_take_seed_phrases_from_the_codebook(tmp_path, study_writer, turn_generator):
    from fgkit.analysis.seeding import guided_seed_topics

    project, store = make_project(tmp_path / "p", study_writer, turn_generator(90),
                                  seeds=[42], guided=True)
    seeds = guided_seed_topics(project)
    assert len(seeds) == 6  # six top-level codes in the default codebook
    codebook = project.codebook_path.read_text(encoding="utf-8").lower()
    assert all(0 < len(s) <= 12 for s in seeds)
    assert all(phrase in codebook for s in seeds for phrase in s)
    result = candidate_topics(project, store, load_frames(store), k=3)
    assert result.parameters["guided"] is True
    assert result.parameters["guided_seed_topics"] == 6
    store.close()


def test_guided_topics_need_phrases(tmp_path):
    from fgkit.analysis.seeding import guided_seed_topics
    from fgkit.errors import CodebookError

    project = init_project(tmp_path / "p")
    project.codebook_path.write_text(
        "version: '1'\nname: Bare\ncodes:\n  - id: pressure\n    label: Pressure\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="no phrase patterns"):
        guided_seed_topics(project)


def test_the_reducer_choice_follows_corpus_size_and_is_recorded(tmp_path):
    project = init_project(tmp_path / "p")
    assert topic_settings(project, 80)["reducer"] == "pca"
    assert topic_settings(project, 100)["reducer"] == "umap"
    project.settings["topics"]["reducer"] = "pca"
    params = topic_settings(project, 4000)
    assert (params["reducer"], params["reducer_setting"]) == ("pca", "pca")


def test_segments_of_only_fillers_give_no_topics_and_say_why(tmp_path, study_writer):
    fillers = ["Yeah.", "Mm, yeah, right.", "Okay, thank you.", "Sorry, [Person 1], yeah.", "Yep, fine."]
    turns = [("P01", fillers[i % 5], {}) for i in range(70)]
    project, store = make_project(tmp_path / "p", study_writer, turns, embedder="tfidf",
                                  reducer="pca")
    result = candidate_topics(project, store, load_frames(store), k=3)
    store.close()
    assert result.status == "too_few_segments"
    assert result.message.startswith("Only 0 of 70 segments have 4 or more words besides fillers")
    assert result.topics.empty and result.parameters["short_segments_left_out"] == 70


def test_segments_with_too_few_distinct_words_give_no_topics_and_say_why(tmp_path, study_writer):
    turns = [("P01", "Caseload, caseload, tray, tray, caseload and the tray again.", {})] * 70
    project, store = make_project(tmp_path / "p", study_writer, turns, embedder="tfidf",
                                  reducer="pca")
    result = candidate_topics(project, store, load_frames(store), k=3)
    store.close()
    assert result.status == "no_stable_topics"
    assert "too few distinct words" in result.message
    assert result.topics.empty

def test_labels_never_repeat_a_word():
    assert topic_label(10, ["home", "tired", "home home", "sunday", "emails"]) == \
        "Candidate topic 10: home, tired, sunday"
    assert topic_label(2, ["allocation meeting", "allocation", "meeting", "fair", "rota"]) == \
        "Candidate topic 2: allocation meeting, fair, rota"
    assert topic_label(4, []) == "Candidate topic 4"
    assert topic_label(2, ["cases", "case", "summary", "case file", "stress"]) == \
        "Candidate topic 2: cases, summary, stress"


def test_at_least_five_fits_whatever_the_seeds_setting():
    assert fit_seeds([42]) == [42, 43, 44, 45, 46]
    assert fit_seeds([7, 7, 9]) == [7, 9, 10, 11, 12]
    assert fit_seeds([1, 2, 3, 4, 5, 6]) == [1, 2, 3, 4, 5, 6]


def test_stability_matches_topics_one_to_one_across_refits():
    primary = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, -1])
    keep = np.arange(13)
    # refit 1: topics 0 and 1 come back (renumbered), topic 2 dissolves into outliers
    one = np.array([5, 5, 5, 5, 3, 3, 3, 3, -1, -1, -1, -1, -1])
    # refit 2: topic 0 intact, topic 1 merges with topic 2 into one cluster
    two = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, -1])
    ari, per_topic = _stability(primary, [(keep, one), (keep, two)])
    assert per_topic[0] == 1.0
    # the merged cluster can be matched to only one of topics 1 and 2 (each overlap 0.5)
    assert per_topic[1] + per_topic[2] == 0.5 + 0.25
    assert 0 < ari < 1
    assert _stability(primary, []) == (None, {})


def test_one_cluster_swallowing_the_study_is_not_reported_as_topics(tmp_path, study_writer):
    lines = [
        "The caseload keeps growing and the duty tray is never empty on a Monday.",
        "Every Monday the duty tray is full again and my caseload keeps growing.",
        "My caseload grows each week and the duty tray is full before Monday lunch.",
    ]
    turns = [("P01", lines[i % 3] + f" That was week {i}.", {}) for i in range(90)]
    project, store = make_project(tmp_path / "p", study_writer, turns, embedder="tfidf",
                                  seeds=[42])
    result = candidate_topics(project, store, load_frames(store), k=3)
    store.close()
    assert result.status == "no_stable_topics"
    assert result.topics.empty and result.examples.empty
    assert "cannot support topics" in result.message or "outliers" in result.message


def test_turns_too_short_to_carry_a_topic_are_left_out_and_counted(tmp_path, study_writer, turn_generator):
    turns = turn_generator(70) + [("P01", "Yeah, happy.", {}), ("P02", "Mm, fine, thanks.", {})] * 10
    project, store = make_project(tmp_path / "p", study_writer, turns, embedder="tfidf", seeds=[42])
    result = candidate_topics(project, store, load_frames(store), k=3)
    store.close()
    assert result.parameters["short_segments_left_out"] == 20
    if result.status == "ok":
        assert result.topics["size"].sum() + result.parameters["outliers"] == 70
        assert "20 turns too short to carry a topic left out" in result.message
