r"""Pricing for column generation: the routes of most negative reduced cost, found exactly.

The path formulation (:mod:`borderflow.model.formulation`) has one variable per (route,
product[, day]). Column generation solves it over a restricted route set, reads the duals and
asks this module whether any route *not yet in the model* would lower the objective: a route
prices out when its reduced cost is negative. Nothing here imports Pyomo; the model (or the
verifier) passes the graph, the products and the duals as arrays and mappings.

Route set
---------
A route of product ``p`` is an *elementary* path from an origin supplying ``p`` to a market
buying ``p`` that never enters a country twice, crosses only crossings licensed for ``p`` (and
open on the day it takes them), and whose hours (travel + gate dwell) are within ``p``'s shelf
life. Nothing else limits it: no cap on crossings, no detour filter.

Static reduced cost
-------------------
Rows of the static LP a route flow ``x`` (t/day) enters, with their duals (minimisation; a
``<=`` row's dual is written as a non-negative price):

- supply balance of ``(o, p)``, coefficient 1, dual :math:`\pi_{o,p}` (USD/t, free);
- crossing capacity of ``(c, d)`` for each crossing of the route, coefficient ``1/P``, and of
  ``(c, d')`` (opposite direction) with ``sigma/P`` for the returning empties, duals
  :math:`\mu_{c,d} \ge 0` (USD per truck);
- priority share of ``(c, d)`` for a non-perishable product, ``1/P``, dual
  :math:`\rho_{c,d} \ge 0` (USD per truck);
- market demand of ``(m, p)``, coefficient 1, dual :math:`\lambda_{m,p} \ge 0` (USD/t);
- gate-entry rows ``e`` (slot quotas, dispatch holds, licences: :mod:`borderflow.model.levers`)
  of ``(c, d)`` whose origins hold ``o`` and products hold ``p``, coefficient ``1/P``, dual
  :math:`\epsilon_e \ge 0` (USD per truck; they depend on the origin, so origins with the
  same entry terms share a screen);
- destination-share rows ``r`` (:mod:`borderflow.data.destinations`) whose scope holds ``(o, p,
  m)``, coefficient :math:`a_r(m) = [m \in \text{region}_r] - \text{share}_r`, HiGHS dual
  :math:`y_r` (``>= 0`` on a low side, ``<= 0`` on a high side): together the constant
  :math:`s_{o,p,m} = -\sum_r a_r(m) y_r` (USD/t), which depends on the route's ends only.

So, with ``P`` the payload (t/truck), ``f`` the product's trucking cost factor and ``v`` its
value of time (USD/t-h),

.. math::

    \bar c_r = \frac{1}{P}\Big[\sum_{\ell \in r} (f\,(c_\ell - \text{toll}_\ell)
       + \text{toll}_\ell)
       + \sum_{(c,d) \in r} (\text{fee}_c + \mu_{c,d} + \sigma\mu_{c,d'} + [p\ \text{not
       perishable}]\,\rho_{c,d} + \textstyle\sum_{e \ni (c,d,o,p)} \epsilon_e)\Big]
       + v\,\text{hours}_r + \lambda_{m,p} + s_{o,p,m}
       - \text{price}_{m,p} - \pi_{o,p} \quad [\text{USD/t}]

(the route's cost as :mod:`borderflow.model.costs` charges it, plus the duals). Value of time
is additive over the arcs' hours, so every arc weight ``P x (its part)`` is non-negative and
this is a shortest path from ``o`` to a super-sink fed by every market ``m`` with the (possibly
negative) weight ``P (lambda_{m,p} + s_{o,p,m} - price_{m,p})``, under two side constraints:
the shelf-life resource (hours) and "never enter a country twice". Origins with the same share
terms share a sink.

Static algorithm (exact)
------------------------
1. *Screen*, per product: one ``scipy.sparse.csgraph.dijkstra`` from the super-sink on the
   reversed graph gives, for every node, the unconstrained reduced cost to the sink
   (:math:`D(n)`) and a path. Dropping the side constraints can only lower a minimum, so
   :math:`D(o) - P\pi_{o,p}` is a lower bound: if it is ``>= -tolerance`` nothing prices out;
   if its path keeps shelf life and countries, it is the answer.
2. Otherwise a *label-setting* search from ``o`` (A* order: a label's key is its cost plus
   :math:`D` of its node, a consistent bound, so the first label reaching the sink is optimal).
   A label at node ``n`` holds cost, hours and the set of countries entered; it is dropped if an
   earlier label at ``n`` has no more hours and no more countries (its cost is no higher: keys
   pop in order). Labels whose hours plus the fastest way to any market exceed the shelf life
   are cut. The dominance is exact with non-negative costs and hours: a completion of the
   dropped label that revisits a node of the dominating one can be short-cut into an
   elementary path no dearer and no slower.

Dated models (time-dependent duals, queues at the last gate, the exactness argument for new
streams) are priced by :mod:`borderflow.model.dated_pricing` on the same graph and products.

Tolerances: columns are returned when their reduced cost is below ``-tolerance`` (USD/t).

(Over 500 lines: a third is this docstring and the documented inputs; the screen, the label
search and the arc weights they share are one job.)
"""

