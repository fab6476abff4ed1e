"""A realistic plan whose warm dual simplex reaches its iteration limit is solved again from
nothing by IPX with crossover (:func:`borderflow.solvers.informed.solve_informed`): the same
LP, so the same plan optima and, on these hand-computed tiny runs (one optimal vertex), the
same policy."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import REALISTIC, day, dated, realistic_network

from borderflow.data.scenario import CloseEvent, Window
from borderflow.solvers import informed


def _closure(**kw):
    return CloseEvent(crossing="x1", close=Window(**{"from": day(2), "to": day(3)}), **kw)


def _via_x2_t(run) -> float:
    c = run.results.crossings
    return float(c[(c["crossing_id"] == "x2") & (c["direction"] == "a_to_b")]["flow_t"].sum())


def _plans(monkeypatch, limit):
    """Record every solve_informed call's plan objectives and restarted plans."""
    seen = []
    real = informed.solve_informed

    def spy(*a, **kw):
        out = real(*a, **kw, warm_iteration_limit=limit)
        seen.append((out.plan_objectives, out.restarted, out.summary.method))
        return out

    monkeypatch.setattr("borderflow.dispatch.solve_informed", spy)
    return seen


@pytest.mark.parametrize("events,via_x2_t,vof_usd", [
    # surprise closure of X1 on days 2-3, reopening known only on day 4 (test_realistic.py)
    ((_closure(reopening_announced=day(4)),), 400, 4000),
    # announced in time: the foresight optimum
    ((_closure(announced=day(1)),), None, 0),
])
def test_plans_solved_from_nothing_by_ipx_have_the_warm_plans_optima(
        monkeypatch, solve_tiny, tiny_tables, events, via_x2_t, vof_usd):
    t = realistic_network(tiny_tables)
    scenario = dated("surprise", 6, *events)
    runs = {}
    for limit in (None, 0):
        seen = _plans(monkeypatch, limit)
        runs[limit] = (solve_tiny(t, scenario, options=REALISTIC), seen[-1])
    (warm, (warm_obj, warm_restarted, warm_method)) = runs[None]
    (ipx, (ipx_obj, ipx_restarted, ipx_method)) = runs[0]
    assert len(warm_obj) >= 2 and warm_restarted == ()
    assert "from nothing" not in warm_method
    assert ipx_restarted, "the 0-iteration limit sends a plan to IPX"
    assert f"{len(ipx_restarted)} of them solved from nothing by IPX" in ipx_method
    assert ipx_obj == pytest.approx(warm_obj, abs=1e-6)  # every plan's optimum
    for run in (warm, ipx):
        s = run.results.summary
        assert s["value_of_foresight_usd"] == pytest.approx(vof_usd, abs=1e-6)
        if via_x2_t is not None:
            assert _via_x2_t(run) == pytest.approx(via_x2_t, abs=1e-6)
    assert ipx.results.summary["objective_usd"] == pytest.approx(
        warm.results.summary["objective_usd"], abs=1e-6)


def test_the_ipx_restart_has_the_whole_time_limit_again(monkeypatch, solve_tiny, tiny_tables):
    """``--time-limit`` is HiGHS's wall-clock limit per solve: the warm attempt a plan abandons
    does not eat into the budget of its IPX restart (HiGHS compares ``time_limit`` with the
    instance's total run time, so the limit is moved on before IPX). Fails if the restart runs
    under the plan's first limit: its budget would be the limit less the warm attempt's time
    (HiGHS's run time advances only inside ``run()``, so the budgets are exact to rounding)."""
    budgets = []
    real_run = informed.run_highs

    def spy(h, log):
        budgets.append((h.getOptionValue("solver")[1],
                        h.getOptionValue("time_limit")[1] - h.getRunTime()))
        real_run(h, log)

    monkeypatch.setattr(informed, "run_highs", spy)
    monkeypatch.setattr(informed, "WARM_ITERATION_LIMIT", 0)
    limit_s = 600.0
    solve_tiny(realistic_network(tiny_tables),
               dated("surprise", 6, _closure(reopening_announced=day(4))),
               options=replace(REALISTIC, solver=replace(REALISTIC.solver,
                                                         time_limit_s=limit_s)))
    ipx = [b for s, b in budgets if s == "ipm"]
    assert ipx, "the 0-iteration limit sends a plan to IPX"
    assert all(b == pytest.approx(limit_s, abs=1e-9) for _, b in budgets)
