"""The index tables of the LP: which variable and which row is which, looked up by name.

Every variable and constraint family of :func:`borderflow.model.formulation.build_model` is
indexed ``0 .. n-1``; one table per index set says what each index stands for, and lookups by
key replace position arithmetic:

================================ =============================== ===============================
table (one row per index)        variables / rows it indexes     look up by key
================================ =============================== ===============================
``flows`` (``f``)                ``route_flow``                  :meth:`IndexTables.flow_column`
                                                                 (route, product, dispatch day)
``unserved`` (``u``)             ``unserved``, ``supply_balance`` :meth:`IndexTables.supply_row`
                                                                 (origin, product, day)
``capacity_rows``                ``crossing_capacity``           :meth:`IndexTables.capacity_row`
                                                                 (crossing, direction, day)
``priority_rows``                ``priority_share``              :meth:`IndexTables.priority_row`
``demand_rows``                  ``market_demand``               :meth:`IndexTables.demand_row`
                                                                 (market, product, day)
``queues`` (``q``, dated)        ``queue``, ``departures``,      :meth:`IndexTables.queue_index`
                                 ``expired``; ``queue_balance``, (stream ``k``, day)
                                 ``queue_age``, ``queue_expiry``
``streams`` (``k``, dated)       a (route, product) that queues  (its gate, offsets, wait ``W_k``)
``initial`` (``i``, dated)       ``initial_queue``               (entry ``j``, stream ``k``)
``crossing_use``                 every variable that takes a     (var, idx, crossing, direction,
                                 crossing on a day                day)
``share_rows`` (with             ``destination_share``           (rule, side: low or high,
``share_terms``)                                                 dispatch day; 0 static)
================================ =============================== ===============================

(Over 500 lines: one job, the layout of every index set in one place, read by the
formulation, the results, the size estimate and the warm paths; the share table's builder
grew with its array form in session 19, and splitting it off would put half of one index set's
layout in another module.)

:func:`index_tables` makes them all at once from a network and a route set, before any Pyomo
object exists; the formulation, the result tables, the infeasibility report, sweeps' bound
updates and the uncertainty engine read them. (The independent verifier does not: it re-derives
everything from the result tables, so that a mistake here cannot hide itself; see
docs/architecture.md.) Column generation (issue 17) adds routes here: new rows of ``flows``
(and, dated, ``streams``/``queues``) are new columns of the kept model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd
from borderflow.data.destinations import share_rules

from .keys import expand_by_key, row_codes
from .network import DIRECTIONS, FreightNetwork
from .queues import arrivals, initial_allocations, queue_table, stream_table
from .routes import RouteSet
from .streams import aggregate_streams, aggregated_initial

#: keys of a crossing-day: capacity, priority and crossing-use rows
CROSS_KEYS = ["crossing_id", "direction", "period"]
#: keys of a route-flow column
FLOW_KEYS = ["route_id", "product_id", "period"]
#: keys of an origin's supply on a day: unserved columns and supply-balance rows
SUPPLY_KEYS = ["origin", "product_id", "period"]
#: keys of a market's demand on a day
DEMAND_KEYS = ["market", "product_id", "period"]


class KeyIndex:
    """Position of each key of a table (keys unique): ``rows(frame)`` gives, for each row of
    ``frame``, the position in the table of the row with the same key columns (-1: none).

    Keys are matched as integer codes: each key column of the table and of ``frame`` is
    factorised together (strings stay in pandas' arrays, no Python object per value), the
    codes of a row combined into one integer, and that looked up (NaN keys match NaN, as in
    a ``MultiIndex``)."""

    def __init__(self, table: pd.DataFrame, keys: list[str]):
        self.keys = list(keys)
        self._table = table[self.keys]
        if len(table) and not pd.Index(row_codes(self._table, None, self.keys)[0]).is_unique:
            raise ValueError(f"keys {self.keys} are not unique in the table")

    def rows(self, frame: pd.DataFrame) -> np.ndarray:
        """Positions of ``frame``'s keys (-1 where the table has no such key)."""
        if not len(frame) or not len(self._table):
            return np.full(len(frame), -1, dtype=np.int64)
        table, other = row_codes(self._table, frame, self.keys)
        return pd.Index(table).get_indexer(other).astype(np.int64)


class StreamDays:
    """``(stream k, day) -> q``: the queue index of a stream on a day (-1 outside the modelled
    days), read from the ``queues`` table into a dense grid (no layout assumed)."""

    def __init__(self, queues: pd.DataFrame, n_streams: int, n_periods: int):
        self.n_periods = n_periods
        self._grid = np.full((n_streams, n_periods), -1, dtype=np.int64)
        if len(queues):
            self._grid[queues["k"].to_numpy(dtype=np.int64),
                       queues["period"].to_numpy(dtype=np.int64)] = queues["q"].to_numpy()

    def __call__(self, k, period) -> np.ndarray:
        """Queue indices of streams ``k`` on days ``period`` (arrays broadcast; -1 where the
        day is outside ``0 .. n_periods - 1``)."""
        k, period = np.broadcast_arrays(np.asarray(k, dtype=np.int64),
                                        np.asarray(period, dtype=np.int64))
        n = self.n_periods
        if not n or not k.size:
            return np.full(k.shape, -1, dtype=np.int64)
        inside = (period >= 0) & (period < n)
        # one gather from the flat grid (days outside clipped, then masked): no boolean
        # selections of the inputs
        at = self._grid.ravel()[k * n + np.clip(period, 0, n - 1)]
        return np.where(inside, at, -1)


@dataclass(frozen=True, eq=False)
class IndexTables:
    """What every index of the LP stands for (see the module docstring).

    Attributes
    ----------
    n_periods : int
        Modelled days (a dated horizon's run-out tail included; 1 for a static run).
    dated : bool
        A day-by-day horizon (queues at the gates).
    flows : DataFrame
        ``route_flow[f]``: f, route_id, product_id, origin, market, period (dispatch day),
        duration_h, cost_usd_per_t, price_usd_per_t, payload_t_per_truck.
    unserved : DataFrame
        ``unserved[u]`` and ``supply_balance[u]``: origin, product_id, period, supply_t,
        penalty_usd_per_t, perishable.
    capacity_rows : DataFrame
        ``crossing_capacity[r]``: crossing_id, direction, period, capacity_trucks_per_day.
    demand_rows : DataFrame
        ``market_demand[r]``: market, product_id, period, demand_t.
    priority_rows : DataFrame
        ``priority_share[r]``: crossing_id, direction, period, limit_trucks_per_day.
    crossing_use : DataFrame
        Every variable that takes a crossing: var, idx, crossing_id, direction, period,
        trucks_per_t (1 / payload), product_id, perishable.
    streams, queues, initial : DataFrame
        Dated horizons: streams ``k`` (:func:`borderflow.model.queues.stream_table`), queue
        indices ``q`` (one per stream and day) and initial-queue allocations ``i``; empty for
        a static run.
    empty_return_share : float
        Share of loaded trucks returning empty through the gate they crossed.
    empty_return_days : int
        Days until they do (0 for a static run).
    share_rows, share_terms : DataFrame
        ``destination_share[r]``: rule_id, side (``low``/``high``), share, period; and its terms
        ``row, f, coef`` (:func:`share_table`).
    """

    n_periods: int
    dated: bool
    flows: pd.DataFrame
    unserved: pd.DataFrame
    capacity_rows: pd.DataFrame
    demand_rows: pd.DataFrame
    priority_rows: pd.DataFrame
    crossing_use: pd.DataFrame
    streams: pd.DataFrame
    queues: pd.DataFrame
    initial: pd.DataFrame
    empty_return_share: float = 0.0
    empty_return_days: int = 0
    share_rows: pd.DataFrame = field(default_factory=lambda: share_table_empty()[0])
    share_terms: pd.DataFrame = field(default_factory=lambda: share_table_empty()[1])
    #: aggregated models (:mod:`borderflow.model.streams`): one row per (route, product) pair,
    #: its number ``pair`` and its stream ``k``; ``None``: one stream per pair
    stream_pairs: pd.DataFrame | None = None

    @property
    def pairs(self) -> pd.DataFrame:
        """The (route, product) pairs that queue, with their stream ``k`` (what arrivals
        join on): ``stream_pairs`` in an aggregated model, else ``streams``."""
        return self.streams if self.stream_pairs is None else self.stream_pairs

    @property
    def aggregated(self) -> bool:
        """True when pairs share stream queues (:mod:`borderflow.model.streams`)."""
        return self.stream_pairs is not None

    @cached_property
    def arrivals(self) -> pd.DataFrame:
        """Which route flow arrives in which queue on which day (``f, k, arrival_period,
        max_wait_days``): :func:`borderflow.model.queues.arrivals` of ``flows`` and
        :attr:`pairs`, made once for the three queue families (not to be modified)."""
        return arrivals(self.flows, self.pairs)

    # ---- look-ups by key ------------------------------------------------------------------
    @cached_property
    def queue_index(self) -> StreamDays:
        """``queue_index(k, period) -> q`` (-1 outside the modelled days)."""
        return StreamDays(self.queues, len(self.streams), self.n_periods)

    @cached_property
    def _capacity(self) -> KeyIndex:
        return KeyIndex(self.capacity_rows, CROSS_KEYS)

    def capacity_row(self, frame: pd.DataFrame) -> np.ndarray:
        """``crossing_capacity`` row of each (crossing_id, direction, period) of ``frame``
        (-1: the crossing-day has no row)."""
        return self._capacity.rows(frame)

    def priority_row(self, frame: pd.DataFrame) -> np.ndarray:
        """``priority_share`` row of each (crossing_id, direction, period) (-1: none)."""
        return KeyIndex(self.priority_rows, CROSS_KEYS).rows(frame)

    def demand_row(self, frame: pd.DataFrame) -> np.ndarray:
        """``market_demand`` row of each (market, product_id, period) (-1: demand
        unbounded there)."""
        return KeyIndex(self.demand_rows, DEMAND_KEYS).rows(frame)

    def supply_row(self, frame: pd.DataFrame) -> np.ndarray:
        """``supply_balance`` row (and ``unserved`` column) of each (origin, product_id,
        period) (-1: no supply then)."""
        return KeyIndex(self.unserved, SUPPLY_KEYS).rows(frame)

    def flow_column(self, frame: pd.DataFrame) -> np.ndarray:
        """``route_flow`` column of each (route_id, product_id, period) (-1: no such
        variable)."""
        return KeyIndex(self.flows, FLOW_KEYS).rows(frame)

    @cached_property
    def _use_capacity_row(self) -> np.ndarray:
        return self.capacity_row(self.crossing_use)

    def use_capacity_row(self) -> np.ndarray:
        """For each row of ``crossing_use``, its ``crossing_capacity`` row (-1: none); made
        once (sweeps look up closed crossings' variables with it for every scenario)."""
        return self._use_capacity_row

    # ---- derived term sources (made once per model; not to be modified) ------------------
    @cached_property
    def _empty_returns(self) -> pd.DataFrame:
        return empty_returns(self.crossing_use, self.empty_return_share,
                             self.empty_return_days, self.n_periods)

    def empty_returns(self) -> pd.DataFrame:
        """Crossing-use rows of the empty trucks coming back (:func:`empty_returns`)."""
        return self._empty_returns

    @cached_property
    def _deliveries(self) -> pd.DataFrame:
        return deliveries(self.flows, self.pairs, self.queues, self.dated)

    def deliveries(self) -> pd.DataFrame:
        """Variables delivering to a market, and the day they arrive (:func:`deliveries`)."""
        return self._deliveries


# ---- the tables -----------------------------------------------------------------------------
def flow_table(net: FreightNetwork, routes: RouteSet) -> pd.DataFrame:
    """One row per route-flow variable: (route, product) pairs x dispatch periods, ordered by
    product, route and period, with the market's price that day and the payload.

    The rows are those of the pairs' cross join with the periods, sorted stably by
    ``product_id, route_id, period``, and the price that of a left join on (market, product,
    period): both made from positions (only the pairs are sorted by their strings; each
    column of the pairs is taken once), not by a cross merge, a merge on string keys and a
    sort of the joined frame."""
    pairs = routes.eligible.reset_index(drop=True)
    periods = np.asarray(net.supply_periods, dtype=np.int64)
    n_t = len(periods)
    # rank of each pair's (product, route) among the sorted keys (equal keys, equal rank)
    by = ["product_id", "route_id"]
    order = pairs[by].sort_values(by, kind="stable").index.to_numpy()
    code = row_codes(pairs[by], None, by)[0][order]
    rank = np.empty(len(pairs), dtype=np.int64)
    rank[order] = np.cumsum(np.r_[0, code[1:] != code[:-1]]) if len(code) else []
    pair_at = np.repeat(np.arange(len(pairs)), n_t)
    t_at = np.tile(np.arange(n_t), len(pairs))
    # the cross join's position breaks ties, as the stable sort of the joined frame did
    at = np.lexsort((np.arange(len(pair_at)), periods[t_at], rank[pair_at]))
    f = pairs.take(pair_at[at]).reset_index(drop=True)
    f["period"] = periods[t_at[at]]
    prices = net.demand[["market", "product_id", "period", "price_usd_per_t"]]
    price_row = KeyIndex(prices, DEMAND_KEYS).rows(f)
    price = prices["price_usd_per_t"].to_numpy(dtype=float)
    f["price_usd_per_t"] = np.where(price_row >= 0, price[np.maximum(price_row, 0)]
                                    if len(price) else np.nan, np.nan)
    f["payload_t_per_truck"] = net.products.loc[f["product_id"], "payload_t_per_truck"].to_numpy()
    f.insert(0, "f", np.arange(len(f)))
    return f


def crossing_use(net: FreightNetwork, routes: RouteSet, flows: pd.DataFrame,
                 queues: pd.DataFrame) -> pd.DataFrame:
    """Variables that take a crossing, on which day: pass-through flows and gate departures.

    Static runs: a route flow uses every crossing of its route on its dispatch day. Dated
    runs: a route flow uses the crossings before its queue gate on the day it reaches them;
    the gate itself is taken by the stream's departures.

    Rows: each flow (in ``f`` order) with its route's crossings (in the route table's order),
    then the departures; made from integer positions (:func:`expand_by_key`), not by joining
    the flows to the crossings on ``route_id``.
    """
    rc = routes.route_crossings
    if net.dated:
        gate = rc.groupby("route_id")["seq"].transform("max").to_numpy()
        rc = rc[rc["seq"].to_numpy() < gate]
    f_at, rc_at = expand_by_key(flows["route_id"], rc["route_id"])
    period = flows["period"].to_numpy()[f_at]
    if net.dated:
        period = period + np.floor(rc["offset_h"].to_numpy()[rc_at] / 24.0).astype(int)
    use = {"f": flows["f"].to_numpy()[f_at],
           "crossing_id": rc["element_id"].array.take(rc_at),
           "direction": rc["direction"].array.take(rc_at), "period": period,
           "payload_t_per_truck": flows["payload_t_per_truck"].to_numpy()[f_at],
           "product_id": flows["product_id"].array.take(f_at)}
    parts = [_use_rows("route_flow", use["f"], use)]
    if not queues.empty:
        parts.append(_use_rows("departures", queues["q"], queues))
    return _with_perishable(net, pd.concat(parts, ignore_index=True))


def crossing_use_of_departures(net: FreightNetwork, queues: pd.DataFrame) -> pd.DataFrame:
    """The crossing-use rows of the gate departures of ``queues`` (as :func:`crossing_use`
    writes them): a per-pair view of an aggregated model (:mod:`borderflow.model.streams`)."""
    return _with_perishable(net, _use_rows("departures", queues["q"], queues))


def _with_perishable(net: FreightNetwork, out: pd.DataFrame) -> pd.DataFrame:
    """Crossing-use rows with their product's perishability, within the modelled days."""
    at = net.products.index.get_indexer(out["product_id"])
    if (at < 0).any():
        raise KeyError(f"unknown product(s) {sorted(set(out['product_id'][at < 0]))}")
    out["perishable"] = net.products["perishable"].to_numpy()[at]
    n = len(net.periods)
    return out[out["period"].to_numpy() < n].reset_index(drop=True)


def _use_rows(var: str, idx, df) -> pd.DataFrame:
    """Crossing-use rows of variable ``var[idx]`` from a table (or a dict of columns) with
    crossing, day and payload (string columns kept as pandas arrays, not Python objects)."""
    def col(name):
        c = df[name]
        return c.array if isinstance(c, pd.Series) else c
    return pd.DataFrame({"var": var, "idx": np.asarray(idx),
                         "crossing_id": col("crossing_id"),
                         "direction": col("direction"),
                         "period": np.asarray(col("period")),
                         "trucks_per_t": 1.0 / np.asarray(col("payload_t_per_truck")),
                         "product_id": col("product_id")})


def empty_returns(use: pd.DataFrame, share: float, lag_days: int,
                  n_periods: int) -> pd.DataFrame:
    """Empty trucks coming back through the opposite direction of the gate they crossed.

    A share ``share`` (``empty_return_share``) of the trucks that cross return empty
    ``lag_days`` (``empty_return_days``) later through the same crossing and take inbound
    capacity: the crossing-use rows of ``use`` turned round, with ``trucks_per_t`` times the
    share. Fleet size and empty repositioning elsewhere are not modelled (no fleet data).
    """
    if share <= 0 or use.empty:
        return use.iloc[0:0].assign(coef=[])
    back = use.copy()
    # turned round per distinct value, then taken per row (no Python string per row)
    codes, names = pd.factorize(back["direction"])
    turned = pd.Series(names).map({DIRECTIONS[0]: DIRECTIONS[1], DIRECTIONS[1]: DIRECTIONS[0]})
    back["direction"] = turned.array.take(codes, allow_fill=True)
    back["period"] = back["period"] + lag_days
    back["trucks_per_t"] = back["trucks_per_t"] * share
    return back[back["period"] < n_periods]


def deliveries(flows: pd.DataFrame, streams: pd.DataFrame, queues: pd.DataFrame,
               dated: bool) -> pd.DataFrame:
    """Variables delivering to a market and the day they arrive (var, idx, market,
    product_id, period): route flows that do not queue (arriving ``floor(duration / 24)``
    days after dispatch in a dated run), and gate departures (``downstream_days`` after)."""
    direct = flows if not dated else flows[~flows["route_id"].isin(streams["route_id"])]
    days = np.floor(direct["duration_h"].to_numpy() / 24.0).astype(int) if dated else 0
    out = [pd.DataFrame({"var": "route_flow", "idx": direct["f"].to_numpy(),
                         "market": direct["market"].array,
                         "product_id": direct["product_id"].array,
                         "period": direct["period"].to_numpy() + days})]
    if dated:
        out.append(pd.DataFrame({"var": "departures", "idx": queues["q"].to_numpy(),
                                 "market": queues["market"].array,
                                 "product_id": queues["product_id"].array,
                                 "period": (queues["period"]
                                            + queues["downstream_days"]).to_numpy()}))
    return pd.concat(out, ignore_index=True)


def priority_rows(priority: pd.DataFrame, capacity_rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of the priority family: capacity left to non-perishables per crossing-day."""
    if priority.empty:
        return pd.DataFrame(columns=[*CROSS_KEYS, "limit_trucks_per_day"])
    rows = capacity_rows.merge(priority, on=CROSS_KEYS)
    rows["limit_trucks_per_day"] = (1.0 - rows["perishable_share"]) * \
        rows["capacity_trucks_per_day"]
    return rows[[*CROSS_KEYS, "limit_trucks_per_day"]].reset_index(drop=True)


def index_tables(net: FreightNetwork, routes: RouteSet, aggregate: bool = False
                 ) -> IndexTables:
    """Every index table of ``net``'s model over ``routes``, made at once; with
    ``aggregate`` (dated), pairs sharing a stream key share one queue
    (:func:`borderflow.model.streams.aggregate_streams`).

    Raises
    ------
    ValueError
        If an initial queue has no route through its gate.
    """
    n_periods = len(net.periods)
    flows = flow_table(net, routes)
    # a static model has no streams: the table's columns only (the same frame, empty)
    streams = stream_table(net, routes if net.dated else
                           replace(routes, eligible=routes.eligible.iloc[0:0]))
    pairs = None
    if aggregate and net.dated:
        streams, pairs = aggregate_streams(streams)
        initial = aggregated_initial(net, pairs)
    else:
        initial = initial_allocations(net, streams)
    queues = queue_table(streams, n_periods)
    if net.dated:
        # a flow must reach its queue gate within the modelled days
        arr = arrivals(flows, streams if pairs is None else pairs)
        late = arr.loc[arr["arrival_period"] >= n_periods, "f"]
        flows = flows[~flows["f"].isin(late)].reset_index(drop=True)
        flows["f"] = np.arange(len(flows))
    unserved = net.supply.merge(net.products[["penalty_usd_per_t", "perishable"]],
                                left_on="product_id", right_index=True)
    unserved = unserved.sort_values(SUPPLY_KEYS, kind="stable", ignore_index=True)
    use = crossing_use(net, routes, flows, queues)
    par = net.parameters
    share = par.empty_return_share
    lag = par.empty_return_days if net.dated else 0
    # a direction taken only by returning empties needs its capacity row too
    empties = empty_returns(use, share, lag, n_periods)
    used = pd.concat([use[CROSS_KEYS], empties[CROSS_KEYS]]).drop_duplicates()
    capacity_rows = net.capacity.merge(used, on=CROSS_KEYS).sort_values(
        CROSS_KEYS, kind="stable", ignore_index=True)
    demand = net.demand[net.demand["demand_t"].notna()]
    delivered = deliveries(flows, streams if pairs is None else pairs, queues, net.dated)
    reached = delivered[DEMAND_KEYS].drop_duplicates()
    demand_rows = demand.merge(reached, on=DEMAND_KEYS).sort_values(
        DEMAND_KEYS, kind="stable", ignore_index=True)
    tables = IndexTables(n_periods=n_periods, dated=net.dated, flows=flows, unserved=unserved,
                         capacity_rows=capacity_rows, demand_rows=demand_rows,
                         priority_rows=priority_rows(net.priority, capacity_rows),
                         crossing_use=use, streams=streams, queues=queues, initial=initial,
                         empty_return_share=share, empty_return_days=lag, stream_pairs=pairs,
                         **dict(zip(("share_rows", "share_terms"), share_table(net, flows))))
    # the two derived tables made above from the same inputs are the ones the tables would
    # make (and cache) when first asked: kept instead of made again (a table made by
    # ``dataclasses.replace`` makes its own)
    tables.__dict__["_empty_returns"] = empties
    tables.__dict__["_deliveries"] = delivered
    return tables


def share_table_empty() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The destination-share tables of a model without share rules."""
    return (pd.DataFrame({"rule_id": pd.Series(dtype=object), "side": pd.Series(dtype=object),
                          "share": pd.Series(dtype=float), "period": pd.Series(dtype=np.int64)}),
            pd.DataFrame({"row": pd.Series(dtype=np.int64), "f": pd.Series(dtype=np.int64),
                          "coef": pd.Series(dtype=float)}))


def share_table(net: FreightNetwork, flows: pd.DataFrame,
                rules=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows and terms of the destination-share family: a pair (low, high) per rule, static over
    the representative day (period 0), dated per **dispatch day** (``flows["period"]``: a row
    over the horizon would not be causal for rolling windows and would let quiet days balance a
    disruption's; docs/model.md). ``rules``: the dataset's
    :func:`~borderflow.data.destinations.share_rules` (read from ``net.tables`` if not given).

    Returns ``(rows, terms)``: ``rows`` ``rule_id, side`` (``low``/``high``), ``share`` (the
    band's end), ``period``, one per rule side and day with flows in its scope; ``terms``
    ``row, f, coef`` with ``coef = [market in the region] - share`` for every flow of the rule's
    origins and products to a Chinese market (dispatched that day).
    """
    rows, rows_at, fs, coefs = [], [], [], []
    origin, product, market = (flows[c].to_numpy() for c in ("origin", "product_id", "market"))
    period = flows["period"].to_numpy(dtype=np.int64) if net.dated else \
        np.zeros(len(flows), dtype=np.int64)
    f_all = flows["f"].to_numpy()
    # the names as codes once (a hash pass each), so a rule's scope is a look-up of its few
    # names, not np.isin over every flow's string (an object sort per rule: 0.9 CPU s of a
    # 365-day run's builds, session 20); the same masks
    coded = [pd.factorize(v) for v in (origin, product, market)]

    def among(which: int, names) -> np.ndarray:
        codes, uniques = coded[which]
        return np.isin(np.asarray(uniques, dtype=object), list(names))[codes] & (codes >= 0)

    for rule in share_rules(net.tables) if rules is None else rules:
        scope = np.flatnonzero(among(0, rule.origins) & among(1, rule.products)
                               & among(2, rule.china))
        if not len(scope):
            continue
        inside = among(2, rule.markets)[scope].astype(float)
        days = period[scope]
        # the scope's flows by day, ascending, in their order within a day (a stable sort)
        order = np.argsort(days, kind="stable")
        on_days, first = np.unique(days[order], return_index=True)
        ends = np.r_[first[1:], len(order)]
        for day, a, b in zip(on_days.tolist(), first.tolist(), ends.tolist()):
            on = order[a:b]
            for side, share in (("low", rule.low), ("high", rule.high)):
                rows_at.append(np.full(len(on), len(rows), dtype=np.int64))
                fs.append(f_all[scope[on]])
                coefs.append(inside[on] - share)
                rows.append((rule.rule_id, side, share, int(day)))
    if not rows:
        return share_table_empty()
    # one frame at the end (a frame per rule, day and side cost 0.5 ms each: 1,900 a build)
    return (pd.DataFrame(rows, columns=["rule_id", "side", "share", "period"]),
            pd.DataFrame({"row": np.concatenate(rows_at), "f": np.concatenate(fs),
                          "coef": np.concatenate(coefs)}))
