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
import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import (BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError,
                      field_validator, model_validator)

from .errors import InputError, Problem, display_path

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
Direction = Literal["both", "a_to_b", "b_to_a"]
#: the longest horizon accepted (days): a century, beyond it a typo. Whether a horizon fits in
#: memory depends on the network; borderflow.model.size checks it before the model is built
MAX_HORIZON_DAYS = 36525


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


class _Event(_Strict):
    """Fields every event has. ``context: true`` marks an event that describes the state of the
    world rather than a disruption (e.g. a railway not open yet in 2021): it applies to the
    scenario and to its undisrupted baseline alike."""

    context: bool = False


class CloseEvent(_Event):
    """Close a crossing (both directions unless ``direction`` says one)."""

    crossing: str
    close: Window = Window()
    direction: Direction = "both"


class CapacityEvent(_Event):
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


class BuildEvent(_Event):
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


class SupplyEvent(_Event):
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


class InitialQueue(_Strict):
    """Trucks already waiting at a gate when the horizon starts (dated horizons only)."""

    crossing: str
    product: str
    trucks: float = Field(ge=0)
    age_days: int = Field(0, ge=0, description="days the cargo has already waited")
    direction: Direction = "a_to_b"
    origin: str | None = None


_EVENT_KEYS = {"close": CloseEvent, "capacity_trucks_per_day": CapacityEvent,
               "build": BuildEvent, "supply": SupplyEvent, "priority": PriorityEvent}


def _event_kind(ev) -> str | None:
    """Which event a YAML mapping (or an event object) is: the key that names its kind."""
    if isinstance(ev, BaseModel):
        return next((k for k, cls in _EVENT_KEYS.items() if isinstance(ev, cls)), None)
    if not isinstance(ev, dict):
        return None
    # a key set to null does not name a kind (a dumped build event has capacity_trucks_per_day:
    # null), except close and priority, which may be bare
    kinds = [key for key in _EVENT_KEYS
             if key in ev and (ev[key] is not None or key in ("close", "priority"))]
    if "build" in kinds and "capacity_trucks_per_day" in kinds:  # a build may set its capacity
        kinds.remove("capacity_trucks_per_day")
    for key in ("close", "priority"):
        if key in ev:
            return key
    if "crossing" in ev and "capacity_trucks_per_day" not in ev and not kinds:
        return "close"  # {crossing: x} closes x for the whole horizon
    return kinds[0] if len(kinds) == 1 else None


#: one event of a scenario, told apart by its key; a validation error's location names the
#: event's index in the list, so a message can point at its line in the YAML file
Event = Annotated[Union[tuple(Annotated[cls, Tag(key)] for key, cls in _EVENT_KEYS.items())],
                  Discriminator(_event_kind, custom_error_type="event_kind",
                                custom_error_message="an event must be a mapping with exactly "
                                "one of: close, capacity_trucks_per_day, build, supply, "
                                "priority")]


def _check_name(v: str) -> str:
    if not SAFE_NAME.match(v) or ".." in v:
        raise ValueError(f"name {v!r} must be letters, digits, '.', '_' or '-' "
                         "(it names an output folder)")
    return v


class Scenario(_Strict):
    """A named what-if: a horizon and a list of events applied on top of a base dataset."""

    name: str = "baseline"
    base: str = "default"
    horizon: Horizon = Horizon()
    events: tuple[Event, ...] = ()
    initial_queues: tuple[InitialQueue, ...] = ()
    must_deliver: tuple[str, ...] = ()
    """Product ids that must be delivered in full: no unserved, spoiled or expired tonnes (a
    hard constraint, so the scenario may be infeasible; the error then names the cause)."""
    description: str = ""

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        return _check_name(v)

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
    if name is None:
        name = "close-" + "-".join(crossings) if crossings else "baseline"
        if len(name) > 100:  # a folder name, not a list: keep it short and still unique
            digest = hashlib.sha1("|".join(crossings).encode()).hexdigest()[:8]
            name = f"close-{crossings[0]}-and-{len(crossings) - 1}-more-{digest}"
    return Scenario(name=name,
                    horizon=Horizon(month=month),
                    events=tuple(CloseEvent(crossing=c) for c in crossings))


