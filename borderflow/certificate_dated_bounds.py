r"""Time-slot lower bounds for the dated certificate's branch and bound, written for the verifier.

:func:`borderflow.certificate_dated._least` cuts a partial path when its cost plus a lower bound
to the end cannot bring the reduced cost below the best found. Its own bound charges each
crossing its *least* dual over every day a column could reach it; on a network of many
near-equal roads and a few congested days that bound is far below what the columns cost, and
the search visits every path within the gap. This module gives a bound per node and per slot
of ``step`` hours of **absolute time** (hours since day 0), which charges a crossing the duals
of the days a path there can actually meet. It imports nothing from :mod:`borderflow.model`
(the pricing's own table, ``model/dated_hour_bounds.py``, is not read: the verifier re-checks
with its own arithmetic and its own arc costs, those of
:class:`borderflow.certificate_dated._Inputs`).

The bound
---------
A partial path of a column dispatched on day ``t`` that is at node ``v`` after ``h`` hours,
before its gate, is at absolute time ``24 t + h``; the certificate takes a crossing there on
day ``t + floor(h / 24)``. Its slot is ``b = t per_day + floor(h / step)`` with ``per_day = 24
/ step`` and ``step`` a power of two hours (1, 1/2, 1/4, ...), so ``h / step`` is exact in
floating point and ``floor(b / per_day)`` *is* the day the search computes (Python's float
``//`` is the floor of the exact quotient). States: ``s = 0`` (no crossing passed yet: may end
direct) and ``s = 1`` (passed at least one, no gate yet). With the day ``D = floor(b /
per_day)``, ``U_s(v, b)`` is the least of

- a link ``v -> w`` (``tau`` hours, cost ``c``): ``c + min U_s(w, b')`` over ``b'`` in ``[b + F,
  b + F + 1]`` (``F = floor(tau / step)``; ``b + F + 2`` too where ``tau / step`` is within
  ``1e-9`` below a whole number: rounding of ``h + tau`` may carry it over);
- a crossing arc passed on day ``D``: ``c + dual(D)`` (infinite if closed that day) ``+ min
  U_1(w, b')`` over the same slots;
- a crossing arc made the gate: ``c + A(x, D, w)``, with ``A`` the bound after the gate below;
- ``s = 0``, ``v`` a market: the direct end ``P (lambda_{v,D} - price_v)``.

Past the modelled days (``b >= n per_day``) duals are 0 and no gate may be taken: ``U_1 =
inf``, ``U_0(v)`` the least link path to a market's ``- P price``.

After the gate ``x`` taken on day ``a`` (< n), at node ``w``: ``A(x, a, w) = min(G(x, a) +
L(w), H(a) + L_0(w))`` where ``G(x, a) = min over e in [a, min(a + W_max, n - 1)] of (e - a)
omega + dual_x(e)``, ``H(a) = (n - a) omega + P penalty`` if ``a + W_max + 1 >= n`` (a hold
may be possible) else inf, ``L(w)`` the least link path from ``w`` to a market ``m`` plus ``P
(min(0, min_e lambda_{m,e}) - price_m)`` and ``L_0(w)`` the least link path to any market.
``W_max = min(queue_max_wait_days, max(0, floor((S - H_min + 1e-6) / 24)))`` with ``H_min`` the
fewest hours from any origin searched to a market (any arcs): a column's hours ``H`` are at
least ``H_min`` and its wait ``min(queue_max_wait_days, max(0, floor((S - H) / 24)))`` falls as
``H`` grows (``1e-6`` h: the search sums the hours in another order).

Why it is a lower bound
-----------------------
Induction over a completion's arcs from its end: each term is at most what
:func:`~borderflow.certificate_dated._Inputs.ending` and the search charge for the same move.
The search's wait is ``W <= W_max`` and a hold needs ``a + W + 1 >= n``, so its departure
options are a subset of ``G``'s and ``H``'s; gate-entry duals are ``>= 0`` and left out; the
countries entered, the nodes visited, the shelf life and a band's hours cap only remove
completions. The slots: with ``h`` in slot ``b`` (``h / step`` in ``[k, k + 1)``, ``k = b -
t per_day``) the exact sum ``h + tau`` has ``(h + tau) / step`` in ``[k + F, k + F + 2)``;
its floating-point value ``fl(h + tau)`` is the nearest double, so it falls below a multiple
of ``step`` only if the exact sum is below it (multiples of a power-of-two step are doubles)
and reaches the next multiple above only when the exact sum is within an ulp of it, which
needs ``tau / step`` within an ulp of a whole number from below (the ``F + 2`` case). So the
slot after the move is among those the minimum is taken over. The table is filled from the
last slot backwards; moves that may stay in their slot (``F = 0``) are relaxed again until
nothing changes (every arc cost and ``omega`` ``>= 0``, else no table is made and the search
keeps its own bound). The search takes the larger of its own bound and this one, less
``1e-9`` relative (sums in another order), so it still finds the least reduced cost.

Tested against brute force on random graphs and by hand on a network where a bound read at
the dispatch hour is wrong (tests/test_certificate_dated_bounds.py).
"""

