"""Generate the network tables of the embedded dataset (nodes, crossings, links).

Run from the repo root: ``python tools/build_network.py``. It writes ``data/default/nodes.csv``,
``crossings.csv`` and ``links.csv`` from

- ``shared/reference/crossings.csv`` (the 56 gate pairs, statuses, capacities, sources), read if
  present beside the repo, else the crossings already in ``data/default/crossings.csv``;
- the town list and trunk corridors of ``tools/network_sources.py`` (town coordinates:
  estimates from gazetteers, about ±2 km; published corridor distances and times are marked
  ``published`` with their source);
- the Natural Earth border (``borderflow.data.basemap``): each crossing's estimated coordinate
  is snapped to the nearest point of the border it claims, and its two gate nodes are placed
  ~2 km either side, inside their countries.

The CSV files are the source of truth; this script records how the first version was derived
and regenerates it. Edit the tables directly for single corrections.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import Geod
from shapely.geometry import Point
from shapely.ops import nearest_points

from borderflow.data.basemap import METRIC_CRS, country_at, shared_border_m
# the towns, corridors and published distances (data, beside this file)
from network_sources import (CORRIDORS, PUBLISHED, PUBLISHED_PATHS, RAIL_GATES, RAILS, SPEED,
                             TOWN_SRC, TOWNS, TRANSFERS)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "default"
REF = ROOT.parent / "shared" / "reference" / "crossings.csv"
GEOD = Geod(ellps="WGS84")


def slug(text: str) -> str:
    text = re.sub(r"\(.*?\)", "", text).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def geo_km(coords) -> float:
    lons, lats = zip(*coords)
    return float(GEOD.line_length(lons, lats)) / 1000.0


def to_metric(lon, lat):
    return gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]


def to_deg(pt):
    p = gpd.GeoSeries([pt], crs=METRIC_CRS).to_crs("EPSG:4326").iloc[0]
    return round(p.x, 5), round(p.y, 5)


def gate_points(lon, lat, ca, cb):
    """Snap an estimated crossing to the border; gate nodes ~2 km inside each country."""
    border = shared_border_m(ca, cb)
    p = to_metric(lon, lat)
    on = nearest_points(border, p)[0]
    sides = {}
    for radius in (1500, 2500, 4000, 6000):
        for k in range(16):
            ang = 2 * math.pi * k / 16
            cand = Point(on.x + radius * math.cos(ang), on.y + radius * math.sin(ang))
            x, y = to_deg(cand)
            c = country_at(x, y)
            if c in (ca, cb) and c not in sides:
                sides[c] = (x, y)
        if len(sides) == 2:
            break
    return to_deg(on), sides


def main() -> None:
    ref = pd.read_csv(REF, dtype=str).fillna("")
    nodes = {k: dict(node_id=k, name=v[0], kind=v[1], country=k[:2].upper(), admin1=v[2],
                     lon=v[3], lat=v[4], source=TOWN_SRC, source_year=2024, quality="estimate",
                     notes="") for k, v in TOWNS.items()}
    crossings, links = [], []
    for r in ref.itertuples(index=False):
        ca, cb = r.country_a, r.country_b
        (x, y), sides = gate_points(float(r.lon), float(r.lat), ca, cb)
        if r.id in RAIL_GATES:
            na, nb = RAIL_GATES[r.id]
            kind = "rail_terminal"
        else:
            na = f"{ca.lower()}-{slug(r.name_a)}-gate"
            nb = f"{cb.lower()}-{slug(r.name_b)}-gate"
            kind = "gate"
        for nid, c, nm in ((na, ca, r.name_a), (nb, cb, r.name_b)):
            if nid in nodes:
                continue
            gx, gy = sides.get(c, (x, y))
            nodes[nid] = dict(node_id=nid, name=f"{nm} gate", kind=kind, country=c, admin1="",
                              lon=gx, lat=gy, source="derived: crossing point moved ~2 km into "
                              "the country on the Natural Earth 1:10m basemap",
                              source_year=2024, quality="estimate", notes="")
        crossings.append(crossing_row(r, na, nb, x, y))
    for nid in [n for n in nodes if n.endswith("-gate")]:
        links.append(access_link(nodes, nid))
    for ref_name, cls, *towns in CORRIDORS:
        for a, b in zip(towns[:-1], towns[1:]):
            links.append(road_link(nodes, a, b, ref_name, cls))
    apply_published(links)
    for ref_name, a, b, via, km, hours, src, year in RAILS:
        links.append(rail_link(nodes, a, b, via, ref_name, km, hours, src, year))
    for a, b in TRANSFERS:
        links.append(transfer_link(nodes, a, b))
    seen, unique = set(), []
    for link in links:
        pair = frozenset((link["from_node"], link["to_node"]))
        if pair not in seen:
            seen.add(pair)
            unique.append(link)
    links = unique
    pd.DataFrame(list(nodes.values())).sort_values("node_id").to_csv(OUT / "nodes.csv",
                                                                      index=False)
    pd.DataFrame(crossings).to_csv(OUT / "crossings.csv", index=False)
    pd.DataFrame(links).sort_values("link_id").to_csv(OUT / "links.csv", index=False)
    print(len(nodes), "nodes", len(crossings), "crossings", len(links), "links")


from crossing_facts import crossing_row  # noqa: E402  (capacity rules live beside this file)


def _link(nodes, a, b, mode, ref_name, km, hours, cost, src, year, quality, notes, via=()):
    pts = [(nodes[a]["lon"], nodes[a]["lat"]), *[(nodes[v]["lon"], nodes[v]["lat"]) for v in via],
           (nodes[b]["lon"], nodes[b]["lat"])]
    wkt = "LINESTRING (" + ", ".join(f"{x:.5f} {y:.5f}" for x, y in pts) + ")"
    return dict(link_id=f"{a}_{b}", from_node=a, to_node=b, mode=mode, route_ref=ref_name,
                length_km=round(km, 1), travel_h=round(hours, 2), cost_usd_per_truck=cost,
                bidirectional="true", geometry_wkt=wkt, source=src, source_year=year,
                quality=quality, notes=notes)


def road_link(nodes, a, b, ref_name, cls):
    speed, wind = SPEED[cls]
    g = geo_km([(nodes[a]["lon"], nodes[a]["lat"]), (nodes[b]["lon"], nodes[b]["lat"])])
    km = g * wind
    return _link(nodes, a, b, "road", ref_name, km, km / speed, "",
                 "derived from town coordinates", 2024, "estimate",
                 f"length = great-circle {g:.0f} km x winding {wind} ({cls}); hours at "
                 f"{speed:.0f} km/h for a loaded truck")


def access_link(nodes, gate):
    country = nodes[gate]["country"]
    gx, gy = nodes[gate]["lon"], nodes[gate]["lat"]
    best = min((n for n in nodes.values() if n["country"] == country and
                not n["node_id"].endswith("-gate") and n["kind"] != "rail_terminal"),
               key=lambda n: geo_km([(gx, gy), (n["lon"], n["lat"])]))
    link = road_link(nodes, best["node_id"], gate, "gate access road", "mountain")
    link["notes"] += "; access from the nearest listed town (estimate)"
    return link


def rail_link(nodes, a, b, via, ref_name, km, hours, src, year):
    return _link(nodes, a, b, "rail", ref_name, km, hours, "", src, year, "estimate",
                 "length from the source; freight hours estimate", via)


def transfer_link(nodes, a, b):
    g = max(geo_km([(nodes[a]["lon"], nodes[a]["lat"]), (nodes[b]["lon"], nodes[b]["lat"])]),
            1.0)
    return _link(nodes, a, b, "transfer", "road-rail transfer", g * 1.3, 6.0, 90,
                 "estimate", 2024, "estimate", "truck-to-rail handling: 6 h and USD 90 per "
                 "container incl. lifts and drayage (estimate)")


def apply_published(links):
    by_pair = {(link["from_node"], link["to_node"]): link for link in links}
    for pair, val in PUBLISHED.items():
        if val and pair in by_pair:
            km, hours, src, year = val
            link = by_pair[pair]
            ratio = km / link["length_km"]
            link.update(length_km=km, travel_h=round(hours or link["travel_h"] * ratio, 2),
                        source=src, source_year=year, quality="published",
                        notes="length published" + ("" if hours else "; hours at class speed"))
    for towns, km, hours, src, year in PUBLISHED_PATHS:
        parts = [by_pair[(a, b)] for a, b in zip(towns[:-1], towns[1:])]
        total = sum(p["length_km"] for p in parts)
        for p in parts:
            share = p["length_km"] / total
            p.update(length_km=round(km * share, 1),
                     travel_h=round((hours * share) if hours else p["travel_h"] * km / total, 2),
                     source=src, source_year=year, quality="published",
                     notes=f"published total {km:g} km" + (f", {hours:g} h" if hours else "")
                     + " over the corridor, apportioned by great-circle length")


if __name__ == "__main__":
    main()
