"""One client must not own the queue: at most `most` waiting requests per client.

Gradio's queue has one global `max_size`; a script that submits 40 jobs fills it and every other
user gets "Queue is full". `limit_per_client` wraps the queue's `push` so that a client with `most`
requests already waiting is answered at once with a sentence, while everyone else still gets in.
A client is the first address of X-Forwarded-For where a proxy sets it (Hugging Face Spaces), else
the browser tab's or gradio_client's session.
"""

from __future__ import annotations

from typing import Any


def client_key(session_hash: str | None, request: Any) -> str:
    headers = getattr(request, "headers", None) or {}
    forwarded = headers.get("x-forwarded-for", "")
    return f"ip:{forwarded.split(',')[0].strip()}" if forwarded else f"session:{session_hash}"


def waiting(queue, key: str) -> int:
    """Requests of client `key` waiting (not yet running) in any lane of the queue."""
    return sum(client_key(e.session_hash, e.request) == key
               for lane in queue.event_queue_per_concurrency_id.values() for e in lane.queue)


def limit_per_client(queue, most: int) -> None:
    """Refuse a client's request while `most` of its requests are already waiting."""
    push = queue.push

    async def fair_push(body, request, username):
        n = waiting(queue, client_key(body.session_hash, request))
        if n >= most:
            return (False, f"You already have {n} requests waiting; the studio takes at most {most} per user "
                           "at a time. Wait for them to finish (or cancel them) before sending more.", "queue_full")
        return await push(body=body, request=request, username=username)

    queue.push = fair_push
