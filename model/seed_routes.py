"""A seed start for column generation: a small route set that pricing grows to the optimum.

Route enumeration (:mod:`borderflow.model.routes`) chains shortest paths through every
sequence of up to ``max_crossings`` crossings; on a network ten times the embedded one (about
560 crossings) the sequences number in the millions and enumeration alone outlasts the solve.
Column generation does not need them: pricing (:mod:`borderflow.model.pricing`,
:mod:`borderflow.model.dated_pricing`) finds, exactly, every route that would lower the
objective. ``RouteOptions(start="seed")`` therefore starts from

- per (origin, product, market) the route of least generalized cost per tonne
  (:mod:`borderflow.model.costs`: running cost, tolls, fees, value of time) under the
  pricing's own route rules (licences, shelf life, never a country twice; crossing
  directions closed on every day are not used) — a static pricing pass with all duals 0, one
  market at a time, so each is the exact least-cost route (:func:`price_static`, label setting
  where the unconstrained shortest path breaks a rule);
- per initial queue of a dated scenario (:mod:`borderflow.model.queues`), a route of its
  product from each origin (its own, if named) whose last crossing is that gate (a queue sits
  at a route's last gate): the least-cost way to the gate, the gate, the least-cost road on to
  a market; so the queue has a stream to sit in (none keeping the rules: refused in words).

Every seed route is a route of pricing's route set, so a run that pricing certifies from the
seed is optimal over every route, exactly as one started from enumeration; one stopped by the
round limit is ``restricted`` with the same gap bound (:func:`gap_bound_usd`). The seed is a
*start*, never the answer: a run that cannot be priced (a realistic dispatch, rolling windows
without the whole LP, extra constraints) is refused a seed start
(:func:`borderflow.options.RunOptions.seed_problem`, :func:`borderflow.pipeline.run_scenario`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from .column_generation import pricing_inputs, with_columns
from .network import FreightNetwork
from .pricing import (COLUMN_FIELDS, PricingGraph, PricingProduct, StaticDuals, _keeps,
                      price_static)
from .routes import ARC_COLUMNS, ELIGIBLE_COLUMNS, ROUTE_COLUMNS, RouteSet

__all__ = ["ROUTE_STARTS", "seed_routes"]

#: how a run's first route set is made: every crossing sequence (``enumerate``, the default)
#: or the seed of this module, grown by pricing (``seed``)
ROUTE_STARTS = ("enumerate", "seed")


def _closed_every_day(net: FreightNetwork) -> frozenset:
    """Crossing directions with no capacity on any period (a seed through them carries 0)."""
    cap = net.capacity.groupby(["crossing_id", "direction"])["capacity_trucks_per_day"].max()
    return frozenset(k for k, v in cap.items() if v <= 0)


def _cheapest(graph: PricingGraph, products: list[PricingProduct],
              duals: StaticDuals) -> pd.DataFrame:
    """The least-cost route of every (origin, product) of ``products`` to any of its markets
    (a pricing pass with every route "pricing out": tolerance ``-inf``)."""
    if not products:
        return pd.DataFrame(columns=COLUMN_FIELDS)
    return price_static(graph, products, duals, max_columns=1, tolerance=-math.inf).columns


def _per_market(graph: PricingGraph, products: list[PricingProduct],
                duals: StaticDuals) -> list[pd.DataFrame]:
    """:func:`_cheapest` once per market: each (origin, product)'s least-cost route to it."""
    markets = sorted({m for p in products for m, _ in p.markets})
    return [_cheapest(graph, [replace(p, markets=tuple(x for x in p.markets if x[0] == m))
                              for p in products if any(x[0] == m for x in p.markets)], duals)
            for m in markets]


def _through_gates(net: FreightNetwork, graph: PricingGraph,
                   products: list[PricingProduct]) -> list[pd.DataFrame]:
    """Per initial queue: a least-cost route of its product whose last crossing is its gate
    (from its origin if named, else from each origin): the least-cost way to the gate's near
    side, the gate, the least-cost road on to a market past it; kept if it keeps pricing's
    rules (shelf life, no country twice)."""
    queues = net.scenario.initial_queues if net.dated else ()
    by_id = {p.product_id: p for p in products}
    country = dict(zip(net.nodes["node_id"], net.nodes["country"]))
    x = net.arcs[net.arcs["kind"] == "crossing"]
    gate = {(c, d): (a, f, t) for a, c, d, f, t in zip(x["arc_id"], x["element_id"],
                                                       x["direction"], x["from_node"],
                                                       x["to_node"])}
    at = graph.node_index()
    arc_at = {a: i for i, a in enumerate(graph.arc_ids)}
    found = []
    for j, q in enumerate(queues):
        p = by_id.get(q.product)
        rows = []
        if p is not None and (q.crossing, q.direction) in gate and \
                (p.licensed is None or q.crossing in p.licensed):
            arc, near, far = gate[(q.crossing, q.direction)]
            origins = (q.origin,) if q.origin else p.origins
            there = _cheapest(graph, [replace(p, origins=tuple(o for o in origins
                                                               if o in p.origins),
                                              markets=((near, 0.0),))], StaticDuals())
            on = _cheapest(graph, [replace(p, origins=(far,), licensed=frozenset(),
                                           markets=tuple(m for m in p.markets
                                                         if country[m[0]] == country[far]))],
                           StaticDuals())
            for c in there.itertuples(index=False):
                for d in on.itertuples(index=False):
                    arcs = (*c.arcs, arc, *d.arcs)
                    if _keeps(graph, p, at[c.origin], [arc_at[a] for a in arcs]):
                        rows.append({**c._asdict(), "market": d.market, "arcs": arcs})
        if not rows:
            raise ValueError(f"initial queue {j + 1}: the seed start found no route of "
                             f"{q.product} with {q.crossing} ({q.direction}) as its last "
                             "crossing; use --routes enumerate")
        found.append(pd.DataFrame(rows, columns=COLUMN_FIELDS))
    return found


def seed_routes(net: FreightNetwork) -> RouteSet:
    """The seed route set of ``net`` (see the module docstring): each (origin, product,
    market)'s least-cost route, and a route through the gate of each initial queue.

    Route ids are pricing's (``origin>market|crossings|priced-<digest>``,
    :func:`borderflow.model.column_generation.with_columns`); ``stats`` counts them as
    ``seed_routes`` (``priced_routes`` counts only what pricing adds later).

    Raises
    ------
    ValueError
        If an initial queue's gate has no seed route (a route set by enumeration may have one
        through further crossings).
    """
    graph, products = pricing_inputs(net)
    parts = _per_market(graph, products, StaticDuals(closed=_closed_every_day(net)))
    parts += _through_gates(net, graph, products)
    parts = [p for p in parts if len(p)]
    columns = pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame(columns=COLUMN_FIELDS)
    empty = RouteSet(routes=pd.DataFrame(columns=ROUTE_COLUMNS),
                     route_arcs=pd.DataFrame(columns=ARC_COLUMNS),
                     eligible=pd.DataFrame(columns=ELIGIBLE_COLUMNS),
                     stats={"candidate_routes": 0, "routes": 0, "route_products": 0})
    routes = with_columns(net, empty, columns) if len(columns) else empty
    stats = {**routes.stats, "start": "seed", "seed_routes": len(routes.routes),
             "priced_routes": 0}
    return replace(routes, stats=stats)
