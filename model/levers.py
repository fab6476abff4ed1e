"""Response levers in the model (issue 21): gate entry limits, one constraint family.

Two levers restrict who may reach a gate; both are rows of one family,
``gate_entry_limit``, written by :func:`define_gate_entry_constraints`:

- ``slot_quota``: a daily appointment quota at a gate for trucks from some origins (origin
  provinces): loaded trucks from them *reaching* the gate on a day (the day a route flow gets
  there, ``dispatch + floor(offset_h / 24)``; in a static run, the representative day) stay
  within the quota;
- ``hold_dispatch``: trucks bound for a gate may not leave their origins between two dates (the
  Luang Namtha ban): loaded trucks from those origins on routes through the gate, *dispatched*
  on a held day, are limited to 0.

.. math:: \\sum_{f \\in F(c,d,O,t)} x_f / \\text{payload}_f \\le L_{e,t} \\quad [trucks/day]

A static run stands for many days: a lever in force on a share :math:`\\phi` of them limits the
representative day to :math:`\\phi Q + (1 - \\phi) K_{c,d}` (the quota on its days, the gate's
capacity on the others; a hold has :math:`Q = 0`). Rows are keyed by the event that makes them
(its index and its JSON), so a scenario without that event (the undisrupted baseline,
:func:`entry_limits`) re-solves the same model with the rows relaxed to ``inf``.

The capacity levers (``extra_capacity_trucks_per_day``, ``open``) are not rows: they change
the capacity calendar (:func:`borderflow.model.network.build_network`), i.e. the bounds of the
``crossing_capacity`` rows, like closures do. In a dated run what a hold keeps from leaving
may wait at its origin, ageing (:mod:`borderflow.model.origin_stock`); in a static run it goes
another way or is unserved (counted at its value; perishables as spoiled).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from borderflow.data.scenario import HoldDispatchEvent, SlotQuotaEvent

from .indices import CROSS_KEYS, IndexTables
from .licences import LICENSE_KEY, licence_bounds, licence_limits
from .network import DIRECTIONS, FreightNetwork
from .routes import RouteSet
from .terms import add_rows, terms

ENTRY_KEYS = ["event", "key", "crossing_id", "direction", "period"]


def _key(ev) -> str:
    """The event as sorted JSON: what a row of the family stands for across scenarios."""
    return json.dumps(ev.model_dump(mode="json", by_alias=True), sort_keys=True)


def period_share(net: FreightNetwork, ev) -> np.ndarray:
    """Per period, the share of its days on which ``ev`` is in force (0 or 1 in a dated run)."""
    dates = net.scenario.horizon.dates
    if dates is None:
        days = net.scenario.horizon.representative_days()
        return np.array([np.mean([ev.window.covers(d) for d in days])])
    every = pd.to_datetime(net.periods["date"]).dt.date
    return np.array([1.0 if ev.window.covers(d) else 0.0 for d in every])


def entry_limits(net: FreightNetwork) -> pd.DataFrame:
    """One row per (entry event, direction, period) in force: ``event`` (index in the
    scenario), ``key`` (its JSON), crossing_id, direction, period, ``limit_trucks_per_day``,
    ``kind`` (``slot_quota``/``hold_dispatch``/``license``), ``origins`` (tuple; empty: all),
    ``products`` (tuple; empty: all). Licence rows (:func:`borderflow.model.licences.
    licence_limits`) have event -1: they stand for a (crossing, product) pair."""
    cap = net.capacity.set_index(CROSS_KEYS)["capacity_trucks_per_day"]
    rows = []
    for e, ev in enumerate(net.scenario.events):
        if not isinstance(ev, (SlotQuotaEvent, HoldDispatchEvent)):
            continue
        quota = ev.slot_quota.trucks_per_day if isinstance(ev, SlotQuotaEvent) else 0.0
        origins = ev.slot_quota.origins if isinstance(ev, SlotQuotaEvent) \
            else ev.hold_dispatch.origins
        kind = "slot_quota" if isinstance(ev, SlotQuotaEvent) else "hold_dispatch"
        share = period_share(net, ev)
        for direction in (DIRECTIONS if ev.direction == "both" else (ev.direction,)):
            for period in np.flatnonzero(share > 0):
                k = float(cap.get((ev.crossing, direction, int(period)), 0.0))
                phi = float(share[period])
                limit = quota if phi >= 1.0 else phi * quota + (1.0 - phi) * k
                rows.append((e, _key(ev), ev.crossing, direction, int(period), limit, kind,
                             tuple(origins), ()))
    for r in licence_limits(net).itertuples(index=False):
        rows.append((-1, r.key, r.crossing_id, r.direction, int(r.period),
                     r.limit_trucks_per_day, LICENSE_KEY, (), (r.product_id,)))
    return pd.DataFrame(rows, columns=[*ENTRY_KEYS, "limit_trucks_per_day", "kind", "origins",
                                       "products"])


def gate_reach(net: FreightNetwork, ix: IndexTables, routes: RouteSet) -> pd.DataFrame:
    """Every route flow and each crossing of its route: ``f, origin, crossing_id, direction,
    dispatch (period), reach (period it gets to the crossing), trucks_per_t, product_id``."""
    rc = routes.route_crossings[["route_id", "element_id", "direction", "offset_h"]]
    use = ix.flows[["f", "route_id", "product_id", "origin", "period",
                    "payload_t_per_truck"]].merge(rc, on="route_id")
    lag = np.floor(use["offset_h"].to_numpy() / 24.0).astype(int) if net.dated else 0
    return pd.DataFrame({"f": use["f"].to_numpy(), "origin": use["origin"].to_numpy(),
                         "crossing_id": use["element_id"].to_numpy(),
                         "direction": use["direction"].to_numpy(),
                         "dispatch": use["period"].to_numpy(),
                         "reach": use["period"].to_numpy() + lag,
                         "trucks_per_t": 1.0 / use["payload_t_per_truck"].to_numpy(),
                         "product_id": use["product_id"].to_numpy()})


def entry_terms(limits: pd.DataFrame, reach: pd.DataFrame | None) -> pd.DataFrame:
    """Terms ``row, f, coef`` of the entry rows ``limits`` over route flows ``reach``: a
    quota or a licence counts flows on the day they reach the gate, a hold on the day they
    leave; a licence row counts only its product (``reach`` may be ``None`` when ``limits``
    is empty)."""
    if limits.empty:
        return pd.DataFrame({"row": [], "f": [], "coef": []})
    lim = limits.reset_index(drop=True).assign(row=lambda d: np.arange(len(d)))
    parts = []
    for kind, day in (("slot_quota", "reach"), ("hold_dispatch", "dispatch"),
                      (LICENSE_KEY, "reach")):
        sub = lim[lim["kind"] == kind]
        if sub.empty:
            continue
        hit = sub.merge(reach.rename(columns={day: "period"}),
                        on=["crossing_id", "direction", "period"])
        ok = np.array([(not o or g in o) and (not q or p in q) for o, g, q, p in
                       zip(hit["origins"], hit["origin"], hit["products"], hit["product_id"])],
                      dtype=bool)
        parts.append(hit.loc[ok, ["row", "f", "trucks_per_t"]].rename(
            columns={"trucks_per_t": "coef"}))
    return pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame({"row": [], "f": [], "coef": []})


def define_gate_entry_constraints(m: pyo.ConcreteModel, ix: IndexTables, net: FreightNetwork,
                                  routes: RouteSet) -> pd.DataFrame:
    """Slot quotas and dispatch holds: trucks from some origins reaching (quota) or leaving
    for (hold) a gate on a day within the event's limit.

    .. math:: \\sum_{f \\in F(c,d,O,t)} x_f / \\text{payload}_f \\le L_{e,t}

    Returns
    -------
    DataFrame
        The family's rows (:func:`entry_limits`: keys, limit, ``kind``, ``origins``,
        ``products``), kept with the built model so that another scenario's bounds can be set
        on them (:func:`borderflow.model.formulation.bound_updates`) and pricing knows which
        routes each row's dual falls on (:func:`entry_duals`).
    """
    limits = entry_limits(net)
    # without limits there are no terms: the flows' crossings are not listed (0.2 s a year)
    t = entry_terms(limits, gate_reach(net, ix, routes) if len(limits) else None)
    add_rows(m, "gate_entry_limit", len(limits),
             terms(t["row"].to_numpy(dtype=np.int64), "route_flow",
                   t["f"].to_numpy(dtype=np.int64), t["coef"].to_numpy(dtype=float)),
             upper=limits["limit_trucks_per_day"].to_numpy(dtype=float))
    return limits[ENTRY_KEYS + ["limit_trucks_per_day", "kind", "origins", "products"]]


def entry_duals(rows: pd.DataFrame | None, duals: np.ndarray) -> pd.DataFrame:
    """The entry rows of a solved model with their duals as prices (USD per truck/day, ``>= 0``
    up to solver noise: minus HiGHS's dual of a ``<=`` row, not clipped).

    A row's dual falls on every route flow the row counts (:func:`entry_terms`): a route
    from one of its ``origins`` (empty: any) carrying one of its ``products`` (empty: any)
    through its crossing in its direction, reaching the gate (quota, licence) or leaving the
    origin (hold) on its ``period``; it adds ``dual / payload`` USD/t to that route's
    reduced cost.

    Parameters
    ----------
    rows : DataFrame or None
        ``BuiltModel.entry_rows``.
    duals : ndarray
        HiGHS's row duals of ``gate_entry_limit``, in row order.

    Returns
    -------
    DataFrame
        kind, key, crossing_id, direction, period, origins (tuple), products (tuple),
        limit_trucks_per_day, dual_usd_per_truck.
    """
    cols = ["kind", "key", "crossing_id", "direction", "period", "origins", "products",
            "limit_trucks_per_day", "dual_usd_per_truck"]
    if rows is None or rows.empty:
        return pd.DataFrame(columns=cols)
    out = rows.reset_index(drop=True).copy()
    out["dual_usd_per_truck"] = -np.asarray(duals, dtype=float) + 0.0
    return out[cols]


def entry_bounds(rows: pd.DataFrame, net: FreightNetwork) -> np.ndarray:
    """The upper bounds of a built model's entry rows under ``net``'s scenario: the limit of
    the same event (same JSON) on the same day, ``inf`` where the scenario lacks it; licence
    rows: the pair's licence state under that scenario (the dataset's if no event names it)."""
    if rows.empty:
        return np.zeros(0)
    out = np.full(len(rows), np.inf)
    lic = rows["key"].str.startswith(LICENSE_KEY + "|").to_numpy()
    if lic.any():
        out[lic] = licence_bounds(rows[lic], net)
    if lic.all():
        return out
    now = entry_limits(net)[["key", "crossing_id", "direction", "period",
                             "limit_trucks_per_day"]]
    now = now.drop_duplicates(["key", "crossing_id", "direction", "period"])
    got = rows[["key", "crossing_id", "direction", "period"]].merge(
        now, on=["key", "crossing_id", "direction", "period"], how="left")
    out[~lic] = got["limit_trucks_per_day"].fillna(np.inf).to_numpy(dtype=float)[~lic]
    return out
