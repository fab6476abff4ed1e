r"""Time-dependent lower bounds for the dated pricing search (``Pricing(hour_bounds=True)``).

The dated search (:mod:`borderflow.model.dated_pricing`) is A* over elementary paths: a
label's key is its cost plus a lower bound to the end of any column extending it, and the
first column popped is the least because every key is a lower bound. Its own bound takes, for
each crossing, the *least* dual over every day a column of the search could reach it, so on a
network whose capacity duals are large on a few days (a congested gate) it is far below what
the columns cost, and every one of the many near-equal road paths whose cost is within that
gap of the bound is popped. This module gives a tighter bound that is still a lower bound:
per node and per slot of ``step`` hours of **absolute time** (hours since day 0), over the
days a label there actually meets.

The bound
---------
A label before its gate is at node ``v`` at absolute time ``T = 24 t + h`` (dispatch day
``t``, ``h`` hours since dispatch); its slot is ``b = floor(T / step)`` (``step`` divides 24,
so a slot lies in one day ``D(b)``, the day the search gives a crossing taken there,
``t + floor(h / 24)``; the slot is clamped into that day against rounding). States: ``s = 0``
(no crossing passed: may end direct) and ``s = 1`` (passed at least one, no gate yet).
``B_s(v, b)`` is the least, over the moves below, of

- a link ``v -> w`` of ``tau`` hours and cost ``c``: ``c + min B_s(w, b')`` over the slots
  ``b'`` the arrival time ``T + tau`` can fall in for ``T`` in slot ``b`` (two, three near a
  whole number of slots);
- a crossing arc passed on day ``D(b)``: ``c + term(D)`` (its capacity, empty-return and, for
  non-perishables, priority duals that day; none if closed; 0 past the modelled days)
  ``+ min B_1(w, b')``;
- a crossing arc made the gate (``D < n``): ``c + A(x, D, w)`` with ``A`` the bound after the
  gate below;
- ``s = 0`` at a market ``m``: the direct end ``P (lambda_{m,D} - price_m)``.

Past the modelled days (``T >= 24 n``) duals are 0 and no gate may be taken: ``B_1 = inf``,
``B_0(v)`` the least link path to a market's ``- P price``.

After the gate ``x`` (crossing ``c``, direction ``d``) taken on day ``a``, at node ``w``:
``A(x, a, w) = min(G(x, a) + L(w), H(a) + L_0(w))`` with ``G(x, a) = min_{a <= e <= min(a +
W_max, n - 1)} ((e - a) omega + term_{c,d}(e))`` (inf on closed days), ``H(a) = (n - a) omega
+ P penalty`` where a hold is possible (``a + W_max + 1 >= n``, else inf), ``L(w)`` the least
link path from ``w`` to a market plus ``P (min(0, min_e lambda_{m,e}) - price_m)`` and
``L_0(w)`` the least link path to any market. ``W_max`` is ``queue_max_wait_days`` capped by the
shelf life (session 13, :func:`shelf_wait_cap`): a column's wait is ``W = min(queue_max_wait_days,
max(0, floor((S - H) / 24)))`` and its hours ``H`` are at least ``H_min``, the fewest hours from
one of the product's origins to a market over its arcs, so ``W <= min(queue_max_wait_days,
max(0, floor((S - H_min + 1e-6) / 24)))`` (``1e-6`` h against sums in another order). Without
the cap a product of 5 days' shelf life was bounded as if it could queue 14 days for a free day.

Why it is a lower bound
-----------------------
By induction over a completion's arcs, from its end backwards: every term above is at most
what the search charges for the same move. Entry duals are ``>= 0`` and left out; the
countries entered, the nodes visited and the shelf life only remove completions. At the end
after a gate the search departs on a day ``e`` in ``[a, min(a + W, n - 1)]`` with ``W <=
W_max`` and pays ``(e - a) omega + term(e) + P (lambda_{m, e + k} - price)``, at least ``G +``
the market part of ``L``; or holds (only if ``a + W + 1 >= n``) for ``H(a)``. A label in slot
``b`` has ``T`` in ``[b step, (b + 1) step)`` up to rounding; after ``tau`` hours the search's
hours ``fl(h + tau)`` put it in a slot of ``[b + floor(tau / step - 1e-6), b + floor(tau /
step + 1e-6) + 1]``, and never before ``b`` (``fl(h + tau) >= h`` and the slot does not fall
as the hours grow): the slots the recursion takes the least over; the crossing day the
search computes is the slot's day by the clamp. The slots are filled from the last backwards;
a move that can stay in its slot (``tau`` under ``step``) is relaxed again until nothing
changes (costs are ``>= 0``, so this ends). So each ``B`` is at most the cost of every
completion of every label in its slot, and the search keeps its own bound too (the larger of
the two is a lower bound). A* with any lower bound pops the least column first, and a search
stopped at its label limit still leaves its least key as a lower bound: the search stays
exact; only which of several equal columns comes first may change.

Tested against brute force and the plain search on random graphs
(tests/test_dated_hour_bounds.py), with the bound at the origin checked below the least
column's cost, and by hand on a network where a bound read at the dispatch hour is wrong.
"""

