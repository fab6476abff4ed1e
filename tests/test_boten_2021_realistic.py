"""The shipped Boten 2021 scenario, run as a user runs it: ``borderflow solve --scenario
data/scenarios/boten-2021.yaml --out ...`` (dispatch ``auto`` -> realistic, its plans on the
aggregated streams: the default since session 32, docs/dynamics.md), end to end on the
embedded dataset, verified. One run, about 120-150 CPU s (docs/dynamics.md, "Boten 2021, both
modes (measured)"); slow, run by CI.

The story's key facts are asserted with tolerances wide enough for a re-fitted dataset and
narrow enough to catch a broken model: measured on 8 Dec 2026 (session 32) the value of
foresight is USD 94.9 m, 39,410 t spoil, and the queue at Boten (Laos -> China) grows from 41
trucks on 24 Oct to 2,906 on 4 Nov while ~300 trucks a day keep arriving at the closed gate.
Session 27's bug (the keep-coming floors covered no route flow of an aggregated model: nobody
kept coming) gave a value of foresight of ~22 m and 8,402 t spoiled: it fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from clitools import invoke
from typer.testing import CliRunner

from borderflow.cli import app

pytestmark = pytest.mark.slow

SCENARIO = Path(__file__).parents[1] / "data" / "scenarios" / "boten-2021.yaml"
GATE = ("boten-mohan", "a_to_b")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The folder of the default run of boten-2021 and the command's output."""
    out = tmp_path_factory.mktemp("boten") / "run"
    result = invoke(CliRunner(), app, ["solve", "--scenario", str(SCENARIO), "--out", str(out)],
                    seconds=3600)
    assert result.exit_code == 0, result.output
    return out, " ".join(result.output.split())


def test_the_default_run_is_realistic_on_streams_and_verified(run):
    out, text = run
    summary = json.loads((out / "summary.json").read_text())
    effective = json.loads((out / "run.json").read_text())["effective_options"]
    assert "dispatch: realistic (auto: news arrives during the run" in text
    assert "independent checks of the solution passed" in text
    assert summary["dispatch"] == "realistic" and summary["status"] == "simulated"
    assert summary["verified"] is True
    assert effective["dispatch"] == {"asked": "auto", "ran": "realistic",
                                     "why": summary["dispatch_reason"]}
    assert effective["aggregate_streams"] == {"on": True, "why": "the default of dated runs"}
    agg = summary["stream_aggregation"]
    assert agg["split"].startswith("exact") and "fallback" not in agg
    assert agg["queue_streams"] < agg["queue_pairs"]  # pairs really share queues
    assert summary["foresight_bound_lp"].startswith("the aggregated-streams LP")
    assert summary["decision_days"] == 3  # 20 Oct, 25 Oct (closure), 5 Nov (throttle)
    report = pd.read_parquet(out / "verification.parquet")
    assert len(report) > 50_000 and report["ok"].all(), report[~report["ok"]].head().to_string()
    for check in ("keep_coming", "keep_coming_complete", "dispatch_rule"):
        assert check in set(report["check"]), check


def test_the_story_not_knowing_costs_and_the_queue_builds_at_the_closed_gate(run):
    out, _ = run
    s = json.loads((out / "summary.json").read_text())
    assert 60e6 < s["value_of_foresight_usd"] < 130e6, s["value_of_foresight_usd"]
    assert s["objective_usd"] == pytest.approx(
        s["foresight_objective_usd"] + s["value_of_foresight_usd"], abs=1.0)
    assert 20_000 < s["spoiled_t"] < 60_000, s["spoiled_t"]
    assert s["keep_coming_floor_t"] > 0  # drivers kept coming to the closed gate
    q = pd.read_parquet(out / "queues.parquet")
    boten = q[(q["crossing_id"] == GATE[0]) & (q["direction"] == GATE[1])].set_index("date")
    boten.index = pd.to_datetime(boten.index)
    closed = boten.loc["2021-10-25":"2021-11-04"]
    throttled = boten.loc["2021-11-05":"2021-11-20"]
    assert len(closed) == 11 and (closed["departures_trucks"].abs() < 1e-6).all()
    assert (throttled["departures_trucks"] <= 150 + 1e-6).all()
    # trucks dispatched before the news, and drivers who keep coming, arrive at a shut gate
    assert closed["arrivals_trucks"].mean() > 200, closed["arrivals_trucks"].mean()
    assert (closed["queue_trucks"].diff().iloc[1:] > 0).all()  # it grows every closed day
    assert boten.loc["2021-10-24", "queue_trucks"] < 300
    assert closed["queue_trucks"].iloc[-1] > 1_500, closed["queue_trucks"].iloc[-1]
    assert throttled["arrivals_trucks"].mean() > 150  # more arrive than the throttle lets in
