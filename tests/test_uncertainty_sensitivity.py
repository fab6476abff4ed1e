"""Sensitivity designs on functions whose answers are known, tornado PNG, band formatting,
and the summaries (quantiles, ranks, probabilities) of solved samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import ranges_table

from borderflow.uncertainty.format import quote, with_band
from borderflow.uncertainty.sampling import FactorSpace
from borderflow.uncertainty.sensitivity import (
    morris_design,
    morris_indices,
    oat_design,
    restrict,
    sobol_design,
    sobol_indices,
    solves_needed,
    tornado_table,
)
from borderflow.uncertainty.summaries import (
    headline_measures,
    paired_increase,
    positive_probability,
    top_k_probability,
)
from borderflow.uncertainty.tornado import tornado_png

SPACE = FactorSpace.from_ranges(ranges_table([
    ("markets", "m|p", "price_usd_per_t", 0, 5, 10, "uniform", "cost", ""),
    ("crossings", "a", "fee_usd_per_truck", 0, 1, 2, "uniform", "cost", ""),
    ("crossings", "b", "fee_usd_per_truck", 0, 1, 2, "uniform", "cost", ""),
]))


def _y(values: np.ndarray) -> np.ndarray:
    """3 x price - 10 x fee_a + 0 x fee_b (factors sorted: fee a, fee b, price)."""
    fee_a, _, price = values.T
    return 3 * price - 10 * fee_a


def test_oat_tornado_swings_are_the_hand_values():
    design = oat_design(SPACE)
    assert len(design) == solves_needed(SPACE, "oat") == 7
    t = tornado_table(design, _y(design.values))
    assert t["dimension"].tolist()[:2] == ["markets/m|p/price_usd_per_t",
                                          "crossings/a/fee_usd_per_truck"]
    assert t["swing"].tolist() == [30, 20, 0]
    assert t.loc[0, "point"] == 3 * 5 - 10 * 1
    assert (t.loc[1, "at_low"], t.loc[1, "at_high"]) == (15, -5)


def test_morris_ranks_what_matters_and_finds_the_idle_input():
    design = morris_design(SPACE, trajectories=20, seed=4)
    assert len(design) == solves_needed(SPACE, "morris", trajectories=20)
    m = morris_indices(design, _y(design.values), seed=4).set_index("dimension")
    assert m.loc["markets/m|p/price_usd_per_t", "mu_star"] == pytest.approx(30)
    assert m.loc["crossings/a/fee_usd_per_truck", "mu_star"] == pytest.approx(20)
    assert m.loc["crossings/b/fee_usd_per_truck", "mu_star"] == 0
    assert m.loc["markets/m|p/price_usd_per_t", "rank"] == 1


def test_sobol_first_order_shares_of_an_additive_function():
    """Var(3 * 10 u1) : Var(10 * 2 u2) = 900 : 400, so S1 = 9/13 and 4/13."""
    design = sobol_design(SPACE, base_samples=1024, seed=1)
    s = sobol_indices(design, _y(design.values), seed=1).set_index("dimension")
    assert s.loc["markets/m|p/price_usd_per_t", "S1"] == pytest.approx(9 / 13, abs=0.03)
    assert s.loc["crossings/a/fee_usd_per_truck", "ST"] == pytest.approx(4 / 13, abs=0.03)
    assert abs(s.loc["crossings/b/fee_usd_per_truck", "ST"]) < 0.01


def test_restrict_keeps_the_chosen_dimensions():
    small = restrict(SPACE, ["markets/m|p/price_usd_per_t"])
    assert small.n_dimensions == 1 and small.n_factors == 1
    with pytest.raises(ValueError, match="unknown dimension"):
        restrict(SPACE, ["nope"])


def test_tornado_png_is_written_and_deterministic(tmp_path):
    design = oat_design(SPACE)
    t = tornado_table(design, _y(design.values) * 1000)
    a = tornado_png(t, tmp_path / "a.png", title="Cost of a closure", unit="USD/day")
    b = tornado_png(t, tmp_path / "b.png", title="Cost of a closure", unit="USD/day")
    assert a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert a.read_bytes() == b.read_bytes()


def test_band_text_as_an_analyst_quotes_it():
    assert with_band(44216.3, 21012, 90450, "USD/day", sign=True) == \
        "+44,200 USD/day (P10\u2013P90: 21,000\u201390,500)"
    assert with_band(-0.2, -0.4, 0.3, "t") == "0 t (P10\u2013P90: 0\u20130)"
    assert with_band(12.0, None, None, "t") == "12 t"
    assert quote(float("nan"), "t") == "n/a" and quote(-26_319_542.9, "USD") == "-26,300,000"
    assert quote(2.5, "trucks") == "3"  # half away from zero, not to even


def test_quantiles_ranks_and_probabilities():
    crit = pd.DataFrame({"sample": np.repeat(range(4), 3),
                         "crossing_id": ["a", "b", "c"] * 4,
                         "cost_increase_usd": [9, 5, 1, 8, 9, 1, 7, 6, 9, 9, 1, 2]})
    top = top_k_probability(crit, k=1).set_index("crossing_id")
    # the costliest per sample: a, b, c, a
    assert top["p_top_k"].to_dict() == {"a": 0.5, "b": 0.25, "c": 0.25}
    assert top.index[0] == "a"
    ben = pd.DataFrame({"sample": [0, 1, 2, 3] * 2, "project": ["p"] * 4 + ["q"] * 4,
                        "benefit_usd": [1, 2, -1, 3, -5, -4, 1, -2]})
    pos = positive_probability(ben).set_index("project")
    assert pos.loc["p", "p_positive"] == 0.75 and pos.loc["q", "p_positive"] == 0.25
    res = pd.DataFrame({"scenario": ["s", "s", "base", "base"], "sample": [0, 1, 0, 1],
                        "measure": "cost_usd", "value": [10.0, 30.0, 4.0, 5.0]})
    inc = paired_increase(res, "s", "base")
    assert inc["measure"].unique().tolist() == ["cost_increase_usd"]
    assert inc["value"].tolist() == [6.0, 25.0]


def test_headline_measures_of_a_dated_sample():
    backlog = pd.DataFrame({"crossing_id": ["x1", "x1", "x2"], "direction": "a_to_b",
                            "peak_queue_trucks": [40.0, 90.0, 5.0],
                            "clear_date": ["2024-03-05", "2024-03-20", None]})
    h = headline_measures({"objective_usd": -5.0, "unserved_t": 1.0, "spoiled_t": 0.5},
                          backlog, horizon_start="2024-03-01")
    assert h["queue_peak_trucks:x1:a_to_b"] == 90.0
    assert h["clear_day:x1:a_to_b"] == 19.0
    assert h["clear_day:x2:a_to_b"] == np.inf


def test_the_screen_says_which_ranks_stand_out_from_chance():
    """A dimension that drives ``y`` stands out over 200 samples; over 30 samples of noise
    none does, though the largest |rho| is far from 0 (Bonferroni over the dimensions)."""
    from borderflow.uncertainty.sampling import latin_hypercube
    from borderflow.uncertainty.screening import screening_table

    many = latin_hypercube(SPACE, 200, seed=1)
    t = screening_table(many, _y(many.values)).set_index("dimension")
    assert bool(t.loc["markets/m|p/price_usd_per_t", "stands_out"])
    assert bool(t.loc["crossings/a/fee_usd_per_truck", "stands_out"])
    assert not bool(t.loc["crossings/b/fee_usd_per_truck", "stands_out"])
    assert t.loc["crossings/b/fee_usd_per_truck", "p_value"] > 0.05 / 3

    few = latin_hypercube(SPACE, 30, seed=2)
    noise = np.random.default_rng(3).normal(size=30)
    t = screening_table(few, noise)
    assert not t["stands_out"].any()
    assert t["abs_rho"].max() > 0  # a largest |rho| exists: the rank alone would name it
    assert ((t["p_value"] >= 0) & (t["p_value"] <= 1)).all()


def test_a_flat_headline_has_no_rank_and_p_value_one():
    """y that does not vary: every rho 0, every p-value 1, nothing stands out."""
    from borderflow.uncertainty.sampling import latin_hypercube
    from borderflow.uncertainty.screening import screening_table

    d = latin_hypercube(SPACE, 20, seed=0)
    t = screening_table(d, np.full(20, 7.0))
    assert (t["rho"] == 0).all() and (t["p_value"] == 1).all() and not t["stands_out"].any()


@pytest.mark.parametrize("stand_out, warned", [(0, True), (2, False), (None, False)])
def test_the_driver_line_warns_when_no_screened_rank_stands_out(stand_out, warned):
    """The "what moves ... most" line adds the warning only when the screen kept some
    dimensions and none of them stood out (``None``: a run written before the count)."""
    from borderflow.uncertainty.result import UncertaintyResult

    meta = {"method": "oat", "target": "cost_usd", "dimensions_kept": 2, "dimensions": 3,
            "screen_samples": 30}
    if stand_out is not None:
        meta["screen_stand_out"] = stand_out
    tornado = pd.DataFrame({"dimension": ["markets/m|p/price_usd_per_t"], "swing": [30.0]})
    r = UncertaintyResult(scenario=None, samples=None, results=pd.DataFrame(),
                          summary=pd.DataFrame(), increase=None, tornado={"cost_usd": tornado},
                          metadata={"sensitivity": meta})
    line = r._sensitivity_lines()[0]
    assert line.startswith("what moves the ")
    assert "2 of 3 dimensions kept by rank correlation" in line
    assert ("none of them standing out from chance over 30 samples" in line) is warned
