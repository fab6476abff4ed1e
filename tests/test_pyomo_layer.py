"""The Pyomo layer (borderflow/model/pyomo_layer.py) against Pyomo itself.

The fast translation reads the formulation's matrices directly; here it must give the same LP
as Pyomo's own standard-form compiler (objective, row bounds, column bounds, every nonzero), on
a static and a dated model with every constraint family, with and without an analyst's ordinary
``pyo.Constraint``; the LP file Pyomo writes, read by HiGHS, and Pyomo's ``appsi_highs``
must reach the same optimum. These tests are the first to fail when a Pyomo release changes
the internals the layer relies on (its module docstring lists them).
"""

from __future__ import annotations

import highspy
import numpy as np
import pyomo.environ as pyo
import pytest
import tiny
from helpers import at_most_share_via, dated, day

from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import (CloseEvent, InitialQueue, PriorityEvent, PriorityRule,
                                      Scenario, Window)
from borderflow.model.pyomo_layer import PYOMO_TESTED, compiled_form, linear_form
from borderflow.model.routes import RouteOptions
from borderflow.pipeline import prepare
from borderflow.solvers.highs import HighsSession, SolverOptions

REL = 1e-9


def _tables_with_every_family():
    """Tiny tables with returning empties, a second product, a capped market."""
    t = tiny.base_tables()
    tiny.add_product(t, "rice", supply_t_per_day=100, perishable=False, reefer=False,
                     shelf_life_days=365)
    t["markets"].loc[0, "demand_t_per_year"] = 150 * 365
    t["parameters"].loc[len(t["parameters"])] = {
        **t["parameters"].iloc[0].to_dict(), "parameter": "empty_return_share", "value": 0.5,
        "unit": "-"}
    t["parameters"].loc[len(t["parameters"])] = {
        **t["parameters"].iloc[0].to_dict(), "parameter": "empty_return_days", "value": 1,
        "unit": "days"}
    return t


def _prepared(tmp_path, scenario: Scenario | None):
    data = load_dataset(tiny.write(tmp_path / "data", _tables_with_every_family()),
                        check_borders=False)
    return prepare(data, scenario, RouteOptions(), SolverOptions())


STATIC = None
DATED = dated("every-family", 6,
              CloseEvent(crossing="x1", close=Window(**{"from": day(1), "to": day(2)})),
              PriorityEvent(crossing="x2", priority=PriorityRule(share=0.5),
                            **{"from": day(0), "to": day(3)}),
              queues=(InitialQueue(crossing="x1", product="durian", trucks=4, age_days=1),))


def _canonical(form):
    """The LP keyed by names: objective, column bounds, row bounds and nonzeros (a constraint
    compiled into two rows, lower and upper, is one row again)."""
    names = [v.name for v in form.columns]
    cost = {n: c for n, c in zip(names, form.cost) if c != 0.0}
    cols = {n: (lo, up) for n, lo, up in zip(names, form.col_lower, form.col_upper)}
    rows: dict[str, list] = {}
    for con, lo, up in zip(form.rows, form.row_lower, form.row_upper):
        have = rows.setdefault(con.name, [-np.inf, np.inf])
        have[0], have[1] = max(have[0], lo), min(have[1], up)
    A = form.A.tocoo()
    entries = {}
    for i, j, v in zip(A.row, A.col, A.data):
        key = (form.rows[i].name, names[j])
        assert entries.setdefault(key, v) == v  # the two rows of a ranged constraint agree
    return cost, form.offset, cols, {k: tuple(v) for k, v in rows.items()}, entries


def _assert_same_lp(model):
    fast = _canonical(linear_form(model))
    pyomo = _canonical(compiled_form(model))
    cost_f, offset_f, cols_f, rows_f, nz_f = fast
    cost_p, offset_p, cols_p, rows_p, nz_p = pyomo
    assert cost_f.keys() == cost_p.keys()
    assert all(cost_f[k] == pytest.approx(cost_p[k], rel=REL) for k in cost_f)
    assert offset_f == pytest.approx(offset_p, abs=1e-9)
    # the compiler leaves out variables no row or objective uses; the fast form keeps them
    assert set(cols_p) <= set(cols_f)
    assert all(cols_f[k] == cols_p[k] for k in cols_p)
    unused = set(cols_f) - set(cols_p)
    assert not any(name in unused for _, name in nz_f) and not unused & cost_f.keys()
    assert rows_f.keys() == rows_p.keys()
    assert all(rows_f[k] == pytest.approx(rows_p[k], rel=REL) for k in rows_f)
    assert nz_f.keys() == nz_p.keys()
    assert all(nz_f[k] == pytest.approx(nz_p[k], rel=REL) for k in nz_f)
    return fast


@pytest.mark.parametrize("scenario", [STATIC, DATED], ids=["static", "dated"])
def test_fast_translation_equals_pyomo_compiler(tmp_path, scenario):
    prep = _prepared(tmp_path, scenario)
    cost, _, _, rows, nonzeros = _assert_same_lp(prep.built.model)
    families = {name.split("[")[0] for name in rows}
    expected = {"supply_balance", "crossing_capacity", "market_demand"}
    if scenario is not None:
        expected |= {"priority_share", "queue_balance", "queue_age", "queue_expiry",
                     "initial_queue_total"}
    assert expected <= families
    assert len(nonzeros) == prep.session.highs.getNumNz()


