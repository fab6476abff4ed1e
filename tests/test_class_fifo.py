"""First come, first served across goods within a lane class (issue 18 item 2), by hand.

The LP clears the streams of one gate in the cost-minimising order; a run replays each gate,
direction and lane class first come, first served across goods with the LP's daily trucks
per class (:mod:`borderflow.model.class_fifo`) and reports the tonnes out of order, the
replayed cost and the gap (``summary.class_fifo``); the verifier re-derives the replay.

Network (tests/tiny.py): X1 alone at 1 truck/day, supply 0, the cargo is given as initial
queues. Durian: 20 t/truck, price 1,000, value 500 USD/t, shelf 14 days. Waiting 40
USD/truck-day; route via X1 takes 12 h, so a product with a shelf life of 1 day may wait 0
days (``W = floor((24 - 12) / 24)``) and one of 2 days may wait 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import tiny
from helpers import dated, day, only_x1, two_goods

from borderflow.data.scenario import InitialQueue, PriorityEvent, PriorityRule
from borderflow.model.class_fifo import class_replay, lane_classes
from borderflow.model.fifo import stream_arrays
from borderflow.options import RunOptions
from borderflow.verify import verify_solved

TOL = 1e-6


def test_replay_fills_oldest_cohort_first_pro_rata_within_a_day():
    """Three streams of one class, 10 t/truck and 20 t/truck. Day 0: stream 0 has 20 t of
    day -1; streams 1 and 2 have 20 t each of day 0. A budget of 3 trucks clears stream 0's
    2 trucks, then 1 truck of day 0's 2 + 1 trucks pro rata: 2/3 of each (13.33 t each)."""
    inflow = np.array([[20.0, 0.0], [0.0, 20.0], [0.0, 20.0]])
    tpt = np.array([0.1, 0.1, 0.05])
    r = class_replay(inflow, 1, tpt, np.array([5, 5, 5]), np.zeros(3, np.int64),
                     np.array([[3.0]]), np.zeros(3, np.int64))
    assert r.departures[:, 0] == pytest.approx([20, 20 / 3, 20 / 3], abs=TOL)
    assert r.queue[:, 0] == pytest.approx([0, 40 / 3, 40 / 3], abs=TOL)
    assert r.out_of_order.sum() == pytest.approx(0, abs=TOL)
    # the same departures taken stream by stream (each its own budget) clear day 0's cargo
    # while day -1's waits: stream 1's 20 t are out of order
    own = class_replay(inflow, 1, tpt, np.array([5, 5, 5]), np.arange(3),
                       np.array([[0.0], [2.0], [0.0]]), np.zeros(3, np.int64))
    assert own.out_of_order[:, 0] == pytest.approx([0, 20, 0], abs=TOL)
    assert own.unfilled_trucks.sum() == pytest.approx(0, abs=TOL)


def test_lp_clears_the_later_valuable_good_first_replay_clears_the_earlier(solve_tiny,
                                                                          tiny_tables):
    """Durian arrived on day -1 (age 1), mango on day 0 (may wait 0 days). The LP sends
    mango on day 0 (40,000 USD) and durian on day 1 (20,000 USD); durian waits day 0 (40 USD):
    -59,960 USD. First come, first served: durian crosses on day 0 (20,000 USD), mango waits
    day 0 (40 USD) and is written off on day 1 (20 t x 1,000 USD); day 1's truck finds the
    queue empty: +40 USD. Out of order: mango's 20 t; gap 60,000 USD (100.07 % of 59,960)."""
    scen = two_goods(tiny_tables, mango_shelf_days=1, mango_age=0, durian_age=1)
    run = solve_tiny(tiny_tables, scen)
    s = run.results.summary
    assert s["objective_usd"] == pytest.approx(-59_960, abs=TOL)
    c = s["class_fifo"]
    assert c["out_of_order_t"] == pytest.approx(20, abs=TOL)
    assert c["lp_lower_bound_usd"] == pytest.approx(-59_960, abs=TOL)
    assert c["replayed_objective_usd"] == pytest.approx(40, abs=TOL)
    assert c["gap_usd"] == pytest.approx(60_000, abs=TOL)
    assert c["gap_pct"] == pytest.approx(100 * 60_000 / 59_960, abs=1e-9)
    assert c["unfilled_trucks"] == pytest.approx(1, abs=TOL)
    assert c["replayed_expired_t"] == pytest.approx(20, abs=TOL)
    assert c["feasible"] is True and c["classes_out_of_order"] == 1
    assert c["tables_show"] == "LP plan"
    assert s["exact"] is True  # the LP optimum is still what the tables show
    assert "20.0 t out of arrival order" in s["optimality"]
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    assert (report["check"] == "class_fifo").sum() >= 1
    for key, value in (("out_of_order_t", 0.0), ("gap_usd", 0.0),
                       ("replayed_objective_usd", -59_960.0)):
        run.results.summary["class_fifo"] = {**c, key: value}
        bad = verify_solved(run)
        assert not bad[bad["check"] == "class_fifo"]["ok"].all(), key
    run.results.summary["class_fifo"] = c
    # the tables may show the replay instead (--clearance-order class-fifo): then not exact
    shown = solve_tiny(tiny_tables, scen, options=RunOptions(clearance_order="class-fifo"))
    s = shown.results.summary
    assert s["objective_usd"] == pytest.approx(40, abs=TOL) and s["exact"] is False
    assert s["class_fifo"]["tables_show"] == "class_fifo replay"
    assert s["class_fifo"]["gap_usd"] == pytest.approx(60_000, abs=TOL)
    assert s["expired_in_queue_t"] == pytest.approx(20, abs=TOL)
    report = verify_solved(shown)
    assert report["ok"].all(), report[~report["ok"]].to_string()


