"""Samples priced with their own duals: a route the enumeration left out, found per sample.

The tiny network of :mod:`tiny` (200 t/day from O to M; via x1 (200 + f) / 20 USD/t with f the
x1 fee, 20 at the point; via x2 16 USD/t; price 1,000; capacities ample) with the detour filter
at 1.2: the x2 sequence (320 USD/truck) is more than 1.2 x the x1 one (220), so the enumeration
keeps x1 only. x1's fee f ~ U[20, 220] is the one ranged number. By hand, per sample:

- optimum over every route: 200 x (min((200 + f) / 20, 16) - 1,000) = min(2,000 + 10 f, 3,200)
  - 200,000 USD/day (x2 is cheaper once f > 120);
- over the enumerated route (x1) only: 2,000 + 10 f - 200,000; its pricing finds x2 with reduced
  cost 16 - (200 + f) / 20, so the gap bound is 200 x ((200 + f) / 20 - 16) = 10 f - 1,200
  (here exact: the restricted optimum minus the bound is the optimum).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import tiny
import uncertainty_data as ud

import borderflow as bf
from borderflow.data.loaders import read_tables
from borderflow.model.column_generation import Pricing
from borderflow.model.routes import RouteOptions
from borderflow.options import RunOptions
from borderflow.uncertainty.kept import kept_models
from borderflow.uncertainty.run import draw, sample_space

FEE = "table,key,field,low,high\ncrossings,x1,fee_usd_per_truck,20,220\n"


def _build(rounds: int) -> RunOptions:
    """Detour filter 1.2 (x1 only enumerated); ``rounds`` pricing rounds (0: bound only)."""
    return replace(RunOptions(), routes=RouteOptions(detour_factor=1.2),
                   pricing=Pricing(enabled=rounds > 0, max_rounds=rounds))


def _tables(tmp_path):
    return read_tables(ud.write(tmp_path / "ds", tiny.base_tables(), FEE))


def _by_hand(fee: np.ndarray) -> np.ndarray:
    return np.minimum(2000 + 10 * fee, 3200) - 200_000


def _wide(u) -> pd.DataFrame:
    r = u.results[u.results["scenario"] == "scenario"]
    return r.pivot(index="sample", columns="measure", values="value")


def test_the_enumeration_misses_x2_and_the_point_is_still_certified(tmp_path):
    tables = _tables(tmp_path)
    scenario = bf.Scenario(name="baseline")
    _, space, _ = sample_space(tables, scenario)
    (kept,) = kept_models(tables, scenario, _build(20), space)
    assert set(kept.routes.routes["route_id"].str.contains("x2")) == {False}
    assert kept.point_routing.certified
    got = kept.solve(space.point()[0])
    assert got["cost_usd"] == pytest.approx(-197_800.0, abs=1e-6)
    assert got["certified"] == 1.0 and got["routes_added"] == 0.0


def test_each_sample_adds_the_route_it_needs_and_equals_the_hand_optimum(tmp_path):
    tables = _tables(tmp_path)
    u = bf.uncertainty(tables, samples=20, seed=1, sensitivity="none", options=_build(20))
    fee = u.samples.values[:, 0]
    w = _wide(u)
    assert (fee > 120).any() and (fee < 120).any()
    np.testing.assert_allclose(w["cost_usd"].to_numpy(), _by_hand(fee), atol=1e-6)
    assert (w["certified"] == 1.0).all()
    assert (w["routes_added"].to_numpy() == (fee > 120)).all()
    assert u.metadata["routing"] == {"samples": 20, "certified": 20, "restricted": 0,
                                     "unknown": 0, "max_gap_bound_usd": pytest.approx(0, abs=1e-4),
                                     "routes_added": int((fee > 120).sum())}
    assert any("all 20 samples certified optimal over every route" in s for s in u.text())


def test_without_rounds_a_sample_is_restricted_with_the_hand_gap_bound(tmp_path):
    tables = _tables(tmp_path)
    u = bf.uncertainty(tables, samples=20, seed=1, sensitivity="none", options=_build(0))
    fee = u.samples.values[:, 0]
    w = _wide(u)
    np.testing.assert_allclose(w["cost_usd"].to_numpy(), 2000 + 10 * fee - 200_000, atol=1e-6)
    out = fee > 120
    assert (w["certified"].to_numpy() == ~out).all()
    np.testing.assert_allclose(w["gap_bound_usd"].to_numpy()[out], 10 * fee[out] - 1200,
                               rtol=1e-9)
    np.testing.assert_allclose((w["cost_usd"] - w["gap_bound_usd"]).to_numpy(), _by_hand(fee),
                               atol=1e-6)
    r = u.metadata["routing"]
    assert r["certified"] == int((~out).sum()) and r["restricted"] == int(out.sum())
    assert r["max_gap_bound_usd"] == pytest.approx((10 * fee[out] - 1200).max(), rel=1e-9)
    line = next(s for s in u.text() if "restricted to the routes in the model" in s)
    assert f"{r['certified']:,} of 20 samples certified" in line


def test_samples_do_not_depend_on_order_the_added_routes_are_taken_out(tmp_path):
    tables = _tables(tmp_path)
    scenario = bf.Scenario(name="baseline")
    _, space, _ = sample_space(tables, scenario)
    (kept,) = kept_models(tables, scenario, _build(20), space)
    n_cols = kept.session.highs.getNumCol()
    values = draw(space, 12, "lhs", 4).values
    forward = [kept.solve(v) for v in values]
    assert kept.session.highs.getNumCol() == n_cols
    backward = [kept.solve(v) for v in values[::-1]][::-1]
    assert forward == backward
    assert any(f["routes_added"] > 0 for f in forward)


def test_two_dask_workers_give_the_samples_of_one_process(tmp_path):
    tables = _tables(tmp_path)
    scenario = bf.Scenario.closing(["x1"])
    one = bf.uncertainty(tables, scenario, samples=8, seed=2, sensitivity="none",
                         options=_build(20))
    two = bf.uncertainty(tables, scenario, samples=8, seed=2, sensitivity="none",
                         options=_build(20), workers=2)
    pd.testing.assert_frame_equal(one.results, two.results)
