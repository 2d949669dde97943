"""The demo's cold-chain telemetry is deterministic and holds the planned episodes."""

import itertools

from distribution_demo.engine import coldchain_states as cs

ANCHOR = 1_780_000_000 - 1_780_000_000 % 60
CODES = [
    f"{site}-{zone}-{suffix}"
    for site in ("RTM", "LYS")
    for zone, suffixes in (("CHILL", ("T1", "T2", "D1")), ("FREEZE", ("T1", "T2")))
    for suffix in suffixes
]


def all_rows():
    older = cs.series(CODES, ANCHOR, cs.HISTORY_HOURS, cs.PASS_SPLIT_HOURS)
    newer = cs.series(CODES, ANCHOR, cs.PASS_SPLIT_HOURS, 0)
    return older, newer


def test_series_is_deterministic_and_small():
    assert all_rows() == all_rows()
    older, newer = all_rows()
    rows = older + newer
    assert len(rows) < 8000  # ten sensors, one day, every 2 min
    assert len({(c, ts) for c, ts, _v in rows}) == len(rows), "no duplicate (sensor, ts)"
    assert max(ts for _c, ts, _v in older) < min(ts for _c, ts, _v in newer)
    assert max(ts for _c, ts, _v in newer) == ANCHOR
    assert min(ts for _c, ts, _v in older) == ANCHOR - cs.HISTORY_HOURS * 3600


def test_baseline_stays_in_range_and_gaps_stay_below_the_silence_limit():
    older, newer = all_rows()
    by_code = {}
    for code, ts, value in older + newer:
        by_code.setdefault(code, []).append((ts, value))
    episodes = {e.sensor: e for e in cs.EPISODES}
    for code, rows in by_code.items():
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(rows)]
        if episodes.get(code) and episodes[code].value is None:
            assert max(gaps) == (episodes[code].minutes + 2) * 60
        else:
            assert max(gaps) == cs.STEP_S < 180
        if code.endswith("D1"):
            opened = [v for _ts, v in rows if v != 0.0]
            door = episodes.get(code)
            assert opened == ([1.0] * (door.minutes * 60 // cs.STEP_S) if door else []), code
            continue
        low, high = {"CHILL": (2.0, 8.0), "FREEZE": (-25.0, -15.0)}[cs.zone_key(code)]
        outside = [v for _ts, v in rows if not low < v < high]
        episode = episodes.get(code)
        if episode is None or episode.value is None:
            assert not outside, code
        else:
            assert outside == [episode.value] * (episode.minutes * 60 // cs.STEP_S), code


def test_episodes_are_ordered_and_split_by_the_passes():
    starts = [e.start_min for e in cs.EPISODES]
    assert starts == sorted(starts, reverse=True)
    split = cs.PASS_SPLIT_HOURS * 60
    older = {e.purpose for e in cs.EPISODES if e.start_min - e.minutes > split}
    assert older == {"closed", "silent", "escalated"}
    assert all(e.start_min < split for e in cs.EPISODES if e.purpose not in older)
