"""Numbers one can quote and names next to ids (borderflow.present.numbers and .names).

Hand-checked values: the tiny baseline (tests/tiny.py) earns 200 t/day x 1,000 USD/t = 200,000
USD/day of revenue for 11 USD/t x 200 t = 2,200 USD/day of transport, so its objective is
-197,800 and its net value +197,800.
"""

from __future__ import annotations

import doctest
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderflow.present import names as N
from borderflow.present import numbers as U
from borderflow.present import qgis as Q

NEG_ZERO = re.compile(r"^-0(\.0+)?(%|\s|$)")


def test_docstring_examples_hold():
    for module in (U, N, Q):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__


@pytest.mark.parametrize("x, unit, sign, expected", [
    (-0.04, "trucks/day", False, "0.0 trucks/day"),
    (-0.4, "t", False, "0 t"),
    (-0.0, "USD", True, "0 USD"),
    (1366.13, "USD", True, "+1,366 USD"),
    (-943.5483, "USD", True, "-944 USD"),
    (3086.764, "USD/truck", False, "3,086.76 USD/truck"),
    (0.4906, "share", False, "49%"),
    (0.004, "share", True, "0%"),
    (1095.09, "trucks", False, "1,095.1 trucks"),
    (27397.3, "t/day", False, "27,397 t/day"),
    (None, "t", False, "-"),
    (float("nan"), "USD", False, "-"),
])
def test_fmt_rounds_by_unit_without_negative_zero(x, unit, sign, expected):
    assert U.fmt(x, unit, sign=sign) == expected


@given(st.floats(min_value=-0.049, max_value=0.049, allow_nan=False),
       st.sampled_from(["trucks", "t", "USD", "USD/truck", "share", "t/day"]),
       st.booleans())
def test_no_formatted_number_is_a_negative_zero(x, unit, sign):
    text = U.fmt(x, unit, sign=sign, with_unit=False)
    assert not NEG_ZERO.match(text), text
    assert not re.match(r"^\+0(\.0+)?(%|$)", text), text  # no change is shown unsigned


def test_unknown_unit_has_no_silent_rounding():
    with pytest.raises(KeyError, match="no rounding rule"):
        U.fmt(1.0, "furlongs")


def test_round_to_unit_and_round_frame():
    assert U.round_to_unit(-0.04, "trucks") == 0.0
    assert math.copysign(1, U.round_to_unit(-0.04, "trucks")) == 1.0
    df = pd.DataFrame({"t": [1.6, -0.2], "trucks": [0.04, -0.04], "util": [0.123456, 0.5],
                       "id": ["a", "b"]})
    out = U.round_frame(df, {"t": "t", "trucks": "trucks", "util": "share"})
    assert out["t"].tolist() == [2.0, 0.0] and out["trucks"].tolist() == [0.0, 0.0]
    assert all(math.copysign(1, v) == 1 for v in out["trucks"])
    assert out["util"].tolist() == [0.1235, 0.5] and out["id"].tolist() == ["a", "b"]


def test_bands_join_with_a_dash_or_words_when_negative():
    assert U.fmt_band(44_000, 21_000, 90_000, "USD/day") == \
        "+44,000 USD/day (P10–P90: 21,000–90,000)"
    assert U.fmt_band(4_000, -2_100, 9_000, "USD/day") == \
        "+4,000 USD/day (P10–P90: -2,100 to 9,000)"
    with pytest.raises(ValueError):
        U.fmt_band(1, 3, 2, "USD")


def test_money_for_sentences():
    assert U.fmt_money(44_000) == "USD 44,000"
    assert U.fmt_money(-26_319_542.9) == "-USD 26.3 m"
    assert U.fmt_money(0.2, sign=True) == "USD 0"
    assert U.fmt_money(1_366_129, sign=True, per="per day") == "+USD 1.37 m per day"


# --------------------------------------------------------------------------- JSON cleaning

def test_clean_number_removes_noise_relative_to_scale():
    assert U.clean_number(119.99999999999999) == 120.0
    assert U.clean_number(-2.27e-13, scale=1366.13) == 0.0
    assert math.copysign(1, U.clean_number(-0.0)) == 1.0
    assert U.clean_number(float("nan")) is None and U.clean_number(float("inf")) is None
    assert U.clean_number(0.5, scale=1e6) == 0.5  # a real half truck beside millions stays
    assert U.clean_number(1e-4, scale=1e6) == 0.0  # below 1e-9 x 1e6


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_clean_number_is_close_idempotent_and_never_negative_zero(x):
    c = U.clean_number(x)
    assert math.copysign(1, c) == 1 or c < 0
    assert c == U.clean_number(c)
    assert abs(c - x) <= max(U.REL_TOL, 1e-9 * abs(x)) * max(abs(x), 1.0)


def test_clean_json_uses_the_scale_of_siblings():
    doc = {"summary": {"objective_usd": -1163101.6129032257, "tiny": 3e-10,
                       "count": np.int64(3), "ok": np.bool_(True)},
           "rows": [{"id": "a", "delta": -2.27e-13, "t": 0.0}, {"id": "b", "delta": 1366.13,
                                                                  "t": float("nan")}],
           "when": pd.Timestamp("2024-01-02"), "list": [119.99999999999999, 1e-12]}
    out = U.clean_json(doc)
    assert out["summary"] == {"objective_usd": -1163101.613, "tiny": 0.0, "count": 3,
                              "ok": True}
    assert out["rows"] == [{"id": "a", "delta": 0.0, "t": 0.0},
                           {"id": "b", "delta": 1366.13, "t": None}]
    assert out["when"] == "2024-01-02T00:00:00" and out["list"] == [120.0, 0.0]
    assert type(out["summary"]["count"]) is int


