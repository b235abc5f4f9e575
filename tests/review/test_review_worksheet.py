from __future__ import annotations

import csv
import re

import pytest
from openpyxl import load_workbook

from fgkit.coding.review import export_worksheet, import_worksheet, review_status, worksheet_rows
from fgkit.coding.review_io import WORKSHEET_COLUMNS, text_hash
from fgkit.coding.status import effective_codings
from fgkit.errors import ReviewFileError


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write_csv(path, rows, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=WORKSHEET_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def labels():
    return {c: c for c in ("workload", "allocation_fairness", "emotional_labour",
                           "professional_judgement", "ai_technology")}


def review_count(store):
    return store.query("SELECT COUNT(*) AS n FROM reviews")[0]["n"]


def test_csv_worksheet_columns_order_and_evidence(project, store, segments):
    report = export_worksheet(project, store, fmt="csv")
    assert report.path == project.shareable_dir / "review" / "worksheet.csv"
    with open(report.path, encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh)) == WORKSHEET_COLUMNS
    rows = read_csv(report.path)
    assert [int(r["row"]) for r in rows] == list(range(1, len(rows) + 1))
    texts = {s["segment_id"]: s["text"] for s in segments}
    # Every segment appears: suggested rows plus a blank-code row for segments with none.
    assert {r["segment_id"] for r in rows} == set(texts)
    priority = {}
    for r in rows:
        assert r["text_hash"] == text_hash(texts[r["segment_id"]])
        if r["code"]:
            assert re.search("«.+»", r["text"]), "evidence is marked"
            assert float(r["uncertainty"]) == pytest.approx(1 - abs(2 * float(r["confidence"]) - 1), abs=1e-3)
        priority[r["segment_id"]] = max(priority.get(r["segment_id"], 0), float(r["uncertainty"]))
    order = list(dict.fromkeys(r["segment_id"] for r in rows))
    assert [priority[s] for s in order] == sorted(priority.values(), reverse=True)
    # A segment's rows are contiguous.
    runs = [r["segment_id"] for i, r in enumerate(rows) if i == 0 or rows[i - 1]["segment_id"] != r["segment_id"]]
    assert len(runs) == len(set(runs))


def test_filters_by_code_role_group_and_status(store):
    all_rows = worksheet_rows(store, labels())
    only = worksheet_rows(store, labels(), codes=["workload"])
    assert only and {r["code"] for r in only} == {"workload"}
    managers = worksheet_rows(store, labels(), roles=["manager"])
    assert managers and {r["role"] for r in managers} == {"manager"}
    team = worksheet_rows(store, labels(), groups=["Team B"], statuses=["suggested"])
    assert team and {r["group"] for r in team} == {"Team B"} and all(r["code"] for r in team)
    assert len(managers) < len(all_rows)
    assert worksheet_rows(store, labels(), statuses=["accepted"]) == []
    with pytest.raises(ReviewFileError, match="unknown status"):
        worksheet_rows(store, labels(), statuses=["maybe"])


def test_xlsx_has_dropdown_bold_evidence_and_keeps_formula_like_text(project, store, segments, kit):
    tricky = dict(segments[0], segment_id="f" * 16, turn_id="t" * 16, turn_index=99,
                  text="=SUM(A1) is what the spreadsheet for allocation looks like")
    kit.write_segments(store, [tricky])
    report = export_worksheet(project, store)
    wb = load_workbook(report.path, rich_text=True)
    ws = wb["review"]
    assert [c.value for c in ws[1]] == WORKSHEET_COLUMNS
    decision_letter = chr(ord("A") + WORKSHEET_COLUMNS.index("decision"))
    validations = ws.data_validations.dataValidation
    assert any(v.formula1 == '"accept,reject"' and decision_letter in str(v.sqref) for v in validations)
    text_col = WORKSHEET_COLUMNS.index("text") + 1
    rich = [ws.cell(row=r, column=text_col).value for r in range(2, ws.max_row + 1)]
    bold = [block for value in rich if not isinstance(value, str) for block in value if not isinstance(block, str)]
    assert bold and all(b.font.b and b.text.startswith("«") for b in bold)
    plain = load_workbook(report.path)["review"]
    # Escaped the OWASP way: a leading apostrophe, stored as text (read back without it).
    formula_like = [plain.cell(row=r, column=text_col) for r in range(2, plain.max_row + 1)
                    if "=SUM" in str(plain.cell(row=r, column=text_col).value)]
    assert formula_like and formula_like[0].data_type == "s"
    assert str(formula_like[0].value).startswith("'=SUM")


def fill_xlsx(path, decisions):
    """decisions: sheet row -> {column: value}."""
    wb = load_workbook(path)
    ws = wb["review"]
    for row, values in decisions.items():
        for column, value in values.items():
            ws.cell(row=row, column=WORKSHEET_COLUMNS.index(column) + 1, value=value)
    wb.save(path)


