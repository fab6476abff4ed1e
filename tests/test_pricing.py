"""Pricing (model/pricing.py, model/dated_pricing.py): hand-computed answers on the tiny
networks of tests/data/cg-*, and brute-force enumeration of every route on random small graphs.
"""

from __future__ import annotations

import math

import pytest
from borderflow.model.dated_pricing import (
    HOLD,
    DatedDuals,
    PricingLimitError,
    initial_queue_bounds,
    price_dated,
)
from borderflow.model.pricing import StaticDuals, price_static
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from helpers import gate_allocation_usd_per_truck
from pricing_cases import (
    cases,
    dated_instances,
    dated_reduced_costs,
    routes,
    static_reduced_cost,
    tiny_inputs,
    with_toll_and_vot,
)

TOL = 1e-9


# ---- hand-computed answers -------------------------------------------------------------------
def test_best_in_time_is_neither_cheapest_nor_fastest():
    graph, products, sigma = tiny_inputs("cg-shelf-life")
    duals = StaticDuals(supply_usd_per_t={("vn-bac-giang", "lychee"): 500.0},
                        empty_return_share=sigma)
    res = price_static(graph, products, duals)
    col = res.columns.iloc[0]
    assert col["reduced_cost_usd_per_t"] == pytest.approx(16.0 - 1000 - 500, abs=TOL)
    assert col["cost_usd_per_t"] == pytest.approx(16.0, abs=TOL)
    assert col["hours"] == pytest.approx(14.0)
    assert "vn-lang-son_vn-huu-nghi-gate" in col["arcs"]
    pair = res.pairs.iloc[0]
    # the screen (shelf life dropped) finds the cheapest path, 27 h: a bound, not the answer
    assert pair["screen_usd_per_t"] == pytest.approx(13.5 - 1000 - 500, abs=TOL)
    assert pair["method"] == "labels" and pair["exact"]


def test_best_route_crosses_three_borders():
    graph, products, sigma = tiny_inputs("cg-three-borders")
    res = price_static(graph, products, StaticDuals(empty_return_share=sigma))
    col = res.columns.iloc[0]
    assert col["n_crossings"] == 3
    assert col["cost_usd_per_t"] == pytest.approx(61.5, abs=TOL)
    assert col["reduced_cost_usd_per_t"] == pytest.approx(61.5 - 2000, abs=TOL)
    assert res.pairs.iloc[0]["method"] == "screen"


def _share_duals(with_share: bool) -> StaticDuals:
    """cg-toll-vot-share's duals (its README.md): pi = -2,816.25 USD/t and the share row's low
    side w = 246.25 USD/t, which adds -(a(m) x w) per tonne: +0.4 w at Nanning, -0.6 w at
    Kunming."""
    key = ("vn-bac-giang", "dragon-fruit")
    share = {(*key, "cn-nanning"): 0.4 * 246.25, (*key, "cn-kunming"): -0.6 * 246.25}
    return StaticDuals(supply_usd_per_t={key: -2_816.25},
                       share_usd_per_t=share if with_share else {})


def test_toll_and_value_of_time_are_priced_and_the_share_term_closes_the_certificate():
    """The expressway route N2 (85.25 USD/t: the 100 USD toll not scaled by the reefer factor,
    8.6 h at 5 USD/t-h) beats the shorter N1 (98.50); with the share term no route prices out
    (the optimum's duals), without it N2 prices out at -98.50 USD/t."""
    graph, products, _ = tiny_inputs("cg-toll-vot-share")
    res = price_static(graph, products, _share_duals(False))
    col = res.columns.iloc[0]
    assert col["cost_usd_per_t"] == pytest.approx(85.25, abs=TOL)
    assert col["hours"] == pytest.approx(8.6)
    assert col["reduced_cost_usd_per_t"] == pytest.approx(-98.5, abs=1e-9)
    assert "vn-bac-giang_vn-lang-son" in col["arcs"] and col["market"] == "cn-nanning"
    res = price_static(graph, products, _share_duals(True))
    assert res.columns.empty
    assert res.pairs.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(0.0, abs=1e-9)


def _gate_duals(mu: float, sigma: float) -> StaticDuals:
    return StaticDuals(supply_usd_per_t={("th-udon-thani", "rubber"): -1908.0},
                       capacity_usd_per_truck={("pa-hang-long-sap", "a_to_b"): mu},
                       empty_return_share=sigma)


def test_optimal_gate_dual_leaves_nothing_to_price():
    graph, products, sigma = tiny_inputs("cg-gate-dual")
    res = price_static(graph, products, _gate_duals(610.0, sigma), max_columns=5)
    assert res.columns.empty
    assert res.pairs.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(0.0, abs=1e-9)


def test_tampered_gate_dual_prices_the_three_border_route_out():
    graph, products, sigma = tiny_inputs("cg-gate-dual")
    res = price_static(graph, products, _gate_duals(500.0, sigma))
    col = res.columns.iloc[0]
    assert col["reduced_cost_usd_per_t"] == pytest.approx(-5.5, abs=TOL)
    assert col["n_crossings"] == 3


