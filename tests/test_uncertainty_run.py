"""bf.uncertainty, bf.appraise and their commands on the tiny network: bands known by hand,
reproducible by seed, paired increases, an NPV by hand, bad input refused with nothing
written."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
import tiny
import uncertainty_data as ud
from typer.testing import CliRunner

import borderflow as bf
from borderflow.cli import app
from borderflow.data.errors import InputError
from borderflow.data.loaders import read_tables

LINEAR = "table,key,field,low,high\nparameters,road_cost_usd_per_truck_km,value,0.8,1.2\n"


def _linear(tmp_path):
    folder = ud.write(tmp_path / "ds", tiny.base_tables(), LINEAR)
    return folder, read_tables(folder)


def test_bands_of_a_cost_linear_in_one_number_are_known_by_hand(tmp_path):
    """Ample capacity, road rate r ~ U[0.8, 1.2]: objective = 2000 r - 199,800 USD/day
    (tests/test_uncertainty_warm.py derives it), so P10/P50/P90 = -198,120 / -197,800 /
    -197,480 and the point (r = 1) -197,800."""
    _, tables = _linear(tmp_path)
    u = bf.uncertainty(tables, samples=100, seed=11, sensitivity="none")
    stratum = 2000 * 0.4 / 100
    assert u.quantiles("cost_usd") == pytest.approx([-198_120.0, -197_800.0, -197_480.0],
                                                    abs=stratum)
    point = u.summary.set_index("measure").loc["cost_usd", "point"]
    assert point == pytest.approx(-197_800.0, abs=1e-6)
    assert u.metadata["routing"]["certified"] == 100
    assert "(P10\u2013P90: " in u.band("cost_usd")


def test_same_seed_same_folder_other_seed_other_samples(tmp_path):
    _, tables = _linear(tmp_path)
    a = bf.uncertainty(tables, samples=12, seed=3, sensitivity="oat", screen=0)
    b = bf.uncertainty(tables, samples=12, seed=3, sensitivity="oat", screen=0)
    c = bf.uncertainty(tables, samples=12, seed=4, sensitivity="none")
    pd.testing.assert_frame_equal(a.results, b.results)
    assert not np.array_equal(a.samples.values, c.samples.values)
    digests = []
    for res, name in ((a, "a"), (b, "b")):
        folder = res.write(tmp_path / name)
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in sorted(folder.iterdir()) if p.is_file()})
    assert digests[0] == digests[1]
    assert "tornado_cost_usd.png" in digests[0] and "summary.txt" in digests[0]
    # the one-at-a-time swing of the only input is the hand slope x its range: 2000 x 0.4
    assert a.tornado["cost_usd"]["swing"].iloc[0] == pytest.approx(800.0, abs=1e-6)


def test_closure_increase_is_paired_sample_by_sample(tmp_path):
    folder = ud.write(tmp_path / "ds")
    tables = read_tables(folder)
    u = bf.uncertainty(tables, bf.Scenario.closing(["x2"]), samples=8, seed=1,
                       sensitivity="none")
    r = u.results[u.results["measure"] == "cost_usd"].pivot(index="sample",
                                                            columns="scenario", values="value")
    diff = (r["scenario"] - r["baseline"]).to_numpy()
    assert (diff >= -1e-6).all() and (diff > 0).mean() > 0.5  # x2 binds in most samples
    q = np.quantile(diff, [0.1, 0.5, 0.9])
    assert u.quantiles("cost_increase_usd") == pytest.approx(q, rel=1e-12)
    # the point increase is the one bf.solve reports
    res = bf.solve(tables, bf.Scenario.closing(["x2"]))
    want = res.summary["objective_usd"] - res.baseline.summary["objective_usd"]
    got = u.increase.set_index("measure").loc["cost_increase_usd", "point"]
    assert got == pytest.approx(want, rel=1e-6)


def test_two_dask_workers_give_the_tables_of_one_process(tmp_path):
    folder = ud.write(tmp_path / "ds")
    tables = read_tables(folder)
    scenario = bf.Scenario.closing(["x2"])
    one = bf.uncertainty(tables, scenario, samples=10, seed=5, sensitivity="oat", screen=2)
    two = bf.uncertainty(tables, scenario, samples=10, seed=5, sensitivity="oat", screen=2,
                         workers=2)
    pd.testing.assert_frame_equal(one.results, two.results)
    pd.testing.assert_frame_equal(one.tornado["cost_increase_usd"],
                                  two.tornado["cost_increase_usd"])


def test_rebuild_mode_agrees_with_warm_on_the_linear_case(tmp_path):
    _, tables = _linear(tmp_path)
    warm = bf.uncertainty(tables, samples=3, seed=2, sensitivity="none")
    cold = bf.uncertainty(tables, samples=3, seed=2, sensitivity="none", mode="rebuild")
    assert warm.quantiles("cost_usd") == pytest.approx(cold.quantiles("cost_usd"), rel=1e-9)


INVESTMENTS = ("project,crossing_id,capex_usd,opex_usd_per_year,construction_years,opens,"
               "economic_life_years,capex_low_usd,capex_high_usd\n"
               "x2-gate,x2,1000000,0,1,2025-01-01,2,800000,1500000\n")


def test_appraisal_npv_by_hand_with_the_model_benefit(tmp_path):
    """x2 valued against closing it: benefit/day = cost closed - cost open (bf.solve);
    capex 1 M in 2024, two full years of benefit B = 365 b: NPV = -1e6 + B/1.09 + B/1.09^2,
    BCR = (B/1.09 + B/1.09^2) / 1e6."""
    folder = ud.write(tmp_path / "ds")
    (folder / "investments.csv").write_text(INVESTMENTS)
    tables = read_tables(folder)
    a = bf.appraise(tables, samples=6, seed=0)
    res = bf.solve(tables, bf.Scenario.closing(["x2"]))
    b = res.summary["objective_usd"] - res.baseline.summary["objective_usd"]
    B = 365.0 * b
    row = a.ranking.iloc[0]
    assert row["benefit_usd_per_day"] == pytest.approx(b, rel=1e-6)
    assert row["npv_usd"] == pytest.approx(-1e6 + B / 1.09 + B / 1.09 ** 2, rel=1e-6)
    assert row["bcr"] == pytest.approx((B / 1.09 + B / 1.09 ** 2) / 1e6, rel=1e-6)
    assert row["npv_p10"] <= row["npv_p50"] <= row["npv_p90"]
    caps = a.per_sample["capex_usd"]
    assert caps.between(800e3, 1.5e6).all() and caps.nunique() > 1  # capex sampled too
    assert "annual-average day x 365" in a.text()[0]
    bare = bf.appraise(tables)  # the point only: no band printed or stored
    assert bare.ranking["npv_usd"].iloc[0] == pytest.approx(row["npv_usd"], rel=1e-9)
    assert bare.ranking["npv_p10"].isna().all() and "P10" not in "".join(bare.text())


def test_a_range_outside_its_bounds_is_refused_with_file_row_field(tmp_path):
    folder = ud.write(tmp_path / "ds", tiny.base_tables(),
                      LINEAR + "crossings,x1,fee_usd_per_truck,50,60\n")
    tables = read_tables(folder)
    with pytest.raises(InputError) as err:
        bf.uncertainty(tables, samples=5, sensitivity="none")
    p = err.value.problems[0]
    assert (p.file.endswith("ranges.csv"), p.row, p.field) == (True, 2, "low")
    # data check on a copy of the embedded dataset whose boten-mohan fee range misses its
    # calibrated 35 USD (40 before the calibration of session 14)
    import shutil

    from borderflow.data.loaders import default_data_dir

    copy = shutil.copytree(default_data_dir(), tmp_path / "copy")
    lines = (copy / "ranges.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(i for i, x in enumerate(lines) if x.startswith("crossings,boten-mohan,fee_"))
    lines[row] = lines[row].replace(",35,20,80,", ",35,50,80,")
    (copy / "ranges.csv").write_text("".join(lines), encoding="utf-8")
    check = CliRunner().invoke(app, ["data", "check", "--data", str(copy)])
    assert check.exit_code == 2, check.output
    assert f"ranges.csv, row {row}" in check.output and "'low'" in check.output
    # the command, with a ranges file whose fee range misses the dataset's value
    from helpers import border_data

    bad = tmp_path / "bad.csv"
    bad.write_text("table,row_key,field,low,high\ncrossings,x1,fee_usd_per_truck,50,60\n")
    out = tmp_path / "out"
    cli = CliRunner().invoke(app, ["uncertainty", "--data", str(border_data(tmp_path, "b")),
                                   "--ranges", str(bad), "--samples", "5",
                                   "--sensitivity", "none", "--out", str(out)])
    assert cli.exit_code == 2 and not out.exists()
    assert "bad.csv, row 1" in cli.output and "'low'" in cli.output


def test_bad_options_one_line_exit_2_nothing_written(tmp_path):
    out = tmp_path / "out"
    for args in (["--samples", "0"], ["--method", "halton"], ["--sensitivity", "fast"],
                 ["--samples", "5"]):  # Morris screening needs 10 samples
        cli = CliRunner().invoke(app, ["uncertainty", "--out", str(out), *args])
        assert cli.exit_code == 2, args
        assert len(cli.output.strip().splitlines()) == 1, cli.output
        assert not out.exists()
    cli = CliRunner().invoke(app, ["appraise", "--out", str(out), "--convention", "world-bank"])
    assert cli.exit_code == 2 and "--discount-rate" in cli.output and not out.exists()


def test_cli_uncertainty_json_envelope(tmp_path):
    """The tiny data on the border with one ranged number (the road rate), 10 samples: the
    envelope (valid against the schema), the folder, the tornado chart."""
    import json

    import jsonschema
    from helpers import border_data

    from borderflow.present import envelope as E

    data = border_data(tmp_path, "ds")
    (data / "ranges.csv").write_text(LINEAR)
    out = tmp_path / "bands"
    cli = CliRunner().invoke(app, ["uncertainty", "--data", str(data), "--samples", "10",
                                   "--sensitivity", "oat", "--out", str(out), "--json"])
    assert cli.exit_code == 0, cli.output
    env = json.loads(cli.stdout)
    jsonschema.Draft202012Validator(json.loads(E.SCHEMA_PATH.read_text(encoding="utf-8"))
                                    ).validate(env)
    assert env["command"] == "uncertainty" and env["status"] == "ok"
    assert env["summary"]["samples"] == 10 and "bands" in env["tables"]
    assert (out / "bands.csv").exists() and (out / "tornado_cost_usd.png").exists()


def test_dated_run_holds_structural_numbers_and_says_so(tmp_path):
    import datetime as dt

    tables = read_tables(ud.write(tmp_path / "ds"))
    sc = bf.Scenario(name="x1-shut", horizon=bf.Horizon(start=dt.date(2024, 3, 1), days=6),
                     events=({"crossing": "x1", "close": {"from": "2024-03-02",
                                                        "to": "2024-03-03"}},))
    u = bf.uncertainty(tables, sc, samples=6, seed=1, sensitivity="none")
    held = {(h["table"], h["field"]) for h in u.metadata["held_structural"]}
    assert held == {("crossings", "dwell_h"), ("products", "shelf_life_reefer_days")}
    assert any("held at the dataset's values" in line for line in u.text())
    assert u.dated and "USD (P10" in u.band("cost_increase_usd")  # over the horizon, not /day


def test_seasonal_benefit_is_the_day_weighted_sum_of_monthly_solves(tmp_path):
    """--seasons: annual benefit = sum over months of days x (cost closed - cost open) of
    that month's representative day, each rebuilt and solved here."""
    import calendar

    folder = ud.write(tmp_path / "ds")
    (folder / "investments.csv").write_text(INVESTMENTS)
    tables = read_tables(folder)
    a = bf.appraise(tables, seasons=True)
    from borderflow.pipeline import run_scenario, solve_baseline

    want = 0.0
    for m in range(1, 13):  # each month rebuilt and solved on its own (no verification)
        run = run_scenario(tables, bf.Scenario.closing(["x2"], month=m))
        base = solve_baseline(run)[1]
        want += calendar.monthrange(2023, m)[1] * (run.results.summary["objective_usd"]
                                                   - base.summary["objective_usd"])
    assert a.ranking["annual_benefit_usd"].iloc[0] == pytest.approx(want, rel=1e-6)
    assert a.seasons["days"].sum() == 365 and "12 representative days" in a.text()[0]
    with pytest.raises(InputError, match="--seasons or --samples"):
        bf.appraise(tables, seasons=True, samples=5)


