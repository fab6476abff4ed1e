"""What a dispatcher knows on each day of a dated horizon: the calendar as announced.

Every scenario event has an announcement day (:attr:`_Event.announced`; default the day it
starts, a surprise; never after it). A closure may also have its reopening announced later
than the closure itself (``reopening_announced``); until then the dispatcher's stated rule is
that the gate stays closed "until further notice", i.e. to the end of the horizon. Priority-
lane rules are the gates' standing rules (and part of the model's structure): known from day 0.

On decision day ``d`` the *known scenario* holds the events announced on or before ``d``
(:func:`known_scenario`): the realistic dispatch (:mod:`borderflow.solvers.informed`) plans the
rest of the horizon on that calendar, commits the decisions of its days, and moves on. Because
an event is known at the latest on its first day, the rows of day ``d`` (capacity, closures,
supply of that day) are always those of the real calendar when day ``d`` is decided, so the
committed decisions form a feasible solution of the real dated model: only decisions taken
*before* an announcement (trucks dispatched toward a gate that then closes) can be caught out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from borderflow.data.errors import InputError, Problem
from borderflow.data.scenario import (CapacityEvent, CloseEvent, HoldDispatchEvent, PriorityEvent,
                                     RampEvent, Scenario, SlotQuotaEvent, SupplyEvent, Window)

#: the dispatch modes of a dated run
DISPATCH_MODES = ("foresight", "realistic")
#: events whose news the dispatch reacts to after the reaction lag (a gate's capacity: the
#: trucks already loaded or on the road keep going to it and queue)
LAGGED_EVENTS = (CloseEvent, CapacityEvent, RampEvent)
#: events that bound the dispatch itself (what may be loaded, or sent, on a day): news of them
#: inside a reaction lag would contradict the dispatch already committed
DISPATCH_BOUNDING_EVENTS = (SupplyEvent, HoldDispatchEvent, SlotQuotaEvent)


def announced_on(event, horizon_start: dt.date) -> dt.date:
    """The day ``event`` is known: its ``announced`` day, else the day it starts, never before
    the horizon's start (an event announced earlier is known from day 0)."""
    day = event.announced or event.starts or horizon_start
    return max(day, horizon_start)


def reopening_known_on(event, horizon_start: dt.date) -> dt.date:
    """The day the end of a closure is known (the closure's own announcement by default; with
    ``reopening_odds``, the reopening day itself)."""
    told = getattr(event, "reopening_announced", None)
    if getattr(event, "reopening_odds", None):
        told = event.close.end + dt.timedelta(days=1)
    first = announced_on(event, horizon_start)
    return first if told is None else max(told, first)


def expected_reopening(event, day: dt.date) -> dt.date:
    """The reopening day a dispatcher plans on, on ``day``, for a closure with
    ``reopening_odds`` still closed: the expected first open day among the dates after
    ``day`` (probabilities renormalised), rounded to the nearest day (halves up)."""
    left = {d: p for d, p in event.reopening_odds.items() if d > day}
    total = sum(left.values())
    mean = sum((d - day).days * p for d, p in left.items()) / total
    return day + dt.timedelta(days=int(mean + 0.5))


def odds_news(event, horizon_start: dt.date) -> set[dt.date]:
    """Days a closure with ``reopening_odds`` teaches something: each possible reopening date
    that passes with the gate still closed (after the closure is known), and the reopening."""
    odds = getattr(event, "reopening_odds", None)
    if not odds:
        return set()
    known, real = announced_on(event, horizon_start), event.close.end + dt.timedelta(days=1)
    return {d for d in odds if known < d <= real}


