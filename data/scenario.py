"""Scenarios: what-if changes applied on top of a dataset (closures, throttles, new crossings).

A scenario is data, validated with pydantic. It is written in YAML, e.g.::

    name: boten-throttle-2021
    base: default
    horizon: {start: 2021-10-20, days: 45}
    events:
      - {crossing: boten-mohan, close: {from: 2021-10-25, to: 2021-11-04}}
      - {crossing: boten-mohan, capacity_trucks_per_day: 150, from: 2021-11-05, to: 2021-12-27}
      - {build: ba-sai-ban-vuoc, from: 2021-10-20}
      - {supply: {product: lychee, factor: 1.3}}

Dates are inclusive. An event without dates applies to the whole horizon. A horizon without a
``start`` is one representative day (of ``month`` if given, else the annual average); dated
events then apply if they are in force on any day of that month (or of the year), which keeps
a static run a faithful summary of the scenario.

This module is the schema of a scenario and its horizon; its events (closures, throttles,
levers...) are in :mod:`borderflow.data.scenario_events`, re-exported here; checks against a
dataset are in :mod:`borderflow.data.scenario_checks`, reading YAML files (sweep files, grids,
investments, error messages with line numbers) in :mod:`borderflow.data.scenario_files`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
from pathlib import Path

from pydantic import Field, PrivateAttr, field_validator, model_validator

from .errors import InputError, Problem
from .scenario_events import (BARE_KINDS, EVENT_KEYS, LEVER_EVENTS, MAX_HORIZON_DAYS,
                              MAX_INITIAL_TRUCKS, MAX_SUPPLY_FACTOR, BuildEvent, CapacityEvent,
                              CloseEvent, Direction, Event, ExtraCapacityEvent, Hold,
                              HoldDispatchEvent, InitialQueue, LicenseEvent, LicenseSpec,
                              OpenEvent, OpenSpec, PriorityEvent, PriorityRule, RampEvent,
                              RampRule, SlotQuota, SlotQuotaEvent, StrictModel, SupplyChange,
                              SupplyEvent, Window)

__all__ = ["BARE_KINDS", "EVENT_KEYS", "LEVER_EVENTS", "MAX_HORIZON_DAYS", "MAX_INITIAL_TRUCKS",
           "MAX_NAME_CHARS", "MAX_REACTION_LAG_DAYS", "MAX_SUPPLY_FACTOR", "SAFE_NAME",
           "BuildEvent", "CapacityEvent", "CloseEvent", "Direction", "Event",
           "ExtraCapacityEvent", "Hold", "HoldDispatchEvent", "Horizon", "InitialQueue",
           "LicenseEvent", "LicenseSpec", "OpenEvent", "OpenSpec", "PriorityEvent",
           "PriorityRule", "RampEvent", "RampRule", "Scenario", "SlotQuota", "SlotQuotaEvent",
           "StrictModel", "SupplyChange", "SupplyEvent", "Window", "check_base", "check_name",
           "closing", "counterfactual", "has_disruptions", "is_disruption"]

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: the longest reaction lag a scenario may state (days)
MAX_REACTION_LAG_DAYS = 60
#: the longest scenario or project name (it names an output folder)
MAX_NAME_CHARS = 100


class Horizon(StrictModel):
    """The modelled time: ``days`` days from ``start``; no start = one representative day."""

    start: dt.date | None = None
    days: int = Field(1, ge=1, le=MAX_HORIZON_DAYS)
    month: int | None = Field(None, ge=1, le=12)

    @model_validator(mode="after")
    def _static_is_one_day(self) -> "Horizon":
        if self.start is None and self.days != 1:
            raise ValueError("a horizon of several days needs a 'start' date")
        if self.start is not None and self.month is not None:
            raise ValueError("give either 'start' (dated horizon) or 'month' (static), not both")
        return self

    @property
    def dates(self) -> list[dt.date] | None:
        """The horizon's days, or None for a representative (undated) day."""
        if self.start is None:
            return None
        return [self.start + dt.timedelta(days=k) for k in range(self.days)]

    def representative_days(self) -> list[dt.date]:
        """Days a static period stands for (its month, or a whole non-leap year)."""
        year = 2023
        if self.month is None:
            return [dt.date(year, 1, 1) + dt.timedelta(days=k) for k in range(365)]
        n = calendar.monthrange(year, self.month)[1]
        return [dt.date(year, self.month, d) for d in range(1, n + 1)]


