"""Five reviewers posting decisions at once to a running server lose nothing and see each other."""

from __future__ import annotations

import re
import threading

import httpx


def _signed_in_client(url: str, token: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60, follow_redirects=True)
    page = client.get(f"/signin/{token}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert client.post("/signin", data={"csrf": csrf, "token": token}).status_code in (200, 303)
    return client


def test_five_reviewers_at_once_lose_nothing(study, serve_kit):
    with study.open_store() as store:
        pairs = [(r[0], r[1]) for r in store.query(
            "SELECT c.segment_id, c.code FROM codings c JOIN segments s ON s.segment_id = c.segment_id "
            "WHERE s.participant_id != 'P04' ORDER BY c.segment_id, c.code")]
    names = [f"reviewer {i}" for i in range(5)]
    tokens = {name: serve_kit.add_reviewer(study, name) for name in names}
    errors: list[str] = []
    with serve_kit.RunningServer(study) as server:
        clients = {name: _signed_in_client(server.url, tokens[name]) for name in names}
        start = threading.Barrier(len(names))

        def work(name: str) -> None:
            client = clients[name]
            start.wait()
            for n, (segment, code) in enumerate(pairs):
                page = client.get(f"/review?seg={segment}")
                csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
                decision = "accept" if (n + names.index(name)) % 2 else "reject"
                response = client.post(f"/review/{segment}", data={
                    "csrf": csrf, "decide": f"{decision}:{code}", "memo": "", "back": ""})
                if response.status_code != 200 or "Decision saved." not in response.text:
                    errors.append(f"{name}: {response.status_code}")

        threads = [threading.Thread(target=work, args=(name,)) for name in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert errors == []

        # Every reviewer's every decision is stored, with the right reviewer.
        with study.open_store() as store:
            stored = store.query("SELECT reviewer, segment_id, code, decision FROM reviews")
        assert len(stored) == len(names) * len(pairs)
        for i, name in enumerate(names):
            mine = {(r[1], r[2]): r[3] for r in stored if r[0] == name}
            assert mine == {p: ("accept" if (n + i) % 2 else "reject") for n, p in enumerate(pairs)}

        # And each sees the others' decisions on the page.
        segment, code = pairs[0]
        html = clients[names[0]].get(f"/review?seg={segment}").text
        for name in names:
            assert re.search(rf"{name}: (accept|reject) {code} at ", html), name
        for client in clients.values():
            client.close()
