"""A small study for the security tests, run through the CLI in this process (models load once).

The speech is written for these tests. Two groups, named speakers (labels that are real-looking
names, so sealing them means something), and talk about workload so the rule coder codes it.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]

GROUPS = {
    "north.csv": ("FG1", [
        ("Facilitator", "Thanks for coming. How has the workload been this spring?"),
        ("Hattie Brook", "The workload is relentless, I have no time to reflect between visits and the paperwork follows me home."),
        ("Orla Finch", "We are firefighting every single week, and the backlog of reviews keeps growing on our team."),
        ("Hattie Brook", "My caseload doubled after two colleagues left, and nobody backfilled their posts at all."),
        ("Orla Finch", "I go home exhausted and feel guilty that the families on the waiting list get nothing from us."),
    ]),
    "south.csv": ("FG2", [
        ("Facilitator", "What would help with allocation on your team?"),
        ("Wren Addison", "A fairer allocation meeting where we can say no when the caseload is already overwhelming."),
        ("Milo Carraway", "Honestly the paperwork is drowning us, and the new case recording form takes twice as long."),
        ("Wren Addison", "I would rather my manager asked about capacity before a new referral lands in my tray."),
    ]),
}
PEOPLE = {
    "Facilitator": ("F1", "facilitator", "Tamsin Hale"),
    "Hattie Brook": ("P01", "practitioner", "Harriet Brook"),
    "Orla Finch": ("P02", "practitioner", "Orla Finch"),
    "Wren Addison": ("P03", "practitioner", "Wren Addison"),
    "Milo Carraway": ("P04", "manager", "Milo Carraway"),
}


def _write_csv(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def build_study(root: Path) -> Path:
    from fgkit.project import init_project

    project = init_project(root, name="security-study")
    settings = root / "fgkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("small_cell_k = 3", "small_cell_k = 1"),
                        encoding="utf-8")
    shutil.copy(REPO / "codebooks" / "adult-social-care.yaml", project.codebook_path)
    register = [["transcript", "speaker_label", "participant_id", "role", "group", "consent", "full_name",
                 "name_variants"]]
    for name, (group, turns) in GROUPS.items():
        _write_csv(project.transcripts_dir / name, [["speaker", "text"], *map(list, turns)])
        for label in dict.fromkeys(label for label, _ in turns):
            pid, role, full = PEOPLE[label]
            register.append([name, label, pid, role, group, "given", full, ""])
    _write_csv(project.register_path, register)
    return root


_runner = CliRunner()


def fgkit(*args, env: dict | None = None, ok: bool = True):
    """Run one fgkit command in this process; ``ok`` asserts it succeeded. Returns the result."""
    from fgkit.cli import app

    env = {"FGKIT_KEY_PASSPHRASE": None, "FGKIT_DEBUG": None, **(env or {})}
    result = _runner.invoke(app, [str(a) for a in args], env=env)
    if ok:
        assert result.exit_code == 0, f"fgkit {' '.join(map(str, args))} failed:\n{result.output}"
    return result


def review(root: Path, decide, reviewer: str = "reviewer-a") -> list[dict]:
    """Export a CSV worksheet, let ``decide(rows)`` fill it, import it (from the private zone)."""
    fgkit("review", "export", "--format", "csv", "--project", root)
    with (root / "reports" / "review" / "worksheet.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    decide(rows)
    filled = root / "data" / "worksheet-filled.csv"
    with filled.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    fgkit("review", "import", filled, "--reviewer", reviewer, "--project", root)
    return rows


def shareable_texts(root: Path) -> dict[str, str]:
    """Every file under ``root`` as text a person could read, zip members (and zips in zips)
    included, independently of fgkit's own readers."""
    import html
    import io
    import re
    import zipfile

    def texts(name: str, data: bytes) -> dict[str, str]:
        if data[:4] == b"PK\x03\x04":
            out = {}
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for member in zf.namelist():
                    out.update(texts(f"{name}!{member}", zf.read(member)))
            return out
        text = data.decode("utf-8", "replace")
        return {name: text + "\n" + html.unescape(re.sub(r"<[^>]+>", "", text))}

    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            found.update(texts(path.relative_to(root).as_posix(), path.read_bytes()))
    return found


@pytest.fixture(scope="session")
def sec():
    """The helpers of this folder, for test modules."""
    return SimpleNamespace(build_study=build_study, fgkit=fgkit, review=review, groups=GROUPS,
                           people=PEOPLE, shareable_texts=shareable_texts)