# --------------------------------------------------------------------------- horizon, value

def test_horizon_static_and_dated():
    static = U.Horizon.from_summary({"periods": 1,
                                     "period_label": "representative day (annual-average)"})
    assert not static.dated and static.scope == "per day (representative day (annual-average))"
    assert static.total_unit("t") == "t/day" and static.per_day(5618.0) == 5618.0
    dated = U.Horizon.from_summary({"periods": 27, "period_label": "2024-01-01 to 2024-01-27"},
                                   {"horizon": {"start": "2024-01-01", "days": 6}})
    assert dated.dated and dated.scope == "over the 27 days 2024-01-01 to 2024-01-27"
    assert dated.total_unit("t") == "t" and dated.per_day(270.0) == 10.0
    # a one-day dated run is still dated: its totals are over that day
    one = U.Horizon.from_summary({"periods": 1, "period_label": "2021-11-04"},
                                 {"horizon": {"start": "2021-11-04", "days": 1}})
    assert one.dated and one.scope == "over the 1 day 2021-11-04"


def test_net_value_is_positive_with_revenue_and_costs_beside_it():
    s = {"objective_usd": -197_800.0, "revenue_usd": 200_000.0, "transport_cost_usd": 2_200.0,
         "waiting_cost_usd": 0.0, "lost_value_usd": 0.0}
    nv = U.net_value(s)
    assert (nv.net_value_usd, nv.revenue_usd, nv.cost_usd) == (197_800.0, 200_000.0, 2_200.0)
    assert nv.parts == {"transport": 2_200.0, "waiting": 0.0, "value not shipped": 0.0,
                        "other": 0.0}
    static = U.Horizon(1, "representative day", False)
    assert nv.sentence(static) == ("net value USD 197,800 per day (revenue 200,000 minus "
                                   "costs 2,200)")
    # costs the summary does not name show as 'other', never silently dropped
    assert U.net_value({**s, "objective_usd": -197_700.0}).parts["other"] == 100.0


# --------------------------------------------------------------------------- names

def test_one_direction_notation():
    assert N.direction_label("vn", "cn") == "VN→CN"
    assert N.crossing_direction("LA", "CN", "a_to_b") == "LA→CN"
    assert N.crossing_direction("LA", "CN", "b_to_a") == "CN→LA"
    assert N.crossing_direction("LA", "CN", "b_to_a", ascii=True) == "CN->LA"
    with pytest.raises(ValueError):
        N.crossing_direction("LA", "CN", "both")
    dataset = pd.DataFrame({"crossing_id": ["boten-mohan"], "country_a": ["LA"],
                            "country_b": ["CN"]})
    sweep_rows = pd.DataFrame({"crossing_id": ["boten-mohan"] * 2,
                               "direction": ["a_to_b", "b_to_a"], "value": [1.0, 2.0]})
    out = N.label_directions(sweep_rows, dataset)
    assert list(out.columns) == ["crossing_id", "direction", "dir", "value"]
    assert out["dir"].tolist() == ["LA→CN", "CN→LA"]
    with pytest.raises(KeyError):
        N.label_directions(sweep_rows.assign(crossing_id="nowhere"), dataset)


def test_names_next_to_ids():
    class Tables:
        crossings = pd.DataFrame({"crossing_id": ["ma-lu-thang-jinshuihe"],
                                  "name": ["Ma Lu Thang–Jinshuihe"]})
        nodes = pd.DataFrame({"node_id": ["cn-kunming"], "name": ["Kunming"]})
        products = pd.DataFrame({"product_id": ["durian"], "name": ["Durian"]})

    names = N.Names.from_tables(Tables)
    assert names.of("crossing", "ma-lu-thang-jinshuihe") == "Ma Lu Thang–Jinshuihe"
    assert names.label("node", "cn-kunming") == "Kunming (cn-kunming)"
    assert names.label("product", "mango") == "mango"
    df = pd.DataFrame({"product_id": ["durian", "mango"], "t": [1.0, 2.0]})
    out = N.add_names(df, "product_id", names.products)
    assert list(out.columns) == ["product_name", "product_id", "t"]
    assert out["product_name"].tolist() == ["Durian", "mango"]
    assert N.short_name("Ban Vuoc (Bat Xat)–Ba Sa / Ba Sai (Jinping, Yunnan)") == \
        "Ban Vuoc–Ba Sa / Ba Sai"
    assert N.measure_name("objective_usd") == "net cost (costs minus revenue)"
    assert N.change_name("transport cost", "USD") == \
        "transport cost change, scenario minus baseline (USD)"


def test_value_of_capacity_is_quoted_over_open_days_only():
    # gate g: 4 days, closed on days 1-2 where the duals (19,960) measure reopening, not a price
    cr = pd.DataFrame({
        "crossing_id": ["g"] * 4 + ["h"] * 2, "direction": ["a_to_b"] * 6,
        "period": [0, 1, 2, 3, 0, 1], "available": [True, False, False, True, False, False],
        "capacity_trucks_per_day": [100.0, 0.0, 0.0, 100.0, 0.0, 0.0],
        "dual_usd_per_truck": [10.0, 19_960.0, 19_960.0, 30.0, 500.0, 500.0]})
    v = N.capacity_value(cr).set_index("crossing_id")
    assert v.loc["g", "value_usd_per_truck"] == pytest.approx(20.0)  # (10 + 30) / 2
    assert v.loc["g", "peak_value_usd_per_truck"] == pytest.approx(30.0)
    assert (v.loc["g", "open_days"], v.loc["g", "closed_days"]) == (2, 2)
    assert v.loc["g", "value_label"] == "20.00"
    assert np.isnan(v.loc["h", "value_usd_per_truck"]) and v.loc["h", "value_label"] == "closed"
