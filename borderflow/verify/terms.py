"""Verifier checks of the generalized cost and the destination shares (issue 18), from the
result tables and the input tables alone.

Like the rest of :mod:`borderflow.verify`, this imports nothing of the model's formulation or of
:mod:`borderflow.model.costs`: the arithmetic is written again here, from ``cost_terms.csv`` as
``data/README.md`` states it (the first word of ``applies_to`` is the key; a road link's class
follows from its speed, :data:`borderflow.data.cost_terms.EXPRESSWAY_MIN_KMH` and
``MOUNTAIN_MAX_KMH``). The destination-share rules are read with
:func:`borderflow.data.destinations.share_rules` (the dataset's meaning of its rows) and the
shares recomputed from ``route_flows``.

==================  ========================================================================
check               what must hold
==================  ========================================================================
destination_share   of what an origin delivers of a product group to Chinese markets, the
                    share delivered in each region is within the rule's band (t, over the
                    run's periods; the amount is the tonnes outside the band)
==================  ========================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderflow.data.cost_terms import EXPRESSWAY_MIN_KMH, MOUNTAIN_MAX_KMH
from borderflow.data.destinations import share_rules
from borderflow.data.loaders import InputTables

from .report import rows

_FACTOR_TERMS = ("road_cost_factor_country", "road_cost_factor_terrain")


def _terms(tables: InputTables) -> dict[tuple[str, str], float]:
    """``(term, key) -> value`` of ``cost_terms.csv`` (key: first word of ``applies_to``)."""
    ct = tables.cost_terms
    return {(str(t), str(a).split()[0].rstrip(",;:")): float(v)
            for t, a, v in zip(ct["term"], ct["applies_to"], ct["value"])} if len(ct) else {}


def link_money(tables: InputTables, rate: dict[str, float]) -> dict[str, tuple[float, float]]:
    """``link_id -> (running cost, toll)`` in USD/truck, recomputed from the tables."""
    terms = _terms(tables)
    country = dict(zip(tables.nodes["node_id"], tables.nodes["country"]))
    out = {}
    for r in tables.links.itertuples(index=False):
        if not pd.isna(r.cost_usd_per_truck):
            out[r.link_id] = (float(r.cost_usd_per_truck), 0.0)
            continue
        running = float(r.length_km) * rate[r.mode]
        toll = 0.0
        if r.mode == "road":
            c = country[r.from_node]
            speed = float(r.length_km) / float(r.travel_h)
            cls = ("expressway" if speed >= EXPRESSWAY_MIN_KMH else
                   "mountain" if speed < MOUNTAIN_MAX_KMH else "national")
            running *= terms.get(("road_cost_factor_country", c), 1.0)
            running *= terms.get(("road_cost_factor_terrain", cls), 1.0)
            if cls == "expressway":
                toll = float(r.length_km) * terms.get(("expressway_toll", c), 0.0)
        out[r.link_id] = (running, toll)
    return out


def entry_fee(tables: InputTables, mode: str, country_entered: str) -> float:
    """Transit fee of a crossing into ``country_entered`` (USD/truck; road crossings only)."""
    return _terms(tables).get(("transit_fee_entry", country_entered), 0.0) if mode == "road" \
        else 0.0


def lane_values(tables: InputTables) -> dict[str, float]:
    """Crossing id -> its ``congestion_lane_value`` row (USD per truck-hour of a first come,
    first served lane; gates without one use ``congestion_lane_usd_per_truck_h``)."""
    return {k: v for (t, k), v in _terms(tables).items() if t == "congestion_lane_value"}


def value_of_time(tables: InputTables) -> pd.Series:
    """USD/t-h per product (0 where none is given)."""
    terms = _terms(tables)
    ids = tables.products["product_id"]
    return pd.Series([terms.get(("value_of_time", p), 0.0) for p in ids], index=ids.to_numpy())


def route_cost_per_t(running, toll, fee, duration_h, products: pd.DataFrame) -> np.ndarray:
    """Generalized cost per tonne of (route, product) rows: ``products`` aligned with them
    (``cost_factor``, ``payload_t``, ``vot``)."""
    return ((np.asarray(running, dtype=float) * products["cost_factor"].to_numpy()
             + np.asarray(toll, dtype=float) + np.asarray(fee, dtype=float))
            / products["payload_t"].to_numpy()
            + products["vot"].to_numpy() * np.asarray(duration_h, dtype=float))


def destination_share_checks(results, tables: InputTables, dated: bool = False) -> pd.DataFrame:
    """One ``destination_share`` report row per share rule (see the module table); ``dated``:
    one per rule and dispatch day (``route_flows.period``), as a dated model holds the band
    day by day."""
    rules = share_rules(tables)
    rf = results.route_flows
    if not rules:
        return rows("destination_share", [], [], "t")
    flow = pd.to_numeric(rf["flow_t"], errors="coerce").to_numpy(dtype=float)
    origin, product = rf["origin"].to_numpy(), rf["product_id"].to_numpy()
    market = rf["market"].to_numpy()
    day = rf["period"].to_numpy(dtype=np.int64) if dated and "period" in rf else \
        np.zeros(len(rf), dtype=np.int64)
    names, amounts, scales = [], [], []
    for rule in rules:
        mine = np.isin(origin, rule.origins) & np.isin(product, rule.products)
        china = mine & np.isin(market, rule.china)
        for t in (np.unique(day[china]).tolist() if dated else [0]):
            on = day == t
            total = float(flow[china & on].sum())
            there = float(flow[mine & np.isin(market, rule.markets) & on].sum())
            below = max(0.0, rule.low * total - there)
            above = max(0.0, there - rule.high * total)
            share = there / total if total > 0 else float("nan")
            names.append(f"share {rule.rule_id}{f' @{t}' if dated else ''}: {there:,.1f} of "
                         f"{total:,.1f} t ({share:.3f}; band {rule.low:g}-{rule.high:g})")
            amounts.append(below + above)
            scales.append(total)
    return rows("destination_share", names, amounts, "t", scales)