# ---- checks against a dataset ---------------------------------------------------------------
@dataclass(frozen=True)
class Catalog:
    """The ids a scenario may name: crossings (id -> status), products and supply origins."""

    crossings: dict
    products: tuple[str, ...]
    origins: tuple[str, ...]

    @classmethod
    def of(cls, tables) -> "Catalog":
        """The catalog of checked input tables (:class:`borderflow.data.loaders.InputTables`)."""
        cr = tables.crossings
        return cls(crossings=dict(zip(cr["crossing_id"], cr["status"])),
                   products=tuple(tables.products["product_id"]),
                   origins=tuple(sorted(tables.supply["node_id"].unique())))

    def open_crossings(self) -> list[str]:
        """Crossings available in the dataset's normal state (open, upgraded, restricted)."""
        from .schemas import AVAILABLE_STATUSES

        return [c for c, status in self.crossings.items() if status in AVAILABLE_STATUSES]


def unknown_id(loc: tuple, kind: str, name: str, known) -> tuple | None:
    """``(loc, kind, message)`` if ``name`` is not in ``known`` (with the closest id as a hint),
    else ``None``."""
    if name in known:
        return None
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (loc, kind, f"unknown {kind} '{name}'{hint}")


def _window(ev) -> Window:
    return ev.close if isinstance(ev, CloseEvent) else ev.window


def scenario_problems(scenario: Scenario, catalog: Catalog) -> list[tuple[tuple, str, str]]:
    """Everything in ``scenario`` that does not fit the dataset or the horizon.

    Unknown crossing, product or origin ids (with the closest known id as a hint), events
    whose dates all lie outside the horizon (for a static run: outside the days its
    representative day stands for), initial queues without a dated horizon.

    Returns
    -------
    list of (location, field, message)
        ``location`` is the path of the offending value in the scenario's YAML, e.g.
        ``("events", 2, "crossing")``.
    """
    found = []
    for k, ev in enumerate(scenario.events):
        if isinstance(ev, BuildEvent):
            found.append(unknown_id(("events", k, "build"), "crossing", ev.build,
                                    catalog.crossings))
        elif isinstance(ev, SupplyEvent):
            found.append(unknown_id(("events", k, "supply", "product"), "product",
                                    ev.supply.product, catalog.products))
            if ev.supply.origin is not None:
                found.append(unknown_id(("events", k, "supply", "origin"), "origin",
                                        ev.supply.origin, catalog.origins))
        else:
            found.append(unknown_id(("events", k, "crossing"), "crossing", ev.crossing,
                                    catalog.crossings))
    for j, q in enumerate(scenario.initial_queues):
        found.append(unknown_id(("initial_queues", j, "crossing"), "crossing", q.crossing,
                                catalog.crossings))
        found.append(unknown_id(("initial_queues", j, "product"), "product", q.product,
                                catalog.products))
        if q.origin is not None:
            found.append(unknown_id(("initial_queues", j, "origin"), "origin", q.origin,
                                    catalog.origins))
    for j, product in enumerate(scenario.must_deliver):
        found.append(unknown_id(("must_deliver", j), "product", product, catalog.products))
    horizon = scenario.horizon
    if horizon.dates is None:
        if scenario.initial_queues:
            found.append((("initial_queues",), "initial_queues",
                          "initial queues need a dated horizon (horizon.start)"))
        days = horizon.representative_days()
        span = (f"the horizon: a static run of {calendar.month_name[horizon.month]} "
                if horizon.month else "the horizon: a static annual-average run ")
        span += (f"stands for the days {days[0]} to {days[-1]} (use dates in that range, or "
                 "a dated horizon with 'start')")
    else:
        days = horizon.dates
        span = f"the horizon {days[0]} to {days[-1]}"
    for k, ev in enumerate(scenario.events):
        window = _window(ev)
        late = window.start is not None and window.start > days[-1]
        if late or (window.end is not None and window.end < days[0]):
            key = "from" if late else "to"
            loc = ("events", k, "close", key) if isinstance(ev, CloseEvent) else ("events", k,
                                                                                 key)
            shown = ev.model_dump(mode="json", by_alias=True, exclude_defaults=True)
            found.append((loc, key, f"event {shown} lies outside {span}"))
    return [p for p in found if p is not None]


