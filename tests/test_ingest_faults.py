"""Ingestion under faults: SIGKILL of the service mid-batch, broker restart and
PostgreSQL restart mid-stream.  Each asserts the exact set of stored readings:
nothing lost, nothing doubled, no dead letter."""

from __future__ import annotations

import signal
import threading
import time
import uuid

import pytest
from ingest_helpers import (
    OwnPostgres,
    Service,
    dead_letters,
    make_stream,
    prime_session,
    reading_count,
    setup_database,
    stored_readings,
    wait_until,
    write_config,
)
from support import publish_all

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt, pytest.mark.slow]


class Publisher(threading.Thread):
    """Publishes a stream in the background (QoS 1, every message acknowledged)."""

    def __init__(self, broker, messages, chunk=500, pause=0.0):
        super().__init__(daemon=True)
        self.broker, self.messages, self.chunk, self.pause = broker, messages, chunk, pause
        self.error: BaseException | None = None

    def run(self):
        try:
            for start in range(0, len(self.messages), self.chunk):
                part = self.messages[start : start + self.chunk]
                publish_all(self.broker.host, self.broker.port, f"gw-{uuid.uuid4().hex[:8]}", part)
                time.sleep(self.pause)
        except BaseException as error:
            self.error = error

    def finish(self, timeout=120):
        self.join(timeout)
        assert not self.is_alive(), "publisher did not finish"
        if self.error:
            raise self.error


def _assert_exact(dsn, expected, service):
    rows = stored_readings(dsn)
    assert len(rows) == len(set(rows)), "duplicates stored"
    assert set(rows) == expected, f"lost {len(expected - set(rows))}"
    assert dead_letters(dsn) == []
    assert "Traceback" not in service.output()


def test_sigkill_mid_batch_then_restart(tmp_path, pg_dsn, broker):
    registry = setup_database(pg_dsn)
    client_id = "ingest-sigkill"
    prime_session(broker.host, broker.port, client_id)
    messages, expected = make_stream(registry, minutes=1500, per_message=1)
    # small batches so that several are in flight when the kill comes
    config = write_config(
        tmp_path / "odoo.conf", pg_dsn, broker.port, client_id, ingest_batch_rows=300
    )
    service = Service(config, tmp_path / "ingest.log").start()
    publisher = Publisher(broker, messages)
    publisher.start()
    try:
        wait_until(lambda: reading_count(pg_dsn) >= 1500, 60, "first batches", service)
        service.stop(signal.SIGKILL)
        killed_at = reading_count(pg_dsn)
        assert killed_at < len(expected), "the stream was over before the kill"
        time.sleep(0.5)
        service.start()
        publisher.finish()
        wait_until(lambda: reading_count(pg_dsn) >= len(expected), 90, "every reading", service)
        time.sleep(0.5)  # anything doubled would show up now
        assert service.stop(signal.SIGTERM) == 0
    finally:
        service.stop(signal.SIGKILL)
    _assert_exact(pg_dsn, expected, service)


def test_broker_restart_mid_stream(tmp_path, pg_dsn, broker):
    registry = setup_database(pg_dsn)
    client_id = "ingest-broker-restart"
    prime_session(broker.host, broker.port, client_id)
    messages, expected = make_stream(registry, minutes=1200, per_message=1)
    half = len(messages) // 2
    config = write_config(tmp_path / "odoo.conf", pg_dsn, broker.port, client_id)
    service = Service(config, tmp_path / "ingest.log").start()
    try:
        publish_all(broker.host, broker.port, "gw-a", messages[:half])
        wait_until(lambda: reading_count(pg_dsn) >= 500, 60, "first readings", service)
        broker.restart()  # SIGTERM: the broker saves its queues, then starts again
        publish_all(broker.host, broker.port, "gw-b", messages[half:])
        wait_until(lambda: reading_count(pg_dsn) >= len(expected), 90, "every reading", service)
        time.sleep(0.5)
        assert service.stop(signal.SIGTERM) == 0
    finally:
        service.stop(signal.SIGKILL)
    assert "disconnected from the broker" in service.output()
    _assert_exact(pg_dsn, expected, service)


@pytest.fixture
def own_postgres():
    server = OwnPostgres().init()
    server.start()
    yield server
    server.destroy()


def test_postgres_restart_mid_stream(tmp_path, own_postgres, broker):
    dsn = own_postgres.create_database("ingest")
    registry = setup_database(dsn)
    client_id = "ingest-pg-restart"
    prime_session(broker.host, broker.port, client_id)
    messages, expected = make_stream(registry, minutes=1200, per_message=1)
    config = write_config(tmp_path / "odoo.conf", dsn, broker.port, client_id)
    service = Service(config, tmp_path / "ingest.log").start()
    publisher = Publisher(broker, messages, chunk=500, pause=0.1)
    publisher.start()
    try:
        wait_until(lambda: reading_count(dsn) >= 500, 60, "first readings", service)
        own_postgres.stop("immediate")  # a crash: no checkpoint, WAL replay at start
        time.sleep(2)
        own_postgres.start()
        publisher.finish()
        wait_until(lambda: reading_count(dsn) >= len(expected), 90, "every reading", service)
        time.sleep(0.5)
        assert service.stop(signal.SIGTERM) == 0
    finally:
        service.stop(signal.SIGKILL)
    assert "batch kept for retry" in service.output() or "database unavailable" in service.output()
    _assert_exact(dsn, expected, service)
