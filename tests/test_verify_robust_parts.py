"""Parts of a robust plan's verification (``borderflow/verify/robust.py``) on hand-built
tables, no solve: a scenario with congestion tiers (``_congestion``, ``_delay``) and the plan's
tables asked for by name (``_tables``).

No robust plan of the verifier's oracle has congestion tiers (``tests/verify_cases.py``), so
without this file a plan's tier checks could read the wrong delay cost, or none, unnoticed
(session 22's mutants of ``_congestion`` and ``_delay``).

By hand (``helpers.congestion_tables``: each gate 10 trucks/day a direction, tiers of 5, 2.5,
1.5 and 1 trucks waiting 0, 0.5, 2 and 6 h; durian 20 t/truck at 0.95 USD/t-h plus a waiting
cost of 24 USD/truck-day, so 0.95 x 20 + 1 = 20 USD a truck-hour): the year X1 is closed, all
200 t/day = 10 trucks cross X2 a_to_b and fill every tier, 5 x 0 + 2.5 x 0.5 x 20 + 1.5 x 2 x
20 + 1 x 6 x 20 = 0 + 25 + 60 + 120 = 205 USD/day of delay (``test_robust_congestion.py``'s
closed year).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import congestion_tables

import tiny
from borderflow.data.dataset import load_dataset
from borderflow.robust import closure_scenarios
from borderflow.verify import input_facts
from borderflow.verify.congestion import congestion_cost_usd
from borderflow.verify.robust import _congestion, _delay

KEYS = {"product_id": "durian", "origin": "vn-o", "market": "cn-m", "period": 0}
#: the routes through X1 and X2 (cost USD/t, crossings), as ``_route_checks`` fills ``routes``
ROUTES = {("r-x1", "durian"): (22.4, [("x1", "a_to_b")]),
          ("r-x2", "durian"): (23.6, [("x2", "a_to_b")])}
TRUCKS = (5.0, 2.5, 1.5, 1.0)
HOURS = (0.0, 0.5, 2.0, 6.0)


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    """The inputs, the closed year's facts and its name."""
    folder = tiny.write(tmp_path_factory.mktemp("tiers") / "data",
                        congestion_tables(tiny.base_tables(), hours=HOURS, supply_t=200.0))
    tables = load_dataset(folder, check_borders=False)
    scenarios, _ = closure_scenarios(["x1"], 0.1)
    return tables, input_facts(tables, scenarios[1]), scenarios[1].name


def _scenario() -> dict:
    """The closed year's folder tables: 200 t on the X2 route (100 t booked, 100 t bought on
    the spot market), the X1 route's 100 t booked and idle (0 t), and X2's 10 trucks in the
    four tiers of X2 a_to_b, each tier's cost trucks x hours x 20 USD."""
    bounds = ((0.0, 0.5), (0.5, 0.75), (0.75, 0.9), (0.9, 1.0))
    tiers = pd.DataFrame([("x2", "a_to_b", 0, "durian", k + 1, lo, hi, h, n, n * h * 20.0)
                          for k, ((lo, hi), h, n) in enumerate(zip(bounds, HOURS, TRUCKS))],
                         columns=["crossing_id", "direction", "period", "product_id", "tier",
                                  "share_low", "share_high", "hours", "trucks", "cost_usd"])
    flows = pd.DataFrame([
        {"route_id": "r-x1", **KEYS, "flow_t": 0.0, "spot_t": 0.0, "idle_t": 100.0},
        {"route_id": "r-x2", **KEYS, "flow_t": 200.0, "spot_t": 100.0, "idle_t": 0.0}])
    return {"route_flows": flows, "congestion": tiers}


def _top(stated: dict) -> dict:
    """``plan_routes`` (100 t booked on each route) and ``objective.csv``'s columns
    ``stated``."""
    return {"objective": pd.DataFrame(stated),
            "plan_routes": pd.DataFrame([{"route_id": r, **KEYS, "booked_t_per_day": 100.0}
                                         for r in ("r-x1", "r-x2")])}


def _checks(closed, stated: dict) -> pd.DataFrame:
    tables, f, name = closed
    return pd.concat(_congestion(f, _scenario(), _top(stated), ROUTES, name, tables),
                     ignore_index=True)


def test_a_scenarios_tier_trucks_pass_every_check_with_its_stated_delay(closed):
    name = closed[2]
    got = _checks(closed, {"scenario": ["normal", name], "congestion_cost_usd": [0.0, 205.0]})
    assert got["ok"].all(), got[~got["ok"]]
    assert sorted(got["check"].value_counts().items()) == [
        ("congestion_cost", 5), ("congestion_link", 1), ("congestion_order", 4),
        ("congestion_tier", 4), ("congestion_tiers", 1)]
    assert got["entity"].str.startswith(f"scenario={name}: ").all()
    link = got[got["check"] == "congestion_link"].iloc[0]
    # the 10 loaded trucks the X2 route carries, read from the route's crossings (the idle
    # X1 route carries none: no row)
    assert link["entity"] == f"scenario={name}: x2/a_to_b/0/durian"
    assert link["amount"] == 0.0 and link["tolerance"] == pytest.approx(10e-6)
    total = got.iloc[-1]
    assert total["entity"] == (f"scenario={name}: summary.congestion_cost_usd "
                               "(recomputed 205.000000)")
    assert total["amount"] == pytest.approx(0.0, abs=1e-9)


