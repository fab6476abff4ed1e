"""Crossings: capacity (loaded trucks and returning empties), closures, priority lanes, and the
crossings table with its dual values.

=================  ===========================================================================
check              what must hold
=================  ===========================================================================
crossing_capacity  loaded trucks (t / payload) + returning empties <= capacity, per crossing,
                   direction and day
closed_crossing    a crossing with no capacity that day carries nothing
priority_share     non-perishable trucks <= (1 - reserved share) x capacity
crossings_table    capacity, flow_trucks and flow_t are the calendar's and the flows'; the
                   utilisation is flow_trucks / capacity (0 when closed); available, name,
                   countries, mode and status are the inputs'
capacity_dual      dual feasibility: the value of capacity (USD per truck/day) is a finite
                   number >= 0; complementary slackness: dual x unused capacity = 0, so a
                   positive value only where the capacity binds (a closed day binds at 0)
=================  ===========================================================================

The duals are those HiGHS reports for the capacity rows; they cannot be recomputed without the
model, so they are checked for the two conditions every optimal dual meets. Together with the
primal checks this catches a dual moved to another gate, a negative one, or one on a gate that
has room left.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .facts import Facts
from .report import DIRECTIONS, differs, mismatch, num, rows, sum_by, text, worst


def crossing_checks(res, f: Facts) -> list[pd.DataFrame]:
    """Capacity (loaded trucks and returning empties), closures, priority lanes, and the
    crossings table (:func:`crossings_table_checks`)."""
    keys = ["crossing_id", "direction", "period"]
    fl = res.flows.merge(f.arcs[["kind", "element_id", "direction"]].add_suffix("_in"),
                         left_on="arc_id", right_index=True, how="left")
    fl = fl[fl["kind_in"] == "crossing"]
    payload = f.products["payload_t"].reindex(fl["product_id"]).to_numpy()
    fl = pd.DataFrame({"crossing_id": fl["element_id_in"].to_numpy(),
                       "direction": fl["direction_in"].to_numpy(),
                       "period": num(fl, "period").astype(np.int64),
                       "trucks": num(fl, "flow_t") / payload,
                       "perishable": f.products["perishable"].reindex(
                           fl["product_id"]).to_numpy(dtype=bool),
                       "tonnes": num(fl, "flow_t")})
    loaded = sum_by(fl, keys, "trucks", "loaded")
    other = sum_by(fl[~fl["perishable"]], keys, "trucks", "non_perishable")
    cap = f.capacity.merge(loaded, on=keys, how="outer").merge(other, on=keys, how="left")
    cap[["loaded", "non_perishable"]] = cap[["loaded", "non_perishable"]].fillna(0.0)
    reverse = dict(zip(DIRECTIONS, DIRECTIONS[::-1], strict=True))
    back = loaded.assign(direction=loaded["direction"].map(reverse),
                         period=loaded["period"] + f.empty_lag_days,
                         empties=loaded["loaded"] * f.empty_share)[keys + ["empties"]]
    cap = cap.merge(back, on=keys, how="left")
    cap["empties"] = cap["empties"].fillna(0.0)
    k = cap["capacity_trucks_per_day"].to_numpy(dtype=float)
    ent = ("crossing " + text(cap["crossing_id"]) + " " + text(cap["direction"])
           + f.day(cap["period"]))
    use = (cap["loaded"] + cap["empties"]).to_numpy()
    out = []
    open_ = k > 0
    out.append(rows("crossing_capacity", ent[open_],
                    np.where(np.isnan(k), np.inf, np.clip(use - k, 0, None))[open_], "trucks",
                    k[open_]))
    closed = ~open_
    out.append(rows("closed_crossing", ent[closed], cap["loaded"].to_numpy()[closed], "trucks"))
    if len(f.priority):
        pr = cap.merge(f.priority, on=keys)
        limit = (1.0 - pr["perishable_share"]) * pr["capacity_trucks_per_day"]
        out.append(rows("priority_share", "crossing " + text(pr["crossing_id"]) + " "
                        + text(pr["direction"]) + f.day(pr["period"]),
                        np.clip(pr["non_perishable"] - limit, 0, None), "trucks",
                        pr["capacity_trucks_per_day"]))
    out += crossings_table_checks(res, f, cap, sum_by(fl, keys, "tonnes"))
    return out


def crossings_table_checks(res, f: Facts, cap: pd.DataFrame,
                           t_per: pd.DataFrame) -> list[pd.DataFrame]:
    """The crossings table against the calendar and the flows (``cap``: capacity, loaded
    trucks and returning empties per crossing, direction and day, from
    :func:`crossing_checks`; ``t_per``: tonnes of the flows table through each crossing,
    direction and day): its numbers, descriptive columns and duals."""
    keys = ["crossing_id", "direction", "period"]
    ct = res.crossings
    if not len(ct):
        return []
    c = ct.assign(period=num(ct, "period").astype(np.int64)).merge(
        cap[keys + ["capacity_trucks_per_day", "loaded", "empties"]].rename(
            columns={"capacity_trucks_per_day": "k"}), on=keys, how="outer", indicator=True)
    c = c.merge(t_per, on=keys, how="left")
    k = c["k"].to_numpy(dtype=float)
    loaded = c["loaded"].fillna(0.0).to_numpy(dtype=float)
    tonnes = c["tonnes"].fillna(0.0).to_numpy(dtype=float)
    util = np.divide(loaded, k, out=np.zeros(len(c)), where=k > 0)
    meta = f.crossings.reindex(c["crossing_id"])
    a_to_b = c["direction"].to_numpy() == DIRECTIONS[0]
    src = np.where(a_to_b, meta["country_a"], meta["country_b"])
    dst = np.where(a_to_b, meta["country_b"], meta["country_a"])
    labels = (differs(c.get("name"), meta["name"]) + differs(c.get("mode"), meta["mode"])
              + differs(c.get("status"), meta["status"]) + differs(c.get("from_country"), src)
              + differs(c.get("to_country"), dst)
              + differs(c["available"].astype(str) if "available" in c.columns else None,
                        (k > 0).astype(str)))
    ent = "crossing " + text(c["crossing_id"]) + " " + text(c["direction"]) + f.day(c["period"])
    missing = (c["_merge"] != "both").to_numpy()
    amount = worst(
        mismatch(c.get("capacity_trucks_per_day"), k), mismatch(c.get("flow_trucks"), loaded),
        mismatch(c.get("flow_t"), tonnes), mismatch(c.get("utilisation"), util) * np.maximum(
            k, 1.0), labels)
    amount = np.where(missing | np.isnan(amount), np.inf, amount)
    out = [rows("crossings_table", ent, amount, "mixed",
                np.maximum(np.nan_to_num(np.abs(k)), np.abs(loaded)))]
    # duals: >= 0 and finite (dual feasibility); dual x slack = 0 (complementary slackness)
    dual = num(c, "dual_usd_per_truck") if "dual_usd_per_truck" in c.columns else \
        np.full(len(c), np.nan)
    use = loaded + c["empties"].fillna(0.0).to_numpy(dtype=float)
    slack = np.clip(np.nan_to_num(k, nan=0.0) - use, 0.0, None)
    bad_sign = np.where(np.isfinite(dual), np.clip(-dual, 0.0, None), np.inf)
    product = np.where(np.isfinite(dual), np.clip(dual, 0.0, None) * slack, np.inf)
    scale = np.abs(np.nan_to_num(dual)) * np.maximum(np.nan_to_num(k), 1.0)
    out.append(rows("capacity_dual", ent, np.maximum(bad_sign, product),
                    "USD", scale))
    return out

