"""The telemetry ingestion service: MQTT (QoS 1, persistent session) → PostgreSQL.

Two processes, so that receiving and writing each have a core (the GIL would make
them share one)::

    receiving process (this one)                        database process (child)
    paho network thread ─ on_message ─▶ bounded inbox   validate (engine), batch,
                                        (blocks when     COPY + INSERT, COMMIT,
                                         full: back-     liveness, silence sweep,
    dispatcher: cut a batch (N messages  pressure to     registry refresh
    or flush_ms) ──── raw messages ────▶ the broker)  ──▶ "batch n committed"
                 ◀─────────────────────────────────────────┘
    then ack each message of batch n (PUBACK)

* At-least-once end to end: a message is acknowledged (PUBACK, ``manual_ack``) only
  after the transaction holding its readings and dead letters is committed.  Killed
  before that, the broker redelivers it (persistent session: ``clean_session`` off);
  inserts are idempotent (``ON CONFLICT DO NOTHING`` on (sensor, ts) and on the dead
  letter's digest), so a redelivery stores nothing twice.  At most
  ``MAX_BATCHES_IN_FLIGHT`` batches are with the database process at once.
* Acks of messages received on an earlier connection are never sent on a new one
  (their packet ids may have been reused); the broker redelivers them instead.
* Database down: the batch is kept and retried with backoff; nothing is acked
  meanwhile, the inbox fills, ``on_message`` blocks, the broker keeps the rest.
* Liveness (last_seen, state, monitoring-lost events) is updated in a second,
  short transaction after the readings' commit, so that readings never wait on a
  lock held by a user editing a sensor in Odoo; a failed update is logged and made
  good by the next batch (last_seen only moves forward).
* One bad message never stops the others: validation never raises (the engine turns
  anything unforeseen into an ``internal_error`` rejection), and a batch whose write
  fails because of its data (a value PostgreSQL refuses, a string the driver cannot
  encode) is written again message by message, each under a savepoint, so that the
  failing message becomes an ``internal_error`` dead letter and the others are
  stored; its acknowledgment follows that commit like any other.  Errors that are
  not the data's (connection lost, lock timeout, permissions) are retried with
  backoff and acknowledge nothing.
* Memory is bounded in bytes as well as in messages: the inbox holds at most
  ``ingest_queue_messages`` / ``ingest_queue_bytes``, a batch at most
  ``ingest_batch_rows`` / ``ingest_batch_bytes`` (a single larger message makes a
  batch of its own), at most ``MAX_BATCHES_IN_FLIGHT`` batches are with the database
  process, and a payload above ``ingest_max_payload_bytes`` is cut to its first
  ``ingest_dead_letter_payload_bytes`` (with its size and SHA-256) before it leaves
  the receiving process.  A dead letter stores that prefix, never a whole payload.
* A different value for a (sensor, ts) already stored is a ``conflicting_value``
  dead letter (counted on the sensor); the first value stays the stored one.
* SIGTERM/SIGINT (to the receiving process; the database process ignores them and
  follows its parent): what is already received is written and acknowledged
  (within ``STOP_GRACE_S``), then the service disconnects and exits 0.  SIGKILL of
  either process loses nothing: what was not acked is redelivered; the database
  process leaves when its parent is gone, the receiving one exits 1 when its child
  is gone (for the supervisor to restart it).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import hashlib
import io
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import psycopg2

from ...engine import telemetry, telemetry_sql
from . import settings as settings_module
from .journal import CrashJournal, message_digest

_logger = logging.getLogger("coldchain.ingest")

SUBSCRIPTION = "sites/#"


def subscription(share_group: str = "") -> str:
    """``sites/#``, or ``$share/<group>/sites/#``: N instances on one shared
    subscription each get a share of the messages (MQTT 5 shared subscriptions,
    which Mosquitto >= 1.6, EMQX, HiveMQ, VerneMQ also accept from 3.1.1 clients).
    The group name is checked when the settings are loaded."""
    if not share_group:
        return SUBSCRIPTION
    return f"$share/{share_group}/{SUBSCRIPTION}"


IDLE_FLUSH_S = 0.002  # no new message for this long: flush (the broker's in-flight window is full)
UNKNOWN = ("unknown_sensor", "unknown_gateway")
MIN_REFRESH_S = 5.0
NULL = "\\N"
STOP_GRACE_S = 20.0  # after SIGTERM, how long a batch is retried against a down database
MAX_BATCHES_IN_FLIGHT = 2  # with the database process: one being written, one waiting
MAX_TOPIC_TEXT = 512  # characters of a topic stored with a dead letter
SUSPECT_BATCH = 50  # messages with one death travel in batches of at most this many
# Errors a write raises because of the data it carries (not of the database's state):
# the batch is written again message by message to find the culprit.
DATA_ERRORS = (
    psycopg2.DataError,
    psycopg2.IntegrityError,
    ValueError,  # psycopg2 refuses NUL in strings before sending them
    UnicodeError,
    TypeError,
    OverflowError,
)


class PoisonBatch(Exception):
    """A batch's write failed because of its data (see ``DATA_ERRORS``)."""


