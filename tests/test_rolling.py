"""Rolling-horizon solves of dated runs: hand-computed optima window by window, feasibility of
the stitched solution (checked by the independent verifier), and the exact LP as a bound."""

from __future__ import annotations

import pytest
from helpers import (check_closure_queue, must_deliver_through_a_shut_gate,
                     solve_closure, throttled_scenario)
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.data.scenario import Scenario
from borderflow.options import RunOptions
from borderflow.solvers.highs import InfeasibleError
from borderflow.solvers.rolling import RollingHorizon, windows
from borderflow.verify import verify_solved

TOL = 1e-6


def rolling(window: int, overlap: int | None = 0) -> RunOptions:
    return RunOptions(rolling=RollingHorizon(window_days=window, overlap_days=overlap))


def test_windows_commit_every_day_once_and_look_ahead_at_least_the_models_reach():
    plan = windows(10, RollingHorizon(window_days=4, overlap_days=1), min_overlap_days=2)
    assert [(w.first_day, w.commit_end, w.end) for w in plan] == [(0, 4, 6), (4, 8, 10),
                                                                  (8, 10, 10)]
    # no overlap asked: the model's horizon of consequences (its longest queue wait)
    plan = windows(10, RollingHorizon(window_days=4), min_overlap_days=2, default_overlap_days=3)
    assert [(w.first_day, w.commit_end, w.end) for w in plan] == [(0, 4, 7), (4, 8, 10),
                                                                  (8, 10, 10)]
    with pytest.raises(ValueError):
        RollingHorizon(window_days=0)


def test_closure_queue_is_the_hand_computed_one_in_two_day_windows(solve_tiny, tiny_tables):
    run = solve_closure(solve_tiny, tiny_tables, options=rolling(2))
    assert run.solve.windows == 13  # 5 days + the 21-day run-out tail, 2 days a window
    check_closure_queue(run)


@pytest.mark.parametrize("window, overlap", [(1, 0), (3, 1), (7, 2), (3, None)])
def test_stitched_solution_is_feasible_and_no_better_than_the_exact_optimum(
        solve_tiny, tiny_tables, window, overlap):
    scenario = throttled_scenario(tiny_tables)
    exact = solve_tiny(tiny_tables, scenario)
    run = solve_tiny(tiny_tables, scenario, options=rolling(window, overlap))
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].head()
    assert run.solve.objective_usd >= exact.solve.objective_usd - TOL
    assert run.results.summary["objective_usd"] == pytest.approx(run.solve.objective_usd,
                                                                 rel=1e-9)


def test_one_window_over_the_whole_horizon_is_the_exact_optimum(solve_tiny, tiny_tables):
    scenario = throttled_scenario(tiny_tables)
    exact = solve_tiny(tiny_tables, scenario)
    run = solve_tiny(tiny_tables, scenario, options=rolling(100))
    assert run.solve.windows == 1
    assert run.solve.objective_usd == pytest.approx(exact.solve.objective_usd, rel=1e-9)


def test_static_runs_ignore_the_rolling_horizon(solve_tiny, tiny_tables):
    run = solve_tiny(tiny_tables, Scenario(), options=rolling(2))
    assert run.solve.windows == 0
    assert run.solve.objective_usd == pytest.approx(-200 * 989, abs=TOL)


def test_an_infeasible_window_is_named_by_its_days(solve_tiny, tiny_tables):
    # day 4's cargo would expire on day 7, which the fourth 2-day window (days 6-7) is the
    # first to see
    scenario = must_deliver_through_a_shut_gate(tiny_tables)
    with pytest.raises(InfeasibleError) as info:
        solve_tiny(tiny_tables, scenario, options=rolling(2))
    assert str(info.value).startswith("rolling horizon, window 4 of 16 (days 6-7): infeasible")
    assert info.value.exit_code == 4


def test_cli_solves_a_scenario_file_in_windows(tmp_path):
    scenario = tmp_path / "month.yaml"
    scenario.write_text("name: month\nhorizon: {start: 2023-01-01, days: 30}\n")
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", "--scenario", str(scenario), "--window-days", "10",
                                   "--overlap-days", "3", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    import json

    summary = json.loads((out / "summary.json").read_text())
    assert summary["rolling_windows"] == 6  # 30 days + 21-day run-out tail, 10 a window
    assert summary["exact"] is False and "approximation" in summary["solve_method"]
    meta = json.loads((out / "run.json").read_text())
    assert meta["options"]["rolling"] == {"window_days": 10, "overlap_days": 3, "exact": False}
