"""Queues at the gates (dated runs): stock balances, FIFO ages, the per-gate tables, dates.

=================  ===========================================================================
check              what must hold
=================  ===========================================================================
queue_arrivals     stream arrivals = route flows reaching the gate that day
queue_balance      stock_t = stock_{t-1} + arrivals + initial - departures - expired (per
                   stream in tonnes, and per gate in trucks in the queues table)
queue_table        the queues table is the sum of the streams (trucks = t / payload; spoiled =
                   expired perishables; mean wait = trucks waiting / trucks released)
queue_wait         no cargo waits longer than queue_max_wait_days
queue_expiry       only cargo past its allowed wait is written off
queue_age          no cargo older than its allowed wait is left in a queue
shelf_life         cargo released from a queue is delivered within its shelf life (FIFO)
initial_queue      the scenario's waiting trucks are all allocated, to matching streams, and
                   the initial_queues table says so (entry, gate, product, trucks)
stream_table       a stream's origin, market, gate and direction are its route's
period_date        every ``date`` column is the date of its ``period`` (queues, stream_queues,
                   spoilage)
backlog            the backlog episodes are those of the queues table (runs of days with at
                   least one truck waiting: start, peak, clear date, truck-days, cost)
=================  ===========================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .class_fifo import class_fifo_checks
from .facts import Facts
from .report import ABS_TOL, differs, max_by, mismatch, num, rows, text, worst
from .routes import Paths

#: a gate has a backlog while at least this many trucks wait at the end of the day (the
#: definition the backlog table states, docs/model.md)
BACKLOG_MIN_TRUCKS = 1.0

def queue_checks(res, f: Facts, paths: Paths) -> list[pd.DataFrame]:
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

    def stream_of(df: pd.DataFrame) -> np.ndarray | None:
        """The stream of each row of ``df`` (``None`` for no rows)."""
        if not len(df):
            return None
        return sid.reindex(pd.MultiIndex.from_frame(df[["route_id", "product_id"]])).to_numpy()

    def dense(df: pd.DataFrame, col: str, period: np.ndarray, i: np.ndarray | None) -> np.ndarray:
        m = np.zeros((n_s, n_p))
        if i is not None:
            ok = (period >= 0) & (period < n_p)
            np.add.at(m, (i[ok].astype(np.int64), period[ok]), num(df, col)[ok])
        return m

    per = num(sq, "period").astype(np.int64) if len(sq) else np.array([], np.int64)
    at = stream_of(sq)  # the rows of the stream table, matched to the streams once
    arr, ini = dense(sq, "arrivals_t", per, at), dense(sq, "initial_t", per, at)
    dep, exp_, stock = dense(sq, "departures_t", per, at), dense(sq, "expired_t", per, at), \
        dense(sq, "queue_t", per, at)
    gate_days = np.floor(rt["gate_off_h"].reindex(rf_q["route_id"]).to_numpy() / 24.0)
    reach = rf_q["period"].to_numpy(dtype=np.int64) + gate_days.astype(np.int64)
    expect = dense(rf_q, "flow_t", reach, stream_of(rf_q))
    lost = rf_q[reach >= n_p]
    r = streams.loc[np.repeat(np.arange(n_s), n_p)]
    per_all = np.tile(np.arange(n_p), n_s)
    ent = ("stream " + text(r["route_id"]) + " / " + text(r["product_id"]) + f.day(per_all))
    seen = (np.maximum(arr, expect) > 0).ravel()
    outside = sq[(per < 0) | (per >= n_p)] if len(sq) else sq
    out = [rows("queue_arrivals", ent[seen], np.abs(arr - expect).ravel()[seen], "t",
                 np.maximum(arr, expect).ravel()[seen]),
           rows("queue_arrivals", "route " + text(lost["route_id"]) + " / "
                 + text(lost["product_id"]) + " reaches its gate after the last day",
                 num(lost, "flow_t"), "t"),
           rows("queue_balance", "stream " + text(outside["route_id"]) + " / "
                 + text(outside["product_id"]) + " on a day outside the modelled days",
                 np.abs(outside[["arrivals_t", "initial_t", "departures_t", "expired_t",
                                 "queue_t"]].to_numpy(dtype=float)).sum(axis=1)
                 if len(outside) else [], "t"),
           rows("initial_queue", "stream " + text(streams["route_id"]) + " / "
                 + text(streams["product_id"]) + " initial queue after day 0",
                 ini[:, 1:].sum(axis=1), "t")]
    prev = np.concatenate([np.zeros((n_s, 1)), stock[:, :-1]], axis=1)
    resid = stock - (prev + arr + ini - dep - exp_)
    scale = np.maximum.reduce([stock, prev, arr, ini, dep, exp_])
    active = (scale > 0).ravel()
    out.append(rows("queue_balance", ent[active], np.abs(resid).ravel()[active], "t",
                     scale.ravel()[active]))
    out += _fifo_checks(f, streams, rt, arr, ini, dep, exp_, iq)
    if f.dated:
        inflow, back, _, _ = stream_inflow(streams, arr, ini, iq)
        out += class_fifo_checks(res, f, streams, rt, inflow, back, dep, exp_, stock)
    out += _queue_table_checks(res, f, streams, rt, stock, arr + ini, dep, exp_)
    out.append(_initial_checks(res, f, streams, rt))
    out += stream_table_checks(res, f, rt)
    out += initial_table_checks(res, f, rt)
    return out


def stream_inflow(streams: pd.DataFrame, arr: np.ndarray, ini: np.ndarray,
                  iq: pd.DataFrame) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """Cargo reaching each stream's queue by day: ``inflow`` (streams x (back + days)),
    column ``back + a`` for day ``a``, initial queues of age ``g`` in column ``back - g``;
    ``lots`` the initial queues by age, ``unexplained`` day-0 stock the initial_queues
    table does not account for (taken as arriving on day 0)."""
    n_s, n_p = arr.shape
    iq = iq if len(iq) else pd.DataFrame(columns=["route_id", "product_id", "age_days",
                                                  "initial_t"])
    ages = num(iq, "age_days").astype(np.int64)
    back = int(max(ages.max(initial=0), 0))
    lots = np.zeros((n_s, back + 1))
    sid = pd.Series(np.arange(n_s), index=pd.MultiIndex.from_frame(streams))
    if len(iq):
        i = sid.reindex(pd.MultiIndex.from_frame(iq[["route_id", "product_id"]])).to_numpy()
        ok = ~np.isnan(i) & (ages >= 0)
        np.add.at(lots, (i[ok].astype(np.int64), back - ages[ok]), num(iq, "initial_t")[ok])
    inflow = np.zeros((n_s, back + n_p))
    inflow[:, :back + 1] = lots
    inflow[:, back:] += arr
    # initial stock that initial_queues does not account for: taken as arriving on day 0
    unexplained = ini[:, 0] - lots.sum(axis=1)
    inflow[:, back] += np.clip(unexplained, 0, None)
    return inflow, back, lots, unexplained


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
    inflow, back, lots, unexplained = stream_inflow(streams, arr, ini, iq)
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
    ent = ("stream " + text(streams["route_id"]) + " / " + text(streams["product_id"]))
    allowed = np.char.mod("%d", shelf_days.astype(np.int64)).astype(object)
    capped = np.char.mod("%d", cap_days.astype(np.int64)).astype(object)
    return [rows("shelf_life", ent + " (" + np.char.mod("%.1f", dur).astype(object)
                  + " h on the road, may wait " + allowed + " days)", too_old(shelf_days), "t",
                  scale),
            rows("queue_wait", ent + " (longest wait " + capped + " days)",
                  too_old(cap_days), "t", scale),
            rows("queue_expiry", ent, early, "t", scale),
            rows("queue_age", ent, stale, "t", scale),
            rows("initial_queue", ent + " day-0 stock against initial_queues",
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
    perishable = f.products["perishable"].reindex(streams["product_id"]).to_numpy(dtype=bool)
    long = pd.DataFrame({
        "crossing_id": np.repeat(gate["gate_crossing"].to_numpy(), n_p),
        "direction": np.repeat(gate["gate_direction"].to_numpy(), n_p),
        "period": np.tile(np.arange(n_p), n_s),
        "q": (stock / payload[:, None]).ravel(), "a": (arrivals / payload[:, None]).ravel(),
        "d": (dep / payload[:, None]).ravel(), "e": exp_.ravel(),
        "s": (exp_ * perishable[:, None]).ravel(), "x": (exp_ / payload[:, None]).ravel()})
    mine = long.groupby(keys, as_index=False, sort=True)[["q", "a", "d", "e", "s", "x"]].sum()
    qt = res.queues
    tab = pd.DataFrame({"crossing_id": qt["crossing_id"].to_numpy() if len(qt) else [],
                        "direction": qt["direction"].to_numpy() if len(qt) else [],
                        "period": num(qt, "period").astype(np.int64),
                        "qt": num(qt, "queue_trucks"), "at": num(qt, "arrivals_trucks"),
                        "dt": num(qt, "departures_trucks"), "et": num(qt, "expired_t")})
    c = mine.merge(tab, on=keys, how="outer").fillna(0.0)
    col = {x: c[x].to_numpy(dtype=float) for x in ("q", "qt", "a", "at", "d", "dt", "e", "et")}
    diff = np.maximum.reduce([np.abs(col[x] - col[x + "t"]) for x in ("q", "a", "d", "e")])
    scale = np.maximum.reduce([np.abs(v) for v in col.values()])
    active = scale > 0
    ent = ("gate " + text(c["crossing_id"]) + " " + text(c["direction"]) + f.day(c["period"]))
    out = [rows("queue_table", ent[active], diff[active], "trucks", scale[active])]
    # the table's derived columns: spoiled tonnes, expired trucks, mean wait (Little's law)
    d = c.merge(_columns(qt, keys, ("spoiled_t", "expired_trucks", "mean_wait_days")), on=keys,
                how="left")
    wait = np.divide(c["q"].to_numpy(), c["d"].to_numpy(), out=np.full(len(c), np.nan),
                     where=c["d"].to_numpy() > 1e-9)
    derived = worst(
        mismatch(d["spoiled_t"], c["s"]), mismatch(d["expired_trucks"], c["x"]),
        mismatch(d["mean_wait_days"], wait))
    out.append(rows("queue_table", ent[active] + " (spoiled, expired trucks, mean wait)",
                    np.nan_to_num(derived, nan=np.inf)[active], "mixed",
                    scale[active]))
    if len(qt) and "expired_trucks" in qt.columns:
        g = tab.assign(xt=num(qt, "expired_trucks"))
        full = mine[keys].merge(g, on=keys, how="left").fillna(0.0)
        full = full.sort_values(keys, kind="stable", ignore_index=True)
        prev = full.groupby(["crossing_id", "direction"])["qt"].shift(1, fill_value=0.0)
        resid = (full["qt"] - (prev + full["at"] - full["dt"] - full["xt"])).to_numpy()
        sc = np.maximum.reduce([np.abs(x.to_numpy(dtype=float)) for x in
                                (full["qt"], prev, full["at"], full["dt"], full["xt"])])
        act = sc > 0
        out.append(rows("queue_balance", ("gate " + text(full["crossing_id"]) + " "
                                          + text(full["direction"])
                                          + f.day(full["period"]))[act],
                        np.abs(resid)[act], "trucks", sc[act]))
    return out


def _initial_checks(res, f: Facts, streams: pd.DataFrame, rt: pd.DataFrame) -> pd.DataFrame:
    """Each initial-queue entry of the scenario is allocated in full, to streams that match it
    (gate, direction, product, origin if given, age); a mismatch counts the whole entry."""
    iq = res.initial_queues
    known = set(zip(streams["route_id"], streams["product_id"], strict=True))
    names, amounts, scales = [], [], []
    for j, q in enumerate(f.scenario.initial_queues):
        mine = iq[num(iq, "entry") == j] if len(iq) else iq
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
    return rows("initial_queue", np.array(names, dtype=object), amounts, "trucks", scales)


def _columns(df: pd.DataFrame, keys: list[str], cols: tuple[str, ...]) -> pd.DataFrame:
    """``keys`` and ``cols`` of a table (an integer period; a missing column all NaN)."""
    out = pd.DataFrame({k: df[k].to_numpy() if k in df.columns else [] for k in keys}
                       if len(df) else {k: pd.Series(dtype=object) for k in keys})
    if "period" in out.columns:
        out["period"] = num(df, "period").astype(np.int64) if len(df) else \
            pd.Series(dtype=np.int64)
    for col in cols:
        out[col] = num(df, col) if col in df.columns else np.nan
    return out


def stream_table_checks(res, f: Facts, rt: pd.DataFrame) -> list[pd.DataFrame]:
    """A stream's origin, market, gate and direction are those of its route (rebuilt)."""
    sq = res.stream_queues
    if not len(sq):
        return []
    r = rt.reindex(sq["route_id"])
    bad = (differs(sq.get("origin"), r["origin"]) + differs(sq.get("market"), r["market"])
           + differs(sq.get("crossing_id"), r["gate_crossing"])
           + differs(sq.get("direction"), r["gate_direction"]))
    names, (most,) = max_by("stream " + text(sq["route_id"]) + " / " + text(sq["product_id"]),
                            bad)
    return [rows("stream_table", names, most, "labels")]


