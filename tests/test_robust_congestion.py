"""Robust plans with congestion tiers (docs/model.md "Congestion at the gates", docs/sweeps.md):
a hand-computed plan on the tiny two-gate network, its certificate and the verifier's checks.

The network (``helpers.congestion_tables``, as tests/test_congestion.py): 200 t/day = 10 trucks of
durian; route cost per tonne (value of time 0.95 USD/t-h included) via X1 ``c1`` = 22.4, via X2
``c2`` = 23.6; each gate 10 trucks/day a direction, tiers of 5, 2.5, 1.5 and 1 trucks (100, 50,
30 and 20 t) waiting 0, 0.5, 2 and 6 h at 20 USD per truck-hour = 1 USD/t per hour. Spot premium
0.3, unused booking 0.1. Scenarios: normal (0.9) and X1 closed (p = 0.1).

- Normal year alone: X1 tier 1 (22.4), X1 tier 2 (22.9), X2 tier 1 (23.6): 150 t via X1, 50 t
  via X2, delay 50 x 0.5 = 25 USD; cost 150 x 22.4 + 50 x 23.6 + 25 - 200,000 = -195,435.
- X1 closed: all 200 t via X2 through every tier: delay 50 x 0.5 + 30 x 2 + 20 x 6 = 205 USD.
- The baseline plan books 150 / 50. Closed: spot 150 t on X2 (0.3 x 23.6 x 150 = 1,062) and
  idle X1 (0.1 x 22.4 x 150 = 336): 4,720 + 205 + 1,062 + 336 - 200,000 = -193,677.
  Expected 0.9 x -195,435 + 0.1 x -193,677 = -195,259.2.
- The robust plan moves a tonne of booking and normal-year flow from X1 to X2 while that costs
  less in the normal year than it saves when X1 is closed, 0.1 x (0.3 x 23.6 + 0.1 x 22.4) =
  0.932 USD: from X1's tier 2 (22.9) to X2's tier 1 (23.6) costs 0.9 x 0.7 = 0.63 (moved), from
  X1's tier 1 (22.4) to X2's tier 2 (24.1) 0.9 x 1.7 = 1.53 (not). So 100 / 100 t: normal
  100 x 22.4 + 100 x 23.6 - 200,000 = -195,400 (no wait); closed 4,720 + 205 + spot 0.3 x
  23.6 x 100 = 708 + idle 0.1 x 22.4 x 100 = 224 - 200,000 = -194,143. Expected -195,274.3, value
  of the robust plan 15.1 USD/day, expected delay 0.1 x 205 = 20.5 USD/day.
- Without tiers (the no-tier answer) the plan books 200 t on X1 and expects -195,309.6: the tiers
  change both the plan and its cost.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import border_data, congestion_tables
from typer.testing import CliRunner

import tiny
from borderflow.cli import app
from borderflow.data.dataset import load_dataset
from borderflow.robust import closure_scenarios, robust_plan

TOL = 1e-6
P = 0.1


def _tables(tmp_path, name="data", hours=(0.0, 0.5, 2.0, 6.0)):
    return congestion_tables(tiny.base_tables(), hours=hours, supply_t=200.0)


def _plan(tmp_path, hours=(0.0, 0.5, 2.0, 6.0)):
    folder = tiny.write(tmp_path / "data", _tables(tmp_path, hours=hours))
    scenarios, probabilities = closure_scenarios(["x1"], P)
    return robust_plan(load_dataset(folder, check_borders=False), scenarios, probabilities)


def _booked(r, label: str) -> dict:
    plan = r.plan.set_index("crossings")[f"booked_t_per_day_{label}"]
    return {k: v for k, v in plan.to_dict().items() if v > TOL}


def test_tiers_move_the_booking_to_where_marginal_delay_and_closure_risk_meet(tmp_path):
    r = _plan(tmp_path)
    s = r.summary
    assert _booked(r, "robust") == pytest.approx({"x1:a_to_b": 100.0, "x2:a_to_b": 100.0},
                                                 abs=TOL)
    assert _booked(r, "baseline") == pytest.approx({"x1:a_to_b": 150.0, "x2:a_to_b": 50.0},
                                                   abs=TOL)
    assert s["expected_cost_usd_robust"] == pytest.approx(-195_274.3, abs=TOL)
    assert s["expected_cost_usd_baseline"] == pytest.approx(-195_259.2, abs=TOL)
    assert s["value_of_robust_plan_usd"] == pytest.approx(15.1, abs=TOL)
    assert s["expected_congestion_cost_usd_robust"] == pytest.approx(0.1 * 205, abs=TOL)
    assert s["expected_congestion_cost_usd_baseline"] == pytest.approx(0.9 * 25 + 0.1 * 205,
                                                                       abs=TOL)
    assert s["routing"] == "certified"
    sc = r.scenarios.set_index("scenario")
    assert sc.loc["normal", "congestion_usd_robust"] == pytest.approx(0.0, abs=TOL)
    assert sc.loc["normal", "congestion_usd_baseline"] == pytest.approx(25.0, abs=TOL)
    assert sc.loc["close-x1", "cost_usd_robust"] == pytest.approx(-194_143.0, abs=TOL)
    assert sc.loc["close-x1", "cost_usd_baseline"] == pytest.approx(-193_677.0, abs=TOL)
    obj = r.certificate["objective"].set_index("scenario")
    assert obj.loc["close-x1", "congestion_cost_usd"] == pytest.approx(205.0, abs=TOL)
    assert obj["weighted_cost_usd"].sum() == pytest.approx(-195_274.3, abs=TOL)
    report = r.verify(r_tables := load_dataset(tmp_path / "data", check_borders=False))
    assert report["ok"].all(), report[~report["ok"]]
    checks = set(report["check"])
    assert {"congestion_link", "congestion_tier", "congestion_order", "congestion_cost",
            "congestion_dual", "congestion_tiers", "spot_route_dual",
            "booking_route_dual"} <= checks
    assert r_tables is not None


def test_without_tiers_the_plan_and_its_cost_differ(tmp_path):
    """The no-tier answer (hours 0): the normal year ships all 200 t via X1 and the plan books
    it (a 0.1 chance of closure is below the 0.25 at which booking X2 pays, tests/test_robust.py):
    0.9 x (200 x 22.4 - 200,000) + 0.1 x (200 x 23.6 + 0.3 x 23.6 x 200 + 0.1 x 22.4 x 200
    - 200,000) = -195,309.6; no congestion table, column or summary field."""
    r = _plan(tmp_path, hours=(0.0, 0.0, 0.0, 0.0))
    assert _booked(r, "robust") == pytest.approx({"x1:a_to_b": 200.0}, abs=TOL)
    assert r.summary["expected_cost_usd_robust"] == pytest.approx(-195_309.6, abs=TOL)
    assert "expected_congestion_cost_usd_robust" not in r.summary
    assert "congestion_usd_robust" not in r.scenarios.columns
    assert "congestion_cost_usd" not in r.certificate["objective"].columns
    assert all("congestion" not in t for t, _ in r.scenario_folders.values())


def _cli_plan(tmp_path):
    data = border_data(tmp_path, "data", _tables(tmp_path))
    out = tmp_path / "robust"
    result = CliRunner().invoke(app, ["robust", "--data", str(data), "--close", "x1",
                                      "--probability", str(P), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    return data, out


def _verify(out):
    return CliRunner().invoke(app, ["verify", str(out)])


def test_cli_plan_with_tiers_is_written_and_verified(tmp_path):
    data = border_data(tmp_path, "data", _tables(tmp_path))
    out = tmp_path / "robust"
    printed = CliRunner().invoke(app, ["robust", "--data", str(data), "--close", "x1",
                                       "--probability", str(P), "--out", str(out)])
    assert printed.exit_code == 0, printed.output
    assert "delay in the congestion tiers included: expected 20 USD/day" in " ".join(
        printed.output.split())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["expected_cost_usd_robust"] == pytest.approx(-195_274.3, abs=TOL)
    assert (out / "scenario-1" / "congestion.parquet").is_file()
    result = _verify(out)
    assert result.exit_code == 0, result.output


def _tamper(out, name: str, edit) -> None:
    """Edit a table of the folder in both its files (parquet, which the verifier reads, and
    CSV)."""
    t = edit(pd.read_parquet(out / f"{name}.parquet"))
    t.to_parquet(out / f"{name}.parquet", index=False)
    t.to_csv(out / f"{name}.csv", index=False)


def _dropped_wait(t: pd.DataFrame) -> pd.DataFrame:
    """The closed scenario's tier wait cost dropped from objective.csv (and from its cost,
    so the terms still add up)."""
    closed = t["scenario"] == "close-x1"
    t.loc[closed, "cost_usd"] -= t.loc[closed, "congestion_cost_usd"]
    t.loc[closed, "weighted_cost_usd"] = t.loc[closed, "cost_usd"] * P
    t.loc[closed, "congestion_cost_usd"] = 0.0
    return t


@pytest.mark.parametrize("name, edit, check", [
    ("objective", _dropped_wait, "objective"),
    ("scenario-1/congestion", lambda c: c.assign(cost_usd=c["cost_usd"] * 0.0), "congestion_cost"),
    ("scenario-1/congestion", lambda c: c.assign(hours=0.0), "congestion_tiers"),
    ("scenario-1/congestion", lambda c: c.assign(trucks=c["trucks"].where(c["tier"] != 4, 0.0)),
     "congestion_link"),
    ("scenario-0/congestion", lambda c: c.assign(
        tier_dual_usd_per_truck=c["tier_dual_usd_per_truck"] - 1.0), "dual_sign"),
    ("scenario-1/congestion", lambda c: c.assign(
        link_dual_usd_per_truck=c["link_dual_usd_per_truck"] + 50.0), "congestion_dual"),
])
def test_verifier_catches_a_tampered_congestion_cost(tmp_path, name, edit, check):
    """A folder whose tier cost was tampered (the wait dropped from the objective, the tier
    costs or hours zeroed, a tier's trucks removed, a tier dual made negative, a link dual
    raised above what its tiers cost) fails ``borderflow verify`` on the named check; the
    untouched folder passes (previous test)."""
    from borderflow.verify import verify_run

    _, out = _cli_plan(tmp_path)
    _tamper(out, name, edit)
    report = verify_run(out)
    bad = report[~report["ok"]]
    assert check in set(bad["check"]), bad.to_string()
    assert _verify(out).exit_code != 0
