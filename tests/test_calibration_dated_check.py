"""The calibration's dated-baseline check (docs/calibration.md, "The dated-baseline check"):
the gates compared with their bands in an undisrupted dated run as in the static model.

Network (tests/tiny.py): via X1 11 USD/t, via X2 16 USD/t; supply 72,000 t/year, flat
seasonality, so June (30 days) has 72,000 / 12 / 30 = 200 t/day = 10 trucks/day.

- **Agree**: X1 (capacity 100 trucks/day) takes everything in both models. An observation of
  17 May - 30 June (15 days in May, 30 in June) weighs May's day by 15/45 and June's by 30/45:
  May has 72,000 / 12 / 31 = 193.55 t/day = 9.677 trucks, June 10, so
  (15 x 9.677 + 30 x 10) / 45 = 9.8925 trucks/day, statically and in the two dated windows
  (8-14 May and 8-14 June 2024: 7 days x 193.55 t / 7 / 20 t = 9.677, and 10); band 9.5-10.5:
  in, in, no flag.
- **Disagree**: the congestion tiers of tests/test_congestion.py (each gate 10 trucks/day, tiers
  at 50 / 75 / 90 %), supply 280 t/day in June (100,800 t/year). The static model spreads the
  trucks where the marginal delay costs meet: X1 150 t = 7.5 trucks/day, X2 130 t = 6.5
  (hand-computed there). Dated runs have no tiers (docs/model.md): X1, cheaper, fills its 10
  trucks/day, X2 takes the other 80 t = 4 trucks/day. X1's band 7-8: in statically, out dated
  (above) -> flagged; X2's band 6-7 likewise (below).

An annual observation (period over 92 days) and a ``report`` row are not checked.
"""

from __future__ import annotations

import json

import jsonschema
import pandas as pd
import pytest
import tiny
from helpers import border_data, congestion_tables
from typer.testing import CliRunner

from borderflow.calibration import DatedCheckOptions, FitOptions, calibrate, check_dated_baseline
from borderflow.calibration.dated_check import EXIT_DATED_MISS, checked, flags
from borderflow.calibration.targets import read_targets
from borderflow.cli import app
from borderflow.data.dataset import load_dataset
from borderflow.present import envelope as E

TOL = 1e-6
JUNE = ("2024-06-01", "2024-06-30")
YEAR = ("2024-01-01", "2024-12-31")


def _obs(obs_id: str, crossing: str, value: float, low: float, high: float,
         period=JUNE) -> dict:
    return {"obs_id": obs_id, "element_kind": "crossing", "element_id": crossing,
            "direction": "a_to_b", "period_start": period[0], "period_end": period[1],
            "quantity": value, "unit": "trucks/day", "counts": "loaded export trucks",
            "products": "", "per_day": value, "per_day_unit": "trucks/day",
            "low_per_day": low, "high_per_day": high, "uncertainty_basis": "test",
            **tiny.PROV}


def _use(obs_id: str, use: str = "fit") -> dict:
    return {"obs_id": obs_id, "use": use, "modelled_share": 1.0, "modelled_share_low": 1.0,
            "modelled_share_high": 1.0, "reason": "test", **tiny.PROV}


def _data(tmp_path, tables, observations: list[dict], uses: list[dict], ranges: str = ""):
    folder = border_data(tmp_path, "ds", tables)
    pd.DataFrame(observations).to_csv(folder / "observations.csv", index=False)
    pd.DataFrame(uses).to_csv(folder / "calibration_targets.csv", index=False)
    if ranges:
        (folder / "ranges.csv").write_text(ranges, encoding="utf-8")
    return folder


def _agreeing(tmp_path):
    t = tiny.base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = 72_000
    obs = [_obs("x1-may-june", "x1", 10, 9.5, 10.5, ("2024-05-17", "2024-06-30")),
           _obs("x1-year", "x1", 10, 9.5, 10.5, YEAR),
           _obs("x2-june-report", "x2", 1, 0.5, 1.5)]
    return _data(tmp_path, t, obs, [_use("x1-may-june"), _use("x1-year"),
                                    _use("x2-june-report", "report")])


def _disagreeing(tmp_path, ranges: str = ""):
    t = congestion_tables(tiny.base_tables())
    t["supply"].loc[0, "supply_t_per_year"] = 280 * 360
    obs = [_obs("x1-june", "x1", 7.5, 7.0, 8.0), _obs("x2-june", "x2", 6.5, 6.0, 7.0)]
    return _data(tmp_path, t, obs, [_use("x1-june"), _use("x2-june")], ranges)


def test_static_and_dated_agree_no_flag(tmp_path):
    tables = load_dataset(_agreeing(tmp_path), check_borders=False)
    tg = read_targets(tables)
    assert checked(tg).tolist() == [True, False, False]  # annual and report rows left out
    table, meta = check_dated_baseline(tables)
    assert table["obs_id"].tolist() == ["x1-may-june"]
    r = table.iloc[0]
    may = 72_000 / 12 / 31 / 20
    assert r["static"] == pytest.approx((15 * may + 30 * 10) / 45, abs=TOL)
    assert r["dated"] == pytest.approx((15 * may + 30 * 10) / 45, abs=TOL)
    assert r["dated"] == pytest.approx(9.8925, abs=1e-4)
    assert bool(r["within_static"]) and bool(r["within_dated"]) and not bool(r["flag"])
    assert meta["flags"] == []
    assert [(x["month"], x["start"], x["days"], x["routing"]) for x in meta["runs"]] == \
        [(5, "2024-05-08", 7, "certified"), (6, "2024-06-08", 7, "certified")]
    assert [x["values"]["x1-may-june"] for x in meta["runs"]] == pytest.approx([may, 10.0],
                                                                              abs=TOL)
    assert meta["options"]["dispatch"] == "foresight"


