"""Route-days a realistic dispatcher cannot send: transit through a gate hit by unheard news.

The model queues trucks only at a route's *last* gate (:mod:`borderflow.model.queues`). A route
that passes another crossing first (e.g. Vietnam -> China at Lang Son, then China -> Laos by
the railway at Boten) counts in that crossing's capacity on the day it passes it, a few days
after dispatch. If that crossing closes or is throttled by surprise, trucks the dispatcher
committed before the news (or, with a reaction lag ``L``, before ``news + L``) would be on it
with nowhere to queue, and the committed solution could break the real calendar's capacity.

The exact, smallest restriction that keeps the simulation feasible: those **route-days** are not
dispatched — a route flow dispatched on day ``p`` that passes crossing ``c`` (before its queue
gate, in the event's direction) on day ``t`` is fixed at 0 in every plan when some closure,
throttle or ramp-up of ``c`` is announced on day ``a > 0`` with ``p < a + L`` and ``t`` inside
the event's window. Nothing else changes; every plan stays an LP. The perfect-foresight bound is
solved *without* the restriction, so it stays a bound on the restricted policy, and the value
of foresight includes what the restriction costs. The run reports the route-days, and the
tonnes the foresight optimum sent on them (``unwarned_transit.parquet``, summary
``unwarned_transit_route_days`` and ``unwarned_transit_foresight_t``); the verifier checks
they carry nothing and that each is due to an event announced after it was dispatched.

What this is not, and its cost: the route-days are withheld in *every* plan, so the plans made
before the news avoid them as if warned — a leak of information limited to those route-days
(their cargo goes another way or waits at origin instead of being stranded). The realistic
run therefore understates the cost of not knowing for transit through those crossings, by an
amount this module does not bound; the faithful model is a queue at the intermediate gate.

Before this, such scenarios were refused before solving (the whole run); the winter 2021/22
Vietnam–China scenario was, because of Vietnam -> China -> Laos transit routes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from borderflow.data.scenario import (BuildEvent, CloseEvent, PriorityEvent, RampEvent,
                                     SupplyEvent)
from borderflow.model.information import announced_on

#: columns of ``unwarned_transit.parquet``
COLUMNS = ["route_id", "product_id", "period", "crossing_id", "direction", "reached_period",
           "news_date", "foresight_flow_t"]


def _window(ev, start: dt.date, n_days: int) -> tuple[int, int]:
    """First and last day (0-based, inclusive) the event is in force within ``n_days``."""
    window = ev.close if isinstance(ev, CloseEvent) else ev.window
    first = (window.start - start).days if window.start is not None else 0
    if isinstance(ev, RampEvent):
        return first, first + ev.ramp.days - 1
    last = (window.end - start).days if window.end is not None else n_days - 1
    return first, last


def unwarned_transit(net, built, reaction_lag_days: int = 0) -> pd.DataFrame:
    """The route-days a realistic dispatch does not send (module docstring).

    Parameters
    ----------
    net : FreightNetwork
        The real scenario's dated network.
    built : BuiltModel
    reaction_lag_days : int
        The reaction lag ``L``.

    Returns
    -------
    DataFrame
        ``f`` (flow index), and :data:`COLUMNS` but ``foresight_flow_t``; one row per
        (flow, event) pair, sorted.
    """
    empty = pd.DataFrame(columns=["f", *COLUMNS[:-1]])
    use = built.crossing_use
    use = use[use["var"] == "route_flow"]
    if use.empty:
        return empty
    start, n_days = net.scenario.horizon.start, len(net.periods)
    f = use["idx"].to_numpy(dtype=np.int64)
    sent = built.flows["period"].to_numpy()[f]
    reached = use["period"].to_numpy()
    ways = use["direction"].to_numpy() if "direction" in use else np.full(len(use), "both")
    parts = []
    for ev in net.scenario.events:
        if isinstance(ev, (SupplyEvent, PriorityEvent, BuildEvent)):
            continue
        a = (announced_on(ev, start) - start).days
        if a <= 0:
            continue
        first, last = _window(ev, start, n_days)
        way = getattr(ev, "direction", "both")
        hit = ((use["crossing_id"].to_numpy() == ev.crossing)
               & ((ways == way) | (ways == "both") | (way == "both"))
               & (sent < a + reaction_lag_days) & (reached >= first) & (reached <= last))
        if hit.any():
            parts.append(pd.DataFrame({
                "f": f[hit], "crossing_id": ev.crossing, "direction": ways[hit],
                "reached_period": reached[hit], "news_date": str(announced_on(ev, start))}))
    if not parts:
        return empty
    out = pd.concat(parts, ignore_index=True)
    flows = built.flows.set_index("f").loc[out["f"]]
    out["route_id"] = flows["route_id"].to_numpy()
    out["product_id"] = flows["product_id"].to_numpy()
    out["period"] = flows["period"].to_numpy(dtype=np.int64)
    out = out.drop_duplicates(["f", "crossing_id", "direction", "news_date"])
    return out[["f", *COLUMNS[:-1]]].sort_values(
        ["news_date", "crossing_id", "route_id", "product_id", "period"], kind="stable",
        ignore_index=True)