from __future__ import annotations

import functools
import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

DIRECTIONS = ("a_to_b", "b_to_a")
#: default reduced-cost tolerance, USD/t: a column prices out below -TOLERANCE
TOLERANCE = 1e-7
#: hours compared with shelf life up to this slack (the route enumeration's)
HOURS_EPS = 1e-9


class PricingLimitError(RuntimeError):
    """A dated search met its label limit before it could prove its answer (never silent).

    Attributes
    ----------
    limit : int
        The label limit (labels one search may pop).
    product_id, origin : str
        The product and origin searched.
    period : int
        The dispatch day searched (index of the modelled days).
    """

    def __init__(self, message: str, *, limit: int = 0, product_id: str = "",
                 origin: str = "", period: int = -1):
        super().__init__(message)
        self.limit, self.product_id, self.origin, self.period = limit, product_id, origin, period


@dataclass(frozen=True)
class PricingGraph:
    """The network as arrays: nodes with their country, arcs (links and crossing directions).

    Attributes
    ----------
    node_ids : tuple of str
    country : ndarray of int
        Country code of each node (any integers; equal = same country).
    arc_ids : tuple of str
    tail, head : ndarray of int
        Node indices of each arc's ends.
    hours : ndarray of float
        Travel hours of a link, dwell hours of a crossing.
    cost_usd_per_truck : ndarray of float
        Link cost per truck (running cost, scaled by the product's cost factor, plus toll), or
        a crossing's fee (with the transit fee of the country it enters).
    crossing : ndarray of int
        Index into ``crossing_ids`` for a crossing arc, -1 for a link.
    direction : ndarray of int
        0 (``a_to_b``) or 1 (``b_to_a``) for a crossing arc, -1 for a link.
    crossing_ids : tuple of str
    """

    node_ids: tuple
    country: np.ndarray
    arc_ids: tuple
    tail: np.ndarray
    head: np.ndarray
    hours: np.ndarray
    cost_usd_per_truck: np.ndarray
    crossing: np.ndarray
    direction: np.ndarray
    crossing_ids: tuple
    #: the part of a link's ``cost_usd_per_truck`` that is a toll (not scaled by the product's
    #: cost factor; None: no tolls)
    toll_usd_per_truck: np.ndarray | None = None
    _out: list = field(default_factory=list, init=False, repr=False, compare=False)
    #: each arc's position in arc-id order (ties between parallel arcs are broken by it)
    _rank: np.ndarray = field(default=None, init=False, repr=False, compare=False)
    #: what a pricing pass works out once per graph and reuses (licences, fewest hours);
    #: valid because a graph's arrays are never changed in place (samples make a new graph)
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.toll_usd_per_truck is None:
            object.__setattr__(self, "toll_usd_per_truck", np.zeros(len(self.arc_ids)))
        out: list[list[int]] = [[] for _ in self.node_ids]
        order = np.argsort(np.asarray(self.arc_ids, dtype=object), kind="stable")
        for a in order:
            out[int(self.tail[a])].append(int(a))
        self._out.extend(out)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        object.__setattr__(self, "_rank", rank)

    @classmethod
    def from_tables(cls, nodes: pd.DataFrame, arcs: pd.DataFrame) -> PricingGraph:
        """Build from a node table (``node_id, country``) and an arc table in the layout of
        ``FreightNetwork.arcs``: ``arc_id, kind (link|crossing), element_id, direction
        (a_to_b|b_to_a for crossings), from_node, to_node, travel_h, cost_usd_per_truck`` (and
        ``toll_usd_per_truck``, the toll part of a link's cost, if there are tolls)."""
        node_ids = tuple(nodes["node_id"])
        at = {n: i for i, n in enumerate(node_ids)}
        codes = {c: i for i, c in enumerate(sorted(set(nodes["country"])))}
        is_x = (arcs["kind"] == "crossing").to_numpy()
        crossing_ids = tuple(sorted(set(arcs.loc[is_x, "element_id"])))
        cx = {c: i for i, c in enumerate(crossing_ids)}
        return cls(
            node_ids=node_ids,
            country=np.array([codes[c] for c in nodes["country"]], dtype=np.int64),
            arc_ids=tuple(arcs["arc_id"]),
            tail=np.array([at[n] for n in arcs["from_node"]], dtype=np.int64),
            head=np.array([at[n] for n in arcs["to_node"]], dtype=np.int64),
            hours=arcs["travel_h"].to_numpy(dtype=float),
            cost_usd_per_truck=arcs["cost_usd_per_truck"].to_numpy(dtype=float),
            crossing=np.array([cx[e] if k else -1 for e, k in zip(arcs["element_id"], is_x)],
                              dtype=np.int64),
            direction=np.array([DIRECTIONS.index(d) if k else -1
                                for d, k in zip(arcs["direction"], is_x)], dtype=np.int64),
            crossing_ids=crossing_ids,
            toll_usd_per_truck=arcs["toll_usd_per_truck"].fillna(0.0).to_numpy(dtype=float)
            if "toll_usd_per_truck" in arcs else None)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    def out_arcs(self, node: int) -> list[int]:
        """Arc indices leaving ``node`` (sorted by arc id)."""
        return self._out[node]

    def node_index(self) -> dict[str, int]:
        """node id -> index."""
        return {n: i for i, n in enumerate(self.node_ids)}


