"""The evaluation's queue of new readings is commit-ordered (two writers).

Reading ids are allocated before commit.  Writer A inserts a reading (small id) and
keeps its transaction open; writer B inserts later readings (larger ids) and
commits; the evaluation runs; then A commits.  An "id > watermark" scheme never
evaluates A's reading; the queue written by the ingest transaction itself does, and
the events equal a whole-history evaluation.  Also: a bulk load (COPY) queues what
it loaded with ENQUEUE_RANGE, and a run reads the readings in pages of the
configured size.
"""

import io
from datetime import UTC, datetime

import numpy as np
import psycopg2
from ingest_helpers import setup_database

from coldchain_sites.engine import telemetry_sql
from coldchain_sites.engine.excursion import ExcursionEvaluator, Readings, Rule, evaluate_history
from coldchain_sites.engine.excursion_store import create_evaluation_tables, evaluate_queued

T0 = 1_750_000_000
RULES = [
    Rule("instant", 1, "threshold", min=2.0, max=8.0),
    Rule("delay", 1, "delay", min=2.0, max=8.0, delay_s=600),
]


def _insert(cr, sensor: int, gateway: int, rows: list[tuple[int, float]]) -> None:
    cr.execute(
        telemetry_sql.INSERT_READINGS,
        [
            [sensor] * len(rows),
            [gateway] * len(rows),
            [ts * 1_000_000 for ts, _v in rows],
            [v for _ts, v in rows],
            [None] * len(rows),
            [T0 * 1_000_000] * len(rows),
            [False] * len(rows),
            [False] * len(rows),
        ],
    )


def _all_readings(cr) -> Readings:
    cr.execute(
        "SELECT sensor_id, extract(epoch FROM ts)::bigint, value FROM coldchain_reading"
        " ORDER BY sensor_id, ts"
    )
    s, t, v = zip(*cr.fetchall(), strict=True)
    return Readings(np.array(s), np.array(t), np.array(v), np.zeros(len(s), dtype=np.int8))


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _key(events):
    return sorted((e.rule_id, e.sensor, e.start_ts, e.end_ts, e.peak) for e in events)


def test_two_writers_committing_out_of_id_order_skip_nothing(pg_dsn):
    reg = setup_database(pg_dsn)
    sensor = reg.sensors["RTM-CHILL-T1"]
    gateway = reg.gateways["RTM-GW1"]
    a = psycopg2.connect(**pg_dsn)
    b = psycopg2.connect(**pg_dsn)
    ev = psycopg2.connect(**pg_dsn)
    with ev.cursor() as cr:
        create_evaluation_tables(cr)
    ev.commit()
    evaluator = ExcursionEvaluator(RULES)
    events = {}

    def run():
        with ev.cursor() as cr:
            for result in evaluate_queued(cr, evaluator, page_rows=3):
                for e in result.events:
                    events[e.key] = e
        ev.commit()

    with a.cursor() as ca, b.cursor() as cb:
        _insert(ca, sensor, gateway, [(T0 + 60 * i, 5.0) for i in range(5)])
        # A: ids 1-5 (a warm spell in the middle), not committed yet
        _insert(ca, sensor, gateway, [(T0 + 300 + 60 * i, 12.0) for i in range(3)])
        _insert(cb, sensor, gateway, [(T0 + 600 + 60 * i, 5.0) for i in range(10)])
        b.commit()  # B: larger ids, committed first
        run()
        with ev.cursor() as cr:
            cr.execute("SELECT max(id) FROM coldchain_reading")
            id_watermark = cr.fetchone()[0]
        a.commit()
        run()
    with ev.cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM coldchain_reading WHERE id < %s AND ts < to_timestamp(%s)",
            [id_watermark, T0 + 600],
        )
        skipped_by_ids = cr.fetchone()[0]
        assert skipped_by_ids == 8  # what "id > watermark" would never have evaluated
        everything = _all_readings(cr)
        cr.execute("SELECT count(*) FROM coldchain_reading_pending")
        assert cr.fetchone()[0] == 0
    expected = evaluate_history(everything, RULES)
    assert expected  # the warm spell is an excursion
    assert _key(events.values()) == _key(expected)
    for conn in (a, b, ev):
        conn.close()


def test_a_bulk_load_queues_its_range_and_runs_read_in_pages(pg_dsn):
    reg = setup_database(pg_dsn)
    sensors = [reg.sensors[c] for c in ("RTM-CHILL-T1", "RTM-CHILL-T2", "LYS-CHILL-T1")]
    conn = psycopg2.connect(**pg_dsn)
    with conn.cursor() as cr:
        create_evaluation_tables(cr)
        text = io.StringIO()
        for s in sensors:
            for i in range(200):
                value = 12.0 if 50 <= i < 60 else 5.0
                text.write(f"{s}\t1\t{T0 + 60 * i}\t{value}\n")
        text.seek(0)
        cr.execute(
            "CREATE TEMP TABLE fill (sensor_id int, gateway_id int, ts bigint, value float8)"
        )
        cr.copy_expert("COPY fill FROM STDIN", text)  # the bench fills the same way
        cr.execute(
            "INSERT INTO coldchain_reading (sensor_id, gateway_id, ts, value, received_at)"
            " SELECT sensor_id, gateway_id, to_timestamp(ts), value, now() FROM fill"
        )
        cr.copy_expert(
            "COPY coldchain_reading (sensor_id, gateway_id, ts, value, received_at) FROM STDIN",
            io.StringIO(f"{sensors[0]}\t1\t{_iso(T0 + 60 * 200)}\t5.0\t{_iso(T0)}\n"),
        )
        # a bulk load queues what it loaded, in its transaction
        cr.execute(
            telemetry_sql.ENQUEUE_RANGE,
            [sensors, [_iso(T0)] * 3, [_iso(T0 + 60 * 200)] * 3],
        )
        conn.commit()
        evaluator = ExcursionEvaluator(RULES)
        results = evaluate_queued(cr, evaluator, chunk_sensors=2, page_rows=64)
        conn.commit()
        assert len(results) == 2  # two chunks of sensors
        assert sum(r.readings for r in results) == 601
        assert max(r.pages for r in results) == 7  # 401 rows in pages of 64
        got = [e for r in results for e in r.events]
        assert _key(got) == _key(evaluate_history(_all_readings(cr), RULES))
    conn.close()
