"""Properties every optimal routing must have, on random small networks (hypothesis).

Each example is a small dataset in the tiny format (tests/tiny.py): 1-2 Vietnamese origins,
1-2 products, 2-4 crossings into China with random capacities, fees and statuses, some closed by
the scenario, 1-2 Chinese markets with random prices and demand. It is written as CSV, loaded
and solved by the real pipeline, and its result tables are checked with code that does not use
the model formulation: flow conservation along real arcs, crossing capacity per direction,
nothing through closed crossings, supply not exceeded, and the objective between an
uncapacitated lower bound (networkx shortest paths per origin and product) and the cost of
shipping nothing.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd
import tiny
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from borderflow.data.scenario import CloseEvent, Scenario
from borderflow.data.dataset import load_dataset
from borderflow.pipeline import run_scenario
from borderflow.verify import verify_results, violations

TOL = 1e-6
_GEOD = Geod(ellps="WGS84")


@dataclass
class Network:
    """A random dataset (tiny-format tables) and the crossings its scenario closes."""

    tables: dict[str, pd.DataFrame]
    closed: tuple[str, ...]


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance, km (the loader checks lengths against the drawn line)."""
    return _GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000.0


@st.composite
def networks(draw) -> Network:
    """A small valid dataset: every origin reaches every market through every gate."""
    n_o, n_x, n_m = draw(st.integers(1, 2)), draw(st.integers(2, 4)), draw(st.integers(1, 2))
    products = ["durian", "rice"][:draw(st.integers(1, 2))]
    xy = {f"vn-o{i}": (104.0 + 0.4 * i, 20.6) for i in range(n_o)}
    xy |= {f"vn-a{j}": (104.0 + 0.3 * j, 21.5) for j in range(n_x)}
    xy |= {f"cn-b{j}": (104.01 + 0.3 * j, 21.52) for j in range(n_x)}
    xy |= {f"cn-m{k}": (104.2 + 0.5 * k, 22.4) for k in range(n_m)}
    kinds = {"o": "origin", "m": "market"}
    prov = tiny.PROV
    nodes = pd.DataFrame([{"node_id": n, "name": n.upper(), "kind": kinds.get(n[3], "gate"),
                           "country": n[:2].upper(), "admin1": "", "lon": x, "lat": y, **prov}
                          for n, (x, y) in xy.items()])
    statuses = draw(st.lists(st.sampled_from(["open", "open", "closed", "proposed"]),
                             min_size=n_x, max_size=n_x))
    statuses[draw(st.integers(0, n_x - 1))] = "open"  # the data must reach a market
    cap = st.integers(0, 40)
    crossings = pd.DataFrame([{
        "crossing_id": f"x{j}", "name": f"X{j}", "node_a": f"vn-a{j}", "node_b": f"cn-b{j}",
        "country_a": "VN", "country_b": "CN", "mode": "road", "status": statuses[j],
        "lon": xy[f"vn-a{j}"][0], "lat": xy[f"vn-a{j}"][1],
        "capacity_a_to_b_trucks_per_day": draw(cap), "capacity_b_to_a_trucks_per_day": draw(cap),
        "capacity_kind": "limit", "lanes_a_to_b": 1, "lanes_b_to_a": 1,
        "dwell_h": draw(st.integers(1, 8)), "fee_usd_per_truck": draw(st.integers(0, 150)),
        "licensed_products": "", "opens": "", **prov} for j in range(n_x)])
    pairs = [(f"vn-o{i}", f"vn-a{j}") for i in range(n_o) for j in range(n_x)]
    pairs += [(f"cn-b{j}", f"cn-m{k}") for j in range(n_x) for k in range(n_m)]
    links = []
    for n, (a, b) in enumerate(pairs):
        km = math.ceil(_km(xy[a], xy[b]) * draw(st.floats(1.0, 2.5))) + 1
        links.append({"link_id": f"l{n}", "from_node": a, "to_node": b, "mode": "road",
                      "route_ref": "", "length_km": km,
                      "travel_h": round(km / draw(st.integers(30, 70)), 3),
                      "cost_usd_per_truck": "", "bidirectional": "true",
                      "geometry_wkt": tiny._line(xy[a], xy[b]), **prov})
    product_rows = [{
        "product_id": p, "name": p, "category": "food", "perishable": str(p == "durian").lower(),
        "reefer": str(p == "durian").lower(), "shelf_life_ambient_days": 30,
        "shelf_life_reefer_days": draw(st.sampled_from([0.5, 1, 3, 14])),
        "payload_t_per_truck": draw(st.integers(10, 30)),
        "value_usd_per_t": draw(st.integers(50, 1500)), **prov} for p in products]
    supply = [{"node_id": f"vn-o{i}", "product_id": p,
               "supply_t_per_year": draw(st.integers(0, 400)) * 365, **prov}
              for i in range(n_o) for p in products]
    markets = [{"node_id": f"cn-m{k}", "product_id": p,
                "price_usd_per_t": draw(st.integers(100, 2000)),
                "demand_t_per_year": draw(st.one_of(st.just(""), st.integers(20, 500).map(
                    lambda d: d * 365))), **prov} for k in range(n_m) for p in products]
    t = tiny.base_tables()
    params = t["parameters"].set_index("parameter")
    params.loc["road_cost_usd_per_truck_km", "value"] = draw(st.sampled_from([0.5, 1.0, 1.7]))
    params.loc["reefer_cost_factor", "value"] = draw(st.sampled_from([1.0, 1.3]))
    t.update(products=pd.DataFrame(product_rows), nodes=nodes, crossings=crossings,
             links=pd.DataFrame(links), supply=pd.DataFrame(supply),
             markets=pd.DataFrame(markets), parameters=params.reset_index(),
             seasonality=pd.concat([t["seasonality"].assign(product_id=p) for p in products],
                                   ignore_index=True))
    closed = tuple(draw(st.lists(st.sampled_from(list(crossings["crossing_id"])), unique=True,
                                 max_size=n_x)))
    return Network({k: df.astype(object) for k, df in t.items()}, tuple(sorted(closed)))


