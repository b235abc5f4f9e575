"""The researcher's lists: extra identifiers and the review file, with line-numbered errors."""

from __future__ import annotations

import pytest

from fgkit.errors import InputError, ReviewFileError
from fgkit.project import init_project
from fgkit.pseudonymise.names import normalise
from fgkit.pseudonymise.sources import extra_identifiers, review_decisions


@pytest.fixture
def project(tmp_path):
    return init_project(tmp_path / "study")


def test_review_decisions_read(project):
    (project.private_dir / "pseudonymisation-review.csv").write_text(
        "value,type,decision,note\nClifton,place,wrong,ward name\nBev's,person,missed,\n\n",
        encoding="utf-8")
    wrong, missed = review_decisions(project)
    assert wrong == {"clifton"}
    assert missed == [("Bev's", "Person")] and normalise(missed[0][0]) == "bev"


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [("Okafor,person,maybe,\n", 2, "decision must be"),
     ("Clifton,place,wrong,\nOkafor,alien,missed,\n", 3, "unknown type"),
     (",person,missed,\n", 2, "value is empty")],
)
def test_review_file_errors_name_line_not_value(project, body, line, fragment):
    path = project.private_dir / "pseudonymisation-review.csv"
    path.write_text("value,type,decision,note\n" + body, encoding="utf-8")
    with pytest.raises(ReviewFileError) as info:
        review_decisions(project)
    assert info.value.line == line and fragment in str(info.value)
    assert "Okafor" not in str(info.value) and "Clifton" not in str(info.value)


def test_review_file_header_checked(project):
    (project.private_dir / "pseudonymisation-review.csv").write_text("name,kind\nx,y\n", encoding="utf-8")
    with pytest.raises(ReviewFileError, match="missing column"):
        review_decisions(project)


def test_extra_identifiers_types(project):
    path = project.private_dir / "extra-identifiers.csv"
    path.write_text("value,type\nSt Anne's,organisation\nWest Bridgford,Place\nDOB x,date_of_birth\n",
                    encoding="utf-8")
    assert extra_identifiers(project) == [("St Anne's", "Organisation"), ("West Bridgford", "Place"),
                                          ("DOB x", "Date of birth")]
    path.write_text("value,type\nSomewhere,planet\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        extra_identifiers(project)
    assert info.value.line == 2 and "Somewhere" not in str(info.value)
