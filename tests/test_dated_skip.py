"""A dated sweep scenario's pricing search skipped by a proven bound (model/dated_skip.py),
and the verifier's re-check of the recorded bound (borderflow/certificate_skip.py).

The network is ``pricing_cases.two_roads`` with a fee on each road: o -> a by the fast road
(1 h, 50 USD/truck) or the slow one (30 h, 60 USD/truck), then the crossing a -> b into the
market b (price 0), payload 10 t, no wait. The reference's capacity dual of the crossing is
300 USD/truck on day 0, 0 otherwise, every supply dual 0.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
from pricing_cases import two_roads

from borderflow.certificate import _report
from borderflow.certificate_skip import SkipRows
from borderflow.model.dated_pricing import DatedDuals, price_dated
from borderflow.model.dated_reuse import ReferencePricing, Reuse
from borderflow.model.dated_skip import SKIP_COLUMNS, SkipBound

TOL = 1e-7
OPTIONS = (1, TOL, 2_000_000, False, False)  # (columns, tolerance, labels, dominance, hours)


def _network():
    return two_roads(fee=50.0)


def _reference(graph, product):
    duals = DatedDuals.zeros(graph, 3, max_wait_days=0)
    duals.capacity_usd_per_truck[0, 0, 0] = 300.0
    record: dict = {}
    price_dated(graph, [product], duals, [0], tolerance=TOL, record=record)
    return ReferencePricing(duals=duals, graph=graph, products=(product,), options=OPTIONS,
                            searches=record)


def _pass(ref, graph, product, duals):
    reuse = Reuse(ref, duals, graph, [product], OPTIONS)
    skip = SkipBound(reuse, graph, TOL)
    res = price_dated(graph, [product], duals, [0], tolerance=TOL, reuse=reuse, skip=skip)
    return res, skip


def test_a_skipped_search_carries_its_hand_computed_bound():
    """The reference's search of day 0 stops at once: its key, the fast road's 50 USD/truck
    plus the crossing's least dual over the days it can reach (0), is 5 USD/t, above the
    threshold, so its bound is b = 5. The pass lowers the day-0 dual to 290 (a fall of 10
    USD/truck, one crossing per route: the graph has two countries) and raises the supply
    dual to 2 USD/t: every column is at least 5 - 2 - 10/10 = 2 USD/t >= -tolerance, so the
    search is skipped with bound 2. By hand the pass's columns cost (50 + 290)/10 - 2 = 32
    (fast road, crossing day 0) and 60/10 - 2 = 4 (slow road, crossing day 1): both >= 2,
    and a full search finds no column either."""
    graph, product = _network()
    ref = _reference(graph, product)
    assert ref.searches[("o", "p", 0)][0][4] == pytest.approx(5.0)
    duals = copy.deepcopy(ref.duals)
    duals.capacity_usd_per_truck[0, 0, 0] = 290.0
    duals.supply_usd_per_t = {("o", "p", 0): 2.0}
    res, skip = _pass(ref, graph, product, duals)
    assert res.stats["skipped"] == 1 and res.stats["searched"] == 0
    pair = res.pairs.iloc[0]
    assert pair["min_reduced_cost_usd_per_t"] == pytest.approx(2.0)
    assert not pair["exact"] and pair["labels"] == 0
    rec = dict(zip(SKIP_COLUMNS, skip.records[0]))
    assert rec["reference_bound_usd_per_t"] == pytest.approx(5.0)
    assert rec["supply_rise_usd_per_t"] == 2.0 and rec["crossing_fall_usd_per_truck"] == 10.0
    assert rec["crossings"] == 1 and rec["market_fall_usd_per_t"] == 0.0
    full = price_dated(graph, [product], duals, [0], tolerance=-math.inf, max_columns=4)
    assert sorted(full.columns["reduced_cost_usd_per_t"]) == pytest.approx([4.0, 32.0])
    assert full.columns["reduced_cost_usd_per_t"].min() >= pair["min_reduced_cost_usd_per_t"]


def test_a_search_whose_bound_falls_below_the_tolerance_runs():
    """A supply dual rise of 5.5 USD/t leaves 5 - 5.5 - 1 < 0: the search runs (and finds
    nothing: the least column is 6 - 5.5 = 0.5 USD/t)."""
    graph, product = _network()
    ref = _reference(graph, product)
    duals = copy.deepcopy(ref.duals)
    duals.capacity_usd_per_truck[0, 0, 0] = 290.0
    duals.supply_usd_per_t = {("o", "p", 0): 5.5}
    res, skip = _pass(ref, graph, product, duals)
    assert res.stats.get("skipped", 0) == 0 and res.stats["searched"] == 1
    assert not skip.records


def test_a_day_opened_since_the_reference_stops_every_skip():
    """A crossing day closed in the reference and open in the pass adds columns the
    reference never bounded: nothing is skipped."""
    graph, product = _network()
    ref = _reference(graph, product)
    ref.duals.closed = ref.duals.closed.copy()
    ref.duals.closed[0, 0, 2] = True
    duals = copy.deepcopy(ref.duals)
    duals.closed = np.zeros_like(duals.closed)
    duals.supply_usd_per_t = {("o", "p", 0): 1.0}
    res, _ = _pass(ref, graph, product, duals)
    assert res.stats.get("skipped", 0) == 0


def _rows(bound: float, ref: float, rise: float, least_cost):
    """The verifier's rows for one recorded skip of (o, p, 0) with a least reduced cost of
    ``least_cost(offset)`` (its own search)."""
    table = pd.DataFrame([("o", "p", 0, bound, ref, rise, 10.0, 1, 0.0, 10.0, 0.0)],
                         columns=SKIP_COLUMNS)
    skips = SkipRows(table)
    skips.check(("o", "p", 0), least_cost, 0.0, 2.0, 10.0, 1e-6)
    summary = {"pricing": {"skipped_searches": 1, "min_reduced_cost_usd_per_t": bound,
                           "tolerance_usd_per_t": "1e-07"}}
    return pd.concat(skips.rows(summary, 2, _report), ignore_index=True)


def _search(columns):
    """The verifier's search over ``columns`` (cost per truck): the least below an offset."""
    def least(offset):
        below = [c for c in columns if c < offset]
        return (min(below) if below else None), [], None
    return least