# ---- scenario files: one scenario, a list, a grid, investments -----------------------------
class ClosureGrid(_Strict):
    """Closure scenarios for every crossing x closure length (x month).

    ``crossings`` is a list of ids or ``open`` (every crossing open in the dataset); ``days``
    the closure lengths (omitted: closed for the whole horizon), closures starting on ``from``
    (default: the first day of the horizon, or of the month a static run stands for);
    ``months`` runs a static horizon once per month. ``name`` is a template with ``{crossing}``,
    ``{days}`` and ``{month}`` (default ``close-{crossing}[-{days}d][-m{month:02d}]``).
    """

    name: str | None = None
    crossings: Union[Literal["open"], tuple[str, ...]]
    days: tuple[Annotated[int, Field(ge=1, le=MAX_HORIZON_DAYS)], ...] | None = None
    start: dt.date | None = Field(None, alias="from")
    direction: Direction = "both"
    horizon: Horizon = Horizon()
    months: tuple[Annotated[int, Field(ge=1, le=12)], ...] | None = None
    base: str = "default"

    @model_validator(mode="after")
    def _consistent(self) -> "ClosureGrid":
        if self.months and self.horizon.start is not None:
            raise ValueError("'months' runs a static horizon once per month; it cannot go with "
                             "a dated horizon ('start')")
        try:
            self.template.format(crossing="x", days=1, month=1)
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(f"name template {self.name!r}: use only {{crossing}}, {{days}} and "
                             f"{{month}} ({err})") from None
        return self

    @property
    def template(self) -> str:
        """The name template of the grid's scenarios."""
        if self.name:
            return self.name
        return ("close-{crossing}" + ("-{days}d" if self.days else "")
                + ("-m{month:02d}" if self.months else ""))

    def expand(self, open_crossings: list[str] | None) -> list[Scenario]:
        """The grid's scenarios, in order month, crossing, closure length.

        Raises
        ------
        ValueError
            If ``crossings: open`` is used without the dataset's list of open crossings.
        """
        if self.crossings == "open" and open_crossings is None:
            raise ValueError("'crossings: open' needs the dataset (run it through a sweep)")
        crossings = open_crossings if self.crossings == "open" else self.crossings
        out = []
        for month in self.months or (self.horizon.month,):
            horizon = Horizon(**{**self.horizon.model_dump(), "month": month})
            first = self.start or (horizon.dates or horizon.representative_days())[0]
            for crossing in crossings:
                for days in self.days or (None,):
                    close = Window() if days is None else Window(**{
                        "from": first, "to": first + dt.timedelta(days=days - 1)})
                    span = "the whole horizon" if days is None else f"{days} days from {first}"
                    out.append(Scenario(
                        name=self.template.format(crossing=crossing, days=days, month=month or 0),
                        base=self.base, horizon=horizon, description=f"{crossing} closed "
                        f"({self.direction}) for {span}",
                        events=(CloseEvent(crossing=crossing, close=close,
                                           direction=self.direction),)))
        return out


class Project(_Strict):
    """An investment described by the events it adds, e.g. more lanes at a gate::

        {name: kim-thanh-lanes, events: [{crossing: kim-thanh-hekou,
                                          capacity_trucks_per_day: 600, direction: a_to_b}]}
    """

    name: str
    events: tuple[Event, ...]
    description: str = ""

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        return _check_name(v)


class Investments(_Strict):
    """Which projects to value and under which scenarios.

    ``projects``: ``candidates`` (every proposed, closed or upgraded crossing of the dataset),
    or a list of crossing ids and :class:`Project` mappings. ``under``: ``all`` (the baseline
    and every scenario of the file) or a list of scenario names (the baseline is always
    included).
    """

    projects: Union[Literal["candidates"], tuple[Union[str, Project], ...]] = "candidates"
    under: Union[Literal["all"], tuple[str, ...]] = "all"


class ScenarioFile(_Strict):
    """The content of a scenario file: scenarios, closure grids and investments to value."""

    scenarios: tuple[Scenario, ...] = ()
    grid: tuple[ClosureGrid, ...] = ()
    investments: Investments | None = None

    @field_validator("grid", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return [v] if isinstance(v, dict) else v

    @model_validator(mode="after")
    def _not_empty(self) -> "ScenarioFile":
        if not self.scenarios and not self.grid:
            raise ValueError("the file holds no scenario: give 'scenarios' or 'grid' (or one "
                             "scenario's fields at the top level)")
        return self


_FILE_KEYS = {"scenarios", "grid", "investments"}


def _yaml_find(node, loc: tuple) -> tuple[int | None, tuple]:
    """1-based line of the value at ``loc`` in a composed YAML tree (or of its nearest parent
    that exists), and ``loc`` as the file has it (an index into a one-item list the file wrote
    as a mapping, such as a single ``grid:``, left out)."""
    line = node.start_mark.line + 1 if node is not None else None
    shown = []
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            if isinstance(key, int):
                continue  # the file gave one mapping where a list is allowed
            pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key),
                        None)
            if pair is not None:  # the key's line (a block value starts on the next one)
                child, line = pair[1], pair[0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) \
                and key < len(node.value):
            child = node.value[key]
            line = child.start_mark.line + 1
        shown.append(key)
        if child is not None:
            node = child
    return line, tuple(shown)