def _day_text(values) -> np.ndarray:
    """Dates as ``YYYY-MM-DD`` text (strings, dates or timestamps; other text as it is)."""
    s = pd.Series(np.asarray(values, dtype=object))
    parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    return np.where(parsed.notna(), parsed.dt.strftime("%Y-%m-%d"), s.astype(str))


def date_checks(res, f: Facts) -> list[pd.DataFrame]:
    """Every ``date`` column is the label of its ``period`` (a date of a dated horizon)."""
    out = []
    labels = np.asarray(f.labels, dtype=object)
    for name in ("queues", "stream_queues", "spoilage"):
        df = getattr(res, name)
        if not len(df):
            continue
        period = num(df, "period")
        inside = np.isfinite(period) & (period >= 0) & (period < len(labels))
        want = np.where(inside, labels[np.clip(np.nan_to_num(period).astype(np.int64), 0,
                                                  max(len(labels) - 1, 0))], None)
        got = _day_text(df["date"]) if "date" in df.columns else np.full(len(df), None)
        want = _day_text(want) if f.dated else want
        wrong = int(np.sum(~inside | (got.astype(str) != want.astype(str))))
        out.append(rows("period_date", f"{name}.date ({len(df)} rows)", wrong, "rows"))
    return out


def backlog_checks(res, f: Facts) -> list[pd.DataFrame]:
    """The backlog table: one episode per maximal run of days on which at least
    :data:`BACKLOG_MIN_TRUCKS` trucks wait at a gate at the end of the day (from the queues
    table, itself checked against the streams)."""
    qt = res.queues
    keys = ["crossing_id", "direction", "episode"]
    mine = []
    labels = np.asarray(f.labels, dtype=object)
    if len(qt):
        q = _columns(qt, ["crossing_id", "direction", "period"], ("queue_trucks",))
        for (c, d), grp in q.groupby(["crossing_id", "direction"], sort=True):
            series = grp.groupby("period")["queue_trucks"].sum().reindex(
                range(len(labels)), fill_value=0.0)
            busy = (series >= BACKLOG_MIN_TRUCKS).to_numpy()
            episode = np.cumsum(busy & ~np.r_[False, busy[:-1]])
            for n in np.unique(episode[busy]):
                days = series[busy & (episode == n)]
                after = days.index[-1] + 1
                truck_days = float(days.sum())
                mine.append((c, d, int(n), labels[days.index[0]], float(days.max()),
                             labels[days.idxmax()], labels[after] if after < len(labels)
                             else None, truck_days, truck_days * f.waiting_usd_per_truck_day))
    cols = [*keys, "start_date", "peak_queue_trucks", "peak_date", "clear_date",
            "truck_days_waited", "waiting_cost_usd"]
    mine = pd.DataFrame(mine, columns=cols)
    bl = res.backlog
    if not len(bl) and not len(mine):
        return []
    got = bl.assign(episode=num(bl, "episode").astype(np.int64)) if len(bl) else \
        pd.DataFrame(columns=cols)
    c = mine.merge(got, on=keys, how="outer", suffixes=("", "_t"), indicator=True)
    amount = worst(
        mismatch(c.get("peak_queue_trucks_t"), c["peak_queue_trucks"]),
        mismatch(c.get("truck_days_waited_t"), c["truck_days_waited"]),
        mismatch(c.get("waiting_cost_usd_t"), c["waiting_cost_usd"]),
        *(differs(_day_text(c[f"{x}_t"]) if f"{x}_t" in c.columns else None,
                  _day_text(c[x])) for x in ("start_date", "peak_date", "clear_date")))
    amount = np.where((c["_merge"] != "both").to_numpy() | np.isnan(amount), np.inf, amount)
    ent = ("gate " + text(c["crossing_id"]) + " " + text(c["direction"]) + " episode "
           + text(c["episode"]))
    return [rows("backlog", ent, amount, "mixed",
                 np.nan_to_num(c["waiting_cost_usd"].to_numpy(dtype=float)))]


