"""An uncertain reopening: every branch of a closure's ``reopening_odds`` run as a realistic
dispatch, and the spread of the outcomes (issue 18, item 5, the planning-on-expectation form).

A closure ``{crossing: x, close: {from: d0, to: d1}, reopening_odds: {r1: p1, r2: p2, ...}}``
reopens on one of the days ``r_k`` with probability ``p_k``; ``close.to`` names the branch
that happened. The dispatcher does not know which: until the gate reopens it plans on the
expected reopening day among the dates not yet passed (rounded to the nearest day), re-plans
each time a possible date passes with the gate still closed, and learns the reopening on the
day it happens (:func:`borderflow.model.information.known_scenario`). The dispatch is the same
in every branch until the branches can be told apart (non-anticipative by construction: the
calendar known on a day is the same in every branch not yet ruled out).

This is a policy evaluated branch by branch, not the multi-stage stochastic optimum (which
weighs the branches when choosing the dispatch rather than plan on their mean:
:mod:`borderflow.reopening_plan`, which reports this policy beside it): with the same
information its expected cost is an upper bound on that optimum's, and the branches'
foresight optima average to a lower bound.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

import pandas as pd

from borderflow.data.errors import InputError, Problem
from borderflow.data.scenario import CloseEvent, Scenario, Window
from borderflow.options import RunOptions

#: the figures of each branch, from the realistic run's summary (USD unless t)
FIGURES = ("objective_usd", "foresight_objective_usd", "value_of_foresight_usd",
           "waiting_cost_usd", "spoiled_t")


def reopening_branches(scenario: Scenario) -> list[tuple[float, tuple[dt.date, ...], Scenario]]:
    """Every combination of the scenario's uncertain reopenings, as ``(probability,
    reopening days, scenario)`` with each closure's ``close.to`` set to its branch (the odds
    kept, so each branch's dispatcher plans on the same expectation).

    Raises
    ------
    InputError
        If no event has ``reopening_odds``.
    """
    odd = [(k, ev) for k, ev in enumerate(scenario.events)
           if isinstance(ev, CloseEvent) and ev.reopening_odds]
    if not odd:
        raise InputError(Problem(f"scenario '{scenario.name}'", None, "events",
                                 "no closure has reopening_odds: nothing is uncertain"))
    out = []
    for combo in itertools.product(*[sorted(ev.reopening_odds.items()) for _, ev in odd]):
        events = list(scenario.events)
        probability = 1.0
        for (k, ev), (day, p) in zip(odd, combo):
            events[k] = ev.model_copy(update={"close": Window(**{
                "from": ev.close.start, "to": day - dt.timedelta(days=1)})})
            probability *= p
        days = tuple(day for day, _ in combo)
        name = f"{scenario.name}-reopens-" + "-".join(d.isoformat() for d in days)
        out.append((probability, days, scenario.model_copy(update={"events": tuple(events),
                                                                   "name": name[:100]})))
    return out


def reopening_spread(dataset, scenario: Scenario, options: RunOptions | None = None,
                     solve=None) -> pd.DataFrame:
    """Run every branch of ``scenario``'s uncertain reopening(s) with realistic dispatch.

    Parameters
    ----------
    dataset : InputTables
    scenario : Scenario
        With at least one closure carrying ``reopening_odds``.
    options : RunOptions, optional
        ``dispatch`` is set to ``realistic``.
    solve : callable, optional
        ``solve(dataset, scenario, options) -> summary dict`` (default: :func:`borderflow.solve`
        alone, ``compare=False``, its :attr:`~borderflow.Result.raw_summary`: verified, not
        written).

    Returns
    -------
    DataFrame
        One row per branch: ``reopens`` (the reopening day(s), ISO), ``probability``, and
        :data:`FIGURES`; then rows ``expected`` (probability-weighted mean), ``min`` and
        ``max`` (the spread), ``probability`` 1, NaN and NaN.
    """
    options = replace(options or RunOptions(), dispatch="realistic")
    if solve is None:
        from borderflow.api import solve as solve_api

        def solve(d, s, o):
            return solve_api(d, s, o, compare=False).raw_summary
    rows = []
    for p, days, branch in reopening_branches(scenario):
        summary = solve(dataset, branch, options)
        rows.append({"reopens": " + ".join(d.isoformat() for d in days), "probability": p,
                     **{f: float(summary.get(f) or 0.0) for f in FIGURES}})
    table = pd.DataFrame(rows)
    w = table["probability"]
    stats = [{"reopens": "expected", "probability": float(w.sum()),
              **{f: float((table[f] * w).sum()) for f in FIGURES}},
             {"reopens": "min", "probability": float("nan"),
              **{f: float(table[f].min()) for f in FIGURES}},
             {"reopens": "max", "probability": float("nan"),
              **{f: float(table[f].max()) for f in FIGURES}}]
    return pd.concat([table, pd.DataFrame(stats)], ignore_index=True)