def test_dated_run_without_tiers_is_flagged(tmp_path):
    tables = load_dataset(_disagreeing(tmp_path), check_borders=False)
    table, meta = check_dated_baseline(tables, options=DatedCheckOptions(days=3))
    got = table.set_index("obs_id")
    assert got["static"].to_dict() == pytest.approx({"x1-june": 7.5, "x2-june": 6.5}, abs=TOL)
    assert got["dated"].to_dict() == pytest.approx({"x1-june": 10.0, "x2-june": 4.0}, abs=TOL)
    assert got["within_static"].tolist() == [True, True]
    assert got["within_dated"].tolist() == [False, False]
    assert got["flag"].tolist() == [True, True]
    assert meta["flags"] == flags(table)
    assert "x1-june" in meta["flags"][0] and "above 7.0-8.0" in meta["flags"][0]
    assert "x2-june" in meta["flags"][1] and "below 6.0-7.0" in meta["flags"][1]


def test_a_static_miss_that_is_also_a_dated_miss_is_not_flagged(tmp_path):
    t = tiny.base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = 72_000
    folder = _data(tmp_path, t, [_obs("x1-june", "x1", 20, 19, 21)], [_use("x1-june")])
    table, meta = check_dated_baseline(load_dataset(folder, check_borders=False),
                                       options=DatedCheckOptions(days=2))
    assert table[["within_static", "within_dated", "flag"]].iloc[0].tolist() == \
        [False, False, False]
    assert meta["flags"] == []


def test_window_must_fit_in_every_month():
    with pytest.raises(ValueError, match="start_day must be 1 to 8"):
        DatedCheckOptions(days=21, start_day=9)
    with pytest.raises(ValueError, match="days must be 1 to 21"):
        DatedCheckOptions(days=0)


FEE_RANGE = """table,row_key,field,value,low,high,distribution,basis,source
crossings,x1,fee_usd_per_truck,20,10,80,triangular,test,test
"""
FEE_ONLY = ["--parameters", "crossings/x1/fee_usd_per_truck", "--rounds", "1",
            "--cost-evaluations", "5", "--supply-iterations", "1", "--dated-check-days", "2"]


def test_calibrate_reports_the_check_and_fails_in_ci_mode(tmp_path):
    folder = _disagreeing(tmp_path, FEE_RANGE)
    out = tmp_path / "calib"
    runner = CliRunner()
    args = ["calibrate", "--data", str(folder), "--out", str(out), *FEE_ONLY]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "warning: dated baseline misses a gate the static fit meets: x1-june" in \
        " ".join(done.stderr.split())
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "**WARNING: 2 gate(s) in band in the static model are out of band" in report
    assert "WARNING: x1-june" in (out / "report.html").read_text(encoding="utf-8")
    csv = pd.read_csv(out / "dated_check.csv")
    assert csv["flag"].tolist() == [True, True]
    meta = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert len(meta["dated_check"]["flags"]) == 2
    first = {f: (out / f).read_bytes() for f in ("report.md", "calibration.json",
                                                 "dated_check.csv")}

    strict = runner.invoke(app, args + ["--fail-on-dated-miss", "--json"])
    assert strict.exit_code == EXIT_DATED_MISS
    env = json.loads(strict.stdout)
    jsonschema.validate(env, json.loads(E.SCHEMA_PATH.read_text(encoding="utf-8")))
    assert env["status"] == "calibration_check_failed"
    assert env["summary"]["dated_flags"] == 2
    assert [m["level"] for m in env["messages"]] == ["error", "error"]
    # written either way, byte for byte the same (no timings in the folder)
    assert {f: (out / f).read_bytes() for f in first} == first


def test_no_dated_check_skips_it(tmp_path):
    folder = _disagreeing(tmp_path, FEE_RANGE)
    res = calibrate(load_dataset(folder, check_borders=False),
                    parameters=("crossings/x1/fee_usd_per_truck",),
                    options=FitOptions(rounds=1, cost_evaluations=5, supply_iterations=1),
                    dated=None)
    assert "dated_check" not in res.report and "dated_check" not in res.metadata
    assert "Dated-baseline check" not in res.markdown()


def test_the_tool_puts_the_section_into_a_fit_report():
    from helpers import tool
    with_section = tool("dated_check").with_section
    report = "# R\n\n## Gates\n\nx\n\n## Observations fitted (`fit`)\n\ny\n"
    new = "## Dated-baseline check\n\nA\n"
    once = with_section(report, new)
    assert once == "# R\n\n## Gates\n\nx\n\n## Dated-baseline check\n\nA\n" \
                   "## Observations fitted (`fit`)\n\ny\n"
    again = with_section(once, "## Dated-baseline check\n\nB\n")
    assert again == once.replace("\nA\n", "\nB\n")
