"""Trust beside each code, the plain-English opening and glossary, and references that never give
a withheld group away: in the HTML, Markdown and Word reports built from small stores written here.

Three groups of three practitioners and one group of two (FG4, under k = 3, transcript "fg4.txt").
The machine suggests "pressure" on turns 0-7 of each group and "fairness" on turns 0-5 and 8-11;
the reviewer accepts every "pressure" suggestion, accepts "fairness" only on turns 4-5 and rejects
the rest, so the machine agrees with people on pressure (kappa 1) and barely on fairness (kappa
about 0.08, "not reliable yet"). The unreviewed store has the same suggestions and no decisions.
"""

from __future__ import annotations

import hashlib
import html
import re

import pytest

from fgkit.project import init_project

K = 3
TEXT = "We talked for a long while about the caseload and the {} we carry in the team this month."
GROUPS = {"FG1": 3, "FG2": 3, "FG3": 3, "FG4": 2}


def _sid(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def _suggested(i: int) -> dict[str, str]:
    """code -> reviewer's decision for turn i (None: suggested and left unchecked)."""
    out = {}
    if i < 8:
        out["pressure"] = "accept"
    if i < 6 or i >= 8:
        out["fairness"] = "accept" if i in (4, 5) else "reject"
    return out


def _study(root, reviewed: bool):
    project = init_project(root / "study")
    project.codebook_path.write_text(
        "name: t\nversion: '1'\ncodes:\n  - id: pressure\n    label: Pressure of work\n"
        "  - id: fairness\n    label: Fair shares\n", encoding="utf-8")
    store = project.open_store()
    with store.transaction() as conn:
        for group, size in GROUPS.items():
            transcript = f"{group.lower()}.txt"
            for i in range(12):
                pid = f"P{group}{i % size}"
                turn_id = _sid(transcript, i)
                text = TEXT.format(f"tray number {i} in room {group[-1]}")
                conn.execute(
                    "INSERT INTO pseudo_turns(turn_id, transcript, turn_index, participant_id, speaker,"
                    " role, group_name, text, source_hash) VALUES (?,?,?,?,?,?,?,?,?)",
                    (turn_id, transcript, i, pid, f"Practitioner {pid}", "practitioner", group, text, _sid(text)))
                conn.execute("INSERT INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                             (turn_id, turn_id, transcript, i, "turn", 0, len(text), text,
                              f"Practitioner {pid}", pid, "practitioner", group))
                for code, decision in _suggested(i).items():
                    conn.execute(
                        "INSERT INTO codings(segment_id, code, coder, confidence, evidence, evidence_start,"
                        " evidence_end) VALUES (?,?,?,?,?,?,?)", (turn_id, code, "rules:v1", 0.7, "caseload", 37, 45))
                    if reviewed:
                        conn.execute(
                            "INSERT INTO reviews(segment_id, code, decision, reviewer, decided_at) VALUES (?,?,?,?,?)",
                            (turn_id, code, decision, "r", "2026-01-01T00:00:00"))
    for command in ("ingest", "pseudonymise", "code"):
        store.finish_run(store.start_run(command, {"command": command}), "ok")
    return project, store


def _outputs(project, store):
    from docx import Document

    from fgkit.analysis import analyse_project
    from fgkit.report import build_reports
    from fgkit.report.context import build_context

    with store:
        analysis = analyse_project(project, store, topics=False)
        ctx = build_context(project, store, analysis)
        paths = {p.name: p for p in build_reports(project, store, analysis)}
    word = Document(str(paths["report.docx"]))
    return ctx, {
        "html": paths["report.html"].read_text(encoding="utf-8"),
        "md": paths["report.md"].read_text(encoding="utf-8"),
        "docx": "\n".join(p.text for p in word.paragraphs),
    }


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    return _outputs(*_study(tmp_path_factory.mktemp("reviewed"), reviewed=True))


@pytest.fixture(scope="module")
def unreviewed(tmp_path_factory):
    return _outputs(*_study(tmp_path_factory.mktemp("unreviewed"), reviewed=False))


def _section(ctx, code):
    return next(s for s in ctx.codes if s.code == code)


def test_trust_beside_each_code_once_reviewed(reviewed):
    ctx, texts = reviewed
    pressure, fairness = _section(ctx, "pressure"), _section(ctx, "fairness")
    assert pressure.trust_reliable is True and pressure.trust.startswith("kappa 1.00")
    assert "not reliable yet" not in pressure.trust
    assert fairness.trust_reliable is False
    kappa = float(re.match(r"kappa (-?\d\.\d\d)", fairness.trust).group(1))
    assert kappa == pytest.approx(0.08, abs=0.01)  # worked out by hand in the module docstring
    assert fairness.trust.endswith(": not reliable yet")
    for name, text in texts.items():
        plain = re.sub(r"<[^>]+>", "", text)
        for s in (pressure, fairness):
            assert f"Agreement with reviewers: {s.trust}." in plain, (name, s.code)


def test_trust_is_unknown_until_reviewed(unreviewed):
    ctx, texts = unreviewed
    assert {s.trust for s in ctx.codes} == {"unknown until reviewed"}
    assert {s.trust_reliable for s in ctx.codes} == {None}
    for name, text in texts.items():
        assert len(re.findall(r"Agreement with reviewers: unknown until reviewed\.", text)) == len(ctx.codes), name
        assert "not reliable yet" not in text.replace('"Not reliable yet"', ""), name


def test_opening_and_glossary_come_first_in_every_format_with_the_same_words(reviewed):
    ctx, texts = reviewed
    opening = ctx.plain_english
    assert [h for h, _ in opening.parts] == ["What this is", "What this is not", "How to read it"]
    terms = [t for t, _ in ctx.glossary]
    for needed in ("Segment", "Kappa", "Small-count protection", "Candidate topic", "Stability",
                   "Jaccard overlap", "Distinctive word score", "Agreement with reviewers"):
        assert needed in terms
    prose = " ".join(text for _, text in opening.parts) + " ".join(m for _, m in ctx.glossary)
    # No code ids (they have underscores) and no unexplained figures of speech from statistics.
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", prose)
    assert "pressure" not in [t.lower() for t in terms]
    for name, text in texts.items():
        plain = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\\", "")  # tags, Markdown escapes
        # the last mention of each is its heading (the HTML's contents list names them first)
        about, glossary, summary = (plain.rindex(opening.title), plain.rindex("Glossary"),
                                    plain.rindex("Summary of the study"))
        assert about < glossary < summary, name
        for _, body in opening.parts:
            assert body in plain, name
        for term, meaning in ctx.glossary:
            assert meaning in plain, (name, term)


def test_opening_says_how_much_is_checked(reviewed, unreviewed):
    for (ctx, _), share in ((reviewed, "100%"), (unreviewed, "0%")):
        first = ctx.plain_english.parts[0][1]
        assert f"{ctx.n_checked} of {ctx.n_decidable}" in first and f"({share})" in first


def test_no_reference_gives_a_small_group_away(reviewed):
    ctx, texts = reviewed
    fg4 = [q for s in ctx.codes for q in s.quotes if q.group == "FG4"]
    assert fg4 and {(q.attribution, q.reference) for q in fg4} == {("Participant", "")}
    named = [q for s in ctx.codes for q in s.quotes if q.group != "FG4"]
    assert named and all(re.fullmatch(rf"{q.group.lower()} turn \d+", q.reference) for q in named)
    for name, text in texts.items():
        assert "fg4 turn" not in text.lower(), name
