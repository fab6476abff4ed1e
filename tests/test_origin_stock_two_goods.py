"""Held cargo of two goods at one origin (issue 21's ``hold_dispatch``), by hand: the stock
checks of the verifier on a run whose origin_stock table has two products, a state no oracle
case has (every stock case holds durian alone).

test_origin_stock.py's network: durian at O, 200 t/day, shelf life 3 days; beside it mango,
100 t/day, shelf life 5 days, price 2,000 and value 1,000 USD/t (both 20 t a truck, reefer).
x1 11 USD/t and 12 h, x2 16 USD/t and 8 h, both 100 trucks/day. Both gates held on 2 and
3 January: both goods wait at O and leave on 4 January (durian 600 t = 30 trucks, mango 300 t
= 15, within x1's 100), aged at most 2 days, which both shelf lives and x1's 12 h allow. Each
day earns 200 x (11 - 1,000) + 100 x (11 - 2,000) = -396,700 USD; the hold costs nothing.
"""

from __future__ import annotations

import pytest

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Scenario
from borderflow.pipeline import run_scenario
from borderflow.verify import verify_results, violations

import tiny
from helpers import FORESIGHT

TOL = 1e-3
DAY = 200 * (11 - 1000) + 100 * (11 - 2000)


@pytest.fixture(scope="module")
def held(tmp_path_factory):
    """One solve for the module (the verifier's checks cannot change it)."""
    t = tiny.base_tables()
    t["supply"].loc[0, "supply_t_per_year"] = 200 * 372  # 200 t on each day of January
    t["products"].loc[0, "shelf_life_reefer_days"] = 3
    tiny.add_product(t, "mango", supply_t_per_day=100 * 372 / 365, shelf_life_days=5,
                     price=2000, value=1000)
    ds = load_dataset(tiny.write(tmp_path_factory.mktemp("two-goods") / "data", t),
                      check_borders=False)
    text = ("name: hold\nhorizon: {start: 2023-01-01, days: 6}\nevents:\n"
            + "".join(f"  - {{crossing: {c}, hold_dispatch: {{}}, from: 2023-01-02, "
                      "to: 2023-01-03}\n" for c in ("x1", "x2")))
    scenario = Scenario.from_yaml_text(text, ds)
    return run_scenario(ds, scenario, FORESIGHT), scenario  # the optimum


def test_both_goods_wait_at_the_origin_and_leave_together(held):
    run, _ = held
    res = run.results
    assert res.summary["objective_usd"] == pytest.approx(6 * DAY, abs=TOL)
    st = res.origin_stock
    peak = st.groupby(["product_id", "date"])["stock_t"].sum()
    assert peak[("durian", "2023-01-03")] == pytest.approx(400, abs=TOL)
    assert peak[("mango", "2023-01-03")] == pytest.approx(200, abs=TOL)
    released = st[st["released_t"] > TOL].groupby("product_id")["released_t"].sum()
    assert released.to_dict() == pytest.approx({"durian": 400, "mango": 200}, abs=TOL)
    assert float(st["written_off_t"].sum()) == pytest.approx(0, abs=TOL)


def test_the_verifier_passes_two_goods_held_at_one_origin(held):
    run, scenario = held
    report = verify_results(run.results, run.tables, scenario, net=run.net)
    assert violations(report).empty, violations(report).to_string()
    assert {"stock_shelf", "stock_held_day"} <= set(report["check"])