def test_closed_crossing_is_not_priced():
    graph, products, sigma = tiny_inputs("cg-three-borders")
    duals = StaticDuals(closed=frozenset({("pa-hang-long-sap", "a_to_b")}),
                        empty_return_share=sigma)
    col = price_static(graph, products, duals).columns.iloc[0]
    assert col["n_crossings"] == 2
    assert col["cost_usd_per_t"] == pytest.approx(92.0, abs=TOL)


def test_a_negative_capacity_dual_is_refused():
    graph, products, _ = tiny_inputs("cg-three-borders")
    with pytest.raises(ValueError, match="capacity"):
        price_static(graph, products, StaticDuals(
            capacity_usd_per_truck={("boten-mohan", "a_to_b"): -1.0}))


def test_several_columns_are_distinct_and_sorted():
    graph, products, sigma = tiny_inputs("cg-gate-dual")
    res = price_static(graph, products, StaticDuals(empty_return_share=sigma), max_columns=3)
    rc = res.columns["reduced_cost_usd_per_t"].tolist()
    assert len(rc) == 2  # R3 and R2: the only two routes
    assert rc == sorted(rc)
    assert res.columns["arcs"].nunique() == 2


def test_dated_pricing_charges_the_congested_day_and_waits_for_the_next():
    """R3 dispatched on day 0 reaches its gate, Huu Nghi, 28 h later (day 1): a dual of 700 USD
    on day 1 makes it wait one day in the queue (40 USD/truck) rather than pay it."""
    graph, products, _ = tiny_inputs("cg-three-borders")
    duals = DatedDuals.zeros(graph, 6, waiting_cost_usd_per_truck_day=40.0, max_wait_days=3)
    c = graph.crossing_ids.index("huu-nghi-youyiguan")
    duals.capacity_usd_per_truck[c, 0, 1] = 700.0  # R3 reaches Huu Nghi on day 1 (24 h)
    res = price_dated(graph, products, duals, [0], max_columns=1)
    col = res.columns.iloc[0]
    assert col["n_crossings"] == 3
    assert col["departure"] == 2
    assert col["reduced_cost_usd_per_t"] == pytest.approx(61.5 + 40 / 20 - 2000, abs=TOL)


def test_dated_pricing_stops_at_its_label_limit():
    graph, products, _ = tiny_inputs("cg-three-borders")
    duals = DatedDuals.zeros(graph, 4)
    with pytest.raises(PricingLimitError):
        price_dated(graph, products, duals, [0], max_labels=1)


# ---- brute force on random graphs ------------------------------------------------------------
@st.composite
def static_instances(draw):
    case = draw(cases())
    g = case.graph
    keys = [(c, d) for c in range(len(g.crossing_ids)) for d in (0, 1)]
    mu = {k: float(draw(st.sampled_from([0, 0, 5, 40, 120]))) for k in keys}
    rho = {k: float(draw(st.sampled_from([0, 0, 30]))) for k in keys}
    closed = {k for k in keys if draw(st.integers(0, 5)) == 0}
    lam = {m: float(draw(st.sampled_from([0, 0, 25]))) for m, _ in case.product.markets}
    pi = float(draw(st.integers(-100, 300)))
    sigma = draw(st.sampled_from([0.0, 0.5]))
    return case, mu, rho, closed, lam, pi, sigma


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(static_instances())
def test_static_pricing_equals_brute_force(instance):
    case, mu, rho, closed, lam, pi, sigma = instance
    g, p = case.graph, case.product

    def name(k):
        return g.crossing_ids[k[0]], ("a_to_b", "b_to_a")[k[1]]

    duals = StaticDuals(supply_usd_per_t={(case.origin, "p"): pi},
                        capacity_usd_per_truck={name(k): v for k, v in mu.items()},
                        priority_usd_per_truck={name(k): v for k, v in rho.items()},
                        market_usd_per_t={(m, "p"): v for m, v in lam.items()},
                        closed=frozenset(name(k) for k in closed), empty_return_share=sigma)
    res = price_static(g, [p], duals, max_columns=3)
    best = math.inf
    for market, path in routes(g, p, case.origin):
        if any((int(g.crossing[a]), int(g.direction[a])) in closed for a in path):
            continue
        best = min(best, static_reduced_cost(g, p, path, market, mu, rho,
                                             lam[g.node_ids[market]], pi, sigma))
    found = res.pairs.iloc[0]["min_reduced_cost_usd_per_t"]
    assert found == pytest.approx(best, abs=1e-7) if math.isfinite(best) else found == math.inf
    assert res.pairs.iloc[0]["screen_usd_per_t"] <= found + 1e-9
    for col in res.columns.itertuples():  # every column is a real route with its reduced cost
        assert col.reduced_cost_usd_per_t < 0 and col.hours <= p.shelf_life_h + 1e-9
    if math.isfinite(best) and best < -1e-7:
        assert res.columns.iloc[0]["reduced_cost_usd_per_t"] == pytest.approx(best, abs=1e-7)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.booleans())
