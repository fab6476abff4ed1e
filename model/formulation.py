"""The Pyomo model: multi-product, path-based min-cost flow over a period index.

``build_model`` reads as the list of what the model is made of: first the index tables (which
variable and which row is which, :mod:`borderflow.model.indices`), then one ``define_*``
function per constraint family that writes its rows as a term table
(:mod:`borderflow.model.terms`) with rows and columns looked up by key.
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
  + sum_k penalty_usd_per_t * queue[k, last day]    cargo still waiting when the run ends
  + sum_j hours * vot * payload * congestion[j]     static: delay in the congestion tiers
                                                    (:mod:`borderflow.model.congestion`)

(Over 500 lines: every constraint family every run has is here, next to the others, so the
model reads in one file; the families only some runs have are beside it (gate entry:
:mod:`borderflow.model.levers`, stock at origins: :mod:`borderflow.model.origin_stock`,
congestion tiers: :mod:`borderflow.model.congestion`; the list: docs/architecture.md), the
index tables in :mod:`borderflow.model.indices`, Pyomo's internals in
:mod:`borderflow.model.pyomo_layer`.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .congestion import CongestionIndex, congestion_index, congestion_objective_terms, \
    congestion_rows_upper, define_congestion, define_congestion_variables
from .indices import CROSS_KEYS, SUPPLY_KEYS, IndexTables, index_tables, priority_rows
from .levers import define_gate_entry_constraints, entry_bounds
from .licences import check_same_pairs
from .network import FreightNetwork
from .origin_stock import StockIndex, define_origin_stock, define_origin_stock_variables, \
    held_stock, supply_terms
from .origin_stock import objective_terms as stock_objective_terms
from .pyomo_layer import array_var, no_collection
from .routes import RouteSet
from .terms import add_objective, add_rows, index_set, terms

__all__ = ["CROSS_KEYS", "BoundUpdate", "BuiltModel", "bound_updates", "build_model",
           "closed_variables", "column_periods", "left_value_usd_per_t", "lookahead_days",
           "longest_queue_wait_days"]


def _of_index(name: str, doc: str) -> property:
    """A read-only attribute that is the index tables' attribute ``name``."""
    return property(lambda self: getattr(self.index, name), doc=f"{doc} (``index.{name}``)")


@dataclass(frozen=True, eq=False)
class BuiltModel:
    """A Pyomo model and the index tables that map its indices back to the network.

    Attributes
    ----------
    model : pyo.ConcreteModel
        Components named by family: variables ``route_flow``, ``unserved`` (and, dated,
        ``queue``, ``departures``, ``expired``, ``initial_queue``); constraints
        ``supply_balance``, ``crossing_capacity``, ``priority_share``, ``market_demand``,
        ``destination_share``, ``queue_balance``, ``queue_age``, ``queue_expiry``,
        ``initial_queue_total``, ``gate_entry_limit``; dated runs with a dispatch hold:
        ``origin_stock``, ``stock_release``, ``stock_writeoff`` and their rows
        (:mod:`borderflow.model.origin_stock`); ``objective``; and whatever an
        extension added (:mod:`borderflow.model.extend`).
    index : IndexTables
        What each variable and row index stands for (:mod:`borderflow.model.indices`); its
        tables are also attributes of the built model (``built.flows`` is
        ``built.index.flows``).
    """

    model: pyo.ConcreteModel
    index: IndexTables
    #: rows of ``gate_entry_limit`` (slot quotas, dispatch holds: :mod:`borderflow.model.levers`)
    entry_rows: pd.DataFrame | None = None
    #: dated runs with a dispatch hold: stock at origins (:mod:`borderflow.model.origin_stock`)
    stock: StockIndex | None = None
    #: static runs with congestion tiers (:mod:`borderflow.model.congestion`)
    congestion: CongestionIndex | None = None

    dated = _of_index("dated", "True for a day-by-day horizon (queues at the gates).")
    flows = _of_index("flows", "``route_flow[f]``.")
    unserved = _of_index("unserved", "``unserved[u]`` and ``supply_balance[u]``.")
    capacity_rows = _of_index("capacity_rows", "``crossing_capacity[r]``.")
    demand_rows = _of_index("demand_rows", "``market_demand[r]``.")
    priority_rows = _of_index("priority_rows", "``priority_share[r]``.")
    share_rows = _of_index("share_rows", "``destination_share[r]``.")
    share_terms = _of_index("share_terms", "Terms of ``destination_share[r]``.")
    crossing_use = _of_index("crossing_use", "Variables that take a crossing on a day.")
    streams = _of_index("streams", "Dated: streams ``k``.")
    queues = _of_index("queues", "Dated: queue indices ``q``.")
    initial = _of_index("initial", "Dated: initial-queue allocations ``i``.")

    def use_capacity_row(self) -> np.ndarray:
        """For each row of ``crossing_use``, its ``crossing_capacity`` row (-1: none)."""
        return self.index.use_capacity_row()


