"""Cross-table rules of the dataset, gathered in one :class:`ValidationReport`.

The schemas (:mod:`borderflow.data.schemas`) check each table alone; these rules check the
tables together: references between tables, geometry against the nodes and the national borders,
units that look mixed up, seasonality shares, and that every origin reaches a market.
Model code trusts tables that passed here.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from pyproj import Geod
from shapely import wkt
from shapely.errors import ShapelyError

from .cost_terms import cost_term_problems
from .destinations import share_problems
from .errors import InputError, Problem
from .loaders import InputTables, row_problem
from .parameters import parameter_problems
from .schemas import (AVAILABLE_STATUSES, CROSSINGS, LINKS, MARKETS, MAX_PERISHABLE_AMBIENT_DAYS,
                      MAX_PERISHABLE_REEFER_DAYS, NODES, PARAMETERS, PRODUCTS, PROVENANCE,
                      REGION_LAT, REGION_LON, SEASONALITY, SUPPLY, TABLES, TableSpec)

_GEOD = Geod(ellps="WGS84")

#: a crossing point further than this from the border it claims is an error (km)
CROSSING_BORDER_TOLERANCE_KM = 10.0
#: a link geometry end further than this from its node is an error (km)
LINK_END_TOLERANCE_KM = 3.0
#: fastest plausible average speed of a loaded truck or freight train (km/h)
MAX_SPEED_KMH = 130.0
#: a link longer than this many times the straight line between its nodes (+ 50 km) is an error
MAX_DETOUR = 10.0


@dataclass
class ValidationReport:
    """Errors (the dataset cannot be used) and warnings (it can, but look) found in a dataset."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors

    def raise_for_errors(self) -> None:
        """Raise :class:`InputError` listing the errors, if any."""
        if self.errors:
            raise InputError(self.errors)


def _line_km(line) -> float:
    lons, lats = zip(*[(c[0], c[1]) for c in line.coords])
    return float(_GEOD.line_length(lons, lats)) / 1000.0


