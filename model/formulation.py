"""The Pyomo model: multi-product, path-based min-cost flow over a period index.

``build_model`` reads as the list of what the model is made of; each constraint family is one
``define_*`` function, so the time-expanded disruption model adds families instead of copying
this one. Units: flows in tonnes per day (t/day) per period; crossing capacities in trucks/day,
converted once per product through ``payload_t_per_truck``; money in USD per day.

Perishability and licences are properties of the route set (:mod:`borderflow.model.routes`):
a (route, product) variable exists only if the product is licensed at every crossing of the
route and the route's duration (travel hours + gate dwell) is within its shelf life. Produce that
has no such route, or no capacity left, is *unserved*: it costs its value (penalty) and, for a
perishable product, counts as spoiled.

Objective (minimised, USD/day)::

    sum_f cost_usd_per_t[f] * route_flow[f]                (trucking, reefer, gate fees)
  - sum_f price_usd_per_t[f] * route_flow[f]               (market revenue)
  + sum_u penalty_usd_per_t[u] * unserved[u]               (value of produce not shipped)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from .network import FreightNetwork
from .routes import RouteSet


@dataclass
class BuiltModel:
    """A Pyomo model and the tables that map its indices back to the network.

    Attributes
    ----------
    model : pyo.ConcreteModel
        Components named by family: ``route_flow``, ``unserved``, ``supply_balance``,
        ``crossing_capacity``, ``market_demand``, ``objective``.
    flows : DataFrame
        One row per ``route_flow`` index ``f``: route_id, product_id, origin, market, period,
        cost_usd_per_t, price_usd_per_t, payload_t_per_truck.
    unserved : DataFrame
        One row per ``unserved`` index ``u``: origin, product_id, period, supply_t,
        penalty_usd_per_t, perishable.
    capacity_rows : DataFrame
        One row per ``crossing_capacity`` index: crossing_id, direction, period,
        capacity_trucks_per_day.
    demand_rows : DataFrame
        One row per ``market_demand`` index: market, product_id, period, demand_t.
    flow_crossings : DataFrame
        (f, crossing_id, direction, period): which crossing each flow uses and when.
    """

    model: pyo.ConcreteModel
    flows: pd.DataFrame
    unserved: pd.DataFrame
    capacity_rows: pd.DataFrame
    demand_rows: pd.DataFrame
    flow_crossings: pd.DataFrame


def _linear(coefs: np.ndarray, variables) -> LinearExpression:
    return LinearExpression([MonomialTermExpression((float(c), v))
                             for c, v in zip(coefs, variables)])


def _grouped(df: pd.DataFrame, keys: list[str]) -> dict:
    """Row key -> positional indices of ``df`` rows, keys in sorted order."""
    return {k: v for k, v in sorted(df.groupby(keys, sort=True).indices.items())}


def flow_table(net: FreightNetwork, routes: RouteSet) -> pd.DataFrame:
    """One row per route-flow variable: (route, product) pairs x periods, with costs and prices."""
    periods = net.periods[["period"]]
    f = routes.eligible.merge(periods, how="cross")
    prices = net.demand[["market", "product_id", "period", "price_usd_per_t"]]
    f = f.merge(prices, on=["market", "product_id", "period"], how="left", validate="m:1")
    f["payload_t_per_truck"] = net.products.loc[f["product_id"], "payload_t_per_truck"].to_numpy()
    f = f.sort_values(["product_id", "route_id", "period"], kind="stable", ignore_index=True)
    f.insert(0, "f", np.arange(len(f)))
    return f


def define_variables(m: pyo.ConcreteModel, flows: pd.DataFrame, unserved: pd.DataFrame) -> None:
    """Non-negative ``route_flow[f]`` and ``unserved[u]``, both in t/day.

    .. math:: x_f \\ge 0, \\quad u_{o,p,t} \\ge 0
    """
    m.F = pyo.RangeSet(0, len(flows) - 1) if len(flows) else pyo.Set(initialize=[])
    m.U = pyo.RangeSet(0, len(unserved) - 1) if len(unserved) else pyo.Set(initialize=[])
    m.route_flow = pyo.Var(m.F, domain=pyo.NonNegativeReals)
    m.unserved = pyo.Var(m.U, domain=pyo.NonNegativeReals)


def define_supply_balance_constraints(m: pyo.ConcreteModel, flows: pd.DataFrame,
                                      unserved: pd.DataFrame) -> None:
    """Everything an origin supplies is shipped on some route or unserved.

    .. math:: \\sum_{f \\in R(o,p,t)} x_f + u_{o,p,t} = s_{o,p,t} \\quad [t/day]

    Intermediate-node conservation holds by construction of the path formulation.
    """
    groups = _grouped(flows, ["origin", "product_id", "period"])
    keys = list(zip(unserved["origin"], unserved["product_id"], unserved["period"]))
    supply = unserved["supply_t"].to_numpy()
    fvars = [m.route_flow[i] for i in range(len(flows))]

    def rule(m, u):
        idx = groups.get(keys[u], ())
        expr = _linear(np.ones(len(idx) + 1), [fvars[i] for i in idx] + [m.unserved[u]])
        return expr == float(supply[u])

    m.supply_balance = pyo.Constraint(m.U, rule=rule)


def define_crossing_capacity_constraints(m: pyo.ConcreteModel, flows: pd.DataFrame,
                                         flow_crossings: pd.DataFrame,
                                         capacity_rows: pd.DataFrame) -> None:
    """Trucks through a crossing, per direction and period, within its capacity.

    .. math:: \\sum_{f \\ni (c,d,t)} x_f / \\text{payload}_{p(f)} \\le K_{c,d,t}
              \\quad [trucks/day]

    Products share the capacity; one row per (crossing, direction, period) that some route uses.
    """
    m.K = pyo.RangeSet(0, len(capacity_rows) - 1) if len(capacity_rows) else pyo.Set(initialize=[])
    groups = _grouped(flow_crossings, ["crossing_id", "direction", "period"])
    f_of = flow_crossings["f"].to_numpy()
    inv_payload = 1.0 / flows["payload_t_per_truck"].to_numpy()
    keys = list(zip(capacity_rows["crossing_id"], capacity_rows["direction"],
                    capacity_rows["period"]))
    cap = capacity_rows["capacity_trucks_per_day"].to_numpy()

    def rule(m, k):
        fs = f_of[groups[keys[k]]]
        return _linear(inv_payload[fs], [m.route_flow[int(i)] for i in fs]) <= float(cap[k])

    m.crossing_capacity = pyo.Constraint(m.K, rule=rule)


def define_market_demand_constraints(m: pyo.ConcreteModel, flows: pd.DataFrame,
                                     demand_rows: pd.DataFrame) -> None:
    """Deliveries to a market with finite demand stay within it.

    .. math:: \\sum_{f \\in D(m,p,t)} x_f \\le d_{m,p,t} \\quad [t/day]
    """
    m.D = pyo.RangeSet(0, len(demand_rows) - 1) if len(demand_rows) else pyo.Set(initialize=[])
    if not len(demand_rows):
        return
    groups = _grouped(flows, ["market", "product_id", "period"])
    keys = list(zip(demand_rows["market"], demand_rows["product_id"], demand_rows["period"]))
    cap = demand_rows["demand_t"].to_numpy()

    def rule(m, k):
        fs = groups[keys[k]]
        return _linear(np.ones(len(fs)), [m.route_flow[int(i)] for i in fs]) <= float(cap[k])

    m.market_demand = pyo.Constraint(m.D, rule=rule)


def define_closure_bounds(m: pyo.ConcreteModel, flows: pd.DataFrame,
                          flow_crossings: pd.DataFrame, capacity_rows: pd.DataFrame) -> None:
    """A closed (or not yet built) crossing carries nothing: flows through it are bounded to 0.

    .. math:: K_{c,d,t} = 0 \\Rightarrow x_f \\le 0 \\quad \\forall f \\ni (c,d,t)

    Written as variable upper bounds (not rows) so a scenario sweep re-solves by changing bounds.
    """
    closed = capacity_rows[capacity_rows["capacity_trucks_per_day"] <= 0]
    if closed.empty:
        return
    hit = flow_crossings.merge(closed[["crossing_id", "direction", "period"]],
                               on=["crossing_id", "direction", "period"])
    for f in np.unique(hit["f"].to_numpy()):
        m.route_flow[int(f)].setub(0.0)


def define_objective(m: pyo.ConcreteModel, flows: pd.DataFrame, unserved: pd.DataFrame) -> None:
    """Minimise transport cost minus revenue plus the value of produce not shipped (USD/day).

    .. math:: \\min \\sum_f (c_f - \\pi_f) x_f + \\sum_u \\rho_u u_u
    """
    fvars = [m.route_flow[i] for i in range(len(flows))]
    uvars = [m.unserved[i] for i in range(len(unserved))]
    m.transport_cost_usd = pyo.Expression(expr=_linear(flows["cost_usd_per_t"].to_numpy(), fvars))
    m.revenue_usd = pyo.Expression(expr=_linear(flows["price_usd_per_t"].to_numpy(), fvars))
    m.unserved_penalty_usd = pyo.Expression(
        expr=_linear(unserved["penalty_usd_per_t"].to_numpy(), uvars))
    coef = np.concatenate([flows["cost_usd_per_t"].to_numpy() - flows["price_usd_per_t"]
                           .to_numpy(), unserved["penalty_usd_per_t"].to_numpy()])
    m.objective = pyo.Objective(expr=_linear(coef, fvars + uvars), sense=pyo.minimize)


def build_model(net: FreightNetwork, routes: RouteSet) -> BuiltModel:
    """Build the Pyomo LP of a network and its route set.

    Parameters
    ----------
    net : FreightNetwork
        Periods, supply, demand and crossing capacities (after the scenario).
    routes : RouteSet
        Eligible (route, product) pairs with cost per tonne.

    Returns
    -------
    BuiltModel
    """
    flows = flow_table(net, routes)
    unserved = net.supply.merge(net.products[["penalty_usd_per_t", "perishable"]],
                                left_on="product_id", right_index=True)
    unserved = unserved.sort_values(["origin", "product_id", "period"], kind="stable",
                                    ignore_index=True)
    rc = routes.route_crossings[["route_id", "element_id", "direction"]].rename(
        columns={"element_id": "crossing_id"})
    flow_crossings = flows[["f", "route_id", "period"]].merge(rc, on="route_id")[
        ["f", "crossing_id", "direction", "period"]]
    used = flow_crossings[["crossing_id", "direction", "period"]].drop_duplicates()
    capacity_rows = net.capacity.merge(used, on=["crossing_id", "direction", "period"])
    capacity_rows = capacity_rows.sort_values(["crossing_id", "direction", "period"],
                                              kind="stable", ignore_index=True)
    demand_rows = net.demand[net.demand["demand_t"].notna()]
    used_markets = flows[["market", "product_id", "period"]].drop_duplicates()
    demand_rows = demand_rows.merge(used_markets, on=["market", "product_id", "period"])
    demand_rows = demand_rows.sort_values(["market", "product_id", "period"], kind="stable",
                                          ignore_index=True)

    m = pyo.ConcreteModel(name=f"borderflow:{net.scenario.name}")
    define_variables(m, flows, unserved)
    define_supply_balance_constraints(m, flows, unserved)
    define_crossing_capacity_constraints(m, flows, flow_crossings, capacity_rows)
    define_market_demand_constraints(m, flows, demand_rows)
    define_closure_bounds(m, flows, flow_crossings, capacity_rows)
    define_objective(m, flows, unserved)
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return BuiltModel(model=m, flows=flows, unserved=unserved, capacity_rows=capacity_rows,
                      demand_rows=demand_rows, flow_crossings=flow_crossings)


@dataclass
class BoundUpdate:
    """What differs between two scenarios of one model structure, as bounds.

    Attributes
    ----------
    rows : list of (ConstraintData, lower, upper)
        New right-hand sides (supply balance equalities, capacity and demand upper bounds).
    columns : list of (VarData, lower, upper)
        New variable bounds (closures open or shut routes).
    """

    rows: list
    columns: list


def bound_updates(built: BuiltModel, net: FreightNetwork) -> BoundUpdate:
    """Bounds that turn ``built`` (built for one scenario) into the model of ``net``'s scenario.

    ``net`` must share ``built``'s structure: the same dataset, route set and periods (its
    scenario may change capacities, closures, builds and supply). Used by sweeps to re-solve a
    kept HiGHS model instead of rebuilding it.
    """
    m = built.model
    keys = ["crossing_id", "direction", "period"]
    cap = built.capacity_rows[keys].merge(net.capacity, on=keys, how="left")
    rows = [(m.crossing_capacity[k], None, float(v))
            for k, v in enumerate(cap["capacity_trucks_per_day"].to_numpy())]
    sup = built.unserved[["origin", "product_id", "period"]].merge(
        net.supply, on=["origin", "product_id", "period"], how="left")
    rows += [(m.supply_balance[u], float(v), float(v))
             for u, v in enumerate(sup["supply_t"].to_numpy())]
    closed = cap[cap["capacity_trucks_per_day"] <= 0][keys]
    shut = set(built.flow_crossings.merge(closed, on=keys)["f"].tolist())
    columns = [(m.route_flow[f], 0.0, 0.0 if f in shut else None) for f in range(len(built.flows))]
    return BoundUpdate(rows=rows, columns=columns)
