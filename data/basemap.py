"""Natural Earth country borders shipped with the package, and distances to them.

``data/basemap/countries.geojson`` holds the Natural Earth 1:10m admin-0 polygons (public
domain) of Vietnam, Laos, Thailand, China, Cambodia and Myanmar, clipped to the region (see
``data/basemap/LICENSE.md``). Distances are computed in UTM zone 48N (EPSG:32648), a metric CRS
that covers the region with small distortion.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import Point

METRIC_CRS = "EPSG:32648"
#: polygons are buffered by this much (m) before intersecting, to bridge digitising gaps
_GAP_M = 200.0


def countries_path() -> Path:
    """Path of the shipped country polygons (GeoJSON, EPSG:4326)."""
    try:
        path = Path(str(resources.files("borderflow.data") / "basemap" / "countries.geojson"))
        if path.exists():
            return path
    except ModuleNotFoundError:  # pragma: no cover - source tree without install
        pass
    return Path(__file__).parent / "basemap" / "countries.geojson"


@lru_cache(maxsize=1)
def _countries() -> gpd.GeoDataFrame:
    return gpd.read_file(countries_path(), engine="pyogrio").set_crs("EPSG:4326",
                                                                    allow_override=True)


def load_countries() -> gpd.GeoDataFrame:
    """Country polygons with ``iso_a2``, ``name``, ``iso_n3`` (a copy; EPSG:4326)."""
    return _countries().copy()


@lru_cache(maxsize=1)
def _projected() -> dict[str, object]:
    g = _countries().to_crs(METRIC_CRS)
    return {iso: geom for iso, geom in zip(g["iso_a2"], g.geometry)}


@lru_cache(maxsize=64)
def _border_m(country_a: str, country_b: str):
    poly = _projected()
    if country_a not in poly or country_b not in poly:
        missing = [c for c in (country_a, country_b) if c not in poly]
        raise ValueError(f"no basemap polygon for {', '.join(missing)}")
    line = poly[country_a].boundary.intersection(poly[country_b].buffer(_GAP_M))
    if line.is_empty:
        raise ValueError(f"{country_a} and {country_b} share no border")
    return line


def shared_border_m(country_a: str, country_b: str):
    """The border line shared by two countries (ISO2), in the metric CRS (``METRIC_CRS``,
    metres), the same line whatever the order of the two.

    Raises
    ------
    ValueError
        If they share no border (or a country is not in the basemap).
    """
    return _border_m(*sorted((country_a, country_b)))


def shared_border(country_a: str, country_b: str):
    """The border line shared by two countries (ISO2), in EPSG:4326.

    Raises
    ------
    ValueError
        If they share no border (or a country is not in the basemap).
    """
    line = _border_m(*sorted((country_a, country_b)))
    return gpd.GeoSeries([line], crs=METRIC_CRS).to_crs("EPSG:4326").iloc[0]


def distance_to_border_km(lon: float, lat: float, country_a: str, country_b: str) -> float:
    """Distance in km from a point (degrees) to the border of two countries (ISO2).

    Raises
    ------
    ValueError
        If the two countries share no border.
    """
    line = _border_m(*sorted((country_a, country_b)))
    pt = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    return float(line.distance(pt)) / 1000.0


def country_at(lon: float, lat: float) -> str | None:
    """ISO2 code of the country containing the point, or None (sea, outside the region)."""
    g = _countries()
    hit = g[g.contains(Point(lon, lat))]
    return None if hit.empty else str(hit["iso_a2"].iloc[0])


def countries_at(lons, lats) -> list[str | None]:
    """Vectorised :func:`country_at` for many points."""
    g = _countries()
    pts = gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs="EPSG:4326")
    out: list[str | None] = [None] * len(pts)
    for iso, geom in zip(g["iso_a2"], g.geometry):
        inside = shapely.contains_xy(geom, lons, lats)
        for i in inside.nonzero()[0]:
            out[i] = out[i] or str(iso)
    return out
