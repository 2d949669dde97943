"""Every SQL statement of the telemetry path, in one place, importable without Odoo.

The ingestion service (``services/ingest``) runs these statements through its own
psycopg2 connection; the Odoo models run the *same* DDL from their ``init()`` so
the table the service writes and the table Odoo reads can never drift.  The
registry queries read Odoo's own tables (``coldchain_sensor``, ``coldchain_gateway``,
``stock_warehouse``): :func:`create_registry_tables` creates the minimal subset of
those tables, with exactly the columns the service touches, for tests and benches
that run without Odoo; an Odoo test runs the same queries against the real schema.

Storage design of the readings (``coldchain_reading``)
------------------------------------------------------
One plain, append-only heap table with

* a unique b-tree on ``(sensor_id, ts)``: it is the idempotency key of at-least-once
  delivery (``INSERT ... ON CONFLICT DO NOTHING``: a redelivered or re-sent reading
  is stored once) *and* the index of the dominant query, "readings of sensor S
  between t1 and t2" (one index descent, then a contiguous range scan);
* a BRIN index on ``ts``: readings arrive roughly in time order, so a block-range
  summary of a few kilobytes (instead of a multi-gigabyte b-tree) serves the
  cross-sensor time-window scans of the excursion engine ("every reading of the
  last 10 minutes") and audits by period;
* ``id`` (an identity, what the Odoo read model needs) is indexed by BRIN as well:
  it grows with insertion order, so fetching a page of rows by id touches a few
  block ranges, and every insert maintains one b-tree (the natural key) instead of
  two.  The natural key (sensor_id, ts) is the table's identity; there is no
  b-tree primary key on purpose.

A year of one-minute readings for 2,000 sensors is about 1.05 billion rows; both
access paths stay logarithmic or block-range bound.  We chose this over monthly
range partitioning because readings are evidence that is never deleted (so
dropping old partitions buys nothing), partitioning needs partitions created ahead
of time by someone (a missed month would reject readings), and the same table can
be turned into a TimescaleDB hypertable later without touching Odoo.

Commit-ordered queue of new readings (``coldchain_reading_pending``)
-------------------------------------------------------------------
Reading ids are allocated before commit: with two writers a smaller id can commit
after a larger one was seen, so "id > watermark" would skip it.  Instead, the one
statement that inserts readings (:data:`INSERT_READINGS`,
:data:`INSERT_READINGS_FROM_STAGE`) also adds, in the *same statement and
transaction*, one row to ``coldchain_reading_pending``: the sensors it wrote with
the earliest and latest reading time of each (from its ``RETURNING`` rows, so
duplicates dropped by ``ON CONFLICT`` are not queued).  A reading and its queue
entry become visible together; the evaluation consumes (deletes) the entries it
sees and evaluates those sensors from what it carried
(``engine/excursion_replay.py``).  Nothing depends on the order of ids.  A bulk
load (``COPY``) adds its entry with :data:`ENQUEUE_RANGE` in its transaction.  (Not a
trigger: statement triggers with transition tables are refused on TimescaleDB
hypertables.)

A trigger forbids ``UPDATE``, ``DELETE`` and ``TRUNCATE`` on the readings, the dead
letters: a correction is a new record, never an edit.

Dead letters keep at most the first ``ingest_dead_letter_payload_bytes`` of the
payload (``payload``), with the payload's real size and SHA-256 (``payload_size``,
``payload_sha256``); rows written before those columns existed hold their whole
payload and no digest.  Timestamps are
``timestamptz``; the Odoo read models expose them through views converted to naive
UTC, Odoo's convention.
"""

from __future__ import annotations