@dataclass(frozen=True)
class PricingProduct:
    """What pricing needs of a product.

    Attributes
    ----------
    product_id : str
    payload_t_per_truck : float
    cost_factor : float
        Multiplies link costs (reefer trucking); fees are not scaled.
    shelf_life_h : float
        Longest route (travel + dwell hours).
    origins : tuple of str
        Nodes that supply the product.
    markets : tuple of (str, float)
        Markets buying it and their price, USD/t.
    licensed : frozenset of str or None
        Crossings the product may use (None: every crossing).
    perishable : bool
        Perishables do not pay priority-lane duals (the lanes are theirs).
    penalty_usd_per_t : float
        Value of a tonne not shipped (for the dated expiry columns).
    vot_usd_per_t_h : float
        Value of time, USD per tonne and hour of route (travel + gate dwell).
    """

    product_id: str
    payload_t_per_truck: float
    cost_factor: float
    shelf_life_h: float
    origins: tuple
    markets: tuple
    licensed: frozenset | None = None
    perishable: bool = True
    penalty_usd_per_t: float = 0.0
    vot_usd_per_t_h: float = 0.0


@dataclass
class StaticDuals:
    """Duals of a static (one-period) restricted model, as prices (minimisation).

    Attributes
    ----------
    supply_usd_per_t : mapping (origin, product_id) -> float
        :math:`\\pi`, free sign (missing: 0).
    capacity_usd_per_truck : mapping (crossing_id, direction) -> float
        :math:`\\mu \\ge 0`, the value of one more truck/day (missing: 0).
    market_usd_per_t : mapping (market, product_id) -> float
        :math:`\\lambda \\ge 0` of a capped market (missing: 0).
    priority_usd_per_truck : mapping (crossing_id, direction) -> float
        :math:`\\rho \\ge 0` of a priority-lane row, paid by non-perishables (missing: 0).
    closed : set of (crossing_id, direction)
        Directions with no capacity: routes through them are bounded to 0.
    empty_return_share : float
        :math:`\\sigma`: returning empties per loaded truck, in the opposite direction.
    share_usd_per_t : mapping (origin, product_id, market) -> float
        What the destination-share rows add to the reduced cost of a route from ``origin`` to
        ``market`` carrying the product: :math:`-\\sum_r a_r(m)\\,y_r` over the share rows
        ``r`` whose scope holds the triple, ``a_r(m) = [m in the region] - share_r`` and
        :math:`y_r` the row's dual as HiGHS gives it (``>= 0`` on a low side, ``<= 0`` on a
        high side); missing: 0.
    entry_usd_per_truck : sequence of (crossing_id, direction, origins, products, dual)
        Gate-entry rows (slot quotas, dispatch holds, licences,
        :mod:`borderflow.model.levers`) with their dual :math:`\\epsilon \\ge 0` (USD per
        truck): paid per truck at that crossing direction by a route from one of ``origins``
        carrying one of ``products`` (an empty collection: any).
    """

    supply_usd_per_t: Mapping = field(default_factory=dict)
    capacity_usd_per_truck: Mapping = field(default_factory=dict)
    market_usd_per_t: Mapping = field(default_factory=dict)
    priority_usd_per_truck: Mapping = field(default_factory=dict)
    closed: frozenset = frozenset()
    empty_return_share: float = 0.0
    share_usd_per_t: Mapping = field(default_factory=dict)
    entry_usd_per_truck: Sequence = ()


