"""The window-priced start of dated runs (``Pricing(window_start=True)``,
borderflow/window_pricing.py, model/keyed_point.py): the exact windows' point is priced and the
model rebuilt over the routes found before the whole LP is solved; the exact rounds then price
with the whole LP's duals as always.

- cg-three-borders over one day (tests/data/cg-three-borders/README.md): the capped
  enumeration has only R2 (92 USD/t); the windows' duals price R3 (61.5 USD/t) out, so the
  whole LP is solved once over both and the first exact pricing finds nothing: one round
  instead of two, the same hand optimum s x (61.5 - 2,000), certified and verified;
- cg-gate-dual over a week: nothing to add, the same optimum and certificate as the default;
- the point carried by key to the rebuilt model keeps every old value and is primal feasible
  there (new columns 0);
- run.json records the option only when it is asked for or turned off (the default, on where
  the run can take it, is left out of ``options``); runs it cannot serve say why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import borderflow as bf
from borderflow.data.scenario import Horizon, Scenario
from borderflow.options import RunOptions, recorded_pricing

DATA = Path(__file__).parent / "data"
#: cg-three-borders over 1 January 2024: 73,000 t/year x 1/12 (January) / 31 days (hand)
DAY_SUPPLY_T = 73_000 / 12 / 31


def _options(window_start: bool | None, **kwargs) -> RunOptions:
    options = RunOptions.of(method="exact-windows", window_days=1, **kwargs)
    return replace(options, pricing=replace(options.pricing, window_start=window_start))


def _solve(name: str, days: int, window_start: bool, **kwargs):
    ds = bf.load_dataset(DATA / name, check_borders=False)
    scenario = Scenario(name="days", horizon=Horizon(start=dt.date(2024, 1, 1), days=days))
    return bf.solve(ds, scenario, options=_options(window_start, **kwargs))


def test_the_windows_price_the_three_border_route_before_the_whole_lp():
    window, default = _solve("cg-three-borders", 1, True), _solve("cg-three-borders", 1, False)
    for res in (window, default):
        s = res.summary
        assert s["objective_usd"] == pytest.approx(DAY_SUPPLY_T * (61.5 - 2000), rel=1e-9)
        assert s["routing"] == "certified" and s["verified"] is True
        assert s["pricing"]["routes_generated"] == 1
        assert res.tables["route_flows"]["route_id"].str.contains("priced-").all()
    assert default.summary["pricing"]["rounds"] == 2  # R3 added after the whole LP
    assert window.summary["pricing"]["rounds"] == 1  # R3 there already: nothing prices out
    assert "window-priced start: 1 route(s)" in window.summary["pricing"]["method"]
    assert "window-priced" not in default.summary["pricing"]["method"]
    assert window.summary["objective_usd"] == pytest.approx(default.summary["objective_usd"],
                                                            rel=1e-12)


def test_nothing_to_add_gives_the_default_optimum_and_certificate():
    window, default = _solve("cg-gate-dual", 7, True), _solve("cg-gate-dual", 7, False)
    assert window.summary["routing"] == default.summary["routing"] == "certified"
    assert window.summary["verified"] is True and default.summary["verified"] is True
    assert window.summary["objective_usd"] == pytest.approx(default.summary["objective_usd"],
                                                            rel=1e-9)


def test_the_carried_point_keeps_every_value_and_stays_feasible():
    from borderflow.model.column_generation import with_columns
    from borderflow.model.dated_columns import price_dated_model
    from borderflow.model.column_generation import pricing_inputs
    from borderflow.model.keyed_point import carried_components, keyed_point
    from borderflow.pipeline import assemble, prepare, solve_session
    from borderflow.solvers.memory import lp_arrays

    ds = bf.load_dataset(DATA / "cg-three-borders", check_borders=False)
    scenario = Scenario(name="day", horizon=Horizon(start=dt.date(2024, 1, 1), days=1))
    options = RunOptions()
    routes, solver = options.effective(True)
    model = prepare(ds, scenario, routes, solver)
    solve_session(model.session, model.built, model.net)
    assert carried_components(model.session, model.built)
    sol = model.session.highs.getSolution()
    x, y = np.asarray(sol.col_value), np.asarray(sol.row_dual)
    point = keyed_point(model.session, model.built, x, y)
    # the same model: every value back in its place
    same_x, same_y = point.place(model.session, model.built)
    assert np.array_equal(same_x, x) and np.array_equal(same_y, y)
    found = price_dated_model(model.session, model.built, model.net, options.pricing,
                              pricing_inputs(model.net))
    more = with_columns(model.net, model.routes, found.columns)
    assert len(more.routes) == len(model.routes.routes) + 1  # R3
    bigger = assemble(ds, model.net, more, solver)
    new_x, _ = point.place(bigger.session, bigger.built)
    flows = bigger.session.columns_of(bigger.built.model.route_flow)
    old = bigger.built.index.flows["route_id"].isin(set(model.routes.routes["route_id"]))
    assert (new_x[flows[~old.to_numpy()]] == 0).all()  # R3's flows start at 0
    assert new_x.sum() == pytest.approx(x.sum(), rel=1e-12)  # nothing else moved or lost
    lp = lp_arrays(bigger.session.highs)
    ax = lp.A @ new_x
    assert (ax >= lp.row_lower - 1e-7).all() and (ax <= lp.row_upper + 1e-7).all()
    assert (new_x >= lp.col_lower - 1e-9).all() and (new_x <= lp.col_upper + 1e-9).all()


def test_runs_it_cannot_serve_say_why():
    from borderflow.pipeline import prepare
    from borderflow.window_pricing import window_start_problem

    ds = bf.load_dataset(DATA / "cg-three-borders", check_borders=False)
    scenario = Scenario(name="day", horizon=Horizon(start=dt.date(2024, 1, 1), days=1))
    on = _options(True)
    routes, solver = on.effective(True)
    model = prepare(ds, scenario, routes, solver)
    assert window_start_problem(model, on, on.rolling) == ""
    assert window_start_problem(model, _options(None), on.rolling) == ""  # the default
    assert window_start_problem(model, _options(False), on.rolling) == \
        "turned off (--no-window-pricing)"
    assert "exact windows" in window_start_problem(model, on, None)
    assert "whole LP's duals" in window_start_problem(model, replace(on, dispatch="realistic"),
                                                      on.rolling)
    assert "whole LP's duals" in window_start_problem(
        model, replace(on, pricing=replace(on.pricing, enabled=False)), on.rolling)


def test_run_json_records_the_option_only_when_asked_for_or_turned_off():
    assert "window_start" not in recorded_pricing(RunOptions().pricing)
    assert recorded_pricing(_options(True).pricing)["window_start"] is True
    assert recorded_pricing(_options(False).pricing)["window_start"] is False
    assert "window_start" not in RunOptions().recorded()["pricing"]


def test_cli_window_pricing_is_recorded_and_certified(tmp_path):
    import json
    import shutil
    import subprocess
    import sys

    scenario = tmp_path / "day.yaml"
    scenario.write_text("name: day\nbase: default\nhorizon: {start: 2024-01-01, days: 1}\n")
    exe = Path(sys.executable).with_name("borderflow")
    cmd = [str(exe) if exe.exists() else shutil.which("borderflow"), "solve", "--data",
           str(DATA / "cg-three-borders"), "--scenario", str(scenario), "--method",
           "exact-windows", "--window-days", "1", "--window-pricing", "--out",
           str(tmp_path / "run")]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert summary["routing"] == "certified" and summary["verified"] is True
    assert summary["objective_usd"] == pytest.approx(DAY_SUPPLY_T * (61.5 - 2000), rel=1e-9)
    assert summary["pricing"]["rounds"] == 1
    assert run["options"]["pricing"]["window_start"] is True
