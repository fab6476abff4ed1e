"""The hand-computed column-generation networks of tests/data/cg-*, solved through the command
line (see each folder's README.md for the hand computation).

- cg-shelf-life: the best route in time is neither the cheapest nor the fastest path of its
  crossing sequence (-196,800 USD/day);
- cg-three-borders: the best route crosses three borders (-387,700 USD/day);
- cg-gate-dual: Pa Hang–Long Sap LA->VN binds at 8 trucks/day, its dual is 610 USD/truck, and
  re-solves with 9 and 7 trucks/day move the optimum by exactly -610 and +610 USD/day.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"


def _solve(tmp_path: Path, name: str, *args: str) -> tuple[dict, Path]:
    exe = Path(sys.executable).with_name("borderflow")
    cmd = [str(exe) if exe.exists() else shutil.which("borderflow"), "solve", "--data",
           str(DATA / name), "--out", str(tmp_path / "run"), *args]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((tmp_path / "run" / "summary.json").read_text()), tmp_path / "run"


def test_best_route_in_time_is_neither_cheapest_nor_fastest(tmp_path):
    summary, run = _solve(tmp_path, "cg-shelf-life")
    assert summary["objective_usd"] == pytest.approx(200 * (16.0 - 1000), abs=1e-6)
    flows = pd.read_csv(run / "route_flows.csv")
    assert flows["duration_h"].tolist() == pytest.approx([14.0])


def test_best_route_crosses_three_borders(tmp_path):
    summary, run = _solve(tmp_path, "cg-three-borders")
    assert summary["objective_usd"] == pytest.approx(200 * (61.5 - 2000), abs=1e-6)
    arcs = pd.read_csv(run / "route_arcs.csv")
    assert (arcs["kind"] == "crossing").sum() == 3


def _throttled(tmp_path: Path, trucks: float) -> Path:
    path = tmp_path / f"gate-{trucks:g}.yaml"
    path.write_text("name: gate\nbase: default\nevents:\n  - {crossing: pa-hang-long-sap, "
                    f"capacity_trucks_per_day: {trucks:g}, direction: a_to_b}}\n")
    return path


@pytest.mark.parametrize("trucks, change", [(9, -610.0), (7, +610.0)])
def test_gate_dual_matches_re_solves_with_one_truck_more_or_less(tmp_path, trucks, change):
    summary, run = _solve(tmp_path / "base", "cg-gate-dual")
    assert summary["objective_usd"] == pytest.approx(-768_080.0, abs=1e-6)
    cr = pd.read_csv(run / "crossings.csv").set_index(["crossing_id", "direction"])
    dual = cr.loc[("pa-hang-long-sap", "a_to_b"), "dual_usd_per_truck"]
    assert dual == pytest.approx(610.0, abs=1e-6)
    other = cr.drop(("pa-hang-long-sap", "a_to_b"))["dual_usd_per_truck"]
    assert other.abs().max() == pytest.approx(0.0, abs=1e-6)
    moved, _ = _solve(tmp_path / "moved", "cg-gate-dual", "--scenario",
                      str(_throttled(tmp_path, trucks)))
    assert moved["objective_usd"] - summary["objective_usd"] == pytest.approx(change, abs=1e-6)
    assert abs(change) == pytest.approx(dual)


def test_the_three_border_route_is_generated_and_certified(tmp_path):
    """Today's enumeration (two crossings at most) misses R3; pricing adds it in one round."""
    summary, _ = _solve(tmp_path, "cg-three-borders")
    assert summary["routing"] == "certified"
    assert summary["optimality"] == "optimal over all routes (certified)"
    assert summary["pricing"]["routes_generated"] >= 1 and summary["pricing"]["rounds"] == 2
    assert summary["verified"] is True


def test_a_restricted_run_says_so_with_a_gap_bound_that_holds(tmp_path):
    """Without column generation the run is optimal over R2 only: -381,600 USD/day. Its duals
    price R3 at 61.5 - 2,000 - (92 - 2,000) = -30.5 USD/t, so the gap is at most 200 t x 30.5
    = 6,100 USD/day, which is exactly the true gap (-381,600 against -387,700)."""
    summary, _ = _solve(tmp_path, "cg-three-borders", "--pricing-rounds", "0")
    assert summary["objective_usd"] == pytest.approx(200 * (92.0 - 2000), abs=1e-6)
    assert summary["routing"] == "restricted"
    assert summary["pricing"]["gap_bound_usd"] == pytest.approx(6_100.0, abs=1e-6)
    assert summary["pricing"]["min_reduced_cost_usd_per_t"] == pytest.approx(-30.5, abs=1e-6)
    assert "only" in summary["optimality"] and "gap <= 6,100.00 USD/day" in \
        summary["optimality"]
    assert "optimal over all routes" not in summary["optimality"]
    assert summary["verified"] is True  # the bound re-checked: gap_bound row passes


def test_verify_rejects_a_certificate_whose_duals_let_a_route_price_out(tmp_path):
    """Raise the supply dual of Udon Thani rubber by 100 USD/t in the tables: R3's reduced
    cost is then -100 USD/t; the certificate's own search finds it."""
    from borderflow.verify import verify_run, violations

    _, run = _solve(tmp_path, "cg-three-borders")
    for ext in ("parquet", "csv"):
        path = run / f"unserved.{ext}"
        df = pd.read_parquet(path) if ext == "parquet" else pd.read_csv(path)
        df["dual_usd_per_t"] += 100.0
        df.to_parquet(path, index=False) if ext == "parquet" else df.to_csv(path, index=False)
    bad = violations(verify_run(run))
    hit = bad[bad["check"] == "route_dual"]
    assert len(hit) == 1 and hit["amount"].iloc[0] == pytest.approx(100.0, abs=1e-6)
    assert "duality_gap" in set(bad["check"])


def test_a_dated_run_is_restricted_and_says_so():
    """Day-by-day runs are not priced yet: their summary and story say the routing is optimal
    over the enumerated routes only, never "optimal over all routes"."""
    import datetime as dt

    import borderflow as bf
    from borderflow.data.scenario import Horizon, Scenario

    ds = bf.load_dataset(DATA / "cg-three-borders", check_borders=False)
    res = bf.solve(ds, Scenario(name="day", horizon=Horizon(start=dt.date(2024, 1, 1), days=1)))
    assert res.summary["routing"] == "restricted"
    assert res.summary["optimality"].startswith("optimal over the ")
    assert "in the model only; gap unknown" in res.summary["optimality"]
    assert "day-by-day" in res.summary["pricing"]["reason"]
    assert any(line.startswith("Not proven optimal over every route") for line in res.story)
