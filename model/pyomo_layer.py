"""The Pyomo layer: every use of Pyomo internals in borderflow is in this module (but for
:mod:`borderflow.model.lazy_scipy`, an import hook that must run before scipy is imported).

borderflow builds its LPs as sparse matrices (term tables, :mod:`borderflow.model.terms`) and
hands them to HiGHS as arrays, yet keeps them real Pyomo models (rows with bodies, bounds,
names, duals and values; Pyomo's writers, compilers and solvers read them; an analyst adds
ordinary Pyomo constraints). Three things make that fast, and all rest on Pyomo internals:

0. **Entries made when asked for** (:class:`ArrayVar`, :class:`LinearRows`): the model's
   variable components and matrix-row families are dense to Pyomo (every index is in them),
   but a ``VarData`` or row object is made on first access (``m.route_flow[7]``, iteration,
   Pyomo's writers, an analyst's constraint, duals loaded after a solve), not when the model
   is built: a 365-day model has a million of them. Values of entries not made are kept in
   an array; the translation reads their bounds from the domain and makes nothing.

1. **Matrix rows and array objectives** (:class:`LinearRows`, :class:`ArrayObjective`): one
   Pyomo component per constraint family holding a CSR matrix instead of an expression per row
   (an expression per term cost ~40 us a row, 20 s for a 45-day run), and an objective holding
   its costs as arrays (138 MB of term objects at a million variables otherwise). Expressions
   are made only when something asks for them.
2. **The translation** (:func:`linear_form`): a model whose rows are matrix rows is read into
   HiGHS's arrays by stacking the matrices; any other linear constraint (an analyst's
   ``pyo.Constraint``) and any other objective are walked one by one with Pyomo's linear
   walker, so one ordinary constraint costs what it has terms. :func:`compiled_form` is Pyomo's
   own compiler on the same model (the cross-check of the tests, ``translator="pyomo"``).

Pyomo APIs relied on, none of them documented as public (the tested range is pinned in
pyproject.toml: ``pyomo>=6.8,<6.11``; ``tests/test_pyomo_layer.py`` checks the translation
against Pyomo's compiler, its LP writer and ``appsi_highs``):

- ``pyomo.core.base.constraint.ConstraintData`` (subclassed: ``_component``, ``_active``,
  ``_index`` slots; ``_expr`` is a no-op setter because copies and pickles assign it),
- ``pyomo.core.base.constraint.IndexedConstraint`` and ``pyomo.core.base.var.IndexedVar``
  (subclassed: ``_data`` (a mapping that is not a ``dict``: ``is_reference`` overridden),
  ``_constructed`` and ``construct``),
- ``pyomo.core.base.objective.ScalarObjective`` (subclassed: its ``_args_`` slot is
  overridden to make the expression from arrays on demand),
- ``pyomo.core.expr.numeric_expr.LinearExpression``/``MonomialTermExpression`` and
  ``pyomo.core.expr.relational_expr`` expression classes (built directly, no operator
  overloading),
- ``pyomo.repn.linear.LinearRepnVisitor`` (walks ordinary constraints and objectives; its
  ``var_recorder`` argument, an object with ``var_map`` and ``add``),
- ``pyomo.repn.plugins.standard_form.LinearStandardFormCompiler`` (``mixed_form=True``: rows,
  ``RowEntry.bound_type``, ``rhs``, ``c``, ``c_offset``, ``columns``),
- ``pyomo.common.gc_manager.PauseGC``,
- ``VarData`` slots ``_lb``, ``_ub``, ``_domain``, ``_fixed`` (read in bulk by
  :func:`column_bounds`), ``_value``, ``_stale``, ``_index``, ``_component`` and
  ``VarData.copy`` (:class:`ArrayVar`), ``pyomo.core.staleflag.StaleFlagManager``, an
  indexed component's ``_data`` dict (:func:`ordered_data`).

A Pyomo release that changes any of these shows up in ``tests/test_pyomo_layer.py`` first.
(Over 500 lines on purpose: the point of the module is that nothing else touches Pyomo's
internals.)
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.collections import ComponentMap
from pyomo.common.gc_manager import PauseGC
from pyomo.core.base.constraint import ConstraintData, IndexedConstraint
from pyomo.core.base.objective import ScalarObjective
from pyomo.core.base.set import RangeSet
from pyomo.core.base.var import IndexedVar, VarData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.staleflag import StaleFlagManager
from pyomo.core.expr.relational_expr import (EqualityExpression, InequalityExpression,
                                             RangedExpression)
from pyomo.repn.linear import LinearRepnVisitor
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

#: the Pyomo releases this module is tested with (pyproject.toml pins the same range)
PYOMO_TESTED = ">=6.8,<6.11"


def linear(coefs, variables) -> LinearExpression:
    """``sum(c * v)`` as a flat Pyomo ``LinearExpression`` (fast to build and to compile)."""
    return LinearExpression([MonomialTermExpression((float(c), v))
                             for c, v in zip(coefs, variables)])


def no_collection() -> PauseGC:
    """A context in which Python's cyclic garbage collector does not run (Pyomo's
    ``PauseGC``; nested uses are fine). Building a dated model makes a million objects
    (a ``VarData`` per column, a row object per row) that stay alive: with the collector on,
    each of its passes walks all of them again (1.0 s of 4.5 s CPU for a 365-day model)."""
    return PauseGC()


def ordered_data(comp) -> list:
    """``list(comp.values())`` of an indexed component: read straight from its data dict when
    its index is a ``RangeSet`` ``0 .. n - 1`` and the dict holds exactly those keys, in that
    order (a dense ``Var`` or a :class:`LinearRows` over :func:`index_set`); through Pyomo's
    index iteration otherwise (about 1 us an entry: 0.5 s for a 365-day model)."""
    data = getattr(comp, "_data", None)
    if data is None or not comp.is_indexed():
        return list(comp.values())
    index = comp.index_set()
    n = len(data)
    if not isinstance(index, RangeSet) or len(index) != n:
        return list(comp.values())
    if n and (not _zero_based(index, n) or not np.array_equal(
            np.fromiter(data.keys(), dtype=float, count=n), np.arange(n))):
        return list(comp.values())
    return list(data.values())


def _zero_based(index: RangeSet, n: int) -> bool:
    """True when ``index`` is the one range ``0 .. n - 1`` step 1, read from its range
    objects (``RangeSet.last()`` lists the whole set first: 0.1 s for a 365-day model)."""
    ranges = list(index.ranges())
    if len(ranges) != 1:
        return index.first() == 0 and index.last() == n - 1
    r = ranges[0]
    return r.start == 0 and r.end == n - 1 and (r.step == 1 or (n == 1 and r.step == 0))


# ---- variables made when asked for ----------------------------------------------------------
class _LazyData(MutableMapping):
    """The data dict of a component indexed ``0 .. n - 1`` whose entries are made on first
    access (``make(i)``) and then kept (:attr:`made`). To Pyomo it is dense: every index is a
    key, iteration lists (and so makes) every entry in index order. Made empty (a clone),
    it takes entries appended in index order."""

    def __init__(self, n: int = 0, make=None):
        self.n = n
        self.made: dict = {}
        self._make = make

    def _position(self, i) -> int:
        if i.__class__ is not int:
            try:
                k = int(i)
            except (TypeError, ValueError):
                raise KeyError(i) from None
            if k != i:
                raise KeyError(i)
            i = k
        if 0 <= i < self.n:
            return i
        raise KeyError(i)

    def __getitem__(self, i):
        d = self.made.get(i)  # TypeError for an unhashable index, as a dict raises
        if d is None:
            k = self._position(i)
            if self._make is None:
                raise KeyError(i)
            d = self.made[k] = self._make(k)
        return d

    def __setitem__(self, i, value) -> None:
        if i == self.n and self._make is None:  # a clone's entries, in order
            self.n += 1
        self.made[self._position(i)] = value

    def __delitem__(self, i) -> None:
        raise TypeError(f"entry {i!r} is a column or row of a matrix and cannot be deleted "
                        "(fix or deactivate it instead)")

    def __contains__(self, i) -> bool:
        try:
            self._position(i)
        except KeyError:
            return False
        return True

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self) -> int:
        return self.n


class ArrayVar(IndexedVar):
    """An indexed Pyomo ``Var`` over ``0 .. n - 1`` with one domain whose ``VarData`` are made
    when first asked for (``m.route_flow[7]``, iteration, Pyomo's writers), not when the model
    is built (a ``VarData`` per column cost 0.25 s and 56 MB at 365 days).

    To Pyomo it is an ordinary dense ``Var``: every index is in it and every entry made is a
    plain ``VarData`` that behaves as any other (bounds, fixing, values, expressions). An
    entry not made yet has the domain's bounds, is not fixed, and its value is kept in an
    array (:func:`load_values` and :func:`var_values` read and write it without making
    entries). A made entry is the truth for itself: the translation reads its slots.
    """

    def __init__(self, index, domain, **kwds):
        IndexedVar.__init__(self, index, domain=domain, dense=False, **kwds)
        self._array_domain = domain

    def construct(self, data=None) -> None:
        """Make no entries: a template with the domain, the values as an array (NaN: no
        value)."""
        if self._constructed:
            return
        self._constructed = True
        index = self.index_set()
        index.construct()
        n = len(index)
        if n and not _zero_based(index, n):
            raise ValueError(f"{self.name}: an ArrayVar is indexed 0 .. n - 1")
        template = VarData(component=self)
        template.domain = self._array_domain
        self._template = template
        self._values = np.full(n, np.nan)
        self._stale_flag = 0
        self._data = _LazyData(n, self._make)

    def _make(self, i: int) -> VarData:
        v = VarData.copy(self._template)
        v._index = i
        x = self._values[i]
        if x == x:
            v._value = float(x)
            v._stale = self._stale_flag
        return v

    def is_reference(self) -> bool:
        """Not a reference: it owns its entries (its data mapping is not a ``dict``)."""
        return False

    def made(self) -> dict:
        """``index -> VarData`` of the entries made so far."""
        return self._data.made if isinstance(self._data, _LazyData) else dict(self._data)

    def domain_bounds(self) -> tuple[float, float]:
        """The domain's bounds (``-inf``/``inf`` if unbounded): every entry not made has
        them."""
        a, b = self._template.bounds
        return -np.inf if a is None else float(a), np.inf if b is None else float(b)


def array_var(index, domain) -> ArrayVar:
    """An :class:`ArrayVar` over ``index`` (a ``RangeSet`` ``0 .. n - 1``, or empty)."""
    return ArrayVar(index, domain)


def _lazy(comp) -> bool:
    return isinstance(comp, ArrayVar) and isinstance(comp._data, _LazyData)


# ---- the columns of a model -----------------------------------------------------------------
def _locate(starts: list, n: int, i) -> tuple[int, int]:
    """``(part, position in it)`` of entry ``i`` (negative: from the end) of a sequence of
    ``n`` entries in parts that start at ``starts``."""
    i = int(i)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise IndexError(i)
    at = bisect.bisect_right(starts, i) - 1
    return at, i - starts[at]


class ColumnSeq(Sequence):
    """The variables of a model's :class:`Columns` as one sequence (``x[j]``: the variable of
    column ``j``). An :class:`ArrayVar`'s entries are made only when an entry is asked for."""

    def __init__(self, cols: Columns):
        self._cols = cols

    def __len__(self) -> int:
        return self._cols.n

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [self[i] for i in range(*j.indices(len(self)))]
        at, k = _locate(self._cols.starts, self._cols.n, j)
        comp, data = self._cols.parts[at]
        return comp._data[k] if data is None else data[k]

    def __iter__(self):
        for comp, data in self._cols.parts:
            yield from ((comp._data[k] for k in range(len(comp))) if data is None else data)

    def position(self, v) -> int | None:
        """The column of variable ``v`` (``None`` if it is not one of these)."""
        cols = self._cols
        comp = getattr(v, "_component", None)
        comp = comp() if comp is not None else None
        if cols.lazy_at is None:
            cols.lazy_at = {id(c): at for at, (c, data) in enumerate(cols.parts)
                            if data is None}
        at = cols.lazy_at.get(id(comp))
        if at is not None:
            k = v._index
            if comp._data.made.get(k) is v:
                return cols.starts[at] + k
            return None
        if cols.plain_index is None:
            cols.plain_index = {id(u): cols.starts[i] + k for i, (_, data) in
                                enumerate(cols.parts) if data is not None
                                for k, u in enumerate(data)}
        return cols.plain_index.get(id(v))


