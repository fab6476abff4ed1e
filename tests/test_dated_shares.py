"""Destination-share rows in dated runs, one pair per rule and dispatch day (issue 18, session
17), against hand-computed optima on the tiny network with two regions; the certificate re-checks
the rows' duals, and a tampered one fails.

Tiny network (tests/tiny.py, ``helpers.two_regions``): S = 196.2 t/day of durian from O
(January); M (Guangxi, price 1,000) via X1 at 11 USD/t; K (Yunnan, price 1,000) via X2 at
(150 + 100 + 20) / 20 = 13.5 USD/t, reaching X2 3 h after dispatch; waiting 40 USD/truck-day =
2 USD/t per day queued.
Bands: Yunnan 30-50 %, Guangxi-Guangdong 50-70 %. Horizon: 2 days from 1 Jan 2024, X2 closed on
1 Jan.

- **No rows**: all 2 S go to M via X1 (11 USD/t).
- **Rows per dispatch day**: each day's dispatch holds the band on its own. Day 0 cannot cross
  X2 that day, so its 0.3 S for K wait at X2 one day (13.5 + 2 = 15.5 USD/t); day 1 sends 0.3 S
  to K at 13.5. Each day 0.7 S to M. A row over the whole horizon would instead send day 0's S
  all to M and 0.6 S of day 1 to K (0.6 S x 2.5 USD/t of extra cost, not 0.3 S x (4.5 + 2.5)):
  what the per-day rows forbid.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from helpers import two_region_shares as _shares
from helpers import two_regions

from borderflow import verify
from borderflow.data.scenario import Horizon, Scenario
from borderflow.data.scenario_events import CloseEvent, Window

TOL = 1e-6
#: tonnes dispatched a day in January: 73,000 t/year, flat seasonality, over 31 days
S = 200 * 365 / 12 / 31


def _scenario() -> Scenario:
    return Scenario(name="x2-day0", horizon=Horizon(start=dt.date(2024, 1, 1), days=2),
                    events=[CloseEvent(crossing="x2", close=Window(**{
                        "from": dt.date(2024, 1, 1), "to": dt.date(2024, 1, 1)}))])


def _by_day(run) -> dict[tuple[int, str], float]:
    rf = run.results.route_flows
    rf = rf[rf["flow_t"] > TOL]
    return {(int(t), m): float(v) for (t, m), v in
            rf.groupby(["period", "market"])["flow_t"].sum().items()}


def _region_gap(sd) -> float:
    """Sum of the Yunnan rows' duals minus the Guangxi-Guangdong rows' (USD/t)."""
    y = sd["dual_usd_per_t"]
    return float(y[sd["rule_id"].str.endswith("/yunnan")].sum()
                 - y[sd["rule_id"].str.endswith("/guangxi-guangdong")].sum())


def _report(run):
    return verify.verify_results(run.results, run.tables, run.net.scenario, net=run.net)


@pytest.fixture
def two(tiny_tables):
    two_regions(tiny_tables)
    return tiny_tables


def test_without_rows_everything_goes_to_guangxi(solve_tiny, two):
    run = solve_tiny(two, _scenario())
    assert _by_day(run) == pytest.approx({(0, "cn-m"): S, (1, "cn-m"): S}, abs=TOL)
    assert run.results.share_duals.empty


def test_rows_hold_the_band_each_dispatch_day(solve_tiny, two):
    _shares(two)
    run = solve_tiny(two, _scenario())
    assert _by_day(run) == pytest.approx({(0, "cn-m"): 0.7 * S, (0, "cn-k"): 0.3 * S,
                                          (1, "cn-m"): 0.7 * S, (1, "cn-k"): 0.3 * S}, abs=TOL)
    free = solve_tiny(_without_shares(two), _scenario())
    # the objective moves by the hand-computed extra cost: 30 % of each day's tonnes to K,
    # 4.5 USD/t dearer on day 0 (waiting a day), 2.5 on day 1
    assert run.results.summary["objective_usd"] - free.results.summary["objective_usd"] \
        == pytest.approx(0.3 * S * (15.5 - 11) + 0.3 * S * (13.5 - 11), abs=1e-5)
    sd = run.results.share_duals
    assert sorted(set(sd["period"])) == [0, 1]
    assert len(sd) == 2 * 2 * 2  # 2 rules x 2 sides x 2 dispatch days
    # both routes of a day carry flow, so their reduced costs are 0: the share terms make up
    # the cost gap, s_K - s_M = -(y_yunnan,low + y_yunnan,high - y_guangxi,low - y_guangxi,high)
    # = -(13.5 + wait - 11): 4.5 USD/t on day 0 (K's load waits a day), 2.5 on day 1
    gap = {t: _region_gap(g) for t, g in sd.groupby("period")}
    assert gap == pytest.approx({0: 4.5, 1: 2.5}, abs=1e-6)
    report = _report(run)
    assert report["ok"].all(), verify.violations(report).head().to_string()
    assert (report["check"] == "destination_share").sum() == 4  # a row per rule and day
    assert run.results.summary["routing"] == "certified"


def _without_shares(t):
    out = dict(t)
    out.pop("destination_shares", None)
    return out


def test_a_tampered_share_dual_fails_the_certificate(solve_tiny, two):
    _shares(two)
    run = solve_tiny(two, _scenario())
    sd = run.results.share_duals
    sd["dual_usd_per_t"] = sd["dual_usd_per_t"] * 2.0  # in sign, but not the model's
    bad = verify.violations(_report(run))
    assert "route_dual" in set(bad["check"]), bad.head().to_string()


def test_a_flow_outside_the_band_on_one_day_fails_the_share_check(solve_tiny, two):
    _shares(two)
    run = solve_tiny(two, _scenario())
    rf = run.results.route_flows
    rf.loc[(rf["market"] == "cn-k") & (rf["period"] == 1), "flow_t"] = 0.0
    bad = verify.violations(_report(run))
    shares = bad[bad["check"] == "destination_share"]
    assert len(shares) == 2 and shares["entity"].str.contains("@1").all()


def test_a_static_run_keeps_one_pair_per_rule(solve_tiny, two):
    """Static runs are unchanged: one pair of rows per rule (period 0), the Guangxi high side
    binding at the price gap of the two routes, 13.5 - 11 = 2.5 USD/t (HiGHS's sign: <= 0);
    the flows are test_generalized_cost.py's 60 / 140 t."""
    _shares(two)
    run = solve_tiny(two)
    sd = run.results.share_duals
    assert sd["period"].tolist() == [0, 0, 0, 0]
    assert sd[["rule_id", "side"]].apply(tuple, axis=1).tolist() == [
        ("VN/fruit/guangxi-guangdong", "high"), ("VN/fruit/guangxi-guangdong", "low"),
        ("VN/fruit/yunnan", "high"), ("VN/fruit/yunnan", "low")]
    gap = _region_gap(sd)
    assert gap == pytest.approx(2.5, abs=1e-9)
    assert _by_day(run) == pytest.approx({(0, "cn-m"): 140.0, (0, "cn-k"): 60.0}, abs=TOL)


def test_the_share_terms_of_a_pass_by_hand():
    """``dated_share_terms``: per (origin, product, market, day), minus the sum over the rows
    with a nonzero dual of (in region - share) x dual, in row order, bit for bit; a row with
    dual 0 adds no key. Rules A (region m1) and B (region m2) over the same markets m1, m2."""
    from borderflow.data.destinations import ShareRule
    from borderflow.model.column_generation import dated_share_terms

    a = ShareRule("A", ("o",), ("p",), ("m1",), ("m1", "m2"), 0.3, 0.5, 1)
    b = ShareRule("B", ("o",), ("p",), ("m2",), ("m1", "m2"), 0.25, 0.5, 2)
    rows = pd.DataFrame({"rule_id": ["A", "A", "B", "A"], "share": [0.3, 0.5, 0.25, 0.3],
                         "period": [0, 0, 1, 1]})
    got = dated_share_terms(rows, [2.0, 0.0, -4.0, 1.0], [a, b])
    assert list(got) == [("o", "p", "m1", 0), ("o", "p", "m2", 0), ("o", "p", "m1", 1),
                         ("o", "p", "m2", 1)]
    assert got[("o", "p", "m1", 0)] == -1.4 and got[("o", "p", "m2", 0)] == 0.6
    # day 1: B's row (-4) first, then A's (1): -(0 - 0.25)(-4) - (1 - 0.3), -(1 - 0.25)(-4) + 0.3
    assert got[("o", "p", "m1", 1)] == (0.0 - (0.0 - 0.25) * -4.0) - (1.0 - 0.3) * 1.0
    assert got[("o", "p", "m2", 1)] == (0.0 - (1.0 - 0.25) * -4.0) - (0.0 - 0.3) * 1.0
    assert dated_share_terms(rows, [0.0] * 4, [a, b]) == {}


def test_the_share_rows_and_terms_of_a_build_by_hand():
    """``share_table`` of a dated model: per rule, one (low, high) pair per dispatch day with
    flows in its scope, days ascending; each row's terms are the day's flows in the order of
    the flow table, ``coef = [market in region] - share``. Flows dispatched on days 2, 0, 2, 1
    (out of order: the rows must not follow it); flow 4 is out of scope (market ``x``)."""
    import types

    from borderflow.data.destinations import ShareRule
    from borderflow.model.indices import share_table

    rule = ShareRule("A", ("o",), ("p",), ("m1",), ("m1", "m2"), 0.3, 0.5, 1)
    flows = pd.DataFrame({"origin": ["o"] * 5, "product_id": ["p"] * 5,
                          "market": ["m2", "m1", "m1", "m2", "x"], "period": [2, 0, 2, 1, 0],
                          "f": [0, 1, 2, 3, 4]})
    rows, terms = share_table(types.SimpleNamespace(dated=True), flows, [rule])
    assert rows.values.tolist() == [["A", "low", 0.3, 0], ["A", "high", 0.5, 0],
                                    ["A", "low", 0.3, 1], ["A", "high", 0.5, 1],
                                    ["A", "low", 0.3, 2], ["A", "high", 0.5, 2]]
    assert terms["row"].tolist() == [0, 1, 2, 3, 4, 4, 5, 5]
    assert terms["f"].tolist() == [1, 1, 3, 3, 0, 2, 0, 2]
    assert terms["coef"].tolist() == [1 - 0.3, 1 - 0.5, -0.3, -0.5, -0.3, 1 - 0.3, -0.5,
                                      1 - 0.5]
    assert list(terms.dtypes) == ["int64", "int64", "float64"]
