"""Money and totals: the objective, the summary, and the tables that add the routes up.

=================  ===========================================================================
check              what must hold
=================  ===========================================================================
non_negative       every flow, stock and unserved amount is >= 0
objective          objective recomputed from the tables = summary objective_usd
summary            summary totals (supply, shipped, unserved, spoiled, expired, left in
                   queue at the end, trucks, costs, revenue, periods) = the tables' totals
fifo_repair        a run that repaired its LP's write-offs (``fifo_repair``): the LP bound is
                   at most the objective, the gap is their difference and the run is not
                   called exact
solver_status      the summary says the solve ended ``optimal`` (only optimal solutions are
                   written as results)
products_table     per product: supply, shipped, unserved, spoiled, lost value, trucks,
                   transport cost and revenue are the sums of the other tables
unserved_table     shipped = dispatched, spoiled = unserved of a perishable, lost value =
                   unserved x value x penalty factor
spoilage_table     spoiled tonnes and value per product, day and place (origin, queue)
=================  ===========================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .congestion import congestion_cost_usd
from .facts import Facts
from .origin_stock import stock_lost_by_product, stock_money, stock_spoiled
from .report import mismatch, num, rows, sum_by, text, worst
from .routes import Paths
from .terms import route_cost_per_t

#: summary keys that runs written before them may lack (checked when present)
OPTIONAL_SUMMARY = ("expired_in_queue_t", "left_in_queue_t", "trucks", "periods")

def money_checks(res, f: Facts, paths: Paths, cargo: pd.DataFrame) -> list[pd.DataFrame]:
    """Objective and summary totals recomputed from the tables."""
    rf, un, sq = res.route_flows, res.unserved, res.stream_queues
    rt = paths.routes
    p_rf = f.products.reindex(rf["product_id"])
    r = rt.reindex(rf["route_id"])
    cost = route_cost_per_t(r["link_cost_usd_per_truck"], r["toll_usd_per_truck"],
                            r["fee_usd_per_truck"], r["duration_h"], p_rf)
    transport = float(np.sum(num(rf, "flow_t") * cost))
    price = f.markets.set_index(["market", "product_id"])["price_usd_per_t"]

    def priced(df: pd.DataFrame, market) -> np.ndarray:
        idx = pd.MultiIndex.from_arrays([np.asarray(market, dtype=object),
                                         np.asarray(df["product_id"], dtype=object)])
        return price.reindex(idx).to_numpy(dtype=float)

    dl = cargo[cargo["delivers"]]
    revenue = float(np.sum(dl["flow_t"].to_numpy() * priced(dl, dl["market"])))
    shipped_revenue = float(np.sum(num(rf, "flow_t") * priced(rf, rf["market"])))
    pen = f.products["penalty_usd_per_t"]
    unserved_usd = float(np.sum(num(un, "unserved_t") * pen.reindex(un["product_id"]).to_numpy()))
    expired_usd = waiting = left_t = 0.0
    expired_perishable = 0.0
    if len(sq):
        ps = f.products.reindex(sq["product_id"])
        # cargo still queued at the end of the last modelled day is valued like cargo written
        # off (the model's end-of-horizon valuation, docs/model.md)
        left = np.where(num(sq, "period") == f.n_periods - 1, num(sq, "queue_t"), 0.0)
        left_t = float(left.sum())
        expired_usd = float(np.sum((num(sq, "expired_t") + left)
                                   * ps["penalty_usd_per_t"].to_numpy()))
        waiting = f.waiting_usd_per_truck_day * float(
            np.sum(num(sq, "queue_t") / ps["payload_t"].to_numpy()))
        expired_perishable = float(np.sum(np.where(ps["perishable"].to_numpy(dtype=bool),
                                                   num(sq, "expired_t"), 0.0)))
    stock_usd, stock_spoiled = stock_money(res, f)  # held cargo written off at origins
    expired_usd += stock_usd
    delay = congestion_cost_usd(res, f)  # static runs with congestion tiers
    objective = transport - revenue + unserved_usd + expired_usd + waiting + delay
    s = res.summary
    spoiled_origin = float(np.sum(np.where(
        f.products["perishable"].reindex(un["product_id"]).to_numpy(dtype=bool),
        num(un, "unserved_t"), 0.0)))
    mine = {"objective_usd": objective, "transport_cost_usd": transport,
            "revenue_usd": shipped_revenue, "lost_value_usd": unserved_usd + expired_usd,
            "waiting_cost_usd": waiting, "supply_t": float(f.supply["supply_t"].sum()),
            "shipped_t": float(num(rf, "flow_t").sum()),
            "unserved_t": float(num(un, "unserved_t").sum()),
            "spoiled_t": spoiled_origin + expired_perishable + stock_spoiled,
            "expired_in_queue_t": float(num(sq, "expired_t").sum()) if len(sq) else 0.0,
            "left_in_queue_t": left_t,
            "trucks": float(np.sum(num(rf, "flow_t") / f.products["payload_t"].reindex(
                rf["product_id"]).to_numpy(dtype=float))),
            "periods": float(f.n_periods)}
    out = []
    repair = s.get("fifo_repair")
    if isinstance(repair, dict):
        bound, gap = repair.get("lp_lower_bound_usd"), repair.get("gap_usd")
        ok = isinstance(bound, (int, float)) and isinstance(gap, (int, float))
        amount = (max(0.0, bound - objective) + abs(gap - (objective - bound))
                  + (abs(objective) if s.get("exact") else 0.0)) if ok else np.inf
        out.append(rows("fifo_repair", "summary.fifo_repair (LP bound, gap, exact)", amount,
                        "USD", max(abs(objective), transport, revenue)))
    for key, value in mine.items():
        # the objective is a difference of large sums: its tolerance scales with the largest
        scale = max(abs(value), transport, revenue) if key == "objective_usd" else abs(value)
        if key not in s and key in OPTIONAL_SUMMARY:
            continue
        check = "objective" if key == "objective_usd" else "summary"
        unit = "USD" if key.endswith("_usd") else "t"
        value_in = s.get(key)
        recorded = value_in if isinstance(value_in, (int, float)) and not isinstance(
            value_in, bool) else np.nan
        out.append(rows(check, f"summary.{key} (recomputed {value:,.6f})",
                         abs(recorded - value), unit, max(scale, abs(recorded))))
    return out


def non_negative(res) -> pd.DataFrame:
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
                amounts.append(max(0.0, -float(np.nanmin(num(df, c), initial=0.0))))
    return rows("non_negative", names, amounts, "t or trucks")


def status_checks(res) -> list[pd.DataFrame]:
    """The solve ended optimal (a realistic dispatch: ``simulated``, every plan optimal):
    results of any other status are never written as a run."""
    status = res.summary.get("status")
    good = "simulated" if res.summary.get("dispatch") == "realistic" else "optimal"
    return [rows("solver_status", f"summary.status = {status!r}",
                 0.0 if status == good else 1.0, "status")]


def _spoiled(res, f: Facts) -> pd.DataFrame:
    """Spoiled tonnes per product, day and place: unserved perishables at the origin, expired
    perishables in the queues."""
    un, sq = res.unserved, res.stream_queues
    parts = []
    perish = f.products["perishable"]
    if len(un):
        u = pd.DataFrame({"product_id": un["product_id"].to_numpy(),
                          "period": num(un, "period").astype(np.int64),
                          "spoiled_t": np.where(perish.reindex(un["product_id"]).to_numpy(
                              dtype=bool), num(un, "unserved_t"), 0.0)})
        parts.append(sum_by(u, ["product_id", "period"], "spoiled_t").assign(where="origin"))
    if len(sq):
        q = pd.DataFrame({"product_id": sq["product_id"].to_numpy(),
                          "period": num(sq, "period").astype(np.int64),
                          "spoiled_t": np.where(perish.reindex(sq["product_id"]).to_numpy(
                              dtype=bool), num(sq, "expired_t"), 0.0)})
        parts.append(sum_by(q, ["product_id", "period"], "spoiled_t").assign(where="queue"))
    held = stock_spoiled(res, f)
    if len(held):
        parts.append(held.assign(where="origin stock"))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"product_id": pd.Series(dtype=object), "period": pd.Series(dtype=np.int64),
         "spoiled_t": pd.Series(dtype=float), "where": pd.Series(dtype=object)})
    return out[out["spoiled_t"] > 0].astype({"product_id": object, "where": object})


def table_checks(res, f: Facts) -> list[pd.DataFrame]:
    """The products, unserved and spoilage tables recomputed from the route flows, the
    unserved amounts and the queues."""
    rf, un = res.route_flows, res.unserved
    pen = f.products["penalty_usd_per_t"]
    out = []
    if len(un):
        key = ["origin", "product_id", "period"]
        u = un.assign(period=num(un, "period").astype(np.int64))
        sent = sum_by(rf.assign(period=num(rf, "period").astype(np.int64)), key, "flow_t",
                      "sent") if len(rf) else pd.DataFrame(columns=[*key, "sent"])
        u = u.merge(sent, on=key, how="left")
        unserved = num(u, "unserved_t")
        spoiled = np.where(f.products["perishable"].reindex(u["product_id"]).to_numpy(
            dtype=bool), unserved, 0.0)
        lost = unserved * pen.reindex(u["product_id"]).to_numpy(dtype=float)
        amount = worst(
            mismatch(u.get("shipped_t"), u["sent"].fillna(0.0).to_numpy(dtype=float)),
            mismatch(u.get("spoiled_t"), spoiled), mismatch(u.get("lost_value_usd"), lost))
        out.append(rows("unserved_table", "origin " + text(u["origin"]) + " / "
                        + text(u["product_id"]) + f.day(u["period"]),
                        np.nan_to_num(amount, nan=np.inf), "t or USD",
                        np.maximum(num(u, "supply_t"), np.abs(lost))))
    spoil = _spoiled(res, f)
    sp = res.spoilage
    got = pd.DataFrame({"product_id": pd.Series(sp["product_id"].to_numpy() if len(sp) else [],
                                                dtype=object),
                        "period": num(sp, "period").astype(np.int64),
                        "where": pd.Series(sp["where"].to_numpy() if len(sp) else [],
                                           dtype=object),
                        "t": num(sp, "spoiled_t"), "usd": num(sp, "spoiled_value_usd")})
    c = spoil.merge(got, on=["product_id", "period", "where"], how="outer")
    if len(c):
        want_usd = c["spoiled_t"].to_numpy(dtype=float) * pen.reindex(
            c["product_id"]).to_numpy(dtype=float)
        # a row missing from the table counts as 0 t: dust (1e-12 t) passes, real tonnes fail
        amount = worst(mismatch(c["t"].fillna(0.0), c["spoiled_t"].fillna(0.0)),
                       mismatch(c["usd"].fillna(0.0), np.nan_to_num(want_usd)))
        out.append(rows("spoilage_table", "spoilage " + text(c["product_id"]) + " at "
                        + text(c["where"]) + f.day(c["period"]),
                        np.nan_to_num(amount, nan=np.inf), "t or USD", np.abs(want_usd)))
    out.append(_products(res, f, spoil))
    return out


def _products(res, f: Facts, spoil: pd.DataFrame) -> pd.DataFrame:
    """The products table: each product's totals from the other tables."""
    rf, un, sq = res.route_flows, res.unserved, res.stream_queues
    pen = f.products["penalty_usd_per_t"]
    ids = sorted(set(un["product_id"] if len(un) else []) | set(
        rf["product_id"] if len(rf) else []) | set(res.products["product_id"]
                                                  if len(res.products) else []))
    want = pd.DataFrame(index=pd.Index(ids, name="product_id"))

    def totals(df, **values) -> dict:
        """Each of ``values`` (one per row of ``df``) summed per product, in one group-by (a
        column's sums are those of its own group-by)."""
        if not len(df):
            return {k: pd.Series(0.0, index=want.index) for k in values}
        summed = pd.DataFrame(values, index=df["product_id"].to_numpy()).groupby(
            level=0).sum().reindex(want.index, fill_value=0.0)
        return {k: summed[k] for k in values}

    payload = f.products["payload_t"]
    u = totals(un, supply_t=num(un, "supply_t"), shipped_t=num(un, "shipped_t"),
               unserved_t=num(un, "unserved_t"),
               lost=num(un, "unserved_t") * pen.reindex(un["product_id"]).to_numpy(dtype=float)
               if len(un) else [])
    r = totals(rf, trucks=num(rf, "flow_t") / payload.reindex(rf["product_id"]).to_numpy(
        dtype=float) if len(rf) else [], transport_cost_usd=num(rf, "cost_usd"),
        revenue_usd=num(rf, "flow_t") * num(rf, "price_usd_per_t"))
    want["supply_t"] = u["supply_t"]
    want["shipped_t"] = u["shipped_t"]
    want["unserved_t"] = u["unserved_t"]
    want["lost_value_usd"] = u["lost"] + totals(
        sq, lost=num(sq, "expired_t") * pen.reindex(sq["product_id"]).to_numpy(dtype=float)
        if len(sq) else [])["lost"] + stock_lost_by_product(res, f).reindex(want.index,
                                                                           fill_value=0.0)
    want["spoiled_t"] = totals(spoil, t=num(spoil, "spoiled_t"))["t"]
    want["trucks"] = r["trucks"]
    want["transport_cost_usd"] = r["transport_cost_usd"]
    want["revenue_usd"] = r["revenue_usd"]
    got = res.products.set_index("product_id") if len(res.products) else \
        pd.DataFrame(index=pd.Index([], name="product_id"))
    got = got.reindex(want.index)
    amount = worst(*(mismatch(got[c] if c in got.columns else None, want[c])
                           for c in want.columns)) if len(want) else []
    scale = want.abs().max(axis=1).to_numpy() if len(want) else []
    return rows("products_table", "product " + text(want.index),
                np.nan_to_num(np.asarray(amount, dtype=float), nan=np.inf), "t or USD", scale)
