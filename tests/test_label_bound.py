"""A dated search stopped at its label limit with a lower bound (``Pricing(label_bound=True)``,
issue 20 target 4): the bound is below every column's reduced cost (brute force on random
graphs), and a run that meets the limit is restricted with a gap bound that covers the true
gap (the hand-computed optimum of tests/test_stock_bound.py), never certified."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pricing_cases import dated_instances, dated_reduced_costs, routes

from borderflow.model.column_generation import Pricing
from borderflow.model.dated_pricing import price_dated
from borderflow.options import recorded_pricing

import test_stock_bound as hold


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.integers(1, 6), st.booleans())
def test_a_search_at_its_label_limit_returns_a_lower_bound(instance, limit, exact):
    """Whatever the limit, the pair's least reduced cost is at most every column's (brute
    force over the routes); exact when the search did not stop at the limit."""
    case, duals, t, pi = instance
    g, p = case.graph, case.product
    tol = -math.inf if exact else 1e-7
    res = price_dated(g, [p], duals, [t], max_columns=1, tolerance=tol, max_labels=limit,
                      label_bound=True)
    best = min((rc for market, path in routes(g, p, case.origin)
                for _, rc in dated_reduced_costs(g, p, path, market, t, duals, pi)),
               default=math.inf)
    pair = res.pairs.iloc[0]
    assert pair["min_reduced_cost_usd_per_t"] <= best + 1e-7
    assert pair["labels"] <= limit
    if pair["exact"]:
        assert pair["min_reduced_cost_usd_per_t"] == pytest.approx(best, abs=1e-7) \
            if math.isfinite(best) else pair["min_reduced_cost_usd_per_t"] == math.inf
    limited = res.stats["limited"]
    assert limited in (0, 1)
    if limited:  # stopped at the limit with nothing found: a bound, not exact
        assert not pair["exact"] and res.columns.empty
    for col in res.columns.itertuples():
        assert col.reduced_cost_usd_per_t < (math.inf if exact else -1e-7)


def test_a_search_under_its_limit_is_the_same_with_or_without_the_option():
    """The option changes nothing for a search that does not reach the limit."""
    from pricing_cases import tiny_inputs

    from borderflow.model.dated_pricing import DatedDuals

    graph, products, _ = tiny_inputs("cg-three-borders")
    duals = DatedDuals.zeros(graph, 4)
    a = price_dated(graph, products, duals, [0, 1])
    b = price_dated(graph, products, duals, [0, 1], label_bound=True)
    assert a.pairs.equals(b.pairs) and a.columns.equals(b.columns)
    assert b.stats["limited"] == 0


def test_a_run_at_the_label_limit_is_restricted_with_a_bound_above_the_true_gap(tmp_path):
    """Label limit 1 with the option: every search stops at once; the run is restricted (not
    certified), its reason names the limit, and its gap bound covers the true gap."""
    s = hold._run(tmp_path, Pricing(max_labels=1, label_bound=True))
    assert s["routing"] == "restricted"
    assert "pricing stopped: label limit 1 reached in" in s["pricing"]["reason"]
    bound = s["pricing"]["gap_bound_usd"]
    gap = s["objective_usd"] - hold.OPTIMUM
    assert gap > 1000  # the start set misses x2 (tests/test_stock_bound.py)
    assert bound is not None and bound >= gap - hold.TOL


def test_the_option_is_recorded_only_when_on():
    """run.json and sweep fingerprints of runs without it stay as they were."""
    assert "label_bound" not in recorded_pricing(Pricing())
    assert recorded_pricing(Pricing(label_bound=True))["label_bound"] is True