class Inbox:
    """Bounded FIFO from paho's network thread to the collector (one producer, one
    consumer), cheaper per message than ``queue.Queue``: ``deque.append`` and
    ``popleft`` are atomic, and the two threads only synchronise when the consumer
    waits for a message or the producer for room.

    Bounded by count (``capacity``) and by bytes (``capacity_bytes``); an item
    larger than the byte bound is still let in when the inbox is empty.  The bytes
    held are ``added - removed``: each counter is written by one thread only.
    Items are ``(ack, message, size)``.
    """

    def __init__(self, capacity: int, capacity_bytes: int = 0):
        self.capacity = capacity
        self.capacity_bytes = capacity_bytes or float("inf")
        self.items: deque = deque()
        self.added = 0  # bytes put (producer only)
        self.removed = 0  # bytes taken (consumer only)
        self.not_empty = threading.Event()
        self.not_full = threading.Event()
        self.not_full.set()

    @property
    def bytes(self) -> int:
        return self.added - self.removed

    def empty(self) -> bool:
        return not self.items

    def _full(self) -> bool:
        items = self.items
        return bool(items) and (
            len(items) >= self.capacity or self.added - self.removed >= self.capacity_bytes
        )

    def put(self, item, timeout: float, size: int = 0) -> bool:
        """Append ``item`` (of ``size`` bytes); False when there is still no room
        after ``timeout`` s."""
        if self._full():
            self.not_full.clear()
            # re-checked after clear(): a get() in between has set it again or made room
            if self._full() and not self.not_full.wait(timeout):
                return False
        self.added += size
        self.items.append(item)
        if not self.not_empty.is_set():
            self.not_empty.set()
        return True

    def _taken(self, taken: list) -> None:
        self.removed += sum(entry[-1] for entry in taken) if taken else 0
        if taken and not self.not_full.is_set() and not self._full():
            self.not_full.set()

    def take(self, limit: int, room: float = float("inf")) -> list:
        """Up to ``limit`` of the oldest items, without waiting, stopping before one
        that would take their total size beyond ``room`` bytes."""
        items = self.items
        count = min(limit, len(items))
        # the producer counts an item's bytes before appending it: read after the
        # length, ``added`` covers at least those ``count`` items
        if self.added - self.removed <= room:
            taken = [items.popleft() for _ in range(count)]
        else:
            taken, total = [], 0
            while items and len(taken) < limit:
                total += items[0][-1]  # only this thread removes: items[0] stays put
                if total > room:
                    break
                taken.append(items.popleft())
        self._taken(taken)
        return taken

    def get(self, timeout: float):
        """The oldest item; raises ``queue.Empty`` after ``timeout`` s without one."""
        items = self.items
        if not items:
            self.not_empty.clear()
            if not items and not self.not_empty.wait(timeout):
                raise queue.Empty
        item = items.popleft()
        self._taken([item])
        return item


