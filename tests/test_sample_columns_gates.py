"""A sample's own route through a congested gate pays its delay, or is not added.

:mod:`tests.test_uncertainty_routes`'s case (the detour filter keeps x1 only; x1's fee f ~
U[20, 220] the one ranged number) with the congestion tiers of ``helpers.congestion_tables``
(each gate 10 trucks/day a direction; tiers at 50 / 75 / 90 % waiting 0, 0.5, 2, 6 h), no
value of time (a truck-hour in a tier costs the waiting 24 USD/day / 24 = 1 USD) and 180 t/day
(9 trucks). Nine trucks in a gate's tiers wait 5 x 0 + 2.5 x 0.5 + 1.5 x 2 = 4.25 truck-hours,
4.25 USD/day, at either gate. At the point x1 costs 11 USD/t plus 0.1 at the margin (tier 3, 2
USD/truck), below x2's 16: certified, 180 x (11 - 1,000) + 4.25. At f = 200 x1 costs
(200 + 200) / 20 = 20 USD/t: the optimum over every route sends all 180 t via x2,
180 x (16 - 1,000) + 4.25 = -177,115.75 USD/day; via x1 only 180 x (20 - 1,000) + 4.25 =
-176,395.75.

The kept model has no congestion row for durian at x2 (no kept route crosses it), and HiGHS
holds none of x2's tier rows (no link enters them). Before session 20 the sample's x2 column
was added without one, escaped the delay and the sample was reported *certified* at
-177,120, below the optimum; in sessions 20-25 the column was not added and the sample stayed
restricted at -176,395.75. Now the link row, x2's tier rows and their tier columns are added
for the sample as a fresh build has them (:mod:`borderflow.uncertainty.sample_gates`): the
sample is certified at the optimum over every route, -177,115.75, equal to a rebuild, and
the next samples start from the kept model again.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import tiny
import uncertainty_data as ud
from helpers import congestion_tables

import borderflow as bf
from borderflow.data.loaders import read_tables
from borderflow.model.column_generation import Pricing
from borderflow.model.routes import RouteOptions
from borderflow.options import RunOptions
from borderflow.uncertainty.kept import kept_models, rebuilt_measures
from borderflow.uncertainty.perturb import apply_sample
from borderflow.uncertainty.run import sample_space

FEE = "table,key,field,low,high\ncrossings,x1,fee_usd_per_truck,20,220\n"


def _kept(tmp_path):
    tables = read_tables(ud.write(tmp_path / "ds", congestion_tables(
        tiny.base_tables(), supply_t=180.0, products={"durian": 0.0}), FEE))
    scenario = bf.Scenario(name="baseline")
    _, space, _ = sample_space(tables, scenario)
    options = replace(RunOptions(), routes=RouteOptions(detour_factor=1.2),
                      pricing=Pricing(enabled=True, max_rounds=20))
    (kept,) = kept_models(tables, scenario, options, space)
    return tables, scenario, options, space, kept


def test_a_sample_route_gets_its_congestion_rows_and_is_certified(tmp_path):
    _, _, _, space, kept = _kept(tmp_path)
    assert set(kept.routes.routes["route_id"].str.contains("x2")) == {False}
    assert not kept.built.congestion.links["crossing_id"].eq("x2").any()
    point = kept.solve(space.point()[0])
    assert point["cost_usd"] == pytest.approx(180 * (11 - 1000) + 4.25, abs=1e-6)
    assert point["certified"] == 1.0
    n_col, n_row = kept.session.highs.getNumCol(), kept.session.highs.getNumRow()
    got = kept.solve(np.array([200.0]))
    assert got["cost_usd"] == pytest.approx(180 * (16 - 1000) + 4.25, abs=1e-6)  # -177,115.75
    assert got["certified"] == 1.0 and got["routes_added"] == 1.0
    assert (kept.session.highs.getNumCol(), kept.session.highs.getNumRow()) == (n_col, n_row)
    again = kept.solve(space.point()[0])  # the sample's rows and columns are gone
    assert again == point


def test_samples_with_added_congestion_rows_equal_a_rebuild(tmp_path):
    tables, scenario, options, space, kept = _kept(tmp_path)
    key = ("crossings", "x1", "fee_usd_per_truck")
    for fee in (200.0, 120.0, 219.0):
        got = kept.solve(np.array([fee]))
        want = rebuilt_measures(apply_sample(tables, {key: fee}), scenario, options)
        assert got["certified"] == want["scenario"]["certified"] == 1.0
        assert got["cost_usd"] == pytest.approx(want["scenario"]["cost_usd"], rel=1e-6)


@pytest.mark.slow
def test_embedded_samples_with_added_congestion_rows_equal_a_rebuild(monkeypatch):
    """Two Latin hypercube samples (seed 1 of 200) of the embedded dataset whose own routes load
    a product at a gate no kept route loads it at (session 26: 44 of 200 such samples, each
    equal to its certified rebuild to 2e-16): certified, equal to ``bf.solve`` of the sample
    (verified). Link lengths, speeds and payloads are not ranged here: a rebuild re-derives
    road classes from sampled speeds (docs/uncertainty.md), a warm run keeps them."""
    import borderflow.uncertainty.sample_columns as sc
    from borderflow.uncertainty.ranges import Ranges
    from borderflow.uncertainty.run import draw
    from borderflow.uncertainty.sampling import FactorSpace

    calls = []
    add = sc.add_links
    monkeypatch.setattr(sc, "add_links", lambda *a, **k: calls.append(a[6]) or add(*a, **k))
    tables = bf.load_dataset()
    scenario = bf.Scenario(name="baseline")
    checked, _, _ = sample_space(tables, scenario)
    t = checked.table
    drop = (t["table"].eq("links") & t["field"].isin(["length_km", "travel_h"])) \
        | t["field"].eq("payload_t_per_truck")
    space = FactorSpace.from_ranges(Ranges(t[~drop].reset_index(drop=True), checked.file))
    drawn = draw(space, 200, "lhs", 1)
    options = RunOptions()
    (kept,) = kept_models(tables, scenario, options, space)
    for i in (9, 14):  # samples 1 and 9 before the tier hours were one ladder (s26-ladder)
        calls.clear()
        got = kept.solve(drawn.values[i])
        assert calls and got["certified"] == 1.0
        want = rebuilt_measures(apply_sample(tables, drawn.sample(i)), scenario, options)
        assert want["scenario"]["certified"] == 1.0
        assert got["cost_usd"] == pytest.approx(want["scenario"]["cost_usd"], rel=1e-6)