def test_dated_pricing_equals_brute_force(instance, exact):
    case, duals, t, pi = instance
    g, p = case.graph, case.product
    tol = -math.inf if exact else 1e-7  # -inf: find the least reduced cost whatever its sign
    res = price_dated(g, [p], duals, [t], max_columns=2, tolerance=tol)
    columns = [rc for market, path in routes(g, p, case.origin)
               for _, rc in dated_reduced_costs(g, p, path, market, t, duals, pi)]
    best = min(columns, default=math.inf)
    pair = res.pairs.iloc[0]
    if pair["exact"]:
        assert pair["min_reduced_cost_usd_per_t"] == pytest.approx(best, abs=1e-7) \
            if math.isfinite(best) else pair["min_reduced_cost_usd_per_t"] == math.inf
    else:  # nothing below -tolerance, and the bound says so
        assert best >= -1e-7 - 1e-9
        assert pair["min_reduced_cost_usd_per_t"] <= best + 1e-9
    for col in res.columns.itertuples():
        assert col.period == t
        assert col.departure >= -2 and col.reduced_cost_usd_per_t < (math.inf if exact
                                                                      else -1e-7)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.sampled_from([0.25, 1.0]), st.sampled_from([0.0, 0.5, 3.0]))
def test_dated_pricing_charges_tolls_and_value_of_time_as_the_model_does(instance, toll, vot):
    """Tolls unscaled by the cost factor and the value of time on every hour of the route
    (model/costs.py), against the brute force's formula."""
    case, duals, t, pi = instance
    case = with_toll_and_vot(case, toll, vot)
    g, p = case.graph, case.product
    res = price_dated(g, [p], duals, [t], max_columns=1, tolerance=-math.inf)
    best = min((rc for market, path in routes(g, p, case.origin)
                for _, rc in dated_reduced_costs(g, p, path, market, t, duals, pi)),
               default=math.inf)
    found = res.pairs.iloc[0]["min_reduced_cost_usd_per_t"]
    assert found == pytest.approx(best, abs=1e-7) if math.isfinite(best) else found == math.inf
    for col in res.columns.itertuples():  # the column's cost is the model's cost per tonne
        assert col.cost_usd_per_t >= vot * col.hours - 1e-9


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.integers(0, 2), st.sampled_from([0.0, 500.0, 5000.0]))
def test_initial_queue_bound_is_below_every_allocation(instance, age, eta):
    """The bound is at most the reduced cost of every way a new stream could take an initial
    queue entry at each gate: depart on a day its wait allows, or expire."""
    case, duals, _, _ = instance
    g, p = case.graph, case.product
    gates = sorted({(g.crossing_ids[g.crossing[a]], ("a_to_b", "b_to_a")[g.direction[a]])
                    for a in range(len(g.arc_ids)) if g.crossing[a] >= 0})
    if not gates:
        return
    bounds = initial_queue_bounds(g, p, duals, [(c, d, age) for c, d in gates],
                                  [eta] * len(gates))
    for row in bounds.itertuples():
        exact = math.inf
        for market, path in routes(g, p, case.origin):
            x = [a for a in path if g.crossing[a] >= 0]
            if not x or (g.crossing_ids[g.crossing[x[-1]]], ("a_to_b", "b_to_a")[
                    g.direction[x[-1]]]) != (row.crossing_id, row.direction):
                continue
            exact = min(exact, gate_allocation_usd_per_truck(g, p, duals, path, market, age,
                                                             eta))
        assert row.bound_usd_per_truck <= exact + 1e-7


def test_hold_column_when_the_queue_outlasts_the_model():
    """A gate reached on the last modelled day with a long wait allowed: holding (no revenue,
    waiting to the end, then valued like cargo written off: its penalty) is a column too, and
    it is dearer than departing at zero duals."""
    graph, products, _ = tiny_inputs("cg-three-borders")
    duals = DatedDuals.zeros(graph, 2, waiting_cost_usd_per_truck_day=40.0, max_wait_days=5)
    c = graph.crossing_ids.index("huu-nghi-youyiguan")
    duals.closed[c, 0, 1] = True  # R3 reaches Huu Nghi on day 1, the last modelled day
    res = price_dated(graph, products, duals, [0], max_columns=4, tolerance=-math.inf)
    deps = set(res.columns["departure"])
    assert HOLD in deps
    hold = res.columns[res.columns["departure"] == HOLD].iloc[0]
    assert hold["reduced_cost_usd_per_t"] == pytest.approx(
        hold["cost_usd_per_t"] + (2 - 1) * 40.0 / 20 + products[0].penalty_usd_per_t, abs=TOL)
