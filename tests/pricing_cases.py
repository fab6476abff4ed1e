"""Small networks for the pricing and certificate tests: the tiny CSV datasets of tests/data/cg-*
as pricing inputs (read by the independent arc LP's reader, not by borderflow), and random small
graphs with brute-force enumeration of every route (for hypothesis).

The brute force re-states the reduced costs of ``model/pricing.py`` and
``model/dated_pricing.py`` from their docstrings, by enumerating every elementary path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
from borderflow.model.dated_pricing import DatedDuals
from borderflow.model.pricing import PricingGraph, PricingProduct
from hypothesis import strategies as st
from independent.arc_lp import read_instance

DATA = Path(__file__).parent / "data"


def tiny_inputs(name: str) -> tuple[PricingGraph, list[PricingProduct], float]:
    """Graph, products and empty-return share of ``tests/data/<name>``."""
    graph, products, sigma, _ = pricing_inputs(DATA / name)
    return graph, products, sigma


def pricing_inputs(folder: Path | None = None, **kwargs) -> tuple:
    """Graph, products, empty-return share and closed crossing directions of a dataset folder
    (default: the embedded one), read by the independent arc LP's reader (``kwargs``: its
    ``month`` and ``close``)."""
    inst = read_instance(**({} if folder is None else {"folder": folder}), **kwargs)
    nodes = pd.DataFrame({"node_id": list(inst.country), "country": list(inst.country.values())})
    arcs = inst.arcs.rename(columns={"crossing_id": "element_id", "tail": "from_node",
                                     "head": "to_node", "hours": "travel_h",
                                     "toll": "toll_usd_per_truck"})
    graph = PricingGraph.from_tables(nodes, arcs)
    products = []
    for pid, p in inst.products.iterrows():
        mk = inst.markets[inst.markets["product_id"] == pid]
        origins = tuple(sorted(inst.supply.loc[inst.supply["product_id"] == pid, "origin"]))
        allowed = frozenset(c for c, lic in inst.licences.items() if lic is None or pid in lic)
        products.append(PricingProduct(pid, p.payload_t_per_truck, p.cost_factor,
                                       p.shelf_life_h, origins,
                                       tuple(zip(mk["market"], mk["price_usd_per_t"])),
                                       allowed, p.perishable, p.penalty_usd_per_t, p.vot))
    closed = frozenset(k for k, v in inst.capacity.items() if v <= 0)
    return graph, products, inst.empty_return_share, closed


# ---- random small graphs ---------------------------------------------------------------------
@dataclass
class Case:
    """A random network, one product and its origin."""

    graph: PricingGraph
    product: PricingProduct
    origin: str


@st.composite
def cases(draw, max_nodes: int = 7) -> Case:
    """A random small network: 3-7 nodes in up to 3 countries, links (some parallel) within a
    country, crossings between countries, one product with 1-2 markets."""
    n = draw(st.integers(3, max_nodes))
    country = [draw(st.integers(0, 2)) for _ in range(n)]
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=2, max_size=3 * n))
    arcs, seen_x = [], set()
    for k, (u, v) in enumerate(chosen):
        if country[u] == country[v]:
            arcs.append((f"l{k:02d}", "link", "", "", u, v, draw(st.integers(1, 30)),
                         draw(st.integers(0, 100))))
        elif (min(u, v), max(u, v)) not in seen_x:
            a, b = min(u, v), max(u, v)
            seen_x.add((a, b))
            cid, dwell, fee = f"x{a}{b}", draw(st.integers(0, 10)), draw(st.integers(0, 50))
            arcs.append((f"{cid}:a_to_b", "crossing", cid, "a_to_b", a, b, dwell, fee))
            arcs.append((f"{cid}:b_to_a", "crossing", cid, "b_to_a", b, a, dwell, fee))
    frame = pd.DataFrame(arcs, columns=["arc_id", "kind", "element_id", "direction",
                                        "from_node", "to_node", "travel_h",
                                        "cost_usd_per_truck"])
    frame["from_node"] = [f"n{u}" for u in frame["from_node"]]
    frame["to_node"] = [f"n{v}" for v in frame["to_node"]]
    nodes = pd.DataFrame({"node_id": [f"n{i}" for i in range(n)], "country": country})
    graph = PricingGraph.from_tables(nodes, frame)
    origin = draw(st.integers(0, n - 1))
    markets = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2, unique=True))
    licensed = None
    if graph.crossing_ids and draw(st.booleans()):
        licensed = frozenset(draw(st.lists(st.sampled_from(graph.crossing_ids), unique=True)))
    product = PricingProduct(
        "p", payload_t_per_truck=float(draw(st.sampled_from([10, 20]))),
        cost_factor=draw(st.sampled_from([1.0, 1.3])),
        shelf_life_h=float(draw(st.integers(5, 100))), origins=(f"n{origin}",),
        markets=tuple((f"n{m}", float(draw(st.integers(0, 300)))) for m in markets),
        licensed=licensed, perishable=draw(st.booleans()),
        penalty_usd_per_t=float(draw(st.integers(0, 500))))
    return Case(graph, product, f"n{origin}")


def with_toll_and_vot(case: Case, toll_share: float, vot_usd_per_t_h: float) -> Case:
    """``case`` with a toll of ``toll_share`` x each link's cost (the rest its running cost,
    scaled by the cost factor; the toll is not) and a value of time (USD/t-h)."""
    g = case.graph
    toll = np.where(g.crossing < 0, toll_share * g.cost_usd_per_truck, 0.0)
    graph = PricingGraph(node_ids=g.node_ids, country=g.country, arc_ids=g.arc_ids,
                         tail=g.tail, head=g.head, hours=g.hours,
                         cost_usd_per_truck=g.cost_usd_per_truck, crossing=g.crossing,
                         direction=g.direction, crossing_ids=g.crossing_ids,
                         toll_usd_per_truck=toll)
    return Case(graph, replace(case.product, vot_usd_per_t_h=vot_usd_per_t_h), case.origin)


def routes(graph: PricingGraph, product: PricingProduct, origin: str):
    """Every route of ``product`` from ``origin``: elementary paths to a market, licensed, no
    country entered twice, within shelf life. Yields (market index, arc indices)."""
    at = graph.node_index()
    markets = {at[m] for m, _ in product.markets}
    o = at[origin]

    def walk(node, arcs, nodes, countries, hours):
        if node in markets:
            yield node, list(arcs)
        for a in graph.out_arcs(node):
            v = int(graph.head[a])
            h = hours + graph.hours[a]
            if v in nodes or h > product.shelf_life_h + 1e-9:
                continue
            c = int(graph.crossing[a])
            if c >= 0:
                if graph.country[v] in countries:
                    continue
                if product.licensed is not None and \
                        graph.crossing_ids[c] not in product.licensed:
                    continue
            yield from walk(v, arcs + [a], nodes | {v}, countries | {int(graph.country[v])}, h)

    yield from walk(o, [], {o}, {int(graph.country[o])}, 0.0)


def price_of(product: PricingProduct, graph: PricingGraph, market: int) -> float:
    """The product's price at a market node."""
    return min(p for m, p in product.markets if m == graph.node_ids[market])


