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
import json
import math

import numpy as np
import pandas as pd

from .facts import Facts
from .report import DIRECTIONS, num, rows


def event_key(ev) -> str:
    """An event as sorted JSON: how a run's ``entry_duals`` table names the event of a quota or
    hold row (the same text in every scenario that has the event)."""
    return json.dumps(ev.model_dump(mode="json", by_alias=True), sort_keys=True)


ENTRY_COLUMNS = ["key", "kind", "crossing_id", "direction", "period", "origins", "products",
                 "limit_trucks_per_day", "entity"]


def entry_rows(f: Facts) -> pd.DataFrame:
    """Every gate-entry limit the scenario sets, recomputed from its events: slot quotas and
    dispatch holds per direction and day in force, licences per (crossing, product) a
    ``license`` event names, direction and day not wholly licensed.

    Returns
    -------
    DataFrame
        key (the event's JSON, :func:`event_key`, or ``license|crossing|product``), kind
        (``slot_quota``, ``hold_dispatch``, ``license``), crossing_id, direction, period,
        origins (tuple; empty: all), products (tuple; empty: all), limit_trucks_per_day,
        entity (the report's name of the row).
    """
    cap = f.capacity.set_index(["crossing_id", "direction", "period"])[
        "capacity_trucks_per_day"]
    out = []
    for e, ev in enumerate(f.scenario.events):
        spec = getattr(ev, "slot_quota", None) or getattr(ev, "hold_dispatch", None)
        if spec is None or not hasattr(ev, "crossing"):
            continue
        kind = "slot_quota" if hasattr(ev, "slot_quota") else "hold_dispatch"
        quota = ev.slot_quota.trucks_per_day if kind == "slot_quota" else 0.0
        share = _share(f, (ev.start, ev.end), f.n_periods)
        for direction in (DIRECTIONS if ev.direction == "both" else (ev.direction,)):
            for period in np.flatnonzero(share > 0):
                phi = float(share[period])
                k = float(cap.get((ev.crossing, direction, int(period)), 0.0))
                out.append((event_key(ev), kind, ev.crossing, direction, int(period),
                            tuple(spec.origins or ()), (),
                            quota if phi >= 1.0 else phi * quota + (1.0 - phi) * k,
                            f"events[{e}] {kind} {ev.crossing} {direction}"
                            + str(f.day([period])[0])))
    pairs = sorted({(ev.crossing, p) for ev in f.scenario.events
                    if getattr(ev, "license", None) is not None for p in ev.license.products})
    for crossing, product in pairs:
        share = _licensed_share(f, crossing, product)
        for direction in DIRECTIONS:
            for period in np.flatnonzero(share < 1.0):
                k = float(cap.get((crossing, direction, int(period)), 0.0))
                out.append((f"license|{crossing}|{product}", "license", crossing, direction,
                            int(period), (), (product,), float(share[period]) * k,
                            f"{product} at {crossing} {direction}" + str(f.day([period])[0])))
    return pd.DataFrame(out, columns=ENTRY_COLUMNS)


def lever_checks(res, f: Facts) -> list[pd.DataFrame]:
    """Every slot quota, dispatch hold and licence limit of the scenario, day by day: the
    loaded trucks each row counts (:func:`entry_rows`) within its limit."""
    rf = res.route_flows
    arcs = res.route_arcs
    cross = arcs[arcs["kind"] == "crossing"][["route_id", "element_id", "direction",
                                              "offset_h"]]
    fl = rf[["route_id", "origin", "product_id", "period", "trucks_per_day"]].merge(
        cross, on="route_id")
    lag = np.floor(num(fl, "offset_h") / 24.0).astype(np.int64) if f.dated else 0
    fl = fl.assign(reach=num(fl, "period").astype(np.int64) + lag,
                   dispatch=num(fl, "period").astype(np.int64))
    out = []
    for r in entry_rows(f).itertuples(index=False):
        sub = fl[(fl["element_id"] == r.crossing_id) & (fl["direction"] == r.direction)]
        if r.origins:
            sub = sub[sub["origin"].isin(r.origins)]
        if r.products:
            sub = sub[sub["product_id"].isin(r.products)]
        day = "dispatch" if r.kind == "hold_dispatch" else "reach"
        used = float(sub.loc[sub[day] == r.period, "trucks_per_day"].sum())
        limit = float(r.limit_trucks_per_day)
        check = "licence_day" if r.kind == "license" else r.kind
        out.append(rows(check, [r.entity], [max(0.0, used - limit)], "trucks/day",
                        [max(limit, used) if math.isfinite(limit) else used]))
    return out


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
