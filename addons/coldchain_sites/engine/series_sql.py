"""The pre-aggregated 5-minute series of the readings (SQL, importable without Odoo).

``coldchain_reading_5min`` holds, per sensor and 5-minute bucket, the min, max, sum
and count of the readings; ``coldchain_reading_1h`` the count per sensor and hour
(availability figures read it with index-only scans: the rows of one sensor's day
lie on as many pages as the 5-minute series has buckets).  Charts and reports read
them, never the raw readings (a month of one-minute readings of 2,000
sensors is 86 million rows; its 5-minute series is 17 million, and 24 h of one
sensor is 288 rows).

Refresh (:data:`REFRESH_BATCH`, run by a scheduled action outside the ORM):

* it follows the readings' ``id`` (an identity: insertion order) with a watermark
  (``coldchain_reading_5min_state.last_id``); each batch reads the id range
  ``(last_id, last_id + batch]`` through the BRIN index on ``id`` and merges it
  into the buckets (``ON CONFLICT`` adds counts and sums, keeps the extremes), so a
  reading backfilled hours late lands in its own old bucket;
* a batch and the watermark move commit together, so a reading is counted once;
  the state row is locked ``FOR UPDATE NOWAIT``: a second refresher gives up
  instead of counting twice;
* ids are allocated before their transaction commits, so a refresh never passes an
  id it saw allocated less than ``lag`` seconds ago (``seen_id``/``seen_at``): an
  ingestion transaction is committed or gone well within that lag;
* it only *reads* ``coldchain_reading`` (ACCESS SHARE lock): the ingestion
  service's inserts are never blocked.
"""

from __future__ import annotations

BUCKET_S = 300

SERIES_DDL = """
CREATE TABLE IF NOT EXISTS coldchain_reading_5min (
    sensor_id integer NOT NULL,
    bucket timestamptz NOT NULL,
    vmin double precision NOT NULL,
    vmax double precision NOT NULL,
    vsum double precision NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (sensor_id, bucket)
);
CREATE TABLE IF NOT EXISTS coldchain_reading_1h (
    sensor_id integer NOT NULL,
    hour timestamptz NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (sensor_id, hour) INCLUDE (n)
);
CREATE TABLE IF NOT EXISTS coldchain_reading_5min_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_id bigint NOT NULL DEFAULT 0,
    seen_id bigint NOT NULL DEFAULT 0,
    seen_at timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO coldchain_reading_5min_state (singleton) VALUES (true) ON CONFLICT DO NOTHING;
-- the hourly counts came after the 5-minute series: derive them once from it
INSERT INTO coldchain_reading_1h (sensor_id, hour, n)
SELECT sensor_id, to_timestamp(floor(extract(epoch FROM bucket) / 3600) * 3600), sum(n)
FROM coldchain_reading_5min
WHERE NOT EXISTS (SELECT 1 FROM coldchain_reading_1h)
GROUP BY 1, 2;
"""

# -> (last_id, seen_id, seen_at is older than the lag, current allocated id)
LOCK_STATE = """
SELECT last_id, seen_id, seen_at <= now() - make_interval(secs => %(lag)s),
       coalesce(pg_sequence_last_value(pg_get_serial_sequence('coldchain_reading', 'id')), 0)
FROM coldchain_reading_5min_state WHERE singleton FOR UPDATE NOWAIT
"""

SET_SEEN = """
UPDATE coldchain_reading_5min_state SET seen_id = %(seen_id)s, seen_at = now() WHERE singleton
"""

REFRESH_BATCH = f"""
WITH hourly AS (
    INSERT INTO coldchain_reading_1h AS h (sensor_id, hour, n)
    SELECT sensor_id, to_timestamp(floor(extract(epoch FROM ts) / 3600) * 3600), count(*)
    FROM coldchain_reading
    WHERE id > %(lo)s AND id <= %(hi)s
    GROUP BY 1, 2
    ON CONFLICT (sensor_id, hour) DO UPDATE SET n = h.n + excluded.n
), merged AS (
    INSERT INTO coldchain_reading_5min AS s (sensor_id, bucket, vmin, vmax, vsum, n)
    SELECT sensor_id,
           to_timestamp(floor(extract(epoch FROM ts) / {BUCKET_S}) * {BUCKET_S}),
           min(value), max(value), sum(value), count(*)
    FROM coldchain_reading
    WHERE id > %(lo)s AND id <= %(hi)s
    GROUP BY 1, 2
    ON CONFLICT (sensor_id, bucket) DO UPDATE SET
        vmin = least(s.vmin, excluded.vmin),
        vmax = greatest(s.vmax, excluded.vmax),
        vsum = s.vsum + excluded.vsum,
        n = s.n + excluded.n
    RETURNING sensor_id
)
SELECT array_agg(DISTINCT sensor_id) FROM merged
"""

SET_LAST = "UPDATE coldchain_reading_5min_state SET last_id = %(hi)s WHERE singleton"


def plan_batch(
    last_id: int, seen_id: int, seen_is_old: bool, allocated: int, lag_s: float, batch: int
) -> tuple[int, int | None]:
    """(upper id of the next batch, ``last_id`` when nothing is due; new ``seen_id`` or None).

    Pure: the decision of one refresh step, tested without a database.  Ids up to
    ``seen_id`` are safe once it was seen more than the lag ago; with no lag (tests,
    benchmarks on a quiet table) every allocated id is."""
    if lag_s <= 0:
        safe, new_seen = allocated, None
    else:
        safe = seen_id if seen_is_old else last_id
        new_seen = allocated if seen_is_old and allocated != seen_id else None
    return max(last_id, min(safe, last_id + batch)), new_seen


# Latest 5-minute buckets and raw last readings for the dashboard ---------------

LAST_READINGS = """
SELECT s.id, r.ts, r.value
FROM unnest(%(sensor_ids)s::integer[]) AS s(id)
CROSS JOIN LATERAL (
    SELECT ts, value FROM coldchain_reading
    WHERE sensor_id = s.id ORDER BY ts DESC LIMIT 1
) r
"""

# readings received per sensor since an hour boundary: the hourly counts, one
# index-only range scan per sensor (25 entries for 24 h); and the time of its first
# reading in the period (one probe of the (sensor_id, ts) index in that first hour:
# a sensor whose readings begin mid-hour, e.g. backfilled history, was not expected
# to report from the top of the hour; the hour itself once its readings are purged)
RECEIVED_COUNTS = """
SELECT s.id, c.n, coalesce((
    SELECT min(r.ts) FROM coldchain_reading r
    WHERE r.sensor_id = s.id AND r.ts >= c.first AND r.ts < c.first + interval '1 hour'
), c.first)
FROM unnest(%(sensor_ids)s::integer[]) AS s(id)
CROSS JOIN LATERAL (
    SELECT sum(n)::bigint AS n, min(hour) AS first FROM coldchain_reading_1h
    WHERE sensor_id = s.id AND hour >= %(start)s AND hour < %(end)s
) c
WHERE c.n IS NOT NULL
"""

SERIES = """
SELECT sensor_id, extract(epoch FROM bucket)::bigint, vmin, vmax, vsum / n
FROM coldchain_reading_5min
WHERE sensor_id = ANY(%(sensor_ids)s) AND bucket >= %(start)s AND bucket < %(end)s
ORDER BY sensor_id, bucket
"""
