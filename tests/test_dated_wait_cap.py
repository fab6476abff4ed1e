"""The shelf-life cap on the gate wait in the dated hour bounds (model/dated_hour_bounds.py,
``shelf_wait_cap``) and in the verifier's slot bounds (borderflow/certificate_dated_bounds.py):
by hand on the two-roads network, and against brute force on random graphs.

One road o -> a (1 h, 0 USD/truck; o and a in country 0), the gate a -> b (country 1, market b,
price 0, payload 10 t) dear on day 0 (300 USD/truck), free on day 1 (3 days modelled); waiting
costs 40 USD/truck-day and up to 14 days are allowed, but the product keeps 20 h: the route
(1 h) may wait ``floor((20 - 1) / 24) = 0`` days. Its only column crosses on day 0: 300
USD/truck = 30 USD/t. Without the cap the bound at o is 40 (wait a day for the free gate),
with it 300, the column's cost.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from pricing_cases import (Case, dated_brute, dated_facts, dated_instances, two_roads,
                           two_roads_duals)

from borderflow.certificate_dated import _Inputs, check_dated_certificate
from borderflow.certificate_dated_bounds import SlotBounds
from borderflow.model import dated_pricing
from borderflow.model.dated_hour_bounds import HourBounds, shelf_wait_cap
from borderflow.model.dated_pricing import DatedDuals, price_dated
from borderflow.model.pricing import PricingGraph, _licensed


def _short_shelf():
    graph, product = two_roads()
    nodes = pd.DataFrame({"node_id": ["o", "a", "b"], "country": [0, 0, 1]})
    arcs = pd.DataFrame([
        ("fast", "link", "", "", "o", "a", 1, 0),
        ("x:a_to_b", "crossing", "x", "a_to_b", "a", "b", 0, 0),
        ("x:b_to_a", "crossing", "x", "b_to_a", "b", "a", 0, 0),
    ], columns=["arc_id", "kind", "element_id", "direction", "from_node", "to_node",
                "travel_h", "cost_usd_per_truck"])
    graph = PricingGraph.from_tables(nodes, arcs)
    product = replace(product, shelf_life_h=20.0)
    duals = replace(two_roads_duals(graph), max_wait_days=14,
                    waiting_cost_usd_per_truck_day=40.0)
    return graph, product, duals


def _hour_bounds(graph, product, duals) -> HourBounds:
    at = graph.node_index()
    markets = {at[m]: float(price) for m, price in product.markets}
    return HourBounds(graph, product, duals, dated_pricing._Days(graph, product, duals),
                      _licensed(graph, product), markets)


def test_the_cap_by_hand_in_the_pricing():
    graph, product, duals = _short_shelf()
    at = graph.node_index()
    markets = {at[m]: float(price) for m, price in product.markets}
    assert shelf_wait_cap(graph, product, _licensed(graph, product), markets, 14) == 0
    hb = _hour_bounds(graph, product, duals)
    assert hb.wait_cap == 0
    assert hb.before(at["o"], 0, 0, 0.0) == pytest.approx(300.0)
    res = price_dated(graph, [product], duals, [0], tolerance=-math.inf, hour_bounds=True)
    plain = price_dated(graph, [product], duals, [0], tolerance=-math.inf)
    assert res.pairs.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(30.0)
    assert plain.pairs.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(30.0)
    assert res.pairs.iloc[0]["labels"] <= plain.pairs.iloc[0]["labels"]


def test_a_longer_shelf_life_lifts_the_cap():
    """With 49 h the route may wait ``floor((49 - 1) / 24) = 2`` days: the bound is a day's wait
    for the free gate, 40."""
    graph, product, duals = _short_shelf()
    product = replace(product, shelf_life_h=49.0)
    hb = _hour_bounds(graph, product, duals)
    assert hb.wait_cap == 2
    assert hb.before(graph.node_index()["o"], 0, 0, 0.0) == pytest.approx(40.0)


def test_the_cap_by_hand_in_the_verifier():
    graph, product, duals = _short_shelf()
    case = Case(graph, product, "o")
    facts, nodes, results = dated_facts(case, duals, 0, 0.0)
    inp = _Inputs(facts, dict(zip(nodes["node_id"], nodes["country"])), "p",
                  {(c, d, int(k)): float(v) for c, d, k, v in results["crossings"][
                      ["crossing_id", "direction", "period", "dual_usd_per_truck"]]
                   .itertuples(index=False)}, {}, {})
    slots = SlotBounds.of(inp, origins={"o"})
    assert slots.wait_cap == 0
    assert slots.before("o", 0, 0, 0.0) == pytest.approx(300.0)
    assert SlotBounds.of(inp).before("o", 0, 0, 0.0) == pytest.approx(40.0)  # no origins
    cert = check_dated_certificate(facts, nodes, results, 0.0)
    assert cert.routes.iloc[0]["min_reduced_cost_usd_per_t"] == 0.0  # nothing below 0
    facts, nodes, results = dated_facts(case, duals, 0, 31.0)  # pi = 31: -1 USD/t
    cert = check_dated_certificate(facts, nodes, results, 0.0)
    assert cert.routes.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(-1.0)
    assert cert.routes.iloc[0]["route"] == "fast>x:a_to_b"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances())
def test_the_capped_bound_at_the_origin_is_below_every_column(instance):
    """Brute force: with the cap, the pricing's bound at the origin is still at most the least
    column's cost, and the search with hour bounds finds the brute-force least."""
    case, duals, t, pi = instance
    least = dated_brute(case, duals, t, pi)
    hb = _hour_bounds(case.graph, case.product, duals)
    P = case.product.payload_t_per_truck
    o = case.graph.node_index()[case.origin]
    if math.isfinite(least):
        assert hb.before(o, 0, t, 0.0) <= (least + pi) * P + 1e-6
    res = price_dated(case.graph, [case.product], duals, [t], tolerance=-math.inf,
                      hour_bounds=True)
    got = res.pairs.iloc[0]["min_reduced_cost_usd_per_t"]
    assert got == pytest.approx(least, abs=1e-7) if math.isfinite(least) else got == math.inf