@dataclass
class PricingResult:
    """What a pricing pass found.

    Attributes
    ----------
    columns : DataFrame
        One row per route that prices out, best first per pair: origin, product_id, market,
        arcs (tuple of arc ids), n_crossings, hours, cost_usd_per_t (objective coefficient
        without duals), reduced_cost_usd_per_t; dated passes add period (dispatch day),
        departure (gate day; -1 for direct routes, -2 for hold).
    pairs : DataFrame
        One row per (origin, product[, period]): screen_usd_per_t (unconstrained lower bound),
        min_reduced_cost_usd_per_t (the least reduced cost over the route set where ``exact``,
        else a proven lower bound ``>= -tolerance``; inf if no route exists), exact, method
        (``screen`` or ``labels``, static), labels (labels popped).
    stats : dict
        Totals: pairs, screened (answered by the screen), searched, labels, columns.
    """

    columns: pd.DataFrame
    pairs: pd.DataFrame
    stats: dict


COLUMN_FIELDS = ["origin", "product_id", "market", "arcs", "n_crossings", "hours",
                 "cost_usd_per_t", "reduced_cost_usd_per_t"]


# ---- per-product arc weights ----------------------------------------------------------------
def _licensed(graph: PricingGraph, product: PricingProduct) -> np.ndarray:
    """Arcs the product may use at all (links, and crossings licensed for it); a new array
    (worked out once per graph and licence set)."""
    key = ("licensed", product.licensed)
    if key not in graph._memo:
        if product.licensed is None:
            graph._memo[key] = np.ones(len(graph.arc_ids), dtype=bool)
        else:
            allowed = np.array([c in product.licensed for c in graph.crossing_ids] + [False])
            graph._memo[key] = (graph.crossing < 0) | allowed[graph.crossing]
    return graph._memo[key].copy()


def _crossing_dual_matrix(graph: PricingGraph, values: Mapping) -> np.ndarray:
    """(n_crossings, 2) array of a per-(crossing, direction) mapping (missing: 0)."""
    out = np.zeros((len(graph.crossing_ids), 2))
    at = {c: i for i, c in enumerate(graph.crossing_ids)}
    for (c, d), v in values.items():
        if c in at:
            out[at[c], DIRECTIONS.index(d)] = float(v)
    return out


def _check_sign(name: str, values: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Duals that must be >= 0, with solver noise below ``tol`` set to 0."""
    if values.size and values.min() < -tol:
        raise ValueError(f"{name}: a dual is {values.min():.6g} < 0 (prices of <= rows are >= 0)")
    return np.maximum(values, 0.0)


def route_weights(graph: PricingGraph, product: PricingProduct) -> np.ndarray:
    """Per-truck arc weights of a route's own cost, no duals (the objective coefficient of a
    truckload, :mod:`borderflow.model.costs`): ``f x (cost - toll) + toll`` on links, the fee
    on crossings, both ``+ P x vot x hours``. Static and dated pricing add their duals."""
    x = graph.crossing >= 0
    toll = graph.toll_usd_per_truck
    weight = (graph.cost_usd_per_truck - toll) * product.cost_factor + toll
    weight[x] = graph.cost_usd_per_truck[x]
    return weight + product.payload_t_per_truck * product.vot_usd_per_t_h * graph.hours


def _crossing_terms(graph: PricingGraph, duals: StaticDuals) -> tuple:
    """What every product's weights share: capacity and priority duals (``(n_crossings, 2)``,
    checked >= 0) and which arcs are open (links, and crossing directions not closed)."""
    mu = _check_sign("capacity", _crossing_dual_matrix(graph, duals.capacity_usd_per_truck))
    rho = _check_sign("priority", _crossing_dual_matrix(graph, duals.priority_usd_per_truck))
    x = graph.crossing >= 0
    closed = np.zeros((len(graph.crossing_ids) + 1, 2), dtype=bool)
    at = {cid: i for i, cid in enumerate(graph.crossing_ids)}
    for cid, direction in duals.closed:
        if cid in at:
            closed[at[cid], DIRECTIONS.index(direction)] = True
    return mu, rho, ~closed[graph.crossing, np.maximum(graph.direction, 0)] | ~x


def static_weights(graph: PricingGraph, product: PricingProduct, duals: StaticDuals,
                   terms: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-truck arc weights of the static reduced cost and which arcs the product may use.

    ``terms``: :func:`_crossing_terms` of ``graph`` and ``duals`` (worked out here if not
    given; a pricing pass works them out once for every product).

    Returns
    -------
    weight : ndarray
        ``f x (cost - toll) + toll`` on links, ``fee + mu + sigma mu' + [not perishable] rho``
        on crossings; both ``+ P x vot x hours`` (the value of time of a truckload).
    usable : ndarray of bool
        Licensed and not closed.
    """
    mu, rho, open_ = _crossing_terms(graph, duals) if terms is None else terms
    x = graph.crossing >= 0
    c, d = graph.crossing[x], graph.direction[x]
    weight = route_weights(graph, product)
    weight[x] += (mu[c, d] + duals.empty_return_share * mu[c, 1 - d]
                  + (0.0 if product.perishable else 1.0) * rho[c, d])
    usable = _licensed(graph, product)
    usable &= open_
    return weight, usable


