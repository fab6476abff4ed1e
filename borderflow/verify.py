"""Independent verification of a solved run, from its result tables alone.

The verifier re-checks a solution with code that shares nothing with the model's formulation
(:mod:`borderflow.model.formulation`, ``terms``, ``queues``): it reads the result tables of a run
and the input tables and scenario recorded in its ``run.json``, recomputes every fact it needs
from them (arc ends, travel hours, costs, shelf lives, licences, prices, demand) and uses only
the network's calendar (:func:`borderflow.model.network.build_network`) for the capacity, supply
and priority of each period. Checks, one row per entity:

===================  =========================================================================
check                what must hold
===================  =========================================================================
non_negative         every flow, stock and unserved amount is >= 0
route_path           a route is a continuous chain of existing arcs from its origin to its
                     market, with the travel and offset hours of the inputs
route_duration       route_flows.duration_h = the sum of its arcs' travel hours
route_cost           route_flows.cost_usd_per_t = (running x reefer factor + tolls + gate and
                     transit fees) / payload + value of time x hours (the generalized cost,
                     recomputed in :mod:`borderflow.verify_terms`)
licence              no product crosses a gate that does not licence it
shelf_life           no cargo delivered older than its shelf life: route hours plus whole days
                     queued at the gate <= shelf life (FIFO within a stream)
supply_balance       dispatched + unserved = supply of the calendar, per origin/product/period
supply_recorded      unserved.supply_t is the calendar's supply
arc_flow             the flows table is the sum of the routes' flows along their arcs (and the
                     queues' departures from the gate on), per arc, product and day
node_balance         per node and product: flow out - flow in = shipped - delivered (static:
                     per period; dated: over the horizon, queues and run-out included)
crossing_capacity    loaded trucks (t / payload) + returning empties <= capacity, per crossing,
                     direction and day
closed_crossing      a crossing with no capacity that day carries nothing
priority_share       non-perishable trucks <= (1 - reserved share) x capacity
crossings_table      the crossings table's capacity and trucks agree with the above
market_demand        deliveries per market, product and day <= demand
queue_arrivals       stream arrivals = route flows reaching the gate that day
queue_balance        stock_t = stock_{t-1} + arrivals + initial - departures - expired (per
                     stream in tonnes, and per gate in trucks in the queues table)
queue_table          the queues table is the sum of the streams
queue_wait           no cargo waits longer than queue_max_wait_days
queue_expiry         only cargo past its allowed wait is written off
queue_age            no cargo older than its allowed wait is left in a queue
initial_queue        the scenario's waiting trucks are all allocated, to matching streams
destination_share    each region's share of an origin's deliveries to China is within its
                     band (:mod:`borderflow.verify_terms`)
objective            objective recomputed from the tables = summary objective_usd
summary              summary totals (supply, shipped, costs, ...) = the tables' totals
input_checksum       (run folders) the input files still have the SHA-256 of run.json
tables               (run folders) every result table is there
===================  =========================================================================

Tolerance: ``max(1e-6, 1e-6 x scale)`` in the check's unit, where ``scale`` is the size of the
quantity checked (capacity, supply, objective, ...). A violation names the check (the
constraint), the entity and the amount by which it is violated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow import verify_terms as vt
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import Scenario

#: relative tolerance of every check
REL_TOL = 1e-6
#: absolute floor of the tolerance, in the check's unit (t, trucks, USD, h)
ABS_TOL = 1e-6
#: exit code of ``borderflow verify`` (and of solve/reroute) when a check fails
EXIT_VIOLATIONS = 8
#: name of the report table in a run folder (verification.csv / .parquet)
REPORT_TABLE = "verification"
REPORT_COLUMNS = ["check", "entity", "amount", "unit", "tolerance", "ok"]
_DIRS = ("a_to_b", "b_to_a")


# ---------------------------------------------------------------------------- facts
@dataclass
class Facts:
    """What the verifier knows independently of the model: recomputed from the input tables,
    plus the calendar (capacity, supply, priority per period) of the scenario."""

    products: pd.DataFrame   # index product_id: payload_t, perishable, shelf_h, cost_factor, ...
    arcs: pd.DataFrame       # index arc_id: kind, element_id, from_node, to_node, travel_h, cost
    licences: dict
    markets: pd.DataFrame    # market, product_id, price_usd_per_t, demand_t_per_day
    labels: list
    dated: bool
    capacity: pd.DataFrame
    supply: pd.DataFrame
    priority: pd.DataFrame
    waiting_usd_per_truck_day: float
    empty_share: float
    empty_lag_days: int
    max_wait_days: int
    scenario: Scenario

    @property
    def n_periods(self) -> int:
        """Periods of the run (a dated horizon's run-out tail included)."""
        return len(self.labels)

    def day(self, period) -> np.ndarray:
        """Suffix naming the day of each period in entity names (empty for a static run)."""
        period = np.asarray(period, dtype=np.int64)
        if not self.dated:
            return np.full(len(period), "", dtype=object)
        labels = np.asarray(self.labels, dtype=object)
        inside = (period >= 0) & (period < len(labels))
        return np.where(inside, " @" + labels[np.clip(period, 0, len(labels) - 1)].astype(str),
                        " @day " + period.astype(str))


def input_facts(tables: InputTables, scenario: Scenario, net=None) -> Facts:
    """Facts of the inputs, recomputed from the tables; calendar from ``build_network``.

    Parameters
    ----------
    tables : InputTables
        The inputs the run was solved on.
    scenario : Scenario
        The run's scenario.
    net : FreightNetwork, optional
        The network already built for this scenario (saves building it again).
    """
    if net is None:
        from borderflow.model.network import build_network
        net = build_network(tables, scenario)
    par = tables.parameter
    p = tables.products.set_index("product_id")
    reefer = p["reefer"].astype(bool).to_numpy()
    products = pd.DataFrame({
        "payload_t": p["payload_t_per_truck"].astype(float),
        "perishable": p["perishable"].astype(bool),
        "shelf_h": 24.0 * np.where(reefer, p["shelf_life_reefer_days"],
                                   p["shelf_life_ambient_days"]).astype(float),
        "cost_factor": np.where(reefer, par("reefer_cost_factor"), 1.0),
        "penalty_usd_per_t": p["value_usd_per_t"].astype(float) * par("unserved_penalty_factor"),
        "vot": vt.value_of_time(tables).reindex(p.index).to_numpy(dtype=float),
    }, index=p.index)
    rows = []
    rate = {mode: par(f"{mode}_cost_usd_per_truck_km") for mode in tables.links["mode"].unique()
            if tables.links.loc[tables.links["mode"] == mode, "cost_usd_per_truck"].isna().any()}
    money = vt.link_money(tables, rate)
    for r in tables.links.itertuples(index=False):
        cost, toll = money[r.link_id]
        rows.append((r.link_id, "link", r.link_id, "forward", r.from_node, r.to_node,
                     float(r.travel_h), cost + toll, toll))
        if bool(r.bidirectional):
            rows.append((f"{r.link_id}:r", "link", r.link_id, "reverse", r.to_node, r.from_node,
                         float(r.travel_h), cost + toll, toll))
    licences = {}
    for r in tables.crossings.itertuples(index=False):
        ends = {"a_to_b": (r.node_a, r.node_b), "b_to_a": (r.node_b, r.node_a)}
        enters = {"a_to_b": r.country_b, "b_to_a": r.country_a}
        for d in _DIRS:
            rows.append((f"{r.crossing_id}:{d}", "crossing", r.crossing_id, d, *ends[d],
                         float(r.dwell_h), float(r.fee_usd_per_truck)
                         + vt.entry_fee(tables, r.mode, enters[d]), 0.0))
        text = r.licensed_products if isinstance(r.licensed_products, str) else ""
        allowed = frozenset(x.strip() for x in text.split(";") if x.strip())
        licences[r.crossing_id] = allowed or None
    arcs = pd.DataFrame(rows, columns=["arc_id", "kind", "element_id", "direction", "from_node",
                                       "to_node", "travel_h", "cost_usd_per_truck",
                                       "toll_usd_per_truck"])
    m = tables.markets
    markets = pd.DataFrame({"market": m["node_id"].astype(str),
                            "product_id": m["product_id"].astype(str),
                            "price_usd_per_t": m["price_usd_per_t"].astype(float),
                            "demand_t_per_day": m["demand_t_per_year"].astype(float) / 365.0})
    return Facts(
        products=products, arcs=arcs.set_index("arc_id"), licences=licences, markets=markets,
        labels=net.periods["label"].astype(str).tolist(), dated=scenario.horizon.start is not None,
        capacity=net.capacity[["crossing_id", "direction", "period",
                               "capacity_trucks_per_day"]].copy(),
        supply=net.supply[["origin", "product_id", "period", "supply_t"]].copy(),
        priority=net.priority.copy(),
        waiting_usd_per_truck_day=par("waiting_cost_usd_per_truck_day"),
        empty_share=par("empty_return_share", 0.0),
        empty_lag_days=int(par("empty_return_days", 0.0)) if scenario.horizon.start else 0,
        max_wait_days=int(net.max_wait_days), scenario=scenario)


# ---------------------------------------------------------------------------- report rows
def _rows(check: str, entity, amount, unit: str, scale=0.0) -> pd.DataFrame:
    """Report rows: ``ok`` when ``amount <= max(ABS_TOL, REL_TOL * |scale|)`` (NaN fails)."""
    amount = np.asarray(amount, dtype=float).reshape(-1)
    scale = np.broadcast_to(np.abs(np.asarray(scale, dtype=float)), amount.shape)
    tol = np.maximum(ABS_TOL, REL_TOL * scale)
    entity = np.broadcast_to(np.asarray(entity, dtype=object), amount.shape)
    return pd.DataFrame({"check": check, "entity": entity.astype(object), "amount": amount,
                         "unit": unit, "tolerance": tol, "ok": amount <= tol})


def _s(series) -> np.ndarray:
    """A column as an object array of strings (for building entity names)."""
    return np.asarray(series, dtype=object).astype(str)


def _num(df: pd.DataFrame, col: str) -> np.ndarray:
    """A numeric column (zeros if the table lacks it, e.g. an empty table)."""
    if col not in df.columns:
        return np.zeros(len(df))
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)


