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

#: the dispatch modes of a run: ``auto`` (the default) is resolved before solving
#: (:func:`resolve_dispatch`) to ``realistic`` for a dated run that learns something after its
#: first day and to ``foresight`` otherwise
DISPATCH_MODES = ("auto", "foresight", "realistic")
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


def resolve_dispatch(mode: str, scenario: Scenario | None, needs_optimum: str | None = None
                     ) -> tuple[str, str]:
    """The dispatch a run of ``scenario`` asked for as ``mode`` runs with, and why in one line:
    ``(foresight or realistic, reason)``.

    ``auto`` (the default of :class:`~borderflow.options.RunOptions` and ``--dispatch``) is
    ``realistic`` for a dated scenario in which news arrives after the first day (an event
    announced after it, or a reopening date learnt later: :func:`news_days`) and ``foresight``
    otherwise: a static run has no days, and a dated run that knows every event on day 0 is
    dispatched realistically exactly as the foresight optimum (:func:`is_foreseen`), so
    simulating it would only cost time. ``foresight`` and ``realistic`` run as asked.

    Parameters
    ----------
    mode : str
        One of :data:`DISPATCH_MODES`.
    scenario : Scenario or None
        The scenario to run (not read with ``needs_optimum``).
    needs_optimum : str, optional
        The command or function (e.g. ``"sweep"``) when it needs the optimum of each scenario
        it solves (sweeps, samples, responses, appraisals): ``auto`` is then ``foresight``
        and ``realistic`` is refused.

    Raises
    ------
    InputError
        If ``mode`` is unknown, or ``realistic`` is asked of ``needs_optimum``.
    """
    if mode not in DISPATCH_MODES:
        raise InputError(Problem("option --dispatch", None, None, f"must be one of "
                                 f"{', '.join(DISPATCH_MODES)}, got {mode!r}"))
    if needs_optimum is not None:
        if mode == "realistic":
            raise InputError(Problem("option --dispatch", None, None, f"{needs_optimum} needs "
                                     "the optimum of each scenario it solves; a realistic "
                                     "dispatch is a policy simulation: use foresight or auto"))
        return "foresight", (f"auto: {needs_optimum} needs the optimum of each scenario it "
                             "solves (perfect foresight)" if mode == "auto"
                             else "asked for (foresight)")
    if mode != "auto":
        return mode, f"asked for ({mode})"
    if scenario.horizon.start is None:
        return "foresight", "auto: a static run has no days on which news could arrive"
    news = news_days(scenario)
    if not news:
        return "foresight", ("auto: every event is known from the first day, so the realistic "
                             "dispatch is the foresight optimum")
    first = scenario.horizon.start + dt.timedelta(days=news[0])
    return "realistic", (f"auto: news arrives during the run ({len(news)} news "
                         f"day{'s' if len(news) > 1 else ''}, the first {first.isoformat()}): "
                         "each day is planned on the calendar as announced, beside the "
                         "perfect-foresight bound")


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
#: the last day of an event without an end (in force to the end of the run)
OPEN_END = 10**6


def _in_force(ev, start: dt.date) -> tuple[int, int]:
    """First and last day (0-based, inclusive) of a closure or capacity event; an open start
    is day 0, an open end :data:`OPEN_END`."""
    window = ev.close if isinstance(ev, CloseEvent) else ev.window
    first = (window.start - start).days if window.start is not None else 0
    last = (window.end - start).days if window.end is not None else OPEN_END
    return max(first, 0), last


def restriction_episodes(scenario: Scenario) -> list[tuple[str, str, int, int, list[int]]]:
    """The disruption episodes of each gate and direction (docs/dynamics.md, "Drivers who
    keep coming"): ``(crossing_id, direction, first_day, last_day, news)``.

    An episode is a maximal run of consecutive days (0-based, inclusive) on which at least one
    :data:`RESTRICTING_EVENTS` event of that crossing and direction is in force (``both``
    counts for each direction); it ends on the last such day: the next day the gate is back
    to its crossings.csv capacity. ``news`` holds, sorted, the announcement day of each of its
    events (``announced``, else its first day; never before day 0). An event wholly before
    the horizon starts belongs to no episode.
    """
    start = scenario.horizon.start
    spans: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    for ev in scenario.events:
        if not isinstance(ev, RESTRICTING_EVENTS):
            continue
        first, last = _in_force(ev, start)
        if last < 0:
            continue
        told = (announced_on(ev, start) - start).days
        way = getattr(ev, "direction", "both")
        for d in (("a_to_b", "b_to_a") if way == "both" else (way,)):
            spans.setdefault((ev.crossing, d), []).append((first, last, told))
    out = []
    for (crossing, d), evs in sorted(spans.items()):
        current = None
        for first, last, told in sorted(evs):
            if current is not None and first <= current[1] + 1:  # overlaps or touches
                current = [current[0], max(current[1], last), current[2] + [told]]
                continue
            if current is not None:
                out.append((crossing, d, current[0], current[1], sorted(current[2])))
            current = [first, last, [told]]
        out.append((crossing, d, current[0], current[1], sorted(current[2])))
    return out


def keep_coming_windows(scenario: Scenario, lag: int, days: int,
                        days_by_gate: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Where and when drivers keep coming after news of a closure or throttle.

    One row per disruption episode of a gate and direction (:func:`restriction_episodes`)
    with news after day 0: ``news_period`` (0-based) the episode's *first* news after day 0
    (what is known on day 0 is planned for; later news of the same episode, e.g. a tightening
    or an extension, starts no window of its own), ``crossing_id``, ``direction``
    (``a_to_b`` or ``b_to_a``), ``first_period`` ``= news_period + lag`` and ``end_period``
    (exclusive) ``= first_period + days`` (the crossing's own days if ``days_by_gate`` has
    it): the dispatch days on which the route flows queueing at that gate in that direction
    keep at least the share of the plan made before that news. Two episodes with the same
    first news give one row.

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
    own = dict(days_by_gate or {})
    rows = set()
    for crossing, d, _, _, news in restriction_episodes(scenario):
        later = [a for a in news if a > 0]
        n = int(own.get(crossing, days))
        if not later or n <= 0:
            continue
        a = later[0]
        rows.add((a, crossing, d, a + lag, a + lag + n))
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
    kept = {}  # news day -> the longest keep-coming window it starts
    for w in keep_coming_windows(scenario, lag, keep_days, own).itertuples(index=False):
        told = start + dt.timedelta(days=int(w.news_period))
        kept[told] = max(kept.get(told, 0), int(w.end_period - w.first_period))
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
