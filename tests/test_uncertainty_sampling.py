"""Sampling: seeded and reproducible, stratified, correlated groups, distributions; the
engine-level linear case whose P10/P50/P90 are known by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import ranges_table

from borderflow.uncertainty.distributions import median, ppf
from borderflow.uncertainty.perturb import apply_sample
from borderflow.uncertainty.sampling import (
    FactorSpace,
    latin_hypercube,
    point_sample,
    sobol_sequence,
    structure_batches,
)
from borderflow.uncertainty.summaries import quantile_table


SPACE = FactorSpace.from_ranges(ranges_table([
    ("crossings", "a", "fee_usd_per_truck", 10, 20, 40, "triangular", "cost", ""),
    ("crossings", "b", "fee_usd_per_truck", 10, 20, 40, "pert", "cost", ""),
    ("links", "l1", "length_km", 90, 100, 110, "uniform", "cost", "winding"),
    ("links", "l2", "length_km", 180, 200, 220, "uniform", "cost", "winding"),
    ("markets", "m|p", "price_usd_per_t", 500, 1000, 2000, "loguniform", "cost", ""),
    ("crossings", "a", "dwell_h", 2, 3, 5, "uniform", "structure", ""),
    ("crossings", "a", "lanes_a_to_b", 1, 1, 2, "uniform", "none", ""),
    ("products", "p", "value_usd_per_t", 7, 7, 7, "uniform", "cost", ""),
]))


def test_space_drops_unread_and_fixed_numbers_and_joins_groups():
    assert SPACE.n_factors == 6  # lanes (not read) and the fixed value are not sampled
    assert SPACE.n_dimensions == 5  # the two lengths are one dimension
    assert "winding" in SPACE.dimensions


@pytest.mark.parametrize("design", [latin_hypercube, sobol_sequence])
def test_reproducible_by_seed(design):
    a, b, c = design(SPACE, 64, seed=7), design(SPACE, 64, seed=7), design(SPACE, 64, seed=8)
    assert np.array_equal(a.values, b.values) and np.array_equal(a.u, b.u)
    assert not np.array_equal(a.values, c.values)
    lo = SPACE.factors["low"].to_numpy()
    hi = SPACE.factors["high"].to_numpy()
    assert ((a.values >= lo) & (a.values <= hi)).all()


def test_latin_hypercube_is_stratified_and_groups_move_together():
    s = latin_hypercube(SPACE, 50, seed=1)
    for d in range(SPACE.n_dimensions):
        assert sorted(np.floor(s.u[:, d] * 50).astype(int)) == list(range(50))
    w = s.wide()
    l1, l2 = w["links/l1/length_km"], w["links/l2/length_km"]
    assert np.allclose((l1 - 90) / 20, (l2 - 180) / 40)  # same quantile: comonotonic


def test_sobol_rounds_up_to_a_power_of_two_and_says_so():
    s = sobol_sequence(SPACE, 1000, seed=0)
    assert len(s) == 1024 and "1,000 asked, 1,024 drawn" in s.method
    assert len(sobol_sequence(SPACE, 256, seed=0)) == 256


def test_distributions_ends_and_medians():
    u = np.array([0.0, 1.0])
    for kind in ("uniform", "triangular", "pert", "loguniform"):
        assert ppf(u, 10, 20, 40, kind).tolist() == [10, 40]
    assert median(10, 25, 40, "uniform") == pytest.approx(25)
    # triangular, mode 20 in [10, 40]: F(20) = 1/3 < 0.5, so the median solves
    # 1 - (40 - x)^2 / (30 * 20) = 0.5 -> x = 40 - sqrt(300)
    assert median(10, 20, 40, "triangular") == pytest.approx(40 - 300 ** 0.5)
    assert median(1, 1, 100, "loguniform") == pytest.approx(10)
    assert ppf(np.array([0.3]), 5, 5, 5, "uniform")[0] == 5


def test_linear_output_has_hand_quantiles():
    """y = 100 + 3 x with x ~ U[10, 40]: P10/P50/P90 = 100 + 3 * (13, 25, 37)."""
    space = FactorSpace.from_ranges(ranges_table([
        ("parameters", "road_cost_usd_per_truck_km", "value", 10, 20, 40, "uniform", "cost",
         "")]))
    s = latin_hypercube(space, 400, seed=2)
    y = 100 + 3 * s.values[:, 0]
    q = quantile_table(pd.DataFrame({"sample": range(len(y)), "measure": "y", "value": y}),
                       point={"y": 160.0})
    assert q.loc[0, "point"] == 160
    assert q.loc[0, ["p10", "p50", "p90"]].to_numpy(dtype=float) == pytest.approx(
        [139, 175, 211], abs=3 * 30 / 400)


def test_structure_batches_share_a_model_per_structural_value():
    s = latin_hypercube(SPACE, 6, seed=0)
    b = structure_batches(s)
    assert b["batch"].nunique() == 6  # every sample has its own dwell time
    warm_only = FactorSpace.from_ranges(ranges_table([
        ("crossings", "a", "fee_usd_per_truck", 10, 20, 40, "uniform", "cost", "")]))
    assert structure_batches(latin_hypercube(warm_only, 6))["batch"].eq(0).all()


def test_point_sample_and_apply_sample_never_mutates(tmp_path):
    import tiny
    from borderflow.data.loaders import read_tables

    tables = read_tables(tiny.write(tmp_path / "ds"))
    before = tables.crossings.copy()
    out = apply_sample(tables, {("crossings", "x1", "fee_usd_per_truck"): 33.0,
                                ("supply", "vn-o|durian", "supply_t_per_year"): 1000.0,
                                ("seasonality", "durian|VN|3", "share"): 0.2,
                                ("investments", "p1", "capex_usd"): 5.0})
    pd.testing.assert_frame_equal(tables.crossings, before)
    assert out.crossings.set_index("crossing_id").loc["x1", "fee_usd_per_truck"] == 33.0
    assert out.supply["supply_t_per_year"].iloc[0] == 1000.0
    assert out.seasonality.query("month == 3")["share"].iloc[0] == 0.2
    assert point_sample(SPACE).values[0].tolist() == SPACE.factors["value"].tolist()
