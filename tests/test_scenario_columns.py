"""A static sweep scenario's own columns added to the kept HiGHS model and removed after it
(model/scenario_columns.py), on tests/data/cg-three-borders (README.md there).

Hand numbers: R3 (three crossings: Vientiane–Nong Khai TH→LA, Pa Hang–Long Sap LA→VN, Huu
Nghi–Youyiguan VN→CN) costs 61.5 USD/t, R2 (Vientiane–Nong Khai, Boten–Mohan LA→CN) 92 USD/t;
200 t/day of rubber at 2,000 USD/t, 20 t/truck. The kept model holds the enumerated routes (two
crossings at most: R2 only), so every scenario here must generate R3 itself.

- no disruption: all on R3, 200 x (61.5 - 2,000) = -387,700 USD/day;
- Pa Hang–Long Sap at 4 trucks/day (80 t): 80 t on R3, 120 t on R2: 80 x (61.5 - 2,000) + 120 x
  (92 - 2,000) = -384,040 USD/day; one more truck through Pa Hang saves 20 x (92 - 61.5) = 610
  USD: the dual of its LA→VN capacity row, a row the kept model does not have in HiGHS (no
  kept route crosses there), appended for the scenario;
- Boten–Mohan closed: R3 alone, -387,700 again; Vientiane–Nong Khai closed: nothing ships
  (both routes take it), 200 x 1,500 = 300,000 USD/day of value lost.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import CapacityEvent, Scenario
from borderflow.model.formulation import bound_updates
from borderflow.model.network import with_scenario
from borderflow.model.results import extract_results
from borderflow.options import RunOptions
from borderflow.pipeline import generate_columns, prepare, run_scenario, solve_session

CG = Path(__file__).parent / "data" / "cg-three-borders"
TOL = 1e-6
ALL_ON_R3 = 200 * (61.5 - 2000)
THROTTLED = 80 * (61.5 - 2000) + 120 * (92 - 2000)


@pytest.fixture(scope="module")
def tables():
    return load_dataset(CG)


@pytest.fixture(scope="module")
def kept(tables):
    """The kept model of a sweep: built for the undisrupted day, solved, its basis kept."""
    routes, solver = RunOptions().effective(False)
    model = prepare(tables, None, routes, solver)
    solve_session(model.session, model.built, model.net)
    return model, model.session.basis()


SCENARIOS = {
    "baseline": Scenario(name="baseline"),
    "pa-hang-4": Scenario(name="pa-hang-4", events=(
        CapacityEvent(crossing="pa-hang-long-sap", capacity_trucks_per_day=4),)),
    "close-boten-mohan": Scenario.closing(["boten-mohan"]),
    "close-vientiane-nong-khai": Scenario.closing(["vientiane-nong-khai"]),
}


def _lp(session) -> tuple:
    """The HiGHS model's size, costs and matrix (to check that it is left as it was; its
    bounds are the last scenario's, as in any warm sweep)."""
    lp = session.highs.getLp()
    return (np.array([lp.num_col_, lp.num_row_]),) + tuple(
        np.array(a, dtype=float).copy() for a in (
            lp.col_cost_, lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_))


def _solve(kept, name: str, in_place: bool = True):
    """One scenario as a sweep worker solves it: bounds, restart from the reference basis,
    warm re-solve, column generation of its own, result tables, columns removed."""
    model, basis = kept
    net = with_scenario(model.net, SCENARIOS[name])
    model.session.restart_from(basis)
    model.session.apply(bound_updates(model.built, net))
    summary = solve_session(model.session, model.built, net)
    done, summary, routing = generate_columns(replace(model, net=net), summary, RunOptions(),
                                              in_place=in_place)
    try:
        results = extract_results(net, done.routes, done.built, summary.as_dict(),
                                  routing=routing, added=done.added)
        columns = 0 if done.added is None else done.added.columns
    finally:
        if done.added is not None:
            done.added.drop()
    return results, routing, columns


@pytest.mark.parametrize("name,hand", [("baseline", ALL_ON_R3), ("pa-hang-4", THROTTLED),
                                       ("close-boten-mohan", ALL_ON_R3),
                                       ("close-vientiane-nong-khai", 200 * 1500.0)])
def test_in_place_columns_give_the_hand_optimum_certified_as_a_cold_solve(tables, kept, name,
                                                                         hand):
    """Each scenario on the kept model equals its hand optimum and a cold certified solve;
    the kept HiGHS model is the same LP afterwards."""
    before = _lp(kept[0].session)
    results, routing, columns = _solve(kept, name)
    assert routing.certified
    assert results.summary["objective_usd"] == pytest.approx(hand, abs=TOL)
    cold = run_scenario(tables, SCENARIOS[name])
    assert cold.routing.certified
    assert results.summary["objective_usd"] == pytest.approx(cold.solve.objective_usd, abs=TOL)
    if name != "close-vientiane-nong-khai":  # R3 generated in place
        assert columns >= 1 and routing.routes_generated >= 1
        flows = results.route_flows
        assert flows.loc[flows["crossings"].str.count(r"\+") == 2, "flow_t"].sum() == \
            pytest.approx(80.0 if name == "pa-hang-4" else 200.0, abs=TOL)
    else:  # R3 takes the closed crossing too: nothing to add
        assert columns == 0
    after = _lp(kept[0].session)
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_an_appended_capacity_row_bounds_the_route_and_reports_its_dual(kept):
    """Pa Hang–Long Sap LA→VN has no row in the kept HiGHS model; the scenario's R3 column
    appends it at 4 trucks/day: R3 carries 4 trucks, and the row's dual (610 USD/truck) is in
    the crossings table, as in a model rebuilt for the scenario."""
    model = kept[0]
    rows = model.session.rows_of(model.built.model.crossing_capacity)
    cap = model.built.capacity_rows.assign(highs=rows)
    assert not ((cap["crossing_id"] == "pa-hang-long-sap") & (cap["highs"] >= 0)).any()
    results, routing, _ = _solve(kept, "pa-hang-4")
    x = results.crossings.set_index(["crossing_id", "direction"])
    row = x.loc[("pa-hang-long-sap", "a_to_b")]  # LA -> VN
    assert row["flow_trucks"] == pytest.approx(4.0, abs=TOL)
    assert row["capacity_trucks_per_day"] == pytest.approx(4.0)
    assert row["dual_usd_per_truck"] == pytest.approx(20 * (92 - 61.5), abs=1e-4)
    rebuilt, routing_rebuilt, _ = _solve(kept, "pa-hang-4", in_place=False)
    assert (routing.rounds, routing.routes_generated) == (routing_rebuilt.rounds,
                                                          routing_rebuilt.routes_generated)
    for name, table in results.tables().items():
        pd.testing.assert_frame_equal(table, rebuilt.tables()[name], check_exact=False,
                                      rtol=1e-9, atol=1e-7)


def test_results_do_not_depend_on_the_scenarios_solved_before(kept):
    """A scenario's tables are the same (to the last bit) whether it is solved first, after
    scenarios that added columns and rows, or again: each starts from the same kept model."""
    first = _solve(kept, "close-boten-mohan")[0]
    for other in ("pa-hang-4", "baseline", "close-vientiane-nong-khai"):
        _solve(kept, other)
    again = _solve(kept, "close-boten-mohan")[0]
    clock = ("solve_seconds", "translate_seconds")
    assert {k: v for k, v in first.summary.items() if k not in clock} == \
        {k: v for k, v in again.summary.items() if k not in clock}
    for name, table in first.tables().items():
        pd.testing.assert_frame_equal(table, again.tables()[name], check_exact=True)
