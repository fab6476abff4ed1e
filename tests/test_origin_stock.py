"""Held cargo waits at origin, ageing (issue 21, ``hold_dispatch`` in dated runs), by hand.

The tiny network (tests/tiny.py): durian at O, 200 t/day (10 trucks of 20 t), x1 11 USD/t and
12 h, x2 16 USD/t and 8 h, both 100 trucks/day; price 1,000 USD/t, penalty 500 USD/t. Both
gates are held from 2 January, so held cargo cannot reroute: it waits at O and leaves on a
later day by a route whose hours fit the shelf life left (shelf life - 24 h x days waited).
Each undisturbed day earns 200 x (11 - 1,000) = -197,800 USD.
"""

from __future__ import annotations

import pandas as pd
import pytest

import borderflow as bf
from borderflow.certificate_dated import check_dated_certificate
from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Scenario
from borderflow.pipeline import run_scenario
from borderflow.verify import input_facts, verify_results
from borderflow.verify.levers import entry_rows

import tiny
from helpers import FORESIGHT

TOL = 1e-3
DAY = 200 * (11 - 1000)


def _ds(tmp_path, shelf_days: float):
    t = tiny.base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 372  # 200 t on each day of January
    t["products"].loc[0, "shelf_life_reefer_days"] = shelf_days
    return load_dataset(tiny.write(tmp_path, t), check_borders=False)


def _held(ds, last: str, days: int = 6):
    text = (f"name: hold\nhorizon: {{start: 2023-01-01, days: {days}}}\nevents:\n"
            + "".join(f"  - {{crossing: {c}, hold_dispatch: {{}}, from: 2023-01-02, to: {last}}}\n"
                      for c in ("x1", "x2")))
    scenario = Scenario.from_yaml_text(text, ds)
    return run_scenario(ds, scenario, FORESIGHT), scenario  # the optimum


def _per_day(table: pd.DataFrame, col: str) -> pd.Series:
    return table.groupby("date")[col].sum()


def test_a_hold_moves_the_queue_to_origin_and_ages_the_cargo(tmp_path):
    """Shelf life 3 days, held 2 and 3 January: 200 t/day wait at O (stock peaks at 400 t =
    20 trucks on 3 January), leave on 4 January aged 2 and 1 days (24 h and 48 h of shelf life
    left, x1's 12 h fit), nothing queues at a gate, nothing spoils: the hold costs nothing."""
    ds = _ds(tmp_path, 3)
    run, scenario = _held(ds, "2023-01-03")
    res = run.results
    assert res.summary["objective_usd"] == pytest.approx(6 * DAY, abs=TOL)
    st = res.origin_stock
    stock = _per_day(st, "stock_t")
    assert stock.max() == pytest.approx(400, abs=TOL)
    assert stock.idxmax() == "2023-01-03"
    released = st[st["released_t"] > TOL]
    assert set(released["date"]) == {"2023-01-04"}
    assert dict(zip(released["age_days"], released["released_t"])) == pytest.approx(
        {2: 200, 1: 200}, abs=TOL)
    assert dict(zip(released["age_days"], released["shelf_left_h"])) == {2: 24.0, 1: 48.0}
    assert res.queues["queue_trucks"].sum() == pytest.approx(0, abs=TOL)
    rf = res.route_flows
    assert rf[rf["period"] == 3]["flow_t"].sum() == pytest.approx(600, abs=TOL)
    assert rf[rf["period"].isin([1, 2])]["flow_t"].sum() == pytest.approx(0, abs=TOL)
    assert res.summary["spoiled_t"] == pytest.approx(0, abs=TOL)
    assert "origin_stock" in res.tables()
    assert res.summary["routing"] == "certified"  # priced with the stock rows' duals
    assert "lower bound" in res.summary["optimality"]
    assert "not re-checked" not in res.summary["optimality"]  # borderflow verify re-checks it
    rep = verify_results(res, ds, scenario, run.net)
    assert rep["ok"].all(), rep[~rep["ok"]]
    assert (rep["check"] == "origin_stock").sum() == 2  # one per held day's cargo


def test_released_cargo_takes_only_routes_its_shelf_life_still_fits(tmp_path):
    """Shelf life 2.4 days (57.6 h): on 4 January the cargo of 2 January (aged 2 days, 9.6 h
    left) fits only x2 (8 h), that of 3 January (33.6 h left) and the day's own fit x1:
    x1 400 t, x2 200 t; the cost of the hold is 200 t x (16 - 11) = 1,000 USD."""
    ds = _ds(tmp_path, 2.4)
    run, scenario = _held(ds, "2023-01-03")
    res = run.results
    assert res.summary["objective_usd"] == pytest.approx(6 * DAY + 1000, abs=TOL)
    day3 = res.route_flows[res.route_flows["period"] == 3]
    by = day3.groupby(day3["crossings"].str[:2])["flow_t"].sum()
    assert by.to_dict() == pytest.approx({"x1": 400, "x2": 200}, abs=TOL)
    assert verify_results(res, ds, scenario, run.net)["ok"].all()


