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

This module is the schema (what a scenario is); checks against a dataset are in
:mod:`borderflow.data.scenario_checks`, reading YAML files (sweep files, grids, investments,
error messages with line numbers) in :mod:`borderflow.data.scenario_files`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import (BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag,
                      field_validator, model_validator)

from .errors import InputError, Problem
from .schemas import MAX_TRUCKS_PER_DAY

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
Direction = Literal["both", "a_to_b", "b_to_a"]
#: the longest horizon accepted (days): a century, beyond it a typo. Whether a horizon fits in
#: memory depends on the network; borderflow.model.size checks it before the model is built
MAX_HORIZON_DAYS = 36525
#: the longest reaction lag a scenario may state (days)
MAX_REACTION_LAG_DAYS = 60
#: the largest supply factor accepted: a hundredfold is far beyond any what-if (1e300 is a typo)
MAX_SUPPLY_FACTOR = 100.0
#: the most trucks a scenario may put in one gate's queue at the start
MAX_INITIAL_TRUCKS = 1_000_000.0
#: the longest scenario or project name (it names an output folder)
MAX_NAME_CHARS = 100


class StrictModel(BaseModel):
    """A frozen pydantic model that refuses unknown keys (every scenario-file mapping)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Window(StrictModel):
    """An inclusive date range; an open end means from the horizon's start / to its end."""

    start: dt.date | None = Field(None, alias="from")
    end: dt.date | None = Field(None, alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"'to' ({self.end}) is before 'from' ({self.start})")
        return self

    def covers(self, day: dt.date) -> bool:
        """True if ``day`` is inside the window."""
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


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


class _Event(StrictModel):
    """Fields every event has. ``context: true`` marks an event that describes the state of the
    world rather than a disruption (e.g. a railway not open yet in 2021): it applies to the
    scenario and to its undisrupted baseline alike. ``announced``: the day shippers learn of
    the event (realistic dispatch, :mod:`borderflow.model.information`); default the day it
    starts (a surprise), never after it."""

    context: bool = False
    announced: dt.date | None = None

    @property
    def starts(self) -> dt.date | None:
        """The first day the event is in force (``None``: from the horizon's start)."""
        window = self.close if isinstance(self, CloseEvent) else self.window
        return window.start

    @model_validator(mode="after")
    def _announced_in_time(self):
        if self.announced is not None and self.starts is not None \
                and self.announced > self.starts:
            raise ValueError(f"announced {self.announced} is after the event starts "
                             f"({self.starts}): an event is known at the latest on its first "
                             "day")
        return self


class CloseEvent(_Event):
    """Close a crossing (both directions unless ``direction`` says one).

    ``reopening_announced``: the day the reopening date (``close.to``) becomes known, at the
    latest the reopening day itself; until then a realistic dispatcher treats the closure as
    lasting to the end of the horizon ("until further notice"). Default: the reopening date is
    known with the closure.

    ``reopening_odds``: an uncertain reopening, ``{first day open again: probability}``
    (probabilities summing to 1; ``close.to`` is the branch that happens, its day after one of
    the dates). Until the gate reopens a realistic dispatcher plans on the expected reopening
    day among the dates not yet passed, rounded to the nearest day; each date that passes
    with the gate still closed is news (:mod:`borderflow.model.information`);
    :func:`borderflow.reopening.reopening_spread` runs every branch and reports the spread."""

    crossing: str
    close: Window = Window()
    direction: Direction = "both"
    reopening_announced: dt.date | None = None
    reopening_odds: dict[dt.date, float] | None = None

    @model_validator(mode="after")
    def _odds(self) -> "CloseEvent":
        odds = self.reopening_odds
        if odds is None:
            return self
        if self.reopening_announced is not None:
            raise ValueError("reopening_odds and reopening_announced exclude each other: with "
                             "odds the reopening is known on the day it happens")
        if self.close.end is None or self.close.end + dt.timedelta(days=1) not in odds:
            raise ValueError("reopening_odds needs 'close: {to: ...}' with the day after it "
                             "among the odds' dates (the branch that happens)")
        if any(not 0 < p <= 1 for p in odds.values()) or abs(sum(odds.values()) - 1) > 1e-9:
            raise ValueError(f"reopening_odds probabilities must be in (0, 1] and sum to 1, "
                             f"not {sum(odds.values()):g}")
        first = self.close.start
        if first is not None and min(odds) <= first:
            raise ValueError(f"reopening_odds date {min(odds)} is not after the closure's "
                             f"first day {first}")
        return self

    @model_validator(mode="after")
    def _reopening_in_time(self) -> "CloseEvent":
        told = self.reopening_announced
        if told is None:
            return self
        if self.close.end is None:
            raise ValueError("reopening_announced needs a closure with an end ('close: {to: "
                             "...}'): an open-ended closure has no reopening to announce")
        if told > self.close.end + dt.timedelta(days=1):
            raise ValueError(f"reopening_announced {told} is after the reopening day "
                             f"({self.close.end + dt.timedelta(days=1)})")
        first = self.announced or self.close.start
        if first is not None and told < first:
            raise ValueError(f"reopening_announced {told} is before the closure is known "
                             f"({first})")
        return self


