"""The fast dated build (issue 20 target 2) hands HiGHS the same LP.

The Pyomo build and translation were sped up by reading term tables without concatenating
them, a categorical ``var`` column, bulk reads of column bounds and integrality, and data dicts
read in index order (docs/dated-build.md). Checked here: each shortcut against the
variable-by-variable or concatenated path it replaces (including the cases where it must fall
back: parameter bounds, fixed and integer variables, an out-of-order sparse ``Var``), and the
whole dated LP against the independent direct builder (tests/benchmarks/direct_dated.py) on a
week of the embedded dataset, per pair and aggregated: the same columns (cost, bounds and
coefficients of each), the same rows (bounds and coefficients) and the same optimum, through the
benchmark's own measuring function.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))

import dated_build
import direct_dated as dd
from borderflow.model.formulation import build_model
from borderflow.model.pyomo_layer import (column_bounds, columns, integer_columns, linear_form,
                                          ordered_data)
from borderflow.model.terms import add_objective, add_rows, index_set, terms


def _model():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(index_set(4), domain=pyo.NonNegativeReals)
    m.y = pyo.Var(index_set(3), domain=pyo.Reals)
    return m


def test_rows_from_a_list_of_tables_equal_rows_from_their_concatenation():
    """A list of term tables (categorical ``var``) makes the same matrix, bounds and objective
    as the tables concatenated with a plain string ``var`` column, repeated terms summed in
    the same order."""
    pieces = [terms([0, 1, 1], "x", [0, 1, 1], [1.0, 0.5, 0.25]),
              terms([1, 2], "y", [2, 0], -1.0),
              terms([2, 0], "x", [3, 0], [2.0, -1.0])]  # x[0] in row 0 cancels: dropped
    plain = pd.concat(pieces, ignore_index=True).astype({"var": object})
    assert isinstance(pieces[0]["var"].dtype, pd.CategoricalDtype)
    a, b = _model(), _model()
    add_rows(a, "r", 3, pieces, upper=[1.0, 2.0, 3.0])
    add_rows(b, "r", 3, plain, upper=[1.0, 2.0, 3.0])
    add_objective(a, pieces)
    add_objective(b, plain)
    fa, fb = linear_form(a), linear_form(b)
    assert (fa.A != fb.A).nnz == 0 and fa.A.nnz == 4
    assert np.array_equal(fa.cost, fb.cost) and np.array_equal(fa.row_upper, fb.row_upper)
    assert fa.A[1, 1] == 0.75  # x[1] twice in row 1


def test_bulk_column_bounds_equal_pyomo_variable_by_variable():
    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=3.0, mutable=True)
    m.x = pyo.Var(index_set(5), domain=pyo.NonNegativeReals)
    m.x[1].setub(0.0)
    m.x[2].setlb(-4.0)  # looser than the domain: the domain's 0 holds
    m.x[3].fix(2.5)
    m.n = pyo.Var(index_set(2), domain=pyo.Integers, bounds=(-1, 7))
    m.z = pyo.Var(index_set(2), domain=pyo.Reals)
    m.z[0].setub(float("inf"))
    x = list(columns(m).x)
    lo, up = column_bounds(x)
    slow = [(v.value, v.value) if v.fixed else v.bounds for v in x]
    assert lo.tolist() == [-np.inf if a is None else a for a, _ in slow]
    assert up.tolist() == [np.inf if b is None else b for _, b in slow]
    assert integer_columns(x).tolist() == [v.is_integer() for v in x]
    m.x[4].setub(m.p)  # a parameter bound: the variable-by-variable path
    lo, up = column_bounds(x)
    assert up[4] == 3.0 and lo[3] == up[3] == 2.5


def test_ordered_data_is_the_index_order():
    m = pyo.ConcreteModel()
    m.s = pyo.Var(index_set(4), dense=False)
    for i in (2, 0, 3, 1):  # made out of order: the dict's order is not the index's
        m.s[i].value = i
    assert ordered_data(m.s) == list(m.s.values())
    assert [v.value for v in ordered_data(m.s)] == [0, 1, 2, 3]
    m.t = pyo.Var(pyo.Set(initialize=[5, 1, 3]))
    assert ordered_data(m.t) == list(m.t.values())
    m.u = pyo.Var(index_set(3))
    assert ordered_data(m.u) == list(m.u.values())


def _signatures(A: sp.csc_matrix, cost, col_lo, col_up, row_lo, row_up):
    """The LP as two sorted lists, invariant under reordering rows and columns: per column
    ``(cost, bounds, its sorted coefficients)``, per row ``(bounds, its sorted
    coefficients)`` (12 significant digits)."""
    def r(v):
        return float(f"{v:.12g}")

    A = sp.csc_matrix(A)
    cols = sorted((r(c), lo, up, tuple(sorted(map(r, A.data[A.indptr[j]:A.indptr[j + 1]]))))
                  for j, (c, lo, up) in enumerate(zip(cost, col_lo, col_up)))
    R = A.tocsr()
    rows = sorted((lo, up, tuple(sorted(map(r, R.data[R.indptr[i]:R.indptr[i + 1]]))))
                  for i, (lo, up) in enumerate(zip(row_lo, row_up)))
    return cols, rows


@pytest.fixture(scope="module")
def week():
    """The prepared inputs of the benchmark: 7 days of the embedded dataset."""
    return dd.inputs(7)


@pytest.mark.parametrize("aggregate", [False, True], ids=["per-pair", "aggregated"])
def test_pyomo_build_hands_highs_the_direct_builders_lp(week, aggregate):
    net, routes = week
    d = dd.build(net, routes, dd.Variant(aggregate=aggregate))
    form = linear_form(build_model(net, routes, aggregate).model)
    lp = d.lp
    direct = _signatures(sp.csc_matrix((lp.a_matrix_.value_, lp.a_matrix_.index_,
                                        lp.a_matrix_.start_), shape=(lp.num_row_, lp.num_col_)),
                         lp.col_cost_, lp.col_lower_, lp.col_upper_, lp.row_lower_,
                         lp.row_upper_)
    pyomo = _signatures(form.A, form.cost, form.col_lower, form.col_upper, form.row_lower,
                        form.row_upper)
    assert len(pyomo[0]) == lp.num_col_ and len(pyomo[1]) == lp.num_row_
    assert pyomo[0] == direct[0]
    assert pyomo[1] == direct[1]


def test_the_benchmark_children_measure_the_same_lp_and_optimum():
    rows = {a: dated_build.child({"bench": "dated_build", "approach": a, "days": 7,
                                  "aggregate_streams": True}) for a in ("direct", "pyomo")}
    for key in ("variables", "rows", "nonzeros"):
        assert rows["direct"][key] == rows["pyomo"][key]
    dated_build.check(rows["direct"], rows["pyomo"])  # optima equal to 1e-6
    assert rows["pyomo"]["build_s"] > 0 and rows["pyomo"]["ratio_build_vs_direct"] > 0
    off = dict(rows["pyomo"], objective_usd=rows["pyomo"]["objective_usd"] * (1 + 1e-5))
    with pytest.raises(AssertionError, match="optima differ"):
        dated_build.check(rows["direct"], off)