def test_import_xlsx_stores_decisions_and_is_idempotent(project, store):
    report = export_worksheet(project, store)
    ws = load_workbook(report.path)["review"]
    coded = [r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=WORKSHEET_COLUMNS.index("code") + 1).value]
    fill_xlsx(report.path, {
        coded[0]: {"decision": "accept", "memo": "clear example"},
        coded[1]: {"decision": "Reject "},
        coded[2]: {"decision": "accept", "add_codes": "emotional_labour; workload"},
    })
    first = import_worksheet(project, store, report.path, "amy")
    assert first.stored["accept"] == 2 and first.stored["reject"] == 1
    assert first.stored["add"] >= 1
    rows = store.query("SELECT * FROM reviews ORDER BY review_id")
    assert {r["reviewer"] for r in rows} == {"amy"}
    assert all(r["source"] == "worksheet.xlsx" and r["decided_at"] for r in rows)
    memo = [r for r in rows if r["memo"]]
    assert len(memo) == 1 and memo[0]["decision"] == "accept"
    before = review_count(store)
    again = import_worksheet(project, store, report.path, "amy")
    assert again.n_stored == 0 and again.unchanged == before
    assert review_count(store) == before
    # Someone else's identical decisions are theirs to record.
    other = import_worksheet(project, store, report.path, "ben")
    assert other.n_stored == before
    effective = effective_codings(store, include_rejected=True)
    assert (effective["status"] == "rejected").sum() == 1


def test_changed_decision_is_appended_not_overwritten(project, store):
    report = export_worksheet(project, store, fmt="csv")
    rows = read_csv(report.path)
    target = next(r for r in rows if r["code"])
    target["decision"] = "accept"
    write_csv(report.path, rows)
    import_worksheet(project, store, report.path, "amy")
    target["decision"] = "reject"
    write_csv(report.path, rows)
    second = import_worksheet(project, store, report.path, "amy")
    assert second.stored["reject"] == 1
    history = store.query("SELECT decision FROM reviews WHERE segment_id=? AND code=? ORDER BY review_id",
                          (target["segment_id"], target["code"]))
    assert [h["decision"] for h in history] == ["accept", "reject"]


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda rows: rows[3].update(add_codes="burnout"), "unknown code 'burnout' in add_codes"),
        (lambda rows: rows[3].update(text=rows[3]["text"] + " and more"), "text cell was edited"),
        (lambda rows: rows[3].update(decision="yes please"), "decision must be accept, reject or blank"),
        (lambda rows: rows.insert(5, dict(rows[3])), "duplicate row"),
        (lambda rows: rows.pop(3), "worksheet row 4 is missing"),
        (lambda rows: rows[3].update(segment_id=""), "segment_id is missing"),
        (lambda rows: rows[3].update(text_hash="0" * 16), "text_hash does not match"),
    ],
    ids=["unknown-code", "edited-text", "bad-decision", "duplicate", "missing", "no-segment", "hash"],
)
def test_import_errors_name_the_row(project, store, edit, message):
    report = export_worksheet(project, store, fmt="csv")
    rows = read_csv(report.path)
    rows[0]["decision"] = "accept"
    edit(rows)
    write_csv(report.path, rows)
    with pytest.raises(ReviewFileError) as caught:
        import_worksheet(project, store, report.path, "amy")
    rendered = str(caught.value)
    # Data row 4 sits on line 5 of the file (the header is line 1); a duplicate is the copy.
    expected_line = 7 if "duplicate" in message else 5
    assert f"worksheet.csv:{expected_line}: " in rendered
    assert message in rendered
    assert review_count(store) == 0, "a worksheet with errors stores nothing"
    # No speech from the worksheet leaks into the message.
    assert "caseload" not in rendered and "Practitioner" not in rendered


def test_every_problem_is_listed(project, store):
    report = export_worksheet(project, store, fmt="csv")
    rows = read_csv(report.path)
    rows[1]["decision"] = "maybe"
    rows[6]["add_codes"] = "not_a_code"
    write_csv(report.path, rows)
    with pytest.raises(ReviewFileError) as caught:
        import_worksheet(project, store, report.path, "amy")
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(f"{report.path}:3: ") and lines[1].startswith(f"{report.path}:8: ")


def test_csv_saved_by_excel_in_cp1252_reads(project, store):
    report = export_worksheet(project, store, fmt="csv")
    rows = read_csv(report.path)
    for r in rows:
        r["text"] = r["text"].replace("«", "").replace("»", "")
    rows[0]["decision"] = "accept"
    rows[0]["memo"] = "café discussion – check"
    write_csv(report.path, rows, encoding="cp1252")
    result = import_worksheet(project, store, report.path, "amy")
    assert result.stored["accept"] == 1
    assert store.query("SELECT memo FROM reviews")[0]["memo"] == "café discussion – check"


