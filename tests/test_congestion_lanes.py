"""Congestion lanes whose truck-hour differs by gate (``cost_terms.csv`` term
``congestion_lane_value``, key a crossing id; docs/model.md "Congestion at the gates"):
hand-computed answers on the tiny two-gate network of ``test_congestion_fifo.py``.

The same network: payload 20 t, waiting cost 24 USD per truck-day (1 USD per truck-hour), lane
value 19 USD per truck-hour (``congestion_lane_usd_per_truck_h``), durian 220 t (11 trucks),
rice 120 t (6 trucks), price 1,000 USD/t; each gate 10 trucks/day, tiers of 5 / 2.5 / 1.5 / 1
trucks waiting 0 / 2 / 6 / 24 h. Route costs: durian 47 USD/t via X1, 40 via X2 (X2 140 USD per
truck cheaper); rice 12.2 via X1, 16.8 via X2 (X1 92 USD per truck cheaper).

Now X2's lane has its own value, 3 USD per truck-hour (a bulk lane): a truck-hour there costs
3 + 1 = 4 USD, at X1 still 19 + 1 = 20. Marginal delay per truck: X1 0 / 40 / 120 / 480, X2
0 / 8 / 24 / 96 USD.

- Rice stays at X1 (6 trucks). Durian's 10th truck at X2 costs 800 + 96 = 896 USD, below
  X1's 940 + 40 = 980: **durian fills X2** (10 trucks, its capacity) and puts 1 truck at X1
  (X1 holds 7: tiers 5 + 2, marginal 40 USD). With one lane value for both gates it split 9 / 2
  (``test_congestion_fifo.py``).
- Delay: X1 2 x 2 h = 4 truck-h at 20 USD = 80; X2 2.5 x 2 + 1.5 x 6 + 1 x 24 = 38 truck-h at
  4 USD = 152; 232 USD. Objective 200 x 40 + 20 x 47 + 120 x 12.2 + 232 - 340 x 1,000 =
  -329,364 USD.
- Supply duals: durian (940 + 40) / 20 - 1,000 = -951, rice (244 + 40) / 20 - 1,000 = -985.8
  USD/t; X1's link dual 40 USD per truck.
"""

from __future__ import annotations

import pandas as pd
import pytest
import tiny
from helpers import assert_warm_equals_rebuilt, congestion_tables, crossing_trucks
from independent import arc_lp

from borderflow import verify
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError

TOL = 1e-6
HOURS = (0.0, 2.0, 6.0, 24.0)


def _two_lanes(t, x2_lane: float = 3.0) -> dict:
    """The two-product network of ``test_congestion_fifo.py`` with X2's own lane value."""
    t = congestion_tables(t, hours=HOURS, supply_t=220.0, products={"durian": 3.0, "rice": 0.1},
                          fifo_lane_usd=19.0)
    tiny.add_product(t, "rice", supply_t_per_day=120.0, perishable=False, reefer=False)
    lane = {"term": "congestion_lane_value", "applies_to": "x2", "value": x2_lane,
            "unit": "USD/truck-h", "low": 0.0, "high": 60.0, **tiny.PROV}
    t["cost_terms"] = pd.concat([t["cost_terms"], pd.DataFrame([lane])], ignore_index=True)
    return t


def test_a_cheaper_lane_fills_first_by_hand(solve_tiny, tiny_tables):
    run = solve_tiny(_two_lanes(tiny_tables))
    s = run.results.summary
    assert crossing_trucks(run, "x2", "durian") == pytest.approx(10.0, abs=TOL)
    assert crossing_trucks(run, "x1", "durian") == pytest.approx(1.0, abs=TOL)
    assert crossing_trucks(run, "x1", "rice") == pytest.approx(6.0, abs=TOL)
    assert s["objective_usd"] == pytest.approx(-329_364.0, abs=TOL)
    assert s["congestion_cost_usd"] == pytest.approx(232.0, abs=TOL)
    u = run.results.unserved.set_index("product_id")["dual_usd_per_t"]
    assert u.to_dict() == pytest.approx({"durian": -951.0, "rice": -985.8}, abs=TOL)
    c = run.results.congestion
    assert c.loc[c["crossing_id"] == "x1", "link_dual_usd_per_truck"].max() \
        == pytest.approx(40.0, abs=TOL)
    per_hour = (c["cost_usd_per_truck"] / c["hours"].where(c["hours"] > 0))
    got = per_hour.groupby(c["crossing_id"]).agg(["min", "max"])
    assert got.loc["x1"].tolist() == pytest.approx([20.0, 20.0], abs=TOL)
    assert got.loc["x2"].tolist() == pytest.approx([4.0, 4.0], abs=TOL)
    report = verify.verify_results(run.results, run.tables, run.net.scenario, net=run.net)
    assert report["ok"].all(), verify.violations(report).to_string()


