"""Two per-round costs of a warm dated sweep scenario cut (issue 20 target 3, session 21),
each exact: the same numbers, made less often.

- A solve left in HiGHS and loaded into Pyomo later (``HighsSession.load_last``): column
  generation's rounds and a warm dated scenario price from HiGHS's duals, so only the model
  whose tables are read is loaded. Hand LP: min x + 2y, x + y >= 2, 0 <= x <= 4, 0 <= y <= 3:
  x = 2, y = 0, the row's dual 1 (USD per unit of the right-hand side); with x <= 0.5
  instead: x = 0.5, y = 1.5, dual 2.
- ``RouteSet.route_crossings`` made once per route-arc table.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from borderflow.solvers.highs import HighsSession


def _toy():
    """The module docstring's hand LP, with a dual suffix."""
    m = pyo.ConcreteModel()
    m.x, m.y = pyo.Var(bounds=(0, 4)), pyo.Var(bounds=(0, 3))
    m.c, m.o = pyo.Constraint(expr=m.x + m.y >= 2), pyo.Objective(expr=m.x + 2 * m.y)
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return m


def test_load_last_loads_what_solve_would_have_loaded():
    """``solve(load=False)`` leaves Pyomo untouched; ``load_last`` then gives the values and
    the dual the hand solution has, as a loading solve does; a second call changes nothing."""
    m = _toy()
    s = HighsSession(m)
    s.solve(load=False)
    assert m.x.value is None and m.y.value is None and len(m.dual) == 0
    s.load_last()
    assert (m.x.value, m.y.value) == pytest.approx((2.0, 0.0))
    assert m.dual[m.c] == pytest.approx(1.0)
    m.x.set_value(99.0)
    s.load_last()  # loaded already: nothing to do
    assert m.x.value == 99.0


def test_load_last_takes_the_last_solve_and_nothing_after_a_restart():
    """A warm re-solve after a bound change (x <= 0.5) not loaded: ``load_last`` loads that
    solve (x = 0.5, y = 1.5, dual 2), not the first; after ``restart_from`` (HiGHS's solution
    cleared) it loads nothing."""
    m = _toy()
    s = HighsSession(m)
    s.solve()
    basis = s.basis()
    s.set_bounds(m.x, [0.0], [0.5])
    s.solve(load=False)
    assert m.x.value == pytest.approx(2.0)  # still the first solve's
    s.load_last()
    assert (m.x.value, m.y.value) == pytest.approx((0.5, 1.5))
    assert m.dual[m.c] == pytest.approx(2.0)
    s.solve(load=False)
    s.restart_from(basis)
    m.x.set_value(7.0)
    s.load_last()
    assert m.x.value == 7.0


def test_route_crossings_made_once_per_route_arc_table():
    """``RouteSet.route_crossings`` (read 3-4 times per model built) is the crossing rows of
    ``route_arcs``, the same frame on a second read, made again when ``route_arcs`` is
    replaced, and not pickled with the set (hand table: route r1 = link, crossing, link;
    r2 = one crossing)."""
    import pickle

    import pandas as pd

    from borderflow.model.routes import RouteSet

    arcs = pd.DataFrame({"route_id": ["r1", "r1", "r1", "r2"], "seq": [0, 1, 2, 0],
                         "kind": ["link", "crossing", "link", "crossing"],
                         "element_id": ["a", "X", "b", "Y"]})
    rs = RouteSet(routes=pd.DataFrame(), route_arcs=arcs, eligible=pd.DataFrame(), stats={})
    first = rs.route_crossings
    assert first["element_id"].tolist() == ["X", "Y"] and first.index.tolist() == [1, 3]
    assert rs.route_crossings is first
    rs.route_arcs = arcs.iloc[:2]
    assert rs.route_crossings["element_id"].tolist() == ["X"]
    back = pickle.loads(pickle.dumps(rs))
    assert "_crossings" not in back.__dict__
    assert back.route_crossings["element_id"].tolist() == ["X"]


def test_a_warm_dated_scenario_reads_its_own_solve_not_the_last_scenarios():
    """The kept model's re-solve is loaded into Pyomo only after pricing (``load_last``): the
    tables must still read this scenario's solution. On cg-three-borders (tests/data,
    README.md), closing Vientiane–Nong Khai (both routes' first gate) on days 1-3 ships
    nothing those days; the baseline solved right after it on the same kept model reports
    the shipped tonnes of the baseline solved alone, not the closure's."""
    from helpers import cg_closure_plan

    from borderflow.sweeps import Job, ModelCache, solve_job

    plan = cg_closure_plan(days=5, first=1, last=3)

    def shipped(name, cache):
        e = plan.entry(name)
        out = solve_job(Job(e.scenario, plan.structures[e.structure], True), cache)
        assert out.status == "optimal", out.message
        return out.results.summary["shipped_t"]

    alone = shipped("baseline", ModelCache())
    cache = ModelCache()
    closed = shipped("close-vientiane-nong-khai", cache)
    assert closed < alone - 1.0
    assert shipped("baseline", cache) == alone
