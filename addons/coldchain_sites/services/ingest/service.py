"""The telemetry ingestion service: MQTT (QoS 1, persistent session) → PostgreSQL.

Threads and flow::

    paho network thread ── on_message ──▶ bounded queue ──▶ writer (main thread)
                                           (blocks when full:      validate, batch,
                                            backpressure to the     INSERT, COMMIT,
                                            broker, which queues)   then ack each message

* At-least-once end to end: a message is acknowledged (PUBACK, ``manual_ack``) only
  after the transaction holding its readings and dead letters is committed.  Killed
  before that, the broker redelivers it (persistent session: ``clean_session`` off);
  inserts are idempotent (``ON CONFLICT DO NOTHING`` on (sensor, ts) and on the dead
  letter's digest), so a redelivery stores nothing twice.
* Acks of messages received on an earlier connection are never sent on a new one
  (their packet ids may have been reused); the broker redelivers them instead.
* Database down: the batch is kept and retried with backoff; nothing is acked
  meanwhile, the queue fills, ``on_message`` blocks, the broker keeps the rest.
* Liveness (last_seen, state, monitoring-lost events) is updated in a second,
  short transaction after the readings' commit, so that readings never wait on a
  lock held by a user editing a sensor in Odoo; a failed update is logged and made
  good by the next batch (last_seen only moves forward).
* SIGTERM/SIGINT: the current batch is flushed and acknowledged, then the service
  disconnects and exits 0.  SIGKILL loses nothing: what was not acked is redelivered.
"""

from __future__ import annotations

import argparse
import io
import logging
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

_logger = logging.getLogger("coldchain.ingest")

SUBSCRIPTION = "sites/#"
IDLE_FLUSH_S = 0.005  # no new message for this long: flush (the broker's in-flight window is full)
UNKNOWN = ("unknown_sensor", "unknown_gateway")
MIN_REFRESH_S = 5.0
NULL = "\\N"
STOP_GRACE_S = 20.0  # after SIGTERM, how long a batch is retried against a down database


