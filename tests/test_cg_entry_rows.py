"""Gate-entry rows (slot quotas, licences) in pricing and in the certificate (issue 17).

On tests/data/cg-three-borders (see its README: R3 through Pa Hang–Long Sap, 1,230 USD/truck;
R2 via Boten, 1,840 USD/truck; 200 t/day = 10 trucks of rubber, 20 t/truck, at 2,000 USD/t):
a slot quota of 4 trucks/day on Pa Hang–Long Sap LA->VN binds. By hand: 4 trucks (80 t) take R3,
6 (120 t) take R2,

    optimum = 80 x (61.5 - 2,000) + 120 x (92 - 2,000) = -155,080 - 228,960 = -384,040 USD/day,

and one more slot moves a truck from R2 to R3, saving 1,840 - 1,230 = 610 USD: the quota's dual
is 610 USD/truck. With the supply dual -1,908 USD/t (R2 carries flow), R3's reduced cost is 61.5
+ 610 / 20 - 2,000 + 1,908 = 0 only when the quota's dual is counted (without it: -30.5 USD/t),
and the dual objective -1,908 x 200 - 610 x 4 = -384,040 closes the duality gap only with it.
A licence withdrawn on 73 of the 365 days (20 October - 31 December 2023) under a capacity of 5
trucks/day limits rubber there to 0.8 x 5 = 4 trucks/day: the same optimum, on a licence row.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data" / "cg-three-borders"
QUOTA = "  - {crossing: pa-hang-long-sap, slot_quota: {trucks_per_day: 4}, direction: a_to_b}\n"
LICENCE = ("  - {crossing: pa-hang-long-sap, capacity_trucks_per_day: 5, direction: a_to_b}\n"
           "  - {crossing: pa-hang-long-sap, license: {products: [rubber], licensed: false}, "
           "from: 2023-10-20, to: 2023-12-31}\n")
#: cg-three-borders over 1 January 2024: 73,000 t/year x 1/12 / 31 days (hand)
DAY_SUPPLY_T = 73_000 / 12 / 31


def _solve(folder: Path, events: str, horizon: str = "") -> tuple[dict, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    scenario = folder / "scenario.yaml"
    scenario.write_text(f"name: entry\nbase: default\n{horizon}events:\n{events}")
    exe = Path(sys.executable).with_name("borderflow")
    cmd = [str(exe) if exe.exists() else shutil.which("borderflow"), "solve", "--data",
           str(DATA), "--scenario", str(scenario), "--out", str(folder / "run")]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((folder / "run" / "summary.json").read_text()), folder / "run"


@pytest.fixture(scope="module")
def quota(tmp_path_factory) -> tuple[dict, Path]:
    return _solve(tmp_path_factory.mktemp("quota"), QUOTA)


def _copy(run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "copy"
    shutil.copytree(run, out)
    return out


def _edit(run: Path, change) -> None:
    for ext in ("parquet", "csv"):
        path = run / f"entry_duals.{ext}"
        df = pd.read_parquet(path) if ext == "parquet" else pd.read_csv(path)
        df = change(df)
        df.to_parquet(path, index=False) if ext == "parquet" else df.to_csv(path, index=False)


def _gate_rows(run: Path) -> pd.DataFrame:
    rep = pd.read_csv(run / "verification.csv")
    return rep[rep["check"].isin(["route_dual", "duality_gap", "dual_sign", "entry_dual"])]


def test_a_binding_slot_quota_is_priced_and_certified_at_the_hand_optimum(quota):
    summary, run = quota
    assert summary["objective_usd"] == pytest.approx(-384_040.0, abs=1e-6)
    assert summary["routing"] == "certified", summary["pricing"]
    assert summary["verified"] is True
    entry = pd.read_csv(run / "entry_duals.csv")
    assert len(entry) == 1 and entry["kind"].iloc[0] == "slot_quota"
    assert entry["dual_usd_per_truck"].iloc[0] == pytest.approx(610.0, abs=1e-6)
    assert entry["limit_trucks_per_day"].iloc[0] == pytest.approx(4.0)
    rows = _gate_rows(run)
    assert rows["ok"].all() and {"route_dual", "duality_gap"} <= set(rows["check"])
    assert rows["entity"].str.startswith("entry events[0] slot_quota").sum() == 1


@pytest.mark.parametrize("dual, route_gap", [(500.0, 5.5), (0.0, 30.5)])
def test_verify_catches_a_tampered_quota_dual(quota, tmp_path, dual, route_gap):
    """500 USD/truck leaves R3 at 61.5 + 25 - 2,000 + 1,908 = -5.5 USD/t and the dual
    objective 110 x 4 = 440 USD too high; 0 leaves R3 at -30.5 USD/t."""
    from borderflow.verify import verify_run, violations

    run = _copy(quota[1], tmp_path)
    _edit(run, lambda df: df.assign(dual_usd_per_truck=dual))
    bad = violations(verify_run(run))
    route = bad[bad["check"] == "route_dual"]
    assert len(route) == 1 and route["amount"].iloc[0] == pytest.approx(route_gap, abs=1e-6)
    gap = bad[bad["check"] == "duality_gap"]
    assert len(gap) == 1 and gap["amount"].iloc[0] == pytest.approx((610.0 - dual) * 4.0,
                                                                     abs=1e-6)


def test_verify_catches_a_negative_or_stray_entry_dual(quota, tmp_path):
    from borderflow.verify import verify_run, violations

    run = _copy(quota[1], tmp_path)
    stray = lambda df: pd.concat([df.assign(dual_usd_per_truck=-df["dual_usd_per_truck"]),  # noqa: E731
                                  df.assign(period=7)], ignore_index=True)
    _edit(run, stray)
    bad = violations(verify_run(run))
    sign = bad[(bad["check"] == "dual_sign") & bad["entity"].str.startswith("entry")]
    assert len(sign) == 1 and sign["amount"].iloc[0] == pytest.approx(610.0, abs=1e-6)
    extra = bad[bad["check"] == "entry_dual"]
    assert len(extra) == 1 and "not in the scenario" in extra["entity"].iloc[0]


def test_a_binding_licence_row_is_priced_and_certified(tmp_path):
    summary, run = _solve(tmp_path, LICENCE)
    assert summary["objective_usd"] == pytest.approx(-384_040.0, abs=1e-6)
    assert summary["routing"] == "certified" and summary["verified"] is True
    entry = pd.read_csv(run / "entry_duals.csv").set_index("direction")
    assert entry.loc["a_to_b", "limit_trucks_per_day"] == pytest.approx(4.0, abs=1e-9)
    assert entry.loc["a_to_b", "dual_usd_per_truck"] == pytest.approx(610.0, abs=1e-6)
    assert _gate_rows(run)["ok"].all()


def test_a_dated_slot_quota_is_priced_by_the_day_a_route_reaches_the_gate(tmp_path):
    """One day (1 January 2024, s = 196.24 t): R3 reaches Pa Hang 17 h after dispatch, on day
    0, where the quota holds it to 4 trucks (80 t); the rest takes R2: 80 x (61.5 - 2,000) +
    (s - 80) x (92 - 2,000). The dated certificate counts the quota's dual of day 0; dropped,
    R3 prices out again at -30.5 USD/t."""
    from borderflow.verify import verify_run, violations

    summary, run = _solve(tmp_path, QUOTA, "horizon: {start: 2024-01-01, days: 1}\n")
    assert summary["objective_usd"] == pytest.approx(
        80 * (61.5 - 2000) + (DAY_SUPPLY_T - 80) * (92 - 2000), rel=1e-9)
    assert summary["routing"] == "certified" and summary["verified"] is True
    entry = pd.read_csv(run / "entry_duals.csv").set_index("period")
    assert entry.loc[0, "dual_usd_per_truck"] == pytest.approx(610.0, abs=1e-6)
    assert _gate_rows(run)["ok"].all()
    _edit(run, lambda df: df.assign(dual_usd_per_truck=0.0))
    route = violations(verify_run(run)).query("check == 'route_dual'")
    assert len(route) == 1 and route["amount"].iloc[0] == pytest.approx(30.5, abs=1e-6)
    assert route["entity"].iloc[0].endswith("@0")