# ---- variables ------------------------------------------------------------------------------
def define_variables(m: pyo.ConcreteModel, ix: IndexTables) -> None:
    """Non-negative ``route_flow[f]``, ``unserved[u]`` (t/day); dated: ``queue[q]`` (t waiting
    at the end of the day), ``departures[q]``, ``expired[q]`` (t/day), ``initial_queue[i]`` (t).

    .. math:: x_f, u_{o,p,t}, Q_{k,t}, y_{k,t}, e_{k,t}, I_{j,k} \\ge 0
    """
    nn = pyo.NonNegativeReals
    # each entry (a Pyomo VarData) is made when first asked for, not here (ArrayVar)
    m.route_flow = array_var(index_set(len(ix.flows)), nn)
    m.unserved = array_var(index_set(len(ix.unserved)), nn)
    nq = len(ix.queues)
    m.queue = array_var(index_set(nq), nn)
    m.departures = array_var(index_set(nq), nn)
    m.expired = array_var(index_set(nq), nn)
    m.initial_queue = array_var(index_set(len(ix.initial)), nn)


# ---- constraint families --------------------------------------------------------------------
def define_supply_balance_constraints(m: pyo.ConcreteModel, ix: IndexTables,
                                      extra: pd.DataFrame | None = None) -> None:
    """Everything an origin supplies on a day is dispatched on some route or unserved.

    .. math:: \\sum_{f \\in R(o,p,t)} x_f + u_{o,p,t} = s_{o,p,t} \\quad [t/day]

    Conservation at intermediate nodes holds by construction of the path formulation.
    ``extra``: more terms in these rows (origin stock under a hold,
    :func:`borderflow.model.origin_stock.supply_terms`).
    """
    u = ix.unserved
    row = ix.supply_row(ix.flows)
    has = row >= 0
    t = [terms(row[has], "route_flow", ix.flows["f"].to_numpy()[has], 1.0),
         terms(np.arange(len(u)), "unserved", np.arange(len(u)), 1.0), extra]
    supply = u["supply_t"].to_numpy()
    add_rows(m, "supply_balance", len(u), t, lower=supply, upper=supply)


def define_crossing_capacity_constraints(m: pyo.ConcreteModel, ix: IndexTables) -> None:
    """Trucks through a crossing, per direction and day, within its capacity.

    .. math:: \\sum_{v \\ni (c,d,t)} v / \\text{payload}_v
              + \\sigma \\sum_{v \\ni (c,\\bar d,t-\\ell)} v / \\text{payload}_v \\le K_{c,d,t}
              \\quad [trucks/day]

    Products share the capacity; loaded trucks (pass-through flows, or queue departures at the
    gate where the stream queues) and returning empties (share :math:`\\sigma`) count.
    """
    t = pd.concat([ix.crossing_use, ix.empty_returns()], ignore_index=True)
    row = ix.capacity_row(t)
    has = row >= 0
    add_rows(m, "crossing_capacity", len(ix.capacity_rows),
             _var_terms(row[has], t[has], t["trucks_per_t"].to_numpy()[has]),
             upper=ix.capacity_rows["capacity_trucks_per_day"].to_numpy())


def _var_terms(row, table: pd.DataFrame, coef) -> pd.DataFrame:
    """Terms ``coef * <table.var>[table.idx]`` in rows ``row`` (variables of several
    components)."""
    return terms(row, "route_flow", table["idx"], coef).assign(
        var=table["var"].astype("category").array)


