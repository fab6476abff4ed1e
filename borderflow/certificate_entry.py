"""Gate-entry rows in the certificate: slot quotas, dispatch holds and licences (issue 17).

A gate-entry row (``slot_quota``, ``hold_dispatch`` or ``license``) limits the loaded trucks
that reach a gate on a day (quota, licence) or leave their origin for it on a day (hold), from
some origins and of some products. Its dual :math:`\\epsilon \\ge 0` (USD per truck; the run's
``entry_duals`` table) enters the reduced cost of every route the row counts (``epsilon /
payload`` USD/t) and the dual objective (``- epsilon x limit``). Which routes a row counts and
its limit are *not* read from that table: the verifier recomputes both from the scenario's
events (:func:`borderflow.verify.levers.entry_rows`, passed in as ``entries``); the table only
supplies the duals, matched by (key, crossing, direction, period). A dual on a row the scenario
does not have, or on a row it does not limit (limit ``inf``), fails ``entry_dual``; a negative
one fails ``dual_sign``. Imports nothing from :mod:`borderflow.model`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["EntryDuals", "crossing_extra", "entry_duals"]

_KEYS = ["key", "crossing_id", "direction", "period"]


@dataclass
class EntryDuals:
    """The gate-entry duals a certificate uses.

    Attributes
    ----------
    rows : list of tuple
        ``(crossing_id, direction, period, origins, products, kind, dual)`` per row with a
        dual ``> 0`` (origins/products: tuples, empty = any).
    checks : list of DataFrame
        ``dual_sign`` and ``entry_dual`` report rows.
    dual_objective_usd : float
        ``- sum dual x limit`` over the rows (USD).
    """

    rows: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    dual_objective_usd: float = 0.0

    def per_truck(self, origin: str, product: str, dispatch: int = 0) -> dict:
        """``(crossing_id, direction, day) -> USD`` per truck a route of ``product`` from
        ``origin`` dispatched on ``dispatch`` pays when it takes that crossing on that day (a
        hold's dual is paid whatever the day: its key's day is ``None``)."""
        out: dict = {}
        for cid, direction, period, origins, prods, kind, dual in self.rows:
            if (origins and origin not in origins) or (prods and product not in prods):
                continue
            if kind == "hold_dispatch":
                if int(period) != dispatch:
                    continue
                key = (cid, direction, None)
            else:
                key = (cid, direction, int(period))
            out[key] = out.get(key, 0.0) + dual
        return out


def entry_duals(entries: pd.DataFrame | None, table: pd.DataFrame | None, report) -> EntryDuals:
    """Match a run's ``entry_duals`` table to the scenario's own gate-entry rows.

    Parameters
    ----------
    entries : DataFrame or None
        The scenario's rows as the verifier recomputes them: key, kind, crossing_id,
        direction, period, origins, products (tuples), limit_trucks_per_day, entity.
    table : DataFrame or None
        The run's ``entry_duals`` (key, crossing_id, direction, period,
        dual_usd_per_truck, ...); missing: no duals (all 0).
    report : callable
        ``report(check, entity, amount, unit, scale)`` -> DataFrame (the certificate's).

    Returns
    -------
    EntryDuals
    """
    out = EntryDuals()
    if table is None or table.empty or "dual_usd_per_truck" not in table.columns:
        return out
    own = entries if entries is not None else pd.DataFrame(
        columns=[*_KEYS, "kind", "origins", "products", "limit_trucks_per_day", "entity"])
    duals = table[_KEYS + ["dual_usd_per_truck"]].copy()
    duals["period"] = duals["period"].astype(np.int64)
    duals["dual_usd_per_truck"] = pd.to_numeric(duals["dual_usd_per_truck"], errors="coerce")
    own = own.assign(period=own["period"].astype(np.int64))
    hit = duals.merge(own, on=_KEYS, how="left", indicator=True)
    y = hit["dual_usd_per_truck"].to_numpy(dtype=float)
    limit = hit["limit_trucks_per_day"].to_numpy(dtype=float)
    known = (hit["_merge"] == "both").to_numpy()
    names = np.where(known, hit["entity"].astype(str),
                     "entry row not in the scenario: " + hit["key"].astype(str).str[:60] + " "
                     + hit["crossing_id"].astype(str) + " " + hit["direction"].astype(str)
                     + " @" + hit["period"].astype(str))
    out.checks.append(report("dual_sign", ["entry " + n for n in names],
                             np.where(np.isnan(y), np.inf, np.maximum(0.0, -y)),
                             "USD/truck", 0.0))
    # a dual on a row the scenario does not have or does not limit prices nothing it may
    stray = ~known | ~np.isfinite(np.where(known, limit, np.inf))
    out.checks.append(report("entry_dual", names[stray], np.abs(np.nan_to_num(y[stray])),
                             "USD/truck", 0.0))
    use = known & np.isfinite(limit) & (np.nan_to_num(y) != 0.0)
    h = hit[use]
    out.rows = [(c, d, int(t), tuple(o), tuple(p), k, max(float(v), 0.0)) for c, d, t, o, p, k, v
                in zip(h["crossing_id"], h["direction"], h["period"], h["origins"],
                       h["products"], h["kind"], h["dual_usd_per_truck"])]
    out.dual_objective_usd = -float(np.sum(y[use] * limit[use]))
    return out


def crossing_extra(per_truck: dict, crossing: str, direction: str, day: int) -> float:
    """What :meth:`EntryDuals.per_truck` charges for taking ``crossing`` on ``day``."""
    if not per_truck:
        return 0.0
    value = per_truck.get((crossing, direction, day), 0.0)
    value += per_truck.get((crossing, direction, None), 0.0)
    return value if math.isfinite(value) else 0.0
