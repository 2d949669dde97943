"""The ingestion service's two processes: either one killed loses and doubles nothing.

The receiving process (MQTT, acks) forks a database process (validation, writes);
real Mosquitto (a broker of the test's own) and real PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from ingest_helpers import (
    Service,
    make_stream,
    prime_session,
    reading_count,
    setup_database,
    stored_readings,
    wait_until,
    write_config,
)
from support import publish_all

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]


def _database_process(service: Service) -> int:
    """Pid of the service's database process (its only child)."""
    pid = service.process.pid
    children: list[str] = []

    def found() -> bool:
        children[:] = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return bool(children)

    wait_until(found, 20, "the database process", service)
    assert len(children) == 1, children
    return int(children[0])


def _gone(pid: int) -> bool:
    """Exited (reaped, or a zombie waiting for whoever adopted it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def _start(tmp_path, pg_dsn, broker, client_id) -> Service:
    """The service on a primed persistent session, once it is connected."""
    prime_session(broker.host, broker.port, client_id)
    config = write_config(tmp_path / "odoo.conf", pg_dsn, broker.port, client_id)
    service = Service(config, tmp_path / "ingest.log").start()
    wait_until(lambda: "connected to 127.0.0.1" in service.output(), 30, "connected", service)
    return service


def test_database_process_killed_the_service_exits_and_a_restart_loses_nothing(
    tmp_path, pg_dsn, broker
):
    registry = setup_database(pg_dsn)
    messages, expected = make_stream(registry, minutes=120, per_message=1)
    first, second = messages[: len(messages) // 2], messages[len(messages) // 2 :]
    service = _start(tmp_path, pg_dsn, broker, "ingest-db-killed")
    try:
        publish_all(broker.host, broker.port, "gw-sim", first)
        wait_until(lambda: reading_count(pg_dsn) >= len(first), 60, "first half", service)
        os.kill(_database_process(service), signal.SIGKILL)
        # the receiving process notices, acks nothing more and exits non-zero
        assert service.process.wait(30) == 1
        assert "the database process is gone" in service.output()
        service.process = None
        publish_all(broker.host, broker.port, "gw-sim", second)  # queued by the broker
        service.start()
        wait_until(lambda: reading_count(pg_dsn) >= len(expected), 60, "every reading", service)
        time.sleep(0.5)  # anything doubled would show up now
        assert service.stop(signal.SIGTERM) == 0
    finally:
        service.stop(signal.SIGKILL)
    rows = stored_readings(pg_dsn)
    assert len(rows) == len(set(rows)) == len(expected)
    assert set(rows) == expected


def test_receiving_process_killed_the_database_process_follows(tmp_path, pg_dsn, broker):
    setup_database(pg_dsn)
    service = _start(tmp_path, pg_dsn, broker, "ingest-rx-killed")
    child = _database_process(service)
    service.stop(signal.SIGKILL)
    wait_until(lambda: _gone(child), 10, "the database process to exit")


def test_sigterm_stops_both_processes(tmp_path, pg_dsn, broker):
    setup_database(pg_dsn)
    service = _start(tmp_path, pg_dsn, broker, "ingest-sigterm")
    child = _database_process(service)
    assert service.stop(signal.SIGTERM) == 0
    wait_until(lambda: _gone(child), 10, "the database process to exit")
    assert "stopped:" in service.output()
