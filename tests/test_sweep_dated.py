"""Dated sweeps warm (issue 20 target 3): the kept model holds the routes its reference prices
in, each closure is re-solved warm from its basis and priced with its own duals, and gives the
optimum and label of a cold solve of the same scenario.

tests/data/cg-three-borders (README.md): the enumerated (capped) routes reach Nanning only by
R2 (two crossings, Boten–Mohan, 92 USD/t); R3 (three crossings via Huu Nghi, 61.5 USD/t) is
found by pricing. Over a few dated days: the reference prices R3 in once, so closing
Boten–Mohan or Huu Nghi–Youyiguan for some days needs no route of its own (certified at
once, no rebuilt model), and closing Vientiane–Nong Khai (both routes' first gate) ships
nothing on those days.
"""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import CG_DATA, CG_START, cg_closure_plan

from borderflow.sweeps import Job, ModelCache, solve_job

CG, START = CG_DATA, CG_START


@pytest.fixture(scope="module")
def plan():
    return cg_closure_plan(days=5, first=1, last=3)


def _solve(plan, name, cache, warm=True):
    e = plan.entry(name)
    out = solve_job(Job(e.scenario, plan.structures[e.structure], warm), cache)
    assert out.status == "optimal", out.message
    return out


def test_warm_dated_closures_equal_cold_certified_solves(plan):
    """Every scenario warm (one kept model) and cold (a model of its own): objectives equal to
    1e-6 relative, both certified (the cold solve by column generation of its own: R3 added);
    the kept model holds R3 (priced in by the reference), so
    no warm scenario generates routes of its own, and each restarts from the same basis
    (the same objective in any order)."""
    cache = ModelCache()
    names = plan.names()
    warm = {n: _solve(plan, n, cache) for n in reversed(names)}
    (kept,) = cache.models.values()
    assert kept.prepared.routes.routes["n_crossings"].max() == 3  # R3, from the reference
    for name in names:
        cold = _solve(plan, name, ModelCache(), warm=False)
        w, c = warm[name], cold
        assert w.solve["warm_start"] and c.results.summary["pricing"]["routes_generated"] >= 1
        assert w.solve["objective_usd"] == pytest.approx(c.solve["objective_usd"], rel=1e-6)
        assert w.results.summary["routing"] == c.results.summary["routing"] == "certified"
        assert w.results.summary["pricing"]["routes_generated"] == 0, name
    base = warm["baseline"].solve["objective_usd"]
    assert warm["close-boten-mohan"].solve["objective_usd"] == pytest.approx(base, rel=1e-9)
    assert warm["close-huu-nghi-youyiguan"].solve["objective_usd"] > base + 1
    assert warm["close-vientiane-nong-khai"].solve["objective_usd"] > \
        warm["close-huu-nghi-youyiguan"].solve["objective_usd"]
    again = _solve(plan, "close-huu-nghi-youyiguan", cache)
    assert again.solve["objective_usd"] == warm["close-huu-nghi-youyiguan"].solve["objective_usd"]


def test_cli_sweep_window_days_solves_each_scenario_in_windows(client, plan, tmp_path):
    """``borderflow sweep --window-days`` applies to dated sweeps: alone, every scenario is
    solved in windows (an approximation: not priced, said so, never below the one-LP
    optimum); with ``--method exact-windows`` the reference is solved through windows and each
    scenario re-solves warm to the optimum of a cold one-LP solve. Either way it is recorded:
    each scenario's ``run.json`` names the structure's rolling horizon (2-day windows, exact
    or not) and its options ``rolling``, the sweep's ``plan.json`` its options."""
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from borderflow.cli import app
    from borderflow.sweeps import partition

    spec = tmp_path / "grid.yaml"
    spec.write_text(f"grid:\n  crossings: [huu-nghi-youyiguan]\n  days: [3]\n"
                    f"  from: {START + dt.timedelta(days=1)}\n"
                    f"  horizon: {{start: {START}, days: 5}}\n")
    cold = {n: _solve(plan, n, ModelCache(), warm=False).solve["objective_usd"]
            for n in ("baseline", "close-huu-nghi-youyiguan")}
    for extra, exact in ((["--window-days", "2"], False),
                         (["--window-days", "2", "--method", "exact-windows"], True)):
        out = tmp_path / ("exact" if exact else "windows")
        res = CliRunner().invoke(app, ["sweep", str(spec), "--data", str(CG), "--out",
                                       str(out), "--scheduler", client.scheduler.address,
                                       "--no-progress", *extra])
        assert res.exit_code == 0, res.output
        comp = pd.read_csv(out / "comparison.csv").set_index("scenario")
        assert (comp["status"] == "optimal").all()
        plan_opts = json.loads((out / "plan.json").read_text())["options"]
        assert plan_opts["rolling"]["window_days"] == 2
        assert plan_opts["rolling"]["exact"] is exact
        for name, objective in zip(comp.index, comp["objective_usd"]):
            summary = json.loads((partition(out, name) / "summary.json").read_text())
            assert summary["exact"] is exact, name
            run = json.loads((partition(out, name) / "run.json").read_text())
            for rolling in (run["structure"]["rolling"], run["options"]["rolling"]):
                assert rolling["window_days"] == 2 and rolling["exact"] is exact, name
            key = "baseline" if "baseline" in name else "close-huu-nghi-youyiguan"
            if exact:
                assert summary["routing"] == "certified"
                assert objective == pytest.approx(cold[key], rel=1e-6)
            else:
                assert summary["routing"] == "restricted" and summary["rolling_windows"] > 1
                assert objective >= cold[key] - 1e-6 * abs(cold[key])
