"""Routes: each rebuilt from ``route_arcs`` with the inputs' arcs, and the route tables checked.

=================  ===========================================================================
check              what must hold
=================  ===========================================================================
route_path         a route is a continuous chain of existing arcs from its origin to its market,
                   with the end nodes, kinds, travel and offset hours of the inputs
route_duration     route_flows.duration_h = the sum of its arcs' travel hours
route_cost         route_flows.cost_usd_per_t = (running x reefer factor + tolls + gate and
                   transit fees) / payload + value of time x hours (the generalized cost,
                   recomputed in :mod:`.terms`)
route_label        route_flows.crossings names the route's gate arcs in order (``domestic``
                   if none), its route_id is ``origin>market|crossings|variant``
route_table        route_flows.length_km (the arcs' km), trucks_per_day (t / payload),
                   price_usd_per_t (the market's), cost_usd and revenue_usd (t x per tonne)
licence            no product crosses a gate that does not licence it
shelf_life         cargo that does not queue is delivered within its shelf life
=================  ===========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .facts import Facts
from .terms import route_cost_per_t
from .report import ABS_TOL, REL_TOL, differs, max_by, mismatch, num, rows, sum_by, text


@dataclass
class Paths:
    """Routes as the verifier rebuilt them: arcs with input hours, and per-route facts."""

    arcs: pd.DataFrame    # route_id, seq, arc_id, kind, element_id, direction, from, to, off_h
    routes: pd.DataFrame  # index route_id: origin, market, duration_h, gate_seq, gate_off_h, ...


def route_paths(res, f: Facts) -> tuple[Paths, list[pd.DataFrame]]:
    """Rebuild each route from route_arcs with the inputs' arcs; check it is a continuous path."""
    rf, sq = res.route_flows, res.stream_queues
    ends = pd.concat([rf[["route_id", "origin", "market"]],
                      sq[["route_id", "origin", "market"]] if len(sq) else None],
                     ignore_index=True).drop_duplicates("route_id").set_index("route_id")
    ends = ends.sort_index()
    ra = res.route_arcs
    ra = ra[ra["route_id"].isin(ends.index)] if len(ra) else ra
    a = pd.DataFrame({"route_id": pd.Series(text(ra["route_id"]) if len(ra) else [], dtype=object),
                      "seq": num(ra, "seq").astype(np.int64),
                      "arc_id": pd.Series(text(ra["arc_id"]) if len(ra) else [], dtype=object)})
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
            bad |= text(recorded[col]) != text(a[mine])
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
    report = [rows("route_path", "route " + text(ends.index), faults.to_numpy(), "faults")]
    return Paths(arcs=a, routes=rt), report


def route_checks(res, f: Facts, paths: Paths) -> list[pd.DataFrame]:
    """Duration, cost per tonne, licences and (for cargo that does not queue) shelf life."""
    rf = res.route_flows
    rt = paths.routes
    per = rf.drop_duplicates(["route_id", "product_id"])[["route_id", "product_id",
                                                          "duration_h", "cost_usd_per_t"]]
    r = rt.loc[per["route_id"]]
    p = f.products.reindex(per["product_id"])
    ent = "route " + text(per["route_id"]) + " / " + text(per["product_id"])
    dur = r["duration_h"].to_numpy()
    cost = route_cost_per_t(r["link_cost_usd_per_truck"], r["toll_usd_per_truck"],
                            r["fee_usd_per_truck"], dur, p)
    out = [rows("route_duration", ent, np.abs(num(per, "duration_h") - dur), "h", dur),
           rows("route_cost", ent, np.abs(num(per, "cost_usd_per_t") - cost), "USD/t", cost)]
    # licences: along each route, and on every crossing row of the flows table
    arcs = paths.arcs[paths.arcs["kind"] == "crossing"][["route_id", "element_id"]]
    used = rf.groupby(["route_id", "product_id"], as_index=False)["flow_t"].sum()
    if len(res.stream_queues):
        used = pd.concat([used, sum_by(res.stream_queues, ["route_id", "product_id"],
                                        "departures_t", "flow_t")], ignore_index=True)
    lic = used.merge(arcs, on="route_id")
    fl = res.flows.merge(f.arcs[["kind", "element_id"]].add_suffix("_in"), left_on="arc_id",
                         right_index=True, how="left")
    fl = fl[fl["kind_in"] == "crossing"]
    fl_lic = sum_by(fl, ["element_id_in", "product_id"], "flow_t").rename(
        columns={"element_id_in": "element_id"})
    for what, df in (("route ", lic), ("flows ", fl_lic)):
        ok = np.array([f.licences.get(c) is None or pr in f.licences[c]
                       for c, pr in zip(df["element_id"], df["product_id"], strict=True)],
                      dtype=bool)
        if what == "route ":
            names = "route " + text(df["route_id"]) + " / " + text(df["product_id"]) + " at "
        else:
            names = "flows " + text(df["product_id"]) + " at "
        out.append(rows("licence", names + text(df["element_id"]),
                         np.where(ok, 0.0, num(df, "flow_t")), "t"))
    # shelf life of cargo that does not queue (static runs: every route)
    direct = rf.merge(rt[["queued", "duration_h"]].rename(columns={"duration_h": "dur"})
                      .rename_axis("route_id").reset_index(), on="route_id")
    if f.dated:
        direct = direct[~direct["queued"]]
    d = direct.groupby(["route_id", "product_id"], as_index=False).agg(
        flow_t=("flow_t", "sum"), dur=("dur", "first"))
    shelf = f.products["shelf_h"].reindex(d["product_id"]).to_numpy()
    late = d["dur"].to_numpy() > shelf * (1 + REL_TOL) + ABS_TOL
    out.append(rows("shelf_life", "route " + text(d["route_id"]) + " / " + text(d["product_id"])
                     + " (" + np.char.mod("%.1f", d["dur"].to_numpy()).astype(object)
                     + " h, shelf life " + np.char.mod("%.1f", shelf).astype(object) + " h)",
                     np.where(late, d["flow_t"].to_numpy(), 0.0), "t"))
    return out


