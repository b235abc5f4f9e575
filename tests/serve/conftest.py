"""A small pseudonymised study for the workshop page, and a real uvicorn server over it.

Two groups, practitioners and managers, four codes. Practitioner P04 withdrew after the last
``fgkit pseudonymise``: the register says so, but their turn is still in ``pseudo_turns``, so the
page must hide it by itself. The register's full names are what the leak gate looks for; no
pseudonymised text contains them. All text here was written for these tests.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest

from fgkit.project import Project, init_project
from fgkit.records import stable_id

CODEBOOK = """\
version: "1"
name: Workshop test codebook
codes:
  - id: caseload
    label: Caseload pressure
  - id: allocation
    label: Fair allocation
  - id: feelings
    label: Feelings at work
  - id: tools
    label: Digital tools
"""

REGISTER = """\
transcript,speaker_label,participant_id,role,group,consent,full_name,name_variants
north.vtt,Host,F1,facilitator,North,given,Wilhelmina Stroud,
north.vtt,Speaker A,P01,practitioner,North,given,Ottoline Varga,Ottoline
north.vtt,Speaker B,P02,practitioner,North,given,Barnaby Quist,Barnaby
north.vtt,Speaker C,P03,practitioner,North,given,Cressida Lumb,Cressida
north.vtt,Speaker D,P04,practitioner,North,withdrawn,Thaddeus Orrin,Thaddeus
south.vtt,Host,F2,facilitator,South,given,Wilhelmina Stroud,
south.vtt,Speaker A,M01,manager,South,given,Peregrine Hollis,Peregrine
south.vtt,Speaker B,M02,manager,South,given,Rosalind Feather,
south.vtt,Speaker C,M03,manager,South,given,Augustin Pell,Augustin
"""

# (transcript, participant, speaker, role, group, text, [(code, confidence, evidence phrase)])
TURNS = [
    ("north.vtt", "F1", "Facilitator 1", "facilitator", "North", "What does a heavy week look like for you?", []),
    ("north.vtt", "P01", "Practitioner 01", "practitioner", "North",
     "Monday I had nine new referrals and by Wednesday I had stopped counting them.", [("caseload", 0.55, "nine new referrals")]),
    ("north.vtt", "P02", "Practitioner 02", "practitioner", "North",
     "Nobody explains why the complicated families always land on my desk.", [("allocation", 0.62, "land on my desk")]),
    ("north.vtt", "P03", "Practitioner 03", "practitioner", "North",
     "I sit in the car park for ten minutes before I go home, just to breathe.", [("feelings", 0.71, "just to breathe"), ("caseload", 0.35, "ten minutes")]),
    ("north.vtt", "P04", "Practitioner 04", "practitioner", "North",
     "Withdrawn words: the rota spreadsheet crashed again on Friday.", [("tools", 0.8, "rota spreadsheet")]),
    ("north.vtt", "P01", "Practitioner 01", "practitioner", "North",
     "The new tablet app logs visits but it never saves my notes properly.", [("tools", 0.58, "tablet app")]),
    ("north.vtt", "P02", "Practitioner 02", "practitioner", "North", "We had a quiz night last month, it was good fun.", []),
    ("south.vtt", "F2", "Facilitator 2", "facilitator", "South", "How do you decide who takes which case?", [("allocation", 0.9, "who takes which case")]),
    ("south.vtt", "M01", "Manager 01", "manager", "South",
     "I try to weigh each case but honestly the loudest voice in the meeting wins.", [("allocation", 0.49, "loudest voice")]),
    ("south.vtt", "M02", "Manager 02", "manager", "South",
     "My team carry more than they should, and I see it in the sickness figures.", [("caseload", 0.66, "carry more than they should")]),
    ("south.vtt", "M03", "Manager 03", "manager", "South",
     "A dashboard will not tell you that a worker is close to tears.", [("tools", 0.52, "dashboard"), ("feelings", 0.44, "close to tears")]),
    ("south.vtt", "M01", "Manager 01", "manager", "South", "We moved office in the spring.", []),
]
REGISTER_NAMES = ["Ottoline Varga", "Barnaby Quist", "Cressida Lumb", "Thaddeus Orrin", "Peregrine Hollis",
                  "Rosalind Feather", "Augustin Pell", "Wilhelmina Stroud"]
WITHDRAWN_TEXT = "rota spreadsheet crashed"


def build_study(root: Path) -> Project:
    project = init_project(root, name="workshop-study")
    project.codebook_path.write_text(CODEBOOK, encoding="utf-8")
    project.register_path.write_text(REGISTER, encoding="utf-8")
    settings = project.root / "fgkit.toml"
    # No sentence model: the page's teaching order then falls back to the worksheet's own order
    # (tests of the learner's order stand in their own ranking).
    settings.write_text(settings.read_text(encoding="utf-8").replace("enabled = true", "enabled = false")
                        .replace("[coding]\n", '[coding]\nclassifier_embedder = "none"\n', 1), encoding="utf-8")
    project = Project.load(root)
    index: dict[str, int] = {}
    with project.open_store() as store, store.transaction() as conn:
        for transcript, pid, speaker, role, group, text, codes in TURNS:
            i = index[transcript] = index.get(transcript, -1) + 1
            turn_id = stable_id(transcript, i)
            conn.execute("INSERT INTO pseudo_turns VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                         (turn_id, transcript, i, pid, speaker, role, group, text, stable_id(text)))
            segment_id = stable_id("segment", transcript, text)
            conn.execute("INSERT INTO segments VALUES (?, ?, ?, ?, 'turn', 0, ?, ?, ?, ?, ?, ?)",
                         (segment_id, turn_id, transcript, i, len(text), text, speaker, pid, role, group))
            for code, confidence, phrase in codes:
                start = text.index(phrase)
                conn.execute(
                    "INSERT INTO codings(segment_id, code, coder, confidence, evidence, evidence_start, "
                    "evidence_end, pattern) VALUES (?, ?, 'rules:v1', ?, ?, ?, ?, 'p')",
                    (segment_id, code, confidence, phrase, start, start + len(phrase)))
    return project


def segment_id_of(text_start: str) -> str:
    for transcript, _pid, _s, _r, _g, text, _c in TURNS:
        if text.startswith(text_start):
            return stable_id("segment", transcript, text)
    raise KeyError(text_start)


class Browser:
    """A signed-in (or not) HTTP client that fills CSRF fields from the page it last read."""

    def __init__(self, client) -> None:
        self.client = client
        self.last = ""

    def get(self, path: str, **kw):
        response = self.client.get(path, **kw)
        self.last = response.text
        return response

    def csrf(self, html: str | None = None) -> str:
        found = re.search(r'name="csrf" value="([^"]*)"', html if html is not None else self.last)
        return found.group(1) if found else ""

    def sign_in(self, token: str):
        page = self.get(f"/signin/{token}")
        return self.client.post("/signin", data={"csrf": self.csrf(page.text), "token": token},
                                follow_redirects=False)

    def decide(self, segment_id: str, decide: str, memo: str = "", add_code: str = ""):
        page = self.get(f"/review?seg={segment_id}")
        return self.client.post(f"/review/{segment_id}", follow_redirects=False, data={
            "csrf": self.csrf(page.text), "decide": decide, "memo": memo, "add_code": add_code, "back": ""})


def add_reviewer(project, name: str) -> str:
    from fgkit.serve.auth import add_reviewer as add

    with project.open_store() as store:
        return add(store, name)


@pytest.fixture
def study(tmp_path) -> Project:
    return build_study(tmp_path / "study")


@pytest.fixture(scope="module")
def shared_study(tmp_path_factory) -> Project:
    return build_study(tmp_path_factory.mktemp("serve") / "study")


def client_for(project, **kw):
    from starlette.testclient import TestClient

    from fgkit.serve import create_app

    return TestClient(create_app(project, **kw), base_url="http://127.0.0.1:8765")


class RunningServer:
    """uvicorn on 127.0.0.1 in a thread, as `fgkit serve` runs it."""

    def __init__(self, project) -> None:
        import uvicorn

        from fgkit.serve import create_app

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.app = create_app(project)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                    access_log=False, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "RunningServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve_kit():
    """The helpers above, for test modules (importlib mode cannot import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(Browser=Browser, add_reviewer=add_reviewer, client_for=client_for,
                           segment_id_of=segment_id_of, build_study=build_study, RunningServer=RunningServer,
                           TURNS=TURNS, REGISTER_NAMES=REGISTER_NAMES, WITHDRAWN_TEXT=WITHDRAWN_TEXT)
