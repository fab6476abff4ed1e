"""Exact pricing of initial-queue entries (model/initial_pricing.py): hand-computed answers on
tests/data/cg-three-borders and brute force over every route on random small graphs."""

from __future__ import annotations

import dataclasses
import math

import pytest
from borderflow.model.dated_pricing import DatedDuals, _Days, initial_queue_bounds
from borderflow.model.initial_pricing import price_initial_entry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from helpers import gate_allocation_usd_per_truck
from pricing_cases import dated_instances, routes, tiny_inputs

DIRS = ("a_to_b", "b_to_a")


def _gate(graph, crossing: str, direction: str) -> int:
    return next(a for a in range(len(graph.arc_ids)) if graph.crossing[a] >= 0
                and graph.crossing_ids[graph.crossing[a]] == crossing
                and DIRS[graph.direction[a]] == direction)


def _price(graph, product, duals, gate: int, age: int, eta: float):
    at = graph.node_index()
    return price_initial_entry(graph, product, duals, _Days(graph, product, duals), gate, age,
                               eta, [at[o] for o in product.origins])


# ---- hand-computed -------------------------------------------------------------------------
def test_a_new_stream_through_huu_nghi_takes_the_queued_trucks():
    """R3 reaches Huu Nghi (VN->CN) 28 h after dispatch and Nanning 7 h after entering it
    (k = 0; shelf life 365 days: it may wait queue_max_wait_days). A truck of rubber queued
    there sells 20 t x 2,000 USD/t on day 0 (at zero duals): -40,000 USD against its dual
    eta. With eta = -39,000 a new stream makes -1,000 USD/truck of it: the column is R3."""
    graph, products, _ = tiny_inputs("cg-three-borders")
    duals = DatedDuals.zeros(graph, 2, waiting_cost_usd_per_truck_day=40.0, max_wait_days=3)
    gate = _gate(graph, "huu-nghi-youyiguan", "a_to_b")
    found = _price(graph, products[0], duals, gate, 0, -39_000.0)
    assert found.value_usd_per_truck == pytest.approx(-1_000.0, abs=1e-9)
    assert found.bound_usd_per_truck == pytest.approx(-1_000.0, abs=1e-9) and found.exact
    assert [graph.arc_ids[a] for a in found.arcs if graph.crossing[a] >= 0] == [
        "vientiane-nong-khai:b_to_a", "pa-hang-long-sap:a_to_b", "huu-nghi-youyiguan:a_to_b"]
    assert graph.node_ids[graph.head[found.arcs[-1]]] == "cn-nanning"
    # Huu Nghi closed on day 0: the trucks wait a day (40 USD) and sell on day 1
    duals.closed[graph.crossing[gate], 0, 0] = True
    found = _price(graph, products[0], duals, gate, 0, -39_000.0)
    assert found.value_usd_per_truck == pytest.approx(40.0 - 1_000.0, abs=1e-9)
    # at the dual of a model that already has R3 (-40,000) nothing prices out: the search
    # stops at the gate with the bound 0 (R3 departing on day 0) and returns no route
    duals.closed[:] = False
    found = _price(graph, products[0], duals, gate, 0, -40_000.0)
    assert found.bound_usd_per_truck == pytest.approx(0.0, abs=1e-9) and found.arcs is None


def test_no_route_can_wait_out_the_closure_the_relaxed_bound_could():
    """Shelf life 36 h: R3 (35 h) may not wait (W = 0), so a truck queued at Huu Nghi, closed
    on days 0 and 1, expires on day 1 after a day of waiting: 40 + 20 x penalty - eta per
    truck, positive (so the run is certified). The old bound relaxed the wait to
    queue_max_wait_days (3) and departed on day 2: 80 - 40,000 + 39,900 = -20 USD/truck,
    below 0 though no route can do it."""
    graph, products, _ = tiny_inputs("cg-three-borders")
    rubber = dataclasses.replace(products[0], shelf_life_h=36.0)
    duals = DatedDuals.zeros(graph, 3, waiting_cost_usd_per_truck_day=40.0, max_wait_days=3)
    gate = _gate(graph, "huu-nghi-youyiguan", "a_to_b")
    duals.closed[graph.crossing[gate], 0, 0:2] = True
    eta = -39_900.0
    old = initial_queue_bounds(graph, rubber, duals, [("huu-nghi-youyiguan", "a_to_b", 0)],
                               [eta])["bound_usd_per_truck"].iloc[0]
    assert old == pytest.approx(-20.0, abs=1e-9)
    found = _price(graph, rubber, duals, gate, 0, eta)
    # exact: expires on day 1 at 40 + 20 x penalty - eta; the search stops at the gate with
    # the bound of expiring at no waiting cost, 20 x penalty - eta > 0
    assert found.exact and found.arcs is None
    assert found.bound_usd_per_truck == pytest.approx(
        20 * rubber.penalty_usd_per_t - eta, abs=1e-9)
    assert found.bound_usd_per_truck > 0.0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.integers(0, 2), st.sampled_from([0.0, 500.0, 5000.0]))
def test_initial_search_equals_brute_force(instance, age, eta):
    """The search's least is the brute force's over every route through the gate when below 0
    (and the route it returns has that value); otherwise its bound is in [0, brute force]."""
    case, duals, _, _ = instance
    g, p = case.graph, case.product
    at = g.node_index()
    for gate in range(len(g.arc_ids)):
        if g.crossing[gate] < 0:
            continue
        brute = min((gate_allocation_usd_per_truck(g, p, duals, path, m, age, eta)
                     for m, path in routes(g, p, case.origin)
                     if [a for a in path if g.crossing[a] >= 0][-1:] == [gate]),
                    default=math.inf)
        found = price_initial_entry(g, p, duals, _Days(g, p, duals), gate, age, eta,
                                    [at[case.origin]])
        assert found.exact
        if brute < 0:
            assert found.bound_usd_per_truck == pytest.approx(brute, abs=1e-7)
            assert found.value_usd_per_truck == pytest.approx(brute, abs=1e-7)
            path = list(found.arcs)
            market = int(g.head[path[-1]])
            assert gate_allocation_usd_per_truck(g, p, duals, path, market, age, eta) == \
                pytest.approx(brute, abs=1e-7)
        else:
            assert -1e-7 <= found.bound_usd_per_truck <= brute + 1e-7
