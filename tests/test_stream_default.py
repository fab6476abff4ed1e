"""Stream aggregation and the window-priced start as the default of dated runs
(``RunOptions.aggregate_streams = None``, ``Pricing.window_start = None``; issue 20 target 1).

A dated run aggregates its queues per stream unless it cannot (extra constraints,
``--samples``; rolling windows alone, an approximation whose answer depends on each window's
tie-break): then it runs per pair without an error, and ``run.json``'s
``effective_options`` says which path ran and why. An explicit ``--aggregate-streams`` that
cannot serve is refused (exit 2, one line). ``--per-pair-streams`` and ``--no-window-pricing``
turn the defaults off. The optimum is the per-pair one; the fallback (the aggregated LP writes
cargo off early: solved again per pair) runs on the default path too. A realistic dispatch
plans on streams by default too (session 32; its fallback: the plans per pair where the
foresight run would fall back); ``--per-pair-streams`` gives it per-pair plans. Static runs
record nothing new.

Networks: the tiny dataset (tests/tiny.py) with the phantom write-off of
tests/test_fifo_writeoffs.py (the hand optimum -98,800 USD, 800 USD from the FIFO bound) and a
6-day closure of X1; cg-three-borders (tests/data) for the sweep, whose per-pair optima the
aggregated sweep must reproduce.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import tiny
from helpers import CG_DATA, dated, day, phantom_write_off, two_origins
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError
from borderflow.data.scenario import CloseEvent, Window
from borderflow.model.network import build_network
from borderflow.model.routes import RouteOptions, enumerate_routes
from borderflow.model.size import estimate_model_size
from borderflow.options import RunOptions
from borderflow.verify import verify_solved

TOL = 1e-6
PER_PAIR = RunOptions(aggregate_streams=False)


def _closure():
    return dated("x1-closed", 6, CloseEvent(crossing="x1",
                                            close=Window(**{"from": day(1), "to": day(2)})))


def _paths(run) -> dict:
    eff = run.metadata()["effective_options"]
    return {k: eff[k] for k in ("aggregate_streams", "window_pricing")}


def test_a_dated_run_aggregates_by_default_with_the_per_pair_optimum(solve_tiny):
    """The default dated run is the aggregated one (and records it); its optimum, gate queues
    and verifier outcome are the per-pair run's."""
    default = solve_tiny(None, _closure())
    per_pair = solve_tiny(None, _closure(), options=PER_PAIR)
    assert default.built.index.aggregated and not per_pair.built.index.aggregated
    assert default.results.summary["stream_aggregation"]["split"].startswith("exact")
    assert "stream_aggregation" not in per_pair.results.summary
    assert default.results.summary["objective_usd"] == pytest.approx(
        per_pair.results.summary["objective_usd"], rel=1e-12)
    assert default.results.queues["queue_trucks"].to_numpy() == pytest.approx(
        per_pair.results.queues["queue_trucks"].to_numpy(), abs=TOL)
    assert _paths(default) == {
        "aggregate_streams": {"on": True, "why": "the default of dated runs"},
        # 6 days: one LP, so the window-priced start has nothing to start from
        "window_pricing": {"on": False, "why": "not solved by exact windows"}}
    assert _paths(per_pair)["aggregate_streams"]["on"] is False
    assert "--per-pair-streams" in _paths(per_pair)["aggregate_streams"]["why"]
    assert "aggregate_streams" not in default.metadata()["options"]  # the default: not asked
    assert per_pair.metadata()["options"]["aggregate_streams"] is False
    for run in (default, per_pair):
        report = verify_solved(run)
        assert report["ok"].all(), report[~report["ok"]].to_string()


def test_runs_that_cannot_aggregate_run_per_pair_by_default_and_say_why(solve_tiny):
    """Extra constraints read the queues per pair, and rolling windows alone (an
    approximation) would commit other tie-breaks: by default they run per pair (no error) and
    say why; asked for explicitly, aggregation is refused where it cannot serve. A realistic
    dispatch plans on streams by default (session 32), per pair with --per-pair-streams."""
    realistic = solve_tiny(None, _closure(), options=RunOptions(dispatch="realistic"))
    assert realistic.built.index.aggregated
    assert _paths(realistic)["aggregate_streams"] == {"on": True,
                                                      "why": "the default of dated runs"}
    assert realistic.results.summary["stream_aggregation"]["split"].startswith("exact")
    assert _paths(realistic)["window_pricing"]["on"] is False
    pairs = solve_tiny(None, _closure(), options=RunOptions(dispatch="realistic",
                                                            aggregate_streams=False))
    assert not pairs.built.index.aggregated
    assert "--per-pair-streams" in _paths(pairs)["aggregate_streams"]["why"]
    assert "stream_aggregation" not in pairs.results.summary
    assert realistic.results.summary["objective_usd"] == pytest.approx(
        pairs.results.summary["objective_usd"], abs=TOL)  # one answer here (no tie, no repair)

    windows = solve_tiny(None, _closure(), options=RunOptions.of(method="windows",
                                                                  window_days=3))
    assert not windows.built.index.aggregated  # an approximation keeps its tie-breaks
    assert "rolling windows alone" in _paths(windows)["aggregate_streams"]["why"]

    def extra(model, index):  # a row over the flows: the pipeline must not aggregate
        return None

    extended = solve_tiny(None, _closure(), extra_constraints=extra)
    assert not extended.built.index.aggregated
    assert "extra constraints" in _paths(extended)["aggregate_streams"]["why"]
    with pytest.raises(InputError, match="--aggregate-streams"):
        solve_tiny(None, _closure(), options=RunOptions(aggregate_streams=True),
                   extra_constraints=extra)
    on_streams = solve_tiny(None, _closure(), options=RunOptions(aggregate_streams=True,
                                                                 dispatch="realistic"))
    assert on_streams.built.index.aggregated  # asked for: a realistic run plans on streams
    assert _paths(on_streams)["aggregate_streams"] == {
        "on": True, "why": "asked for (--aggregate-streams)"}