def define_priority_constraints(m: pyo.ConcreteModel, ix: IndexTables) -> None:
    """A share of a gate's capacity reserved for perishables: other goods use at most the rest.

    .. math:: \\sum_{v \\ni (c,d,t),\\ p(v)\\ \\text{not perishable}} v / \\text{payload}_v
              \\le (1 - s_{c,d,t}) K_{c,d,t}
    """
    rows = ix.priority_rows
    if rows.empty:
        add_rows(m, "priority_share", 0, terms([], "route_flow", [], []))
        return
    use = ix.crossing_use[~ix.crossing_use["perishable"].astype(bool)]
    row = ix.priority_row(use)
    has = row >= 0
    add_rows(m, "priority_share", len(rows),
             _var_terms(row[has], use[has], use["trucks_per_t"].to_numpy()[has]),
             upper=rows["limit_trucks_per_day"].to_numpy())


def define_market_demand_constraints(m: pyo.ConcreteModel, ix: IndexTables) -> None:
    """Deliveries to a market with finite demand stay within it, per day of delivery.

    .. math:: \\sum_{v \\in D(m,p,t)} v \\le d_{m,p,t} \\quad [t/day]
    """
    rows = ix.demand_rows
    d = ix.deliveries()
    row = ix.demand_row(d)
    has = row >= 0
    add_rows(m, "market_demand", len(rows), _var_terms(row[has], d[has], 1.0),
             upper=rows["demand_t"].to_numpy())


def define_destination_share_constraints(m: pyo.ConcreteModel, ix: IndexTables) -> None:
    r"""Where exports go: of what origins (a country, or ``VN;TH;LA`` together) deliver of a
    product group to Chinese markets, the share that ends in a region lies in the band of
    ``destination_shares.csv`` (:mod:`borderflow.data.destinations`): over the representative
    day in a static run, over each **dispatch day** in a dated run (the flows dispatched that
    day; a day's rows involve only that day's variables, so rolling windows stay causal).

    With :math:`F_\rho` the flows of rule :math:`\rho` (its origins and products, to any
    Chinese market), :math:`M_\rho` the region's markets and :math:`[\ell_\rho, h_\rho]` the
    band (homogeneous rows, so the model stays an LP and a scaled supply keeps its split):

    .. math:: \sum_{f \in F_{\rho,t}} ([m_f \in M_\rho] - \ell_\rho)\, x_f \ge 0, \qquad
              \sum_{f \in F_{\rho,t}} ([m_f \in M_\rho] - h_\rho)\, x_f \le 0 \quad [t/day]

    (:math:`F_{\rho,t}`: the flows of rule :math:`\rho` dispatched on day ``t``; static: all.)

    Shares rather than regional demand caps: the sources publish splits, not tonnes, and a
    split holds whatever the supply (calibration moves supply; a closure moves volumes).
    Rows and terms: :func:`borderflow.model.indices.share_table`.
    """
    rows, t = ix.share_rows, ix.share_terms
    low = np.where(rows["side"] == "low", 0.0, -np.inf)
    high = np.where(rows["side"] == "high", 0.0, np.inf)
    add_rows(m, "destination_share", len(rows), terms(t["row"], "route_flow", t["f"], t["coef"]),
             lower=low, upper=high)


def define_queue_balance_constraints(m: pyo.ConcreteModel, ix: IndexTables) -> None:
    """Queue stock carried from day to day at each stream's gate.

    .. math:: Q_{k,t} = Q_{k,t-1} + \\sum_{f:\\ t_f + o_k = t} x_f + [t=0] \\sum_j I_{j,k}
              - y_{k,t} - e_{k,t} \\quad [t]
    """
    q = ix.queues
    if q.empty:
        add_rows(m, "queue_balance", 0, terms([], "queue", [], []))
        return
    rows = q["q"].to_numpy()
    prev = q[q["period"] > 0]
    arr = ix.arrivals
    arr_rows = ix.queue_index(arr["k"], arr["arrival_period"])
    inside = arr_rows >= 0
    init = ix.initial
    table = [
        terms(rows, "queue", rows, 1.0),
        terms(prev["q"], "queue", ix.queue_index(prev["k"], prev["period"] - 1), -1.0),
        terms(arr_rows[inside], "route_flow", arr["f"].to_numpy()[inside], -1.0),
        terms(ix.queue_index(init["k"], 0), "initial_queue", init["i"], -1.0),
        terms(rows, "departures", rows, 1.0),
        terms(rows, "expired", rows, 1.0)]
    zeros = np.zeros(len(q))
    add_rows(m, "queue_balance", len(q), table, lower=zeros, upper=zeros)


