"""The events of a scenario: closures, throttles, openings, supply changes, priority lanes,
ramps, initial queues and the response levers, each a validated pydantic model, and ``Event``,
the union that tells them apart by their key in YAML.

Split from :mod:`borderflow.data.scenario` (the scenario and its horizon), which re-exports every
name here, so ``from borderflow.data.scenario import CloseEvent`` keeps working. Dates are
inclusive; an event without dates applies to the whole horizon.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from .schemas import MAX_TRUCKS_PER_DAY

Direction = Literal["both", "a_to_b", "b_to_a"]
#: the longest horizon accepted (days): a century, beyond it a typo. Whether a horizon fits in
#: memory depends on the network; borderflow.model.size checks it before the model is built
MAX_HORIZON_DAYS = 36525
#: the largest supply factor accepted: a hundredfold is far beyond any what-if (1e300 is a typo)
MAX_SUPPLY_FACTOR = 100.0
#: the most trucks a scenario may put in one gate's queue at the start
MAX_INITIAL_TRUCKS = 1_000_000.0


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
    within the quota (:func:`borderflow.model.levers.define_gate_entry_constraints`)."""

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
    gate on those days (:func:`borderflow.model.levers.define_gate_entry_constraints`); what
    would have left goes another way, stays unshipped or, in a dated run, waits in stock at
    its origin until the hold ends (:mod:`borderflow.model.origin_stock`)."""

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
