"""FIFO write-offs and the end of the horizon, on hand-computed tiny dated networks.

An LP relaxes FIFO write-offs (:mod:`borderflow.model.fifo` proves no linear formulation can
state them): the run replays every stream first in, first out, repairs an LP optimum that wrote
young cargo off early and reports the bound. Cargo still queued at the end of the last modelled
day is valued like cargo written off (``left_in_queue_t``).

Network (tests/tiny.py): X1 alone, durian 20 t/truck, price 1,000 USD/t, value (penalty)
500 USD/t, waiting 40 USD/truck-day, route via X1 11 USD/t.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import dated, day, only_x1, phantom_write_off, queue_series

from borderflow.data.scenario import CloseEvent, InitialQueue, Window
from borderflow.model.fifo import fifo_writeoffs
from borderflow.verify import verify_solved

TOL = 1e-6


def test_replay_writes_off_only_cargo_past_its_wait():
    """The midpoint of two FIFO solutions is not FIFO (W = 1; 10 t arrive on days 0 and 1;
    10 t cross on day 1): FIFO sends the day-0 cargo and writes the day-1 cargo off on day 3,
    nothing on day 2 (the LP's rows admit 5 t written off on day 2)."""
    inflow = np.array([[10.0, 10.0, 0.0, 0.0, 0.0]])
    dep = np.array([[0.0, 10.0, 0.0, 0.0, 0.0]])
    expired, queue = fifo_writeoffs(inflow, 0, dep, np.array([1]))
    assert expired.tolist() == [[0, 0, 0, 10, 0]]
    assert queue.tolist() == [[10, 10, 10, 0, 0]]
    # an initial queue of age 2 (column 0 with back = 2) is due on day 0
    expired, queue = fifo_writeoffs(np.array([[4.0, 0.0, 0.0, 1.0]]), 2, np.zeros((1, 2)),
                                    np.array([1]))
    assert expired.tolist() == [[4, 0]] and queue.tolist() == [[0, 1]]


def test_phantom_write_off_is_repaired_to_the_hand_optimum(solve_tiny, tiny_tables):
    """Two queues wait at X1 at the start, 10 trucks each, aged 2 and 0 days (W = 2: shelf
    life 3 days, route 12 h). X1 takes 10 trucks on day 0, then closes (days 1-5).

    By hand, FIFO: the old queue crosses on day 0 (200 t x 1,000 USD), the young one waits
    days 0-2 (30 truck-days x 40 USD) and is written off on day 3 (200 t x 500 USD):
    -200,000 + 100,000 + 1,200 = -98,800 USD, the FIFO optimum (sending nothing on day 0
    writes off both queues). The LP's rows admit writing the young queue off on day 1 against
    the old queue's expiry row (it crossed on day 0): waiting 10 truck-days, -99,600 USD, 800
    USD too cheap. The run reports the FIFO solution, the LP bound and the gap."""
    run = solve_tiny(tiny_tables, phantom_write_off(tiny_tables))
    s = run.results.summary
    assert s["objective_usd"] == pytest.approx(-98_800, abs=TOL)
    assert s["waiting_cost_usd"] == pytest.approx(1_200, abs=TOL)
    assert s["fifo_repair"] == pytest.approx({"written_off_early_t": 200.0, "streams": 1,
                                              "lp_lower_bound_usd": -99_600.0,
                                              "gap_usd": 800.0}, abs=TOL)
    assert s["exact"] is False and "within 800 USD of the FIFO optimum" in s["optimality"]
    assert queue_series(run, 5) == pytest.approx([10, 10, 10, 0, 0], abs=TOL)
    sp = run.results.spoilage
    sp = sp[sp["where"] == "queue"].groupby("period")["spoiled_t"].sum()
    assert sp.index.tolist() == [3] and sp.tolist() == pytest.approx([200], abs=TOL)
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    assert (report["check"] == "fifo_repair").sum() == 1
    # the verifier holds the claim: a repaired run called exact, or a wrong gap, fails
    good = dict(s["fifo_repair"])
    for key, value in (("exact", True), ("fifo_repair", {**good, "gap_usd": 0.0})):
        run.results.summary[key] = value
        bad = verify_solved(run)
        assert bad[bad["check"] == "fifo_repair"]["ok"].tolist() == [False]
        run.results.summary.update(exact=False, fifo_repair=good)


def test_a_fifo_optimum_is_reported_exact(solve_tiny, tiny_tables):
    """Without the old queue the LP has no phantom to use: the LP optimum is FIFO's, exact,
    and the summary has no ``fifo_repair``."""
    only_x1(tiny_tables, 10)
    tiny_tables["products"].loc[0, "shelf_life_reefer_days"] = 3
    tiny_tables["supply"].loc[0, "supply_t_per_year"] = 0
    close = CloseEvent(crossing="x1", close=Window(**{"from": day(1), "to": day(5)}))
    young = InitialQueue(crossing="x1", product="durian", trucks=10, age_days=0)
    run = solve_tiny(tiny_tables, dated("no-phantom", 7, close, queues=(young,)))
    s = run.results.summary
    assert "fifo_repair" not in s and s["exact"] is True
    # crosses on day 0: -200,000 USD, nothing waits
    assert s["objective_usd"] == pytest.approx(-200_000, abs=TOL)


def _far_gate(t: dict) -> None:
    """X1 alone at 5 trucks/day, reached 7 days after dispatch (173 h to the gate); durian
    may not wait at all (``queue_max_wait_days`` 0: W = 0, run-out tail 7 days); 200 t of
    supply on the horizon's one day."""
    only_x1(t, 5)
    t["links"].loc[t["links"]["link_id"] == "l1", "travel_h"] = 173
    t["parameters"] = pd.concat([t["parameters"], pd.DataFrame([{
        **t["parameters"].iloc[0].to_dict(), "parameter": "queue_max_wait_days", "value": 0,
        "unit": "days"}])], ignore_index=True)


def test_cargo_left_in_queue_at_the_end_is_valued_as_lost(solve_tiny, tiny_tables):
    """Cargo dispatched on day 0 reaches X1 on day 7, the last modelled day (1 day + 7 days of
    tail). X1 takes 5 trucks (100 t) that day. By hand: 100 t cross (revenue 1,000 - 11 USD/t
    transport = 98,900 USD); the other 100 t of supply either stay unserved (500 USD/t) or are
    sent to wait at X1 past the end (11 USD/t + 5 truck-days x 40 USD + 500 USD/t when valued):
    unserved is cheaper, objective -98,900 + 50,000 = -48,900 USD, nothing left in the queue.
    Without the valuation the 100 t would wait for free past the end (-98,900 + 1,100 + 200 =
    -97,600 USD)."""
    _far_gate(tiny_tables)
    run = solve_tiny(tiny_tables, dated("far", 1))
    s = run.results.summary
    assert s["periods"] == 8
    assert s["objective_usd"] == pytest.approx(-48_900, abs=TOL)
    assert s["left_in_queue_t"] == pytest.approx(0, abs=TOL)
    assert s["unserved_t"] == pytest.approx(100, abs=TOL)
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()


def test_cargo_forced_past_the_end_is_charged_its_value(solve_tiny, tiny_tables):
    """The same with all 200 t committed (an extension row): 100 t are left queued at the end
    of day 7 and cost their value, 500 USD/t, in ``lost_value_usd``; by hand -98,900 + 1,100
    (transport of the other 100 t) + 200 (5 truck-days on day 7) + 50,000 (their value) =
    -47,600 USD."""
    import pyomo.environ as pyo

    _far_gate(tiny_tables)

    def commit(m, ix):
        f = ix.flows
        sent = f[(f["period"] == 0) & f["route_id"].str.contains("x1")]["f"]
        m.committed = pyo.Constraint(expr=sum(m.route_flow[int(i)] for i in sent) >= 200)

    run = solve_tiny(tiny_tables, dated("far-committed", 1), extra_constraints=commit)
    s = run.results.summary
    assert s["left_in_queue_t"] == pytest.approx(100, abs=TOL)
    assert s["lost_value_usd"] == pytest.approx(50_000, abs=TOL)
    assert s["objective_usd"] == pytest.approx(-47_600, abs=TOL)
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()
