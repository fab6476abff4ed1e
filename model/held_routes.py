r"""Held routes for column generation (session 16, issue 18): a route the model lacks that a
dispatch hold would hold, to open a cell of stock at origin that prices out.

A cell (origin ``o``, product ``p``, held day ``s``) exists in a dated model when a route flow
of ``o`` and ``p`` dispatched on ``s`` is held (:mod:`borderflow.model.origin_stock`); its
stock columns' least reduced cost :math:`\beta` (:func:`borderflow.model.stock_bound.
new_cell_betas`) is priced for every cell a route could open. When :math:`\beta` is below
``-tolerance``, adding **any** route of ``p`` from ``o`` held on ``s`` opens the cell: its
stock rows enter the model exactly and the LP decides (a lower objective, or duals under which
the cell prices at 0). Which route does not matter for the cell, so the **fastest** route
through a crossing direction of one of the cell's hold events is taken (the fastest keeps shelf
life whenever any route through that crossing does): a Dijkstra over (node, countries entered,
crossing passed) states on hours, each crossing licensed for ``p``, no country twice.
A route held by fewer hold events than the cell's may release earlier than the latest route
could; that case keeps its note (:func:`~borderflow.model.stock_bound.stock_gap_bound`).
"""

from __future__ import annotations

import heapq
import math

from .pricing import HOURS_EPS, PricingGraph, PricingProduct, _licensed

__all__ = ["held_route"]


def held_route(graph: PricingGraph, product: PricingProduct, origin: int,
               held_arcs: set[int]) -> list[int] | None:
    """Arcs of the fastest route of ``product`` from node ``origin`` to one of its markets that
    takes a crossing arc of ``held_arcs`` and keeps shelf life; None if no route does."""
    licensed = _licensed(graph, product)
    out = [[] for _ in graph.node_ids]
    for a in range(len(graph.arc_ids)):
        if licensed[a]:
            out[int(graph.tail[a])].append(a)
    at = graph.node_index()
    markets = {at[m] for m, _ in product.markets if m in at}
    start = (origin, 1 << int(graph.country[origin]), False)
    best, parent = {start: 0.0}, {start: None}
    heap = [(0.0, 0, start)]
    order = 1
    while heap:
        h, _, state = heapq.heappop(heap)
        if h > best[state]:
            continue
        if h > product.shelf_life_h + HOURS_EPS:
            return None
        node, mask, passed = state
        if passed and node in markets:
            arcs = []
            while parent[state] is not None:
                state, a = parent[state]
                arcs.append(a)
            return arcs[::-1]
        for a in out[node]:
            w = int(graph.head[a])
            m, p = mask, passed
            if graph.crossing[a] >= 0:
                bit = 1 << int(graph.country[w])
                if mask & bit:
                    continue
                m, p = mask | bit, passed or a in held_arcs
            nxt = (w, m, p)
            nh = h + float(graph.hours[a])
            if nh < best.get(nxt, math.inf):
                best[nxt], parent[nxt] = nh, (state, a)
                heapq.heappush(heap, (nh, order, nxt))
                order += 1
    return None
