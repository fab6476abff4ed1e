"""The default dispatch ``auto`` (issue 18 item 1): realistic for a dated run that learns news
after its first day, foresight otherwise, with the reason in the summary, ``run.json`` and the
command line; commands that need the optimum run it as foresight and say why.

The network is ``test_realistic.py``'s (tests/helpers.py ``realistic_network``): X1 closed on
days 2-3 costs 3,000 USD more without foresight when the closure is a surprise, nothing when it
is announced on day 0.
"""

from __future__ import annotations

import json

import pytest
from helpers import day, dated, realistic_network

from borderflow.data.errors import InputError
from borderflow.data.scenario import CloseEvent, Horizon, Scenario, Window
from borderflow.model.information import resolve_dispatch
from borderflow.options import RunOptions, for_optimum


def _run(tmp_path, tables, scenario=None):
    """``run_scenario`` with the default options (``solve_tiny`` pins foresight)."""
    import tiny

    from borderflow.data.dataset import load_dataset
    from borderflow.pipeline import run_scenario

    folder = tiny.write(tmp_path / "data", tables)
    return run_scenario(load_dataset(folder, check_borders=False), scenario)


def _closure(**kw) -> CloseEvent:
    return CloseEvent(crossing="x1", close=Window(**{"from": day(2), "to": day(3)}), **kw)


def test_auto_is_realistic_for_a_surprise_and_foresight_when_known_from_day_0():
    surprise = dated("surprise", 6, _closure())
    mode, why = resolve_dispatch("auto", surprise)
    assert mode == "realistic"
    assert why == ("auto: news arrives during the run (1 news day, the first 2024-01-03): each "
                   "day is planned on the calendar as announced, beside the perfect-foresight "
                   "bound")
    known = dated("known", 6, _closure(announced=day(0)))
    assert resolve_dispatch("auto", known) == (
        "foresight", "auto: every event is known from the first day, so the realistic "
                     "dispatch is the foresight optimum")
    # announced before the horizon starts: known from day 0 too
    early = dated("early", 6, _closure(announced=day(0) - __import__("datetime").timedelta(3)))
    assert resolve_dispatch("auto", early)[0] == "foresight"
    # a reopening date learnt later is news too
    assert resolve_dispatch("auto", dated("later", 6, _closure(
        announced=day(0), reopening_announced=day(3))))[0] == "realistic"
    static = Scenario(name="s", horizon=Horizon(month=1))
    assert resolve_dispatch("auto", static) == (
        "foresight", "auto: a static run has no days on which news could arrive")
    assert resolve_dispatch("foresight", surprise) == ("foresight", "asked for (foresight)")
    assert resolve_dispatch("realistic", known) == ("realistic", "asked for (realistic)")
    with pytest.raises(InputError, match="must be one of auto, foresight, realistic"):
        resolve_dispatch("sometimes", surprise)


def test_commands_that_need_the_optimum_run_auto_as_foresight_and_refuse_realistic():
    options, why = for_optimum(RunOptions(), "a sweep")
    assert options.dispatch == "foresight"
    assert why == "auto: a sweep needs the optimum of each scenario it solves (perfect foresight)"
    with pytest.raises(InputError, match="a sweep needs the optimum of each scenario it solves; "
                                         "a realistic dispatch is a policy simulation"):
        for_optimum(RunOptions(dispatch="realistic"), "a sweep")
    assert RunOptions().dispatch == "auto" and "dispatch" not in RunOptions().recorded()
    assert RunOptions(dispatch="foresight").recorded()["dispatch"] == "foresight"


def test_a_default_run_of_a_surprise_is_realistic_with_its_bound(tmp_path, tiny_tables):
    run = _run(tmp_path, realistic_network(tiny_tables), dated("surprise", 6, _closure()))
    s = run.results.summary
    assert s["dispatch"] == "realistic" and s["status"] == "simulated"
    assert s["dispatch_reason"].startswith("auto: news arrives during the run")
    assert s["value_of_foresight_usd"] == pytest.approx(3000, abs=1e-6)
    assert list(s).index("dispatch_reason") == list(s).index("dispatch") + 1
    assert run.options.dispatch == "auto"  # what was asked; run.json: what ran and why
    meta = run.metadata()
    assert "dispatch" not in meta["options"]
    assert meta["effective_options"]["dispatch"] == {
        "asked": "auto", "ran": "realistic", "why": s["dispatch_reason"]}


def test_a_default_run_of_a_closure_known_from_day_0_is_the_foresight_optimum(
        tmp_path, tiny_tables):
    run = _run(tmp_path, realistic_network(tiny_tables),
               dated("known", 6, _closure(announced=day(0))))
    s = run.results.summary
    assert s["dispatch"] == "foresight" and s["status"] == "optimal"
    assert s["dispatch_reason"].startswith("auto: every event is known from the first day")
    assert "value_of_foresight_usd" not in s
    assert run.metadata()["effective_options"]["dispatch"]["ran"] == "foresight"


