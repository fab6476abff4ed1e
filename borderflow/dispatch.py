"""Realistic dispatch of a dated run: the pipeline stage that turns a built model and its
scenario's announcements into a policy simulation (:mod:`borderflow.solvers.informed`).

:func:`realistic_solve` takes the perfect-foresight solve as the bound
(``foresight_objective_usd``), then simulates the dispatcher who plans on day 0 and re-plans
on every day news arrives (:func:`borderflow.model.information.decision_days`) with the
calendar as announced by then, and loads the committed decisions into the model (the results,
the verifier and the run folder then describe the policy). :func:`check_surprises` refuses,
before solving, a surprise the model cannot represent: a crossing passed *before* a route's
queue gate that closes or throttles with trucks already committed toward it. Both take the
reaction lag (:mod:`borderflow.behaviour`): trucks loaded in the ``lag`` days after news of a
gate follow the plan made before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from borderflow.data.errors import InputError, Problem
from borderflow.data.scenario import BuildEvent, PriorityEvent, SupplyEvent
from borderflow.model.formulation import bound_updates, column_periods
from borderflow.model.information import (announced_on, check_lag_conflicts, decision_days,
                                          held_until, known_scenario)
from borderflow.model.network import with_scenario
from borderflow.solvers.highs import SolveSummary
from borderflow.solvers.informed import Plan, bounds_of, solve_informed


def check_surprises(net, built, reaction_lag_days: int = 0) -> None:
    """Refuse surprise events on crossings passed before a route's queue gate, and news that
    bounds the dispatch while the reaction lag still holds it
    (:func:`borderflow.model.information.check_lag_conflicts`).

    A route flow dispatched on day ``p`` passes such a crossing on day ``p + lag``; a closure
    or throttle (of the direction it is passed in) announced less than ``lag +
    reaction_lag_days`` days before it starts would find committed trucks there, and the
    model keeps no queue at that crossing.

    Raises
    ------
    InputError
        Naming the event (``events[i].announced``), the crossing and the days of warning the
        model needs.
    """
    check_lag_conflicts(net.scenario, reaction_lag_days)
    start = net.scenario.horizon.start
    use = built.crossing_use
    use = use[use["var"] == "route_flow"]
    if use.empty:
        return
    sent = built.flows["period"].to_numpy()[use["idx"].to_numpy(dtype=np.int64)]
    lag = (use["period"].to_numpy() - sent)
    ways = use["direction"] if "direction" in use else ["both"] * len(use)
    longest = {}  # (crossing, direction) -> days from dispatch to reaching it
    for crossing, way, days in zip(use["crossing_id"], ways, lag):
        for d in (("a_to_b", "b_to_a") if way == "both" else (way,)):
            longest[crossing, d] = max(longest.get((crossing, d), 0), int(days))
    problems = []
    for k, ev in enumerate(net.scenario.events):
        if isinstance(ev, (SupplyEvent, PriorityEvent, BuildEvent)):
            continue
        way = getattr(ev, "direction", "both")
        need = max(longest.get((ev.crossing, d), 0)
                   for d in (("a_to_b", "b_to_a") if way == "both" else (way,)))
        need += reaction_lag_days * bool(need)
        first = ev.starts or start
        if need and announced_on(ev, start) > max(start, first - dt.timedelta(days=need)):
            problems.append(Problem(
                f"scenario '{net.scenario.name}'", None, f"events[{k}].announced",
                f"{ev.crossing} is passed before the queue gate of some routes, up to {need} "
                f"day(s) after dispatch{_lag_words(reaction_lag_days)}: realistic dispatch "
                f"needs the event announced by "
                f"{max(start, first - dt.timedelta(days=need))} (trucks already on the way "
                "could not queue there); announce it earlier or use --dispatch foresight"))
    if problems:
        raise InputError(problems)


def _lag_words(days: int) -> str:
    return f", plus a reaction lag of {days} day(s)" if days else ""


def realistic_solve(session, built, net, foresight: SolveSummary, solve_first,
                    on_progress=None, lag=None) -> SolveSummary:
    """Simulate the realistic dispatch of ``built`` (its session holds the real calendar and
    was just solved with foresight: ``foresight``); load the policy into the Pyomo model.

    Parameters
    ----------
    session : HighsSession
    built : BuiltModel
    net : FreightNetwork
        The real scenario's network.
    foresight : SolveSummary
        The perfect-foresight solve of the same model (its objective is the bound).
    solve_first : callable
        ``solve_first()`` solves ``session`` as the run solves any dated model (exact windows
        from 30 days on): plan 0, on the calendar known on day 0.
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)``.
    lag : ReactionLag, optional
        The reaction lag (:func:`borderflow.behaviour.reaction_lag`); ``None``: 0 days.

    Returns
    -------
    SolveSummary
        ``status`` ``simulated``, ``dispatch`` ``realistic``, ``exact`` False,
        ``foresight_objective_usd`` the bound; times and iterations include the foresight
        solve.
    """
    scenario = net.scenario
    days = decision_days(scenario)
    held = held_until(scenario, days, lag.days if lag is not None else 0)
    n_days = len(net.periods)
    real = bounds_of(session)
    states, plans, first = {}, [], None
    try:
        for j, d in enumerate(days):
            known = known_scenario(scenario, scenario.horizon.start + dt.timedelta(days=d))
            key = known.model_dump_json()
            if key not in states:
                states[key] = (known, None)
                session.apply(bound_updates(built, with_scenario(net, known)))
                states[key] = (known, bounds_of(session))
            end = days[j + 1] if j + 1 < len(days) else n_days
            plans.append(Plan(first_day=d, commit_end=end, bounds=states[key][1],
                              held_until=min(held[j], n_days)))
            first = first or states[key][0]
        # plan 0, solved as any dated model is (exact windows from 30 days on)
        session.apply(bound_updates(built, with_scenario(net, first)))
        session.restart_from(None)  # cold: warm from foresight's basis is slower here
        progress = on_progress or (lambda *a: None)
        solve_first()
        start = session.highs.getInfo()

        def plan(j: int, n: int, first_day: int) -> None:
            progress("solve", j, n, f"realistic dispatch: plan {j + 1} of {n} (day "
                                    f"{first_day}, the calendar as known that day)")

        out = solve_informed(session, column_periods(built), plans, real, on_plan=plan,
                             held=built.model.route_flow)
    finally:
        session.apply(bound_updates(built, net))  # the real calendar again
    session.load_solution(out.x, out.duals)
    return replace(out.summary, dispatch="realistic", decision_periods=tuple(days),
                   foresight_objective_usd=foresight.objective_usd,
                   reaction_lag_days=lag.days if lag is not None else 0,
                   reaction_lag_source=lag.source if lag is not None else "",
                   solve_seconds=out.summary.solve_seconds + foresight.solve_seconds,
                   iterations=out.summary.iterations + foresight.iterations
                   + int(start.simplex_iteration_count + max(start.ipm_iteration_count, 0)))