class Columns:
    """Every variable of a model in one order: ``x`` (a :class:`ColumnSeq`) and the offset of
    each variable component in it, so that term tables map to column numbers with numpy."""

    def __init__(self, m: pyo.ConcreteModel):
        self.names: list[str] = []
        self.offset: dict[str, int] = {}
        self.starts: list[int] = []
        #: ``(component, entries)`` per variable component; entries ``None``: an ArrayVar
        self.parts: list[tuple] = []
        #: ``id(ArrayVar) -> part`` and ``id(VarData) -> column`` of the other parts: caches
        #: made on first use, never copied (ids differ in a copy or a pickle)
        self.lazy_at: dict | None = None
        self.plain_index: dict | None = None
        n = 0
        for comp in m.component_objects(pyo.Var, descend_into=False):
            self.names.append(comp.local_name)
            self.offset[comp.local_name] = n
            if _lazy(comp):
                data, size = None, len(comp)
            else:
                data = tuple(ordered_data(comp))
                size = len(data)
            self.starts.append(n)
            self.parts.append((comp, data))
            n += size
        self.n = n
        self.x = ColumnSeq(self)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "lazy_at": None, "plain_index": None}

    def pick(self, col) -> list:
        """The variables of columns ``col`` (makes those entries)."""
        x = self.x
        return [x[j] for j in np.asarray(col, dtype=np.int64).tolist()]

    def index(self, var, idx) -> np.ndarray:
        """Column numbers of ``var[idx]`` (arrays of component names and indices; a
        categorical ``var`` is read through its codes)."""
        # a term table names few components: map the distinct names, not every term
        var = var.array if isinstance(var, pd.Series) else var
        if isinstance(var, pd.Categorical):
            codes, names = var.codes, var.categories
        else:
            codes, names = pd.factorize(var if isinstance(var, pd.api.extensions.ExtensionArray)
                                        else np.asarray(var, dtype=object))
        unknown = sorted(str(n) for n in names if n not in self.offset)
        if unknown or (codes < 0).any():
            raise KeyError(f"unknown variable component(s) {unknown or ['nan']}")
        offset = np.array([self.offset[n] for n in names], dtype=np.int64)
        return offset[codes] + np.asarray(idx, dtype=np.int64)


