"""Sweeps: warm re-solves, resume, failures, and the answers (scenario files and their
errors: test_sweep_files.py).

Tiny network (tests/tiny.py): O -> X1 -> M costs 11 USD/t, O -> X2 -> M 16 USD/t; price
1,000 USD/t, value of produce not shipped 500 USD/t, supply 200 t/day, 20 t/truck.

- both gates open (100 trucks/day): N-1 closing X1 costs (16 - 11) x 200 = 1,000 USD/day
  (the flow moves to X2), closing X2 costs nothing;
- X1 at 5 trucks/day (100 t) and X2 proposed: 100 t ship via X1, 100 t are not shipped
  (objective 100 x 11 - 100 x 1,000 + 100 x 500 = -48,900). One more truck/day through X1 is
  worth 20 t x (1,000 - 11 + 500) = 29,780 USD. Closing X1 loses the rest (objective
  200 x 500 = 100,000: +148,900). Building X2 takes 100 t more at 16 USD/t (objective
  -197,300: benefit 148,400) and, with X1 closed, all 200 t (-196,800: benefit 296,800).

Dask runs on one in-process worker (``processes=False``) to stay fast.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

import tiny
from helpers import edit_table, write_text
from borderflow.cli import app
from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import CapacityEvent, CloseEvent, Horizon, Scenario, Window
from borderflow.data.scenario_checks import Catalog
from borderflow.data.scenario_files import load_scenarios
from borderflow.options import RunOptions
from borderflow.pipeline import run_scenario
from borderflow.present.sweep_views import routing_note
from borderflow.solvers.rolling import RollingHorizon
from borderflow.sweeps import (PARTITIONS, TABLES, Job, ModelCache, partition, plan_file,
                               plan_n_minus_1, plan_scenarios, run_sweep, solve_job)

TOL = 1e-6


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    """The tiny dataset, both gates open."""
    return tiny.write(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def tiny_data(tiny_dir):
    return load_dataset(tiny_dir, check_borders=False)


def _write(tmp_path, text: str, name: str = "s.yaml"):
    return write_text(tmp_path / name, text)


# ---- warm re-solves -------------------------------------------------------------------------
def test_warm_resolve_equals_cold_solve_and_ignores_order(tiny_dir, tiny_data):
    """Dated scenarios on the structure's model, re-solved warm, match a cold build and solve;
    solving other scenarios in between changes no number."""
    start = dt.date(2024, 1, 1)
    horizon = Horizon(start=start, days=4)
    window = {"from": start + dt.timedelta(days=1), "to": start + dt.timedelta(days=2)}
    scenarios = [Scenario(name="base", horizon=horizon),
                 Scenario(name="x1-shut", horizon=horizon,
                          events=(CloseEvent(crossing="x1", close=Window(**window)),)),
                 Scenario(name="x1-throttle", horizon=horizon,
                          events=(CapacityEvent(crossing="x1", capacity_trucks_per_day=3,
                                                **window),
                                  CloseEvent(crossing="x2", close=Window(**window))))]
    plan = plan_scenarios(scenarios, data=tiny_dir, tables=tiny_data)
    cache = ModelCache()

    def solve(name, warm=True):
        e = plan.entry(name)
        out = solve_job(Job(e.scenario, plan.structures[e.structure], warm), cache)
        assert out.status == "optimal", out.message
        return out

    first = {n: solve(n) for n in ("x1-shut", "x1-throttle", "base")}
    assert len(cache.models) == 1 and first["x1-shut"].model_built
    for name, out in first.items():
        cold = solve(name, warm=False)
        assert out.solve["warm_start"] and not cold.solve["warm_start"]
        assert out.solve["objective_usd"] == pytest.approx(cold.solve["objective_usd"],
                                                           rel=1e-6)
    again = solve("x1-shut")
    assert again.solve["objective_usd"] == first["x1-shut"].solve["objective_usd"]
    pd.testing.assert_frame_equal(again.results.route_flows, first["x1-shut"].results.route_flows,
                                  check_exact=True)
    assert first["x1-throttle"].solve["objective_usd"] > first["base"].solve["objective_usd"]


def test_dated_plans_keep_routes_through_throttled_gates_not_closed_ones(tiny_dir, tiny_data):
    horizon = Horizon(start=dt.date(2024, 1, 1), days=4)
    scenarios = [Scenario(name="x1-shut", horizon=horizon, events=(CloseEvent(crossing="x1"),)),
                 Scenario(name="x2-slow", horizon=horizon,
                          events=(CapacityEvent(crossing="x2", capacity_trucks_per_day=3),))]
    plan = plan_scenarios(scenarios, data=tiny_dir, tables=tiny_data)
    assert plan.gates == ("x2",)
    (structure,) = plan.structures.values()
    assert structure.routes.keep_gates == ("x2",) and structure.routes.max_routes_per_product


@pytest.mark.parametrize("exact", [True, False])
def test_dated_sweeps_in_windows_exact_warm_or_approximate(tiny_dir, tiny_data, exact):
    """A structure solved by exact windows re-solves each scenario warm from the whole LP's
    basis, with the one-LP optimum; approximate windows (``--window-days``) solve each
    scenario in windows, reported as an approximation."""
    start = dt.date(2024, 1, 1)
    horizon = Horizon(start=start, days=8)
    window = {"from": start + dt.timedelta(days=2), "to": start + dt.timedelta(days=4)}
    scenarios = [Scenario(name="x1-shut", horizon=horizon,
                          events=(CloseEvent(crossing="x1", close=Window(**window)),))]
    rolling = RollingHorizon(2, 1, exact=exact)
    plan = plan_scenarios(scenarios, data=tiny_dir, tables=tiny_data,
                          options=RunOptions(rolling=rolling))
    structure = plan.structures[plan.entry("x1-shut").structure]
    assert structure.rolling == rolling
    cache = ModelCache()
    assert plan.names() == ["baseline-2024-01-01-8d", "x1-shut"]
    for name in ("x1-shut", "baseline-2024-01-01-8d"):
        e = plan.entry(name)
        out = solve_job(Job(e.scenario, structure), cache)
        assert out.status == "optimal", out.message
        one_lp = run_scenario(tiny_data, e.scenario, RunOptions(exact_windows_from_days=None))
        assert out.solve["exact"] is exact
        if exact:
            assert out.solve["warm_start"] and out.solve["method"].startswith("warm re-solve")
            assert out.solve["objective_usd"] == pytest.approx(one_lp.solve.objective_usd,
                                                               rel=1e-6)
        else:
            assert out.solve["windows"] > 1
            assert out.solve["objective_usd"] >= one_lp.solve.objective_usd - 1e-6
    assert len(cache.models) == 1


# ---- sweeps ---------------------------------------------------------------------------------
def _tables(out):
    return {name: (out / f"{name}.csv").read_bytes() for name in TABLES
            if (out / f"{name}.csv").exists()}


def test_n_minus_1_on_tiny_ranks_the_cheap_gate_first(client, tiny_dir, tiny_data, tmp_path):
    plan = plan_n_minus_1(data=tiny_dir, tables=tiny_data)
    assert plan.names() == ["baseline", "close-x1", "close-x2"]
    heard = []
    res = run_sweep(plan, tmp_path / "n1", client=client,
                    on_progress=lambda *call: heard.append(call))
    assert (res.solved, res.failed, res.models_built) == (3, 0, 1)  # one model, reused
    # one call as the scenarios start, one per scenario finished, one for the tables
    assert heard[0] == ("scenarios", 0, 3, "")
    assert sorted(m for s, _, _, m in heard[1:4]) == [
        "baseline: optimal", "close-x1: optimal", "close-x2: optimal"]
    assert [d for _, d, _, _ in heard[1:4]] == [1, 2, 3] and heard[-1][0] == "tables"
    crit = res["criticality"].set_index("crossing_id")
    assert crit.loc["x1", "cost_increase_usd"] == pytest.approx(1000, abs=TOL)
    assert crit.loc["x2", "cost_increase_usd"] == pytest.approx(0, abs=TOL)
    assert crit.loc["x1", "rank"] == 1 and crit.loc["x2", "rank"] == 2
    assert crit.loc["x1", "baseline_flow_trucks"] == pytest.approx(10, abs=TOL)
    assert crit.loc["x1", "top_gaining_crossings"] == "x2 +10.0"
    by_product = res["criticality_by_product"]
    assert by_product[["crossing_id", "product_id"]].values.tolist() == [["x1", "durian"]]
    assert by_product["cost_increase_usd"].iloc[0] == pytest.approx(1000, abs=TOL)
    comp = pd.read_parquet(tmp_path / "n1" / "comparison.parquet")
    assert comp["scenario"].tolist() == plan.names()
    part = pd.read_parquet(partition(tmp_path / "n1", "close-x1") / "crossings.parquet")
    assert part.loc[part["crossing_id"] == "x1", "flow_trucks"].abs().max() < TOL


def test_capacity_value_and_investment_ranking(client, tmp_path):
    t = tiny.base_tables()
    t["crossings"].loc[0, "capacity_a_to_b_trucks_per_day"] = 5
    t["crossings"].loc[1, "status"] = "proposed"
    folder = tiny.write(tmp_path / "data", t)
    plan = plan_n_minus_1(data=folder, tables=load_dataset(folder, check_borders=False),
                          invest=True)
    res = run_sweep(plan, tmp_path / "inv", client=client, on_progress=None)
    comp = res["comparison"].set_index("scenario")
    assert comp.loc["baseline", "objective_usd"] == pytest.approx(-48_900, abs=TOL)
    assert comp.loc["close-x1", "cost_increase_usd"] == pytest.approx(148_900, abs=TOL)
    value = res["capacity_value"].set_index(["crossing_id", "direction"])
    assert value.loc[("x1", "a_to_b"), "value_usd_per_extra_truck_per_day"] == \
        pytest.approx(29_780, abs=TOL)
    assert value.loc[("x1", "b_to_a"), "value_usd_per_extra_truck_per_day"] == \
        pytest.approx(0, abs=TOL)
    inv = res["investments"].set_index("context")
    assert inv.loc["baseline", "benefit_usd"] == pytest.approx(148_400, abs=TOL)
    assert inv.loc["close-x1", "benefit_usd"] == pytest.approx(296_800, abs=TOL)
    rank = res["investment_ranking"].iloc[0]
    assert (rank["project"], rank["kind"], rank["worth_most_under"]) == ("x2", "build",
                                                                         "close-x1")
    assert rank["benefit_mean_usd"] == pytest.approx((148_400 + 296_800) / 2, abs=TOL)


SWEEP_FILE = """\
    scenarios:
      - {name: x1-throttled, events: [{crossing: x1, capacity_trucks_per_day: 4}]}
      - {name: more-durian, events: [{supply: {product: durian, factor: 1.5}}]}
    grid: {crossings: [x1, x2], days: [10], horizon: {month: 2}}
    investments:
      projects: [{name: x2-lanes, events: [{crossing: x2, capacity_trucks_per_day: 200}]}]
      under: [x1-throttled]
    """


def test_resumed_sweep_equals_uninterrupted(client, tiny_dir, tiny_data, tmp_path):
    path = _write(tmp_path, SWEEP_FILE)
    plan = plan_file(path, data=tiny_dir, tables=tiny_data)
    full = run_sweep(plan, tmp_path / "full", client=client, on_progress=None)
    assert full.failed == 0 and full.solved == len(full.plan.entries) == 8
    # interrupted: a subset first, a half-written folder, then resume; then lose a partition
    out = tmp_path / "resumed"
    part = run_sweep(plan_file(path, data=tiny_dir, tables=tiny_data), out, client=client,
                     only=["close-x1-10d"], on_progress=None)
    assert part.solved == 2  # close-x1-10d and its baseline (baseline-m02)
    (out / PARTITIONS / ".scenario=x1-throttled.abc.tmp").mkdir()
    again = run_sweep(plan_file(path, data=tiny_dir, tables=tiny_data), out, client=client,
                      resume=True, on_progress=None)
    assert (again.skipped, again.solved) == (2, 6)
    shutil.rmtree(partition(out, "more-durian"))
    last = run_sweep(plan_file(path, data=tiny_dir, tables=tiny_data), out, client=client,
                     resume=True, on_progress=None)
    assert (last.skipped, last.solved) == (7, 1)
    a, b = full["comparison"], last["comparison"]
    pd.testing.assert_frame_equal(a.drop(columns="solve_seconds"),
                                  b.drop(columns="solve_seconds"), check_exact=True)
    files_a, files_b = _tables(tmp_path / "full"), _tables(out)
    assert files_a.keys() == files_b.keys() and "investments" in files_a
    for name in files_a.keys() - {"comparison"}:
        assert files_a[name] == files_b[name], name
    # rebuilt from the same partitions: byte-identical, timings included
    before = _tables(out)
    run_sweep(plan_file(path, data=tiny_dir, tables=tiny_data), out, client=client,
              resume=True, on_progress=None)
    assert _tables(out) == before


def test_failed_scenario_is_reported_and_the_sweep_goes_on(client, tiny_dir, tiny_data,
                                                           tmp_path):
    """Trucks said to wait on the CN->VN lane of X1, where no route queues: that scenario's
    model cannot be built; the other scenarios are solved."""
    path = _write(tmp_path, """\
        scenarios:
          - name: stuck
            horizon: {start: 2024-01-01, days: 3}
            events: [{crossing: x2}]
            initial_queues: [{crossing: x1, product: durian, trucks: 5, direction: b_to_a}]
          - {name: no-x1, events: [{crossing: x1}]}
        """)
    res = run_sweep(plan_file(path, data=tiny_dir, tables=tiny_data), tmp_path / "f",
                    client=client, on_progress=None)
    comp = res["comparison"].set_index("scenario")
    assert comp.loc["stuck", "status"] == "input_error"
    assert "no route of durian queues at x1 (b_to_a)" in comp.loc["stuck", "message"]
    assert comp.loc["no-x1", "status"] == "optimal"
    assert comp.loc["no-x1", "cost_increase_usd"] == pytest.approx(1000, abs=TOL)
    assert res.failed == 2 and res.solved == 2  # 'stuck' and its baseline share the model


# ---- the command line on the embedded dataset -------------------------------------------------
@pytest.mark.slow
def test_cli_sweep_of_the_example_file_matches_a_cold_solve(client, tmp_path):
    """``borderflow sweep`` on an existing scheduler: a 10-day Boten closure and its baseline,
    warm on one model; the same scenario built and solved from scratch with column generation
    gives the same cost, and both say how optimal they are (``routing``), in the summary and
    in the comparison table (a sweep scenario whose pricing finds improving routes gets column
    generation of its own)."""
    out = tmp_path / "ex"
    runner = CliRunner()
    res = runner.invoke(app, ["sweep", "data/scenarios/sweep-example.yaml", "--out", str(out),
                              "--scheduler", client.scheduler.address, "--only",
                              "boten-mohan-closed-31d-dec", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "criticality" in res.output
    comp = pd.read_csv(out / "comparison.csv").set_index("scenario")
    assert comp.loc["baseline-m12", "status"] == "optimal"
    assert comp.loc["boten-mohan-closed-31d-dec", "cost_increase_usd"] > 0
    assert comp.loc["lang-son-closed-dec", "status"] == "not_run"
    scen = load_scenarios("data/scenarios/sweep-example.yaml", Catalog.of(load_dataset()))
    cold = run_scenario(load_dataset(), next(s for s in scen
                                             if s.name == "boten-mohan-closed-31d-dec"))
    part = partition(out, "boten-mohan-closed-31d-dec")
    summary = json.loads((part / "summary.json").read_text())
    assert summary["routing"] == cold.routing.status
    assert comp.loc["boten-mohan-closed-31d-dec", "routing"] == summary["routing"]
    bound = summary["pricing"]["gap_bound_usd"]
    assert comp.loc["boten-mohan-closed-31d-dec", "gap_bound_usd"] == pytest.approx(bound)
    if summary["routing"] == "certified":
        assert bound == pytest.approx(0.0, abs=1e-6)
    assert comp.loc["boten-mohan-closed-31d-dec", "objective_usd"] == pytest.approx(
        cold.solve.objective_usd, rel=1e-6)
    # the solved scenarios as one GIS layer set with a scenario column
    res = runner.invoke(app, ["export", str(out), "--format", "geoparquet",
                              "--out", str(tmp_path / "gis")])
    assert res.exit_code == 0, res.output
    crossings = gpd.read_parquet(tmp_path / "gis" / "crossings.parquet")
    assert set(crossings["scenario"]) == {"baseline-m12", "boten-mohan-closed-31d-dec"}
    assert crossings.crs.to_epsg() == 4326


def test_sweep_keeps_quotas_and_holds_as_rows_and_capacity_levers_as_bounds(tiny_dir,
                                                                              tiny_data):
    """A slot quota gets a model with its rows (a structure of its own); extra capacity is a
    bound change on the baseline's model; each warm solve equals a cold one."""
    from borderflow.data.scenario import ExtraCapacityEvent, SlotQuotaEvent

    scenarios = [Scenario(name="base"),
                 Scenario(name="quota", events=(SlotQuotaEvent(crossing="x1",
                                                               slot_quota={"trucks_per_day": 3}),)),
                 Scenario(name="extra", events=(CloseEvent(crossing="x2"), ExtraCapacityEvent(
                     crossing="x1", extra_capacity_trucks_per_day=5)))]
    plan = plan_scenarios(scenarios, data=tiny_dir, tables=tiny_data)
    assert plan.entry("quota").structure != plan.entry("base").structure
    assert plan.entry("extra").structure == plan.entry("base").structure
    cache = ModelCache()
    for name in ("quota", "extra", "base"):
        e = plan.entry(name)
        warm = solve_job(Job(e.scenario, plan.structures[e.structure], True), cache)
        cold = solve_job(Job(e.scenario, plan.structures[e.structure], False), cache)
        direct = run_scenario(tiny_data, e.scenario)
        assert warm.status == cold.status == "optimal"
        assert warm.solve["objective_usd"] == pytest.approx(
            direct.results.summary["objective_usd"], rel=1e-7)
        assert cold.solve["objective_usd"] == pytest.approx(warm.solve["objective_usd"],
                                                            rel=1e-7)


