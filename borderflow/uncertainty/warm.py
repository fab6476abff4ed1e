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

    #: more coefficient changes than this at once go through :meth:`_pass_matrix`
    bulk_threshold = 2_000

    def __init__(self, session: HighsSession, model: pyo.ConcreteModel):
        self.session = session
        self.model = model
        self._costs: dict[str, np.ndarray] = {}
        self._coefs: dict[str, np.ndarray] = {}
        self._where: dict[str, tuple] = {}
        self._entry_keys: np.ndarray | None = None
        self._entry_order: np.ndarray | None = None

    def _rows(self, comp) -> np.ndarray:
        return self.session._component_state(comp, "row")[0]  # see the module docstring

    def _positions(self, name: str, terms) -> tuple[np.ndarray, np.ndarray]:
        """HiGHS rows and columns of a family's entries (looked up once per family)."""
        cached = self._where.get(name)
        if cached is not None and cached[0] is terms.row:
            return cached[1], cached[2]
        rows = self._rows(getattr(self.model, name))[terms.row]
        cols = np.empty(len(terms.row), dtype=np.int64)
        for var in np.unique(terms.var):
            mask = terms.var == var
            cols[mask] = self.session.columns_of(getattr(self.model, var))[terms.idx[mask]]
        self._where[name] = (terms.row, rows, cols)
        return rows, cols

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
        bulk = []
        for name, terms in changes.coefficients.items():
            rows, cols = self._positions(name, terms)
            last = self._coefs.get(name)
            diff = np.flatnonzero((rows >= 0) & (cols >= 0) & (
                True if last is None else terms.coef != last))
            if len(diff) > self.bulk_threshold:
                bulk.append((rows[diff], cols[diff], terms.coef[diff]))
            else:
                change = h.changeCoeff
                for r, c, v in zip(rows[diff].tolist(), cols[diff].tolist(),
                                   terms.coef[diff].tolist()):
                    change(r, c, v)
            self._coefs[name] = terms.coef
            n += len(diff)
        if bulk:
            self._pass_matrix(*(np.concatenate(x) for x in zip(*bulk)))
        return n

    def _pass_matrix(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        """Many coefficients at once: the LP is read back, its matrix values rewritten in place
        and passed again with the current basis (highspy has no batch ``changeCoeff``; one
        call per entry costs ~1 us, 0.14 s for the 1.5e5 payload entries of the base day)."""
        h = self.session.highs
        lp = h.getLp()
        basis = h.getBasis()
        start = np.asarray(lp.a_matrix_.start_, dtype=np.int64)
        index = np.asarray(lp.a_matrix_.index_, dtype=np.int64)
        value = np.array(lp.a_matrix_.value_, dtype=float)
        if self._entry_keys is None:
            col_of = np.repeat(np.arange(len(start) - 1), np.diff(start))
            keys = col_of * lp.num_row_ + index
            self._entry_order = np.argsort(keys, kind="stable")
            self._entry_keys = keys[self._entry_order]
        want = cols * lp.num_row_ + rows
        at = np.searchsorted(self._entry_keys, want)
        if np.any(at >= len(self._entry_keys)) or np.any(self._entry_keys[
                np.minimum(at, len(self._entry_keys) - 1)] != want):
            raise RuntimeError("a payload coefficient is not in the kept model's matrix")
        value[self._entry_order[at]] = values
        lp.a_matrix_.value_ = value
        h.passModel(lp)
        if basis.valid:
            h.setBasis(basis)

    def _initial_costs(self, cols: np.ndarray) -> np.ndarray:
        lp_cost = np.asarray(self.session.highs.getLp().col_cost_, dtype=float)
        return np.where(cols >= 0, lp_cost[np.maximum(cols, 0)], np.nan)