def columns(m: pyo.ConcreteModel) -> Columns:
    """The model's :class:`Columns`, made once (again if variable components were added)."""
    cols = getattr(m, "_borderflow_columns", None)
    have = [c.local_name for c in m.component_objects(pyo.Var, descend_into=False)]
    if cols is None or cols.names != have:
        cols = Columns(m)
        m._borderflow_columns = cols
    return cols


def prefix_columns(model: pyo.ConcreteModel, comp, prefix: tuple | None) -> np.ndarray | None:
    """Column numbers of ``comp``'s variables (index order) when the columns of a translation
    start with ``prefix`` (:attr:`LinearForm.column_prefix`) and ``prefix`` is the model's
    :class:`Columns` tuple: ``offset + 0 .. n - 1``, no look-up per variable; ``None`` when
    that cannot be shown (then look each variable up). The component must still have the
    entries it had in ``prefix`` (same count, same first and last variable: a model's
    variables are not replaced once made)."""
    cols = getattr(model, "_borderflow_columns", None)
    if prefix is None or cols is None or cols.x is not prefix or \
            comp.parent_block() is not model:
        return None
    start = cols.offset.get(comp.local_name)
    if start is None:
        return None
    at = cols.names.index(comp.local_name)
    end = cols.offset[cols.names[at + 1]] if at + 1 < len(cols.names) else len(cols.x)
    n = end - start
    if len(comp) != n:
        return None
    if n and (cols.x[start] is not next(iter(comp.values()))
              or cols.x[end - 1] is not _last(comp)):
        return None
    return np.arange(start, end, dtype=np.int64)


def _last(comp):
    """The last variable of a component in index order (``None`` if that is not cheap to
    tell: an unordered index)."""
    index = comp.index_set()
    if not comp.is_indexed():
        return comp
    if not index.isordered():
        return None
    return comp[index.at(len(index))]


def load_values(variables, values) -> None:
    """``v.set_value(x, skip_validation=True)`` for each variable and value (floats), without
    the call and unit checks per variable (a solution of half a million columns); the
    columns of a translation (:class:`ColumnList`) are loaded component by component, an
    :class:`ArrayVar`'s into its array (and its made entries)."""
    if isinstance(variables, ColumnList):
        values = np.asarray(values, dtype=float)
        for comp, data, start, size in variables.parts():
            seg = values[start:start + size]
            if data is None:
                _load_array(comp, seg)
            else:
                load_values(data, seg.tolist())
        return
    flag = StaleFlagManager.get_flag
    for v, x in zip(variables, values):
        v._value = x
        v._stale = flag(v._stale)


def _load_array(comp: ArrayVar, values: np.ndarray) -> None:
    """Values of every entry of an :class:`ArrayVar`: the array, and each made entry."""
    flag = StaleFlagManager.get_flag
    comp._values[:] = values
    comp._stale_flag = flag(comp._stale_flag)
    for k, v in comp.made().items():
        v._value = float(values[k])
        v._stale = flag(v._stale)


