"""The bounded hand-over between paho's network thread and the ingest collector."""

import queue
import threading
import time

import pytest

from coldchain_sites.services.ingest.service import Inbox


def test_fifo_and_empty():
    inbox = Inbox(3)
    assert inbox.empty()
    for n in range(3):
        assert inbox.put(n, timeout=0.01)
    assert [inbox.get(timeout=0.01) for _ in range(3)] == [0, 1, 2]
    assert inbox.empty()
    with pytest.raises(queue.Empty):
        inbox.get(timeout=0.01)


def test_full_inbox_blocks_the_producer_until_room_or_timeout():
    inbox = Inbox(2)
    inbox.put("a", timeout=0.01)
    inbox.put("b", timeout=0.01)
    started = time.monotonic()
    assert not inbox.put("c", timeout=0.05)  # backpressure: refused after the timeout
    assert time.monotonic() - started >= 0.05
    assert list(inbox.items) == ["a", "b"]
    threading.Timer(0.05, inbox.get, kwargs={"timeout": 1}).start()
    assert inbox.put("c", timeout=2)  # woken by the consumer's get
    assert list(inbox.items) == ["b", "c"]


def test_one_producer_one_consumer_lose_and_reorder_nothing():
    inbox, total, received = Inbox(16), 50_000, []

    def produce():
        for n in range(total):
            while not inbox.put(n, timeout=0.5):
                pass

    producer = threading.Thread(target=produce)
    producer.start()
    while len(received) < total:
        try:
            received.append(inbox.get(timeout=1))
        except queue.Empty:
            break
    producer.join(10)
    assert received == list(range(total))
    assert len(inbox.items) <= 16