def test_the_fallback_runs_on_the_default_path(solve_tiny, tiny_tables):
    """The phantom write-off (tests/test_stream_aggregation.py): the default run's aggregated
    LP writes cargo off early, so it is solved again per pair, says so in the summary and in
    run.json, and reports the per-pair run's optimum and FIFO repair."""
    run = solve_tiny(tiny_tables, phantom_write_off(tiny_tables))
    s = run.results.summary
    assert s["objective_usd"] == pytest.approx(-98_800, abs=TOL)
    assert s["fifo_repair"]["gap_usd"] == pytest.approx(800, abs=TOL)
    assert "solved again per pair" in s["stream_aggregation"]["fallback"]
    assert not run.built.index.aggregated and run.options.aggregate_streams is None
    assert _paths(run)["aggregate_streams"] == {
        "on": False, "why": "per pair after the aggregated run: the aggregated LP wrote cargo "
                            "off before its deadline"}
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()


def test_the_size_check_estimates_the_aggregated_model(tmp_path):
    """With aggregation the estimate counts one queue per stream and day: exactly the columns
    of the queues the aggregated model builds, fewer than per pair; the flows the same."""
    from borderflow.model.formulation import build_model

    t = tiny.base_tables()
    two_origins(t)  # two pairs share the stream of X1
    ds = load_dataset(tiny.write(tmp_path / "data", t), check_borders=False)
    net = build_network(ds, _closure())
    routes = enumerate_routes(net, RouteOptions())
    sizes = {}
    for agg in (False, True):
        ix = build_model(net, routes, agg).index
        size = estimate_model_size(net, routes, agg)
        assert size.variables == len(ix.flows) + len(ix.unserved) + 3 * len(ix.queues), agg
        sizes[agg] = size
    assert sizes[True].variables < sizes[False].variables
    assert sizes[True].nonzeros < sizes[False].nonzeros


def _cli(*args, code: int = 0):
    res = CliRunner().invoke(app, [str(a) for a in args])
    assert res.exit_code == code, res.output
    return res