def column_values(x) -> np.ndarray:
    """The values of the variables of a :class:`ColumnSeq` (or any sequence of variables) as
    floats, NaN where a variable has no value (an :class:`ArrayVar` read from its array)."""
    if not isinstance(x, ColumnSeq):
        return np.array([np.nan if v.value is None else v.value for v in x], dtype=float)
    out = np.empty(len(x))
    for (comp, data), start in zip(x._cols.parts, x._cols.starts):
        size = len(comp) if data is None else len(data)
        out[start:start + size] = _array_values(comp) if data is None else column_values(data)
    return out


#: a variable's value slot (``None``: no value)
_VALUE = attrgetter("_value")


def _array_values(comp: ArrayVar) -> np.ndarray:
    """An :class:`ArrayVar`'s values (NaN: none), its made entries' own values over the
    array's."""
    out = comp._values.copy()
    made = comp.made()
    if made:  # in bulk: a sweep's kept model has every valued column made
        keys = np.fromiter(made.keys(), dtype=np.int64, count=len(made))
        # ``None`` (no value) becomes NaN in a float array: the slots read in C, not a loop
        out[keys] = np.array(list(map(_VALUE, made.values())), dtype=float)
    return out


def load_duals(suffix, rows, duals) -> None:
    """Replace the contents of a ``dual`` suffix by ``duals`` (floats, one per row of
    ``rows``; a constraint listed twice, a ranged row of Pyomo's compiler, gets the sum),
    as ``suffix[con] = suffix.get(con, 0.0) + y`` row by row would, in one dict update.
    A :class:`RowList`'s rows and their keys are listed once per content of the list
    (:meth:`RowList.keyed`): a sweep loads the duals of the same rows after every re-solve."""
    if isinstance(rows, RowList):
        rows, keys, once = rows.keyed()
    else:
        if not isinstance(rows, list):
            rows = list(rows)
        keys = _suffix_keys(rows)
        once = len(set(keys)) == len(keys)
    suffix.clear()
    with PauseGC():  # new tuples only: no collection over the model's objects meanwhile
        if once:  # each row once (the matrix-row translation)
            suffix._dict.update(zip(keys, zip(rows, map((0.0).__add__, duals))))
            return
        entries: dict = {}
        for key, con, y in zip(keys, rows, duals):
            old = entries.get(key)
            entries[key] = (con, (0.0 if old is None else old[1]) + y)
        suffix._dict.update(entries)


def _suffix_keys(rows: list) -> list:
    """The ``ComponentMap`` key of each row (the object itself where its class hashes)."""
    hasher = ComponentMap.hasher
    classes = set(map(type, rows))
    for cls in classes:
        if hasher.get(cls) is None:  # not seen yet: the hasher registers it from an entry
            hasher[cls](next(con for con in rows if type(con) is cls))
    if all(hasher.hashable(cls) for cls in classes):
        return rows  # the ComponentMap key of a hashable object is the object
    return [hasher[con.__class__](con) for con in rows]


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

    def activate(self) -> None:
        """Set this row active (the component then reads each row's state)."""
        self._component()._toggled = True
        super().activate()

    def deactivate(self) -> None:
        """Set this row inactive: the translation leaves it out."""
        self._component()._toggled = True
        super().deactivate()

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
        return _bound(self._component()._lower[self._index])

    @property
    def upper(self):
        """Upper bound (``None`` if unbounded)."""
        return _bound(self._component()._upper[self._index])

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
        comp._lower[self._index] = np.nan if lower is None else float(lower)
        comp._upper[self._index] = np.nan if upper is None else float(upper)

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


def _bound(v: float):
    """A row bound kept as a float (NaN: unbounded) as Pyomo gives it (``None``)."""
    return None if v != v else float(v)


def _row_bounds(values, n: int) -> np.ndarray:
    """Row bounds as a float array, NaN where unbounded (``None`` or NaN given)."""
    if values is None:
        return np.full(n, np.nan)
    return np.array([np.nan if v is None else v for v in values], dtype=float) \
        if isinstance(values, list) else np.array(values, dtype=float)


