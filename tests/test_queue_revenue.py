"""The revenue of cargo that leaves a gate queue, on hand-computed tiny dated networks.

In a dated run every route of the tiny network queues at its gate, so all cargo reaches the
market as a gate departure: its price enters the objective through the queue part of the
price table of ``define_objective`` (``var`` ``departures``, ``idx`` the queue index). These
tests fail when that part is lost (a departure earning no price): the optimum then ships
nothing, or is 400,000 USD dearer (mutants 23, 25, 30-33 of ``define_objective``,
docs/notes/testing-log.md, session 14).

Network (tests/tiny.py): O -> X1 -> M, 5 h to the gate, 2 h dwell, 5 h on (12 h; 11 USD/t);
O -> X2 -> M, 3 h to the gate, 8 h in all (16 USD/t); durian 20 t/truck, price 1,000 USD/t,
waiting 40 USD/truck-day. ``queue_max_wait_days`` 1 keeps the run-out tail short.
"""

from __future__ import annotations

import pytest
from helpers import dated, day, only_x1, set_parameter

from borderflow.data.scenario import CloseEvent, Window
from borderflow.verify import verify_solved

TOL = 1e-6


def _trucks(run, crossing: str) -> dict[int, float]:
    """Trucks crossing ``crossing`` a to b, by day (days with none left out)."""
    c = run.results.crossings
    c = c[(c["crossing_id"] == crossing) & (c["direction"] == "a_to_b")]
    return {int(k): v for k, v in c.groupby("period")["flow_trucks"].sum().items()
            if abs(v) > TOL}


def test_cargo_is_shipped_only_for_the_price_it_earns_leaving_the_queue(solve_tiny,
                                                                         tiny_tables):
    """X1 alone (10 trucks/day), one day, 200 t of durian valued at 5 USD/t (the penalty of
    leaving it unserved). Shipping costs 11 USD/t, more than the penalty: only the price of
    1,000 USD/t, earned when the cargo leaves X1's queue, makes it worth sending.

    By hand: ship all 200 t (10 trucks, they cross the day they arrive, no wait):
    200 x (11 - 1,000) = -197,800 USD. Without the departures' price the optimum would leave
    the cargo unserved: 200 x 5 = 1,000 USD, nothing shipped."""
    only_x1(tiny_tables, 10)
    tiny_tables["products"].loc[0, "value_usd_per_t"] = 5
    set_parameter(tiny_tables, "queue_max_wait_days", 0, "days")
    run = solve_tiny(tiny_tables, dated("priced", 1))
    s = run.results.summary
    assert s["objective_usd"] == pytest.approx(-197_800, abs=TOL)
    assert s["shipped_t"] == pytest.approx(200, abs=TOL)
    assert s["unserved_t"] == pytest.approx(0, abs=TOL)
    assert _trucks(run, "x1") == pytest.approx({0: 10}, abs=TOL)
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()


def test_cargo_waits_a_day_in_the_queue_then_earns_its_price(solve_tiny, tiny_tables):
    """Both gates open, X1 closed on day 0, two days of 200 t each. Day 0's cargo either
    waits a day at X1 (11 USD/t + 40 USD/truck-day / 20 t = 13 USD/t) or crosses X2 at once
    (16 USD/t): it waits. Day 1's cargo takes X1 (11 USD/t). All 400 t
    leave X1's queue on day 1 (20 trucks) and earn 1,000 USD/t.

    By hand: 400 x 11 (transport) + 10 truck-days x 40 (day 0's queue) - 400 x 1,000 =
    4,400 + 400 - 400,000 = -395,200 USD. Without the departures' price the same plan would
    cost 4,800 USD (and the optimum would be that plan: leaving the cargo unserved costs
    500 USD/t)."""
    tiny_tables["supply"].loc[0, "supply_t_per_year"] = 200 * 31 * 12
    set_parameter(tiny_tables, "queue_max_wait_days", 1, "days")
    close = CloseEvent(crossing="x1", close=Window(**{"to": day(0)}))
    run = solve_tiny(tiny_tables, dated("wait-then-earn", 2, close))
    s = run.results.summary
    assert s["objective_usd"] == pytest.approx(-395_200, abs=TOL)
    assert s["waiting_cost_usd"] == pytest.approx(400, abs=TOL)
    assert s["shipped_t"] == pytest.approx(400, abs=TOL)
    assert _trucks(run, "x1") == pytest.approx({1: 20}, abs=TOL)
    assert _trucks(run, "x2") == {}
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()
