"""A model's simplex basis by key, carried to the model rebuilt over more routes.

Column generation (:mod:`borderflow.model.column_generation`) rebuilds the path LP over a
larger route set after each pricing round and solves it again from the last optimal basis:
every variable and row keeps its HiGHS basis status, matched by its key in the index tables
(route, product, day; crossing, direction, day; ...), new route columns start nonbasic at 0 and
new rows basic, so the start is primal feasible. :func:`keyed_basis` reads the basis by key
(holding no reference to the model, which can then be freed), :meth:`KeyedBasis.apply` sets it
on the new model; :func:`carry_basis` does both.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd

from .formulation import BuiltModel

__all__ = ["KeyedBasis", "carry_basis", "keyed_basis"]


#: (component, index table, keys) of the model's variables and rows, for carrying a basis to
#: a model rebuilt over more routes; dated queue components are keyed by their stream's route
#: (``queues+``, ``initial+``: :func:`_keyed`), since stream numbers change with the routes
_STREAM_DAY = ["route_id", "product_id", "period"]
_COLUMNS = (("route_flow", "flows", ["route_id", "product_id", "period"]),
            ("unserved", "unserved", ["origin", "product_id", "period"]),
            ("queue", "queues+", _STREAM_DAY), ("departures", "queues+", _STREAM_DAY),
            ("expired", "queues+", _STREAM_DAY),
            ("initial_queue", "initial+", ["j", "route_id", "product_id"]))
_ROWS = (("supply_balance", "unserved", ["origin", "product_id", "period"]),
         ("crossing_capacity", "capacity_rows", ["crossing_id", "direction", "period"]),
         ("priority_share", "priority_rows", ["crossing_id", "direction", "period"]),
         ("market_demand", "demand_rows", ["market", "product_id", "period"]),
         ("destination_share", "share_rows", ["rule_id", "side", "period"]),
         ("queue_balance", "queues+", _STREAM_DAY), ("queue_age", "queues+", _STREAM_DAY),
         ("queue_expiry", "queues+", _STREAM_DAY),
         ("initial_queue_total", "entries+", ["j"]))


def _keyed(ix, table: str) -> pd.DataFrame:
    """The index table ``table`` of ``ix`` in component order; ``queues+`` and ``initial+``
    with their stream's route_id (and product_id), ``entries+`` one row per initial-queue
    entry ``j``."""
    if table == "entries+":
        return pd.DataFrame({"j": np.unique(ix.initial["j"].to_numpy())}) if len(ix.initial) \
            else pd.DataFrame({"j": []})
    if table.endswith("+"):
        base = ix.queues if table == "queues+" else ix.initial
        if not len(base):
            return base
        cols = ["k", "route_id"] + (["product_id"] if "product_id" not in base else [])
        return base.merge(ix.streams[cols], on="k", how="left")
    return getattr(ix, table)


#: HiGHS basis status by its integer value (a list look-up instead of an enum call per entry)
_STATUS_OF = {int(v): v for v in highspy.HighsBasisStatus.__members__.values()}


class _KeyTables:
    """The keyed index tables of one model (:func:`_keyed`) and their key MultiIndexes, each
    made once: the queue components share one stream merge and one index."""

    def __init__(self, ix):
        self._ix = ix
        self._tables: dict = {}
        self._indexes: dict = {}

    def table(self, table: str) -> pd.DataFrame:
        """:func:`_keyed` of ``table``."""
        if table not in self._tables:
            self._tables[table] = _keyed(self._ix, table)
        return self._tables[table]

    def size(self, table: str) -> int:
        """Rows of ``table``."""
        return len(self.table(table))

    def index(self, table: str, keys: list[str]) -> pd.MultiIndex:
        """``table``'s ``keys`` as a MultiIndex (component order)."""
        at = (table, tuple(keys))
        if at not in self._indexes:
            self._indexes[at] = pd.MultiIndex.from_frame(self.table(table)[keys])
        return self._indexes[at]