from __future__ import annotations

import math

import numpy as np

from .pricing import PricingGraph, PricingProduct, _to_sink, route_weights

#: slot length, hours (divides 24). The table's cost is slots x arcs per product and pass;
#: 0.5 h (the verifier's step) instead of 0.1 h: a fifth of the slots, a few more labels, the
#: same least reduced costs (session 15: a first pass of the synthetic 2x region, 7 days, 3.3
#: CPU s instead of 13.2; docs/notes/performance-log.md)
STEP_H = 0.5


def shelf_wait_cap(graph: PricingGraph, product: PricingProduct, usable: np.ndarray,
                   markets, max_wait_days: int) -> int:
    """The most days any column of ``product`` may wait at its gate: ``W = min(W_max, max(0,
    floor((S - H) / 24)))`` with ``H`` at least the fewest hours from one of its origins to a
    market over the arcs it may use (``W`` falls as ``H`` grows; module docstring)."""
    hours, _, _ = _to_sink(graph, graph.hours.astype(float), usable, {m: 0.0 for m in markets})
    at = graph.node_index()
    least = min((float(hours[at[o]]) for o in product.origins if o in at), default=math.inf)
    if not math.isfinite(least):
        return int(max_wait_days)
    # 1e-6 h below the least: a route's hours summed in another order are not below it
    return int(min(max_wait_days,
                   max(0, math.floor((product.shelf_life_h - least + 1e-6) / 24.0))))