def _yaml_nodes(node, loc: tuple = ()):
    """Every node of a composed YAML tree with its location (mapping keys included)."""
    yield loc, node
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield loc, k
            yield from _yaml_nodes(v, loc + (getattr(k, "value", "?"),))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            yield from _yaml_nodes(v, loc + (i,))


def _unloadable(node, shown: str) -> Problem | None:
    """The first value safe YAML loading refuses or cannot read: a tag that would run code or
    build a Python object (``!!python/object/apply:os.system``), or a date that does not
    exist (``2023-02-30``)."""
    for loc, n in _yaml_nodes(node):
        line = n.start_mark.line + 1
        if n.tag not in yaml.SafeLoader.yaml_constructors:
            tag = n.tag.replace("tag:yaml.org,2002:", "!!")
            return Problem(shown, line, _field_path(loc), f"YAML tag '{tag}' is not allowed: "
                           "scenario files are plain data (read with YAML safe loading)")
        if n.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.SafeLoader(n.value).construct_yaml_timestamp(n)
            except ValueError as err:
                return Problem(shown, line, _field_path(loc), f"not a date: {n.value} ({err};"
                               " expected YYYY-MM-DD)")
    return None


def _field_path(loc: tuple) -> str | None:
    """``events[2].close.from`` for the location ``("events", 2, "close", "from")``."""
    parts = [f"[{key}]" if isinstance(key, int) else ("." if k else "") + str(key)
             for k, key in enumerate(loc)]
    return "".join(parts) or None


def _untagged(loc: tuple) -> tuple:
    """A pydantic error location without the tags of the event union (the event's kind)."""
    return tuple(key for k, key in enumerate(loc)
                 if not (k >= 2 and loc[k - 2] in ("events",) and isinstance(loc[k - 1], int)
                         and key in _EVENT_KEYS))


@dataclass
class LoadedScenarios:
    """A parsed scenario file that can point at its own lines in error messages.

    Attributes
    ----------
    shown : str
        The file as shown in messages.
    spec : ScenarioFile
    single : bool
        True if the file is one scenario written at the top level.
    """

    shown: str
    spec: ScenarioFile
    single: bool
    node: object = None

    def _yaml_loc(self, loc: tuple) -> tuple:
        return loc[2:] if self.single and loc[:2] == ("scenarios", 0) else loc

    def problem(self, loc: tuple, message: str, field: str | None = None) -> Problem:
        """A :class:`Problem` at ``loc`` (a path in the file's YAML), with its line."""
        line, shown = _yaml_find(self.node, self._yaml_loc(tuple(loc)))
        return Problem(self.shown, line, field or _field_path(shown), message)

    def scenarios(self, catalog: Catalog | None = None) -> list[tuple[tuple, Scenario]]:
        """Every scenario of the file (grids expanded) with the location it comes from.

        With a ``catalog``, every scenario is checked against the dataset and all problems are
        raised at once, each with its line.

        Raises
        ------
        InputError
        """
        found: list[tuple[tuple, Scenario]] = [(("scenarios", k), s)
                                               for k, s in enumerate(self.spec.scenarios)]
        problems = []
        opened = catalog.open_crossings() if catalog is not None else None
        for g, grid in enumerate(self.spec.grid):
            try:
                found += [(("grid", g), s) for s in grid.expand(opened)]
            except ValidationError as err:
                problems.append(self.problem(("grid", g, "name"), f"grid {g + 1}: "
                                             f"{_message(err.errors()[0])}"))
            except ValueError as err:
                problems.append(self.problem(("grid", g, "crossings"), f"grid {g + 1}: {err}"))
        seen = set()
        for loc, scen in found if catalog is not None else ():
            for sub, field, msg in scenario_problems(scen, catalog):
                if loc[0] == "scenarios":
                    problems.append(self.problem(loc + sub, f"scenario {scen.name}: {msg}"))
                elif (loc, msg) not in seen:  # a grid's problem, once (not per month)
                    seen.add((loc, msg))
                    at = loc + (field,)
                    if field == "crossing":
                        listed = self.spec.grid[loc[1]].crossings
                        at = loc + ("crossings", listed.index(scen.events[0].crossing)
                                    if listed != "open" else 0)
                    problems.append(self.problem(at, f"grid {loc[1] + 1}: {msg}"))
        names = [s.name for _, s in found]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            problems.append(Problem(self.shown, None, "name", "duplicate scenario name(s): "
                                    f"{', '.join(dup)}"))
        if problems:
            raise InputError(problems)
        return found