class Batch:
    """Messages validated together and committed in one transaction.

    ``origins`` keeps, per message, what a dead letter of it needs and where its
    rows start: ``(topic, payload, received µs, sized, first reading, first dead
    letter)``; ``sized`` is the payload's real ``(size, sha256)`` when known (a
    payload cut by the receiving process, or one with a rejection), else None.
    """

    __slots__ = (
        "dead",
        "gateways",
        "items",
        "offline",
        "origins",
        "prefix_bytes",
        "readings",
        "received",
        "sensors",
    )

    def __init__(self, prefix_bytes: int = 2048):
        self.prefix_bytes = prefix_bytes
        self.readings: list[tuple] = []
        self.items: list[int | None] = []  # batch index of each reading
        self.received: list[int] = []  # receive time (µs) of each reading
        self.dead: list[tuple] = []
        self.origins: list[tuple] = []
        self.sensors: dict[int, int] = {}  # sensor id -> max ts (µs)
        self.gateways: dict[int, tuple[int, bool]] = {}  # id -> (seen µs, online)
        self.offline: dict[int, int] = {}

    def dead_letter(
        self, origin: tuple, reason: str, text: str, item_index, gateway_id, sensor_id
    ) -> tuple:
        """One row of ``INSERT_DEAD_LETTERS``: the payload's first ``prefix_bytes``,
        its size and SHA-256, a printable topic and a bounded reason text."""
        topic, payload, received_us, sized = origin[:4]
        size, sha256 = sized or (len(payload), hashlib.sha256(payload).digest())
        return (
            telemetry.dead_letter_digest(topic, sha256, reason, item_index),
            telemetry.clean_text(topic, MAX_TOPIC_TEXT),
            payload[: self.prefix_bytes],
            item_index,
            reason,
            telemetry.clean_text(text),
            gateway_id,
            sensor_id,
            received_us,
            size,
            sha256,
        )

    def add(self, topic, payload, received_us, outcome, oversize=None) -> None:
        """Add a message's outcome (None: a message that is not ours, nothing kept)."""
        if oversize is None and outcome is not None and outcome.rejections:
            # one SHA-256 per message, however many of its readings are rejected
            oversize = (len(payload), hashlib.sha256(payload).digest())
        origin = (topic, payload, received_us, oversize, len(self.readings), len(self.dead))
        dead = []
        if outcome is not None and outcome.rejections:
            dead = [
                self.dead_letter(origin, r.reason, r.text, r.item_index, r.gateway_id, r.sensor_id)
                for r in outcome.rejections
            ]
        self.origins.append(origin)
        if outcome is None:
            return
        readings = outcome.readings
        if readings:
            self.readings.extend(readings)
            self.items.extend(outcome.items)
            self.received.extend([received_us] * len(readings))
            sensors = self.sensors
            for reading in readings:
                sensor_id, ts = reading[0], min(reading[2], received_us)
                if ts > sensors.get(sensor_id, 0):
                    sensors[sensor_id] = ts
        self.dead.extend(dead)
        gateway_id = outcome.gateway_id
        if gateway_id is not None and (readings or outcome.status):
            if outcome.status == "offline":
                self.offline[gateway_id] = outcome.status_ts_us
            else:
                seen = outcome.status_ts_us or received_us
                previous = self.gateways.get(gateway_id, (0, False))[0]
                self.gateways[gateway_id] = (max(seen, previous), True)

    def add_failure(self, topic, payload, received_us, oversize, error: BaseException) -> None:
        """The last resort for a message whose processing failed: one
        ``internal_error`` dead letter, built from ASCII and bytes only."""
        if not isinstance(payload, bytes):  # paho gives bytes; never count on it here
            payload = ascii(payload).encode()
        origin = (
            ascii(topic)[1:-1][:MAX_TOPIC_TEXT],
            payload,
            received_us,
            oversize,
            len(self.readings),
            len(self.dead),
        )
        self.origins.append(origin)
        self.dead.append(self.dead_letter(origin, "internal_error", failure_text(error), *_NONE3))

    def add_poison(self, topic, payload, received_us, oversize, deaths: int) -> None:
        """A message the service died on ``deaths`` times (``journal``): one
        ``poison_message`` dead letter, without validating it again."""
        origin = (
            ascii(topic)[1:-1][:MAX_TOPIC_TEXT],
            payload if isinstance(payload, bytes) else ascii(payload).encode(),
            received_us,
            oversize,
            len(self.readings),
            len(self.dead),
        )
        self.origins.append(origin)
        text = (
            f"{telemetry.REASONS['poison_message']}: the service died {deaths} times "
            "while this message was being processed"
        )
        self.dead.append(self.dead_letter(origin, "poison_message", text, *_NONE3))

    # ------------------------------------------------------------ one message
    def message_of(self, reading_index: int) -> int:
        """Index (in ``origins``) of the message a reading came from."""
        starts = [origin[4] for origin in self.origins]
        return bisect.bisect_right(starts, reading_index) - 1

    def span(self, message: int) -> tuple[int, int, int, int]:
        """``(first reading, end, first dead letter, end)`` of a message."""
        origin = self.origins[message]
        if message + 1 < len(self.origins):
            after = self.origins[message + 1]
            return origin[4], after[4], origin[5], after[5]
        return origin[4], len(self.readings), origin[5], len(self.dead)


_NONE3 = (None, None, None)


def failure_text(error: BaseException) -> str:
    """``internal_error`` text: the exception's class and a bounded, ASCII excerpt."""
    detail = ascii(str(error))[1:-1][:200]
    return f"{telemetry.REASONS['internal_error']}: {type(error).__name__}: {detail}"