def carry_basis(old_session, old: BuiltModel, new_session, new: BuiltModel) -> bool:
    """Start ``new`` (the model rebuilt over more routes) from ``old``'s optimal basis: every
    variable and row keeps its status (matched by key), new route columns are nonbasic at 0
    and new rows basic. That basis is primal feasible (the new columns are 0), so the next
    solve continues from the last optimum instead of starting cold.

    :func:`keyed_basis` then :meth:`KeyedBasis.apply`; call those two apart to drop the old
    model before the new one is built.

    Returns
    -------
    bool
        False (nothing set) if ``old`` has no valid basis.
    """
    keyed = keyed_basis(old_session, old)
    return keyed is not None and keyed.apply(new_session, new)


@dataclass
class KeyedBasis:
    """A model's basis by key (:func:`keyed_basis`): per variable and row component of
    :data:`_COLUMNS` and :data:`_ROWS` that the model has, its index keys (a MultiIndex in
    component order) and each index's HiGHS basis status (-1: not in the LP). It holds no
    reference to the model, so the model can be freed before the one it starts is built."""

    columns: dict  # component -> (keys: pd.MultiIndex, status: int array)
    rows: dict

    def apply(self, session, built: BuiltModel) -> bool:
        """Set this basis on ``session`` (the model ``built`` over more routes): matched keys
        keep their status, other columns are nonbasic at their lower bound, other rows basic.

        Returns
        -------
        bool
            True (the basis was set).
        """
        lower = int(highspy.HighsBasisStatus.kLower)
        basic = int(highspy.HighsBasisStatus.kBasic)
        col = np.full(session.highs.getNumCol(), lower, dtype=np.int64)
        row = np.full(session.highs.getNumRow(), basic, dtype=np.int64)
        keyed = _KeyTables(built.index)
        for specs, where, kept, out in ((_COLUMNS, "columns_of", self.columns, col),
                                        (_ROWS, "rows_of", self.rows, row)):
            for comp, table, keys in specs:
                if comp not in kept or not hasattr(built.model, comp):
                    continue
                at_new = getattr(session, where)(getattr(built.model, comp))
                old_keys, old_status = kept[comp]
                if not len(old_keys) or not keyed.size(table):
                    continue
                pos = old_keys.get_indexer(keyed.index(table, keys))
                ok = (pos >= 0) & (at_new >= 0)
                ok[ok] &= old_status[pos[ok]] >= 0
                out[at_new[ok]] = old_status[pos[ok]]
        carried = highspy.HighsBasis()
        status = _STATUS_OF
        carried.col_status = [status[x] for x in col.tolist()]
        carried.row_status = [status[x] for x in row.tolist()]
        carried.valid = True
        session.highs.setBasis(carried)
        return True


def keyed_basis(session, built: BuiltModel) -> KeyedBasis | None:
    """``session``'s current basis by key, for :meth:`KeyedBasis.apply` on a model rebuilt
    over more routes (``None`` if HiGHS has no valid basis).

    Parameters
    ----------
    session : HighsSession
        The solved session of ``built``.
    built : BuiltModel

    Returns
    -------
    KeyedBasis or None
    """
    basis = session.basis()
    if basis is None:
        return None
    kept = {}
    keyed = _KeyTables(built.index)
    for specs, where, statuses in ((_COLUMNS, "columns_of", basis.col_status),
                                   (_ROWS, "rows_of", basis.row_status)):
        status = np.fromiter(map(int, statuses), dtype=np.int64, count=len(statuses))
        part = kept.setdefault(where, {})
        for comp, table, keys in specs:
            if not hasattr(built.model, comp):
                continue
            at = getattr(session, where)(getattr(built.model, comp))
            if not keyed.size(table):
                part[comp] = (pd.MultiIndex.from_arrays([[]] * len(keys), names=keys),
                              np.zeros(0, dtype=np.int64))
                continue
            part[comp] = (keyed.index(table, keys),
                          np.where(at >= 0, status[np.maximum(at, 0)], -1))
    return KeyedBasis(columns=kept["columns_of"], rows=kept["rows_of"])
