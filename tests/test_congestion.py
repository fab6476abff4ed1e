"""Congestion at the gates (docs/model.md, "Congestion at the gates"): hand-computed answers on
the tiny two-gate network, the independent arc LP with the same convex cost, the verifier's and
the certificate's checks, and what stays as it was.

The network (tests/tiny.py) with a value of time of 0.95 USD/t-h: via X1 11 + 12 h x 0.95 =
22.4 USD/t, via X2 16 + 8 h x 0.95 = 23.6 USD/t. Each gate takes 10 trucks/day a direction;
payload 20 t and a waiting cost of 24 USD per truck-day, so a truck-hour in a tier costs
0.95 x 20 + 24 / 24 = 20 USD (1 USD/t per hour). Tiers at 50 / 75 / 90 % of capacity: widths 5,
2.5, 1.5 and 1 trucks, waits 0, 0.5, 2 and 6 h. Marginal cost per tonne: X1 22.4, 22.9, 24.4,
28.4; X2 23.6, 24.1, 25.6, 29.6. Supply 280 t = 14 trucks fill the cheapest tiers first: X1
tier 1 (5), X1 tier 2 (2.5), X2 tier 1 (5), X2 tier 2 (1.5 of 2.5) -> 150 t via X1, 130 t via
X2; the marginal cost is 24.1 USD/t at both gates (X1's lies between its tier 2, 22.9, and
tier 3, 24.4: KKT). Delay cost 2.5 x 0.5 x 20 + 1.5 x 0.5 x 20 = 40 USD; objective 150 x 22.4
+ 130 x 23.6 + 40 - 280 x 1000 = -273,532 USD; supply dual 24.1 - 1000 = -975.9 USD/t; link
duals (USD/truck): X1 (24.1 - 22.4) x 20 = 34, X2 (24.1 - 23.6) x 20 = 10.
"""

from __future__ import annotations

import pandas as pd
import pytest
import tiny
from helpers import assert_warm_equals_rebuilt, congestion_tables
from independent import arc_lp

import borderflow as bf
from borderflow import verify
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError
from borderflow.data.scenario import Horizon, Scenario

TOL = 1e-6


def _through(run, crossing: str) -> float:
    c = run.results.crossings
    return float(c.loc[(c["crossing_id"] == crossing) & (c["direction"] == "a_to_b"),
                       "flow_t"].sum())


def _report(run):
    return verify.verify_results(run.results, run.tables, run.net.scenario, net=run.net)


def test_two_parallel_gates_split_where_marginal_delay_costs_meet(solve_tiny, tiny_tables):
    run = solve_tiny(congestion_tables(tiny_tables))
    s = run.results.summary
    assert _through(run, "x1") == pytest.approx(150.0, abs=TOL)
    assert _through(run, "x2") == pytest.approx(130.0, abs=TOL)
    assert s["objective_usd"] == pytest.approx(-273_532.0, abs=TOL)
    assert s["congestion_cost_usd"] == pytest.approx(40.0, abs=TOL)
    assert s["routing"] == "certified"
    assert float(run.results.unserved["dual_usd_per_t"].iloc[0]) == pytest.approx(-975.9,
                                                                                 abs=TOL)
    c = run.results.congestion
    used = c[c["trucks"] > TOL].set_index(["crossing_id", "tier"])["trucks"]
    assert used.to_dict() == pytest.approx({("x1", 1): 5.0, ("x1", 2): 2.5, ("x2", 1): 5.0,
                                            ("x2", 2): 1.5}, abs=TOL)
    link = c.groupby("crossing_id")["link_dual_usd_per_truck"].first()
    assert link.to_dict() == pytest.approx({"x1": 34.0, "x2": 10.0}, abs=TOL)
    report = _report(run)
    assert report["ok"].all(), verify.violations(report).to_string()
    checks = set(report["check"])
    assert {"congestion_link", "congestion_tier", "congestion_order", "congestion_cost",
            "congestion_dual", "congestion_tiers"} <= checks


