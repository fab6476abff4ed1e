"""The data dictionary of the GIS layers: every field with its unit and meaning, written with
every export (a ``data_dictionary`` table in a GeoPackage, ``data_dictionary.csv`` beside other
formats), and the 10-character names the Shapefile format needs.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

#: geographic CRS of every layer
CRS = "EPSG:4326"

#: layer -> one-line description (data dictionary and docs)
LAYER_INFO = {
    "nodes": "every node of the network: origins, markets, towns, gates, ports, rail terminals",
    "links": "road, rail and transfer links (both directions) with the optimal flow",
    "crossings": "border crossings (gate pairs) with capacity, flow, utilisation, dual value "
                 "and queue per direction",
    "routes": "origin -> market routes used by the optimum (baseline or scenario)",
    "origins": "origin nodes: supply, shipped, unserved and spoiled tonnes",
    "markets": "market nodes: tonnes received and revenue",
    "crossings_daily": "border crossings per day of a dated run: capacity, trucks and queue per "
                       "direction, closed days marked; time field 'time', noon of each day "
                       "(QGIS temporal controller: one day per frame)",
    "levers": "response levers of the scenario at their crossings (extra capacity, opening, "
              "licence, slot quota, hold): what, when and the cost per day",
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
    # the levers layer (borderflow.gis.levers)
    "lever": ("lever", "-", "lever kind: extra_capacity, open, license, slot_quota, "
                            "hold_dispatch"),
    "lever_name": ("lever_name", "-", "the lever's name (a respond menu's) or its kind and "
                                      "number in the scenario"),
    "detail": ("detail", "-", "what the lever does (trucks/day and direction, products "
                              "licensed, quota)"),
    "from_date": ("from_date", "date", "first day in force (empty: the horizon's start)"),
    "to_date": ("to_date", "date", "last day in force (empty: the horizon's end)"),
    "cost_usd_day": ("cost_usd_d", "USD/day", "what the lever costs per day in force"),
    "cost_src": ("cost_src", "-", "where the cost is from: the scenario or menu, or "
                                  "lever_costs.csv (estimate with its range)"),
    "chosen": ("chosen", "-", "respond maps: yes if the best set has this lever"),
}
#: prefix of the per-product tonnage fields of ``links`` (``t_durian``, ``t_dragon_fruit`` ...)
PRODUCT_PREFIX = "t_"


def field_info(field: str) -> tuple[str, str, str]:
    """(shapefile name, unit, meaning) of a layer field, per-product fields included."""
    from borderflow.present.fields import DAILY_FIELDS

    if field in FIELDS:
        return FIELDS[field]
    if field in DAILY_FIELDS:  # the crossings_daily layer of dated runs
        return DAILY_FIELDS[field]
    if field.startswith(PRODUCT_PREFIX):
        return (field[:10], "t/day", f"tonnes per day of product '{field[len(PRODUCT_PREFIX):]}'"
                                     " (both directions)")
    raise KeyError(f"field '{field}' has no entry in borderflow.gis.FIELDS")


def shp_names(columns) -> dict[str, str]:
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
        shp = shp_names(cols)
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
