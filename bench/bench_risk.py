#!/usr/bin/env python3
"""Backtest of the at-risk score (engine/risk.py) against a backlog-only baseline.

    python3 bench/bench_risk.py [--days 240] [--sites 8] [--threshold 50] [--seed 3]

The history is replayed from a seeded simulation of the demo network's shapes (no
database): sites with their own capacity take orders of 1-6 lines every day (fewer at
weekends), work them first in first out, and ship each order once its lines are
picked; a line not in stock waits for replenishment.  Commitments are 2 or 3 days
after confirmation.  The first 70 % of the days are history; on every third day of
the rest, each open order is scored as the dashboard does (similar orders' cycle
times, the site's backlog against its usual, lines not in stock) and "late" is
predicted when the score reaches ``--threshold``.  The truth is whether it shipped
after its commitment.  The baseline flags every open order whose site is over its
median backlog at that moment.

Last line: ``risk_precision=<p> risk_recall=<r> baseline_recall=<b>``
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from datetime import datetime, timedelta

import _bootstrap  # noqa: F401  (engines importable without Odoo)
from distribution_dashboard.engine.risk import (
    History,
    HistoryOrder,
    OpenOrder,
    assess,
    precision_recall,
)

START = datetime(2026, 1, 5)  # a Monday


def simulate(days: int, sites: int, seed: int):
    rng = random.Random(seed)
    orders = []  # dicts: site, confirmed, promised, lines, category, short, shipped
    backlog_by_day = {}  # (site, day) -> open lines at the start of the day
    for site in range(sites):
        mean_orders = rng.uniform(15, 40)
        capacity = mean_orders * 3.5 * rng.uniform(1.02, 1.25)  # lines a day
        short_rate = rng.uniform(0.02, 0.08)
        queue = []  # [order, lines left]
        for day in range(days):
            today = START + timedelta(days=day)
            backlog_by_day[(site, day)] = sum(left for _o, left in queue)
            weekday_factor = 0.3 if today.weekday() >= 5 else 1.0
            surge = 1.6 if rng.random() < 0.08 else 1.0
            for _i in range(int(rng.gauss(mean_orders * weekday_factor * surge, 3)) + 1):
                lines = rng.randint(1, 6)
                confirmed = today + timedelta(hours=rng.uniform(7, 18))
                order = {
                    "site": site,
                    "confirmed": confirmed,
                    "promised": confirmed + timedelta(hours=rng.choice([48, 72])),
                    "lines": lines,
                    "category": rng.randint(1, 4),
                    "short": sum(1 for _ in range(lines) if rng.random() < short_rate),
                    "shipped": None,
                }
                orders.append(order)
                queue.append([order, lines])
            work = capacity * (0.4 if today.weekday() >= 5 else 1.0) * rng.uniform(0.85, 1.1)
            while queue and work > 0:
                entry = queue[0]
                take = min(work, entry[1])
                entry[1] -= take
                work -= take
                if entry[1] <= 1e-9:
                    order = entry[0]
                    ship = max(today + timedelta(hours=rng.uniform(12, 20)), order["confirmed"])
                    if order["short"]:
                        ship += timedelta(hours=rng.lognormvariate(4.2, 0.4))  # ~3 days
                    order["shipped"] = ship
                    queue.pop(0)
    return orders, backlog_by_day


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=240)
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--threshold", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    orders, backlog = simulate(args.days, args.sites, args.seed)
    split_day = int(args.days * 0.7)
    split = START + timedelta(days=split_day)
    history = History.build(
        HistoryOrder(
            o["site"],
            o["lines"],
            o["category"],
            o["confirmed"].weekday(),
            (o["shipped"] - o["confirmed"]).total_seconds() / 3600,
        )
        for o in orders
        if o["shipped"] and o["shipped"] < split
    )
    usual = {
        site: statistics.median(backlog[(site, d)] for d in range(split_day)) or 1.0
        for site in range(args.sites)
    }
    predicted, baseline, actual = [], [], []
    for day in range(split_day, args.days - 10, 3):
        now = START + timedelta(days=day, hours=12)
        ratio = {s: backlog[(s, day)] / usual[s] for s in range(args.sites)}
        for o in orders:
            if not (o["confirmed"] <= now and (o["shipped"] is None or o["shipped"] > now)):
                continue
            if o["shipped"] is None or o["promised"] <= now:
                continue  # unknown outcome, or already late (trivially flagged by both)
            result = assess(
                OpenOrder(
                    order_id=id(o),
                    site=o["site"],
                    confirmed_at=o["confirmed"],
                    promised_at=o["promised"],
                    line_count=o["lines"],
                    category=o["category"],
                    lines_short=o["short"],
                ),
                history,
                now,
                ratio[o["site"]],
            )
            predicted.append(result.score >= args.threshold)
            baseline.append(ratio[o["site"]] > 1.0)
            actual.append(o["shipped"] > o["promised"])
    precision, recall = precision_recall(predicted, actual)
    b_precision, b_recall = precision_recall(baseline, actual)
    print(
        f"{len(actual)} open orders scored on {len(range(split_day, args.days - 10, 3))} days, "
        f"{sum(actual)} shipped late; baseline precision {b_precision:.3f}",
        file=sys.stderr,
    )
    print(f"risk_precision={precision:.3f} risk_recall={recall:.3f} baseline_recall={b_recall:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
