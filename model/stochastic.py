"""The two-stage stochastic model of robust plans: a booking in advance, then the best
recourse in each scenario (the formulation; :mod:`borderflow.robust` solves and reports it).

Shippers book trucks and gate slots along routes before they know which gate will close. The
plan (first stage) is the tonnage booked per (route, product): ``booked[f]`` in t/day. Each
scenario ``s`` (the normal year, or a gate closed) then routes its freight (second stage) on its
own copy of the routing model (:func:`borderflow.model.formulation.build_model`, one Pyomo block
per scenario, every constraint family unchanged, the congestion tiers of a dataset that has them
too, with their delay cost in ``z_s``): flow above the booking is bought on the spot market at a
premium, booking left unused is partly paid. The expected cost over the scenarios
is minimised::

    min  sum_s p_s [ z_s                                   the scenario's own objective
                     + pi * sum_f c_f * spot_s[f]           spot premium on unbooked flow
                     + kappa * sum_f c_f * idle_s[f] ]      booked but not used
    s.t. spot_s[f] >= route_flow_s[f] - booked[f]          (spot_cover)
         idle_s[f] >= booked[f] - route_flow_s[f]          (idle_booking)

with ``c_f`` the route's cost per tonne, ``pi`` the parameter ``spot_premium_factor`` and
``kappa`` ``unused_booking_factor``. Fixing ``booked`` to the plan that assumed nothing closes
and solving the same model gives that plan's expected cost: the difference is the value of
planning for closures (the value of the stochastic solution).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .formulation import BuiltModel, build_model
from .network import FreightNetwork
from .pyomo_layer import no_collection
from .routes import RouteSet
from .terms import add_rows, index_set, objective_terms, terms

FLOW_KEYS = ["route_id", "product_id", "period"]


@dataclass
class RobustModel:
    """The two-stage model: ``model.booked[f]`` and one block ``model.s<i>`` per scenario.

    Attributes
    ----------
    model : pyo.ConcreteModel
    plan : DataFrame
        ``booked[f]``: the flows table of the scenarios (route_id, product_id, origin, market,
        period, cost_usd_per_t, ...), the same for every scenario.
    scenarios : list of BuiltModel
        Each scenario's routing model (a block of ``model``).
    probabilities : list of float
    routes : RouteSet or None
        The route set the model is built over (set by :func:`build_robust_model`).
    """

    model: pyo.ConcreteModel
    plan: pd.DataFrame
    scenarios: list[BuiltModel]
    probabilities: list[float]
    routes: RouteSet | None = None


def _same_flows(built: list[BuiltModel]) -> pd.DataFrame:
    flows = built[0].flows
    for b in built[1:]:
        if not b.flows[FLOW_KEYS].equals(flows[FLOW_KEYS]):
            raise ValueError("scenarios of a robust plan must share periods and routes "
                             "(same horizon, same route set)")
    return flows


def define_booking_variables(m: pyo.ConcreteModel, n: int) -> None:
    """First stage: tonnage booked per (route, product, period), t/day.

    .. math:: b_f \\ge 0
    """
    m.booked = pyo.Var(index_set(n), domain=pyo.NonNegativeReals)


def define_recourse_variables(block: pyo.Block, n: int) -> None:
    """Per scenario: spot tonnage above the booking and booking left idle, t/day.

    .. math:: \\text{spot}_{s,f}, \\text{idle}_{s,f} \\ge 0
    """
    block.spot = pyo.Var(index_set(n), domain=pyo.NonNegativeReals)
    block.idle = pyo.Var(index_set(n), domain=pyo.NonNegativeReals)
    block.booked = pyo.Reference(block.parent_block().booked)


def define_spot_cover_constraints(block: pyo.Block, n: int) -> None:
    """Flow above the booking is bought on the spot market.

    .. math:: x_{s,f} - b_f - \\text{spot}_{s,f} \\le 0
    """
    f = np.arange(n)
    table = pd.concat([terms(f, "route_flow", f, 1.0), terms(f, "booked", f, -1.0),
                       terms(f, "spot", f, -1.0)], ignore_index=True)
    add_rows(block, "spot_cover", n, table, upper=np.zeros(n))


def define_idle_booking_constraints(block: pyo.Block, n: int) -> None:
    """Booking not used in a scenario is idle (and partly paid).

    .. math:: b_f - x_{s,f} - \\text{idle}_{s,f} \\le 0
    """
    f = np.arange(n)
    table = pd.concat([terms(f, "booked", f, 1.0), terms(f, "route_flow", f, -1.0),
                       terms(f, "idle", f, -1.0)], ignore_index=True)
    add_rows(block, "idle_booking", n, table, upper=np.zeros(n))


def define_expected_objective(m: pyo.ConcreteModel, robust: RobustModel,
                              spot_premium_factor: float, unused_booking_factor: float) -> None:
    """Minimise the expected cost over the scenarios, recourse premiums included (USD/day).

    .. math:: \\min \\sum_s p_s \\big(z_s + \\pi \\sum_f c_f \\text{spot}_{s,f}
              + \\kappa \\sum_f c_f \\text{idle}_{s,f}\\big)
    """
    cost = robust.plan["cost_usd_per_t"].to_numpy(dtype=float)
    f = np.arange(len(cost))
    total = 0.0
    for built, p in zip(robust.scenarios, robust.probabilities):
        block = built.model
        block.objective.deactivate()
        block.recourse_cost = pyo.Expression(expr=objective_terms(block, pd.concat([
            terms(f, "spot", f, spot_premium_factor * cost),
            terms(f, "idle", f, unused_booking_factor * cost)], ignore_index=True)))
        total = total + p * (block.objective.expr + block.recourse_cost)
    m.objective = pyo.Objective(expr=total, sense=pyo.minimize)


def build_robust_model(nets: list[FreightNetwork], probabilities: list[float],
                       routes: RouteSet, *, spot_premium_factor: float,
                       unused_booking_factor: float) -> RobustModel:
    """Build the two-stage model of a set of scenarios.

    Parameters
    ----------
    nets : list of FreightNetwork
        One network per scenario, all of one horizon.
    probabilities : list of float
        Scenario probabilities (summing to 1).
    routes : RouteSet
        One route set for all scenarios (enumerated on the undisrupted network).
    spot_premium_factor : float
        Extra cost of unbooked flow, as a share of the route's cost per tonne.
    unused_booking_factor : float
        Share of a route's cost paid for booked tonnage that is not used.

    Raises
    ------
    ValueError
        If the scenarios do not share periods and routes.
    """
    with no_collection():  # a model per scenario and the recourse rows: no cycles to find
        return _build_robust(nets, probabilities, routes, spot_premium_factor,
                             unused_booking_factor)


def _build_robust(nets: list[FreightNetwork], probabilities: list[float], routes: RouteSet,
                  spot_premium_factor: float, unused_booking_factor: float) -> RobustModel:
    """:func:`build_robust_model`'s body."""
    built = [build_model(net, routes) for net in nets]
    plan = _same_flows(built)
    m = pyo.ConcreteModel(name="borderflow:robust")
    define_booking_variables(m, len(plan))
    for i, b in enumerate(built):
        m.add_component(f"s{i}", b.model)
        define_recourse_variables(b.model, len(plan))
        define_spot_cover_constraints(b.model, len(plan))
        define_idle_booking_constraints(b.model, len(plan))
    robust = RobustModel(model=m, plan=plan, scenarios=built,
                         probabilities=[float(p) for p in probabilities], routes=routes)
    define_expected_objective(m, robust, spot_premium_factor, unused_booking_factor)
    return robust