# ----------------------------------------------------------------------- tables

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION coldchain_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- the one controlled exception: the administrator's governed purge of archived
    -- months past retention sets coldchain.purge_archive for its own transaction
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'coldchain_reading'
       AND coalesce(current_setting('coldchain.purge_archive', true), '') <> '' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'table % is append-only: % is forbidden', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def _append_only(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION coldchain_forbid_change();
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION coldchain_forbid_change();
"""


READINGS_DDL = (
    APPEND_ONLY_FUNCTION
    + """
CREATE TABLE IF NOT EXISTS coldchain_reading (
    id bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,
    sensor_id integer NOT NULL,
    gateway_id integer NOT NULL,
    ts timestamptz NOT NULL,
    value double precision NOT NULL,
    seq bigint,
    received_at timestamptz NOT NULL,
    late boolean NOT NULL DEFAULT false,
    calibration_expired boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX IF NOT EXISTS coldchain_reading_sensor_ts_uniq
    ON coldchain_reading (sensor_id, ts);
CREATE INDEX IF NOT EXISTS coldchain_reading_ts_brin
    ON coldchain_reading USING brin (ts) WITH (pages_per_range = 32);
CREATE INDEX IF NOT EXISTS coldchain_reading_id_brin
    ON coldchain_reading USING brin (id) WITH (pages_per_range = 16);
"""
    + _append_only("coldchain_reading")
    + """
CREATE TABLE IF NOT EXISTS coldchain_reading_pending (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    sensors integer[] NOT NULL,
    min_ts timestamptz[] NOT NULL,
    max_ts timestamptz[] NOT NULL
);
DROP TRIGGER IF EXISTS coldchain_reading_enqueue ON coldchain_reading;
DROP FUNCTION IF EXISTS coldchain_reading_enqueue();
"""
)

DEAD_LETTERS_DDL = (
    APPEND_ONLY_FUNCTION
    + """
CREATE TABLE IF NOT EXISTS coldchain_dead_letter (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    digest bytea NOT NULL,
    topic text NOT NULL,
    payload bytea NOT NULL,
    item_index integer,
    reason_code varchar(32) NOT NULL,
    reason_text text NOT NULL,
    gateway_id integer,
    sensor_id integer,
    received_at timestamptz NOT NULL
);
ALTER TABLE coldchain_dead_letter
    ADD COLUMN IF NOT EXISTS payload_size integer,
    ADD COLUMN IF NOT EXISTS payload_sha256 bytea;
CREATE UNIQUE INDEX IF NOT EXISTS coldchain_dead_letter_digest_uniq
    ON coldchain_dead_letter (digest);
CREATE INDEX IF NOT EXISTS coldchain_dead_letter_conflict_idx
    ON coldchain_dead_letter (sensor_id) WHERE reason_code = 'conflicting_value';
CREATE INDEX IF NOT EXISTS coldchain_dead_letter_received_brin
    ON coldchain_dead_letter USING brin (received_at);
"""
    + _append_only("coldchain_dead_letter")
)

# Monitoring-lost events are opened by the service's sweep and closed (ended_at set)
# when the sensor or gateway reports again: not append-only, but never deleted.
MONITORING_EVENTS_DDL = """
CREATE TABLE IF NOT EXISTS coldchain_monitoring_event (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kind varchar(32) NOT NULL,
    sensor_id integer,
    gateway_id integer NOT NULL,
    last_seen timestamptz,
    started_at timestamptz NOT NULL,
    detected_at timestamptz NOT NULL,
    ended_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS coldchain_monitoring_event_open_uniq
    ON coldchain_monitoring_event (kind, gateway_id, coalesce(sensor_id, 0))
    WHERE ended_at IS NULL;
CREATE INDEX IF NOT EXISTS coldchain_monitoring_event_started_idx
    ON coldchain_monitoring_event (started_at);
"""

TELEMETRY_DDL = READINGS_DDL + DEAD_LETTERS_DDL + MONITORING_EVENTS_DDL

# The Odoo read models: same rows, timestamps as naive UTC (Odoo's convention).
ORM_VIEWS_DDL = """
CREATE OR REPLACE VIEW coldchain_reading_orm AS
SELECT id, sensor_id, gateway_id, timezone('UTC', ts) AS ts, value, seq,
       timezone('UTC', received_at) AS received_at, late, calibration_expired
  FROM coldchain_reading;
CREATE OR REPLACE VIEW coldchain_dead_letter_orm AS
SELECT id, topic, encode(payload, 'escape') AS payload,
       coalesce(payload_size, octet_length(payload)) AS payload_size,
       item_index, reason_code, reason_text, gateway_id, sensor_id,
       timezone('UTC', received_at) AS received_at,
       encode(payload_sha256, 'hex') AS payload_sha256,
       coalesce(payload_size, octet_length(payload)) > octet_length(payload)
           AS payload_truncated
  FROM coldchain_dead_letter;
CREATE OR REPLACE VIEW coldchain_monitoring_event_orm AS
SELECT id, kind, sensor_id, gateway_id, timezone('UTC', last_seen) AS last_seen,
       timezone('UTC', started_at) AS started_at, timezone('UTC', detected_at) AS detected_at,
       timezone('UTC', ended_at) AS ended_at, ended_at IS NULL AS is_open
  FROM coldchain_monitoring_event;
"""

# The subset of Odoo's schema the service reads and writes (tests without Odoo).
REGISTRY_TABLES_DDL = """
CREATE TABLE IF NOT EXISTS stock_warehouse (
    id serial PRIMARY KEY,
    code varchar NOT NULL
);
CREATE TABLE IF NOT EXISTS coldchain_gateway (
    id serial PRIMARY KEY,
    code varchar NOT NULL,
    state varchar NOT NULL,
    warehouse_id integer NOT NULL,
    heartbeat_interval integer,
    last_seen timestamp
);
CREATE TABLE IF NOT EXISTS coldchain_sensor (
    id serial PRIMARY KEY,
    code varchar NOT NULL,
    gateway_id integer NOT NULL,
    state varchar NOT NULL,
    kind varchar NOT NULL DEFAULT 'temperature',
    expected_interval integer,
    calibration_due_date date,
    last_seen timestamp
);
"""


def create_telemetry_tables(cr) -> None:
    """Create (idempotently) the tables the service owns."""
    cr.execute(TELEMETRY_DDL)


def create_orm_views(cr) -> None:
    cr.execute(ORM_VIEWS_DDL)


def create_registry_tables(cr) -> None:
    """Minimal stand-ins of Odoo's registry tables (tests and benches only)."""
    cr.execute(REGISTRY_TABLES_DDL)


# ------------------------------------------------------------------- evaluation

# Owned by the excursion evaluation: the per-sensor work list (the consumed queue
# entries, merged per sensor) and the per-sensor engine checkpoints.
EVALUATION_DDL = """
CREATE TABLE IF NOT EXISTS coldchain_excursion_work (
    sensor_id integer PRIMARY KEY,
    min_ts timestamptz NOT NULL,
    max_ts timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS coldchain_excursion_checkpoint (
    sensor_id integer NOT NULL,
    ts bigint NOT NULL,
    state jsonb NOT NULL,
    PRIMARY KEY (sensor_id, ts)
);
"""

# Move every visible queue entry into the per-sensor work list (one statement: the
# entries deleted are exactly the ones merged).
PENDING_TO_WORK = """
WITH taken AS (
    DELETE FROM coldchain_reading_pending RETURNING sensors, min_ts, max_ts
), flat AS (
    SELECT u.sensor_id, min(u.lo) AS lo, max(u.hi) AS hi
      FROM taken, unnest(taken.sensors, taken.min_ts, taken.max_ts) AS u(sensor_id, lo, hi)
     GROUP BY u.sensor_id
)
INSERT INTO coldchain_excursion_work (sensor_id, min_ts, max_ts)
SELECT sensor_id, lo, hi FROM flat
ON CONFLICT (sensor_id) DO UPDATE
   SET min_ts = least(coldchain_excursion_work.min_ts, excluded.min_ts),
       max_ts = greatest(coldchain_excursion_work.max_ts, excluded.max_ts)
"""

# The next chunk of work: sensors (evaluated kinds only) with their time range in
# engine seconds; the other sensors' entries are dropped.
WORK_CHUNK = """
SELECT w.sensor_id, floor(extract(epoch FROM w.min_ts))::bigint,
       floor(extract(epoch FROM w.max_ts))::bigint
  FROM coldchain_excursion_work w
 ORDER BY w.sensor_id
 LIMIT %(limit)s
"""
WORK_DONE = "DELETE FROM coldchain_excursion_work WHERE sensor_id = ANY(%s)"

# One keyset page of readings of the sensors of the work chunk, after start and up
# to stop (engine seconds: whole seconds, floored; start NULL: from the beginning),
# ordered by (sensor, ts): one descent of the (sensor_id, ts) index per page; memory
# bounded by the page size.
READINGS_PAGE = """
SELECT r.sensor_id, floor(extract(epoch FROM r.ts))::bigint, r.value,
       CASE WHEN s.kind = 'door' THEN %(door)s ELSE %(temperature)s END, r.ts
  FROM unnest(%(sensors)s::integer[], %(start)s::bigint[], %(stop)s::bigint[])
       AS p(sensor_id, start, stop)
  JOIN coldchain_sensor s ON s.id = p.sensor_id AND s.kind IN ('temperature', 'door')
  JOIN coldchain_reading r
    ON r.sensor_id = p.sensor_id
   AND r.ts >= to_timestamp(coalesce(p.start + 1, 0)) AND r.ts < to_timestamp(p.stop + 1)
 WHERE (r.sensor_id, r.ts) > (%(after_sensor)s, %(after_ts)s::timestamptz)
 ORDER BY r.sensor_id, r.ts
 LIMIT %(limit)s
"""

CHECKPOINTS_BEFORE = """
SELECT DISTINCT ON (c.sensor_id) c.sensor_id, c.ts, c.state
  FROM unnest(%s::integer[], %s::bigint[]) AS b(sensor_id, before)
  JOIN coldchain_excursion_checkpoint c ON c.sensor_id = b.sensor_id AND c.ts < b.before
 ORDER BY c.sensor_id, c.ts DESC
"""
CHECKPOINTS_LAST = """
SELECT sensor_id, max(ts) FROM coldchain_excursion_checkpoint
 WHERE sensor_id = ANY(%s) GROUP BY sensor_id
"""
CHECKPOINTS_DISCARD = """
DELETE FROM coldchain_excursion_checkpoint c
 USING unnest(%s::integer[], %s::bigint[]) AS a(sensor_id, after)
 WHERE c.sensor_id = a.sensor_id AND (a.after IS NULL OR c.ts > a.after)
"""
# Checkpoints thin out with age: every interval over the last %(keep)s seconds of a
# sensor, then the first of each UTC day (a late reading older than two days
# replays at most a day of its sensor).
CHECKPOINTS_PRUNE = """
DELETE FROM coldchain_excursion_checkpoint c
 USING (SELECT sensor_id, max(ts) AS newest FROM coldchain_excursion_checkpoint
         WHERE sensor_id = ANY(%(sensors)s) GROUP BY sensor_id) m
 WHERE c.sensor_id = m.sensor_id AND c.ts < m.newest - %(keep)s
   AND EXISTS (SELECT 1 FROM coldchain_excursion_checkpoint d
                WHERE d.sensor_id = c.sensor_id AND d.ts < c.ts
                  AND d.ts / 86400 = c.ts / 86400)
"""
CHECKPOINTS_SAVE = """
INSERT INTO coldchain_excursion_checkpoint (sensor_id, ts, state)
SELECT * FROM unnest(%s::integer[], %s::bigint[], %s::jsonb[])
ON CONFLICT (sensor_id, ts) DO UPDATE SET state = excluded.state
"""

# ---------------------------------------------------------------------- registry

GATEWAYS_QUERY = """
SELECT g.id, g.code, g.state, w.code, coalesce(g.heartbeat_interval, 0)
  FROM coldchain_gateway g
  JOIN stock_warehouse w ON w.id = g.warehouse_id
"""

SENSORS_QUERY = """
SELECT s.id, s.code, s.gateway_id, s.state, s.calibration_due_date,
       coalesce(s.expected_interval, 0)
  FROM coldchain_sensor s
"""

# ------------------------------------------------------------------------ writes

# Every insert of readings queues them for the evaluation in the same statement
# (see "Commit-ordered queue" above); the statements return the rows inserted.
_ENQUEUE = """, queued AS (
    INSERT INTO coldchain_reading_pending (sensors, min_ts, max_ts)
    SELECT array_agg(p.sensor_id), array_agg(p.lo), array_agg(p.hi)
      FROM (SELECT sensor_id, min(ts) AS lo, max(ts) AS hi FROM ins GROUP BY sensor_id) p
    HAVING count(*) > 0
)"""

# A bulk load (COPY) queues what it loaded in its own transaction: the sensors and
# the time range loaded (arrays of sensor ids, earliest and latest timestamptz).
ENQUEUE_RANGE = """
INSERT INTO coldchain_reading_pending (sensors, min_ts, max_ts)
VALUES (%s::integer[], %s::timestamptz[], %s::timestamptz[])
"""

# One statement per batch: arrays bound once, rows produced by unnest().  Timestamps
# travel as integer microseconds since the epoch (exact, cheap to bind).
INSERT_READINGS = (
    """
WITH ins AS (
    INSERT INTO coldchain_reading
           (sensor_id, gateway_id, ts, value, seq, received_at, late, calibration_expired)
    SELECT u.sensor_id, u.gateway_id,
           timestamptz 'epoch' + u.ts_us * interval '1 microsecond',
           u.value, u.seq,
           timestamptz 'epoch' + u.received_us * interval '1 microsecond',
           u.late, u.calibration_expired
      FROM unnest(%s::integer[], %s::integer[], %s::bigint[], %s::float8[], %s::bigint[],
                  %s::bigint[], %s::boolean[], %s::boolean[])
           AS u(sensor_id, gateway_id, ts_us, value, seq, received_us, late, calibration_expired)
    ON CONFLICT (sensor_id, ts) DO NOTHING
RETURNING sensor_id, ts
)"""
    + _ENQUEUE
    + """
SELECT count(*) FROM ins
"""
)

# The service's fast path: COPY the batch into a per-connection staging table, then
# one INSERT ... SELECT ... ON CONFLICT DO NOTHING (same semantics as INSERT_READINGS),
# in batch order: of two values for one (sensor, ts) in a batch, the first is kept.
# ``n`` is the row's position in the batch (to name the message of a conflicting value).
READINGS_STAGE_DDL = """
CREATE TEMP TABLE IF NOT EXISTS coldchain_reading_stage (
    sensor_id integer, gateway_id integer, ts_us bigint, value float8, seq bigint,
    received_us bigint, late boolean, calibration_expired boolean, n integer
) ON COMMIT DELETE ROWS
"""

COPY_READINGS_STAGE = "COPY coldchain_reading_stage FROM STDIN"

INSERT_READINGS_FROM_STAGE = (
    """
WITH ins AS (
    INSERT INTO coldchain_reading
           (sensor_id, gateway_id, ts, value, seq, received_at, late, calibration_expired)
    SELECT u.sensor_id, u.gateway_id,
           timestamptz 'epoch' + u.ts_us * interval '1 microsecond',
           u.value, u.seq,
           timestamptz 'epoch' + u.received_us * interval '1 microsecond',
           u.late, u.calibration_expired
      FROM coldchain_reading_stage u
     ORDER BY u.n
    ON CONFLICT (sensor_id, ts) DO NOTHING
RETURNING sensor_id, ts
)"""
    + _ENQUEUE
    + """
SELECT count(*) FROM ins
"""
)

# After INSERT_READINGS_FROM_STAGE inserted fewer rows than were staged: the staged
# readings whose (sensor, ts) is stored with another value (the first value stays;
# a duplicate of the same value is no conflict).  Returns (n, stored value).
CONFLICTING_READINGS = """
SELECT u.n, r.value
  FROM coldchain_reading_stage u
  JOIN coldchain_reading r
    ON r.sensor_id = u.sensor_id
   AND r.ts = timestamptz 'epoch' + u.ts_us * interval '1 microsecond'
 WHERE r.value IS DISTINCT FROM u.value
 ORDER BY u.n
"""

INSERT_DEAD_LETTERS = """
INSERT INTO coldchain_dead_letter
       (digest, topic, payload, item_index, reason_code, reason_text, gateway_id, sensor_id,
        received_at, payload_size, payload_sha256)
SELECT u.digest, u.topic, u.payload, u.item_index, u.reason_code, u.reason_text,
       u.gateway_id, u.sensor_id,
       timestamptz 'epoch' + u.received_us * interval '1 microsecond',
       u.payload_size, u.payload_sha256
  FROM unnest(%s::bytea[], %s::text[], %s::bytea[], %s::integer[], %s::varchar[], %s::text[],
              %s::integer[], %s::integer[], %s::bigint[], %s::integer[], %s::bytea[])
       AS u(digest, topic, payload, item_index, reason_code, reason_text, gateway_id,
            sensor_id, received_us, payload_size, payload_sha256)
ON CONFLICT (digest) DO NOTHING
"""

# Liveness: last_seen only moves forward; a reporting sensor/gateway is active again
# (retired ones stay retired) and its open monitoring-lost event is closed.
TOUCH_SENSORS = """
WITH v AS (
    SELECT u.id, timestamp 'epoch' + max(u.ts_us) * interval '1 microsecond' AS ts
      FROM unnest(%s::integer[], %s::bigint[]) AS u(id, ts_us) GROUP BY u.id
), upd AS (
    UPDATE coldchain_sensor s
       SET last_seen = greatest(s.last_seen, v.ts),
           state = CASE WHEN s.state = 'offline' THEN 'active' ELSE s.state END
      FROM v
     WHERE s.id = v.id
       AND (s.last_seen IS NULL OR s.last_seen < v.ts OR s.state = 'offline')
    RETURNING s.id
)
UPDATE coldchain_monitoring_event e
   SET ended_at = timezone('UTC', v.ts)
  FROM v
 WHERE e.sensor_id = v.id AND e.kind = 'sensor_silent' AND e.ended_at IS NULL
   AND timezone('UTC', v.ts) > e.last_seen
"""

TOUCH_GATEWAYS = """
WITH v AS (
    SELECT u.id, timestamp 'epoch' + max(u.seen_us) * interval '1 microsecond' AS seen,
           bool_or(u.online) AS online
      FROM unnest(%s::integer[], %s::bigint[], %s::boolean[]) AS u(id, seen_us, online)
     GROUP BY u.id
), upd AS (
    UPDATE coldchain_gateway g
       SET last_seen = greatest(g.last_seen, v.seen),
           state = CASE WHEN g.state = 'offline' AND v.online THEN 'active' ELSE g.state END
      FROM v
     WHERE g.id = v.id
    RETURNING g.id
)
UPDATE coldchain_monitoring_event e
   SET ended_at = timezone('UTC', v.seen)
  FROM v
 WHERE e.gateway_id = v.id AND e.sensor_id IS NULL AND v.online
   AND e.kind IN ('gateway_offline', 'gateway_silent') AND e.ended_at IS NULL
"""

# A last-will / "offline" status: the gateway goes offline at once.
GATEWAYS_OFFLINE = """
WITH v AS (
    SELECT u.id, timestamp 'epoch' + max(u.seen_us) * interval '1 microsecond' AS seen
      FROM unnest(%s::integer[], %s::bigint[]) AS u(id, seen_us) GROUP BY u.id
), off AS (
    UPDATE coldchain_gateway g SET state = 'offline', last_seen = greatest(g.last_seen, v.seen)
      FROM v WHERE g.id = v.id AND g.state = 'active'
    RETURNING g.id, v.seen
)
INSERT INTO coldchain_monitoring_event (kind, gateway_id, last_seen, started_at, detected_at)
SELECT 'gateway_offline', off.id, timezone('UTC', off.seen), timezone('UTC', off.seen), now()
  FROM off
ON CONFLICT DO NOTHING
"""

# The sweep: active sensors silent for longer than expected_interval x factor (and
# gateways without heartbeat or telemetry for heartbeat_interval x factor) go
# offline and open a "monitoring lost" event.  %(now)s is naive UTC.
SWEEP_SENSORS = """
WITH silent AS (
    UPDATE coldchain_sensor s SET state = 'offline'
     WHERE s.state = 'active' AND s.last_seen IS NOT NULL AND s.expected_interval > 0
       AND s.last_seen < %(now)s - make_interval(secs => s.expected_interval * %(factor)s)
    RETURNING s.id, s.gateway_id, s.last_seen
)
INSERT INTO coldchain_monitoring_event
       (kind, sensor_id, gateway_id, last_seen, started_at, detected_at)
SELECT 'sensor_silent', id, gateway_id, timezone('UTC', last_seen), timezone('UTC', last_seen),
       timezone('UTC', %(now)s::timestamp)
  FROM silent
ON CONFLICT DO NOTHING
RETURNING sensor_id
"""

SWEEP_GATEWAYS = """
WITH silent AS (
    UPDATE coldchain_gateway g SET state = 'offline'
     WHERE g.state = 'active' AND g.last_seen IS NOT NULL AND g.heartbeat_interval > 0
       AND g.last_seen < %(now)s - make_interval(secs => g.heartbeat_interval * %(factor)s)
    RETURNING g.id, g.last_seen
)
INSERT INTO coldchain_monitoring_event (kind, gateway_id, last_seen, started_at, detected_at)
SELECT 'gateway_silent', id, timezone('UTC', last_seen), timezone('UTC', last_seen),
       timezone('UTC', %(now)s::timestamp)
  FROM silent
ON CONFLICT DO NOTHING
RETURNING gateway_id
"""
