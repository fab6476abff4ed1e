"""Cargo along its arcs: supply, the flows table against the routes, node balance, demand.

================  ============================================================================
check             what must hold
================  ============================================================================
supply_balance    dispatched + unserved = supply of the calendar, per origin/product/period
supply_recorded   unserved.supply_t is the calendar's supply
arc_flow          the flows table is the sum of the routes' flows along their arcs (and the
                  queues' departures from the gate on), per arc, product and day
flows_table       the flows table's arc columns are the inputs' (kind, element, direction, end
                  nodes, mode, km), trucks_per_day = t / payload, cost_usd = trucks x cost per
                  truck (x the reefer factor on links)
node_balance      per node and product: flow out - flow in = shipped - delivered (static: per
                  period; dated: over the horizon, queues and run-out included)
market_demand     deliveries per market, product and day <= demand
================  ============================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .facts import Facts
from .origin_stock import stock_by_day
from .report import differs, max_by, mismatch, num, rows, sum_by, text, worst
from .routes import Paths


def cargo_of(res, f: Facts, paths: Paths) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every cargo movement along its arcs, per the routes rebuilt by the verifier.

    Cargo is a route flow dispatched on a day (static runs: along its whole route; dated: up to
    its queue gate, or all the way if it crosses no border) or a stream's departures from its
    gate on a day (from the gate on). Returns the cargo (``cid, route_id, product_id, market,
    flow_t, deliver_period, delivers``) and its arc entries (``cid, seq, arc_id, from_node,
    period, flow_t``).
    """
    rt, a = paths.routes, paths.arcs
    rf = res.route_flows[["route_id", "product_id", "period", "flow_t"]].copy()
    rf["start"] = 0.0
    rf["queued"] = rt["queued"].reindex(rf["route_id"]).to_numpy() & f.dated
    rf["delivers"] = ~rf["queued"]
    rf["from_gate"] = False
    parts = [rf]
    sq = res.stream_queues
    if f.dated and len(sq):
        dep = sq[["route_id", "product_id", "period"]].copy()
        dep["flow_t"] = num(sq, "departures_t")
        dep = dep[dep["flow_t"] != 0]
        dep["start"] = rt["gate_off_h"].reindex(dep["route_id"]).to_numpy()
        dep["queued"] = False
        dep["delivers"] = True
        dep["from_gate"] = True
        parts.append(dep)
    cargo = pd.concat(parts, ignore_index=True)
    cargo["period"] = cargo["period"].astype(np.int64)
    cargo.insert(0, "cid", np.arange(len(cargo)))
    cargo["market"] = rt["market"].reindex(cargo["route_id"]).to_numpy()
    dur = rt["duration_h"].reindex(cargo["route_id"]).to_numpy()
    if f.dated:
        cargo["deliver_period"] = cargo["period"] + np.floor(
            (dur - cargo["start"].to_numpy()) / 24.0).astype(np.int64)
    else:
        cargo["deliver_period"] = cargo["period"]
    e = cargo[["cid", "route_id", "product_id", "period", "flow_t", "start", "queued",
               "from_gate"]].merge(a[["route_id", "seq", "arc_id", "from_node", "to_node",
                                      "off_h"]], on="route_id")
    gate_seq = rt["gate_seq"].reindex(e["route_id"]).to_numpy()
    keep = np.where(e["queued"], e["seq"] < gate_seq,
                    np.where(e["from_gate"], e["seq"] >= gate_seq, True))
    e = e[keep]
    if f.dated:
        e = e.assign(period=e["period"] + np.floor((e["off_h"] - e["start"]) / 24.0).astype(
            np.int64))
    return cargo, e[["cid", "seq", "arc_id", "from_node", "to_node", "product_id", "period",
                     "flow_t"]].reset_index(drop=True)


def flow_checks(res, f: Facts, paths: Paths, cargo: pd.DataFrame,
                 entries: pd.DataFrame) -> list[pd.DataFrame]:
    """Supply, the flows table against the routes, node balance and market demand."""
    out = []
    n_p = f.n_periods
    keys = ["origin", "product_id", "period"]
    sup = f.supply.copy()
    un = res.unserved
    sent = sum_by(res.route_flows, keys, "flow_t", "dispatched_t")
    s = sup.merge(un[keys + ["unserved_t", "supply_t"]].rename(columns={"supply_t": "recorded"}),
                  on=keys, how="outer").merge(sent, on=keys, how="outer")
    s = s.merge(stock_by_day(res, f), on=keys, how="left")  # held cargo at origins
    for c in ("supply_t", "unserved_t", "dispatched_t", "held_t", "released_t"):
        s[c] = s[c].fillna(0.0)
    ent = "origin " + text(s["origin"]) + " / " + text(s["product_id"]) + f.day(s["period"])
    out.append(rows("supply_balance", ent,
                     np.abs(s["dispatched_t"] + s["unserved_t"] + s["held_t"] - s["released_t"]
                            - s["supply_t"]), "t", s["supply_t"]))
    out.append(rows("supply_recorded", ent, np.abs(s["recorded"] - s["supply_t"]), "t",
                     s["supply_t"]))
    # the flows table against the routes' arcs
    inside = entries[entries["period"] < n_p]
    recon = sum_by(inside, ["arc_id", "product_id", "period"], "flow_t", "route_t")
    fl = res.flows[["arc_id", "product_id", "period", "flow_t"]].copy()
    fl["period"] = fl["period"].astype(np.int64)
    tab = sum_by(fl, ["arc_id", "product_id", "period"], "flow_t", "table_t")
    af = tab.merge(recon, on=["arc_id", "product_id", "period"], how="outer").fillna(
        {"table_t": 0.0, "route_t": 0.0})
    unknown = ~af["arc_id"].isin(f.arcs.index).to_numpy()
    amount = np.abs(af["table_t"] - af["route_t"]).to_numpy()
    amount = np.where(unknown, np.maximum(amount, np.abs(af["table_t"].to_numpy())), amount)
    out.append(rows("arc_flow", "arc " + text(af["arc_id"]) + np.where(unknown, " (unknown)", "")
                     + " / " + text(af["product_id"]) + f.day(af["period"]), amount, "t",
                     np.maximum(af["table_t"].abs(), af["route_t"].abs())))
    out.append(_node_balance(res, f, paths, cargo, entries, fl, s))
    # market demand, per day of delivery
    dl = cargo[cargo["delivers"] & (cargo["deliver_period"] < n_p)]
    got = sum_by(dl, ["market", "product_id", "deliver_period"], "flow_t", "delivered_t")
    got = got.merge(f.markets, on=["market", "product_id"], how="left")
    got = got[got["demand_t_per_day"].notna()]
    out.append(rows("market_demand", "market " + text(got["market"]) + " / "
                     + text(got["product_id"]) + f.day(got["deliver_period"]),
                     np.clip(got["delivered_t"] - got["demand_t_per_day"], 0, None), "t",
                     got["demand_t_per_day"]))
    return out