def test_lp_already_first_come_first_served_gap_zero(solve_tiny, tiny_tables):
    """Mango arrived first (age 1, may wait 1 day: it must cross on day 0), durian on day 0:
    the LP's order is the arrival order, the replay reproduces it, gap 0, exact unchanged.
    -40,000 - 20,000 + 40 (durian waits day 0) = -59,960 USD."""
    scen = two_goods(tiny_tables, mango_shelf_days=2, mango_age=1, durian_age=0)
    run = solve_tiny(tiny_tables, scen)
    s = run.results.summary
    c = s["class_fifo"]
    assert s["objective_usd"] == pytest.approx(-59_960, abs=TOL)
    assert c["out_of_order_t"] == pytest.approx(0, abs=TOL)
    assert c["gap_usd"] == pytest.approx(0, abs=TOL)
    assert c["replayed_objective_usd"] == pytest.approx(-59_960, abs=TOL)
    assert s["exact"] is True
    assert "out of arrival order" not in s["optimality"]
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()


def test_priority_lane_is_not_queued_behind_general_cargo(solve_tiny, tiny_tables):
    """Rice (general cargo, age 2) and mango (perishable, age 0, may wait 0 days) at X1, 1
    truck/day, the whole of day 0's capacity reserved for perishables. Mango crosses on day 0
    in the priority lane, rice on day 1: two lane classes, nothing out of order, gap 0.
    Replayed as one lane, the same trucks would have cleared rice first (mango's 20 t out of
    order)."""
    only_x1(tiny_tables, 1)
    tiny_tables["supply"].loc[0, "supply_t_per_year"] = 0
    tiny.add_product(tiny_tables, "rice", supply_t_per_day=0, perishable=False, reefer=False,
                     shelf_life_days=365)
    tiny.add_product(tiny_tables, "mango", supply_t_per_day=0, shelf_life_days=1,
                     price=2000, value=1000)
    sea = tiny_tables["seasonality"]  # add_product copies every product's months
    tiny_tables["seasonality"] = sea.drop_duplicates(["product_id", "country", "month"])
    prio = PriorityEvent(crossing="x1", priority=PriorityRule(share=1.0),
                         **{"from": day(0), "to": day(0)})
    queues = (InitialQueue(crossing="x1", product="rice", trucks=1, age_days=2),
              InitialQueue(crossing="x1", product="mango", trucks=1, age_days=0))
    run = solve_tiny(tiny_tables, dated("lanes", 3, prio, queues=queues))
    c = run.results.summary["class_fifo"]
    assert c["classes"] == 3  # x1: priority and general lanes; x2 (closed): one
    assert c["out_of_order_t"] == pytest.approx(0, abs=TOL)
    assert c["gap_usd"] == pytest.approx(0, abs=TOL)
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    streams = run.built.index.streams
    cls, classes = lane_classes(streams, run.built.index.priority_rows)
    lane = classes["lane"].to_numpy()[cls]
    at_x1 = (streams["crossing_id"] == "x1").to_numpy()
    assert set(zip(streams["product_id"][at_x1], lane[at_x1])) == {
        ("rice", "general lane"), ("mango", "perishable priority lane"),
        ("durian", "perishable priority lane")}
    # as one lane, the LP's own departures would clear mango ahead of the older rice
    one, _ = lane_classes(streams, pd.DataFrame(columns=["crossing_id", "direction"]))
    inflow, back, dep, _, _ = stream_arrays(run.built)
    tpt = 1.0 / streams["payload_t_per_truck"].to_numpy(dtype=float)
    own = class_replay(inflow, back, tpt, streams["max_wait_days"].to_numpy(), np.arange(
        len(streams)), dep * tpt[:, None], one)
    assert own.out_of_order.sum() == pytest.approx(20, abs=TOL)


def test_replay_that_overfills_a_market_is_not_presented_as_feasible(solve_tiny, tiny_tables):
    """Durian (2 trucks, age 1) and mango (1 truck, age 0, may wait 0 days) at X1, 2
    trucks/day; the market takes 20 t of durian a day. LP: mango and one durian truck on day 0,
    the other on day 1 (waiting 40 USD): -79,960 USD. Replay: day 0's 2 trucks are both durian
    (older), 40 t reach a market that takes 20 (20 t over), mango waits and is written off:
    -40,000 + 40 + 20,000 = -19,960 USD. The replay is reported, not presented as feasible, and
    not shown even when asked for."""
    scen = two_goods(tiny_tables, mango_shelf_days=1, mango_age=0, durian_age=1,
                      durian_trucks=2)
    tiny_tables["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 2
    tiny_tables["markets"].loc[0, "demand_t_per_year"] = 20 * 365
    run = solve_tiny(tiny_tables, scen, options=RunOptions(clearance_order="class-fifo"))
    s = run.results.summary
    c = s["class_fifo"]
    assert s["objective_usd"] == pytest.approx(-79_960, abs=TOL) and s["exact"] is True
    assert c["replayed_objective_usd"] == pytest.approx(-19_960, abs=TOL)
    assert c["gap_usd"] == pytest.approx(60_000, abs=TOL)
    assert c["demand_excess_t"] == pytest.approx(20, abs=TOL)
    assert c["demand_rows_exceeded"] == 1 and c["feasible"] is False
    assert c["tables_show"] == "LP plan"
    assert "not a feasible plan" in s["optimality"]
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()
