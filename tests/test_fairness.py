"""Per-client queue limit, on a stand-in of Gradio's queue (the API test drives the real one)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from genart.serve.fairness import client_key, limit_per_client


def _event(session, ip=None):
    headers = {"x-forwarded-for": f"{ip}, 10.0.0.1"} if ip else {}
    return SimpleNamespace(session_hash=session, request=SimpleNamespace(headers=headers))


class FakeQueue:
    def __init__(self):
        self.event_queue_per_concurrency_id = {"slow": SimpleNamespace(queue=[]), "quick": SimpleNamespace(queue=[])}

    async def push(self, body, request, username):
        self.event_queue_per_concurrency_id["slow"].queue.append(_event(body.session_hash, None))
        return True, "event", "success"


def run(coro):
    """asyncio.run on a fresh thread (the browser tests leave an event loop running on this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_a_client_with_most_waiting_is_refused_with_a_sentence_and_others_are_not():
    q = FakeQueue()
    limit_per_client(q, 3)
    body = SimpleNamespace(session_hash="greedy")
    req = SimpleNamespace(headers={})
    results = [run(q.push(body, req, None)) for _ in range(5)]
    assert [r[0] for r in results] == [True, True, True, False, False]
    assert results[3][2] == "queue_full" and "You already have 3 requests waiting" in results[3][1]
    assert run(q.push(SimpleNamespace(session_hash="polite"), req, None))[0] is True


def test_behind_a_proxy_the_client_is_its_address_not_its_session():
    assert client_key("s1", SimpleNamespace(headers={"x-forwarded-for": "203.0.113.9, 10.0.0.1"})) == "ip:203.0.113.9"
    assert client_key("s1", SimpleNamespace(headers={})) == "session:s1"