def known_scenario(scenario: Scenario, day: dt.date) -> Scenario:
    """``scenario`` as known on ``day``: events announced by then; a closure whose reopening
    is not yet announced lasts to the end of the horizon.

    Parameters
    ----------
    scenario : Scenario
        A dated scenario.
    day : date
        The decision day.
    """
    start = scenario.horizon.start
    events = []
    for ev in scenario.events:
        if announced_on(ev, start) > day and not isinstance(ev, PriorityEvent):
            continue
        if isinstance(ev, CloseEvent) and reopening_known_on(ev, start) > day:
            end = expected_reopening(ev, day) - dt.timedelta(days=1) if ev.reopening_odds \
                else None
            ev = ev.model_copy(update={"close": Window(**{"from": ev.close.start, "to": end}),
                                       "reopening_odds": None})
        events.append(ev)
    return scenario.model_copy(update={"events": tuple(events)})


def news_days(scenario: Scenario) -> list[int]:
    """Days (0-based, within the horizon) on which something new is learnt: an event's
    announcement or a reopening date, day 0 excluded."""
    start, n = scenario.horizon.start, scenario.horizon.days
    days = set()
    for ev in scenario.events:
        if isinstance(ev, PriorityEvent):
            continue  # a gate's lane rules: part of the model's structure, known from day 0
        days.add((announced_on(ev, start) - start).days)
        if isinstance(ev, CloseEvent):
            days.add((reopening_known_on(ev, start) - start).days)
            days |= {(d - start).days for d in odds_news(ev, start)}
    return sorted(d for d in days if 0 < d < n)


def decision_days(scenario: Scenario) -> list[int]:
    """The days (0-based) the realistic dispatch plans: day 0 and every day news arrives.

    A re-plan on a day without news would reproduce the previous plan: that plan's solution,
    fixed on the days it committed, is feasible for the re-plan (same bounds on the days left),
    and anything better on those days would have been better for the previous plan too. So
    re-planning daily and re-planning on news days are the same policy; only the news days are
    solved.
    """
    return sorted({0} | set(news_days(scenario)))


def is_foreseen(scenario: Scenario) -> bool:
    """True when everything in ``scenario`` is known on day 0 (the realistic dispatch is then
    the perfect-foresight optimum)."""
    return not news_days(scenario)


def knowledge_table(scenario: Scenario, days: list[int]) -> pd.DataFrame:
    """One row per (decision day, event known that day): ``decision_period, decision_date,
    event, announced, end_known`` (``event`` the 0-based index in the scenario's events;
    ``end_known`` False while a closure's reopening is not yet announced). The run folder's
    record of what each plan knew, re-derived by the verifier."""
    start = scenario.horizon.start
    rows = []
    for d in days:
        date = start + dt.timedelta(days=d)
        for k, ev in enumerate(scenario.events):
            if announced_on(ev, start) <= date:
                end_known = not isinstance(ev, CloseEvent) or reopening_known_on(ev, start) <= date
                rows.append((d, date.isoformat(), k, announced_on(ev, start).isoformat(),
                             end_known))
    return pd.DataFrame(rows, columns=["decision_period", "decision_date", "event", "announced",
                                       "end_known"])


def _event_news(ev, start: dt.date) -> set[dt.date]:
    days = {announced_on(ev, start)}
    if isinstance(ev, CloseEvent):
        days.add(reopening_known_on(ev, start))
        days |= odds_news(ev, start)
    return days


def held_until(scenario: Scenario, days: list[int], lag: int) -> list[int]:
    """For each decision day of ``days``, the first day (0-based, exclusive) to which the
    route flows dispatched from that day on stay as the previous plan had them: the dispatch
    reacts to news of a :data:`LAGGED_EVENTS` event (announcement or reopening date) ``lag``
    days after it, so trucks loaded on days ``[a, a + lag)`` after news on day ``a`` follow
    the plan made before it. A decision day with no such news in the last ``lag`` days holds
    nothing (its own day).

    Parameters
    ----------
    scenario : Scenario
    days : list of int
        The decision days (:func:`decision_days`), ascending.
    lag : int
        The reaction lag, days (0: every plan reacts the day it hears).
    """
    start = scenario.horizon.start
    news = sorted({(d - start).days for ev in scenario.events if isinstance(ev, LAGGED_EVENTS)
                   for d in _event_news(ev, start)} - {0})
    return [max([d] + [a + lag for a in news if a <= d]) if lag else d for d in days]


