"""Licences by date (issue 21): which products may cross a gate on which day.

``crossings.csv`` licenses products per crossing (``licensed_products``; empty: every product),
the same on every day. A ``license`` event (:class:`borderflow.data.scenario.LicenseEvent`)
licenses products at a crossing between dates, or withdraws a licence (``licensed: false``);
events apply in order, the later one winning on shared days.

Two parts of the model see licences:

- the route set: a (route, product) pair is enumerated if the product is licensed at each of
  the route's crossings on *some* day (:func:`route_licences`: the dataset's licences plus every
  product a ``license`` event grants);
- the rows ``gate_entry_limit`` of kind ``license`` (:func:`licence_limits`), one per
  (crossing, product, direction, day) for each pair a ``license`` event names: loaded trucks of
  the product *reaching* the gate that day (dispatch day + ``floor(offset_h / 24)``, as for a
  slot quota) are limited to 0 on a day it is not licensed, unlimited on a day it is.

A static run stands for many days: a product licensed on a share :math:`\\phi` of them may use
at most :math:`\\phi K_{c,d}` trucks/day of the gate (the capacity on the licensed days), an
approximation of the same kind as a static hold's (said in :mod:`borderflow.model.levers`).
Rows are keyed ``license|crossing|product`` (not by event), so another scenario's bounds on
the same rows are its own licence state (:func:`licence_bounds`): the undisrupted baseline of a
run with a licence event gets the dataset's licences back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderflow.data.scenario import LicenseEvent

#: the key prefix of a licence row of ``gate_entry_limit``
LICENSE_KEY = "license"


def dataset_licences(crossings: pd.DataFrame) -> dict[str, frozenset | None]:
    """Per crossing, the products ``crossings.csv`` licenses (None: every product)."""
    out = {}
    for row in crossings.itertuples(index=False):
        text = row.licensed_products if isinstance(row.licensed_products, str) else ""
        out[row.crossing_id] = frozenset(p.strip() for p in text.split(";") if p.strip()) or None
    return out


def route_licences(crossings: pd.DataFrame, scenario) -> dict[str, frozenset | None]:
    """The dataset's licences plus every product a ``license`` event of ``scenario`` grants:
    what a route may carry on some day (the day-by-day rule is the ``license`` rows)."""
    out = dataset_licences(crossings)
    for ev in scenario.events if scenario is not None else ():
        if isinstance(ev, LicenseEvent) and ev.license.licensed and out.get(ev.crossing):
            out[ev.crossing] = out[ev.crossing] | frozenset(ev.license.products)
    return out


def licence_pairs(scenario) -> list[tuple[str, str]]:
    """The (crossing, product) pairs ``license`` events of ``scenario`` name, sorted."""
    return sorted({(ev.crossing, p) for ev in scenario.events if isinstance(ev, LicenseEvent)
                   for p in ev.license.products})


def licensed_on(crossings: pd.DataFrame, scenario, crossing: str, product: str,
                days: list) -> np.ndarray:
    """Per day of ``days``, True if ``product`` may cross ``crossing`` (dataset, then the
    scenario's ``license`` events in order)."""
    lic = dataset_licences(crossings).get(crossing)
    state = np.full(len(days), lic is None or product in lic, dtype=bool)
    for ev in scenario.events:
        if isinstance(ev, LicenseEvent) and ev.crossing == crossing and \
                product in ev.license.products:
            mask = np.array([ev.window.covers(d) for d in days], dtype=bool)
            state[mask] = ev.license.licensed
    return state


def _days(net) -> list[list]:
    """The days each period of ``net`` stands for (static: its representative days)."""
    if net.scenario.horizon.dates is None:
        return [net.scenario.horizon.representative_days()]
    return [[d.date()] for d in pd.to_datetime(net.periods["date"])]


def licence_limits(net, pairs: list[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Rows of kind ``license``: per (crossing, product) pair (default: those the scenario's
    ``license`` events name), direction and period, the most trucks/day of that product that
    may reach the gate: 0 where it is not licensed, ``inf`` where it is (static: ``phi K``).

    Returns
    -------
    DataFrame
        ``key`` (``license|crossing|product``), crossing_id, product_id, direction, period,
        ``limit_trucks_per_day``.
    """
    pairs = licence_pairs(net.scenario) if pairs is None else pairs
    cap = net.capacity.set_index(["crossing_id", "direction", "period"])[
        "capacity_trucks_per_day"]
    periods = _days(net)
    flat = [d for days in periods for d in days]
    rows = []
    for c, p in pairs:
        state = licensed_on(net.tables.crossings, net.scenario, c, p, flat)
        k = 0
        for period, days in enumerate(periods):
            phi = float(state[k:k + len(days)].mean())
            k += len(days)
            for direction in ("a_to_b", "b_to_a"):
                limit = np.inf if phi >= 1.0 else \
                    phi * float(cap.get((c, direction, period), 0.0))
                rows.append((f"{LICENSE_KEY}|{c}|{p}", c, p, direction, period, limit))
    return pd.DataFrame(rows, columns=["key", "crossing_id", "product_id", "direction", "period",
                                       "limit_trucks_per_day"])


def licence_bounds(rows: pd.DataFrame, net) -> np.ndarray:
    """The limits of a built model's ``license`` rows (``rows``: key, crossing_id,
    direction, period) under ``net``'s scenario (its own licence state of each pair)."""
    keys = rows["key"].str.split("|", expand=True)
    pairs = sorted(set(zip(keys[1], keys[2])))
    now = licence_limits(net, pairs)
    got = rows[["key", "direction", "period"]].merge(
        now[["key", "direction", "period", "limit_trucks_per_day"]],
        on=["key", "direction", "period"], how="left")
    return got["limit_trucks_per_day"].fillna(np.inf).to_numpy(dtype=float)


def check_same_pairs(built_rows: pd.DataFrame | None, scenario) -> None:
    """Raise ValueError if ``scenario`` names a licence pair a built model has no rows for
    (its route set may lack the routes: the scenario needs its own model)."""
    have = set()
    if built_rows is not None and len(built_rows):
        keys = built_rows["key"][built_rows["key"].str.startswith(LICENSE_KEY + "|")]
        have = {tuple(k.split("|")[1:]) for k in keys}
    missing = [pc for pc in licence_pairs(scenario) if pc not in have]
    if missing:
        c, p = missing[0]
        raise ValueError(f"scenario '{scenario.name}' licenses {p} at {c}, which the built "
                         "model was not built with (its routes may be missing): build its own "
                         "model")
