"""Column generation adds the route an initial queue needs (model/initial_pricing.py), end to
end on the tiny network of tests/tiny.py, by hand.

Durian (shelf life 1.4 days = 33.6 h, penalty 500 USD/t, 20 t/truck), 200 t/day at O, price
1,000 USD/t at M. x1 is closed on 1 January (day 0) and 10 trucks of durian are queued at it
(age 0). The run starts from one route per origin and product: O -L1 (5 h)-> x1 -> M, 12 h,
so its cargo may not wait (``W = floor((33.6 - 12) / 24) = 0``): the queued trucks cannot
cross on day 0 (closed) and expire on day 1, after a day of waiting: 40 + 20 x 500 = 10,040
USD per truck. A faster road to x1, L5 (O -> A1, 200 km, 2 h: 9 h in all, ``W = 1``), lets a
stream wait a day and cross on day 1: 40 - 20 x 1,000 = -19,960 USD per truck. L5 costs more
than L1 (16 against 11 USD/t; day 0's supply takes x2 at 16 USD/t, which waits nothing), so no
flow wants it: only the initial queue does, 10 x (10,040 + 19,960) = 300,000 USD less.

Before session 16 the entry was only bounded (its wait relaxed to queue_max_wait_days): both
runs from one route, with L5 and without, were ``restricted`` with a gap bound of 300,000 USD
(measured on main, 5 Dec 2026); without L5 no route can take the trucks across.
"""

from __future__ import annotations

import pytest

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Scenario
from borderflow.options import RunOptions
from borderflow.pipeline import run_scenario

import tiny
from helpers import border_data

TOL = 1e-3
YAML = ("name: queued-at-x1\nhorizon: {start: 2023-01-01, days: 3}\nevents:\n"
        "  - {crossing: x1, close: {from: 2023-01-01, to: 2023-01-01}}\n"
        "initial_queues:\n  - {crossing: x1, product: durian, trucks: 10, age_days: 0}\n")


def _summary(tmp_path, fast_road: bool, routes_per_product: int | None = 1) -> dict:
    t = tiny.base_tables()
    t["products"].loc[0, "shelf_life_reefer_days"] = 1.4
    if fast_road:
        row = t["links"].iloc[0].copy()
        row["link_id"], row["route_ref"], row["length_km"], row["travel_h"] = "l5", "L5", 200, 2
        t["links"] = tiny.pd.concat([t["links"], row.to_frame().T], ignore_index=True)
    ds = load_dataset(border_data(tmp_path, "data", t), check_borders=False)
    options = RunOptions() if routes_per_product is None else \
        RunOptions(dated_routes_per_product=routes_per_product)
    return run_scenario(ds, Scenario.from_yaml_text(YAML, ds), options).results.summary


def test_the_queued_trucks_route_is_added_and_the_run_certified(tmp_path):
    """With L5: the run over every route (enumerated, certified) is 300,000 USD below what the
    one-route start makes of the queue; column generation from that start finds L5's route for
    the queue and reaches the same optimum, certified. Without L5 nothing can do better than
    letting the trucks expire: certified, 300,000 USD above."""
    full = _summary(tmp_path / "all", True, None)
    assert full["routing"] == "certified"
    priced = _summary(tmp_path / "one", True)
    assert priced["routing"] == "certified", priced["pricing"]
    assert priced["objective_usd"] == pytest.approx(full["objective_usd"], abs=TOL)
    without = _summary(tmp_path / "none", False)  # no L5: the queue expires
    assert without["routing"] == "certified", without["pricing"]
    assert without["objective_usd"] - priced["objective_usd"] == pytest.approx(300_000, abs=TOL)