def test_without_congestion_the_cheaper_gate_fills_first(solve_tiny, tiny_tables):
    """Hours 0 (the default): X1 takes its 10 trucks (200 t), X2 the other 80 t; objective
    200 x 22.4 + 80 x 23.6 - 280,000 = -273,632 USD; no congestion table or summary field."""
    run = solve_tiny(congestion_tables(tiny_tables, hours=(0.0, 0.0, 0.0, 0.0)))
    assert _through(run, "x1") == pytest.approx(200.0, abs=TOL)
    assert _through(run, "x2") == pytest.approx(80.0, abs=TOL)
    assert run.results.summary["objective_usd"] == pytest.approx(-273_632.0, abs=TOL)
    assert "congestion_cost_usd" not in run.results.summary
    assert "congestion" not in run.results.tables()
    assert run.built.congestion is None


def test_dearer_hours_go_to_the_early_tiers(solve_tiny, tiny_tables):
    """Two products through X1 only (X2 has no capacity a_to_b): durian (VoT 3 USD/t-h, a
    truck-hour 3 x 20 + 1 = 61 USD) and rice (0.1: 0.1 x 20 + 1 = 3 USD) share the tiers;
    durian's 60 t (3 trucks) take tier 1, rice's 100 t (5 trucks) the 2 left of tier 1, 2.5 of
    tier 2 and 0.5 of tier 3. Delay cost: rice 2.5 x 0.5 x 3 + 0.5 x 2 x 3 = 6.75 USD."""
    t = congestion_tables(tiny_tables, products={"durian": 3.0, "rice": 0.1}, supply_t=60.0)
    rice = t["products"].iloc[[0]].copy()
    rice["product_id"], rice["perishable"], rice["reefer"] = "rice", "false", "false"
    t["products"] = pd.concat([t["products"], rice], ignore_index=True)
    t["supply"] = pd.concat([t["supply"], t["supply"].assign(
        product_id="rice", supply_t_per_year=100 * 365)], ignore_index=True)
    t["seasonality"] = pd.concat([t["seasonality"], t["seasonality"].assign(
        product_id="rice")], ignore_index=True)
    t["markets"] = pd.concat([t["markets"], t["markets"].assign(product_id="rice")],
                             ignore_index=True)
    t["crossings"].loc[1, "capacity_a_to_b_trucks_per_day"] = 0
    run = solve_tiny(t)
    c = run.results.congestion
    used = c[c["trucks"] > TOL].set_index(["product_id", "tier"])["trucks"]
    assert used.to_dict() == pytest.approx({("durian", 1): 3.0, ("rice", 1): 2.0,
                                            ("rice", 2): 2.5, ("rice", 3): 0.5}, abs=TOL)
    assert run.results.summary["congestion_cost_usd"] == pytest.approx(6.75, abs=TOL)
    report = _report(run)
    assert report["ok"].all(), verify.violations(report).to_string()


def test_independent_arc_lp_with_the_same_convex_cost(tmp_path, solve_tiny, tiny_tables):
    t = congestion_tables(tiny_tables)
    run = solve_tiny(t)
    inst = arc_lp.read_instance(tiny.write(tmp_path / "arc", t))
    assert len(inst.congestion) == 4
    sol = arc_lp.solve_arc_lp(inst)
    assert sol.objective_usd == pytest.approx(-273_532.0, abs=TOL)
    assert sol.objective_usd == pytest.approx(run.results.summary["objective_usd"], abs=TOL)


@pytest.mark.parametrize("edit, check", [
    (lambda c: c.assign(trucks=c["trucks"].where(c["tier"] != 2, 0.0)), "congestion_link"),
    (lambda c: c.assign(cost_usd=c["cost_usd"] * 2), "congestion_cost"),
    (lambda c: c.assign(hours=c["hours"] + 1), "congestion_tiers"),
    (lambda c: c.assign(link_dual_usd_per_truck=c["link_dual_usd_per_truck"] + 100),
     "congestion_dual"),
])
def test_verifier_catches_a_broken_congestion_table(solve_tiny, tiny_tables, edit, check):
    run = solve_tiny(congestion_tables(tiny_tables))
    run.results.congestion = edit(run.results.congestion)
    bad = verify.violations(_report(run))
    assert check in set(bad["check"]), bad.to_string()