def _repeat_days(first, count) -> tuple[np.ndarray, np.ndarray]:
    """For entries with a first day and a count of days: the entry of each (entry, day) pair
    and the day (``first + 0 .. count - 1``)."""
    count = np.maximum(np.asarray(count, dtype=np.int64), 0)
    rep = np.repeat(np.arange(len(count)), count)
    lag = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
    return rep, np.asarray(first, dtype=np.int64)[rep] + lag


def define_queue_age_constraints(m: pyo.ConcreteModel, ix: IndexTables) -> None:
    """FIFO age limit: what is still queued at the end of day t plus what crossed on day t
    arrived in the last ``W_k`` days; older cargo crossed on an earlier day or expires on day t
    (cargo arriving on day a may cross up to day a + W_k, never on the day it expires).

    .. math:: Q_{k,t} + y_{k,t} \\le \\sum_{a = t - W_k}^{t} A_{k,a}
              + \\sum_j [t \\le W_k - \\text{age}_j] I_{j,k}
    """
    q = ix.queues
    if q.empty:
        add_rows(m, "queue_age", 0, terms([], "queue", [], []))
        return
    arr = ix.arrivals
    # each arrival counts in the rows of days a .. a + W_k
    rep, day = _repeat_days(arr["arrival_period"], arr["max_wait_days"].to_numpy() + 1)
    rows_a = ix.queue_index(arr["k"].to_numpy()[rep], day)
    ok = rows_a >= 0
    # each initial queue counts in the rows of days 0 .. W_k - age
    init = ix.initial.merge(ix.streams[["k", "max_wait_days"]], on="k")
    last = (init["max_wait_days"] - init["age_days"]).to_numpy(dtype=np.int64)
    rep_i, day_i = _repeat_days(np.zeros(len(init), dtype=np.int64),
                                np.clip(last + 1, 0, ix.n_periods))
    rows = q["q"].to_numpy()
    table = [terms(rows, "queue", rows, 1.0),
             terms(rows, "departures", rows, 1.0),
             terms(rows_a[ok], "route_flow", arr["f"].to_numpy()[rep][ok], -1.0),
             terms(ix.queue_index(init["k"].to_numpy()[rep_i], day_i),
                   "initial_queue", init["i"].to_numpy()[rep_i], -1.0)]
    add_rows(m, "queue_age", len(q), table, upper=np.zeros(len(q)))


def define_queue_expiry_constraints(m: pyo.ConcreteModel, ix: IndexTables) -> None:
    r"""Only cargo that has outlived its shelf life is written off, on the day it does.

    A stream's cargo arriving on day ``a`` may wait until the end of day ``a + W_k``; what is
    still there on day ``a + W_k + 1`` expires. The row bounds the day's write-off by the
    arrivals of day ``t - W_k - 1``, a valid bound under FIFO; it cannot say "only what is left
    of them" (not convex: :mod:`borderflow.model.fifo`), so the LP may write young cargo off
    early where that cargo would expire anyway. Every run replays the queues first in, first
    out and repairs such a solution, with the LP optimum as its bound.

    .. math:: e_{k,t} \le A_{k,\,t - W_k - 1}
              + \sum_j [t = \max(0, W_k - \text{age}_j + 1)] I_{j,k}
    """
    q = ix.queues
    if q.empty:
        add_rows(m, "queue_expiry", 0, terms([], "expired", [], []))
        return
    arr = ix.arrivals
    day = arr["arrival_period"].to_numpy() + arr["max_wait_days"].to_numpy(dtype=np.int64) + 1
    rows_a = ix.queue_index(arr["k"], day)
    ok = rows_a >= 0
    init = ix.initial.merge(ix.streams[["k", "max_wait_days"]], on="k")
    day_i = np.maximum(0, (init["max_wait_days"] - init["age_days"]).to_numpy(dtype=np.int64)
                       + 1)
    rows_i = ix.queue_index(init["k"], day_i)
    ok_i = rows_i >= 0
    rows = q["q"].to_numpy()
    table = [
        terms(rows, "expired", rows, 1.0),
        terms(rows_a[ok], "route_flow", arr["f"].to_numpy()[ok], -1.0),
        terms(rows_i[ok_i], "initial_queue", init["i"].to_numpy()[ok_i], -1.0)]
    add_rows(m, "queue_expiry", len(q), table, upper=np.zeros(len(q)))


