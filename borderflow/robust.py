"""A routing plan that holds up when gates close, compared with the plan that assumed none would.

:func:`robust_plan` solves the two-stage model of :mod:`borderflow.model.stochastic` over the normal
year and a set of closure scenarios with their probabilities, then evaluates the plan that
assumed nothing closes (the baseline's optimal routing booked in full) on the same model by
fixing its bookings. The robust plan is optimal over every route: after each solve, every route
is priced in every scenario (:mod:`borderflow.model.robust_pricing`: a spot column per scenario
and a booking column per subset of scenarios, each an exact resource-constrained shortest path);
routes that price out are added for all scenarios and the model is solved again, until none
does (``summary.routing``: ``certified``), or a limit stops it (``restricted``, with a gap bound
in ``summary.pricing``). The answer is told as tables:

- ``plan``: tonnes per day booked per route and product, robust vs baseline plan;
- ``plan_crossings``: the same as trucks per day per crossing and direction;
- ``scenarios``: per scenario its probability and cost under each plan (own cost plus spot
  premium and idle bookings), unserved tonnes, and the regret of the baseline plan;
- ``summary``: expected and worst-case costs of both plans, and the value of planning for
  closures (expected cost of the baseline plan minus that of the robust plan, >= 0).

Static (one representative day) scenarios only: a plan is a daily booking. With congestion
tiers in ``parameters.csv`` each scenario's block has them as a static run does (docs/model.md,
"Congestion at the gates"): its delay cost is part of the scenario's cost, split out as
``congestion_usd_<plan>`` in ``scenarios`` and ``expected_congestion_cost_usd_<plan>`` in
``summary`` (neither exists without tiers).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import Horizon, Scenario, closing, counterfactual
from borderflow.io import METADATA, ROBUST_VOLATILE, SUMMARY, write_folder
from borderflow.runfolder import Claim
from borderflow.model.column_generation import Routing, grow, pricing_inputs
from borderflow.model.congestion import delay_cost_usd, tier_trucks
from borderflow.model.network import with_scenario
from borderflow.model.robust_pricing import price_robust, read_robust_duals
from borderflow.model.size import check_model_size
from borderflow.model.pyomo_layer import no_collection
from borderflow.model.stochastic import FLOW_KEYS, RobustModel, build_robust_model
from borderflow.options import RunOptions, for_optimum
from borderflow.robust_tables import robust_tables
from borderflow.solvers.highs import HighsSession

#: tonnes per day below which a booking is not listed
TOL_T = 1e-6


@dataclass
class RobustResult:
    """Tables of a robust-plan run (see the module docstring) and its summary."""

    plan: pd.DataFrame
    plan_crossings: pd.DataFrame
    scenarios: pd.DataFrame
    summary: dict
    metadata: dict
    #: what the verifier re-checks (:mod:`borderflow.robust_tables`): top-level tables
    certificate: dict = field(default_factory=dict)
    #: and one sub-folder per scenario, name -> (tables, documents)
    scenario_folders: dict = field(default_factory=dict)
    #: ``borderflow verify``'s report of the plan (:func:`borderflow.verify.robust.verify_plan`),
    #: set by :meth:`verify`
    verification: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by file name."""
        return {"plan": self.plan, "plan_crossings": self.plan_crossings,
                "scenarios": self.scenarios}

    def verify(self, tables: InputTables) -> pd.DataFrame:
        """Re-check the plan independently (:func:`borderflow.verify.robust.verify_plan`),
        keep the report (written as ``verification.csv``) and return it."""
        from borderflow.verify.robust import verify_plan

        self.verification = verify_plan(self.contents(), tables)
        return self.verification

    def contents(self) -> dict:
        """Everything the folder holds, in memory: ``tables`` (top level, by name),
        ``documents`` (``summary.json``, ``run.json``) and ``folders`` (per scenario)."""
        return {"tables": {**self.tables(), **self.certificate},
                "documents": {SUMMARY: self.summary, METADATA: self.metadata},
                "folders": self.scenario_folders}

    def write(self, folder: Path | str | Claim) -> Path:
        """Write the tables (CSV and parquet), ``summary.json`` and ``run.json``, the
        verifier's tables and one sub-folder per scenario (:mod:`borderflow.robust_tables`)
        and, if :meth:`verify` ran, ``verification.csv`` into ``folder`` (or the
        :class:`~borderflow.runfolder.Claim` a caller took on it), atomically, with manifest
        and marker of kind ``robust`` (:func:`borderflow.io.write_folder`)."""
        from borderflow.verify import REPORT_TABLE

        c = self.contents()
        extra = {} if self.verification is None else {REPORT_TABLE: self.verification}
        return write_folder(folder, {**c["tables"], **extra}, c["documents"],
                            folders=c["folders"], kind="robust", volatile=ROBUST_VOLATILE)


