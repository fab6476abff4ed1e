"""The dated (day-by-day) LP written directly as numpy/scipy arrays for highspy.

An independent second formulation of ``docs/model.md`` § *Dated horizon*, the speed limit of
the Pyomo pipeline's dated runs and a cross-check of its optimum. It reads the same inputs
(the :class:`~borderflow.model.network.FreightNetwork` calendars and the enumerated
:class:`~borderflow.model.routes.RouteSet`, capped as ``run_scenario`` caps dated runs) but
shares no code with ``borderflow.model.formulation``, ``queues`` or ``terms``: streams, queue
indices, arrivals and every row are computed here from the route arcs and the documented maths.

Columns (all ``>= 0``; t/day unless said)::

    x[f]      route flow of (route, product) pair p dispatched on supply day t
    u[o,p,t]  unserved supply
    Q[s,t]    tonnes queued at the end of day t in stream s (at its last crossing, the gate)
    y[s,t]    gate departures;  e[s,t] expired (written off)
    S[s,t]    (fifo="cumulative" only) arrivals of stream s on days <= t, tonnes
    I[j,s]    tonnes of initial-queue entry j put in stream s

Rows (W_s: the days cargo may wait, A[s,a]: arrivals of day a, initial queues included)::

    supply       sum_f x + u = supply                                      (o, p, t)
    capacity     loaded trucks before the gate (x / payload on the day they reach a crossing)
                 + gate departures y / payload + returning empties (share, lag, opposite
                 direction) <= capacity                                    (c, d, t)
    priority     the same, non-perishables only, <= (1 - share) capacity
    demand       direct deliveries x (t + travel days) + y (t + downstream days) <= demand
    shares       per rule r and dispatch day t, over x of r's origins and products to China:
                 sum ([market in r's region] - low_r) x >= 0, sum (... - high_r) x <= 0
    balance      Q[t] - Q[t-1] - A[t] + y[t] + e[t] = 0                    (s, t)
    age (FIFO)   Q[t] + y[t] <= sum_{a=t-W}^{t} A[a]        (fifo="window": W+1 arrival days)
                 Q[t] + y[t] - S[t] + S[t-W-1] <= 0         (fifo="cumulative": 4 terms)
                 with S[t] - S[t-1] - A[t] = 0              (fifo="cumulative")
    expiry       e[t] <= A[t - W - 1]
    initial      sum_s I[j,s] / payload = trucks_j

An initial-queue entry of age ``g`` counts as arriving on day ``-g``: in the age rows of days
``t <= W - g`` and expiring on day ``max(0, W - g + 1)``.

Objective (USD): ``sum cost x - price (direct deliveries + y) + penalty (u + e) +
waiting / payload * Q + penalty Q[last day]`` (cargo still waiting when the run ends is
valued like cargo written off).

Stream aggregation (``aggregate=True``): pairs that share their gate, direction, product,
market, downstream days and allowed wait ``W`` share one queue. Every row a queue variable
appears in and every cost it carries depends on that key only, so the aggregated LP is a
relaxation of the per-pair one (any per-pair solution summed is feasible, same cost); it has the
same optimum whenever its solution can be split back over the pairs, which
:func:`stream_split.split_streams` checks (docs/dated-performance-plan.md gives the argument).

    python tests/benchmarks/direct_dated.py --days 14 [--aggregate] [--fifo cumulative]

(Over 500 lines: one independent formulation, the whole dated LP written row family by row
family in :func:`build`, kept in one file so it can be read beside the Pyomo model it checks;
its variants are switches inside those families, not separate models.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from dataclasses import dataclass, field, replace

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp
from borderflow.data.destinations import share_rules  # the dataset's rules, not the model
from borderflow.solvers.highs import highs_lp, new_highs  # array packing; a silent Highs

FLIP = {"a_to_b": "b_to_a", "b_to_a": "a_to_b"}


@dataclass(frozen=True)
class Variant:
    """How the dated LP is written (same optimum; different size).

    Attributes
    ----------
    aggregate : bool
        One queue per (gate, direction, product, market, downstream days, W) instead of one
        per (route, product) pair.
    fifo : str
        ``"window"``: age rows sum the last ``W + 1`` days of arrivals (as the Pyomo model);
        ``"cumulative"``: cumulative-arrival columns ``S`` and 4-term age rows.
    """

    aggregate: bool = False
    fifo: str = "window"

    @property
    def label(self) -> str:
        """Short name, e.g. ``agg-cumulative``."""
        return ("agg" if self.aggregate else "pair") + "-" + self.fifo


@dataclass
class DatedLP:
    """A dated LP as HiGHS arrays, with the tables that map its columns and rows back.

    Attributes
    ----------
    lp : highspy.HighsLp
    size : dict
        ``variables``, ``constraints``, ``nonzeros`` and the count of each column/row block.
    cols, rows : dict of str -> (first, count)
        Column and row blocks.
    pairs : DataFrame
        One row per (route, product) pair with its stream ``s`` (-1: no gate).
    streams : DataFrame
        One row per stream ``s``: gate, direction, product, market, days, W, payload.
    flows : DataFrame
        One row per route-flow column: pair, dispatch day ``t``, arrival day at the gate.
    cap_keys : DataFrame
        The capacity rows in order: crossing_id, direction, period.
    loaded : DataFrame
        ``col, cap_row``: every column counted in a capacity row as a loaded truck (what a
        closure of that row bounds to zero).
    n_days : int
        Modelled days (horizon and run-out tail).
    """

    lp: highspy.HighsLp
    size: dict
    cols: dict
    rows: dict
    pairs: pd.DataFrame
    streams: pd.DataFrame
    flows: pd.DataFrame
    cap_keys: pd.DataFrame
    loaded: pd.DataFrame
    n_days: int
    variant: Variant = field(default_factory=Variant)
    init_pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    supply_days: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


class _Triplets:
    """Matrix entries collected block by block, then made one CSC matrix."""

    def __init__(self):
        self.r, self.c, self.v = [], [], []

    def add(self, rows, cols, vals) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        self.r.append(rows)
        self.c.append(np.broadcast_to(np.asarray(cols, dtype=np.int64), rows.shape))
        self.v.append(np.broadcast_to(np.asarray(vals, dtype=float), rows.shape))

    def matrix(self, n_rows: int, n_cols: int) -> sp.csc_matrix:
        A = sp.csc_matrix((np.concatenate(self.v), (np.concatenate(self.r),
                                                    np.concatenate(self.c))),
                          shape=(n_rows, n_cols))
        A.sum_duplicates()
        A.eliminate_zeros()
        A.sort_indices()
        return A


def _pairs(net, routes) -> pd.DataFrame:
    """Eligible (route, product) pairs with their gate (last crossing), days and wait."""
    pairs = routes.eligible.reset_index(drop=True).copy()
    prod = net.products.loc[pairs["product_id"]]
    for col in ("payload_t_per_truck", "perishable", "penalty_usd_per_t", "shelf_life_h"):
        pairs[col] = prod[col].to_numpy()
    pairs["perishable"] = pairs["perishable"].astype(bool)
    rc = routes.route_arcs[routes.route_arcs["kind"] == "crossing"]
    rc = rc[rc["route_id"].isin(set(pairs["route_id"]))]
    gate = rc.loc[rc.groupby("route_id")["seq"].idxmax(),
                  ["route_id", "seq", "element_id", "direction", "offset_h"]]
    gate = gate.rename(columns={"seq": "gate_seq", "element_id": "gate",
                                "direction": "gate_direction", "offset_h": "gate_h"})
    pairs = pairs.merge(gate, on="route_id", how="left")
    pairs["has_gate"] = pairs["gate"].notna()
    gh = pairs["gate_h"].fillna(0.0).to_numpy()
    pairs["gate_day"] = np.floor(gh / 24.0).astype(np.int64)
    pairs["down_days"] = np.floor((pairs["duration_h"].to_numpy() - gh) / 24.0).astype(np.int64)
    pairs["travel_days"] = np.floor(pairs["duration_h"].to_numpy() / 24.0).astype(np.int64)
    slack = np.floor((pairs["shelf_life_h"].to_numpy() - pairs["duration_h"].to_numpy()) / 24.0)
    pairs["W"] = np.clip(slack, 0, net.max_wait_days).astype(np.int64)
    return pairs


STREAM_KEY = ["gate", "gate_direction", "product_id", "market", "down_days", "W"]


def _streams(pairs: pd.DataFrame, aggregate: bool) -> pd.DataFrame:
    """Give each gated pair its stream ``s``; return one row per stream."""
    gated = pairs[pairs["has_gate"]]
    key = STREAM_KEY if aggregate else ["route_id", "product_id"]
    first = gated.drop_duplicates(subset=key).sort_values(key, kind="stable")
    first = first.reset_index(drop=True)
    first["s"] = np.arange(len(first))
    s_of = pairs[key].merge(first[[*key, "s"]], on=key, how="left")["s"]
    pairs["s"] = np.where(pairs["has_gate"], s_of.fillna(-1), -1).astype(np.int64)
    return first[["s", *STREAM_KEY, "payload_t_per_truck", "perishable", "penalty_usd_per_t"]]


def _initial(net, pairs: pd.DataFrame) -> pd.DataFrame:
    """Initial-queue entries ``j`` and the streams each may go to (``j, s, trucks, age``, and
    ``pair``: one pair of that stream the entry may belong to)."""
    rows = []
    for j, q in enumerate(net.scenario.initial_queues):
        hit = pairs[pairs["has_gate"] & (pairs["gate"] == q.crossing)
                    & (pairs["gate_direction"] == q.direction) & (pairs["product_id"] == q.product)]
        if q.origin is not None:
            hit = hit[hit["origin"] == q.origin]
        if hit.empty:
            raise ValueError(f"initial queue {j + 1}: no route of {q.product} at {q.crossing}")
        first = hit.drop_duplicates(subset="s").sort_values("s")
        rows += [(j, int(s), float(q.trucks), int(q.age_days), int(p))
                 for s, p in zip(first["s"], first.index)]
    return pd.DataFrame(rows, columns=["j", "s", "trucks", "age", "pair"])


def build(net, routes, variant: Variant = Variant()) -> DatedLP:
    """The dated LP of ``net`` (a dated network) and ``routes`` as a ``highspy.HighsLp``."""
    if not net.dated:
        raise ValueError("direct_dated builds dated horizons only (direct.py: static)")
    n = len(net.periods)
    days = np.asarray(net.supply_periods, dtype=np.int64)
    pairs = _pairs(net, routes)
    streams = _streams(pairs, variant.aggregate)
    init = _initial(net, pairs)
    n_s = len(streams)
    W_s = streams["W"].to_numpy(np.int64)
    pay_s = streams["payload_t_per_truck"].to_numpy(float)

    # route-flow columns: pair x supply day, kept if the cargo reaches its gate in time
    fl = pd.DataFrame({"pair": np.repeat(np.arange(len(pairs)), len(days)),
                       "t": np.tile(days, len(pairs))})
    P = pairs.iloc[fl["pair"].to_numpy()]
    fl["s"] = P["s"].to_numpy()
    fl["arrive"] = fl["t"].to_numpy() + P["gate_day"].to_numpy()
    fl = fl[(fl["s"] < 0) | (fl["arrive"] < n)].reset_index(drop=True)
    P = pairs.iloc[fl["pair"].to_numpy()].reset_index(drop=True)
    supply = net.supply.reset_index(drop=True)

    # column blocks
    blocks = [("x", len(fl)), ("u", len(supply)), ("Q", n_s * n), ("y", n_s * n), ("e", n_s * n)]
    if variant.fifo == "cumulative":
        blocks.append(("S", n_s * n))
    blocks.append(("I", len(init)))
    cols, at = {}, 0
    for name, count in blocks:
        cols[name] = (at, count)
        at += count
    n_cols = at

    def col(name, idx):
        return cols[name][0] + np.asarray(idx, dtype=np.int64)

    qi = np.arange(n_s * n)  # queue index s * n + t
    q_s, q_t = qi // n, qi % n
    M = _Triplets()
    rows, r0 = {}, 0
    lo_parts, up_parts = [], []

    def family(name, count, lower, upper):
        nonlocal r0
        rows[name] = (r0, count)
        lo_parts.append(np.broadcast_to(np.asarray(lower, float), count))
        up_parts.append(np.broadcast_to(np.asarray(upper, float), count))
        r0 += count
        return rows[name][0]

    # supply: sum x + u = supply
    skey = pd.MultiIndex.from_frame(supply[["origin", "product_id", "period"]])
    xkey = pd.MultiIndex.from_arrays([P["origin"], P["product_id"], fl["t"]])
    srow = skey.get_indexer(xkey)
    if (srow < 0).any():
        raise ValueError("a route flow without a supply row")
    base = family("supply", len(supply), supply["supply_t"], supply["supply_t"])
    M.add(base + srow, col("x", np.arange(len(fl))), 1.0)
    M.add(base + np.arange(len(supply)), col("u", np.arange(len(supply))), 1.0)

    # crossing use: loaded trucks before the gate (x) and through the gate (y)
    rc = routes.route_arcs[routes.route_arcs["kind"] == "crossing"][
        ["route_id", "seq", "element_id", "direction", "offset_h"]]
    up_ = fl[["pair", "t"]].assign(colx=np.arange(len(fl)), route_id=P["route_id"].to_numpy(),
                                   gate_seq=P["gate_seq"].to_numpy(),
                                   pay=P["payload_t_per_truck"].to_numpy(),
                                   per=P["perishable"].to_numpy())
    up_ = up_.merge(rc, on="route_id")
    up_ = up_[up_["seq"] < up_["gate_seq"]]  # crossings before the gate (gate: departures)
    use = pd.DataFrame({
        "col": col("x", up_["colx"]), "crossing_id": up_["element_id"].to_numpy(),
        "direction": up_["direction"].to_numpy(),
        "period": up_["t"].to_numpy() + np.floor(up_["offset_h"].to_numpy() / 24.0).astype(int),
        "coef": 1.0 / up_["pay"].to_numpy(), "perishable": up_["per"].to_numpy()})
    use = pd.concat([use, pd.DataFrame({
        "col": col("y", qi), "crossing_id": streams["gate"].to_numpy()[q_s],
        "direction": streams["gate_direction"].to_numpy()[q_s], "period": q_t,
        "coef": 1.0 / pay_s[q_s], "perishable": streams["perishable"].to_numpy()[q_s]})],
        ignore_index=True)
    use = use[use["period"] < n]
    share = net.tables.parameter("empty_return_share", 0.0)
    lag = int(net.tables.parameter("empty_return_days", 0.0))
    empties = use.assign(direction=use["direction"].map(FLIP), period=use["period"] + lag,
                         coef=use["coef"] * share)
    empties = empties[(empties["period"] < n) & (share > 0)]
    keys3 = ["crossing_id", "direction", "period"]
    cap = net.capacity.set_index(keys3)["capacity_trucks_per_day"]
    terms = pd.concat([use.assign(loaded=True), empties.assign(loaded=False)], ignore_index=True)
    cap_keys = terms[keys3].drop_duplicates().sort_values(keys3, kind="stable")
    cap_keys = cap_keys[pd.MultiIndex.from_frame(cap_keys).isin(cap.index)].reset_index(drop=True)
    kidx = pd.MultiIndex.from_frame(cap_keys)
    terms["row"] = kidx.get_indexer(pd.MultiIndex.from_frame(terms[keys3]))
    terms = terms[terms["row"] >= 0]
    capacity = cap.reindex(kidx).to_numpy(float)
    base = family("capacity", len(cap_keys), -np.inf, capacity)
    M.add(base + terms["row"].to_numpy(), terms["col"].to_numpy(), terms["coef"].to_numpy())
    loaded = terms.loc[terms["loaded"], ["col", "row"]].rename(columns={"row": "cap_row"})

    # priority lanes: non-perishables within (1 - share) of the capacity
    if not net.priority.empty:
        pr = cap_keys.reset_index().merge(net.priority, on=keys3)
        pr_row = pd.Series(np.arange(len(pr)), index=pr["index"].to_numpy())
        t_np = terms[~terms["perishable"].astype(bool) & terms["row"].isin(pr_row.index)]
        base = family("priority", len(pr), -np.inf,
                      (1.0 - pr["perishable_share"].to_numpy()) * capacity[pr["index"]])
        M.add(base + pr_row.loc[t_np["row"]].to_numpy(), t_np["col"].to_numpy(),
              t_np["coef"].to_numpy())

    # market demand where finite: direct deliveries and gate departures, on the arrival day
    direct = np.flatnonzero(fl["s"].to_numpy() < 0)
    dl = pd.DataFrame({
        "col": np.concatenate([col("x", direct), col("y", qi)]),
        "market": np.concatenate([P["market"].to_numpy()[direct],
                                  streams["market"].to_numpy()[q_s]]),
        "product_id": np.concatenate([P["product_id"].to_numpy()[direct],
                                      streams["product_id"].to_numpy()[q_s]]),
        "period": np.concatenate([fl["t"].to_numpy()[direct] + P["travel_days"].to_numpy()[direct],
                                  q_t + streams["down_days"].to_numpy()[q_s]])})
    dem = net.demand[net.demand["demand_t"].notna()]
    dkey = pd.MultiIndex.from_frame(dem[["market", "product_id", "period"]])
    drow = dkey.get_indexer(pd.MultiIndex.from_frame(dl[["market", "product_id", "period"]]))
    used = np.unique(drow[drow >= 0])
    renum = np.full(len(dem) + 1, -1)
    renum[used] = np.arange(len(used))
    hit = drow >= 0
    base = family("demand", len(used), -np.inf, dem["demand_t"].to_numpy(float)[used])
    M.add(base + renum[drow[hit]], dl["col"].to_numpy()[hit], 1.0)

    # destination shares (docs/model.md): per rule and dispatch day, over that day's flows of
    # the rule's origins and products to a Chinese market, homogeneous:
    # sum([market in region] - low) x >= 0 and sum([market in region] - high) x <= 0
    o_f, p_f, m_f = (P[c].to_numpy() for c in ("origin", "product_id", "market"))
    t_f = fl["t"].to_numpy()
    sh_rows, sh_lo, sh_up = [], [], []
    for rule in share_rules(net.tables):
        scope = np.flatnonzero(np.isin(o_f, rule.origins) & np.isin(p_f, rule.products)
                               & np.isin(m_f, rule.china))
        inside = np.isin(m_f[scope], rule.markets).astype(float)
        for day in np.unique(t_f[scope]):
            on = scope[t_f[scope] == day]
            for share, lo, up in ((rule.low, 0.0, np.inf), (rule.high, -np.inf, 0.0)):
                sh_rows.append((on, inside[t_f[scope] == day] - share))
                sh_lo.append(lo)
                sh_up.append(up)
    base = family("destination_share", len(sh_rows), np.array(sh_lo), np.array(sh_up))
    for r, (on, coef) in enumerate(sh_rows):
        M.add(np.full(len(on), base + r), col("x", on), coef)

    # queues: arrivals of route flows (and initial queues) per stream and day
    gated = np.flatnonzero(fl["s"].to_numpy() >= 0)
    a_s, a_t = fl["s"].to_numpy()[gated], fl["arrive"].to_numpy()[gated]
    a_col = col("x", gated)
    i_s, i_age = init["s"].to_numpy(np.int64), init["age"].to_numpy(np.int64)
    i_col = col("I", np.arange(len(init)))

    base = family("balance", n_s * n, 0.0, 0.0)
    M.add(base + qi, col("Q", qi), 1.0)
    later = qi[q_t > 0]
    M.add(base + later, col("Q", later - 1), -1.0)
    M.add(base + a_s * n + a_t, a_col, -1.0)
    M.add(base + i_s * n, i_col, -1.0)
    M.add(base + qi, col("y", qi), 1.0)
    M.add(base + qi, col("e", qi), 1.0)

    base = family("age", n_s * n, -np.inf, 0.0)
    M.add(base + qi, col("Q", qi), 1.0)
    M.add(base + qi, col("y", qi), 1.0)
    if variant.fifo == "window":
        # arrival of day a counts in the rows of days a .. a + W
        w = W_s[a_s]
        rep = np.repeat(np.arange(len(a_s)), w + 1)
        day = a_t[rep] + (np.arange(len(rep)) - np.repeat(np.cumsum(w + 1) - (w + 1), w + 1))
        ok = day < n
        M.add(base + a_s[rep][ok] * n + day[ok], a_col[rep][ok], -1.0)
    else:
        # S[t] = S[t-1] + A[t];  age: Q + y - S[t] + S[t-W-1] <= 0
        sbase = family("cumulative", n_s * n, 0.0, 0.0)
        M.add(sbase + qi, col("S", qi), 1.0)
        M.add(sbase + later, col("S", later - 1), -1.0)
        M.add(sbase + a_s * n + a_t, a_col, -1.0)
        M.add(base + qi, col("S", qi), -1.0)
        back = q_t - W_s[q_s] - 1
        old = back >= 0
        M.add(base + qi[old], col("S", q_s[old] * n + back[old]), 1.0)
    # an initial entry of age g counts on days 0 .. W - g
    last = np.minimum(W_s[i_s] - i_age, n - 1)
    rep = np.repeat(np.arange(len(init)), np.clip(last + 1, 0, None))
    day = np.arange(len(rep)) - np.repeat(np.cumsum(np.clip(last + 1, 0, None))
                                          - np.clip(last + 1, 0, None), np.clip(last + 1, 0, None))
    M.add(base + i_s[rep] * n + day, i_col[rep], -1.0)

    base = family("expiry", n_s * n, -np.inf, 0.0)
    M.add(base + qi, col("e", qi), 1.0)
    day = a_t + W_s[a_s] + 1
    ok = day < n
    M.add(base + a_s[ok] * n + day[ok], a_col[ok], -1.0)
    day = np.maximum(0, W_s[i_s] - i_age + 1)
    ok = day < n
    M.add(base + i_s[ok] * n + day[ok], i_col[ok], -1.0)

    if len(init):
        trucks = init.groupby("j")["trucks"].first().to_numpy()
        base = family("initial", len(trucks), trucks, trucks)
        M.add(base + init["j"].to_numpy(), i_col, 1.0 / pay_s[i_s])

    # objective
    price = net.demand.set_index(["market", "product_id", "period"])["price_usd_per_t"]
    cost = np.zeros(n_cols)
    x_price = price.reindex(pd.MultiIndex.from_arrays(
        [P["market"], P["product_id"], fl["t"]])).to_numpy(float)
    cost[col("x", np.arange(len(fl)))] = P["cost_usd_per_t"].to_numpy(float) - np.where(
        fl["s"].to_numpy() < 0, x_price, 0.0)
    cost[col("u", np.arange(len(supply)))] = net.products.loc[
        supply["product_id"], "penalty_usd_per_t"].to_numpy(float)
    # prices do not change over a horizon's days in the dataset: the day-0 price of the market
    y_price = price.reindex(pd.MultiIndex.from_arrays(
        [streams["market"], streams["product_id"], np.zeros(n_s, int)])).to_numpy(float)
    cost[col("y", qi)] = -y_price[q_s]
    cost[col("e", qi)] = streams["penalty_usd_per_t"].to_numpy(float)[q_s]
    waiting = net.tables.parameter("waiting_cost_usd_per_truck_day")
    # cargo still waiting at the end of the last day is valued like cargo written off
    cost[col("Q", qi)] = waiting / pay_s[q_s] + np.where(
        q_t == n - 1, streams["penalty_usd_per_t"].to_numpy(float)[q_s], 0.0)

    # bounds: closed crossings shut what takes them; must-deliver products neither rot nor wait
    col_upper = np.full(n_cols, np.inf)
    shut = loaded["col"].to_numpy()[capacity[loaded["cap_row"].to_numpy()] <= 0]
    col_upper[shut] = 0.0
    must = set(net.scenario.must_deliver)
    if must:
        col_upper[col("u", np.flatnonzero(supply["product_id"].isin(must)))] = 0.0
        col_upper[col("e", qi[streams["product_id"].isin(must).to_numpy()[q_s]])] = 0.0

    A = M.matrix(r0, n_cols)
    # packing arrays into a HighsLp is not formulation: the pipeline's helper does it
    lp = highs_lp(A, cost, np.zeros(n_cols), col_upper, np.concatenate(lo_parts),
                  np.concatenate(up_parts))
    size = {"variables": n_cols, "constraints": r0, "nonzeros": int(A.nnz), "streams": n_s,
            **{f"cols_{k}": v[1] for k, v in cols.items()},
            **{f"rows_{k}": v[1] for k, v in rows.items()}}
    return DatedLP(lp=lp, size=size, cols=cols, rows=rows, pairs=pairs, streams=streams,
                   flows=fl, cap_keys=cap_keys, loaded=loaded, n_days=n, variant=variant,
                   init_pairs=init, supply_days=supply["period"].to_numpy(np.int64))


# ---- inputs and solving ---------------------------------------------------------------------
def inputs(days: int | None = None, *, scenario: str | None = None, data=None,
           start: dt.date = dt.date(2023, 1, 1), keep_gates: tuple[str, ...] = (),
           events: tuple = (), route_options=None):
    """Network and route set of a dated run as ``run_scenario`` makes them (routes capped at
    the dated default, the gates the scenario names kept, plus ``keep_gates``).

    ``days``: the embedded dataset (or ``data``, a folder) from ``start`` for that many days
    (``events``: scenario events, e.g. closures); ``scenario``: a scenario file (e.g.
    data/scenarios/boten-2021.yaml); ``route_options``: enumeration limits other than the
    defaults (the dated cap is applied to them).
    """
    from borderflow.data.scenario import Horizon, Scenario
    from borderflow.data.scenario_files import load_scenarios
    from borderflow.model.network import build_network
    from borderflow.model.routes import RouteOptions, enumerate_routes

    from borderflow.data.dataset import load_dataset
    from borderflow.options import RunOptions
    DATED_ROUTES_PER_PRODUCT = RunOptions().dated_routes_per_product

    tables = load_dataset(data, check_borders=False)
    if scenario is not None:
        sc = load_scenarios(scenario)[0]
    else:
        sc = Scenario(name=f"days-{days}", horizon=Horizon(start=start, days=days),
                      events=list(events))
    net = build_network(tables, sc)
    named = tuple(sorted(set(net.scenario.crossings_named()) | set(keep_gates)))
    options = replace(route_options or RouteOptions(),
                      max_routes_per_product=DATED_ROUTES_PER_PRODUCT, keep_gates=named)
    return net, enumerate_routes(net, options)


#: HiGHS settings of the pipeline's dated runs (docs/performance.md)
PIPELINE = {"threads": 1, "random_seed": 0, "presolve": "on", "solver": "ipm",
            "time_limit": 3600.0}


def load(lp: highspy.HighsLp, options: dict | None = None, log_file: str | None = None):
    """A silent ``highspy.Highs`` holding ``lp`` with the pipeline's dated settings updated by
    ``options`` (HiGHS option names); ``log_file``: write HiGHS's log there."""
    h = new_highs()
    for name, value in {**PIPELINE, **(options or {})}.items():
        h.setOptionValue(name, value)
    if log_file:
        h.setOptionValue("log_file", log_file)
        h.setOptionValue("output_flag", True)
        h.setOptionValue("log_to_console", False)
    h.passModel(lp)
    return h


