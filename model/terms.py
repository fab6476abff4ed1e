"""Linear rows from tidy term tables: the one place Pyomo constraints are assembled.

A constraint family is described as data, a *term table* with columns ``row`` (the family's row
index), ``var`` (a Pyomo variable component name), ``idx`` (its index) and ``coef``, plus
per-row ``lower``/``upper`` bounds. :func:`add_rows` turns that into one indexed Pyomo
``Constraint`` of ``LinearExpression`` rows. Families build their terms with pandas joins, so the
model's size and build time grow linearly with its terms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

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


def add_rows(m: pyo.ConcreteModel, name: str, n_rows: int, table: pd.DataFrame,
             lower=None, upper=None) -> None:
    """Add the indexed constraint ``m.<name>[r]: lower[r] <= sum(terms of r) <= upper[r]``.

    Parameters
    ----------
    m : ConcreteModel
    name : str
        Component name (the constraint family).
    n_rows : int
        Number of rows; every row must have at least one term.
    table : DataFrame
        Term table (``row, var, idx, coef``).
    lower, upper : array-like or None
        Row bounds (``None`` or ``nan`` entries = unbounded); equal bounds make an equality.
    """
    setattr(m, f"{name}_index", index_set(n_rows))
    if not n_rows:
        setattr(m, name, pyo.Constraint(getattr(m, f"{name}_index")))
        return
    table = table.sort_values(["row", "var", "idx"], kind="stable")
    rows = table["row"].to_numpy()
    starts = np.searchsorted(rows, np.arange(n_rows + 1))
    comps = {v: getattr(m, v) for v in table["var"].unique()}
    var_col, idx_col, coef_col = (table["var"].to_numpy(), table["idx"].to_numpy(),
                                  table["coef"].to_numpy())
    lo = np.full(n_rows, np.nan) if lower is None else np.asarray(lower, dtype=float)
    up = np.full(n_rows, np.nan) if upper is None else np.asarray(upper, dtype=float)

    def rule(_, r):
        a, b = starts[r], starts[r + 1]
        if a == b:
            return pyo.Constraint.Skip
        expr = linear(coef_col[a:b], [comps[v][int(i)] for v, i in
                                      zip(var_col[a:b], idx_col[a:b])])
        if not np.isnan(lo[r]) and lo[r] == up[r]:
            return expr == float(lo[r])
        return (None if np.isnan(lo[r]) else float(lo[r]), expr,
                None if np.isnan(up[r]) else float(up[r]))

    setattr(m, name, pyo.Constraint(getattr(m, f"{name}_index"), rule=rule))


def objective_terms(m: pyo.ConcreteModel, table: pd.DataFrame):
    """``sum(coef * var[idx])`` over a term table whose ``row`` is ignored."""
    if table.empty:
        return 0.0
    return linear(table["coef"].to_numpy(), [getattr(m, v)[int(i)] for v, i in
                                             zip(table["var"].to_numpy(), table["idx"].to_numpy())])