def _sum_by(df: pd.DataFrame, keys: list[str], col: str, name: str | None = None) -> pd.DataFrame:
    """``df`` summed by ``keys`` into one column (``name``; an empty frame if ``df`` is)."""
    name = name or col
    if df.empty:
        return pd.DataFrame({**{k: pd.Series(dtype=object) for k in keys},
                             name: pd.Series(dtype=float)})
    return df.groupby(keys, as_index=False, sort=True)[col].sum().rename(columns={col: name})


# ---------------------------------------------------------------------------- routes
@dataclass
class _Paths:
    """Routes as the verifier rebuilt them: arcs with input hours, and per-route facts."""

    arcs: pd.DataFrame    # route_id, seq, arc_id, kind, element_id, direction, from, to, off_h
    routes: pd.DataFrame  # index route_id: origin, market, duration_h, gate_seq, gate_off_h, ...


def _route_paths(res, f: Facts) -> tuple[_Paths, list[pd.DataFrame]]:
    """Rebuild each route from route_arcs with the inputs' arcs; check it is a continuous path."""
    rf, sq = res.route_flows, res.stream_queues
    ends = pd.concat([rf[["route_id", "origin", "market"]],
                      sq[["route_id", "origin", "market"]] if len(sq) else None],
                     ignore_index=True).drop_duplicates("route_id").set_index("route_id")
    ends = ends.sort_index()
    ra = res.route_arcs
    ra = ra[ra["route_id"].isin(ends.index)] if len(ra) else ra
    a = pd.DataFrame({"route_id": pd.Series(_s(ra["route_id"]) if len(ra) else [], dtype=object),
                      "seq": _num(ra, "seq").astype(np.int64),
                      "arc_id": pd.Series(_s(ra["arc_id"]) if len(ra) else [], dtype=object)})
    a = a.sort_values(["route_id", "seq"], kind="stable", ignore_index=True)
    known = a["arc_id"].isin(f.arcs.index).to_numpy()
    a = a.join(f.arcs, on="arc_id")
    a["travel_h"] = a["travel_h"].fillna(0.0)
    g = a.groupby("route_id", sort=False)
    # hours from dispatch, added in route order from 0 as the route enumeration does
    a["off_h"] = a.assign(prev=g["travel_h"].shift(1, fill_value=0.0)).groupby(
        "route_id", sort=False)["prev"].cumsum()
    a["end_h"] = g["travel_h"].cumsum()
    faults = pd.Series(0, index=ends.index, dtype=np.int64)
    pos = g.cumcount().to_numpy()
    first = pos == 0
    last = np.r_[first[1:], True] if len(a) else first
    # faults per arc: unknown arc, gap in the sequence, not joined to the arc before it, not
    # leaving the origin or not reaching the market, or end nodes and hours other than the inputs'
    bad = ~known | (a["seq"].to_numpy() != pos)
    bad |= ~first & (a["from_node"].to_numpy() != a["to_node"].shift(1).to_numpy())
    bad |= first & (a["from_node"].to_numpy() != ends.loc[a["route_id"], "origin"].to_numpy())
    bad |= last & (a["to_node"].to_numpy() != ends.loc[a["route_id"], "market"].to_numpy())
    recorded = ra.set_index(["route_id", "seq"]).reindex(
        pd.MultiIndex.from_arrays([a["route_id"], a["seq"]])) if len(ra) else None
    for col, mine in (("from_node", "from_node"), ("to_node", "to_node"), ("offset_h", "off_h"),
                      ("travel_h", "travel_h")):
        if recorded is None or col not in recorded.columns:
            continue
        if col.endswith("_h"):
            value, want = recorded[col].to_numpy(dtype=float), a[mine].to_numpy(dtype=float)
            bad |= ~(np.abs(value - want) <= np.maximum(ABS_TOL, REL_TOL * np.abs(want)))
        else:
            bad |= _s(recorded[col]) != _s(a[mine])
    faults = faults.add(pd.Series(bad.astype(np.int64), index=a["route_id"]).groupby(
        level=0).sum(), fill_value=0).astype(np.int64)
    n_arcs = g.size().reindex(ends.index, fill_value=0)
    empty = (n_arcs == 0) & (ends["origin"] != ends["market"])
    faults = faults + empty.astype(np.int64)
    rt = ends.copy()
    rt["duration_h"] = g["end_h"].last().reindex(ends.index).fillna(0.0)
    cross = a[a["kind"] == "crossing"]
    gate = cross.groupby("route_id", sort=False).tail(1).set_index("route_id")
    rt["gate_seq"] = gate["seq"].reindex(ends.index).fillna(-1).astype(np.int64)
    rt["gate_off_h"] = gate["off_h"].reindex(ends.index).fillna(0.0)
    rt["gate_node"] = gate["from_node"].reindex(ends.index)
    rt["gate_crossing"] = gate["element_id"].reindex(ends.index)
    rt["gate_direction"] = gate["direction"].reindex(ends.index)
    rt["queued"] = rt["gate_seq"] >= 0
    is_link = (a["kind"] == "link").to_numpy()
    a["link_cost"] = np.where(is_link, a["cost_usd_per_truck"].fillna(0.0), 0.0)
    a["fee"] = np.where(is_link, 0.0, a["cost_usd_per_truck"].fillna(0.0))
    rt["link_cost_usd_per_truck"] = a.groupby("route_id")["link_cost"].sum().reindex(
        ends.index).fillna(0.0)
    rt["fee_usd_per_truck"] = a.groupby("route_id")["fee"].sum().reindex(ends.index).fillna(0.0)
    rt["toll_usd_per_truck"] = a.groupby("route_id")["toll_usd_per_truck"].sum().reindex(
        ends.index).fillna(0.0)
    rt["link_cost_usd_per_truck"] -= rt["toll_usd_per_truck"]
    report = [_rows("route_path", "route " + _s(ends.index), faults.to_numpy(), "faults")]
    return _Paths(arcs=a, routes=rt), report


