r"""Congestion at the gates: a convex delay, waiting hours rising with utilisation, as an LP.

Static runs only (one representative day; a dated run has explicit queues and ignores these
parameters, docs/model.md). A gate direction's daily capacity :math:`K` is cut into tiers
``k`` (``congestion_breakpoint_1..3`` as shares of :math:`K`, ``parameters.csv``): tier ``k``
holds at most :math:`(b_k - b_{k-1}) K` loaded trucks a day, and a truck in it waits
:math:`h_k` hours (``congestion_hours_k``, not falling with ``k``). Per (gate, direction,
day, product) and tier a variable :math:`z_{c,d,t,p,k} \ge 0` (trucks/day):

.. math::

    \sum_{f \ni (c,d,t),\ p(f) = p} x_f / P_p - \sum_k z_{c,d,t,p,k} \le 0
        \quad \text{(congestion\_link)}

    \sum_p z_{c,d,t,p,k} \le (b_k - b_{k-1}) K_{c,d,t} \quad \text{(congestion\_tier)}

    \text{objective} \mathrel{+}= \sum h_k\, (v_p P_p + \omega / 24)\, z_{c,d,t,p,k}
        \quad (\text{or } h_k (V + \omega/24) \text{ with congestion\_fifo 1})

(:math:`v_p`: the product's value of time, USD/t-h; :math:`\omega`:
``waiting_cost_usd_per_truck_day``, the truck's and driver's own cost of a day in a queue, as
the dated model charges it.)

With one product the cheapest way to hold ``T`` trucks fills the tiers in order (the hours do
not fall), so the delay cost is the convex piecewise-linear
:math:`\sum_k h_k \min((b_k - b_{k-1})K, \max(0, T - b_{k-1}K))` times the value of a truck-hour,
whose marginal is :math:`h_k` in tier ``k``. With several products the tiers are shared by one
of two rules (``congestion_fifo``, docs/model.md):

- ``1``, first come, first served within a lane class: every truck of a gate direction's lane
  costs :math:`V_c + \omega/24` per hour (:math:`V_c`: the gate's ``congestion_lane_value``
  row of ``cost_terms.csv``, else ``congestion_lane_usd_per_truck_h``), so
  the delay is the same convex function of the gate's total trucks for every product and its
  marginal (the link dual) is the same for all of them; the results spread each product over
  the tiers in the gate's proportions (:func:`first_come_first_served`, another optimum of the
  same LP), so every truck of the lane waits alike. A scenario's perishable priority lane is
  not modelled in the tiers: refused;
- ``0`` (default), in the order of value of time: the LP gives the early (short) tiers to the
  products whose hour is dearest, a gate that clears perishables first (the cost-minimising
  order the dated model's queues use; one delay curve priced at one mixed value would be
  bilinear).

Returning empties take capacity but do not wait in the tiers (they cross the other way,
unloaded).

The link rows' duals (per gate, direction, product, ``>= 0``) are what a route pays per truck
at that gate in column generation; a (gate, direction, product) the model has no row for
prices at 0, which is dual-feasible (every tier variable of it then has reduced cost
:math:`h_k v_p P_p + \sigma_k \ge 0`). The verifier re-derives all of it
(:mod:`borderflow.verify.congestion`, :mod:`borderflow.certificate_congestion`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from borderflow.data.cost_terms import lane_by_crossing
from borderflow.data.errors import InputError, Problem

from .indices import CROSS_KEYS, IndexTables
from .network import FreightNetwork
from .terms import add_rows, index_set, terms

__all__ = ["LINK_KEYS", "truck_hour_usd", "cell_truck_hour_usd", "CongestionIndex",
           "congestion_index", "first_come_first_served", "tier_trucks", "delay_cost_usd",
           "congestion_rows_upper",
           "define_congestion", "define_congestion_variables", "congestion_objective_terms"]

#: keys of a congestion link row: a product at a gate direction on a day
LINK_KEYS = CROSS_KEYS + ["product_id"]


def truck_hour_usd(vot_usd_per_t_h, payload_t, waiting_usd_per_truck_day: float):
    """What an hour of a loaded truck's wait costs (USD): its cargo's value of time times the
    payload plus the truck's own waiting cost (``waiting_cost_usd_per_truck_day / 24``)."""
    return vot_usd_per_t_h * payload_t + waiting_usd_per_truck_day / 24.0


