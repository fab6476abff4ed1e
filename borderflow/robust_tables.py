"""What a robust plan's folder holds so that ``borderflow verify`` can re-check it from the
folder alone (issue 17): read off the solved two-stage model (:mod:`borderflow.model.stochastic`)
right after its last solve, before the baseline plan's bookings are fixed.

Top level of the folder:

- ``plan_routes``: every route the plan books or a scenario uses (route_id, product_id, origin,
  market, period, booked_t_per_day: the robust plan's booking, t/day);
- ``plan_arcs``: their arcs in order (route_id, seq, arc_id, kind, element_id, direction), as
  a run folder's ``route_arcs``;
- ``objective``: per scenario its probability and the terms of its cost (USD/day): transport,
  revenue, unserved penalty, with congestion tiers the delay in them (``congestion_cost_usd``,
  as a run's ``summary.json`` names it), spot premium, idle bookings, their sum, and the sum
  weighted by the probability (the plan's expected cost is the total of
  ``weighted_cost_usd``).

Per scenario ``i`` (in the order of ``summary.json``'s probabilities) a sub-folder
``scenario-<i>/`` with the tables a run folder has for the same rows, duals as HiGHS gives them
in the robust model (so already weighted by the scenario's probability; signs as in a run
folder: docs/certified-routing.md): ``route_flows`` (flow_t, spot_t, idle_t per route and
product), ``unserved`` (supply, unserved and the supply row's dual), ``crossings`` (capacity and
the capacity and priority rows' duals), ``market_duals``, ``share_duals`` and, with gate-entry
rows, ``entry_duals``; with congestion tiers ``congestion`` (a run's table, docs/model.md
"Congestion at the gates": trucks per tier and their cost, unweighted; the link and tier rows'
duals weighted as the others); and ``summary.json`` (scenario name, index, probability, cost).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderflow.model.column_generation import _row_duals
from borderflow.model.congestion import congestion_table, delay_cost_usd
from borderflow.model.results import ENTRY_DUAL_COLUMNS, MARKET_DUAL_COLUMNS, SHARE_DUAL_COLUMNS
from borderflow.model.stochastic import FLOW_KEYS

#: tonnes per day below which a route's flow, spot, idle and booking count as zero
TOL_T = 1e-9
CROSS = ["crossing_id", "direction", "period"]


def scenario_folder(i: int) -> str:
    """Name of scenario ``i``'s sub-folder."""
    return f"scenario-{i}"


def _values(var, n: int) -> np.ndarray:
    return np.clip(np.array([var[k].value or 0.0 for k in range(n)], dtype=float), 0.0,
                   None) + 0.0


def _row_table(session, comp, rows: pd.DataFrame, keys: list[str], sign: float,
               column: str) -> pd.DataFrame:
    """``rows[keys]`` with the row duals of ``comp`` times ``sign`` (0 rows: empty)."""
    out = rows[keys].copy()
    out[column] = sign * _row_duals(session, comp) + 0.0 if len(rows) else np.zeros(0)
    return out.reset_index(drop=True)


def _scenario_tables(session, built, net, booked: np.ndarray) -> dict[str, pd.DataFrame]:
    m, ix = built.model, built.index
    n = len(ix.flows)
    f = ix.flows[FLOW_KEYS + ["origin", "market"]].copy()
    f["flow_t"], f["spot_t"], f["idle_t"] = (_values(m.route_flow, n), _values(m.spot, n),
                                             _values(m.idle, n))
    keep = (f[["flow_t", "spot_t", "idle_t"]].to_numpy() > TOL_T).any(axis=1) | (booked > TOL_T)
    flows = f[keep][["route_id", "product_id", "origin", "market", "period", "flow_t", "spot_t",
                     "idle_t"]].reset_index(drop=True)
    u = ix.unserved[["origin", "product_id", "period", "supply_t"]].copy()
    u["unserved_t"] = _values(m.unserved, len(u))
    u["dual_usd_per_t"] = _row_duals(session, m.supply_balance) + 0.0
    cap = _row_table(session, m.crossing_capacity, ix.capacity_rows, CROSS, -1.0,
                     "dual_usd_per_truck")
    prio = _row_table(session, m.priority_share, ix.priority_rows, CROSS, -1.0,
                      "priority_dual_usd_per_truck")
    cross = net.capacity[CROSS + ["capacity_trucks_per_day"]].merge(cap, on=CROSS, how="left") \
        .merge(prio, on=CROSS, how="left").fillna({"dual_usd_per_truck": 0.0,
                                                   "priority_dual_usd_per_truck": 0.0})
    market = _row_table(session, m.market_demand, ix.demand_rows,
                        ["market", "product_id", "period", "demand_t"], -1.0, "dual_usd_per_t")
    share = _row_table(session, m.destination_share, ix.share_rows, ["rule_id", "side", "share"],
                       1.0, "dual_usd_per_t").assign(period=0)
    out = {"route_flows": flows, "unserved": u,
           "crossings": cross.sort_values(CROSS, kind="stable", ignore_index=True),
           "market_duals": market[MARKET_DUAL_COLUMNS], "share_duals": share[SHARE_DUAL_COLUMNS]}
    if built.entry_rows is not None and len(built.entry_rows) \
            and hasattr(m, "gate_entry_limit"):
        from borderflow.model.results import _entry_duals
        out["entry_duals"] = _entry_duals(built, net, _row_duals(session, m.gate_entry_limit))[
            ENTRY_DUAL_COLUMNS]
    if built.congestion is not None:
        out["congestion"] = congestion_table(built, lambda comp: _row_duals(session, comp))
    return out