class LinearRows(IndexedConstraint):
    """Indexed Pyomo constraint ``lower[i] <= (A x)[i] <= upper[i]``, ``A`` sparse (CSR).

    Parameters
    ----------
    index : Pyomo set
        Row indices ``0 .. n-1``.
    matrix : scipy.sparse matrix
        ``n`` rows, one column per variable of ``x``.
    lower, upper : array-like of float (NaN or None: unbounded), or None (all unbounded)
        Row bounds, kept as float arrays (NaN = unbounded).
    x : tuple of VarData
        The variables of the matrix columns.

    The matrix's arrays are kept as given (scipy's own index type, int32 below 2**31 entries:
    no copy; 26 MB less than int64 copies for a 365-day model).
    """

    def __init__(self, index, matrix, lower, upper, x, **kwds):
        IndexedConstraint.__init__(self, index, **kwds)
        A = sp.csr_matrix(matrix)
        self._indptr = A.indptr
        self._indices = A.indices
        self._coef = np.asarray(A.data, dtype=float)
        n = A.shape[0]
        self._lower = _row_bounds(lower, n)
        self._upper = _row_bounds(upper, n)
        self._x = x
        self._ncols = A.shape[1]
        #: a row was activated or deactivated (else every row is active: no per-row read)
        self._toggled = False

    def construct(self, data=None) -> None:
        """Make no row object yet: each is made when first asked for (``m.family[i]``,
        iteration, Pyomo's writers, duals loaded after a solve)."""
        if self._constructed:
            return
        self._constructed = True
        self._data = _LazyData(len(self._lower), self._make_row)

    def _make_row(self, i: int) -> LinearRowData:
        return LinearRowData(i, weakref.ref(self))  # CPython hands back the one weak ref

    def is_reference(self) -> bool:
        """Not a reference: it owns its rows (its data mapping is not a ``dict``)."""
        return False

    def active_rows(self) -> np.ndarray:
        """Positions of the active rows (a row not made yet is active)."""
        n = len(self._lower)
        if not self.__dict__.get("_toggled", True):
            return np.arange(n)
        made = self._data.made if isinstance(self._data, _LazyData) else self._data
        active = np.ones(n, dtype=bool)
        for k, d in made.items():
            active[k] = d._active
        return np.flatnonzero(active)

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
        """``(indptr, indices, coefficients, x)``: the matrix in CSR form over ``x``."""
        return self._indptr, self._indices, self._coef, self._x

    def bounds_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Row bounds as float arrays (``-inf``/``inf`` where unbounded)."""
        lo, up = self._lower, self._upper
        return np.where(np.isnan(lo), -np.inf, lo), np.where(np.isnan(up), np.inf, up)


def set_row_bounds(con, lower, upper) -> None:
    """New bounds of a Pyomo constraint (``None`` = unbounded), keeping its body (matrix rows
    keep their terms; an ordinary constraint gets ``(lower, body, upper)``)."""
    if hasattr(con, "set_bounds"):
        con.set_bounds(lower, upper)
    else:
        con.set_value((lower, con.body, upper))


# ---- an objective kept as arrays ------------------------------------------------------------
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
            values = column_values(x)[positions]  # no variable object made for it
            if not np.isnan(values).any():
                return float(np.dot(cost, values))
        return super().__call__(exception)

    def cost_arrays(self) -> tuple[tuple, np.ndarray, np.ndarray] | None:
        """``(x, positions, cost)``: variables, the positions in ``x`` of those with a cost and
        their costs (``None`` once another expression was set)."""
        return self._cost_terms if self.__dict__.get("_lazy") else None


# ---- translation into arrays ----------------------------------------------------------------
@dataclass
class LinearForm:
    """A linear model as arrays: ``min cost x + offset`` s.t. ``row_lower <= A x <= row_upper``,
    ``col_lower <= x <= col_upper``.

    Attributes
    ----------
    columns : sequence of VarData
        The variable of each column (:func:`linear_form`: a :class:`ColumnList`, whose
        variables are made when asked for; :func:`compiled_form`: a list).
    rows : sequence of ConstraintData
        The constraint of each row (a ranged ordinary constraint compiled by Pyomo's compiler
        has two rows; :func:`linear_form`: a :class:`RowList`, rows made when asked for).
    A : scipy.sparse.csc_matrix
    cost, col_lower, col_upper, row_lower, row_upper : ndarray
        ``inf``/``-inf`` where unbounded.
    offset : float
        Constant of the objective.
    translator : str
        ``matrix-rows`` (:func:`linear_form`; ``+N walked`` when ordinary constraints were
        walked), or ``pyomo-standard-form`` (:func:`compiled_form`).
    """

    columns: list
    rows: list
    A: sp.csc_matrix
    cost: np.ndarray
    offset: float
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    translator: str
    #: the variable tuple the columns start with (:func:`linear_form`: the first matrix's
    #: ``x``, in order), ``None`` if unknown
    column_prefix: tuple | None = None
    #: ``id(LinearRows component) -> (first row, kept row positions, rows of the component)``:
    #: where each matrix-row component's rows are (:func:`linear_form`; empty otherwise)
    row_blocks: dict | None = None


def var_values(var, n: int) -> np.ndarray:
    """Values of a solved indexed Var ``var[0] .. var[n-1]`` (0 where unset), read from its
    data by index: the same numbers as ``v.value for v in var.values()`` without walking the
    index set (a 60-day dated model: 340,000 values per run, read for every sweep scenario).
    A Var not indexed ``0 .. n-1`` is read the ordinary way; a split's values
    (:class:`borderflow.model.streams.SplitValues`) are returned as they are."""
    split = getattr(var, "split_values", None)
    if split is not None:
        return np.array(split[:n], dtype=float)
    if _lazy(var) and n <= len(var):  # ``x or 0.0`` of each value, from the array
        out = _array_values(var)[:n]
        out[np.isnan(out) | (out == 0.0)] = 0.0
        return out
    data = var._data
    try:
        return np.fromiter(((data[i]._value or 0.0) for i in range(n)), dtype=float, count=n)
    except KeyError:
        return np.fromiter((v.value or 0.0 for v in var.values()), dtype=float, count=n)


def column_bounds(columns) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of variables as float arrays (a fixed variable: its value twice): what
    ``v.bounds`` gives (``None`` -> ``-inf``/``inf``), read in bulk from the variables'
    ``_lb``, ``_ub``, ``_domain`` and ``_fixed`` slots where every bound is a number or
    ``None`` (the tighter of it and its domain's bound), variable by variable otherwise.
    An :class:`ArrayVar`'s entries not made have its domain's bounds (no object read)."""
    if isinstance(columns, ColumnList):
        parts = [_part_bounds(comp, data) for comp, data, _, _ in columns.parts()]
        return (np.concatenate([lo for lo, _ in parts]) if parts else np.zeros(0),
                np.concatenate([up for _, up in parts]) if parts else np.zeros(0))
    fast = _bulk_bounds(columns)
    if fast is not None:
        return fast
    lo = np.empty(len(columns))
    up = np.empty(len(columns))
    for j, v in enumerate(columns):
        _one_bound(v, lo, up, j)
    return lo, up


def _part_bounds(comp, data) -> tuple[np.ndarray, np.ndarray]:
    """:func:`column_bounds` of one part of a :class:`ColumnList`."""
    if data is not None:
        return column_bounds(data)
    a, b = comp.domain_bounds()
    lo, up = np.full(len(comp), a), np.full(len(comp), b)
    made = comp.made()
    if made:
        at = np.fromiter(made.keys(), dtype=np.int64, count=len(made))
        lo[at], up[at] = column_bounds(list(made.values()))
    return lo, up


