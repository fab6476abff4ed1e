"""Congestion tiers of a static run, re-derived from the inputs (docs/model.md, "Congestion at
the gates").

The tiers (breakpoints as shares of capacity, waiting hours) are read from ``parameters.csv``
(data, not the model); values of time and payloads are the verifier's own
(:mod:`borderflow.verify.facts`); loaded trucks per gate, direction, day and product are the
``flows`` table's crossing rows (themselves checked against the routes). Checks:

====================  ==========================================================================
check                 what must hold
====================  ==========================================================================
congestion_tiers      the run has a ``congestion`` table exactly when the parameters switch
                      congestion on (a static run), with the parameters' tiers, shares and hours
congestion_link       per (gate, direction, day, product): the tier trucks hold every loaded
                      truck, and tier trucks that cost something are real trucks (amount:
                      shortfall + costly surplus, trucks)
congestion_tier       per (gate, direction, day, tier): the products' trucks in the tier within
                      its share of the capacity
congestion_order      a product whose hour has a value uses a dearer tier only when every
                      cheaper tier of that gate direction is full (the convex delay is filled in
                      order; amount: the trucks that could move down)
congestion_fifo       with ``congestion_fifo`` 1 (first come, first served within a lane): per
                      gate direction and day each product's trucks sit in the tiers in the
                      gate's proportions, so they wait alike (amount: trucks off that share)
congestion_cost       each row's ``cost_usd`` = trucks x hours x (value of time x payload +
                      waiting cost per truck-day / 24; with ``congestion_fifo`` 1 the lane
                      value, the gate's ``congestion_lane_value`` of cost_terms.csv, else
                      ``congestion_lane_usd_per_truck_h``, for every truck), and
                      their sum = ``summary.congestion_cost_usd`` (also added to the objective
                      the money checks recompute: :func:`congestion_cost_usd`)
====================  ==========================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from borderflow.data.parameters import congestion_tiers, parameter_values

from .report import num, rows

KEYS = ["crossing_id", "direction", "period", "product_id"]


def tiers_of(tables) -> list | None:
    """``(share_low, share_high, hours)`` per tier from the run's ``parameters.csv`` (``None``:
    congestion off)."""
    return congestion_tiers(parameter_values(tables.parameters))


def _table(res) -> pd.DataFrame:
    t = getattr(res, "congestion", None)
    if t is None and hasattr(res, "get"):
        t = res.get("congestion")
    return t if t is not None and len(t.columns) else pd.DataFrame()


def _cost_per_truck(t: pd.DataFrame, f) -> np.ndarray:
    lane = f.lane_usd_per_truck_h(t["crossing_id"]) if hasattr(f, "lane_usd_per_truck_h") \
        else None
    if lane is not None:  # first come, first served within a lane: every truck of it alike
        return num(t, "hours") * (lane + f.waiting_usd_per_truck_day / 24.0)
    p = f.products.reindex(t["product_id"])
    return num(t, "hours") * (p["vot"].to_numpy(dtype=float) * p["payload_t"].to_numpy(
        dtype=float) + f.waiting_usd_per_truck_day / 24.0)


def congestion_cost_usd(res, f) -> float:
    """The delay cost of the tier trucks (USD), recomputed (0 without a congestion table)."""
    t = _table(res)
    return float(np.sum(num(t, "trucks") * _cost_per_truck(t, f))) if len(t) else 0.0


def congestion_checks(res, f, tables) -> list[pd.DataFrame]:
    """The rows of the checks in the module docstring."""
    t = _table(res)
    tiers = None if f.dated else tiers_of(tables)
    if tiers is None or not len(t):  # no rows when congestion is off (as before it existed)
        wrong = (tiers is not None and _loaded(res, f).sum() > 0) or bool(len(t))
        return [rows("congestion_tiers", "congestion table present iff congestion is on "
                     "(static runs)", 1.0, "-", 0.0)] if wrong else []
    want = pd.DataFrame([(k + 1, lo, hi, h) for k, (lo, hi, h) in enumerate(tiers)],
                        columns=["tier", "share_low", "share_high", "hours"]).set_index("tier")
    w = want.reindex(t["tier"])
    miss = np.abs(num(t, "share_low") - w["share_low"].to_numpy()) \
        + np.abs(num(t, "share_high") - w["share_high"].to_numpy()) \
        + np.abs(num(t, "hours") - w["hours"].to_numpy())
    out = [rows("congestion_tiers", "tiers, shares and hours = parameters.csv",
                float(np.nan_to_num(miss, nan=np.inf).max(initial=0.0)), "-", 0.0)]
    cost = _cost_per_truck(t, f)
    trucks = num(t, "trucks")
    key = _joined(t, KEYS)
    held = pd.Series(trucks).groupby(key.to_numpy()).sum()
    costly = pd.Series(np.where(cost > 0, trucks, 0.0)).groupby(key.to_numpy()).sum()
    loaded = _loaded(res, f)
    ents = sorted(set(held.index) | set(loaded.index))
    ld = loaded.reindex(ents, fill_value=0.0).to_numpy()
    amount = np.maximum(0.0, ld - held.reindex(ents, fill_value=0.0).to_numpy()) \
        + np.maximum(0.0, costly.reindex(ents, fill_value=0.0).to_numpy() - ld)
    out.append(rows("congestion_link", ents, amount, "trucks", ld))
    out += _tier_checks(t, f, trucks, cost)
    if getattr(f, "congestion_lane_usd_per_truck_h", None) is not None:
        out.append(_fifo_check(t, trucks))
    recorded = num(t, "cost_usd")
    out.append(rows("congestion_cost", (key + "/tier " + t["tier"].astype(str)).to_numpy(),
                    np.abs(recorded - trucks * cost), "USD", np.abs(trucks * cost)))
    total = float(np.sum(trucks * cost))
    s = res.summary.get("congestion_cost_usd")
    s = float(s) if isinstance(s, (int, float)) and not isinstance(s, bool) else np.nan
    out.append(rows("congestion_cost", f"summary.congestion_cost_usd (recomputed {total:,.6f})",
                    abs(s - total), "USD", max(abs(total), abs(s))))
    return out


def _fifo_check(t: pd.DataFrame, trucks: np.ndarray) -> pd.DataFrame:
    """First come, first served within a lane: per gate direction and day each product's
    trucks are spread over the tiers as the gate's are (``n_p Z_k / N``), so they wait
    alike (amount: trucks away from that share)."""
    keys = ["crossing_id", "direction", "period"]
    g = t[keys + ["product_id", "tier"]].astype(str).assign(trucks=trucks)
    n = g.groupby(keys + ["product_id"])["trucks"].transform("sum").to_numpy(dtype=float)
    tier = g.groupby(keys + ["tier"])["trucks"].transform("sum").to_numpy(dtype=float)
    gate = g.groupby(keys)["trucks"].transform("sum").to_numpy(dtype=float)
    fair = np.where(gate > 0, n * tier / np.where(gate > 0, gate, 1.0), 0.0)
    ent = (g["crossing_id"] + "/" + g["direction"] + "/" + g["period"] + "/"
           + g["product_id"] + "/tier " + g["tier"]).to_numpy()
    return rows("congestion_fifo", ent, np.abs(trucks - fair), "trucks",
                np.maximum(gate, 1.0))


def _joined(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    """Each row's ``cols`` as text joined by ``/`` (``astype(str)`` then ``"/".join`` per
    row), column by column: a row-wise ``agg`` called Python once per row (0.28 s of an
    embedded run's verification). An empty frame or a missing value takes the row-wise
    path, as before (a missing value raises there)."""
    text = frame[cols].astype(str)
    if text.empty or text.isna().to_numpy().any():
        return text.agg("/".join, axis=1)
    out = text[cols[0]]
    for c in cols[1:]:
        out = out + "/" + text[c]
    return out


def _loaded(res, f) -> pd.Series:
    """Loaded trucks per gate/direction/day/product, from the flows table's crossing rows."""
    fl = res.flows
    fl = fl[fl["kind"] == "crossing"]
    trucks = num(fl, "flow_t") / f.products["payload_t"].reindex(
        fl["product_id"]).to_numpy(dtype=float)
    key = _joined(fl, ["element_id", "direction", "period", "product_id"])
    return pd.Series(trucks).groupby(key.to_numpy()).sum()


def _tier_checks(t: pd.DataFrame, f, trucks: np.ndarray, cost: np.ndarray) -> list:
    cap = f.capacity.set_index(["crossing_id", "direction", "period"])[
        "capacity_trucks_per_day"]
    g = t.assign(trucks=trucks, width=num(t, "share_high") - num(t, "share_low"))
    cell = g.groupby(["crossing_id", "direction", "period", "tier"], as_index=False).agg(
        trucks=("trucks", "sum"), width=("width", "first"), hours=("hours", "first"))
    k = cap.reindex(pd.MultiIndex.from_frame(cell[["crossing_id", "direction", "period"]])
                    ).to_numpy(dtype=float)
    room = cell["width"].to_numpy() * np.maximum(np.nan_to_num(k, nan=0.0), 0.0)
    ent = (cell["crossing_id"] + "/" + cell["direction"] + "/tier "
           + cell["tier"].astype(str)).to_numpy()
    out = [rows("congestion_tier", ent, np.maximum(0.0, cell["trucks"].to_numpy() - room),
                "trucks", room)]
    slack = pd.Series(room - cell["trucks"].to_numpy(), index=pd.MultiIndex.from_frame(
        cell[["crossing_id", "direction", "period", "tier"]]))
    hours = pd.Series(cell["hours"].to_numpy(), index=slack.index)
    below = pd.MultiIndex.from_arrays([g["crossing_id"], g["direction"], g["period"],
                                       g["tier"] - 1])
    gap = slack.reindex(below).to_numpy(dtype=float)
    dearer = hours.reindex(pd.MultiIndex.from_frame(
        g[["crossing_id", "direction", "period", "tier"]])).to_numpy() \
        > hours.reindex(below).to_numpy(dtype=float)
    movable = np.where(dearer & (cost > 0) & (g["tier"].to_numpy() > 1),
                       np.minimum(trucks, np.nan_to_num(gap, nan=0.0)), 0.0)
    tol = np.maximum(room.max(initial=1.0), 1.0)
    out.append(rows("congestion_order", (g["crossing_id"] + "/" + g["direction"] + "/"
                                         + g["product_id"] + "/tier "
                                         + g["tier"].astype(str)).to_numpy(),
                    np.maximum(movable, 0.0), "trucks", np.full(len(g), tol)))
    return out
