"""Variables made when asked for (``ArrayVar``, borderflow/model/pyomo_layer.py).

The formulation's variables are Pyomo ``Var`` components whose ``VarData`` are made on first
access, not when the model is built. Here, on a hand-made LP: such a component is, to Pyomo,
an ordinary dense ``Var``; the fast translation makes no variable or row object; a variable an
analyst's ordinary constraint reaches (so made after the build) lands in its own column, not a
new one; bounds, fixing and values of made entries are what the translation and the result
readers see; a matrix row is made when asked for (its dual too); and a row switched off is
left out.

The LP (hand-computed): ``min x0 + 2 x1 + 3 x2 + 4 x3`` s.t. ``x0 + x1 + x2 + x3 = 10`` and
``x >= 0``: optimum 10 (all on ``x0``).
"""

from __future__ import annotations

import pickle

import numpy as np
import pyomo.environ as pyo
import pytest

from borderflow.model.pyomo_layer import (ArrayVar, array_var, column_bounds, columns,
                                          compiled_form, linear_form, var_values)
from borderflow.model.terms import add_objective, add_rows, index_set, terms
from borderflow.solvers.highs import HighsSession, SolverOptions

N = 4


def _model():
    """The LP of the module docstring, built as the formulation builds its models."""
    m = pyo.ConcreteModel()
    m.x = array_var(index_set(N), pyo.NonNegativeReals)
    m.y = array_var(index_set(2), pyo.NonNegativeReals)  # a second component: offset 4
    add_rows(m, "total", 1, terms(np.zeros(N), "x", np.arange(N), 1.0), lower=[10.0],
             upper=[10.0])
    add_rows(m, "pair", 2, terms([0, 1], "y", [0, 1], 1.0), lower=[1.0, 2.0])
    add_objective(m, [terms(np.zeros(N), "x", np.arange(N), np.arange(1.0, N + 1)),
                      terms(np.zeros(2), "y", [0, 1], [5.0, 6.0])])
    return m


def test_an_array_var_is_a_dense_var_whose_entries_are_made_when_asked_for():
    m = _model()
    assert isinstance(m.x, ArrayVar) and m.x.made() == {}
    assert len(m.x) == N and list(m.x.keys()) == list(range(N))
    assert 3 in m.x and 4 not in m.x and -1 not in m.x
    v = m.x[2]
    assert m.x.made() == {2: v} and m.x[2] is v and m.x[np.int64(2)] is v
    assert v.index() == 2 and v.parent_component() is m.x and v.name == "x[2]"
    assert v.bounds == (0, None) and v.value is None and not v.fixed
    with pytest.raises(KeyError):
        m.x[N]
    with pytest.raises(TypeError, match="cannot be deleted"):
        del m.x[1]
    assert [u.index() for u in m.x.values()] == list(range(N))  # iteration makes them all
    assert len(m.x.made()) == N


def test_the_translation_makes_no_variable_or_row_object():
    m = _model()
    form = linear_form(m)
    assert m.x.made() == {} and m.y.made() == {}
    assert not m.total._data.made and not m.pair._data.made
    assert len(form.rows) == 3 and form.rows[2] is m.pair[1]  # asked for: made
    assert form.translator == "matrix-rows" and len(form.columns) == N + 2
    assert form.cost.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert form.col_lower.tolist() == [0.0] * 6 and np.isinf(form.col_upper).all()
    assert form.A.toarray().tolist() == [[1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 1, 0],
                                         [0, 0, 0, 0, 0, 1]]
    assert form.columns[5] is m.y[1]  # asked for: made, and the column's own variable