def define_initial_queue_constraints(m: pyo.ConcreteModel, ix: IndexTables) -> None:
    """Trucks waiting when the horizon starts are split over the streams they may belong to.

    .. math:: \\sum_k I_{j,k} / \\text{payload}_k = \\text{trucks}_j
    """
    init = ix.initial
    if init.empty:
        add_rows(m, "initial_queue_total", 0, terms([], "initial_queue", [], []))
        return
    payload = ix.streams.set_index("k").loc[init["k"], "payload_t_per_truck"].to_numpy()
    table = terms(init["j"], "initial_queue", init["i"], 1.0 / payload)
    trucks = init.groupby("j")["trucks"].first().to_numpy()
    add_rows(m, "initial_queue_total", len(trucks), table, lower=trucks, upper=trucks)


def define_closure_bounds(m: pyo.ConcreteModel, ix: IndexTables) -> None:
    """A closed (or not yet built) crossing carries nothing: what would take it is bounded to 0.

    .. math:: K_{c,d,t} = 0 \\Rightarrow v \\le 0 \\quad \\forall v \\ni (c,d,t)

    Written as variable upper bounds (not rows) so a scenario sweep re-solves by changing bounds.
    """
    shut = closed_variables(ix, ix.capacity_rows)
    for var, idx in zip(shut["var"].tolist(), shut["idx"].astype(int).tolist()):
        getattr(m, var)[idx].setub(0.0)


def define_delivery_requirements(m: pyo.ConcreteModel, ix: IndexTables,
                                 products: tuple[str, ...]) -> None:
    """Products that must be delivered in full (a scenario's ``must_deliver``): nothing of them
    is unserved at its origin or expires in a queue.

    .. math:: u_{o,p,t} \\le 0, \\; e_{k,t} \\le 0 \\quad \\forall p \\in P_{\\text{must}}

    Hard bounds: a scenario that cannot meet them is infeasible, and
    :mod:`borderflow.model.infeasibility` says why.
    """
    if not products:
        return
    for u in np.flatnonzero(ix.unserved["product_id"].isin(products).to_numpy()):
        m.unserved[int(u)].setub(0.0)
    if ix.dated:
        for q in np.flatnonzero(ix.queues["product_id"].isin(products).to_numpy()):
            m.expired[int(q)].setub(0.0)


def closed_variables(ix: IndexTables | BuiltModel, capacity: pd.DataFrame) -> pd.DataFrame:
    """``var, idx`` of every variable that takes a crossing on a day it has no capacity.

    ``capacity`` is aligned with ``ix.capacity_rows`` (same rows, same order).
    """
    closed = capacity["capacity_trucks_per_day"].to_numpy(dtype=float) <= 0
    closed_row = np.append(closed, False)  # a use with no capacity row (-1) picks the False
    return ix.crossing_use.loc[closed_row[ix.use_capacity_row()], ["var", "idx"]]


def define_objective(m: pyo.ConcreteModel, ix: IndexTables, waiting_usd_per_truck_day: float,
                     extra: pd.DataFrame | None = None) -> None:
    """Minimise transport cost minus revenue plus lost value and waiting cost (USD).

    .. math:: \\min \\sum_f c_f x_f - \\sum \\pi\\,\\text{delivered} + \\sum_u \\rho_u u_u
              + \\sum_q \\rho_q e_q + \\omega \\sum_q Q_q / \\text{payload}_q
              + \\sum_k \\rho_k Q_{k,T}

    (``T``: the last modelled day, end of the run-out tail; :func:`left_value_usd_per_t`.)
    ``extra``: more terms (origin stock under a hold, :mod:`borderflow.model.origin_stock`).
    """
    f, u, q = ix.flows, ix.unserved, ix.queues
    deliver, price = _delivery_prices(ix)
    table = [
        terms(0 * f["f"], "route_flow", f["f"], f["cost_usd_per_t"]),
        _var_terms(np.zeros(len(deliver)), deliver, -price),
        terms(np.zeros(len(u)), "unserved", np.arange(len(u)), u["penalty_usd_per_t"]),
        terms(np.zeros(len(q)), "expired", q["q"] if len(q) else [],
              q["penalty_usd_per_t"] if len(q) else []),
        terms(np.zeros(len(q)), "queue", q["q"] if len(q) else [],
              waiting_usd_per_truck_day / q["payload_t_per_truck"] if len(q) else []),
        terms(np.zeros(len(q)), "queue", q["q"] if len(q) else [],
              left_value_usd_per_t(q, ix.n_periods) if len(q) else []), extra]
    add_objective(m, table)


