"""What the verifier reads from the inputs (``borderflow.verify.facts.input_facts``), field by
field, on the tiny dataset with every value told apart, no solve (issue 16, the mutation run's
``facts`` survivors, session 22).

By hand, from ``tests/tiny.py`` edited here: durian (reefer, 20 t/truck, shelf 14 days reefer,
value 500 USD/t) and rice (not reefer, not perishable, 25 t/truck, shelf 30 days ambient, value
200 USD/t); reefer cost factor 1.5 and unserved penalty factor 2, so durian's cost factor is 1.5
and penalty 1,000 USD/t, rice's 1 and 400. Link L1's cost is given, 120 USD/truck; the others
cost 1 USD/truck-km (L2 100, L3 and L4 150); L4 is one-way, so it has no reverse arc. X1 is
licensed for "rice; durian" in ``crossings.csv`` (two products), X2 for durian; the scenario's
licence event adds rice at X2. Durian's
demand at M is 18,250 t/year: 50 t/day. Empty trucks: a quarter return, 2 days later -- a lag a
static run does not have.
"""

import numpy as np
import pandas as pd
import pytest
import tiny

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Scenario
from borderflow.verify.facts import input_facts

STATIC = ("name: t\nhorizon: {month: 7}\nevents:\n  - {crossing: x2, license: {products: "
          "[rice]}, from: 2023-07-01, to: 2023-07-10}\n")
DATED = "name: t\nhorizon: {start: 2024-03-01, days: 3}\n"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    t = tiny.base_tables()
    tiny.add_product(t, "rice", supply_t_per_day=10, shelf_life_days=30, reefer=False,
                     perishable=False, price=400, value=200)
    t["products"].loc[1, "payload_t_per_truck"] = 25
    t["products"].loc[1, "shelf_life_reefer_days"] = 99  # not read: rice is not reefer
    t["crossings"].loc[0, "licensed_products"] = "rice; durian"
    t["crossings"].loc[1, "licensed_products"] = "durian"
    t["links"].loc[0, "cost_usd_per_truck"] = 120
    t["links"].loc[3, "bidirectional"] = "false"
    t["markets"].loc[0, "demand_t_per_year"] = 50 * 365
    par = t["parameters"].set_index("parameter")
    par.loc["reefer_cost_factor", "value"] = 1.5
    par.loc["unserved_penalty_factor", "value"] = 2.0
    extra = pd.DataFrame([{**par.iloc[0].to_dict(), "parameter": p, "value": v, "unit": u}
                          for p, v, u in (("empty_return_share", 0.25, "-"),
                                          ("empty_return_days", 2, "days"))])
    t["parameters"] = pd.concat([par.reset_index(), extra], ignore_index=True)
    return load_dataset(tiny.write(tmp_path_factory.mktemp("facts") / "data", t),
                        check_borders=False)