def test_tier_order_is_checked(solve_tiny, tiny_tables):
    """X1's 2.5 trucks of tier 2 moved to tier 3 (same total): tier 2 has room, so the verifier
    reports trucks that could move down."""
    run = solve_tiny(congestion_tables(tiny_tables))
    c = run.results.congestion.copy()
    at2 = (c["crossing_id"] == "x1") & (c["tier"] == 2)
    at3 = (c["crossing_id"] == "x1") & (c["tier"] == 3)
    c.loc[at3, "trucks"] = float(c.loc[at2, "trucks"].iloc[0])
    c.loc[at2, "trucks"] = 0.0
    run.results.congestion = c
    assert "congestion_order" in set(verify.violations(_report(run))["check"])


def test_falling_hours_are_refused_naming_file_row_and_field(tmp_path, tiny_tables):
    t = congestion_tables(tiny_tables, hours=(0.0, 2.0, 1.0, 6.0))
    with pytest.raises(InputError) as err:
        load_dataset(tiny.write(tmp_path / "bad", t), check_borders=False)
    text = str(err.value)
    assert "parameters.csv" in text and "congestion_hours_3" in text and "value" in text


def test_dated_runs_ignore_congestion(solve_tiny, tiny_tables):
    """A dated run has explicit queues: the tiers are not in its model (docs/model.md)."""
    run = solve_tiny(congestion_tables(tiny_tables),
                     Scenario(name="dated", horizon=Horizon(start="2024-06-01", days=3)))
    assert run.built.congestion is None
    assert "congestion_cost_usd" not in run.results.summary
    report = _report(run)
    assert report["ok"].all(), verify.violations(report).to_string()


def test_a_robust_plan_of_one_scenario_costs_the_static_run(tmp_path, tiny_tables):
    """Robust plans model the tiers (tests/test_robust_congestion.py): with the normal year
    alone the plan books the static optimum and costs what the static run does (objective
    -273,532, delay 40 USD, module docstring)."""
    ds = load_dataset(tiny.write(tmp_path / "d", congestion_tables(tiny_tables)),
                      check_borders=False)
    r = bf.robust_plan(ds, [Scenario(name="normal")], [1.0])
    assert r.summary["expected_cost_usd_robust"] == pytest.approx(-273_532.0, abs=TOL)
    assert r.summary["expected_congestion_cost_usd_robust"] == pytest.approx(40.0, abs=TOL)
    assert r.summary["routing"] == "certified"


def test_sampled_tiers_warm_equal_rebuilt(tmp_path, tiny_tables):
    """The uncertainty engine and calibration take the tiers warm: hours, a breakpoint and the
    value of time sampled on a kept model give the objective of the model rebuilt from the
    sampled tables (hour ranges that keep the delay convex)."""
    assert_warm_equals_rebuilt(tiny.write(tmp_path / "ds", congestion_tables(tiny_tables)),
                               "table,key,field,low,high\n"
                               "parameters,congestion_hours_2,value,0.2,0.9\n"
                               "parameters,congestion_hours_3,value,1,3\n"
                               "parameters,congestion_breakpoint_1,value,0.3,0.6\n"
                               "cost_terms,value_of_time|durian,value,0.5,2\n", n=5, seed=3)


def test_sampling_tiers_a_dataset_does_not_have_is_refused(tmp_path, tiny_tables):
    from borderflow.model.formulation import build_model
    from borderflow.model.network import build_network
    from borderflow.model.routes import RouteOptions, enumerate_routes
    from borderflow.uncertainty.changes import StructureChange, WarmEffects
    from borderflow.uncertainty.ranges import read_ranges
    from borderflow.uncertainty.sampling import FactorSpace

    t = congestion_tables(tiny_tables, hours=(0.0, 0.0, 0.0, 0.0))
    folder = tiny.write(tmp_path / "ds", t)
    (folder / "ranges.csv").write_text("table,key,field,low,high\n"
                                       "parameters,congestion_hours_4,value,0,3\n",
                                       encoding="utf-8")
    tables = load_dataset(folder, check_borders=False)
    net = build_network(tables)
    routes = enumerate_routes(net, RouteOptions())
    with pytest.raises(StructureChange, match="no congestion tiers"):
        WarmEffects(build_model(net, routes), routes, net,
                    FactorSpace.from_ranges(read_ranges(folder, tables)))


