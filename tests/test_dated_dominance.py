"""Dominance in the dated pricing search (``Pricing(dominance=True)``,
model/dated_dominance.py): the least reduced cost and the bounds equal brute force on random
graphs, fewer labels are popped, and a margin-free ("time-blind") rule is caught by the same
checks and by a hand-computed network where the cheaper, earlier path meets a dear day. With
destination-share terms (an expire column where a term is negative) the same against brute
force, and a hand-computed network where the earlier label is written off a day later."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
import pandas as pd
from pricing_cases import (check_dated_limit, check_dated_option, dated_brute, dated_instances,
                           tiny_inputs, two_roads, two_roads_duals)

from borderflow.model import dated_dominance, dated_pricing
from borderflow.model.column_generation import Pricing
from borderflow.model.dated_pricing import EXPIRE, DatedDuals, price_dated
from borderflow.model.pricing import PricingGraph, PricingProduct
from borderflow.options import recorded_pricing




class _TimeBlind(dated_dominance.Margins):
    """The wrong rule: no margin (an earlier, cheaper label dominates whatever days it meets)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.after = 0.0
        self.arcs = [(a, b, 0.0, 0.0) for a, b, _, _ in self.arcs]


def _open(duals: DatedDuals, opened: bool) -> DatedDuals:
    """``duals`` with every crossing open (``opened``): closures make the margins infinite,
    so open instances are where the rule is exercised before the gate."""
    if opened:
        duals.closed = np.zeros_like(duals.closed)
    return duals


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.booleans(), st.booleans(), st.integers(1, 3))
def test_dominance_keeps_the_least_reduced_cost_of_brute_force(instance, exact, opened,
                                                               columns):
    """Least reduced cost (or the bound when nothing prices out) equal to brute force and to
    the search without dominance; no more labels popped; every column a real route with its
    reduced cost."""
    case, duals, t, pi = instance
    res, plain, _ = check_dated_option(case, _open(duals, opened), t, pi, columns, exact,
                                       dominance=True)
    assert res.pairs.iloc[0]["labels"] <= plain.pairs.iloc[0]["labels"]
    assert res.stats["dominated"] >= 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.integers(1, 6))
def test_dominance_with_a_label_limit_still_gives_a_lower_bound(instance, limit):
    """With ``label_bound`` and a small limit the pair's value stays below every column's."""
    check_dated_limit(*instance, limit, dominance=True)


def test_the_slow_cheap_day_road_is_found_with_dominance():
    """By hand: fast road (0 + 300) / 10 = 30 USD/t, slow road (10 + 0) / 10 = 1 USD/t; the
    fast label at a is cheaper and earlier but its margin (300 USD/truck: the gate's day
    spread) keeps the slow one."""
    graph, product = two_roads()
    res = price_dated(graph, [product], two_roads_duals(graph), [0], max_columns=2,
                      tolerance=-math.inf, dominance=True)
    assert res.pairs.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(1.0)
    assert res.columns.iloc[0]["departure"] == 1


def test_a_time_blind_rule_is_caught(monkeypatch):
    """Without the margin the fast label dominates the slow one and the search returns 30
    USD/t instead of 1: the hand-computed check above and brute force both fail it."""
    monkeypatch.setattr(dated_pricing, "Margins", _TimeBlind)
    graph, product = two_roads()
    res = price_dated(graph, [product], two_roads_duals(graph), [0], max_columns=2,
                      tolerance=-math.inf, dominance=True)
    assert res.pairs.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(30.0)
    assert res.stats["dominated"] == 1


def test_a_time_blind_rule_fails_brute_force_on_random_graphs(monkeypatch):
    """The random-graph check above is strong enough to catch the wrong rule by itself."""
    from hypothesis import find

    monkeypatch.setattr(dated_pricing, "Margins", _TimeBlind)

    def wrong(instance):
        case, duals, t, pi = instance
        duals = _open(duals, True)
        res = price_dated(case.graph, [case.product], duals, [t], tolerance=-math.inf,
                          dominance=True)
        best = dated_brute(case, duals, t, pi)
        got = res.pairs.iloc[0]["min_reduced_cost_usd_per_t"]
        return math.isfinite(best) and got > best + 1e-6

    # the first counterexample is the proof; shrinking it (most of this test's time) adds nothing
    find(dated_instances(), wrong,
         settings=settings(max_examples=5000, deadline=None, database=None, derandomize=True,
                           phases=[Phase.generate], suppress_health_check=list(HealthCheck)))


def test_parallel_roads_are_dominated_and_the_embedded_networks_agree():
    """On the tiny three-border network the rule discards labels and changes no pair."""
    graph, products, _ = tiny_inputs("cg-three-borders")
    duals = DatedDuals.zeros(graph, 4)
    a = price_dated(graph, products, duals, [0, 1], tolerance=-math.inf)
    b = price_dated(graph, products, duals, [0, 1], tolerance=-math.inf, dominance=True)
    cols = ["origin", "product_id", "period", "min_reduced_cost_usd_per_t", "exact"]
    assert a.pairs[cols].equals(b.pairs[cols])
    assert b.stats["labels"] <= a.stats["labels"]


