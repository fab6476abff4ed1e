"""Put a :class:`~borderflow.uncertainty.changes.ModelChanges` into a kept HiGHS model.

:class:`WarmModel` wraps a :class:`~borderflow.solvers.highs.HighsSession` and its Pyomo model.
Bounds go through the session (HiGHS and Pyomo alike, only what changed is sent); objective
coefficients and matrix coefficients go to HiGHS only (``changeColsCost``, ``changeCoeff``),
remembering what was sent last so a sample costs what it changes. The Pyomo objective and rows
keep the dataset's values: report a sample from the solution and
:meth:`WarmEffects.updated_tables`, not from ``pyo.value(model.objective)``.

Everything goes through the session's public methods (``set_bounds``, ``set_costs``,
``set_coefficients``, ``rows_of``, ``columns_of``): the session keeps HiGHS's numbering.
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

    #: more coefficient changes than this at once go to HiGHS as one new matrix
    #: (:meth:`HighsSession.set_coefficients` with ``bulk=True``)
    bulk_threshold = HighsSession.bulk_threshold

    def __init__(self, session: HighsSession, model: pyo.ConcreteModel):
        self.session = session
        self.model = model
        self._coefs: dict[str, np.ndarray] = {}
        self._where: dict[str, tuple] = {}

    def _positions(self, name: str, terms) -> tuple[np.ndarray, np.ndarray]:
        """HiGHS rows and columns of a family's entries (looked up once per family)."""
        cached = self._where.get(name)
        if cached is not None and cached[0] is terms.row:
            return cached[1], cached[2]
        rows = self.session.rows_of(getattr(self.model, name))[terms.row]
        cols = np.empty(len(terms.row), dtype=np.int64)
        for var in np.unique(terms.var):
            mask = terms.var == var
            cols[mask] = self.session.columns_of(getattr(self.model, var))[terms.idx[mask]]
        self._where[name] = (terms.row, rows, cols)
        return rows, cols

    def apply(self, changes: ModelChanges) -> int:
        """Set every bound, cost and coefficient of ``changes``; returns how many entries
        changed (bounds, costs and coefficients together)."""
        session = self.session
        n = 0
        for name, (lo, up) in {**changes.rows, **changes.columns}.items():
            n += session.set_bounds(getattr(self.model, name), lo, up)
        for name, cost in changes.costs.items():
            n += session.set_costs(getattr(self.model, name), cost)
        bulk = []
        for name, terms in changes.coefficients.items():
            rows, cols = self._positions(name, terms)
            last = self._coefs.get(name)
            diff = np.flatnonzero((rows >= 0) & (cols >= 0) & (
                True if last is None else terms.coef != last))
            if len(diff) > self.bulk_threshold:
                bulk.append((rows[diff], cols[diff], terms.coef[diff]))
            else:
                session.set_coefficients(rows[diff], cols[diff], terms.coef[diff], bulk=False)
            self._coefs[name] = terms.coef
            n += len(diff)
        if bulk:  # one new matrix for every family with many changes
            session.set_coefficients(*(np.concatenate(x) for x in zip(*bulk)), bulk=True)
        return n
