"""The seed start of column generation (``RouteOptions(start="seed")``,
model/seed_routes.py): a small route set that pricing must grow to the optimum.

- cg-gate-dual (tests/data/cg-gate-dual/README.md): the seed holds the cheapest route only (R3
  through Pa Hang–Long Sap, 1,230 USD/truck), whose gate takes 8 of the 20 trucks/day; the
  hand optimum (-768,080 USD/day: 8 trucks on R3, 12 on R2 at 1,840 USD/truck) needs R2,
  which only pricing can add;
- the seed and the enumeration reach the same optimum, static and dated (an initial queue
  too: the seed holds a route through its gate);
- a seed start that pricing could not grow is refused in one line, exit 2, nothing written.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError
from borderflow.data.scenario import Horizon, Scenario
from borderflow.model.column_generation import Pricing
from borderflow.model.network import build_network
from borderflow.model.routes import RouteOptions
from borderflow.model.seed_routes import seed_routes
from borderflow.options import RunOptions
from borderflow.pipeline import run_scenario

DATA = Path(__file__).parent / "data"
SEED = RunOptions(routes=RouteOptions(start="seed"))
GATE_OPTIMUM = 160 * (61.5 - 2000) + 240 * (92 - 2000)  # -768,080 USD/day (README)


@pytest.fixture(scope="module")
def gate_tables():
    """cg-gate-dual's checked tables."""
    return load_dataset(DATA / "cg-gate-dual", check_borders=False)


def _dated(days: int, **kwargs) -> Scenario:
    return Scenario(name=f"{days}-days", horizon=Horizon(start=dt.date(2024, 1, 1), days=days),
                    **kwargs)


def test_seed_is_the_cheapest_route_only(gate_tables):
    routes = seed_routes(build_network(gate_tables))
    assert len(routes.routes) == 1
    crossings = routes.route_crossings["element_id"].tolist()
    assert "pa-hang-long-sap" in crossings and len(crossings) == 3  # R3
    assert routes.eligible["cost_usd_per_t"].tolist() == pytest.approx([61.5])
    assert routes.stats["seed_routes"] == 1 and routes.stats["start"] == "seed"


def test_pricing_grows_the_seed_to_the_hand_optimum(gate_tables):
    run = run_scenario(gate_tables, None, SEED)
    assert run.solve.objective_usd == pytest.approx(GATE_OPTIMUM, abs=1e-6)
    assert run.routing.status == "certified"
    assert run.routing.rounds >= 2 and run.routing.routes_generated >= 1
    assert len(run.routes.routes) >= 2  # R2 came from pricing


def test_seed_without_pricing_rounds_is_restricted_with_a_bound(gate_tables):
    run = run_scenario(gate_tables, None, replace(SEED, pricing=Pricing(max_rounds=0)))
    assert run.routing.status == "restricted"
    assert run.solve.objective_usd > GATE_OPTIMUM + 1.0  # R2 missing: 12 trucks unserved
    assert run.routing.gap_bound_usd >= run.solve.objective_usd - GATE_OPTIMUM - 1e-6


@pytest.mark.parametrize("name", ["cg-gate-dual", "cg-three-borders", "cg-toll-vot-share"])
def test_same_static_optimum_from_both_starts(name):
    tables = load_dataset(DATA / name, check_borders=False)
    seed = run_scenario(tables, None, SEED)
    enum = run_scenario(tables, None, RunOptions())
    assert seed.routing.status == enum.routing.status == "certified"
    assert seed.solve.objective_usd == pytest.approx(enum.solve.objective_usd, rel=1e-9)


def test_same_dated_optimum_from_both_starts(gate_tables):
    scenario = _dated(7)
    seed = run_scenario(gate_tables, scenario, SEED)
    enum = run_scenario(gate_tables, scenario, RunOptions())
    assert seed.routing.status == enum.routing.status == "certified"
    assert seed.solve.objective_usd == pytest.approx(enum.solve.objective_usd, rel=1e-9)


def test_an_initial_queue_gets_a_seed_route_through_its_gate(gate_tables):
    queue = {"crossing": "boten-mohan", "product": "rubber", "trucks": 5.0}
    scenario = _dated(5, initial_queues=[queue])
    seed = run_scenario(gate_tables, scenario, SEED)
    enum = run_scenario(gate_tables, scenario, RunOptions())
    assert seed.solve.objective_usd == pytest.approx(enum.solve.objective_usd, rel=1e-9)
    assert (seed.routes.route_crossings["element_id"] == "boten-mohan").any()


def test_extra_constraints_refuse_a_seed_start(gate_tables):
    def extra(model, index):
        return None

    with pytest.raises(InputError, match="seed"):
        run_scenario(gate_tables, None, SEED, extra_constraints=extra)


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    tmp_path.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("borderflow")
    cmd = [str(exe) if exe.exists() else shutil.which("borderflow"), "solve", "--data",
           str(DATA / "cg-gate-dual"), "--out", str(tmp_path / "run"), *args]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("extra", [["--dispatch", "realistic"], ["--window-days", "3"],
                                   ["--method", "windows"]])
def test_cli_refuses_a_seed_pricing_cannot_grow(tmp_path, extra):
    scenario = tmp_path / "dated.yaml"
    scenario.write_text("name: dated\nhorizon: {start: 2024-01-01, days: 7}\n")
    done = _cli(tmp_path, "--scenario", str(scenario), "--routes", "seed", *extra)
    assert done.returncode == 2, done.stderr
    assert "--routes" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


def test_cli_refuses_an_unknown_start(tmp_path):
    done = _cli(tmp_path, "--routes", "all")
    assert done.returncode == 2 and "--routes" in done.stderr
    assert not (tmp_path / "run").exists()


def test_run_json_records_the_start_only_when_seed(tmp_path):
    assert _cli(tmp_path / "a", "--routes", "seed").returncode == 0
    assert _cli(tmp_path / "b").returncode == 0
    seed = json.loads((tmp_path / "a" / "run" / "run.json").read_text())
    enum = json.loads((tmp_path / "b" / "run" / "run.json").read_text())
    assert seed["options"]["routes"]["start"] == "seed"
    assert seed["effective_options"]["routes"]["start"] == "seed"
    assert "start" not in enum["options"]["routes"]
    assert "start" not in enum["effective_options"]["routes"]
    summary = json.loads((tmp_path / "a" / "run" / "summary.json").read_text())
    assert summary["objective_usd"] == pytest.approx(GATE_OPTIMUM, abs=1e-6)