def solve(h: highspy.Highs) -> dict:
    """Run HiGHS; ``objective_usd``, seconds, iteration counts. ``RuntimeError`` unless
    optimal."""
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"direct dated LP ended '{h.modelStatusToString(status)}'")
    info = h.getInfo()
    return {"objective_usd": float(info.objective_function_value), "solve_s": seconds,
            "ipm_iterations": int(info.ipm_iteration_count),
            "simplex_iterations": int(info.simplex_iteration_count),
            "crossover_iterations": int(info.crossover_iteration_count),
            "pdlp_iterations": int(info.pdlp_iteration_count)}


def main() -> None:
    """Command line: build and solve one dated LP, print its size and optimum."""
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--scenario", help="a scenario file instead of --days")
    ap.add_argument("--aggregate", action="store_true")
    ap.add_argument("--fifo", choices=["window", "cumulative"], default="window")
    ap.add_argument("--solver", default="ipm")
    args = ap.parse_args()
    net, routes = inputs(args.days, scenario=args.scenario)
    t0 = time.perf_counter()
    d = build(net, routes, Variant(aggregate=args.aggregate, fifo=args.fifo))
    build_s = time.perf_counter() - t0
    out = solve(load(d.lp, {"solver": args.solver}))
    print(json.dumps({**d.size, "build_s": build_s, **out}))


if __name__ == "__main__":
    main()