from __future__ import annotations

import heapq
import math

import numpy as np

#: slot length, hours (a power of two dividing 24)
STEP_H = 0.5
#: the bound is lowered by this much relative (and absolute, USD/truck) against rounding
SLACK = 1e-9


def _least_to(n_nodes: int, links: list, start: dict) -> np.ndarray:
    """Least cost from every node to a start node over ``links`` ((tail, head, cost >= 0)),
    each start node beginning at its ``start`` value (Dijkstra on the reversed links)."""
    into: dict[int, list] = {}
    for tail, head, cost in links:
        into.setdefault(head, []).append((tail, cost))
    dist = np.full(n_nodes, math.inf)
    heap = []
    for node, value in start.items():
        if value < dist[node]:
            dist[node] = value
            heap.append((value, node))
    heapq.heapify(heap)
    while heap:
        d, v = heapq.heappop(heap)
        if d > dist[v]:
            continue
        for u, cost in into.get(v, ()):
            if d + cost < dist[u]:
                dist[u] = d + cost
                heapq.heappush(heap, (d + cost, u))
    return dist


class SlotBounds:
    """The bounds ``U_0``, ``U_1`` and ``A`` of one product (module docstring), from the
    certificate's inputs ``inp`` (:class:`borderflow.certificate_dated._Inputs`).

    Build with :meth:`of`, which returns None where the bound does not apply (a negative arc
    or waiting cost)."""

    def __init__(self, inp, step: float = STEP_H, origins=()):
        per_day = 24.0 / step
        if per_day != int(per_day) or math.frexp(step)[0] != 0.5:
            raise ValueError(f"slot step {step} h is not a power of two dividing 24")
        self.step, self.per_day, self.n = step, int(per_day), int(inp.n)
        n, P = self.n, inp.P
        nodes = sorted(set(inp.out) | {a[1] for arcs in inp.out.values() for a in arcs}
                       | set(inp.price), key=str)
        self.index = {v: i for i, v in enumerate(nodes)}
        N = self.N = len(nodes)
        tails, heads, taus, costs, crossing = [], [], [], [], []
        for tail, arcs in inp.out.items():
            for _, head, hours, cost, x in arcs:
                tails.append(self.index[tail])
                heads.append(self.index[head])
                taus.append(float(hours))
                costs.append(float(cost))
                crossing.append(x)
        self.ok = inp.omega >= 0 and all(c >= 0 for c in costs) and all(
            h >= 0 for h in taus)
        if not self.ok:
            return
        links = [(u, v, c) for u, v, c, x in zip(tails, heads, costs, crossing) if x is None]
        markets = {self.index[m]: price for m, price in inp.price.items()}
        lam_min = {self.index[node]: min([0.0] + [inp.market(node, e) for e in range(n)])
                   for node in inp.price}
        self.after_l = _least_to(N, links, {m: P * (lam_min[m] - price)
                                            for m, price in markets.items()})
        self.after_l0 = _least_to(N, links, {m: 0.0 for m in markets})
        beyond0 = _least_to(N, links, {m: -P * price for m, price in markets.items()})
        self.beyond = np.concatenate([beyond0, np.full(N, math.inf)])
        # duals per crossing direction and day (inf when closed), G and H
        gates = sorted({x for x in crossing if x is not None})
        self.gate_at = {x: i for i, x in enumerate(gates)}
        dual = np.array([[inp.dual(x, d) for d in range(n)] for x in gates]).reshape(
            len(gates), n)
        wmax = min(int(inp.max_wait), self._wait_cap(inp, origins))
        self.wait_cap = wmax
        self.G = np.full((len(gates), n), math.inf)
        for a in range(n):
            top = min(a + wmax, n - 1)
            self.G[:, a] = (dual[:, a:top + 1] + inp.omega * np.arange(top - a + 1)).min(
                axis=1, initial=math.inf)
        self.H = np.array([(n - a) * inp.omega + P * inp.penalty if a + wmax + 1 >= n
                           else math.inf for a in range(n)])
        # constants by day and stacked node (s N + v): gate moves, direct ends
        const = np.full((n, 2 * N), math.inf)
        moves = []  # (from stacked, to stacked, F, hi, cost per day (n,))
        for u, v, tau, c, x in zip(tails, heads, taus, costs, crossing):
            ratio = tau / step
            F = math.floor(ratio)
            hi = F + 2 if ratio - F > 1.0 - 1e-9 else F + 1
            if x is None:
                per_day_cost = np.full(n, c)
                moves += [(u, v, F, hi, per_day_cost), (N + u, N + v, F, hi, per_day_cost)]
                continue
            g = self.gate_at[x]
            passing = c + dual[g]
            moves += [(u, N + v, F, hi, passing), (N + u, N + v, F, hi, passing)]
            take = c + np.minimum(self.G[g] + self.after_l[v], self.H + self.after_l0[v])
            for s in (0, 1):
                const[:, s * N + u] = np.minimum(const[:, s * N + u], take)
        for node, price in inp.price.items():
            m = self.index[node]
            const[:, m] = np.minimum(const[:, m], [P * (inp.market(node, d) - price)
                                                   for d in range(n)])
        self.const = const
        self.table = self._fill(moves)

    def _wait_cap(self, inp, origins) -> int:
        """``W_max``: ``queue_max_wait_days``, or fewer where the shelf life leaves fewer days
        from the fewest hours any of ``origins`` needs to a market (module docstring)."""
        arcs = [(self.index[tail], self.index[a[1]], float(a[2]))
                for tail, out in inp.out.items() for a in out]
        hours = _least_to(self.N, arcs, {self.index[m]: 0.0 for m in inp.price})
        least = min((float(hours[self.index[o]]) for o in origins if o in self.index),
                    default=math.inf)
        if not math.isfinite(least):
            return int(inp.max_wait)
        return max(0, math.floor((inp.shelf - least + 1e-6) / 24.0))

    @classmethod
    def of(cls, inp, step: float = STEP_H, origins=()):
        """The bounds of ``inp``'s product for columns from ``origins``, or None where they do
        not apply."""
        bounds = cls(inp, step, origins)
        return bounds if bounds.ok else None

    def _fill(self, moves: list) -> np.ndarray:
        """``U`` by slot (rows, then :attr:`beyond` padding) and stacked node (columns)."""
        n_slots, width = self.n * self.per_day, 2 * self.N
        src = np.array([m[0] for m in moves], dtype=np.int64)
        dst = np.array([m[1] for m in moves], dtype=np.int64)
        lo = np.array([m[2] for m in moves], dtype=np.int64)
        hi = np.array([m[3] for m in moves], dtype=np.int64)
        cost = np.array([m[4] for m in moves]).reshape(len(moves), self.n).T  # (n, moves)
        pad = int(hi.max(initial=0)) + 1
        table = np.empty((n_slots + pad, width))
        table[n_slots:] = self.beyond
        flat = table.reshape(-1)
        offsets = [np.minimum(lo + j, hi) * width + dst
                   for j in range(int((hi - lo).max(initial=0)) + 1)]
        stay = np.flatnonzero(lo == 0)
        for b in range(n_slots - 1, -1, -1):
            day = b // self.per_day
            row = table[b]
            row[:] = self.const[day]
            if not len(moves):
                continue
            base = b * width
            # every move once (those staying in slot b read its constants: costs of real
            # completions, so the relaxation below still ends at the least)
            best = flat[base + offsets[0]]
            for off in offsets[1:]:
                np.minimum(best, flat[base + off], out=best)
            np.minimum.at(row, src, best + cost[day])
            for _ in range(2 * self.N + 1):  # moves staying in slot b: to a fixed point
                if not len(stay):
                    break
                reach = flat[base + offsets[0][stay]]
                for off in offsets[1:]:
                    np.minimum(reach, flat[base + off[stay]], out=reach)
                before = row.copy()
                np.minimum.at(row, src[stay], reach + cost[day, stay])
                if np.array_equal(before, row):
                    break
        with np.errstate(invalid="ignore"):  # inf - inf where no completion: kept inf
            return np.where(np.isfinite(table), table - SLACK * (1.0 + np.abs(table)), table)

    def before(self, node, passed: int, t: int, hours: float) -> float:
        """``U`` of a partial path before its gate at ``node`` with ``passed`` crossings,
        dispatched on ``t``, ``hours`` after dispatch."""
        b = t * self.per_day + int(hours // self.step)
        column = self.index[node] + (self.N if passed else 0)
        if b >= self.n * self.per_day:
            return float(self.beyond[column])
        return float(self.table[b, column])

    def after(self, node, gate: tuple, gate_day: int) -> float:
        """``A`` of a partial path after taking ``gate`` ((crossing, direction)) on
        ``gate_day < n``, at ``node``."""
        g, v = self.gate_at[gate], self.index[node]
        value = min(self.G[g, gate_day] + self.after_l[v], self.H[gate_day] + self.after_l0[v])
        return value - SLACK * (1.0 + abs(value)) if math.isfinite(value) else value
