"""A route cap keeps the best route into every share rule's region (issue 18, session 18).

Before: a capped route set (every dated run's default, 5 per (origin, product), best net margin
first) could drop every route into a destination-share region; the rule's low row then held the
rule's deliveries to China at 0 (the realistic Boten 2021 run shipped no fruit to China).

Tiny network (tests/tiny.py, ``helpers.two_regions``), static: 200 t/day of durian from O;
M (Guangxi, price 1,000) via X1 at 11 USD/t, K (Yunnan, price 1,000) via X2 at
(150 + 100 + 20) / 20 = 13.5 USD/t. Bands: Yunnan 30-50 %, Guangxi-Guangdong 50-70 %. A cap of
one route per (origin, product) keeps M by X1 (the best margin) and drops K; pricing off.

- **Kept**: the K route stays, so 60 t go to K and 140 t to M (Yunnan's low bound, 30 % of
  200 t), objective 140 x (11 - 1,000) + 60 x (13.5 - 1,000).
- **Dropped** (the rule off): the capped set holds only the M route.
- **No route into Yunnan at all** (link L5 to K removed): the low row holds China's durian at
  0 t; the run says so (summary ``routes.unmeetable_share_rules`` and a story line).
"""

from __future__ import annotations

import pytest
from helpers import two_region_shares as _shares
from helpers import two_regions

from borderflow.data.scenario import Scenario
from borderflow.model.column_generation import Pricing
from borderflow.model.routes import RouteOptions
from borderflow.narrative import story
from borderflow.options import RunOptions

TOL = 1e-6
CAP1 = RunOptions(routes=RouteOptions(max_routes_per_product=1),
                  pricing=Pricing(enabled=False, max_rounds=0))


def _to(run) -> dict[str, float]:
    rf = run.results.route_flows
    return rf[rf["flow_t"] > TOL].groupby("market")["flow_t"].sum().to_dict()


@pytest.fixture
def two(tiny_tables):
    two_regions(tiny_tables)
    return tiny_tables


def test_the_cap_alone_drops_the_route_into_yunnan(solve_tiny, two):
    run = solve_tiny(two, Scenario(), options=CAP1)
    assert set(run.routes.eligible["market"]) == {"cn-m"}
    assert _to(run) == pytest.approx({"cn-m": 200.0}, abs=TOL)


def test_a_capped_set_keeps_the_route_into_a_share_region(solve_tiny, two):
    _shares(two)
    run = solve_tiny(two, Scenario(), options=CAP1)
    assert set(run.routes.eligible["market"]) == {"cn-m", "cn-k"}
    assert _to(run) == pytest.approx({"cn-k": 60.0, "cn-m": 140.0}, abs=TOL)
    assert run.results.summary["objective_usd"] == pytest.approx(
        140 * (11 - 1000) + 60 * (13.5 - 1000), abs=TOL)
    assert "unmeetable_share_rules" not in run.results.summary["routes"]


def test_a_region_no_route_reaches_is_said_not_silent(solve_tiny, two):
    _shares(two)
    two["links"] = two["links"][two["links"]["link_id"] != "l5"].reset_index(drop=True)
    run = solve_tiny(two, Scenario(), options=CAP1)
    assert _to(run) == {}
    assert run.results.summary["routes"]["unmeetable_share_rules"] == ["VN/fruit/yunnan"]
    assert story(run.results)[0].startswith(
        "No route in the model reaches the region of share rule VN/fruit/yunnan")