class Inbox:
    """Bounded FIFO from paho's network thread to the collector (one producer, one
    consumer), cheaper per message than ``queue.Queue``: ``deque.append`` and
    ``popleft`` are atomic, and the two threads only synchronise when the consumer
    waits for a message or the producer for room."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.items: deque = deque()
        self.not_empty = threading.Event()
        self.not_full = threading.Event()
        self.not_full.set()

    def empty(self) -> bool:
        return not self.items

    def put(self, item, timeout: float) -> bool:
        """Append ``item``; False when there is still no room after ``timeout`` s."""
        items = self.items
        if len(items) >= self.capacity:
            self.not_full.clear()
            # re-checked after clear(): a get() in between has set it again or made room
            if len(items) >= self.capacity and not self.not_full.wait(timeout):
                return False
        items.append(item)
        if not self.not_empty.is_set():
            self.not_empty.set()
        return True

    def get(self, timeout: float):
        """The oldest item; raises ``queue.Empty`` after ``timeout`` s without one."""
        items = self.items
        if not items:
            self.not_empty.clear()
            if not items and not self.not_empty.wait(timeout):
                raise queue.Empty
        item = items.popleft()
        if not self.not_full.is_set() and len(items) < self.capacity:
            self.not_full.set()
        return item


class Batch:
    """Messages validated together and committed in one transaction."""

    __slots__ = ("dead", "gateways", "messages", "offline", "readings", "received", "sensors")

    def __init__(self):
        self.messages: list[tuple] = []  # (mid, qos, generation)
        self.readings: list[tuple] = []
        self.received: list[int] = []  # receive time (µs) of each reading
        self.dead: list[tuple] = []
        self.sensors: dict[int, int] = {}  # sensor id -> max ts (µs)
        self.gateways: dict[int, tuple[int, bool]] = {}  # id -> (seen µs, online)
        self.offline: dict[int, int] = {}

    def add(self, topic, payload, received_us, outcome: telemetry.Outcome):
        readings = outcome.readings
        if readings:
            self.readings.extend(readings)
            self.received.extend([received_us] * len(readings))
            sensors = self.sensors
            for reading in readings:
                sensor_id, ts = reading[0], min(reading[2], received_us)
                if ts > sensors.get(sensor_id, 0):
                    sensors[sensor_id] = ts
        for rejection in outcome.rejections:
            self.dead.append(
                (
                    telemetry.dead_letter_digest(
                        topic, payload, rejection.reason, rejection.item_index
                    ),
                    topic,
                    payload,
                    rejection.item_index,
                    rejection.reason,
                    rejection.text,
                    rejection.gateway_id,
                    rejection.sensor_id,
                    received_us,
                )
            )
        gateway_id = outcome.gateway_id
        if gateway_id is not None and (readings or outcome.status):
            if outcome.status == "offline":
                self.offline[gateway_id] = outcome.status_ts_us
            else:
                seen = outcome.status_ts_us or received_us
                previous = self.gateways.get(gateway_id, (0, False))[0]
                self.gateways[gateway_id] = (max(seen, previous), True)


class IngestService:
    def __init__(self, settings: settings_module.Settings):
        self.settings = settings
        self.queue = Inbox(settings.queue_messages)
        self.stopping = threading.Event()
        self.generation = 0
        self.conns: dict[str, object] = {}  # role ("write", "meta") -> connection
        self.batches: queue.Queue = queue.Queue(maxsize=1)  # collector -> database writer
        self.writer_failed = threading.Event()
        self.validator = telemetry.Validator(telemetry.Registry(), settings.limits)
        self.registry_loaded_at = 0.0
        self.last_sweep = time.monotonic()
        self.client = self._mqtt_client()
        self.stats = defaultdict(int)
        self.delays: dict[str, float] = {}

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
        client.subscribe(SUBSCRIPTION, qos=1)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        if not self.stopping.is_set():
            _logger.warning("disconnected from the broker (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message):
        item = (
            message.mid,
            message.qos,
            message.topic,
            message.payload,
            time.time_ns() // 1000,
            self.generation,
            message.retain,
        )
        # bounded queue: block the network thread (backpressure)
        while not self.queue.put(item, timeout=0.5):
            if self.stopping.is_set():
                return  # not acked: the broker redelivers it

    # ------------------------------------------------------------- database side
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
                if self.stopping.is_set() and (
                    role == "meta" or self.stop_deadline < time.monotonic()
                ):
                    return None
                time.sleep(delay)

    def _backoff(self, key: str) -> float:
        """Exponential backoff: 0.5 s, 1 s, 2 s ... 30 s."""
        delay = min(30.0, self.delays.get(key, 0.25) * 2)
        self.delays[key] = delay
        return delay

    def _reset_backoff(self, key: str) -> None:
        self.delays.pop(key, None)

    def _run_db(self, work, role: str = "meta"):
        """Run ``work(cursor)`` in one transaction; retry on failure, with backoff.

        The ``write`` role (readings) retries until it succeeds, even while stopping
        (for as long as the process is given: what it holds is not acked, so a kill
        loses nothing); the ``meta`` role gives up when the service stops.
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
            except psycopg2.Error as error:
                # lock timeout, deadlock, serialization...: transient, retried as well
                _logger.error("transaction failed, retried: %s", error)
                try:
                    conn.rollback()
                except psycopg2.Error:
                    self._close_db(role)
            delay = self._backoff(role)
            if self.stopping.is_set() and (role == "meta" or self.stop_deadline < time.monotonic()):
                return False
            time.sleep(delay)

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

        registry = self._run_db(load)
        if not isinstance(registry, telemetry.Registry):
            return False
        self.validator = telemetry.Validator(registry, self.settings.limits)
        self.registry_loaded_at = time.monotonic()
        _logger.debug(
            "registry: %d gateways, %d sensors", len(registry.gateways), len(registry.sensors)
        )
        return True

    # ------------------------------------------------------------------ writer
    def _validate(self, topic, payload, received_us, retain):
        if "/commands/" in topic:
            return None  # the platform's own messages to gateways
        if retain and topic.endswith("/status"):
            return None  # a retained status is old news, not a heartbeat
        outcome = self.validator.validate(topic, payload, received_us)
        if (
            any(r.reason in UNKNOWN for r in outcome.rejections)
            and time.monotonic() - self.registry_loaded_at > MIN_REFRESH_S
        ):
            # a gateway or sensor registered since the last refresh?
            self.refresh_registry()
            outcome = self.validator.validate(topic, payload, received_us)
        return outcome

    def collect(self) -> Batch | None:
        try:
            first = self.queue.get(timeout=0.25)
        except queue.Empty:
            return None
        batch = Batch()
        deadline = time.monotonic() + self.settings.flush_ms / 1000
        item = first
        while True:
            mid, qos, topic, payload, received_us, generation, retain = item
            batch.messages.append((mid, qos, generation))
            outcome = self._validate(topic, payload, received_us, retain)
            if outcome is not None:
                batch.add(topic, payload, received_us, outcome)
            if len(batch.readings) >= self.settings.batch_rows:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = self.queue.get(timeout=min(IDLE_FLUSH_S, remaining))
            except queue.Empty:
                break
        return batch

    def write_batch(self, batch: Batch) -> bool:
        """Readings and dead letters of the batch in one transaction (retried).

        Readings are COPied into a staging table, then inserted with one
        ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``.
        """
        readings, dead = batch.readings, batch.dead
        copy_text = None
        if readings:
            lines = []
            append = lines.append
            for (sensor, gateway, ts, value, seq, late, expired), received in zip(
                readings, batch.received, strict=True
            ):
                append(
                    f"{sensor}\t{gateway}\t{ts}\t{value!r}\t{NULL if seq is None else seq}"
                    f"\t{received}\t{'t' if late else 'f'}\t{'t' if expired else 'f'}\n"
                )
            copy_text = "".join(lines)
        dead_params = None
        if dead:
            columns = list(zip(*dead, strict=True))
            dead_params = [
                [psycopg2.Binary(d) for d in columns[0]],
                list(columns[1]),
                [psycopg2.Binary(p) for p in columns[2]],
                *(list(c) for c in columns[3:]),
            ]

        def work(cr):
            if copy_text:
                cr.execute(telemetry_sql.READINGS_STAGE_DDL)
                cr.copy_expert(telemetry_sql.COPY_READINGS_STAGE, io.StringIO(copy_text))
                cr.execute(telemetry_sql.INSERT_READINGS_FROM_STAGE)
            if dead_params:
                cr.execute(telemetry_sql.INSERT_DEAD_LETTERS, dead_params)

        return self._run_db(work, role="write")

    def ack(self, batch: Batch) -> None:
        generation = self.generation
        for mid, qos, message_generation in batch.messages:
            if qos and message_generation == generation:
                self.client.ack(mid, qos)

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

        self._run_db(work, role="write")

    def sweep(self) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        params = {"now": now, "factor": self.settings.silence_factor}

        def work(cr):
            cr.execute(telemetry_sql.SWEEP_SENSORS, params)
            sensors = cr.fetchall()
            cr.execute(telemetry_sql.SWEEP_GATEWAYS, params)
            gateways = cr.fetchall()
            return len(sensors), len(gateways)

        result = self._run_db(work)
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

    # -------------------------------------------------------------------- run
    def stop(self, *_args) -> None:
        self.stop_deadline = time.monotonic() + STOP_GRACE_S
        self.stopping.set()

    stop_deadline = float("inf")

    def _writer(self) -> None:
        """Database writer thread: commit, then ack, then liveness; batch after batch."""
        while True:
            batch = self.batches.get()
            if batch is None:
                return
            if not self._flush(batch):
                # stopping with the database down: nothing more is acked, the broker
                # redelivers all of it to the next run
                self.writer_failed.set()
                while self.batches.get() is not None:
                    pass
                return

    def run(self) -> int:
        s = self.settings
        _logger.info(
            "starting: broker %s:%s, database %s@%s",
            s.mqtt_host,
            s.mqtt_port,
            s.db["dbname"],
            s.db["host"],
        )
        if not self._run_db(telemetry_sql.create_telemetry_tables) or not self.refresh_registry():
            _logger.info("stopped before start")
            return 0
        writer = threading.Thread(target=self._writer, name="coldchain-ingest-writer")
        writer.start()
        self.client.connect_async(s.mqtt_host, s.mqtt_port, keepalive=s.mqtt_keepalive)
        self.client.loop_start()
        try:
            while not self.stopping.is_set():
                batch = self.collect()
                if batch is not None:
                    self.batches.put(batch)
                self._housekeeping(idle=batch is None and self.queue.empty())
            # graceful stop: what is already queued is written and acknowledged
            while not self.queue.empty() and not self.writer_failed.is_set():
                batch = self.collect()
                if batch is None:
                    break
                self.batches.put(batch)
        finally:
            self.batches.put(None)
            writer.join()
            self.client.disconnect()
            self.client.loop_stop()
            self._close_db()
        _logger.info(
            "stopped: %d readings, %d dead letters, %d messages",
            self.stats["readings"],
            self.stats["dead"],
            self.stats["messages"],
        )
        return 0

    def _flush(self, batch: Batch) -> bool:
        started = time.monotonic()
        if not self.write_batch(batch):
            return False
        self.ack(batch)
        self.stats["readings"] += len(batch.readings)
        self.stats["dead"] += len(batch.dead)
        self.stats["messages"] += len(batch.messages)
        self.touch(batch)
        _logger.debug(
            "batch: %d messages, %d readings, %d dead letters in %.1f ms",
            len(batch.messages),
            len(batch.readings),
            len(batch.dead),
            (time.monotonic() - started) * 1000,
        )
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold-chain MQTT telemetry ingestion service")
    parser.add_argument("-c", "--config", required=True, help="the Odoo configuration file")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s coldchain-ingest: %(message)s",
    )
    service = IngestService(settings_module.load(args.config))
    signal.signal(signal.SIGTERM, service.stop)
    signal.signal(signal.SIGINT, service.stop)
    return service.run()
