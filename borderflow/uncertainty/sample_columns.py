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
bounds and taken out likewise, its dual read by the pricer; so is a gate-entry row HiGHS does
not hold, and a congestion link row the kept model lacks (a product at a gate no kept route
loads it at) comes with its tier columns and tier rows as a fresh build has them
(:mod:`borderflow.uncertainty.sample_gates`). A column that needs another missing row (a
destination-share row the kept model lacks) is not added, and the sample then stays
``restricted`` with its gap bound.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderflow.model.column_generation import _route_id, with_columns
from borderflow.model.formulation import CROSS_KEYS, BuiltModel
from borderflow.model.indices import (crossing_use, deliveries, empty_returns, flow_table,
                                      share_table)
from borderflow.model.congestion import LINK_KEYS
from borderflow.model.levers import entry_terms
from borderflow.model.licences import route_licences
from borderflow.model.network import DIRECTIONS, FreightNetwork
from borderflow.model.routes import RouteSet

from .changes import WarmEffects
from .sample_gates import add_links


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
ADDABLE = ("crossing_capacity", "priority_share", "market_demand", "gate_entry_limit")


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
    # (family, family rows, flows f, coefficients, keys of the rows)
    entries = [("supply_balance", ix.supply_row(flows), flows["f"].to_numpy(), 1.0, None)]
    use = crossing_use(net, sub, flows, ix.queues.iloc[0:0])
    back = empty_returns(use, effects.param(arr, "empty_return_share"), ix.empty_return_days,
                         ix.n_periods)
    both = pd.concat([use, back], ignore_index=True)
    entries.append(("crossing_capacity", ix.capacity_row(both), both["idx"].to_numpy(),
                    both["trucks_per_t"].to_numpy(), _keys(both)))
    non = use[~use["perishable"].astype(bool).to_numpy()]
    if len(non):
        entries.append(("priority_share", ix.priority_row(non) if len(ix.priority_rows) else
                        np.full(len(non), -1), non["idx"].to_numpy(),
                        non["trucks_per_t"].to_numpy(), _keys(non)))
    origin = flows["origin"].to_numpy()[use["idx"].to_numpy(dtype=np.int64)]
    entries += gate_entries(built, link_rows(built), use["idx"].to_numpy(), origin,
                            use["product_id"].to_numpy(), use["crossing_id"].to_numpy(),
                            use["direction"].to_numpy(), use["period"].to_numpy(),
                            use["trucks_per_t"].to_numpy())
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
    return _assemble(session, built, effects, arr, changes, extra, cost, entries)