class DatabaseWorker:
    """The database process: validates the raw messages of each batch with the
    engine, writes readings and dead letters in one transaction, then liveness;
    answers ``("done", batch id, committed?, readings, dead letters)``."""

    def __init__(self, settings: settings_module.Settings, conn):
        self.settings = settings
        self.conn = conn  # multiprocessing Connection to the receiving process
        self.parent_pid = os.getppid()
        self.conns: dict[str, object] = {}  # role ("write", "meta") -> connection
        self.validator = telemetry.Validator(telemetry.Registry(), settings.limits)
        self.registry_loaded_at = 0.0
        self.last_sweep = time.monotonic()
        self.delays: dict[str, float] = {}

    def orphaned(self) -> bool:
        """The receiving process is gone: nothing this process writes can be acked."""
        return os.getppid() != self.parent_pid

    def _connect_db(self, role: str):
        while True:
            try:
                conn = psycopg2.connect(
                    **self.settings.db,
                    connect_timeout=10,
                    application_name=f"coldchain-ingest-{role}",
                    keepalives=1,
                    keepalives_idle=30,
                    keepalives_interval=10,
                    keepalives_count=3,
                    options="-c timezone=UTC -c lock_timeout=10000 -c statement_timeout=120000",
                )
                _logger.info("connected to database %s (%s)", self.settings.db["dbname"], role)
                return conn
            except psycopg2.OperationalError as error:
                delay = self._backoff(role)
                _logger.error("database unavailable (%s); retry in %.1f s", error, delay)
                if self.orphaned():
                    return None
                time.sleep(delay)

    def _backoff(self, key: str) -> float:
        """Exponential backoff: 0.5 s, 1 s, 2 s ... 30 s."""
        delay = min(30.0, self.delays.get(key, 0.25) * 2)
        self.delays[key] = delay
        return delay

    def _reset_backoff(self, key: str) -> None:
        self.delays.pop(key, None)

    def _run_db(self, work, role: str = "meta", on_failure: str = "retry"):
        """Run ``work(cursor)`` in one transaction and commit; returns its result
        (True for None), or False when this process is orphaned or gave up.

        A lost connection, a lock or statement timeout, a deadlock -- anything that
        is the database's state, not the data -- is retried with backoff, for as
        long as the receiving process lives (it decides when to stop waiting, and
        kills this process: what a batch holds is not acked, so that loses
        nothing).  Any other failure: ``on_failure="retry"`` retries it too,
        ``"poison"`` raises :class:`PoisonBatch` for a data error (the caller writes
        the batch again message by message), ``"skip"`` logs it and gives up.
        """
        while True:
            conn = self.conns.get(role)
            if conn is None or conn.closed:
                conn = self.conns[role] = self._connect_db(role)
                if conn is None:
                    return False
            try:
                with conn.cursor() as cr:
                    result = work(cr)
                conn.commit()
                self._reset_backoff(role)
                return True if result is None else result
            except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
                _logger.error("database error, batch kept for retry: %s", error)
                self._close_db(role)
            except Exception as error:
                self._rollback(role)
                if on_failure == "poison" and isinstance(error, DATA_ERRORS):
                    raise PoisonBatch(error) from error
                if on_failure == "skip":
                    _logger.exception("database work failed, skipped until next time")
                    return False
                # a psycopg2 error that is not the data's (permissions, a missing
                # table...): retried; nothing is acked meanwhile
                _logger.error("transaction failed, retried: %s: %s", type(error).__name__, error)
            delay = self._backoff(role)
            if self.orphaned():
                return False
            time.sleep(delay)

    def _rollback(self, role: str) -> None:
        conn = self.conns.get(role)
        if conn is None or conn.closed:
            return
        try:
            conn.rollback()
        except psycopg2.Error:
            self._close_db(role)

    def _close_db(self, role: str | None = None):
        for name in [role] if role else list(self.conns):
            conn = self.conns.pop(name, None)
            if conn is not None:
                try:
                    conn.close()
                except psycopg2.Error as error:
                    _logger.warning("closing the database connection: %s", error)

    def refresh_registry(self) -> bool:
        def load(cr):
            cr.execute(telemetry_sql.GATEWAYS_QUERY)
            gateways = cr.fetchall()
            cr.execute(telemetry_sql.SENSORS_QUERY)
            return telemetry.Registry.from_rows(gateways, cr.fetchall())

        first = self.registry_loaded_at == 0.0
        registry = self._run_db(load, on_failure="retry" if first else "skip")
        if not isinstance(registry, telemetry.Registry):
            self.registry_loaded_at = time.monotonic()  # keep the last one; next refresh tries
            return False
        self.validator = telemetry.Validator(registry, self.settings.limits)
        self.registry_loaded_at = time.monotonic()
        _logger.debug(
            "registry: %d gateways, %d sensors", len(registry.gateways), len(registry.sensors)
        )
        return True

    # ------------------------------------------------------------------ batches
    def _validate(self, topic, payload, received_us, retain, oversize):
        if "/commands/" in topic:
            return None  # the platform's own messages to gateways
        if retain and topic.endswith("/status"):
            return None  # a retained status is old news, not a heartbeat
        size = oversize[0] if oversize else None
        outcome = self.validator.validate(topic, payload, received_us, size)
        if (
            any(r.reason in UNKNOWN for r in outcome.rejections)
            and time.monotonic() - self.registry_loaded_at > MIN_REFRESH_S
        ):
            # a gateway or sensor registered since the last refresh?
            self.refresh_registry()
            outcome = self.validator.validate(topic, payload, received_us, size)
        return outcome

    def build_batch(self, items) -> Batch:
        """Validate the raw messages ``(topic, payload, received µs, retain, oversize)``;
        a message whose processing fails becomes an ``internal_error`` dead letter."""
        batch = Batch(self.settings.dead_letter_payload_bytes)
        for topic, payload, received_us, retain, oversize, *deaths in items:
            if deaths:  # the service died with it in hand too often: never processed
                batch.add_poison(topic, payload, received_us, oversize, deaths[0])
                continue
            try:
                outcome = self._validate(topic, payload, received_us, retain, oversize)
                batch.add(topic, payload, received_us, outcome, oversize)
            except Exception as error:
                _logger.warning(
                    "message on %s: %s while processing it, dead-lettered",
                    ascii(topic)[:200],
                    type(error).__name__,
                )
                batch.add_failure(topic, payload, received_us, oversize, error)
        return batch

    @staticmethod
    def _copy_text(batch: Batch, start: int, end: int) -> str:
        lines = []
        append = lines.append
        readings, received = batch.readings, batch.received
        for n in range(start, end):
            sensor, gateway, ts, value, seq, late, expired = readings[n]
            append(
                f"{sensor}\t{gateway}\t{ts}\t{value!r}\t{NULL if seq is None else seq}"
                f"\t{received[n]}\t{'t' if late else 'f'}\t{'t' if expired else 'f'}\t{n}\n"
            )
        return "".join(lines)

    def _conflicts(self, batch: Batch, rows) -> list[tuple]:
        """Dead letters of staged readings whose (sensor, ts) holds another value."""
        codes = {info.id: code for code, info in self.validator.registry.sensors.items()}
        dead = []
        for n, stored in rows:
            sensor_id, gateway_id, ts_us, value = batch.readings[n][:4]
            origin = batch.origins[batch.message_of(n)]
            code = codes.get(sensor_id, sensor_id)
            text = (
                f"{telemetry.REASONS['conflicting_value']}: sensor {code}"
                f" at {telemetry.describe_us(ts_us)}: received {value!r}, kept {stored!r}"
            )
            dead.append(
                batch.dead_letter(
                    origin, "conflicting_value", text, batch.items[n], gateway_id, sensor_id
                )
            )
        return dead

    def _write_rows(
        self, cr, batch: Batch, readings: tuple[int, int], dead: list, clear: bool = False
    ) -> int:
        """Readings ``readings[0]:readings[1]`` of the batch and the dead letters
        ``dead`` (plus those of conflicting values), in the current transaction;
        returns the number of conflicting values.  ``clear``: empty the staging
        table afterwards (it empties itself at commit)."""
        conflicts = []
        start, end = readings
        if end > start:
            cr.execute(telemetry_sql.READINGS_STAGE_DDL)
            cr.copy_expert(
                telemetry_sql.COPY_READINGS_STAGE, io.StringIO(self._copy_text(batch, start, end))
            )
            cr.execute(telemetry_sql.INSERT_READINGS_FROM_STAGE)  # queues them too
            if cr.fetchone()[0] < end - start:  # duplicates, or conflicting values
                cr.execute(telemetry_sql.CONFLICTING_READINGS)
                conflicts = self._conflicts(batch, cr.fetchall())
            if clear:
                cr.execute("DELETE FROM coldchain_reading_stage")
        rows = dead + conflicts if conflicts else dead
        if rows:
            columns = list(zip(*rows, strict=True))
            cr.execute(
                telemetry_sql.INSERT_DEAD_LETTERS,
                [
                    [psycopg2.Binary(d) for d in columns[0]],
                    list(columns[1]),
                    [psycopg2.Binary(p) for p in columns[2]],
                    *(list(c) for c in columns[3:10]),
                    [psycopg2.Binary(d) for d in columns[10]],
                ],
            )
        return len(conflicts)

    def write_batch(self, batch: Batch):
        """Readings and dead letters of the batch in one transaction (retried);
        returns the number of dead letters written (False: not committed).

        Readings are COPied into a staging table, then inserted with one
        ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``.  A data error sends the
        batch through :meth:`write_isolated`.
        """

        def work(cr):
            return len(batch.dead) + self._write_rows(
                cr, batch, (0, len(batch.readings)), batch.dead
            )

        try:
            written = self._run_db(work, role="write", on_failure="poison")
        except PoisonBatch as poison:
            _logger.warning(
                "batch write failed on its data (%s): writing it message by message",
                type(poison.__cause__).__name__,
            )
            return self.write_isolated(batch)
        return written if written is not True else 0

    def write_isolated(self, batch: Batch):
        """The batch message by message, each under a savepoint: a message whose
        rows the database refuses becomes one ``internal_error`` dead letter."""

        def work(cr):
            written = 0
            for message in range(len(batch.origins)):
                r0, r1, d0, d1 = batch.span(message)
                if r0 == r1 and d0 == d1:
                    continue
                cr.execute("SAVEPOINT coldchain_message")
                try:
                    written += (d1 - d0) + self._write_rows(
                        cr, batch, (r0, r1), batch.dead[d0:d1], clear=True
                    )
                except Exception as error:
                    if isinstance(error, psycopg2.Error) and not isinstance(error, DATA_ERRORS):
                        raise  # not this message's fault: the whole transaction is retried
                    cr.execute("ROLLBACK TO SAVEPOINT coldchain_message")
                    origin = batch.origins[message]
                    _logger.warning(
                        "message on %s refused by the database (%s): dead-lettered",
                        ascii(origin[0])[:200],
                        type(error).__name__,
                    )
                    fallback = batch.dead_letter(
                        (ascii(origin[0])[1:-1][:MAX_TOPIC_TEXT], *origin[1:]),
                        "internal_error",
                        failure_text(error),
                        *_NONE3,
                    )
                    self._write_rows(cr, batch, (0, 0), [fallback])
                    written += 1
                cr.execute("RELEASE SAVEPOINT coldchain_message")
            return written

        written = self._run_db(work, role="write")
        return written if written is not True else 0

    def touch(self, batch: Batch) -> None:
        """Liveness: sensors' and gateways' last reading / heartbeat, gateways gone
        (instants travel as epoch microseconds), in its own short transaction."""
        if not (batch.sensors or batch.gateways or batch.offline):
            return

        def work(cr):
            if batch.sensors:
                cr.execute(
                    telemetry_sql.TOUCH_SENSORS,
                    [list(batch.sensors), list(batch.sensors.values())],
                )
            if batch.gateways:
                values = list(batch.gateways.values())
                cr.execute(
                    telemetry_sql.TOUCH_GATEWAYS,
                    [
                        list(batch.gateways),
                        [seen for seen, _online in values],
                        [online for _seen, online in values],
                    ],
                )
            if batch.offline:
                cr.execute(
                    telemetry_sql.GATEWAYS_OFFLINE,
                    [list(batch.offline), list(batch.offline.values())],
                )

        self._run_db(work, role="write", on_failure="skip")

    def sweep(self) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        params = {"now": now, "factor": self.settings.silence_factor}

        def work(cr):
            cr.execute(telemetry_sql.SWEEP_SENSORS, params)
            sensors = cr.fetchall()
            cr.execute(telemetry_sql.SWEEP_GATEWAYS, params)
            gateways = cr.fetchall()
            return len(sensors), len(gateways)

        result = self._run_db(work, on_failure="skip")
        if isinstance(result, tuple) and any(result):
            _logger.warning("monitoring lost: %d sensor(s), %d gateway(s) went silent", *result)

    def _housekeeping(self, idle: bool) -> None:
        now = time.monotonic()
        if now - self.registry_loaded_at > self.settings.registry_refresh_s:
            self.refresh_registry()
        # never sweep while catching up on a backlog: silence would be ours, not theirs
        if idle and now - self.last_sweep > self.settings.sweep_interval_s:
            self.last_sweep = now
            self.sweep()

    def process(self, items) -> tuple[Batch, int | bool]:
        """Validate and write one batch: ``(batch, dead letters written or False)``."""
        batch = self.build_batch(items)
        return batch, self.write_batch(batch)

    def serve(self) -> None:
        """Set up (tables, registry), say ``ready``, then batch after batch until the
        receiving process sends None or is gone."""
        if not self._run_db(telemetry_sql.create_telemetry_tables) or not self.refresh_registry():
            return
        self.conn.send(("ready",))
        while True:
            try:
                if not self.conn.poll(0.25):
                    if self.orphaned():
                        return
                    self._housekeeping(idle=True)
                    continue
                message = self.conn.recv()
            except (EOFError, OSError):
                return  # the receiving process is gone
            if message is None:
                return
            batch_id, items = message
            started = time.monotonic()
            batch, written = self.process(items)
            committed = written is not False
            try:
                self.conn.send(("done", batch_id, committed, len(batch.readings), written or 0))
            except (BrokenPipeError, OSError):
                return
            if not committed:
                return
            self.touch(batch)
            _logger.debug(
                "batch %d: %d messages, %d readings, %d dead letters in %.1f ms",
                batch_id,
                len(items),
                len(batch.readings),
                written,
                (time.monotonic() - started) * 1000,
            )
            self._housekeeping(idle=False)


