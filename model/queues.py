"""Queues at the gates over a dated horizon: streams, their queue indices and arrival terms.

Queue discipline modelled
-------------------------
Each eligible (route, product) pair that crosses a border is a *stream*. A stream queues at its
**last crossing** (the gate into the destination country, where the binding clearance happens in
every episode the project started from); earlier crossings of a multi-border route are passed on
the day the truck reaches them, within that day's capacity.

Within a stream the queue is **first in, first out**: the stock ``queue[k, t]`` (tonnes waiting
at the end of day ``t``) may only hold cargo that arrived in the last ``W_k`` days, where ``W_k``
is the days the cargo can wait before its route exceeds its shelf life (capped by
``queue_max_wait_days``). Older cargo must have crossed or be written off as ``expired``
(spoiled for perishables, abandoned otherwise): a cumulative FIFO age condition that the LP cannot
dodge by reordering trucks within the stream. Between streams sharing a gate, the gate clears
trucks in the order that minimises total cost (a gate operator with full information); a
``priority`` rule reserves a share of capacity for perishables, as Kim Thanh does for fresh fruit.
Waiting costs money per truck-day, so the LP never holds a truck back while the gate has spare
capacity (holding only pays if a capped market downstream is full that day).

The LP knows the calendar in advance: it stops sending trucks toward a gate that will close.
Trucks already on the way or waiting when a closure starts are given as ``initial_queues``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .keys import expand_by_key, row_codes
from .network import FreightNetwork
from .routes import RouteSet


def stream_table(net: FreightNetwork, routes: RouteSet) -> pd.DataFrame:
    """One row per stream ``k``: its queue gate, offsets (days) and allowed wait ``W_k``.

    Columns: ``k, route_id, product_id, origin, market, crossing_id, direction,
    gate_offset_days, downstream_days, max_wait_days, payload_t_per_truck, perishable,
    penalty_usd_per_t``.
    """
    rc = routes.route_crossings.sort_values(["route_id", "seq"], kind="stable")
    gate = rc.groupby("route_id", sort=True).tail(1)[["route_id", "element_id", "direction",
                                                      "offset_h"]]
    s = routes.eligible.merge(gate, on="route_id", how="inner")
    s = s.rename(columns={"element_id": "crossing_id", "offset_h": "gate_offset_h"})
    p = net.products.loc[s["product_id"]]
    s["max_wait_days"] = allowed_wait_days(p["shelf_life_h"].to_numpy(),
                                           s["duration_h"].to_numpy(), net.max_wait_days)
    s["gate_offset_days"] = np.floor(s["gate_offset_h"].to_numpy() / 24.0).astype(int)
    s["downstream_days"] = np.floor((s["duration_h"] - s["gate_offset_h"]).to_numpy() / 24.0
                                    ).astype(int)
    s["payload_t_per_truck"] = p["payload_t_per_truck"].to_numpy()
    s["perishable"] = p["perishable"].to_numpy()
    s["penalty_usd_per_t"] = p["penalty_usd_per_t"].to_numpy()
    s = s.sort_values(["product_id", "route_id"], kind="stable", ignore_index=True)
    s.insert(0, "k", np.arange(len(s)))
    return s[["k", "route_id", "product_id", "origin", "market", "crossing_id", "direction",
              "gate_offset_days", "downstream_days", "max_wait_days", "payload_t_per_truck",
              "perishable", "penalty_usd_per_t"]]


def allowed_wait_days(shelf_life_h, duration_h, max_wait_days: int) -> np.ndarray:
    """``W_k``: whole days a stream's cargo may wait in its queue, the shelf life left after
    the journey (``floor((shelf - duration) / 24)``) capped at ``queue_max_wait_days``; the
    model size estimate (:mod:`borderflow.model.size`) counts with it too."""
    slack_days = np.floor((np.asarray(shelf_life_h, dtype=float)
                           - np.asarray(duration_h, dtype=float)) / 24.0)
    return np.clip(slack_days, 0, max_wait_days).astype(int)


def queue_table(streams: pd.DataFrame, n_periods: int) -> pd.DataFrame:
    """One row per (stream, day): queue index ``q``, stream ``k``, ``period`` and the
    stream's gate, product, market, offsets and payload. Code looks a (stream, day) up with
    :attr:`borderflow.model.indices.IndexTables.queue_index`, never by position."""
    k = np.repeat(streams["k"].to_numpy(dtype=np.int64), n_periods)
    period = np.tile(np.arange(n_periods), len(streams))
    q = pd.DataFrame({"q": np.arange(len(k)), "k": k, "period": period})
    cols = ["crossing_id", "direction", "product_id", "market", "downstream_days",
            "payload_t_per_truck", "perishable", "penalty_usd_per_t"]
    return q.merge(streams[["k", *cols]], on="k", how="left")


def arrivals(flows: pd.DataFrame, streams: pd.DataFrame) -> pd.DataFrame:
    """Which route flow arrives in which stream's queue on which day (``f, k, arrival_period``):
    the inner join of flows and streams on (route, product), in its order, made from integer
    codes (:mod:`borderflow.model.keys`)."""
    keys = ["route_id", "product_id"]
    s_code, f_code = row_codes(streams[keys], flows[keys], keys)
    f_at, s_at = expand_by_key(pd.Series(f_code), pd.Series(s_code))
    return pd.DataFrame({
        "f": flows["f"].to_numpy()[f_at], "k": streams["k"].to_numpy()[s_at],
        "arrival_period": flows["period"].to_numpy()[f_at]
        + streams["gate_offset_days"].to_numpy()[s_at],
        "max_wait_days": streams["max_wait_days"].to_numpy()[s_at]})


def initial_allocations(net: FreightNetwork, streams: pd.DataFrame) -> pd.DataFrame:
    """Streams that each initial queue entry ``j`` may belong to (``j, k, trucks, age_days``).

    Raises
    ------
    ValueError
        If no stream of that product queues at that gate (from that origin).
    """
    rows = []
    for j, q in enumerate(net.scenario.initial_queues):
        hit = streams[(streams["crossing_id"] == q.crossing) & (streams["direction"] ==
                      q.direction) & (streams["product_id"] == q.product)]
        if q.origin is not None:
            hit = hit[hit["origin"] == q.origin]
        if hit.empty:
            raise ValueError(f"initial queue {j + 1}: no route of {q.product} queues at "
                             f"{q.crossing} ({q.direction})" +
                             (f" from {q.origin}" if q.origin else ""))
        rows += [(j, int(k), q.trucks, q.age_days) for k in hit["k"]]
    out = pd.DataFrame(rows, columns=["j", "k", "trucks", "age_days"])
    out.insert(0, "i", np.arange(len(out)))
    return out