def test_a_hold_longer_than_the_shelf_life_spoils_at_origin(tmp_path):
    """Shelf life 2 days, held 2-4 January: on 5 January the cargo of 2 January (aged 3 days)
    is past its shelf life and that of 3 January (aged 2, 0 h left) fits no route: 400 t
    spoil at O (valued 500 USD/t); that of 4 January (24 h left) leaves on x1. Cost: 4 days
    shipped, 400 t written off: 4 x -197,800 + 400 x 500 = -591,200 USD."""
    ds = _ds(tmp_path, 2)
    run, scenario = _held(ds, "2023-01-04")
    res = run.results
    assert res.summary["objective_usd"] == pytest.approx(4 * DAY + 400 * 500, abs=TOL)
    assert res.summary["spoiled_t"] == pytest.approx(400, abs=TOL)
    assert res.summary["lost_value_usd"] == pytest.approx(400 * 500, abs=TOL)
    assert res.spoilage["spoiled_t"].sum() == pytest.approx(400, abs=TOL)
    assert res.products["lost_value_usd"].sum() == pytest.approx(400 * 500, abs=TOL)
    st = res.origin_stock
    assert st[st["held_date"] == "2023-01-04"]["released_t"].sum() == pytest.approx(200, abs=TOL)
    off = st[st["written_off_t"] > TOL]
    assert (off["shelf_left_h"] < 0).all()
    assert verify_results(res, ds, scenario, run.net)["ok"].all()


def test_the_verifier_catches_a_broken_stock_balance(tmp_path):
    ds = _ds(tmp_path, 3)
    run, scenario = _held(ds, "2023-01-03")
    res = run.results
    st = res.origin_stock.copy()
    row = st.index[st["released_t"] > TOL][0]
    st.loc[row, "released_t"] -= 50
    tampered = type(res)(**{**res.tables(), "summary": res.summary, "origin_stock": st})
    rep = verify_results(tampered, ds, scenario, run.net)
    bad = rep[~rep["ok"]]
    assert {"origin_stock", "supply_balance"} <= set(bad["check"])
    assert bad[bad["check"] == "origin_stock"]["amount"].max() == pytest.approx(50, abs=1e-6)


def test_a_run_with_stock_at_origins_is_certified_with_its_stock_rows(tmp_path):
    """The dated certificate prices the hold's rows (borderflow/certificate_stock.py): one
    ``stock_cell_dual`` per held day's cell, all passing; the folder of an older run without
    ``stock_duals`` is refused (``certificate_scope``), not passed."""
    ds = _ds(tmp_path, 3)
    run, scenario = _held(ds, "2023-01-03")
    res = run.results
    facts = input_facts(ds, scenario)
    cert = check_dated_certificate(facts, ds.nodes, res.tables(), res.summary["objective_usd"],
                                   entries=entry_rows(facts))
    assert cert.ok, cert.checks[~cert.checks["ok"]]
    assert (cert.checks["check"] == "stock_cell_dual").sum() == 2
    older = {k: v for k, v in res.tables().items() if k != "stock_duals"}
    cert = check_dated_certificate(facts, ds.nodes, older, res.summary["objective_usd"],
                                   entries=entry_rows(facts))
    assert set(cert.checks["check"]) == {"certificate_scope"}
    assert not cert.ok


def test_origin_stock_is_written_and_verified_in_the_run_folder(tmp_path):
    ds = _ds(tmp_path / "data", 3)
    _, scenario = _held(ds, "2023-01-03")
    res = bf.solve(ds, scenario, FORESIGHT)
    folder = res.write(tmp_path / "run")
    assert (folder / "origin_stock.parquet").exists()
    again = bf.read_result(folder)
    pd.testing.assert_frame_equal(again.tables["origin_stock"], res.tables["origin_stock"],
                                  check_dtype=False)
    assert bf.verify_run(folder)["ok"].all()


def test_without_a_hold_there_is_no_origin_stock(tmp_path):
    ds = _ds(tmp_path, 3)
    run = run_scenario(ds, Scenario.from_yaml_text(
        "name: t\nhorizon: {start: 2023-01-01, days: 3}\n", ds))
    assert "origin_stock" not in run.results.tables()
    assert not hasattr(run.built.model, "origin_stock")


def test_the_verifier_names_cargo_stocked_on_a_day_no_hold_holds(tmp_path):
    """The run held 2 and 3 January; checked against a scenario that holds only 3 January,
    the 200 t put into stock at O on 2 January are named by origin, product and day."""
    ds = _ds(tmp_path, 3)
    run, _ = _held(ds, "2023-01-03")
    text = ("name: hold\nhorizon: {start: 2023-01-01, days: 6}\nevents:\n"
            + "".join(f"  - {{crossing: {c}, hold_dispatch: {{}}, from: 2023-01-03, "
                      "to: 2023-01-03}\n" for c in ("x1", "x2")))
    later = Scenario.from_yaml_text(text, ds)
    rep = verify_results(run.results, ds, later, run.net)
    bad = rep[(rep["check"] == "stock_held_day") & ~rep["ok"]]
    assert len(bad) == 1, rep[~rep["ok"]]
    assert bad["entity"].iloc[0] == "origin vn-o / durian @2023-01-02"
    assert bad["amount"].iloc[0] == pytest.approx(200, abs=TOL)