class HourBounds:
    """The bounds ``B_0``, ``B_1`` and the after-gate parts of one product (module docstring).

    Parameters
    ----------
    graph, product
    duals : DatedDuals
    days : the product's per-day crossing terms (``dated_pricing._Days``)
    usable : ndarray of bool
        Arcs the product may use.
    markets : mapping market node -> price (USD/t)
    step : float
        Slot length in hours (divides 24).
    """

    def __init__(self, graph: PricingGraph, product: PricingProduct, duals, days,
                 usable: np.ndarray, markets, step: float = STEP_H):
        per_day = int(round(24.0 / step))
        if abs(per_day * step - 24.0) > 1e-9:
            raise ValueError(f"hour bound step {step} does not divide 24")
        self.step, self.per_day, self.n = step, per_day, duals.n_periods
        n, P, N = duals.n_periods, product.payload_t_per_truck, graph.n_nodes
        omega, wmax = float(duals.waiting_cost_usd_per_truck_day), int(duals.max_wait_days)
        weight = route_weights(graph, product)
        links = usable & (graph.crossing < 0)
        if omega < 0 or (weight[usable] < 0).any():
            raise ValueError("hour bounds need waiting and arc costs >= 0")
        wmax = min(wmax, shelf_wait_cap(graph, product, usable, markets, wmax))
        self.wait_cap = wmax
        # after the gate: link paths to the markets
        lam = {m: min([0.0] + [float(duals.market_usd_per_t.get(
            (graph.node_ids[m], product.product_id, e), 0.0)) for e in range(n)])
            for m in markets}
        self.after_l, _, _ = _to_sink(graph, weight, links,
                                      {m: P * (lam[m] - price) for m, price in markets.items()})
        self.after_l0, _, _ = _to_sink(graph, weight, links, {m: 0.0 for m in markets})
        # G per (crossing, direction, gate day): least departure part, and H per gate day
        term = np.where(days.closed, math.inf, days.term)  # (crossings, 2, n)
        gate = np.full(term.shape, math.inf)
        for a in range(n):
            top = min(a + wmax, n - 1)
            waits = np.arange(top - a + 1) * omega
            gate[:, :, a] = (term[:, :, a:top + 1] + waits).min(axis=2)
        self.gate = gate
        self.hold = np.array([(n - a) * omega + P * product.penalty_usd_per_t
                              if a + wmax + 1 >= n else math.inf for a in range(n)])
        # the arcs: links, crossings passed; gate moves and market ends are per day constants
        arcs = np.flatnonzero(usable)
        xs = graph.crossing[arcs] >= 0
        tail, head = graph.tail[arcs], graph.head[arcs]
        ratio = graph.hours[arcs] / step
        # a label's slot never falls as its hours grow (tau >= 0): never before slot b
        lo = np.maximum(np.floor(ratio - 1e-6), 0).astype(np.int64)
        hi = np.floor(ratio + 1e-6).astype(np.int64) + 1
        c_arc = weight[arcs]
        # crossings passed, cost per day: (arcs, n)
        pass_day = np.repeat(c_arc[:, None], n, axis=1)
        cx, dx = graph.crossing[arcs[xs]], graph.direction[arcs[xs]]
        pass_day[xs] = c_arc[xs, None] + term[cx, dx, :]
        # gate moves and direct ends by (state-0/1 node, day): constants
        const = np.full((2 * N, n), math.inf)
        if xs.any():
            gval = c_arc[xs, None] + np.minimum(
                gate[cx, dx, :] + self.after_l[head[xs], None],
                self.hold[None, :] + self.after_l0[head[xs], None])
            for s in (0, 1):
                np.minimum.at(const, s * N + tail[xs], gval)
        for m, price in markets.items():
            direct = np.array([P * (float(duals.market_usd_per_t.get(
                (graph.node_ids[m], product.product_id, e), 0.0)) - price) for e in range(n)])
            const[m] = np.minimum(const[m], direct)
        # the moves between states: (from, to) node in the stacked 2N space
        src = np.concatenate([tail, N + tail])
        dst = np.concatenate([np.where(xs, N + head, head), N + head])
        self.src_order = np.argsort(src, kind="stable")
        s_sorted = src[self.src_order]
        self.starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]]) \
            if len(s_sorted) else np.zeros(0, dtype=np.int64)
        self.owners = s_sorted[self.starts]
        self.dst = dst[self.src_order]
        self.src_sorted = s_sorted
        self.lo = np.concatenate([lo, lo])[self.src_order]
        self.hi = np.concatenate([hi, hi])[self.src_order]
        self.pass_day = np.concatenate([pass_day, pass_day])[self.src_order]
        self.const = const
        self.N = N
        # past the modelled days: state 0 ends direct at - P price, state 1 cannot end
        tail0, _, _ = _to_sink(graph, weight, links, {m: -P * price for m, price in
                                                     markets.items()})
        self.beyond = np.concatenate([tail0, np.full(N, math.inf)])
        self.table = self._fill()
        # the same numbers read one at a time as Python floats (a memoryview's item is the
        # array's double, bit for bit, without a numpy scalar per read)
        self._table = memoryview(self.table.reshape(-1))
        self._beyond = self.beyond.tolist()
        self._gate = memoryview(np.ascontiguousarray(self.gate).reshape(-1))
        self._after_l, self._after_l0 = self.after_l.tolist(), self.after_l0.tolist()
        self._hold = self.hold.tolist()

    def _fill(self) -> np.ndarray:
        """The table ``(n * per_day + pad, 2N)``: ``B`` by slot and stacked node, the slots
        past the modelled days padded with :attr:`beyond`."""
        n_slots, width = self.n * self.per_day, 2 * self.N
        pad = int(self.hi.max(initial=1)) + 2
        table = np.empty((n_slots + pad, width))
        table[n_slots:] = self.beyond
        flat = table.reshape(-1)
        span = int((self.hi - self.lo).max(initial=0))
        # flat offsets (from slot b's row) of the slots each move may land in
        reads = [np.minimum(self.lo + j, self.hi) * width + self.dst for j in range(span + 1)]
        same = np.flatnonzero(self.lo <= 0)  # moves that may stay in their slot
        pass_day = np.ascontiguousarray(self.pass_day.T)  # (n, moves)
        const = np.ascontiguousarray(self.const.T)  # (n, 2N)
        owners, starts = self.owners, self.starts
        # the moves that may stay in their slot, gathered once: their reads, tails and costs
        reads_same = np.array([r[same] for r in reads])
        src_same = self.src_sorted[same]
        pass_same = np.ascontiguousarray(pass_day[:, same])
        reads = np.array(reads)  # (span + 1, moves): one gather a slot
        # work arrays, written in place for every slot (the same minima, taken in the same
        # order along the reads, as the reads one at a time: the same numbers)
        read, best = np.empty(reads.shape), np.empty(reads.shape[1])
        read_same, cand = np.empty(reads_same.shape), np.empty(reads_same.shape[1])
        for b in range(n_slots - 1, -1, -1):
            day = b // self.per_day
            row = table[b]
            row[:] = math.inf
            if not len(starts):  # no moves: the constants only
                row[:] = const[day]
                continue
            view = flat[b * width:]  # offsets from slot b's row
            view.take(reads, out=read)
            np.minimum.reduce(read, axis=0, out=best)
            best += pass_day[day]
            low = np.minimum.reduceat(best, starts)
            row[:] = const[day]
            row[owners] = np.minimum(row[owners], low)
            while len(same):  # a move staying in slot b: relax until nothing changes
                view.take(reads_same, out=read_same)
                np.minimum.reduce(read_same, axis=0, out=cand)
                np.add(pass_same[day], cand, out=cand)
                # np.minimum.at changes the row exactly where a candidate is below it
                if not (cand < row[src_same]).any():
                    break
                np.minimum.at(row, src_same, cand)
        return table

    def before(self, node: int, passed: int, t: int, hours: float) -> float:
        """``B`` of a label before its gate at ``node`` (``passed`` crossings) dispatched on
        ``t`` with ``hours`` since dispatch."""
        day, per_day = int(hours // 24), self.per_day
        slot = min(max(int(hours // self.step), day * per_day), (day + 1) * per_day - 1)
        b = t * per_day + slot
        row = node + (self.N if passed else 0)
        if b >= self.n * per_day:
            return self._beyond[row]
        return self._table[b * 2 * self.N + row]

    def after(self, node: int, gate_crossing: int, gate_direction: int, gate_day: int) -> float:
        """``A`` of a label after its gate (taken on ``gate_day < n``) at ``node``."""
        gate = self._gate[(gate_crossing * 2 + gate_direction) * self.n + gate_day]
        return min(gate + self._after_l[node], self._hold[gate_day] + self._after_l0[node])
