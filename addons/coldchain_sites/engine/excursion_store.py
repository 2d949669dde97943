"""The excursion evaluation's storage side, on a DB-API cursor (no Odoo).

:func:`evaluate_queued` is the whole scheduled run minus the Odoo records: take the
queue of new readings (``coldchain_reading_pending``, written by the ingest
transactions themselves) into the per-sensor work list, then evaluate the work in
chunks of sensors with :func:`~.excursion_replay.evaluate_pending`, reading
readings in keyset pages and keeping per-sensor checkpoints in
``coldchain_excursion_checkpoint``.  ``on_chunk(result)`` runs after every chunk,
inside the transaction that consumed it (the caller stores events and state and may
commit there: a later failure keeps the chunks done).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

from . import telemetry_sql
from .excursion import ExcursionEvaluator
from .excursion_replay import (
    DEFAULT_CHECKPOINT_INTERVAL_S,
    DEFAULT_PAGE_ROWS,
    PendingResult,
    evaluate_pending,
)
from .excursion_types import CHANNEL_DOOR, CHANNEL_TEMPERATURE, Readings

HOURLY_CHECKPOINTS_S = 2 * 86_400  # every interval for two days, then one a day


class SqlCheckpoints:
    """Per-sensor checkpoints (engine ``CheckpointStore``) in SQL."""

    def __init__(self, cr):
        self.cr = cr

    def latest_before(self, before):
        sensors = sorted(before)
        self.cr.execute(
            telemetry_sql.CHECKPOINTS_BEFORE, [sensors, [int(before[s]) for s in sensors]]
        )
        return {
            sensor: (ts, state if isinstance(state, dict) else json.loads(state))
            for sensor, ts, state in self.cr.fetchall()
        }

    def last_times(self, sensors):
        self.cr.execute(telemetry_sql.CHECKPOINTS_LAST, [list(sensors)])
        return dict(self.cr.fetchall())

    def discard_after(self, after):
        sensors = sorted(after)
        self.cr.execute(telemetry_sql.CHECKPOINTS_DISCARD, [sensors, [after[s] for s in sensors]])

    def save(self, rows):
        self.cr.execute(
            telemetry_sql.CHECKPOINTS_SAVE,
            [[r[0] for r in rows], [int(r[1]) for r in rows], [json.dumps(r[2]) for r in rows]],
        )
        self.cr.execute(
            telemetry_sql.CHECKPOINTS_PRUNE,
            {"sensors": sorted({r[0] for r in rows}), "keep": HOURLY_CHECKPOINTS_S},
        )


def sql_source(cr):
    """The engine's ``ReadingSource``: keyset pages over the (sensor_id, ts) index.

    Each query reads a *group* of consecutive sensors (sorted by the server, at most
    ``page_rows`` rows returned): the group grows while whole groups fit in a page
    and shrinks when one does not, so the server never sorts much more than a page
    whatever the backlog, and Python holds one page at a time."""

    def pages(start, stop, page_rows):
        sensors = sorted(start)
        position, group = 0, 16
        after_ts = "-infinity"  # keyset: within sensors[position]
        while position < len(sensors):
            chunk = sensors[position : position + group]
            cr.execute(
                telemetry_sql.READINGS_PAGE,
                {
                    "sensors": chunk,
                    "start": [start[s] for s in chunk],
                    "stop": [int(stop[s]) for s in chunk],
                    "door": CHANNEL_DOOR,
                    "temperature": CHANNEL_TEMPERATURE,
                    "after_sensor": chunk[0],
                    "after_ts": after_ts,
                    "limit": page_rows,
                },
            )
            rows = cr.fetchall()
            if len(rows) < page_rows:  # the whole group fitted
                position += len(chunk)
                after_ts = "-infinity"
                group = min(group * 2, 4096)
            else:  # go on from the last row's (sensor, ts)
                position = sensors.index(rows[-1][0], position)
                after_ts = rows[-1][4]
                group = max(1, group // 2)
            if rows:
                sensor, ts, value, channel, _raw = zip(*rows, strict=True)
                yield Readings(
                    np.array(sensor, dtype=np.int64),
                    np.array(ts, dtype=np.int64),
                    np.array(value, dtype=np.float64),
                    np.array(channel, dtype=np.int8),
                )

    return pages


def create_evaluation_tables(cr) -> None:
    cr.execute(telemetry_sql.EVALUATION_DDL)


def evaluate_queued(
    cr,
    evaluator: ExcursionEvaluator,
    *,
    chunk_sensors: int = 500,
    page_rows: int = DEFAULT_PAGE_ROWS,
    checkpoint_interval_s: int = DEFAULT_CHECKPOINT_INTERVAL_S,
    on_chunk: Callable[[PendingResult], None] | None = None,
) -> list[PendingResult]:
    """Consume the queue of new readings and evaluate it chunk by chunk."""
    cr.execute(telemetry_sql.PENDING_TO_WORK)
    checkpoints = SqlCheckpoints(cr)
    results = []
    while True:
        cr.execute(telemetry_sql.WORK_CHUNK, {"limit": max(chunk_sensors, 1)})
        work = cr.fetchall()
        if not work:
            return results
        pending = {sensor: (lo, hi) for sensor, lo, hi in work}
        result = evaluate_pending(
            evaluator,
            pending,
            sql_source(cr),
            checkpoints,
            checkpoint_interval_s=checkpoint_interval_s,
            page_rows=page_rows,
        )
        cr.execute(telemetry_sql.WORK_DONE, [list(pending)])
        results.append(result)
        if on_chunk is not None:
            on_chunk(result)
