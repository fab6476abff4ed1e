"""Scenario files: the YAML formats of one scenario, a list, closure grids and investments,
read with safe loading, every error named by file, line and field.

A file holds one scenario (its fields at the top level, as ``data/scenarios/boten-2021.yaml``),
or any of ``scenarios: [...]``, ``grid:`` (:class:`ClosureGrid`: every crossing x closure
length x month) and ``investments:`` (:class:`Investments`: projects valued with vs without
them, for sweeps). :func:`load_scenario_file` parses a file (:func:`load_scenario_text` its
text, e.g. an upload) into a :class:`LoadedScenarios`
that keeps the composed YAML tree, so that any later problem (an unknown id found against the
dataset, a bad grid) can point at its line; :func:`load_scenarios` returns the scenarios.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from .errors import InputError, Problem, display_path
from .scenario import (EVENT_KEYS, MAX_HORIZON_DAYS, CloseEvent, Direction, Event, Hold,
                       Horizon, InitialQueue, OpenSpec, PriorityRule, Scenario, SlotQuota,
                       StrictModel, SupplyChange, Window, check_base, check_name)
from .scenario_checks import Catalog, expand_groups, scenario_problems
from .yaml_safe import load_yaml_text, read_text


# ---- the file formats -----------------------------------------------------------------------
class ClosureGrid(StrictModel):
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

    @field_validator("crossings")
    @classmethod
    def _some(cls, v):
        if not v:
            raise ValueError("'crossings' is empty: list the crossing ids to close, or write "
                             "'crossings: open' for every open crossing")
        return v

    @field_validator("base")
    @classmethod
    def _used_base(cls, v: str) -> str:
        return check_base(v)

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
            days_of = horizon.dates or horizon.representative_days()
            first = self.start or days_of[0]
            for days in self.days or ():
                last = first + dt.timedelta(days=days - 1)
                if last > days_of[-1]:
                    raise GridError("days", _beyond(days, first, horizon, days_of))
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


class GridError(ValueError):
    """A grid that cannot be expanded; ``field`` is the grid key at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _beyond(days: int, first: dt.date, horizon: Horizon, days_of: list[dt.date]) -> str:
    """Why a closure of ``days`` days from ``first`` does not fit the horizon."""
    if horizon.start is not None:
        span = f"the horizon ends on {days_of[-1]}"
    elif horizon.month is not None:
        span = (f"a static run of month {horizon.month} stands for its {len(days_of)} days "
                f"({days_of[0]:%B})")
    else:
        span = "a static annual run stands for 365 days"
    return (f"a closure of {days} days from {first} does not fit: {span}; give at most "
            f"{(days_of[-1] - first).days + 1} days, or a dated horizon")


class Project(StrictModel):
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
        return check_name(v)


class Investments(StrictModel):
    """Which projects to value and under which scenarios.

    ``projects``: ``candidates`` (every proposed, closed or upgraded crossing of the dataset),
    or a list of crossing ids and :class:`Project` mappings. ``under``: ``all`` (the baseline
    and every scenario of the file) or a list of scenario names (the baseline is always
    included).
    """

    projects: Union[Literal["candidates"], tuple[Union[str, Project], ...]] = "candidates"
    under: Union[Literal["all"], tuple[str, ...]] = "all"


class ScenarioFile(StrictModel):
    """The content of a scenario file: scenarios, closure grids, investments to value and
    closure groups (name -> crossing ids, :mod:`borderflow.data.closure_groups`)."""

    scenarios: tuple[Scenario, ...] = ()
    grid: tuple[ClosureGrid, ...] = ()
    investments: Investments | None = None
    groups: dict[str, tuple[str, ...]] = {}

    @field_validator("groups")
    @classmethod
    def _group_names(cls, v: dict) -> dict:
        for name in v:
            check_name(name)
        return v

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




# ---- reading and locating ------------------------------------------------------------------
_FILE_KEYS = {"scenarios", "grid", "investments"}  # ``groups`` may go with one scenario too


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


def _field_path(loc: tuple) -> str | None:
    """``events[2].close.from`` for the location ``("events", 2, "close", "from")``."""
    parts = [f"[{key}]" if isinstance(key, int) else ("." if k else "") + str(key)
             for k, key in enumerate(loc)]
    return "".join(parts) or None