def _one_bound(v, lo: np.ndarray, up: np.ndarray, j: int) -> None:
    if v.fixed:
        lo[j] = up[j] = v.value
        return
    a, b = v.bounds
    lo[j] = -np.inf if a is None else a
    up[j] = np.inf if b is None else b


_PLAIN = (type(None), float, int)


def _bound_array(values: list, none: float) -> np.ndarray | None:
    """Numbers or ``None`` as floats (``None`` -> ``none``); ``None`` if some entry is
    anything else (an expression, a parameter) or a non-finite number other than ``none``
    (Pyomo resolves or rejects those: the variable-by-variable path)."""
    if not set(map(type, values)) <= set(_PLAIN):
        return None
    arr = np.array([none if b is None else b for b in values], dtype=float)
    if not np.all(np.isfinite(arr) | (arr == none)):
        return None
    return arr


def _domain_bounds(domains: list) -> tuple[np.ndarray, np.ndarray] | None:
    """Each variable's domain bounds (``-inf``/``inf`` for ``None``), one call per distinct
    domain object."""
    if len(set(map(id, domains))) == 1:
        distinct = {id(domains[0]): domains[0]}
    else:
        distinct = {id(d): d for d in domains}
    bounds = {}
    for key, d in distinct.items():
        a, b = d.bounds()
        a = -np.inf if a is None else a
        b = np.inf if b is None else b
        if not isinstance(a, _PLAIN + (np.floating,)) or not isinstance(b, _PLAIN + (np.floating,)):
            return None
        bounds[key] = (float(a), float(b))
    if len(bounds) == 1:
        a, b = next(iter(bounds.values()))
        return np.full(len(domains), a), np.full(len(domains), b)
    pick = np.array([bounds[id(d)] for d in domains], dtype=float).reshape(-1, 2)
    return pick[:, 0], pick[:, 1]


def _bulk_bounds(columns) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`column_bounds` from the variables' slots (``None`` when that cannot be done)."""
    if not columns or not all(isinstance(v, VarData) for v in (columns[0], columns[-1])):
        return None
    try:
        lbs = [v._lb for v in columns]
        ubs = [v._ub for v in columns]
        domains = [v._domain for v in columns]
        fixed = np.array([v._fixed for v in columns], dtype=bool)
    except AttributeError:  # not every entry is a plain VarData
        return None
    lb = _bound_array(lbs, -np.inf)
    ub = _bound_array(ubs, np.inf)
    dom = _domain_bounds(domains)
    if lb is None or ub is None or dom is None:
        return None
    lo, up = np.maximum(lb, dom[0]), np.minimum(ub, dom[1])
    for j in np.flatnonzero(fixed).tolist():
        _one_bound(columns[j], lo, up, j)
    return lo, up


def integer_columns(columns) -> np.ndarray:
    """``v.is_integer()`` of each variable as a bool array (one call per distinct domain
    object: it depends on the domain only; an :class:`ArrayVar`'s entries not made: its
    domain's)."""
    if isinstance(columns, ColumnList):
        parts = []
        for comp, data, _, _ in columns.parts():
            if data is None:
                kind = np.full(len(comp), bool(comp._template.is_integer()), dtype=bool)
                made = comp.made()
                if made:
                    at = np.fromiter(made.keys(), dtype=np.int64, count=len(made))
                    kind[at] = integer_columns(list(made.values()))
                parts.append(kind)
            else:
                parts.append(integer_columns(data))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    try:
        domains = [v._domain for v in columns]
    except AttributeError:
        return np.fromiter((v.is_integer() for v in columns), dtype=bool, count=len(columns))
    if len(set(map(id, domains))) == 1:  # one domain object (one call)
        return np.full(len(columns), bool(columns[0].is_integer()), dtype=bool)
    one = {id(d): v for v, d in zip(columns, domains)}  # a variable of each domain
    kind = {key: bool(v.is_integer()) for key, v in one.items()}
    return np.fromiter((kind[id(d)] for d in domains), dtype=bool, count=len(columns))


def compiled_form(model: pyo.ConcreteModel) -> LinearForm:
    """Any linear model, through Pyomo's sparse standard-form compiler (``mixed_form``)."""
    info = LinearStandardFormCompiler().write(model, mixed_form=True)
    A = info.A.tocsc()
    n_rows, n_cols = A.shape
    c = info.c.toarray().ravel() if info.c.shape[0] else np.zeros(n_cols)
    rhs = np.asarray(info.rhs, dtype=float)
    kind = np.array([r.bound_type for r in info.rows], dtype=int)
    lo = np.array([-np.inf if v.lb is None else v.lb for v in info.columns], dtype=float)
    up = np.array([np.inf if v.ub is None else v.ub for v in info.columns], dtype=float)
    return LinearForm(columns=list(info.columns), rows=[r.constraint for r in info.rows], A=A,
                      cost=c[:n_cols] if c.size else np.zeros(n_cols),
                      offset=float(info.c_offset[0]) if len(info.c_offset) else 0.0,
                      col_lower=lo, col_upper=up,
                      row_lower=np.where(kind <= 0, rhs, -np.inf),
                      row_upper=np.where(kind >= 0, rhs, np.inf),
                      translator="pyomo-standard-form")


class ColumnList(Sequence):
    """The columns of a translation: a model's :class:`ColumnSeq` (the first variable tuple
    seen, taken whole), then each variable met only in walked constraints or objectives."""

    def __init__(self, prefix, extra: list):
        self.prefix = prefix
        self.extra = extra

    def __len__(self) -> int:
        return (0 if self.prefix is None else len(self.prefix)) + len(self.extra)

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [self[i] for i in range(*j.indices(len(self)))]
        j = int(j)
        if j < 0:
            j += len(self)
        n = 0 if self.prefix is None else len(self.prefix)
        if j < n:
            return self.prefix[j]
        return self.extra[j - n]

    def __iter__(self):
        if self.prefix is not None:
            yield from self.prefix
        yield from self.extra

    def parts(self):
        """``(component or None, entries or None, first column, size)`` in column order: an
        :class:`ArrayVar` has no entries listed, any other part lists its variables."""
        n = 0
        if isinstance(self.prefix, ColumnSeq):
            for (comp, data), start in zip(self.prefix._cols.parts, self.prefix._cols.starts):
                yield comp, data, start, len(comp) if data is None else len(data)
            n = len(self.prefix)
        elif self.prefix is not None:
            yield None, self.prefix, 0, len(self.prefix)
            n = len(self.prefix)
        if self.extra:
            yield None, self.extra, n, len(self.extra)