def _route_checks(res, f: Facts, paths: _Paths) -> list[pd.DataFrame]:
    """Duration, cost per tonne, licences and (for cargo that does not queue) shelf life."""
    rf = res.route_flows
    rt = paths.routes
    per = rf.drop_duplicates(["route_id", "product_id"])[["route_id", "product_id",
                                                          "duration_h", "cost_usd_per_t"]]
    r = rt.loc[per["route_id"]]
    p = f.products.reindex(per["product_id"])
    ent = "route " + _s(per["route_id"]) + " / " + _s(per["product_id"])
    dur = r["duration_h"].to_numpy()
    cost = vt.route_cost_per_t(r["link_cost_usd_per_truck"], r["toll_usd_per_truck"],
                               r["fee_usd_per_truck"], dur, p)
    out = [_rows("route_duration", ent, np.abs(_num(per, "duration_h") - dur), "h", dur),
           _rows("route_cost", ent, np.abs(_num(per, "cost_usd_per_t") - cost), "USD/t", cost)]
    # licences: along each route, and on every crossing row of the flows table
    arcs = paths.arcs[paths.arcs["kind"] == "crossing"][["route_id", "element_id"]]
    used = rf.groupby(["route_id", "product_id"], as_index=False)["flow_t"].sum()
    if len(res.stream_queues):
        used = pd.concat([used, _sum_by(res.stream_queues, ["route_id", "product_id"],
                                        "departures_t", "flow_t")], ignore_index=True)
    lic = used.merge(arcs, on="route_id")
    fl = res.flows.merge(f.arcs[["kind", "element_id"]].add_suffix("_in"), left_on="arc_id",
                         right_index=True, how="left")
    fl = fl[fl["kind_in"] == "crossing"]
    fl_lic = _sum_by(fl, ["element_id_in", "product_id"], "flow_t").rename(
        columns={"element_id_in": "element_id"})
    for what, df in (("route ", lic), ("flows ", fl_lic)):
        ok = np.array([f.licences.get(c) is None or pr in f.licences[c]
                       for c, pr in zip(df["element_id"], df["product_id"])], dtype=bool)
        if what == "route ":
            names = "route " + _s(df["route_id"]) + " / " + _s(df["product_id"]) + " at "
        else:
            names = "flows " + _s(df["product_id"]) + " at "
        out.append(_rows("licence", names + _s(df["element_id"]),
                         np.where(ok, 0.0, _num(df, "flow_t")), "t"))
    # shelf life of cargo that does not queue (static runs: every route)
    direct = rf.merge(rt[["queued", "duration_h"]].rename(columns={"duration_h": "dur"})
                      .rename_axis("route_id").reset_index(), on="route_id")
    if f.dated:
        direct = direct[~direct["queued"]]
    d = direct.groupby(["route_id", "product_id"], as_index=False).agg(
        flow_t=("flow_t", "sum"), dur=("dur", "first"))
    shelf = f.products["shelf_h"].reindex(d["product_id"]).to_numpy()
    late = d["dur"].to_numpy() > shelf * (1 + REL_TOL) + ABS_TOL
    out.append(_rows("shelf_life", "route " + _s(d["route_id"]) + " / " + _s(d["product_id"])
                     + " (" + np.char.mod("%.1f", d["dur"].to_numpy()).astype(object)
                     + " h, shelf life " + np.char.mod("%.1f", shelf).astype(object) + " h)",
                     np.where(late, d["flow_t"].to_numpy(), 0.0), "t"))
    return out


