"""A solution point (values per column, duals per row) by key, carried to a rebuilt model.

The companion of :mod:`borderflow.model.keyed_basis` for values instead of basis statuses:
the window-priced start (:mod:`borderflow.window_pricing`) rebuilds a dated model over the
routes its windows' duals price out, and the whole LP's crossover then starts from the
windows' point on the rebuilt model. Every column and row keeps its value, matched by the
same keys (route, product, day; crossing, direction, day; ...); new columns and rows get 0, so
the point stays primal feasible (a new route's flows and its stream's queue are 0 and the rows
they create hold at 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .formulation import BuiltModel
from .keyed_basis import _COLUMNS, _ROWS, _KeyTables

__all__ = ["KeyedPoint", "carried_components", "keyed_point"]


def carried_components(session, built: BuiltModel) -> bool:
    """True when every HiGHS column of ``session`` belongs to a component :func:`keyed_point`
    carries (no origin-stock or analyst's variables), so a carried point misses none."""
    n = 0
    for comp, _, _ in _COLUMNS:
        if hasattr(built.model, comp):
            n += int((session.columns_of(getattr(built.model, comp)) >= 0).sum())
    return n == session.highs.getNumCol()


@dataclass
class KeyedPoint:
    """Values by key (:func:`keyed_point`): per component, its index keys and the value of
    each index (NaN: not in the LP). No reference to the model is held."""

    columns: dict  # component -> (keys: pd.MultiIndex, values: float array)
    rows: dict

    def place(self, session, built: BuiltModel) -> tuple[np.ndarray, np.ndarray]:
        """``(values per HiGHS column, values per HiGHS row)`` of ``session`` (the model
        ``built`` over more routes): matched keys keep their value, the rest are 0."""
        col = np.zeros(session.highs.getNumCol())
        row = np.zeros(session.highs.getNumRow())
        keyed = _KeyTables(built.index)
        for specs, where, kept, out in ((_COLUMNS, "columns_of", self.columns, col),
                                        (_ROWS, "rows_of", self.rows, row)):
            for comp, table, keys in specs:
                if comp not in kept or not hasattr(built.model, comp) or \
                        not keyed.size(table) or not len(kept[comp][0]):
                    continue
                at_new = getattr(session, where)(getattr(built.model, comp))
                old_keys, old_values = kept[comp]
                pos = old_keys.get_indexer(keyed.index(table, keys))
                ok = (pos >= 0) & (at_new >= 0)
                ok[ok] &= ~np.isnan(old_values[pos[ok]])
                out[at_new[ok]] = old_values[pos[ok]]
        return col, row


def keyed_point(session, built: BuiltModel, col_values, row_values) -> KeyedPoint:
    """``col_values`` (per HiGHS column of ``session``) and ``row_values`` (per HiGHS row) by
    key, for :meth:`KeyedPoint.place` on a model rebuilt over more routes."""
    kept = {}
    keyed = _KeyTables(built.index)
    for specs, where, values in ((_COLUMNS, "columns_of", col_values),
                                 (_ROWS, "rows_of", row_values)):
        values = np.asarray(values, dtype=float)
        part = kept.setdefault(where, {})
        for comp, table, keys in specs:
            if not hasattr(built.model, comp) or not keyed.size(table):
                continue
            at = getattr(session, where)(getattr(built.model, comp))
            part[comp] = (keyed.index(table, keys),
                          np.where(at >= 0, values[np.maximum(at, 0)], np.nan))
    return KeyedPoint(columns=kept["columns_of"], rows=kept["rows_of"])