def test_the_option_is_recorded_only_when_on():
    """run.json and sweep fingerprints of runs without it stay as they were."""
    assert "dominance" not in recorded_pricing(Pricing())
    assert recorded_pricing(Pricing(dominance=True))["dominance"] is True


def test_the_random_graphs_exercise_the_rule():
    """Some random instance (closures kept) has labels discarded by the correct rule, so the
    brute-force test above checks it where it acts, not only where it is idle."""
    from hypothesis import find

    def acts(instance):
        case, duals, t, _ = instance
        res = price_dated(case.graph, [case.product], duals, [t], tolerance=-math.inf,
                          dominance=True)
        return res.stats["dominated"] > 0

    find(dated_instances(), acts,
         settings=settings(max_examples=2000, deadline=None, database=None, derandomize=True,
                           phases=[Phase.generate], suppress_health_check=list(HealthCheck)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(shares=True), st.booleans(), st.booleans(), st.integers(1, 3))
def test_dominance_with_share_terms_keeps_the_least_reduced_cost_of_brute_force(
        instance, exact, opened, columns):
    """With share terms of either sign (expire columns where negative): the least reduced
    cost equal to brute force and to the plain search, every column real."""
    case, duals, t, pi = instance
    check_dated_option(case, _open(duals, opened), t, pi, columns, exact, dominance=True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(shares=True), st.integers(1, 6))
def test_dominance_with_share_terms_and_a_label_limit_gives_a_lower_bound(instance, limit):
    """With share terms, ``label_bound`` and a small limit the pair's value stays below every
    column's."""
    check_dated_limit(*instance, limit, dominance=True)


def _write_off():
    """o, a in country 0, market b in country 1 (price 0). Roads o -> a: fast 1 h for 0 USD,
    slow 20 h for 10 USD/truck; crossing a -> b 0 h, dual 300 USD/truck on each of 3 days.
    Payload 10 t, shelf life 30 h, penalty 0, waiting 40 USD/truck-day, at most 1 day's wait;
    share term -1 USD/t at b for day 0."""
    nodes = pd.DataFrame({"node_id": ["o", "a", "b"], "country": [0, 0, 1]})
    arcs = pd.DataFrame([
        ("fast", "link", "", "", "o", "a", 1, 0), ("slow", "link", "", "", "o", "a", 20, 10),
        ("x:a_to_b", "crossing", "x", "a_to_b", "a", "b", 0, 0),
        ("x:b_to_a", "crossing", "x", "b_to_a", "b", "a", 0, 0),
    ], columns=["arc_id", "kind", "element_id", "direction", "from_node", "to_node",
                "travel_h", "cost_usd_per_truck"])
    graph = PricingGraph.from_tables(nodes, arcs)
    product = PricingProduct("p", payload_t_per_truck=10.0, cost_factor=1.0,
                             shelf_life_h=30.0, origins=("o",), markets=(("b", 0.0),),
                             penalty_usd_per_t=0.0)
    duals = DatedDuals.zeros(graph, 3, max_wait_days=1, waiting_cost_usd_per_truck_day=40.0)
    duals.capacity_usd_per_truck[0, 0, :] = 300.0
    duals.share_usd_per_t = {("o", "p", "b", 0): -1.0}
    return graph, product, duals


def test_the_slow_road_written_off_sooner_is_found_with_dominance():
    """By hand: the fast road (1 h) may wait W = floor(29/24) = 1 day, so it is written off
    after 2: (0 + 2 x 40)/10 - 1 = 7 USD/t; the slow road (20 h) may wait 0 days, written off
    after 1: (10 + 40)/10 - 1 = 4 USD/t, the least (departing costs 30 - 1 and 31 - 1). At b,
    after the same gate on the same day, the fast label (0 USD, 1 h) would dominate the slow
    one (10 USD, 20 h) with the margin Lambda = 0; the expire margin 40 x min(1, 2, 1) = 40
    USD/truck keeps it."""
    graph, product, duals = _write_off()
    res = price_dated(graph, [product], duals, [0], tolerance=-math.inf, dominance=True)
    assert res.pairs.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(4.0)
    assert res.columns.iloc[0]["departure"] == EXPIRE
    assert list(res.columns.iloc[0]["arcs"]) == ["slow", "x:a_to_b"]


def test_dominance_without_the_expire_margin_is_caught(monkeypatch):
    """Without the expire margin the fast label discards the slow one: 7 USD/t, not 4."""
    monkeypatch.setattr(dated_dominance.Front, "expire_margin", lambda self, g: 0.0)
    graph, product, duals = _write_off()
    res = price_dated(graph, [product], duals, [0], tolerance=-math.inf, dominance=True)
    assert res.pairs.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(7.0)
    assert res.stats["dominated"] >= 1
