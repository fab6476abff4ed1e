r"""Pricing of new routes in a dated (day-by-day) model: time-dependent duals, gate queues.

(Over 500 lines: the columns, the proof that they suffice and the search that finds them are
one argument and are kept together.)

The static counterpart and the common inputs (:class:`~borderflow.model.pricing.PricingGraph`,
:class:`~borderflow.model.pricing.PricingProduct`) are in :mod:`borderflow.model.pricing`.

Columns and their reduced costs
-------------------------------
In a dated model (periods ``0..n-1``: the horizon's days, then the run-out tail) a route with at
least one crossing is a *stream* that queues at its **last** crossing ``g``
(:mod:`borderflow.model.queues`). For a route of product ``p`` (payload ``P`` t/truck, shelf life
``S`` h) from ``o`` to ``m`` with duration ``H`` hours, cost :math:`c_r` USD/t (trucking and fees,
the objective coefficient of its flow), crossing ``j`` entered ``o_j`` hours after dispatch
(``o_g`` for the gate), let

- ``a = t + floor(o_g / 24)``: the day cargo dispatched on day ``t`` reaches the gate (a flow
  with ``a >= n`` is not in the model);
- ``W = min(queue_max_wait_days, max(0, floor((S - H) / 24)))``: the days it may wait;
- ``k = floor((H - o_g) / 24)``: the days from entering the gate to the market;
- :math:`\tau_j = t + \lfloor o_j / 24 \rfloor`: the day it takes crossing ``j`` (not the gate).

With the duals :math:`\pi_{o,p,t}` (supply balance, USD/t), :math:`\mu_{c,d,\tau} \ge 0`
(capacity, USD/truck), :math:`\rho_{c,d,\tau} \ge 0` (priority lanes, paid by non-perishables:
:math:`\tilde\rho`), :math:`\lambda_{m,p,\tau} \ge 0` (market demand, USD/t), the empty-return
share :math:`\sigma` and lag :math:`\ell` days, the waiting cost :math:`\omega` USD per
truck-day, every dual of a day ``>= n`` taken as 0 (the model has no such row), the columns are

- **depart** ``(r, t, d)``, ``a <= d <= min(a + W, n - 1)``: dispatched on ``t``, queued ``d - a``
  days, crosses the gate on ``d``:

  .. math::

      \bar c_{r,t,d} = c_r - \text{price}_{m,p} - \pi_{o,p,t}
        + \frac{1}{P}\sum_{j \ne g}\big(\mu_{c_j,d_j,\tau_j} + \sigma\mu_{c_j,d_j',\tau_j+\ell}
                                       + \tilde\rho_{c_j,d_j,\tau_j}\big)
        + \frac{1}{P}\big((d - a)\,\omega + \mu_{g,d_g,d} + \sigma\mu_{g,d_g',d+\ell}
                          + \tilde\rho_{g,d_g,d}\big) + \lambda_{m,p,d+k};

- **hold** ``(r, t)`` when ``a + W + 1 >= n`` (no expiry row reaches the cargo): still queued when
  the modelled days end, :math:`c_r - \pi_{o,p,t} + (\text{upstream duals}) + (n - a)\,\omega/P
  + \text{penalty}_p` (the end-of-horizon valuation), no revenue;
- **direct** ``(r, t)`` for a route without crossings:
  :math:`c_r - \text{price}_{m,p} - \pi_{o,p,t} + \lambda_{m,p,t + \lfloor H/24 \rfloor}`.

Destination-share rows of dispatch day ``t`` (:func:`borderflow.model.indices.share_table`)
price every column of the flow dispatched on ``t`` alike: each adds the constant
:math:`s_{o,p,m,t} = -\sum_r a_r(m)\,y_{r,t}` USD/t (``a_r(m) = [m \in \text{region}_r] -
\text{band end}_r``, :math:`y` the rows' duals, :attr:`DatedDuals.share_usd_per_t`), of either
sign. A negative term adds one more column, **expire** ``(r, t)`` when ``a + W + 1 < n``:
queued ``W + 1`` days and written off, :math:`c_r - \pi_{o,p,t} + (\text{upstream duals}) +
(W + 1)\,\omega/P + \text{penalty}_p + s` (departure code ``-3``). Without a share term it is
never below the unserved reduced cost :math:`\text{penalty}_p - \pi_{o,p,t} \ge 0`, so it is
left out then (the proof below). The search's bounds are made without the terms and lowered by
:math:`P \min(0, \min_m s_{o,p,m,t})`, a constant per search, so A* stays exact.

A crossing direction closed on the day a column takes it (capacity 0) forbids the column (the
model bounds such variables to 0). Gate-entry rows (:mod:`borderflow.model.levers`) of the
route's origin and product add their dual :math:`\epsilon \ge 0` per truck at each crossing
they cover (the gate too): slot quotas and licences on the day the route reaches it
(:math:`\tau_j`, or ``a`` at the gate), dispatch holds on the dispatch day ``t``; they are
paid by the route flow, so depart and hold columns alike, and being ``>= 0`` they leave the
search's lower bounds valid.

Why pricing over these columns is exact for a new stream
--------------------------------------------------------
A stream's variables (flows :math:`x_t`, stock :math:`Q_t`, departures :math:`y_t`, expiries
:math:`e_t`) and its own rows (queue balance, FIFO age, expiry) form a block; the other rows
(supply, capacities, priority, markets) link it to the model. The least *linking* reduced cost
over the block's cone is negative exactly when some depart or hold column's is:

- every column is a point of the block (ship on ``t``, hold ``d - a`` days, depart on ``d``: the
  age rows hold since ``d <= a + W``, no expiry), so a column with a negative reduced cost
  lowers the objective once its stream is added;
- every block point is a non-negative sum of columns plus parts that cannot price out. Match
  outflows to arrivals first-in-first-out, each day's expiries before its departures. The age
  row of day ``t`` says departures up to ``t - 1`` plus expiries up to ``t`` cover all cargo
  that arrived before ``t - W``, so a tonne departing on ``d`` arrived on a day in
  ``[d - W, d]`` (not after ``d``: the stock is never negative): a depart column. A tonne still
  queued at the end arrived on a day ``>= n - W - 1``: a hold column. A tonne that expires on
  day ``e`` contributes :math:`c_r + (\text{upstream duals}) + (e - a)\omega/P +
  \text{penalty}_p - \pi_{o,p,t} \ge \text{penalty}_p - \pi_{o,p,t}`, the reduced cost of the
  unserved variable of the same origin, product and day, which is ``>= 0`` at any dual-feasible
  point of the restricted model; with a destination-share term :math:`s < 0` it is at least
  the expire column's (the least wait before a write-off is ``W + 1`` days), which is priced.
  Waiting cost adds up over the matching (a day's stock is the
  sum of the tonnes queued at its end), and so do the linking rows and the objective.

LP duality over the block then gives values for its own rows that make every block variable's
reduced cost non-negative whenever no column prices out: pricing over the columns is exact.
Existing streams need no exception: their columns are block points too, so at an optimum of
the restricted model none has a negative reduced cost.

Initial queues (trucks waiting when the horizon starts) are allocated to every stream of their
product through their gate. A new stream's allocation of entry ``j`` (``age`` days old, dual
:math:`\eta_j` of its total, USD/truck) departs on ``d <= W - age`` (:math:`d\,\omega +
\mu_{g,d_g,d} + \sigma\mu_{g,d_g',d+\ell} + \tilde\rho + P(\lambda_{m,p,d+k} - \text{price}) -
\eta_j` per truck), expires (at least :math:`P\,\text{penalty}_p - \eta_j`) or, when the wait
outlasts the modelled days, stays queued (:math:`n\,\omega - \eta_j`): its upstream
route enters only through ``W`` and ``k``. :mod:`borderflow.model.initial_pricing` prices
them exactly over every route through the gate (session 16; column generation adds the route
of an entry that prices out); :func:`initial_queue_bounds` is the older, looser bound that
relaxes ``W`` to ``queue_max_wait_days`` and ``k`` to every value a route could have.

Algorithm
---------
Costs depend on the day a crossing is reached, so hours no longer dominate (a later label may
meet a cheaper day). The search per (origin, product, dispatch day) is A* over elementary paths
that enter no country twice: a label's key is its cost plus a lower bound to the sink (one
Dijkstra per product and day: fees plus the least dual each crossing has over the days it could
be reached, and the least market term), the first column popped is the least, and labels are cut
by shelf life and by the threshold. At a crossing a label either passes it (pays that day's
duals, must cross again) or makes it its queue gate (only domestic links follow; the departure
day is chosen at the market). With ``hour_bounds`` the keys also take the per node and
slot-of-time bounds of :mod:`borderflow.model.dated_hour_bounds` (the larger of the two), and
equal keys pop the label pushed last first: where the bound is exact and the roads have many
paths of exactly the same cost (lengths rounded to 0.1 km), breadth first among equal keys
expands every one of them before any reaches its end (session 13, docs/notes/performance-log.md).

(Over 500 lines: a fifth is this docstring, the pricing's proof obligations; the rest is one
search, its duals, day bounds and labels, which are read together.)
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .dated_dominance import Front, Margins
from .dated_hour_bounds import HourBounds
from .pricing import (
    DIRECTIONS,
    HOURS_EPS,
    TOLERANCE,
    PricingGraph,
    PricingLimitError,
    PricingProduct,
    PricingResult,
    _check_sign,
    _column,
    _licensed,
    _to_sink,
    _to_sinks,
    route_weights,
)

#: departure code of a hold column (still queued when the modelled days end)
HOLD = -2
#: departure code of a direct (no-crossing) route
DIRECT = -1
#: departure code of an expire column (written off in the gate queue; only with a negative
#: destination-share term)
EXPIRE = -3
#: labels one dated search may pop before it stops with PricingLimitError
MAX_LABELS = 2_000_000


@dataclass
class DatedDuals:
    """Duals of a dated restricted model, as prices (minimisation), and its queue parameters.

    Arrays over crossings are indexed ``[crossing, direction, period]`` in the order of
    ``PricingGraph.crossing_ids`` and :data:`~borderflow.model.pricing.DIRECTIONS`.

    Attributes
    ----------
    n_periods : int
        Days modelled (horizon and run-out tail).
    capacity_usd_per_truck : ndarray
        :math:`\\mu \\ge 0` per crossing, direction and day.
    closed : ndarray of bool
        Crossing directions with no capacity on a day.
    supply_usd_per_t : mapping (origin, product_id, period) -> float
        :math:`\\pi` (missing: 0).
    market_usd_per_t : mapping (market, product_id, period) -> float
        :math:`\\lambda \\ge 0` (missing: 0).
    priority_usd_per_truck : ndarray or None
        :math:`\\rho \\ge 0` per crossing, direction and day (non-perishables pay it).
    empty_return_share : float
    empty_return_days : int
    waiting_cost_usd_per_truck_day : float
    max_wait_days : int
        ``queue_max_wait_days``.
    share_usd_per_t : mapping (origin, product_id, market, period) -> float
        What the destination-share rows of dispatch day ``period`` add to the reduced cost of
        every column of a route from ``origin`` to ``market`` carrying the product dispatched
        that day: :math:`-\\sum_r a_r(m)\\,y_r` (:func:`~borderflow.model.column_generation.
        dated_share_terms`; missing: 0). Of either sign.
    entry_usd_per_truck : sequence of (crossing_id, direction, period, origins, products,
        kind, dual)
        Gate-entry rows (:mod:`borderflow.model.levers`) with their dual :math:`\\epsilon
        \\ge 0` (USD per truck): a route from one of ``origins`` carrying one of ``products``
        (empty: any) pays it at that crossing direction when it reaches the crossing on
        ``period`` (``slot_quota``, ``license``) or is dispatched on ``period``
        (``hold_dispatch``).
    """

    n_periods: int
    capacity_usd_per_truck: np.ndarray
    closed: np.ndarray
    supply_usd_per_t: Mapping = field(default_factory=dict)
    market_usd_per_t: Mapping = field(default_factory=dict)
    priority_usd_per_truck: np.ndarray | None = None
    empty_return_share: float = 0.0
    empty_return_days: int = 0
    waiting_cost_usd_per_truck_day: float = 0.0
    max_wait_days: int = 14
    entry_usd_per_truck: Sequence = ()
    share_usd_per_t: Mapping = field(default_factory=dict)

    def share(self, at: Mapping[str, int], product_id: str, origin: str,
              dispatch: int) -> dict[int, float]:
        """Market node index (``at``: :meth:`PricingGraph.node_index`) -> share term (USD/t)
        of columns of ``product_id`` from ``origin`` dispatched on ``dispatch`` (nonzero terms
        only)."""
        if not self.share_usd_per_t:
            return {}
        made = self.__dict__.get("_share_by")
        if made is None or made[0] is not self.share_usd_per_t:
            # grouped once by (origin, product, day), again if the mapping is replaced (a
            # copy of these duals with other terms)
            by: dict = {}
            for (o, pid, m, t), v in self.share_usd_per_t.items():
                if v != 0.0:
                    by.setdefault((o, pid, int(t)), {})[m] = float(v)
            made = self.__dict__["_share_by"] = (self.share_usd_per_t, by)
        by = made[1]
        return {at[m]: v for m, v in by.get((origin, product_id, int(dispatch)), {}).items()
                if m in at}

    def entry(self, graph: PricingGraph, product_id: str, origin: str,
              dispatch: int) -> np.ndarray | None:
        """``[crossing, direction, day]`` array of the entry duals a route of ``product_id``
        from ``origin`` dispatched on ``dispatch`` pays per truck taking a crossing on a day
        (None: none)."""
        if not self.entry_usd_per_truck:  # most runs: nothing to index (a search each)
            return None
        out, at = None, {c: i for i, c in enumerate(graph.crossing_ids)}
        for cid, direction, period, origins, prods, kind, dual in self.entry_usd_per_truck:
            if (origins and origin not in origins) or (prods and product_id not in prods) \
                    or cid not in at or (kind == "hold_dispatch" and int(period) != dispatch):
                continue
            value = float(_check_sign("gate entry", np.array([float(dual)]))[0])
            if out is None:
                out = np.zeros((len(graph.crossing_ids), 2, self.n_periods))
            c, d = at[cid], DIRECTIONS.index(direction)
            if kind == "hold_dispatch":
                out[c, d, :] += value  # every day it takes the crossing: held on dispatch
            elif 0 <= int(period) < self.n_periods:
                out[c, d, int(period)] += value
        return out

    @classmethod
    def zeros(cls, graph: PricingGraph, n_periods: int, **kwargs) -> DatedDuals:
        """All duals 0, nothing closed (``kwargs`` set the other fields)."""
        shape = (len(graph.crossing_ids), 2, n_periods)
        return cls(n_periods=n_periods, capacity_usd_per_truck=np.zeros(shape),
                   closed=np.zeros(shape, dtype=bool), **kwargs)


#: a search's gate-entry duals not read yet (:func:`price_dated`)
_UNREAD = object()


class _Days:
    """Per-truck crossing terms of one product by day, 0 beyond the modelled days."""

    def __init__(self, graph: PricingGraph, product: PricingProduct, duals: DatedDuals):
        n = duals.n_periods
        mu = _check_sign("capacity", np.asarray(duals.capacity_usd_per_truck, dtype=float))
        rho = np.zeros_like(mu) if duals.priority_usd_per_truck is None else _check_sign(
            "priority", np.asarray(duals.priority_usd_per_truck, dtype=float))
        lag = int(duals.empty_return_days)
        back = np.zeros_like(mu)  # sigma * mu of the opposite direction, lag days later
        if lag < n:
            back[:, :, :n - lag] = mu[:, ::-1, lag:]
        term = mu + duals.empty_return_share * back
        if not product.perishable:
            term = term + rho
        self.n = n
        self.term = term
        self.closed = np.asarray(duals.closed, dtype=bool)
        # the same numbers read one at a time as Python floats and bools (a memoryview's
        # item is the array's double, bit for bit, without a numpy scalar per read):
        # index (c * 2 + d) * n + day
        self._term = memoryview(np.ascontiguousarray(term, dtype=float).reshape(-1))
        self._closed = memoryview(np.ascontiguousarray(self.closed).reshape(-1))
        #: a set while a reference's search records the crossing days it looks at (None: not)
        self.looked: set | None = None

    def crossing(self, c: int, d: int, day: int) -> float:
        """Dual part of taking crossing ``c`` in direction ``d`` on ``day`` (inf if closed)."""
        n = self.n
        if day >= n:
            return 0.0
        if self.looked is not None:
            self.looked.add((c, d, day))
        i = (c * 2 + d) * n + day
        return math.inf if self._closed[i] else self._term[i]

    def least(self, first: int, last: int) -> np.ndarray:
        """(n_crossings, 2): least dual part over days ``first..last`` (0 if any is beyond)."""
        if last >= self.n:
            return np.zeros(self.term.shape[:2])
        return self.term[:, :, first:last + 1].min(axis=2)


def price_dated(graph: PricingGraph, products: Sequence[PricingProduct], duals: DatedDuals,
                dispatch_periods: Sequence[int], *, max_columns: int = 1,
                tolerance: float = TOLERANCE, max_labels: int = MAX_LABELS,
                bands: Mapping | None = None, reuse=None, skip=None,
                record: dict | None = None, label_bound: bool = False,
                dominance: bool = False, hour_bounds: bool = False) -> PricingResult:
    """Price every (origin, product, dispatch day): depart, hold and direct columns with a
    reduced cost below ``-tolerance`` (module docstring).

    Parameters
    ----------
    graph : PricingGraph
    products : sequence of PricingProduct
    duals : DatedDuals
    dispatch_periods : sequence of int
        Days supply is dispatched on (the horizon's days).
    max_columns : int
        Most columns per (origin, product, day), least reduced cost first.
    tolerance : float
        USD/t.
    max_labels : int
        Labels one search may pop; beyond it :class:`PricingLimitError` is raised (with
        ``label_bound``: the search stops with the least key it had left as a lower bound,
        ``exact`` False, and is counted in ``stats["limited"]``).
    bands : mapping (origin, product_id, period) -> sequence of (band, hours cap h, offset
        USD/t), optional
        Runs with stock at origins (:mod:`borderflow.model.stock_bound`): for each band, one
        more search of that (origin, product, day) over routes of at most ``hours cap`` hours
        (the gate wait still limited by the full shelf life), ``offset`` added to every
        reduced cost. With it, ``columns`` and ``pairs`` add ``band`` (0: the ordinary
        search) and ``offset_usd_per_t``.

    Returns
    -------
    PricingResult
        ``columns`` add ``period`` and ``departure`` (gate day, ``-1`` direct, ``-2`` hold);
        ``pairs`` add ``period``; ``min_reduced_cost_usd_per_t`` is exact where ``exact``,
        otherwise a proven lower bound ``>= -tolerance``.
    dominance : bool
        Discard labels dominated by the rule of :mod:`borderflow.model.dated_dominance`
        (exact: the same least reduced cost and bounds, fewer labels; ``stats["dominated"]``
        counts them; a pair may get fewer columns than ``max_columns``).
    hour_bounds : bool
        Keys also bounded by :mod:`borderflow.model.dated_hour_bounds` (per node and slot of
        absolute time: the duals of the days a label actually meets), the larger of the two
        taken: exact, the same least reduced costs and bounds, fewer labels.
    reuse : Reuse, optional
        A sweep scenario's :class:`borderflow.model.dated_reuse.Reuse`: a search whose inputs
        are bit for bit the reference's takes the reference's result (without ``bands``).
    record : dict, optional
        Filled with each search's ``(pair row, column rows, crossing days looked at)`` by
        ``(origin, product_id, period)`` (without ``bands``; the searches run or reused,
        never one skipped by a bound): what a reference keeps for
        :class:`Reuse`; the crossing days are ``(crossing, direction, day)`` whose closure and
        dual the search read.
    """
    cols, pairs = [], []
    stats = {"pairs": 0, "searched": 0, "labels": 0, "columns": 0}
    if label_bound:
        stats["limited"] = 0
    if dominance:
        stats["dominated"] = 0
    at = graph.node_index()
    # the duals' signs checked up front, as every product's crossing terms would (those are
    # made only for a product whose searches run)
    _check_sign("capacity", np.asarray(duals.capacity_usd_per_truck, dtype=float))
    if duals.priority_usd_per_truck is not None:
        _check_sign("priority", np.asarray(duals.priority_usd_per_truck, dtype=float))
    for product in products:
        # what the searches of the product share, made on its first search that runs (a
        # sweep scenario may take every search of a product from its reference: nothing to
        # make); the same arrays whenever they are made
        ready: dict = {}

        def prepared(product=product, ready=ready):
            if not ready:
                days = _Days(graph, product, duals)
                usable = _licensed(graph, product)
                links = usable & (graph.crossing < 0)
                markets = {}
                for m, price in product.markets:
                    markets[at[m]] = min(float(price), markets.get(at[m], math.inf))
                fastest, _, _ = _to_sink(graph, graph.hours.astype(float), usable,
                                         {m: 0.0 for m in markets})
                reach_days = int(product.shelf_life_h // 24) + duals.max_wait_days + 1
                bounds = _Bounds(graph, product, duals, days, usable, links, markets,
                                 reach_days)
                ready.update(days=days, usable=usable, markets=markets, fastest=fastest,
                             reach_days=reach_days, hours=HourBounds(
                                 graph, product, duals, days, usable, markets)
                             if hour_bounds else None, bounds=bounds, at={},
                             arcs=_Arcs(graph, usable, bounds.weight),
                             fastest_list=fastest.tolist(),
                             lam=dict(zip(markets, bounds.lam.tolist())))
            return ready

        def bounds_at(t: int, share: Mapping[int, float], prepared=prepared):
            p = prepared()
            key = (t, tuple(sorted(share.items())))
            if key not in p["at"]:
                # the arrays, and the same numbers as lists for the searches' label extension
                arrays = p["bounds"].at(t, share)
                p["at"][key] = (*arrays, *map(_as_list, arrays))
            return p["at"][key]

        margins: dict = {}
        for t in dispatch_periods:
            for origin in product.origins:
                pi = float(duals.supply_usd_per_t.get((origin, product.product_id, t), 0.0))
                entry = _UNREAD  # the gate-entry duals, read for a search that runs (below)
                runs = [(0, None, 0.0)]
                if bands is not None:
                    runs += [tuple(b) for b in bands.get((origin, product.product_id, t), ())]
                for band, cap, shift in runs:
                    got = None if reuse is None or bands is not None else \
                        reuse.result(product, origin, t)
                    if got is not None:  # the reference's search, bit for bit
                        pairs.append(got[0])
                        cols += got[1]
                        if record is not None and bands is None:  # an exact result too
                            record[(origin, product.product_id, t)] = got
                        stats["pairs"] += 1
                        stats["reused"] = stats.get("reused", 0) + 1
                        continue
                    proven = None if skip is None or bands is not None else \
                        skip.row(product, origin, t)
                    if proven is not None:  # no column can price out: a bound, no search
                        pairs.append(proven[0])
                        skip.records.append(proven[1])
                        stats["pairs"] += 1
                        stats["skipped"] = stats.get("skipped", 0) + 1
                        continue
                    before = len(cols)
                    if entry is _UNREAD:
                        entry = duals.entry(graph, product.product_id, origin, t)
                    p = prepared()
                    share = duals.share(at, product.product_id, origin, t)
                    bound_all, bound_links, all_list, links_list = bounds_at(t, share)
                    # the hour bounds count the gate's dual, which an expire column (a
                    # negative share term) does not pay: not for such a search
                    expire = any(v < 0.0 for v in share.values())
                    search = _DatedSearch(graph, product, duals, p["days"], p["usable"],
                                          p["markets"], p["fastest_list"], all_list,
                                          links_list, t, max_labels, entry, hours_cap=cap,
                                          label_bound=label_bound,
                                          hour_bounds=None if expire else p["hours"],
                                          weight=p["bounds"].weight, arcs=p["arcs"],
                                          market_duals=p["lam"])
                    search.set_share(share)
                    if dominance:  # one Margins per day and entry duals
                        mkey = (t, None if entry is None else entry.tobytes())
                        if mkey not in margins:
                            margins[mkey] = Margins(graph, product, duals, p["days"],
                                                    p["usable"], p["markets"], t,
                                                    p["reach_days"], entry, search.weight)
                        # share terms are the same for two labels ending at one market; an
                        # expire column (a negative term) widens the margin after the gate
                        # by the waiting cost (dated_dominance, "Share terms")
                        search.front = Front(margins[mkey], (
                            duals.waiting_cost_usd_per_truck_day, duals.max_wait_days,
                            duals.n_periods, product.shelf_life_h, t) if expire else None)
                    keep = record is not None and bands is None
                    if keep:  # the crossing days the search looks at (closed or not)
                        p["days"].looked = set()
                    found, bound, exact = search.run(at[origin], pi - shift, max_columns,
                                                     -tolerance)
                    looked, p["days"].looked = p["days"].looked, None
                    stats["pairs"] += int(band == 0)
                    stats["searched"] += 1
                    stats["labels"] += search.popped
                    if search.limited:
                        stats["limited"] += 1
                    if search.front is not None:
                        stats["dominated"] += search.front.dominated
                    tag = () if bands is None else (band, shift)
                    pairs.append((origin, product.product_id, t,
                                  (bound_all[at[origin]] / product.payload_t_per_truck) - pi
                                  + shift, bound, exact, search.popped, *tag))
                    cols += [(*_column(graph, product, at[origin], path, rc), t, dep, *tag)
                             for path, rc, dep in found if rc < -tolerance]
                    if keep:
                        record[(origin, product.product_id, t)] = (pairs[-1], cols[before:],
                                                                   frozenset(looked))
    tag = [] if bands is None else ["band", "offset_usd_per_t"]
    columns = pd.DataFrame(cols, columns=[
        "origin", "product_id", "market", "arcs", "n_crossings", "hours", "cost_usd_per_t",
        "reduced_cost_usd_per_t", "period", "departure", *tag])
    stats["columns"] = len(columns)
    return PricingResult(columns=columns, pairs=pd.DataFrame(pairs, columns=[
        "origin", "product_id", "period", "screen_usd_per_t", "min_reduced_cost_usd_per_t",
        "exact", "labels", *tag]), stats=stats)


class _Bounds:
    """Lower bounds (USD/truck) from every node to the end of any column of one product
    dispatched on day ``t`` (:meth:`at`): over all usable arcs (a label before its gate) and
    over links only (after it).

    They depend on ``t`` only through the least crossing duals and the least market duals
    over the days such a column can reach, which neighbouring days often share (every dual 0
    away from the binding days): the two shortest-path passes are made once per distinct
    pair of those and reused, the same arrays bit for bit. The market duals are read into an
    array once per product, not looked up per day and market.
    """

    def __init__(self, graph: PricingGraph, product: PricingProduct, duals: DatedDuals,
                 days: _Days, usable: np.ndarray, links: np.ndarray,
                 markets: Mapping[int, float], reach_days: int):
        self.graph, self.product, self.days = graph, product, days
        self.usable, self.links, self.markets = usable, links, markets
        self.reach_days, self.n = reach_days, duals.n_periods
        lam = np.zeros((len(markets), self.n))
        for i, m in enumerate(markets):
            node = graph.node_ids[m]
            lam[i] = [float(duals.market_usd_per_t.get((node, product.product_id, d), 0.0))
                      for d in range(self.n)]
        self.lam = lam
        x = graph.crossing >= 0
        self.crossing_arcs = x
        self.weight = route_weights(graph, product)
        self.seen: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def at(self, t: int, share: Mapping[int, float] | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
        """``(over all usable arcs, over links only)`` for columns dispatched on ``t``;
        ``share``: market index -> destination-share term (USD/t) of the search's origin and
        day, paid by every column ending there (depart, hold or expire), so added to the
        market's end as it is."""
        g, P, x = self.graph, self.product.payload_t_per_truck, self.crossing_arcs
        least = self.days.least(t, t + self.reach_days)
        sink = {}
        for i, (m, price) in enumerate(self.markets.items()):
            window = self.lam[i, t:min(t + self.reach_days + 1, self.n)]
            lam = float(window.min()) if len(window) else 0.0
            if t + self.reach_days >= self.n:  # days beyond the model: dual 0
                lam = min(lam, 0.0)
            sink[m] = min(0.0, P * (lam - price)) + P * (share or {}).get(m, 0.0)
        key = (least.tobytes(), tuple(sink.items()))
        found = self.seen.get(key)
        if found is None:
            weight = self.weight.copy()
            weight[x] += least[g.crossing[x], g.direction[x]]
            # the two (three) shortest-path passes in one scipy call: the same numbers as a
            # call each (pricing._to_sinks), without scipy's set-up per call
            jobs = [(weight, self.usable, sink), (weight, self.links, sink)]
            expire = any(v < 0.0 for v in (share or {}).values())
            if expire:
                # an expire column pays no dual at its gate: before the gate, the least of
                # these and the bound with no crossing dual (a lower bound on it too)
                jobs.append((self.weight, self.usable, sink))
            done = _to_sinks(g, jobs)
            all_arcs, domestic = done[0][0], done[1][0]
            if expire:
                all_arcs = np.minimum(all_arcs, done[2][0])
            found = self.seen[key] = (all_arcs, domestic)
        return found


class _Arcs:
    """The arcs a product may use, leaving each node, as Python tuples ``(arc, head, hours,
    crossing, direction, cost per truck, head's country bit)`` in arc-id order (the order of
    :meth:`PricingGraph.out_arcs`): what a search's label extension reads, made once per
    product instead of read element by element from numpy arrays per label (the same
    numbers: ``tolist`` gives each double as it is)."""

    def __init__(self, graph: PricingGraph, usable: np.ndarray, weight: np.ndarray):
        ok, head = usable.tolist(), graph.head.tolist()
        hours, crossing = graph.hours.tolist(), graph.crossing.tolist()
        direction, cost = graph.direction.tolist(), weight.tolist()
        bit = [1 << c for c in graph.country.tolist()]
        self.out = [[(a, head[a], hours[a], crossing[a], direction[a], cost[a], bit[head[a]])
                     for a in graph.out_arcs(v) if ok[a]] for v in range(graph.n_nodes)]
        #: per arc, its crossing and direction (-1 for a link)
        self.crossing, self.direction = crossing, direction


class _DatedSearch:
    """A* over elementary paths of one (origin, product, dispatch day); see the module
    docstring. Labels are tuples ``(node, cost per truck, hours, countries, visited nodes,
    gate arc, gate offset h, crossings passed, parent, arc, departure)``."""

    def __init__(self, graph, product, duals, days, usable, markets, fastest, bound_all,
                 bound_links, t, max_labels, entry=None, hours_cap=None, label_bound=False,
                 hour_bounds=None, weight=None, *, arcs, market_duals):
        self.g, self.p, self.duals, self.days = graph, product, duals, days
        self.usable, self.markets, self.fastest = usable, markets, fastest
        self.bound_all, self.bound_links = bound_all, bound_links
        self.t, self.max_labels = t, max_labels
        # per truck, no duals (read only: the product's array, made once per product by
        # price_dated and shared by its searches, or made here)
        self.weight = route_weights(graph, product) if weight is None else weight
        # gate-entry duals by (crossing, direction, day reached), >= 0: the bounds (without
        # them) stay lower bounds
        self.entry = entry
        # routes of at most this many hours only (a band of stock_bound; None: shelf life)
        self.hours_cap = hours_cap
        self.popped = 0
        # at the label limit: stop with a lower bound (True) or raise PricingLimitError
        self.label_bound = label_bound
        self.limited = False
        # dated_dominance.Front of the search (None: every label kept)
        self.front = None
        # dated_hour_bounds.HourBounds of the product (None: the search's own bounds only)
        self.hour_bounds = hour_bounds
        # destination-share terms by market (USD/t) and their least (<= 0; set_share)
        self.share: dict[int, float] = {}
        self.share_least = 0.0
        # what the label extension reads, as Python numbers (the same values as the arrays),
        # made once per product by price_dated: the product's _Arcs, and its markets' duals
        # by day (market node -> USD/t over the modelled days, _Bounds.lam's numbers)
        self.arcs, self._lam = arcs, market_duals
        self._fastest, self._all, self._links = map(_as_list, (fastest, bound_all, bound_links))
        shelf = product.shelf_life_h + HOURS_EPS
        if hours_cap is not None:
            shelf = min(shelf, hours_cap)
        self._shelf = shelf

    def set_share(self, share: Mapping[int, float]) -> None:
        """The destination-share term (USD/t) of each market for this search (origin and
        dispatch day): added to every column ending there. The search's own bounds
        (:class:`_Bounds`) hold the terms at their markets; the hour bounds, made without them,
        are lowered by the least term (``<= 0``)."""
        self.share = dict(share)
        self.share_least = min([0.0, *self.share.values()])

    def run(self, o: int, pi: float, max_columns: int,
            threshold: float) -> tuple[list, float, bool]:
        """Columns ``(arcs, reduced cost per t, departure)`` below ``threshold`` (the first is
        the least over all columns), the least reduced cost (or a lower bound) and whether it
        is exact."""
        g, P = self.g, self.p.payload_t_per_truck
        offset = P * pi
        cut = threshold * P + offset  # keys at or above it cannot price out
        labels = [(o, 0.0, 0.0, 1 << int(g.country[o]), 1 << o, -1, 0.0, 0, -1, -1, None)]
        front = self.front
        if front is not None:
            front.admit(o, int(g.country[o]), 0.0, 0.0, labels[0][3], -1, 0.0)
        lower = P * self.share_least  # the hour bounds are made without the share terms
        start = self.bound_all[o]
        if self.hour_bounds is not None:
            start = max(start, self.hour_bounds.before(o, 0, self.t, 0.0) + lower)
        heap = [(start, 0)]
        # equal keys: with hour bounds the label pushed last first (depth first along a
        # plateau of equal keys, ``-lid``), else the first pushed; exact either way (A* pops
        # the least key first, whatever the order among equal ones)
        lifo = -1 if self.hour_bounds is not None else 1
        found = []
        hb = self.hour_bounds
        pop, push, extend = heapq.heappop, heapq.heappush, self._extend
        if hb is not None:  # the HourBounds bound of a label (not a finished column)
            before, after, t = hb.before, hb.after, self.t
            gate_crossing, gate_direction = self.arcs.crossing, self.arcs.direction
        while heap:
            key, lid = pop(heap)
            lid *= lifo
            if key >= cut:
                if not found:
                    return [], (key - offset) / P, False
                break
            self.popped += 1
            if self.popped > self.max_labels and self.label_bound:
                # every column not yet popped ends a label of key >= this one (the keys are
                # lower bounds and the heap pops the least): its reduced cost is a lower bound
                self.popped -= 1
                if found:  # the first column popped is the least (A*): exact
                    break
                self.limited = True
                return [], (key - offset) / P, False
            if self.popped > self.max_labels:
                raise PricingLimitError(
                    f"dated pricing of {self.p.product_id} from {g.node_ids[o]} on day {self.t}"
                    f" popped {self.max_labels:,} labels without a proof",
                    limit=self.max_labels, product_id=self.p.product_id,
                    origin=g.node_ids[o], period=self.t)
            label = labels[lid]
            if label[0] < 0:  # a finished column
                found.append((_path(labels, lid), (label[1] - offset) / P, label[10]))
                if len(found) >= max_columns:
                    break
                continue
            for child, bound in extend(label, lid):
                if front is not None and child[0] >= 0 and not front.admit(
                        child[0], int(g.country[child[0]]), child[1], child[2], child[3],
                        child[5], child[6]):
                    continue
                if hb is not None and child[0] >= 0:
                    gate = child[5]
                    if gate < 0:
                        bound = max(bound, before(child[0], child[7], t, child[2]) + lower)
                    else:
                        bound = max(bound, after(child[0], gate_crossing[gate],
                                                 gate_direction[gate],
                                                 t + int(child[6] // 24)) + lower)
                labels.append(child)
                push(heap, (child[1] + bound, lifo * (len(labels) - 1)))
        if not found:
            return [], math.inf, True
        return found, found[0][1], True

    def _extend(self, label: tuple, lid: int):
        """Children of a label, each with its lower bound to the end."""
        t = self.t
        node, cost, hours, mask, visited, gate, gate_h, passed = label[:8]
        shelf = self._shelf
        if node in self.markets and (gate >= 0 or passed == 0):
            end = self._terminal(node, cost, hours, gate, gate_h)
            if end is not None:
                yield (-1, end[0], hours, mask, visited, gate, gate_h, passed, lid, -1,
                       end[1]), 0.0
        fastest, bound_all, bound_links = self._fastest, self._all, self._links
        for a, v, tau, c, d, w, bit in self.arcs.out[node]:
            if visited >> v & 1:
                continue
            h = hours + tau
            if h + fastest[v] > shelf:
                continue
            if c < 0:
                bound = bound_links[v] if gate >= 0 else bound_all[v]
                yield (v, cost + w, h, mask,
                       visited | 1 << v, gate, gate_h, passed, lid, a, None), bound
                continue
            if gate >= 0 or mask & bit:
                continue
            day = t + int(hours // 24)
            fee = cost + w
            if self.entry is not None and day < self.duals.n_periods:
                fee += float(self.entry[c, d, day])
            dual = self.days.crossing(c, d, day)
            if math.isfinite(dual):  # pass through: must cross again
                yield (v, fee + dual, h, mask | bit, visited | 1 << v, -1, 0.0, passed + 1,
                       lid, a, None), bound_all[v]
            if day < self.duals.n_periods:  # make it the queue gate
                yield (v, fee, h, mask | bit, visited | 1 << v, a, hours, passed + 1, lid, a,
                       None), bound_links[v]

    def _terminal(self, m: int, cost: float, hours: float, gate: int,
                  gate_h: float) -> tuple[float, int] | None:
        """Cost per truck of the best way to end at market ``m`` and its departure code."""
        p, duals, t = self.p, self.duals, self.t
        P, n = p.payload_t_per_truck, duals.n_periods
        price, by_day = self.markets[m], self._lam[m]

        def lam(day: int) -> float:
            return 0.0 if day >= n else by_day[day]

        share = P * self.share.get(m, 0.0)
        if gate < 0:
            return cost + share + P * (lam(t + int(hours // 24)) - price), DIRECT
        a = t + int(gate_h // 24)
        wait = min(duals.max_wait_days, max(0, math.floor((p.shelf_life_h - hours) / 24)))
        k = int((hours - gate_h) // 24)
        c, d = self.arcs.crossing[gate], self.arcs.direction[gate]
        best, dep = math.inf, None
        for day in range(a, min(a + wait, n - 1) + 1):
            dual = self.days.crossing(c, d, day)
            value = (day - a) * duals.waiting_cost_usd_per_truck_day + dual \
                + P * (lam(day + k) - price)
            if value < best:
                best, dep = value, day
        if a + wait + 1 >= n:
            # still queued at the end: valued like cargo written off (its penalty)
            value = (n - a) * duals.waiting_cost_usd_per_truck_day + P * p.penalty_usd_per_t
            if value < best:
                best, dep = value, HOLD
        elif share < 0:
            # written off on day a + W + 1: at least the unserved reduced cost without a share
            # term, so a column only when the term is negative (docstring)
            value = (wait + 1) * duals.waiting_cost_usd_per_truck_day + P * p.penalty_usd_per_t
            if value < best:
                best, dep = value, EXPIRE
        return None if dep is None else (cost + best + share, dep)


def _as_list(values) -> list:
    """``values`` as a list of Python floats (the same doubles), as it is if it is one."""
    return values if isinstance(values, list) else np.asarray(values, dtype=float).tolist()


def _path(labels: list, lid: int) -> list[int]:
    arcs = []
    while lid >= 0:
        label = labels[lid]
        if label[9] >= 0:
            arcs.append(label[9])
        lid = label[8]
    return arcs[::-1]


def initial_queue_bounds(graph: PricingGraph, product: PricingProduct, duals: DatedDuals,
                         entries: Sequence[tuple], eta_usd_per_truck: Sequence[float],
                         ) -> pd.DataFrame:
    """Lower bounds on the reduced cost (USD/truck) of allocating initial-queue entries to a new
    stream of ``product`` (module docstring).

    Parameters
    ----------
    entries : sequence of (crossing_id, direction, age_days)
        The entries of this product (their gate, direction and age).
    eta_usd_per_truck : sequence of float
        Dual of each entry's total (``initial_queue_total``).

    Returns
    -------
    DataFrame
        crossing_id, direction, age_days, bound_usd_per_truck (relaxing the wait to
        ``max_wait_days`` and the gate-to-market days to every value a route could take).
    """
    days = _Days(graph, product, duals)
    P, n = product.payload_t_per_truck, duals.n_periods
    at = graph.node_index()
    x = {(graph.crossing_ids[graph.crossing[a]], DIRECTIONS[graph.direction[a]]): a
         for a in range(len(graph.arc_ids)) if graph.crossing[a] >= 0}
    links = _licensed(graph, product) & (graph.crossing < 0)
    rows = []
    for (cid, direction, age), eta in zip(entries, eta_usd_per_truck):
        a = x[(cid, direction)]
        c, d = int(graph.crossing[a]), int(graph.direction[a])
        best = P * product.penalty_usd_per_t - eta  # expiring, at no waiting cost
        if duals.max_wait_days - int(age) + 1 >= n:  # or still queued when the days end
            best = min(best, n * duals.waiting_cost_usd_per_truck_day - eta)
        for m, price in product.markets:
            hours, _, _ = _to_sink(graph, graph.hours.astype(float), links, {at[m]: 0.0})
            down = hours[int(graph.head[a])] + graph.hours[a]
            if not down <= product.shelf_life_h + HOURS_EPS:  # no route to m keeps shelf life
                continue
            ks = range(int(down // 24), int(product.shelf_life_h // 24) + 1)
            for day in range(min(duals.max_wait_days - int(age), n - 1) + 1):
                dual = days.crossing(c, d, day)
                if not math.isfinite(dual):
                    continue
                lam = min(float(duals.market_usd_per_t.get((m, product.product_id, day + k),
                                                           0.0)) if day + k < n else 0.0
                          for k in ks)
                best = min(best, day * duals.waiting_cost_usd_per_truck_day + dual
                           + P * (lam - float(price)) - eta)
        rows.append((cid, direction, age, best))
    return pd.DataFrame(rows, columns=["crossing_id", "direction", "age_days",
                                       "bound_usd_per_truck"])