#: events whose news starts drivers keeping coming (a gate closed or throttled)
RESTRICTING_EVENTS = (CloseEvent, CapacityEvent)


def keep_coming_windows(scenario: Scenario, lag: int, days: int,
                        days_by_gate: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Where and when drivers keep coming after news of a closure or throttle.

    One row per (news day, crossing, direction): ``news_period`` (0-based; the announcement
    day of a :data:`RESTRICTING_EVENTS` event, day 0 excluded: what is known on day 0 is
    planned for), ``crossing_id``, ``direction`` (``a_to_b`` or ``b_to_a``: ``both`` gives
    two rows), ``first_period`` ``= news_period + lag`` and ``end_period`` (exclusive)
    ``= first_period + days`` (the crossing's own days if ``days_by_gate`` has it): the
    dispatch days on which the route flows queueing at that gate in that direction keep at
    least the share of the plan made before the news.

    Parameters
    ----------
    scenario : Scenario
    lag : int
        The reaction lag, days.
    days : int
        ``keep_coming_days`` of every gate without its own (0: no row).
    days_by_gate : mapping, optional
        Crossing id -> its own ``keep_coming_days`` (0: no row for it).
    """
    start = scenario.horizon.start
    own = dict(days_by_gate or {})
    rows = set()
    for ev in scenario.events:
        if not isinstance(ev, RESTRICTING_EVENTS):
            continue
        a = (announced_on(ev, start) - start).days
        n = int(own.get(ev.crossing, days))
        if a <= 0 or n <= 0:
            continue
        way = getattr(ev, "direction", "both")
        for d in (("a_to_b", "b_to_a") if way == "both" else (way,)):
            rows.add((a, ev.crossing, d, a + lag, a + lag + n))
    return pd.DataFrame(sorted(rows), columns=["news_period", "crossing_id", "direction",
                                               "first_period", "end_period"])


def check_lag_conflicts(scenario: Scenario, lag: int, keep_days: int = 0,
                        days_by_gate: Mapping[str, int] | None = None) -> None:
    """Refuse news that bounds the dispatch (:data:`DISPATCH_BOUNDING_EVENTS`) arriving while
    the dispatch is still held by the reaction lag of earlier news (it would contradict trucks
    already committed), or while drivers keep coming after it (``keep_days`` more days of a
    lower bound on the dispatch toward a closed or throttled gate; a crossing's own days if
    ``days_by_gate`` has it).

    Raises
    ------
    InputError
        Naming the event (``events[k].announced``), the crossing news holding the dispatch
        and the days of reaction lag.
    """
    own = dict(days_by_gate or {})
    if not lag and not keep_days and not any(own.values()):
        return
    start = scenario.horizon.start
    news = sorted({d for ev in scenario.events if isinstance(ev, LAGGED_EVENTS)
                   for d in _event_news(ev, start)} - {start})
    kept = {}  # news day -> the longest window it starts
    for ev in scenario.events:
        told = announced_on(ev, start) if isinstance(ev, RESTRICTING_EVENTS) else start
        n = int(own.get(ev.crossing, keep_days)) if told != start else 0
        if n > 0:
            kept[told] = max(kept.get(told, 0), n)
    problems = []
    for k, ev in enumerate(scenario.events):
        if not isinstance(ev, DISPATCH_BOUNDING_EVENTS):
            continue
        told = announced_on(ev, start)
        held = [a for a in news if a <= told < a + dt.timedelta(days=lag)]
        held += [a for a, n in sorted(kept.items())
                 if a <= told < a + dt.timedelta(days=lag + n) and a not in held]
        if told > start and held:
            problems.append(Problem(
                f"scenario '{scenario.name}'", None, f"events[{k}].announced",
                f"announced on {told}, while the dispatch still follows its plan of before the "
                f"news of {held[0]} (reaction lag {lag} day(s), drivers keep coming "
                f"{kept.get(held[0], keep_days)} more): trucks already committed could "
                "contradict it; announce it earlier, or set reaction_lag_days and "
                "keep_coming_days"))
    if problems:
        raise InputError(problems)
