"""The joint closure model of the appraisal (closure_model.csv) on the tiny network, by hand.

Both gates open (100 trucks/day), 10 trucks/day of durian; x2 (open) is valued against closing
it. On a normal day x2 carries nothing (x1 is cheaper): b_0 = 0. During an event that closes x1,
x2 carries everything: b_e = cost(x1 and x2 closed) - cost(x1 closed), both from bf.solve
(by hand: 100,000 - (10 x 320 - 200,000) = 296,800 USD/day). With 2 events a year of 3 days,
d = 6 days: annual benefit = 365 x 0 + 6 x b_e = the resilience value.
"""

from __future__ import annotations

import pytest
import tiny

import borderflow as bf
from borderflow.appraisal.closures import (annual_with_closures, expected_days, overlap_days,
                                           read_closure_model)
from borderflow.data.errors import InputError
from borderflow.data.loaders import read_tables

INVESTMENTS = ("project,crossing_id,capex_usd,opex_usd_per_year,construction_years,opens,"
               "economic_life_years\nx2-gate,x2,1000000,0,1,2025-01-01,2\n")
HEADER = ("event_type,closes,regime,per_year,per_year_low,per_year_high,duration_days,"
          "duration_days_low,duration_days_high,source,source_year,quality,notes\n")
EVENT = "x1-event,x1,stationary,2,1,3,3,2,4,test,2024,estimate,\n"


def _data(tmp_path, model: str = HEADER + EVENT):
    folder = tiny.write(tmp_path / "ds")
    (folder / "investments.csv").write_text(INVESTMENTS)
    (folder / "closure_model.csv").write_text(model)
    return folder, read_tables(folder)


def test_annual_benefit_adds_the_closure_days_valued_by_the_model(tmp_path):
    _, tables = _data(tmp_path)
    closed = bf.solve(tables, bf.Scenario.closing(["x1", "x2"]))
    open_x2 = bf.solve(tables, bf.Scenario.closing(["x1"]))
    b_e = closed.summary["objective_usd"] - open_x2.summary["objective_usd"]
    assert b_e == pytest.approx(296_800, abs=1e-3)
    a = bf.appraise(tables)
    row = a.ranking.iloc[0]
    assert row["closure_days_per_year"] == pytest.approx(6.0)
    assert row["resilience_usd_per_year"] == pytest.approx(6 * b_e, rel=1e-9)
    assert row["annual_benefit_usd"] == pytest.approx(6 * b_e, rel=1e-9)
    # low/high closure days: 1 x 2 and 3 x 4 days a year
    assert row["annual_benefit_days_low_usd"] == pytest.approx(2 * b_e, rel=1e-9)
    assert row["annual_benefit_days_high_usd"] == pytest.approx(12 * b_e, rel=1e-9)
    assert "1 closure event(s)" in a.metadata["benefit_basis"]
    none = bf.appraise(tables, closures="none")
    assert none.ranking.iloc[0]["annual_benefit_usd"] == pytest.approx(0.0, abs=1e-6)


def test_closure_weighted_benefit_has_a_band_with_samples(tmp_path):
    folder, tables = _data(tmp_path)
    (folder / "ranges.csv").write_text("table,key,field,low,high\n"
                                       "markets,cn-m|durian,price_usd_per_t,800,1200\n")
    a = bf.appraise(tables, samples=8, seed=1)
    s = a.benefits[a.benefits["sample"] >= 0]
    # the event's frequency (1-3 a year) and duration (2-4 days) are sampled too: its days a
    # year per sample lie in [2, 12] and differ between samples; the point keeps 2 x 3 = 6
    days = s["closure_days_per_year"].to_numpy()
    assert ((days >= 2) & (days <= 12)).all() and len(set(days.round(9))) == len(days)
    point = a.benefits[a.benefits["sample"] == -1]
    assert point["closure_days_per_year"].iloc[0] == pytest.approx(6.0)
    # during the event the price is earned through x2: b_e = 200 t x (price + 500) - 3,200
    # USD/day, times the sample's own days
    per_day = s["resilience_usd_per_year"] / s["closure_days_per_year"]
    assert per_day.between(200 * 1300 - 3200, 200 * 1700 - 3200).all()
    row = a.ranking.iloc[0]
    assert row["resilience_p10"] <= row["resilience_p50"] <= row["resilience_p90"]
    assert a.metadata["routing"]["certified"] == a.metadata["routing"]["samples"] == 9


def test_helpers_by_hand():
    assert overlap_days([6.0, 3.65]) == pytest.approx(6 * 3.65 / 365)
    annual, res = annual_with_closures(10.0, [110.0], [5.0])
    assert (annual, res) == pytest.approx((3650 + 500, 500))


def test_bad_closure_rows_name_file_row_field(tmp_path):
    bad = HEADER + EVENT + "x9-event,x9,stationary,1,1,1,2,1,3,t,2024,estimate,\n" \
        + "x2-event,x2,stationary,5,1,3,2,1,3,t,2024,estimate,\n"
    folder, tables = _data(tmp_path, bad)
    with pytest.raises(InputError) as err:
        read_closure_model(folder, set(tables.crossings["crossing_id"]))
    text = str(err.value)
    assert "closure_model.csv" in text and "closes" in text and "x9" in text
    assert [(p.row, p.field) for p in err.value.problems] == [(2, "closes"), (3, "per_year")]


def test_events_longer_than_the_year_are_refused(tmp_path):
    folder, tables = _data(tmp_path, HEADER + "long,x1,covid_era,1,1,1,400,400,400,t,2024,"
                                              "estimate,\n")
    model = read_closure_model(folder, set(tables.crossings["crossing_id"]))
    assert expected_days(model, "stationary").empty
    with pytest.raises(ValueError, match="more than the year"):
        expected_days(model, "all")
    with pytest.raises(InputError):
        bf.appraise(tables, closures="all")


def test_cli_bad_closure_model_one_line_exit_2_nothing_written(tmp_path):
    from typer.testing import CliRunner

    from borderflow.cli import app

    from helpers import border_data

    folder = border_data(tmp_path, "ds")
    (folder / "investments.csv").write_text(INVESTMENTS)
    (folder / "closure_model.csv").write_text(HEADER + "bad,x1,stationary,2,3,3,3,2,4,t,2024,"
                                              "estimate,\n")
    out = tmp_path / "out"
    cli = CliRunner().invoke(app, ["appraise", "--data", str(folder), "--out", str(out)])
    assert cli.exit_code == 2 and len(cli.output.strip().splitlines()) == 1, cli.output
    assert "closure_model.csv" in cli.output and "per_year" in cli.output
    assert not out.exists()
    cli = CliRunner().invoke(app, ["appraise", "--data", str(folder), "--out", str(out),
                                   "--closures", "sometimes"])
    assert cli.exit_code == 2 and "--closures" in cli.output and not out.exists()
