"""Optimal flows as GIS layers: GeoDataFrames of a run's results and atomic writers.

Layers (one GeoDataFrame each, geometry in EPSG:4326; the field list of every layer is in
:data:`FIELDS` and written as a ``data_dictionary`` table next to the layers):

- ``nodes``: every node of the network (points);
- ``links``: road, rail and transfer links with tonnes per product, total tonnes, trucks/day
  per direction and transport cost (lines);
- ``crossings``: border crossings with capacity, flow and utilisation per direction, the dual
  value of capacity, the peak queue and the crossing's state in the run (points);
- ``routes``: the origin -> market routes the optimum uses, with tonnes, hours and cost; the
  geometry is the route's link geometries (and crossing points) joined end to end (lines);
- ``origins`` and ``markets``: supply, shipped, unserved and spoiled tonnes; received tonnes
  and revenue (points).

Amounts are per day: the mean over the run's periods (a static run has one period, a
representative day). With a baseline run, each layer also gets the baseline value and the
change (``flow_delta_trucks``, ``cost_delta_usd`` ...) so one layer shows what moved; features
used by either run are kept. Lengths (``geom_km``) are measured in the metric CRS
:data:`borderflow.data.basemap.METRIC_CRS`.

GeoPackage, GeoJSON and Shapefile are written through pyogrio (GDAL). GeoParquet is written with
geopandas/pyarrow (the GDAL bundled with pyogrio has no Parquet driver). A GeoPackage holds every
layer plus the ``data_dictionary`` table in one file; the other formats write a folder with one
file per layer and ``data_dictionary.csv``. Every file is written to a temporary name in its
folder and moved into place with :func:`os.replace`.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from shapely.geometry import LineString

from borderflow.data.basemap import METRIC_CRS
from borderflow.io import changed_inputs, read_run, read_run_inputs
from borderflow.model.network import FreightNetwork, build_network
from borderflow.model.results import ResultTables
from borderflow.model.routes import _domestic_graph, _path, _Segments

log = logging.getLogger(__name__)

CRS = "EPSG:4326"
LAYERS = ("nodes", "links", "crossings", "routes", "origins", "markets")
FORMATS = {"gpkg": ("GPKG", ".gpkg"), "geoparquet": (None, ".parquet"),
           "geojson": ("GeoJSON", ".geojson"), "shp": ("ESRI Shapefile", ".shp")}
#: flows below this (trucks/day) count as no flow when deciding what a layer keeps
_EPS = 1e-6

#: layer -> one-line description (data dictionary and docs)
LAYER_INFO = {
    "nodes": "every node of the network: origins, markets, towns, gates, ports, rail terminals",
    "links": "road, rail and transfer links (both directions) with the optimal flow",
    "crossings": "border crossings (gate pairs) with capacity, flow, utilisation, dual value "
                 "and queue per direction",
    "routes": "origin -> market routes used by the optimum (baseline or scenario)",
    "origins": "origin nodes: supply, shipped, unserved and spoiled tonnes",
    "markets": "market nodes: tonnes received and revenue",
    "data_dictionary": "one row per field of every layer: unit and meaning",
}

#: field -> (shapefile name (<= 10 characters), unit, meaning); shared by the layers using it
FIELDS: dict[str, tuple[str, str, str]] = {
    "scenario": ("scenario", "-", "scenario name (sweep exports only)"),
    "node_id": ("node_id", "-", "node id of the dataset (nodes.csv)"),
    "link_id": ("link_id", "-", "link id of the dataset (links.csv)"),
    "crossing_id": ("crossing", "-", "crossing id of the dataset (crossings.csv)"),
    "route_id": ("route_id", "-", "route id: origin>market|crossing:direction+...|variant"),
    "name": ("name", "-", "display name"),
    "kind": ("kind", "-", "node kind: origin, market, town, gate, port, rail_terminal"),
    "country": ("country", "ISO2", "country of the node"),
    "admin1": ("admin1", "-", "province or prefecture"),
    "mode": ("mode", "-", "road, rail or transfer (road/rail transshipment)"),
    "road": ("road", "-", "road or line name (route_ref of links.csv)"),
    "from_node": ("from_node", "-", "start node of the link (its forward direction)"),
    "to_node": ("to_node", "-", "end node of the link (its forward direction)"),
    "len_km": ("len_km", "km", "length along the route, from the dataset (links.csv "
                               "length_km; routes: sum over their links)"),
    "geom_km": ("geom_km", "km", "length of the drawn geometry, measured in EPSG:32648 "
                                 "(UTM 48N)"),
    "travel_h": ("travel_h", "h", "travel time of a loaded truck over the link"),
    "flow_t": ("flow_t", "t/day", "tonnes per day, all products (links: both directions)"),
    "trucks": ("trucks", "trucks/day", "trucks per day (links and crossings: both directions)"),
    "fwd_trucks": ("fwd_trucks", "trucks/day", "trucks per day from from_node to to_node"),
    "rev_trucks": ("rev_trucks", "trucks/day", "trucks per day from to_node to from_node"),
    "cost_usd": ("cost_usd", "USD/day", "transport cost per day (links: trucking over the link; "
                                        "crossings: fees; routes: whole route)"),
    "ctry_a": ("ctry_a", "ISO2", "country of side a"),
    "ctry_b": ("ctry_b", "ISO2", "country of side b"),
    "status": ("status", "-", "status in the dataset: open, closed, proposed, upgraded, "
                              "restricted"),
    "state": ("state", "-", "state in this run: open, reduced (capacity below nominal in some "
                            "period), closed (no capacity in any period)"),
    "fee_usd": ("fee_usd", "USD/truck", "fees and handling per truck crossing"),
    "cap_ab": ("cap_ab", "trucks/day", "capacity from side a to side b in this run"),
    "cap_ba": ("cap_ba", "trucks/day", "capacity from side b to side a in this run"),
    "trk_ab": ("trk_ab", "trucks/day", "trucks per day from side a to side b"),
    "trk_ba": ("trk_ba", "trucks/day", "trucks per day from side b to side a"),
    "t_ab": ("t_ab", "t/day", "tonnes per day from side a to side b"),
    "t_ba": ("t_ba", "t/day", "tonnes per day from side b to side a"),
    "util_ab": ("util_ab", "share", "utilisation a to b: trk_ab / cap_ab (0 when no capacity)"),
    "util_ba": ("util_ba", "share", "utilisation b to a: trk_ba / cap_ba (0 when no capacity)"),
    "util": ("util", "share", "utilisation of the busier direction"),
    "util_pk": ("util_pk", "share", "highest utilisation of any direction and period (dated "
                                    "runs; = util for a static run)"),
    "dual_ab": ("dual_ab", "USD/truck", "dual value of capacity a to b: objective gain of one "
                                        "more truck/day of capacity (0 when not binding)"),
    "dual_ba": ("dual_ba", "USD/truck", "dual value of capacity b to a"),
    "queue_pk": ("queue_pk", "trucks", "peak queue at the gate over the run, busier direction "
                                       "(from the run's queues table; 0 for static runs)"),
    "origin": ("origin", "-", "origin node id"),
    "market": ("market", "-", "market node id"),
    "crossings": ("crossings", "-", "crossings used, in order (crossing:direction, '+' "
                                    "separated; 'domestic' if none)"),
    "variant": ("variant", "-", "cheapest or fastest path of the crossing sequence"),
    "products": ("products", "-", "products carried (';' separated)"),
    "hours": ("hours", "h", "door-to-door duration: travel plus gate dwell"),
    "usd_per_t": ("usd_per_t", "USD/t", "transport cost per tonne (flow-weighted over "
                                        "products)"),
    "revenue_usd": ("revenue", "USD/day", "market revenue per day"),
    "supply_t": ("supply_t", "t/day", "supply per day"),
    "shipped_t": ("shipped_t", "t/day", "tonnes shipped per day"),
    "unserved_t": ("unserved_t", "t/day", "supply not shipped per day"),
    "spoiled_t": ("spoiled_t", "t/day", "perishable tonnes lost per day (unshipped perishables)"),
    "lost_usd": ("lost_usd", "USD/day", "export value of the supply not shipped, per day"),
    "recv_t": ("recv_t", "t/day", "tonnes delivered to the market per day"),
    "base_t": ("base_t", "t/day", "baseline: tonnes per day (flow_t of the baseline run)"),
    "base_trucks": ("base_trk", "trucks/day", "baseline: trucks per day"),
    "base_state": ("base_state", "-", "baseline: state of the crossing"),
    "flow_delta_t": ("d_flow_t", "t/day", "change of tonnes per day, scenario minus baseline"),
    "flow_delta_trucks": ("d_trucks", "trucks/day", "change of trucks per day, scenario minus "
                                                     "baseline"),
    "cost_delta_usd": ("d_cost_usd", "USD/day", "change of transport cost per day"),
    "shipped_delta_t": ("d_shipped", "t/day", "change of tonnes shipped per day"),
    "unserved_delta_t": ("d_unserved", "t/day", "change of unserved tonnes per day"),
    "lost_delta_usd": ("d_lost_usd", "USD/day", "change of lost export value per day"),
    "recv_delta_t": ("d_recv_t", "t/day", "change of tonnes delivered per day"),
    "revenue_delta_usd": ("d_revenue", "USD/day", "change of market revenue per day"),
}
#: prefix of the per-product tonnage fields of ``links`` (``t_durian``, ``t_dragon_fruit`` ...)
PRODUCT_PREFIX = "t_"


@dataclass
class RunData:
    """What the layers are drawn from: the network (geometry) and the results of one run.

    Attributes
    ----------
    name : str
        Run name (the scenario name).
    net : FreightNetwork
        The run's network (its scenario applied).
    results : ResultTables
        The run's result tables.
    route_arcs : DataFrame
        ``route_id, seq, arc_id`` of at least the routes with flow.
    """

    name: str
    net: FreightNetwork
    results: ResultTables
    route_arcs: pd.DataFrame


# --------------------------------------------------------------------------- reading runs

def route_arcs_of(net: FreightNetwork, route_ids) -> pd.DataFrame:
    """Arcs of routes named by their id, rebuilt with the route enumeration's own path search.

    A route id ``origin>market|xing:dir+...|variant`` fixes the crossing sequence; the
    segments between crossings are the cheapest (``cheapest``) or fastest (``fastest``)
    domestic paths, exactly as :func:`borderflow.model.routes.enumerate_routes` chose them.

    Parameters
    ----------
    net : FreightNetwork
        The network the routes were enumerated on.
    route_ids : iterable of str

    Returns
    -------
    DataFrame
        ``route_id, seq, arc_id``.
    """
    arc_ends = {a: (f, t) for a, f, t in zip(net.arcs["arc_id"], net.arcs["from_node"],
                                             net.arcs["to_node"])}
    segments = {"cheapest": _Segments(_domestic_graph(net.arcs, "cost_usd_per_truck")),
                "fastest": _Segments(_domestic_graph(net.arcs, "travel_h"))}
    rows = []
    for route_id in sorted(set(route_ids)):
        ends, label, variant = route_id.split("|")
        origin, market = ends.split(">")
        seq = () if label == "domestic" else tuple(label.split("+"))
        path = _path(origin, market, seq, segments[variant], arc_ends)
        rows += [(route_id, k, arc) for k, arc in enumerate(path)]
    return pd.DataFrame(rows, columns=["route_id", "seq", "arc_id"])


def load_run(run_dir: Path | str, data: Path | str | None = None,
             overlays=()) -> RunData:
    """Read a run folder and rebuild the network it was solved on (for geometry).

    Parameters
    ----------
    run_dir : path
        Run folder written by :func:`borderflow.io.write_run`.
    data : path, optional
        Dataset folder; default: the inputs named in the run's ``run.json`` (looked up from the
        working directory and the run folder's parents).
    overlays : sequence of paths
        Overlay folders (only with ``data``).

    Returns
    -------
    RunData

    Raises
    ------
    InputError
        If the folder is not a run or its dataset cannot be found.
    """
    run_dir = Path(run_dir)
    results, meta, tables, scenario = read_run_inputs(run_dir, data, overlays)
    if data is None:
        for f, _, _ in changed_inputs(run_dir, meta):
            log.warning("%s changed since run %s was solved; the map uses the current file",
                        f, run_dir)
    net = build_network(tables, scenario)
    return RunData(name=results.summary.get("scenario", run_dir.name), net=net, results=results,
                   route_arcs=route_arcs_of(net, results.route_flows["route_id"]))


def run_data(run) -> RunData:
    """:class:`RunData` of an in-memory :class:`borderflow.pipeline.Run` (no re-reading)."""
    used = set(run.results.route_flows["route_id"])
    ra = run.routes.route_arcs
    return RunData(name=run.results.summary["scenario"], net=run.net, results=run.results,
                   route_arcs=ra[ra["route_id"].isin(used)][["route_id", "seq", "arc_id"]])


# --------------------------------------------------------------------------- layers

def _per_day(df: pd.DataFrame, keys: list[str], cols: list[str], n_periods: int) -> pd.DataFrame:
    """Sum ``cols`` by ``keys`` over periods and divide by the number of periods."""
    if df.empty:
        return pd.DataFrame(columns=[*keys, *cols])
    out = df.groupby(keys, as_index=False)[cols].sum()
    out[cols] = out[cols] / max(n_periods, 1)
    return out


def _n_periods(results: ResultTables) -> int:
    return int(results.summary.get("periods", 1) or 1)


def _metric_km(geoms: gpd.GeoSeries) -> np.ndarray:
    return (geoms.to_crs(METRIC_CRS).length / 1000.0).to_numpy()


def _product_field(product_id: str) -> str:
    return PRODUCT_PREFIX + re.sub(r"[^0-9a-z]+", "_", product_id.lower()).strip("_")


def _link_values(results: ResultTables, products: list[str]) -> pd.DataFrame:
    n = _n_periods(results)
    f = results.flows[results.flows["kind"] == "link"]
    out = _per_day(f, ["element_id"], ["flow_t", "trucks_per_day", "cost_usd"], n)
    out = out.rename(columns={"element_id": "link_id", "trucks_per_day": "trucks"})
    for direction, col in (("forward", "fwd_trucks"), ("reverse", "rev_trucks")):
        d = _per_day(f[f["direction"] == direction], ["element_id"], ["trucks_per_day"], n)
        out = out.merge(d.rename(columns={"element_id": "link_id", "trucks_per_day": col}),
                        on="link_id", how="left")
    by_p = _per_day(f, ["element_id", "product_id"], ["flow_t"], n)
    wide = by_p.pivot(index="element_id", columns="product_id", values="flow_t")
    wide = wide.reindex(columns=products).rename(columns=_product_field)
    return out.merge(wide, left_on="link_id", right_index=True, how="left")


def links_layer(net: FreightNetwork, results: ResultTables) -> gpd.GeoDataFrame:
    """Links with flow per product, total tonnes, trucks/day per direction and cost per day."""
    ln = net.links
    products = sorted(net.products.index)
    out = pd.DataFrame({"link_id": ln["link_id"], "mode": ln["mode"],
                        "road": ln["route_ref"].fillna("").astype(str),
                        "from_node": ln["from_node"], "to_node": ln["to_node"],
                        "len_km": ln["length_km"].astype(float),
                        "geom_km": _metric_km(ln.geometry),
                        "travel_h": ln["travel_h"].astype(float)})
    out = out.merge(_link_values(results, products), on="link_id", how="left")
    value_cols = ["flow_t", "trucks", "fwd_trucks", "rev_trucks", "cost_usd",
                  *map(_product_field, products)]
    out[value_cols] = out[value_cols].astype(float).fillna(0.0)
    order = ["link_id", "mode", "road", "from_node", "to_node", "len_km", "geom_km",
             "travel_h", "flow_t", "trucks", "fwd_trucks", "rev_trucks", "cost_usd",
             *map(_product_field, products)]
    return _geo(out[order], ln.geometry.to_numpy(), "link_id")


def _crossing_state(net: FreightNetwork, results: ResultTables) -> pd.Series:
    """open | reduced | closed per crossing, from its capacity per direction and period in the
    run against its nominal capacity in the dataset."""
    tab = net.tables.crossings.set_index("crossing_id")
    cap = results.crossings[["crossing_id", "direction", "capacity_trucks_per_day"]].copy()
    nominal = np.array([float(tab.at[c, f"capacity_{d}_trucks_per_day"])
                        for c, d in zip(cap["crossing_id"], cap["direction"])])
    cap["open"] = cap["capacity_trucks_per_day"] > 0
    cap["short"] = cap["capacity_trucks_per_day"].to_numpy() < nominal - 1e-9
    g = cap.groupby("crossing_id")[["open", "short"]].any()
    return pd.Series(np.where(~g["open"], "closed", np.where(g["short"], "reduced", "open")),
                     index=g.index, name="state")


def _crossing_values(net: FreightNetwork, results: ResultTables) -> pd.DataFrame:
    n = _n_periods(results)
    cr = results.crossings
    per = cr.groupby(["crossing_id", "direction"], as_index=False).agg(
        cap=("capacity_trucks_per_day", "mean"), trk=("flow_trucks", "sum"),
        t=("flow_t", "sum"), dual=("dual_usd_per_truck", "mean"), util_pk=("utilisation", "max"))
    per[["trk", "t"]] = per[["trk", "t"]] / n
    per["util"] = np.divide(per["trk"].to_numpy(), per["cap"].to_numpy(),
                            out=np.zeros(len(per)), where=per["cap"].to_numpy() > 0)
    q = results.queues
    if len(q):
        peak = q.groupby(["crossing_id", "direction"], as_index=False)["queue_trucks"].max()
        per = per.merge(peak, on=["crossing_id", "direction"], how="left")
    else:
        per["queue_trucks"] = 0.0
    per["queue_trucks"] = per["queue_trucks"].fillna(0.0)
    suffix = {"a_to_b": "ab", "b_to_a": "ba"}
    per["sfx"] = per["direction"].map(suffix)
    wide = per.pivot(index="crossing_id", columns="sfx",
                     values=["cap", "trk", "t", "util", "dual"])
    wide.columns = [f"{v}_{s}" for v, s in wide.columns]
    for v in ("cap", "trk", "t", "util", "dual"):
        for s in suffix.values():
            if f"{v}_{s}" not in wide:
                wide[f"{v}_{s}"] = 0.0
    agg = per.groupby("crossing_id").agg(util_pk=("util_pk", "max"),
                                         queue_pk=("queue_trucks", "max"))
    wide = wide.join(agg)
    fees = results.flows[results.flows["kind"] == "crossing"]
    fees = _per_day(fees, ["element_id"], ["cost_usd"], n).set_index("element_id")["cost_usd"]
    wide["cost_usd"] = fees.reindex(wide.index).fillna(0.0)
    wide["state"] = _crossing_state(net, results)
    return wide.reset_index()


def crossings_layer(net: FreightNetwork, results: ResultTables) -> gpd.GeoDataFrame:
    """Crossing points with capacity, flow, utilisation, dual value, queue peak and state."""
    cr = net.crossings
    base = pd.DataFrame({"crossing_id": cr["crossing_id"], "name": cr["name"],
                         "mode": cr["mode"], "ctry_a": cr["country_a"],
                         "ctry_b": cr["country_b"], "status": cr["status"],
                         "fee_usd": cr["fee_usd_per_truck"].astype(float)})
    out = base.merge(_crossing_values(net, results), on="crossing_id", how="left")
    out["trucks"] = out["trk_ab"] + out["trk_ba"]
    out["flow_t"] = out["t_ab"] + out["t_ba"]
    out["util"] = out[["util_ab", "util_ba"]].max(axis=1)
    order = ["crossing_id", "name", "mode", "ctry_a", "ctry_b", "status", "state", "fee_usd",
             "cap_ab", "cap_ba", "trk_ab", "trk_ba", "t_ab", "t_ba", "trucks", "flow_t",
             "cost_usd", "util_ab", "util_ba", "util", "util_pk", "dual_ab", "dual_ba",
             "queue_pk"]
    return _geo(out[order], cr.geometry.to_numpy(), "crossing_id")


def _route_geometry(net: FreightNetwork, arcs: list[str]) -> LineString:
    """Link geometries (reversed where travelled backwards) and crossing points, end to end."""
    link_geom = dict(zip(net.links["link_id"], net.links.geometry))
    cross_line = dict(zip(net.crossings["crossing_id"], net.crossings["geometry_line"]))
    arc = net.arcs.set_index("arc_id")
    coords: list[tuple[float, float]] = []
    for arc_id in arcs:
        kind, element, direction = arc.loc[arc_id, ["kind", "element_id", "direction"]]
        geom = link_geom[element] if kind == "link" else cross_line[element]
        pts = list(geom.coords)
        if direction in ("reverse", "b_to_a"):
            pts = pts[::-1]
        for p in pts:
            if not coords or coords[-1] != p:
                coords.append(p)
    if len(coords) == 1:
        coords.append(coords[0])
    return LineString(coords)


def routes_layer(net: FreightNetwork, results: ResultTables, route_arcs: pd.DataFrame,
                 keep=()) -> gpd.GeoDataFrame:
    """Routes with flow (and ``keep``: ids used by a baseline), one feature per route.

    Parameters
    ----------
    net, results
        The run.
    route_arcs : DataFrame
        ``route_id, seq, arc_id`` of every route with flow and of every id in ``keep``.
    keep : iterable of str
        Route ids to include even without flow in this run.
    """
    n = _n_periods(results)
    rf = results.route_flows
    vals = _per_day(rf, ["route_id"], ["flow_t", "trucks_per_day", "cost_usd", "revenue_usd"], n)
    vals = vals.rename(columns={"trucks_per_day": "trucks"})
    info = rf.groupby("route_id", as_index=False).agg(
        origin=("origin", "first"), market=("market", "first"), crossings=("crossings", "first"),
        variant=("variant", "first"), hours=("duration_h", "max"), len_km=("length_km", "first"),
        products=("product_id", lambda s: ";".join(sorted(set(s)))))
    ids = sorted(set(rf["route_id"]) | set(keep))
    out = pd.DataFrame({"route_id": ids})
    parts = out["route_id"].str.extract(r"^(?P<origin>[^>]+)>(?P<market>[^|]+)\|(?P<crossings>"
                                        r"[^|]+)\|(?P<variant>.+)$")
    out = out.merge(info, on="route_id", how="left")
    for col in ("origin", "market", "crossings", "variant"):
        out[col] = out[col].fillna(parts[col])
    out["products"] = out["products"].fillna("")
    out = out.merge(vals, on="route_id", how="left")
    money = ["flow_t", "trucks", "cost_usd", "revenue_usd"]
    out[money] = out[money].astype(float).fillna(0.0)
    out["usd_per_t"] = np.divide(out["cost_usd"].to_numpy(), out["flow_t"].to_numpy(),
                                 out=np.zeros(len(out)), where=out["flow_t"].to_numpy() > 0)
    arcs = route_arcs.sort_values(["route_id", "seq"]).groupby("route_id")["arc_id"].apply(list)
    lengths = net.arcs.set_index("arc_id")["length_km"]
    out["len_km"] = out["len_km"].astype(float).fillna(
        out["route_id"].map(lambda r: float(lengths.loc[arcs[r]].sum())))
    hours = net.arcs.set_index("arc_id")["travel_h"]
    out["hours"] = out["hours"].astype(float).fillna(
        out["route_id"].map(lambda r: float(hours.loc[arcs[r]].sum())))
    geoms = [_route_geometry(net, arcs[r]) for r in out["route_id"]]
    out["geom_km"] = _metric_km(gpd.GeoSeries(geoms, crs=CRS)) if geoms else []
    order = ["route_id", "origin", "market", "crossings", "variant", "products", "flow_t",
             "trucks", "hours", "len_km", "geom_km", "cost_usd", "usd_per_t", "revenue_usd"]
    return _geo(out[order], geoms, "route_id")


def _node_points(net: FreightNetwork, ids) -> tuple[pd.DataFrame, np.ndarray]:
    nodes = net.nodes.set_index("node_id").loc[list(ids)]
    return (pd.DataFrame({"node_id": list(ids), "name": nodes["name"].to_numpy(),
                          "country": nodes["country"].to_numpy()}), nodes.geometry.to_numpy())


def origins_layer(net: FreightNetwork, results: ResultTables) -> gpd.GeoDataFrame:
    """Origins: supply, shipped, unserved and spoiled tonnes and lost value per day."""
    n = _n_periods(results)
    u = results.unserved
    cols = ["supply_t", "shipped_t", "unserved_t", "spoiled_t", "lost_value_usd"]
    vals = _per_day(u, ["origin"], cols, n).rename(columns={"lost_value_usd": "lost_usd"})
    prods = net.tables.supply.groupby("node_id")["product_id"].apply(
        lambda s: ";".join(sorted(set(s))))
    ids = sorted(prods.index)
    out, geoms = _node_points(net, ids)
    out["products"] = prods.reindex(ids).to_numpy()
    out = out.merge(vals.rename(columns={"origin": "node_id"}), on="node_id", how="left")
    num = ["supply_t", "shipped_t", "unserved_t", "spoiled_t", "lost_usd"]
    out[num] = out[num].astype(float).fillna(0.0)
    return _geo(out[["node_id", "name", "country", "products", *num]], geoms, "node_id")


def markets_layer(net: FreightNetwork, results: ResultTables) -> gpd.GeoDataFrame:
    """Markets: tonnes and trucks received and revenue per day."""
    n = _n_periods(results)
    vals = _per_day(results.route_flows, ["market"], ["flow_t", "trucks_per_day", "revenue_usd"],
                    n).rename(columns={"market": "node_id", "flow_t": "recv_t",
                                       "trucks_per_day": "trucks"})
    prods = net.tables.markets.groupby("node_id")["product_id"].apply(
        lambda s: ";".join(sorted(set(s))))
    ids = sorted(prods.index)
    out, geoms = _node_points(net, ids)
    out["products"] = prods.reindex(ids).to_numpy()
    out = out.merge(vals, on="node_id", how="left")
    num = ["recv_t", "trucks", "revenue_usd"]
    out[num] = out[num].astype(float).fillna(0.0)
    return _geo(out[["node_id", "name", "country", "products", *num]], geoms, "node_id")


def nodes_layer(net: FreightNetwork) -> gpd.GeoDataFrame:
    """Every node with its name, kind, country and province."""
    nd = net.nodes.sort_values("node_id")
    out = nd[["node_id", "name", "kind", "country", "admin1"]].copy()
    out["admin1"] = out["admin1"].fillna("").astype(str)
    return _geo(out, nd.geometry.to_numpy(), "node_id")


def _geo(df: pd.DataFrame, geometry, key: str) -> gpd.GeoDataFrame:
    g = gpd.GeoDataFrame(df.reset_index(drop=True), geometry=list(geometry), crs=CRS)
    return g.sort_values(key, kind="stable", ignore_index=True)


#: layer -> (key, value fields that get a baseline and a delta: field -> (base, delta))
_DELTAS = {
    "links": ("link_id", {"trucks": ("base_trucks", "flow_delta_trucks"),
                          "flow_t": ("base_t", "flow_delta_t"),
                          "cost_usd": (None, "cost_delta_usd")}),
    "crossings": ("crossing_id", {"trucks": ("base_trucks", "flow_delta_trucks"),
                                  "flow_t": ("base_t", "flow_delta_t"),
                                  "cost_usd": (None, "cost_delta_usd"),
                                  "state": ("base_state", None)}),
    "routes": ("route_id", {"trucks": ("base_trucks", "flow_delta_trucks"),
                            "flow_t": ("base_t", "flow_delta_t"),
                            "cost_usd": (None, "cost_delta_usd")}),
    "origins": ("node_id", {"shipped_t": (None, "shipped_delta_t"),
                            "unserved_t": (None, "unserved_delta_t"),
                            "lost_usd": (None, "lost_delta_usd")}),
    "markets": ("node_id", {"recv_t": (None, "recv_delta_t"),
                            "revenue_usd": (None, "revenue_delta_usd")}),
}


def _add_deltas(layer: str, scen: gpd.GeoDataFrame, base: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    key, fields = _DELTAS[layer]
    b = base.set_index(key)
    out = scen.copy()
    for field, (base_name, delta_name) in fields.items():
        before = out[key].map(b[field])
        if base_name:
            out[base_name] = before if field == "state" else before.fillna(0.0)
        if delta_name:
            out[delta_name] = out[field] - before.fillna(0.0) + 0.0  # no -0.0
    return out


def run_layers(run: RunData, baseline: RunData | ResultTables | None = None
               ) -> dict[str, gpd.GeoDataFrame]:
    """The GIS layers of a run, with baseline values and deltas when a baseline is given.

    Parameters
    ----------
    run : RunData
        The scenario run (see :func:`load_run`, :func:`run_data`).
    baseline : RunData or ResultTables, optional
        The baseline; its geometry is taken from ``run`` (same dataset). Routes used only by
        the baseline appear with zero scenario flow.

    Returns
    -------
    dict
        Layer name -> GeoDataFrame (EPSG:4326), in the order of :data:`LAYERS`.
    """
    net, res = run.net, run.results
    base_res = baseline.results if isinstance(baseline, RunData) else baseline
    base_routes = [] if base_res is None else sorted(set(base_res.route_flows["route_id"]))
    known = set(run.route_arcs["route_id"])
    extra = [r for r in base_routes if r not in known]
    route_arcs = pd.concat([run.route_arcs, route_arcs_of(net, extra)], ignore_index=True) \
        if extra else run.route_arcs
    layers = {"nodes": nodes_layer(net), "links": links_layer(net, res),
              "crossings": crossings_layer(net, res),
              "routes": routes_layer(net, res, route_arcs, keep=base_routes),
              "origins": origins_layer(net, res), "markets": markets_layer(net, res)}
    if base_res is not None:
        base_layers = {"links": links_layer(net, base_res),
                       "crossings": crossings_layer(net, base_res),
                       "routes": routes_layer(net, base_res, route_arcs,
                                              keep=layers["routes"]["route_id"]),
                       "origins": origins_layer(net, base_res),
                       "markets": markets_layer(net, base_res)}
        for name, base in base_layers.items():
            layers[name] = _add_deltas(name, layers[name], base)
    return layers


# --------------------------------------------------------------------------- dictionary

def field_info(field: str) -> tuple[str, str, str]:
    """(shapefile name, unit, meaning) of a layer field, per-product fields included."""
    if field in FIELDS:
        return FIELDS[field]
    if field.startswith(PRODUCT_PREFIX):
        return (field[:10], "t/day", f"tonnes per day of product '{field[len(PRODUCT_PREFIX):]}'"
                                     " (both directions)")
    raise KeyError(f"field '{field}' has no entry in borderflow.gis.FIELDS")


def _shp_names(columns) -> dict[str, str]:
    """Unique shapefile field names (<= 10 characters) for ``columns``."""
    names: dict[str, str] = {}
    for col in columns:
        short = field_info(col)[0][:10]
        k = 1
        while short in names.values():
            short = f"{field_info(col)[0][:8]}{k:02d}"
            k += 1
        names[col] = short
    return names


def data_dictionary(layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """One row per field of every layer: layer, field, shapefile name, type, unit, meaning.

    Raises
    ------
    KeyError
        If a layer holds a field without an entry in :data:`FIELDS`.
    """
    rows = []
    for layer, gdf in layers.items():
        cols = [c for c in gdf.columns if c != gdf.geometry.name]
        shp = _shp_names(cols)
        for col in cols:
            _, unit, meaning = field_info(col)
            kind = gdf[col].dtype
            typ = "real" if pd.api.types.is_float_dtype(kind) else (
                "integer" if pd.api.types.is_integer_dtype(kind) else "text")
            rows.append((layer, col, shp[col], typ, unit, meaning))
        geom = gdf.geom_type.dropna().unique()
        rows.append((layer, "geometry", "", ", ".join(sorted(geom)) or "none", CRS,
                     LAYER_INFO[layer]))
    return pd.DataFrame(rows, columns=["layer", "field", "shp_field", "type", "unit",
                                       "description"])


# --------------------------------------------------------------------------- writers

def atomic_write(path: Path | str, write) -> Path:
    """Write a file atomically: ``write(tmp)`` fills a fresh temporary path in the same folder,
    which then replaces ``path`` (:func:`os.replace`); on error the temporary file is removed.

    Parameters
    ----------
    path : path
        Final file.
    write : callable
        Called with the temporary path (which does not exist yet).

    Returns
    -------
    Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_gpkg(layers: dict[str, pd.DataFrame], path: Path) -> Path:
    def write(tmp: Path) -> None:
        for name, df in layers.items():
            pyogrio.write_dataframe(df, tmp, layer=name, driver="GPKG")

    return atomic_write(path, write)


