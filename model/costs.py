"""The generalized cost of a route: money per truck, and time, per tonne (USD/t).

For a route ``r`` carrying product ``p``::

    cost_usd_per_t = (running_r x reefer_p + tolls_r + fees_r) / payload_p + vot_p x hours_r

- ``running_r`` (USD/truck): the route's links. A link with a ``cost_usd_per_truck`` of its own
  (road-rail transfers) costs that; any other costs ``length_km x rate(mode)``, and a road link
  also ``x country factor x terrain factor`` (``road_cost_factor_country`` of its country,
  ``road_cost_factor_terrain`` of its road class; 1 where ``cost_terms.csv`` has none);
- ``tolls_r`` (USD/truck): ``expressway_toll`` (USD/truck-km) x km on the expressway-class road
  links of countries with a toll; not scaled by the reefer factor;
- ``fees_r`` (USD/truck): each crossing's ``fee_usd_per_truck``, plus ``transit_fee_entry`` of
  the country a road crossing enters;
- ``vot_p`` (USD/t-h): the product's ``value_of_time``, on the route's hours (travel and gate
  dwell, ``duration_h``): spoilage risk and capital tied up, perishables far higher;
- ``reefer_p``: ``reefer_cost_factor`` for reefer products, else 1.

Where rows apply is :mod:`borderflow.data.cost_terms`. A dataset without ``cost_terms.csv`` has
the flat cost (factors 1, no tolls, transit fees or time cost). The same arithmetic prices the
network (:mod:`borderflow.model.network`), the route set (:mod:`borderflow.model.routes`) and
every sample or calibration step on a kept model (:mod:`borderflow.uncertainty.changes`), from
the arrays below; the verifier recomputes it on its own.
"""

from __future__ import annotations

import numpy as np
from borderflow.data.cost_terms import CostIndex


def term_values(values: np.ndarray, rows: np.ndarray, default: float) -> np.ndarray:
    """``values[rows]`` where a row applies (``rows >= 0``), ``default`` elsewhere."""
    values = np.asarray(values, dtype=float)
    rows = np.asarray(rows, dtype=np.int64)
    if len(values) == 0:
        return np.full(len(rows), float(default))
    return np.where(rows >= 0, values[np.maximum(rows, 0)], float(default))


def link_costs(own_cost: np.ndarray, length_km: np.ndarray, rate: np.ndarray,
               index: CostIndex, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running cost and toll of each link, USD/truck.

    Parameters
    ----------
    own_cost : array (links,)
        ``cost_usd_per_truck`` of the link (NaN: priced per km).
    length_km, rate : array (links,)
        Length and the per-km rate of the link's mode (USD/truck-km).
    index : CostIndex
        Which cost-terms row applies to each link.
    terms : array (cost-term rows,)
        The ``value`` of every cost-terms row.

    Returns
    -------
    (running, toll) : arrays (links,)
    """
    own_cost = np.asarray(own_cost, dtype=float)
    length_km = np.asarray(length_km, dtype=float)
    factor = term_values(terms, index.link_country, 1.0) * \
        term_values(terms, index.link_terrain, 1.0)
    per_km = np.isnan(own_cost)
    running = np.where(per_km, length_km * np.asarray(rate, dtype=float) * factor, own_cost)
    toll = np.where(per_km, length_km * term_values(terms, index.link_toll, 0.0), 0.0)
    return running, toll


def crossing_fees(fee: np.ndarray, index: CostIndex, terms: np.ndarray,
                  direction: str) -> np.ndarray:
    """Fee of each crossing in ``direction`` (USD/truck): its own fee plus the transit fee of
    the country it enters."""
    return np.asarray(fee, dtype=float) + term_values(terms, index.crossing_entry[direction], 0.0)


def product_vot(index: CostIndex, terms: np.ndarray) -> np.ndarray:
    """Value of time of each product (USD/t-h; 0 where ``cost_terms.csv`` has none)."""
    return term_values(terms, index.product_vot, 0.0)


def cost_per_t(running, toll, fee, hours, cost_factor, payload, vot) -> np.ndarray:
    """Generalized cost per tonne of (route, product) pairs (USD/t); every argument an array of
    the pairs (USD/truck, h, -, t/truck, USD/t-h)."""
    return ((np.asarray(running, dtype=float) * np.asarray(cost_factor, dtype=float)
             + np.asarray(toll, dtype=float) + np.asarray(fee, dtype=float))
            / np.asarray(payload, dtype=float) + np.asarray(vot, dtype=float)
            * np.asarray(hours, dtype=float))
