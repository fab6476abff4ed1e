"""The generalized-cost terms of ``cost_terms.csv``: what each row means and where it applies.

One row per ``(term, applies_to)``; ``applies_to`` starts with the *key* the term is looked up
by (its first word), the rest of the text says where the number comes from, e.g.
``LA (Thai trucks at Chiang Khong)`` is the key ``LA``. The terms the model reads:

=========================  ============  =================  ========================================
term                       unit          key                applies to
=========================  ============  =================  ========================================
value_of_time              USD/t-h       product id         every tonne of the product, per hour of
                                                            route duration (travel + gate dwell)
road_cost_factor_country   x base rate   ISO2 country       road links of that country priced per
                                                            km (``length_km x road rate``)
road_cost_factor_terrain   x base rate   road class         road links of that class priced per km
transit_fee_entry          USD/truck     ISO2 country       every road crossing into that country
expressway_toll            USD/truck-km  ISO2 country       expressway-class road links of that
                                                            country
congestion_lane_value      USD/truck-h   crossing id        the loaded trucks of that gate's lane in
                                                            the congestion tiers when they clear
                                                            first come, first served
                                                            (``congestion_fifo`` 1), in place of
                                                            ``congestion_lane_usd_per_truck_h``
=========================  ============  =================  ========================================

Terms kept for the dated queue model (issue 18 part B) and not read by the static cost:
``waiting_parking``, ``waiting_reefer_fuel`` (USD/truck-day), ``cold_storage_at_border``
(USD/container-day).

Road class of a link, from its loaded-truck speed in the dataset (``length_km / travel_h``):
the dataset derives hours at class speeds (expressway 65, national 45, mountain 30 km/h;
``tools/build_ranges.py``), so ``expressway`` >= :data:`EXPRESSWAY_MIN_KMH`, ``mountain`` <
:data:`MOUNTAIN_MAX_KMH`, ``national`` in between. The class is that of the dataset's hours (it
is not re-derived when hours are sampled).

:func:`cost_term_problems` checks the table against the dataset (unknown term, unit other than
the term's, unknown key, two rows for one key) and names file, row and field;
:func:`cost_index` says which row applies to each link, crossing direction and product.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import Problem
from .loaders import InputTables, row_problem
from .schemas import COST_TERMS, COUNTRIES

#: a road link at least this fast (km/h, loaded truck) is an expressway
EXPRESSWAY_MIN_KMH = 55.0
#: a road link slower than this (km/h) is a mountain road
MOUNTAIN_MAX_KMH = 37.5
ROAD_CLASSES = ("expressway", "national", "mountain")


@dataclass(frozen=True)
class TermSpec:
    """What a cost term is: its unit, what its key names, and whether the static cost reads it."""

    unit: str
    key: str
    read: bool = True


TERMS: dict[str, TermSpec] = {
    "value_of_time": TermSpec("USD/t-h", "product"),
    "road_cost_factor_country": TermSpec("x base road rate", "country"),
    "road_cost_factor_terrain": TermSpec("x base road rate", "road class"),
    "transit_fee_entry": TermSpec("USD/truck", "country"),
    "expressway_toll": TermSpec("USD/truck-km", "country"),
    "congestion_lane_value": TermSpec("USD/truck-h", "crossing"),
    "waiting_parking": TermSpec("USD/truck-day", "country", read=False),
    "waiting_reefer_fuel": TermSpec("USD/truck-day", "country", read=False),
    "cold_storage_at_border": TermSpec("USD/container-day", "country", read=False),
}

#: terms that change the congestion tiers' costs, not route costs
CONGESTION_TERMS = ("congestion_lane_value",)
#: terms that change route costs (the others are read by no static route cost)
COST_EFFECT_TERMS = tuple(t for t, spec in TERMS.items()
                          if spec.read and t not in CONGESTION_TERMS)


def term_key(applies_to: str) -> str:
    """The key of an ``applies_to`` text: its first word (``"LA (Thai trucks)"`` -> ``LA``)."""
    text = str(applies_to).strip()
    return text.split()[0].rstrip(",;:") if text else ""


def road_class(length_km, travel_h) -> np.ndarray:
    """``expressway``, ``national`` or ``mountain`` for each road link, from its speed."""
    speed = np.asarray(length_km, dtype=float) / np.asarray(travel_h, dtype=float)
    return np.where(speed >= EXPRESSWAY_MIN_KMH, "expressway",
                    np.where(speed < MOUNTAIN_MAX_KMH, "mountain", "national"))


def cost_term_problems(tables: InputTables) -> list[Problem]:
    """Every problem of ``cost_terms.csv`` against the dataset (empty: fine or no table)."""
    ct = tables.cost_terms
    if ct.empty:
        return []
    shown = (tables.sources.get("cost_terms") or [COST_TERMS.filename])[-1]
    known = {"product": set(tables.products["product_id"]), "country": set(COUNTRIES),
             "road class": set(ROAD_CLASSES),
             "crossing": set(tables.crossings["crossing_id"].astype(str))}
    out, seen = [], {}
    for i, row in enumerate(ct.itertuples(index=False)):
        def fail(field: str, message: str, i: int = i) -> None:
            out.append(row_problem(ct, COST_TERMS, shown, i, field, message))
        spec = TERMS.get(row.term)
        if spec is None:
            fail("term", f"unknown cost term '{row.term}' (terms: {', '.join(TERMS)})")
            continue
        if str(row.unit).strip() != spec.unit:
            fail("unit", f"{row.term} is in '{spec.unit}', got '{row.unit}'")
        if not row.low <= row.value <= row.high:
            fail("value", f"{row.value:g} is outside its range [{row.low:g}, {row.high:g}]")
        key = term_key(row.applies_to)
        if key not in known[spec.key]:
            fail("applies_to", f"'{row.applies_to}': {row.term} applies to a {spec.key} and "
                 f"'{key}' is none ({', '.join(sorted(known[spec.key])[:8])}, ...)")
            continue
        if (row.term, key) in seen:
            fail("applies_to", f"a second {row.term} row for {spec.key} '{key}' (first in row "
                 f"{seen[(row.term, key)]}): one value per {spec.key}")
        seen[(row.term, key)] = i + 1
    return out


@dataclass(frozen=True)
class CostIndex:
    """Which ``cost_terms`` row (position, -1: none) applies to each link, crossing arc and
    product, so that a vector of term values prices the network (the uncertainty engine and
    calibration change the values, not the index).

    Attributes
    ----------
    link_country, link_terrain, link_toll : ndarray (links,)
        Rows of ``road_cost_factor_country``, ``road_cost_factor_terrain`` and
        ``expressway_toll`` for each road link priced per km (``-1`` for other links).
    crossing_entry : dict direction -> ndarray (crossings,)
        Row of ``transit_fee_entry`` for each road crossing in that direction (``a_to_b``: into
        ``country_b``).
    product_vot : ndarray (products,)
        Row of ``value_of_time`` of each product.
    crossing_lane : ndarray (crossings,)
        Row of ``congestion_lane_value`` of each crossing (``-1``: the lane value of
        ``parameters.csv``, ``congestion_lane_usd_per_truck_h``).
    """

    link_country: np.ndarray
    link_terrain: np.ndarray
    link_toll: np.ndarray
    crossing_entry: dict
    product_vot: np.ndarray
    crossing_lane: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _rows_by_key(ct: pd.DataFrame, term: str) -> dict[str, int]:
    keys = [term_key(a) for a in ct["applies_to"]]
    return {k: i for i, (t, k) in enumerate(zip(ct["term"], keys)) if t == term}


def cost_index(tables: InputTables) -> CostIndex:
    """The :class:`CostIndex` of a dataset (rows of ``tables.cost_terms``, in table order)."""
    ct = tables.cost_terms
    ln, cr = tables.links, tables.crossings
    country = dict(zip(tables.nodes["node_id"], tables.nodes["country"]))
    per_km = (ln["mode"].to_numpy() == "road") & ln["cost_usd_per_truck"].isna().to_numpy()
    link_country = ln["from_node"].map(country).to_numpy()
    cls = road_class(ln["length_km"], ln["travel_h"])

    def pick(term: str, keys: np.ndarray, mask: np.ndarray) -> np.ndarray:
        rows = _rows_by_key(ct, term) if len(ct) else {}
        return np.array([rows.get(k, -1) if ok else -1 for k, ok in zip(keys, mask)],
                        dtype=np.int64)

    entry_rows = _rows_by_key(ct, "transit_fee_entry") if len(ct) else {}
    road = cr["mode"].to_numpy() == "road"
    entry = {d: np.array([entry_rows.get(c, -1) if ok else -1 for c, ok in
                          zip(cr[f"country_{d[-1]}"], road)], dtype=np.int64)
             for d in ("a_to_b", "b_to_a")}
    vot_rows = _rows_by_key(ct, "value_of_time") if len(ct) else {}
    lane_rows = _rows_by_key(ct, "congestion_lane_value") if len(ct) else {}
    return CostIndex(
        link_country=pick("road_cost_factor_country", link_country, per_km),
        link_terrain=pick("road_cost_factor_terrain", cls, per_km),
        link_toll=pick("expressway_toll", link_country, per_km & (cls == "expressway")),
        crossing_entry=entry,
        product_vot=np.array([vot_rows.get(p, -1) for p in tables.products["product_id"]],
                             dtype=np.int64),
        crossing_lane=np.array([lane_rows.get(c, -1) for c in cr["crossing_id"]],
                               dtype=np.int64))


def crossing_lane_values(index: CostIndex, terms: np.ndarray, default: float) -> np.ndarray:
    """The cargo value of a truck-hour in each crossing's lane (USD/truck-h, crossings in
    table order): its ``congestion_lane_value`` row where it has one, ``default`` (the
    ``congestion_lane_usd_per_truck_h`` of ``parameters.csv``) elsewhere."""
    rows = np.asarray(index.crossing_lane, dtype=np.int64)
    values = np.asarray(terms, dtype=float)
    if len(values) == 0:
        return np.full(len(rows), float(default))
    return np.where(rows >= 0, values[np.maximum(rows, 0)], float(default))


def lane_by_crossing(tables: InputTables, default: float | None) -> dict[str, float] | None:
    """Crossing id -> the cargo value of a truck-hour in its lane (USD/truck-h) when the tiers
    clear first come, first served (``default`` given: ``congestion_lane_usd_per_truck_h``);
    ``None`` when they clear in the order of value of time (``default`` ``None``)."""
    if default is None:
        return None
    ct = tables.cost_terms
    terms = ct["value"].to_numpy(dtype=float) if len(ct) else np.zeros(0)
    ids = tables.crossings["crossing_id"].astype(str).tolist()
    return dict(zip(ids, crossing_lane_values(cost_index(tables), terms, default).tolist()))