def cell_truck_hour_usd(vot_usd_per_t_h, payload_t, waiting_usd_per_truck_day: float,
                        lane_usd_per_truck_h):
    """What an hour of a loaded truck's wait costs in the tiers (USD): first come, first
    served within a lane (``lane_usd_per_truck_h`` given, ``congestion_fifo`` 1: a number,
    or one per cell, the lane value of the cell's gate) every truck of the lane alike,
    ``lane + waiting / 24``; else its own :func:`truck_hour_usd`."""
    if lane_usd_per_truck_h is None:
        return truck_hour_usd(vot_usd_per_t_h, payload_t, waiting_usd_per_truck_day)
    return np.zeros(np.shape(vot_usd_per_t_h)) + (np.asarray(lane_usd_per_truck_h, dtype=float)
                                                  + waiting_usd_per_truck_day / 24.0)


@dataclass(frozen=True)
class CongestionIndex:
    """What the congestion variables and rows stand for.

    Attributes
    ----------
    links : DataFrame
        One row per ``congestion_link[l]``: ``l``, crossing_id, direction, period, product_id,
        payload_t_per_truck, vot_usd_per_t_h.
    tiers : DataFrame
        One row per ``congestion_tier[r]``: ``r``, crossing_id, direction, period, tier,
        share_low, share_high, hours, ``cap_row`` (its ``crossing_capacity`` row).
    cells : DataFrame
        One row per variable ``congestion[j]``: ``j``, ``l``, ``r``, crossing_id, direction,
        period, product_id, tier, hours, cost_usd_per_truck (hours x the truck-hour's value,
        :func:`cell_truck_hour_usd`).
    lane_usd_per_truck_h : float or None
        The cargo value of a truck-hour in a lane when the tiers clear first come, first
        served within a lane class (``congestion_fifo`` 1; a gate with a
        ``congestion_lane_value`` row in ``cost_terms.csv`` has its own, ``lane_by_crossing``);
        ``None``: in the order of the products' values of time.
    lane_by_crossing : dict or None
        Crossing id -> its lane's value of a truck-hour (USD) with ``congestion_fifo`` 1.
    """

    links: pd.DataFrame
    tiers: pd.DataFrame
    cells: pd.DataFrame
    lane_usd_per_truck_h: float | None = None
    lane_by_crossing: dict | None = None


def congestion_index(ix: IndexTables, net: FreightNetwork,
                     tiers: list[tuple[float, float, float]]) -> CongestionIndex:
    """The congestion index of a static model: a link row per (gate, direction, day, product)
    some route flow takes, a tier row per capacity row and tier, a variable per link and
    tier."""
    use = ix.crossing_use[ix.crossing_use["var"] == "route_flow"]
    cap = ix.capacity_rows.reset_index(drop=True)
    cap_at = pd.Series(np.arange(len(cap)), index=pd.MultiIndex.from_frame(cap[CROSS_KEYS]))
    links = use[LINK_KEYS].drop_duplicates()
    links = links[pd.MultiIndex.from_frame(links[CROSS_KEYS]).isin(cap_at.index)]
    links = links.sort_values(LINK_KEYS, kind="mergesort").reset_index(drop=True)
    prod = net.products
    links["payload_t_per_truck"] = prod.loc[links["product_id"], "payload_t_per_truck"] \
        .to_numpy(dtype=float)
    links["vot_usd_per_t_h"] = prod.loc[links["product_id"], "vot_usd_per_t_h"] \
        .to_numpy(dtype=float)
    links.insert(0, "l", np.arange(len(links)))
    tier = pd.DataFrame([(k + 1, lo, hi, h) for k, (lo, hi, h) in enumerate(tiers)],
                        columns=["tier", "share_low", "share_high", "hours"])
    rows = cap[CROSS_KEYS].assign(cap_row=np.arange(len(cap))).merge(tier, how="cross")
    rows.insert(0, "r", np.arange(len(rows)))
    cells = links.merge(tier, how="cross")
    cells["cap_row"] = cap_at.reindex(pd.MultiIndex.from_frame(cells[CROSS_KEYS])).to_numpy()
    cells = cells.merge(rows[["cap_row", "tier", "r"]], on=["cap_row", "tier"])
    cells = cells.sort_values(["l", "tier"], kind="mergesort").reset_index(drop=True)
    lane = net.parameters.congestion_lane_value()
    if lane is not None and len(ix.priority_rows):
        raise InputError(Problem(
            "parameters.csv", None, "congestion_fifo",
            "congestion_fifo = 1 with a perishable priority rule in the scenario: the static "
            "tiers have no priority lane yet (set congestion_fifo 0, or drop the rule)"))
    by_crossing = lane_by_crossing(net.tables, lane)
    cells["cost_usd_per_truck"] = cells["hours"] * cell_truck_hour_usd(
        cells["vot_usd_per_t_h"], cells["payload_t_per_truck"],
        net.parameters.waiting_cost_usd_per_truck_day,
        None if lane is None else cells["crossing_id"].map(by_crossing).to_numpy(dtype=float))
    cells.insert(0, "j", np.arange(len(cells)))
    keep = ["j", "l", "r"] + LINK_KEYS + ["tier", "hours", "cost_usd_per_truck"]
    return CongestionIndex(links=links, tiers=rows, cells=cells[keep],
                           lane_usd_per_truck_h=lane, lane_by_crossing=by_crossing)