def _untagged(loc: tuple) -> tuple:
    """A pydantic error location without the tags of the event union (the event's kind)."""
    return tuple(key for k, key in enumerate(loc)
                 if not (k >= 2 and loc[k - 2] in ("events",) and isinstance(loc[k - 1], int)
                         and key in EVENT_KEYS))


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
        if catalog is not None:
            from .closure_groups import group_problems

            problems += [self.problem(loc, msg) for loc, msg in group_problems(
                self.spec.groups, catalog.crossings, catalog.groups)]
            catalog = catalog.with_groups(self.spec.groups)
        opened = catalog.open_crossings() if catalog is not None else None
        for g, grid in enumerate(self.spec.grid):
            try:
                found += [(("grid", g), s) for s in grid.expand(opened)]
            except ValidationError as err:
                problems.append(self.problem(("grid", g, "name"), f"grid {g + 1}: "
                                             f"{_message(err.errors()[0])}"))
            except ValueError as err:
                problems.append(self.problem(("grid", g, getattr(err, "field", "crossings")),
                                             f"grid {g + 1}: {err}"))
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
        groups = catalog.groups if catalog is not None else self.spec.groups
        return [(loc, expand_groups(s, groups)) for loc, s in found]


def _known_keys() -> list[str]:
    """Every key a scenario file may use (field names and aliases of its models)."""
    models = (ScenarioFile, Scenario, Horizon, Window, SupplyChange, PriorityRule, InitialQueue,
              ClosureGrid, Project, Investments, OpenSpec, SlotQuota, Hold,
              *EVENT_KEYS.values())
    return sorted({f.alias or name for m in models for name, f in m.model_fields.items()})


def _message(error: dict) -> str:
    msg = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    if error["type"] == "extra_forbidden" and error["loc"]:
        key = str(error["loc"][-1])
        close = [k for k in difflib.get_close_matches(key, _known_keys(), n=2) if k != key]
        msg = f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    if error["type"] == "event_kind" and isinstance(value, dict):
        kinds = [k for k in EVENT_KEYS if k in value]
        if len(kinds) > 1:
            return (f"{msg}; this one has {' and '.join(kinds)}: write them as separate "
                    "events (e.g. a closure, then a throttle from the day it reopens)")
    if error["type"] not in ("missing", "extra_forbidden") and isinstance(
            value, (int, float, str, dt.date)):
        msg += f" (got {value})" if isinstance(value, dt.date) else f" (got {_short(value)})"
    return msg


def _short(value, longest: int = 40) -> str:
    """``repr(value)``, cut to ``longest`` characters with the full length said."""
    text = repr(value)
    if len(text) <= longest:
        return text
    return f"{text[:longest - 4]}...' ({len(str(value))} characters)"


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
    return load_scenario_text(read_text(path), shown)


def load_scenario_text(text: str, shown: str) -> LoadedScenarios:
    """Parse the text of a scenario file (see :func:`load_scenario_file`); messages name the
    file as ``shown``. The text is held to the limits of a file (size, aliases, depth,
    duplicate keys, tags, real dates: :mod:`borderflow.data.yaml_safe`).

    Raises
    ------
    InputError
        As :func:`load_scenario_file`, for the text's problems.
    """
    doc, node = load_yaml_text(text, shown)
    if doc is None:
        raise InputError(Problem(shown, None, None, "the file is empty"))
    if not isinstance(doc, dict):
        raise InputError(Problem(shown, 1, None, "must be a mapping (one scenario, or "
                                 "'scenarios:', 'grid:', 'investments:')"))
    single = not (_FILE_KEYS & doc.keys())
    loaded = LoadedScenarios(shown=shown, spec=None, single=single, node=node)
    if single:  # one scenario at the top level, with its closure groups
        doc = {"scenarios": [{k: v for k, v in doc.items() if k != "groups"}],
               **({"groups": doc["groups"]} if "groups" in doc else {})}
    try:
        loaded.spec = ScenarioFile.model_validate(doc)
    except ValidationError as err:
        raise InputError([_located(loaded, doc, e) for e in err.errors()]) from None
    return loaded


def _located(loaded: LoadedScenarios, doc: dict, error: dict) -> Problem:
    loc = _untagged(tuple(error["loc"]))
    label = ""
    if loc[:1] == ("scenarios",) and len(loc) > 1 and isinstance(loc[1], int):
        items = doc.get("scenarios") or []  # a single scenario's file is wrapped as a list
        item = items[loc[1]] if loc[1] < len(items) else None
        name = item.get("name") if isinstance(item, dict) else None
        name = str(name)[:40] + "..." if name and len(str(name)) > 40 else name
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
