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
replanned_on_news      decision_dates = the horizon's first day and every day within the
                       horizon on which an event or a reopening date was announced, or
                       (reopening_odds) a possible reopening date passed still closed (the
                       dispatcher planned on day 0 and re-planned on each day news arrived,
                       never knowing an event before its announcement); decision_days is
                       their number
reaction_lag           reaction_lag_days is a whole number of days >= 0 and, when the
                       scenario states ``reaction_lag_days``, that value (the trucks loaded in
                       the lag after news follow the earlier plan; which trucks those are
                       is not re-derivable from the run folder alone: the hand-computed
                       cases of tests/test_realistic.py check it)
ramp_capacity          every run (dated): on each day of a ramp-up, the capacity the checks
                       use is at most ``start + (nominal - start) * i / days`` with ``nominal``
                       the crossing's capacity in crossings.csv (recomputed here from the
                       scenario and the input table, not from the model's calendar)
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
        odds = getattr(ev, "reopening_odds", None)
        if odds:  # each possible date passed still closed, and the reopening day itself
            opened = ev.close.end + dt.timedelta(days=1)
            days |= {(d - start).days for d in odds if told < d <= opened}
    return {d for d in days if 0 < d < n}


def ramp_checks(f, tables) -> list:
    """``ramp_capacity`` rows (module docstring) for every ramp-up event of a dated run."""
    if not f.dated:
        return []
    ramps = [(k, ev) for k, ev in enumerate(f.scenario.events) if type(ev).__name__ ==
             "RampEvent"]
    if not ramps:
        return []
    dates = [dt.date.fromisoformat(label) for label in f.labels]
    nominal = tables.crossings.set_index("crossing_id")
    cap = f.capacity.set_index(["crossing_id", "direction", "period"])["capacity_trucks_per_day"]
    names, excess = [], []
    for k, ev in ramps:
        first = ev.start or f.scenario.horizon.start
        dirs = ("a_to_b", "b_to_a") if ev.direction == "both" else (ev.direction,)
        for period, date in enumerate(dates):
            i = (date - first).days
            if not 0 <= i < ev.ramp.days:
                continue
            for d in dirs:
                full = float(nominal.loc[ev.crossing, f"capacity_{d}_trucks_per_day"])
                limit = ev.ramp.start_trucks_per_day + (full - ev.ramp.start_trucks_per_day) \
                    * i / ev.ramp.days
                names.append(f"events[{k}] {ev.crossing} {d} {date}")
                excess.append(max(0.0, float(cap[(ev.crossing, d, period)]) - limit))
    return [rows("ramp_capacity", names, excess, "trucks/day", 1.0)]


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
    start = scenario.horizon.start
    needed = sorted({(start + dt.timedelta(days=d)).isoformat()
                     for d in {0} | _news_days(scenario)})
    told = list(s.get("decision_dates") or [])
    wrong = sorted(set(needed) ^ set(told)) + (["decision_days"] if int(
        s.get("decision_days") or 0) != len(told) else [])
    lag = s.get("reaction_lag_days") or 0  # absent: a run made before the lag existed (0)
    stated = getattr(scenario, "reaction_lag_days", None)
    bad = float(lag) != int(lag) or lag < 0 or \
        (stated is not None and int(lag) != int(stated))
    out.append(rows("reaction_lag", f"reaction_lag_days = {lag}", 1.0 if bad else 0.0, "-"))
    out.append(rows("replanned_on_news", wrong or f"{len(needed)} decision dates",
                    [1.0] * len(wrong) or 0.0, "dates"))
    return out
