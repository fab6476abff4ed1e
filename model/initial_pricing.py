r"""Exact pricing of initial-queue entries: which route not in the model could take the trucks
already queued at a gate on day 0, and for how much (session 16, issue 18).

An initial-queue entry ``j`` (``age`` days old at gate ``g``, crossing ``c`` in direction
``d``, product ``p``, dual :math:`\eta_j` of its ``initial_queue_total`` row, USD/truck) is
allocated to every stream of ``p`` whose route has ``g`` as its last crossing (and starts at the
entry's origin when it names one; :func:`borderflow.model.queues.initial_allocations`). What a
new stream of route ``r`` could make of it (``model/dated_pricing.py``) depends on ``r`` only
through its market ``m``, its wait ``W_r = min(queue_max_wait_days, max(0, floor((S - H_r) /
24)))`` and its gate-to-market days ``k_r = floor((H_r - o_g) / 24)``:

.. math::

    v(m, W, k) = \min\Big(x(W),\ \min_{0 \le d \le \min(W - age,\, n - 1)} d\,\omega
        + \mu^g_d + P(\lambda_{m,p,d+k} - \text{price}_{m,p})\Big) - \eta_j

with ``x(W) = e ω + P penalty_p`` (the cargo expires on day ``e = max(0, W - age + 1)``,
waiting until then) when ``e < n``, else ``n ω`` (still queued when the days end)

(``\mu^g_d``: the gate's per-truck duals on day ``d``, infinite when it is closed).

The route's hours split at the gate: ``H_r = U + D`` with ``U`` the hours before the gate
(``o_g``) and ``D`` the gate's dwell plus the links after it (``k_r = floor(D / 24)``). After
its last crossing a route stays in the gate's country ``B`` (links never leave a country), and
before it the route may not enter ``B`` (no country twice), so the two parts are independent.
``v`` depends on the part before the gate only through ``W``, which never grows with ``U``:
the **fastest** way from an allowed origin to the gate (origins supplying ``p``, or the entry's
own; licensed crossings; no country twice; not through ``B``) is as good as any. That is a
shortest path over (node, countries entered) states, exact by Dijkstra (hours are
non-negative; a node revisited in the same state closes a cycle of non-negative hours).

After the gate, a **depth-first branch and bound** over the elementary link paths from the
gate's far end to the markets of ``p``: at a market the exact ``v``; a partial path (hours
``h`` so far) is cut when shelf life cannot be kept (``U + h`` plus the fastest hours to a
market above ``S``) or when its lower bound -- ``v`` with ``W`` at most the longest wait any
completion can have and ``k`` any value from the fastest completion to the shelf life, the
least market dual over them -- is not below ``min(best, 0)``. So the least ``v`` is exact when
negative, and the returned bound (the least of the best found and every cut bound) is a lower
bound on it always. A search that pops ``max_labels`` partial paths stops; its bound is then the
least of the best found and the bounds of the paths left (``exact`` false).

A negative ``v`` comes with its route (the fastest way to the gate, the gate, the links found):
column generation adds it as a column, and its stream takes the trucks in the next round.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from .pricing import HOURS_EPS, PricingGraph, PricingProduct, _licensed, _to_sink

__all__ = ["InitialColumn", "MAX_INITIAL_LABELS", "price_initial_entry"]

#: partial paths after the gate one entry's search may pop before it stops with a bound
MAX_INITIAL_LABELS = 200_000


@dataclass
class InitialColumn:
    """The least reduced cost (USD/truck) of giving one initial-queue entry to a new stream.

    ``bound_usd_per_truck`` is a lower bound on it (exact when ``exact`` and negative);
    ``origin``, ``arcs``: the route of the best allocation found (None when no route keeps
    shelf life, or none beats expiring), ``value_usd_per_truck`` its reduced cost."""

    bound_usd_per_truck: float
    exact: bool
    value_usd_per_truck: float
    origin: int | None = None
    arcs: tuple | None = None
    labels: int = 0


def _upstream(graph: PricingGraph, licensed: np.ndarray, origins: list[int], target: int,
              banned_country: int) -> tuple[float, int | None, list[int]]:
    """(hours, origin, arcs) of the fastest path from any of ``origins`` to ``target`` that
    enters no country twice and never ``banned_country``; (inf, None, []) if none."""
    out = [[] for _ in graph.node_ids]
    for a in range(len(graph.arc_ids)):
        out[int(graph.tail[a])].append(a)
    heap, best, parent = [], {}, {}
    for o in origins:
        if int(graph.country[o]) == banned_country:
            continue
        state = (o, 1 << int(graph.country[o]))
        if best.get(state, math.inf) > 0.0:
            best[state], parent[state] = 0.0, (None, -1)
            heapq.heappush(heap, (0.0, o, state[1]))
    while heap:
        h, v, mask = heapq.heappop(heap)
        if h > best.get((v, mask), math.inf):
            continue
        if v == target:
            arcs, state = [], (v, mask)
            while parent[state][0] is not None:
                prev, a = parent[state]
                arcs.append(a)
                state = prev
            return h, state[0], arcs[::-1]
        for a in out[v]:
            if not licensed[a]:
                continue
            w = int(graph.head[a])
            m = mask
            if graph.crossing[a] >= 0:
                bit = 1 << int(graph.country[w])
                if mask & bit or int(graph.country[w]) == banned_country:
                    continue
                m = mask | bit
            nh = h + float(graph.hours[a])
            if nh < best.get((w, m), math.inf):
                best[(w, m)], parent[(w, m)] = nh, ((v, mask), a)
                heapq.heappush(heap, (nh, w, m))
    return math.inf, None, []


class _Value:
    """``v(m, W, k)`` of the module docstring, and its bound over a range of ``k``."""

    def __init__(self, product: PricingProduct, duals, days, gate: tuple, age: int,
                 eta: float):
        self.P, self.n = product.payload_t_per_truck, duals.n_periods
        self.omega = duals.waiting_cost_usd_per_truck_day
        self.max_wait, self.age, self.eta = duals.max_wait_days, int(age), float(eta)
        self.lam_of = duals.market_usd_per_t
        self.pid = product.product_id
        self.gate = [days.crossing(gate[0], gate[1], d) for d in range(self.n)]
        #: expiring at no waiting cost (USD/truck)
        self.expire = self.P * product.penalty_usd_per_t - self.eta

    def lam(self, m: str, day: int) -> float:
        return float(self.lam_of.get((m, self.pid, day), 0.0)) if day < self.n else 0.0

    def value(self, m: str, price: float, wait: int, ks: range, exact: bool = True) -> float:
        """Least over departure days within ``wait`` and gate-to-market days in ``ks``; the
        cargo expires on day ``e = max(0, wait - age + 1)`` after ``e`` days of waiting, or is
        still queued when the days end (``e >= n``). ``exact`` False: a lower bound over every
        wait up to ``wait`` (expiring at no waiting cost)."""
        e = max(0, wait - self.age + 1)
        if e >= self.n:  # still queued when the days end
            best = self.n * self.omega - self.eta
            if not exact:
                best = min(best, self.expire)
        else:
            best = (e * self.omega if exact else 0.0) + self.expire
        for d in range(min(wait - self.age, self.n - 1) + 1):
            g = self.gate[d]
            if not math.isfinite(g):
                continue
            lam = min(self.lam(m, d + k) for k in ks)
            best = min(best, d * self.omega + g + self.P * (lam - price) - self.eta)
        return best


def _wait(max_wait: int, shelf_h: float, hours: float) -> int:
    return int(min(max_wait, max(0, math.floor((shelf_h - hours) / 24))))


def price_initial_entry(graph: PricingGraph, product: PricingProduct, duals, days,
                        gate_arc: int, age_days: int, eta_usd_per_truck: float,
                        origins: list[int], max_labels: int = MAX_INITIAL_LABELS
                        ) -> InitialColumn:
    """Least reduced cost (USD/truck) of giving an initial-queue entry (at ``gate_arc``,
    ``age_days`` old, dual ``eta_usd_per_truck``) to a stream of a route from one of
    ``origins`` that the model may lack (module docstring): the route found, a lower bound and
    whether it is exact.

    ``days``: the product's per-truck crossing duals (``dated_pricing._Days``)."""
    f = _Value(product, duals, days, (int(graph.crossing[gate_arc]),
                                      int(graph.direction[gate_arc])), age_days,
               eta_usd_per_truck)
    result = InitialColumn(bound_usd_per_truck=math.inf, exact=True,
                           value_usd_per_truck=math.inf)  # no route: nothing to give it to
    licensed = _licensed(graph, product)
    if not licensed[gate_arc]:
        return result
    shelf = product.shelf_life_h
    u, v = int(graph.tail[gate_arc]), int(graph.head[gate_arc])
    up_h, origin, up_arcs = _upstream(graph, licensed, origins, u, int(graph.country[v]))
    if origin is None:
        return result
    at = graph.node_index()
    links = licensed & (graph.crossing < 0)
    markets = [(at[m], m, float(price)) for m, price in product.markets
               if m in at and int(graph.country[at[m]]) == int(graph.country[v])]
    fast = {}
    for j, _, _ in markets:
        hours, _, _ = _to_sink(graph, graph.hours.astype(float), links, {j: 0.0})
        fast[j] = hours
    last_k = int(math.floor((shelf - up_h) / 24))
    out = [[] for _ in graph.node_ids]
    for a in np.flatnonzero(links):
        out[int(graph.tail[a])].append(int(a))

    def bound(node: int, h: float) -> float:
        low = math.inf
        for j, m, price in markets:
            lo = h + float(fast[j][node])
            if not up_h + lo <= shelf + HOURS_EPS:
                continue
            k0 = int(lo // 24)
            low = min(low, f.value(m, price, _wait(f.max_wait, shelf, up_h + lo),
                                   range(k0, max(k0, last_k) + 1), exact=False))
        return low

    best, best_arcs = math.inf, None
    floor_cut = math.inf
    h0 = float(graph.hours[gate_arc])
    stack = [(h0, v, 1 << v, ())]
    popped = 0
    while stack:
        if popped >= max_labels:
            floor_cut = min(floor_cut, *(bound(node, h) for h, node, _, _ in stack))
            result.exact = False
            break
        h, node, seen, path = stack.pop()
        popped += 1
        low = bound(node, h)
        if low >= min(best, 0.0):
            floor_cut = min(floor_cut, low)
            continue
        for j, m, price in markets:
            if j == node and up_h + h <= shelf + HOURS_EPS:
                k = int(h // 24)
                val = f.value(m, price, _wait(f.max_wait, shelf, up_h + h), range(k, k + 1))
                if val < best:
                    best, best_arcs = val, path
        for a in reversed(out[node]):
            w = int(graph.head[a])
            if seen >> w & 1:
                continue
            stack.append((h + float(graph.hours[a]), w, seen | 1 << w, path + (a,)))
    result.labels = popped
    result.value_usd_per_truck = best
    result.bound_usd_per_truck = min(best, floor_cut)
    if best_arcs is not None:
        result.origin = origin
        result.arcs = tuple(up_arcs) + (gate_arc,) + tuple(best_arcs)
    return result