def _check(scenarios: list[Scenario], probabilities: list[float]) -> None:
    where = "robust plan"
    if len(scenarios) != len(probabilities) or not scenarios:
        raise InputError(Problem(where, None, "scenarios", "give one probability per scenario"))
    bad = [p for p in probabilities if not 0.0 <= p <= 1.0]
    if bad or abs(sum(probabilities) - 1.0) > 1e-9:
        raise InputError(Problem(where, None, "probability",
                                 f"probabilities must lie in [0, 1] and sum to 1 (got "
                                 f"{', '.join(f'{p:g}' for p in probabilities)})"))
    dated = [s.name for s in scenarios if s.horizon.start is not None]
    if dated:
        raise InputError(Problem(where, None, "horizon", f"a plan is a daily booking: "
                                 f"scenario(s) {', '.join(dated)} have a dated horizon"))
    if len({s.horizon.month for s in scenarios}) > 1:
        raise InputError(Problem(where, None, "horizon.month",
                                 "all scenarios must be the same representative day (month)"))


def closure_scenarios(crossings: list[str], probability: float,
                      month: int | None = None) -> tuple[list[Scenario], list[float]]:
    """The normal year and each crossing closed alone, with ``probability`` each (the normal
    year gets the rest)."""
    normal = Scenario(name="normal", horizon=Horizon(month=month))
    closed = [closing([c], month=month) for c in crossings]
    rest = 1.0 - probability * len(closed)
    if rest < 0:
        raise InputError(Problem("robust plan", None, "probability",
                                 f"{len(closed)} closures x {probability:g} exceed 1"))
    return [normal, *closed], [rest, *[probability] * len(closed)]


def _values(var) -> np.ndarray:
    """Values of an indexed variable, solver noise below 0 clipped (no ``-0.0`` in tables)."""
    return np.clip(np.array([v.value for v in var.values()], dtype=float), 0.0, None) + 0.0


def _baseline_plan(tables: InputTables, normal: Scenario, options: RunOptions, progress):
    """The plan that assumed nothing closes: the undisrupted optimum of ``normal``'s day,
    solved and verified through the public API (:func:`borderflow.api.solve`, no comparison)
    with its route set and full-precision route flows kept
    (:class:`~borderflow.api.SolvedRoutes`): the robust model re-uses its network and routes
    and books its flows."""
    from borderflow.api import solve

    return solve(tables, counterfactual(normal).model_copy(update={"name": "baseline-plan"}),
                 options, progress, compare=False, keep_routes=True)


def _bounds(session: HighsSession, robust: RobustModel, booked: np.ndarray | None) -> None:
    """Fix the bookings to ``booked`` (t/day) or free them, in Pyomo and in HiGHS."""
    n = len(robust.model.booked)
    lower = np.zeros(n) if booked is None else np.asarray(booked, dtype=float)
    upper = np.full(n, np.inf) if booked is None else lower
    session.set_bounds(robust.model.booked, lower, upper)


def _congestion_usd(built) -> dict:
    """``{}`` without congestion tiers, else the delay cost in the tiers of the solved block
    (USD/day, unweighted): the ``cost_usd`` total of its ``congestion`` table
    (:func:`borderflow.model.congestion.delay_cost_usd`), the number the certificate's
    ``objective`` table states for the robust plan (:mod:`borderflow.robust_tables`)."""
    if built.congestion is None:
        return {}
    return {"congestion": delay_cost_usd(tier_trucks(built))}


def _scenario_costs(robust: RobustModel, names: list[str], label: str) -> pd.DataFrame:
    rows = []
    for name, built, p in zip(names, robust.scenarios, robust.probabilities):
        m = built.model
        with no_collection():  # the objective's expression, a term per column, made to be read
            own = float(pyo.value(m.objective.expr))
        recourse = float(pyo.value(m.recourse_cost))
        delay = {f"congestion_usd_{label}": v for v in _congestion_usd(built).values()}
        rows.append({"scenario": name, "probability": p, f"cost_usd_{label}": own + recourse,
                     f"recourse_usd_{label}": recourse, **delay,
                     f"spot_t_{label}": float(sum(v.value for v in m.spot.values())),
                     f"idle_t_{label}": float(sum(v.value for v in m.idle.values())),
                     f"unserved_t_{label}": float(sum(v.value for v in m.unserved.values()))})
    return pd.DataFrame(rows)


