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
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import (BaseModel, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

from .errors import InputError, Problem, display_path

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
Direction = Literal["both", "a_to_b", "b_to_a"]
#: the longest horizon accepted (days); longer runs are split by the user
MAX_HORIZON_DAYS = 3660


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Window(_Strict):
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


class Horizon(_Strict):
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


class CloseEvent(_Strict):
    """Close a crossing (both directions unless ``direction`` says one)."""

    crossing: str
    close: Window = Window()
    direction: Direction = "both"


class CapacityEvent(_Strict):
    """Set a crossing's capacity (trucks/day per direction) over a window (a throttle)."""

    crossing: str
    capacity_trucks_per_day: float = Field(ge=0)
    start: dt.date | None = Field(None, alias="from")
    end: dt.date | None = Field(None, alias="to")
    direction: Direction = "both"

    @property
    def window(self) -> Window:
        """The event's date window."""
        return Window(**{"from": self.start, "to": self.end})


class BuildEvent(_Strict):
    """Switch on a proposed (or closed) crossing from a date, optionally with a capacity."""

    build: str
    start: dt.date | None = Field(None, alias="from")
    capacity_trucks_per_day: float | None = Field(None, ge=0)

    @property
    def window(self) -> Window:
        """The event's date window (from the opening date on)."""
        return Window(**{"from": self.start})


class SupplyChange(_Strict):
    """Scale supply of a product (optionally one origin) by ``factor``."""

    product: str
    factor: float = Field(ge=0)
    origin: str | None = None


class SupplyEvent(_Strict):
    """A supply change, e.g. ``{supply: {product: lychee, factor: 1.3}}``."""

    supply: SupplyChange
    start: dt.date | None = Field(None, alias="from")
    end: dt.date | None = Field(None, alias="to")

    @property
    def window(self) -> Window:
        """The event's date window."""
        return Window(**{"from": self.start, "to": self.end})


class PriorityRule(_Strict):
    """Share of a gate's daily capacity reserved for perishable products (0-1)."""

    share: float = Field(ge=0, le=1)


class PriorityEvent(_Strict):
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


class InitialQueue(_Strict):
    """Trucks already waiting at a gate when the horizon starts (dated horizons only)."""

    crossing: str
    product: str
    trucks: float = Field(ge=0)
    age_days: int = Field(0, ge=0, description="days the cargo has already waited")
    direction: Direction = "a_to_b"
    origin: str | None = None


Event = Annotated[Union[CloseEvent, CapacityEvent, BuildEvent, SupplyEvent, PriorityEvent],
                  Field()]
_EVENT_KEYS = {"close": CloseEvent, "capacity_trucks_per_day": CapacityEvent,
               "build": BuildEvent, "supply": SupplyEvent, "priority": PriorityEvent}


class Scenario(_Strict):
    """A named what-if: a horizon and a list of events applied on top of a base dataset."""

    name: str = "baseline"
    base: str = "default"
    horizon: Horizon = Horizon()
    events: tuple[Event, ...] = ()
    initial_queues: tuple[InitialQueue, ...] = ()
    description: str = ""

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        if not SAFE_NAME.match(v) or ".." in v:
            raise ValueError(f"scenario name {v!r} must be letters, digits, '.', '_' or '-' "
                             "(it names an output folder)")
        return v

    @field_validator("events", mode="before")
    @classmethod
    def _typed_events(cls, v):
        out = []
        for k, ev in enumerate(v or ()):
            if isinstance(ev, BaseModel):
                out.append(ev)
                continue
            if not isinstance(ev, dict):
                raise ValueError(f"event {k + 1} must be a mapping, got {ev!r}")
            kinds = [key for key in _EVENT_KEYS if key in ev]
            if "close" in ev:
                kinds = ["close"]
            elif "priority" in ev:
                kinds = ["priority"]
            elif "crossing" in ev and "capacity_trucks_per_day" not in ev:
                kinds = ["close"] if not kinds else kinds
            if len(kinds) != 1:
                raise ValueError(f"event {k + 1} ({ev}) must have exactly one of: close, "
                                 "capacity_trucks_per_day, build, supply")
            out.append(_EVENT_KEYS[kinds[0]].model_validate(ev))
        return tuple(out)

    def crossings_named(self) -> list[str]:
        """Crossing ids the events refer to (for checking against the dataset)."""
        names = []
        for ev in self.events:
            if isinstance(ev, (CloseEvent, CapacityEvent, PriorityEvent)):
                names.append(ev.crossing)
            elif isinstance(ev, BuildEvent):
                names.append(ev.build)
        names += [q.crossing for q in self.initial_queues]
        return names


def closing(crossings: list[str] | tuple[str, ...], name: str | None = None,
            month: int | None = None) -> Scenario:
    """A scenario that closes the given crossings for the whole horizon."""
    return Scenario(name=name or ("close-" + "-".join(crossings) if crossings else "baseline"),
                    horizon=Horizon(month=month),
                    events=tuple(CloseEvent(crossing=c) for c in crossings))


def load_scenarios(path: Path | str) -> list[Scenario]:
    """Read one or several scenarios from a YAML file (a mapping, or ``scenarios: [...]``).

    Raises
    ------
    InputError
        Naming the file, the scenario and the field for malformed YAML or invalid values.
    """
    path = Path(path)
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(Problem(shown, None, None, "file not found")) from None
    except UnicodeDecodeError:
        raise InputError(Problem(shown, None, None, "not UTF-8 text")) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(Problem(shown, line, None, f"malformed YAML: "
                                 f"{getattr(err, 'problem', err)}")) from None
    if doc is None:
        raise InputError(Problem(shown, None, None, "the file is empty"))
    items = doc.get("scenarios") if isinstance(doc, dict) and "scenarios" in doc else [doc]
    if not isinstance(items, list):
        raise InputError(Problem(shown, None, "scenarios", "must be a list of scenarios"))
    scenarios = []
    for k, item in enumerate(items):
        try:
            scenarios.append(Scenario.model_validate(item))
        except ValidationError as err:
            first = err.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            label = item.get("name", f"#{k + 1}") if isinstance(item, dict) else f"#{k + 1}"
            raise InputError(Problem(shown, None, loc or None,
                                     f"scenario {label}: {first['msg']}")) from None
    names = [s.name for s in scenarios]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InputError(Problem(shown, None, "name", f"duplicate scenario name(s): "
                                 f"{', '.join(sorted(dup))}"))
    return scenarios