def _to_sink(graph: PricingGraph, weight: np.ndarray, usable: np.ndarray,
             sink_weight: Mapping[int, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least weight from every node to a super-sink (market ``m`` -> sink costs
    ``sink_weight[m]``, any sign), by one Dijkstra on the reversed graph.

    Returns
    -------
    dist : ndarray
        Per node (inf if the sink cannot be reached).
    next_arc : ndarray of int
        The first arc of a least path (-1 at a market whose sink edge is best, or unreachable).
    at_market : ndarray of bool
        True where the least path ends at this node's own sink edge.
    """
    return _to_sinks(graph, [(weight, usable, sink_weight)])[0]


def _to_sinks(graph: PricingGraph, jobs: Sequence[tuple]) -> list[tuple]:
    """:func:`_to_sink` of each ``(weight, usable, sink_weight)`` of ``jobs``, by one scipy call.

    Job ``b`` is a copy of the reversed graph (nodes ``b (n + 1) ..``, its sink last) and one
    Dijkstra runs from each copy's sink over the block-diagonal matrix of all copies: a run
    reaches only its own copy, whose rows and columns are in the order of a graph of its own,
    so it makes the same steps and gives the same numbers as a call per job (tested bit for
    bit, tests/test_pricing_fast.py), without scipy's set-up per call.
    """
    n, k = graph.n_nodes, len(jobs)
    if not k:
        return []
    size = n + 1
    shifts = [max(0.0, -min(sw.values(), default=0.0)) for _, _, sw in jobs]
    usable = np.stack([u for _, u, _ in jobs])
    weight = np.stack([w for w, _, _ in jobs])
    block, idx = np.nonzero(usable)  # block-major, arcs ascending within a block
    # reversed graph: head -> tail; keep the lightest of parallel arcs (scipy would add them),
    # ties to the least arc id
    head, tail = graph.head[idx], graph.tail[idx]
    order = np.lexsort((graph._rank[idx], weight[block, idx], tail, head, block))
    block, idx = block[order], idx[order]
    pair = (block * size + head[order]) * size + tail[order]
    first = np.ones(len(idx), dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    block, idx, pair = block[first], idx[first], pair[first]
    # rows (block by block: heads, then the block's sink) are sorted and each row's columns
    # ascend: the CSR arrays directly (what scipy's COO -> CSR conversion would make)
    rows, cols, vals = [], [], []
    for b, (w, _, sw) in enumerate(jobs):
        at = slice(*np.searchsorted(block, [b, b + 1]))
        markets = np.array(sorted(sw), dtype=np.int64)
        rows += [b * size + graph.head[idx[at]], np.full(len(markets), b * size + n)]
        cols += [b * size + graph.tail[idx[at]], b * size + markets]
        vals += [w[idx[at]], np.array([sw[m] for m in markets], dtype=float) + shifts[b]]
    rows, cols, vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    indptr = np.searchsorted(rows, np.arange(k * size + 1))
    rev = sp.csr_matrix((vals, cols, indptr), shape=(k * size, k * size))
    sinks = np.arange(k) * size + n
    dist, pred = dijkstra(rev, directed=True, indices=sinks, return_predecessors=True)
    out = []
    for b in range(k):
        d = dist[b, b * size:b * size + n] - shifts[b]
        p = pred[b, b * size:b * size + n].astype(np.int64)
        p = np.where(p >= 0, p - b * size, p)
        at_market = p == n
        # the arc v -> p[v] (unique: parallel arcs were dropped above), by its sorted
        # (block, head, tail) key
        want = (b * size + p) * size + np.arange(n, dtype=np.int64)
        pos = np.minimum(np.searchsorted(pair, want), max(len(pair) - 1, 0))
        hit = (p >= 0) & (p != n) & (len(pair) > 0)
        hit[hit] = pair[pos[hit]] == want[hit]
        next_arc = np.where(hit, idx[pos] if len(idx) else -1, -1).astype(np.int64)
        out.append((d, next_arc, at_market))
    return out


def _fastest_to_markets(graph: PricingGraph, usable: np.ndarray,
                        markets: Sequence[int]) -> np.ndarray:
    """Fewest hours from every node to any of ``markets`` over usable arcs (worked out once
    per graph, usable arcs and markets)."""
    key = ("fastest", usable.tobytes(), tuple(markets))
    if key not in graph._memo:
        graph._memo[key], _, _ = _to_sink(graph, graph.hours.astype(float), usable,
                                          {m: 0.0 for m in markets})
    return graph._memo[key]


# ---- static pricing -------------------------------------------------------------------------
def price_static(graph: PricingGraph, products: Sequence[PricingProduct], duals: StaticDuals,
                 *, max_columns: int = 1, tolerance: float = TOLERANCE,
                 exact_minimum: bool = True) -> PricingResult:
    """Price every (origin, product) of a static model: routes with reduced cost < -tolerance.

    Parameters
    ----------
    graph : PricingGraph
    products : sequence of PricingProduct
    duals : StaticDuals
    max_columns : int
        Most routes returned per (origin, product), least reduced cost first (the best one is
        exact; further ones are the next non-dominated labels to reach a market).
    tolerance : float
        USD/t; a route prices out when its reduced cost is below ``-tolerance``.
    exact_minimum : bool
        Also find the exact least reduced cost of pairs the screen already shows cannot price
        out (for the certificate); otherwise their ``min_reduced_cost_usd_per_t`` is the
        screen's lower bound.

    Returns
    -------
    PricingResult
    """
    cols, pairs = [], []
    stats = {"pairs": 0, "screened": 0, "searched": 0, "labels": 0, "columns": 0}
    at = graph.node_index()
    terms = _crossing_terms(graph, duals)
    prepared, jobs = [], {}
    for product in products:  # every screen's Dijkstra at once (:func:`_to_sinks`)
        base, usable = static_weights(graph, product, duals, terms)
        sinks = _sinks(product, duals, at)
        if not sinks:
            continue
        # origins with the same market ends and the same entry-row terms share a screen
        groups = {o: (sinks[o], entry_terms(graph, product, o, duals.entry_usd_per_truck))
                  for o in product.origins}
        weights = {extra: _with_entry(graph, base, extra) for _, extra in groups.values()}
        prepared.append((product, weights, usable, sinks, groups))
        for key in dict.fromkeys(groups.values()):
            jobs[(len(prepared) - 1, key)] = (weights[key[1]], usable, dict(key[0]))
    screened = dict(zip(jobs, _to_sinks(graph, list(jobs.values()))))
    for j, (product, weights, usable, sinks, groups) in enumerate(prepared):
        P = product.payload_t_per_truck
        screens = {key: screened[(j, key)] for key in set(groups.values())}
        # fewest hours to a market: only label setting needs them, made on first need
        fastest = functools.cache(functools.partial(
            _fastest_to_markets, graph, usable, [m for m, _ in next(iter(sinks.values()))]))
        for origin in product.origins:
            o = at[origin]
            sink = dict(sinks[origin])
            weight = weights[groups[origin][1]]
            dist, next_arc, at_market = screens[groups[origin]]
            pi = float(duals.supply_usd_per_t.get((origin, product.product_id), 0.0))
            screen = (dist[o] - P * pi) / P
            stats["pairs"] += 1
            row = {"origin": origin, "product_id": product.product_id,
                   "screen_usd_per_t": screen, "method": "screen", "labels": 0, "exact": True}
            path = _follow(graph, o, next_arc, at_market) if np.isfinite(dist[o]) else None
            if path is not None and _keeps(graph, product, o, path):
                row["min_reduced_cost_usd_per_t"] = screen
                stats["screened"] += 1
                if screen < -tolerance:
                    cols.append(_column(graph, product, o, path, screen))
                    if max_columns > 1:
                        found, n_labels = _label_setting(
                            graph, product, o, weight, usable, sink, dist, fastest(), P * pi,
                            max_columns, -tolerance)
                        cols[-1:] = [_column(graph, product, o, p, rc) for p, rc in found] \
                            or cols[-1:]
                        row["labels"] = n_labels
            elif not np.isfinite(dist[o]) or (screen >= -tolerance and not exact_minimum):
                row["min_reduced_cost_usd_per_t"] = screen
                row["exact"] = not np.isfinite(dist[o])  # no route at all, or a lower bound
                stats["screened"] += 1
            else:
                found, n_labels = _label_setting(graph, product, o, weight, usable, sink, dist,
                                                 fastest(), P * pi, max_columns, -tolerance)
                row.update(method="labels", labels=n_labels,
                           min_reduced_cost_usd_per_t=found[0][1] if found else math.inf)
                stats["searched"] += 1
                stats["labels"] += n_labels
                cols += [_column(graph, product, o, p, rc) for p, rc in found if rc < -tolerance]
            pairs.append(row)
    columns = pd.DataFrame(cols, columns=COLUMN_FIELDS)
    stats["columns"] = len(columns)
    return PricingResult(columns=columns, pairs=pd.DataFrame(pairs, columns=[
        "origin", "product_id", "screen_usd_per_t", "min_reduced_cost_usd_per_t", "exact",
        "method", "labels"]), stats=stats)


def entry_terms(graph: PricingGraph, product: PricingProduct, origin: str,
                rows: Sequence) -> tuple:
    """The gate-entry duals a route of ``product`` from ``origin`` pays per truck at each
    crossing direction, as a sorted tuple of ``((crossing index, direction index), USD)``
    (``rows``: :attr:`StaticDuals.entry_usd_per_truck`; a dual below 0 beyond solver noise is
    refused, as for every ``<=`` row)."""
    at = {c: i for i, c in enumerate(graph.crossing_ids)}
    out: dict[tuple, float] = {}
    for cid, direction, origins, prods, dual in rows:
        if (origins and origin not in origins) or (prods and product.product_id not in prods) \
                or cid not in at:
            continue
        value = float(_check_sign("gate entry", np.array([float(dual)]))[0])
        if value > 0.0:
            key = (at[cid], DIRECTIONS.index(direction))
            out[key] = out.get(key, 0.0) + value
    return tuple(sorted(out.items()))


def _with_entry(graph: PricingGraph, weight: np.ndarray, extra: tuple) -> np.ndarray:
    """``weight`` plus the entry terms ``extra`` (:func:`entry_terms`) on their crossing arcs."""
    if not extra:
        return weight
    add = np.zeros((len(graph.crossing_ids) + 1, 2))
    for (c, d), value in extra:
        add[c, d] = value
    x = graph.crossing >= 0
    out = weight.copy()
    out[x] += add[graph.crossing[x], graph.direction[x]]
    return out


def _sinks(product: PricingProduct, duals: StaticDuals,
           at: Mapping[str, int]) -> dict[str, tuple]:
    """Per origin of ``product``, its super-sink edges as a sorted tuple of ``(market node,
    weight per truck)``: ``P (lambda - price + share term)``. Origins in the scope of the same
    destination-share rows share a tuple, and one Dijkstra per distinct tuple screens them."""
    P = product.payload_t_per_truck
    base = {}
    for m, price in product.markets:
        lam = float(duals.market_usd_per_t.get((m, product.product_id), 0.0))
        if lam < -1e-6:
            raise ValueError(f"market dual of ({m}, {product.product_id}) is {lam:.6g} < 0")
        base.setdefault(m, []).append(max(lam, 0.0) - float(price))
    share = duals.share_usd_per_t
    out = {}
    for origin in product.origins:
        edges: dict[int, float] = {}
        for m, values in base.items():
            extra = float(share.get((origin, product.product_id, m), 0.0))
            w = P * (min(values) + extra)
            edges[at[m]] = min(w, edges.get(at[m], math.inf))
        out[origin] = tuple(sorted(edges.items()))
    return out


def _follow(graph: PricingGraph, o: int, next_arc: np.ndarray,
            at_market: np.ndarray) -> list[int] | None:
    """The arcs of the screen's least path from ``o`` to the sink."""
    path, node = [], o
    while not at_market[node]:
        a = int(next_arc[node])
        if a < 0 or len(path) > graph.n_nodes:
            return None
        path.append(a)
        node = int(graph.head[a])
    return path


def _keeps(graph: PricingGraph, product: PricingProduct, o: int, path: list[int]) -> bool:
    """True if ``path`` keeps the shelf life, enters no country twice and no node twice."""
    hours = float(graph.hours[path].sum()) if path else 0.0
    nodes = [o] + [int(graph.head[a]) for a in path]
    countries = [graph.country[o]] + [graph.country[graph.head[a]] for a in path
                                      if graph.crossing[a] >= 0]
    return (hours <= product.shelf_life_h + HOURS_EPS and len(set(nodes)) == len(nodes)
            and len(set(countries)) == len(countries))


def _column(graph: PricingGraph, product: PricingProduct, o: int, path: list[int],
            reduced: float) -> tuple:
    """A column row: origin, product, market, arcs, crossings, hours, cost, reduced cost."""
    market = graph.node_ids[int(graph.head[path[-1]])] if path else graph.node_ids[o]
    x = graph.crossing[path] >= 0 if path else np.zeros(0, dtype=bool)
    tolls = float((graph.toll_usd_per_truck[path] * ~x).sum()) if path else 0.0
    links = float((graph.cost_usd_per_truck[path] * ~x).sum()) - tolls if path else 0.0
    fees = float((graph.cost_usd_per_truck[path] * x).sum()) if path else 0.0
    hours = float(graph.hours[path].sum()) if path else 0.0
    cost = (product.cost_factor * links + tolls + fees) / product.payload_t_per_truck \
        + product.vot_usd_per_t_h * hours
    return (graph.node_ids[o], product.product_id, market,
            tuple(graph.arc_ids[a] for a in path), int(x.sum()), hours, cost, float(reduced))


def _label_setting(graph: PricingGraph, product: PricingProduct, o: int, weight: np.ndarray,
                   usable: np.ndarray, sink: Mapping[int, float], dist: np.ndarray,
                   fastest: np.ndarray, offset: float, max_columns: int,
                   threshold: float) -> tuple[list, int]:
    """A* label setting from ``o`` under shelf life and countries (see the module docstring).

    Returns the first ``max_columns`` routes reaching the sink (the first is the exact
    optimum; more are returned only while below ``threshold``), as ``(arcs, reduced cost per
    t)``, and the number of labels popped.
    """
    P = product.payload_t_per_truck
    shelf = product.shelf_life_h + HOURS_EPS
    SINK = -1
    # label: (node, cost, hours, countries bitmask, parent label, arc)
    labels = [(o, 0.0, 0.0, 1 << int(graph.country[o]), -1, -1)]
    heap = [(dist[o], 0.0, 0)]
    kept: dict[int, list[tuple[float, int]]] = {}
    found, popped = [], 0
    while heap:
        _, _, lid = heapq.heappop(heap)
        node, cost, hours, mask, _, _ = labels[lid]
        popped += 1
        if node == SINK:
            rc = (cost - offset) / P
            if found and rc >= threshold:
                break
            found.append((_arcs_of(labels, lid), rc))
            if len(found) >= max_columns or rc >= threshold:
                break
            continue
        here = kept.setdefault(node, [])
        if any(h <= hours and (m & ~mask) == 0 for h, m in here):
            continue
        here.append((hours, mask))
        if node in sink:
            labels.append((SINK, cost + sink[node], hours, mask, lid, -2))
            heapq.heappush(heap, (cost + sink[node], hours, len(labels) - 1))
        for a in graph.out_arcs(node):
            if not usable[a]:
                continue
            v = int(graph.head[a])
            h = hours + graph.hours[a]
            if h + fastest[v] > shelf or not np.isfinite(dist[v]):
                continue
            m = mask
            if graph.crossing[a] >= 0:
                bit = 1 << int(graph.country[v])
                if mask & bit:
                    continue
                m = mask | bit
            c = cost + weight[a]
            labels.append((v, c, h, m, lid, a))
            heapq.heappush(heap, (c + dist[v], h, len(labels) - 1))
    return found, popped


def _arcs_of(labels: list, lid: int) -> list[int]:
    """Arc indices of the path of label ``lid``."""
    arcs = []
    while lid >= 0:
        _, _, _, _, parent, arc = labels[lid]
        if arc >= 0:
            arcs.append(arc)
        lid = parent
    return arcs[::-1]
