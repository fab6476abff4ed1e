"""Congestion tiers that clear first come, first served within a lane (``congestion_fifo`` 1,
docs/model.md "Congestion at the gates"): hand-computed answers on the tiny two-gate network.

Two products, payload 20 t, a waiting cost of 24 USD per truck-day (1 USD per truck-hour) and a
lane value of 19 USD per truck-hour: every truck-hour in a tier costs 20 USD, whatever it
carries. Route costs (tests/tiny.py, ``11 + 12 h x vot`` via X1, ``16 + 8 h x vot`` via X2):
durian (3 USD/t-h) 47 via X1, 40 via X2 USD/t: X2 is 7 USD/t = 140 USD/truck cheaper; rice
(0.1 USD/t-h) 12.2 via X1, 16.8 via X2: X1 is 92 USD/truck cheaper. Each gate takes 10
trucks/day; tiers of 5 / 2.5 / 1.5 / 1 trucks wait 0 / 2 / 6 / 24 h, so the marginal delay
per truck is 0 / 40 / 120 / 480 USD at either gate, for either product.

Supply: durian 220 t (11 trucks), rice 120 t (6 trucks); market price 1,000 USD/t.

- Rice stays at X1 (X2 would cost it 92 more). Durian fills X2's tiers 1-3 (9 trucks, marginal
  at most 120 USD); a 10th durian truck at X2 would wait in tier 4 (480 USD), at X1 it costs
  its 140 USD of route plus X1's marginal delay. X1 holds rice 6 + durian 2 = 8 trucks: tier 1
  5, tier 2 2.5, tier 3 0.5 -> marginal 120 USD. **Durian splits** 9 / 2 where its marginal
  costs meet: X2 800 + 260 = X1 940 + 120 = 1,060 USD/truck (53 USD/t; X2's 260 lies between
  its tier-3 and tier-4 marginals, 120 and 480: KKT). Link duals: X1 120, X2 260 USD/truck.
- Delay: X1 2.5 x 2 + 0.5 x 6 = 8 truck-h, X2 2.5 x 2 + 1.5 x 6 = 14 truck-h, 22 x 20 = 440
  USD. Objective 180 x 40 + 40 x 47 + 120 x 12.2 + 440 - 340 x 1,000 = -329,016 USD. Supply
  duals: durian 53 - 1,000 = -947, rice 364 / 20 - 1,000 = -981.8 USD/t.
- **Equal wait**: at X1 durian is 2 of 8 trucks in every tier (1.25 / 0.625 / 0.125), rice 6
  of 8 (3.75 / 1.875 / 0.375); both wait 8 / 8 = 1 h on average.

The same network in the session 10 form (``congestion_fifo`` 0, each product's own value,
durian 61 and rice 3 USD per truck-hour) lets durian jump the queue at X1: rice waits in the
later tiers and durian's X1 trucks wait nothing, so durian does not split at the same point.
"""

from __future__ import annotations

import pandas as pd
import pytest
import tiny
from helpers import assert_warm_equals_rebuilt, congestion_tables, crossing_trucks
from independent import arc_lp

from borderflow import verify
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError
from borderflow.data.scenario import Scenario
from borderflow.data.scenario_events import PriorityEvent, PriorityRule

TOL = 1e-6
HOURS = (0.0, 2.0, 6.0, 24.0)


def _two_products(t, fifo_lane_usd=19.0) -> dict:
    t = congestion_tables(t, hours=HOURS, supply_t=220.0, products={"durian": 3.0, "rice": 0.1},
                          fifo_lane_usd=fifo_lane_usd)
    tiny.add_product(t, "rice", supply_t_per_day=120.0, perishable=False, reefer=False)
    return t


def _report(run):
    return verify.verify_results(run.results, run.tables, run.net.scenario, net=run.net)


def test_two_gates_split_durian_where_marginal_costs_meet(solve_tiny, tiny_tables):
    run = solve_tiny(_two_products(tiny_tables))
    s = run.results.summary
    assert crossing_trucks(run, "x2", "durian") == pytest.approx(9.0, abs=TOL)
    assert crossing_trucks(run, "x1", "durian") == pytest.approx(2.0, abs=TOL)
    assert crossing_trucks(run, "x1", "rice") == pytest.approx(6.0, abs=TOL)
    assert crossing_trucks(run, "x2", "rice") == pytest.approx(0.0, abs=TOL)
    assert s["objective_usd"] == pytest.approx(-329_016.0, abs=TOL)
    assert s["congestion_cost_usd"] == pytest.approx(440.0, abs=TOL)
    assert s["routing"] == "certified"
    u = run.results.unserved.set_index("product_id")["dual_usd_per_t"]
    assert u.to_dict() == pytest.approx({"durian": -947.0, "rice": -981.8}, abs=TOL)
    c = run.results.congestion
    link = c.groupby("crossing_id")["link_dual_usd_per_truck"].max()
    assert link.to_dict() == pytest.approx({"x1": 120.0, "x2": 260.0}, abs=TOL)
    report = _report(run)
    assert report["ok"].all(), verify.violations(report).to_string()
    assert "congestion_fifo" in set(report["check"])


