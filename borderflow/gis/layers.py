"""The GIS layers of a run: one GeoDataFrame per layer (EPSG:4326), baseline values and deltas.

- ``nodes``: every node of the network (points);
- ``links``: road, rail and transfer links with tonnes per product, total tonnes, trucks/day
  per direction and transport cost (lines);
- ``crossings``: border crossings with capacity, flow and utilisation per direction, the dual
  value of capacity, the peak queue and the crossing's state in the run (points);
- ``routes``: the origin -> market routes the optimum uses, with tonnes, hours and cost; the
  geometry is the route's arcs (read from the run's ``route_arcs`` table) joined end to end;
- ``origins`` and ``markets``: supply, shipped, unserved and spoiled tonnes; received tonnes
  and revenue (points).

Amounts are per day: the mean over the run's periods (a static run has one period, a
representative day). With a baseline run, each layer also gets the baseline value and the
change (``flow_delta_trucks``, ``cost_delta_usd`` ...) so one layer shows what moved; features
used by either run are kept. Lengths (``geom_km``) are measured in the metric CRS
:data:`borderflow.data.basemap.METRIC_CRS`. Field units and meanings:
:mod:`borderflow.gis.dictionary`.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from borderflow.data.basemap import METRIC_CRS
from borderflow.data.errors import InputError, Problem
from borderflow.model.network import FreightNetwork
from borderflow.model.results import ResultTables

from .dictionary import CRS, PRODUCT_PREFIX
from .runs import RunData

LAYERS = ("nodes", "links", "crossings", "routes", "origins", "markets")
#: columns of a route's identity, as the ``route_flows`` table has them
ROUTE_INFO = ["route_id", "origin", "market", "crossings", "variant"]


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


def product_field(product_id: str) -> str:
    """The ``links`` field of a product's tonnes: ``t_<id>`` with non-alphanumerics as ``_``."""
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
    wide = wide.reindex(columns=products).rename(columns=product_field)
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
                  *map(product_field, products)]
    out[value_cols] = out[value_cols].astype(float).fillna(0.0)
    order = ["link_id", "mode", "road", "from_node", "to_node", "len_km", "geom_km",
             "travel_h", "flow_t", "trucks", "fwd_trucks", "rev_trucks", "cost_usd",
             *map(product_field, products)]
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


def _geometry_lookups(net: FreightNetwork) -> tuple[dict, dict, dict]:
    """(link id -> geometry, crossing id -> its line, arc id -> (kind, element, direction)):
    what :func:`_route_geometry` reads, made once per layer (per route, with a ``.loc`` per
    arc, they were most of the embedded dataset's routes layer)."""
    a = net.arcs
    return (dict(zip(net.links["link_id"], net.links.geometry)),
            dict(zip(net.crossings["crossing_id"], net.crossings["geometry_line"])),
            dict(zip(a["arc_id"], zip(a["kind"], a["element_id"], a["direction"]))))


