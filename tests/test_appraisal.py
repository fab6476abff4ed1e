"""Appraisal finance checked against hand arithmetic; investments.csv refused with
file/row/field; annual benefit from seasons and closures; ranking with bands."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import tiny
from borderflow.data.errors import InputError
from borderflow.data.loaders import read_tables

from borderflow.appraisal.benefits import annual_benefit, season_days, with_closures
from borderflow.appraisal.conventions import ADB, ADB_SOCIAL, Conventions
from borderflow.appraisal.finance import Project, appraise, cash_flows
from borderflow.appraisal.investments import ranged_investments, read_investments
from borderflow.appraisal.ranking import appraisal_ranking, appraise_samples
from borderflow.uncertainty.ranges import read_ranges
from borderflow.uncertainty.sampling import FactorSpace, latin_hypercube

P = Project("x1", "x1", capex_usd=1000.0, opex_usd_per_year=0.0, construction_years=1,
            opens=dt.date(2026, 1, 1), economic_life_years=3)


def test_npv_irr_bcr_payback_by_hand():
    """-1000 in 2025, +500 in 2026-2028, at 9 %:
    NPV = -1000 + 500/1.09 + 500/1.09^2 + 500/1.09^3 = 265.647...;
    IRR: 500 (x + x^2 + x^3) = 1000 with x = 1/(1+r), i.e. x = 0.810536..., r = 23.375 %;
    BCR = 1265.647 / 1000; simple payback 2 years after opening (cumulative 0 at end 2027);
    discounted: -1000 + 458.716 + 420.840 = -120.444 after 2027, 2028 adds 386.092:
    2 + 120.444 / 386.092 = 2.3120 years."""
    a = appraise(P, 500.0, ADB)
    npv = -1000 + 500 / 1.09 + 500 / 1.09 ** 2 + 500 / 1.09 ** 3
    assert a["npv_usd"] == pytest.approx(npv, rel=1e-12)
    assert npv == pytest.approx(265.6473, abs=1e-4)
    x = 0.810536  # root of x + x^2 + x^3 = 2, by hand (bisection to 6 digits)
    assert x + x ** 2 + x ** 3 == pytest.approx(2, abs=1e-5)
    assert a["eirr"] == pytest.approx(1 / x - 1, abs=1e-5) and a["eirr_status"] == "ok"
    assert a["bcr"] == pytest.approx((npv + 1000) / 1000)
    assert a["payback_years"] == pytest.approx(2.0)
    assert a["discounted_payback_years"] == pytest.approx(2 + 120.4444 / 386.0918, abs=1e-4)
    assert a["viable"] and a["discount_rate"] == 0.09


def test_lower_rate_raises_npv_and_the_rate_is_recorded():
    assert appraise(P, 500.0, ADB_SOCIAL)["npv_usd"] > appraise(P, 500.0, ADB)["npv_usd"]
    with pytest.raises(ValueError, match="not a yearly rate"):
        Conventions(discount_rate=9)


def test_no_irr_and_several_sign_changes_are_explicit():
    never = appraise(P, 100.0)  # 300 back for 1,000 spent, still a single sign change
    assert never["eirr"] < 0 and never["eirr_status"] == "ok" and not never["viable"]
    zero = appraise(P, 0.0)
    assert math.isnan(zero["eirr"]) and zero["eirr_status"] == "never_repaid"
    assert math.isnan(zero["payback_years"])
    free = appraise(Project("f", "x1", 0.0, 0.0, 0, dt.date(2026, 1, 1), 2), 10.0)
    assert free["eirr_status"] == "no_cost" and math.isnan(free["bcr"])
    # a benefit that halves each year falls below the opex late in life: -, +, +, +, -
    fading = Conventions(benefit_growth=-0.5)
    late = Project("l", "x1", 1000.0, 300.0, 1, dt.date(2026, 1, 1), 4)
    cf = cash_flows(late, 2300.0, fading)
    assert cf["net_usd"].tolist() == pytest.approx([-1000, 2000, 850, 275, -12.5])
    res = appraise(late, 2300.0, fading)
    assert res["eirr_status"] == "ambiguous (2 sign changes)" and math.isnan(res["eirr"])
    # MIRR, financed and reinvested at 9 %: positive flows carried to 2029, the negative
    # ones brought to 2025
    fv = 2000 * 1.09 ** 3 + 850 * 1.09 ** 2 + 275 * 1.09
    pv = 1000 + 12.5 / 1.09 ** 4
    assert res["mirr"] == pytest.approx((fv / pv) ** (1 / 4) - 1, rel=1e-9)


def test_mid_year_opening_is_pro_rata_and_phasing_splits_capex():
    p = Project("h", "x1", 900.0, 10.0, 2, dt.date(2026, 7, 2), 2, (0.25, 0.75))
    cf = cash_flows(p, 365.0)
    share = 183 / 365  # 2 Jul - 31 Dec 2026
    assert cf["year"].tolist() == [2024, 2025, 2026, 2027, 2028]
    assert cf["capex_usd"].tolist() == [225.0, 675.0, 0, 0, 0]
    assert cf["operating_share"].tolist() == pytest.approx([0, 0, share, 1, 1 - share])
    assert cf["benefit_usd"].sum() == pytest.approx(2 * 365.0)
    assert cf["opex_usd"].sum() == pytest.approx(2 * 10.0)


def test_annual_benefit_from_seasons_and_closures():
    days = season_days(2023)
    ctx = pd.DataFrame({"context": [f"m{m:02d}" for m in days["month"]],
                        "days_per_year": days["days"], "benefit_usd_per_day": 100.0})
    assert annual_benefit(ctx) == pytest.approx(36_500)
    closures = pd.DataFrame({"context": ["m06-closed"], "of": ["m06"], "days_per_year": [3.0],
                             "benefit_usd_per_day": [1100.0]})
    assert annual_benefit(with_closures(ctx, closures)) == pytest.approx(36_500 + 3 * 1000)
    with pytest.raises(ValueError, match="cover 334 days"):
        annual_benefit(ctx.iloc[1:])
    with pytest.raises(ValueError, match="unknown context"):
        with_closures(ctx, closures.assign(of="m13"))


INVESTMENTS = ("project,crossing_id,kind,capex_usd,opex_usd_per_year,construction_years,opens,"
               "economic_life_years,capex_phasing\n"
               "x2-upgrade,x2,upgrade,2000000,50000,2,2027-01-01,20,0.4;0.6\n"
               "x1-new,x1,new,1000000,20000,1,2026-01-01,20,\n")


def test_investments_read_and_refused(tmp_path):
    folder = tiny.write(tmp_path / "ds")
    tables = read_tables(folder)
    assert read_investments(folder, tables)[0] == []  # no file: nothing to appraise
    (folder / "investments.csv").write_text(INVESTMENTS)
    projects, _ = read_investments(folder, tables)
    assert [p.project for p in projects] == ["x2-upgrade", "x1-new"]
    assert projects[0].capex_phasing == (0.4, 0.6)
    bad = INVESTMENTS.replace("x2,upgrade,2000000", "x9,upgrade,-5").replace(
        "2026-01-01", "2026-13-01")
    (folder / "investments.csv").write_text(bad)
    with pytest.raises(InputError) as err:
        read_investments(folder, tables)
    where = [(p.row, p.field) for p in err.value.problems]
    assert where == [(1, "crossing_id"), (1, "capex_usd"), (2, "opens")]
    assert "unknown crossing 'x9'" in str(err.value)


def test_ranking_with_bands_and_sampled_costs(tmp_path):
    folder = tiny.write(tmp_path / "ds")
    tables = read_tables(folder)
    (folder / "investments.csv").write_text(INVESTMENTS)
    projects, frame = read_investments(folder, tables)
    (folder / "ranges.csv").write_text("table,key,field,low,high\n"
                                       "investments,x1-new,capex_usd,800000,1500000\n")
    ranges = read_ranges(folder, tables, {"investments": ranged_investments(frame)})
    space = FactorSpace.from_ranges(ranges)
    samples = latin_hypercube(space, 50, seed=0)
    benefit = pd.DataFrame({"sample": np.tile(np.arange(50), 2),
                            "project": np.repeat(["x1-new", "x2-upgrade"], 50),
                            "annual_benefit_usd": np.r_[np.linspace(100e3, 200e3, 50),
                                                        np.full(50, 250e3)]})
    per = appraise_samples(projects, benefit, samples)
    assert per.loc[per["project"] == "x1-new", "capex_usd"].between(800e3, 1.5e6).all()
    assert per.loc[per["project"] == "x2-upgrade", "capex_usd"].eq(2e6).all()
    point = appraise_samples(projects, pd.DataFrame({"sample": [0, 0], "project": [
        "x1-new", "x2-upgrade"], "annual_benefit_usd": [150e3, 250e3]}))
    rank = appraisal_ranking(point, per)
    assert rank["rank"].tolist() == [1, 2]
    assert set(rank.columns) >= {"npv_p10", "npv_p50", "npv_p90", "eirr_p10", "p_viable",
                                 "p_best", "discount_rate"}
    assert rank["p_best"].sum() == pytest.approx(1.0)
    assert ((rank["npv_p10"] <= rank["npv_p50"]) & (rank["npv_p50"] <= rank["npv_p90"])).all()
    with pytest.raises(ValueError, match="unknown project"):
        appraise_samples(projects, benefit.assign(project="zz"))
