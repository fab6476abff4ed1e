"""Linear rows from tidy term tables: the one place constraint families become Pyomo rows.

A constraint family is described as data, a *term table* with columns ``row`` (the family's row
index), ``var`` (a Pyomo variable component name), ``idx`` (its index) and ``coef``, plus
per-row ``lower``/``upper`` bounds. :func:`add_rows` turns that into one indexed Pyomo
constraint, a :class:`~borderflow.model.pyomo_layer.LinearRows` component:
``lower[r] <= A[r, :] x <= upper[r]`` with ``A`` a sparse (CSR) matrix built from the table with
numpy/scipy in one pass. Families build their terms with pandas joins and the index tables'
look-ups (:mod:`borderflow.model.indices`), so the model's size and build time grow linearly
with its terms.

Why not one ``Constraint`` rule per row: building a Pyomo expression object per term (and
walking it again to translate the model) cost about 40 us per row, 20 s for a 45-day run.
The rows are real Pyomo constraints all the same; how, and on which Pyomo internals that
rests, is the business of :mod:`borderflow.model.pyomo_layer` alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp

from .pyomo_layer import ArrayObjective, LinearRows, columns, linear

TERM_COLUMNS = ["row", "var", "idx", "coef"]


def terms(row, var: str, idx, coef) -> pd.DataFrame:
    """A term table: ``coef * var[idx]`` in row ``row`` (arrays or scalars broadcast).

    ``var`` is a categorical column of one category (a string per term cost 0.5 s CPU per
    million terms to make and again to read back); it compares, merges and concatenates like
    the strings it stands for."""
    row = np.asarray(row, dtype=np.int64)
    n = len(row)
    return pd.DataFrame({"row": row,
                         "var": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [var]),
                         "idx": np.broadcast_to(np.asarray(idx, dtype=np.int64), n),
                         "coef": np.broadcast_to(np.asarray(coef, dtype=float), n)})


def _pieces(table) -> list[pd.DataFrame]:
    """A term table, or a list of them (``None`` entries skipped), as a list."""
    if isinstance(table, pd.DataFrame):
        return [table]
    return [t for t in table if t is not None]


def _entries(cols, table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(row, column, coef)`` arrays of a term table or a list of them (no concatenation of
    the tables themselves)."""
    pieces = [t for t in _pieces(table) if len(t)]
    if not pieces:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return (np.concatenate([t["row"].to_numpy(dtype=np.int64) for t in pieces]),
            np.concatenate([cols.index(t["var"], t["idx"].to_numpy()) for t in pieces]),
            np.concatenate([t["coef"].to_numpy(dtype=float) for t in pieces]))


def index_set(n: int):
    """``RangeSet(0, n - 1)``, or an empty set when ``n == 0``."""
    return pyo.RangeSet(0, n - 1) if n else pyo.Set(initialize=[])


def _bounds(values, n: int) -> np.ndarray:
    """Row bounds as floats, NaN where unbounded (``None``: all unbounded)."""
    if values is None:
        return np.full(n, np.nan)
    return np.asarray(values, dtype=float)


def add_rows(m: pyo.ConcreteModel, name: str, n_rows: int, table,
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
    table : DataFrame or list of DataFrame
        Term table (``row, var, idx, coef``), or the tables whose concatenation it is;
        repeated (row, variable) terms are added up and terms that add up to zero dropped, as
        Pyomo's compilers do.
    lower, upper : array-like or None
        Row bounds (``None`` or ``nan`` entries = unbounded); equal bounds make an equality.
    """
    index = index_set(n_rows)
    setattr(m, f"{name}_index", index)
    cols = columns(m)
    row, col, coef = _entries(cols, table)
    if n_rows and len(row):
        A = sp.csr_matrix((coef, (row, col)), shape=(n_rows, len(cols.x)))
        A.sum_duplicates()
        A.eliminate_zeros()
        A.sort_indices()
    else:
        A = sp.csr_matrix((n_rows, len(cols.x)))
    setattr(m, name, LinearRows(index, A, _bounds(lower, n_rows), _bounds(upper, n_rows),
                                cols.x))


def objective_terms(m: pyo.ConcreteModel, table):
    """``sum(coef * var[idx])`` over a term table (or a list of them) whose ``row`` is
    ignored."""
    cols = columns(m)
    _, col, coef = _entries(cols, table)
    if not len(col):
        return 0.0
    return linear(coef, cols.pick(col))


def add_objective(m: pyo.ConcreteModel, table, name: str = "objective") -> None:
    """Add the minimised objective ``sum(coef * var[idx])`` of a term table (or a list of
    them), one term per
    variable (repeated terms added up), as an :class:`ArrayObjective`: the HiGHS translation
    (:mod:`borderflow.solvers.highs`) reads the costs from its arrays instead of walking an
    expression."""
    cols = columns(m)
    cost = np.zeros(len(cols.x))
    _, col, coef = _entries(cols, table)
    np.add.at(cost, col, coef)
    used = np.flatnonzero(cost)
    setattr(m, name, ArrayObjective(cols.x, used, cost[used]))
