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

The kept model has no congestion row for durian at x2 (no kept route crosses it). Before
session 20 the sample's x2 column was added without one, escaped the delay and the sample
was reported *certified* at -177,120, below the optimum. Now the column is not added: the
sample stays restricted at -176,395.75 with a gap bound that covers the 720 USD/day gap.
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
from borderflow.uncertainty.kept import kept_models
from borderflow.uncertainty.run import sample_space

FEE = "table,key,field,low,high\ncrossings,x1,fee_usd_per_truck,20,220\n"


def test_a_sample_route_without_its_congestion_row_is_not_added(tmp_path):
    tables = read_tables(ud.write(tmp_path / "ds", congestion_tables(
        tiny.base_tables(), supply_t=180.0, products={"durian": 0.0}), FEE))
    scenario = bf.Scenario(name="baseline")
    _, space, _ = sample_space(tables, scenario)
    options = replace(RunOptions(), routes=RouteOptions(detour_factor=1.2),
                      pricing=Pricing(enabled=True, max_rounds=20))
    (kept,) = kept_models(tables, scenario, options, space)
    assert set(kept.routes.routes["route_id"].str.contains("x2")) == {False}
    point = kept.solve(space.point()[0])
    assert point["cost_usd"] == pytest.approx(180 * (11 - 1000) + 4.25, abs=1e-6)
    assert point["certified"] == 1.0
    got = kept.solve(np.array([200.0]))
    assert got["cost_usd"] == pytest.approx(-176_395.75, abs=1e-6)
    assert got["certified"] == 0.0 and got["routes_added"] == 0.0
    assert got["gap_bound_usd"] >= 720.0 - 1e-6
