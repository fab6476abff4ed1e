"""The route, arc and route-arc tables of a solved model (``route_flows``, ``flows``,
``route_arcs``; :mod:`borderflow.model.results` reads them with the rest).

Each is made by a function of a few inputs (the route-flow values, the route flows and
departures, the routes in use); with ``reuse`` a sweep scenario read from its kept model takes
the table of the model's first reading when those inputs are bit for bit that reading's
(:mod:`borderflow.model.table_memo`).
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from .formulation import BuiltModel
from .network import FreightNetwork
from .queue_results import FLOW_TOL_T, departures as _departures, gate_arcs
from .queue_results import solved_values as _values
from .routes import RouteSet
from .table_memo import same


def route_flows(built: BuiltModel, routes: RouteSet, added=None,
                 reuse: bool = False) -> pd.DataFrame:
    """Tonnes, trucks, cost and revenue per route, product and dispatch period (``reuse``: as
    :func:`arc_flows`, when the route flows are the first reading's)."""
    values = _values(built.model.route_flow, len(built.flows))
    if not reuse or added is not None:
        return _route_flows_of(built, routes, values, added)
    return same(routes.route_arcs, "route_flows", (values, id(built.flows), id(routes.routes)),
                lambda: _route_flows_of(built, routes, values, None))


def _route_flows_of(built: BuiltModel, routes: RouteSet, values: np.ndarray,
                    added) -> pd.DataFrame:
    """:func:`route_flows` of the route-flow values ``values``."""
    f = built.flows.copy()
    f["flow_t"] = values
    if added is not None:  # a sweep scenario's own columns, read from HiGHS
        f = pd.concat([f, added.flows.assign(flow_t=added.values())], ignore_index=True)
    f = f[f["flow_t"] > FLOW_TOL_T].copy()
    f["trucks_per_day"] = f["flow_t"] / f["payload_t_per_truck"]
    f["cost_usd"] = f["flow_t"] * f["cost_usd_per_t"]
    f["revenue_usd"] = f["flow_t"] * f["price_usd_per_t"]
    info = routes.routes[["route_id", "crossings", "variant", "length_km"]]
    f = f.merge(info, on="route_id", how="left")
    cols = ["route_id", "product_id", "origin", "market", "crossings", "variant", "period",
            "flow_t", "trucks_per_day", "duration_h", "length_km", "cost_usd_per_t", "cost_usd",
            "price_usd_per_t", "revenue_usd"]
    return f[cols].sort_values(["product_id", "route_id", "period"], kind="stable",
                               ignore_index=True)


def arc_flows(net: FreightNetwork, route_flows: pd.DataFrame, routes: RouteSet,
               built: BuiltModel, reuse: bool = False) -> pd.DataFrame:
    """Tonnes per arc, product and the day trucks enter the arc.

    Static runs: every arc of a route in the dispatch period. Dated runs: arcs before the queue
    gate on dispatch day + travel days; the gate and later arcs on the day the queue releases
    the cargo (departures) + travel days from the gate. ``reuse``: a sweep scenario read from
    its kept model takes the table of the model's first reading if its route flows and
    departures are that reading's, bit for bit (:mod:`borderflow.model.table_memo`).
    """
    rf = route_flows[["route_id", "product_id", "period", "flow_t", "trucks_per_day"]]
    dep = _departures(built) if built.dated else None
    if not reuse:
        return _arc_flows_of(net, rf, routes, built, dep)
    return same(routes.route_arcs, "flows",
                (rf, dep, built.dated, len(net.periods), id(net.arcs), id(net.products)),
                lambda: _arc_flows_of(net, rf, routes, built, dep))


def _arc_flows_of(net: FreightNetwork, rf: pd.DataFrame, routes: RouteSet,
                  built: BuiltModel, dep: pd.DataFrame | None) -> pd.DataFrame:
    """:func:`arc_flows` of the route flows ``rf`` and (dated) departures ``dep``."""
    ra = routes.route_arcs[["route_id", "seq", "arc_id", "offset_h"]]
    if built.dated:
        up_arcs, down_arcs = _gate_spans(routes)
        af = pd.concat([_along(rf, up_arcs), _along(dep, down_arcs)], ignore_index=True)
        af = af[af["period"] < len(net.periods)]
    else:
        af = rf.merge(ra[["route_id", "arc_id"]], on="route_id")
    af = af.groupby(["arc_id", "product_id", "period"], as_index=False)[
        ["flow_t", "trucks_per_day"]].sum()
    arcs = net.arcs[["arc_id", "kind", "element_id", "direction", "from_node", "to_node", "mode",
                     "length_km", "cost_usd_per_truck"]]
    af = af.merge(arcs, on="arc_id", how="left")
    factor = net.products.loc[af["product_id"], "cost_factor"].to_numpy()
    is_link = (af["kind"] == "link").to_numpy()
    af["cost_usd"] = af["trucks_per_day"] * af["cost_usd_per_truck"] * np.where(is_link, factor,
                                                                                 1.0)
    cols = ["arc_id", "kind", "element_id", "direction", "from_node", "to_node", "mode",
            "product_id", "period", "flow_t", "trucks_per_day", "length_km", "cost_usd"]
    return af[cols].sort_values(["arc_id", "product_id", "period"], kind="stable",
                                ignore_index=True)


#: per route set (:func:`_gate_spans`)
_SPANS: dict = {}


def _gate_spans(routes: RouteSet) -> tuple[tuple, tuple]:
    """Each route's arcs before its queue gate and from it on, as ``(route index, first row
    per route, arc ids, whole days from dispatch or from the gate)``: the rows of
    :func:`~borderflow.model.queue_results.gate_arcs`'s tables in their order, grouped by
    route in order of first appearance; made once per route set."""
    at = id(routes.route_arcs)
    if at not in _SPANS:
        gate_seq, gate_off, after = gate_arcs(routes)
        up = gate_seq[gate_seq["seq"] < gate_seq["gate_seq"]]
        up_days = np.floor(up["offset_h"].to_numpy() / 24.0).astype(int)
        down = after.merge(gate_off, on="route_id")
        down_days = np.floor((down["offset_h"] - down["gate_offset_h"]).to_numpy()
                             / 24.0).astype(int)
        _SPANS[at] = (_spans(up, up_days), _spans(down, down_days))
        weakref.finalize(routes.route_arcs, _SPANS.pop, at, None)
    return _SPANS[at]


def _spans(arcs: pd.DataFrame, days: np.ndarray) -> tuple:
    """``arcs``' rows grouped by route (a stable sort: each route's rows in their order)."""
    codes, index = pd.factorize(arcs["route_id"])
    order = np.argsort(codes, kind="stable")
    first = np.searchsorted(codes[order], np.arange(len(index) + 1))
    return (pd.Index(index), first, arcs["arc_id"].take(order).reset_index(drop=True),
            days[order])


def _along(flows: pd.DataFrame, spans: tuple) -> pd.DataFrame:
    """Each row of ``flows`` (route, product, period, tonnes, trucks) once per arc of its
    route in ``spans``, the period moved by the arc's whole days: the rows an inner merge of
    ``flows`` with the arcs on ``route_id`` gives, in its order (each flow row in turn, its
    route's arcs in their order)."""
    index, first, arc_ids, days = spans
    code = index.get_indexer(flows["route_id"])
    known = code >= 0
    code = np.where(known, code, 0)
    counts = np.where(known, first[code + 1] - first[code], 0)
    rows = np.repeat(np.arange(len(flows)), counts)
    starts = np.repeat(first[code] - (np.cumsum(counts) - counts), counts)
    pos = starts + np.arange(len(rows))
    return pd.DataFrame({
        "arc_id": arc_ids.take(pos).reset_index(drop=True),
        "product_id": flows["product_id"].take(rows).reset_index(drop=True),
        "period": flows["period"].to_numpy().take(rows) + days[pos],
        "flow_t": flows["flow_t"].to_numpy().take(rows),
        "trucks_per_day": flows["trucks_per_day"].to_numpy().take(rows)})


def route_arc_table(net: FreightNetwork, routes: RouteSet, route_flows: pd.DataFrame,
                     stream_queues: pd.DataFrame, reuse: bool = False) -> pd.DataFrame:
    """The arcs of every route that carries cargo (dispatched, or from an initial queue), in
    order: end nodes, travel and offset hours (``reuse``: as :func:`arc_flows`, when the
    routes in use are the first reading's)."""
    used = set(route_flows["route_id"]) | set(stream_queues["route_id"])
    if not reuse:
        return _route_arc_table_of(net, routes, used)
    return same(routes.route_arcs, "route_arcs", (sorted(used), id(net.arcs)),
                lambda: _route_arc_table_of(net, routes, used))


def _route_arc_table_of(net: FreightNetwork, routes: RouteSet, used: set) -> pd.DataFrame:
    """:func:`route_arc_table` of the routes ``used``."""
    ra = routes.route_arcs[routes.route_arcs["route_id"].isin(used)]
    ra = ra[["route_id", "seq", "arc_id", "kind", "element_id", "direction", "offset_h"]].merge(
        net.arcs[["arc_id", "from_node", "to_node", "travel_h"]], on="arc_id", how="left")
    cols = ["route_id", "seq", "arc_id", "kind", "element_id", "direction", "from_node",
            "to_node", "travel_h", "offset_h"]
    return ra[cols].sort_values(["route_id", "seq"], kind="stable", ignore_index=True)
