"""Stream aggregation of dated queues (``RunOptions.aggregate_streams``, ``--aggregate-streams``;
model/streams.py): pairs that share gate, direction, product, market, days to market and wait
share one queue, and the result tables split it back per pair first in, first out.

Network: the tiny dataset (tests/tiny.py) with X2 closed and a second origin O2 that reaches A1
by its own 50 km, 5 h road, so the routes O -> X1 -> M (11 USD/t) and O2 -> X1 -> M
((50 + 100 + 20) / 20 = 8.5 USD/t) queue at X1 with the same key: one stream for two pairs.
Each origin supplies 100 t/day (5 trucks); X1 takes 15 trucks/day and is closed on days 1-2.

By hand, with 10 trucks of O2's durian already waiting at X1, one day old:

- day 0: 10 + 5 + 5 trucks present, 15 cross: FIFO sends the old queue (O2, 200 t) and half
  of the day's cohort (50 t from each origin); 100 t wait (50 t each);
- days 1-2 closed: 200 t arrive each day, 300 then 500 t wait;
- days 3-4: 15 trucks (300 t) cross a day, oldest first: the rest of day 0 and day 1 (150 t
  from each origin) on day 3, then day 2's cohort and half of day 3's on day 4;
- the queue (trucks at the end of each day): 5, 15, 25, 20, 15, then the run-out days clear
  it at 15 a day: 0.

The per-pair model reaches the same optimum (the aggregated LP is exact when its solution is
FIFO), the verifier passes the split, and a run whose aggregated LP writes cargo off early
falls back to the per-pair model and says so.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import dated, day, phantom_write_off, queue_series, two_origins

import borderflow as bf
from borderflow.data.scenario import CloseEvent, Horizon, InitialQueue, Scenario, Window
from borderflow.options import RunOptions
from borderflow.verify import verify_solved

TOL = 1e-6
AGG = RunOptions(aggregate_streams=True)


def _closure_with_old_queue() -> Scenario:
    close = CloseEvent(crossing="x1", close=Window(**{"from": day(1), "to": day(2)}))
    old = InitialQueue(crossing="x1", product="durian", trucks=10, age_days=1, origin="vn-o2")
    return dated("shared-stream", 5, close, queues=(old,))


def _pair_series(run, origin: str, column: str, n: int = 5) -> np.ndarray:
    s = run.results.stream_queues
    s = s[s["origin"] == origin].set_index("period")[column]
    return np.array([s.get(k, 0.0) for k in range(n)])


def test_two_routes_share_one_queue_and_split_back_first_in_first_out(solve_tiny, tiny_tables):
    two_origins(tiny_tables)
    run = solve_tiny(tiny_tables, _closure_with_old_queue(), options=AGG)
    s = run.results.summary
    streams = run.built.streams.set_index("crossing_id")
    assert streams.loc["x1", "pairs"] == 2  # (X2 is closed: its one pair carries nothing)
    assert s["stream_aggregation"]["queue_streams"] == len(streams) == 2
    assert s["stream_aggregation"]["queue_pairs"] == 3
    assert s["stream_aggregation"]["split"].startswith("exact: first-in-first-out split passed")
    assert s["exact"] is True and "fifo_repair" not in s
    assert queue_series(run, 6) == pytest.approx([5, 15, 25, 20, 15, 0], abs=TOL)
    # the cohort split: the old queue (O2's) crosses first on day 0, then half of day 0
    assert _pair_series(run, "vn-o2", "departures_t") == pytest.approx([250, 0, 0, 150, 150],
                                                                       abs=TOL)
    assert _pair_series(run, "vn-o", "departures_t") == pytest.approx([50, 0, 0, 150, 150],
                                                                      abs=TOL)
    assert _pair_series(run, "vn-o", "queue_t") == pytest.approx([50, 150, 250, 200, 150],
                                                                 abs=TOL)
    init = run.results.initial_queues
    assert init["origin"].tolist() == ["vn-o2"] and init["initial_t"].tolist() == \
        pytest.approx([200], abs=TOL)
    # waiting: (5 + 15 + 25 + 20 + 15) truck-days x 40 USD
    assert s["waiting_cost_usd"] == pytest.approx(80 * 40, abs=TOL)
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()
    # the split's own check fails on a solution that is not FIFO-consistent: 100 t more
    # leave on day 3 than the stream's queue lets go
    from borderflow.model.streams import pair_view

    built = run.built
    (q3,) = built.index.queue_index([int(streams.loc["x1", "k"])], [3])
    dep = built.model.departures[int(q3)]
    dep.set_value(dep.value + 100.0, skip_validation=True)
    _, split = pair_view(run.net, built)
    assert split.max_violation_t == pytest.approx(100.0, abs=TOL) and not split.passed
    assert split.as_dict()["split"].startswith("failed")


def test_the_per_pair_model_reaches_the_same_optimum(solve_tiny, tiny_tables):
    two_origins(tiny_tables)
    agg = solve_tiny(tiny_tables, _closure_with_old_queue(), options=AGG)
    per_pair = solve_tiny(tiny_tables, _closure_with_old_queue(),
                          options=RunOptions(aggregate_streams=False))
    assert len(per_pair.built.streams) == 3 and not per_pair.built.index.aggregated
    assert "stream_aggregation" not in per_pair.results.summary
    a, p = agg.results.summary, per_pair.results.summary
    assert a["objective_usd"] == pytest.approx(p["objective_usd"], rel=1e-9)
    for key in ("waiting_cost_usd", "shipped_t", "lost_value_usd", "transport_cost_usd"):
        assert a[key] == pytest.approx(p[key], abs=1e-6), key
    assert a["variables"] < p["variables"] and a["constraints"] < p["constraints"]
    # the gate's queue is the same; only the split of the stream per pair may differ at ties
    pd.testing.assert_frame_equal(agg.results.queues, per_pair.results.queues, atol=1e-6)
    assert list(agg.results.stream_queues.columns) == list(per_pair.results.stream_queues.columns)


def test_an_early_write_off_falls_back_to_the_per_pair_model(solve_tiny, tiny_tables):
    """The phantom write-off of tests/test_fifo_writeoffs.py (one stream: W = 2, two initial
    queues aged 2 and 0 days, X1 takes 10 trucks on day 0 then closes): the aggregated LP
    writes the young queue off early as the per-pair LP does; the run falls back, solves per
    pair and reports the per-pair run's FIFO repair (-98,800 USD, 800 USD from the bound)."""
    run = solve_tiny(tiny_tables, phantom_write_off(tiny_tables), options=AGG)
    s = run.results.summary
    assert s["objective_usd"] == pytest.approx(-98_800, abs=TOL)
    assert s["fifo_repair"]["gap_usd"] == pytest.approx(800, abs=TOL)
    assert "solved again per pair" in s["stream_aggregation"]["fallback"]
    assert not run.built.index.aggregated and run.options.aggregate_streams
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()


DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("window_start", [False, True])
def test_priced_routes_join_streams_and_stay_certified(window_start):
    """cg-three-borders over one day (tests/test_window_pricing.py): pricing adds R3 to an
    aggregated model, certified at the hand optimum s x (61.5 - 2,000) USD, verified."""
    ds = bf.load_dataset(DATA / "cg-three-borders", check_borders=False)
    scenario = Scenario(name="days", horizon=Horizon(start=dt.date(2024, 1, 1), days=1))
    options = RunOptions.of(method="exact-windows", window_days=1, aggregate_streams=True,
                            window_pricing=window_start)
    res = bf.solve(ds, scenario, options=options)
    s = res.summary
    assert s["objective_usd"] == pytest.approx(73_000 / 12 / 31 * (61.5 - 2000), rel=1e-9)
    assert s["routing"] == "certified" and s["verified"] is True
    assert s["pricing"]["routes_generated"] == 1
    assert s["stream_aggregation"]["split"].startswith("exact")


def test_the_option_is_recorded_only_when_given_and_refused_where_it_cannot_serve(tmp_path):
    assert "aggregate_streams" not in RunOptions().recorded()  # the default: on where it can
    assert AGG.recorded()["aggregate_streams"] is True
    assert RunOptions(aggregate_streams=False).recorded()["aggregate_streams"] is False
    assert AGG.aggregation_problem(dated=True) == ""
    assert "dated horizon" in AGG.aggregation_problem(dated=False)
    assert replace(AGG, dispatch="realistic").aggregation_problem(dated=True) == ""  # streams
    assert "extra constraints" in AGG.aggregation_problem(dated=True, extended=True)
    assert RunOptions().aggregation_problem(dated=False) == ""


