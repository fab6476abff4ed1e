"""Time-dependent lower bounds in the dated pricing search (``Pricing(hour_bounds=True)``,
model/dated_hour_bounds.py): the least reduced cost and the bounds equal brute force on random
graphs, the bound at the origin is below every column's cost, and a "time-blind" bound (one
that reads the duals of the earliest time a node can be reached, whatever the label's time) is
caught by a hand-computed network where the fast road meets a dear day."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pricing_cases import (check_dated_limit, check_dated_option, dated_brute, dated_instances,
                           tiny_inputs, two_roads, two_roads_duals)

from borderflow.model import dated_hour_bounds, dated_pricing
from borderflow.model.column_generation import Pricing
from borderflow.model.dated_pricing import DatedDuals, price_dated
from borderflow.model.pricing import _licensed
from borderflow.options import recorded_pricing






def _bounds(graph, product, duals) -> dated_hour_bounds.HourBounds:
    at = graph.node_index()
    markets = {}
    for m, price in product.markets:
        markets[at[m]] = min(float(price), markets.get(at[m], math.inf))
    return dated_hour_bounds.HourBounds(graph, product, duals,
                                        dated_pricing._Days(graph, product, duals),
                                        _licensed(graph, product), markets)


class _TimeBlind(dated_hour_bounds.HourBounds):
    """The wrong bound: every label read at hour 0 of its dispatch day (the duals of the
    earliest time, whatever time the label is at)."""

    def before(self, node, passed, t, hours):
        return super().before(node, passed, t, 0.0)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.booleans(), st.integers(1, 3))
def test_hour_bounds_keep_the_least_reduced_cost_of_brute_force(instance, exact, columns):
    """Least reduced cost (or the bound when nothing prices out) equal to brute force and to
    the search without the bounds (which may run out of labels where these stop at the
    threshold: exact there, a bound here); every column a real route with its reduced cost; the
    bound at the origin below the least column's cost per truck."""
    case, duals, t, pi = instance
    check_dated_option(case, duals, t, pi, columns, exact, same_exact=False, hour_bounds=True)
    best = dated_brute(case, duals, t, pi)
    g, p = case.graph, case.product
    at_origin = _bounds(g, p, duals).before(g.node_index()[case.origin], 0, t, 0.0)
    P = p.payload_t_per_truck
    assert at_origin <= P * (best + pi) + 1e-6 * max(1.0, abs(P * (best + pi)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.integers(1, 6))
def test_hour_bounds_with_a_label_limit_still_give_a_lower_bound(instance, limit):
    """With ``label_bound`` and a small limit the pair's value stays below every column's."""
    check_dated_limit(*instance, limit, hour_bounds=True)


def test_the_bounds_of_the_two_roads_by_hand():
    """At o on day 0, hour 0: the slow road, 10 USD/truck; at a after 1 h (day 0): the gate's
    300; at a after 30 h (day 1): 0; past the 3 modelled days nothing can end after a
    crossing (no gate may be taken): inf."""
    graph, product = two_roads()
    hb = _bounds(graph, product, two_roads_duals(graph))
    o, a, b = (graph.node_index()[x] for x in "oab")
    assert hb.before(o, 0, 0, 0.0) == pytest.approx(10.0)
    assert hb.before(a, 0, 0, 1.0) == pytest.approx(300.0)
    assert hb.before(a, 0, 0, 30.0) == pytest.approx(0.0)
    assert hb.before(a, 1, 2, 30.0) == math.inf
    assert hb.after(b, 0, 0, 0) == pytest.approx(300.0)
    assert hb.after(b, 0, 0, 1) == pytest.approx(0.0)


def test_the_slow_cheap_day_road_is_found_with_hour_bounds():
    """By hand: fast road (0 + 300) / 10 = 30 USD/t, slow road (10 + 0) / 10 = 1 USD/t."""
    graph, product = two_roads()
    res = price_dated(graph, [product], two_roads_duals(graph), [0], max_columns=2,
                      tolerance=-math.inf, hour_bounds=True)
    assert res.pairs.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(1.0)
    assert res.columns.iloc[0]["departure"] == 1


def test_a_time_blind_bound_is_caught(monkeypatch):
    """Read at hour 0, the slow road's label at a (30 h, day 1) gets the day-0 gate dual
    (300) as its bound, its key 310 passes the fast column's 300 and the search returns 30
    USD/t instead of 1."""
    monkeypatch.setattr(dated_pricing, "HourBounds", _TimeBlind)
    graph, product = two_roads()
    res = price_dated(graph, [product], two_roads_duals(graph), [0], max_columns=2,
                      tolerance=-math.inf, hour_bounds=True)
    assert res.pairs.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(30.0)


def test_the_embedded_networks_agree():
    """On the tiny three-border network with day-varying duals no pair changes."""
    graph, products, _ = tiny_inputs("cg-three-borders")
    duals = DatedDuals.zeros(graph, 4)
    rng = np.random.default_rng(0)
    duals.capacity_usd_per_truck = rng.choice([0.0, 0.0, 50.0, 400.0],
                                              size=duals.capacity_usd_per_truck.shape)
    a = price_dated(graph, products, duals, [0, 1], tolerance=-math.inf)
    b = price_dated(graph, products, duals, [0, 1], tolerance=-math.inf, hour_bounds=True)
    cols = ["origin", "product_id", "period", "exact"]
    assert a.pairs[cols].equals(b.pairs[cols])
    assert np.allclose(a.pairs["min_reduced_cost_usd_per_t"],
                       b.pairs["min_reduced_cost_usd_per_t"], rtol=0, atol=1e-7)
    assert b.stats["labels"] <= a.stats["labels"]


def test_a_step_that_does_not_divide_a_day_is_refused():
    """Slots must lie in one day (the crossing day of a slot is what the search charges)."""
    graph, product = two_roads()
    with pytest.raises(ValueError, match="does not divide 24"):
        dated_hour_bounds.HourBounds(graph, product, two_roads_duals(graph),
                                     dated_pricing._Days(graph, product,
                                                         two_roads_duals(graph)),
                                     _licensed(graph, product), {2: 0.0}, step=0.7)


def test_the_option_is_recorded_only_when_on():
    """run.json and sweep fingerprints of runs without it stay as they were."""
    assert "hour_bounds" not in recorded_pricing(Pricing())
    assert recorded_pricing(Pricing(hour_bounds=True))["hour_bounds"] is True


class _FineSteps(dated_hour_bounds.HourBounds):
    """The table at session 11's 0.1 h step (the default is 0.5 h since session 15)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "step": 0.1})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.integers(1, 3))
def test_the_coarser_step_gives_the_same_least_reduced_costs(instance, columns):
    """0.5 h slots (a fifth of the table) against 0.1 h: the same least reduced cost, the same
    exactness and the same reduced costs of the columns found (both are lower bounds, so A*
    pops the columns in the order of their cost either way)."""
    case, duals, t, _ = instance
    coarse = price_dated(case.graph, [case.product], duals, [t], max_columns=columns,
                         tolerance=-math.inf, hour_bounds=True)
    inner = dated_pricing.HourBounds
    dated_pricing.HourBounds = _FineSteps
    try:
        fine = price_dated(case.graph, [case.product], duals, [t], max_columns=columns,
                           tolerance=-math.inf, hour_bounds=True)
    finally:
        dated_pricing.HourBounds = inner
    a, b = coarse.pairs.iloc[0], fine.pairs.iloc[0]
    assert bool(a["exact"]) == bool(b["exact"])
    if math.isfinite(b["min_reduced_cost_usd_per_t"]):
        assert a["min_reduced_cost_usd_per_t"] == pytest.approx(b["min_reduced_cost_usd_per_t"],
                                                               abs=1e-7)
    else:
        assert a["min_reduced_cost_usd_per_t"] == b["min_reduced_cost_usd_per_t"]
    assert np.allclose(sorted(coarse.columns["reduced_cost_usd_per_t"]),
                       sorted(fine.columns["reduced_cost_usd_per_t"]), rtol=0, atol=1e-7)


def test_the_default_step_is_half_an_hour_and_a_fifth_of_the_slots():
    """Two roads, 3 modelled days: 144 slots at 0.5 h against 720 at 0.1 h, and the
    hand-computed bounds of the two roads hold at both steps."""
    graph, product = two_roads()
    coarse = _bounds(graph, product, two_roads_duals(graph))
    assert coarse.step == 0.5 and coarse.per_day == 48
    fine = _FineSteps(graph, product, two_roads_duals(graph),
                      dated_pricing._Days(graph, product, two_roads_duals(graph)),
                      _licensed(graph, product), {graph.node_index()["b"]: 0.0})
    assert fine.per_day == 240
    assert coarse.table.shape[1] == fine.table.shape[1]
    assert (coarse.n * coarse.per_day, fine.n * fine.per_day) == (144, 720)
    o, a = graph.node_index()["o"], graph.node_index()["a"]
    for hb in (coarse, fine):  # the slow road's 10 USD/truck; the gate's 300 after 1 h
        assert hb.before(o, 0, 0, 0.0) == pytest.approx(10.0)
        assert hb.before(a, 0, 0, 1.0) == pytest.approx(300.0)
