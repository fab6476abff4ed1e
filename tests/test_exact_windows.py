"""The exact long-horizon path of dated runs: rolling windows, then the whole LP by crossover
and the primal simplex from their solution (:mod:`borderflow.solvers.rolling`, ``exact``).

Its optimum must be the one-LP optimum (not the windows' approximation), its solution must pass
the independent verifier, its summary must say how it was solved, and the rule that picks it
(:meth:`borderflow.options.RunOptions.rolling_for`) must be the documented one."""

from __future__ import annotations

import json

import pytest
from helpers import must_deliver_through_a_shut_gate, throttled_scenario
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.options import EXACT_WINDOWS, RunOptions
from borderflow.pipeline import solve_baseline
from borderflow.solvers.highs import InfeasibleError
from borderflow.solvers.rolling import RollingHorizon
from borderflow.verify import verify_solved

REL = 1e-6


def exact(window: int, overlap: int | None = 0) -> RunOptions:
    return RunOptions(rolling=RollingHorizon(window, overlap, exact=True))


@pytest.mark.parametrize("window, overlap", [(1, 0), (3, 1), (7, None)])
def test_exact_windows_reach_the_one_lp_optimum_and_pass_the_verifier(
        solve_tiny, tiny_tables, window, overlap):
    scenario = throttled_scenario(tiny_tables)
    one_lp = solve_tiny(tiny_tables, scenario)
    approx = solve_tiny(tiny_tables, scenario,
                        options=RunOptions(rolling=RollingHorizon(window, overlap)))
    run = solve_tiny(tiny_tables, scenario, options=exact(window, overlap))
    assert one_lp.solve.windows == 0 and run.solve.windows > 1
    assert run.solve.objective_usd == pytest.approx(one_lp.solve.objective_usd, rel=REL)
    # the windows alone were an approximation (myopic with 1-day windows and no look-ahead);
    # the exact path is never worse than them
    assert run.solve.objective_usd <= approx.solve.objective_usd + 1e-6
    assert run.results.summary["objective_usd"] == pytest.approx(run.solve.objective_usd,
                                                                 rel=1e-9)
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].head()
    s = run.results.summary
    assert s["exact"] is True and s["rolling_windows"] == run.solve.windows
    assert s["solve_method"].startswith("rolling windows, then the whole LP")
    a = approx.results.summary
    assert a["exact"] is False and "approximation" in a["solve_method"]


def test_myopic_windows_cost_more_and_the_exact_path_recovers_the_optimum(
        solve_tiny, tiny_tables):
    scenario = throttled_scenario(tiny_tables)
    one_lp = solve_tiny(tiny_tables, scenario)
    approx = solve_tiny(tiny_tables, scenario, options=RunOptions(rolling=RollingHorizon(1, 0)))
    run = solve_tiny(tiny_tables, scenario, options=exact(1, 0))
    assert approx.solve.objective_usd > one_lp.solve.objective_usd + 1.0  # a real gap
    assert run.solve.objective_usd == pytest.approx(one_lp.solve.objective_usd, rel=REL)


def test_the_baseline_of_an_exact_run_is_exact_too(solve_tiny, tiny_tables):
    scenario = throttled_scenario(tiny_tables)
    run = solve_tiny(tiny_tables, scenario, options=exact(3, 1))
    net, base = solve_baseline(run)
    assert base.summary["solve_method"].startswith("rolling windows, then the whole LP")
    cold = solve_tiny(tiny_tables, net.scenario)
    assert base.summary["objective_usd"] == pytest.approx(cold.solve.objective_usd, rel=REL)


def test_an_infeasible_window_falls_back_to_the_whole_lp_which_explains_it(
        solve_tiny, tiny_tables):
    scenario = must_deliver_through_a_shut_gate(tiny_tables)
    with pytest.raises(InfeasibleError) as info:
        solve_tiny(tiny_tables, scenario, options=exact(2))
    assert not str(info.value).startswith("rolling horizon")  # the whole model's IIS
    assert "durian" in str(info.value)


def test_the_rule_exact_windows_from_30_days_windows_alone_only_when_asked():
    auto = RunOptions()
    assert auto.rolling_for(29) is None and auto.rolling_for(30) == EXACT_WINDOWS
    assert EXACT_WINDOWS.exact and (EXACT_WINDOWS.window_days, EXACT_WINDOWS.overlap_days) \
        == (7, 4)
    assert RunOptions.of(method="lp").rolling_for(365) is None
    assert RunOptions.of(window_days=10).rolling_for(365) == RollingHorizon(10, None)
    assert RunOptions.of(method="windows").rolling_for(5) == RollingHorizon(14, None)
    assert RunOptions.of(method="exact-windows", window_days=10).rolling_for(5) \
        == RollingHorizon(10, 4, exact=True)
    assert RunOptions.of(method="exact-windows").rolling_for(5) == EXACT_WINDOWS
    with pytest.raises(ValueError):
        RunOptions.of(method="lp", window_days=7)
    with pytest.raises(ValueError):
        RunOptions.of(method="fast")


@pytest.mark.parametrize("args, option", [(["--method", "lp", "--window-days", "7"],
                                           "--window-days"),
                                          (["--method", "fastest"], "--method")])
def test_cli_refuses_a_bad_method_in_one_line(tmp_path, args, option):
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", *args, "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert option in res.output and "Traceback" not in res.output
    assert not out.exists()


def test_static_summary_names_the_one_lp_method(solve_tiny, tiny_tables):
    run = solve_tiny(tiny_tables)
    s = run.results.summary
    assert s["exact"] is True and s["solve_method"].startswith("one LP")
    assert json.loads(json.dumps(s))["solve_method"] == s["solve_method"]

