"""Gate-entry duals in static pricing and the robust pricing (model/robust_pricing.py) against
brute-force enumeration of every route on random small graphs (tests/pricing_cases.py)."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from borderflow.model.pricing import StaticDuals, price_static
from borderflow.model.robust_pricing import price_robust
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pricing_cases import cases, price_of, routes, static_reduced_cost

DIRS = ("a_to_b", "b_to_a")


def _name(g, k):
    return g.crossing_ids[k[0]], DIRS[k[1]]


@st.composite
def entry_instances(draw):
    """A case, capacity duals, and gate-entry rows: some for the case's origin and product,
    some for another origin or product (which must not be charged)."""
    case = draw(cases())
    g = case.graph
    keys = [(c, d) for c in range(len(g.crossing_ids)) for d in (0, 1)]
    mu = {k: float(draw(st.sampled_from([0, 0, 40]))) for k in keys}
    rows = []
    for k in keys:
        for _ in range(draw(st.integers(0, 2))):
            origins = draw(st.sampled_from([(), (case.origin,), ("elsewhere",)]))
            products = draw(st.sampled_from([(), ("p",), ("q",)]))
            rows.append((k, origins, products, float(draw(st.sampled_from([5, 60, 700])))))
    pi = float(draw(st.integers(-100, 400)))
    return case, mu, rows, pi


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry_instances())
def test_static_pricing_charges_the_entry_rows_of_its_origin_and_product(instance):
    case, mu, rows, pi = instance
    g, p = case.graph, case.product
    duals = StaticDuals(supply_usd_per_t={(case.origin, "p"): pi},
                        capacity_usd_per_truck={_name(g, k): v for k, v in mu.items()},
                        entry_usd_per_truck=tuple((*_name(g, k), o, q, v)
                                                  for k, o, q, v in rows))
    charged: dict = {}
    for k, o, q, v in rows:
        if (not o or case.origin in o) and (not q or "p" in q):
            charged[k] = charged.get(k, 0.0) + v
    res = price_static(g, [p], duals, max_columns=2)
    best = math.inf
    for market, path in routes(g, p, case.origin):
        extra = sum(charged.get((int(g.crossing[a]), int(g.direction[a])), 0.0)
                    for a in path if g.crossing[a] >= 0) / p.payload_t_per_truck
        best = min(best, static_reduced_cost(g, p, path, market, mu, {}, 0.0, pi, 0.0) + extra)
    found = res.pairs.iloc[0]["min_reduced_cost_usd_per_t"]
    assert found == pytest.approx(best, abs=1e-7) if math.isfinite(best) else found == math.inf


@st.composite
def robust_instances(draw):
    """A case and 2-3 scenarios: probabilities, capacity duals (weighted by the probability as
    the robust model's are) and supply duals."""
    case = draw(cases())
    g = case.graph
    keys = [(c, d) for c in range(len(g.crossing_ids)) for d in (0, 1)]
    k = draw(st.integers(2, 3))
    weights = [draw(st.integers(1, 4)) for _ in range(k)]
    prob = [w / sum(weights) for w in weights]
    scen = []
    for s in range(k):
        mu = {key: float(draw(st.sampled_from([0, 0, 30, 200]))) * prob[s] for key in keys}
        pi = float(draw(st.integers(-300, 100))) * prob[s]
        scen.append((mu, pi))
    return case, prob, scen, draw(st.sampled_from([0.0, 0.1])), draw(st.sampled_from([0.3, 1.0]))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(robust_instances())
def test_robust_pricing_finds_the_least_spot_or_booking_column(instance):
    """Brute force: for every route, every spot column (one scenario, at (1 + premium) x its
    cost) and every booking column (a subset ships the booking, the others leave it idle at
    kappa x its cost); the pricing's least must equal the brute minimum when it is negative,
    and find nothing when it is not."""
    case, prob, scen, kappa, premium = instance
    g, p = case.graph, case.product
    duals = [StaticDuals(supply_usd_per_t={(case.origin, "p"): pi},
                         capacity_usd_per_truck={_name(g, k): v for k, v in mu.items()})
             for mu, pi in scen]
    best = math.inf
    k = len(scen)
    for market, path in routes(g, p, case.origin):
        price = price_of(p, g, market)
        own = static_reduced_cost(g, p, path, market, {}, {}, 0.0, 0.0, 0.0) + price
        dual = [static_reduced_cost(g, p, path, market, mu, {}, 0.0, pi, 0.0)
                - (own - price) for mu, pi in scen]
        for s in range(k):
            best = min(best, prob[s] * (1 + premium) * own - prob[s] * price + dual[s])
        for size in range(1, k + 1):
            for members in itertools.combinations(range(k), size):
                inside = sum(prob[s] for s in members)
                best = min(best, (inside + kappa * (1 - inside)) * own - inside * price
                           + sum(dual[s] for s in members))
    supply = pd.Series([100.0], index=pd.MultiIndex.from_tuples([(case.origin, "p")],
                                                                names=["origin", "product_id"]))
    found = price_robust(g, [p], duals, prob, spot_premium_factor=premium,
                         unused_booking_factor=kappa, supply=supply)
    assert found.exact
    if math.isfinite(best) and best < -1e-6:
        assert not found.columns.empty
        assert found.least_usd_per_t == pytest.approx(best, abs=1e-6)
    else:
        assert found.columns.empty