def test_products_arcs_licences_markets_by_hand(dataset):
    f = input_facts(dataset, Scenario.from_yaml_text(STATIC, dataset))
    assert f.products.to_dict("index") == {
        "durian": {"payload_t": 20.0, "perishable": True, "shelf_h": 336.0, "cost_factor": 1.5,
                   "penalty_usd_per_t": 1000.0, "vot": 0.0},
        "rice": {"payload_t": 25.0, "perishable": False, "shelf_h": 720.0, "cost_factor": 1.0,
                 "penalty_usd_per_t": 400.0, "vot": 0.0}}
    assert f.products.dtypes.astype(str).to_dict() == {
        "payload_t": "float64", "perishable": "bool", "shelf_h": "float64",
        "cost_factor": "float64", "penalty_usd_per_t": "float64", "vot": "float64"}
    link = {"kind": "link", "mode": "road", "toll_usd_per_truck": 0.0}
    gate = {"kind": "crossing", "mode": "road", "travel_h": 2.0, "cost_usd_per_truck": 20.0,
            "length_km": 0.0, "toll_usd_per_truck": 0.0}
    ends = {"l1": ("vn-o", "vn-a1", 5.0, 120.0, 100.0), "l2": ("cn-b1", "cn-m", 5.0, 100.0, 100.0),
            "l3": ("vn-o", "vn-a2", 3.0, 150.0, 150.0), "l4": ("cn-b2", "cn-m", 3.0, 150.0, 150.0)}
    want = {}
    for lid, (a, b, h, usd, km) in ends.items():
        want[lid] = {**link, "element_id": lid, "direction": "forward", "from_node": a,
                     "to_node": b, "travel_h": h, "cost_usd_per_truck": usd, "length_km": km}
        if lid != "l4":
            want[f"{lid}:r"] = {**want[lid], "direction": "reverse", "from_node": b, "to_node": a}
    for cid, a, b in (("x1", "vn-a1", "cn-b1"), ("x2", "vn-a2", "cn-b2")):
        want[f"{cid}:a_to_b"] = {**gate, "element_id": cid, "direction": "a_to_b",
                                 "from_node": a, "to_node": b}
        want[f"{cid}:b_to_a"] = {**gate, "element_id": cid, "direction": "b_to_a",
                                 "from_node": b, "to_node": a}
    assert f.arcs.to_dict("index") == want
    assert list(f.arcs.index) == list(want)
    assert f.licences == {"x1": frozenset({"durian", "rice"}), "x2": frozenset({"durian", "rice"})}
    assert f.dataset_licences == {"x1": frozenset({"durian", "rice"}), "x2": frozenset({"durian"})}
    m = f.markets.set_index(["market", "product_id"])
    assert m.loc[("cn-m", "durian")].to_list() == [1000.0, 50.0]
    assert m.loc[("cn-m", "rice"), "price_usd_per_t"] == 400.0
    assert np.isnan(m.loc[("cn-m", "rice"), "demand_t_per_day"])  # no demand given
    assert f.crossings.to_dict("index") == {
        c: {"name": c.upper(), "country_a": "VN", "country_b": "CN", "mode": "road",
            "status": "open"} for c in ("x1", "x2")}
    assert f.countries == {"vn-o": "VN", "vn-a1": "VN", "vn-a2": "VN", "cn-b1": "CN",
                           "cn-b2": "CN", "cn-m": "CN"}
    assert (f.waiting_usd_per_truck_day, f.empty_share, f.empty_lag_days) == (40.0, 0.25, 0)
    assert (f.shares, f.congestion_lane_usd_per_truck_h, f.congestion_lane_by_crossing) == (
        [], None, {})
    assert f.lane_usd_per_truck_h(["x1"]) is None
    assert (f.dated, f.labels, f.n_periods) == (False, ["representative day (Jul)"], 1)
    assert f.day([0, 0]).tolist() == ["", ""]
    assert f.capacity.to_dict("list") == {
        "crossing_id": ["x1", "x1", "x2", "x2"], "direction": ["a_to_b", "b_to_a"] * 2,
        "period": [0] * 4, "capacity_trucks_per_day": [100.0] * 4}
    assert list(f.supply.columns) == ["origin", "product_id", "period", "supply_t"]
    assert f.scenario.name == "t"


def test_a_dated_run_names_its_days_and_lags_its_empties(dataset):
    f = input_facts(dataset, Scenario.from_yaml_text(DATED, dataset))
    assert f.dated and f.empty_lag_days == 2
    assert f.labels[:3] == ["2024-03-01", "2024-03-02", "2024-03-03"]
    n = f.n_periods
    assert n == len(f.labels) >= 3
    # inside the calendar: its label; outside (before the first day, at or past the last): its
    # number, however far outside
    assert f.day([0, 2, n - 1, n, -1, -n - 5]).tolist() == [
        " @2024-03-01", " @2024-03-03", f" @{f.labels[-1]}", f" @day {n}", " @day -1",
        f" @day {-n - 5}"]
    assert sorted(set(f.capacity["period"])) == list(range(n))
