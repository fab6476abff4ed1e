"""Linear rows from tidy term tables: the one place Pyomo constraints are assembled.

A constraint family is described as data, a *term table* with columns ``row`` (the family's row
index), ``var`` (a Pyomo variable component name), ``idx`` (its index) and ``coef``, plus
per-row ``lower``/``upper`` bounds. :func:`add_rows` turns that into one indexed Pyomo
constraint, a :class:`LinearRows` component: ``lower[r] <= A[r, :] x <= upper[r]`` with ``A`` a
sparse (CSR) matrix built from the table with numpy/scipy in one pass. Families build their
terms with pandas joins, so the model's size and build time grow linearly with its terms.

Why not one ``Constraint`` rule per row: building a Pyomo expression object per term (and
walking it again to translate the model) cost about 40 µs per row, 20 s for a 45-day run;
:class:`LinearRows` rows are real Pyomo constraints (``model.supply_balance[3]`` has a body,
bounds, a name, a dual and a value; Pyomo's writers and compilers read them), but their
expressions are made only when asked for, and the HiGHS translation
(:mod:`borderflow.solvers.highs`) reads the matrix directly.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.gc_manager import PauseGC
from pyomo.core.base.constraint import ConstraintData, IndexedConstraint
from pyomo.core.base.objective import ScalarObjective
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.expr.relational_expr import (EqualityExpression, InequalityExpression,
                                             RangedExpression)

TERM_COLUMNS = ["row", "var", "idx", "coef"]


def terms(row, var: str, idx, coef) -> pd.DataFrame:
    """A term table: ``coef * var[idx]`` in row ``row`` (arrays or scalars broadcast)."""
    row = np.asarray(row, dtype=np.int64)
    n = len(row)
    return pd.DataFrame({"row": row, "var": np.full(n, var, dtype=object),
                         "idx": np.broadcast_to(np.asarray(idx, dtype=np.int64), n),
                         "coef": np.broadcast_to(np.asarray(coef, dtype=float), n)})


def linear(coefs, variables) -> LinearExpression:
    """``sum(c * v)`` as a flat Pyomo ``LinearExpression`` (fast to build and to compile)."""
    return LinearExpression([MonomialTermExpression((float(c), v))
                             for c, v in zip(coefs, variables)])


def index_set(n: int):
    """``RangeSet(0, n - 1)``, or an empty set when ``n == 0``."""
    return pyo.RangeSet(0, n - 1) if n else pyo.Set(initialize=[])


# ---- the columns of a model -----------------------------------------------------------------
class Columns:
    """Every variable of a model in one order: ``x`` (a tuple of VarData) and the offset of each
    variable component in it, so that term tables map to column numbers with numpy."""

    def __init__(self, m: pyo.ConcreteModel):
        self.names: list[str] = []
        self.offset: dict[str, int] = {}
        x: list = []
        for comp in m.component_objects(pyo.Var, descend_into=False):
            self.names.append(comp.local_name)
            self.offset[comp.local_name] = len(x)
            x.extend(comp.values())
        self.x = tuple(x)
        self._objects = None

    @property
    def objects(self) -> np.ndarray:
        """``x`` as a numpy object array (for vectorised look-ups)."""
        if self._objects is None:
            self._objects = np.empty(len(self.x), dtype=object)
            self._objects[:] = self.x
        return self._objects

    def index(self, var, idx) -> np.ndarray:
        """Column numbers of ``var[idx]`` (arrays of component names and indices)."""
        var = pd.Series(np.asarray(var, dtype=object))
        offset = var.map(self.offset)
        if offset.isna().any():
            raise KeyError(f"unknown variable component(s) {sorted(set(var[offset.isna()]))}")
        return offset.to_numpy(dtype=np.int64) + np.asarray(idx, dtype=np.int64)


def columns(m: pyo.ConcreteModel) -> Columns:
    """The model's :class:`Columns`, made once (again if variable components were added)."""
    cols = getattr(m, "_borderflow_columns", None)
    have = [c.local_name for c in m.component_objects(pyo.Var, descend_into=False)]
    if cols is None or cols.names != have:
        cols = Columns(m)
        m._borderflow_columns = cols
    return cols


