#!/usr/bin/env python3
"""Backtest of the at-risk score (engine/risk.py) against a backlog-only baseline.

    python3 bench/bench_risk.py [--scale 1] [--threshold 30]
    python3 bench/bench_risk.py --source synthetic [--days 240] [--sites 8] [--seed 3]

By default it replays the demo network's history (no database): the sale orders
of ``distribution_demo``'s plan at ``--scale``, as ``make run`` loads them, shipped
by their sites as the plan's ``fulfil`` decided (each site works its orders first
in, first out at its capacity, some days disrupted; a line the site does not carry
waits for a transfer).  ``--source synthetic`` replays the earlier stand-alone
simulation instead (sites taking orders of 1-6 lines, fewer at weekends,
commitments 2 or 3 days out).

The first 70 % of the days are history; on every day of the rest (every third day
for the synthetic source), each open order is scored as the dashboard does (similar
orders' cycle times, the site's backlog against its usual, lines not in stock) and
"late" is predicted when the score reaches ``--threshold``.  The truth is whether
it shipped after its commitment.  The baseline flags every open order whose site
is over its median backlog at that moment.

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
    DEFAULT_THRESHOLD,
    History,
    HistoryOrder,
    OpenOrder,
    assess,
    precision_recall,
)
from distribution_demo.engine import plan as demo_plan

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


def demo_history(scale: float):
    """The demo plan's orders in the shape of :func:`simulate` (plus the days)."""
    plan = demo_plan.Plan(scale)
    categories = {family[0]: n for n, family in enumerate(demo_plan.FAMILIES)}
    products = {p.key: p for p in plan.products()}
    orders = []
    for so in plan.sale_orders():
        if so.state not in ("open", "done"):
            continue
        confirmed = START + timedelta(days=demo_plan.HISTORY_DAYS - so.ordered_days_ago)
        promised = confirmed + timedelta(days=so.lead_days)
        orders.append(
            {
                "site": so.warehouse,
                "confirmed": confirmed,
                "promised": promised,
                "lines": len(so.lines),
                "category": categories[products[so.lines[0].product].category],
                "short": so.short_lines,
                # the transfer for the lines the site did not carry arrives then
                "stocked": confirmed + timedelta(days=so.short_days),
                # open orders too: the plan simulated when they leave (the truth)
                "shipped": promised + timedelta(days=so.delay_days),
            }
        )
    days = demo_plan.HISTORY_DAYS
    sites = sorted({o["site"] for o in orders})
    backlog_by_day = {}
    for day in range(days):
        start = START + timedelta(days=day)
        for site in sites:
            backlog_by_day[(site, day)] = 0
        for o in orders:
            if o["confirmed"] < start < o["shipped"]:
                backlog_by_day[(o["site"], day)] += o["lines"]
    return orders, backlog_by_day, days, sites


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=("demo", "synthetic"), default="demo")
    parser.add_argument("--scale", type=float, default=1.0, help="demo plan scale")
    parser.add_argument("--days", type=int, default=240, help="synthetic only")
    parser.add_argument("--sites", type=int, default=8, help="synthetic only")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--seed", type=int, default=3, help="synthetic only")
    args = parser.parse_args()

    if args.source == "demo":
        orders, backlog, days, sites = demo_history(args.scale)
        step = 1
    else:
        orders, backlog = simulate(args.days, args.sites, args.seed)
        days, sites, step = args.days, list(range(args.sites)), 3
    split_day = int(days * 0.7)
    split = START + timedelta(days=split_day)
    history = History.build(
        HistoryOrder(
            o["site"],
            o["lines"],
            o["category"],
            o["confirmed"].weekday(),
            (o["shipped"] - o["confirmed"]).total_seconds() / 3600,
            (o["promised"] - o["confirmed"]).total_seconds() / 3600,
        )
        for o in orders
        if o["shipped"] and o["shipped"] < split
    )
    usual = {
        site: statistics.median(backlog[(site, d)] for d in range(split_day)) or 1.0
        for site in sites
    }
    predicted, baseline, actual = [], [], []
    scored_days = range(split_day, days - 10, step)
    for day in scored_days:
        now = START + timedelta(days=day, hours=12)
        ratio = {s: backlog[(s, day)] / usual[s] for s in sites}
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
                    # short now: a line not in stock yet (as the dashboard sees it)
                    lines_short=o["short"] if o.get("stocked") is None or now < o["stocked"] else 0,
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
        f"{args.source}: {len(actual)} open orders scored on {len(scored_days)} days, "
        f"{sum(actual)} shipped late; baseline precision {b_precision:.3f}",
        flush=True,
    )
    print(f"risk_precision={precision:.3f} risk_recall={recall:.3f} baseline_recall={b_recall:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