def test_the_verifier_passes_the_true_bound_and_fails_a_tampered_one():
    """The pass above, re-checked: columns of 340 and 100 USD/truck (32 and 4 USD/t at
    supply dual 2); the recorded bound 2 passes every row. Raised to 5 (its inputs raised
    with it, so the arithmetic still holds) it is above the slow road's 4 USD/t: the
    verifier's own search finds that column and the row fails; raised alone it fails the
    arithmetic row too. A true bound below ``-tolerance`` fails the skip's premise."""
    columns = [340.0, 60.0]  # per truck: fast road + day-0 dual, slow road
    good = _rows(2.0, 5.0, 2.0, _search(columns))
    assert good["ok"].all(), good[~good["ok"]]
    low = _rows(-1.0, 2.0, 2.0, _search(columns))  # 2 - 2 - 1: true, but no reason to skip
    assert list(low.loc[~low["ok"], "entity"]) == \
        ["o/p @0: bound >= -tolerance (no search was needed)"]
    tampered = _rows(5.0, 8.0, 2.0, _search(columns))
    failed = tampered[~tampered["ok"]]
    assert list(failed["entity"]) == ["o/p @0: no column of the run's duals below the bound"]
    assert failed["amount"].iloc[0] == pytest.approx(1.0)  # 5 - 4 USD/t
    alone = _rows(5.0, 5.0, 2.0, _search(columns))
    assert len(alone[~alone["ok"]]) == 2


def test_one_supply_and_share_mapping_gives_the_bounds_looked_up_key_by_key():
    """Session 25: when the pass and its bound's pass share one supply (and share-term)
    mapping, :class:`SkipBound` takes every rise and share fall as 0.0 without looking them
    up: the same pair rows and records as with an equal copy of the mappings, looked up key
    by key (including a NaN and an infinite dual, whose ``x - x`` is NaN: ``max(0, NaN)``
    is 0.0 too)."""
    graph, product = _network()
    ref = _reference(graph, product)
    for value in (0.0, 2.0, float("nan"), float("inf")):
        ref.duals.supply_usd_per_t = {("o", "p", 0): value}
        ref.duals.share_usd_per_t = {("o", "p", "b", 0): value}
        rows = []
        for copied in (False, True):
            duals = copy.deepcopy(ref.duals)
            duals.capacity_usd_per_truck[0, 0, 0] = 290.0
            supply, share = ref.duals.supply_usd_per_t, ref.duals.share_usd_per_t
            duals.supply_usd_per_t = dict(supply) if copied else supply
            duals.share_usd_per_t = dict(share) if copied else share
            skip = SkipBound(Reuse(ref, duals, graph, [product], OPTIONS), graph, TOL)
            assert skip._same_supply == skip._same_share == (not copied)
            rows.append(skip.row(product, "o", 0))
        assert repr(rows[0]) == repr(rows[1])
        assert rows[0] is not None
