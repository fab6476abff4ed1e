"""The verifier's delay cost of congestion-tier trucks when a gate carries two products
(``borderflow/verify/congestion.py``, :func:`congestion_cost_usd`): each tier row is priced
with its own product's value of time and payload. The oracle's congestion case has one
product (durian), so a cost that took the products in another order, or all of them for
every row, could not be told apart (mutant ``_cost_per_truck`` 25, ``reindex(None)``).

By hand (waiting cost 24 USD/truck-day, so 1 USD a truck-hour on top of the cargo's time):
mango 10 t/truck at 0.5 USD/t-h, 3 trucks in a 2-hour tier: 3 x 2 x (0.5 x 10 + 1) = 36 USD;
durian 20 t/truck at 0.95 USD/t-h, 1 truck in the same tier: 1 x 2 x (0.95 x 20 + 1) = 40 USD;
2 durian trucks in the free tier (0 h): 0. Total 76 USD. No solve.
"""

from types import SimpleNamespace

import pandas as pd
import pytest

from borderflow.verify.congestion import congestion_cost_usd


def _facts() -> SimpleNamespace:
    """The verifier's facts as the congestion checks read them (no FIFO lane)."""
    products = pd.DataFrame({"vot": [0.95, 0.5], "payload_t": [20.0, 10.0]},
                            index=pd.Index(["durian", "mango"], name="product_id"))
    return SimpleNamespace(products=products, waiting_usd_per_truck_day=24.0)


def _congestion(rows: list[tuple]) -> SimpleNamespace:
    t = pd.DataFrame(rows, columns=["crossing_id", "direction", "period", "product_id", "tier",
                                    "hours", "trucks"])
    return SimpleNamespace(congestion=t)


def test_each_tier_row_is_priced_with_its_own_products_time_and_payload():
    res = _congestion([("X1", "out", 0, "mango", 2, 2.0, 3.0),
                       ("X1", "out", 0, "durian", 2, 2.0, 1.0)])
    assert congestion_cost_usd(res, _facts()) == pytest.approx(36.0 + 40.0, abs=1e-9)


def test_trucks_in_a_free_tier_cost_nothing_and_a_run_without_tiers_costs_nothing():
    res = _congestion([("X1", "out", 0, "mango", 2, 2.0, 3.0),
                       ("X1", "out", 0, "durian", 1, 0.0, 2.0),
                       ("X1", "out", 0, "durian", 2, 2.0, 1.0)])
    assert congestion_cost_usd(res, _facts()) == pytest.approx(76.0, abs=1e-9)
    assert congestion_cost_usd(SimpleNamespace(congestion=None), _facts()) == 0.0
