r"""Congestion tiers in the certificate of a static run (docs/model.md, "Congestion at the
gates").

The tier variables :math:`z_{c,d,t,p,k}` are columns of the LP like the routes: the dual of the
full LP must price them at ``>= 0`` too. With :math:`\kappa_{c,d,t,p} \ge 0` the dual of the
link row (the run's ``congestion.link_dual_usd_per_truck``) and :math:`\sigma_{c,d,t,k} \ge 0`
that of the tier row (``tier_dual_usd_per_truck``), both as non-negative prices:

- a route of product ``p`` pays :math:`\kappa_{c,d,t,p}` per truck at each gate direction it
  takes (its reduced cost, like a capacity dual; a (gate, direction, product) the run has no
  row for pays 0, dual-feasible because every tier column of it then costs
  :math:`h_k (v_p P_p + \omega/24) + \sigma_k \ge 0`, :math:`\omega` the waiting cost per
  truck-day; with ``congestion_fifo`` 1 every truck of a lane costs
  :math:`h_k (V_c + \omega/24)`, :math:`V_c` the gate's ``congestion_lane_value`` of
  cost_terms.csv, else ``congestion_lane_usd_per_truck_h``);
- each tier column's reduced cost :math:`h_k (v_p P_p + \omega/24) - \kappa + \sigma_k \ge 0`
  (``congestion_dual``; the cost per truck recomputed from the table's hours, checked against
  ``parameters.csv`` by :mod:`borderflow.verify.congestion`, and the verifier's own value of
  time and payload);
- the dual objective gains :math:`-\sum \sigma_{c,d,t,k} (b_k - b_{k-1}) K_{c,d,t}` (the link
  rows' right-hand sides are 0), with the capacity :math:`K` from the scenario's calendar.

A negative dual fails ``dual_sign``. Imports nothing from :mod:`borderflow.model`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["CongestionDuals", "congestion_duals"]


@dataclass
class CongestionDuals:
    """The congestion duals a certificate uses.

    Attributes
    ----------
    kappa : dict
        ``(crossing_id, direction, period, product_id) -> USD`` per truck (link rows).
    checks : list of DataFrame
        ``dual_sign`` and ``congestion_dual`` report rows.
    dual_objective_usd : float
        ``- sum sigma x tier width x capacity`` (USD).
    """

    kappa: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)
    dual_objective_usd: float = 0.0


def congestion_duals(results, facts, report, weight: float = 1.0) -> CongestionDuals:
    """The congestion duals of a run's ``congestion`` table (none without one); ``report`` is
    the certificate's row writer ``(check, entity, amount, unit, scale)``. ``weight``: what
    the tier columns' cost is multiplied by in the objective whose duals the table holds (a
    robust plan's scenario: its probability, :mod:`borderflow.certificate_robust`)."""
    t = results.get("congestion") if hasattr(results, "get") else None
    if t is None or not len(t.columns) or not len(t):
        return CongestionDuals()
    num = {c: pd.to_numeric(t[c], errors="coerce").to_numpy(dtype=float) for c in
           ("hours", "trucks", "share_low", "share_high", "link_dual_usd_per_truck",
            "tier_dual_usd_per_truck", "period", "tier")}
    lane = facts.lane_usd_per_truck_h(t["crossing_id"]) \
        if hasattr(facts, "lane_usd_per_truck_h") else None
    p = facts.products.reindex(t["product_id"])
    per_hour = float(facts.waiting_usd_per_truck_day) / 24.0 + (
        p["vot"].to_numpy(dtype=float) * p["payload_t"].to_numpy(dtype=float)
        if lane is None else lane)  # congestion_fifo 1: every truck of a gate's lane alike
    cost = float(weight) * num["hours"] * per_hour
    kappa, sigma = num["link_dual_usd_per_truck"], num["tier_dual_usd_per_truck"]
    ent = (t["crossing_id"] + "/" + t["direction"] + "/" + t["product_id"] + "/tier "
           + t["tier"].astype(str)).to_numpy()
    checks = [report("dual_sign", ent, np.maximum(0.0, -np.minimum(kappa, sigma)), "USD", 0.0),
              report("congestion_dual", ent, np.maximum(0.0, -(cost - kappa + sigma)), "USD",
                     np.maximum.reduce([np.abs(cost), np.abs(kappa), np.abs(sigma)]))]
    period = num["period"].astype(np.int64)
    links = dict(zip(zip(t["crossing_id"], t["direction"], period.tolist(), t["product_id"]),
                     kappa.tolist()))
    cap = facts.capacity
    k = dict(zip(zip(cap["crossing_id"], cap["direction"], cap["period"].astype(int)),
                 cap["capacity_trucks_per_day"].astype(float)))
    tiers = {}
    for c, d, per, tier, width, s in zip(t["crossing_id"], t["direction"], period.tolist(),
                                         num["tier"].tolist(),
                                         (num["share_high"] - num["share_low"]).tolist(),
                                         sigma.tolist()):
        tiers[(c, d, per, tier)] = (width, s)
    dual = -sum(s * w * max(k.get((c, d, per), 0.0), 0.0)
                for (c, d, per, _), (w, s) in sorted(tiers.items()) if s != 0.0)
    return CongestionDuals(kappa=links, checks=checks, dual_objective_usd=float(dual))