def congestion_rows_upper(ci: CongestionIndex, capacity: np.ndarray) -> np.ndarray:
    """Upper bounds of ``congestion_tier``: the tier's share of its capacity row's capacity
    (``capacity`` in ``crossing_capacity`` row order; a closed gate's tiers hold 0)."""
    k = np.maximum(np.asarray(capacity, dtype=float)[ci.tiers["cap_row"].to_numpy()], 0.0)
    return (ci.tiers["share_high"] - ci.tiers["share_low"]).to_numpy() * k


def define_congestion_variables(m: pyo.ConcreteModel, ci: CongestionIndex) -> None:
    """Add ``congestion[j] >= 0`` (trucks/day in a tier; before any row of the model)."""
    m.congestion = pyo.Var(index_set(len(ci.cells)), domain=pyo.NonNegativeReals)


def define_congestion(m: pyo.ConcreteModel, ix: IndexTables, ci: CongestionIndex) -> None:
    """Add ``congestion_link`` and ``congestion_tier`` (the module docstring states both)."""
    use = ix.crossing_use[ix.crossing_use["var"] == "route_flow"]
    at = pd.Series(ci.links["l"].to_numpy(), index=pd.MultiIndex.from_frame(ci.links[LINK_KEYS]))
    row = at.reindex(pd.MultiIndex.from_frame(use[LINK_KEYS])).to_numpy()
    has = ~np.isnan(row)
    cells = ci.cells
    link = pd.concat([terms(row[has].astype(np.int64), "route_flow", use["idx"].to_numpy()[has],
                            use["trucks_per_t"].to_numpy()[has]),
                      terms(cells["l"], "congestion", cells["j"], -1.0)], ignore_index=True)
    add_rows(m, "congestion_link", len(ci.links), link, upper=np.zeros(len(ci.links)))
    add_rows(m, "congestion_tier", len(ci.tiers), terms(cells["r"], "congestion", cells["j"], 1.0),
             upper=congestion_rows_upper(
                 ci, ix.capacity_rows["capacity_trucks_per_day"].to_numpy()))


def congestion_objective_terms(ci: CongestionIndex) -> pd.DataFrame:
    """Objective terms: ``hours x (vot x payload + waiting / 24)`` (USD per truck) on each
    ``congestion[j]``."""
    cells = ci.cells
    return terms(np.zeros(len(cells)), "congestion", cells["j"], cells["cost_usd_per_truck"])


#: columns of the ``congestion`` result table
TABLE_COLUMNS = ["crossing_id", "direction", "period", "product_id", "tier", "share_low",
                 "share_high", "hours", "capacity_trucks_per_day", "trucks",
                 "cost_usd_per_truck", "cost_usd", "link_dual_usd_per_truck",
                 "tier_dual_usd_per_truck"]


def tier_trucks(built) -> pd.DataFrame:
    """The ``congestion`` table of a solved static model with tiers without its two dual
    columns: one row per (gate, direction, day, product, tier) with its trucks/day (with
    ``congestion_fifo``, as the lane clears them: :func:`first_come_first_served`), hours,
    cost per truck and ``cost_usd`` (USD/day). Empty (no columns) for a model without
    congestion. The one place the tier trucks and their cost are read off a solve:
    :func:`congestion_table` adds the duals, :func:`delay_cost_usd` sums the cost."""
    from .queue_results import solved_values
    ci = built.congestion
    if ci is None:
        return pd.DataFrame()
    cells = ci.cells
    out = cells[LINK_KEYS + ["tier", "hours"]].copy()
    tiers = ci.tiers.set_index("r")
    out.insert(5, "share_low", tiers["share_low"].reindex(cells["r"]).to_numpy())
    out.insert(6, "share_high", tiers["share_high"].reindex(cells["r"]).to_numpy())
    cap = built.capacity_rows["capacity_trucks_per_day"].to_numpy(dtype=float)
    out["capacity_trucks_per_day"] = cap[tiers["cap_row"].reindex(cells["r"]).to_numpy()]
    out["trucks"] = solved_values(built.model.congestion, len(cells)) + 0.0
    if ci.lane_usd_per_truck_h is not None:
        out["trucks"] = first_come_first_served(out)
    out["cost_usd_per_truck"] = cells["cost_usd_per_truck"].to_numpy()
    out["cost_usd"] = out["trucks"] * out["cost_usd_per_truck"]
    return out


