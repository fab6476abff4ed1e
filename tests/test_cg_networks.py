"""The hand-computed column-generation networks of tests/data/cg-*, solved through the command
line (see each folder's README.md for the hand computation).

- cg-shelf-life: the best route in time is neither the cheapest nor the fastest path of its
  crossing sequence (-196,800 USD/day);
- cg-three-borders: the best route crosses three borders (-387,700 USD/day);
- cg-gate-dual: Pa Hang–Long Sap LA->VN binds at 8 trucks/day, its dual is 610 USD/truck, and
  re-solves with 9 and 7 trucks/day move the optimum by exactly -610 and +610 USD/day;
- cg-toll-vot-share: a toll, a value of time and a destination-share row; the shortest and
  cheapest-by-running-cost road is not the best one (-563,250 USD/day, share dual 246.25 USD/t).
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


#: cg-three-borders over 1 January 2024: 73,000 t/year x 1/12 (January) / 31 days (hand)
DAY_SUPPLY_T = 73_000 / 12 / 31


def _dated(dispatch: str = "foresight", **options):
    import datetime as dt
    from dataclasses import replace

    import borderflow as bf
    from borderflow.data.scenario import Horizon, Scenario
    from borderflow.options import RunOptions

    ds = bf.load_dataset(DATA / "cg-three-borders", check_borders=False)
    scenario = Scenario(name="day", horizon=Horizon(start=dt.date(2024, 1, 1), days=1))
    return bf.solve(ds, scenario, options=replace(RunOptions.of(**options), dispatch=dispatch))


def test_a_dated_run_generates_the_three_border_route_and_is_certified():
    """The dated model's capped enumeration (two crossings at most) has only R2; dated pricing
    finds R3 for the one dispatch day (its gate Huu Nghi reached 28 h after dispatch, on day 1,
    crossed at once: no waiting cost), adds it and re-solves warm: every tonne on R3, s x (61.5
    - 2,000) with s = 196.24 t, certified, and the dated certificate re-checked by the
    verifier."""
    res = _dated()
    s = res.summary
    assert res.tables["unserved"]["supply_t"].sum() == pytest.approx(DAY_SUPPLY_T, rel=1e-12)
    # (the summary quotes ten significant digits)
    assert s["objective_usd"] == pytest.approx(DAY_SUPPLY_T * (61.5 - 2000), rel=1e-9)
    assert s["routing"] == "certified", s["pricing"]
    assert s["optimality"] == "optimal over all routes (certified)"
    assert s["pricing"]["routes_generated"] == 1 and s["pricing"]["rounds"] == 2
    assert s["verified"] is True
    checks = res.verification[res.verification["check"].isin(["route_dual", "duality_gap"])]
    assert set(checks["check"]) == {"route_dual", "duality_gap"} and checks["ok"].all()
    assert res.tables["route_flows"]["route_id"].str.contains("priced-").all()


def test_a_dated_run_without_column_generation_is_restricted_with_its_bound():
    """Over R2 only: s x (92 - 2,000); R3 prices at 61.5 - 92 = -30.5 USD/t with its duals, so
    the gap is at most s x 30.5, exactly the true gap."""
    res = _dated(pricing_rounds=0)
    s = res.summary
    assert s["objective_usd"] == pytest.approx(DAY_SUPPLY_T * (92 - 2000), rel=1e-9)
    assert s["routing"] == "restricted"
    assert s["pricing"]["min_reduced_cost_usd_per_t"] == pytest.approx(-30.5, abs=1e-6)
    assert s["pricing"]["gap_bound_usd"] == pytest.approx(DAY_SUPPLY_T * 30.5, rel=1e-9)
    assert "in the model only; gap <= 5,985.22 USD" in s["optimality"]
    assert s["verified"] is True  # the bound re-checked by the dated certificate
    assert any(line.startswith("Not proven optimal over every route") for line in res.story)


def test_rolling_windows_and_realistic_dispatch_are_not_priced():
    """An approximation (windows without the whole LP) and a policy simulation have no
    optimal duals to price with: restricted, gap unknown, and they say why."""
    windows = _dated(window_days=1).summary
    assert windows["routing"] == "restricted" and windows["pricing"]["gap_bound_usd"] is None
    assert "rolling windows" in windows["pricing"]["reason"]
    realistic = _dated(dispatch="realistic").summary
    assert realistic["routing"] == "restricted" and realistic["pricing"]["gap_bound_usd"] is None
    assert "policy simulation" in realistic["pricing"]["reason"]
    assert realistic["optimality"].startswith("not an optimum")


def test_verify_rejects_a_dated_certificate_whose_duals_let_a_route_price_out(tmp_path):
    """A dated run folder, certified; raise the supply dual of the day by 100 USD/t in its
    tables: the dated certificate's own branch and bound finds R3 at -100 USD/t."""
    from borderflow.verify import verify_run, violations

    scenario = tmp_path / "day.yaml"
    scenario.write_text("name: day\nbase: default\nhorizon: {start: 2024-01-01, days: 1}\n")
    summary, run = _solve(tmp_path, "cg-three-borders", "--scenario", str(scenario))
    assert summary["routing"] == "certified" and summary["verified"] is True
    assert violations(verify_run(run)).empty
    _edit(run, "unserved", lambda df: df.assign(dual_usd_per_t=df["dual_usd_per_t"] + 100.0))
    bad = violations(verify_run(run))
    hit = bad[bad["check"] == "route_dual"]
    assert len(hit) == 1 and hit["amount"].iloc[0] == pytest.approx(100.0, abs=1e-6)
    assert "@" in hit["entity"].iloc[0]  # per dispatch day


