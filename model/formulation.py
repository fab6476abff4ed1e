"""The Pyomo model: multi-product, path-based min-cost flow over a period index.

``build_model`` reads as the list of what the model is made of; each constraint family is one
``define_*`` function that writes its rows as a term table (:mod:`borderflow.model.terms`).
Units: flows in tonnes per day (t/day) per period; crossing capacities in trucks/day, converted
once per product through ``payload_t_per_truck``; money in USD.

Two horizons share every family:

- **static** (one representative day, no dates): steady state, a truck uses each crossing of
  its route in the same period;
- **dated** (a day-by-day horizon plus a run-out tail): each route flow is dispatched on a day,
  reaches its crossings ``floor(hours / 24)`` days later and queues at its last crossing
  (:mod:`borderflow.model.queues` documents the FIFO discipline); cargo that waits past its
  shelf life expires.

Perishability and licences are properties of the route set (:mod:`borderflow.model.routes`): a
(route, product) variable exists only if the product is licensed at every crossing and the
route's duration (travel hours + gate dwell) is within its shelf life; in a dated horizon the
time left (``W_k`` days) bounds the wait in the queue. Produce that has no such route, or no
capacity, is *unserved*: it costs its value and, if perishable, counts as spoiled.

Objective (minimised, USD)::

    sum_f cost_usd_per_t * route_flow               generalized cost: trucking, reefer, tolls,
                                                    gate and transit fees, value of time
                                                    (:mod:`borderflow.model.costs`)
  - sum price_usd_per_t * delivered                 market revenue
  + sum_u penalty_usd_per_t * unserved              produce not shipped (rots or stays)
  + sum_q penalty_usd_per_t * expired               cargo written off in a queue
  + sum_q waiting_cost_usd_per_truck_day * queue / payload
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from borderflow.data.destinations import share_rules

from .network import DIRECTIONS, FreightNetwork
from .queues import arrivals, initial_allocations, queue_table, stream_table
from .routes import RouteSet
from .terms import add_objective, add_rows, index_set, terms

CROSS_KEYS = ["crossing_id", "direction", "period"]


@dataclass
class BuiltModel:
    """A Pyomo model and the tables that map its indices back to the network.

    Attributes
    ----------
    model : pyo.ConcreteModel
        Components named by family: variables ``route_flow``, ``unserved`` (and, dated,
        ``queue``, ``departures``, ``expired``, ``initial_queue``); constraints
        ``supply_balance``, ``crossing_capacity``, ``market_demand``, ``priority_share``,
        ``destination_share``, ``queue_balance``, ``queue_age``, ``initial_queue_total``;
        ``objective``.
    flows : DataFrame
        ``route_flow[f]``: route_id, product_id, origin, market, period (dispatch day),
        duration_h, cost_usd_per_t, price_usd_per_t, payload_t_per_truck.
    unserved : DataFrame
        ``unserved[u]``: origin, product_id, period, supply_t, penalty_usd_per_t, perishable.
    capacity_rows : DataFrame
        ``crossing_capacity[r]``: crossing_id, direction, period, capacity_trucks_per_day.
    demand_rows : DataFrame
        ``market_demand[r]``: market, product_id, period, demand_t.
    crossing_use : DataFrame
        Every variable that takes a crossing: var, idx, crossing_id, direction, period,
        trucks_per_t (1 / payload), perishable.
    streams, queues, initial : DataFrame
        Dated horizons only: streams ``k``, queue indices ``q`` and initial-queue allocations.
    share_rows, share_terms : DataFrame
        ``destination_share[r]``: rule_id, side, share; and its terms (:func:`share_table`).
    """

    model: pyo.ConcreteModel
    flows: pd.DataFrame
    unserved: pd.DataFrame
    capacity_rows: pd.DataFrame
    demand_rows: pd.DataFrame
    crossing_use: pd.DataFrame
    streams: pd.DataFrame = field(default_factory=pd.DataFrame)
    queues: pd.DataFrame = field(default_factory=pd.DataFrame)
    initial: pd.DataFrame = field(default_factory=pd.DataFrame)
    priority_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    share_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    share_terms: pd.DataFrame = field(default_factory=pd.DataFrame)

    _use_row: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def dated(self) -> bool:
        """True when the model has queues (a dated horizon)."""
        return not self.queues.empty

    def use_capacity_row(self) -> np.ndarray:
        """For each row of ``crossing_use``, its row in ``capacity_rows`` (-1: none); made once
        (sweeps look up closed crossings' variables with it for every scenario)."""
        if self._use_row is None:
            rows = self.capacity_rows[CROSS_KEYS].reset_index(drop=True).reset_index()
            hit = self.crossing_use[CROSS_KEYS].merge(rows, on=CROSS_KEYS, how="left")
            self._use_row = hit["index"].fillna(-1).to_numpy(dtype=np.int64)
        return self._use_row


def flow_table(net: FreightNetwork, routes: RouteSet) -> pd.DataFrame:
    """One row per route-flow variable: (route, product) pairs x dispatch periods."""
    periods = pd.DataFrame({"period": net.supply_periods})
    f = routes.eligible.merge(periods, how="cross")
    prices = net.demand[["market", "product_id", "period", "price_usd_per_t"]]
    f = f.merge(prices, on=["market", "product_id", "period"], how="left", validate="m:1")
    f["payload_t_per_truck"] = net.products.loc[f["product_id"], "payload_t_per_truck"].to_numpy()
    f = f.sort_values(["product_id", "route_id", "period"], kind="stable", ignore_index=True)
    f.insert(0, "f", np.arange(len(f)))
    return f


def _crossing_use(net: FreightNetwork, routes: RouteSet, flows: pd.DataFrame,
                  streams: pd.DataFrame, queues: pd.DataFrame) -> pd.DataFrame:
    """Variables that take a crossing, on which day: pass-through flows and gate departures."""
    rc = routes.route_crossings[["route_id", "seq", "element_id", "direction", "offset_h"]]
    use = flows[["f", "route_id", "product_id", "period", "payload_t_per_truck"]].merge(
        rc, on="route_id")
    if net.dated:
        last = rc.groupby("route_id")["seq"].transform("max") == rc["seq"]
        gate_seq = rc[last.to_numpy()][["route_id", "seq"]].rename(columns={"seq": "gate_seq"})
        use = use.merge(gate_seq, on="route_id")
        use = use[use["seq"] < use["gate_seq"]]
        use["period"] = use["period"] + np.floor(use["offset_h"] / 24.0).astype(int)
    use = use.rename(columns={"element_id": "crossing_id"})
    parts = [_use_rows("route_flow", use["f"], use)]
    if not queues.empty:
        parts.append(_use_rows("departures", queues["q"], queues))
    out = pd.concat(parts, ignore_index=True)
    out["perishable"] = net.products.loc[out["product_id"], "perishable"].to_numpy()
    n = len(net.periods)
    return out[out["period"] < n].reset_index(drop=True)


def _use_rows(var: str, idx: pd.Series, df: pd.DataFrame) -> pd.DataFrame:
    """Crossing-use rows of variable ``var[idx]`` from a table with crossing, day and payload."""
    return pd.DataFrame({"var": var, "idx": idx.to_numpy(),
                         "crossing_id": df["crossing_id"].to_numpy(),
                         "direction": df["direction"].to_numpy(),
                         "period": df["period"].to_numpy(),
                         "trucks_per_t": 1.0 / df["payload_t_per_truck"].to_numpy(),
                         "product_id": df["product_id"].to_numpy()})


def _empty_returns(net: FreightNetwork, use: pd.DataFrame) -> pd.DataFrame:
    """Empty trucks coming back through the opposite direction of the gate they crossed.

    A share ``empty_return_share`` (parameters.csv, default 0) of the trucks that cross return
    empty ``empty_return_days`` later through the same crossing and take inbound capacity.
    Fleet size and empty repositioning elsewhere are not modelled (no fleet data).
    """
    share = net.tables.parameter("empty_return_share", 0.0)
    if share <= 0 or use.empty:
        return use.iloc[0:0].assign(coef=[])
    lag = int(net.tables.parameter("empty_return_days", 0.0)) if net.dated else 0
    back = use.copy()
    back["direction"] = back["direction"].map({DIRECTIONS[0]: DIRECTIONS[1],
                                               DIRECTIONS[1]: DIRECTIONS[0]})
    back["period"] = back["period"] + lag
    back["trucks_per_t"] = back["trucks_per_t"] * share
    return back[back["period"] < len(net.periods)]


# ---- variables ------------------------------------------------------------------------------
def define_variables(m: pyo.ConcreteModel, built: BuiltModel) -> None:
    """Non-negative ``route_flow[f]``, ``unserved[u]`` (t/day); dated: ``queue[q]`` (t waiting
    at the end of the day), ``departures[q]``, ``expired[q]`` (t/day), ``initial_queue[i]`` (t).

    .. math:: x_f, u_{o,p,t}, Q_{k,t}, y_{k,t}, e_{k,t}, I_{j,k} \\ge 0
    """
    nn = pyo.NonNegativeReals
    m.route_flow = pyo.Var(index_set(len(built.flows)), domain=nn)
    m.unserved = pyo.Var(index_set(len(built.unserved)), domain=nn)
    nq = len(built.queues)
    m.queue = pyo.Var(index_set(nq), domain=nn)
    m.departures = pyo.Var(index_set(nq), domain=nn)
    m.expired = pyo.Var(index_set(nq), domain=nn)
    m.initial_queue = pyo.Var(index_set(len(built.initial)), domain=nn)


# ---- constraint families --------------------------------------------------------------------
def define_supply_balance_constraints(m: pyo.ConcreteModel, built: BuiltModel) -> None:
    """Everything an origin supplies on a day is dispatched on some route or unserved.

    .. math:: \\sum_{f \\in R(o,p,t)} x_f + u_{o,p,t} = s_{o,p,t} \\quad [t/day]

    Conservation at intermediate nodes holds by construction of the path formulation.
    """
    u = built.unserved
    row = u.reset_index()[["index", "origin", "product_id", "period"]].rename(
        columns={"index": "row"})
    f = built.flows.merge(row, on=["origin", "product_id", "period"])
    t = pd.concat([terms(f["row"], "route_flow", f["f"], 1.0),
                   terms(np.arange(len(u)), "unserved", np.arange(len(u)), 1.0)])
    supply = u["supply_t"].to_numpy()
    add_rows(m, "supply_balance", len(u), t, lower=supply, upper=supply)


def define_crossing_capacity_constraints(m: pyo.ConcreteModel, built: BuiltModel,
                                         net: FreightNetwork) -> None:
    """Trucks through a crossing, per direction and day, within its capacity.

    .. math:: \\sum_{v \\ni (c,d,t)} v / \\text{payload}_v
              + \\sigma \\sum_{v \\ni (c,\\bar d,t-\\ell)} v / \\text{payload}_v \\le K_{c,d,t}
              \\quad [trucks/day]

    Products share the capacity; loaded trucks (pass-through flows, or queue departures at the
    gate where the stream queues) and returning empties (share :math:`\\sigma`) count.
    """
    use = built.crossing_use
    loaded = use.assign(coef=use["trucks_per_t"])
    empties = _empty_returns(net, use)
    allterms = pd.concat([loaded, empties.assign(coef=empties["trucks_per_t"])],
                         ignore_index=True)
    rows = built.capacity_rows.reset_index()[["index", *CROSS_KEYS]].rename(
        columns={"index": "row"})
    t = allterms.merge(rows, on=CROSS_KEYS)
    add_rows(m, "crossing_capacity", len(rows), terms(t["row"], "route_flow", t["idx"],
                                                      t["coef"]).assign(var=t["var"].to_numpy()),
             upper=built.capacity_rows["capacity_trucks_per_day"].to_numpy())


def define_priority_constraints(m: pyo.ConcreteModel, built: BuiltModel) -> None:
    """A share of a gate's capacity reserved for perishables: other goods use at most the rest.

    .. math:: \\sum_{v \\ni (c,d,t),\\ p(v)\\ \\text{not perishable}} v / \\text{payload}_v
              \\le (1 - s_{c,d,t}) K_{c,d,t}
    """
    rows = built.priority_rows
    if rows.empty:
        add_rows(m, "priority_share", 0, terms([], "route_flow", [], []))
        return
    key = rows.reset_index()[["index", *CROSS_KEYS]].rename(columns={"index": "row"})
    use = built.crossing_use[~built.crossing_use["perishable"].astype(bool)]
    t = use.merge(key, on=CROSS_KEYS)
    table = terms(t["row"], "route_flow", t["idx"], t["trucks_per_t"]).assign(
        var=t["var"].to_numpy())
    add_rows(m, "priority_share", len(rows), table, upper=rows["limit_trucks_per_day"].to_numpy())


def define_market_demand_constraints(m: pyo.ConcreteModel, built: BuiltModel) -> None:
    """Deliveries to a market with finite demand stay within it, per day of delivery.

    .. math:: \\sum_{v \\in D(m,p,t)} v \\le d_{m,p,t} \\quad [t/day]
    """
    rows = built.demand_rows
    key = rows.reset_index()[["index", "market", "product_id", "period"]].rename(
        columns={"index": "row"})
    d = _deliveries(built).merge(key, on=["market", "product_id", "period"])
    table = terms(d["row"], "route_flow", d["idx"], 1.0).assign(var=d["var"].to_numpy())
    add_rows(m, "market_demand", len(rows), table, upper=rows["demand_t"].to_numpy())


def share_table(net: FreightNetwork, flows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows and terms of the destination-share family.

    Returns
    -------
    (rows, terms)
        ``rows``: ``rule_id, side`` (``low``/``high``), ``share`` (the band's end), one per
        rule side with flows in its scope; ``terms``: ``row, f, coef`` with ``coef = [market in
        the region] - share`` for every flow of the rule's origins and products to a Chinese
        market.
    """
    rows, terms = [], []
    origin, product, market = (flows[c].to_numpy() for c in ("origin", "product_id", "market"))
    for rule in share_rules(net.tables):
        scope = np.flatnonzero(np.isin(origin, rule.origins) & np.isin(product, rule.products)
                               & np.isin(market, rule.china))
        if not len(scope):
            continue
        inside = np.isin(market[scope], rule.markets).astype(float)
        for side, share in (("low", rule.low), ("high", rule.high)):
            terms.append(pd.DataFrame({"row": len(rows), "f": flows["f"].to_numpy()[scope],
                                       "coef": inside - share}))
            rows.append((rule.rule_id, side, share))
    table = pd.concat(terms, ignore_index=True) if terms else pd.DataFrame(
        {"row": pd.Series(dtype=np.int64), "f": pd.Series(dtype=np.int64),
         "coef": pd.Series(dtype=float)})
    return pd.DataFrame(rows, columns=["rule_id", "side", "share"]), table


def define_destination_share_constraints(m: pyo.ConcreteModel, built: BuiltModel) -> None:
    r"""Where exports go: of what origins (a country, or ``VN;TH;LA`` together) deliver of a
    product group to Chinese markets, the share that ends in a region lies in the band of
    ``destination_shares.csv`` (:mod:`borderflow.data.destinations`), over the run's periods.

    With :math:`F_\rho` the flows of rule :math:`\rho` (its origins and products, to any
    Chinese market), :math:`M_\rho` the region's markets and :math:`[\ell_\rho, h_\rho]` the
    band (homogeneous rows, so the model stays an LP and a scaled supply keeps its split):

    .. math:: \sum_{f \in F_\rho} ([m_f \in M_\rho] - \ell_\rho)\, x_f \ge 0, \qquad
              \sum_{f \in F_\rho} ([m_f \in M_\rho] - h_\rho)\, x_f \le 0 \quad [t/day]

    Shares rather than regional demand caps: the sources publish splits, not tonnes, and a
    split holds whatever the supply (calibration moves supply; a closure moves volumes).
    """
    rows, t = built.share_rows, built.share_terms
    low = np.where(rows["side"] == "low", 0.0, -np.inf)
    high = np.where(rows["side"] == "high", 0.0, np.inf)
    add_rows(m, "destination_share", len(rows), terms(t["row"], "route_flow", t["f"], t["coef"]),
             lower=low, upper=high)


def _deliveries(built: BuiltModel) -> pd.DataFrame:
    """Variables delivering to a market and the period they arrive (var, idx, market, ...)."""
    f = built.flows
    direct = f if not built.dated else f[~f["route_id"].isin(built.streams["route_id"])]
    days = np.floor(direct["duration_h"].to_numpy() / 24.0).astype(int) if built.dated else 0
    out = [pd.DataFrame({"var": "route_flow", "idx": direct["f"].to_numpy(),
                         "market": direct["market"].to_numpy(),
                         "product_id": direct["product_id"].to_numpy(),
                         "period": direct["period"].to_numpy() + days})]
    if built.dated:
        q = built.queues
        out.append(pd.DataFrame({"var": "departures", "idx": q["q"].to_numpy(),
                                 "market": q["market"].to_numpy(),
                                 "product_id": q["product_id"].to_numpy(),
                                 "period": (q["period"] + q["downstream_days"]).to_numpy()}))
    return pd.concat(out, ignore_index=True)


def define_queue_balance_constraints(m: pyo.ConcreteModel, built: BuiltModel) -> None:
    """Queue stock carried from day to day at each stream's gate.

    .. math:: Q_{k,t} = Q_{k,t-1} + \\sum_{f:\\ t_f + o_k = t} x_f + [t=0] \\sum_j I_{j,k}
              - y_{k,t} - e_{k,t} \\quad [t]
    """
    q = built.queues
    if q.empty:
        add_rows(m, "queue_balance", 0, terms([], "queue", [], []))
        return
    n_p = int(q["period"].max()) + 1
    rows = q["q"].to_numpy()
    prev = q[q["period"] > 0]
    arr = arrivals(built.flows, built.streams)
    arr = arr[arr["arrival_period"] < n_p]
    arr_rows = arr["k"].to_numpy() * n_p + arr["arrival_period"].to_numpy()
    init = built.initial
    table = pd.concat([
        terms(rows, "queue", rows, 1.0),
        terms(prev["q"], "queue", prev["q"].to_numpy() - 1, -1.0),
        terms(arr_rows, "route_flow", arr["f"], -1.0),
        terms(init["k"].to_numpy() * n_p, "initial_queue", init["i"], -1.0),
        terms(rows, "departures", rows, 1.0),
        terms(rows, "expired", rows, 1.0)], ignore_index=True)
    zeros = np.zeros(len(q))
    add_rows(m, "queue_balance", len(q), table, lower=zeros, upper=zeros)


def define_queue_age_constraints(m: pyo.ConcreteModel, built: BuiltModel) -> None:
    """FIFO age limit: what is still queued at the end of day t plus what crossed on day t
    arrived in the last ``W_k`` days; older cargo crossed on an earlier day or expires on day t
    (cargo arriving on day a may cross up to day a + W_k, never on the day it expires).

    .. math:: Q_{k,t} + y_{k,t} \\le \\sum_{a = t - W_k}^{t} A_{k,a}
              + \\sum_j [t \\le W_k - \\text{age}_j] I_{j,k}
    """
    q = built.queues
    if q.empty:
        add_rows(m, "queue_age", 0, terms([], "queue", [], []))
        return
    n_p = int(q["period"].max()) + 1
    arr = arrivals(built.flows, built.streams)
    # each arrival counts in the rows of days a .. a + W_k
    w = arr["max_wait_days"].to_numpy(dtype=np.int64)
    rep = np.repeat(np.arange(len(arr)), w + 1)
    lag = np.concatenate([np.arange(x + 1) for x in w]) if len(w) else np.array([], int)
    day = arr["arrival_period"].to_numpy()[rep] + lag
    ok = day < n_p
    rows_a = arr["k"].to_numpy()[rep][ok] * n_p + day[ok]
    init = built.initial.merge(built.streams[["k", "max_wait_days"]], on="k")
    last = (init["max_wait_days"] - init["age_days"]).to_numpy(dtype=np.int64)
    rep_i = np.repeat(np.arange(len(init)), np.clip(last + 1, 0, n_p))
    lag_i = np.concatenate([np.arange(max(0, min(x + 1, n_p))) for x in last]) \
        if len(last) else np.array([], int)
    rows_i = init["k"].to_numpy()[rep_i] * n_p + lag_i
    rows = q["q"].to_numpy()
    table = pd.concat([terms(rows, "queue", rows, 1.0),
                       terms(rows, "departures", rows, 1.0),
                       terms(rows_a, "route_flow", arr["f"].to_numpy()[rep][ok], -1.0),
                       terms(rows_i, "initial_queue", init["i"].to_numpy()[rep_i], -1.0)],
                      ignore_index=True)
    add_rows(m, "queue_age", len(q), table, upper=np.zeros(len(q)))


def define_queue_expiry_constraints(m: pyo.ConcreteModel, built: BuiltModel) -> None:
    r"""Only cargo that has outlived its shelf life is written off, on the day it does.

    A stream's cargo arriving on day ``a`` may wait until the end of day ``a + W_k``; what is
    still there on day ``a + W_k + 1`` expires. Nothing vanishes from a queue earlier, so the LP
    cannot dump trucks to save waiting costs.

    .. math:: e_{k,t} \le A_{k,\,t - W_k - 1}
              + \sum_j [t = \max(0, W_k - \text{age}_j + 1)] I_{j,k}
    """
    q = built.queues
    if q.empty:
        add_rows(m, "queue_expiry", 0, terms([], "expired", [], []))
        return
    n_p = int(q["period"].max()) + 1
    arr = arrivals(built.flows, built.streams)
    day = arr["arrival_period"].to_numpy() + arr["max_wait_days"].to_numpy(dtype=np.int64) + 1
    ok = day < n_p
    init = built.initial.merge(built.streams[["k", "max_wait_days"]], on="k")
    day_i = np.maximum(0, (init["max_wait_days"] - init["age_days"]).to_numpy(dtype=np.int64)
                       + 1)
    ok_i = day_i < n_p
    rows = q["q"].to_numpy()
    table = pd.concat([
        terms(rows, "expired", rows, 1.0),
        terms(arr["k"].to_numpy()[ok] * n_p + day[ok], "route_flow", arr["f"].to_numpy()[ok],
              -1.0),
        terms(init["k"].to_numpy()[ok_i] * n_p + day_i[ok_i], "initial_queue",
              init["i"].to_numpy()[ok_i], -1.0)], ignore_index=True)
    add_rows(m, "queue_expiry", len(q), table, upper=np.zeros(len(q)))


def define_initial_queue_constraints(m: pyo.ConcreteModel, built: BuiltModel) -> None:
    """Trucks waiting when the horizon starts are split over the streams they may belong to.

    .. math:: \\sum_k I_{j,k} / \\text{payload}_k = \\text{trucks}_j
    """
    init = built.initial
    if init.empty:
        add_rows(m, "initial_queue_total", 0, terms([], "initial_queue", [], []))
        return
    payload = built.streams.set_index("k").loc[init["k"], "payload_t_per_truck"].to_numpy()
    table = terms(init["j"], "initial_queue", init["i"], 1.0 / payload)
    trucks = init.groupby("j")["trucks"].first().to_numpy()
    add_rows(m, "initial_queue_total", len(trucks), table, lower=trucks, upper=trucks)


def define_closure_bounds(m: pyo.ConcreteModel, built: BuiltModel) -> None:
    """A closed (or not yet built) crossing carries nothing: what would take it is bounded to 0.

    .. math:: K_{c,d,t} = 0 \\Rightarrow v \\le 0 \\quad \\forall v \\ni (c,d,t)

    Written as variable upper bounds (not rows) so a scenario sweep re-solves by changing bounds.
    """
    shut = closed_variables(built, built.capacity_rows)
    for var, idx in zip(shut["var"].tolist(), shut["idx"].astype(int).tolist()):
        getattr(m, var)[idx].setub(0.0)


def define_delivery_requirements(m: pyo.ConcreteModel, built: BuiltModel,
                                 products: tuple[str, ...]) -> None:
    """Products that must be delivered in full (a scenario's ``must_deliver``): nothing of them
    is unserved at its origin or expires in a queue.

    .. math:: u_{o,p,t} \\le 0, \\; e_{k,t} \\le 0 \\quad \\forall p \\in P_{\\text{must}}

    Hard bounds: a scenario that cannot meet them is infeasible, and
    :mod:`borderflow.model.infeasibility` says why.
    """
    if not products:
        return
    for u in np.flatnonzero(built.unserved["product_id"].isin(products).to_numpy()):
        m.unserved[int(u)].setub(0.0)
    if built.dated:
        for q in np.flatnonzero(built.queues["product_id"].isin(products).to_numpy()):
            m.expired[int(q)].setub(0.0)


def closed_variables(built: BuiltModel, capacity: pd.DataFrame) -> pd.DataFrame:
    """``var, idx`` of every variable that takes a crossing on a day it has no capacity.

    ``capacity`` is aligned with ``built.capacity_rows`` (same rows, same order).
    """
    closed = capacity["capacity_trucks_per_day"].to_numpy(dtype=float) <= 0
    closed_row = np.append(closed, False)  # a use with no capacity row (-1) picks the False
    return built.crossing_use.loc[closed_row[built.use_capacity_row()], ["var", "idx"]]


def define_objective(m: pyo.ConcreteModel, built: BuiltModel, net: FreightNetwork) -> None:
    """Minimise transport cost minus revenue plus lost value and waiting cost (USD).

    .. math:: \\min \\sum_f c_f x_f - \\sum \\pi\\,\\text{delivered} + \\sum_u \\rho_u u_u
              + \\sum_q \\rho_q e_q + \\omega \\sum_q Q_q / \\text{payload}_q
    """
    f, u, q = built.flows, built.unserved, built.queues
    deliver = _deliveries(built).drop(columns=["period"])
    price = pd.concat([f[["f", "price_usd_per_t"]].rename(columns={"f": "idx"}).assign(
        var="route_flow"), q[["q"]].rename(columns={"q": "idx"}).assign(
        var="departures", price_usd_per_t=_queue_price(built))], ignore_index=True)
    deliver = deliver.merge(price, on=["var", "idx"])
    waiting = net.tables.parameter("waiting_cost_usd_per_truck_day")
    table = pd.concat([
        terms(0 * f["f"], "route_flow", f["f"], f["cost_usd_per_t"]),
        terms(np.zeros(len(deliver)), "route_flow", deliver["idx"],
              -deliver["price_usd_per_t"]).assign(var=deliver["var"].to_numpy()),
        terms(np.zeros(len(u)), "unserved", np.arange(len(u)), u["penalty_usd_per_t"]),
        terms(np.zeros(len(q)), "expired", q["q"] if len(q) else [],
              q["penalty_usd_per_t"] if len(q) else []),
        terms(np.zeros(len(q)), "queue", q["q"] if len(q) else [],
              waiting / q["payload_t_per_truck"] if len(q) else [])], ignore_index=True)
    add_objective(m, table)


def _queue_price(built: BuiltModel) -> np.ndarray:
    if built.queues.empty:
        return np.array([])
    price = built.flows.groupby(["market", "product_id"])["price_usd_per_t"].first()
    return price.reindex(pd.MultiIndex.from_frame(built.queues[["market", "product_id"]])
                         ).to_numpy()


# ---- assembly -------------------------------------------------------------------------------
def _index_tables(net: FreightNetwork, routes: RouteSet) -> BuiltModel:
    flows = flow_table(net, routes)
    streams = stream_table(net, routes)
    if not net.dated:
        streams = streams.iloc[0:0]
    queues = queue_table(streams, len(net.periods))
    initial = initial_allocations(net, streams)
    if net.dated:
        # a flow must reach its queue gate within the modelled days
        arr = arrivals(flows, streams)
        late = arr.loc[arr["arrival_period"] >= len(net.periods), "f"]
        flows = flows[~flows["f"].isin(late)].reset_index(drop=True)
        flows["f"] = np.arange(len(flows))
    unserved = net.supply.merge(net.products[["penalty_usd_per_t", "perishable"]],
                                left_on="product_id", right_index=True)
    unserved = unserved.sort_values(["origin", "product_id", "period"], kind="stable",
                                    ignore_index=True)
    use = _crossing_use(net, routes, flows, streams, queues)
    # a direction taken only by returning empties needs its capacity row too
    used = pd.concat([use, _empty_returns(net, use)])[CROSS_KEYS].drop_duplicates()
    capacity_rows = net.capacity.merge(used, on=CROSS_KEYS).sort_values(
        CROSS_KEYS, kind="stable", ignore_index=True)
    demand_rows = net.demand[net.demand["demand_t"].notna()]
    partial = BuiltModel(model=pyo.ConcreteModel(), flows=flows, unserved=unserved,
                         capacity_rows=capacity_rows, demand_rows=demand_rows.iloc[0:0],
                         crossing_use=use, streams=streams, queues=queues, initial=initial)
    reached = _deliveries(partial)[["market", "product_id", "period"]].drop_duplicates()
    partial.demand_rows = demand_rows.merge(reached, on=["market", "product_id", "period"]) \
        .sort_values(["market", "product_id", "period"], kind="stable", ignore_index=True)
    partial.priority_rows = priority_rows(net.priority, capacity_rows)
    partial.share_rows, partial.share_terms = share_table(net, flows)
    return partial


def priority_rows(priority: pd.DataFrame, capacity_rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of the priority family: capacity left to non-perishables per crossing-day."""
    if priority.empty:
        return pd.DataFrame(columns=[*CROSS_KEYS, "limit_trucks_per_day"])
    rows = capacity_rows.merge(priority, on=CROSS_KEYS)
    rows["limit_trucks_per_day"] = (1.0 - rows["perishable_share"]) * \
        rows["capacity_trucks_per_day"]
    return rows[[*CROSS_KEYS, "limit_trucks_per_day"]].reset_index(drop=True)


def build_model(net: FreightNetwork, routes: RouteSet) -> BuiltModel:
    """Build the Pyomo LP of a network and its route set.

    Parameters
    ----------
    net : FreightNetwork
        Periods, supply, demand, crossing capacities and priority rules (after the scenario).
    routes : RouteSet
        Eligible (route, product) pairs with cost per tonne.

    Returns
    -------
    BuiltModel

    Raises
    ------
    ValueError
        If an initial queue has no route through its gate.
    """
    built = _index_tables(net, routes)
    m = pyo.ConcreteModel(name=f"borderflow:{net.scenario.name}")
    built.model = m
    define_variables(m, built)
    define_supply_balance_constraints(m, built)
    define_crossing_capacity_constraints(m, built, net)
    define_priority_constraints(m, built)
    define_market_demand_constraints(m, built)
    define_destination_share_constraints(m, built)
    define_queue_balance_constraints(m, built)
    define_queue_age_constraints(m, built)
    define_queue_expiry_constraints(m, built)
    define_initial_queue_constraints(m, built)
    define_closure_bounds(m, built)
    define_delivery_requirements(m, built, net.scenario.must_deliver)
    define_objective(m, built, net)
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return built


@dataclass
class BoundUpdate:
    """What differs between two scenarios of one model structure, as bounds.

    Bounds are numpy arrays in the component's index order, ``inf``/``-inf`` where unbounded.

    Attributes
    ----------
    rows : dict of constraint component -> (lower, upper)
        New right-hand sides (supply balance equalities, capacity and priority upper bounds).
    columns : dict of variable component -> (lower, upper)
        New variable bounds (closures open or shut what takes a crossing).
    """

    rows: dict
    columns: dict


def bound_updates(built: BuiltModel, net: FreightNetwork) -> BoundUpdate:
    """Bounds that turn ``built`` (built for one scenario) into the model of ``net``'s scenario.

    ``net`` must share ``built``'s structure: the same dataset, route set, periods, priority
    rules and initial queues (its scenario may change capacities, closures, builds and supply).
    Used by sweeps to re-solve a kept HiGHS model instead of rebuilding it.
    """
    m = built.model
    cap = built.capacity_rows[CROSS_KEYS].merge(net.capacity, on=CROSS_KEYS, how="left")
    prio = priority_rows(net.priority, cap)
    if len(prio) != len(built.priority_rows):
        raise ValueError("priority rules differ: the scenario needs its own model")
    sup = built.unserved[["origin", "product_id", "period"]].merge(
        net.supply, on=["origin", "product_id", "period"], how="left")
    supply = sup["supply_t"].to_numpy(dtype=float)

    def upper(values) -> tuple[np.ndarray, np.ndarray]:
        values = np.asarray(values, dtype=float)
        return np.full(len(values), -np.inf), values

    rows = {m.crossing_capacity: upper(cap["capacity_trucks_per_day"]),
            m.priority_share: upper(prio["limit_trucks_per_day"]),
            m.supply_balance: (supply, supply.copy())}
    use = closed_variables(built, cap)
    columns = {}
    for var in ("route_flow", "departures"):
        comp = getattr(m, var)
        up = np.full(len(comp), np.inf)
        up[use.loc[use["var"] == var, "idx"].to_numpy(dtype=np.int64)] = 0.0
        columns[comp] = (np.zeros(len(comp)), up)
    return BoundUpdate(rows=rows, columns=columns)


# ---- time structure (for rolling-horizon solves) --------------------------------------------
def column_periods(built: BuiltModel) -> dict:
    """The day each variable belongs to, per variable component (dated models).

    Route flows: the day they are dispatched; unserved: the day of supply; queue, departures,
    expired: the day of the queue; initial queues: day 0. Every row of the model involves only
    variables of its own day and earlier ones (it is *causal*), which is what lets a dated
    model be solved window by window (:mod:`borderflow.solvers.rolling`).
    """
    m = built.model
    q = built.queues["period"].to_numpy(dtype=np.int64) if built.dated else np.zeros(0, int)
    return {m.route_flow: built.flows["period"].to_numpy(dtype=np.int64),
            m.unserved: built.unserved["period"].to_numpy(dtype=np.int64),
            m.queue: q, m.departures: q, m.expired: q,
            m.initial_queue: np.zeros(len(built.initial), dtype=np.int64)}


def lookahead_days(built: BuiltModel, net: FreightNetwork) -> int:
    """Days between a route flow's dispatch (or a gate departure) and the last capacity or
    market row it counts in (returning empties included).

    A rolling-horizon window must look at least this far past the days it commits, so that
    what it commits fits the capacity and markets of the days after it; queue rows need no
    look-ahead (cargo that cannot cross in time can always expire).
    """
    if not built.dated:
        return 0
    use = built.crossing_use
    terms_ = pd.concat([use, _empty_returns(net, use), _deliveries(built)], ignore_index=True)
    own = {"route_flow": built.flows["period"].to_numpy(),
           "departures": built.queues["period"].to_numpy()}
    lag = [terms_.loc[terms_["var"] == var, "period"].to_numpy()
           - own[var][terms_.loc[terms_["var"] == var, "idx"].to_numpy(dtype=np.int64)]
           for var in own]
    return int(max((x.max(initial=0) for x in lag), default=0))


def longest_queue_wait_days(built: BuiltModel) -> int:
    """The longest a cargo may wait in a gate queue (0 without queues): the default look-ahead
    of a rolling window, so that every committed dispatch is seen to its crossing or expiry."""
    return int(built.streams["max_wait_days"].max()) if built.dated and len(built.streams) \
        else 0
