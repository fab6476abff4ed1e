"""Hand-computed optima on the tiny two-crossing network of tests/tiny.py.

Route costs per tonne (payload 20 t, 1 USD/truck-km, fee 20 USD/truck):
via X1 = (100 + 100 + 20) / 20 = 11 USD/t in 12 h; via X2 = (150 + 150 + 20) / 20 = 16 USD/t
in 8 h. Price 1,000 USD/t, value 500 USD/t, supply 200 t/day (10 trucks).
"""

from __future__ import annotations

import pytest

from borderflow.data.scenario import (CapacityEvent, CloseEvent, Horizon, Scenario, Window,
                                      closing)

TOL = 1e-6


def _flow(run, crossing: str) -> float:
    c = run.results.crossings
    return float(c.loc[(c["crossing_id"] == crossing) & (c["direction"] == "a_to_b"),
                       "flow_t"].sum())


def test_cheapest_route_takes_everything(solve_tiny):
    run = solve_tiny()
    assert run.results.summary["objective_usd"] == pytest.approx(200 * (11 - 1000), abs=TOL)
    assert _flow(run, "x1") == pytest.approx(200, abs=TOL)
    assert _flow(run, "x2") == pytest.approx(0, abs=TOL)
    assert run.results.summary["unserved_t"] == pytest.approx(0, abs=TOL)


def test_closed_crossing_moves_flow_to_the_other(solve_tiny):
    run = solve_tiny(scenario=closing(["x1"]))
    assert run.results.summary["objective_usd"] == pytest.approx(200 * (16 - 1000), abs=TOL)
    assert _flow(run, "x1") == pytest.approx(0, abs=TOL)
    assert _flow(run, "x2") == pytest.approx(200, abs=TOL)


def test_closed_status_in_data_carries_nothing(solve_tiny, tiny_tables):
    tiny_tables["crossings"].loc[0, "status"] = "proposed"
    run = solve_tiny(tiny_tables)
    assert _flow(run, "x1") == pytest.approx(0, abs=TOL)
    assert run.results.summary["objective_usd"] == pytest.approx(200 * (16 - 1000), abs=TOL)


