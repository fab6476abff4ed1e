"""The independent certificate check (borderflow/certificate.py) on the hand-computed networks of
tests/data/cg-* with hand-written duals (see each README.md): an optimal dual set passes, a
tampered or merely restricted one fails; and its label-correcting search agrees with the
pricing's label-setting one on random graphs.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from borderflow.data.scenario import Scenario
from borderflow.model.pricing import StaticDuals, price_static
from hypothesis import HealthCheck, given, settings
from pricing_cases import cases

from borderflow.certificate import check_certificate, least_reduced_costs
from borderflow.pipeline import load_dataset
from borderflow.verify import input_facts

DATA = Path(__file__).parent / "data"


def _certify(name: str, pi: float, mu: dict, objective: float, must_deliver=()):
    tables = load_dataset(DATA / name, check_borders=False)
    facts = input_facts(tables, Scenario())
    cap = facts.capacity.assign(dual_usd_per_truck=[
        mu.get((c, d), 0.0) for c, d in zip(facts.capacity["crossing_id"],
                                            facts.capacity["direction"])])
    unserved = facts.supply.assign(dual_usd_per_t=pi)
    return check_certificate(facts, tables.nodes, {"crossings": cap, "unserved": unserved},
                             objective, must_deliver)


def _failed(cert) -> set:
    return set(cert.checks.loc[~cert.checks["ok"], "check"])


def test_optimal_duals_of_the_gate_network_pass():
    cert = _certify("cg-gate-dual", -1908.0, {("pa-hang-long-sap", "a_to_b"): 610.0}, -768_080.0)
    assert cert.ok, cert.checks[~cert.checks["ok"]]
    assert cert.min_reduced_cost_usd_per_t == pytest.approx(0.0, abs=1e-9)
    assert cert.gap_bound_usd(-768_080.0) == pytest.approx(0.0, abs=1e-6)
    assert set(cert.checks["check"]) == {"route_dual", "unserved_dual", "dual_sign",
                                         "duality_gap"}


def test_a_tampered_gate_dual_fails_on_the_three_border_route():
    cert = _certify("cg-gate-dual", -1908.0, {("pa-hang-long-sap", "a_to_b"): 500.0}, -768_080.0)
    assert _failed(cert) == {"route_dual", "duality_gap"}
    row = cert.routes.iloc[0]
    assert row["min_reduced_cost_usd_per_t"] == pytest.approx(-5.5, abs=1e-9)
    assert row["route"].count(":") == 3  # three crossings


def test_dual_feasible_but_not_optimal_fails_the_gap():
    cert = _certify("cg-gate-dual", -2000.0, {("pa-hang-long-sap", "a_to_b"): 610.0}, -768_080.0)
    assert _failed(cert) == {"duality_gap"}
    gap = cert.checks.set_index("check").loc["duality_gap", "amount"]
    assert gap == pytest.approx(abs(-768_080.0 - (-2000.0 * 400 - 610.0 * 8)), abs=1e-6)


def test_a_negative_capacity_dual_fails_the_sign_check():
    cert = _certify("cg-gate-dual", -1908.0, {("pa-hang-long-sap", "a_to_b"): 610.0,
                                              ("boten-mohan", "b_to_a"): -3.0}, -768_080.0)
    assert "dual_sign" in _failed(cert)


def test_shelf_life_is_respected_by_the_certificate():
    """pi = 16 - 1000: the route in time (P2) has reduced cost 0; the cheaper P1 (-2.5 USD/t)
    spoils and must not count."""
    cert = _certify("cg-shelf-life", 16.0 - 1000.0, {}, 200 * (16.0 - 1000.0))
    assert cert.ok, cert.checks[~cert.checks["ok"]]
    assert "vn-lang-son" in cert.routes.iloc[0]["route"]


def test_the_restricted_two_crossing_optimum_is_not_certified():
    """Today's answer on cg-three-borders (R2 only, pi = 92 - 2000) is primal feasible and its
    objective equals its dual objective, but R3 has reduced cost -30.5 USD/t."""
    cert = _certify("cg-three-borders", 92.0 - 2000.0, {}, 200 * (92.0 - 2000.0))
    assert _failed(cert) == {"route_dual"}
    assert cert.min_reduced_cost_usd_per_t == pytest.approx(61.5 - 92.0, abs=1e-9)
    # the bound on the gap: 200 t/day x 30.5 USD/t, here exactly the true gap
    assert cert.gap_bound_usd(200 * (92.0 - 2000.0)) == pytest.approx(6_100.0, abs=1e-6)
    assert cert.lower_bound_usd == pytest.approx(200 * (61.5 - 2000.0), abs=1e-6)


def test_unserved_dual_above_the_value_fails_unless_the_product_must_be_delivered():
    cert = _certify("cg-three-borders", 1600.0, {}, 200 * (61.5 - 2000.0))
    assert "unserved_dual" in _failed(cert)
    cert = _certify("cg-three-borders", 1600.0, {}, 200 * (61.5 - 2000.0),
                    must_deliver=("rubber",))
    assert "unserved_dual" not in _failed(cert)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_label_correcting_agrees_with_the_pricing(case):
    """Two algorithms, one answer: the certificate's backward label-correcting search and the
    pricing's screen + A* label setting find the same least route cost."""
    g, p = case.graph, case.product
    arcs = pd.DataFrame({
        "kind": ["crossing" if c >= 0 else "link" for c in g.crossing],
        "element_id": [g.crossing_ids[c] if c >= 0 else "" for c in g.crossing],
        "direction": [("a_to_b", "b_to_a")[d] if d >= 0 else "" for d in g.direction],
        "from_node": [g.node_ids[u] for u in g.tail], "to_node": [g.node_ids[v] for v in g.head],
        "travel_h": g.hours, "cost_usd_per_truck": g.cost_usd_per_truck}, index=list(g.arc_ids))
    country = dict(zip(g.node_ids, g.country))
    P = p.payload_t_per_truck
    ends = {}
    for m, price in p.markets:
        ends[m] = min(-P * price, ends.get(m, math.inf))
    info = {"cost_factor": p.cost_factor, "shelf_h": p.shelf_life_h, "perishable": p.perishable,
            "licensed": p.licensed}
    least = least_reduced_costs(arcs, country, info, [case.origin], ends, {}, set())
    priced = price_static(g, [p], StaticDuals()).pairs.iloc[0]["min_reduced_cost_usd_per_t"]
    if case.origin in least:
        assert least[case.origin][0] / P == pytest.approx(priced, abs=1e-9)
    else:
        assert priced == math.inf
