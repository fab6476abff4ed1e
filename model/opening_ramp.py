"""New capacity ramps up by a calendar: the dataset's ramp rows turned into ramp events.

A crossing that *opens* during a dated scenario does not carry its full throughput on its first
day: the China–Laos railway crossed ~1,500 t/day at Mohan in its first month (Kunming Customs
via Xinhua, People's Daily 2023-01-10: December 2022's 286,000 t was "up 6.04 times from the
first month") against ~16,000 t/day in 2025. ``behaviour.csv`` states such a ramp per crossing
(``applies_to`` = its crossing id) in two rows:

- ``capacity_ramp_up_start_share`` ``s``: the share of the crossing's capacity on its first day;
- ``capacity_ramp_up_months`` ``m``: months to full capacity, ``N = round(m * 365 / 12)`` days.

**Which openings.** (1) a ``build`` event of the crossing with a ``from`` date up to the
horizon's last day (a new crossing); (2) a ``context`` closure of the crossing with no ``from``
(in force since before the horizon: the crossing is not open yet, as the railway before 3 Dec
2021) whose ``to`` lies before the horizon's last day. **An opening before the horizon** (a
build from an earlier date, or such a closure ending before the horizon's first day, which
the scenario checks keep for this) ramps too: the ramp has run ``k`` days when the horizon
starts, so the horizon's first day has ``s + (full - s) k / N`` (the ramp's rule,
:func:`borderflow.model.ramp.ramp_factors`) and full capacity from day ``N`` after the
opening; it is known from the start (``announced`` no later than the opening). A dated
scenario from 1 Jan 2023 with ``{crossing: boten-mohan-rail, close: {to: 2021-12-02},
context: true}`` has the railway at 57.4 + 516.6 x 394 / 730 = 336.2 of 574
truck-equivalents/day LA→CN on its first day; an opening whose ramp ended before the horizon
adds nothing. A disruption's closure (not ``context``) ends in a *reopening*, not new
capacity, and gets no ramp from the dataset (a scenario states one with a ``ramp`` event).
Static scenarios (no dated horizon) get none.

**What is added.** For each opening on day ``d`` of a crossing with both rows, a
:class:`~borderflow.data.scenario.RampEvent` from ``d``: ``start_trucks_per_day = s x`` the
capacity it opens with (the build's ``capacity_trucks_per_day``, else ``crossings.csv``'s per
direction), ``days = N``, with the opening's ``context`` flag (so the undisrupted baseline
ramps alike) and the day the opening is known as its ``announced`` (a closure's
``reopening_announced``, else the closure's own announcement, else the horizon's first day;
a build's ``announced``): a realistic dispatcher plans with the ramp from the day it knows of
the opening. The ramp itself is :mod:`borderflow.model.ramp`'s rule (a bound, the model stays
an LP). The added events are part of the scenario the network carries, so ``run.json`` shows
them.

**The scenario overrides.** A ``ramp`` event of the scenario on the crossing from the opening
day replaces the dataset's (a scenario opening at full capacity states ``ramp:
{start_trucks_per_day: <its capacity>, days: 1}``). A crossing with one of the two rows but
not the other, a share outside 0-1 or months outside 1-120, or a value outside its own
``low``-``high`` is refused (file, row and field named).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import read_table_file
from borderflow.data.memo import ByIdentity
from borderflow.data.scenario import BuildEvent, CloseEvent, RampEvent, Scenario
from borderflow.data.schemas import SIDE_TABLES

#: the ``behaviour.csv`` rows of a new crossing's ramp, with their limits
START_SHARE, MONTHS = "capacity_ramp_up_start_share", "capacity_ramp_up_months"
LIMITS = {START_SHARE: (0.0, 1.0), MONTHS: (1.0, 120.0)}
DAYS_PER_MONTH = 365 / 12
#: :func:`ramp_rows` kept per crossings table and ``behaviour.csv`` path and bytes (a sweep's
#: scenarios each derive their network from the kept one's tables: the file is read and
#: checked once, not once per scenario)
_READ = ByIdentity(size=4)


def ramp_rows(tables) -> dict[str, dict[str, float]]:
    """``{crossing id: {START_SHARE: s, MONTHS: m}}`` from the dataset's ``behaviour.csv``
    (empty without the file or the rows).

    Raises
    ------
    InputError
        A row whose ``applies_to`` is not a crossing id of ``crossings.csv``, a value outside
        its limits or its own ``low``-``high``, a second row for a crossing, or a crossing with
        one of the two rows only (file, row and field named).
    """
    files = tables.sources.get("products")
    spec = next(s for s in SIDE_TABLES if s.name == "behaviour")
    path = Path(files[0]).parent / spec.filename if files else None
    if path is None or not path.exists():
        return {}
    if not path.is_file():  # a folder or FIFO: read_table_file says what it is
        return _ramp_rows(tables, path, spec)
    rows = _READ.get((tables.crossings,), (str(path), path.read_bytes()),
                     lambda: _ramp_rows(tables, path, spec))
    return {where: dict(got) for where, got in rows.items()}


def _ramp_rows(tables, path: Path, spec) -> dict[str, dict[str, float]]:
    """:func:`ramp_rows` of the file ``path``, read and checked."""
    table = read_table_file(path, spec)
    crossings = set(tables.crossings["crossing_id"])
    rows: dict[str, dict[str, float]] = {}
    first_row: dict[str, int] = {}
    for i, r in table[table["parameter"].isin(list(LIMITS))].iterrows():
        line, name, where = int(i) + 2, str(r["parameter"]), str(r["applies_to"])
        if where not in crossings:
            raise InputError(Problem(str(path), line, "applies_to", f"{name} applies to one "
                                     f"crossing (a crossing id of crossings.csv), not {where!r}"))
        value, (lo, hi) = float(r["value"]), LIMITS[name]
        if not lo <= value <= hi or not float(r["low"]) <= value <= float(r["high"]):
            raise InputError(Problem(str(path), line, "value", f"{name} {value:g} is outside "
                                     f"{lo:g}-{hi:g} or its own range "
                                     f"{float(r['low']):g}-{float(r['high']):g}"))
        if name in rows.get(where, {}):
            raise InputError(Problem(str(path), line, "applies_to",
                                     f"a second {name} row for {where}: keep one"))
        rows.setdefault(where, {})[name] = value
        first_row.setdefault(where, line)
    for where, got in rows.items():
        if len(got) != len(LIMITS):
            missing = next(n for n in LIMITS if n not in got)
            raise InputError(Problem(str(path), first_row[where], "parameter",
                                     f"{where} has no {missing} row: a ramp needs both "
                                     f"{START_SHARE} and {MONTHS}"))
    return rows


def openings(scenario: Scenario) -> list[tuple]:
    """``(crossing, day, capacity or None, direction, context, announced)`` of every opening of
    a crossing up to the last day of ``scenario``'s dated horizon (module docstring: builds,
    and context closures in force since before the horizon that end before its last day; an
    opening before the horizon is known since it happened)."""
    days = scenario.horizon.dates
    if not days:
        return []
    found = []
    for ev in scenario.events:
        if isinstance(ev, BuildEvent) and ev.start is not None and ev.start <= days[-1]:
            found.append((ev.build, ev.start, ev.capacity_trucks_per_day, "both", ev.context,
                          ev.announced))
        elif isinstance(ev, CloseEvent) and ev.context and ev.close.start is None \
                and ev.close.end is not None and ev.close.end < days[-1]:
            opened = ev.close.end + dt.timedelta(days=1)
            known = min(ev.reopening_announced or ev.announced or days[0], opened)
            found.append((ev.crossing, opened, None, ev.direction, True, known))
    return found


def with_opening_ramps(tables, scenario: Scenario) -> Scenario:
    """``scenario`` with a ramp event for every opening of a crossing that has ramp rows in the
    dataset (module docstring); ``scenario`` itself when none applies."""
    if scenario.horizon.start is None:
        return scenario
    rows = ramp_rows(tables)
    stated = {(ev.crossing, ev.start) for ev in scenario.events if isinstance(ev, RampEvent)}
    capacity = tables.crossings.set_index("crossing_id")
    added = []
    for crossing, day, cap, direction, context, announced in openings(scenario):
        if crossing not in rows or (crossing, day) in stated:
            continue
        share, months = rows[crossing][START_SHARE], rows[crossing][MONTHS]
        n_days = max(1, round(months * DAYS_PER_MONTH))
        if day + dt.timedelta(days=n_days) <= scenario.horizon.start:
            continue  # opened before the horizon and ramped up in full before it
        dirs = ("a_to_b", "b_to_a") if direction == "both" else (direction,)
        full = {d: cap if cap is not None else
                float(capacity.at[crossing, f"capacity_{d}_trucks_per_day"]) for d in dirs}
        groups = [(direction, full[dirs[0]])] if len(set(full.values())) == 1 else \
            list(full.items())
        for d, trucks in groups:
            added.append(RampEvent.model_validate({
                "crossing": crossing, "from": day, "direction": d, "context": context,
                "announced": announced,
                "ramp": {"start_trucks_per_day": share * trucks,
                         "days": n_days}}))
        stated.add((crossing, day))
    if not added:
        return scenario
    return scenario.model_copy(update={"events": (*scenario.events, *added)})