def test_a_congestion_table_without_tiers_in_the_inputs_fails(solve_tiny, tiny_tables):
    """The verifier reads the tiers from parameters.csv itself: a run whose table has tiers
    the inputs switch off fails ``congestion_tiers`` (and a run without tiers adds no row)."""
    run = solve_tiny(congestion_tables(tiny_tables))
    tables = run.tables.copy()
    off = tables.parameters["parameter"].astype(str).str.startswith("congestion_hours_")
    tables.parameters.loc[off, "value"] = 0.0
    report = verify.verify_results(run.results, tables, run.net.scenario, net=run.net)
    assert "congestion_tiers" in set(verify.violations(report)["check"])
    plain = solve_tiny(congestion_tables(tiny.base_tables(), hours=(0.0, 0.0, 0.0, 0.0)))
    assert not any(_report(plain)["check"].str.startswith("congestion"))


def test_a_run_folder_with_tiers_verifies_from_its_files(tmp_path, tiny_tables):
    """Written and read back: ``congestion.parquet`` and ``summary.congestion_cost_usd`` are
    re-checked from the folder (``borderflow verify``), certificate included."""
    ds = load_dataset(tiny.write(tmp_path / "d", congestion_tables(tiny_tables)),
                      check_borders=False)
    folder = bf.solve(ds).write(tmp_path / "run")
    assert (folder / "congestion.parquet").exists()
    report = verify.verify_run(folder)
    assert report["ok"].all(), verify.violations(report).to_string()
    assert {"congestion_link", "congestion_dual"} <= set(report["check"])


def test_the_warm_baseline_of_a_throttled_gate_gets_its_tiers_back(solve_tiny, tiny_tables):
    """X1 throttled to 5 trucks/day: its tiers shrink with it (2.5 / 1.25 / 0.75 / 0.5 trucks).
    The 14 trucks fill by marginal cost X1 tiers 1-2 (22.4, 22.9), X2 tiers 1-2 (23.6, 24.1),
    X1 tier 3 (24.4), X2 tier 3 (25.6) and X1 tier 4 (28.4, 0.5 truck): X1 100 t, X2 180 t;
    delay X1 1.25 x 0.5 x 20 + 0.75 x 2 x 20 + 0.5 x 6 x 20 = 102.5 USD, X2 2.5 x 0.5 x 20 +
    1.5 x 2 x 20 = 85 USD; objective 100 x 22.4 + 180 x 23.6 + 187.5 - 280,000 = -273,324.5
    USD. The undisrupted baseline is re-solved warm on the same model (bound updates): X1's
    tiers must get their full widths back, giving the module's hand-computed optimum."""
    from borderflow.data.scenario import CapacityEvent
    from borderflow.pipeline import solve_counterfactual

    scenario = Scenario(name="x1-throttled",
                        events=[CapacityEvent(crossing="x1", capacity_trucks_per_day=5)])
    run = solve_tiny(congestion_tables(tiny_tables), scenario)
    s = run.results.summary
    assert (_through(run, "x1"), _through(run, "x2")) == pytest.approx((100.0, 180.0), abs=TOL)
    assert s["congestion_cost_usd"] == pytest.approx(187.5, abs=TOL)
    assert s["objective_usd"] == pytest.approx(-273_324.5, abs=TOL)
    base = solve_counterfactual(run)
    c = base.crossings[base.crossings["direction"] == "a_to_b"].set_index("crossing_id")
    assert c["flow_t"].to_dict() == pytest.approx({"x1": 150.0, "x2": 130.0}, abs=TOL)
    assert base.summary["congestion_cost_usd"] == pytest.approx(40.0, abs=TOL)
    assert base.summary["objective_usd"] == pytest.approx(-273_532.0, abs=TOL)