def test_a_static_run_records_no_dispatch_reason(tmp_path, tiny_tables):
    run = _run(tmp_path, tiny_tables)
    assert "dispatch_reason" not in run.results.summary
    assert "dispatch" not in run.metadata()["effective_options"]


def _cli(tmp_path, tiny_tables, *args, scenario="--scenario"):
    from clitools import invoke
    from helpers import border_data
    from typer.testing import CliRunner

    from borderflow.cli import app

    data = border_data(tmp_path, "data", realistic_network(tiny_tables))
    path = tmp_path / "surprise.yaml"
    path.write_text("name: surprise\nhorizon: {start: 2024-01-01, days: 6}\nevents:\n"
                    "  - {crossing: x1, close: {from: 2024-01-03, to: 2024-01-04}}\n")
    return invoke(CliRunner(), app, [*args, *([scenario] if scenario else []), str(path),
                                     "--data", str(data)])


def test_cli_solve_prints_the_dispatch_it_chose_and_why(tmp_path, tiny_tables):
    out = tmp_path / "run"
    result = _cli(tmp_path, tiny_tables, "solve", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "dispatch: realistic (auto: news arrives during the run (1 news day, the first " \
           "2024-01-03)" in " ".join(result.output.split())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["dispatch"] == "realistic" and summary["verified"] is True
    meta = json.loads((out / "run.json").read_text())
    assert meta["effective_options"]["dispatch"]["asked"] == "auto"
    import pandas as pd

    report = pd.read_csv(out / "verification.csv")
    rule = report[report["check"] == "dispatch_rule"]
    assert len(rule) == 1 and bool(rule["ok"].iloc[0]), rule


def test_cli_realistic_plans_on_streams_by_default_and_per_pair_when_asked(tmp_path,
                                                                          tiny_tables):
    """The default realistic run (auto) plans on the aggregated streams (session 32): run.json
    and the summary say so; ``--per-pair-streams`` gives the per-pair plans. On this network
    both policies are the hand-computed one (value of foresight 3,000 USD, ten trucks queued
    at X1 at the end of days 2 and 3), and both folders verify."""
    runs = {}
    for name, extra in (("streams", ()), ("pairs", ("--per-pair-streams",))):
        out = tmp_path / f"{name}-run"
        result = _cli(tmp_path / name, tiny_tables, "solve", *extra, "--out", str(out))
        assert result.exit_code == 0, result.output
        summary = json.loads((out / "summary.json").read_text())
        meta = json.loads((out / "run.json").read_text())
        assert summary["dispatch"] == "realistic" and summary["verified"] is True
        assert summary["value_of_foresight_usd"] == pytest.approx(3000, abs=1e-6)
        runs[name] = summary, meta["effective_options"]["aggregate_streams"], meta["options"]
    (s, streams, asked), (p, pairs, asked_pairs) = runs["streams"], runs["pairs"]
    assert streams == {"on": True, "why": "the default of dated runs"}
    assert "aggregate_streams" not in asked  # the default, not asked for
    assert s["stream_aggregation"]["split"].startswith("exact")
    assert "fallback" not in s["stream_aggregation"]
    assert pairs["on"] is False and "--per-pair-streams" in pairs["why"]
    assert asked_pairs["aggregate_streams"] is False and "stream_aggregation" not in p
    for key in ("objective_usd", "foresight_objective_usd", "waiting_cost_usd"):
        assert s[key] == pytest.approx(p[key], abs=1e-6), key


def test_cli_sweep_runs_auto_as_foresight_and_says_so(tmp_path, tiny_tables, client):
    from borderflow.sweeps import partition

    out = tmp_path / "sweep"
    result = _cli(tmp_path, tiny_tables, "sweep", "--out", str(out), "--scheduler",
                  client.scheduler.address, "--no-progress", scenario=None)
    assert result.exit_code == 0, result.output
    assert "dispatch: foresight (auto: a sweep needs the optimum of each scenario it solves " \
           "(perfect foresight))" in " ".join(result.output.split())
    plan = json.loads((out / "plan.json").read_text())
    assert plan["dispatch_reason"].startswith("auto: a sweep needs the optimum")
    summary = json.loads((partition(out, "surprise") / "summary.json").read_text())
    assert summary["dispatch"] == "foresight" and summary["status"] == "optimal"


def test_a_sweep_refuses_a_realistic_dispatch(tiny_tables, tmp_path):
    from helpers import border_data

    from borderflow.sweeps.plan import plan_scenarios

    data = border_data(tmp_path, "data", realistic_network(tiny_tables))
    with pytest.raises(InputError, match="a sweep needs the optimum"):
        plan_scenarios([dated("surprise", 6, _closure())], data=data,
                       options=RunOptions(dispatch="realistic"))
