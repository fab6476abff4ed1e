"""Rebuild ``data/basemap/countries.geojson`` from Natural Earth (via the npm ``world-atlas``).

Maintainer tool, not run by borderflow. Steps::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python tools/build_basemap.py package/countries-10m.json

Reads the TopoJSON object ``countries`` with GDAL's TopoJSON driver (pyogrio), keeps the six
countries of the region, makes geometries valid, clips them to the box that holds every node of
the dataset (with a margin), snaps to a 1e-5 degree grid and writes GeoJSON with 5 decimals.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import box

OUT = Path(__file__).parents[1] / "data" / "basemap" / "countries.geojson"
#: ISO 3166-1 numeric -> alpha-2 of the countries kept
KEEP = {"704": "VN", "418": "LA", "764": "TH", "156": "CN", "116": "KH", "104": "MM"}
#: lon_min, lat_min, lon_max, lat_max (degrees): the dataset's nodes reach Chongqing (29.6 N)
#: and Guangzhou (113.3 E)
CLIP_DEG = (96.0, 8.0, 115.0, 31.0)


def _polygons(geom):
    """The polygonal part of a geometry (clipping can leave stray lines and points)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def build(topojson: Path, out: Path = OUT) -> gpd.GeoDataFrame:
    """Read ``countries-10m.json``, keep and clip the region's countries, write ``out``."""
    world = gpd.read_file(topojson, layer="countries")
    world = world[world["id"].isin(KEEP)].copy()
    world["iso_a2"] = world["id"].map(KEEP)
    world = world.rename(columns={"id": "iso_n3"})[["iso_a2", "name", "iso_n3", "geometry"]]
    world = world.set_crs("EPSG:4326", allow_override=True)
    geom = shapely.make_valid(world.geometry.values)
    geom = shapely.intersection(geom, box(*CLIP_DEG))
    world["geometry"] = [_polygons(g) for g in shapely.set_precision(geom, 1e-5)]
    world = world.sort_values("iso_a2", ignore_index=True)
    tmp = out.with_suffix(".tmp")
    world.to_file(tmp, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=5)
    tmp.replace(out)
    return world


if __name__ == "__main__":
    build(Path(sys.argv[1]))