class CapacityEvent(_Event):
    """Set a crossing's capacity (trucks/day per direction) over a window (a throttle)."""

    crossing: str
    capacity_trucks_per_day: float = Field(ge=0, le=MAX_TRUCKS_PER_DAY, allow_inf_nan=False)
    start: dt.date | None = Field(None, alias="from")
    end: dt.date | None = Field(None, alias="to")
    direction: Direction = "both"

    @property
    def window(self) -> Window:
        """The event's date window."""
        return Window(**{"from": self.start, "to": self.end})


class BuildEvent(_Event):
    """Switch on a proposed (or closed) crossing from a date, optionally with a capacity."""

    build: str
    start: dt.date | None = Field(None, alias="from")
    capacity_trucks_per_day: float | None = Field(None, ge=0, le=MAX_TRUCKS_PER_DAY,
                                                  allow_inf_nan=False)

    @property
    def window(self) -> Window:
        """The event's date window (from the opening date on)."""
        return Window(**{"from": self.start})


class SupplyChange(StrictModel):
    """Scale supply of a product (optionally one origin) by ``factor``."""

    product: str
    factor: float = Field(ge=0, le=MAX_SUPPLY_FACTOR, allow_inf_nan=False)
    origin: str | None = None


class SupplyEvent(_Event):
    """A supply change, e.g. ``{supply: {product: lychee, factor: 1.3}}``."""

    supply: SupplyChange
    start: dt.date | None = Field(None, alias="from")
    end: dt.date | None = Field(None, alias="to")

    @property
    def window(self) -> Window:
        """The event's date window."""
        return Window(**{"from": self.start, "to": self.end})


class PriorityRule(StrictModel):
    """Share of a gate's daily capacity reserved for perishable products (0-1)."""

    share: float = Field(ge=0, le=1, allow_inf_nan=False)


class PriorityEvent(_Event):
    """Reserve capacity for perishables at a crossing, e.g.
    ``{crossing: kim-thanh-hekou, priority: {share: 0.4}, from: ..., to: ...}``: other goods may
    use at most ``1 - share`` of the capacity; perishables may use all of it."""

    crossing: str
    priority: PriorityRule
    start: dt.date | None = Field(None, alias="from")
    end: dt.date | None = Field(None, alias="to")
    direction: Direction = "a_to_b"

    @property
    def window(self) -> Window:
        """The event's date window."""
        return Window(**{"from": self.start, "to": self.end})


class RampRule(StrictModel):
    """Capacity returning after a reopening (or a new crossing's first weeks): it starts at
    ``start_trucks_per_day`` and rises linearly to the crossing's capacity over ``days``."""

    start_trucks_per_day: float = Field(ge=0, le=MAX_TRUCKS_PER_DAY, allow_inf_nan=False)
    days: int = Field(ge=1, le=MAX_HORIZON_DAYS)


