"""Capacity that returns gradually: ramp-up events on the daily capacity calendar.

A gate reopened after a closure rarely clears its normal traffic on the first day: Boten–Mohan
reopened on 5 Nov 2021 to 150 trucks/day against ~350 before (Vientiane Times, Dec 2021), and
still admitted 150-200/day in February 2022 (Laotian Times, 2022-02-15); the Laos–China railway
carried 1.3 Mt in its first ~4 months and 2.9 Mt by May 2022 (China Railway 2022). A
:class:`~borderflow.data.scenario.RampEvent` states such a return as a rule the model applies
to its capacity rows (a bound, so the model stays an LP):

.. math:: \\text{cap}_{t} = s + (\\text{full}_{t} - s)\\,\\frac{i}{N}, \\qquad
          i = t - t_0 = 0, \\dots, N - 1

with ``s`` the ramp's ``start_trucks_per_day``, ``N`` its ``days``, ``t_0`` its ``from`` day and
``full_t`` the capacity the crossing has that day after every other event (so a ramp never
raises a closed or throttled day: it takes the smaller of the two).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from borderflow.data.scenario import RampEvent, Scenario

DIRECTIONS = ("a_to_b", "b_to_a")


def ramp_factors(event: RampEvent, days: list[dt.date], horizon_start: dt.date | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Where the ramp holds (a mask over ``days``) and its step ``i / N`` on those days.

    Parameters
    ----------
    event : RampEvent
    days : list of date
        The calendar days of the model, in order.
    horizon_start : date or None
        The ramp's first day when it has no ``from``.
    """
    first = event.start or horizon_start or (days[0] if days else None)
    step = np.array([(d - first).days for d in days], dtype=float) if days else np.zeros(0)
    inside = (step >= 0) & (step < event.ramp.days)
    return inside, step / event.ramp.days


def apply_ramps(capacity: dict, scenario: Scenario, days: list[dt.date]) -> None:
    """Lower ``capacity[(crossing, direction)]`` (trucks/day per calendar day, in place) on the
    days of every ramp-up of ``scenario``: the ramp's value where it is below the capacity the
    other events left."""
    for ev in scenario.events:
        if not isinstance(ev, RampEvent):
            continue
        inside, share = ramp_factors(ev, days, scenario.horizon.start)
        for direction in (DIRECTIONS if ev.direction == "both" else (ev.direction,)):
            full = capacity[(ev.crossing, direction)]
            ramped = ev.ramp.start_trucks_per_day + (full - ev.ramp.start_trucks_per_day) * share
            full[inside] = np.minimum(full[inside], ramped[inside])
