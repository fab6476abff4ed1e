r"""Dominance between labels of one dated pricing search (``Pricing(dominance=True)``).

The dated search (:mod:`borderflow.model.dated_pricing`) is A* over elementary paths whose
costs depend on the *day* each crossing is reached, so a label that arrives earlier and cheaper
does not simply dominate: a later label may meet a cheaper day. This module gives a rule that is
exact anyway, with a *margin*: the most the dominated label's later arrival can save.

The rule
--------
Two labels of one search (origin, product, dispatch day ``t``) at the same node ``v``: ``L1``
dominates ``L2`` when

1. both are before their gate, or both are after it with the same gate arc and the same gate
   day ``a = t + floor(gate_h / 24)``;
2. ``h1 <= h2`` (hours so far);
3. before the gate: ``M1`` is a subset of ``M2`` (countries entered);
4. ``cost1 + margin <= cost2`` (USD/truck), with ``margin`` = :attr:`Margins.after` after the
   gate and :meth:`Margins.before` (``v``'s country, ``M2``) before it.

The nodes visited are *not* compared (see the proof): paths that reach a node by different
roads dominate each other too, which is what the search needs on dense road networks.

The margins (per truck; all duals over the days ``t .. t + reach`` a column of the search can
meet, a day past the model counting as dual 0, open):

- :math:`\Lambda = P \max_m (\max_d \lambda_{m,d} - \min_d \lambda_{m,d})`: market duals;
- a crossing arc ``x`` passed (not the gate) costs ``term + entry`` on the day it is reached;
  its spread ``s_x`` is ``max - min`` of that over the days, infinite if the direction is
  closed on any;
- as the gate: :math:`G_x = e_x + \max_m \max(T_x - t_x + \Lambda,\; T_x + P(\bar\lambda_m -
  \text{price}_m - \text{penalty}))` with ``T_x``/``t_x`` the most/least gate term over the
  days (``T_x`` infinite if closed on any), ``e_x`` the spread of its entry duals;
- ``after = Lambda``; ``before = D(Y, M2)`` for the dominated label in country ``Y`` having
  entered the countries ``M2``: :math:`D(Y, M) = \max(\Lambda, \max_x \max(G_x, s_x + D(Z_x,
  M \cup Z_x)))` over the crossing arcs ``x`` from ``Y`` into a country ``Z_x`` outside ``M``
  (the most a completion's crossings can add, in an order the countries allow; memoised).

The proof needs waiting costs and link costs ``>= 0`` and links within one country; where
any fails the margins are infinite (no dominance).

Proof
-----
*(i) A completion of ``L2`` that avoids ``L1``'s nodes is one of ``L1`` and costs ``L1`` no
more than ``margin`` above what it costs ``L2``.* Let ``Q`` (arcs, then the column's end)
complete ``L2``. It is feasible for ``L1``: its crossings enter countries outside ``M2``, so
outside ``M1``; hours ``h1 + x <= h2 + x`` keep shelf life and every cut of the search; the
gate is reached on a day ``<= `` ``L2``'s, so inside the model when ``L2``'s is; a crossing it
passes, or departs from as its gate, is open on ``L1``'s day when the margin is finite. The
arc costs of ``Q`` are the same for both. After the gate (same gate, same ``a``): ``W1 >= W2``
(``W`` falls with the hours), so ``L1`` may depart on every day ``L2`` may, and hold whenever
``L2`` may, at the same waiting cost and gate dual; only ``lambda`` on ``day + k`` differs,
by at most ``Lambda``. Before the gate: ``Q``'s crossings leave ``Y`` and then each country
entered, into countries outside ``M2``; each passed costs ``L1`` at most ``s_x`` more; at the
gate ``g``, ``L1`` may depart on its own arrival day ``a1`` (``a1 <= n - 1``,
wait 0), paying at most ``e + T + P(\bar\lambda - price)`` (entry included), while ``L2`` pays
at least ``e_min + min(t + P(\underline\lambda - price), P penalty)`` (waiting costs ``>= 0``):
the difference is at most ``G_g``; so at most ``D(Y, M2)`` in all; a direct end differs by at
most ``Lambda``.

*(ii) A completion that meets ``L1``'s path is handled by a prefix of it.* Links join nodes of
one country and a path enters each country once. After the gate, ``Q`` stays in the gate's
country, whose nodes on ``L1``'s path all follow ``L1``'s gate (the same arc): ``Q`` can only
meet that part. Before the gate, ``Q``'s first leg is in ``v``'s country ``Y`` and the rest in
countries outside ``M2``, so ``Q`` can only meet ``L1``'s nodes in ``Y``, the leg of ``L1``'s
path since it entered ``Y`` (links only). Let ``u`` be the node of ``Q`` met that comes first
on ``L1``'s path, ``L1u`` ``L1``'s label at ``u`` (an ancestor, so kept) and ``L2u`` = ``L2``
extended by ``Q`` up to ``u``. Links cost ``>= 0`` and carry no dual, so ``L1u`` has no more
cost or hours than ``L1``, the same countries and gate state, and ``L2u`` no less than ``L2``:
``L1u`` dominates ``L2u`` by 1-4, and ``Q`` from ``u`` avoids ``L1u``'s nodes (a node of it
before ``u`` would come first), so (i) applies: ``L1u + Q[u:]`` is an elementary column
costing no more than ``L2 + Q``. ``L2u`` is in ``Y`` with the countries ``M2``: the same margin.

*(iii) The search stays exact.* By induction on the arcs of ``Q``: every column extending a
kept label is matched, at no greater reduced cost, by a column extending a kept label with a
shorter completion (a discarded child is matched by its dominator or the dominator's
ancestor, both kept; the relation is transitive as margins are ``>= 0``), down to a kept
finished column. So the least over the kept labels is the least over all, and the A* order
and the lower bounds of :mod:`borderflow.model.dated_pricing` (first column popped is the
least; a stop leaves its key as a lower bound) are unchanged. Only extra columns of a pair
(``columns_per_pair > 1``) may be fewer.

Share terms
-----------
A search with destination-share rows (``DatedDuals.share_usd_per_t``) adds the term ``P s_m``
(USD/truck) to every column ending at market ``m``, a constant of the search (origin, product,
dispatch day) and the market, of either sign. In (i) a completion ``Q`` ends both labels at
the same market, so both pay the same ``P s_m``: it cancels in every difference above. What a
term changes is the set of ends: with ``s_m < 0`` the search also prices **expire**, ``(W + 1)
omega + P penalty`` when ``a + W + 1 < n`` (the gate's crossing dual not paid; the entry dual
is in the label's cost, paid by every end).

*Before the gate* nothing moves: ``L1`` is still bounded above by departing on its ``a1``, and
``L2``'s expire end costs at least ``e_min + P penalty``, the lower bound ``G_g`` already uses
(waiting costs ``>= 0``).

*After the gate* ``W = min(W_max, max(0, floor((S - H) / 24)))`` is not the same for both: it
falls with the final hours ``H = h + x``, so ``W1 >= W2``, and a write-off costs ``omega`` per
day waited. If ``L2`` expires (``a + W2 + 1 < n``), ``L1`` expires at ``(W1 + 1) omega`` or,
when ``a + W1 + 1 >= n``, holds at ``(n - a) omega <= (W1 + 1) omega``; either is at most
``omega min(W1 + 1, n - a) - omega (W2 + 1) <= omega min(W1, n - 1 - a)`` above ``L2``'s end.
A hold of ``L2`` (``a + W2 + 1 >= n``) is matched by a hold of ``L1`` at the same cost, a
depart by a depart within ``Lambda`` as before. ``W1`` is at most ``W_max`` and, as ``H >=
o_g >= 24 g`` for the gate day ``a = t + g``, at most ``floor(S / 24) - g``. So the margin
after the gate is ``max(Lambda, omega max(0, min(W_max, n - 1 - a, floor(S / 24) - g)))``
(:meth:`Front.expire_margin`): the same for every label of one key ``(node, gate, a)``, which
(ii) needs (``L1u`` and ``L2u`` are after the same gate on the same day, so the pair
``(L1u, L2u)`` has the margin of ``(L1, L2)``; a margin that grew with ``h2 - h1`` would not
carry over, as ``L1u`` has fewer hours than ``L1``). (iii) is unchanged. Without the margin a
label with fewer hours would discard one that is written off a day sooner and cheaper
(tests/test_dated_dominance.py, by hand).

Tested against brute force on random graphs (tests/test_dated_dominance.py), with a
margin-free rule that the same test catches, and with share terms of both signs.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from .pricing import PricingGraph, PricingProduct


class Margins:
    """The margins of the rule for one search (module docstring), USD per truck.

    Parameters
    ----------
    graph, product
    duals : DatedDuals
    days : the search's per-day crossing terms (``dated_pricing._Days``)
    usable : ndarray of bool
        Arcs the product may use.
    markets : mapping market node -> price (USD/t)
    t : int
        Dispatch day.
    reach_days : int
        Days past ``t`` a column of the search can meet.
    entry : ndarray or None
        Gate-entry duals ``[crossing, direction, day]`` of the search's origin.
    weight : ndarray
        The search's arc costs per truck (no duals).
    """

    def __init__(self, graph: PricingGraph, product: PricingProduct, duals, days,
                 usable: np.ndarray, markets, t: int, reach_days: int,
                 entry: np.ndarray | None, weight: np.ndarray):
        n, P = duals.n_periods, product.payload_t_per_truck
        lo, hi = t, min(t + reach_days, n - 1)
        beyond = t + reach_days >= n  # a day past the model: every dual 0, open
        term = days.term[:, :, lo:hi + 1]
        ent = np.zeros_like(term) if entry is None else entry[:, :, lo:hi + 1]
        closed = days.closed[:, :, lo:hi + 1].any(axis=2)
        x = usable & (graph.crossing >= 0)
        cs, ds = graph.crossing[x], graph.direction[x]

        def extremes(values):
            top, low = values.max(axis=2), values.min(axis=2)
            if beyond:
                top, low = np.maximum(top, 0.0), np.minimum(low, 0.0)
            return top[cs, ds], low[cs, ds]

        pass_top, pass_low = extremes(term + ent)
        pass_top[closed[cs, ds]] = math.inf
        lam_spread, lam_over = [], []
        for m, price in markets.items():
            node = graph.node_ids[m]
            lam = [float(duals.market_usd_per_t.get((node, product.product_id, d), 0.0))
                   for d in range(lo, hi + 1)] + ([0.0] if beyond else [])
            lam_spread.append(P * (max(lam) - min(lam)))
            lam_over.append(P * (max(lam) - price - product.penalty_usd_per_t))
        market = max(lam_spread, default=0.0)
        gate = np.full(len(cs), -math.inf)
        if len(cs) and markets:
            g_top, g_low = extremes(term)
            g_top[closed[cs, ds]] = math.inf
            e_top, e_low = extremes(ent)
            gate = (e_top - e_low) + np.maximum(g_top - g_low + market, g_top + max(lam_over))
        self.after = market
        # per crossing arc usable: (country left, country entered, spread passed, as the gate)
        self.arcs = list(zip(graph.country[graph.tail[x]].tolist(),
                             graph.country[graph.head[x]].tolist(),
                             (pass_top - pass_low).tolist(), gate.tolist()))
        self.memo: dict[tuple[int, int], float] = {}
        links = usable & (graph.crossing < 0)
        if duals.waiting_cost_usd_per_truck_day < 0 or (weight[links] < 0).any() or \
                (graph.country[graph.tail[links]] != graph.country[graph.head[links]]).any():
            self.after = math.inf  # the proof's premises fail: no dominance
            self.arcs = [(a, b, math.inf, math.inf) for a, b, _, _ in self.arcs]

    def before(self, country: int, mask: int) -> float:
        """Margin before the gate for a dominated label in ``country`` that has entered
        ``mask``: the most the crossings a completion can take, in the order countries allow,
        can cost in spreads (``D(Y, M)`` of the module docstring), and at least ``Lambda``."""
        got = self.memo.get((country, mask))
        if got is None:
            got = self.after
            for a, b, spread, gate in self.arcs:
                if a == country and not mask >> b & 1:
                    got = max(got, gate, spread + self.before(b, mask | 1 << b))
            self.memo[(country, mask)] = got
        return got


class Front:
    """The kept labels of one search by ``(node, gate arc, gate day)``, and the test."""

    def __init__(self, margins: Margins, expire=None):
        self.margins = margins
        # a search with a negative share term (expire columns): (omega USD/truck-day, W_max
        # days, n periods, shelf life h, dispatch day t) for the margin after the gate
        # (module docstring, "Share terms"); None: no such margin
        self.expire = expire
        self.kept: dict[tuple, list] = {}
        self.dominated = 0

    def admit(self, node: int, country: int, cost: float, hours: float, mask: int, gate: int,
              gate_h: float) -> bool:
        """Whether a new label is kept (and record it); ``False``: a kept one dominates it."""
        after = gate >= 0
        key = (node, gate, int(gate_h // 24) if after else -1)
        if after:
            margin = self.margins.after
            if self.expire is not None:
                margin = max(margin, self.expire_margin(key[2]))
        else:
            margin = self.margins.before(country, mask)
        kept = self.kept.setdefault(key, [])  # (cost, hours, mask), by cost
        for i in range(bisect.bisect_right(kept, (cost - margin, math.inf))):
            _, h1, m1 = kept[i]
            if h1 <= hours and (after or not m1 & ~mask):
                self.dominated += 1
                return False
        bisect.insort(kept, (cost, hours, mask))
        return True

    def expire_margin(self, g: int) -> float:
        """The most an expire or hold end can cost a label after its gate more than another's
        of the same gate day ``t + g`` (USD/truck): ``omega`` times the most days ``W`` a
        column may wait, ``min(W_max, n - 1 - a, floor(S / 24) - g)`` (module docstring)."""
        omega, max_wait, n, shelf_h, t = self.expire
        days = min(max_wait, n - 1 - (t + g), math.floor(shelf_h / 24) - g)
        return omega * max(0, days)
