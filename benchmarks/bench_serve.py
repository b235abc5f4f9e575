"""Page response times of `fgkit serve` with several reviewers deciding at once (issue 18).

Runs `fgkit serve` as its own process on 127.0.0.1 over a scratch copy of a coded study (by
default the bundled sample study, ingested, pseudonymised and coded here first), adds N reviewers
and signs each in with their one-time link, warms the pages up once, then lets the reviewers work
at once for a fixed time: open a segment, accept or reject its first code (or add one when none
was suggested), see the saved page, go to the next segment; every fifth round read a code's
quotes with a filter and open a transcript. Every HTTP request is timed on its own.

It reports p50 / p95 / max per page kind and overall, decisions sent against decisions stored
(lost = sent - stored), and how many pages showed study text to a client that was not signed in.
It prints no study text. Target (issue 18): p95 below 100 ms with 5 reviewers on 2 cores.

Usage: python benchmarks/bench_serve.py [--project DIR] [--reviewers 5] [--seconds 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORM = re.compile(r'action="/review/([0-9a-f]+)"')
BUTTON = re.compile(r'name="decide" value="((?:accept|reject):[\w-]+)"')
OPTION = re.compile(r'<select id="add-code" name="add_code">\s*<option value="">[^<]*</option>\s*<option value="([\w-]+)"')
NEXT = re.compile(r'href="([^"]+)" data-key="next"')
QUEUE_SETTLE = 1.5  # seconds for the page's background queue rebuild after the teaching order lands


def prepare_sample(dest: Path) -> Path:
    """A coded copy of the bundled sample study (ingest, pseudonymise, code; topics off)."""
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import copy_sample_project  # the tests' own copier: same files, no store

    study = copy_sample_project(dest / "study")
    settings = study / "fgkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("enabled = true", "enabled = false"),
                        encoding="utf-8")
    for stage in ("ingest", "pseudonymise", "code"):
        subprocess.run([sys.executable, "-m", "fgkit", stage, "--project", str(study)], check=True,
                       stdout=subprocess.DEVNULL)
    return study


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


class Reviewer(threading.Thread):
    def __init__(self, url: str, token: str, start_at: str, stop: threading.Event, index: int,
                 codes: list[str], times: dict, errors: list) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=url, timeout=60)
        self.token, self.link, self.stop, self.index = token, start_at, stop, index
        self.codes, self.times, self.errors = codes, times, errors
        self.sent = 0

    def timed(self, kind: str, method: str, path: str, **kw) -> httpx.Response:
        began = time.perf_counter()
        response = self.client.request(method, path, **kw)
        self.times[kind].append(time.perf_counter() - began)
        if response.status_code >= 400:
            self.errors.append(f"{kind} {response.status_code}")
        return response

    def sign_in(self) -> None:
        page = self.client.get(f"/signin/{self.token}")
        found = CSRF.search(page.text)
        if not found:  # say what the server answered (a status and the page's title, no study text)
            title = re.search(r"<title>([^<]*)</title>", page.text)
            raise SystemExit(f"sign-in page answered {page.status_code} ({title.group(1) if title else 'no title'})")
        self.client.post("/signin", data={"csrf": found.group(1), "token": self.token})

    def run(self) -> None:
        rounds = 0
        while not self.stop.is_set():
            page = self.timed("segment", "GET", self.link)
            found = FORM.search(page.text)
            if not found:
                self.link = "/review"
                continue
            button = BUTTON.search(page.text)
            data = {"csrf": CSRF.search(page.text).group(1), "memo": "", "back": ""}
            if button:
                code = button.group(1).split(":", 1)[1]
                data["decide"] = f"{'accept' if (rounds + self.index) % 2 else 'reject'}:{code}"
            else:
                data.update(decide="add", add_code=OPTION.search(page.text).group(1))
            saved = self.timed("decide (POST)", "POST", f"/review/{found.group(1)}", data=data)
            self.sent += 1
            after = self.timed("saved page", "GET", saved.headers["location"])
            following = NEXT.search(after.text)
            self.link = following.group(1).replace("&amp;", "&") if following else "/review"
            rounds += 1
            if rounds % 5 == 0:
                code = self.codes[rounds % len(self.codes)]
                self.timed("read (filtered)", "GET", f"/read/{code}?status=checked")
                self.timed("transcript", "GET", "/transcripts")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="a coded study (copied first; default: the sample study)")
    parser.add_argument("--reviewers", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from fgkit.coding.review import codebook_labels
    from fgkit.project import Project
    from fgkit.serve.auth import add_reviewer

    scratch = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        if args.project:
            study = scratch / "study"
            shutil.copytree(args.project, study, ignore=shutil.ignore_patterns(".publish"))
        else:
            study = prepare_sample(scratch)
        project = Project.load(study)
        codes = list(codebook_labels(project))
        with project.open_store() as store:
            tokens = [add_reviewer(store, f"bench reviewer {i}") for i in range(args.reviewers)]
            solo_token = add_reviewer(store, "bench reviewer alone")
            before = store.query("SELECT COUNT(*) FROM reviews")[0][0]
            # Slices of every pseudonymised turn: none may appear on a page for a signed-out client.
            pieces = [turn["text"][:40] for t in store.serve_transcripts()
                      for turn in store.serve_turns(t["transcript"]) if len(turn["text"]) >= 40]
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-m", "fgkit", "serve", "--project", str(study),
                                   "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    httpx.get(url + "/", timeout=2)
                    break
                except httpx.HTTPError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("fgkit serve did not start: " + server.stderr.read().decode()[-500:]) from None
                    time.sleep(0.25)
            # Not signed in: no page may show study text (the sign-in hint is all there is).
            anonymous = httpx.Client(base_url=url, timeout=60)
            paths = ["/", "/review", "/review?view=list", "/read", *(f"/read/{c}" for c in codes), "/transcripts"]
            leaky = 0
            for path in paths:
                html = anonymous.get(path).text
                leaky += any(piece in html for piece in pieces)

            times: dict[str, list[float]] = defaultdict(list)
            errors: list[str] = []
            stop = threading.Event()
            reviewers = [Reviewer(url, t, "/review", stop, i, codes, times, errors) for i, t in enumerate(tokens)]
            for r in reviewers:
                r.sign_in()
            # The learner's teaching order is fitted in the background at start (the sentence
            # model's first load takes seconds of CPU): wait for it, so the timed phases measure
            # the pages in steady use, not the model loading beside them.
            warm = reviewers[0].client
            waited = time.monotonic()
            ranked = False
            while time.monotonic() - waited < 180:
                ranked = "in the learner's teaching order" in warm.get("/review?view=list").text
                if ranked or not project.setting("coding", "classifier_embedder", "minilm") == "minilm":
                    break
                time.sleep(1.0)
            order_ready_s = round(time.monotonic() - waited, 1)
            time.sleep(QUEUE_SETTLE)  # the queue is rebuilt in the background once the order lands
            load_before = os.getloadavg()[0]
            # Warm-up (first review order, first codings table, the gate's own-word list), not timed.
            listing = warm.get("/review?view=list").text
            starts = re.findall(r'href="(/review\?seg=[0-9a-f]+)"', listing)
            for path in ("/review", "/read", f"/read/{codes[0]}?status=checked", "/transcripts"):
                warm.get(path)
            for i, r in enumerate(reviewers):
                r.link = starts[(i * 37) % len(starts)] if starts else "/review"
            # First one reviewer alone, for the machine's baseline at this moment (shared machines
            # are noisy: compare the two phases of one run, not figures from different runs).
            solo_times: dict[str, list[float]] = defaultdict(list)
            solo_stop = threading.Event()
            solo = Reviewer(url, solo_token, starts[-1] if starts else "/review", solo_stop, 0, codes,
                            solo_times, errors)
            solo.sign_in()
            solo.start()
            time.sleep(max(3.0, args.seconds / 4))
            solo_stop.set()
            solo.join(timeout=120)
            began = time.monotonic()
            for r in reviewers:
                r.start()
            time.sleep(args.seconds)
            stop.set()
            for r in reviewers:
                r.join(timeout=120)
            elapsed = time.monotonic() - began
        finally:
            server.terminate()
            server.wait(timeout=30)
        conn = sqlite3.connect(study / "data" / "fgkit.sqlite")
        stored = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] - before
        conn.close()
        sent = sum(r.sent for r in reviewers) + solo.sent
        every = [t for ts in times.values() for t in ts]
        result = {
            "study": str(args.project) if args.project else "bundled sample study (development material, not held-out)",
            "reviewers": args.reviewers, "seconds": round(elapsed, 1), "cpu_count": os.cpu_count(),
            "teaching_order": ranked, "teaching_order_ready_after_s": order_ready_s,
            "load_average_before": round(load_before, 1), "load_average_after": round(os.getloadavg()[0], 1),
            "requests": len(every), "errors": len(errors),
            "pages": {kind: {"n": len(ts), "p50_ms": round(statistics.median(ts) * 1000, 1),
                             "p95_ms": round(percentile(ts, 95) * 1000, 1), "max_ms": round(max(ts) * 1000, 1)}
                      for kind, ts in sorted(times.items())},
            "overall_p95_ms": round(percentile(every, 95) * 1000, 1),
            "review_flow_p95_ms": round(percentile(
                [t for k in ("segment", "decide (POST)", "saved page") for t in times[k]], 95) * 1000, 1),
            "alone": {kind: {"n": len(ts), "p50_ms": round(statistics.median(ts) * 1000, 1),
                             "p95_ms": round(percentile(ts, 95) * 1000, 1)} for kind, ts in sorted(solo_times.items())},
            "decisions_sent": sent, "decisions_stored": stored, "decisions_lost": sent - stored,
            "signed_out_pages_with_study_text": leaky, "signed_out_pages_checked": len(paths),
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"fgkit serve, {result['reviewers']} reviewers at once for {result['seconds']} s on "
              f"{result['cpu_count']} CPU(s); {result['study']}")
        for kind, row in result["pages"].items():
            print(f"  {kind:<18} n={row['n']:>5}  p50 {row['p50_ms']:>7.1f} ms  p95 {row['p95_ms']:>7.1f} ms  "
                  f"max {row['max_ms']:>7.1f} ms")
        print(f"  review flow (segment, decide, saved page) p95 {result['review_flow_p95_ms']} ms; "
              f"overall p95 {result['overall_p95_ms']} ms over {result['requests']} requests "
              f"({result['errors']} error responses); target < 100 ms")
        print("  one reviewer alone just before, same machine: " + ", ".join(
            f"{k} p50 {v['p50_ms']} / p95 {v['p95_ms']} ms" for k, v in result["alone"].items()))
        print(f"  review queue in the learner's teaching order: {'yes' if ranked else 'no'} "
              f"(ready {order_ready_s} s after the first page)")
        print(f"  load average (1 min) before the timed phases {result['load_average_before']}, "
              f"at the end {result['load_average_after']}")
        print(f"  decisions sent {sent}, stored {stored}, lost {sent - stored}")
        print(f"  signed-out pages showing study text: {leaky} of {len(paths)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