def test_the_delay_stated_in_the_objective_table_is_checked(closed):
    name = closed[2]
    low = _checks(closed, {"scenario": ["normal", name], "congestion_cost_usd": [0.0, 200.0]})
    assert list(low.loc[~low["ok"], "amount"]) == [pytest.approx(5.0)]
    # the scenario's row or the column missing: the delay is not confirmed (a failed row)
    for stated in ({"scenario": ["normal"], "congestion_cost_usd": [0.0]},
                   {"scenario": ["normal", name], "cost_usd": [0.0, 1.0]}):
        bad = _checks(closed, stated)
        assert list(bad.loc[~bad["ok"], "check"]) == ["congestion_cost"]
        assert np.isnan(bad.iloc[-1]["amount"])


def test_the_delay_of_a_scenario_is_its_tier_trucks_and_its_flows_the_routes_crossings(closed):
    f = closed[1]
    sc = _scenario()
    alone = _delay(sc)  # as the objective check reads it: the tiers alone
    assert congestion_cost_usd(alone, f) == pytest.approx(205.0, abs=1e-9)
    assert len(alone.flows) == 0 and np.isnan(alone.summary["congestion_cost_usd"])
    fl = sc["route_flows"].assign(booked_t_per_day=100.0)  # the idle X1 route: no crossing
    both = _delay(sc, fl, ROUTES, 205.0)
    assert both.congestion is sc["congestion"]
    assert both.summary == {"congestion_cost_usd": 205.0}
    assert both.flows.to_dict("records") == [{
        "element_id": "x2", "direction": "a_to_b", "period": 0, "product_id": "durian",
        "flow_t": 200.0, "kind": "crossing"}]


def test_a_plans_tables_ask_for_by_name_say_which_table_is_lacking_and_why():
    """``_tables``: a plan in memory (a dict) is wrapped so that a table it lacks is a
    :class:`MissingTable` naming the scenario folder's table; tables read from a folder
    (already :class:`Tables`) are kept as they are, with the reason a table is lacking (here
    ``unreadable``: a file that is not parquet), which wrapping them again would lose."""
    from borderflow.verify.absent import MissingTable, Tables
    from borderflow.verify.robust import _tables

    plan = pd.DataFrame({"route_id": ["r-x1"]})
    memory = _tables({"plan": plan}, "scenario-1/")
    assert isinstance(memory, Tables) and memory["plan"] is plan
    with pytest.raises(MissingTable) as lacking:
        memory["route_flows"]
    assert (lacking.value.table, lacking.value.reason) == ("scenario-1/route_flows", "missing")
    read = Tables({"plan": plan}, "scenario-0/", {"route_flows": "unreadable"})
    assert _tables(read, "scenario-0/") is read
    with pytest.raises(MissingTable) as lacking:
        _tables(read, "scenario-0/")["route_flows"]
    assert (lacking.value.table, lacking.value.reason) == ("scenario-0/route_flows",
                                                           "unreadable")


def test_a_plan_folder_read_names_each_table_it_lacks_and_why(tmp_path):
    """``read_plan_folder`` on a folder of one scenario whose ``route_flows.parquet`` is not
    parquet and whose other tables are not there: one failed ``tables`` row a file (the five
    top tables and five scenario tables missing, the optional two not counted, one
    unreadable); the scenario's tables say why each is lacking."""
    from borderflow.verify.absent import MissingTable
    from borderflow.verify.robust import read_plan_folder

    (tmp_path / "run.json").write_text('{"probabilities": [1.0]}', encoding="utf-8")
    (tmp_path / "summary.json").write_text('{"routing": "certified"}', encoding="utf-8")
    (tmp_path / "scenario-0").mkdir()
    (tmp_path / "scenario-0" / "route_flows.parquet").write_text("not parquet")
    contents, found = read_plan_folder(tmp_path)
    assert contents["documents"] == {"summary.json": {"routing": "certified"},
                                     "run.json": {"probabilities": [1.0]}}
    rows = found[0]
    assert set(rows["check"]) == {"tables"} and not rows["ok"].any()
    assert (rows["amount"] == 1.0).all() and set(rows["unit"]) == {"files"}
    assert list(rows["entity"]) == [
        *(f"{tmp_path.name}/{n}.parquet missing" for n in
          ("plan", "scenarios", "plan_routes", "plan_arcs", "objective")),
        "scenario-0/route_flows.parquet unreadable (ArrowInvalid)",
        *(f"scenario-0/{n}.parquet missing" for n in
          ("unserved", "crossings", "market_duals", "share_duals")),
        "scenario-0/summary.json unreadable (FileNotFoundError)"]
    scenario, documents = contents["folders"]["scenario-0"]
    assert documents == {"summary.json": {}}
    for name, reason in (("route_flows", "unreadable"), ("unserved", "missing"),
                         ("congestion", "missing")):
        with pytest.raises(MissingTable) as lacking:
            scenario[name]
        assert (lacking.value.table, lacking.value.reason) == (f"scenario-0/{name}", reason)
