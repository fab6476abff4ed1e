"""Robust plans priced over every route and every scenario (issue 17).

tests/data/cg-three-borders with three links re-measured (Vientiane -> Boten 400 km, Mohan ->
Nanning 720 km, Vientiane -> Pa Hang 600 km; 1 USD/truck-km, fees 40 USD/truck, 20 t/truck):

- R2 (two crossings, Boten): 60 + 40 + 400 + 40 + 720 = 1,260 USD/truck = 63 USD/t;
- R3 (three crossings, Pa Hang and Huu Nghi): 60 + 40 + 600 + 40 + 350 + 40 + 200 = 1,330 USD/truck
  = 66.5 USD/t.

200 t/day of rubber at 2,000 USD/t. The normal year ships on R2; R3 is dearer, so neither the
enumeration (two crossings at most) nor the baseline's column generation has it. With Boten-Mohan
closed (probability 1/2) only R3 reaches Nanning. Spot premium 0.3, unused booking 0.1 (the
defaults). By hand, per tonne booked (USD/t; expected over normal and closed, 1/2 each):

- book R2 (the baseline plan): normal 63; closed R3 on the spot market 66.5 x 1.3 = 86.45 plus
  the idle R2 booking 0.1 x 63 = 6.3: expected (63 + 92.75) / 2 = 77.875;
- book R2 and R3: normal 63 + idle R3 6.65, closed 66.5 + idle R2 6.3: expected 71.225;
- book R3 and use it in both: 66.5.

The robust optimum books R3 alone: 200 x (66.5 - 2,000) = -386,700 USD/day; the baseline plan
costs 200 x (77.875 - 2,000) = -384,425 (closed: -381,450), so planning for the closure is worth
2,275 USD/day. Over the enumerated routes alone (R2) the closed year has no route at all.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from borderflow.robust import closure_scenarios, robust_plan

DATA = Path(__file__).parent / "data" / "cg-three-borders"
LENGTHS = {"la-vientiane-gate_la-boten-gate": 400, "cn-mohan-gate_cn-nanning": 720,
           "la-vientiane-gate_la-pa-hang-gate": 600}


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    from borderflow.data.dataset import load_dataset

    folder = tmp_path_factory.mktemp("robust") / "data"
    shutil.copytree(DATA, folder)
    links = pd.read_csv(folder / "links.csv")
    links["length_km"] = [LENGTHS.get(i, km) for i, km in zip(links["link_id"],
                                                              links["length_km"])]
    links.to_csv(folder / "links.csv", index=False)
    return load_dataset(folder, check_borders=False)


def _plan(tables, **options):
    from borderflow.options import RunOptions

    scenarios, probabilities = closure_scenarios(["boten-mohan"], 0.5)
    return robust_plan(tables, scenarios, probabilities, RunOptions.of(**options))


def test_the_robust_plan_books_a_route_no_enumeration_has_and_is_certified(tables):
    r = _plan(tables)
    s = r.summary
    assert s["expected_cost_usd_robust"] == pytest.approx(-386_700.0, abs=1e-6)
    assert s["expected_cost_usd_baseline"] == pytest.approx(-384_425.0, abs=1e-6)
    assert s["value_of_robust_plan_usd"] == pytest.approx(2_275.0, abs=1e-6)
    assert s["routing"] == "certified", s["pricing"]
    assert s["optimality"] == "optimal over all routes (certified)"
    assert s["pricing"]["routes_generated"] == 1 and s["pricing"]["rounds"] == 2
    plan = r.plan.assign(n=r.plan["crossings"].str.count(r"\+") + 1).set_index("n")
    assert plan.loc[3, "booked_t_per_day_robust"] == pytest.approx(200.0, abs=1e-6)
    assert plan.loc[3, "booked_t_per_day_baseline"] == pytest.approx(0.0, abs=1e-9)
    assert plan.loc[2, "booked_t_per_day_robust"] == pytest.approx(0.0, abs=1e-9)
    assert plan.loc[2, "booked_t_per_day_baseline"] == pytest.approx(200.0, abs=1e-6)
    closed = r.scenarios.set_index("scenario").loc["close-boten-mohan"]
    assert closed["unserved_t_robust"] == pytest.approx(0.0, abs=1e-6)
    assert closed["cost_usd_robust"] == pytest.approx(-386_700.0, abs=1e-6)
    assert closed["cost_usd_baseline"] == pytest.approx(-381_450.0, abs=1e-6)


def test_without_pricing_the_robust_plan_says_restricted_with_a_bound_that_holds(tables):
    """Over the baseline's routes (R2 only) the closed year ships nothing; its duals price
    R3 at a negative reduced cost, and the reported bound covers the true gap."""
    r = _plan(tables, pricing_rounds=0)
    s = r.summary
    assert s["routing"] == "restricted"
    assert "optimal over all routes" not in s["optimality"] and "only" in s["optimality"]
    assert s["pricing"]["min_reduced_cost_usd_per_t"] < 0
    true_gap = s["expected_cost_usd_robust"] - (-386_700.0)
    assert true_gap > 1_000.0
    assert s["pricing"]["gap_bound_usd"] >= true_gap - 1e-6
