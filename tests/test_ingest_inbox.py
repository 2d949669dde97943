"""The bounded hand-over between paho's network thread and the ingest collector:
bounded by count and by bytes."""

import queue
import threading
import time

import pytest

from coldchain_sites.services.ingest.service import Inbox


def entry(n, size=1):
    """An inbox item as the service queues them: (ack, message, size)."""
    return (n, None, size)


def values(entries):
    return [e[0] for e in entries]


def test_fifo_and_empty():
    inbox = Inbox(3)
    assert inbox.empty()
    for n in range(3):
        assert inbox.put(entry(n), 0.01, 1)
    assert [inbox.get(timeout=0.01)[0] for _ in range(3)] == [0, 1, 2]
    assert inbox.empty() and inbox.bytes == 0
    with pytest.raises(queue.Empty):
        inbox.get(timeout=0.01)


def test_full_inbox_blocks_the_producer_until_room_or_timeout():
    inbox = Inbox(2)
    inbox.put(entry("a"), 0.01, 1)
    inbox.put(entry("b"), 0.01, 1)
    started = time.monotonic()
    assert not inbox.put(entry("c"), 0.05, 1)  # backpressure: refused after the timeout
    assert time.monotonic() - started >= 0.05
    assert values(inbox.items) == ["a", "b"]
    threading.Timer(0.05, inbox.get, kwargs={"timeout": 1}).start()
    assert inbox.put(entry("c"), 2, 1)  # woken by the consumer's get
    assert values(inbox.items) == ["b", "c"]


def test_bytes_bound_the_inbox_as_well_as_the_count():
    inbox = Inbox(1000, capacity_bytes=100)
    assert inbox.put(entry("big", 250), 0.01, 250)  # larger than the bound: alone, it fits
    assert not inbox.put(entry("x", 1), 0.05, 1)
    assert inbox.get(timeout=0.01)[0] == "big"
    for n in range(4):
        assert inbox.put(entry(n, 30), 0.01, 30)
    assert inbox.bytes == 120
    assert not inbox.put(entry("y", 1), 0.05, 1)  # 120 >= 100 bytes held
    assert values(inbox.take(10, room=70)) == [0, 1]  # a third would pass 70 bytes
    assert inbox.bytes == 60
    assert inbox.put(entry("z", 30), 0.01, 30)
    assert values(inbox.take(10)) == [2, 3, "z"]
    assert inbox.bytes == 0


def test_one_producer_one_consumer_lose_and_reorder_nothing():
    inbox, total, received = Inbox(16, capacity_bytes=64), 50_000, []

    def produce():
        for n in range(total):
            size = n % 13
            while not inbox.put(entry(n, size), 0.5, size):
                pass

    producer = threading.Thread(target=produce)
    producer.start()
    peak = 0
    while len(received) < total:
        try:
            received.append(inbox.get(timeout=1)[0])
            received.extend(values(inbox.take(5, room=40)))
        except queue.Empty:
            break
        peak = max(peak, inbox.bytes)
    producer.join(10)
    assert received == list(range(total))
    assert len(inbox.items) == 0 and inbox.bytes == 0
    assert peak < 64 + 13
