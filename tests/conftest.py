"""Fixtures of the repository-level suites: real PostgreSQL, real Mosquitto.

* ``pg_dsn``: a throw-away database on the PostgreSQL server named by the usual
  PG* variables (default 127.0.0.1:5432, current user), dropped afterwards.
* ``broker`` / ``broker_factory``: a Mosquitto of the test's own, started on a
  free loopback port with the configuration we ship (persistence on, queue limits
  for a day of backlog), so a test may stop and restart it freely.

A missing server is an error, not a skip: these suites exist to talk to real
services.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from support import Broker, dev_broker_config, free_port, pg_params


@pytest.fixture
def pg_dsn() -> Iterator[dict]:
    """Connection parameters of a fresh, empty database (dropped afterwards)."""
    name = f"pytest_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(**pg_params())
    admin.autocommit = True
    with admin.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_params(name)
    finally:
        with admin.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture
def broker_factory(tmp_path: Path) -> Iterator:
    """Start brokers of the test's own: ``broker_factory(config_text=None)``."""
    brokers: list[Broker] = []

    def make(config_text: str | None = None, port: int | None = None) -> Broker:
        workdir = tmp_path / f"broker{len(brokers)}"
        workdir.mkdir()
        port = port or free_port()
        text = (config_text or dev_broker_config(workdir, port)).replace("@WORKDIR@", str(workdir))
        broker = Broker(config_text=text, workdir=workdir, port=port)
        brokers.append(broker)
        return broker.start()

    yield make
    for broker in brokers:
        broker.stop(signal.SIGKILL)


@pytest.fixture
def broker(broker_factory) -> Broker:
    """One Mosquitto with our development configuration."""
    return broker_factory()