def _expected_congestion(scen: pd.DataFrame) -> dict:
    """With congestion tiers, the expected delay cost in them under each plan (USD/day; part
    of the expected costs), as ``summary.json`` states it; ``{}`` without."""
    if "congestion_usd_robust" not in scen.columns:
        return {}
    p = scen["probability"].to_numpy(dtype=float)
    return {f"expected_congestion_cost_usd_{k}": float(
        p @ scen[f"congestion_usd_{k}"].to_numpy(dtype=float)) for k in ("robust", "baseline")}


def _plan_crossings(plan: pd.DataFrame, routes) -> pd.DataFrame:
    """Bookings as trucks per day through each crossing and direction."""
    rc = routes.route_crossings[["route_id", "element_id", "direction"]].rename(
        columns={"element_id": "crossing_id"})
    trucks = plan.assign(
        baseline_trucks_per_day=plan["booked_t_per_day_baseline"] / plan["payload_t_per_truck"],
        robust_trucks_per_day=plan["booked_t_per_day_robust"] / plan["payload_t_per_truck"])
    out = trucks.merge(rc, on="route_id").groupby(["crossing_id", "direction"], as_index=False)[
        ["baseline_trucks_per_day", "robust_trucks_per_day"]].sum()
    out["delta_trucks_per_day"] = out["robust_trucks_per_day"] - out["baseline_trucks_per_day"]
    return out.sort_values(["delta_trucks_per_day", "crossing_id", "direction"],
                           kind="stable").reset_index(drop=True)


def _priced_plan(net, routes, nets, probabilities, premium, unused, options, progress):
    """Build and solve the robust model, price every route over every scenario
    (:func:`borderflow.model.robust_pricing.price_robust`), add those that price out and
    solve again, until none does (``certified``) or a limit stops it (``restricted``, with the
    gap bound of the last pricing). Returns the model, its session and solve, and a
    :class:`~borderflow.model.column_generation.Routing`."""
    pricing = options.pricing
    routing = Routing(tolerance_usd_per_t=pricing.tolerance_usd_per_t)
    graph, products = pricing_inputs(net)
    supply = net.supply.groupby(["origin", "product_id"])["supply_t"].sum()
    added = 0
    while True:
        progress("plan", None, None, f"building the two-stage model ({len(nets)} scenarios, "
                 f"{len(routes.eligible):,} (route, product) pairs)")
        robust = build_robust_model(nets, probabilities, routes, spot_premium_factor=premium,
                                    unused_booking_factor=unused)
        session = HighsSession(robust.model, options.solver)
        progress("plan", None, None, "solving the robust plan")
        solve = session.solve()
        progress("pricing", None, None, f"pricing round {routing.rounds + 1}: routes of "
                 "negative reduced cost in any scenario")
        found = price_robust(graph, products, read_robust_duals(session, robust, nets),
                             probabilities, spot_premium_factor=premium,
                             unused_booking_factor=unused, supply=supply,
                             tolerance=pricing.tolerance_usd_per_t,
                             max_columns=pricing.columns_per_pair,
                             max_exact_scenarios=pricing.booking_scenarios)
        routing.rounds += 1
        routing.min_reduced_cost_usd_per_t = found.least_usd_per_t
        routing.gap_bound_usd = found.gap_bound_usd
        if found.columns.empty:
            if found.exact:
                routing.status, routing.gap_bound_usd = "certified", 0.0
            else:
                routing.reason = (f"{len(nets)} scenarios: more than {pricing.booking_scenarios}, "
                                  "so not every booking column was priced")
            break
        more = grow(routing, pricing, net, routes, found.columns, found.least_usd_per_t)
        if more is None:
            break
        added += len(more.routes) - len(routes.routes)
        routes = more
    robust.routes = routes
    routing.routes_generated = added
    routing.route_products = len(routes.eligible)
    return robust, session, solve, routing