def _route_geometry(net: FreightNetwork, arcs: list[str],
                    lookups: tuple[dict, dict, dict] | None = None) -> LineString:
    """Link geometries (reversed where travelled backwards) and crossing points, end to end
    (``lookups``: :func:`_geometry_lookups` of ``net``, made here if not given)."""
    link_geom, cross_line, arc = lookups or _geometry_lookups(net)
    coords: list[tuple[float, float]] = []
    for arc_id in arcs:
        kind, element, direction = arc[arc_id]
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
                 keep=(), known: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Routes with flow (and ``keep``: ids used by a baseline), one feature per route.

    Parameters
    ----------
    net, results
        The run.
    route_arcs : DataFrame
        ``route_id, seq, arc_id`` of every route with flow and of every id in ``keep``.
    keep : iterable of str
        Route ids to include even without flow in this run.
    known : DataFrame, optional
        ``route_id, origin, market, crossings, variant`` of the ids in ``keep`` (e.g. the
        baseline's ``route_flows``).

    Raises
    ------
    ValueError
        If a route of ``keep`` is not described in ``known``.
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
    out = pd.DataFrame({"route_id": ids}).merge(info, on="route_id", how="left")
    missing = out["origin"].isna()
    if missing.any():  # routes of the baseline only: described by the baseline's tables
        other = pd.DataFrame(columns=ROUTE_INFO) if known is None else known[ROUTE_INFO]
        other = other.drop_duplicates("route_id").set_index("route_id")
        unknown = sorted(set(out.loc[missing, "route_id"]) - set(other.index))
        if unknown:
            raise ValueError(f"routes {unknown[:3]} are in 'keep' but not described in 'known'")
        for col in ROUTE_INFO[1:]:
            out[col] = out[col].fillna(out["route_id"].map(other[col]))
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
    lookups = _geometry_lookups(net)
    geoms = [_route_geometry(net, arcs[r], lookups) for r in out["route_id"]]
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
        The scenario run (see :func:`borderflow.gis.load_run`, :func:`borderflow.gis.run_data`).
    baseline : RunData or ResultTables, optional
        The baseline; its geometry is taken from ``run`` (same dataset), its routes' arcs from
        its own ``route_arcs`` table. Routes used only by the baseline appear with zero
        scenario flow.

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
    route_arcs = run.route_arcs
    if extra:
        base_arcs = route_arcs_table(base_res, "the baseline")
        route_arcs = pd.concat([route_arcs, base_arcs[base_arcs["route_id"].isin(extra)]],
                               ignore_index=True)
    described = res.route_flows[ROUTE_INFO] if base_res is None else pd.concat(
        [res.route_flows[ROUTE_INFO], base_res.route_flows[ROUTE_INFO]], ignore_index=True)
    layers = {"nodes": nodes_layer(net), "links": links_layer(net, res),
              "crossings": crossings_layer(net, res),
              "routes": routes_layer(net, res, route_arcs, keep=base_routes, known=described),
              "origins": origins_layer(net, res), "markets": markets_layer(net, res)}
    if base_res is not None:
        base_layers = {"links": links_layer(net, base_res),
                       "crossings": crossings_layer(net, base_res),
                       "routes": routes_layer(net, base_res, route_arcs,
                                              keep=layers["routes"]["route_id"],
                                              known=described),
                       "origins": origins_layer(net, base_res),
                       "markets": markets_layer(net, base_res)}
        for name, base in base_layers.items():
            layers[name] = _add_deltas(name, layers[name], base)
    return layers


def with_daily(run: RunData, layers: dict[str, gpd.GeoDataFrame]
               ) -> dict[str, gpd.GeoDataFrame]:
    """``layers`` plus ``crossings_daily`` for a dated run (one point per crossing and day:
    capacity, trucks, queue and value of capacity per direction, a date and a time field for
    QGIS's temporal controller; :func:`borderflow.present.geopackage.crossings_daily`);
    ``layers`` unchanged for a static run."""
    start = run.net.scenario.horizon.start
    if start is None:
        return layers
    from borderflow.present.geopackage import crossings_daily

    return {**layers, "crossings_daily": crossings_daily(
        layers["crossings"], run.results.crossings, run.results.queues, start)}


def route_arcs_table(results: ResultTables, what: str = "the run") -> pd.DataFrame:
    """``route_id, seq, arc_id`` of the routes a run used, from its ``route_arcs`` table.

    Raises
    ------
    InputError
        If the run carries cargo but has no ``route_arcs`` table (a folder written by an
        older borderflow).
    """
    ra = results.route_arcs
    cols = ["route_id", "seq", "arc_id"]
    if set(cols) <= set(ra.columns):
        return ra[cols]
    if results.route_flows.empty:
        return pd.DataFrame(columns=cols)
    raise InputError(Problem(str(results.summary.get("scenario", what)), None, "route_arcs",
                             f"{what} has no route_arcs table (written by an older "
                             "borderflow?): solve it again to draw its routes"))