def _diamonds(k: int):
    """o = n0, then ``k`` diamonds n_i -> u_i | l_i -> n_(i+1) (1 h, 1 USD/truck each link:
    2^k paths of exactly the same cost), the gate n_k -> b (country 1, market b, price 100
    USD/t, payload 10 t): the least column costs 2k USD/truck, reduced cost 0.2k - 100."""
    names = ["o"] + [f"n{i}" for i in range(1, k + 1)]
    rows = []
    for i in range(k):
        for side in "ul":
            mid = f"{side}{i}"
            rows += [(f"{names[i]}-{mid}", "link", "", "", names[i], mid, 1, 1),
                     (f"{mid}-{names[i + 1]}", "link", "", "", mid, names[i + 1], 1, 1)]
    rows += [("x:a_to_b", "crossing", "x", "a_to_b", names[-1], "b", 0, 0),
             ("x:b_to_a", "crossing", "x", "b_to_a", "b", names[-1], 0, 0)]
    nodes = pd.DataFrame({"node_id": names + [f"{s}{i}" for i in range(k) for s in "ul"]
                          + ["b"], "country": [0] * (len(names) + 2 * k) + [1]})
    arcs = pd.DataFrame(rows, columns=["arc_id", "kind", "element_id", "direction",
                                       "from_node", "to_node", "travel_h",
                                       "cost_usd_per_truck"])
    graph = PricingGraph.from_tables(nodes, arcs)
    _, product = two_roads()
    product = replace(product, markets=(("b", 100.0),), shelf_life_h=100.0)
    return graph, product, DatedDuals.zeros(graph, 3, max_wait_days=0)


def test_equal_keys_go_depth_first_with_hour_bounds():
    """12 diamonds: 4,096 paths of the same cost, every key equal to the least column's. First
    pushed first (the plain search) pops the whole plateau breadth first; with hour bounds the
    label pushed last goes first and the column is reached in a few dozen labels. The same
    least reduced cost, 0.2 x 12 - 100."""
    graph, product, duals = _diamonds(12)
    plain = price_dated(graph, [product], duals, [0], tolerance=-math.inf)
    fast = price_dated(graph, [product], duals, [0], tolerance=-math.inf, hour_bounds=True)
    for res in (plain, fast):
        assert res.pairs.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(2.4 - 100.0)
        assert res.pairs.iloc[0]["exact"]
    assert plain.pairs.iloc[0]["labels"] > 4_000
    assert fast.pairs.iloc[0]["labels"] < 100