def robust_tables(session, robust, nets, names: list[str], premium: float,
                  unused: float) -> tuple[dict, dict]:
    """The tables and sub-folders of the module docstring, read from the solved model.

    Parameters
    ----------
    session : HighsSession
        The session that solved ``robust`` last (the robust plan, bookings free).
    robust : RobustModel
    nets : list of FreightNetwork
        One per scenario.
    names : list of str
        Scenario names.
    premium, unused : float
        ``spot_premium_factor`` and ``unused_booking_factor``.

    Returns
    -------
    (tables, folders)
        Top-level tables by name, and sub-folder name -> ``(tables, documents)`` for
        :func:`borderflow.io.write_folder`.
    """
    plan = robust.plan
    booked = _values(robust.model.booked, len(plan))
    folders, objective = {}, []
    used = booked > TOL_T
    cost = plan["cost_usd_per_t"].to_numpy(dtype=float)
    price = plan["price_usd_per_t"].to_numpy(dtype=float)
    for i, (built, net, p, name) in enumerate(zip(robust.scenarios, nets,
                                                  robust.probabilities, names)):
        tables = _scenario_tables(session, built, net, booked)
        m = built.model
        x = _values(m.route_flow, len(plan))
        used |= x > TOL_T
        u = tables["unserved"]
        penalty = built.index.unserved["penalty_usd_per_t"].to_numpy(dtype=float)
        terms = {"transport_cost_usd": float(cost @ x), "revenue_usd": float(price @ x),
                 "unserved_penalty_usd": float(penalty @ u["unserved_t"].to_numpy()),
                 **({} if built.congestion is None else {
                     "congestion_cost_usd": delay_cost_usd(tables["congestion"])}),
                 "spot_premium_usd": premium * float(cost @ _values(m.spot, len(plan))),
                 "idle_booking_usd": unused * float(cost @ _values(m.idle, len(plan)))}
        own = terms["transport_cost_usd"] - terms["revenue_usd"] + terms["unserved_penalty_usd"] \
            + terms.get("congestion_cost_usd", 0.0)
        total = own + terms["spot_premium_usd"] + terms["idle_booking_usd"]
        objective.append({"scenario": name, "probability": p, **terms, "cost_usd": total,
                          "weighted_cost_usd": p * total})
        folders[scenario_folder(i)] = (tables, {"summary.json": {
            "scenario": name, "index": i, "probability": p, "cost_usd": total}})
    routes = plan[used][FLOW_KEYS + ["origin", "market"]].assign(booked_t_per_day=booked[used])
    routes = routes[["route_id", "product_id", "origin", "market", "period",
                     "booked_t_per_day"]].reset_index(drop=True)
    ra = robust.routes.route_arcs
    arcs = ra[ra["route_id"].isin(set(routes["route_id"]))][
        ["route_id", "seq", "arc_id", "kind", "element_id", "direction"]].sort_values(
        ["route_id", "seq"], kind="stable", ignore_index=True)
    return ({"plan_routes": routes, "plan_arcs": arcs, "objective": pd.DataFrame(objective)},
            folders)
