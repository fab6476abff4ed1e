"""Same inputs and options -> byte-identical run folders; run.json says how to reproduce a run.

Only the wall-clock fields of summary.json (``borderflow.io.TIMING_KEYS``) may differ between
two runs; every other byte of every CSV, parquet and JSON file must be the same.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest
import tiny
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.data.scenario_files import load_scenarios
from borderflow.io import TIMING_KEYS

from helpers import CLOSURE_YAML, ON_BORDER, only_x1

def _differences(a: Path, b: Path) -> list[str]:
    """Files that differ between two run folders (summary.json without its timings)."""
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    out = []
    for name in names:
        if name == "summary.json":
            sa, sb = (json.loads((d / name).read_text()) for d in (a, b))
            assert set(TIMING_KEYS) <= sa.keys()
            for key in TIMING_KEYS:
                sa.pop(key), sb.pop(key)
            if sa != sb:
                out.append(name)
        elif (a / name).read_bytes() != (b / name).read_bytes():
            out.append(name)
    return out


@pytest.fixture
def tiny_dated(tmp_path):
    """Tiny data with X2 closed, a scenario file with a closure, a throttle and a queue."""
    t = tiny.base_tables()
    only_x1(t, 20)
    for i, (lon, lat) in ON_BORDER.items():
        t["crossings"].loc[i, ["lon", "lat"]] = [lon, lat]
    data = tiny.write(tmp_path / "data", t)
    scenario = tmp_path / "closure.yaml"
    scenario.write_text(textwrap.dedent(CLOSURE_YAML), encoding="utf-8")
    return data, scenario


def _solve(data: Path, scenario: Path, out: Path) -> Path:
    result = CliRunner().invoke(app, ["solve", "--data", str(data), "--scenario",
                                      str(scenario), "--out", str(out),
                                      "--dispatch", "foresight"])  # the optimum
    assert result.exit_code == 0, result.output
    return out


def test_solving_twice_writes_identical_files(tiny_dated, tmp_path):
    data, scenario = tiny_dated
    a = _solve(data, scenario, tmp_path / "a")
    b = _solve(data, scenario, tmp_path / "b")
    names = {p.name for p in a.iterdir()}
    for table in ("route_flows", "flows", "queues", "stream_queues", "route_arcs",
                  "verification", "crossing_changes"):
        assert {f"{table}.csv", f"{table}.parquet"} <= names
    assert _differences(a, b) == []


def test_run_json_records_what_reproduces_the_run(tiny_dated, tmp_path):
    data, scenario = tiny_dated
    meta = json.loads((_solve(data, scenario, tmp_path / "run") / "run.json").read_text())
    sums = meta["input_sha256"]
    used = sorted(data.glob("*.csv")) + [scenario]
    assert len(sums) == len(used)
    for path in used:
        key = next(k for k in sums if Path(k).name == path.name)
        assert sums[key] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert meta["scenario_file"].endswith("closure.yaml")
    recorded = load_scenarios(scenario)[0].model_dump(mode="json", by_alias=True)
    assert meta["scenario"] == recorded
    assert meta["scenario"]["initial_queues"][0]["trucks"] == 4
    for lib in ("python", "pyomo", "highspy", "numpy", "pandas", "pyarrow"):
        assert meta["versions"][lib]
    assert meta["solver"].startswith("HiGHS") and meta["borderflow_version"]
    assert meta["options"]["solver"]["threads"] == 1
    assert meta["options"]["solver"]["random_seed"] == 0
    # a dated run solves by interior point and caps routes: what was in effect is recorded
    assert meta["effective_options"]["solver"]["solver"] == "ipm"
    assert meta["effective_options"]["routes"]["max_routes_per_product"] is not None


@pytest.mark.slow
def test_embedded_baseline_is_reproducible(tmp_path):
    outs = []
    for name in ("a", "b"):
        result = CliRunner().invoke(app, ["solve", "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        outs.append(tmp_path / name)
    assert _differences(*outs) == []


def test_every_event_kind_survives_the_round_trip_through_run_json():
    """run.json records the scenario as JSON; export, map and verify read it back."""
    from borderflow.data.scenario import Scenario

    scenario = Scenario.model_validate({
        "name": "all-kinds", "horizon": {"start": "2024-01-01", "days": 5},
        "must_deliver": ["durian"],
        "events": [{"crossing": "x1", "close": {"from": "2024-01-02", "to": "2024-01-03"}},
                   {"crossing": "x2", "capacity_trucks_per_day": 40, "from": "2024-01-02"},
                   {"build": "x3", "from": "2024-01-04"},
                   {"build": "x4", "capacity_trucks_per_day": 80},
                   {"supply": {"product": "durian", "factor": 1.5}},
                   {"crossing": "x1", "priority": {"share": 0.5}},
                   {"crossing": "x2", "context": True}]})
    dumped = json.loads(json.dumps(scenario.model_dump(mode="json", by_alias=True)))
    assert Scenario.model_validate(dumped) == scenario


def test_run_json_records_the_behaviour_it_used(tiny_dated, tmp_path):
    # behaviour.csv is no table of the model but a realistic run reads it (reaction lag,
    # drivers who keep coming): its SHA-256 is in run.json with the tables', and a changed
    # behaviour.csv is reported as a changed input of the run
    from borderflow.io import changed_inputs
    from helpers import keep_rows

    data, scenario = tiny_dated
    keep_rows(0.5, 1).to_csv(data / "behaviour.csv", index=False)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["solve", "--data", str(data), "--scenario", str(scenario),
                                      "--dispatch", "realistic", "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "run.json").read_text())
    key = next(k for k in meta["input_sha256"] if Path(k).name == "behaviour.csv")
    recorded = hashlib.sha256((data / "behaviour.csv").read_bytes()).hexdigest()
    assert meta["input_sha256"][key] == recorded
    summary = json.loads((out / "summary.json").read_text())
    assert summary["keep_coming_share"] == 0.5  # the run did use it
    assert changed_inputs(out, meta) == []
    keep_rows(0.8, 1).to_csv(data / "behaviour.csv", index=False)
    assert [(Path(n).name, r) for n, r, _ in changed_inputs(out, meta)] == [
        ("behaviour.csv", recorded)]