class RowList(Sequence):
    """The rows of a translation in order: blocks of a :class:`LinearRows` component's active
    rows (its row objects made only when asked for) and lists of walked constraints."""

    def __init__(self):
        self.starts: list[int] = []
        self.parts: list[tuple] = []  # (LinearRows, kept positions) or (None, constraints)
        self.n = 0

    def add_block(self, comp: LinearRows, keep: np.ndarray) -> None:
        """The rows ``keep`` of a matrix-row component, next."""
        self.starts.append(self.n)
        self.parts.append((comp, keep))
        self.n += len(keep)

    def add_rows(self, rows: list) -> None:
        """Constraint objects, next."""
        self.starts.append(self.n)
        self.parts.append((None, list(rows)))
        self.n += len(rows)

    def __len__(self) -> int:
        return self.n

    def keyed(self) -> tuple[list, list, bool]:
        """``(rows, keys, once)``: the rows as a list (every row object made), their
        ``ComponentMap`` keys and whether each key is there once, listed on the first call
        and again only after rows were added (rows are only ever appended, and a made row
        object stays its row's)."""
        stamp = (self.n, len(self.parts))
        kept = getattr(self, "_keyed", None)
        if kept is None or kept[0] != stamp:
            with PauseGC():  # every row object made now: nothing to collect
                rows = list(self)
            keys = _suffix_keys(rows)
            kept = self._keyed = (stamp, rows, keys, len(set(keys)) == len(keys))
        return kept[1], kept[2], kept[3]

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        at, k = _locate(self.starts, self.n, i)
        comp, part = self.parts[at]
        return part[k] if comp is None else comp._data[int(part[k])]

    def __iter__(self):
        for comp, part in self.parts:
            if comp is None:
                yield from part
            else:
                data = comp._data
                yield from (data[k] for k in part.tolist())

    def walked(self):
        """``(row, constraint)`` of the walked constraints only (a matrix-row component's
        rows are found by :attr:`LinearForm.row_blocks`)."""
        for (comp, part), start in zip(self.parts, self.starts):
            if comp is None:
                yield from enumerate(part, start)


class _ColumnOrder:
    """HiGHS column numbers of Pyomo variables: the first full variable sequence seen (every
    model variable, :attr:`Columns.x`) is the column order itself, with no index dict (127 MB
    at a million variables) and no variable object made for it; any other variable gets the
    next column (a variable of the first sequence met in a walked constraint is found by its
    component and index, :meth:`ColumnSeq.position`)."""

    def __init__(self):
        self.prefix = None  # the sequence taken whole as the first columns
        self.extra: list = []
        self._index: dict[int, int] = {}
        self._maps: dict[int, np.ndarray] = {}
        self._prefix_indexed = False

    @property
    def columns(self) -> ColumnList:
        """Every column's variable, in order."""
        return ColumnList(self.prefix, self.extra)

    def column(self, v) -> int:
        """The column of one variable (a new one if not seen)."""
        j = self._index.get(id(v))
        if j is not None:
            return j
        if isinstance(self.prefix, ColumnSeq):
            j = self.prefix.position(v)
            if j is not None:
                return j
        elif self.prefix is not None and not self._prefix_indexed:  # any other sequence
            self._index.update((id(u), j) for j, u in enumerate(self.prefix))
            self._prefix_indexed = True
            j = self._index.get(id(v))
            if j is not None:
                return j
        j = self._index[id(v)] = (0 if self.prefix is None else len(self.prefix)) + \
            len(self.extra)
        self.extra.append(v)
        return j

    def of(self, x) -> np.ndarray:
        """The column of each entry of the sequence ``x`` (looked up once per sequence)."""
        if id(x) not in self._maps:
            if self.prefix is None and not self.extra:
                self.prefix = x
                self._maps[id(x)] = np.arange(len(x), dtype=np.int64)
            else:
                self._maps[id(x)] = np.fromiter((self.column(v) for v in x), dtype=np.int64,
                                                count=len(x))
        return self._maps[id(x)]


class _MetVarRecorder:
    """A ``var_recorder`` for Pyomo's ``LinearRepnVisitor`` that records the variables met and
    no other: Pyomo's own ``VarRecorder`` adds every entry of a met variable's component
    (for a deterministic order of the writers' columns, which the translation does not
    use), and so would make every entry of an :class:`ArrayVar` (and read 500,000 for an
    analyst's one row)."""

    def __init__(self):
        self.var_map: dict = {}

    def add(self, var) -> None:
        """Record a (not fixed) variable met in an expression."""
        self.var_map[id(var)] = var


def _visitor() -> LinearRepnVisitor:
    """Pyomo's linear walker recording only the variables it meets (Pyomo 6.8.0 has no
    ``var_recorder`` and records only those anyway)."""
    try:
        return LinearRepnVisitor({}, var_recorder=_MetVarRecorder())
    except TypeError:
        return LinearRepnVisitor({})


def _walk(visitor: LinearRepnVisitor, expr, what: str):
    """``(variables, coefficients, constant)`` of a linear expression (zeros dropped)."""
    repn = visitor.walk_expression(expr)
    if repn.nonlinear is not None:
        raise ValueError(f"{what} is not linear: borderflow solves linear programs only")
    pairs = [(visitor.var_map[k], float(c)) for k, c in repn.linear.items() if float(c) != 0.0]
    constant = float(pyo.value(repn.constant)) if repn.constant else 0.0
    return [v for v, _ in pairs], np.array([c for _, c in pairs], dtype=float), constant