def static_reduced_cost(graph, product, path, market, mu, rho, lam, pi, sigma) -> float:
    """The static reduced cost (USD/t) of a route, from the formula (mu, rho: dicts by
    (crossing index, direction index))."""
    total = 0.0
    for a in path:
        c, d = int(graph.crossing[a]), int(graph.direction[a])
        if c < 0:
            total += product.cost_factor * graph.cost_usd_per_truck[a]
        else:
            total += graph.cost_usd_per_truck[a] + mu.get((c, d), 0.0) \
                + sigma * mu.get((c, 1 - d), 0.0) \
                + (0.0 if product.perishable else rho.get((c, d), 0.0))
    P = product.payload_t_per_truck
    return total / P + lam - price_of(product, graph, market) - pi


def dated_reduced_costs(graph, product, path, market, t, duals, pi):
    """Every column (departure code, reduced cost USD/t) of a route dispatched on ``t`` in a
    dated model, by the formulas of model/dated_pricing.py; none if it is not allowed. A
    destination-share term of ``duals.share_usd_per_t`` (origin, product, market, ``t``) is
    added to every column, and a negative one adds the expire column (code -3)."""
    s = float(duals.share_usd_per_t.get((product.origins[0], product.product_id,
                                         graph.node_ids[market], t), 0.0))
    out = _dated_columns(graph, product, path, market, t, duals, pi, s < 0.0)
    return [(dep, rc + s) for dep, rc in out]