def _write_one(gdf: gpd.GeoDataFrame, path: Path, fmt: str) -> list[Path]:
    """One layer as one file (Shapefile: its sidecar files too), each moved into place."""
    if fmt == "geoparquet":
        return [atomic_write(path, lambda tmp: gdf.to_parquet(tmp, index=False))]
    driver = FORMATS[fmt][0]
    tmpdir = Path(tempfile.mkdtemp(prefix=f".{path.stem}.", dir=path.parent))
    try:
        data = gdf.rename(columns=_shp_names([c for c in gdf.columns if c != "geometry"])) \
            if fmt == "shp" else gdf
        opts = {"ENCODING": "UTF-8"} if fmt == "shp" else {}
        pyogrio.write_dataframe(data, tmpdir / path.name, driver=driver, layer=path.stem,
                                layer_options=opts or None)
        written = []
        for part in sorted(tmpdir.iterdir()):
            target = path.parent / part.name
            os.replace(part, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _write_csv(df: pd.DataFrame, path: Path) -> Path:
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, lineterminator="\n"))


def write_layers(layers: dict[str, gpd.GeoDataFrame], out_path: Path | str,
                 fmt: str = "gpkg") -> list[Path]:
    """Write layers and their data dictionary, each file atomically.

    Parameters
    ----------
    layers : dict
        Layer name -> GeoDataFrame (as from :func:`run_layers`).
    out_path : path
        ``gpkg``: the GeoPackage file (layers + ``data_dictionary`` table). Other formats: a
        folder receiving ``<layer>.parquet|.geojson|.shp`` and ``data_dictionary.csv``.
    fmt : {"gpkg", "geoparquet", "geojson", "shp"}

    Returns
    -------
    list of Path
        The files written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    out_path = Path(out_path)
    dictionary = data_dictionary(layers)
    if fmt == "gpkg":
        out_path.parent.mkdir(parents=True, exist_ok=True)
        return [_write_gpkg({**layers, "data_dictionary": dictionary}, out_path)]
    out_path.mkdir(parents=True, exist_ok=True)
    written = []
    for name, gdf in layers.items():
        written += _write_one(gdf, out_path / f"{name}{FORMATS[fmt][1]}", fmt)
    written.append(_write_csv(dictionary, out_path / "data_dictionary.csv"))
    log.info("wrote %d files to %s", len(written), out_path)
    return written


def default_out(run_dir: Path | str, fmt: str) -> Path:
    """Default export path: ``<run>/<run>.gpkg``, or the folder ``<run>/gis-<fmt>/``."""
    run_dir = Path(run_dir)
    return run_dir / f"{run_dir.name}.gpkg" if fmt == "gpkg" else run_dir / f"gis-{fmt}"


def export_run(run_dir: Path | str, out_path: Path | str | None = None, fmt: str = "gpkg",
               baseline: Path | str | None = None, data: Path | str | None = None,
               overlays=()) -> list[Path]:
    """Export a run folder's optimal flows as GIS layers (see :func:`write_layers`).

    Parameters
    ----------
    run_dir : path
        Run folder.
    out_path : path, optional
        Output file (gpkg) or folder (other formats); default :func:`default_out`.
    fmt : {"gpkg", "geoparquet", "geojson", "shp"}
    baseline : path, optional
        Baseline run folder: adds baseline values and deltas.
    data, overlays
        Dataset of the run (default: found from its ``run.json``).

    Returns
    -------
    list of Path
    """
    run = load_run(run_dir, data, overlays)
    base = read_run(baseline) if baseline is not None else None
    return write_layers(run_layers(run, base), out_path or default_out(run_dir, fmt), fmt)


def export_sweep(run_dirs: dict[str, Path], out_path: Path | str, fmt: str = "gpkg",
                 data: Path | str | None = None) -> list[Path]:
    """Export several runs (a sweep) as one layer set with a ``scenario`` column.

    Parameters
    ----------
    run_dirs : dict
        Scenario name -> run folder. The runs must share a dataset (geometry).
    out_path : path
        GeoPackage file (``gpkg``) or folder (other formats).
    fmt : {"gpkg", "geoparquet", "geojson", "shp"}
    data : path, optional
        Dataset folder (default: from each run's ``run.json``).

    Returns
    -------
    list of Path
    """
    stacked: dict[str, list[gpd.GeoDataFrame]] = {name: [] for name in LAYERS}
    for scenario in sorted(run_dirs):
        layers = run_layers(load_run(run_dirs[scenario], data))
        for name, gdf in layers.items():
            stacked[name].append(gdf.assign(scenario=scenario)[
                ["scenario", *[c for c in gdf.columns]]])
    out = {name: gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=CRS)
           for name, parts in stacked.items() if parts}
    return write_layers(out, out_path, fmt)