class ColumnMaker:
    """:func:`column_entries` for one kept static model, fast: what does not depend on the
    sample is made once.

    Each priced route (origin, market, arcs) is turned into a route once (its id, the
    products it is eligible for and its crossings, by the rules of
    :func:`~borderflow.model.column_generation.with_columns`) and kept for later rounds and
    samples;
    the kept model's row keys are looked up in dictionaries. The flows, crossing uses, empty
    returns, deliveries and destination-share terms are then those of :func:`column_entries`
    (same order, same arithmetic), without a data frame per round; the tests check the two
    give the same entries.

    Parameters
    ----------
    built, net, routes, effects
        The kept model, its network and route set, and its :class:`WarmEffects`.
    rules
        The dataset's destination-share rules.
    """

    def __init__(self, built: BuiltModel, net: FreightNetwork, routes: RouteSet,
                 effects: WarmEffects, rules=None):
        if net.dated:
            raise ValueError("ColumnMaker prices static models only")
        self.built, self.net, self.routes, self.effects, self.rules = (built, net, routes,
                                                                       effects, rules)
        ix = built.index
        self._periods = sorted(net.supply_periods)
        self._n_use = len(net.periods)
        self._perishable = net.products["perishable"].astype(bool).to_dict()

        def rows(table: pd.DataFrame, keys: list[str]) -> dict:
            return {k: i for i, k in enumerate(table[keys].itertuples(index=False, name=None))}

        self._supply = rows(ix.unserved, ["origin", "product_id", "period"])
        self._capacity = rows(ix.capacity_rows, CROSS_KEYS)
        self._priority = rows(ix.priority_rows, CROSS_KEYS) if len(ix.priority_rows) else None
        self._demand = rows(ix.demand_rows, ["market", "product_id", "period"])
        self._share = {(r, s): i for i, (r, s) in enumerate(zip(ix.share_rows["rule_id"],
                                                                 ix.share_rows["side"]))}
        self._flip = {DIRECTIONS[0]: DIRECTIONS[1], DIRECTIONS[1]: DIRECTIONS[0]}
        self._links = link_rows(built)
        self._made: dict = {}
        arcs = net.arcs
        self._arc = pd.Index(arcs["arc_id"])
        self._is_x = (arcs["kind"] == "crossing").to_numpy()
        self._element = arcs["element_id"].to_numpy()
        self._direction = arcs["direction"].to_numpy()
        self._travel = arcs["travel_h"].to_numpy(dtype=float)
        self._licences = route_licences(net.tables.crossings, net.scenario)
        supply = net.tables.supply
        self._supplied = supply.groupby("node_id", sort=False)["product_id"].agg(list).to_dict()
        self._buyers = net.tables.markets.groupby("product_id")["node_id"].apply(set).to_dict()
        self._shelf = net.products["shelf_life_h"].astype(float).to_dict()

    def _route(self, origin: str, market: str, arcs: tuple) -> tuple:
        """``(route_id, market, eligible products, crossings (id, direction) in order)`` of a
        priced route (made once), by the rules of :func:`~borderflow.model.column_generation.
        with_columns`: its route id, and the products supplied at ``origin`` that ``market``
        buys, licensed (on some day) at each crossing and within their shelf life."""
        key = (origin, market, arcs)
        if key not in self._made:
            at = self._arc.get_indexer(list(arcs))
            is_x = self._is_x[at]
            x_arcs = [a for a, x in zip(arcs, is_x) if x]
            elements = self._element[at[is_x]]
            travel = float(pd.Series(self._travel[at]).sum())  # as with_columns sums it
            ok = frozenset(
                p for p in self._supplied.get(origin, ())
                if market in self._buyers.get(p, ())
                and all(self._licences[c] is None or p in self._licences[c] for c in elements)
                and travel <= self._shelf[p] + 1e-9)
            self._made[key] = (_route_id(origin, market, arcs, x_arcs), market, ok,
                               tuple(zip(elements, self._direction[at[is_x]])))
        return self._made[key]

    def entries(self, session, arr: dict, found: pd.DataFrame, changes, extra: dict
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:func:`column_entries` of the routes ``found`` (same arguments and result)."""
        empty = (np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        if found.empty:
            return empty
        cost_of, route_of = {}, {}
        for o, m, a, p, c in zip(found["origin"], found["market"], found["arcs"],
                                 found["product_id"], found["cost_usd_per_t"]):
            rid, mk, ok, cross = self._route(o, m, tuple(a))
            if p in ok:
                cost_of[(rid, p)] = c
                route_of[rid] = (o, mk, cross)
        if not cost_of:
            return empty
        e, ix = self.effects, self.built.index
        payload = e.element_costs(arr)["payload"]
        price_of = arr[("markets", "price_usd_per_t")]
        markets = e.rows_of["markets"]
        share = e.param(arr, "empty_return_share")
        flows, cost = [], []
        use = []  # (f, crossing, direction, period, trucks per t, perishable, origin, product)
        for p, rid in sorted((p, r) for r, p in cost_of):
            o, mk, cross = route_of[rid]
            t_per = 1.0 / payload[e.product_ix[p]]
            for t in self._periods:
                f = len(flows)
                flows.append((f, o, p, mk, t))
                cost.append(cost_of[(rid, p)] - price_of[markets[f"{mk}|{p}"]])
                if t < self._n_use:
                    use += [(f, c, d, t, t_per, self._perishable[p], o, p) for c, d in cross]
        back = [(f, c, self._flip[d], t + ix.empty_return_days, x * share, per)
                for f, c, d, t, x, per, _, _ in use
                if t + ix.empty_return_days < ix.n_periods] if share > 0 else []
        both = use + back
        entries = [("supply_balance", [self._supply.get((k[1], k[2], k[4]), -1) for k in flows],
                    [k[0] for k in flows], 1.0, None),
                   ("crossing_capacity", [self._capacity.get(u[1:4], -1) for u in both],
                    [u[0] for u in both], [u[4] for u in both], [u[1:4] for u in both])]
        non = [u for u in use if not u[5]]
        if non:
            entries.append(("priority_share", [-1 if self._priority is None else
                                               self._priority.get(u[1:4], -1) for u in non],
                            [u[0] for u in non], [u[4] for u in non], [u[1:4] for u in non]))
        entries += gate_entries(self.built, self._links, *(np.array([u[i] for u in use])
                                                           for i in (0, 6, 7, 1, 2, 3, 4)))
        entries.append(("market_demand", [self._demand.get((k[3], k[2], k[4]), -1)
                                          for k in flows], [k[0] for k in flows], 1.0, None))
        frame = pd.DataFrame(flows, columns=["f", "origin", "product_id", "market", "period"])
        share_rows, share_terms = share_table(self.net, frame, self.rules)
        if len(share_terms):
            local = np.array([self._share.get((r, s), -1) for r, s in
                              zip(share_rows["rule_id"], share_rows["side"])])
            entries.append(("destination_share", local[share_terms["row"].to_numpy()],
                            share_terms["f"].to_numpy(), share_terms["coef"].to_numpy(), None))
        return _assemble(session, self.built, e, arr, changes, extra, np.array(cost), entries)


def link_rows(built: BuiltModel) -> dict | None:
    """``(crossing_id, direction, period, product_id) -> congestion_link row`` of a kept model
    with congestion tiers (None: without)."""
    ci = built.congestion
    if ci is None:
        return None
    return dict(zip(ci.links[LINK_KEYS].itertuples(index=False, name=None),
                    ci.links["l"].tolist()))


def gate_entries(built: BuiltModel, links: dict | None, f, origin, product, crossing,
                 direction, period, trucks_per_t) -> list:
    """Entries of new columns' loaded crossings (one per element of the arrays: column ``f``,
    its origin and product, the gate, direction and day, trucks per t) in the kept model's
    ``congestion_link`` rows (a gate-day-product the model has no link row for: row -1, added
    for the sample with its tier columns, :func:`_assemble`,
    :mod:`borderflow.uncertainty.sample_gates`) and ``gate_entry_limit`` rows (slot quotas,
    holds, licences: :func:`borderflow.model.levers.entry_terms`, counted on the day of
    dispatch in a static model; a row HiGHS does not hold is appended, :data:`ADDABLE`)."""
    out = []
    if len(f) == 0:
        return out
    if links is not None:
        keys = list(zip(crossing, direction, period, product))
        out.append(("congestion_link", [links.get(k, -1) for k in keys], f, trucks_per_t,
                    keys))
    rows = built.entry_rows
    if rows is not None and len(rows) and hasattr(built.model, "gate_entry_limit"):
        reach = pd.DataFrame({"f": f, "origin": origin, "crossing_id": crossing,
                              "direction": direction, "dispatch": period, "reach": period,
                              "trucks_per_t": trucks_per_t, "product_id": product})
        t = entry_terms(rows, reach)
        if len(t):
            out.append(("gate_entry_limit", t["row"].to_numpy(dtype=np.int64),
                        t["f"].to_numpy(dtype=np.int64), t["coef"].to_numpy(dtype=float),
                        None))
    return out


def _keys(use: pd.DataFrame) -> list:
    """``(crossing_id, direction, period)`` of each crossing-use row."""
    return list(use[CROSS_KEYS].itertuples(index=False, name=None))


def _assemble(session, built: BuiltModel, effects: WarmEffects, arr: dict, changes,
              extra: dict, cost: np.ndarray, entries: list
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """HiGHS entries of new columns (objective ``cost``) from ``entries``: per row family
    ``(family, family rows, column f, coefficients, keys of the rows or None)``; a column
    that needs a row HiGHS lacks and cannot take (see :func:`column_entries`) is dropped."""
    rows, cols, values = [], [], []
    missing = np.zeros(len(cost), dtype=bool)
    links = None
    for family, fam_rows, f, coef, keys in entries:
        fam_rows = np.asarray(fam_rows, dtype=np.int64)
        f = np.asarray(f, dtype=np.int64)
        coef = np.broadcast_to(np.asarray(coef, dtype=float), fam_rows.shape)
        at = session.rows_of(getattr(built.model, family))
        h = np.where(fam_rows >= 0, at[np.maximum(fam_rows, 0)] if len(at) else -1, -1)
        if family == "congestion_link":  # after the others: only columns that are added
            links = (h, f, coef, keys)
            continue
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
    tiers = (np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if links is not None:
        h, f, coef, keys = links
        new = np.flatnonzero((h < 0) & ~missing[f])
        known = [j for j in new if ("congestion_link", keys[j]) in extra]
        h = h.copy()
        h[known] = [extra[("congestion_link", keys[j])] for j in known]
        todo = [keys[j] for j in new if h[j] < 0]
        if todo:
            at, tiers = add_links(session, built, effects, arr, changes, extra, todo,
                                  int((~missing).sum()))
            h[new] = [at.get(keys[j], h[j]) for j in new]
        ok = h >= 0
        rows.append(h[ok])
        cols.append(f[ok])
        values.append(coef[ok])
    rows, cols, values = (np.concatenate(x) for x in (rows, cols, values))
    keep = ~missing
    renumber = np.cumsum(keep) - 1
    ok = keep[cols]
    return (np.concatenate([cost[keep], tiers[0]]),
            np.concatenate([rows[ok], tiers[1]]),
            np.concatenate([renumber[cols[ok]], tiers[2]]),
            np.concatenate([values[ok], tiers[3]]))


def _added_rows(session, family: str, fam_rows: np.ndarray, h: np.ndarray,
                keys: list | None, effects: WarmEffects, arr: dict, changes,
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
        key = (family, int(r)) if keys is None else (family, keys[j])
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
        return float(changes.rows[family][1][row]) if family in changes.rows else None
    if family == "market_demand" or (family == "priority_share"
                                     and (prio is None or key not in prio.index)):
        return None
    cap = effects.capacity_at(arr, key)
    return cap if family == "crossing_capacity" else (1.0 - float(prio.loc[key])) * cap


__all__ = ["ADDABLE", "ColumnMaker", "column_entries", "gate_entries", "link_rows"]