def _dated_columns(graph, product, path, market, t, duals, pi, expire):
    """:func:`dated_reduced_costs` without the share term (``expire``: a negative one)."""
    n, P = duals.n_periods, product.payload_t_per_truck
    lag, sigma = duals.empty_return_days, duals.empty_return_share
    omega = duals.waiting_cost_usd_per_truck_day
    mu = duals.capacity_usd_per_truck
    rho = duals.priority_usd_per_truck if duals.priority_usd_per_truck is not None \
        else np.zeros_like(mu)
    price = price_of(product, graph, market)

    def lam(day):
        key = (graph.node_ids[market], product.product_id, day)
        return duals.market_usd_per_t.get(key, 0.0) if day < n else 0.0

    def gate_term(c, d, day):
        if day >= n:
            return 0.0
        if duals.closed[c, d, day]:
            return math.inf
        value = mu[c, d, day] + (sigma * mu[c, 1 - d, day + lag] if day + lag < n else 0.0)
        return value + (0.0 if product.perishable else rho[c, d, day])

    base, offset, crossings = 0.0, 0.0, []
    for a in path:
        c, d = int(graph.crossing[a]), int(graph.direction[a])
        toll = graph.toll_usd_per_truck[a]
        if c < 0:  # running cost x cost factor, the toll not scaled (model/costs.py)
            base += product.cost_factor * (graph.cost_usd_per_truck[a] - toll) + toll
        else:
            base += graph.cost_usd_per_truck[a]
            crossings.append((c, d, offset))
        base += P * product.vot_usd_per_t_h * graph.hours[a]  # value of time, per truck
        offset += graph.hours[a]
    H = offset
    if not crossings:
        return [(-1, base / P - price - pi + lam(t + int(H // 24)))]
    upstream = sum(gate_term(c, d, t + int(o // 24)) for c, d, o in crossings[:-1])
    if not math.isfinite(upstream):
        return []
    c, d, og = crossings[-1]
    a = t + int(og // 24)
    if a >= n:
        return []
    wait = min(duals.max_wait_days, max(0, math.floor((product.shelf_life_h - H) / 24)))
    k = int((H - og) // 24)
    out = []
    for day in range(a, min(a + wait, n - 1) + 1):
        g = gate_term(c, d, day)
        if math.isfinite(g):
            out.append((day, (base + upstream + (day - a) * omega + g) / P - price - pi
                        + lam(day + k)))
    if a + wait + 1 >= n:
        # still queued at the end: valued like cargo written off (its penalty), no revenue
        out.append((-2, (base + upstream + (n - a) * omega) / P + product.penalty_usd_per_t - pi))
    elif expire:  # written off after W + 1 days in the queue, no gate dual, no revenue
        out.append((-3, (base + upstream + (wait + 1) * omega) / P + product.penalty_usd_per_t
                    - pi))
    return out


@st.composite
def dated_instances(draw, shares: bool = False):
    """A random case (:func:`cases`) with dated duals, a dispatch day and its supply dual;
    ``shares``: destination-share terms too."""
    case = draw(cases())
    g = case.graph
    n = draw(st.integers(2, 6))
    shape = (len(g.crossing_ids), 2, n)
    duals = DatedDuals.zeros(g, n, empty_return_share=draw(st.sampled_from([0.0, 0.5])),
                             empty_return_days=draw(st.integers(0, 2)),
                             waiting_cost_usd_per_truck_day=float(
                                 draw(st.sampled_from([0, 0, 40]))),
                             max_wait_days=draw(st.integers(0, 4)))
    if shape[0]:
        values = draw(st.lists(st.sampled_from([0.0, 0.0, 10.0, 80.0, 300.0]),
                               min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        duals.capacity_usd_per_truck = np.array(values).reshape(shape)
        shut = draw(st.lists(st.integers(0, 6), min_size=int(np.prod(shape)),
                             max_size=int(np.prod(shape))))
        duals.closed = (np.array(shut) == 0).reshape(shape)
        if draw(st.booleans()):
            duals.priority_usd_per_truck = np.full(shape, 15.0)
    duals.market_usd_per_t = {(m, "p", d): float(draw(st.sampled_from([0, 0, 30])))
                              for m, _ in case.product.markets for d in range(n)}
    t = draw(st.integers(0, n - 1))
    pi = float(draw(st.integers(-100, 300)))
    duals.supply_usd_per_t = {(case.origin, "p", t): pi}
    if shares:  # destination-share terms of the search's day, of either sign, USD/t
        duals.share_usd_per_t = {(case.origin, "p", m, t): float(draw(st.sampled_from(
            [0.0, -40.0, -5.0, 3.0]))) for m, _ in case.product.markets}
    return case, duals, t, pi


# ---- dated searches against brute force (test_dated_dominance, test_dated_hour_bounds) --------
def dated_brute(case: Case, duals: DatedDuals, t: int, pi: float) -> float:
    """Least reduced cost of every column of ``case`` dispatched on ``t`` (brute force)."""
    g, p = case.graph, case.product
    return min((rc for market, path in routes(g, p, case.origin)
                for _, rc in dated_reduced_costs(g, p, path, market, t, duals, pi)),
               default=math.inf)


def dated_route_costs(case: Case, duals: DatedDuals, t: int, pi: float) -> dict:
    """Reduced cost of every column by (arcs, departure code)."""
    g, p = case.graph, case.product
    return {(tuple(g.arc_ids[a] for a in path), dep): rc
            for market, path in routes(g, p, case.origin)
            for dep, rc in dated_reduced_costs(g, p, path, market, t, duals, pi)}


def two_roads(fee: float = 0.0) -> tuple[PricingGraph, PricingProduct]:
    """o and a in country 0, market b in country 1. Two roads o -> a: 1 h for 0 USD/truck and
    30 h for 10 USD/truck (``fee`` more on each); the crossing a -> b (0 h, no fee) has a dual
    of 300 USD/truck on day 0 and 0 on day 1 (:func:`two_roads_duals`). Payload 10 t, price
    0."""
    nodes = pd.DataFrame({"node_id": ["o", "a", "b"], "country": [0, 0, 1]})
    arcs = pd.DataFrame([
        ("fast", "link", "", "", "o", "a", 1, fee),
        ("slow", "link", "", "", "o", "a", 30, 10 + fee),
        ("x:a_to_b", "crossing", "x", "a_to_b", "a", "b", 0, 0),
        ("x:b_to_a", "crossing", "x", "b_to_a", "b", "a", 0, 0),
    ], columns=["arc_id", "kind", "element_id", "direction", "from_node", "to_node",
                "travel_h", "cost_usd_per_truck"])
    product = PricingProduct("p", payload_t_per_truck=10.0, cost_factor=1.0,
                             shelf_life_h=100.0, origins=("o",), markets=(("b", 0.0),),
                             penalty_usd_per_t=500.0)
    return PricingGraph.from_tables(nodes, arcs), product


def two_roads_duals(graph: PricingGraph) -> DatedDuals:
    """3 days, no wait allowed, the crossing a -> b dear (300 USD/truck) on day 0 only."""
    duals = DatedDuals.zeros(graph, 3, max_wait_days=0)
    duals.capacity_usd_per_truck[0, 0, 0] = 300.0
    return duals


def check_dated_option(case: Case, duals: DatedDuals, t: int, pi: float, columns: int,
                       exact: bool, same_exact: bool = True, **option) -> tuple:
    """``price_dated`` with ``option`` against the plain search and brute force: the same
    exactness (``same_exact``; otherwise a search may stop at its threshold with a bound
    where the plain one ran out of labels), the least reduced cost (or, when nothing prices
    out, a bound that is below every column and above ``-tolerance``), every column a real
    route with its reduced cost, the first the least. Returns ``(result, plain result,
    brute-force least)``."""
    from borderflow.model.dated_pricing import price_dated

    g, p = case.graph, case.product
    tol = -math.inf if exact else 1e-7
    plain = price_dated(g, [p], duals, [t], max_columns=columns, tolerance=tol)
    res = price_dated(g, [p], duals, [t], max_columns=columns, tolerance=tol, **option)
    best = dated_brute(case, duals, t, pi)
    pair, before = res.pairs.iloc[0], plain.pairs.iloc[0]
    got = pair["min_reduced_cost_usd_per_t"]
    assert pair["exact"] == before["exact"] or not same_exact
    if pair["exact"]:
        assert abs(got - best) <= 1e-7 if math.isfinite(best) else got == math.inf
    else:
        assert best >= -1e-7 - 1e-9 and got <= best + 1e-9
    costs = dated_route_costs(case, duals, t, pi)
    for col in res.columns.itertuples():
        assert abs(col.reduced_cost_usd_per_t - costs[(tuple(col.arcs), col.departure)]) <= 1e-7
    if not res.columns.empty:
        assert abs(res.columns.iloc[0]["reduced_cost_usd_per_t"] - best) <= 1e-7
    return res, plain, best


def check_dated_limit(case: Case, duals: DatedDuals, t: int, pi: float, limit: int,
                      **option) -> None:
    """With ``label_bound``, a limit of ``limit`` labels and ``option``, the pair's value
    stays below every column's (brute force)."""
    from borderflow.model.dated_pricing import price_dated

    res = price_dated(case.graph, [case.product], duals, [t], max_columns=1, tolerance=1e-7,
                      max_labels=limit, label_bound=True, **option)
    assert res.pairs.iloc[0]["min_reduced_cost_usd_per_t"] <= dated_brute(case, duals, t,
                                                                           pi) + 1e-7


# ---- verifier-style inputs of a random dated case (certificate tests) ----------------------
def dated_facts(case: Case, duals: DatedDuals, t: int, pi: float) -> tuple:
    """A verifier-style Facts of a random case (:func:`dated_instances`), its nodes and its
    results tables (the certificate tests)."""
    g, p = case.graph, case.product
    names = [(c, d) for c in g.crossing_ids for d in ("a_to_b", "b_to_a")]
    n = duals.n_periods
    cap = pd.DataFrame([(c, d, k, 0.0 if duals.closed[i // 2, i % 2, k] else 100.0,
                         duals.capacity_usd_per_truck[i // 2, i % 2, k])
                        for i, (c, d) in enumerate(names) for k in range(n)],
                       columns=["crossing_id", "direction", "period", "capacity_trucks_per_day",
                                "dual_usd_per_truck"])
    if duals.priority_usd_per_truck is not None:
        cap["priority_dual_usd_per_truck"] = [duals.priority_usd_per_truck[i // 2, i % 2, k]
                                              for i in range(len(names)) for k in range(n)]
    supply = pd.DataFrame({"origin": [case.origin], "product_id": ["p"], "period": [t],
                           "supply_t": [1.0]})
    facts = SimpleNamespace(
        dated=True, n_periods=n, products=pd.DataFrame(
            {"payload_t": [p.payload_t_per_truck], "shelf_h": [p.shelf_life_h],
             "perishable": [p.perishable], "cost_factor": [p.cost_factor],
             "penalty_usd_per_t": [p.penalty_usd_per_t]}, index=["p"]),
        arcs=arcs_frame(g), capacity=cap, supply=supply, priority=pd.DataFrame(),
        licences={c: None if p.licensed is None else ({"p"} if c in p.licensed else set())
                  for c in g.crossing_ids},
        markets=pd.DataFrame({"market": [m for m, _ in p.markets], "product_id": "p",
                              "price_usd_per_t": [pr for _, pr in p.markets],
                              "demand_t_per_day": 1e9}),
        waiting_usd_per_truck_day=duals.waiting_cost_usd_per_truck_day,
        empty_share=duals.empty_return_share, empty_lag_days=duals.empty_return_days,
        max_wait_days=duals.max_wait_days)
    market = pd.DataFrame([(m, "p", d, v) for (m, _, d), v in duals.market_usd_per_t.items()],
                          columns=["market", "product_id", "period", "dual_usd_per_t"])
    results = {"crossings": cap, "unserved": supply.assign(dual_usd_per_t=pi),
               "market_duals": market}
    nodes = pd.DataFrame({"node_id": list(g.node_ids), "country": list(g.country)})
    return facts, nodes, results


def arcs_frame(g: PricingGraph) -> pd.DataFrame:
    """The arcs of ``g`` as the verifier's ``facts.arcs`` table."""
    return pd.DataFrame({
        "kind": ["crossing" if c >= 0 else "link" for c in g.crossing],
        "element_id": [g.crossing_ids[c] if c >= 0 else "" for c in g.crossing],
        "direction": [("a_to_b", "b_to_a")[d] if d >= 0 else "" for d in g.direction],
        "from_node": [g.node_ids[u] for u in g.tail], "to_node": [g.node_ids[v] for v in g.head],
        "travel_h": g.hours, "cost_usd_per_truck": g.cost_usd_per_truck,
        "toll_usd_per_truck": g.toll_usd_per_truck}, index=list(g.arc_ids))
