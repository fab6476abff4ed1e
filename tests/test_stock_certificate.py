"""``borderflow verify`` re-checks the certificate of dated runs with a dispatch hold (issue 17).

The tiny network (tests/tiny.py): durian at O, 200 t/day (10 trucks of 20 t), x1 11 USD/t and
12 h, x2 16 USD/t and 8 h, both 100 trucks/day; price 1,000 USD/t, penalty 500 USD/t; shelf
life 1.4 days (33.6 h); x1 held on 2 and 3 January (tests/test_stock_bound.py). On 4 January
fresh cargo leaves on x1 (supply dual -989 USD/t), cargo held since 3 January (9.6 h of shelf
life left) only fits x2: the shelf row of (O, durian, 4 January, aged >= 1 day) has the dual
16 - 11 = 5 USD/t, what x2 earns there; with it x2's reduced cost is 16 - 1,000 + 989 - 5 = 0.
The cell held on 3 January (supply dual 16 - 1,000 = -984, x2 on a held day) releases on
4 January at -989 + 5 + 984 = 0. Raised to 20, x2 prices out at -15 USD/t (``route_dual``);
lowered to 0, the release does at -5 USD/t (``stock_cell_dual``).
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from clitools import invoke
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Scenario
from borderflow.model.column_generation import Pricing
from borderflow.model.routes import RouteOptions
from borderflow.options import RunOptions
from borderflow.pipeline import run_scenario
from borderflow.verify import verify_results, verify_run

import tiny
from helpers import border_data

TOL = 1e-6
YAML = ("name: hold-x1\nhorizon: {start: 2023-01-01, days: 6}\nevents:\n"
        "  - {crossing: x1, hold_dispatch: {}, from: 2023-01-02, to: 2023-01-03}\n")
CLOSED_AND_HELD = ("name: closed-and-held\nhorizon: {start: 2023-01-01, days: 6}\nevents:\n"
                   "  - {crossing: x1, close: {from: 2023-01-02, to: 2023-01-02}}\n"
                   "  - {crossing: x2, hold_dispatch: {}, from: 2023-01-02, to: 2023-01-02}\n")


def _tables(shelf_days: float | None):
    t = tiny.base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 372  # 200 t on each day of January
    if shelf_days is not None:
        t["products"].loc[0, "shelf_life_reefer_days"] = shelf_days
    return t


def _folder(tmp_path):
    data = border_data(tmp_path, "data", _tables(1.4))
    (tmp_path / "s.yaml").write_text(YAML)
    out = tmp_path / "run"
    res = invoke(CliRunner(), app, ["solve", "--dispatch", "foresight", "--data", str(data),
                                   "--scenario",
                                   str(tmp_path / "s.yaml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def _check(report: pd.DataFrame, check: str) -> pd.DataFrame:
    return report[report["check"] == check]


def _set_dual(out, value: float) -> None:
    sd = pd.read_parquet(out / "stock_duals.parquet")
    row = (sd["date"] == "2023-01-04") & (sd["age_days"] == 1)
    assert sd.loc[row, "dual_usd_per_t"].tolist() == pytest.approx([5.0], abs=1e-6)
    sd.loc[row, "dual_usd_per_t"] = value
    sd.to_parquet(out / "stock_duals.parquet", index=False)
    sd.to_csv(out / "stock_duals.csv", index=False)


def test_a_certified_hold_run_is_re_checked_with_its_shelf_duals(tmp_path):
    """Every check passes, the certificate's included: one ``route_dual`` per day, one
    ``stock_cell_dual`` per held day (2 and 3 January), all at 0 by hand."""
    out = _folder(tmp_path)
    report = verify_run(out)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    assert len(_check(report, "route_dual")) == 6
    cells = _check(report, "stock_cell_dual")
    assert cells["entity"].tolist() == ["origin vn-o / durian held @2023-01-02",
                                        "origin vn-o / durian held @2023-01-03"]
    assert cells["amount"].tolist() == pytest.approx([0.0, 0.0], abs=TOL)
    assert "not re-checked" not in (out / "summary.json").read_text()


@pytest.mark.parametrize("value,check,entity,amount", [
    (20.0, "route_dual", "vn-o/durian @3", 15.0),
    (0.0, "stock_cell_dual", "origin vn-o / durian held @2023-01-03", 5.0)])
def test_a_tampered_shelf_dual_is_caught(tmp_path, value, check, entity, amount):
    """The binding shelf dual (5 USD/t) raised to 20: x2 prices out by 15 USD/t on 4 January
    (day 3); lowered to 0: the release of the cargo held on 3 January does, by 5 USD/t."""
    out = _folder(tmp_path)
    _set_dual(out, value)
    report = verify_run(out)
    bad = report[~report["ok"] & (report["check"] != "manifest")]
    assert bad["check"].tolist() == [check], bad.to_string()
    assert bad["entity"].tolist() == [entity]
    assert bad["amount"].tolist() == pytest.approx([amount], abs=1e-6)


def _closed_and_held(tmp_path, routes: RouteOptions | None = None,
                     pricing: Pricing | None = None):
    ds = load_dataset(border_data(tmp_path, "data", _tables(None)), check_borders=False)
    scenario = Scenario.from_yaml_text(CLOSED_AND_HELD, ds)
    options = RunOptions(dispatch="foresight", **({} if routes is None else {"routes": routes}),
                         **({} if pricing is None else {"pricing": pricing}))
    run = run_scenario(ds, scenario, options)
    return run, ds, scenario


def _claim_certified(results):
    summary = {**results.summary, "routing": "certified"}
    return dataclasses.replace(results, summary=summary)


def test_a_restricted_run_whose_held_route_could_open_a_cell_is_not_passed_as_certified(
        tmp_path):
    """x1 closed on 2 January, x2 held that day, the model over x1 alone (no stock: nothing of
    it is held). No route prices out, but a held x2 would open the cell (O, durian, 2 January)
    releasing on 3 January at pi_3 - pi_2 = -989 - (-991) = -2 USD/t: priced once (column
    generation would add the held x2 since session 16, tests/test_stock_bound.py), the run says
    ``restricted`` with a bound of 400 t x 2 = 800 USD, which the verifier finds too. Claimed
    ``certified``, only ``stock_cell_dual`` fails, by 2 USD/t."""
    run, ds, scenario = _closed_and_held(tmp_path, RouteOptions(max_routes_per_product=1),
                                         Pricing(enabled=False))
    res = run.results
    assert res.summary["routing"] == "restricted"
    report = verify_results(res, ds, scenario, run.net)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    assert _check(report, "gap_bound")["amount"].tolist() == pytest.approx([0.0], abs=TOL)
    from borderflow.certificate_dated import check_dated_certificate
    from borderflow.verify import input_facts
    from borderflow.verify.levers import entry_rows

    facts = input_facts(ds, scenario, run.net)
    cert = check_dated_certificate(facts, ds.nodes, res.tables(), res.summary["objective_usd"],
                                   entries=entry_rows(facts))
    assert cert.gap_bound_usd(res.summary["objective_usd"]) == pytest.approx(800, abs=1e-3)
    claimed = verify_results(_claim_certified(res), ds, scenario, run.net)
    bad = claimed[~claimed["ok"]]
    assert bad["check"].tolist() == ["stock_cell_dual"], bad.to_string()
    assert bad["entity"].tolist() == ["origin vn-o / durian held @2023-01-02"]
    assert bad["amount"].tolist() == pytest.approx([2.0], abs=1e-6)


def test_the_unpriced_start_set_claimed_certified_fails_route_dual(tmp_path):
    """The YAML run from x1 alone, priced once without adding x2: ``restricted``. Its bound is
    re-checked; claimed ``certified``, x2 prices out (route_dual) on the days the hold bites."""
    ds = load_dataset(border_data(tmp_path, "data", _tables(1.4)), check_borders=False)
    scenario = Scenario.from_yaml_text(YAML, ds)
    run = run_scenario(ds, scenario, RunOptions(dispatch="foresight",
                                                pricing=Pricing(enabled=False),
                                                dated_routes_per_product=1))
    res = run.results
    assert res.summary["routing"] == "restricted"
    report = verify_results(res, ds, scenario, run.net)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    claimed = verify_results(_claim_certified(res), ds, scenario, run.net)
    bad = claimed[~claimed["ok"]]
    assert "route_dual" in set(bad["check"]), bad.to_string()
    assert set(bad["check"]) <= {"route_dual", "stock_cell_dual"}


TWO_HOLDS = ("name: two-holds\nhorizon: {start: 2023-01-01, days: 6}\nevents:\n"
             "  - {crossing: x1, hold_dispatch: {}, from: 2023-01-02, to: 2023-01-03}\n"
             "  - {crossing: x2, hold_dispatch: {}, from: 2023-01-02, to: 2023-01-04}\n")


def test_a_cell_held_by_two_holds_is_released_when_both_are_lifted(tmp_path):
    """Shelf life 3 days; x1 held 2-3 January, x2 held 2-4 January. The cargo of 2 January
    is held by both (its x2 flow by the longer hold), so it may leave only on 5 January, aged
    3 days with no shelf life left: written off (200 t x 500 USD/t); the five other days ship
    on x1: 5 x 200 x (11 - 1,000) + 100,000 = -889,000 USD, certified. x2 carries nothing, so
    none of the run's routes shows that x2's hold holds the cell: the verifier's own search
    finds the x2 route (8 h) and releases from 5 January (from 4 January, the cell's release
    would price out by 1,489 USD/t: a correct run failed)."""
    ds = load_dataset(border_data(tmp_path, "data", _tables(3)), check_borders=False)
    scenario = Scenario.from_yaml_text(TWO_HOLDS, ds)
    run = run_scenario(ds, scenario, RunOptions(dispatch="foresight"))
    res = run.results
    assert res.summary["objective_usd"] == pytest.approx(5 * 200 * (11 - 1000) + 200 * 500,
                                                         abs=1e-3)
    assert res.summary["routing"] == "certified"
    assert not res.route_flows["route_id"].str.contains("x2").any()
    report = verify_results(res, ds, scenario, run.net)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    cells = _check(report, "stock_cell_dual")
    assert "origin vn-o / durian held @2023-01-02" in set(cells["entity"])


#: Boten-Mohan LA->CN held 2-4 June 2023 on a 5-day horizon (the 7 days of
#: docs/certified-routing.md until session 30): the same three held days, the same candidate
#: cells (216 ``stock_cell_dual`` rows either way), column generation adding the same 3 routes
#: in 2 rounds and certifying (7 Dec 2026: 25.7 CPU s for the 5-day ``borderflow solve``, 53
#: under a profiler for 7 days); the two days after the release only added solve and
#: verification time
EMBEDDED = ("name: hold-boten-5d\nhorizon: {start: 2023-06-01, days: 5}\nevents:\n"
            "  - {crossing: boten-mohan, hold_dispatch: {}, from: 2023-06-02, to: 2023-06-04}\n")


@pytest.mark.slow
def test_the_embedded_hold_run_verifies_with_its_certificate_re_checked(tmp_path):
    """5 days from 1 June 2023, Boten-Mohan LA->CN held 2-4 June (:data:`EMBEDDED`; the 7-day
    run of docs/certified-routing.md until session 30): certified after column generation
    added routes, and ``borderflow verify`` re-checks it: a route_dual per (origin, product,
    day), a stock_cell_dual per candidate cell, the duality gap, all passing. On the calibrated
    default: session 15 ran it on the uncalibrated overlay, since three held cells only a held
    route not in the model would open left it ``restricted`` (gap <= 1,858.42 USD); column
    generation adds held routes since session 16 (certified). The shorter horizon still fails
    if the held cells are not re-checked (the same 216 cells as 7 days), if no route is
    generated (asserted) or if a (origin, product, day) lacks its route_dual (72 x 5)."""
    (tmp_path / "s.yaml").write_text(EMBEDDED)
    out = tmp_path / "run"
    res = invoke(CliRunner(), app, ["solve", "--dispatch", "foresight", "--scenario",
                                   str(tmp_path / "s.yaml"),
                                   "--out", str(out)], seconds=1800.0)  # ~25 s CPU
    assert res.exit_code == 0, res.output
    assert json.loads((out / "summary.json").read_text())["pricing"]["routes_generated"] > 0
    report = verify_run(out)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    assert len(_check(report, "route_dual")) == 360  # 72 (origin, product) pairs x 5 days
    assert len(_check(report, "stock_cell_dual")) > 0
    assert len(_check(report, "duality_gap")) == 1
    assert '"routing": "certified"' in (out / "summary.json").read_text()


@pytest.mark.slow
def test_the_embedded_hold_run_priced_once_verifies_its_gap_bound(tmp_path):
    """The same run with ``--pricing-rounds 0``: restricted, and the verifier's own bound
    (route shortfalls as a knapsack over released stock, plus the cells) is at most the
    reported one (``gap_bound``; both 10,042,915.57 USD on 4 Dec 2026 over 7 days, the
    horizon until session 30)."""
    (tmp_path / "s.yaml").write_text(EMBEDDED)
    out = tmp_path / "run"
    res = invoke(CliRunner(), app, ["solve", "--dispatch", "foresight", "--scenario",
                                   str(tmp_path / "s.yaml"),
                                   "--pricing-rounds", "0", "--out", str(out)], seconds=1800.0)
    assert res.exit_code == 0, res.output
    assert '"routing": "restricted"' in (out / "summary.json").read_text()
    report = verify_run(out)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    assert len(_check(report, "gap_bound")) == 1
