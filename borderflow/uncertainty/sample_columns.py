"""A sample's own columns: routes that price out under one sample, added to the kept HiGHS model.

When a sample's pricing (:class:`~borderflow.uncertainty.sample_pricing.SamplePricer`) finds
routes of negative reduced cost, :func:`column_entries` turns them into HiGHS columns with the
index functions the formulation itself uses (:func:`borderflow.model.column_generation.
with_columns` for the routes and their eligibility, :func:`borderflow.model.indices.flow_table`,
:func:`~borderflow.model.indices.crossing_use`, :func:`~borderflow.model.indices.empty_returns`,
:func:`~borderflow.model.indices.deliveries`, :func:`~borderflow.model.indices.share_table`,
and the kept model's row lookups), at the sample's numbers: cost per tonne as pricing computed
it (the model's generalized cost, checked at the point) minus the sample's market price,
``1/payload`` (and ``share/payload`` for returning empties) in the capacity and priority rows,
1 in the supply and demand rows, ``[market in region] - share`` in destination-share rows.

They are appended to HiGHS only (:meth:`HighsSession.add_columns`) and removed after the sample
(:meth:`HighsSession.drop_columns_from`): every sample starts from the same kept model and
basis, so results do not depend on sample order, chunking or workers. A capacity, priority or
demand row that no kept route enters (so HiGHS does not hold it) is appended with the sample's
bounds and taken out likewise, its dual read by the pricer; a column that needs another missing
row (a destination-share row the kept model lacks) is not added, and the sample then stays
``restricted`` with its gap bound.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderflow.model.column_generation import with_columns
from borderflow.model.formulation import CROSS_KEYS, BuiltModel
from borderflow.model.indices import (crossing_use, deliveries, empty_returns, flow_table,
                                      share_table)
from borderflow.model.network import FreightNetwork
from borderflow.model.routes import RouteSet

from .changes import WarmEffects


def _new_pairs(net: FreightNetwork, routes: RouteSet, found: pd.DataFrame
               ) -> tuple[RouteSet, pd.DataFrame]:
    """The priced routes as a route set of their own (only the priced products eligible),
    and ``found`` with each column's ``route_id``.

    (A priced route is never one of ``routes``' with the same product: those columns are in
    the model, where the optimum's reduced costs are non-negative; so the routes are made on an
    empty set, which is fast.)"""
    none = RouteSet(routes=routes.routes.iloc[0:0], route_arcs=routes.route_arcs.iloc[0:0],
                    eligible=routes.eligible.iloc[0:0], stats={})
    grown = with_columns(net, none, found[["origin", "market", "arcs"]])
    arcs = grown.route_arcs
    by_path = {tuple(g.sort_values("seq")["arc_id"]): r for r, g in arcs.groupby("route_id")}
    found = found.assign(route_id=[by_path.get(tuple(a)) for a in found["arcs"]])
    found = found.dropna(subset=["route_id"])
    pairs = set(zip(found["route_id"], found["product_id"]))
    eligible = grown.eligible[[(r, p) in pairs for r, p in
                               zip(grown.eligible["route_id"], grown.eligible["product_id"])]]
    sub = RouteSet(routes=grown.routes, route_arcs=arcs, eligible=eligible.reset_index(
        drop=True), stats={})
    return sub, found


#: row families whose rows a sample's columns may add to HiGHS (rows of the kept model that no
#: kept column enters, so HiGHS does not hold them), and the bounds they take from the sample
ADDABLE = ("crossing_capacity", "priority_share", "market_demand")


def column_entries(session, built: BuiltModel, net: FreightNetwork, routes: RouteSet,
                   effects: WarmEffects, arr: dict, found: pd.DataFrame, changes,
                   extra: dict, rules=None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """HiGHS columns of the routes ``found`` (a pricing pass's ``columns``) at the numbers
    ``arr`` (:meth:`WarmEffects.arrays`) and bounds ``changes`` (:class:`ModelChanges`).

    A capacity, priority or demand row of the kept model that HiGHS does not hold (no kept
    column enters it) is appended to HiGHS with the sample's bounds
    (:meth:`HighsSession.add_rows`) and recorded in ``extra`` (``(family, row) -> HiGHS
    row``, shared over a sample's rounds: the pricer reads their duals from it). ``rules``:
    the dataset's destination-share rules (read once by the caller).

    Returns
    -------
    (cost, rows, cols, values)
        Objective coefficient per new column (USD/t) and the matrix entries (HiGHS row, new
        column, coefficient), for :meth:`HighsSession.add_columns`; empty when no column can
        be added.
    """
    empty = (np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if found.empty:
        return empty
    sub, found = _new_pairs(net, routes, found)
    if sub.eligible.empty:
        return empty
    ix = built.index
    flows = flow_table(net, sub)
    payload = effects.element_costs(arr)["payload"]
    product = flows["product_id"].map(effects.product_ix).to_numpy(dtype=np.int64)
    flows["payload_t_per_truck"] = payload[product]
    price = arr[("markets", "price_usd_per_t")][
        [effects.rows_of["markets"][f"{m}|{p}"] for m, p in zip(flows["market"],
                                                               flows["product_id"])]]
    cost_of = dict(zip(zip(found["route_id"], found["product_id"]), found["cost_usd_per_t"]))
    cost = np.array([cost_of[k] for k in zip(flows["route_id"], flows["product_id"])]) - price
    m = built.model
    # (family, family rows, flows f, coefficients, keys of the rows)
    entries = [("supply_balance", ix.supply_row(flows), flows["f"].to_numpy(), 1.0, None)]
    use = crossing_use(net, sub, flows, ix.queues.iloc[0:0])
    back = empty_returns(use, effects.param(arr, "empty_return_share"), ix.empty_return_days,
                         ix.n_periods)
    both = pd.concat([use, back], ignore_index=True)
    entries.append(("crossing_capacity", ix.capacity_row(both), both["idx"].to_numpy(),
                    both["trucks_per_t"].to_numpy(), both[CROSS_KEYS]))
    non = use[~use["perishable"].astype(bool).to_numpy()]
    if len(non):
        entries.append(("priority_share", ix.priority_row(non) if len(ix.priority_rows) else
                        np.full(len(non), -1), non["idx"].to_numpy(),
                        non["trucks_per_t"].to_numpy(), non[CROSS_KEYS]))
    d = deliveries(flows, ix.streams, ix.queues.iloc[0:0], False)
    entries.append(("market_demand", ix.demand_row(d), d["idx"].to_numpy(), 1.0, None))
    share_rows, share_terms = share_table(net, flows, rules)
    if len(share_terms):
        known = {(r, s): i for i, (r, s) in enumerate(zip(ix.share_rows["rule_id"],
                                                          ix.share_rows["side"]))}
        local = np.array([known.get((r, s), -1) for r, s in zip(share_rows["rule_id"],
                                                               share_rows["side"])])
        entries.append(("destination_share", local[share_terms["row"].to_numpy()],
                        share_terms["f"].to_numpy(), share_terms["coef"].to_numpy(), None))
    rows, cols, values = [], [], []
    missing = np.zeros(len(flows), dtype=bool)
    for family, fam_rows, f, coef, keys in entries:
        fam_rows = np.asarray(fam_rows, dtype=np.int64)
        f = np.asarray(f, dtype=np.int64)
        coef = np.broadcast_to(np.asarray(coef, dtype=float), fam_rows.shape)
        at = session.rows_of(getattr(m, family))
        h = np.where(fam_rows >= 0, at[np.maximum(fam_rows, 0)] if len(at) else -1, -1)
        if family in ADDABLE:
            h = _added_rows(session, family, fam_rows, h, keys, effects, arr, changes, extra)
        lacking = h < 0
        if family == "market_demand":  # a market without a demand row has no cap
            lacking_needed = lacking & (fam_rows >= 0)
        elif family == "priority_share":  # a gate without a priority rule has no such row
            lacking_needed = np.zeros(len(h), dtype=bool)
        else:
            lacking_needed = lacking
        missing[f[lacking_needed]] = True
        rows.append(h[~lacking])
        cols.append(f[~lacking])
        values.append(coef[~lacking])
    rows, cols, values = (np.concatenate(x) for x in (rows, cols, values))
    keep = ~missing
    renumber = np.cumsum(keep) - 1
    ok = keep[cols]
    return cost[keep], rows[ok], renumber[cols[ok]], values[ok]


def _added_rows(session, family: str, fam_rows: np.ndarray, h: np.ndarray,
                keys: pd.DataFrame | None, effects: WarmEffects, arr: dict, changes,
                extra: dict) -> np.ndarray:
    """``h`` with the rows HiGHS lacks appended to it (see :func:`column_entries`): a row of
    the family not in HiGHS takes the sample's bound from ``changes``; a crossing-day the kept
    model has no row for takes :meth:`WarmEffects.capacity_at` (and a priority rule's
    ``(1 - share)`` of it). Keys in ``extra``: ``(family, (crossing, direction, period))``
    or ``(family, row)`` for a demand row."""
    out = h.copy()
    todo: dict = {}
    prio = effects.net.priority.set_index(CROSS_KEYS)["perishable_share"] \
        if family == "priority_share" and len(effects.net.priority) else None
    for j, (r, x) in enumerate(zip(fam_rows, h)):
        if x >= 0:
            continue
        key = (family, int(r)) if keys is None else (family, tuple(keys.iloc[j]))
        if key not in extra and key not in todo:
            bound = _bound(family, int(r), key[1], effects, arr, changes, prio)
            if bound is None:
                continue
            todo[key] = bound
        out[j] = -2 - list(todo).index(key) if key in todo else extra[key]
    if todo:
        first = session.add_rows(np.full(len(todo), -np.inf), np.array(list(todo.values())))
        extra.update({k: first + i for i, k in enumerate(todo)})
        out = np.where(out <= -2, first + (-2 - out), out)
    return out


def _bound(family: str, row: int, key, effects: WarmEffects, arr: dict, changes, prio
           ) -> float | None:
    """The sample's upper bound of a row to append (None: no such row is needed)."""
    if row >= 0:
        return float(changes.rows[family][1][row])
    if family == "market_demand" or (family == "priority_share"
                                     and (prio is None or key not in prio.index)):
        return None
    cap = effects.capacity_at(arr, key)
    return cap if family == "crossing_capacity" else (1.0 - float(prio.loc[key])) * cap


__all__ = ["ADDABLE", "column_entries"]