def test_capacity_splits_flow_and_prices_the_bottleneck(solve_tiny, tiny_tables):
    tiny_tables["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 4
    run = solve_tiny(tiny_tables)
    assert _flow(run, "x1") == pytest.approx(80, abs=TOL)
    assert _flow(run, "x2") == pytest.approx(120, abs=TOL)
    assert run.results.summary["objective_usd"] == pytest.approx(80 * -989 + 120 * -984, abs=TOL)
    c = run.results.crossings.set_index(["crossing_id", "direction"])
    # one more truck/day through X1 saves (16 - 11) USD/t x 20 t
    assert c.loc[("x1", "a_to_b"), "dual_usd_per_truck"] == pytest.approx(100, abs=TOL)
    assert c.loc[("x1", "a_to_b"), "utilisation"] == pytest.approx(1.0, abs=TOL)
    assert c.loc[("x2", "a_to_b"), "dual_usd_per_truck"] == pytest.approx(0, abs=TOL)


def test_route_too_slow_for_a_perishable_is_not_used(solve_tiny, tiny_tables):
    # shelf life 10 h: X1 takes 5 + 2 + 5 = 12 h, X2 takes 3 + 2 + 3 = 8 h
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = 10 / 24
    run = solve_tiny(tiny_tables)
    assert _flow(run, "x1") == pytest.approx(0, abs=TOL)
    assert _flow(run, "x2") == pytest.approx(200, abs=TOL)
    assert run.routes.stats["excluded_too_slow"] == 1


def test_nothing_reaches_market_in_time_spoils(solve_tiny, tiny_tables):
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = 7 / 24
    run = solve_tiny(tiny_tables)
    s = run.results.summary
    assert s["shipped_t"] == pytest.approx(0, abs=TOL)
    assert s["unserved_t"] == pytest.approx(200, abs=TOL)
    assert s["spoiled_t"] == pytest.approx(200, abs=TOL)
    assert s["objective_usd"] == pytest.approx(200 * 500, abs=TOL)


def test_licence_forbids_a_gate(solve_tiny, tiny_tables):
    import tiny

    tiny.add_product(tiny_tables, "rice", supply_t_per_day=100, perishable=False, reefer=False)
    tiny_tables["crossings"].loc[0, "licensed_products"] = "rice"
    run = solve_tiny(tiny_tables)
    rf = run.results.route_flows.groupby(["product_id", "crossings"])["flow_t"].sum()
    assert rf[("durian", "x2:a_to_b")] == pytest.approx(200, abs=TOL)
    assert rf[("rice", "x1:a_to_b")] == pytest.approx(100, abs=TOL)
    assert ("durian", "x1:a_to_b") not in rf.index
    assert run.results.summary["objective_usd"] == pytest.approx(
        200 * (16 - 1000) + 100 * (11 - 1000), abs=TOL)


def test_products_share_crossing_capacity_in_trucks(solve_tiny, tiny_tables):
    import tiny

    # rice: 10 t/truck, 100 t/day = 10 trucks; X1 holds 12 trucks; durian 10 trucks
    tiny.add_product(tiny_tables, "rice", supply_t_per_day=100, perishable=False, reefer=False,
                     price=600)
    tiny_tables["products"].loc[1, "payload_t_per_truck"] = 10
    tiny_tables["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 12
    run = solve_tiny(tiny_tables)
    c = run.results.crossings.set_index(["crossing_id", "direction"])
    assert c.loc[("x1", "a_to_b"), "flow_trucks"] == pytest.approx(12, abs=TOL)
    # moving rice off X1 costs 32 - 22 = 10 USD/t x 10 t/truck = 100 USD/truck;
    # moving durian costs 100 USD/truck too (5 USD/t x 20): either split is optimal
    assert run.results.summary["objective_usd"] == pytest.approx(
        200 * (11 - 1000) + 100 * (22 - 600) + 8 * 100, abs=TOL)


def test_finite_demand_leaves_the_rest_unserved(solve_tiny, tiny_tables):
    tiny_tables["markets"].loc[0, "demand_t_per_year"] = 100 * 365
    run = solve_tiny(tiny_tables)
    s = run.results.summary
    assert s["shipped_t"] == pytest.approx(100, abs=TOL)
    assert s["unserved_t"] == pytest.approx(100, abs=TOL)
    assert s["objective_usd"] == pytest.approx(100 * (11 - 1000) + 100 * 500, abs=TOL)


def test_both_gates_closed_everything_unserved(solve_tiny):
    run = solve_tiny(scenario=closing(["x1", "x2"]))
    s = run.results.summary
    assert s["unserved_t"] == pytest.approx(200, abs=TOL)
    assert s["objective_usd"] == pytest.approx(100_000, abs=TOL)


def test_static_month_prorates_a_dated_closure(solve_tiny, tiny_tables):
    # June has 30 days; X1 closed 10 of them -> 2/3 of 100 trucks/day on average
    tiny_tables["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 6
    import datetime as dt

    scen = Scenario(name="june", horizon=Horizon(month=6), events=(CloseEvent(
        crossing="x1", close=Window(**{"from": dt.date(2023, 6, 1), "to": dt.date(2023, 6, 10)})),))
    run = solve_tiny(tiny_tables, scen)
    c = run.results.crossings.set_index(["crossing_id", "direction"])
    assert c.loc[("x1", "a_to_b"), "capacity_trucks_per_day"] == pytest.approx(4, abs=TOL)
    assert _flow(run, "x1") == pytest.approx(80, abs=TOL)


def test_throttle_event_sets_capacity(solve_tiny):
    scen = Scenario(name="throttle", events=(CapacityEvent(crossing="x1",
                                                           capacity_trucks_per_day=3),))
    run = solve_tiny(scenario=scen)
    assert _flow(run, "x1") == pytest.approx(60, abs=TOL)
    assert _flow(run, "x2") == pytest.approx(140, abs=TOL)


def test_returning_empties_are_held_to_the_inbound_capacity(solve_tiny, tiny_tables):
    """Half the trucks come back empty through the gate they crossed. X1's inbound lanes take
    2 trucks/day, so at most 4 loaded trucks (80 t) may cross there; the rest goes via X2.
    A direction used only by empties must still have its capacity row."""
    t = tiny_tables
    t["parameters"].loc[len(t["parameters"])] = {
        **t["parameters"].iloc[0].to_dict(), "parameter": "empty_return_share", "value": 0.5,
        "unit": "-"}
    t["crossings"].loc[0, "capacity_b_to_a_trucks_per_day"] = 2
    run = solve_tiny(t)
    assert _flow(run, "x1") == pytest.approx(80, abs=TOL)
    assert _flow(run, "x2") == pytest.approx(120, abs=TOL)
    assert run.results.summary["objective_usd"] == pytest.approx(
        80 * 11 + 120 * 16 - 200 * 1000, abs=TOL)


def test_a_gate_throttled_to_one_truck_a_day_still_carries_it(solve_tiny):
    """A capacity of 1 truck/day is a narrow gate, not a closed one: X1 carries one truck
    (20 t at 11 USD/t), X2 the other 180 t (16 USD/t). Only a capacity of 0 closes a gate
    (kills the mutant that reads ``capacity <= 1`` as closed, docs/testing.md)."""
    scen = Scenario(name="one-truck", events=(CapacityEvent(crossing="x1",
                                                            capacity_trucks_per_day=1),))
    run = solve_tiny(scenario=scen)
    assert _flow(run, "x1") == pytest.approx(20, abs=TOL)
    assert _flow(run, "x2") == pytest.approx(180, abs=TOL)
    assert run.results.summary["objective_usd"] == pytest.approx(20 * -989 + 180 * -984,
                                                                 abs=TOL)