def left_value_usd_per_t(queues: pd.DataFrame, n_periods: int) -> np.ndarray:
    """Per queue index: the value (USD/t, the product's penalty) of cargo still waiting at the
    end of the last modelled day, 0 on every other day. Such cargo has not crossed by the end
    of the run-out tail; it is valued like cargo written off, so a queue cannot park cargo
    past the horizon for free (the waiting cost of its days inside the horizon is charged
    as usual)."""
    last = queues["period"].to_numpy() == n_periods - 1
    return np.where(last, queues["penalty_usd_per_t"].to_numpy(dtype=float), 0.0)


def _delivery_prices(ix: IndexTables) -> tuple[pd.DataFrame, np.ndarray]:
    """The deliveries (:meth:`IndexTables.deliveries`) and the price (USD/t) each earns: a
    route flow's own, a departure its queue's (:func:`_queue_price`). Looked up by position
    of ``idx`` in ``flows.f`` / ``queues.q``, the rows and order of the inner join of the
    deliveries with those prices on ``(var, idx)``."""
    deliver = ix.deliveries()
    idx = deliver["idx"].to_numpy(dtype=np.int64)
    keep = np.zeros(len(deliver), dtype=bool)
    price = np.zeros(len(deliver))
    for name, key, values in (("route_flow", ix.flows["f"],
                               lambda: ix.flows["price_usd_per_t"].to_numpy(dtype=float)),
                              ("departures", ix.queues["q"] if len(ix.queues) else None,
                               lambda: np.asarray(_queue_price(ix), dtype=float))):
        mine = (deliver["var"] == name).to_numpy(dtype=bool)
        if key is None or not mine.any():
            continue
        at = pd.Index(key.to_numpy(dtype=np.int64)).get_indexer(idx[mine])
        keep[np.flatnonzero(mine)[at >= 0]] = True
        price[np.flatnonzero(mine)[at >= 0]] = values()[at[at >= 0]]
    if keep.all():  # every delivery has its variable (always, in a built model)
        return deliver, price
    return deliver[keep], price[keep]


def _queue_price(ix: IndexTables) -> np.ndarray:
    if ix.queues.empty:
        return np.array([])
    price = ix.flows.groupby(["market", "product_id"])["price_usd_per_t"].first()
    return price.reindex(pd.MultiIndex.from_frame(ix.queues[["market", "product_id"]])
                         ).to_numpy()


# ---- assembly -------------------------------------------------------------------------------
def build_model(net: FreightNetwork, routes: RouteSet, aggregate: bool = False) -> BuiltModel:
    """Build the Pyomo LP of a network and its route set (with ``aggregate``, a dated model's
    pairs that share a stream key share one queue: :mod:`borderflow.model.streams`).

    The index tables come first (:func:`borderflow.model.indices.index_tables`), then one
    ``define_*`` per family writes its rows from them.

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
    with no_collection():  # a million new objects, no cycles to find among them
        return _build(net, routes, aggregate)


def _build(net: FreightNetwork, routes: RouteSet, aggregate: bool) -> BuiltModel:
    """:func:`build_model`'s body."""
    ix = index_tables(net, routes, aggregate)
    m = pyo.ConcreteModel(name=f"borderflow:{net.scenario.name}")
    define_variables(m, ix)
    tiers = None if net.dated else net.parameters.congestion_tiers()
    congestion = None if tiers is None else congestion_index(ix, net, tiers)
    if congestion is not None:
        define_congestion_variables(m, congestion)
    stock = held_stock(net, ix, routes)
    if stock is not None:
        define_origin_stock_variables(m, stock)
    define_supply_balance_constraints(m, ix, None if stock is None else
                                      supply_terms(ix, stock))
    define_crossing_capacity_constraints(m, ix)
    define_priority_constraints(m, ix)
    define_market_demand_constraints(m, ix)
    define_destination_share_constraints(m, ix)
    define_queue_balance_constraints(m, ix)
    define_queue_age_constraints(m, ix)
    define_queue_expiry_constraints(m, ix)
    define_initial_queue_constraints(m, ix)
    entry_rows = define_gate_entry_constraints(m, ix, net, routes)
    if stock is not None:
        define_origin_stock(m, ix, stock)
    if congestion is not None:
        define_congestion(m, ix, congestion)
    define_closure_bounds(m, ix)
    define_delivery_requirements(m, ix, net.scenario.must_deliver)
    extra = [stock_objective_terms(ix, stock)] if stock is not None else []
    if congestion is not None:
        extra.append(congestion_objective_terms(congestion))
    define_objective(m, ix, net.parameters.waiting_cost_usd_per_truck_day,
                     pd.concat(extra, ignore_index=True) if extra else None)
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return BuiltModel(model=m, index=ix, entry_rows=entry_rows, stock=stock,
                      congestion=congestion)


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


