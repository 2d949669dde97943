"""Exposure of stock to an excursion window (pure, known answers)."""

import pytest

from coldchain_sites.engine.exposure import StockEvent, compute_exposure

T = 1_700_000_000
START, END = T + 3600, T + 7200  # a one-hour excursion
LOT = ("product", "lot-1")


def ev(ts, delta, key=LOT):
    return StockEvent(key=key, ts=ts, delta=delta)


def test_lot_that_left_one_minute_before_start_is_not_exposed():
    events = [ev(T, 10), ev(START - 60, -10)]
    assert compute_exposure(events, START, END) == {}


def test_lot_present_during_whole_window():
    exposure = compute_exposure([ev(T, 10)], START, END)[LOT]
    assert exposure.max_quantity == 10
    assert exposure.exposure_s == 3600
    assert (exposure.first_ts, exposure.last_ts) == (START, END)
    assert exposure.quantity_at_start == 10


def test_lot_arriving_during_the_excursion_is_exposed_for_the_right_time():
    exposure = compute_exposure([ev(START + 1200, 4)], START, END)[LOT]
    assert exposure.exposure_s == 2400
    assert exposure.first_ts == START + 1200
    assert exposure.quantity_at_start == 0


def test_lot_leaving_during_the_excursion():
    exposure = compute_exposure([ev(T, 5), ev(START + 600, -5)], START, END)[LOT]
    assert exposure.exposure_s == 600
    assert exposure.last_ts == START + 600


def test_partial_quantities_keep_the_maximum_present():
    events = [ev(T, 10), ev(START + 600, -4), ev(START + 1200, 7), ev(START + 1800, -13)]
    exposure = compute_exposure(events, START, END)[LOT]
    assert exposure.max_quantity == 13
    assert exposure.exposure_s == 1800


def test_arrival_after_the_window_is_ignored():
    assert compute_exposure([ev(END + 1, 3)], START, END) == {}


def test_arrival_exactly_at_start_counts():
    exposure = compute_exposure([ev(START, 2)], START, END)[LOT]
    assert exposure.exposure_s == 3600


def test_transfer_in_and_out_at_the_same_instant_nets_out():
    events = [ev(START + 60, 3), ev(START + 60, -3)]
    assert compute_exposure(events, START, END) == {}


def test_several_keys_and_untracked_products():
    other = ("product-2", None)
    events = [ev(T, 1), ev(START + 100, 8, other)]
    result = compute_exposure(events, START, END)
    assert set(result) == {LOT, other}
    assert result[other].max_quantity == 8
    assert result[other].exposure_s == 3500


def test_open_excursion_up_to_now():
    exposure = compute_exposure([ev(T, 1)], START, START)[LOT]
    assert exposure.exposure_s == 0
    assert exposure.max_quantity == 1


def test_invalid_window():
    with pytest.raises(ValueError):
        compute_exposure([], END, START)