def test_decisions_survive_recreated_segments_and_codings(project, store, segments, kit):
    report = export_worksheet(project, store, fmt="csv")
    rows = read_csv(report.path)
    decided = [r for r in rows if r["code"]][:4]
    for r in decided:
        r["decision"] = "accept"
    write_csv(report.path, rows)
    import_worksheet(project, store, report.path, "amy")
    with store.transaction() as conn:
        conn.execute("DELETE FROM codings")
        conn.execute("DELETE FROM segments")
        conn.execute("DELETE FROM pseudo_turns")
    assert review_status(project, store).detached == 4
    # Re-ingest and re-code: same text, same content-based ids.
    kit.write_segments(store, segments)
    kit.write_codings(store, kit.rule_suggestions(segments, seed=11))
    effective = effective_codings(store)
    accepted = set(zip(effective.loc[effective["status"] == "accepted", "segment_id"],
                       effective.loc[effective["status"] == "accepted", "code"]))
    assert {(r["segment_id"], r["code"]) for r in decided} <= accepted
    assert review_status(project, store).detached == 0


def test_orphaned_and_relabelled_decisions_are_reported(project, store, kit):
    report = export_worksheet(project, store, fmt="csv")
    rows = read_csv(report.path)
    rows[0]["add_codes"] = "ai_technology"
    rows[1]["add_codes"] = "workload"
    write_csv(report.path, rows)
    import_worksheet(project, store, report.path, "amy")
    codebook = project.codebook_path
    edited = kit.CODEBOOK.replace("  - id: ai_technology\n    label: AI and technology\n", "")
    edited = edited.replace("label: Workload pressure", "label: Workload and time pressure")
    codebook.write_text(edited, encoding="utf-8")
    status = review_status(project, store)
    orphaned = status.orphaned.to_dict("records")
    assert orphaned == [{"code": "ai_technology", "code_label": "AI and technology", "reviewer": "amy", "n": 1}]
    assert status.relabelled.to_dict("records") == [
        {"code": "workload", "code_label": "Workload pressure", "current_label": "Workload and time pressure", "n": 1}
    ]
    # The orphaned decision is still in force in the store.
    assert store.query("SELECT COUNT(*) AS n FROM reviews WHERE code='ai_technology'")[0]["n"] == 1


def test_xlsx_errors_name_the_sheet_row(project, store):
    report = export_worksheet(project, store)
    fill_xlsx(report.path, {4: {"decision": "approve"}, 9: {"add_codes": "workload;morale"}})
    with pytest.raises(ReviewFileError) as caught:
        import_worksheet(project, store, report.path, "amy")
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{report.path}:4: decision must be accept, reject or blank; fix the cell",
        f"{report.path}:9: unknown code 'morale' in add_codes; use a code id from the codebook",
    ]


def test_not_a_workbook_or_wrong_columns(project, store, tmp_path):
    fake = tmp_path / "sheet.xlsx"
    fake.write_text("segment_id,decision\n", encoding="utf-8")
    with pytest.raises(ReviewFileError, match="not a readable .xlsx workbook"):
        import_worksheet(project, store, fake, "amy")
    other = tmp_path / "other.csv"
    other.write_text("segment_id,decision\nabc,accept\n", encoding="utf-8")
    with pytest.raises(ReviewFileError) as caught:
        import_worksheet(project, store, other, "amy")
    assert str(caught.value).startswith(f"{other}:1: missing column(s) row, text_hash, code, text")
    with pytest.raises(ReviewFileError, match="reviewer name is required"):
        import_worksheet(project, store, other, "  ")


def test_export_refuses_a_missed_real_name(project, store, segments, kit):
    from fgkit.errors import LeakError

    register = project.register_path
    register.write_text(register.read_text() + "group-1.vtt,Margaret,P01,practitioner,Team A,given,"
                        "Margaret Okonkwo,\n", encoding="utf-8")
    missed = dict(segments[1], segment_id="e" * 16, turn_id="u" * 16, turn_index=77,
                  text="Margaret Okonkwo said the duty rota is relentless this month")
    kit.write_segments(store, [missed])
    target = project.shareable_dir / "review" / "worksheet.xlsx"
    with pytest.raises(LeakError) as caught:
        export_worksheet(project, store)
    assert "worksheet.xlsx" in str(caught.value) and "Okonkwo" not in str(caught.value)
    assert not target.exists()
    # Kept in the private zone, the same worksheet is allowed.
    private = export_worksheet(project, store, path=project.private("review", "worksheet.xlsx"))
    assert private.path.exists()