def test_cli_defaults_opt_outs_and_refusals(tmp_path):
    """``solve`` of a dated scenario aggregates by default (run.json says so and why);
    --per-pair-streams and --no-window-pricing are recorded; --samples runs per pair without
    an error but refuses an explicit --aggregate-streams; a static run records nothing new.

    The static run is of cg-three-borders (tests/data), not the embedded dataset: what
    ``run.json`` records is chosen from the run's kind and options, never from its data, so a
    static run recording a dated run's options fails here on any dataset (the embedded one
    only cost an embedded solve and verification more)."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: week\nhorizon:\n  start: 2023-03-01\n  days: 3\n")
    objective = {}
    for name, extra in (("default", ()), ("pairs", ("--per-pair-streams",
                                                     "--no-window-pricing"))):
        _cli("solve", "--scenario", scenario, *extra, "--out", tmp_path / name)
        run = json.loads((tmp_path / name / "run.json").read_text())
        summary = json.loads((tmp_path / name / "summary.json").read_text())
        eff = run["effective_options"]
        assert eff["aggregate_streams"]["on"] is (name == "default")
        assert ("stream_aggregation" in summary) is (name == "default")
        assert summary["verified"] is True
        objective[name] = summary["objective_usd"]
    assert run["options"]["aggregate_streams"] is False
    assert run["options"]["pricing"]["window_start"] is False
    assert eff["window_pricing"] == {"on": False, "why": "turned off (--no-window-pricing)"}
    assert objective["default"] == pytest.approx(objective["pairs"], rel=1e-12)
    bad = _cli("solve", "--scenario", scenario, "--aggregate-streams", "--samples", "2",
               "--out", tmp_path / "bad", code=2)
    assert "--samples" in bad.output and not (tmp_path / "bad").exists()
    static = tmp_path / "static"
    _cli("solve", "--data", CG_DATA, "--out", static)
    run = json.loads((static / "run.json").read_text())
    assert set(run["effective_options"]) == {"routes", "solver"}
    assert "aggregate_streams" not in run["options"]
    assert "window_start" not in run["options"]["pricing"]


def test_cli_sweep_of_dated_scenarios_aggregates_by_default(tmp_path):
    """``borderflow sweep`` of dated scenarios (cg-three-borders, 5 days, a gate closed on
    days 1-3): by default each scenario is solved on the kept aggregated model (its run.json
    says so, its split passed), with the optima of the same sweep per pair."""
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        "scenarios:\n"
        "  - name: close-boten\n"
        "    horizon: {start: 2024-01-01, days: 5}\n"
        "    events:\n"
        "      - {crossing: boten-mohan, close: {from: 2024-01-02, to: 2024-01-04}}\n"
        "  - name: close-huu-nghi\n"
        "    horizon: {start: 2024-01-01, days: 5}\n"
        "    events:\n"
        "      - {crossing: huu-nghi-youyiguan, close: {from: 2024-01-02, to: 2024-01-04}}\n")
    objective = {}
    for name, extra in (("agg", ()), ("pairs", ("--per-pair-streams",))):
        out = tmp_path / name
        _cli("sweep", sweep, "--data", CG_DATA, "--out", out, "--workers", "1",
             "--no-progress", *extra)
        runs = sorted(Path(out).rglob("run.json"))
        assert len(runs) >= 3  # two scenarios and their baseline
        for path in runs:
            run = json.loads(path.read_text())
            summary = json.loads((path.parent / "summary.json").read_text())
            assert summary["status"] == "optimal", summary.get("message")
            assert summary["routing"] == "certified"
            agg = run["effective_options"]["aggregate_streams"]
            assert agg["on"] is (name == "agg")
            assert ("aggregate_streams" in run["structure"]) is (name == "agg")
            if name == "agg":
                assert agg["why"] == "the default of dated runs"
                assert summary["stream_aggregation"]["split"].startswith("exact")
            objective[name, summary["scenario"]] = summary["objective_usd"]
    assert {k[1] for k in objective if k[0] == "agg"} == {k[1] for k in objective
                                                          if k[0] == "pairs"}
    for (_, scenario), value in objective.items():
        assert value == pytest.approx(objective["pairs", scenario], rel=1e-9), scenario


def test_recorded_options_keep_static_runs_as_they_were():
    """The defaults (None) are left out of ``options`` (a static run.json stays byte-identical);
    explicit choices are recorded; ``streams_for`` says which path a run takes and why."""
    from borderflow.options import recorded_pricing

    default = RunOptions()
    assert "aggregate_streams" not in default.recorded()
    assert "window_start" not in recorded_pricing(default.pricing)
    off = replace(default, pricing=replace(default.pricing, window_start=False))
    assert recorded_pricing(off.pricing)["window_start"] is False
    assert default.streams_for(dated=False) == (False, "a static run has no queues")
    assert default.streams_for(dated=True) == (True, "the default of dated runs")
    assert RunOptions(aggregate_streams=True).streams_for(dated=True)[1] == \
        "asked for (--aggregate-streams)"
    assert default.aggregation_problem(dated=False) == ""  # the default is never refused
    assert PER_PAIR.streams_for(dated=True)[0] is False


@pytest.mark.parametrize("asked", [None, True], ids=["default", "asked"])
def test_realistic_plans_on_streams_fall_back_per_pair_when_their_bound_would(solve_tiny,
                                                                              tiny_tables,
                                                                              asked):
    """A realistic run planning on streams (the default, or --aggregate-streams) whose
    aggregated foresight LP writes cargo off early (the phantom write-off: its optimum is not
    the per-pair one, so it is no bound) is solved with its plans per pair, as
    --per-pair-streams solves them, and says why."""
    options = RunOptions(dispatch="realistic", aggregate_streams=asked)
    run = solve_tiny(tiny_tables, phantom_write_off(tiny_tables), options=options)
    pairs = solve_tiny(tiny_tables, phantom_write_off(tiny_tables),
                       options=RunOptions(dispatch="realistic", aggregate_streams=False))
    s = run.results.summary
    assert not run.built.index.aggregated and run.options.aggregate_streams is asked
    assert "the realistic plans solved per pair" in s["stream_aggregation"]["fallback"]
    assert "wrote cargo off before its deadline" in s["stream_aggregation"]["fallback"]
    assert _paths(run)["aggregate_streams"] == {
        "on": False, "why": "per pair, the realistic plans too: the aggregated LP wrote cargo "
                            "off before its deadline"}
    assert "stream_aggregation" not in pairs.results.summary
    assert s["objective_usd"] == pytest.approx(pairs.results.summary["objective_usd"],
                                               abs=TOL)
    assert s["foresight_objective_usd"] == pytest.approx(
        pairs.results.summary["foresight_objective_usd"], abs=TOL)
    report = verify_solved(run)
    assert report["ok"].all(), report[~report["ok"]].to_string()
