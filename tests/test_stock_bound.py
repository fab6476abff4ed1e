"""Pricing of dated runs with a dispatch hold (stock at origins), by hand (issue 17).

The tiny network (tests/tiny.py): durian at O, 200 t/day (10 trucks of 20 t), x1 11 USD/t and
12 h, x2 16 USD/t and 8 h, both 100 trucks/day; price 1,000 USD/t, penalty 500 USD/t. Shelf
life 1.4 days (33.6 h). x1 is held on 2 and 3 January. The run starts from one route per
origin and product (``dated_routes_per_product=1``: x1 only). Over x1 alone the held cargo
waits at O: that of 2 January is 2 days old on 4 January (no shelf life left), that of
3 January has 9.6 h left (x1's 12 h do not fit), so 400 t are written off. With x2 (8 h) the
held days ship on x2 at 16 USD/t: the optimum over every route is
6 x 200 x (11 - 1,000) + 400 x (16 - 11) = -1,184,800 USD.
"""

from __future__ import annotations

import pytest
from clitools import invoke
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.cli.common import PRICING_LABELS
from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Scenario
from borderflow.model.column_generation import Pricing
from borderflow.model.dated_pricing import MAX_LABELS
from borderflow.model.routes import RouteOptions
from borderflow.options import RunOptions
from borderflow.pipeline import run_scenario

import tiny
from helpers import border_data

TOL = 1e-3
OPTIMUM = 6 * 200 * (11 - 1000) + 400 * (16 - 11)
YAML = ("name: hold-x1\nhorizon: {start: 2023-01-01, days: 6}\nevents:\n"
        "  - {crossing: x1, hold_dispatch: {}, from: 2023-01-02, to: 2023-01-03}\n")


def _data(tmp_path):
    t = tiny.base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 372  # 200 t on each day of January
    t["products"].loc[0, "shelf_life_reefer_days"] = 1.4
    return border_data(tmp_path, "data", t)


def _run(tmp_path, pricing: Pricing):
    ds = load_dataset(_data(tmp_path), check_borders=False)
    scenario = Scenario.from_yaml_text(YAML, ds)
    run = run_scenario(ds, scenario, RunOptions(dispatch="foresight", pricing=pricing,
                                                dated_routes_per_product=1))
    return run.results.summary


def test_pricing_with_the_stock_duals_finds_the_route_the_hold_needs(tmp_path):
    """Column generation adds x2 and certifies the hand-computed optimum."""
    s = _run(tmp_path, Pricing())
    assert s["objective_usd"] == pytest.approx(OPTIMUM, abs=TOL)
    assert s["routing"] == "certified"
    assert s["pricing"]["rounds"] >= 2  # x2 for durian was added (a capped pair)
    assert s["pricing"]["route_products"] == 2
    assert "not re-checked" not in s["optimality"]


def test_the_unpriced_start_set_is_restricted_with_a_bound_above_the_true_gap(tmp_path):
    """Priced once, nothing added: restricted, and the bound (positive) covers the true gap
    (the restricted optimum minus the optimum over every route, solved above by hand)."""
    s = _run(tmp_path, Pricing(enabled=False))
    gap = s["objective_usd"] - OPTIMUM
    assert gap > 1000  # the start set really misses x2: 400 t written off at least
    assert s["routing"] == "restricted"
    bound = s["pricing"]["gap_bound_usd"]
    assert bound is not None and bound > 0
    assert bound >= gap - TOL


def test_a_label_limit_stops_pricing_and_says_so(tmp_path):
    s = _run(tmp_path, Pricing(max_labels=1))
    assert s["routing"] == "restricted"
    assert s["pricing"]["gap_bound_usd"] is None
    reason = s["pricing"]["reason"]
    assert "pricing stopped: label limit 1 reached at day" in reason
    assert "product durian" in reason
    assert "gap unknown" in s["optimality"]