def _capacity(net: Network) -> dict[tuple[str, str], float]:
    """Trucks per day per crossing and direction, from the inputs and the scenario's closures."""
    out = {}
    for r in net.tables["crossings"].itertuples(index=False):
        usable = r.status == "open" and r.crossing_id not in net.closed
        for d in ("a_to_b", "b_to_a"):
            out[(r.crossing_id, d)] = float(getattr(r, f"capacity_{d}_trucks_per_day")) * usable
    return out


def _lower_bound(net: Network) -> float:
    """Objective with crossing capacities and market demand ignored: each origin sends each
    product to its best market by the cheapest path (networkx), or leaves it unshipped."""
    t = net.tables
    rate = float(t["parameters"].set_index("parameter").loc["road_cost_usd_per_truck_km",
                                                               "value"])
    factor = float(t["parameters"].set_index("parameter").loc["reefer_cost_factor", "value"])
    cap = _capacity(net)
    total = 0.0
    for p in t["products"].itertuples(index=False):
        g = nx.DiGraph()
        f = factor if p.reefer == "true" else 1.0
        for r in t["links"].itertuples(index=False):
            g.add_edge(r.from_node, r.to_node, w=float(r.length_km) * rate * f)
            g.add_edge(r.to_node, r.from_node, w=float(r.length_km) * rate * f)
        for r in t["crossings"].itertuples(index=False):
            for d, (a, b) in (("a_to_b", (r.node_a, r.node_b)), ("b_to_a", (r.node_b, r.node_a))):
                if cap[(r.crossing_id, d)] > 0:
                    g.add_edge(a, b, w=float(r.fee_usd_per_truck))
        buyers = t["markets"][t["markets"]["product_id"] == p.product_id]
        for s in t["supply"][t["supply"]["product_id"] == p.product_id].itertuples(index=False):
            dist = nx.single_source_dijkstra_path_length(g, s.node_id, weight="w")
            best = float(p.value_usd_per_t)
            for m in buyers.itertuples(index=False):
                if m.node_id in dist:
                    best = min(best, dist[m.node_id] / float(p.payload_t_per_truck)
                               - float(m.price_usd_per_t))
            total += float(s.supply_t_per_year) / 365.0 * best
    return total


