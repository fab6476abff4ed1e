"""Checks of a realistic (non-anticipative) dispatch run, recomputed from the scenario alone.

A realistic run's solution is a policy, not an optimum (:mod:`borderflow.solvers.informed`):
the solution checks of the other modules (capacity, closures, queues, money) hold for it as
for any run, against the *real* calendar. This module adds what is particular to it, without
importing the model's information module:

=====================  ========================================================================
check                  what must hold
=====================  ========================================================================
foresight_bound        objective_usd >= foresight_objective_usd (foresight is a lower bound)
value_of_foresight     value_of_foresight_usd = objective_usd - foresight_objective_usd
announced_in_time      every event is announced on or before its first day (else a day's
                       rows would have been planned on a wrong calendar)
replanned_on_news      decision_days >= 1 + the days within the horizon on which an event or
                       a reopening date was announced (the dispatcher re-planned on each)
=====================  ========================================================================
"""

from __future__ import annotations

import datetime as dt

from .report import rows


def _first_day(ev) -> dt.date | None:
    window = getattr(ev, "close", None)
    return window.start if window is not None else getattr(ev, "start", None)


def _news_days(scenario) -> set[int]:
    start, n = scenario.horizon.start, scenario.horizon.days
    days = set()
    for ev in scenario.events:
        if type(ev).__name__ == "PriorityEvent":
            continue
        told = max(ev.announced or _first_day(ev) or start, start)
        days.add((told - start).days)
        reopening = getattr(ev, "reopening_announced", None)
        if reopening is not None:
            days.add((max(reopening, told) - start).days)
    return {d for d in days if 0 < d < n}


def dispatch_checks(res, f) -> list:
    """The checks of the module docstring (an empty list for a foresight run)."""
    s = res.summary
    if s.get("dispatch") != "realistic":
        return []
    objective = float(s["objective_usd"])
    bound = float(s.get("foresight_objective_usd", float("nan")))
    value = float(s.get("value_of_foresight_usd", float("nan")))
    scale = max(abs(objective), abs(bound))
    out = [rows("foresight_bound", "objective_usd >= foresight_objective_usd",
                max(0.0, bound - objective), "USD", scale),
           rows("value_of_foresight", "value_of_foresight_usd", abs(value - (objective - bound)),
                "USD", scale)]
    scenario = f.scenario
    late = []
    for k, ev in enumerate(scenario.events):
        first = _first_day(ev)
        if ev.announced is not None and first is not None and ev.announced > first:
            late.append((f"events[{k}]", (ev.announced - first).days))
    out.append(rows("announced_in_time", [e for e, _ in late] or "every event",
                    [d for _, d in late] or 0.0, "days"))
    needed = 1 + len(_news_days(scenario))
    out.append(rows("replanned_on_news", f"{needed} decision days needed",
                    max(0, needed - int(s.get("decision_days") or 0)), "days"))
    return out
