"""pseudonymise_project end to end on a small two-transcript study."""

from __future__ import annotations

import csv
import json
import os
import re
import stat

import pytest
from support.pseudo import STUDY_REGISTER, STUDY_TURNS, make_project, store_turns

pytestmark = pytest.mark.slow

REAL_VALUES = ["Priya", "Shah", "Pri", "Tomek", "Okafor", "Beeston", "Clifton", "Grace Adeyemi",
               "Gráinne", "07700 900123", "grace.a@example.co.uk", "Carers Federation", "Zebedee"]


def pseudo_rows(project):
    store = project.open_store()
    try:
        return [dict(r) for r in store.query("SELECT * FROM pseudo_turns ORDER BY transcript, turn_index")]
    finally:
        store.close()


def test_no_real_value_survives_in_pseudo_turns_or_transcripts(study):
    project, result = study
    texts = [r["text"] for r in pseudo_rows(project)]
    texts += [p.read_text(encoding="utf-8") for p in result.output_files]
    for text in texts:
        for value in REAL_VALUES:
            assert value.lower() not in text.lower(), f"a {len(value)}-character value survived"


def test_withdrawn_turns_left_out_facilitator_kept(study):
    project, result = study
    rows = pseudo_rows(project)
    assert result.turns_withdrawn == 1
    assert result.turns_written == sum(len(t) for t in STUDY_TURNS.values()) - 1
    assert "P03" not in {r["participant_id"] for r in rows}
    facilitator = [r for r in rows if r["participant_id"] == "F01"]
    assert {r["role"] for r in facilitator} == {"facilitator"}
    assert {r["speaker"] for r in facilitator} == {"Facilitator 1"}
    # Others still name the withdrawn participant: replaced as an ordinary person, so their
    # pseudonym appears nowhere.
    assert re.search(r"and \[Person \d+\]'s too", rows[1]["text"])
    assert not any("Manager 02" in r["text"] or r["speaker"] == "Manager 02" for r in rows)


def test_speakers_consistent_across_transcripts_and_groups(study):
    project, _ = study
    rows = pseudo_rows(project)
    priya = {(r["transcript"], r["speaker"], r["group_name"]) for r in rows if r["participant_id"] == "P01"}
    assert {s for _, s, _ in priya} == {"Practitioner 01"}
    assert {g for _, _, g in priya} == {"FG1", "FG2"}
    # Numbers follow participant-id order per role on a first run: M01 before P03.
    assert {r["speaker"] for r in rows if r["participant_id"] == "M01"} == {"Manager 01"}


def test_possessives_and_same_value_same_placeholder(study):
    project, _ = study
    rows = pseudo_rows(project)
    fg1 = [r["text"] for r in rows if r["transcript"] == "fg1.txt"]
    fg2 = [r["text"] for r in rows if r["transcript"] == "fg2.txt"]
    assert "[Practitioner 02]'s caseload" in fg1[1]
    assert "[Practitioner 01]’s view" in fg1[3]  # curly apostrophe kept, name replaced
    beeston = fg1[1].split("at the ")[1].split(" office")[0]
    assert beeston.startswith("[Place ")
    assert f"The {beeston} office" in fg2[1]  # same place, same placeholder, other transcript
    okafor = fg1[3].split("about Mrs ")[1].split(".")[0]
    assert okafor.startswith("[Person ") and f"{okafor}'s daughter" in fg2[1]


def test_allow_list_and_ordinary_words(study):
    project, _ = study
    rows = pseudo_rows(project)
    texts = {(r["transcript"], r["turn_index"]): r["text"] for r in rows}
    assert texts[("fg1.txt", 0)] == "Welcome. Will you each introduce yourselves?"
    assert texts[("fg1.txt", 2)].startswith("[Practitioner 02] said that, yes. I will say it again")
    assert "Amber." in texts[("fg1.txt", 4)]
    assert "Hope is what keeps us going" in texts[("fg2.txt", 2)]


def test_deny_list_always_replaced(study):
    project, _ = study
    text = next(r["text"] for r in pseudo_rows(project) if r["participant_id"] == "M01")
    assert "Zebedee" not in text and text.endswith(" agrees.")


def test_log_offsets_point_at_placeholders(study):
    project, result = study
    rows = {(r["transcript"], r["turn_index"]): r["text"] for r in pseudo_rows(project)}
    originals = {(t, i): text for t, turns in STUDY_TURNS.items() for i, (_, text) in enumerate(turns)}
    with open(result.log_path, encoding="utf-8") as fh:
        log = list(csv.DictReader(fh))
    assert log and {"transcript", "turn_index", "type", "detector", "score"} <= set(log[0])
    for entry in log:
        where = (entry["transcript"], int(entry["turn_index"]))
        new = rows[where][int(entry["new_start"]) : int(entry["new_end"])]
        assert new == entry["placeholder"]
        assert originals[where][int(entry["start"]) : int(entry["end"])].strip()
    assert "value" not in log[0]


def test_key_and_log_private_and_owner_only(study):
    project, result = study
    for path in (result.key_path, result.log_path):
        assert path.parent == project.private_dir
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    review = project.private_dir / "pseudonymisation-review.csv"
    assert review.read_text(encoding="utf-8") == "value,type,decision,note\n"
    assert stat.S_IMODE(os.stat(review).st_mode) == 0o600
    key = json.loads(result.key_path.read_text(encoding="utf-8"))
    assert key["speakers"]["P01"]["pseudonym"] == "Practitioner 01"
    assert not list(project.shareable_dir.rglob("key*"))