def test_the_cli_records_the_label_limit_and_prints_no_traceback(tmp_path):
    data = _data(tmp_path)
    (tmp_path / "s.yaml").write_text(YAML)
    out = tmp_path / "run"
    res = invoke(CliRunner(), app, ["solve", "--dispatch", "foresight", "--data", str(data),
                                   "--scenario",
                                   str(tmp_path / "s.yaml"), "--pricing-labels", "1",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    assert "label limit 1 reached" in res.output
    import json

    run = json.loads((out / "run.json").read_text())
    assert run["options"]["pricing"]["max_labels"] == 1


@pytest.mark.parametrize("command,value", [(["solve"], "0"), (["solve"], "-5"),
                                           (["sweep", "--n-1"], "0")])
def test_a_bad_label_limit_exits_2_in_one_line(tmp_path, command, value):
    res = CliRunner().invoke(app, [*command, "--pricing-labels", value, "--out",
                                   str(tmp_path / "bad")])
    assert res.exit_code == 2
    assert "--pricing-labels" in res.output
    assert len(res.output.strip().splitlines()) == 1, res.output
    assert not (tmp_path / "bad").exists()


def test_the_cli_default_is_the_model_default():
    assert PRICING_LABELS == MAX_LABELS == Pricing().max_labels


CLOSED_AND_HELD = ("name: closed-and-held\nhorizon: {start: 2023-01-01, days: 6}\nevents:\n"
                   "  - {crossing: x1, close: {from: 2023-01-02, to: 2023-01-02}}\n"
                   "  - {crossing: x2, hold_dispatch: {}, from: 2023-01-02, to: 2023-01-02}\n")


def _closed_and_held(tmp_path, routes: RouteOptions | None = None,
                     pricing: Pricing | None = None):
    t = tiny.base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 372
    ds = load_dataset(border_data(tmp_path, "data", t), check_borders=False)
    scenario = Scenario.from_yaml_text(CLOSED_AND_HELD, ds)
    options = RunOptions(dispatch="foresight", **({} if routes is None else {"routes": routes}),
                         **({} if pricing is None else {"pricing": pricing}))
    return run_scenario(ds, scenario, options).results


def test_a_held_route_the_model_lacks_could_open_stock_at_origin(tmp_path):
    """x1 closed on 2 January, x2 held that day. Over every route (x1 and x2, the default
    start set keeps both gates) 2 January's 200 t wait at O and leave on x1 on 3 January: every
    day earns 200 x (11 - 1,000), certified. From x1 alone (one route, no gate kept) nothing of
    the model is held, so it has no stock: the 10 trucks wait a day at the closed gate (40
    USD/truck-day: 400 USD), and no route column prices out (x2 costs 5 USD/t more). But a held
    x2 would open the cell (O, durian, 2 January): its release on 3 January has reduced cost
    pi_3 - pi_2 = -989 - (-991) = -2 USD/t, times everything the cell could hold (U = 400 t up
    to that day): priced once, restricted, bound 800 USD >= the true gap 400 USD. Column
    generation adds the held route x2 (session 16): the cell opens, the cargo waits at O, and
    the run certifies the optimum over every route."""
    full = _closed_and_held(tmp_path / "all").summary
    assert full["objective_usd"] == pytest.approx(6 * 200 * (11 - 1000), abs=TOL)
    assert full["routing"] == "certified"
    once = _closed_and_held(tmp_path / "x1", RouteOptions(max_routes_per_product=1),
                            Pricing(enabled=False)).summary
    assert once["pricing"]["route_products"] == 1
    assert once["objective_usd"] == pytest.approx(full["objective_usd"] + 400, abs=TOL)
    assert once["routing"] == "restricted"
    assert once["pricing"]["gap_bound_usd"] == pytest.approx(800, abs=TOL)
    assert once["pricing"]["gap_bound_usd"] >= once["objective_usd"] - full["objective_usd"] - TOL
    res = _closed_and_held(tmp_path / "x1-priced", RouteOptions(max_routes_per_product=1))
    s = res.summary
    assert s["routing"] == "certified", s["pricing"]
    assert s["objective_usd"] == pytest.approx(full["objective_usd"], abs=TOL)
    assert s["pricing"]["route_products"] == 2  # x2, held, added
    assert s["pricing"]["gap_bound_usd"] == pytest.approx(0.0, abs=TOL)


def test_no_held_route_is_added_where_no_cell_prices_out(tmp_path):
    """x2 held on 2 January with x1 open (no closure): the cargo of 2 January leaves on x1 that
    day (a cell would release on 3 January: pi_3 - pi_2 = 0, nothing to gain), so from x1 alone
    no held route is added, nothing prices out and the run is certified at 6 x 200 x (11 -
    1,000) with one (route, product) pair."""
    t = tiny.base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 372
    ds = load_dataset(border_data(tmp_path, "data", t), check_borders=False)
    yaml = ("name: held-only\nhorizon: {start: 2023-01-01, days: 6}\nevents:\n"
            "  - {crossing: x2, hold_dispatch: {}, from: 2023-01-02, to: 2023-01-02}\n")
    s = run_scenario(ds, Scenario.from_yaml_text(yaml, ds), RunOptions(dispatch="foresight",
        routes=RouteOptions(max_routes_per_product=1))).results.summary
    assert s["objective_usd"] == pytest.approx(6 * 200 * (11 - 1000), abs=TOL)
    assert s["routing"] == "certified", s["pricing"]
    assert s["pricing"]["route_products"] == 1


def test_the_baseline_on_the_holds_model_is_priced_with_its_stock_rows(tmp_path):
    """The baseline (hold lifted) is a warm re-solve of the hold's model, stock rows and all:
    it is priced with them too and certifies the undisturbed optimum, 6 x 200 x (11 - 1,000)."""
    import borderflow as bf

    ds = load_dataset(_data(tmp_path), check_borders=False)
    res = bf.solve(ds, Scenario.from_yaml_text(YAML, ds),
                   RunOptions(dispatch="foresight", dated_routes_per_product=1))
    assert res.summary["objective_usd"] == pytest.approx(OPTIMUM, abs=TOL)
    base = res.baseline.summary
    assert base["objective_usd"] == pytest.approx(6 * 200 * (11 - 1000), abs=TOL)
    assert base["routing"] == "certified"
    assert "not re-checked" not in base["optimality"]
    assert res.verification["ok"].all(), res.verification[~res.verification["ok"]]


def test_the_shelf_rows_duals_are_written_and_a_tampered_one_is_caught(tmp_path):
    """``stock_duals``: the cargo of 3 January released on 4 January (age 1, 9.6 h of shelf
    life left) needs a route of at most 9.6 h: x2 (8 h) at 16 USD/t instead of x1 at 11, so
    that row's dual is 16 - 11 = 5 USD/t; 3 January's row (nothing held on 2 January is
    released then at a profit) 0. Verified; a dual made negative fails ``stock_dual``."""
    import pandas as pd

    from borderflow.verify import verify_run

    data = _data(tmp_path)
    (tmp_path / "s.yaml").write_text(YAML)
    out = tmp_path / "run"
    res = invoke(CliRunner(), app, ["solve", "--dispatch", "foresight", "--data", str(data),
                                   "--scenario",
                                   str(tmp_path / "s.yaml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    sd = pd.read_parquet(out / "stock_duals.parquet")
    assert sd["date"].tolist() == ["2023-01-03", "2023-01-04"]
    assert sd["fits_h"].tolist() == pytest.approx([33.6 - 24] * 2)
    assert sd["dual_usd_per_t"].tolist() == pytest.approx([0.0, 5.0], abs=TOL)
    report = verify_run(out)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    assert (report["check"] == "stock_dual").sum() == 4
    sd.loc[1, "dual_usd_per_t"] = -5.0
    sd.to_parquet(out / "stock_duals.parquet", index=False)
    sd.to_csv(out / "stock_duals.csv", index=False)
    bad = verify_run(out)
    assert not bad.loc[bad["check"] == "stock_dual", "ok"].all()