def _node_balance(res, f: Facts, paths: Paths, cargo: pd.DataFrame, entries: pd.DataFrame,
                  fl: pd.DataFrame, supply: pd.DataFrame) -> pd.DataFrame:
    """Per node and product: out - in of the flows table = shipped - delivered (- queued).

    Static runs: per period. Dated runs: over the horizon, as a day-by-day balance needs the hour
    each truck leaves an arc, which a per-day table cannot say (the arc_flow check holds the flows
    table to the routes day by day); the gates' queues take in arrivals and give out
    departures, and cargo still on the road after the last modelled day is left out.
    """
    n_p = f.n_periods
    keys = ["node", "product_id"] + ([] if f.dated else ["period"])
    ends = fl.join(f.arcs[["from_node", "to_node"]], on="arc_id")
    terms = [ends.assign(node=ends["from_node"], v=ends["flow_t"]),
             ends.assign(node=ends["to_node"], v=-ends["flow_t"])]
    shipped = supply.assign(node=supply["origin"], v=-(
        supply["supply_t"] - supply["unserved_t"] - supply["held_t"] + supply["released_t"]))
    terms.append(shipped)
    late = entries[entries["period"] >= n_p]
    first_late = late.sort_values(["cid", "seq"], kind="stable").drop_duplicates("cid")
    dl = cargo[cargo["delivers"] & ~cargo["cid"].isin(late["cid"])]
    terms.append(dl.assign(node=dl["market"], v=dl["flow_t"]))
    terms.append(first_late.assign(node=first_late["from_node"], v=first_late["flow_t"]))
    sq = res.stream_queues
    if f.dated and len(sq):
        gate = paths.routes["gate_node"].reindex(sq["route_id"]).to_numpy()
        terms.append(sq.assign(node=gate, v=num(sq, "arrivals_t")))
        terms.append(sq.assign(node=gate, v=-num(sq, "departures_t")))
    cols = keys + ["v"]
    t = pd.concat([x.assign(v=x["v"].astype(float), scale=x["v"].abs().astype(float))
                   [cols + ["scale"]] for x in terms if len(x)], ignore_index=True)
    t = t[t["node"].notna()]
    b = t.groupby(keys, as_index=False, sort=True).agg(v=("v", "sum"), scale=("scale", "max"))
    ent = "node " + text(b["node"]) + " / " + text(b["product_id"])
    if not f.dated:
        ent = ent + f.day(b["period"])
    return rows("node_balance", ent, b["v"].abs(), "t", b["scale"])


def flows_table_checks(res, f: Facts) -> list[pd.DataFrame]:
    """The flows table's descriptive and derived columns against the inputs' arcs: one row
    per arc and product, the largest difference over its days."""
    fl = res.flows
    if not len(fl):
        return []
    arc = f.arcs.reindex(fl["arc_id"])
    labels = sum(differs(fl[c] if c in fl.columns else None, arc[c]) for c in
                 ("kind", "element_id", "direction", "from_node", "to_node", "mode"))
    p = f.products.reindex(fl["product_id"])
    trucks = num(fl, "flow_t") / p["payload_t"].to_numpy()
    factor = np.where(arc["kind"].to_numpy() == "link", p["cost_factor"].to_numpy(), 1.0)
    cost = trucks * arc["cost_usd_per_truck"].to_numpy(dtype=float) * factor
    amount = worst(
        labels, mismatch(fl.get("length_km"), arc["length_km"].to_numpy(dtype=float)),
        mismatch(fl.get("trucks_per_day"), trucks), mismatch(fl.get("cost_usd"), cost))
    amount = np.where(np.isnan(amount) | np.isnan(cost), np.inf, amount)
    names, (a, s) = max_by("flows " + text(fl["arc_id"]) + " / " + text(fl["product_id"]),
                           amount, np.abs(cost))
    return [rows("flows_table", names, a, "mixed", s)]
