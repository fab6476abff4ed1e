"""The extension point: an analyst's ordinary Pyomo constraint on the built model, solved
through the public API (borderflow/model/extend.py, docs/api.md "Your own constraints").

Tiny network (tests/tiny.py): 200 t/day of durian, via X1 at 11 USD/t or X2 at 16 USD/t, price
1,000 USD/t. Unconstrained, all of it goes via X1; with at most 30 % via X1, 60 t go via X1 and
140 t via X2: objective 60 x 11 + 140 x 16 - 200 x 1,000 = -197,100 USD.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
import tiny
from helpers import at_most_share_via, dated, day

import borderflow as bf
from borderflow.data.errors import InputError
from borderflow.data.scenario import CapacityEvent, Scenario
from borderflow.options import RunOptions
from borderflow.solvers.rolling import RollingHorizon

TOL = 1e-6


def at_most_30_percent_via_x1(m, ix):
    """At most 30 % of the durian dispatched crosses at X1."""
    at_most_share_via(m, ix, "x1", "durian", 0.3, "durian_x1")


@pytest.fixture
def dataset(tmp_path):
    return bf.load_dataset(tiny.write(tmp_path / "data"), check_borders=False)


def _via(res, crossing: str) -> float:
    c = res.tables["crossings"]
    return float(c.loc[(c["crossing_id"] == crossing) & (c["direction"] == "a_to_b"),
                       "flow_t"].sum())


def test_an_ordinary_constraint_is_solved_through_the_api(dataset, tmp_path):
    res = bf.solve(dataset, extra_constraints=at_most_30_percent_via_x1)
    assert res.summary["objective_usd"] == pytest.approx(-197_100, abs=TOL)
    assert _via(res, "x1") == pytest.approx(60, abs=TOL)
    assert _via(res, "x2") == pytest.approx(140, abs=TOL)
    assert res.summary["verified"]
    assert res.metadata["extra_constraints"] == {
        "function": f"{__name__}.at_most_30_percent_via_x1", "constraints": ["durian_x1"],
        "variables": []}
    folder = res.write(tmp_path / "run")
    assert bf.read_result(folder).metadata["extra_constraints"]["constraints"] == ["durian_x1"]
    plain = bf.solve(dataset)
    assert "extra_constraints" not in plain.metadata
    assert plain.summary["objective_usd"] == pytest.approx(-200_000 + 200 * 11, abs=TOL)


def test_the_constraint_stays_fast_and_binds_the_baseline_too(dataset):
    """The HiGHS translation walks only the analyst's row; a disrupted scenario's baseline is
    re-solved on the same model, so it keeps the constraint."""
    from borderflow.pipeline import run_scenario

    run = run_scenario(dataset, extra_constraints=at_most_30_percent_via_x1)
    assert run.session.translator == "matrix-rows+1 walked"
    throttle = Scenario(name="x2-throttled",
                        events=(CapacityEvent(crossing="x2", capacity_trucks_per_day=5),))
    res = bf.solve(dataset, throttle, extra_constraints=at_most_30_percent_via_x1)
    # X2 takes 100 t, X1 at most 30 % of what is dispatched: 100 / 0.7 x 0.3 = 42.9 t
    assert _via(res, "x2") == pytest.approx(100, abs=TOL)
    assert _via(res, "x1") == pytest.approx(100 * 0.3 / 0.7, abs=1e-4)
    assert _via(res.baseline, "x1") == pytest.approx(60, abs=TOL)
    assert res.comparison is not None


def test_an_extension_may_not_replace_the_formulation(dataset):
    def replace_supply(m, ix):
        m.del_component(m.supply_balance)
        m.supply_balance = pyo.Constraint(expr=m.route_flow[0] >= 0)

    with pytest.raises(ValueError, match="removed or replaced model components "
                                         r"\['supply_balance'\]"):
        bf.solve(dataset, extra_constraints=replace_supply)


def test_new_variables_are_refused_in_a_rolling_horizon(dataset):
    def with_slack(m, ix):
        m.slack = pyo.Var(domain=pyo.NonNegativeReals)
        m.capped = pyo.Constraint(expr=m.route_flow[0] <= 50 + m.slack)

    scenario = dated("rolling", 4, CapacityEvent(crossing="x1", capacity_trucks_per_day=5,
                                                 **{"from": day(0), "to": day(1)}))
    options = RunOptions(rolling=RollingHorizon(2, 0))
    with pytest.raises(InputError, match=r"adds variables \['slack'\].*rolling-horizon"):
        bf.solve(dataset, scenario, options, extra_constraints=with_slack)
    # the whole horizon at once takes them
    res = bf.solve(dataset, scenario, extra_constraints=with_slack)
    assert res.metadata["extra_constraints"]["variables"] == ["slack"]