def scenario_rows(built: BuiltModel, net: FreightNetwork
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``net``'s capacity, priority and supply on ``built``'s rows (in row order).

    Returns
    -------
    capacity, priority, supply : DataFrame
        ``capacity_trucks_per_day`` per ``crossing_capacity`` row, ``limit_trucks_per_day``
        per ``priority_share`` row, ``supply_t`` per ``supply_balance`` row.

    Raises
    ------
    ValueError
        If the priority rules differ (the scenario needs its own model).
    """
    cap = built.capacity_rows[CROSS_KEYS].merge(net.capacity, on=CROSS_KEYS, how="left")
    prio = priority_rows(net.priority, cap)
    if len(prio) != len(built.priority_rows):
        raise ValueError("priority rules differ: the scenario needs its own model")
    sup = built.unserved[SUPPLY_KEYS].merge(net.supply, on=SUPPLY_KEYS, how="left")
    return cap, prio, sup


def bound_updates(built: BuiltModel, net: FreightNetwork) -> BoundUpdate:
    """Bounds that turn ``built`` (built for one scenario) into the model of ``net``'s scenario.

    ``net`` must share ``built``'s structure: the same dataset, route set, periods, priority
    rules and initial queues (its scenario may change capacities, closures, builds, supply and
    response levers; a slot quota or hold the model was not built with needs its own model,
    one it was built with and ``net`` lacks is relaxed; a licence pair it was not built with
    is refused, :func:`borderflow.model.licences.check_same_pairs`).
    Used by sweeps to re-solve a kept HiGHS model instead of rebuilding it.
    """
    check_same_pairs(built.entry_rows, net.scenario)  # a licence changes the route set
    m = built.model
    cap, prio, sup = scenario_rows(built, net)
    supply = sup["supply_t"].to_numpy(dtype=float)

    def upper(values) -> tuple[np.ndarray, np.ndarray]:
        values = np.asarray(values, dtype=float)
        return np.full(len(values), -np.inf), values

    rows = {m.crossing_capacity: upper(cap["capacity_trucks_per_day"]),
            m.priority_share: upper(prio["limit_trucks_per_day"]),
            m.supply_balance: (supply, supply.copy())}
    if built.entry_rows is not None and hasattr(m, "gate_entry_limit"):
        rows[m.gate_entry_limit] = upper(entry_bounds(built.entry_rows, net))
    if built.congestion is not None:
        rows[m.congestion_tier] = upper(congestion_rows_upper(
            built.congestion, cap["capacity_trucks_per_day"].to_numpy(dtype=float)))
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
    out = {m.route_flow: built.flows["period"].to_numpy(dtype=np.int64),
           m.unserved: built.unserved["period"].to_numpy(dtype=np.int64),
           m.queue: q, m.departures: q, m.expired: q,
           m.initial_queue: np.zeros(len(built.initial), dtype=np.int64)}
    if built.stock is not None:
        day = built.stock.stock["period"].to_numpy(dtype=np.int64)
        cw = built.stock.cells[built.stock.cells["w"] >= 0]
        out.update({m.origin_stock: day, m.stock_release: day,
                    m.stock_writeoff: cw["expires"].to_numpy(dtype=np.int64)})
    return out


def lookahead_days(built: BuiltModel) -> int:
    """Days between a route flow's dispatch (or a gate departure) and the last capacity or
    market row it counts in (returning empties included).

    A rolling-horizon window must look at least this far past the days it commits, so that
    what it commits fits the capacity and markets of the days after it; queue rows need no
    look-ahead (cargo that cannot cross in time can always expire).
    """
    if not built.dated:
        return 0
    ix = built.index
    terms_ = pd.concat([ix.crossing_use, ix.empty_returns(), ix.deliveries()], ignore_index=True)
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