def test_cli_records_the_option_and_refuses_a_static_run(tmp_path):
    from typer.testing import CliRunner

    from borderflow.cli import app

    cli = CliRunner()
    out = tmp_path / "static"
    bad = cli.invoke(app, ["solve", "--aggregate-streams", "--out", str(out)])
    assert bad.exit_code == 2 and "--aggregate-streams" in bad.output
    assert "dated horizon" in bad.output and not out.exists()
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: week\nhorizon:\n  start: 2023-03-01\n  days: 3\n")
    good = tmp_path / "dated"
    ok = cli.invoke(app, ["solve", "--scenario", str(scenario), "--aggregate-streams",
                          "--out", str(good)])
    assert ok.exit_code == 0, ok.output
    run = json.loads((good / "run.json").read_text())
    assert run["options"]["aggregate_streams"] is True
    summary = json.loads((good / "summary.json").read_text())
    assert summary["stream_aggregation"]["split"].startswith("exact")
    assert summary["verified"] is True


def test_a_dated_sweep_with_stream_queues_gives_the_per_pair_optima():
    """cg-three-borders, 5 days, each gate closed on days 1-3 (tests/test_sweep_dated.py):
    every scenario re-solved warm on the kept aggregated model has the optimum of the per-pair
    sweep, certified, and its split passed; the structure records the option."""
    from helpers import CG_DATA, CG_GATES, CG_START

    from borderflow.data.dataset import load_dataset
    from borderflow.sweeps import Job, ModelCache, plan_scenarios, solve_job

    horizon = Horizon(start=CG_START, days=5)
    shut = Window(**{"from": CG_START + dt.timedelta(days=1),
                     "to": CG_START + dt.timedelta(days=3)})
    scenarios = [Scenario(name="baseline", horizon=horizon)] + [
        Scenario(name=f"close-{g}", horizon=horizon, events=(CloseEvent(crossing=g, close=shut),))
        for g in CG_GATES]
    tables = load_dataset(CG_DATA)
    plans = {agg: plan_scenarios(scenarios, data=CG_DATA, tables=tables,
                                 options=RunOptions(aggregate_streams=agg))
             for agg in (True, False)}
    (structure,) = plans[True].structures.values()
    assert structure.aggregate and structure.payload()["aggregate_streams"] is True
    assert "aggregate_streams" not in next(iter(plans[False].structures.values())).payload()
    objective = {}
    for agg, plan in plans.items():
        cache = ModelCache()
        for name in plan.names():
            e = plan.entry(name)
            out = solve_job(Job(e.scenario, plan.structures[e.structure], True), cache)
            assert out.status == "optimal", out.message
            assert out.results.summary["routing"] == "certified"
            assert ("stream_aggregation" in out.results.summary) == agg
            if agg:
                assert out.results.summary["stream_aggregation"]["split"].startswith("exact")
            objective[agg, name] = out.solve["objective_usd"]
    for name in plans[False].names():
        assert objective[True, name] == pytest.approx(objective[False, name], rel=1e-9), name


def test_the_class_fifo_replay_reads_stream_queues_as_the_per_pair_model(solve_tiny,
                                                                        tiny_tables):
    """The class-FIFO replay (``clearance_order="class-fifo"``, model/class_fifo.py) runs on the
    aggregated model's streams before the split: the same bounds as on the per-pair model, and
    the verifier's own class replay (per pair, from the tables) passes."""
    two_origins(tiny_tables)
    runs = [solve_tiny(tiny_tables, _closure_with_old_queue(),
                       options=RunOptions(clearance_order="class-fifo", aggregate_streams=agg))
            for agg in (True, False)]
    agg, per_pair = (r.results.summary for r in runs)
    # the split serves each stream's pairs oldest cohort first: nothing out of order (the
    # per-pair LP may break the tie another way: the old queue after younger cargo); the
    # bounds are the same
    assert agg["class_fifo"]["out_of_order_t"] == pytest.approx(0.0, abs=1e-6)
    assert per_pair["class_fifo"]["out_of_order_t"] >= 0.0
    for key in ("lp_lower_bound_usd", "replayed_objective_usd"):
        assert agg["class_fifo"][key] == pytest.approx(per_pair["class_fifo"][key], abs=1e-6)
    assert agg["objective_usd"] == pytest.approx(per_pair["objective_usd"], rel=1e-9)
    report = verify_solved(runs[0])
    assert report["ok"].all(), report[~report["ok"]].to_string()