def _point_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(_GEOD.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


class _Checker:
    def __init__(self, tables: InputTables):
        self.t = tables
        self.report = ValidationReport()

    def error(self, df: pd.DataFrame, spec: TableSpec, i: int, col: str | None, msg: str) -> None:
        self.report.errors.append(row_problem(df, spec, spec.filename, i, col, msg))

    def warn(self, df: pd.DataFrame, spec: TableSpec, i: int, col: str | None, msg: str) -> None:
        self.report.warnings.append(row_problem(df, spec, spec.filename, i, col, msg))

    def references(self, df: pd.DataFrame, spec: TableSpec, col: str, known: set[str],
                   what: str) -> None:
        for i, value in enumerate(df[col].to_numpy()):
            if value not in known:
                close = difflib.get_close_matches(str(value), sorted(known), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.error(df, spec, i, col, f"unknown {what} '{value}'{hint}")


def validate_tables(tables: InputTables, *, check_borders: bool = True) -> ValidationReport:
    """Check the rules that span tables; return every problem found.

    Parameters
    ----------
    tables : InputTables
        Schema-valid tables from :func:`borderflow.data.loaders.read_tables`.
    check_borders : bool
        Also check each crossing point against the Natural Earth border line it claims.

    Returns
    -------
    ValidationReport
        ``errors`` make the dataset unusable; ``warnings`` are worth a look.
    """
    c = _Checker(tables)
    t = tables
    node_ids = set(t.nodes["node_id"])
    product_ids = set(t.products["product_id"])
    node_country = dict(zip(t.nodes["node_id"], t.nodes["country"]))
    node_xy = {n: (x, y) for n, x, y in zip(t.nodes["node_id"], t.nodes["lon"], t.nodes["lat"])}

    # --- crossings ---------------------------------------------------------------------------
    cr = t.crossings
    for col in ("node_a", "node_b"):
        c.references(cr, CROSSINGS, col, node_ids, "node")
    for i, row in enumerate(cr.itertuples(index=False)):
        if row.country_a == row.country_b:
            c.error(cr, CROSSINGS, i, "country_b", "a crossing must join two different countries")
        for side in ("a", "b"):
            node = getattr(row, f"node_{side}")
            want = getattr(row, f"country_{side}")
            if node in node_country and node_country[node] != want:
                c.error(cr, CROSSINGS, i, f"node_{side}",
                        f"node '{node}' is in {node_country[node]}, not in country_{side}={want}")
        if isinstance(row.licensed_products, str) and row.licensed_products.strip():
            for pid in row.licensed_products.split(";"):
                if pid.strip() not in product_ids:
                    c.error(cr, CROSSINGS, i, "licensed_products", f"unknown product '{pid}'")
        if row.opens is not None and isinstance(row.opens, str) and row.opens.strip():
            problem = iso_date_problem(row.opens.strip())
            if problem:
                c.error(cr, CROSSINGS, i, "opens", problem)
    if check_borders:
        _check_crossings_on_border(c, cr)

    # --- links -------------------------------------------------------------------------------
    ln = t.links
    for col in ("from_node", "to_node"):
        c.references(ln, LINKS, col, node_ids, "node")
    for i, row in enumerate(ln.itertuples(index=False)):
        if row.from_node == row.to_node:
            c.error(ln, LINKS, i, "to_node", "a link must join two different nodes")
            continue
        a, b = node_country.get(row.from_node), node_country.get(row.to_node)
        if a and b and a != b:
            c.error(ln, LINKS, i, "to_node", f"links are domestic ({row.from_node} is in {a}, "
                    f"{row.to_node} in {b}); join countries with a crossing")
        if _link_in_metres(c, ln, i, row, node_xy):
            continue
        speed = row.length_km / row.travel_h
        if speed > MAX_SPEED_KMH:
            c.error(ln, LINKS, i, "travel_h", f"{row.length_km:g} km in {row.travel_h:g} h is "
                    f"{speed:.0f} km/h: travel_h must be in hours (minutes given?)")
        _check_link_geometry(c, ln, i, row, node_xy)

    # --- supply, markets, seasonality -------------------------------------------------------
    for df, spec in ((t.supply, SUPPLY), (t.markets, MARKETS)):
        c.references(df, spec, "node_id", node_ids, "node")
        c.references(df, spec, "product_id", product_ids, "product")
    c.references(t.seasonality, SEASONALITY, "product_id", product_ids, "product")
    c.references(t.provenance, PROVENANCE, "table", {spec.name for spec in TABLES}, "table")
    _check_seasonality(c, t, node_country)

    # --- products and parameters ------------------------------------------------------------
    pr = t.products
    for i, row in enumerate(pr.itertuples(index=False)):
        if row.shelf_life_reefer_days < row.shelf_life_ambient_days:
            c.warn(pr, PRODUCTS, i, "shelf_life_reefer_days",
                   "reefer shelf life is shorter than ambient")
        if row.perishable:
            _check_perishable_life(c, pr, i, row)
    # names, units and valid ranges of data/parameters.py
    for i, col, msg, level in parameter_problems(t.parameters):
        if i is None:
            c.report.errors.append(Problem("parameters.csv", None, col, msg))
        else:
            (c.error if level == "error" else c.warn)(t.parameters, PARAMETERS, i, col, msg)

    # --- generalized-cost terms and destination shares (their own modules) ---------------
    c.report.errors += cost_term_problems(t) + share_problems(t)

    # --- nodes inside their country ------------------------------------------------------
    if check_borders:
        _check_nodes_in_country(c, t.nodes)

    if c.report.ok:
        _check_reachability(c, t)
    return c.report


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_date_problem(text: str) -> str | None:
    """Why ``text`` is not an ISO date ``YYYY-MM-DD`` (``None`` if it is one).

    ``01/06/2026`` is refused rather than guessed: it is 1 June in Vietnam and Thailand and
    6 January to pandas (month first)."""
    if not _ISO_DATE.match(text):
        hint = " (day and month order is ambiguous)" if re.match(r"^\d{1,2}[/.-]\d{1,2}[/.-]"
                                                                 r"\d{2,4}$", text) else ""
        return f"not an ISO date (YYYY-MM-DD): {text!r}{hint}"
    try:
        dt.date.fromisoformat(text)
    except ValueError as err:
        return f"not a date: {text!r} ({err})"
    return None


def _check_perishable_life(c: _Checker, pr: pd.DataFrame, i: int, row) -> None:
    """A perishable product's shelf lives in days, not hours (120 for 5 days)."""
    for col, limit in (("shelf_life_ambient_days", MAX_PERISHABLE_AMBIENT_DAYS),
                       ("shelf_life_reefer_days", MAX_PERISHABLE_REEFER_DAYS)):
        days = float(getattr(row, col))
        if days > limit:
            hours = f" ({days:g} h = {days / 24:g} days)" if days % 24 == 0 else ""
            c.error(pr, PRODUCTS, i, col, f"{days:g} days is implausible for a perishable "
                    f"product (at most {limit:g}): hours given instead of days?{hours}")


def _check_crossings_on_border(c: _Checker, cr: pd.DataFrame) -> None:
    from .basemap import distance_to_border_km

    for i, row in enumerate(cr.itertuples(index=False)):
        try:
            km = distance_to_border_km(row.lon, row.lat, row.country_a, row.country_b)
        except ValueError as err:
            c.error(cr, CROSSINGS, i, "country_b", str(err))
            continue
        if km > CROSSING_BORDER_TOLERANCE_KM:
            swapped = ""
            if REGION_LON[0] <= row.lat <= REGION_LON[1]:
                swapped = " (lat/lon swapped?)"
            c.error(cr, CROSSINGS, i, "lon", f"crossing point ({row.lon}, {row.lat}) is {km:.1f} km"
                    f" from the {row.country_a}–{row.country_b} border (tolerance "
                    f"{CROSSING_BORDER_TOLERANCE_KM:g} km){swapped}")


def _check_nodes_in_country(c: _Checker, nodes: pd.DataFrame) -> None:
    from .basemap import country_at

    for i, row in enumerate(nodes.itertuples(index=False)):
        found = country_at(row.lon, row.lat)
        if found is not None and found != row.country:
            c.warn(nodes, NODES, i, "country", f"({row.lon}, {row.lat}) lies in {found} on the "
                   f"basemap, not {row.country}")


def _check_link_geometry(c: _Checker, ln: pd.DataFrame, i: int, row, node_xy: dict) -> None:
    try:
        line = wkt.loads(row.geometry_wkt)
    except (ShapelyError, ValueError) as err:
        c.error(ln, LINKS, i, "geometry_wkt", f"not valid WKT: {err}")
        return
    if line.geom_type != "LineString" or line.is_empty or len(line.coords) < 2:
        c.error(ln, LINKS, i, "geometry_wkt", "must be a LINESTRING with at least 2 points")
        return
    xs, ys = np.asarray(line.xy[0]), np.asarray(line.xy[1])
    inside = ((xs >= REGION_LON[0]) & (xs <= REGION_LON[1]) & (ys >= REGION_LAT[0])
              & (ys <= REGION_LAT[1]))
    if not inside.all():
        j = int(np.flatnonzero(~inside)[0])
        hint = " (lat/lon swapped?)" if REGION_LON[0] <= ys[j] <= REGION_LON[1] else \
            " (projected coordinates? expected EPSG:4326 degrees)"
        c.error(ln, LINKS, i, "geometry_wkt", f"vertex ({xs[j]}, {ys[j]}) is outside the region"
                f"{hint}")
        return
    ends = ((row.from_node, line.coords[0]), (row.to_node, line.coords[-1]))
    if row.from_node in node_xy and row.to_node in node_xy:
        d_fwd = sum(_point_km(*node_xy[n], *xy[:2]) for n, xy in ends)
        d_rev = sum(_point_km(*node_xy[n], *xy[:2]) for n, xy in zip(
            (row.from_node, row.to_node), (line.coords[-1], line.coords[0])))
        worst = max(_point_km(*node_xy[n], *xy[:2]) for n, xy in ends)
        if min(d_fwd, d_rev) > 2 * LINK_END_TOLERANCE_KM and worst > LINK_END_TOLERANCE_KM:
            c.error(ln, LINKS, i, "geometry_wkt", f"geometry ends {worst:.1f} km from its node "
                    f"(tolerance {LINK_END_TOLERANCE_KM:g} km)")
    geo_km = _line_km(line)
    if row.length_km < 0.9 * geo_km - 1.0:
        c.error(ln, LINKS, i, "length_km", f"{row.length_km:g} km is shorter than the drawn "
                f"route ({geo_km:.0f} km)")
    elif geo_km > 1.0 and row.length_km > 10 * geo_km + 50:
        c.error(ln, LINKS, i, "length_km", f"{row.length_km:g} km is over 10x the drawn route "
                f"({geo_km:.0f} km): metres given instead of km?")


def _link_in_metres(c: _Checker, ln: pd.DataFrame, i: int, row, node_xy: dict) -> bool:
    """Flag (and return True for) a link far longer than the straight line between its nodes:
    a length in metres, e.g. 45000 for a 45 km road."""
    if row.from_node not in node_xy or row.to_node not in node_xy:
        return False
    km = _point_km(*node_xy[row.from_node], *node_xy[row.to_node])
    if row.length_km <= MAX_DETOUR * km + 50.0:
        return False
    c.error(ln, LINKS, i, "length_km", f"{row.length_km:g} km is {row.length_km / km:,.0f}x the"
            f" straight-line distance between {row.from_node} and {row.to_node} ({km:.0f} km): "
            "metres given instead of km? (expected km)")
    return True


def _check_seasonality(c: _Checker, t: InputTables, node_country: dict) -> None:
    sea = t.seasonality
    sums = sea.groupby(["product_id", "country"])["share"].agg(["sum", "count"])
    for (pid, country), (total, count) in sums.iterrows():
        i = int(np.flatnonzero(((sea["product_id"] == pid) & (sea["country"] == country))
                               .to_numpy())[0])
        if count != 12:
            c.error(sea, SEASONALITY, i, "month", f"{pid}/{country} has {count} months, needs 12")
        elif abs(total - 1.0) > 1e-3:
            c.error(sea, SEASONALITY, i, "share", f"{pid}/{country} shares sum to {total:.4f}, "
                    "not 1")
    have = set(zip(sea["product_id"], sea["country"]))
    for i, row in enumerate(t.supply.itertuples(index=False)):
        country = node_country.get(row.node_id)
        if country and (row.product_id, country) not in have:
            c.error(t.supply, SUPPLY, i, "product_id",
                    f"no seasonality rows for {row.product_id} in {country}")


def _check_reachability(c: _Checker, t: InputTables) -> None:
    g = nx.DiGraph()
    g.add_nodes_from(t.nodes["node_id"])
    for row in t.links.itertuples(index=False):
        g.add_edge(row.from_node, row.to_node)
        if row.bidirectional:
            g.add_edge(row.to_node, row.from_node)
    for row in t.crossings.itertuples(index=False):
        if row.status in AVAILABLE_STATUSES:
            g.add_edge(row.node_a, row.node_b)
            g.add_edge(row.node_b, row.node_a)
    buyers = defaultdict(set)
    for row in t.markets.itertuples(index=False):
        buyers[row.product_id].add(row.node_id)
    reach_cache: dict[str, set] = {}
    for i, row in enumerate(t.supply.itertuples(index=False)):
        if row.node_id not in reach_cache:
            reach_cache[row.node_id] = nx.descendants(g, row.node_id) | {row.node_id}
        if not buyers[row.product_id]:
            c.error(t.supply, SUPPLY, i, "product_id",
                    f"no market buys {row.product_id} (add a row to markets.csv)")
        elif not (reach_cache[row.node_id] & buyers[row.product_id]):
            c.error(t.supply, SUPPLY, i, "node_id", f"origin {row.node_id} has no path to any "
                    f"market buying {row.product_id}")