# ---------------------------------------------------------------------------- cargo
def _cargo(res, f: Facts, paths: _Paths) -> tuple[pd.DataFrame, pd.DataFrame]:
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
        dep["flow_t"] = _num(sq, "departures_t")
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


def _flow_checks(res, f: Facts, paths: _Paths, cargo: pd.DataFrame,
                 entries: pd.DataFrame) -> list[pd.DataFrame]:
    """Supply, the flows table against the routes, node balance and market demand."""
    out = []
    n_p = f.n_periods
    keys = ["origin", "product_id", "period"]
    sup = f.supply.copy()
    un = res.unserved
    sent = _sum_by(res.route_flows, keys, "flow_t", "dispatched_t")
    s = sup.merge(un[keys + ["unserved_t", "supply_t"]].rename(columns={"supply_t": "recorded"}),
                  on=keys, how="outer").merge(sent, on=keys, how="outer")
    for c in ("supply_t", "unserved_t", "dispatched_t"):
        s[c] = s[c].fillna(0.0)
    ent = "origin " + _s(s["origin"]) + " / " + _s(s["product_id"]) + f.day(s["period"])
    out.append(_rows("supply_balance", ent,
                     np.abs(s["dispatched_t"] + s["unserved_t"] - s["supply_t"]), "t",
                     s["supply_t"]))
    out.append(_rows("supply_recorded", ent, np.abs(s["recorded"] - s["supply_t"]), "t",
                     s["supply_t"]))
    # the flows table against the routes' arcs
    inside = entries[entries["period"] < n_p]
    recon = _sum_by(inside, ["arc_id", "product_id", "period"], "flow_t", "route_t")
    fl = res.flows[["arc_id", "product_id", "period", "flow_t"]].copy()
    fl["period"] = fl["period"].astype(np.int64)
    tab = _sum_by(fl, ["arc_id", "product_id", "period"], "flow_t", "table_t")
    af = tab.merge(recon, on=["arc_id", "product_id", "period"], how="outer").fillna(
        {"table_t": 0.0, "route_t": 0.0})
    unknown = ~af["arc_id"].isin(f.arcs.index).to_numpy()
    amount = np.abs(af["table_t"] - af["route_t"]).to_numpy()
    amount = np.where(unknown, np.maximum(amount, np.abs(af["table_t"].to_numpy())), amount)
    out.append(_rows("arc_flow", "arc " + _s(af["arc_id"]) + np.where(unknown, " (unknown)", "")
                     + " / " + _s(af["product_id"]) + f.day(af["period"]), amount, "t",
                     np.maximum(af["table_t"].abs(), af["route_t"].abs())))
    out.append(_node_balance(res, f, paths, cargo, entries, fl, s))
    # market demand, per day of delivery
    dl = cargo[cargo["delivers"] & (cargo["deliver_period"] < n_p)]
    got = _sum_by(dl, ["market", "product_id", "deliver_period"], "flow_t", "delivered_t")
    got = got.merge(f.markets, on=["market", "product_id"], how="left")
    got = got[got["demand_t_per_day"].notna()]
    out.append(_rows("market_demand", "market " + _s(got["market"]) + " / "
                     + _s(got["product_id"]) + f.day(got["deliver_period"]),
                     np.clip(got["delivered_t"] - got["demand_t_per_day"], 0, None), "t",
                     got["demand_t_per_day"]))
    return out