class RampEvent(_Event):
    """A ramp-up, e.g. ``{crossing: boten-mohan, ramp: {start_trucks_per_day: 150, days:
    400}, from: 2021-11-05, direction: a_to_b}``: day ``i`` of the ramp (0 on ``from``) has
    ``start + (full - start) * i / days`` trucks/day, ``full`` the capacity the crossing has
    that day without the ramp (:mod:`borderflow.model.ramp`)."""

    crossing: str
    ramp: RampRule
    start: dt.date | None = Field(None, alias="from")
    direction: Direction = "both"

    @property
    def window(self) -> Window:
        """The days the ramp holds capacity below full (open start: the horizon's)."""
        end = None if self.start is None else \
            self.start + dt.timedelta(days=self.ramp.days - 1)
        return Window(**{"from": self.start, "to": end})


class InitialQueue(StrictModel):
    """Trucks already waiting at a gate when the horizon starts (dated horizons only)."""

    crossing: str
    product: str
    trucks: float = Field(ge=0, le=MAX_INITIAL_TRUCKS, allow_inf_nan=False)
    age_days: int = Field(0, ge=0, description="days the cargo has already waited")
    direction: Direction = "a_to_b"
    origin: str | None = None


class _Dated(_Event):
    """A lever's dates (inclusive; open ends: the horizon's) and its running cost."""

    start: dt.date | None = Field(None, alias="from")
    end: dt.date | None = Field(None, alias="to")
    cost_usd_per_day: float | None = Field(None, ge=0, le=1e9, allow_inf_nan=False)
    """What the lever costs per day it is in force, USD (None: ``lever_costs.csv``'s)."""

    @property
    def window(self) -> Window:
        """The event's date window."""
        return Window(**{"from": self.start, "to": self.end})


class ExtraCapacityEvent(_Dated):
    """A response: overtime or extra lanes, ``+N`` trucks/day at a crossing between dates,
    e.g. ``{crossing: tan-thanh-puzhai, extra_capacity_trucks_per_day: 100, from: ..., to:
    ...}``. Added to the capacity in force each day (a closed day stays closed)."""

    crossing: str
    extra_capacity_trucks_per_day: float = Field(gt=0, le=MAX_TRUCKS_PER_DAY,
                                                 allow_inf_nan=False)
    direction: Direction = "a_to_b"


class OpenSpec(StrictModel):
    """The capacity a crossing opens with (None: its nominal capacity in crossings.csv)."""

    capacity_trucks_per_day: float | None = Field(None, gt=0, le=MAX_TRUCKS_PER_DAY,
                                                  allow_inf_nan=False)


class OpenEvent(_Dated):
    """A response: a secondary or closed crossing resumes from a date, e.g. ``{crossing:
    coc-nam-nonghuai, open: {capacity_trucks_per_day: 120}, from: 2021-11-01}``. Its capacity
    is set on those days (over any closure), both directions unless ``direction`` says one."""

    crossing: str
    open: OpenSpec = OpenSpec()
    direction: Direction = "both"


class SlotQuota(StrictModel):
    """A daily appointment quota: trucks/day from ``origins`` (all origins if empty)."""

    trucks_per_day: float = Field(ge=0, le=MAX_TRUCKS_PER_DAY, allow_inf_nan=False)
    origins: tuple[str, ...] = ()


class SlotQuotaEvent(_Dated):
    """A response: a daily appointment quota at a gate, per origin province, e.g. ``{crossing:
    boten-mohan, slot_quota: {origins: [la-luang-namtha], trucks_per_day: 40}}``: loaded trucks
    from those origins crossing that day (dispatched ones, or leaving the gate's queue) stay
    within the quota (:func:`borderflow.model.levers.define_slot_quota_constraints`)."""

    crossing: str
    slot_quota: SlotQuota
    direction: Direction = "a_to_b"


class Hold(StrictModel):
    """Whose trucks are held: ``origins`` (all origins if empty)."""

    origins: tuple[str, ...] = ()


