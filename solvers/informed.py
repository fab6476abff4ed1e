"""Realistic (non-anticipative) dispatch of a dated model: re-plan as news arrives.

The perfect-foresight LP sees the whole calendar from day 0: it stops sending trucks toward a
gate days before the gate closes. A dispatcher cannot. Given decision days ``d_0 = 0 < d_1 <
... `` (every ``k`` days and every day news arrives, :func:`borderflow.model.information.
decision_days`) and, for each, the model's bounds under the calendar known that day (the
*knowledge state*), this module simulates the policy:

1. plan ``j`` fixes every variable of the days before ``d_j`` at the values committed so far
   (the days of the variables and rows come from :mod:`borderflow.solvers.rolling`'s
   machinery) and solves the LP of days ``d_j`` onwards, to the end of the modelled days, with
   the bounds of knowledge state ``j``, warm from the previous plan's basis (plan 0 is solved
   as any dated model is: exact rolling windows from 30 days on);
2. it commits the values of days ``[d_j, d_{j+1})`` (trucks dispatched, queue departures,
   expiries, unserved supply) and moves on: trucks already on the road keep going and queue.

A **reaction lag** of ``L`` days (:mod:`borderflow.behaviour`) holds the dispatch: plan ``j``
also fixes the route flows dispatched on days ``[d_j, h_j)`` (``h_j = d_j + L`` after news of a
gate, :func:`borderflow.model.information.held_until`) at the values of plan ``j - 1``, the
plan made before the news, while the gate side (queue departures, expiries) and the dispatch
after ``h_j`` follow the new calendar. By induction the trucks loaded on day ``t`` are those of
the last plan made on or before day ``t - L``: a dispatcher who re-planned on day ``h_j`` would
find plan ``j``'s own choice for the days after ``h_j`` again (same argument as for days
without news), so ``h_j`` needs no plan of its own.

**Drivers who keep coming** (:class:`Floor`): after news of a closure or throttle on day ``a``,
the route flows queueing at that gate dispatched on days ``[a + L, a + L + D)`` are bounded
below by a share ``s`` of their values in the plan made before the news (the plan in force on
day ``a - 1``), in every plan from day ``a`` on: each plan stays an exact LP (bounds on
columns), clipped to the knowledge state's upper bound. The values kept are returned
(:attr:`Dispatch.floors`) for the run folder, where the verifier re-checks them.

Each plan is an LP optimum *for its knowledge*; the stitched trajectory is a policy, not an
optimum of anything: its cost is at least the foresight optimum, and the difference is the
value of foresight (the cost of not knowing). When every event is known on day 0 and the look-
ahead is the whole horizon, each plan's committed days belong to an optimum of the whole LP, so
the policy reproduces the foresight optimum (to HiGHS's tolerances). Duals of the result are
the last plan's (a policy has no duals of its own).

The committed solution is feasible for the real calendar because an event is known at the
latest on its first day: rows and bounds of day ``t`` are the real ones whenever day ``t`` is
decided. Route flows that pass a crossing *before* their queue gate count in that crossing's
capacity on a later day; a surprise closure of such a crossing could find committed trucks on
it, which the model has no queue for: those route-days are not dispatched in any plan
(:mod:`borderflow.unwarned`, reported in the run folder); what is still refused before solving
is news that bounds the dispatch while a reaction lag or drivers who keep coming hold it
(:func:`borderflow.dispatch.check_surprises`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from .highs import (HighsSession, SolveSummary, limit_time, raise_for_status, run_highs,
                    solver_version, status_of)
from .memory import lp_arrays
from .rolling import column_days

#: :attr:`SolveSummary.method` of a realistic dispatch
METHOD = ("realistic dispatch: {plans} plans, each on the calendar known on its day "
          "(a policy simulation, not an optimum)")

#: warm dual-simplex iterations a plan may take before it is solved again from nothing by
#: IPX with crossover (:func:`solve_informed`); a count, never a time, so the policy is
#: deterministic. Well above the cheap warm plans measured (winter's plan of its first news
#: 7,723, the 52-day winter run's others 1,323 and 2,821, the 30-day winter copies' 1,242-4,172),
#: below the hard ones: boten-2021's plans 1 and 2 took 31,167 and 25,549 warm iterations (~10 ms
#: each on its 392 k-column LP, 305.7 + 258.3 CPU s) where IPX from nothing takes 87.5 and 65.6
#: (docs/notes/performance-log.md, session 25), and the winter run's 25,658-35,000. Session 25
#: tried 5,000 and sent winter's 7,723-iteration plan to IPX at a loss (283.4 CPU s against
#: 77-162 warm).
WARM_ITERATION_LIMIT = 10_000

#: appended to :data:`METHOD` when some plans were solved from nothing
RESTARTED = ("; {restarts} of them solved from nothing by IPX with crossover after "
             "{limit:,} warm dual-simplex iterations")


@dataclass(frozen=True)
class Bounds:
    """Column and row bounds of the whole LP under one knowledge state (HiGHS order)."""

    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray


@dataclass(frozen=True)
class Plan:
    """One decision: from ``first_day`` the model knows ``bounds``; it commits the days up
    to ``commit_end`` (exclusive)."""

    first_day: int
    commit_end: int
    bounds: Bounds
    held_until: int = 0
    """Route flows of days ``[first_day, held_until)`` stay at the previous plan's values (the
    reaction lag); ``held_until <= first_day``: nothing held."""


@dataclass(frozen=True)
class Floor:
    """Drivers who keep coming: from the plan made on ``news_day`` on, the columns ``cols``
    (route flows queueing at the gate in the news) of dispatch days ``[first_day,
    end_day)`` stay at least ``share`` x their value in the plan made before the news."""

    news_day: int
    first_day: int
    end_day: int
    cols: np.ndarray
    share: float


@dataclass
class Dispatch:
    """The policy's solution: values and duals per HiGHS column and row, each plan's own
    objective (USD, over the days it saw, the committed past counted), and the summary."""

    x: np.ndarray
    duals: np.ndarray
    plan_objectives: list
    summary: SolveSummary
    floors: list = None
    """Per :class:`Floor` given, ``(cols, pre_news_values)`` of its columns in its window
    (the plan before the news); the floor is ``share`` x the value."""
    restarted: tuple = ()
    """Plan numbers (1 onwards) solved from nothing by IPX after the warm simplex reached
    its iteration limit."""
    warm_iterations: tuple = ()
    """Per plan after the first (plan 2 first), its warm dual-simplex iterations: what
    ``warm_iteration_limit`` is compared with (a plan that reached it counts the limit;
    IPX's iterations are not in it)."""


def bounds_of(session: HighsSession) -> Bounds:
    """The bounds HiGHS holds now for ``session``'s LP (copies)."""
    lp = lp_arrays(session.highs)
    return Bounds(lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper)


def solve_informed(session: HighsSession, periods: dict, plans: list[Plan],
                   real: Bounds, on_plan=None, held=None, floors=(),
                   warm_iteration_limit: int | None = None) -> Dispatch:
    """Simulate the realistic dispatch of ``session``'s dated model (module docstring).

    Plan 0 must already be solved in ``session`` (its HiGHS instance holds the first plan's
    bounds and optimal basis: :func:`borderflow.dispatch.realistic_solve` solves it the way any
    dated model is solved, exact windows from 30 days on). Each later plan fixes the columns of
    the days before its first day at their committed values, sets its knowledge state's
    bounds on the rest, and re-solves by the simplex warm from the previous plan's basis. A
    plan whose warm simplex reaches ``warm_iteration_limit`` iterations is solved again from
    nothing by IPX with crossover (the same LP, so an optimum of the same knowledge state,
    possibly another optimal vertex); the rule depends on the LP and the iteration count
    only, never on time, so the policy is deterministic. Each plan sees to the end of the
    modelled days (the run-out tail included), so the only difference from foresight is what
    is known. On return the session's HiGHS instance holds the ``real`` bounds again (its
    basis is the last plan's).

    Parameters
    ----------
    session : HighsSession
        The whole model, plan 0 solved in it.
    periods : dict
        Day of each variable per variable component
        (:func:`borderflow.model.formulation.column_periods`).
    plans : list of Plan
        In order of ``first_day``, the first at day 0, the last committing to the end.
    real : Bounds
        The real calendar's bounds, restored at the end.
    on_plan : callable, optional
        ``on_plan(j, n, first_day)`` before plan ``j >= 1`` of ``n`` is solved (progress).
    held : component, optional
        The variable component whose columns a plan's :attr:`Plan.held_until` holds (the
        route flows); ``None``: nothing is held.
    floors : sequence of Floor, optional
        Drivers who keep coming (module docstring); each ``news_day`` must be a plan's
        ``first_day`` after day 0.
    warm_iteration_limit : int, optional
        Warm dual-simplex iterations before a plan is solved from nothing by IPX; ``None``:
        :data:`WARM_ITERATION_LIMIT`.

    Returns
    -------
    Dispatch
        ``summary.status`` is ``simulated`` (every plan ended optimal); seconds and
        iterations of plans 1 onwards (the abandoned warm iterations included); each plan's
        warm dual-simplex iterations in :attr:`Dispatch.warm_iterations`.

    Raises
    ------
    SolverError
        (a subclass) if a plan does not end optimal; the message names its day.
    """
    h = session.highs
    lp = lp_arrays(h)  # numpy arrays, not getLp's Python lists of the matrix
    A, cost = lp.A, lp.cost
    day = column_days(session, periods)
    n_cols, n_rows = A.shape[1], A.shape[0]
    every_col = np.arange(n_cols, dtype=np.int32)
    every_row = np.arange(n_rows, dtype=np.int32)
    dispatch = np.zeros(n_cols, dtype=bool)
    if held is not None:
        where = session.columns_of(held)
        dispatch[where[where >= 0]] = True
    sol = h.getSolution()
    previous = np.asarray(sol.col_value, dtype=float).copy()  # the last plan's, every day
    x = np.zeros(n_cols)
    first = (day >= plans[0].first_day) & (day < plans[0].commit_end)
    x[first] = np.asarray(sol.col_value)[first]
    duals = np.asarray(sol.row_dual, dtype=float).copy()
    objectives = [float(h.getInfo().objective_function_value)]
    seconds, iterations = 0.0, 0
    kept = []  # per floor: (columns in its window, values in the plan before the news)
    for fl in floors:
        cols = fl.cols[(day[fl.cols] >= fl.first_day) & (day[fl.cols] < fl.end_day)]
        kept.append([cols, None])
    h.setOptionValue("solver", "simplex")  # warm from the previous plan's basis
    restarted, warm = [], []
    if warm_iteration_limit is None:
        warm_iteration_limit = WARM_ITERATION_LIMIT
    try:
        for j, plan in enumerate(plans[1:], start=1):
            if on_plan is not None:
                on_plan(j, len(plans), plan.first_day)
            b = plan.bounds
            past = day < plan.first_day
            lo, up = b.col_lower.copy(), b.col_upper.copy()
            lo[past] = up[past] = x[past]
            for fl, k in zip(floors, kept):
                if fl.news_day == plan.first_day:
                    k[1] = previous[k[0]].copy()  # the plan before the news
                if k[1] is None or fl.news_day > plan.first_day:
                    continue
                c, floor = k[0], fl.share * k[1]
                c, floor = c[day[c] >= plan.first_day], floor[day[c] >= plan.first_day]
                lo[c] = np.maximum(lo[c], np.minimum(floor, up[c]))
            hold = dispatch & (day >= plan.first_day) & (day < plan.held_until)
            lo[hold] = up[hold] = np.clip(previous[hold], b.col_lower[hold], b.col_upper[hold])
            h.changeColsBounds(n_cols, every_col, lo, up)
            h.changeRowsBounds(n_rows, every_row, b.row_lower.copy(), b.row_upper.copy())
            limit_time(h, session.options.time_limit_s)  # this plan's alone
            t0 = time.perf_counter()
            its, again, warm_its = _solve_plan(h, session.options.log, warm_iteration_limit)
            seconds += time.perf_counter() - t0
            iterations += its
            warm.append(warm_its)
            if again:
                restarted.append(j)
            status, termination = status_of(h)
            info = h.getInfo()
            if status != "optimal":
                raise_for_status(_summary(session, status, termination, None, seconds,
                                          iterations, j + 1),
                                 prefix=f"realistic dispatch, plan {j + 1} of {len(plans)} "
                                        f"(day {plan.first_day}): ")
            sol = h.getSolution()
            previous = np.asarray(sol.col_value, dtype=float).copy()
            objectives.append(float(info.objective_function_value))
            keep = (day >= plan.first_day) & (day < plan.commit_end)
            x[keep] = np.asarray(sol.col_value)[keep]
            duals = np.asarray(sol.row_dual, dtype=float).copy()
    finally:
        h.changeColsBounds(n_cols, every_col, real.col_lower.copy(), real.col_upper.copy())
        h.changeRowsBounds(n_rows, every_row, real.row_lower.copy(), real.row_upper.copy())
    objective = float(cost @ x + lp.offset)
    summary = _summary(session, "simulated", "every plan Optimal (realistic dispatch)",
                       objective, seconds, iterations, len(plans))
    if restarted:
        summary = replace(summary, method=summary.method + RESTARTED.format(
            restarts=len(restarted), limit=warm_iteration_limit))
    return Dispatch(x=x, duals=duals, plan_objectives=objectives, summary=summary,
                    floors=[(c, v if v is not None else np.zeros(len(c))) for c, v in kept],
                    restarted=tuple(restarted), warm_iterations=tuple(warm))


def _solve_plan(h, log: bool, limit: int) -> tuple[int, bool, int]:
    """Solve the plan LP held by ``h``: the dual simplex warm from the basis ``h`` holds, at
    most ``limit`` iterations; if it stops there, the same LP from nothing by IPX with crossover
    (HiGHS's simplex cleans up after it). Each of the two runs has the wall-clock budget ``h``'s
    ``time_limit`` gives the first (HiGHS compares it with the instance's total run time, so it is
    moved on before IPX: ``--time-limit`` is per solve, and the abandoned warm attempt does not eat
    into IPX's). Returns ``(iterations of both, whether IPX solved it, the warm simplex's
    iterations)``; read the outcome with :func:`status_of`. HiGHS's iteration limit and crossover
    option are restored; its solver is left at the simplex, so that the next plan starts warm from
    this plan's basis."""
    before = {name: h.getOptionValue(name)[1]
              for name in ("simplex_iteration_limit", "run_crossover")}
    budget_s = h.getOptionValue("time_limit")[1] - h.getRunTime()
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("simplex_iteration_limit", int(limit))
    try:
        run_highs(h, log)
        info = h.getInfo()
        its = int(info.simplex_iteration_count + max(info.ipm_iteration_count, 0))
        if status_of(h)[0] != "iteration_limit":
            return its, False, its
        h.setOptionValue("simplex_iteration_limit", before["simplex_iteration_limit"])
        h.clearSolver()  # from nothing: IPX does not start from the abandoned basis
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "on")
        limit_time(h, budget_s)
        run_highs(h, log)
        info = h.getInfo()
        return its + int(info.simplex_iteration_count + max(info.ipm_iteration_count, 0)
                         + max(info.crossover_iteration_count, 0)), True, its
    finally:
        for name, value in before.items():
            h.setOptionValue(name, value)
        h.setOptionValue("solver", "simplex")


def _summary(session: HighsSession, status: str, termination: str, objective: float | None,
             seconds: float, iterations: int, n_plans: int) -> SolveSummary:
    return SolveSummary(status=status, termination=termination, objective_usd=objective,
                        solver=solver_version(), solve_seconds=seconds,
                        translate_seconds=session.translate_seconds, iterations=iterations,
                        variables=session.highs.getNumCol(), constraints=session.highs.getNumRow(),
                        nonzeros=session.highs.getNumNz(), warm_start=False, windows=n_plans,
                        method=METHOD.format(plans=n_plans), exact=False)