# ---- a family of linear rows as one Pyomo component -----------------------------------------
class LinearRowData(ConstraintData):
    """One row ``lower <= sum_j A[i, j] x_j <= upper`` of a :class:`LinearRows` component.

    A Pyomo constraint like any other (body, bounds, ``expr``, value, slack, dual); its
    expression is made from the component's matrix when asked for.
    """

    __slots__ = ()

    def __init__(self, index: int, component_ref):
        self._component = component_ref
        self._active = True
        self._index = index

    def _terms(self):
        comp = self._component()
        a, b = comp._indptr[self._index], comp._indptr[self._index + 1]
        return comp._coef[a:b], [comp._x[j] for j in comp._indices[a:b]]

    @property
    def _expr(self):
        return self.expr

    @_expr.setter
    def _expr(self, value) -> None:  # copies and pickles restore rows from the matrix
        pass

    @property
    def body(self) -> LinearExpression:
        """The row's linear expression ``sum_j A[i, j] x_j``."""
        return linear(*self._terms())

    @property
    def lower(self):
        """Lower bound (``None`` if unbounded)."""
        return self._component()._lower[self._index]

    @property
    def upper(self):
        """Upper bound (``None`` if unbounded)."""
        return self._component()._upper[self._index]

    lb = lower
    ub = upper

    @property
    def equality(self) -> bool:
        """True if lower and upper bounds are equal."""
        lo = self.lower
        return lo is not None and lo == self.upper

    def to_bounded_expression(self, evaluate_bounds=False):
        """``(lower, body, upper)``."""
        return self.lower, self.body, self.upper

    @property
    def expr(self):
        """The row as a Pyomo relational expression."""
        lo, body, up = self.to_bounded_expression()
        if lo is not None and lo == up:
            return EqualityExpression((body, lo))
        if lo is None:
            return InequalityExpression((body, up), False)
        if up is None:
            return InequalityExpression((lo, body), False)
        return RangedExpression((lo, body, up), (False, False))

    def __call__(self, exception=True):
        """Value of the body at the variables' current values."""
        coefs, variables = self._terms()
        values = [v.value for v in variables]
        if any(v is None for v in values):
            if exception:
                raise ValueError(f"No value for uninitialized variable in '{self.name}'")
            return None
        return float(np.dot(coefs, values)) if len(values) else 0.0

    def set_bounds(self, lower, upper) -> None:
        """Change the row's bounds (``None`` = unbounded); the matrix stays as built."""
        comp = self._component()
        comp._lower[self._index] = None if lower is None else float(lower)
        comp._upper[self._index] = None if upper is None else float(upper)

    def set_value(self, expr) -> None:
        """Accept ``(lower, body, upper)`` when ``body`` is this row's own body (new bounds);
        a row's terms are fixed when the model is built."""
        if isinstance(expr, tuple) and len(expr) == 3 and self._same_body(expr[1]):
            self.set_bounds(expr[0], expr[2])
            return
        raise NotImplementedError(f"'{self.name}' is a row of a LinearRows matrix: only its "
                                  "bounds can change (set_bounds)")

    def _same_body(self, body) -> bool:
        if not isinstance(body, LinearExpression):
            return False
        coefs, variables = self._terms()
        args = body.args
        return len(args) == len(variables) and all(
            isinstance(t, MonomialTermExpression) and t.args[1] is v and t.args[0] == c
            for t, c, v in zip(args, coefs, variables))