def _database_process(settings: settings_module.Settings, conn, parent_end, log_level: int) -> None:
    """Entry point of the database process (forked by :class:`IngestService`)."""
    parent_end.close()  # inherited by the fork: its end only, so its death is an EOF here
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the receiving process decides
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _configure_logging(log_level)
    worker = DatabaseWorker(settings, conn)
    try:
        worker.serve()
    finally:
        worker._close_db()


class IngestService:
    """The receiving process: MQTT in, raw batches to the database process, acks."""

    def __init__(self, settings: settings_module.Settings):
        self.settings = settings
        self.queue = Inbox(settings.queue_messages, settings.queue_bytes)
        self.stopping = threading.Event()
        self.generation = 0
        self.client = self._mqtt_client()
        self.stats = defaultdict(int)
        self.conn = None  # Connection to the database process
        self.worker: multiprocessing.process.BaseProcess | None = None
        self.next_batch = 0
        # batch id -> ([(mid, qos, generation)], [message digest])
        self.in_flight: dict[int, tuple[list[tuple], list[str]]] = {}
        self.journal = CrashJournal(
            settings.state_dir, settings.mqtt_client_id, settings.poison_after
        )
        self.deferred: deque = deque()  # suspects: (ack, item, digest, deaths)
        self.solo = False  # a suspect is alone with the database process

    # ----------------------------------------------------------------- MQTT side
    def _mqtt_client(self) -> mqtt.Client:
        s = self.settings
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=s.mqtt_client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if s.mqtt_username:
            client.username_pw_set(s.mqtt_username, s.mqtt_password)
        if s.mqtt_tls:
            client.tls_set(ca_certs=s.mqtt_ca_file or None)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            _logger.error("broker refused the connection: %s", reason_code)
            return
        self.generation += 1
        _logger.info(
            "connected to %s:%s (session present: %s)",
            self.settings.mqtt_host,
            self.settings.mqtt_port,
            flags.session_present,
        )
        client.subscribe(subscription(self.settings.mqtt_share_group), qos=1)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        if not self.stopping.is_set():
            _logger.warning("disconnected from the broker (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message):
        try:
            topic = message.topic
        except UnicodeDecodeError:  # Mosquitto refuses such topics; never count on it
            topic = message._topic.decode("utf-8", "backslashreplace")
        payload = message.payload
        oversize = None
        if len(payload) > self.settings.limits.max_payload_bytes:
            # refused anyway: only its beginning, size and digest cross to the database
            # process (a broker without message_size_limit lets such payloads through)
            oversize = (len(payload), hashlib.sha256(payload).digest())
            payload = payload[: self.settings.dead_letter_payload_bytes]
        size = len(payload) + len(topic)
        item = (
            (message.mid, message.qos, self.generation),  # to ack it
            (topic, payload, time.time_ns() // 1000, message.retain, oversize),
            size,
        )
        # bounded queue: block the network thread (backpressure)
        while not self.queue.put(item, 0.5, size):
            if self.stopping.is_set():
                return  # not acked: the broker redelivers it

    # ------------------------------------------------------------- dispatcher
    def collect(self) -> tuple[list, list] | None:
        """The next batch of raw messages: ``(items, acks)``; None when none came."""
        try:
            arrived = [self.queue.get(timeout=0.25)]
        except queue.Empty:
            return None
        items, acks, size = [], [], 0
        max_messages = self.settings.batch_rows
        max_bytes = self.settings.batch_bytes
        deadline = time.monotonic() + self.settings.flush_ms / 1000
        while True:
            for ack, item, item_size in arrived:
                acks.append(ack)
                items.append(item)
                size += item_size
            if len(items) >= max_messages or size >= max_bytes:
                break
            arrived = self.queue.take(max_messages - len(items), max_bytes - size)
            if arrived:
                continue
            if time.monotonic() >= deadline:
                break
            # Nothing right now: look again after a pause, in bulk -- one wake-up per
            # pause, not one per message; still nothing after it: flush.
            time.sleep(IDLE_FLUSH_S)
            arrived = self.queue.take(max_messages - len(items), max_bytes - size)
            if not arrived:
                break
        return items, acks

    def _room(self) -> bool:
        """May a batch go to the database process now?  A suspect with more than
        one death goes alone, with nothing else in flight (``journal``)."""
        if self.solo:
            return False
        if self.deferred and self.deferred[0][3] > 1:
            return not self.in_flight
        return len(self.in_flight) < MAX_BATCHES_IN_FLIGHT

    def _suspects_batch(self):
        """The next batch of suspects: one with several deaths alone, else up to
        ``SUSPECT_BATCH`` with one death."""
        if not self.deferred:
            return None
        taken = [self.deferred.popleft()]
        if taken[0][3] == 1:
            while self.deferred and len(taken) < SUSPECT_BATCH and self.deferred[0][3] == 1:
                taken.append(self.deferred.popleft())
        return (
            [item for _ack, item, _d, _n in taken],
            [ack for ack, _item, _d, _n in taken],
            [digest for _ack, _item, digest, _n in taken],
            taken[0][3] > 1,
        )

    def _fresh_batch(self):
        """The next batch from the inbox, with the suspects taken out of it (a
        message with ``poison_after`` deaths stays in, marked as poison)."""
        collected = self.collect()
        if collected is None:
            return None
        items, acks = collected
        digests = [message_digest(item[0], item[1], item[4]) for item in items]
        if not self.journal.suspects:
            return items, acks, digests, False
        kept_items, kept_acks, kept_digests = [], [], []
        poison_after = self.journal.poison_after
        for ack, item, digest in zip(acks, items, digests, strict=True):
            deaths = self.journal.deaths(digest)
            if deaths >= poison_after:
                kept_items.append((*item, deaths))  # dead-lettered, never processed
                self.stats["poison"] += 1
            elif deaths:
                self.deferred.append((ack, item, digest, deaths))
                continue
            else:
                kept_items.append(item)
            kept_acks.append(ack)
            kept_digests.append(digest)
        if not kept_items:
            return self._suspects_batch()
        return kept_items, kept_acks, kept_digests, False

    def dispatch(self) -> bool:
        """Send a batch when there is room, then take in the answers; False when
        the database process is gone."""
        wait = 0.25
        if self._room():
            batch = self._suspects_batch() or self._fresh_batch()
            if batch is not None:
                items, acks, digests, solo = batch
                self.next_batch += 1
                self.in_flight[self.next_batch] = (acks, digests)
                self.solo = solo
                self.journal.sent(self.next_batch, digests)
                try:
                    self.conn.send((self.next_batch, items))
                except (BrokenPipeError, OSError):
                    return False
            wait = 0
        return self.answers(wait)

    def answers(self, wait: float) -> bool:
        """Ack the batches the database process committed; False when it is gone."""
        try:
            while self.conn.poll(wait):
                wait = 0
                _kind, batch_id, committed, readings, dead = self.conn.recv()
                acks, digests = self.in_flight.pop(batch_id)
                if not committed:
                    return False
                self.journal.settled(batch_id, digests, committed=True)
                self.solo = False
                generation = self.generation
                for mid, qos, message_generation in acks:
                    if qos and message_generation == generation:
                        self.client.ack(mid, qos)
                self.stats["readings"] += readings
                self.stats["dead"] += dead
                self.stats["messages"] += len(acks)
        except (EOFError, OSError):
            return False
        return True

    # -------------------------------------------------------------------- run
    def stop(self, *_args) -> None:
        self.stopping.set()

    def _start_database_process(self) -> bool:
        """Start the database process and wait until it is set up (tables, registry).

        Forked, before any thread or connection exists in this process: nothing is
        shared but the settings, and the service's modules need no re-import (they
        are loaded through a bare package, which a spawned interpreter would lack).
        """
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.worker = context.Process(
            target=_database_process,
            args=(self.settings, child, self.conn, logging.getLogger().getEffectiveLevel()),
            name="coldchain-ingest-db",
            daemon=True,
        )
        self.worker.start()
        child.close()
        while not self.stopping.is_set():
            try:
                if self.conn.poll(0.25):
                    return self.conn.recv() == ("ready",)
            except (EOFError, OSError):
                return False
            if not self.worker.is_alive():
                return False
        return False

    def _stop_database_process(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.conn.send(None)
        self.worker.join(5)
        if self.worker.is_alive():  # stuck retrying a down database: nothing was acked
            self.worker.kill()
            self.worker.join(5)

    def run(self) -> int:
        s = self.settings
        _logger.info(
            "starting: broker %s:%s, database %s@%s",
            s.mqtt_host,
            s.mqtt_port,
            s.db["dbname"],
            s.db["host"],
        )
        if not self._start_database_process():
            self._stop_database_process()
            _logger.info("stopped before start")
            return 0
        self.journal.open()
        self.client.connect_async(s.mqtt_host, s.mqtt_port, keepalive=s.mqtt_keepalive)
        self.client.loop_start()
        alive = True
        try:
            while alive and not self.stopping.is_set():
                alive = self.dispatch()
            # graceful stop: what is already received is written and acknowledged
            deadline = time.monotonic() + STOP_GRACE_S
            while alive and (self.in_flight or not self.queue.empty()):
                if time.monotonic() > deadline:
                    _logger.warning(
                        "stopping: %d batch(es) not committed in time", len(self.in_flight)
                    )
                    break
                alive = self.dispatch()
        finally:
            self._stop_database_process()
            self.client.disconnect()
            self.client.loop_stop()
            if self.stopping.is_set():
                # asked to stop: what was not committed in time is no one's death
                for batch_id, (_acks, digests) in list(self.in_flight.items()):
                    self.journal.settled(batch_id, digests, committed=False)
            self.journal.close()
        if not alive:
            _logger.error("the database process is gone: stopping (nothing more is acked)")
        _logger.info(
            "stopped: %d readings, %d dead letters (%d poison), %d messages",
            self.stats["readings"],
            self.stats["dead"],
            self.stats["poison"],
            self.stats["messages"],
        )
        return 0 if alive or self.stopping.is_set() else 1


def _configure_logging(level: int | str) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=level,
        format="%(asctime)s %(levelname)s coldchain-ingest: %(message)s",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold-chain MQTT telemetry ingestion service")
    parser.add_argument("-c", "--config", required=True, help="the Odoo configuration file")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    _configure_logging(args.log_level.upper())
    service = IngestService(settings_module.load(args.config))
    signal.signal(signal.SIGTERM, service.stop)
    signal.signal(signal.SIGINT, service.stop)
    return service.run()