# ---- column generation in the sweep ---------------------------------------------------------
CG = Path(__file__).parent / "data" / "cg-three-borders"


def _comparison(out) -> pd.DataFrame:
    """comparison.csv without the columns that differ run to run (timings)."""
    comp = pd.read_csv(out / "comparison.csv")
    return comp.drop(columns=["solve_seconds"]).set_index("scenario")


@pytest.fixture(scope="module")
def cg_n1_sweep(tmp_path_factory) -> Path:
    """The N-1 sweep of tests/data/cg-three-borders on one worker process, run once for the
    module: ``test_sweep_generates_the_route_a_closure_needs_and_certifies_it`` reads it and
    ``test_verify_sweep_rechecks_every_scenario_and_finds_a_tampered_one`` verifies (and
    tampers with) a copy of it. Each ran this same sweep (same plan, ``workers=1``) on its own
    before: about 10 CPU s of Dask worker start-up and solves each (docs/testing.md, CI time)."""
    out = tmp_path_factory.mktemp("cg-n1") / "w1"
    tables = load_dataset(CG)
    assert run_sweep(plan_n_minus_1(data=CG, tables=tables), out, workers=1,
                     on_progress=None).failed == 0
    return out


def test_sweep_generates_the_route_a_closure_needs_and_certifies_it(tmp_path, cg_n1_sweep):
    """tests/data/cg-three-borders (README.md): the kept model holds the enumerated routes
    (two crossings at most: only R2 via Boten–Mohan, 92 USD/t). With Boten–Mohan closed the
    warm re-solve ships nothing; pricing finds R3 (three borders, 61.5 USD/t), the scenario's
    own column generation adds it and the sweep reports the hand optimum, certified, as a
    cold certified solve does; on 1 and 2 worker processes alike. With --pricing-rounds 0 it
    stays restricted, with a gap bound that covers the true gap."""
    tables = load_dataset(CG)
    plan = plan_n_minus_1(data=CG, tables=tables)
    assert "close-boten-mohan" in plan.names()
    w1 = cg_n1_sweep  # run_sweep(plan, ..., workers=1): the module's fixture
    assert run_sweep(plan_n_minus_1(data=CG, tables=tables), tmp_path / "w2", workers=2,
                     on_progress=None).failed == 0
    c1, c2 = _comparison(w1), _comparison(tmp_path / "w2")
    pd.testing.assert_frame_equal(c1, c2)
    assert (c1.loc[c1["status"] == "optimal", "routing"] == "certified").all()
    hand = 200 * (61.5 - 2000)  # all on R3
    assert c1.loc["close-boten-mohan", "objective_usd"] == pytest.approx(hand, abs=TOL)
    assert c1.loc["baseline", "objective_usd"] == pytest.approx(hand, abs=TOL)
    assert c1.loc["close-boten-mohan", "cost_increase_usd"] == pytest.approx(0, abs=TOL)
    summary = json.loads((partition(w1, "close-boten-mohan") / "summary.json").read_text())
    assert summary["routing"] == "certified" and summary["pricing"]["routes_generated"] >= 1
    flows = pd.read_csv(partition(w1, "close-boten-mohan") / "route_flows.csv")
    assert flows["crossings"].str.count(r"\+").max() == 2  # three crossings
    for name in ("close-boten-mohan", "close-huu-nghi-youyiguan"):
        crossing = name.removeprefix("close-")
        cold = run_scenario(tables, Scenario.closing([crossing]))
        assert cold.routing.certified
        assert c1.loc[name, "objective_usd"] == pytest.approx(cold.solve.objective_usd,
                                                              abs=TOL)
    # rounds off: priced once, restricted, and the bound holds
    off = run_sweep(plan_n_minus_1(data=CG, tables=tables,
                                   options=RunOptions.of(pricing_rounds=0)),
                    tmp_path / "off", workers=1, on_progress=None)
    assert off.failed == 0
    c0 = _comparison(tmp_path / "off")
    row = c0.loc["close-boten-mohan"]
    assert row["routing"] == "restricted"
    gap = row["objective_usd"] - hand
    assert gap > 1 and row["gap_bound_usd"] >= gap - TOL
    assert "restricted" in routing_note(c0.reset_index())


