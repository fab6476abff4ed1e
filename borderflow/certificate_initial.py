r"""The certificate's own search over what a new stream could make of an initial-queue entry
(check ``initial_queue_dual``, session 16). Imports nothing from :mod:`borderflow.model`.

An entry (gate ``g`` in country ``B``, ``age`` days old, dual :math:`\eta`, USD/truck) given to
a stream of route ``r`` costs per truck the least of expiring (``payload x penalty`` after
``e = max(0, W_r - age + 1)`` days of waiting), staying queued to the end (``n x waiting
cost``, when ``e >= n``), or departing on a day
``d <= min(W_r - age, n - 1)`` the gate is open: ``d x waiting cost + the gate's duals on d +
payload x (market dual of d + k_r - price)``; minus :math:`\eta`. ``W_r`` (the wait shelf life
leaves, capped at ``queue_max_wait_days``) and ``k_r`` (whole days from entering the gate to
the market) are the route's; ``r`` ends with ``g`` and links of ``B`` and starts at an origin
of the product (the entry's own when the scenario names one).

The verifier finds the least over every such route by its own means: the least hours to the
gate from the origins (a Dijkstra over (node, countries entered), never entering ``B``: the
route would enter it twice), which gives the longest wait any route can have (the cost does
not depend on the part before the gate otherwise); then every elementary path of links from
the gate's far end, depth first, evaluated at each market, a branch cut when even the best
completion (its hours at least the fastest way to a market, any gate-to-market day up to the
shelf life) cannot go below ``min(best, 0)``. A search that meets :data:`MAX_PATHS` partial
paths reports the bound of the paths left (never above the true least).
"""

from __future__ import annotations

import heapq
import math

import networkx as nx

#: partial paths one entry's search may open before it stops with a bound
MAX_PATHS = 200_000


def _fastest_to_gate(inp, origins: set, tail: str, banned: str) -> float:
    """Least hours from any of ``origins`` to ``tail`` entering no country twice and never
    ``banned`` (inf if none)."""
    country = inp.country
    heap = [(0.0, o, frozenset([country.get(o)])) for o in sorted(origins)
            if o in country and country[o] != banned]
    heapq.heapify(heap)
    done = set()
    while heap:
        h, v, seen = heapq.heappop(heap)
        if (v, seen) in done:
            continue
        done.add((v, seen))
        if v == tail:
            return h
        for _, head, hours, _, x in inp.out.get(v, ()):
            nxt = seen
            if x is not None:
                c = country.get(head)
                if c in seen or c == banned:
                    continue
                nxt = seen | {c}
            if (head, nxt) not in done:
                heapq.heappush(heap, (h + hours, head, nxt))
    return math.inf


def least_allocation(inp, entry, origins: set, eta: float) -> float:
    """Least reduced cost (USD/truck) of giving ``entry`` (crossing_id, direction, age_days) to
    a stream of any route from ``origins`` (module docstring); a lower bound if cut short."""
    gate = (entry.crossing_id, entry.direction)
    age = int(entry.age_days)
    arc = f"{entry.crossing_id}:{entry.direction}"
    tail, head, dwell = next(((t, h, hrs) for t, arcs in inp.out.items()
                              for a, h, hrs, _, _ in arcs if a == arc), (None, None, 0.0))
    expire = inp.P * inp.penalty - eta  # expiring at no waiting cost
    if tail is None:  # not licensed for the product: no route takes the gate
        return math.inf
    up = _fastest_to_gate(inp, origins, tail, inp.country.get(head))
    if not math.isfinite(up):
        return math.inf
    links = nx.DiGraph()
    for t, arcs in inp.out.items():
        for _, h, hrs, _, x in arcs:
            if x is None and (not links.has_edge(h, t) or links[h][t]["w"] > hrs):
                links.add_edge(h, t, w=hrs)  # reversed
    markets = {m: p for m, p in inp.price.items() if inp.country.get(m) == inp.country.get(head)}
    to_m = {m: (nx.single_source_dijkstra_path_length(links, m, weight="w")
                if m in links else {m: 0.0}) for m in markets}

    def value(m: str, hours: float, ks: range, exact: bool = True) -> float:
        wait = min(inp.max_wait, max(0, math.floor((inp.shelf - up - hours) / 24)))
        e = max(0, wait - age + 1)
        if e >= inp.n:  # still queued when the days end (a shorter wait: it may expire)
            best = inp.n * inp.omega - eta if exact else min(inp.n * inp.omega - eta, expire)
        else:  # expires on day e (a shorter wait: no sooner than day 0)
            best = (e * inp.omega if exact else 0.0) + expire
        for d in range(min(wait - age, inp.n - 1) + 1):
            g = inp.dual(gate, d)
            if math.isfinite(g):
                lam = min(inp.market(m, d + k) for k in ks)
                best = min(best, d * inp.omega + g + inp.P * (lam - markets[m]) - eta)
        return best

    def lower(node: str, hours: float) -> float:
        low = math.inf
        last = int(math.floor((inp.shelf - up) / 24))
        for m in markets:
            h = hours + to_m[m].get(node, math.inf)
            if up + h <= inp.shelf + 1e-9:
                low = min(low, value(m, h, range(int(h // 24), max(int(h // 24), last) + 1),
                                     exact=False))
        return low

    best, cut = math.inf, math.inf
    stack = [(head, dwell, frozenset([head]))]
    opened = 0
    while stack:
        if opened >= MAX_PATHS:
            return min(best, cut, *(lower(v, h) for v, h, _ in stack))
        node, hours, seen = stack.pop()
        opened += 1
        low = lower(node, hours)
        if low >= min(best, 0.0):
            cut = min(cut, low)
            continue
        if node in markets and up + hours <= inp.shelf + 1e-9:
            k = int(hours // 24)
            best = min(best, value(node, hours, range(k, k + 1)))
        for _, h, hrs, _, x in inp.out.get(node, ()):
            if x is None and h not in seen:
                stack.append((h, hours + hrs, seen | {h}))
    return min(best, cut)
