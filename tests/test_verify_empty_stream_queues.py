"""A queued run whose ``stream_queues`` table lost its rows (its columns kept), which no oracle
case has: every queued case writes that table with rows, so the verifier's branches for an
empty one (the empty period array, the empty "outside the modelled days" selection, the
expired tonnes summed over no rows) were read by no test (issue 16, the mutation run's
"empty table" gaps).

The run is :func:`helpers.solve_closure`: X1 alone at 20 trucks/day, closed on days 1-2, 10
trucks (200 t, 20 t a truck) of durian arriving at its gate every day for 5 days; it queues 10,
20 and 10 trucks on days 1-3 and sends 10, 0, 0, 20 and 20 trucks on days 0-4
(:func:`helpers.check_closure_queue`). With the stream rows gone, the verifier re-derives by
hand:

* ``queue_arrivals``: the route flows put 200 t at the gate every day, the table none: 200 t
  off on each of the 5 days;
* ``arc_flow``: X1's crossing arc carries the departures, which the table no longer has: 200,
  400 and 400 t off on days 0, 3 and 4 (1, 4 and 5 January);
* ``summary``: the waiting cost recomputed from no queued tonnes is 0 USD, the summary's 1,600
  (40 USD a truck-day x 40 truck-days);
* the stock balance of the (now absent) stream rows holds trivially: no ``queue_balance``
  failure, and no "on a day outside the modelled days" row.
"""

from __future__ import annotations

import pytest
import tiny
from helpers import check_closure_queue, solve_closure

from borderflow.data.dataset import load_dataset
from borderflow.options import RunOptions
from borderflow.pipeline import run_scenario
from borderflow.verify import verify_results

STREAM = "stream vn-o>cn-m|x1:a_to_b|cheapest / durian"


@pytest.fixture(scope="module")
def emptied(tmp_path_factory):
    """The closure run's report with its ``stream_queues`` rows dropped (columns kept); solved
    once for the module."""
    folder = tmp_path_factory.mktemp("closure")

    def solve(tables, scenario, **kwargs):
        data = tiny.write(folder / "data", tables)
        kwargs.setdefault("options", RunOptions(dispatch="foresight"))  # the optimum
        return run_scenario(load_dataset(data, check_borders=False), scenario, **kwargs)

    run = solve_closure(solve, tiny.base_tables())
    check_closure_queue(run)
    res = run.results
    assert len(res.stream_queues) == 5
    broken = type(res)(**{**res.tables(), "summary": res.summary,
                          "stream_queues": res.stream_queues.iloc[:0]})
    return verify_results(broken, run.tables, run.net.scenario, net=run.net)


def test_an_emptied_stream_table_misses_every_days_arrivals(emptied):
    bad = emptied[~emptied["ok"]]
    arrivals = bad[bad["check"] == "queue_arrivals"].set_index("entity")["amount"]
    assert arrivals.to_dict() == pytest.approx(
        {f"{STREAM} @2024-01-0{d}": 200.0 for d in range(1, 6)}, rel=1e-9)


def test_an_emptied_stream_table_loses_the_gates_departures(emptied):
    bad = emptied[~emptied["ok"]]
    arc = bad[bad["check"] == "arc_flow"].set_index("entity")["amount"]
    assert {k: v for k, v in arc.items() if k.startswith("arc x1:")} == pytest.approx(
        {"arc x1:a_to_b / durian @2024-01-01": 200.0,
         "arc x1:a_to_b / durian @2024-01-04": 400.0,
         "arc x1:a_to_b / durian @2024-01-05": 400.0}, rel=1e-9)
    waiting = bad[bad["entity"].str.startswith("summary.waiting_cost_usd")]
    assert waiting["amount"].tolist() == pytest.approx([1600.0], rel=1e-9)
    assert waiting["entity"].tolist() == ["summary.waiting_cost_usd (recomputed 0.000000)"]


def test_an_emptied_stream_table_has_no_stream_row_to_unbalance(emptied):
    balance = emptied[emptied["check"] == "queue_balance"]
    assert bool(balance["ok"].all())
    assert not balance["entity"].str.contains("outside the modelled days").any()
    assert "verifier" not in set(emptied.loc[~emptied["ok"], "check"])