def _edit(run: Path, table: str, change) -> None:
    """Apply ``change(df)`` to both files of a run folder's table."""
    for ext in ("parquet", "csv"):
        path = run / f"{table}.{ext}"
        df = pd.read_parquet(path) if ext == "parquet" else pd.read_csv(path)
        df = change(df)
        df.to_parquet(path, index=False) if ext == "parquet" else df.to_csv(path, index=False)


def test_toll_value_of_time_and_share_row_certified_at_the_hand_optimum(tmp_path):
    """tests/data/cg-toll-vot-share/README.md: 120 t to Nanning by the expressway (N2: the toll
    unscaled by the reefer factor, the value of time on 8.6 h), 80 t to Kunming (the share
    row's 40 %), -563,250 USD/day; the share row's dual 246.25 USD/t and the supply dual
    -2,816.25 USD/t, certified and re-checked by the verifier."""
    summary, run = _solve(tmp_path, "cg-toll-vot-share")
    assert summary["objective_usd"] == pytest.approx(-563_250.0, abs=1e-6)
    assert summary["routing"] == "certified", summary["pricing"]
    assert summary["verified"] is True
    flows = pd.read_csv(run / "route_flows.csv").set_index("market")
    assert flows.loc["cn-nanning", "flow_t"] == pytest.approx(120.0, abs=1e-6)
    assert flows.loc["cn-nanning", "cost_usd_per_t"] == pytest.approx(85.25, abs=1e-9)
    assert flows.loc["cn-nanning", "duration_h"] == pytest.approx(8.6, abs=1e-9)
    assert flows.loc["cn-kunming", "flow_t"] == pytest.approx(80.0, abs=1e-6)
    assert flows.loc["cn-kunming", "cost_usd_per_t"] == pytest.approx(131.5, abs=1e-9)
    arcs = pd.read_csv(run / "route_arcs.csv")
    assert "vn-lang-son" in set(arcs["to_node"]) and "vn-loc-binh" not in set(arcs["to_node"])
    shares = pd.read_csv(run / "share_duals.csv").set_index("side")
    assert shares.loc["low", "dual_usd_per_t"] == pytest.approx(246.25, abs=1e-6)
    assert shares.loc["high", "dual_usd_per_t"] == pytest.approx(0.0, abs=1e-6)
    unserved = pd.read_csv(run / "unserved.csv")
    assert unserved["dual_usd_per_t"].iloc[0] == pytest.approx(-2_816.25, abs=1e-6)
    verification = pd.read_csv(run / "verification.csv")
    rows = verification[verification["check"].isin(["route_dual", "dual_sign", "duality_gap"])]
    assert rows["ok"].all() and {"route_dual", "duality_gap"} <= set(rows["check"])
    assert rows["entity"].str.startswith("share VN/fruit/yunnan").sum() == 2


def test_verify_needs_the_share_duals_to_certify(tmp_path):
    """Drop the share row's dual: N2 then prices at 85.25 - 3,000 + 2,816.25 = -98.50 USD/t,
    and the certificate's own search finds it."""
    from borderflow.verify import verify_run, violations

    _, run = _solve(tmp_path, "cg-toll-vot-share")
    _edit(run, "share_duals", lambda df: df.assign(dual_usd_per_t=0.0))
    bad = violations(verify_run(run))
    hit = bad[bad["check"] == "route_dual"]
    assert len(hit) == 1 and hit["amount"].iloc[0] == pytest.approx(98.5, abs=1e-6)


def test_verify_rejects_a_share_dual_of_the_wrong_sign(tmp_path):
    """A low side's dual must be >= 0 (its row is ``>= 0``): flipped, dual_sign fails."""
    from borderflow.verify import verify_run, violations

    _, run = _solve(tmp_path, "cg-toll-vot-share")
    _edit(run, "share_duals", lambda df: df.assign(dual_usd_per_t=-df["dual_usd_per_t"]))
    bad = violations(verify_run(run))
    sign = bad[(bad["check"] == "dual_sign") & bad["entity"].str.startswith("share")]
    assert len(sign) == 1 and sign["amount"].iloc[0] == pytest.approx(246.25, abs=1e-6)


def test_the_certificate_uses_capacity_duals_as_exported_not_clipped(tmp_path):
    """A capacity dual of -5 USD/truck on Lao Cai–Hekou (VN->CN) fails ``dual_sign`` by 5, and
    the certificate prices with it as it is: route K then costs 5 / 20 = 0.25 USD/t less and
    prices out at -0.25 USD/t (a clipped dual would hide that)."""
    from borderflow.verify import verify_run, violations

    _, run = _solve(tmp_path, "cg-toll-vot-share")
    cr = pd.read_csv(run / "crossings.csv")
    assert (cr["dual_usd_per_truck"] >= 0).all()

    def negative(df: pd.DataFrame) -> pd.DataFrame:
        at = (df["crossing_id"] == "lao-cai-hekou-ho-kieu") & (df["direction"] == "a_to_b")
        return df.assign(dual_usd_per_truck=df["dual_usd_per_truck"].where(~at, -5.0))

    _edit(run, "crossings", negative)
    bad = violations(verify_run(run))
    sign = bad[(bad["check"] == "dual_sign") & bad["entity"].str.startswith("capacity")]
    assert len(sign) == 1 and sign["amount"].iloc[0] == pytest.approx(5.0, abs=1e-9)
    route = bad[bad["check"] == "route_dual"]
    assert len(route) == 1 and route["amount"].iloc[0] == pytest.approx(0.25, abs=1e-6)