def _allowed_arcs(net: Network) -> set[tuple[str, str]]:
    """Node pairs an arc may join: links both ways, crossings from side a to b and back."""
    t = net.tables
    arcs = {(r.from_node, r.to_node) for r in t["links"].itertuples(index=False)}
    arcs |= {(b, a) for a, b in arcs}
    arcs |= {(r.node_a, r.node_b) for r in t["crossings"].itertuples(index=False)}
    return arcs | {(r.node_b, r.node_a) for r in t["crossings"].itertuples(index=False)}


def _check_conservation(net: Network, res) -> None:
    """At every node and product, flow in - flow out = delivered - dispatched."""
    flows, rf = res.flows, res.route_flows
    assert set(zip(flows["from_node"], flows["to_node"])) <= _allowed_arcs(net)
    balance: dict[tuple[str, str], float] = {}
    for r in flows.itertuples(index=False):
        balance[(r.to_node, r.product_id)] = balance.get((r.to_node, r.product_id), 0) + r.flow_t
        balance[(r.from_node, r.product_id)] = balance.get((r.from_node, r.product_id),
                                                           0) - r.flow_t
    for r in rf.itertuples(index=False):
        balance[(r.origin, r.product_id)] = balance.get((r.origin, r.product_id), 0) + r.flow_t
        balance[(r.market, r.product_id)] = balance.get((r.market, r.product_id), 0) - r.flow_t
    scale = 1.0 + float(rf["flow_t"].sum()) if len(rf) else 1.0
    for key, v in balance.items():
        assert abs(v) <= TOL * scale, (key, v)


def _check_crossings(net: Network, res) -> None:
    """Trucks per crossing and direction within capacity; closed crossings carry nothing."""
    payload = dict(zip(net.tables["products"]["product_id"],
                       net.tables["products"]["payload_t_per_truck"].astype(float)))
    x = res.flows[res.flows["kind"] == "crossing"]
    per_t = [1.0 / payload[p] for p in x["product_id"]]
    trucks = (x["flow_t"].astype(float) * per_t).groupby([x["element_id"], x["direction"]]).sum()
    for (crossing, direction), cap in _capacity(net).items():
        used = float(trucks.get((crossing, direction), 0.0))
        assert used <= cap + TOL * (1 + cap), (crossing, direction, used, cap)
        if cap == 0:
            assert used <= TOL, (crossing, direction, used)


def _check_supply(net: Network, res) -> None:
    """Dispatched <= supply per origin and product; dispatched + unserved = supply."""
    sent = res.route_flows.groupby(["origin", "product_id"])["flow_t"].sum()
    unserved = res.unserved.set_index(["origin", "product_id"])["unserved_t"]
    for s in net.tables["supply"].itertuples(index=False):
        supply = float(s.supply_t_per_year) / 365.0
        shipped = float(sent.get((s.node_id, s.product_id), 0.0))
        assert shipped <= supply + TOL * (1 + supply)
        left = float(unserved.get((s.node_id, s.product_id), 0.0))
        assert abs(shipped + left - supply) <= 1e-6 * (1 + supply)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_random_networks_route_within_the_rules(net):
    with tempfile.TemporaryDirectory() as tmp:
        folder = tiny.write(Path(tmp) / "data", net.tables)
        tables = load_dataset(folder, check_borders=False)
        scenario = Scenario(name="random", events=tuple(CloseEvent(crossing=c)
                                                        for c in net.closed))
        run = run_scenario(tables, scenario)
    res = run.results
    assert res.summary["status"] == "optimal"
    _check_conservation(net, res)
    _check_crossings(net, res)
    _check_supply(net, res)
    objective = float(res.summary["objective_usd"])
    bound = _lower_bound(net)
    assert objective >= bound - 1e-6 * (1 + abs(bound)), (objective, bound)
    nothing_shipped = sum(float(s.supply_t_per_year) / 365.0 * float(
        net.tables["products"].set_index("product_id").loc[s.product_id, "value_usd_per_t"])
        for s in net.tables["supply"].itertuples(index=False))
    assert objective <= nothing_shipped + 1e-6 * (1 + nothing_shipped)
    report = verify_results(res, run.tables, run.net.scenario, net=run.net)
    assert violations(report).empty, violations(report).to_string()