def test_products_of_a_lane_wait_alike(solve_tiny, tiny_tables):
    """At X1 each product's trucks sit in the tiers in the gate's proportions (2 and 6 of 8)
    and both wait 1 h on average; every truck-hour costs the lane's 20 USD."""
    run = solve_tiny(_two_products(tiny_tables))
    c = run.results.congestion
    x1 = c[(c["crossing_id"] == "x1") & (c["trucks"] > TOL)].set_index(
        ["product_id", "tier"])["trucks"]
    assert x1.to_dict() == pytest.approx({
        ("durian", 1): 1.25, ("durian", 2): 0.625, ("durian", 3): 0.125,
        ("rice", 1): 3.75, ("rice", 2): 1.875, ("rice", 3): 0.375}, abs=TOL)
    x1 = c[c["crossing_id"] == "x1"]
    wait = (x1["trucks"] * x1["hours"]).groupby(x1["product_id"]).sum() \
        / x1.groupby("product_id")["trucks"].sum()
    assert wait.to_dict() == pytest.approx({"durian": 1.0, "rice": 1.0}, abs=TOL)
    per_hour = (c["cost_usd_per_truck"] / c["hours"].where(c["hours"] > 0)).dropna()
    assert len(per_hour) and per_hour.to_numpy() == pytest.approx(20.0, abs=TOL)


def test_the_session_10_form_lets_durian_jump_the_queue(solve_tiny, tiny_tables):
    """``congestion_fifo`` 0 on the same network: durian's X1 trucks take tier 1 and wait 0 h,
    rice waits later; durian no longer splits 9 / 2."""
    run = solve_tiny(_two_products(tiny_tables, fifo_lane_usd=None))
    c = run.results.congestion
    x1 = c[c["crossing_id"] == "x1"]
    durian = x1[x1["product_id"] == "durian"]
    assert float((durian["trucks"] * durian["hours"]).sum()) == pytest.approx(0.0, abs=TOL)
    assert crossing_trucks(run, "x1", "durian") != pytest.approx(2.0, abs=1e-3)
    report = _report(run)
    assert report["ok"].all(), verify.violations(report).to_string()
    assert "congestion_fifo" not in set(report["check"])


def test_independent_arc_lp_agrees(tmp_path, solve_tiny, tiny_tables):
    """The arc LP (tests/independent, imports nothing of the model) prices every tier truck of
    the lane at 19 + 24 / 24 = 20 USD per hour and finds the same optimum."""
    t = _two_products(tiny_tables)
    inst = arc_lp.read_instance(tiny.write(tmp_path / "arc", t))
    assert inst.congestion_lane_usd_per_truck_h == pytest.approx(19.0)
    sol = arc_lp.solve_arc_lp(inst)
    assert sol.objective_usd == pytest.approx(-329_016.0, abs=TOL)
    run = solve_tiny(t)
    assert sol.objective_usd == pytest.approx(run.results.summary["objective_usd"], abs=TOL)


@pytest.mark.parametrize("edit, check", [
    # durian's X1 trucks moved to tier 1, rice's to tier 2 (same sums): a queue jump
    (lambda c: _swap_x1(c), "congestion_fifo"),
    # the lane value tampered: cost at the product's own value of time
    (lambda c: c.assign(cost_usd=c["cost_usd"] * 3.05), "congestion_cost"),
    # a tier's hours tampered
    (lambda c: c.assign(hours=c["hours"].where(c["tier"] != 3, 5.0)), "congestion_tiers"),
])
def test_verifier_catches_a_tampered_tier(solve_tiny, tiny_tables, edit, check):
    run = solve_tiny(_two_products(tiny_tables))
    run.results.congestion = edit(run.results.congestion)
    bad = verify.violations(_report(run))
    assert check in set(bad["check"]), bad.to_string()


def _swap_x1(c: pd.DataFrame) -> pd.DataFrame:
    """X1's durian all in tier 1 (2 trucks) and rice 3 / 2.5 / 0.5 in tiers 1-3: the tier and
    link sums as solved, the order broken."""
    c = c.copy()
    at = c["crossing_id"].eq("x1")
    want = {("durian", 1): 2.0, ("durian", 2): 0.0, ("durian", 3): 0.0,
            ("rice", 1): 3.0, ("rice", 2): 2.5, ("rice", 3): 0.5}
    for (p, k), v in want.items():
        c.loc[at & c["product_id"].eq(p) & c["tier"].eq(k), "trucks"] = v
    c["cost_usd"] = c["trucks"] * c["cost_usd_per_truck"]
    return c


def test_fifo_must_be_0_or_1_naming_file_and_field(tmp_path, tiny_tables):
    t = congestion_tables(tiny_tables, fifo_lane_usd=10.0)
    par = t["parameters"]
    par.loc[par["parameter"] == "congestion_fifo", "value"] = 0.5
    with pytest.raises(InputError) as err:
        load_dataset(tiny.write(tmp_path / "bad", t), check_borders=False)
    assert "parameters.csv" in str(err.value) and "congestion_fifo" in str(err.value)


def test_a_priority_rule_with_fifo_tiers_is_refused(solve_tiny, tiny_tables):
    """The static tiers have no perishable priority lane yet: ``congestion_fifo`` 1 with a
    priority rule is refused (the option and why), not solved as one lane."""
    prio = PriorityEvent(crossing="x1", priority=PriorityRule(share=0.4))
    with pytest.raises(InputError, match="congestion_fifo"):
        solve_tiny(_two_products(tiny_tables), Scenario(name="prio", events=[prio]))


def test_sampled_lane_value_warm_equals_rebuilt(tmp_path, tiny_tables):
    """The uncertainty engine and calibration take the lane value warm: sampled with the
    hours and a value of time, a kept model gives the objective of the model rebuilt from the
    sampled tables."""
    assert_warm_equals_rebuilt(tiny.write(tmp_path / "ds", _two_products(tiny_tables)),
                               "table,key,field,low,high\n"
                               "parameters,congestion_lane_usd_per_truck_h,value,5,60\n"
                               "parameters,congestion_hours_2,value,1,5\n"
                               "cost_terms,value_of_time|durian,value,1,5\n", n=5, seed=3)