def initial_table_checks(res, f: Facts, rt: pd.DataFrame) -> list[pd.DataFrame]:
    """The initial_queues table's columns against the scenario's entries (gate, direction,
    product, age and trucks of its entry), the stream's route (its origin) and
    initial_trucks = initial_t / payload."""
    iq = res.initial_queues
    if not len(iq):
        return []
    entries = list(f.scenario.initial_queues)
    j = num(iq, "entry")
    ok = np.isfinite(j) & (j >= 0) & (j < len(entries))
    pick = [entries[int(k)] if o else None for k, o in zip(j, ok, strict=True)]

    def field(name):
        return np.array([getattr(q, name) if q is not None else None for q in pick],
                        dtype=object)

    payload = f.products["payload_t"].reindex(iq["product_id"]).to_numpy(dtype=float)
    bad = (differs(iq.get("crossing_id"), field("crossing"))
           + differs(iq.get("direction"), field("direction"))
           + differs(iq.get("product_id"), field("product"))
           + differs(iq.get("origin"), rt["origin"].reindex(iq["route_id"]).to_numpy())
           + np.nan_to_num(mismatch(iq.get("age_days"), field("age_days").astype(float)),
                           nan=1.0)
           + np.nan_to_num(mismatch(iq.get("trucks"), field("trucks").astype(float)), nan=1.0)
           + np.nan_to_num(mismatch(iq.get("initial_trucks"), num(iq, "initial_t") / payload),
                           nan=1.0) + (~ok).astype(float))
    ent = "initial_queues row " + text(np.arange(len(iq)) + 1) + " (entry " + text(
        iq["entry"]) + ")"
    return [rows("initial_queue", ent, bad, "faults")]