def test_a_variable_of_an_extension_constraint_lands_in_its_own_column():
    """``x1 + x3 >= 4`` (an analyst's ``pyo.Constraint``, made after the build): the cheaper
    of the two is x1, so x0 6, x1 4: 6 + 8 = 14, plus y (5 x 1 + 6 x 2 = 17): 31. Pyomo's
    own walker would list (and so make) every entry of ``x``; only x1 and x3 are made."""
    m = _model()
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    m.extra = pyo.Constraint(expr=m.x[1] + m.x[3] >= 4)
    form = linear_form(m)
    assert form.translator == "matrix-rows+1 walked" and len(form.columns) == N + 2
    assert sorted(m.x.made()) == [1, 3]  # only what the constraint touches
    extra = form.A.toarray()[-1]
    assert extra.tolist() == [0, 1, 0, 1, 0, 0] and form.row_lower[-1] == 4.0
    compiled = compiled_form(m)  # Pyomo's compiler: the same columns by name
    by_name = dict(zip((v.name for v in compiled.columns), compiled.A.toarray()[-1]))
    assert {n: c for n, c in by_name.items() if c} == {"x[1]": 1.0, "x[3]": 1.0}
    session = HighsSession(m, SolverOptions())
    summary = session.solve()
    assert summary.objective_usd == pytest.approx(31.0)
    assert m.x[1].value == pytest.approx(4.0) and m.x[0].value == pytest.approx(6.0)
    assert var_values(m.x, N).tolist() == pytest.approx([6.0, 4.0, 0.0, 0.0])
    assert var_values(m.y, 2).tolist() == pytest.approx([1.0, 2.0])
    assert pyo.value(m.objective) == pytest.approx(31.0)
    # duals, one per row, on the rows' own objects: x0 prices the total at 1; x1 costs 2,
    # 1 more than x0; y0, y1 cost 5 and 6
    assert [m.dual[c] for c in (m.total[0], m.extra, m.pair[0], m.pair[1])] == \
        pytest.approx([1.0, 1.0, 5.0, 6.0])


def test_bounds_and_values_of_made_entries_are_what_the_translation_reads():
    m = _model()
    m.x[0].setub(3.0)
    m.x[2].fix(1.5)
    form = linear_form(m)
    assert form.col_upper[:N].tolist() == [3.0, np.inf, 1.5, np.inf]
    assert form.col_lower[:N].tolist() == [0.0, 0.0, 1.5, 0.0]
    assert sorted(m.x.made()) == [0, 2]
    # min with x0 <= 3, x2 = 1.5: x0 3, x1 5.5, x2 1.5: 3 + 11 + 4.5 + y 17 = 35.5
    summary = HighsSession(m, SolverOptions()).solve()
    assert summary.objective_usd == pytest.approx(35.5)
    made_before = m.x.made()[0]
    assert made_before.value == pytest.approx(3.0)  # a made entry gets its value loaded
    assert m.x[1].value == pytest.approx(5.5)  # made after the load: from the array
    m.x[3].value = 0.25  # an analyst's own value wins over the array
    assert var_values(m.x, N).tolist() == pytest.approx([3.0, 5.5, 1.5, 0.25])


def test_column_bounds_of_a_translation_equal_each_variables_bounds():
    m = _model()
    m.x[1].setlb(2.0)
    m.y[0].domain = pyo.Reals
    form = linear_form(m)
    lo, up = column_bounds(list(form.columns))  # every variable made, read one by one
    assert lo.tolist() == form.col_lower.tolist() and up.tolist() == form.col_upper.tolist()
    assert form.col_lower.tolist() == [0.0, 2.0, 0.0, 0.0, -np.inf, 0.0]
    assert columns(m).x[N] is m.y[0]


def test_a_row_switched_off_is_left_out_and_back_on_is_in():
    m = _model()
    m.pair[0].deactivate()
    form = linear_form(m)
    assert form.A.shape[0] == 2 and form.row_lower.tolist() == [10.0, 2.0]
    m.pair[0].activate()
    assert linear_form(m).A.shape[0] == 3


def test_a_clone_or_a_pickle_of_a_model_translates_to_the_same_lp():
    """x1 <= 2 and the extension row: x0 6, x1 2, x3 2: 6 + 4 + 8 + 17 = 35; the copies'
    extension variables land in their own columns (no column added)."""
    m = _model()
    m.x[1].setub(2.0)
    m.extra = pyo.Constraint(expr=m.x[1] + m.x[3] >= 4)
    assert HighsSession(m, SolverOptions()).solve().objective_usd == pytest.approx(35.0)
    for copy in (m.clone(), pickle.loads(pickle.dumps(m))):
        form = linear_form(copy)
        assert len(form.columns) == N + 2 and form.col_upper[1] == 2.0
        assert form.A.toarray()[-1].tolist() == [0, 1, 0, 1, 0, 0]
        assert HighsSession(copy, SolverOptions()).solve().objective_usd == pytest.approx(35.0)
        assert copy.x[1].value == pytest.approx(2.0) and m.x[1].value == pytest.approx(2.0)