def check_name(v: str) -> str:
    """``v`` if it is a safe scenario or project name (it names an output folder), else
    :class:`ValueError`."""
    if len(v) > MAX_NAME_CHARS:
        raise ValueError(f"name {v[:20] + '...'!r} has {len(v)} characters, more than the "
                         f"{MAX_NAME_CHARS} allowed (it names an output folder)")
    if not SAFE_NAME.match(v) or ".." in v:
        raise ValueError(f"name {v!r} must be 1 to {MAX_NAME_CHARS} letters, digits, '.', '_' "
                         "or '-', starting with a letter or digit (it names an output folder)")
    return v


def check_base(v: str) -> str:
    """``v`` if it is ``default``: the dataset of a run is the one given with ``--data`` (or
    ``load_dataset``), never named in a scenario, so any other value would be silently
    ignored; :class:`ValueError` says so."""
    if v != "default":
        raise ValueError(f"base {v!r} is not used: a scenario applies to the dataset given "
                         "with --data (default: the embedded one); remove 'base' or write "
                         "'base: default'")
    return v


class Scenario(StrictModel):
    """A named what-if: a horizon and a list of events applied on top of a base dataset."""

    name: str = "baseline"
    base: str = "default"
    horizon: Horizon = Horizon()
    events: tuple[Event, ...] = ()
    initial_queues: tuple[InitialQueue, ...] = ()
    must_deliver: tuple[str, ...] = ()
    """Product ids that must be delivered in full: no unserved, spoiled or expired tonnes (a
    hard constraint, so the scenario may be infeasible; the error then names the cause)."""
    reaction_lag_days: int | None = Field(None, ge=0, le=MAX_REACTION_LAG_DAYS)
    """Realistic dispatch: days between news of a closure, throttle, ramp or reopening and the
    dispatch reacting to it (trucks loaded or sent on those days follow the plan made before
    the news). ``None``: the dataset's ``dispatch_reaction_lag_days`` (``behaviour.csv``),
    0 if it has none (:mod:`borderflow.behaviour`)."""
    keep_coming_share: float | None = Field(None, ge=0, le=1)
    """Realistic dispatch: share of the trucks the plan made before news of a closure or
    throttle had loaded toward that gate that keep being dispatched to it after the reaction
    lag. ``None``: the dataset's ``keep_coming_share`` (``behaviour.csv``), 0 without it."""
    keep_coming_days: int | None = Field(None, ge=0, le=MAX_REACTION_LAG_DAYS)
    """Realistic dispatch: for how many days after the reaction lag they keep coming.
    ``None``: the dataset's ``keep_coming_days`` (``behaviour.csv``), 0 without it."""
    description: str = ""

    _source_file: Path | None = PrivateAttr(None)
    """The YAML file the scenario was read from (:meth:`from_yaml`), recorded with a run."""

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        return check_name(v)

    @field_validator("base")
    @classmethod
    def _used_base(cls, v: str) -> str:
        return check_base(v)

    def __eq__(self, other) -> bool:
        """Equal if every field is (where a scenario was read from does not count)."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    __hash__ = StrictModel.__hash__

    @classmethod
    def from_yaml(cls, path: Path | str, dataset=None) -> "Scenario":
        """The one scenario of a YAML file, checked against a dataset.

        Parameters
        ----------
        path : path
            A scenario file holding one scenario (its fields at the top level, or a
            one-item ``scenarios:`` list); files of several scenarios are for sweeps.
        dataset : InputTables, optional
            Checked tables (:func:`borderflow.load_dataset`): every crossing, product and
            origin id and every date is checked against them.

        Returns
        -------
        Scenario
            It remembers its file, which a run records (path and SHA-256) in ``run.json``.

        Raises
        ------
        InputError
            Naming the file, line and field of every problem, or that the file holds several
            scenarios.
        """
        from .scenario_files import load_scenario_file

        scenario = _only_scenario(load_scenario_file(path), dataset)
        scenario._source_file = Path(path)
        return scenario

    @classmethod
    def from_yaml_text(cls, text: str, dataset=None, *,
                       name: str = "scenario.yaml") -> Scenario:
        """The one scenario of YAML text (an upload, a text box), checked as :meth:`from_yaml`
        checks a file.

        Parameters
        ----------
        text : str
            The YAML, as a scenario file would hold it.
        dataset : InputTables, optional
            Checked tables: every id and date is checked against them.
        name : str
            The file name messages show (``name, row 3, field 'events[0].crossing': ...``): the
            same line ``borderflow solve --scenario name`` prints for that text.

        Returns
        -------
        Scenario
            With no :attr:`source_file` (a run records the scenario itself, not a file).

        Raises
        ------
        InputError
            As :meth:`from_yaml`.
        """
        from .scenario_files import load_scenario_text

        return _only_scenario(load_scenario_text(text, name), dataset)

    @classmethod
    def closing(cls, crossings: list[str] | tuple[str, ...], month: int | None = None,
                name: str | None = None) -> "Scenario":
        """A scenario that closes ``crossings`` (both directions) for the whole horizon: a
        representative day of ``month`` (default: the annual average). Named
        ``close-<id>-<id>...`` unless ``name`` is given."""
        return closing(crossings, name=name, month=month)

    def with_closures(self, crossings: list[str] | tuple[str, ...]) -> "Scenario":
        """A copy with ``crossings`` also closed for the whole horizon (name unchanged)."""
        if not crossings:
            return self
        return self.model_copy(update={"events": self.events + tuple(
            CloseEvent(crossing=c) for c in crossings)})

    def with_must_deliver(self, products: list[str] | tuple[str, ...]) -> "Scenario":
        """A copy in which ``products`` must also be delivered in full (a hard constraint)."""
        if not products:
            return self
        required = tuple(dict.fromkeys((*self.must_deliver, *products)))
        return self.model_copy(update={"must_deliver": required})

    @property
    def source_file(self) -> Path | None:
        """The file the scenario was read from by :meth:`from_yaml` (else ``None``)."""
        return self._source_file

    @property
    def has_disruptions(self) -> bool:
        """True if the scenario changes capacity or supply (so a baseline comparison means
        something): any event that is neither ``context`` nor a priority rule."""
        return any(is_disruption(ev) for ev in self.events)

    def counterfactual(self) -> "Scenario":
        """The same scenario without its disruptions, named ``<name>-baseline``: closures,
        throttles, builds and supply changes removed; horizon, priority rules, ``context``
        events and initial queues kept (so the model structure is the same and the baseline is
        a warm re-solve)."""
        keep = tuple(ev for ev in self.events if not is_disruption(ev))
        return self.model_copy(update={"name": f"{self.name}-baseline", "events": keep})

    def crossings_named(self) -> list[str]:
        """Crossing ids the events refer to (for checking against the dataset)."""
        names = []
        for ev in self.events:
            if isinstance(ev, (CloseEvent, CapacityEvent, PriorityEvent, RampEvent,
                               *LEVER_EVENTS)):
                names.append(ev.crossing)
            elif isinstance(ev, BuildEvent):
                names.append(ev.build)
        names += [q.crossing for q in self.initial_queues]
        return names


def closing(crossings: list[str] | tuple[str, ...], name: str | None = None,
            month: int | None = None) -> Scenario:
    """A scenario that closes the given crossings for the whole horizon."""
    if name is None:
        name = "close-" + "-".join(crossings) if crossings else "baseline"
        if len(name) > 100:  # a folder name, not a list: keep it short and still unique
            digest = hashlib.sha1("|".join(crossings).encode()).hexdigest()[:8]
            name = f"close-{crossings[0]}-and-{len(crossings) - 1}-more-{digest}"
    return Scenario(name=name,
                    horizon=Horizon(month=month),
                    events=tuple(CloseEvent(crossing=c) for c in crossings))




def is_disruption(event) -> bool:
    """True for an event that disrupts (closure, throttle, build, supply change); ``context``
    events and priority rules describe the state of the world and stay in a baseline."""
    return not (event.context or isinstance(event, PriorityEvent))


def counterfactual(scenario: Scenario) -> Scenario:
    """``scenario`` without its disruptions (:meth:`Scenario.counterfactual`)."""
    return scenario.counterfactual()


def has_disruptions(scenario: Scenario) -> bool:
    """True if ``scenario`` changes capacity or supply (:attr:`Scenario.has_disruptions`)."""
    return scenario.has_disruptions


def _only_scenario(loaded, dataset) -> Scenario:
    """The one scenario of a parsed scenario file (:class:`LoadedScenarios`), checked against
    ``dataset`` if given; a file of several scenarios is refused (they are for sweeps)."""
    from .scenario_checks import Catalog

    scenarios = [s for _, s in loaded.scenarios(Catalog.of(dataset) if dataset is not None
                                                 else None)]
    if len(scenarios) != 1:
        raise InputError(Problem(loaded.shown, None, "scenarios",
                                 f"holds {len(scenarios)} scenarios; use 'borderflow sweep' "
                                 "for several"))
    return scenarios[0]
