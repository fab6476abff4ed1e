"""Dominance in the dated pricing search (``Pricing(dominance=True)``,
model/dated_dominance.py): the least reduced cost and the bounds equal brute force on random
graphs, fewer labels are popped, and a margin-free ("time-blind") rule is caught by the same
checks and by a hand-computed network where the cheaper, earlier path meets a dear day."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pricing_cases import (check_dated_limit, check_dated_option, dated_brute, dated_instances,
                           tiny_inputs, two_roads, two_roads_duals)

from borderflow.model import dated_dominance, dated_pricing
from borderflow.model.column_generation import Pricing
from borderflow.model.dated_pricing import DatedDuals, price_dated
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
