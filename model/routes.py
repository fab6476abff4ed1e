"""Route enumeration: the path set of the path-based flow formulation.

Why path-based
--------------
Perishability is a limit on the *whole* journey (travel hours plus gate dwell must not exceed the
product's shelf life), which an arc-based flow cannot express without expanding the network by
cargo age. Here only crossings are capacitated; roads and rails are not. So for every sequence of
crossings between an origin and a market, only two paths can matter: the cheapest one and the
fastest one (a cargo that is too slow on the cheapest path may still make it on the fastest).
The LP over this route set is therefore exact for the network model: any optimal arc flow
decomposes into paths, and each path can be replaced by the cheapest time-feasible route with the
same crossing sequence without raising cost or violating a capacity.

The set is built with networkx shortest paths on the *domestic* graph (links only, so a segment
never crosses a border), chained through crossings: origin -> crossing -> ... -> market, at most
``max_crossings`` crossings, never entering a country twice. Sequences costing more than
``detour_factor`` times the cheapest sequence of the same origin and market are dropped (the
only approximation; it is reported and can be switched off with ``detour_factor=inf``).

Routes through closed or proposed crossings are kept: a scenario opens or closes a crossing by
changing bounds, not the route set, so many scenarios share one model.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass

import networkx as nx
import numpy as np
import pandas as pd

from borderflow.data.destinations import share_rules

from .licences import route_licences
from .costs import cost_per_t
from .network import FreightNetwork
from .pyomo_layer import no_collection


@dataclass(frozen=True)
class RouteOptions:
    """Parameters of route enumeration.

    Attributes
    ----------
    max_crossings : int
        Most border crossings on one route (2 allows e.g. Thailand -> Laos -> China).
    detour_factor : float
        Keep crossing sequences whose cost per truck is at most this multiple of the cheapest
        sequence between the same origin and market (``inf`` keeps all).
    fastest_variants : bool
        Also keep the fastest path of each sequence when it differs from the cheapest.
    max_routes_per_product : int or None
        Keep at most this many routes per (origin, product), best net margin first (price at
        the market minus cost per tonne), with at most ``max_routes_per_gate`` through the same
        final gate so alternatives through other gates stay. ``None`` keeps all (static runs);
        day-by-day runs left at ``None`` are capped at
        :attr:`borderflow.options.RunOptions.dated_routes_per_product` (5) to keep the model
        small. The routes ``keep_gates`` names and the best route into each share rule's region
        are kept beyond the cap (below).
    max_routes_per_gate : int
        With a cap: at most this many routes per (origin, product) through the same first
        crossing, and through the same last crossing.
    keep_gates : tuple of str
        With a cap: crossings whose best route per (origin, product) is always kept (the
        crossings a scenario closes, throttles or queues at, so their flows can be rerouted).
        With a cap, the best route of each (origin, product) to each region a destination-share
        rule with a low bound names (a rule covering that origin and product,
        :func:`~borderflow.data.destinations.share_rules` of the network's tables) is always
        kept too, so the cap never makes a share row unmeetable (a low row with no route into
        its region would hold the rule's China deliveries at 0 every day). A rule whose region
        no route of the set reaches at all is listed in the run summary's ``routes``
        (``unmeetable_share_rules``, :func:`summary_stats`).
    start : str
        ``enumerate`` (the route set above) or ``seed``: a small start grown by pricing
        (:mod:`borderflow.model.seed_routes`; the options above then do not apply), for
        networks whose crossing sequences are too many to enumerate.
    """

    max_crossings: int = 2
    detour_factor: float = 1.6
    fastest_variants: bool = True
    max_routes_per_product: int | None = None
    max_routes_per_gate: int = 2
    keep_gates: tuple[str, ...] = ()
    start: str = "enumerate"

    def recorded(self) -> dict:
        """The options as ``run.json`` records them: ``start`` only when it is not the
        default, so a run started from enumeration records what it always did."""
        out = asdict(self)
        if self.start == "enumerate":
            del out["start"]
        return out


#: the columns of :attr:`RouteSet.routes` and :attr:`RouteSet.route_arcs`
ROUTE_COLUMNS = ["route_id", "origin", "market", "crossings", "n_crossings", "variant",
                 "length_km", "travel_h", "link_cost_usd_per_truck", "fee_usd_per_truck",
                 "toll_usd_per_truck"]
ARC_COLUMNS = ["route_id", "seq", "arc_id", "kind", "element_id", "direction", "offset_h"]
#: the columns of :attr:`RouteSet.eligible`
ELIGIBLE_COLUMNS = ["route_id", "product_id", "origin", "market", "duration_h",
                    "cost_usd_per_t"]


@dataclass
class RouteSet:
    """Enumerated routes and which products may use them.

    Attributes
    ----------
    routes : DataFrame
        ``route_id, origin, market, crossings, n_crossings, variant, length_km, travel_h,
        link_cost_usd_per_truck, fee_usd_per_truck, toll_usd_per_truck`` (travel_h includes
        gate dwell; link cost is the running cost, tolls apart).
    route_arcs : DataFrame
        ``route_id, seq, arc_id, kind, element_id, direction, offset_h`` (hours from dispatch
        to entering the arc).
    eligible : DataFrame
        ``route_id, product_id, origin, market, duration_h, cost_usd_per_t``: the (route,
        product) pairs that are licensed at every crossing and within the product's shelf life,
        with their generalized cost per tonne (:mod:`borderflow.model.costs`).
    stats : dict
        Counts of candidate, pruned and excluded routes, for the run summary.
    """

    routes: pd.DataFrame
    route_arcs: pd.DataFrame
    eligible: pd.DataFrame
    stats: dict

    @property
    def route_crossings(self) -> pd.DataFrame:
        """The crossing arcs of each route, with their offset in hours: made once per
        route-arc table (a masked take of its Arrow string columns, read 3-4 times per model
        built; 0.2 s a read on the 60-day sweep's rebuilt models), made again if
        ``route_arcs`` is replaced. Callers only read it (select, merge, sort into new
        frames); it is not pickled with the set."""
        kept = self.__dict__.get("_crossings")
        if kept is None or kept[0] is not self.route_arcs:
            kept = (self.route_arcs, self.route_arcs[self.route_arcs["kind"] == "crossing"])
            self.__dict__["_crossings"] = kept
        return kept[1]

    def __getstate__(self) -> dict:
        """The set without its kept crossing table (a worker's warm start sends routes)."""
        return {k: v for k, v in self.__dict__.items() if k != "_crossings"}


def _domestic_graph(arcs: pd.DataFrame, weight: str) -> nx.DiGraph:
    """Links only; between two nodes keep the arc best by ``weight`` (ties: smallest arc id)."""
    g = nx.DiGraph()
    links = arcs[arcs["kind"] == "link"].sort_values([weight, "arc_id"], kind="stable")
    for row in links.itertuples(index=False):
        if not g.has_edge(row.from_node, row.to_node):
            g.add_edge(row.from_node, row.to_node, arc_id=row.arc_id,
                       w=float(getattr(row, weight)))
    return g


class _Segments:
    """Cached single-source shortest paths on a domestic graph, and the arc ids of each path
    asked for (the same segment starts and ends many routes: 60k look-ups, 2,900 segments on
    the embedded dataset)."""

    def __init__(self, graph: nx.DiGraph):
        self.graph = graph
        self._cache: dict[str, tuple[dict, dict]] = {}
        self._arcs: dict[tuple[str, str], tuple[str, ...]] = {}

    def __call__(self, source: str) -> tuple[dict, dict]:
        if source not in self._cache:
            if source in self.graph:
                self._cache[source] = nx.single_source_dijkstra(self.graph, source, weight="w")
            else:
                self._cache[source] = ({source: 0.0}, {source: [source]})
        return self._cache[source]

    def arcs(self, source: str, target: str) -> list[str]:
        """Arc ids of the shortest path source -> target (a new list each call)."""
        kept = self._arcs.get((source, target))
        if kept is None:
            nodes = self(source)[1][target]
            adj = self.graph.adj
            kept = self._arcs[source, target] = tuple(
                adj[u][v]["arc_id"] for u, v in zip(nodes[:-1], nodes[1:]))
        return list(kept)


def _sequences(net: FreightNetwork, origin: str, targets: set[str], seg: _Segments,
               crossing_arcs: pd.DataFrame, max_crossings: int) -> list[tuple[tuple, str, float]]:
    """(crossing arc sequence, market, cost per truck) of every route from ``origin``."""
    country = nx.get_node_attributes(net.graph, "country")
    by_entry = defaultdict(list)
    for row in crossing_arcs.itertuples(index=False):
        by_entry[row.from_node].append(row)
    found = []
    stack = [(origin, (), frozenset({country[origin]}), 0.0)]
    while stack:
        node, seq, visited, cost = stack.pop()
        dist, _ = seg(node)
        for m in sorted(targets):
            if m in dist and country[m] == country[node]:
                found.append((seq, m, cost + dist[m]))
        if len(seq) >= max_crossings:
            continue
        for entry in sorted(n for n in by_entry if n in dist):
            for arc in by_entry[entry]:
                to_country = country[arc.to_node]
                if to_country in visited:
                    continue
                stack.append((arc.to_node, seq + (arc.arc_id,), visited | {to_country},
                              cost + dist[entry] + arc.cost_usd_per_truck))
    return found


def _path(origin: str, market: str, seq: tuple, seg: _Segments, arc_ends: dict) -> list[str]:
    path, node = [], origin
    for arc_id in seq:
        entry, exit_ = arc_ends[arc_id]
        path += seg.arcs(node, entry) + [arc_id]
        node = exit_
    return path + seg.arcs(node, market)


def enumerate_routes(net: FreightNetwork, options: RouteOptions | None = None) -> RouteSet:
    """Enumerate origin -> market routes and the products eligible for each.

    Parameters
    ----------
    net : FreightNetwork
        The network (all crossings, whatever their status: availability is a bound).
    options : RouteOptions, optional
        Enumeration limits.

    Returns
    -------
    RouteSet
    """
    with no_collection():  # 250k route arcs and their tuples, no cycles among them (a third
        return _enumerate(net, options or RouteOptions())  # of the CPU with collections on)


def _enumerate(net: FreightNetwork, options: RouteOptions) -> RouteSet:
    """:func:`enumerate_routes`'s body."""
    crossing_arcs = net.arcs[net.arcs["kind"] == "crossing"]
    arc_ends = {a: (f, t) for a, f, t in zip(net.arcs["arc_id"], net.arcs["from_node"],
                                             net.arcs["to_node"])}
    seg_cost = _Segments(_domestic_graph(net.arcs, "cost_usd_per_truck"))
    seg_time = _Segments(_domestic_graph(net.arcs, "travel_h"))
    products = net.products
    supply = net.tables.supply
    buyers = net.tables.markets.groupby("product_id")["node_id"].apply(set).to_dict()
    offered = supply.groupby("node_id")["product_id"].apply(sorted).to_dict()

    attr = {a: (k, e, d, h, c, km, toll) for a, k, e, d, h, c, km, toll in zip(
        net.arcs["arc_id"], net.arcs["kind"], net.arcs["element_id"], net.arcs["direction"],
        net.arcs["travel_h"], net.arcs["cost_usd_per_truck"], net.arcs["length_km"],
        net.arcs["toll_usd_per_truck"])}
    rows, arc_rows, n_candidates = [], [], 0
    for origin in sorted(offered):
        targets = set().union(*(buyers.get(p, set()) for p in offered[origin]))
        found = _sequences(net, origin, targets, seg_cost, crossing_arcs, options.max_crossings)
        n_candidates += len(found)
        best = defaultdict(lambda: math.inf)
        for _seq, market, cost in found:
            best[market] = min(best[market], cost)
        kept = sorted((market, cost, seq) for seq, market, cost in found
                      if cost <= options.detour_factor * best[market] + 1e-9)
        for market, _, seq in kept:
            variants = [("cheapest", _path(origin, market, seq, seg_cost, arc_ends))]
            if options.fastest_variants:
                fast = _path(origin, market, seq, seg_time, arc_ends)
                if fast != variants[0][1]:
                    variants.append(("fastest", fast))
            label = "+".join(seq) if seq else "domestic"
            for variant, path in variants:
                route_id = f"{origin}>{market}|{label}|{variant}"
                hours = link_cost = fee = km = tolls = 0.0
                for k, arc_id in enumerate(path):
                    kind, element, direction, h, c, length, toll = attr[arc_id]
                    arc_rows.append((route_id, k, arc_id, kind, element, direction, hours))
                    hours += h
                    km += length
                    if kind == "link":
                        link_cost += c - toll
                        tolls += toll
                    else:
                        fee += c
                rows.append((route_id, origin, market, label, len(seq), variant, km, hours,
                             link_cost, fee, tolls))
    routes = _frame(rows, ROUTE_COLUMNS)
    route_arcs = _frame(arc_rows, ARC_COLUMNS)
    eligible, excluded = _eligible(net, routes, route_arcs, products, buyers)
    if options.max_routes_per_product is not None:
        eligible = _best_routes(net, eligible, route_arcs, options)
    stats = {"candidate_routes": n_candidates, "routes": len(routes),
             "route_products": len(eligible), **excluded,
             "max_crossings": options.max_crossings, "detour_factor": options.detour_factor}
    return RouteSet(routes=routes, route_arcs=route_arcs, eligible=eligible, stats=stats)


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """``pd.DataFrame(rows, columns=columns)``, built column by column: the same frame and
    dtypes (each column inferred from its values), without the object matrix of every row
    first (0.1 s for the embedded dataset's 253k route arcs)."""
    if not rows:
        return pd.DataFrame(rows, columns=columns)
    return pd.DataFrame(dict(zip(columns, map(list, zip(*rows)))), columns=columns)


def _best_routes(net: FreightNetwork, eligible: pd.DataFrame, route_arcs: pd.DataFrame,
                 options: RouteOptions) -> pd.DataFrame:
    """The best routes per (origin, product) by net margin, diverse in their final gate."""
    price = net.tables.markets.rename(columns={"node_id": "market"})[
        ["market", "product_id", "price_usd_per_t"]]
    e = eligible.merge(price, on=["market", "product_id"], how="left")
    e["net_usd_per_t"] = e["cost_usd_per_t"] - e["price_usd_per_t"]
    by_route = route_arcs[route_arcs["kind"] == "crossing"].groupby("route_id")["element_id"]
    e["first"] = e["route_id"].map(by_route.first()).fillna("domestic")
    e["last"] = e["route_id"].map(by_route.last()).fillna("domestic")
    e = e.sort_values(["origin", "product_id", "net_usd_per_t", "route_id"], kind="stable")
    key = ["origin", "product_id"]
    keep = e[key].assign(ok=True)["ok"]
    for side in ("first", "last"):
        keep &= e.groupby([*key, side]).cumcount() < options.max_routes_per_gate
    capped = e[keep]
    capped = capped[capped.groupby(key).cumcount() < options.max_routes_per_product]
    named = e[e["first"].isin(options.keep_gates) | e["last"].isin(options.keep_gates)]
    named = named[named.groupby([*key, "first", "last"]).cumcount() < 1]
    out = pd.concat([capped, named, _share_region_routes(net, e)]).drop_duplicates(
        subset=["route_id", "product_id"])
    return out[eligible.columns].sort_values(["product_id", "route_id"], kind="stable",
                                             ignore_index=True)


def _low_rules(net: FreightNetwork) -> list:
    """The share rules with a low bound: the rows a route set without a route into their
    region makes unmeetable (a high bound is always met by sending less there)."""
    return [rule for rule in share_rules(net.tables) if rule.low > 0]


def _share_region_routes(net: FreightNetwork, ranked: pd.DataFrame) -> pd.DataFrame:
    """Of ``ranked`` (eligible pairs, best net margin first per (origin, product)): the best
    route of each (origin, product) into each region of a share rule with a low bound that
    covers it."""
    parts = [ranked.iloc[:0]]
    for rule in _low_rules(net):
        hit = ranked[ranked["origin"].isin(rule.origins) & ranked["product_id"].isin(rule.products)
                     & ranked["market"].isin(rule.markets)]
        parts.append(hit.groupby(["origin", "product_id"], sort=False).head(1))
    return pd.concat(parts)


def unmeetable_share_rules(net: FreightNetwork, eligible: pd.DataFrame) -> list[str]:
    """Ids of the share rules with a low bound whose origins and products reach Chinese markets
    by some route of ``eligible`` but their region by none: the model then holds the rule's
    deliveries to China at 0 on every day (its low row, ``sum ([in region] - low) x >= 0``, has
    only negative terms). Empty when every such row can be met."""
    out = []
    for rule in _low_rules(net):
        scope = eligible[eligible["origin"].isin(rule.origins)
                         & eligible["product_id"].isin(rule.products)]
        if scope["market"].isin(rule.china).any() and not scope["market"].isin(
                rule.markets).any():
            out.append(rule.rule_id)
    return out


def summary_stats(net: FreightNetwork, routes: RouteSet) -> dict:
    """``routes.stats`` as the run summary records them (``routes``), with
    ``unmeetable_share_rules`` (:func:`unmeetable_share_rules`) when some rule's region no
    route of the final set (enumerated, capped, and any priced columns) reaches."""
    out = dict(routes.stats)
    unmet = unmeetable_share_rules(net, routes.eligible)
    if unmet:
        out["unmeetable_share_rules"] = unmet
    return out


def _eligible(net: FreightNetwork, routes: pd.DataFrame, route_arcs: pd.DataFrame,
              products: pd.DataFrame, buyers: dict) -> tuple[pd.DataFrame, dict]:
    """(route, product) pairs allowed by licence (on some day) and shelf life, with cost per
    tonne."""
    licences = route_licences(net.tables.crossings, net.scenario)  # some day (model/licences)
    crossing = route_arcs[(route_arcs["kind"] == "crossing").to_numpy()]
    crossings_of: dict[str, list] = {}  # route -> its crossings, in the table's order
    for r, c in zip(crossing["route_id"].tolist(), crossing["element_id"].tolist()):
        crossings_of.setdefault(r, []).append(c)
    pairs = routes.merge(net.tables.supply[["node_id", "product_id"]].rename(
        columns={"node_id": "origin"}), on="origin")
    pairs = pairs[[m in buyers.get(p, ()) for m, p in zip(pairs["market"].tolist(),
                                                          pairs["product_id"].tolist())]]
    licensed = np.array([all(licences[c] is None or p in licences[c]
                             for c in crossings_of.get(r, ()))
                         for r, p in zip(pairs["route_id"].tolist(),
                                         pairs["product_id"].tolist())], dtype=bool)
    shelf = products.loc[pairs["product_id"], "shelf_life_h"].to_numpy()
    in_time = pairs["travel_h"].to_numpy() <= shelf + 1e-9
    ok = licensed & in_time
    out = pairs[ok].copy()
    p = products.loc[out["product_id"]]
    out["duration_h"] = out["travel_h"]
    out["cost_usd_per_t"] = cost_per_t(
        out["link_cost_usd_per_truck"], out["toll_usd_per_truck"], out["fee_usd_per_truck"],
        out["duration_h"], p["cost_factor"], p["payload_t_per_truck"], p["vot_usd_per_t_h"])
    out = out[ELIGIBLE_COLUMNS]
    out = out.sort_values(["product_id", "route_id"], kind="stable", ignore_index=True)
    return out, {"excluded_unlicensed": int((~licensed).sum()),
                 "excluded_too_slow": int((licensed & ~in_time).sum())}