def _durian_share(m, ix):
    """At most 30 % of the durian dispatched crosses at X1, at least 1 t of rice shipped (an
    analyst's ordinary rows, one of them ranged)."""
    at_most_share_via(m, ix, "x1", "durian", 0.3, "durian_x1")
    m.rice_floor = pyo.Constraint(expr=pyo.inequality(
        1.0, sum(m.route_flow[f] for f in ix.flows.index[ix.flows["product_id"] == "rice"]),
        1e6))


@pytest.mark.parametrize("scenario", [STATIC, DATED], ids=["static", "dated"])
def test_ordinary_constraints_are_walked_and_equal_the_compiler(tmp_path, scenario):
    prep = _prepared(tmp_path, scenario)
    _durian_share(prep.built.model, prep.built.index)
    _, _, _, rows, _ = _assert_same_lp(prep.built.model)
    assert {"durian_x1", "rice_floor"} <= set(rows)
    session = HighsSession(prep.built.model, SolverOptions())
    assert session.translator == "matrix-rows+2 walked"
    pyomo = HighsSession(prep.built.model, SolverOptions(), translator="pyomo")
    assert session.solve().objective_usd == pytest.approx(pyomo.solve().objective_usd,
                                                          rel=REL)


def test_a_nonlinear_constraint_is_refused_by_name(tmp_path):
    prep = _prepared(tmp_path, STATIC)
    m = prep.built.model
    m.bad = pyo.Constraint(expr=m.route_flow[0] * m.route_flow[1] <= 1)
    with pytest.raises(ValueError, match="constraint 'bad' is not linear"):
        HighsSession(m, SolverOptions())


@pytest.mark.parametrize("scenario", [STATIC, DATED], ids=["static", "dated"])
def test_pyomo_lp_file_and_appsi_highs_reach_the_same_optimum(tmp_path, scenario):
    prep = _prepared(tmp_path, scenario)
    fast = prep.session.solve().objective_usd
    lp = tmp_path / "model.lp"
    prep.built.model.write(str(lp), io_options={"symbolic_solver_labels": True})
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(lp)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(fast, rel=REL)
    appsi = pyo.SolverFactory("appsi_highs")
    if not appsi.available():  # pragma: no cover - highspy is a dependency
        pytest.skip("appsi_highs unavailable")
    appsi.solve(prep.built.model)
    assert pyo.value(prep.built.model.objective) == pytest.approx(fast, rel=REL)


def test_the_tested_pyomo_range_is_the_pinned_one():
    """pyproject.toml pins the range the layer is tested with, and the installed Pyomo is in
    it."""
    import re
    from pathlib import Path

    from packaging.specifiers import SpecifierSet

    text = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert re.findall(r'"(pyomo[^"]*)"', text) == [f"pyomo{PYOMO_TESTED}"]
    import pyomo.version

    assert pyomo.version.version in SpecifierSet(PYOMO_TESTED)


def test_the_session_says_where_components_are_and_changes_them(tmp_path):
    """``rows_of``/``columns_of`` give HiGHS's numbering of a Pyomo component; ``set_costs``
    sends only what changed; ``set_coefficients`` one by one or as one new matrix agree."""
    prep = _prepared(tmp_path, STATIC)
    m, session = prep.built.model, prep.session
    n_supply = len(m.supply_balance)
    assert session.rows_of(m.supply_balance).tolist() == list(range(n_supply))
    assert session.rows_of(m.crossing_capacity).tolist() == list(
        range(n_supply, n_supply + len(m.crossing_capacity)))
    base = session.solve().objective_usd
    assert session.set_costs(m.unserved, np.zeros(len(m.unserved))) > 0
    assert session.set_costs(m.unserved, np.zeros(len(m.unserved))) == 0
    assert session.solve().objective_usd < base  # nothing is lost by not shipping now
    rows = session.rows_of(m.supply_balance)[:1]
    cols = session.columns_of(m.unserved)[:1]
    objectives = []
    for bulk in (False, True):
        session.set_coefficients(rows, cols, [2.0], bulk=bulk)
        objectives.append(session.solve().objective_usd)
        session.set_coefficients(rows, cols, [1.0], bulk=bulk)
    assert objectives[0] == pytest.approx(objectives[1], rel=REL)


def test_building_and_solving_does_not_load_scipy_stats_and_pyomo_still_gets_it():
    """borderflow/model/lazy_scipy.py: a fresh process that imports the API, the solver and
    the pipeline loads ``scipy.sparse`` but not ``scipy.stats`` (Pyomo's import hook would load
    it, about 0.9 CPU s of every command's start-up); Pyomo's own deferred scipy, once used,
    still finishes with ``scipy.stats`` loaded as Pyomo expects."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import borderflow.api, borderflow.pipeline, borderflow.solvers.highs\n"
        "assert 'scipy.sparse' in sys.modules, 'the model imports scipy.sparse'\n"
        "assert 'scipy.stats' not in sys.modules, 'scipy.stats loaded at import'\n"
        "from pyomo.common.dependencies import scipy, scipy_available\n"
        "assert scipy_available and scipy.sparse.csr_matrix\n"
        "assert 'scipy.stats' in sys.modules, 'Pyomo used scipy without its finishing step'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_keep_scipy_stats_lazy_does_nothing_once_scipy_is_loaded():
    """In a process that has imported scipy already (this one), the hook has nothing left to
    stop: it says so and leaves Pyomo's registry as it is."""
    import sys

    from pyomo.common.dependencies import DeferredImportCallbackFinder

    from borderflow.model.lazy_scipy import keep_scipy_stats_lazy

    assert "scipy" in sys.modules
    before = dict(DeferredImportCallbackFinder._callbacks)
    assert keep_scipy_stats_lazy() is False
    assert DeferredImportCallbackFinder._callbacks == before
