"""What a rolling-horizon window must see (the time structure of model/formulation.py), by
hand on the tiny network (tests/tiny.py): how far past a committed day its dispatches and
departures still count (``lookahead_days``), the default look-ahead (``longest_queue_wait_days``)
and the day of every column of a dated run with a dispatch hold (``column_periods``), solved in
windows.

Tiny routes: O -> A1 5 h, X1 2 h, B1 -> M 5 h (12 h); O -> A2 3 h, X2 2 h, B2 -> M 3 h (8 h).
Both gates are reached on the dispatch day and the market on the day the cargo leaves the
gate, so no row of a later day counts a dispatch or a departure: look-ahead 0.
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import set_parameter

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Scenario
from borderflow.model.formulation import column_periods, lookahead_days, longest_queue_wait_days
from borderflow.options import RunOptions
from borderflow.pipeline import prepare, run_scenario
from borderflow.solvers.rolling import RollingHorizon

import tiny

DATED = "name: d\nhorizon: {start: 2023-01-01, days: 5}\n"


def _built(tmp_path, tables, text: str = DATED, dated: bool = True):
    ds = load_dataset(tiny.write(tmp_path, tables), check_borders=False)
    routes, solver = RunOptions().effective(dated)
    return prepare(ds, Scenario.from_yaml_text(text, ds), routes, solver).built


def _slow_downstream(t):
    """B1 -> M takes 30 h: X1's departures (5 h from O) reach M floor((2 + 30) / 24) = 1 day
    after they leave the gate."""
    t["links"].loc[1, "travel_h"] = 30


def _empties(t):
    """Half the trucks come back empty through their gate 2 days after crossing it."""
    set_parameter(t, "empty_return_share", 0.5, "-")
    set_parameter(t, "empty_return_days", 2, "days")


def _domestic_market(t):
    """A market VN-M in Vietnam, 30 h from O by road with no crossing: its route flows are
    delivered (market row) the day after dispatch."""
    t["nodes"] = pd.concat([t["nodes"], pd.DataFrame([{
        **t["nodes"].iloc[0].to_dict(), "node_id": "vn-m", "name": "VN-M", "kind": "market",
        "lon": 104.9, "lat": 20.8}])], ignore_index=True)
    t["links"] = pd.concat([t["links"], pd.DataFrame([{
        **t["links"].iloc[0].to_dict(), "link_id": "l5", "from_node": "vn-o", "to_node": "vn-m",
        "travel_h": 30, "geometry_wkt": tiny._line(tiny.XY["vn-o"], (104.9, 20.8))}])],
        ignore_index=True)
    t["markets"] = pd.concat([t["markets"], pd.DataFrame([{
        **t["markets"].iloc[0].to_dict(), "node_id": "vn-m"}])], ignore_index=True)


@pytest.mark.parametrize("edit, days", [(None, 0), (_slow_downstream, 1), (_empties, 2),
                                        (_domestic_market, 1)])
def test_lookahead_is_the_latest_day_a_dispatch_or_departure_counts_in(tmp_path, edit, days):
    t = tiny.base_tables()
    if edit:
        edit(t)
    assert lookahead_days(_built(tmp_path, t)) == days


def test_the_default_lookahead_is_the_longest_queue_wait_and_zero_without_queues(tmp_path):
    """Shelf life 14 days: cargo may wait floor((336 - 8) / 24) = 13 days at X2 (8 h route)
    and floor((336 - 12) / 24) = 13 at X1; a static model has no queues."""
    assert longest_queue_wait_days(_built(tmp_path / "d", None)) == 13
    assert longest_queue_wait_days(_built(tmp_path / "s", None, "name: s\n", False)) == 0


def test_a_hold_solved_in_two_day_windows_dates_its_stock_columns(tmp_path):
    """Shelf life 3 days, both gates held on 2-3 January (days 1-2), 200 t/day at O: the cargo
    of day 1 may stay in stock on days 1-4 (ages 0-3) and is written off on day 5, day 2's on
    days 2-5 and 6. Solved in 2-day windows it all leaves on day 3 (stock 400 t on 3 January),
    as the one-LP optimum: 6 days x 200 t x (11 - 1,000) USD/t = -1,186,800 USD."""
    t = tiny.base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 372  # 200 t on each day of January
    t["products"].loc[0, "shelf_life_reefer_days"] = 3
    ds = load_dataset(tiny.write(tmp_path, t), check_borders=False)
    text = ("name: hold\nhorizon: {start: 2023-01-01, days: 6}\nevents:\n" + "".join(
        f"  - {{crossing: {c}, hold_dispatch: {{}}, from: 2023-01-02, to: 2023-01-03}}\n"
        for c in ("x1", "x2")))
    run = run_scenario(ds, Scenario.from_yaml_text(text, ds),
                       options=RunOptions(rolling=RollingHorizon(window_days=2, overlap_days=0),
                                          dispatch="foresight"))
    assert run.solve.windows > 1
    assert run.solve.objective_usd == pytest.approx(6 * 200 * (11 - 1000), abs=1e-3)
    stock = run.results.origin_stock.groupby("date")["stock_t"].sum()
    assert stock.idxmax() == "2023-01-03" and stock.max() == pytest.approx(400, abs=1e-3)
    m = run.built.model
    days = column_periods(run.built)
    assert days[m.origin_stock].tolist() == [1, 2, 3, 4, 2, 3, 4, 5]
    assert days[m.stock_release].tolist() == [1, 2, 3, 4, 2, 3, 4, 5]
    assert days[m.stock_writeoff].tolist() == [5, 6]