def robust_plan(tables: InputTables, scenarios: list[Scenario], probabilities: list[float],
                options: RunOptions | None = None, on_progress=None) -> RobustResult:
    """Solve the robust plan over ``scenarios`` and compare it with the baseline plan.

    Parameters
    ----------
    tables : InputTables
        Checked tables (parameters ``spot_premium_factor`` and ``unused_booking_factor`` are
        read from them, defaults in :mod:`borderflow.data.parameters`).
    scenarios, probabilities
        Static scenarios of one representative day, probabilities summing to 1.
    options : RunOptions, optional
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)`` (:data:`borderflow.api.STAGES`, and
        ``plan`` for the robust model's build and solves).

    Raises
    ------
    InputError
        Probabilities that do not sum to 1, dated scenarios, unknown ids.
    SolverError
        If HiGHS does not end optimal.
    """
    tables = tables.copy()  # a snapshot: tables edited in place later do not reach cached rules
    _check(scenarios, probabilities)
    options = options or RunOptions()
    for_optimum(options, "a robust plan")  # realistic refused (auto: each plan an optimum)
    progress = on_progress or (lambda *a: None)
    t0 = time.perf_counter()
    # the plan that assumed nothing closes: the undisrupted optimum, on the same route set
    base = _baseline_plan(tables, scenarios[0], options, progress)
    net, kept = base.network, base.solved_routes
    nets = [with_scenario(net, s) for s in scenarios]
    check_model_size(nets[0], kept.routes, options.max_model_gb, copies=len(nets),
                     where="robust plan", advice="use fewer closures")
    premium = net.parameters.spot_premium_factor
    unused = net.parameters.unused_booking_factor
    robust, session, solve, routing = _priced_plan(net, kept.routes, nets, probabilities,
                                                   premium, unused, options, progress)
    routes = robust.routes
    booked = kept.flows[FLOW_KEYS].assign(t=kept.flows["flow_t"])
    baseline_booking = robust.plan[FLOW_KEYS].merge(booked, on=FLOW_KEYS, how="left")[
        "t"].fillna(0.0).to_numpy()
    robust_booking = _values(robust.model.booked)
    names = [s.name for s in scenarios]
    certificate, folders = robust_tables(session, robust, nets, names, premium, unused)
    costs_robust = _scenario_costs(robust, names, "robust")
    _bounds(session, robust, baseline_booking)
    progress("plan", None, None, "evaluating the baseline plan in each scenario")
    fixed = session.solve()
    costs_base = _scenario_costs(robust, names, "baseline")
    scen = costs_robust.merge(costs_base.drop(columns="probability"), on="scenario")
    scen["regret_usd"] = scen["cost_usd_baseline"] - scen["cost_usd_robust"]
    flows = robust.plan
    plan = flows[["route_id", "product_id", "origin", "market", "cost_usd_per_t",
                  "payload_t_per_truck"]].assign(
        booked_t_per_day_baseline=baseline_booking, booked_t_per_day_robust=robust_booking)
    plan = plan.merge(routes.routes[["route_id", "crossings"]], on="route_id", how="left")
    keep = (plan["booked_t_per_day_baseline"] > TOL_T) | (plan["booked_t_per_day_robust"] > TOL_T)
    plan = plan[keep].sort_values(["product_id", "origin", "route_id"],
                                  kind="stable").reset_index(drop=True)
    expected_b, expected_r = fixed.objective_usd, solve.objective_usd
    summary = {
        "scenarios": len(scenarios), "probabilities": dict(zip(names, probabilities)),
        "spot_premium_factor": premium, "unused_booking_factor": unused,
        "expected_cost_usd_robust": expected_r, "expected_cost_usd_baseline": expected_b,
        "value_of_robust_plan_usd": expected_b - expected_r,
        **_expected_congestion(scen),
        "worst_cost_usd_robust": float(scen["cost_usd_robust"].max()),
        "worst_cost_usd_baseline": float(scen["cost_usd_baseline"].max()),
        "booked_t_per_day_robust": float(robust_booking.sum()),
        "booked_t_per_day_baseline": float(baseline_booking.sum()),
        "variables": solve.variables, "constraints": solve.constraints,
        "solver": solve.solver, "solve_seconds": solve.solve_seconds + fixed.solve_seconds,
        "total_seconds": time.perf_counter() - t0,
        "routing": routing.status, "optimality": routing.sentence(),
        "pricing": routing.summary(),
    }
    metadata = {**base.metadata, "scenario": None,
                "scenarios": [sc.model_dump(mode="json", by_alias=True) for sc in scenarios],
                "probabilities": list(map(float, probabilities))}
    return RobustResult(plan=plan, plan_crossings=_plan_crossings(plan, routes),
                        scenarios=scen, summary=summary, metadata=metadata,
                        certificate=certificate, scenario_folders=folders)