def test_the_lane_row_is_read_only_with_fifo(solve_tiny):
    """With ``congestion_fifo`` 0 a ``congestion_lane_value`` row changes nothing: each
    product waits at its own value of time (the session 10 form)."""
    runs = []
    for lane in (3.0, 50.0):
        t = _two_lanes(tiny.base_tables(), x2_lane=lane)
        par = t["parameters"]
        par.loc[par["parameter"] == "congestion_fifo", "value"] = 0
        runs.append(solve_tiny(t).results.summary["objective_usd"])
    assert runs[0] == pytest.approx(runs[1], abs=TOL)


def test_independent_arc_lp_agrees(tmp_path, tiny_tables):
    """The arc LP (tests/independent, imports nothing of the model) reads X2's lane row and
    finds the hand-computed optimum."""
    inst = arc_lp.read_instance(tiny.write(tmp_path / "arc", _two_lanes(tiny_tables)))
    assert inst.congestion_lane_by_crossing == {"x2": pytest.approx(3.0)}
    assert arc_lp.solve_arc_lp(inst).objective_usd == pytest.approx(-329_364.0, abs=TOL)


def test_verifier_catches_a_gate_priced_at_the_default_lane(solve_tiny, tiny_tables):
    """X2's tier costs rewritten at the default lane (20 USD per truck-hour): the verifier's
    own lane value of X2 (4) says the cost is wrong."""
    run = solve_tiny(_two_lanes(tiny_tables))
    c = run.results.congestion
    x2 = c["crossing_id"].eq("x2")
    c.loc[x2, "cost_usd_per_truck"] = c.loc[x2, "hours"] * 20.0
    c["cost_usd"] = c["trucks"] * c["cost_usd_per_truck"]
    bad = verify.violations(verify.verify_results(run.results, run.tables, run.net.scenario,
                                                  net=run.net))
    assert "congestion_cost" in set(bad["check"]), bad.to_string()


def test_a_lane_row_for_an_unknown_gate_names_file_row_and_field(tmp_path, tiny_tables):
    t = _two_lanes(tiny_tables)
    t["cost_terms"].loc[t["cost_terms"]["term"] == "congestion_lane_value", "applies_to"] = "x9"
    with pytest.raises(InputError) as err:
        load_dataset(tiny.write(tmp_path / "bad", t), check_borders=False)
    assert "cost_terms.csv" in str(err.value) and "applies_to" in str(err.value) \
        and "x9" in str(err.value)


def test_sampled_gate_lane_value_warm_equals_rebuilt(tmp_path, tiny_tables):
    """Calibration and the uncertainty engine take a gate's lane value warm: sampled with the
    default lane value and the hours, a kept model gives the rebuilt model's objective."""
    assert_warm_equals_rebuilt(tiny.write(tmp_path / "ds", _two_lanes(tiny_tables)),
                               "table,key,field,low,high\n"
                               "cost_terms,congestion_lane_value|x2,value,0.5,40\n"
                               "parameters,congestion_lane_usd_per_truck_h,value,5,60\n"
                               "parameters,congestion_hours_2,value,1,5\n", n=5, seed=4)


def test_the_congestion_prior_appends_the_gates_lane_rows_once(tmp_path):
    """``tools/calibrate_default.py --with-congestion`` stages a dataset with the prior's
    parameters, the gates' ``congestion_lane_value`` rows and their ranges, each once (a
    dataset that has a row keeps it), and the staged dataset loads: every lane row names a
    crossing and lies in its range. The embedded dataset carries its calibrated lanes since
    session 14 (kept as they are); without them (a copy with the lane rows taken out) the
    prior's are appended."""
    import importlib.util
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("calibrate_default",
                                                  root / "tools" / "calibrate_default.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    embedded = tool.with_congestion(root / "data" / "default", tmp_path / "embedded")
    for name in ("parameters.csv", "cost_terms.csv", "ranges.csv"):  # already there: kept
        assert (embedded / name).read_bytes() == (root / "data" / "default" / name).read_bytes()
    bare = tmp_path / "bare"
    shutil.copytree(root / "data" / "default", bare)
    for name in ("cost_terms.csv", "ranges.csv"):
        lines = (bare / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (bare / name).write_text("".join(x for x in lines if "congestion_lane_value" not in x),
                                 encoding="utf-8")
    staged = tool.with_congestion(bare, tmp_path / "staged")
    ct = pd.read_csv(staged / "cost_terms.csv")
    lanes = ct[ct["term"] == "congestion_lane_value"].set_index("applies_to")["value"]
    assert lanes.to_dict() == {"boten-mohan": 4.8, "kim-thanh-hekou": 3.5,
                               "huu-nghi-youyiguan": 15.0, "tan-thanh-puzhai": 15.0}
    ranges = pd.read_csv(staged / "ranges.csv")
    assert ranges["row_key"].str.startswith("congestion_lane_value|").sum() == 4
    again = tool.with_congestion(staged, tmp_path / "again")  # already there: not appended
    assert (again / "cost_terms.csv").read_bytes() == (staged / "cost_terms.csv").read_bytes()
    assert (again / "ranges.csv").read_bytes() == (staged / "ranges.csv").read_bytes()
    shutil.rmtree(again)
    tables = load_dataset(staged, check_borders=False)
    assert (tables.cost_terms["term"] == "congestion_lane_value").sum() == 4