def _walked_rows(comp, order: _ColumnOrder, visitor: LinearRepnVisitor):
    """An ordinary constraint component as a CSR block: each active row walked once."""
    data, indptr, indices, coefs, lows, ups = [], [0], [], [], [], []
    for con in comp.values():
        if not con.active:
            continue
        lo, body, up = con.to_bounded_expression()
        lo = None if lo is None else float(pyo.value(lo))
        up = None if up is None else float(pyo.value(up))
        if lo is None and up is None:
            continue  # no bound: no row (as Pyomo's writers do)
        variables, c, constant = _walk(visitor, body, f"constraint '{con.name}'")
        if not variables:  # a constant row: dropped if it holds (as Pyomo's compiler does)
            if (lo is None or lo <= constant) and (up is None or constant <= up):
                continue
            raise ValueError(f"constraint '{con.name}' has no variables and does not hold")
        data.append(con)
        indices.extend(order.column(v) for v in variables)
        coefs.append(c)
        indptr.append(len(indices))
        lows.append(-np.inf if lo is None else lo - constant)
        ups.append(np.inf if up is None else up - constant)
    block = (np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int64),
             np.concatenate(coefs) if coefs else np.zeros(0))
    return block, data, np.asarray(lows, dtype=float), np.asarray(ups, dtype=float)


def linear_form(model: pyo.ConcreteModel) -> LinearForm:
    """The model as arrays, fast: matrix rows (:class:`LinearRows`) are stacked as they are,
    any other active constraint is walked row by row with Pyomo's linear walker (an analyst's
    few rows cost what they have terms), the objective's costs come from an
    :class:`ArrayObjective`'s arrays (any other objective is walked).

    Raises
    ------
    ValueError
        If the model has not exactly one active objective, it is maximised, or a constraint
        or the objective is not linear (the message names it).
    """
    objectives = list(model.component_data_objects(pyo.Objective, active=True,
                                                   descend_into=True))
    if len(objectives) != 1 or objectives[0].sense != pyo.minimize:
        raise ValueError(f"the model needs exactly one active minimised objective, has "
                         f"{len(objectives)}" + ("" if len(objectives) != 1 else " (maximised)"))
    order = _ColumnOrder()
    visitor = _visitor()
    blocks, rows, lows, ups = [], RowList(), [], []
    row_blocks: dict[int, tuple] = {}
    walked = 0
    for comp in model.component_objects(pyo.Constraint, active=True, descend_into=True):
        if isinstance(comp, LinearRows):
            indptr, indices, coef, x = comp.csr()
            lo, up = comp.bounds_arrays()
            keep = comp.active_rows()
            blocks.append(((indptr, order.of(x)[indices], coef), keep, len(lo)))
            row_blocks[id(comp)] = (len(rows), keep, len(lo))
            rows.add_block(comp, keep)
        else:
            block, data, lo, up = _walked_rows(comp, order, visitor)
            keep = np.arange(len(data))
            blocks.append((block, keep, len(data)))
            rows.add_rows(data)
            walked += len(data)
        lows.append(lo[keep])
        ups.append(up[keep])
    kept = objectives[0].cost_arrays() if isinstance(objectives[0], ArrayObjective) else None
    if kept is not None:
        x, positions, obj_coefs = kept
        obj_cols, constant = order.of(x)[positions], 0.0
    else:
        variables, obj_coefs, constant = _walk(visitor, objectives[0].expr,
                                               f"objective '{objectives[0].name}'")
        obj_cols = np.fromiter((order.column(v) for v in variables), dtype=np.int64,
                               count=len(variables))
    columns_ = order.columns
    n_cols = len(columns_)
    cost = np.zeros(n_cols)
    np.add.at(cost, obj_cols, obj_coefs)
    mats = []
    for (indptr, idx, coef), keep, n in blocks:
        M = sp.csr_matrix((coef, idx, indptr), shape=(n, n_cols))
        mats.append(M if len(keep) == n else M[keep])
    # stacked row-wise (CSR blocks end to end), then turned column-wise once
    A = sp.vstack(mats, format="csr").tocsc() if mats else sp.csc_matrix((0, n_cols))
    A.sort_indices()
    col_lower, col_upper = column_bounds(columns_)
    return LinearForm(columns=columns_, rows=rows, A=A, cost=cost, offset=constant,
                      col_lower=col_lower, col_upper=col_upper,
                      row_lower=np.concatenate(lows) if lows else np.zeros(0),
                      row_upper=np.concatenate(ups) if ups else np.zeros(0),
                      translator="matrix-rows" + (f"+{walked} walked" if walked else ""),
                      column_prefix=order.prefix, row_blocks=row_blocks)


def suffix_values(suffix, comp, n: int) -> np.ndarray:
    """``[suffix.get(comp[k], 0.0) for k in range(n)]`` as floats (a row's dual), read in
    bulk: a component whose rows are made when first asked for (:class:`LinearRows`) is read
    from the rows made so far, since a row never made is no key of the suffix (0.0) and is
    not made now; any other component row by row, as that list would.

    Parameters
    ----------
    suffix : pyomo Suffix
        A suffix keyed by rows (``m.dual``).
    comp : pyomo indexed Constraint
        A row family indexed ``0 .. n - 1``.
    n : int
        Its number of rows.

    Returns
    -------
    numpy.ndarray
        ``n`` floats, 0.0 where the suffix has no entry.
    """
    data = getattr(comp, "_data", None)
    if not isinstance(data, _LazyData) or not isinstance(suffix, ComponentMap):
        return np.array([suffix.get(comp[k], 0.0) for k in range(n)], dtype=float)
    out = np.zeros(n)
    at = [k for k in data.made if 0 <= k < n]
    if not at:
        return out
    got = list(map(suffix._dict.get, _suffix_keys([data.made[k] for k in at])))
    found = [k for k, e in zip(at, got) if e is not None]
    out[found] = [e[1] for e in got if e is not None]
    return out