class LinearRows(IndexedConstraint):
    """Indexed Pyomo constraint ``lower[i] <= (A x)[i] <= upper[i]``, ``A`` sparse (CSR).

    Parameters
    ----------
    index : Pyomo set
        Row indices ``0 .. n-1``.
    matrix : scipy.sparse matrix
        ``n`` rows, one column per variable of ``x``.
    lower, upper : sequences of float or None
        Row bounds (``None`` = unbounded).
    x : tuple of VarData
        The variables of the matrix columns.
    """

    def __init__(self, index, matrix, lower, upper, x, **kwds):
        IndexedConstraint.__init__(self, index, **kwds)
        A = sp.csr_matrix(matrix)
        self._indptr = A.indptr.astype(np.int64)
        self._indices = A.indices.astype(np.int64)
        self._coef = A.data.astype(float)
        self._lower = list(lower)
        self._upper = list(upper)
        self._x = x
        self._ncols = A.shape[1]

    def construct(self, data=None) -> None:
        """Make the row objects (no expressions)."""
        if self._constructed:
            return
        self._constructed = True
        ref = weakref.ref(self)
        with PauseGC():
            self._data = {i: LinearRowData(i, ref) for i in range(len(self._lower))}

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
        """``(indptr, indices, coefficients, x)``: the matrix in CSR form over ``x``."""
        return self._indptr, self._indices, self._coef, self._x

    def bounds_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Row bounds as float arrays (``-inf``/``inf`` where unbounded)."""
        lo = np.array([-np.inf if v is None else v for v in self._lower], dtype=float)
        up = np.array([np.inf if v is None else v for v in self._upper], dtype=float)
        return lo, up


def _bounds(values, n: int) -> list:
    if values is None:
        return [None] * n
    arr = np.asarray(values, dtype=float)
    return [None if np.isnan(v) else float(v) for v in arr.tolist()]


def add_rows(m: pyo.ConcreteModel, name: str, n_rows: int, table: pd.DataFrame,
             lower=None, upper=None) -> None:
    """Add the indexed constraint ``m.<name>[r]: lower[r] <= sum(terms of r) <= upper[r]``.

    Parameters
    ----------
    m : ConcreteModel
        The model; all its variables must be declared before its rows.
    name : str
        Component name (the constraint family).
    n_rows : int
        Number of rows; every row should have at least one term.
    table : DataFrame
        Term table (``row, var, idx, coef``); repeated (row, variable) terms are added up and
        terms that add up to zero dropped, as Pyomo's compilers do.
    lower, upper : array-like or None
        Row bounds (``None`` or ``nan`` entries = unbounded); equal bounds make an equality.
    """
    index = index_set(n_rows)
    setattr(m, f"{name}_index", index)
    cols = columns(m)
    if n_rows and len(table):
        col = cols.index(table["var"].to_numpy(), table["idx"].to_numpy())
        A = sp.csr_matrix((table["coef"].to_numpy(dtype=float),
                           (table["row"].to_numpy(dtype=np.int64), col)),
                          shape=(n_rows, len(cols.x)))
        A.sum_duplicates()
        A.eliminate_zeros()
        A.sort_indices()
    else:
        A = sp.csr_matrix((n_rows, len(cols.x)))
    setattr(m, name, LinearRows(index, A, _bounds(lower, n_rows), _bounds(upper, n_rows),
                                cols.x))


def objective_terms(m: pyo.ConcreteModel, table: pd.DataFrame):
    """``sum(coef * var[idx])`` over a term table whose ``row`` is ignored."""
    if table.empty:
        return 0.0
    cols = columns(m)
    col = cols.index(table["var"].to_numpy(), table["idx"].to_numpy())
    return linear(table["coef"].to_numpy(), cols.objects[col])


class ArrayObjective(ScalarObjective):
    """Minimised ``sum_j cost[j] x[j]`` kept as arrays; its Pyomo expression is made when asked.

    A Pyomo objective like any other (``expr``, value, Pyomo's writers), without a term object
    per variable held for the model's life (138 MB at a million variables); the HiGHS
    translation reads :meth:`cost_arrays`. Setting a new expression replaces the arrays.
    """

    def __init__(self, x: tuple, positions: np.ndarray, cost: np.ndarray, **kwds):
        self._cost_terms = (x, np.asarray(positions, dtype=np.int64),
                            np.asarray(cost, dtype=float))
        super().__init__(expr=0.0, sense=pyo.minimize, **kwds)

    @property
    def _args_(self):
        terms_ = self.__dict__.get("_cost_terms")
        if terms_ is not None and self.__dict__.get("_lazy"):
            x, positions, cost = terms_
            return (linear(cost, [x[j] for j in positions]) if len(cost) else 0.0,)
        return self.__dict__.get("_expr_args", (None,))

    @_args_.setter
    def _args_(self, value) -> None:
        self.__dict__["_expr_args"] = value
        if self.__dict__.get("_lazy"):  # a new expression set after construction
            self.__dict__["_lazy"] = False
            self.__dict__["_cost_terms"] = None

    def construct(self, data=None) -> None:
        """Construct; from then on the expression is the arrays'."""
        super().construct(data)
        self.__dict__["_lazy"] = True

    def __call__(self, exception=True):
        """The objective's value, from the arrays (Pyomo's expression walk otherwise)."""
        kept = self.cost_arrays()
        if kept is not None:
            x, positions, cost = kept
            values = [x[j].value for j in positions]
            if None not in values:
                return float(np.dot(cost, values))
        return super().__call__(exception)

    def cost_arrays(self) -> tuple[tuple, np.ndarray, np.ndarray] | None:
        """``(x, positions, cost)``: variables, the positions in ``x`` of those with a cost and
        their costs (``None`` once another expression was set)."""
        return self._cost_terms if self.__dict__.get("_lazy") else None


def add_objective(m: pyo.ConcreteModel, table: pd.DataFrame, name: str = "objective") -> None:
    """Add the minimised objective ``sum(coef * var[idx])`` of a term table, one term per
    variable (repeated terms added up), as an :class:`ArrayObjective`: the HiGHS translation
    (:mod:`borderflow.solvers.highs`) reads the costs from its arrays instead of walking an
    expression."""
    cols = columns(m)
    cost = np.zeros(len(cols.x))
    if len(table):
        np.add.at(cost, cols.index(table["var"].to_numpy(), table["idx"].to_numpy()),
                  table["coef"].to_numpy(dtype=float))
    used = np.flatnonzero(cost)
    setattr(m, name, ArrayObjective(cols.x, used, cost[used]))