def _node_balance(res, f: Facts, paths: _Paths, cargo: pd.DataFrame, entries: pd.DataFrame,
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
    shipped = supply.assign(node=supply["origin"], v=-(supply["supply_t"] - supply["unserved_t"]))
    terms.append(shipped)
    late = entries[entries["period"] >= n_p]
    first_late = late.sort_values(["cid", "seq"], kind="stable").drop_duplicates("cid")
    dl = cargo[cargo["delivers"] & ~cargo["cid"].isin(late["cid"])]
    terms.append(dl.assign(node=dl["market"], v=dl["flow_t"]))
    terms.append(first_late.assign(node=first_late["from_node"], v=first_late["flow_t"]))
    sq = res.stream_queues
    if f.dated and len(sq):
        gate = paths.routes["gate_node"].reindex(sq["route_id"]).to_numpy()
        terms.append(sq.assign(node=gate, v=_num(sq, "arrivals_t")))
        terms.append(sq.assign(node=gate, v=-_num(sq, "departures_t")))
    cols = keys + ["v"]
    t = pd.concat([x.assign(v=x["v"].astype(float), scale=x["v"].abs().astype(float))
                   [cols + ["scale"]] for x in terms if len(x)], ignore_index=True)
    t = t[t["node"].notna()]
    b = t.groupby(keys, as_index=False, sort=True).agg(v=("v", "sum"), scale=("scale", "max"))
    ent = "node " + _s(b["node"]) + " / " + _s(b["product_id"])
    if not f.dated:
        ent = ent + f.day(b["period"])
    return _rows("node_balance", ent, b["v"].abs(), "t", b["scale"])


# ---------------------------------------------------------------------------- crossings
def _crossing_checks(res, f: Facts) -> list[pd.DataFrame]:
    """Capacity (loaded trucks and returning empties), closures, priority lanes, crossings table."""
    keys = ["crossing_id", "direction", "period"]
    fl = res.flows.merge(f.arcs[["kind", "element_id", "direction"]].add_suffix("_in"),
                         left_on="arc_id", right_index=True, how="left")
    fl = fl[fl["kind_in"] == "crossing"]
    payload = f.products["payload_t"].reindex(fl["product_id"]).to_numpy()
    fl = pd.DataFrame({"crossing_id": fl["element_id_in"].to_numpy(),
                       "direction": fl["direction_in"].to_numpy(),
                       "period": _num(fl, "period").astype(np.int64),
                       "trucks": _num(fl, "flow_t") / payload,
                       "perishable": f.products["perishable"].reindex(
                           fl["product_id"]).to_numpy(dtype=bool)})
    loaded = _sum_by(fl, keys, "trucks", "loaded")
    other = _sum_by(fl[~fl["perishable"]], keys, "trucks", "non_perishable")
    cap = f.capacity.merge(loaded, on=keys, how="outer").merge(other, on=keys, how="left")
    cap[["loaded", "non_perishable"]] = cap[["loaded", "non_perishable"]].fillna(0.0)
    back = loaded.assign(direction=loaded["direction"].map(dict(zip(_DIRS, _DIRS[::-1]))),
                         period=loaded["period"] + f.empty_lag_days,
                         empties=loaded["loaded"] * f.empty_share)[keys + ["empties"]]
    cap = cap.merge(back, on=keys, how="left")
    cap["empties"] = cap["empties"].fillna(0.0)
    k = cap["capacity_trucks_per_day"].to_numpy(dtype=float)
    ent = "crossing " + _s(cap["crossing_id"]) + " " + _s(cap["direction"]) + f.day(cap["period"])
    use = (cap["loaded"] + cap["empties"]).to_numpy()
    out = []
    open_ = k > 0
    out.append(_rows("crossing_capacity", ent[open_],
                     np.where(np.isnan(k), np.inf, np.clip(use - k, 0, None))[open_], "trucks",
                     k[open_]))
    closed = ~open_
    out.append(_rows("closed_crossing", ent[closed], cap["loaded"].to_numpy()[closed], "trucks"))
    if len(f.priority):
        pr = cap.merge(f.priority, on=keys)
        limit = (1.0 - pr["perishable_share"]) * pr["capacity_trucks_per_day"]
        out.append(_rows("priority_share", "crossing " + _s(pr["crossing_id"]) + " "
                         + _s(pr["direction"]) + f.day(pr["period"]),
                         np.clip(pr["non_perishable"] - limit, 0, None), "trucks",
                         pr["capacity_trucks_per_day"]))
    ct = res.crossings
    if len(ct):
        c = ct[keys + ["capacity_trucks_per_day", "flow_trucks"]].rename(
            columns={"capacity_trucks_per_day": "cap_tab"}).merge(
            cap[keys + ["capacity_trucks_per_day", "loaded"]], on=keys, how="outer")
        amount = np.maximum(np.abs(c["cap_tab"] - c["capacity_trucks_per_day"]),
                            np.abs(c["flow_trucks"] - c["loaded"].fillna(0.0)))
        out.append(_rows("crossings_table", "crossing " + _s(c["crossing_id"]) + " "
                         + _s(c["direction"]) + f.day(c["period"]), amount, "trucks",
                         np.maximum(c["capacity_trucks_per_day"].abs(), c["loaded"].abs())))
    return out


# ---------------------------------------------------------------------------- queues
def _queue_checks(res, f: Facts, paths: _Paths) -> list[pd.DataFrame]:
    """Stock balance, arrivals, the queues table, FIFO waits and expiry, initial queues."""
    sq, iq = res.stream_queues, res.initial_queues
    rt = paths.routes
    n_p = f.n_periods
    rf = res.route_flows
    rf_q = rf[rt["queued"].reindex(rf["route_id"]).to_numpy(dtype=bool)]
    streams = pd.concat([rf_q[["route_id", "product_id"]],
                         sq[["route_id", "product_id"]] if len(sq) else None],
                        ignore_index=True).drop_duplicates().sort_values(
        ["route_id", "product_id"], kind="stable", ignore_index=True)
    if streams.empty:
        return []
    n_s = len(streams)
    sid = pd.Series(np.arange(n_s), index=pd.MultiIndex.from_frame(streams))

    def dense(df: pd.DataFrame, col: str, period: np.ndarray) -> np.ndarray:
        m = np.zeros((n_s, n_p))
        if len(df):
            i = sid.reindex(pd.MultiIndex.from_frame(df[["route_id", "product_id"]])).to_numpy()
            ok = (period >= 0) & (period < n_p)
            np.add.at(m, (i[ok].astype(np.int64), period[ok]), _num(df, col)[ok])
        return m

    per = _num(sq, "period").astype(np.int64) if len(sq) else np.array([], np.int64)
    arr, ini = dense(sq, "arrivals_t", per), dense(sq, "initial_t", per)
    dep, exp_, stock = dense(sq, "departures_t", per), dense(sq, "expired_t", per), \
        dense(sq, "queue_t", per)
    gate_days = np.floor(rt["gate_off_h"].reindex(rf_q["route_id"]).to_numpy() / 24.0)
    reach = rf_q["period"].to_numpy(dtype=np.int64) + gate_days.astype(np.int64)
    expect = dense(rf_q, "flow_t", reach)
    lost = rf_q[reach >= n_p]
    r = streams.loc[np.repeat(np.arange(n_s), n_p)]
    per_all = np.tile(np.arange(n_p), n_s)
    ent = ("stream " + _s(r["route_id"]) + " / " + _s(r["product_id"]) + f.day(per_all))
    seen = (np.maximum(arr, expect) > 0).ravel()
    outside = sq[(per < 0) | (per >= n_p)] if len(sq) else sq
    out = [_rows("queue_arrivals", ent[seen], np.abs(arr - expect).ravel()[seen], "t",
                 np.maximum(arr, expect).ravel()[seen]),
           _rows("queue_arrivals", "route " + _s(lost["route_id"]) + " / "
                 + _s(lost["product_id"]) + " reaches its gate after the last day",
                 _num(lost, "flow_t"), "t"),
           _rows("queue_balance", "stream " + _s(outside["route_id"]) + " / "
                 + _s(outside["product_id"]) + " on a day outside the modelled days",
                 np.abs(outside[["arrivals_t", "initial_t", "departures_t", "expired_t",
                                 "queue_t"]].to_numpy(dtype=float)).sum(axis=1)
                 if len(outside) else [], "t"),
           _rows("initial_queue", "stream " + _s(streams["route_id"]) + " / "
                 + _s(streams["product_id"]) + " initial queue after day 0",
                 ini[:, 1:].sum(axis=1), "t")]
    prev = np.concatenate([np.zeros((n_s, 1)), stock[:, :-1]], axis=1)
    resid = stock - (prev + arr + ini - dep - exp_)
    scale = np.maximum.reduce([stock, prev, arr, ini, dep, exp_])
    active = (scale > 0).ravel()
    out.append(_rows("queue_balance", ent[active], np.abs(resid).ravel()[active], "t",
                     scale.ravel()[active]))
    out += _fifo_checks(f, streams, rt, arr, ini, dep, exp_, iq)
    out += _queue_table_checks(res, f, streams, rt, stock, arr + ini, dep, exp_)
    out.append(_initial_checks(res, f, streams, rt))
    return out


def _fifo_checks(f: Facts, streams: pd.DataFrame, rt: pd.DataFrame, arr: np.ndarray,
                 ini: np.ndarray, dep: np.ndarray, exp_: np.ndarray,
                 iq: pd.DataFrame) -> list[pd.DataFrame]:
    """Ages under FIFO within a stream: what departs, expires or stays, against its allowed wait.

    Cargo that reached the gate on day ``a`` (initial queues: ``-age_days``) and crosses on day
    ``t`` is delivered ``duration + 24 (t - a)`` hours after dispatch. The shelf life allows
    ``floor((shelf - duration) / 24)`` whole days of waiting; ``queue_max_wait_days`` caps it.
    Each day the oldest cargo leaves first, written-off cargo before departures (the reading
    most favourable to the deliveries).
    """
    n_s, n_p = arr.shape
    iq = iq if len(iq) else pd.DataFrame(columns=["route_id", "product_id", "age_days",
                                                  "initial_t"])
    ages = _num(iq, "age_days").astype(np.int64)
    back = int(max(ages.max(initial=0), 0))
    lots = np.zeros((n_s, back + 1))
    sid = pd.Series(np.arange(n_s), index=pd.MultiIndex.from_frame(streams))
    if len(iq):
        i = sid.reindex(pd.MultiIndex.from_frame(iq[["route_id", "product_id"]])).to_numpy()
        ok = ~np.isnan(i) & (ages >= 0)
        np.add.at(lots, (i[ok].astype(np.int64), back - ages[ok]), _num(iq, "initial_t")[ok])
    inflow = np.zeros((n_s, back + n_p))
    inflow[:, :back + 1] = lots
    inflow[:, back:] += arr
    # initial stock that initial_queues does not account for: taken as arriving on day 0
    unexplained = ini[:, 0] - lots.sum(axis=1)
    inflow[:, back] += np.clip(unexplained, 0, None)
    ci = np.cumsum(inflow, axis=1)
    before = np.concatenate([np.zeros((n_s, 1)), np.cumsum(dep + exp_, axis=1)[:, :-1]], axis=1)
    after_exp = before + exp_
    after_dep = after_exp + dep
    p = f.products.reindex(streams["product_id"])
    dur = rt["duration_h"].reindex(streams["route_id"]).to_numpy()
    shelf_days = np.floor((p["shelf_h"].to_numpy() - dur) / 24.0)
    cap_days = np.minimum(shelf_days, f.max_wait_days)
    days = np.arange(n_p)

    def arrived_by(limit: np.ndarray) -> np.ndarray:
        """Cumulative inflow of cargo that reached the gate more than ``limit`` days before."""
        col = back + days[None, :] - limit[:, None].astype(np.int64) - 1
        col = np.clip(col, -1, back + n_p - 1)
        got = np.take_along_axis(ci, np.clip(col, 0, None), axis=1)
        return np.where(col < 0, 0.0, got)

    def too_old(limit: np.ndarray) -> np.ndarray:
        return np.clip(np.minimum(arrived_by(limit), after_dep) - after_exp, 0, None).sum(axis=1)

    old = arrived_by(cap_days)
    early = np.clip(after_exp - np.maximum(before, old), 0, None).sum(axis=1)
    stale = np.clip(old - after_dep, 0, None).max(axis=1)
    scale = ci[:, -1]
    ent = ("stream " + _s(streams["route_id"]) + " / " + _s(streams["product_id"]))
    allowed = np.char.mod("%d", shelf_days.astype(np.int64)).astype(object)
    capped = np.char.mod("%d", cap_days.astype(np.int64)).astype(object)
    return [_rows("shelf_life", ent + " (" + np.char.mod("%.1f", dur).astype(object)
                  + " h on the road, may wait " + allowed + " days)", too_old(shelf_days), "t",
                  scale),
            _rows("queue_wait", ent + " (longest wait " + capped + " days)",
                  too_old(cap_days), "t", scale),
            _rows("queue_expiry", ent, early, "t", scale),
            _rows("queue_age", ent, stale, "t", scale),
            _rows("initial_queue", ent + " day-0 stock against initial_queues",
                  np.abs(unexplained), "t", np.maximum(ini[:, 0], lots.sum(axis=1)))]


def _queue_table_checks(res, f: Facts, streams: pd.DataFrame, rt: pd.DataFrame,
                        stock: np.ndarray, arrivals: np.ndarray, dep: np.ndarray,
                        exp_: np.ndarray) -> list[pd.DataFrame]:
    """The per-gate queues table: the sum of its streams, and its own stock balance in trucks;
    the scenario's initial queues allocated in full to matching streams."""
    n_s, n_p = stock.shape
    keys = ["crossing_id", "direction", "period"]
    gate = rt.reindex(streams["route_id"])
    payload = f.products["payload_t"].reindex(streams["product_id"]).to_numpy()
    long = pd.DataFrame({
        "crossing_id": np.repeat(gate["gate_crossing"].to_numpy(), n_p),
        "direction": np.repeat(gate["gate_direction"].to_numpy(), n_p),
        "period": np.tile(np.arange(n_p), n_s),
        "q": (stock / payload[:, None]).ravel(), "a": (arrivals / payload[:, None]).ravel(),
        "d": (dep / payload[:, None]).ravel(), "e": exp_.ravel()})
    mine = long.groupby(keys, as_index=False, sort=True)[["q", "a", "d", "e"]].sum()
    qt = res.queues
    tab = pd.DataFrame({"crossing_id": qt["crossing_id"].to_numpy() if len(qt) else [],
                        "direction": qt["direction"].to_numpy() if len(qt) else [],
                        "period": _num(qt, "period").astype(np.int64),
                        "qt": _num(qt, "queue_trucks"), "at": _num(qt, "arrivals_trucks"),
                        "dt": _num(qt, "departures_trucks"), "et": _num(qt, "expired_t")})
    c = mine.merge(tab, on=keys, how="outer").fillna(0.0)
    col = {x: c[x].to_numpy(dtype=float) for x in ("q", "qt", "a", "at", "d", "dt", "e", "et")}
    diff = np.maximum.reduce([np.abs(col[x] - col[x + "t"]) for x in ("q", "a", "d", "e")])
    scale = np.maximum.reduce([np.abs(v) for v in col.values()])
    active = scale > 0
    ent = ("gate " + _s(c["crossing_id"]) + " " + _s(c["direction"]) + f.day(c["period"]))
    out = [_rows("queue_table", ent[active], diff[active], "trucks", scale[active])]
    if len(qt) and "expired_trucks" in qt.columns:
        g = tab.assign(xt=_num(qt, "expired_trucks"))
        full = mine[keys].merge(g, on=keys, how="left").fillna(0.0)
        full = full.sort_values(keys, kind="stable", ignore_index=True)
        prev = full.groupby(["crossing_id", "direction"])["qt"].shift(1, fill_value=0.0)
        resid = (full["qt"] - (prev + full["at"] - full["dt"] - full["xt"])).to_numpy()
        sc = np.maximum.reduce([np.abs(x.to_numpy(dtype=float)) for x in
                                (full["qt"], prev, full["at"], full["dt"], full["xt"])])
        act = sc > 0
        out.append(_rows("queue_balance", ("gate " + _s(full["crossing_id"]) + " "
                                           + _s(full["direction"]) + f.day(full["period"]))[act],
                         np.abs(resid)[act], "trucks", sc[act]))
    return out


def _initial_checks(res, f: Facts, streams: pd.DataFrame, rt: pd.DataFrame) -> pd.DataFrame:
    """Each initial-queue entry of the scenario is allocated in full, to streams that match it
    (gate, direction, product, origin if given, age); a mismatch counts the whole entry."""
    iq = res.initial_queues
    known = set(zip(streams["route_id"], streams["product_id"]))
    names, amounts, scales = [], [], []
    for j, q in enumerate(f.scenario.initial_queues):
        mine = iq[_num(iq, "entry") == j] if len(iq) else iq
        trucks, faults = 0.0, 0
        for r in mine.itertuples(index=False):
            if not float(r.initial_t) > ABS_TOL:  # a stream this entry could join but did not
                continue
            g = rt.loc[r.route_id] if r.route_id in rt.index else None
            faults += int(g is None or (r.route_id, r.product_id) not in known
                          or g["gate_crossing"] != q.crossing
                          or g["gate_direction"] != q.direction or r.product_id != q.product
                          or (q.origin is not None and g["origin"] != q.origin)
                          or float(r.age_days) != float(q.age_days))
            trucks += float(r.initial_t) / float(f.products.loc[r.product_id, "payload_t"])
        names.append(f"entry {j} ({q.trucks:g} trucks of {q.product} at {q.crossing} "
                     f"{q.direction})")
        amounts.append(abs(trucks - q.trucks) + faults * max(q.trucks, 1.0))
        scales.append(q.trucks)
    return _rows("initial_queue", np.array(names, dtype=object), amounts, "trucks", scales)


# ---------------------------------------------------------------------------- money
def _money_checks(res, f: Facts, paths: _Paths, cargo: pd.DataFrame) -> list[pd.DataFrame]:
    """Objective and summary totals recomputed from the tables."""
    rf, un, sq = res.route_flows, res.unserved, res.stream_queues
    rt = paths.routes
    p_rf = f.products.reindex(rf["product_id"])
    r = rt.reindex(rf["route_id"])
    cost = vt.route_cost_per_t(r["link_cost_usd_per_truck"], r["toll_usd_per_truck"],
                               r["fee_usd_per_truck"], r["duration_h"], p_rf)
    transport = float(np.sum(_num(rf, "flow_t") * cost))
    price = f.markets.set_index(["market", "product_id"])["price_usd_per_t"]

    def priced(df: pd.DataFrame, market) -> np.ndarray:
        idx = pd.MultiIndex.from_arrays([np.asarray(market, dtype=object),
                                         np.asarray(df["product_id"], dtype=object)])
        return price.reindex(idx).to_numpy(dtype=float)

    dl = cargo[cargo["delivers"]]
    revenue = float(np.sum(dl["flow_t"].to_numpy() * priced(dl, dl["market"])))
    shipped_revenue = float(np.sum(_num(rf, "flow_t") * priced(rf, rf["market"])))
    pen = f.products["penalty_usd_per_t"]
    unserved_usd = float(np.sum(_num(un, "unserved_t") * pen.reindex(un["product_id"]).to_numpy()))
    expired_usd = waiting = 0.0
    expired_perishable = 0.0
    if len(sq):
        ps = f.products.reindex(sq["product_id"])
        expired_usd = float(np.sum(_num(sq, "expired_t") * ps["penalty_usd_per_t"].to_numpy()))
        waiting = f.waiting_usd_per_truck_day * float(
            np.sum(_num(sq, "queue_t") / ps["payload_t"].to_numpy()))
        expired_perishable = float(np.sum(np.where(ps["perishable"].to_numpy(dtype=bool),
                                                   _num(sq, "expired_t"), 0.0)))
    objective = transport - revenue + unserved_usd + expired_usd + waiting
    s = res.summary
    spoiled_origin = float(np.sum(np.where(
        f.products["perishable"].reindex(un["product_id"]).to_numpy(dtype=bool),
        _num(un, "unserved_t"), 0.0)))
    mine = {"objective_usd": objective, "transport_cost_usd": transport,
            "revenue_usd": shipped_revenue, "lost_value_usd": unserved_usd + expired_usd,
            "waiting_cost_usd": waiting, "supply_t": float(f.supply["supply_t"].sum()),
            "shipped_t": float(_num(rf, "flow_t").sum()),
            "unserved_t": float(_num(un, "unserved_t").sum()),
            "spoiled_t": spoiled_origin + expired_perishable}
    out = []
    for key, value in mine.items():
        # the objective is a difference of large sums: its tolerance scales with the largest
        scale = max(abs(value), transport, revenue) if key == "objective_usd" else abs(value)
        if key not in s:
            continue
        check = "objective" if key == "objective_usd" else "summary"
        unit = "USD" if key.endswith("_usd") else "t"
        recorded = s[key] if isinstance(s[key], (int, float)) else np.nan
        out.append(_rows(check, f"summary.{key} (recomputed {value:,.6f})",
                         abs(recorded - value), unit, max(scale, abs(recorded))))
    return out


def _non_negative(res) -> pd.DataFrame:
    """Amounts that cannot be negative, per table column: the most negative value."""
    cols = {"route_flows": ["flow_t"], "flows": ["flow_t"], "unserved": ["unserved_t"],
            "stream_queues": ["arrivals_t", "initial_t", "departures_t", "expired_t", "queue_t"],
            "initial_queues": ["initial_t"], "queues": ["queue_trucks", "expired_t"]}
    names, amounts = [], []
    for table, columns in cols.items():
        df = getattr(res, table)
        for c in columns:
            if c in df.columns:
                names.append(f"{table}.{c}")
                amounts.append(max(0.0, -float(np.nanmin(_num(df, c), initial=0.0))))
    return _rows("non_negative", names, amounts, "t or trucks")


# ---------------------------------------------------------------------------- entry points
def verify_results(results, tables: InputTables, scenario: Scenario | None = None,
                   net=None) -> pd.DataFrame:
    """Check a solution's result tables against the inputs and scenario it was solved on.

    Parameters
    ----------
    results : ResultTables
        The run's tables and summary (in memory, or read back with :func:`borderflow.io.read_run`).
    tables : InputTables
        The input tables of the run.
    scenario : Scenario, optional
        The run's scenario (default: the baseline).
    net : FreightNetwork, optional
        The scenario's network, if already built (only its calendar is used).

    Returns
    -------
    DataFrame
        One row per check and entity: ``check, entity, amount, unit, tolerance, ok``, sorted.
    """
    scenario = scenario or Scenario()
    f = input_facts(tables, scenario, net)
    paths, parts = _route_paths(results, f)
    parts += [_non_negative(results)]
    parts += _route_checks(results, f, paths)
    cargo, entries = _cargo(results, f, paths)
    parts += _flow_checks(results, f, paths, cargo, entries)
    parts += _crossing_checks(results, f)
    if f.dated:
        parts += _queue_checks(results, f, paths)
    parts += _money_checks(results, f, paths, cargo)
    parts.append(vt.destination_share_checks(results, tables))
    report = pd.concat([p for p in parts if len(p)], ignore_index=True)[REPORT_COLUMNS]
    report["ok"] = report["ok"].astype(bool)
    return report.sort_values(["check", "entity"], kind="stable", ignore_index=True)


def verify_run(run_dir: Path | str, data: Path | str | None = None,
               overlays=()) -> pd.DataFrame:
    """Verify a run folder: its result tables, against the inputs named in its ``run.json``.

    Parameters
    ----------
    run_dir : path
        Folder written by ``borderflow solve`` or ``reroute``.
    data : path, optional
        Dataset folder (default: the inputs named in ``run.json``); ``overlays`` with it.

    Returns
    -------
    DataFrame
        The report of :func:`verify_results`, plus an ``input_checksum`` row per input file
        (its SHA-256 now against the one recorded).

    Raises
    ------
    InputError
        If the folder is not a run folder or its inputs cannot be found.
    """
    from borderflow.io import changed_inputs, read_run_inputs

    run_dir = Path(run_dir)
    results, meta, tables, scenario = read_run_inputs(run_dir, data, overlays)
    report = verify_results(results, tables, scenario)
    changed = {name for name, _, _ in changed_inputs(run_dir, meta)}
    files = sorted(meta.get("input_sha256", {}))
    sums = _rows("input_checksum", ["input " + n + (" (changed since the run)" if n in changed
                                                    else "") for n in files],
                 [1.0 if n in changed else 0.0 for n in files], "files")
    from borderflow.model.results import ResultTables
    missing = [n for n in ResultTables.TABLES if not (run_dir / f"{n}.parquet").exists()]
    absent = _rows("tables", [f"{n}.parquet missing (folder written by an older borderflow?)"
                              for n in missing], np.ones(len(missing)), "files")
    report = pd.concat([report, sums, absent], ignore_index=True)
    return report.sort_values(["check", "entity"], kind="stable", ignore_index=True)


def verify_solved(run) -> pd.DataFrame:
    """Verify a run just solved (in memory) and record the outcome in its summary.

    Adds ``verified`` (all checks pass), ``verification_checks`` (rows of the report),
    ``verification_violations`` and ``verify_seconds`` to ``run.results.summary``.

    Parameters
    ----------
    run : borderflow.pipeline.Run

    Returns
    -------
    DataFrame
        The report (to be written as ``verification.csv``).
    """
    t0 = time.perf_counter()
    report = verify_results(run.results, run.tables, run.net.scenario, net=run.net)
    run.results.summary.update(verification_summary(report))
    run.results.summary["verify_seconds"] = time.perf_counter() - t0
    return report


def verification_summary(report: pd.DataFrame) -> dict:
    """``verified``, ``verification_checks`` and ``verification_violations`` of a report."""
    bad = int((~report["ok"]).sum())
    return {"verified": bad == 0, "verification_checks": int(len(report)),
            "verification_violations": bad}


def by_check(report: pd.DataFrame) -> pd.DataFrame:
    """One row per check: entities checked, violations, and the worst amount over tolerance."""
    r = report.assign(bad=~report["ok"])
    out = r.groupby("check", as_index=False, sort=True).agg(
        entities=("entity", "size"), violations=("bad", "sum"), worst=("amount", "max"),
        unit=("unit", lambda u: ", ".join(sorted(set(u)))))
    return out


def violations(report: pd.DataFrame) -> pd.DataFrame:
    """The failed rows of a report, largest amount first within each check."""
    bad = report[~report["ok"]]
    return bad.sort_values(["check", "amount"], ascending=[True, False], kind="stable",
                           ignore_index=True)