class HoldDispatchEvent(_Dated):
    """A response: trucks bound for a gate may not leave their origins between two dates (the
    Luang Namtha ban of Dec 2021), e.g. ``{crossing: boten-mohan, hold_dispatch: {origins:
    [la-luang-namtha]}, from: ..., to: ...}``. Nothing is dispatched on a route through the
    gate on those days (:func:`borderflow.model.levers.define_hold_bounds`); what would have
    left goes another way or stays unshipped (the model keeps no stock at origins)."""

    crossing: str
    hold_dispatch: Hold = Hold()
    direction: Direction = "a_to_b"


class LicenseSpec(StrictModel):
    """Products (ids) licensed at a crossing (``licensed: false``: no longer licensed)."""

    products: tuple[str, ...] = Field(min_length=1)
    licensed: bool = True


class LicenseEvent(_Dated):
    """A response: products become licensed at a crossing between dates (quarantine
    registration, a designated inspection site), e.g. ``{crossing: boten-mohan-rail, license:
    {products: [durian, banana]}, from: 2022-12-03}``; ``licensed: false`` withdraws a licence
    (quarantine tightened). Licences are per crossing (both directions), as in
    ``crossings.csv``; events apply in order, the later one winning on shared days. A flow
    counts on the day it reaches the gate (:mod:`borderflow.model.licences`)."""

    crossing: str
    license: LicenseSpec


#: the response levers (issue 21), each a scenario event with a running cost
LEVER_EVENTS = (ExtraCapacityEvent, OpenEvent, SlotQuotaEvent, HoldDispatchEvent, LicenseEvent)

EVENT_KEYS = {"close": CloseEvent, "capacity_trucks_per_day": CapacityEvent,
              "build": BuildEvent, "supply": SupplyEvent, "priority": PriorityEvent,
              "extra_capacity_trucks_per_day": ExtraCapacityEvent, "open": OpenEvent,
              "slot_quota": SlotQuotaEvent, "hold_dispatch": HoldDispatchEvent,
              "ramp": RampEvent, "license": LicenseEvent}


#: kinds whose key may be bare (``{crossing: x, close:}``, ``open:``, ``hold_dispatch:``)
BARE_KINDS = ("close", "priority", "open", "hold_dispatch")


def _event_kind(ev) -> str | None:
    """Which event a YAML mapping (or an event object) is: the key that names its kind."""
    if isinstance(ev, BaseModel):
        return next((k for k, cls in EVENT_KEYS.items() if isinstance(ev, cls)), None)
    if not isinstance(ev, dict):
        return None
    # a key set to null does not name a kind (a dumped build event has capacity_trucks_per_day:
    # null), except close and priority, which may be bare
    kinds = [key for key in EVENT_KEYS
             if key in ev and (ev[key] is not None or key in BARE_KINDS)]
    if "build" in kinds and "capacity_trucks_per_day" in kinds:  # a build may set its capacity
        kinds.remove("capacity_trucks_per_day")
    if len(kinds) > 1:
        return None  # two kinds in one event (a closure with a throttle): told, not guessed
    for key in ("close", "priority", "open", "hold_dispatch"):
        if key in ev:
            return key
    if "crossing" in ev and "capacity_trucks_per_day" not in ev and not kinds:
        return "close"  # {crossing: x} closes x for the whole horizon
    return kinds[0] if len(kinds) == 1 else None


#: one event of a scenario, told apart by its key; a validation error's location names the
#: event's index in the list, so a message can point at its line in the YAML file
Event = Annotated[Union[tuple(Annotated[cls, Tag(key)] for key, cls in EVENT_KEYS.items())],
                  Discriminator(_event_kind, custom_error_type="event_kind",
                                custom_error_message="an event must be a mapping with exactly "
                                "one of: close, capacity_trucks_per_day, build, supply, "
                                "priority, extra_capacity_trucks_per_day, open, slot_quota, "
                                "hold_dispatch, ramp, license")]


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