def test_eirr_band_counts_never_repaid_samples_below_every_rate():
    """3 of 10 samples never repaid: the EIRR's P10 is -inf ("never repaid"), not the P10 of
    the 7 samples that have an EIRR."""
    from borderflow.appraisal.ranking import appraisal_ranking

    eirr = [np.nan] * 3 + [0.01 * k for k in range(7)]
    status = ["never_repaid"] * 3 + ["ok"] * 7
    per = pd.DataFrame({"sample": range(10), "project": "p", "npv_usd": np.linspace(-5, 4, 10),
                        "eirr": eirr, "eirr_status": status, "bcr": np.linspace(0, 1.2, 10)})
    point = pd.DataFrame({"project": ["p"], "npv_usd": [0.0], "eirr": [0.03],
                          "eirr_status": ["ok"], "bcr": [1.0], "payback_years": [10.0]})
    r = appraisal_ranking(point, per).iloc[0]
    # inverted CDF (a band with infinities): P50 is the 5th of the 10 sorted values, 0.01
    assert r["eirr_p10"] == -np.inf and r["eirr_p50"] == pytest.approx(0.01)


def test_the_objective_is_shown_as_a_positive_net_value():
    """The terminal and --json say net value (revenue minus costs), not the objective's sign
    (issue 22); bands.csv keeps the objective. P10 of the net value is minus the objective's
    P90."""
    from borderflow.uncertainty.result import LABELS, as_net_value

    bands = pd.DataFrame({"measure": ["cost_usd", "unserved_t"], "point": [-100.0, 5.0],
                          "p10": [-130.0, 1.0], "p50": [-110.0, 4.0], "p90": [-90.0, 9.0]})
    shown = as_net_value(bands).set_index("measure")
    assert shown.loc["net_value_usd", ["point", "p10", "p50", "p90"]].tolist() == \
        [100.0, 90.0, 110.0, 130.0]
    assert shown.loc["unserved_t", "p90"] == 9.0 and bands.loc[0, "point"] == -100.0
    assert LABELS["net_value_usd"] == "net value (revenue minus costs)"


def test_a_point_outside_its_own_band_is_said(tmp_path):
    """Road rate r ~ U[1.0, 1.4] with the dataset's r = 1 at the low end: net value
    199,800 - 2000 r is 197,800 at the point and P10-P90 about 197,080-197,720, so the point
    lies above P90 and the summary says why."""
    folder = ud.write(tmp_path / "ds", tiny.base_tables(), LINEAR.replace("0.8,1.2", "1.0,1.4"))
    u = bf.uncertainty(read_tables(folder), samples=50, seed=3, sensitivity="none")
    line = next(x for x in u.text() if "net value" in x)
    assert "the point lies above P90" in line, line
    from borderflow.uncertainty.result import off_centre
    assert off_centre(5.0, 1.0, 9.0) == ""
    assert "below P10" in off_centre(0.5, 1.0, 9.0)

