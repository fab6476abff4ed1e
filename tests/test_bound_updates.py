"""The bounds that turn a kept model into another scenario's (``bound_updates``, warm reuse by
sweeps, the uncertainty engine and dispatch), by hand on the static tiny network (tests/tiny.py:
X1 and X2 at 100 trucks/day each way, durian 200 t/day at O; X1 11 USD/t, X2 16 USD/t, price
1,000 USD/t). Each test builds one model and reads the bounds HiGHS would be given; one solves it
warm under a closure, as a sweep does.
"""

from __future__ import annotations

import numpy as np
import pytest

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Scenario
from borderflow.model.formulation import bound_updates
from borderflow.model.network import with_scenario
from borderflow.options import RunOptions
from borderflow.model.queue_results import row_duals
from borderflow.pipeline import prepare, solve_session
from borderflow.uncertainty.sweep_models import scenario_view

import tiny

QUOTA = "name: quota\nevents:\n  - {crossing: x1, slot_quota: {trucks_per_day: 3}}\n"
LICENCE = "name: licence\nevents:\n  - {crossing: x2, license: {products: [durian]}}\n"
PRIORITY = "name: prio\nevents:\n  - {crossing: x1, priority: {share: 0.4}}\n"


def _kept(tmp_path, text: str, tables=None):
    """The prepared (built, not solved) static model of scenario ``text`` and a function
    giving the network of another scenario text on the same dataset."""
    ds = load_dataset(tiny.write(tmp_path, tables), check_borders=False)
    routes, solver = RunOptions().effective(False)
    model = prepare(ds, Scenario.from_yaml_text(text, ds), routes, solver)
    return model, lambda other: with_scenario(model.net, Scenario.from_yaml_text(other, ds))


def test_a_slot_quota_the_model_was_built_with_is_kept_or_relaxed(tmp_path):
    """Built with a quota of 3 trucks/day at X1 (one row, the representative day): its own
    scenario keeps the row at 3; the baseline, which lacks the quota, relaxes it to inf."""
    model, net = _kept(tmp_path, QUOTA)
    m = model.built.model
    lower, upper = bound_updates(model.built, model.net).rows[m.gate_entry_limit]
    assert lower.tolist() == [-np.inf] and upper.tolist() == [3.0]
    lower, upper = bound_updates(model.built, net("name: base\n")).rows[m.gate_entry_limit]
    assert lower.tolist() == [-np.inf] and upper.tolist() == [np.inf]


def test_a_model_built_with_a_licence_is_reused_for_it_and_for_its_withdrawal(tmp_path):
    """tiny.licence_tables: X2 licenses only rice. Built with durian licensed at X2 (a row
    each way), the same scenario reuses it (rows at inf: licensed); the dataset's licences
    again (no event) shut both rows to 0 trucks."""
    model, net = _kept(tmp_path, LICENCE, tiny.licence_tables())
    m = model.built.model
    assert bound_updates(model.built, model.net).rows[m.gate_entry_limit][1].tolist() == \
        [np.inf, np.inf]
    assert bound_updates(model.built, net("name: none\n")).rows[m.gate_entry_limit][1].tolist() \
        == [0.0, 0.0]


def test_the_uncertainty_engines_scenario_view_takes_the_scenarios_capacities(tmp_path):
    """The uncertainty engine keeps a view of the model (``scenario_view``: the scenario's
    rows) and re-bounds it with ``bound_updates``: X1 at 50 trucks/day, X2 at 100; the kept
    model's entry rows, congestion tiers and stock are the view's too (none here)."""
    model, net = _kept(tmp_path, "name: base\n")
    other = net("name: half\nevents:\n  - {crossing: x1, capacity_trucks_per_day: 50}\n")
    view = scenario_view(model.built, other)
    update = bound_updates(view, other)
    m = model.built.model
    assert update.rows[m.crossing_capacity][1].tolist() == [50.0, 100.0]
    assert update.rows[m.gate_entry_limit][1].tolist() == []
    assert (view.entry_rows, view.congestion, view.stock) == \
        (model.built.entry_rows, model.built.congestion, model.built.stock)


def test_priority_rows_follow_the_scenarios_capacity_and_other_rules_are_refused(tmp_path):
    """X1 keeps 40 % for perishables: other goods may use 60 % of its capacity, 60 trucks of
    100; at 50 trucks/day, 30. A scenario without the rule has other rows: refused, named."""
    model, net = _kept(tmp_path, PRIORITY)
    m = model.built.model
    half = net(PRIORITY + "  - {crossing: x1, capacity_trucks_per_day: 50}\n")
    assert bound_updates(model.built, half).rows[m.priority_share][1].tolist() == [30.0]
    with pytest.raises(ValueError) as err:
        bound_updates(model.built, net("name: none\n"))
    assert str(err.value) == "priority rules differ: the scenario needs its own model"


def test_a_gate_closed_on_a_kept_model_is_shut_by_its_columns_as_in_a_cold_build(tmp_path):
    """The baseline model solved, then X1 closed by ``bound_updates`` and re-solved warm: its
    route flow is fixed at 0 (upper bound 0), all 200 t go via X2, 200 x (16 - 1,000) =
    -196,800 USD, and X1's capacity row has no price (dual 0), as when the closure is built in
    (``define_closure_bounds``): a closed gate is shut by its columns, not by its capacity row."""
    model, net = _kept(tmp_path, "name: base\n")
    solve_session(model.session, model.built, model.net)
    closed = net("name: close\nevents:\n  - {crossing: x1}\n")
    update = bound_updates(model.built, closed)
    m = model.built.model
    assert update.columns[m.route_flow][1].tolist() == [0.0, np.inf]  # via X1, via X2
    model.session.apply(update)
    solved = solve_session(model.session, model.built, closed)
    assert solved.objective_usd == pytest.approx(200 * (16 - 1000), abs=1e-6)
    assert row_duals(m, m.crossing_capacity, 2).tolist() == [0.0, 0.0]
