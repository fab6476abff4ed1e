"""The kept-model look-ups made cheap for column generation (issue 17, speed) give what the
entry-by-entry look-ups gave.

- ``HighsSession.columns_of``/``rows_of`` read a whole component as a range of the
  translation (the column prefix, the matrix-row blocks) instead of looking every entry up
  by id: checked against the id look-up on every component of a dated model with initial
  queues and queue rows, a static model, a model with an analyst's walked constraint and
  a deactivated row, and the Pyomo-compiler translation (which has no ranges: the look-up).
- ``load_solution`` fills the ``dual`` suffix in one update: the same floats as
  ``suffix[con] = suffix.get(con, 0.0) + y`` row by row, a ``-0.0`` dual included.
- ``pricing_inputs``, the share rules and the summed supply are made once per network
  tables: a closure of the kept network reuses them, a licence event does not, and what is
  reused equals what is made anew.
- The keyed basis (one queue index per model) is the basis carried from the live model,
  status for status, on a dated model pricing grows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest

import borderflow as bf
from borderflow.data.scenario import Horizon, InitialQueue, Scenario
from borderflow.model import column_generation as cg
from borderflow.model.network import build_network, with_scenario
from borderflow.options import RunOptions
from borderflow.pipeline import prepare, solve_session
from borderflow.solvers.highs import HighsSession

DATA = Path(__file__).parent / "data" / "cg-three-borders"


def _slow_columns(session, comp) -> np.ndarray:
    index = session._matrix.col_index
    return np.array([index.get(id(v), -1) for v in comp.values()], dtype=np.int64)


def _slow_rows(session, comp) -> np.ndarray:
    """The first HiGHS row of each constraint, by identity over every row of the translation
    (``_Matrix.row_index`` itself lists only the walked rows: a matrix-row component's rows
    are found by their block)."""
    index: dict = {}
    for i, con in enumerate(session._matrix.rows):
        index.setdefault(id(con), i)
    return np.array([index.get(id(c), -1) for c in comp.values()], dtype=np.int64)


def _check_all(session, model) -> int:
    n = 0
    for comp in model.component_objects(pyo.Var, descend_into=True):
        assert np.array_equal(session.columns_of(comp), _slow_columns(session, comp)), comp.name
        n += 1
    for comp in model.component_objects(pyo.Constraint, descend_into=True):
        assert np.array_equal(session.rows_of(comp), _slow_rows(session, comp)), comp.name
        n += 1
    return n


def _dated(days: int = 3) -> Scenario:
    return Scenario(name="d", horizon=Horizon(start=dt.date(2024, 1, 1), days=days))


def _tables():
    return bf.load_dataset(DATA, check_borders=False)


def test_ranges_equal_the_id_look_up_on_a_dated_model_with_queues():
    tables = _tables()
    net = build_network(tables, _dated())
    gate = net.capacity.iloc[0]
    product = str(net.products.index[0])
    scenario = _dated().model_copy(update={"initial_queues": [InitialQueue(
        crossing=str(gate["crossing_id"]), direction=str(gate["direction"]), product=product,
        trucks=3.0, age_days=0)]})
    routes, solver = RunOptions.of().effective(True)
    model = prepare(tables, scenario, routes, solver)
    ix = model.built.index
    assert len(ix.queues) > 0 and len(ix.initial) > 0  # queue and initial-queue entries
    assert _check_all(model.session, model.built.model) >= 10


def test_ranges_equal_the_id_look_up_with_walked_rows_and_the_pyomo_compiler():
    routes, solver = RunOptions.of().effective(False)
    model = prepare(_tables(), Scenario(name="s"), routes, solver)
    m = model.built.model
    m.supply_balance[0].deactivate()  # a matrix row left out of HiGHS: -1
    m.extra_x = pyo.Var(domain=pyo.NonNegativeReals)  # after the translation's columns
    m.extra = pyo.Constraint(expr=m.route_flow[0] + m.extra_x <= 1e9)
    for translator in ("auto", "pyomo"):
        session = HighsSession(m, solver, translator=translator)
        assert _check_all(session, m) >= 6
        assert session.rows_of(m.supply_balance)[0] == -1
        assert session.columns_of(m.extra_x)[0] >= 0


def test_duals_load_as_the_row_by_row_sum():
    routes, solver = RunOptions.of().effective(False)
    model = prepare(_tables(), Scenario(name="s"), routes, solver)
    session = model.session
    solve_session(session, model.built, model.net)
    rows = session._matrix.rows
    duals = np.asarray(session.highs.getSolution().row_dual, dtype=float)
    duals[0] = -0.0  # the old loop made 0.0 + -0.0 = 0.0
    session.load_solution(session.highs.getSolution().col_value, duals)
    suffix = model.built.model.dual
    want = {}
    for con, y in zip(rows, duals):
        want[id(con)] = want.get(id(con), 0.0) + float(y)
    assert len(suffix) == len(want)
    for con in rows:
        got = suffix[con]
        assert got == want[id(con)] and type(got) is float
        assert str(got) == str(want[id(con)])  # the sign of a zero too
    assert str(suffix[rows[0]]) == "0.0"


def test_pricing_inputs_are_reused_for_a_closure_and_equal_made_anew():
    tables = _tables()
    net = build_network(tables, None)
    crossing = str(tables.crossings["crossing_id"].iloc[0])
    closed = with_scenario(net, Scenario.closing([crossing]))
    graph, products = cg.pricing_inputs(net)
    again, again_products = cg.pricing_inputs(closed)
    assert again is graph  # the same network tables and licences: kept
    fresh, fresh_products = cg._pricing_inputs(closed, cg.route_licences(
        closed.tables.crossings, closed.scenario))
    assert fresh_products == again_products == products
    assert fresh.arc_ids == graph.arc_ids and fresh.crossing_ids == graph.crossing_ids
    for field in ("tail", "head", "hours", "cost_usd_per_truck", "crossing", "direction"):
        assert np.array_equal(getattr(fresh, field), getattr(graph, field))
    again_products.pop()  # a caller's list is its own
    assert cg.pricing_inputs(closed)[1] == products
    from borderflow.data import destinations
    full = bf.load_dataset()
    rules = destinations.share_rules(full)
    assert rules and rules == destinations._share_rules(full)
    rules.pop()
    assert destinations.share_rules(full) == destinations._share_rules(full)


def test_a_licence_event_is_not_served_the_kept_inputs():
    tables = bf.load_dataset()
    net = build_network(tables, None)
    crossing = "lao-cai-hekou-rail"  # licensed for cassava, rubber, rice, timber, iron ore
    products = {p.product_id: p for p in cg.pricing_inputs(net)[1]}
    other = next(p for p in sorted(products) if crossing not in products[p].licensed)
    granted = with_scenario(net, Scenario.model_validate({"name": "licence", "events": [
        {"crossing": crossing, "license": {"products": [other]}}]}))
    assert granted.arcs is net.arcs and granted.supply is net.supply  # same tables ...
    after = {p.product_id: p for p in cg.pricing_inputs(granted)[1]}
    assert crossing in after[other].licensed  # ... but not the kept inputs
    assert crossing not in cg.pricing_inputs(net)[1][list(products).index(other)].licensed


def test_keyed_basis_round_trips_on_a_rebuilt_dated_model():
    """A dated model rebuilt over the same routes gets its basis back status for status (the
    queue components share one keyed index), and the warm re-solve takes no iteration."""
    tables = _tables()
    routes, solver = RunOptions.of().effective(True)
    model = prepare(tables, _dated(2), routes, solver)
    solve_session(model.session, model.built, model.net)
    assert len(model.built.index.queues) > 0
    kept = cg.keyed_basis(model.session, model.built)
    from borderflow.pipeline import assemble
    again = assemble(tables, model.net, model.routes, solver)
    assert kept.apply(again.session, again.built)
    want, got = model.session.highs.getBasis(), again.session.highs.getBasis()
    assert [int(s) for s in got.col_status] == [int(s) for s in want.col_status]
    assert [int(s) for s in got.row_status] == [int(s) for s in want.row_status]
    again.session.continue_warm()
    summary = again.session.solve()
    assert summary.iterations == 0
    assert summary.objective_usd == pytest.approx(model.session.highs.getInfo()
                                                  .objective_function_value, rel=1e-12)


def test_a_static_model_gets_the_empty_stream_table_of_the_full_one():
    from dataclasses import replace

    from borderflow.model.queues import stream_table
    from borderflow.model.routes import enumerate_routes

    tables = bf.load_dataset()
    net = build_network(tables, None)
    routes = enumerate_routes(net, RunOptions.of().effective(False)[0])
    import pandas as pd
    pd.testing.assert_frame_equal(
        stream_table(net, replace(routes, eligible=routes.eligible.iloc[0:0])),
        stream_table(net, routes).iloc[0:0])