def test_verify_sweep_rechecks_every_scenario_and_finds_a_tampered_one(tmp_path, cg_n1_sweep):
    """`borderflow verify SWEEP` verifies each scenario folder that ended optimal, its
    certified label by the certificate's own search: all pass as written (exit 0); with the
    supply dual of close-boten-mohan raised by 100 USD/t in its tables, the certificate finds
    R3 pricing out at -100 USD/t in that scenario (and the manifest sees the edit): exit 8."""
    from borderflow.verify import verify_run, violations

    out = tmp_path / "n1"
    shutil.copytree(cg_n1_sweep, out)  # the module's sweep, copied: this test tampers with it
    report = verify_run(out)
    assert report["ok"].all(), violations(report).to_string()
    scenarios = set(report["entity"].str.extract(r"^scenario=([^:]+):")[0])
    assert {"baseline", "close-boten-mohan", "close-huu-nghi-youyiguan"} <= scenarios
    certified = report[report["check"] == "route_dual"]
    assert certified["entity"].str.startswith("scenario=close-boten-mohan: ").any()
    ok = CliRunner().invoke(app, ["verify", str(out)])
    assert ok.exit_code == 0, ok.output
    edit_table(partition(out, "close-boten-mohan"), "unserved",
               lambda df: df.assign(dual_usd_per_t=df["dual_usd_per_t"] + 100.0))
    bad = violations(verify_run(out))
    hit = bad[bad["check"] == "route_dual"]
    assert len(hit) == 1 and hit["entity"].iloc[0].startswith("scenario=close-boten-mohan: ")
    assert hit["amount"].iloc[0] == pytest.approx(100.0, abs=1e-6)
    assert set(bad["entity"].str.extract(r"^scenario=([^:]+):")[0]) == {"close-boten-mohan"}
    res = CliRunner().invoke(app, ["verify", str(out)])
    assert res.exit_code == 8, res.output
