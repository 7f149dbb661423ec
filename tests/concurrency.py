"""Double submits: the same POST sent by several browsers at the same moment.

Each thread has its own test client (signed in before the race) and so its own database connection;
a barrier releases them together. A view that fails answers 500 here instead of raising, as it would
for a real browser.
"""

import threading

from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client

PARALLEL = 10


def post_at_once(url: str, data: dict | list[dict], *, user=None, count: int = PARALLEL) -> list:
    """POST `data` to `url` from `count` clients at once (signed in as `user`, or anonymous); a list of
    payloads sends one from each of as many clients."""
    payloads = data if isinstance(data, list) else [data] * count
    count = len(payloads)
    clients = [Client(raise_request_exception=False) for _ in range(count)]
    if user is not None:
        for client in clients:
            client.force_login(user)
    start = threading.Barrier(count)
    responses: list = [None] * count

    def post(index: int) -> None:
        try:
            start.wait()
            responses[index] = clients[index].post(url, payloads[index])
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def statuses(responses) -> list[int]:
    return sorted(response.status_code for response in responses)


def messages_of(response) -> list[str]:
    """The messages the view added for the next page (what a redirected browser is shown)."""
    return [str(message) for message in get_messages(response.wsgi_request)]
