"""Put a :class:`~borderflow.uncertainty.changes.ModelChanges` into a kept HiGHS model.

:class:`WarmModel` wraps a :class:`~borderflow.solvers.highs.HighsSession` and its Pyomo model.
Bounds go through the session (HiGHS and Pyomo alike, only what changed is sent); objective
coefficients and matrix coefficients go to HiGHS only (``changeColsCost``, ``changeCoeff``),
remembering what was sent last so a sample costs what it changes. The Pyomo objective and rows
keep the dataset's values: report a sample from the solution and
:meth:`WarmEffects.updated_tables`, not from ``pyo.value(model.objective)``.

Integration note: HiGHS row numbers of a constraint family are read from the session's
component state until :class:`HighsSession` offers them (``rows_of``, like ``columns_of``).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from borderflow.solvers.highs import HighsSession

from .changes import ModelChanges


class WarmModel:
    """A kept model that takes one sample's changes after another.

    Parameters
    ----------
    session : HighsSession
        The kept HiGHS model.
    model : pyo.ConcreteModel
        Its Pyomo model (components are looked up by the names in :class:`ModelChanges`).
    """

    def __init__(self, session: HighsSession, model: pyo.ConcreteModel):
        self.session = session
        self.model = model
        self._costs: dict[str, np.ndarray] = {}
        self._coefs: dict[str, np.ndarray] = {}

    def _rows(self, comp) -> np.ndarray:
        return self.session._component_state(comp, "row")[0]  # see the module docstring

    def apply(self, changes: ModelChanges) -> int:
        """Set every bound, cost and coefficient of ``changes``; returns how many entries
        changed (bounds, costs and coefficients together)."""
        n = 0
        for name, (lo, up) in {**changes.rows, **changes.columns}.items():
            n += self.session.set_bounds(getattr(self.model, name), lo, up)
        h = self.session.highs
        for name, cost in changes.costs.items():
            cost = np.asarray(cost, dtype=float)
            cols = self.session.columns_of(getattr(self.model, name))
            last = self._costs.get(name)
            if last is None:
                last = self._initial_costs(cols)
            diff = np.flatnonzero((cost != last) & (cols >= 0))
            if len(diff):
                h.changeColsCost(len(diff), cols[diff].astype(np.int32), cost[diff].copy())
            self._costs[name] = cost.copy()
            n += len(diff)
        for name, terms in changes.coefficients.items():
            rows = self._rows(getattr(self.model, name))[terms["row"].to_numpy(dtype=np.int64)]
            cols = np.empty(len(terms), dtype=np.int64)
            for var in terms["var"].unique():
                mask = (terms["var"] == var).to_numpy()
                cols[mask] = self.session.columns_of(getattr(self.model, var))[
                    terms.loc[mask, "idx"].to_numpy(dtype=np.int64)]
            coef = terms["coef"].to_numpy(dtype=float)
            last = self._coefs.get(name)
            diff = np.arange(len(coef)) if last is None or len(last) != len(coef) else \
                np.flatnonzero(coef != last)
            for i in diff.tolist():
                if rows[i] >= 0 and cols[i] >= 0:
                    h.changeCoeff(int(rows[i]), int(cols[i]), float(coef[i]))
            self._coefs[name] = coef
            n += len(diff)
        return n

    def _initial_costs(self, cols: np.ndarray) -> np.ndarray:
        lp_cost = np.asarray(self.session.highs.getLp().col_cost_, dtype=float)
        return np.where(cols >= 0, lp_cost[np.maximum(cols, 0)], np.nan)