def test_transcript_files_one_paragraph_per_turn(study):
    project, _ = study
    fg2 = project.shareable_dir / "transcripts" / "fg2.txt"
    paragraphs = fg2.read_text(encoding="utf-8").strip().split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0] == "Turn 1. Facilitator 1: Hello again, everyone."
    assert paragraphs[2].startswith("Turn 3. Manager 01: As [Manager 01] I'd say [Practitioner 01] carries")


def test_unknown_speaker_labels_reported_per_file(tmp_path):
    from fgkit.errors import RegisterError
    from fgkit.pseudonymise import pseudonymise_project

    turns = {"fg1.txt": [("Priya Shah", "Hello."), ("Stranger One", "Hi.")],
             "fg9.txt": [("Nobody", "Hi."), ("Other", "Yes.")]}
    project, store = make_project(tmp_path / "s", STUDY_REGISTER, turns)
    with pytest.raises(RegisterError) as info:
        pseudonymise_project(project, store)
    message = str(info.value)
    assert "fg1.txt: 1 unregistered" in message and "fg9.txt: 2 unregistered" in message
    assert "Stranger" not in message and "Nobody" not in message


def test_rerun_uses_cache_and_review_decisions(tmp_path):
    from fgkit.pseudonymise import pseudonymise_project

    project, store = make_project(tmp_path / "s", STUDY_REGISTER, STUDY_TURNS)
    first = pseudonymise_project(project, store)
    assert first.turns_from_model == first.turns_written
    review = project.private_dir / "pseudonymisation-review.csv"
    review.write_text("value,type,decision,note\nClifton,Place,wrong,not identifying here\n"
                      "welcome,Person,missed,test only\n", encoding="utf-8")
    second = pseudonymise_project(project, store)
    assert second.turns_from_model == 0 and second.turns_from_cache == second.turns_written
    texts = [r["text"] for r in store.query("SELECT text FROM pseudo_turns ORDER BY transcript, turn_index")]
    assert "Clifton" not in " ".join(texts)  # the speaker of that line withdrew
    assert texts[0].startswith("[Person ") and "Will you" in texts[0]
    store.close()


def test_wrong_decision_keeps_value(tmp_path):
    from fgkit.pseudonymise import pseudonymise_project

    turns = {"fg1.txt": [("Priya Shah", "We met in Clifton and then in Beeston.")]}
    project, store = make_project(tmp_path / "s", STUDY_REGISTER[:2], turns)
    (project.private_dir / "pseudonymisation-review.csv").write_text(
        "value,type,decision,note\nclifton,Place,wrong,a ward name everyone knows\n", encoding="utf-8")
    pseudonymise_project(project, store)
    text = store.query("SELECT text FROM pseudo_turns")[0]["text"]
    assert "in Clifton and" in text and "Beeston" not in text
    store.close()


def test_new_participant_keeps_everyone_numbered(tmp_path):
    from fgkit.pseudonymise import pseudonymise_project

    register = [r for r in STUDY_REGISTER if r["transcript"] == "fg1.txt"]
    turns = {"fg1.txt": [(r["speaker_label"], "Fine.") for r in register]}
    project, store = make_project(tmp_path / "s", register, turns)
    pseudonymise_project(project, store)
    before = {r["participant_id"]: r["speaker"] for r in store.query("SELECT * FROM pseudo_turns")}
    newcomer = dict(register[1], speaker_label="Aaron", participant_id="A00", full_name="Aaron Bell",
                    name_variants="")
    from support.pseudo import write_register

    write_register(project, register + [newcomer])
    store_turns(store, {"fg1.txt": turns["fg1.txt"] + [("Aaron", "Me too.")]})
    pseudonymise_project(project, store)
    after = {r["participant_id"]: r["speaker"] for r in store.query("SELECT * FROM pseudo_turns")}
    assert {k: after[k] for k in before} == before
    assert after["A00"] == "Practitioner 03"
    store.close()


def test_entity_found_late_is_replaced_earlier_too(tmp_path):
    from fgkit.pseudonymise import pseudonymise_project

    turns = {"a.txt": [("Priya Shah", "honestly okafor was the hardest case i had.")],
             "b.txt": [("Priya", "Later Mrs Okafor moved to Hucknall."), ("Priya", "hucknall is far.")]}
    register = [dict(r, transcript=t) for t in ("a.txt", "b.txt") for r in STUDY_REGISTER[1:2]]
    register[1]["speaker_label"] = "Priya"
    project, store = make_project(tmp_path / "s", register, turns)
    pseudonymise_project(project, store)
    texts = [r["text"] for r in store.query("SELECT text FROM pseudo_turns ORDER BY transcript, turn_index")]
    person = texts[1].split("Mrs ")[1].split(" moved")[0]
    assert person.startswith("[Person ")
    assert texts[0] == f"honestly {person} was the hardest case i had."
    place = texts[1].split("moved to ")[1].rstrip(".")
    assert place.startswith("[") and texts[2] == f"{place} is far."
    store.close()
