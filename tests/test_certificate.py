"""The independent certificate check (borderflow/certificate.py) on the hand-computed networks of
tests/data/cg-* with hand-written duals (see each README.md): an optimal dual set passes, a
tampered or merely restricted one fails; and its label-correcting search agrees with the
pricing's label-setting one on random graphs.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Horizon, Scenario
from borderflow.model.dated_pricing import price_dated
from borderflow.model.pricing import StaticDuals, price_static
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pricing_cases import arcs_frame as _arcs_frame
from pricing_cases import cases, dated_instances, with_toll_and_vot
from pricing_cases import dated_facts as _facts_of

from borderflow.certificate import check_certificate, least_reduced_costs
from borderflow.certificate_dated import check_dated_certificate
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
    arcs = _arcs_frame(g)
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


# ---- dated runs ------------------------------------------------------------------------------
def _certify_dated(pi: float, mu: dict, cost_usd_per_t: float, initial=None, edit=None):
    """cg-three-borders over one dated day (1 January 2024) and its run-out tail; the run's
    objective is ``cost_usd_per_t`` (route cost + waiting - price) x the day's supply, plus
    what the initial queue adds (``edit(facts)``: changes the facts first)."""
    tables = load_dataset(DATA / "cg-three-borders", check_borders=False)
    scenario = Scenario(name="day", horizon=Horizon(start=dt.date(2024, 1, 1), days=1))
    facts = input_facts(tables, scenario)
    if edit is not None:
        edit(facts)
    cap = facts.capacity.assign(dual_usd_per_truck=[
        mu.get((c, d, t), 0.0) for c, d, t in zip(facts.capacity["crossing_id"],
                                                  facts.capacity["direction"],
                                                  facts.capacity["period"])])
    results = {"crossings": cap, "unserved": facts.supply.assign(dual_usd_per_t=pi)}
    objective = cost_usd_per_t * float(facts.supply["supply_t"].sum())
    if initial is not None:
        results["initial_queues"] = initial
        objective += float((initial["dual_usd_per_truck"] * initial["trucks"]).sum())
    return check_dated_certificate(facts, tables.nodes, results, objective)


def test_dated_optimal_duals_pass():
    """Day 0: R3 reaches its last gate (Huu Nghi) 28 h after dispatch, on day 1, and crosses at
    once: reduced cost 61.5 - 2000 - pi = 0 at pi = -1938.5; R2 is 30.5 USD/t dearer."""
    cert = _certify_dated(61.5 - 2000.0, {}, 61.5 - 2000.0)
    assert cert.ok, cert.checks[~cert.checks["ok"]]
    assert cert.routes["period"].tolist() == [0]


def test_dated_restricted_optimum_fails_with_the_three_border_route():
    cert = _certify_dated(92.0 - 2000.0, {}, 92.0 - 2000.0)
    assert _failed(cert) == {"route_dual"}
    row = cert.routes.iloc[0]
    assert row["min_reduced_cost_usd_per_t"] == pytest.approx(61.5 - 92.0, abs=1e-9)
    assert row["route"].count(":") == 3


def test_dated_congested_day_is_waited_out_in_the_queue():
    """A 700 USD/truck dual at Huu Nghi on day 1: R3 waits to day 2 (40 USD/truck = 2 USD/t)."""
    mu = {("huu-nghi-youyiguan", "a_to_b", 1): 700.0}
    cert = _certify_dated(63.5 - 2000.0 + 0.5, mu, 0.0)
    row = cert.routes.iloc[0]
    assert row["min_reduced_cost_usd_per_t"] == pytest.approx(-0.5, abs=1e-9)
    assert "route_dual" in _failed(cert)


def test_dated_initial_queue_dual_is_checked():
    """10 trucks of rubber already waiting at Huu Nghi (VN->CN) cross on day 0 and sell 20 t x
    2,000 USD/t each: one more waiting truck is worth -40,000 USD, the dual of the entry. A
    dual of -39,000 says a truck is worth less than a new stream could make of it."""
    initial = pd.DataFrame({"entry": [0], "crossing_id": ["huu-nghi-youyiguan"],
                            "direction": ["a_to_b"], "product_id": ["rubber"],
                            "age_days": [0], "trucks": [10.0],
                            "dual_usd_per_truck": [-40_000.0]})
    assert _certify_dated(61.5 - 2000.0, {}, 61.5 - 2000.0, initial).ok
    initial["dual_usd_per_truck"] = -39_000.0
    cert = _certify_dated(61.5 - 2000.0, {}, 61.5 - 2000.0, initial)
    assert _failed(cert) == {"initial_queue_dual"}
    assert cert.checks.set_index("check").loc["initial_queue_dual", "amount"] == \
        pytest.approx(1_000.0, abs=1e-6)
    assert cert.other_shortfall_usd == pytest.approx(10 * 1_000.0, abs=1e-6)


def test_dated_initial_queue_check_searches_the_routes_wait():
    """Shelf life 36 h and Huu Nghi (VN->CN) closed on day 0: R3 (35 h, the only route whose
    last gate is Huu Nghi) may not wait (W = 0), so a truck of the entry given to a stream of
    R3 expires on day 1 (40 USD of waiting + 20 x penalty), far above its dual -39,900: the
    check passes. The relaxed bound of before (the wait up to queue_max_wait_days: cross on
    day 1, 40 - 40,000 + 39,900 = -60 USD/truck) flagged it though no route can do it. A dual
    tampered to +40,000 (a truck worth less than expiring) fails ``initial_queue_dual``."""
    def edit(facts):
        facts.products.loc["rubber", "shelf_h"] = 36.0
        cap = facts.capacity
        cap.loc[(cap["crossing_id"] == "huu-nghi-youyiguan") & (cap["direction"] == "a_to_b")
                & (cap["period"] == 0), "capacity_trucks_per_day"] = 0.0

    initial = pd.DataFrame({"entry": [0], "crossing_id": ["huu-nghi-youyiguan"],
                            "direction": ["a_to_b"], "product_id": ["rubber"],
                            "age_days": [0], "trucks": [10.0],
                            "dual_usd_per_truck": [-39_900.0]})
    cert = _certify_dated(61.5 - 2000.0, {}, 61.5 - 2000.0, initial, edit)
    assert cert.ok, cert.checks[~cert.checks["ok"]]
    initial["dual_usd_per_truck"] = 40_000.0
    cert = _certify_dated(61.5 - 2000.0, {}, 61.5 - 2000.0, initial, edit)
    assert "initial_queue_dual" in _failed(cert)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances(), st.sampled_from([0.25, 1.0]), st.sampled_from([0.5, 3.0]))
def test_dated_certificate_charges_tolls_and_value_of_time_as_the_pricing(instance, toll,
                                                                           vot):
    """With tolls (not scaled by the cost factor) and a value of time, the certificate's
    own arc costs give the pricing's least reduced cost wherever it is negative."""
    case, duals, t, pi = instance
    case = with_toll_and_vot(case, toll, vot)
    facts, nodes, results = _facts_of(case, duals, t, pi)
    facts.products["vot"] = vot
    cert = check_dated_certificate(facts, nodes, results, 0.0)
    priced = price_dated(case.graph, [case.product], duals, [t], tolerance=-math.inf)
    least = priced.pairs.iloc[0]["min_reduced_cost_usd_per_t"]
    assert cert.routes.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(min(least, 0.0),
                                                                             abs=1e-9)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_instances())
def test_dated_branch_and_bound_agrees_with_the_pricing(instance):
    """The certificate's depth-first branch and bound and the pricing's A* find the same least
    reduced cost whenever it is negative (the certificate stops at 0)."""
    case, duals, t, pi = instance
    facts, nodes, results = _facts_of(case, duals, t, pi)
    cert = check_dated_certificate(facts, nodes, results, 0.0)
    priced = price_dated(case.graph, [case.product], duals, [t], tolerance=-math.inf)
    least = priced.pairs.iloc[0]["min_reduced_cost_usd_per_t"]
    assert cert.routes.iloc[0]["min_reduced_cost_usd_per_t"] == pytest.approx(min(least, 0.0),
                                                                             abs=1e-9)