def _known_keys() -> list[str]:
    """Every key a scenario file may use (field names and aliases of its models)."""
    models = (ScenarioFile, Scenario, Horizon, Window, SupplyChange, PriorityRule, InitialQueue,
              ClosureGrid, Project, Investments, *_EVENT_KEYS.values())
    return sorted({f.alias or name for m in models for name, f in m.model_fields.items()})


def _message(error: dict) -> str:
    msg = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    if error["type"] == "extra_forbidden" and error["loc"]:
        key = str(error["loc"][-1])
        close = difflib.get_close_matches(key, _known_keys(), n=1)
        msg = f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    if error["type"] not in ("missing", "extra_forbidden") and isinstance(
            value, (int, float, str, dt.date)):
        msg += f" (got {value!r})" if not isinstance(value, dt.date) else f" (got {value})"
    return msg


def load_scenario_file(path: Path | str) -> LoadedScenarios:
    """Parse a scenario file: one scenario (its fields at the top level), or any of
    ``scenarios: [...]``, ``grid:`` (one grid or a list) and ``investments:``.

    Raises
    ------
    InputError
        Naming the file, the line, the field and the scenario for malformed YAML or invalid
        values.
    """
    path = Path(path)
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(Problem(shown, None, None, "file not found")) from None
    except IsADirectoryError:
        raise InputError(Problem(shown, None, None, "is a folder, not a YAML file")) from None
    except UnicodeDecodeError:
        raise InputError(Problem(shown, None, None, "not UTF-8 text")) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)  # nothing is constructed yet
        refused = _unloadable(node, shown) if node is not None else None
        if refused is not None:
            raise InputError(refused)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(Problem(shown, line, None, f"malformed YAML: "
                                 f"{getattr(err, 'problem', err)}")) from None
    if doc is None:
        raise InputError(Problem(shown, None, None, "the file is empty"))
    if not isinstance(doc, dict):
        raise InputError(Problem(shown, 1, None, "must be a mapping (one scenario, or "
                                 "'scenarios:', 'grid:', 'investments:')"))
    single = not (_FILE_KEYS & doc.keys())
    loaded = LoadedScenarios(shown=shown, spec=None, single=single, node=node)
    try:
        loaded.spec = ScenarioFile.model_validate({"scenarios": [doc]} if single else doc)
    except ValidationError as err:
        raise InputError([_located(loaded, doc, e) for e in err.errors()]) from None
    return loaded


def _located(loaded: LoadedScenarios, doc: dict, error: dict) -> Problem:
    loc = _untagged(tuple(error["loc"]))
    label = ""
    if loc[:1] == ("scenarios",) and len(loc) > 1 and isinstance(loc[1], int):
        items = [doc] if loaded.single else doc.get("scenarios") or []
        item = items[loc[1]] if loc[1] < len(items) else None
        name = item.get("name") if isinstance(item, dict) else None
        label = f"scenario {name or '#' + str(loc[1] + 1)}: "
    elif loc[:1] == ("grid",):
        label = f"grid {loc[1] + 1}: " if len(loc) > 1 and isinstance(loc[1], int) else "grid: "
    return loaded.problem(loc, label + _message(error))


def load_scenarios(path: Path | str, catalog: Catalog | None = None) -> list[Scenario]:
    """Read the scenarios of a YAML file (one scenario, a list, grids), grids expanded.

    Parameters
    ----------
    path : path
    catalog : Catalog, optional
        The dataset's ids: check every scenario against them (and allow ``crossings: open``).

    Raises
    ------
    InputError
        Naming the file, line, field and scenario of every problem.
    """
    return [s for _, s in load_scenario_file(path).scenarios(catalog)]
