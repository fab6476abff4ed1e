"""The dated certificate's time-slot bounds (borderflow/certificate_dated_bounds.py): a lower
bound on every column (brute force on random graphs), by hand on the two-roads network where a
bound read at the dispatch hour is wrong, the same verdicts and least reduced costs as the
least-dual bounds alone, and a tampered result still failing.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pricing_cases import (Case, dated_brute, dated_facts, dated_instances, two_roads,
                           two_roads_duals)

from borderflow.certificate_dated import _Inputs, check_dated_certificate
from borderflow.certificate_dated_bounds import SlotBounds


def _inputs(case, duals, t, pi):
    facts, nodes, results = dated_facts(case, duals, t, pi)
    country = dict(zip(nodes["node_id"], nodes["country"]))
    keys = ["crossing_id", "direction", "period"]
    cap = results["crossings"].set_index(keys)
    mu = {k: max(float(v), 0.0) for k, v in cap["dual_usd_per_truck"].items()}
    rho = {k: max(float(v), 0.0) for k, v in cap.get(
        "priority_dual_usd_per_truck", pd.Series(dtype=float)).items()}
    lam = {(m, p, int(d)): max(float(v), 0.0) for m, p, d, v in
           results["market_duals"][["market", "product_id", "period", "dual_usd_per_t"]]
           .itertuples(index=False)}
    return facts, nodes, results, _Inputs(facts, country, "p", mu, rho, lam)


def _two_roads_case() -> tuple:
    graph, product = two_roads()
    return Case(graph, product, "o"), two_roads_duals(graph)


def test_the_slot_bounds_of_the_two_roads_by_hand():
    """Day 0, hour 0 at o: the slow road (10 USD/truck, 30 h) reaches a on day 1, when the gate
    is free: 10. At a after 1 h (day 0): the gate's 300, or pass (300) and never cross again;
    after 30 h (day 1): 0. Past the 3 modelled days no gate may be taken: inf after a
    crossing. After the gate taken on day 0 at b: 300 (no wait allowed); on day 1: 0."""
    case, duals = _two_roads_case()
    *_, inp = _inputs(case, duals, 0, 0.0)
    slots = SlotBounds.of(inp)
    assert slots.before("o", 0, 0, 0.0) == pytest.approx(10.0)
    assert slots.before("a", 0, 0, 1.0) == pytest.approx(300.0)
    assert slots.before("a", 0, 0, 30.0) == pytest.approx(0.0, abs=1e-6)
    assert slots.before("a", 1, 2, 30.0) == math.inf
    gate = ("x", "a_to_b")
    assert slots.after("b", gate, 0) == pytest.approx(300.0)
    assert slots.after("b", gate, 1) == pytest.approx(0.0, abs=1e-6)
    # the least-dual bound of the same label is 0: the dual of day 1
    assert inp.bounds(0)[1]["o"] == pytest.approx(0.0)


def test_the_slow_cheap_day_road_is_certified_below_the_fast_one():
    """With pi = 5 USD/t the slow road's column costs 1 - 5 = -4 USD/t: found with the slot
    bounds as without them (a bound read at hour 0 would charge the slow road's label 300 at
    a and cut it)."""
    case, duals = _two_roads_case()
    facts, nodes, results, _ = _inputs(case, duals, 0, 5.0)
    for slots in (True, False):
        cert = check_dated_certificate(facts, nodes, results, 0.0, slot_bounds=slots)
        row = cert.routes.iloc[0]
        assert row["min_reduced_cost_usd_per_t"] == pytest.approx(-4.0)
        assert row["route"] == "slow>x:a_to_b"
        assert not row["ok"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances())
def test_the_slot_bound_at_the_origin_is_below_every_column(instance):
    """Brute force over every column of the dispatch day: the bound at the origin (hour 0) is
    at most the least column's cost per truck."""
    case, duals, t, pi = instance
    *_, inp = _inputs(case, duals, t, pi)
    slots = SlotBounds.of(inp)
    least = dated_brute(case, duals, t, pi)
    if math.isfinite(least):
        P = case.product.payload_t_per_truck
        assert slots.before(case.origin, 0, t, 0.0) <= (least + pi) * P + 1e-6


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.sampled_from([0.0, 40.0, 400.0]))
def test_the_same_verdict_and_least_reduced_cost_with_and_without_slot_bounds(instance, up):
    """The certificate's route table (least reduced cost to 1e-9, verdict, the route where one
    prices out) is the same with the slot bounds as with the least-dual bounds alone, and
    equals brute force where negative; a supply dual raised by ``up`` USD/t (a tampered
    result) fails both ways alike."""
    case, duals, t, pi = instance
    pi += up
    duals.supply_usd_per_t = {(case.origin, "p", t): pi}
    facts, nodes, results, _ = _inputs(case, duals, t, pi)
    new = check_dated_certificate(facts, nodes, results, 0.0).routes.iloc[0]
    old = check_dated_certificate(facts, nodes, results, 0.0, slot_bounds=False).routes.iloc[0]
    assert new["min_reduced_cost_usd_per_t"] == pytest.approx(old["min_reduced_cost_usd_per_t"],
                                                              abs=1e-9)
    assert new["ok"] == old["ok"]
    least = dated_brute(case, duals, t, pi)
    assert new["min_reduced_cost_usd_per_t"] == pytest.approx(min(least, 0.0), abs=1e-9)
    if least < -1e-6:
        assert not new["ok"]


def test_a_step_that_is_not_a_power_of_two_is_refused():
    case, duals = _two_roads_case()
    *_, inp = _inputs(case, duals, 0, 0.0)
    with pytest.raises(ValueError, match="power of two"):
        SlotBounds(inp, step=0.1)
