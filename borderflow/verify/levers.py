"""Response levers: slot quotas and dispatch holds, re-checked from the route flows.

==============  ==========================================================================
check           what must hold
==============  ==========================================================================
slot_quota      loaded trucks from the quota's origins reaching the gate on a day (dispatch
                day + whole days of travel to it; a static run: its day) <= the quota
                (static: phi x quota + (1 - phi) x capacity, phi the share of the
                representative day's days the quota is in force)
hold_dispatch   loaded trucks from the held origins dispatched on a route through the gate
                on a held day = 0 (static: <= (1 - phi) x capacity)
licence_day     loaded trucks of a product reaching a gate on a day it is not licensed
                there = 0: the dataset's licence, then the scenario's ``license`` events in
                order (static: <= phi x capacity, phi the share of licensed days); a
                licence a respond menu offered but did not choose is not in the scenario
                its best set is re-solved as, so no flow may use it
==============  ==========================================================================

Recomputed from the scenario's events and the ``route_flows`` and ``route_arcs`` tables
alone (the routes themselves are checked against the inputs by :mod:`.routes`); nothing of
the model is imported. Extra capacity and openings change the capacity calendar, which the
``crossing_capacity`` check of :mod:`.crossings` holds the flows to.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from .facts import Facts
from .report import DIRECTIONS, num, rows


def _share(f: Facts, window, n: int) -> np.ndarray:
    """Per period, the share of its days inside the event's window (``from``/``to``)."""
    start, end = window

    def covers(d: dt.date) -> bool:
        return (start is None or d >= start) and (end is None or d <= end)

    if not f.dated:
        days = f.scenario.horizon.representative_days()
        return np.array([sum(covers(d) for d in days) / len(days)])
    return np.array([1.0 if covers(dt.date.fromisoformat(str(lab)[:10])) else 0.0
                     for lab in f.labels[:n]])


def lever_checks(res, f: Facts) -> list[pd.DataFrame]:
    """Every slot quota and dispatch hold of the scenario, day by day."""
    out = []
    rf = res.route_flows
    arcs = res.route_arcs
    cross = arcs[arcs["kind"] == "crossing"][["route_id", "element_id", "direction",
                                              "offset_h"]]
    fl = rf[["route_id", "origin", "product_id", "period", "trucks_per_day"]].merge(
        cross, on="route_id")
    lag = np.floor(num(fl, "offset_h") / 24.0).astype(np.int64) if f.dated else 0
    fl = fl.assign(reach=num(fl, "period").astype(np.int64) + lag,
                   dispatch=num(fl, "period").astype(np.int64))
    cap = f.capacity.set_index(["crossing_id", "direction", "period"])[
        "capacity_trucks_per_day"]
    for e, ev in enumerate(f.scenario.events):
        spec = getattr(ev, "slot_quota", None) or getattr(ev, "hold_dispatch", None)
        if spec is None or not hasattr(ev, "crossing"):
            continue
        kind = "slot_quota" if hasattr(ev, "slot_quota") else "hold_dispatch"
        quota = ev.slot_quota.trucks_per_day if kind == "slot_quota" else 0.0
        day = "reach" if kind == "slot_quota" else "dispatch"
        share = _share(f, (ev.start, ev.end), f.n_periods)
        for direction in (DIRECTIONS if ev.direction == "both" else (ev.direction,)):
            sub = fl[(fl["element_id"] == ev.crossing) & (fl["direction"] == direction)]
            if spec.origins:
                sub = sub[sub["origin"].isin(spec.origins)]
            trucks = sub.groupby(day)["trucks_per_day"].sum()
            for period in np.flatnonzero(share > 0):
                phi = float(share[period])
                k = float(cap.get((ev.crossing, direction, int(period)), 0.0))
                limit = quota if phi >= 1.0 else phi * quota + (1.0 - phi) * k
                used = float(trucks.get(int(period), 0.0))
                ent = f"events[{e}] {kind} {ev.crossing} {direction}" + \
                    str(f.day([period])[0])
                out.append(rows(kind, [ent], [max(0.0, used - limit)], "trucks/day",
                                [max(limit, used) if math.isfinite(limit) else used]))
    return out + licence_checks(f, fl, cap)


def _licensed_share(f: Facts, crossing: str, product: str) -> np.ndarray:
    """Per period, the share of its days ``product`` is licensed at ``crossing``."""
    lic = f.dataset_licences.get(crossing)
    base = 1.0 if lic is None or product in lic else 0.0
    share = np.full(f.n_periods if f.dated else 1, base)
    for ev in f.scenario.events:
        spec = getattr(ev, "license", None)
        if spec is None or ev.crossing != crossing or product not in spec.products:
            continue
        inside = _share(f, (ev.start, ev.end), f.n_periods)
        # dated shares are 0/1: the later event sets the day; static: mixed by share
        share = share * (1.0 - inside) + inside * (1.0 if spec.licensed else 0.0)
    return share


def licence_checks(f: Facts, fl: pd.DataFrame, cap) -> list[pd.DataFrame]:
    """Trucks of a product reaching a gate on days it is not licensed there (``licence_day``),
    for every (crossing, product) a ``license`` event names."""
    pairs = sorted({(ev.crossing, p) for ev in f.scenario.events
                    if getattr(ev, "license", None) is not None for p in ev.license.products})
    out = []
    for crossing, product in pairs:
        share = _licensed_share(f, crossing, product)
        for direction in DIRECTIONS:
            sub = fl[(fl["element_id"] == crossing) & (fl["direction"] == direction)
                     & (fl["product_id"] == product)]
            trucks = sub.groupby("reach")["trucks_per_day"].sum()
            for period in np.flatnonzero(share < 1.0):
                k = float(cap.get((crossing, direction, int(period)), 0.0))
                limit = float(share[period]) * k
                used = float(trucks.get(int(period), 0.0))
                ent = f"{product} at {crossing} {direction}" + str(f.day([period])[0])
                out.append(rows("licence_day", [ent], [max(0.0, used - limit)], "trucks/day",
                                [max(limit, used)]))
    return out