def delay_cost_usd(table: pd.DataFrame) -> float:
    """The delay cost in the congestion tiers (USD/day): the sum of ``cost_usd`` of a
    ``congestion`` table or of :func:`tier_trucks` (the same column, the same sum); 0.0 for an
    empty table. A run's ``summary.congestion_cost_usd``, a robust plan's
    ``congestion_usd_<plan>`` (``scenarios``) and ``congestion_cost_usd`` (``objective``)."""
    return float(table["cost_usd"].sum()) if len(table) else 0.0


def congestion_table(built, duals=None) -> pd.DataFrame:
    """The ``congestion`` result table of a solved static model with tiers:
    :func:`tier_trucks` with the duals of each row's link and tier rows as prices (minus
    HiGHS's: ``>= 0``, not clipped). Empty (no columns) for a model without congestion.
    ``duals(component)``: a row family's duals in index order as HiGHS gives them (default:
    the model's ``dual`` suffix; a robust plan's scenario block passes its session's,
    :mod:`borderflow.robust_tables`)."""
    from .queue_results import row_duals
    ci = built.congestion
    if ci is None:
        return pd.DataFrame()
    m = built.model
    cells = ci.cells
    out = tier_trucks(built)
    if duals is None:
        link = -row_duals(m, m.congestion_link, len(ci.links)) + 0.0
        tier = -row_duals(m, m.congestion_tier, len(ci.tiers)) + 0.0
    else:
        link = -duals(m.congestion_link) + 0.0
        tier = -duals(m.congestion_tier) + 0.0
    out["link_dual_usd_per_truck"] = link[cells["l"].to_numpy()]
    out["tier_dual_usd_per_truck"] = tier[cells["r"].to_numpy()]
    return out[TABLE_COLUMNS].reset_index(drop=True)


def first_come_first_served(table: pd.DataFrame) -> np.ndarray:
    """The tier trucks of a solved model with ``congestion_fifo`` 1, as the lane clears them:
    per gate direction and day every product has the same share of its trucks in each tier
    (``z'[p,k] = n_p Z_k / N``: ``n_p`` its trucks, ``Z_k`` the tier's, ``N`` the gate's), so
    every truck of the lane waits alike. Another optimum of the same LP: the link rows' sums
    (``n_p``) and the tier rows' (``Z_k``) are unchanged and every cell of a gate direction
    costs the same per truck, so the cost and the duals are those of the solve."""
    keys = ["crossing_id", "direction", "period"]
    z = table["trucks"].to_numpy(dtype=float)
    n = table.groupby(keys + ["product_id"])["trucks"].transform("sum").to_numpy(dtype=float)
    tier = table.groupby(keys + ["tier"])["trucks"].transform("sum").to_numpy(dtype=float)
    gate = table.groupby(keys)["trucks"].transform("sum").to_numpy(dtype=float)
    return np.where(gate > 0, n * tier / np.where(gate > 0, gate, 1.0), z) + 0.0


def congestion_prices(built, row_duals) -> tuple:
    """The congestion link rows of a solved static model with a nonzero dual, as gate-entry
    terms ``(crossing_id, direction, (), (product_id,), USD per truck)``: what one more truck
    of the product at that gate direction costs in delay (a row the model lacks prices at 0,
    which is dual-feasible). ``row_duals(component)`` gives a component's row duals in index
    order (:func:`borderflow.model.column_generation.read_static_duals` passes HiGHS's)."""
    ci = built.congestion
    if ci is None or not len(ci.links):
        return ()
    price = -row_duals(built.model.congestion_link) + 0.0
    nz = np.flatnonzero(price != 0.0)  # only these rows' keys are read (a pass reads many)
    links = ci.links
    return tuple((c, d, (), (p,), float(v)) for c, d, p, v in zip(
        links["crossing_id"].to_numpy()[nz].tolist(), links["direction"].to_numpy()[nz].tolist(),
        links["product_id"].to_numpy()[nz].tolist(), price[nz]))