#: unit of each route_flows column checked by :func:`route_table_checks`
UNITS = {"length_km": "km", "trucks_per_day": "trucks", "price_usd_per_t": "USD/t",
         "cost_usd": "USD", "revenue_usd": "USD"}


def route_table_checks(res, f: Facts, paths: Paths) -> list[pd.DataFrame]:
    """The descriptive columns of ``route_flows`` and ``route_arcs`` against the rebuilt
    routes and the inputs: gate labels, route ids, lengths, trucks, prices and money."""
    rf = res.route_flows
    a = paths.arcs
    out = []
    gates = a[a["kind"] == "crossing"].groupby("route_id", sort=False)["arc_id"].agg("+".join)
    km = a.assign(km=a["length_km"].fillna(np.nan)).groupby("route_id", sort=False)["km"].sum()
    if len(rf):
        rid = text(rf["route_id"])
        label = gates.reindex(rf["route_id"]).fillna("domestic").to_numpy(dtype=object)
        variant = text(rf["variant"]) if "variant" in rf.columns else np.full(len(rf), "?")
        expected_id = text(rf["origin"]) + ">" + text(rf["market"]) + "|" + label.astype(str) \
            + "|" + variant
        bad = differs(rf["crossings"] if "crossings" in rf.columns else None, label) \
            + differs(rid, expected_id)
        p = f.products.reindex(rf["product_id"])
        price = f.markets.set_index(["market", "product_id"])["price_usd_per_t"].reindex(
            pd.MultiIndex.from_arrays([rf["market"], rf["product_id"]])).to_numpy(dtype=float)
        flow = num(rf, "flow_t")
        per_t = num(rf, "cost_usd_per_t")  # checked against the inputs by route_cost
        length = km.reindex(rf["route_id"]).to_numpy(dtype=float)
        checks = {"length_km": (mismatch(rf.get("length_km"), length), length),
                  "trucks_per_day": (mismatch(rf.get("trucks_per_day"),
                                              flow / p["payload_t"].to_numpy()), flow),
                  "price_usd_per_t": (mismatch(rf.get("price_usd_per_t"), price), price),
                  "cost_usd": (mismatch(rf.get("cost_usd"), flow * per_t), flow * per_t),
                  "revenue_usd": (mismatch(rf.get("revenue_usd"), flow * price), flow * price)}
        ent = "route " + rid + " / " + text(rf["product_id"])
        names, (lab, *most) = max_by(ent, bad, *(v for pair in checks.values() for v in
                                                 (pair[0], np.abs(pair[1]))))
        out.append(rows("route_label", names, lab, "labels"))
        for i, col in enumerate(checks):
            out.append(rows("route_table", names + f" ({col})", most[2 * i], UNITS[col],
                            most[2 * i + 1]))
    ra = res.route_arcs
    if len(ra):
        known = f.arcs.reindex(ra["arc_id"])
        bad = sum(differs(ra[c] if c in ra.columns else None, known[c]) for c in
                  ("kind", "element_id", "direction"))
        g = pd.DataFrame({"ent": "route " + text(ra["route_id"]), "bad": bad}).groupby(
            "ent", sort=True)["bad"].sum()
        out.append(rows("route_path", g.index.to_numpy(dtype=object) + " (arc kinds and "
                        "elements)", g.to_numpy(), "faults"))
    return out
