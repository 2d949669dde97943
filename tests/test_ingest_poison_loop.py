"""A message that kills the ingestion service is dead-lettered after three deaths
instead of being redelivered forever (``services/ingest/journal.py``).

Pure tests of the journal, then the real loop: the service under a supervisor that
restarts it whenever it exits (as Docker's restart policy and ``make run`` do), a
real broker of the test's own, a real database, and a message that kills the
service's database process each time it is handed to it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from ingest_helpers import (
    Service,
    make_stream,
    prime_session,
    query,
    reading_count,
    setup_database,
    stored_readings,
    wait_until,
    write_config,
)
from support import publish_all

from coldchain_sites.services.ingest import journal as journal_module
from coldchain_sites.services.ingest.journal import CrashJournal, message_digest, replay

CRASHING_SERVICE = Path(__file__).resolve().parent / "crashing_ingest.py"


# ---------------------------------------------------------------- the journal alone
def test_replay_returns_the_batches_never_settled():
    lines = ["S 1 aa,bb\n", "S 2 cc\n", "C 1\n", "S 3 dd,ee\n", "S 4 ff", "garbage\n", "C"]
    assert sorted(replay(lines)) == ["cc", "dd", "ee", "ff"]


def test_digest_is_the_message_not_its_delivery():
    assert message_digest("sites/A/x", b"{}") == message_digest("sites/A/x", b"{}")
    assert message_digest("sites/A/x", b"{}") != message_digest("sites/A/y", b"{}")
    assert message_digest("sites/A/x", b"ab") != message_digest("sites/A/xa", b"b")
    cut = message_digest("t", b"head", (10_000_000, b"\x01" * 32))
    assert cut != message_digest("t", b"head") != message_digest("t", b"head", (9, b"\x01" * 32))


def test_deaths_are_counted_across_restarts_and_cleared_by_a_commit(tmp_path):
    first = CrashJournal(tmp_path, "svc", poison_after=3)
    assert first.open() == 0
    first.sent(1, ["aa", "bb"])
    first.sent(2, ["cc"])
    first.settled(2, ["cc"], committed=True)
    first.close()  # died with batch 1 in flight

    second = CrashJournal(tmp_path, "svc", poison_after=3)
    assert second.open() == 2
    assert (second.deaths("aa"), second.deaths("bb"), second.deaths("cc")) == (1, 1, 0)
    second.sent(1, ["aa"])
    second.close()  # died again, with aa alone

    third = CrashJournal(tmp_path, "svc", poison_after=3)
    third.open()
    assert (third.deaths("aa"), third.deaths("bb")) == (2, 1)
    third.sent(1, ["bb"])
    third.settled(1, ["bb"], committed=True)  # bb was innocent: stored, forgotten
    third.sent(2, ["aa"])
    third.settled(2, ["aa"], committed=False)  # stop asked: no one's death
    third.close()

    fourth = CrashJournal(tmp_path, "svc", poison_after=3)
    assert fourth.open() == 0
    assert (fourth.deaths("aa"), fourth.deaths("bb")) == (2, 0)


def test_suspects_are_bounded_and_a_bad_directory_never_stops_the_service(tmp_path, monkeypatch):
    monkeypatch.setattr(journal_module, "MAX_SUSPECTS", 3)
    journal = CrashJournal(tmp_path, "svc")
    journal.open()
    journal.sent(1, ["a", "b", "c", "d", "e"])
    journal.close()
    again = CrashJournal(tmp_path, "svc")
    again.open()
    assert len(again.suspects) == 3
    (tmp_path / "svc.suspects").write_text("{not json")
    assert CrashJournal(tmp_path, "svc").open() == 0  # unreadable: starts afresh

    blocked = tmp_path / "file"
    blocked.write_text("")
    unusable = CrashJournal(blocked / "sub", "svc")  # a file where a directory should be
    assert unusable.open() == 0
    unusable.sent(1, ["x"])
    unusable.settled(1, ["x"], committed=True)
    assert unusable.deaths("x") == 0


# ------------------------------------------------------------------ the real loop
class Supervisor(threading.Thread):
    """Restarts the service whenever it exits, until stopped (a restart policy)."""

    def __init__(self, service: Service):
        super().__init__(daemon=True)
        self.service = service
        self.exits: list[int] = []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            process = self.service.process
            if process is not None and process.poll() is not None:
                self.exits.append(process.returncode)
                self.service.process = None
                time.sleep(0.5)
                if not self.halt.is_set():
                    self.service.start()
            time.sleep(0.05)

    def stop(self):
        self.halt.set()
        self.join(10)


@pytest.mark.postgres
@pytest.mark.mqtt
@pytest.mark.slow
def test_a_message_that_kills_the_service_is_dead_lettered_after_three_deaths(
    tmp_path, pg_dsn, broker
):
    registry = setup_database(pg_dsn)
    client_id = "ingest-poison-loop"
    prime_session(broker.host, broker.port, client_id)
    config = write_config(tmp_path / "odoo.conf", pg_dsn, broker.port, client_id)
    service = Service(config, tmp_path / "ingest.log")
    service.start = lambda: _start_crashing(service)
    service.start()
    wait_until(lambda: "connected to 127.0.0.1" in service.output(), 30, "connected", service)
    supervisor = Supervisor(service)
    supervisor.start()

    messages, expected = make_stream(registry, minutes=60, per_message=1)
    gateway = registry.site_of and next(iter(registry.gateways))
    site = registry.site_of[gateway]
    poison = (f"sites/{site}/{gateway}/status", b'{"status": "online", "note": "CRASH-ME"}')
    half = len(messages) // 2
    try:
        publish_all(broker.host, broker.port, "gw-poison", [*messages[:half], poison])
        publish_all(broker.host, broker.port, "gw-poison", messages[half:])
        wait_until(
            lambda: (
                reading_count(pg_dsn) >= len(expected)
                and query(pg_dsn, "SELECT count(*) FROM coldchain_dead_letter")[0][0] >= 1
            ),
            120,
            "every reading and the poison dead letter",
            service,
        )
        time.sleep(1.0)
        assert service.alive(), "the service is up again and stays up"
    finally:
        supervisor.stop()
        rc = service.stop(signal.SIGTERM)
    log = service.output()
    # exactly three deaths (the database process killed, the service exiting 1)
    assert supervisor.exits == [1, 1, 1], (supervisor.exits, log[-3000:])
    assert log.count("the database process is gone") == 3
    assert "died with 1 message(s) in flight (worst: 3 death(s)" in log
    assert rc == 0
    rows = stored_readings(pg_dsn)
    assert len(rows) == len(set(rows)), "duplicates stored"
    assert set(rows) == expected, "an innocent message was lost"
    dead = query(
        pg_dsn,
        "SELECT topic, reason_code, reason_text, payload, payload_size FROM coldchain_dead_letter",
    )
    assert len(dead) == 1, dead
    topic, reason, text, payload, size = dead[0]
    assert (topic, reason, bytes(payload), size) == (
        poison[0],
        "poison_message",
        poison[1],
        len(poison[1]),
    )
    assert "died 3 times" in text
    # acknowledged: a restarted service gets nothing back and does not die
    service.start()
    wait_until(lambda: log_count(service, "session present: True") >= 5, 30, "reconnected")
    time.sleep(3)
    assert service.stop(signal.SIGTERM) == 0
    assert (
        service.output()
        .rstrip()
        .splitlines()[-1]
        .endswith("stopped: 0 readings, 0 dead letters (0 poison), 0 messages")
    ), service.output()[-800:]


def log_count(service: Service, text: str) -> int:
    return service.output().count(text)


def _start_crashing(service: Service) -> Service:
    handle = service.log.open("ab")
    service.process = subprocess.Popen(
        [sys.executable, str(CRASHING_SERVICE), "-c", str(service.config)],
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    return service
