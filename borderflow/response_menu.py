"""A response menu (issue 21): the levers ``borderflow respond`` may choose, read and checked.

A menu (YAML) lists candidate levers, each a scenario event with a ``name`` and, optionally, its
cost per day (default: ``lever_costs.csv`` of the dataset, an estimate with a range)::

    levers:
      - {name: overtime-tan-thanh, crossing: tan-thanh-puzhai,
         extra_capacity_trucks_per_day: 100, sizes: [50, 100, 150]}
      - {name: reopen-coc-nam, crossing: coc-nam-nonghuai, open: {}, from: 2021-11-01}
      - {name: fruit-at-rail, crossing: boten-mohan-rail, license: {products: [durian]},
         lead_time_days: 60}

Besides the event's own fields a lever may have:

- ``sizes`` (extra capacity only): several sizes of one lever, at most one chosen; each is a
  lever ``name@size`` (the MIP adds ``sum z <= 1`` over them), a number of trucks/day or
  ``{trucks_per_day: N, cost_usd_per_day: C}``;
- ``lead_time_days`` (licences only): days from the decision (the horizon's first day) until
  the licence takes effect, default ``license_lead_time`` of ``lever_costs.csv``. In a dated
  run a licence without ``from`` starts that many days after the horizon starts, and one with
  an earlier ``from`` is refused (give ``lead_time_days: 0`` for a licence already in the
  pipeline); a static run stands for a month in which the licence is in force.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pydantic import TypeAdapter, ValidationError

from borderflow.data.errors import InputError, Problem, display_path
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import (Event, ExtraCapacityEvent, HoldDispatchEvent, LicenseEvent,
                                      OpenEvent, Scenario, SlotQuotaEvent)
from borderflow.data.scenario_checks import Catalog, scenario_problems
from borderflow.data.yaml_safe import read_text

LEVER_COSTS_FILE = "lever_costs.csv"
#: lever_costs.csv's row for a licence's lead time (days)
LEAD_TIME_ROW = "license_lead_time"
#: the event class of each lever kind, and its row in lever_costs.csv
KINDS = {ExtraCapacityEvent: "extra_capacity_trucks_per_day", OpenEvent: "open",
         LicenseEvent: "license"}


@dataclass(frozen=True)
class Lever:
    """A candidate response: its name, event, cost per day (USD) and where the cost is from;
    ``group``: levers of one group are sizes of one lever (at most one is chosen)."""

    name: str
    event: object
    cost_usd_per_day: float
    cost_source: str
    line: int | None = None
    group: str | None = None

    @property
    def kind(self) -> str:
        """``extra_capacity``, ``open`` or ``license``."""
        return {"extra_capacity_trucks_per_day": "extra_capacity"}.get(
            KINDS[type(self.event)], KINDS[type(self.event)])


def lever_costs(tables: InputTables, folder: Path | str | None = None) -> pd.DataFrame:
    """``lever_costs.csv`` of the dataset (lever, unit, value, low, high, source, ...)."""
    from borderflow.uncertainty.run import dataset_folder

    src = Path(folder) if folder is not None else dataset_folder(tables)
    path = src / LEVER_COSTS_FILE if src is not None else None
    if path is None or not path.is_file():
        return pd.DataFrame(columns=["lever", "unit", "value", "low", "high", "source",
                                     "source_year", "quality"])
    df = pd.read_csv(path)
    for i, r in enumerate(df.itertuples(index=False), start=2):
        if not (np.isfinite(r.value) and r.low <= r.value <= r.high and r.low >= 0):
            raise InputError(Problem(display_path(path), i, "value", f"cost {r.value} must be a "
                                     f"number >= 0 within [low, high] = [{r.low}, {r.high}]"))
    return df


def _row(costs: pd.DataFrame, kind: str):
    row = costs[costs["lever"] == kind]
    return None if row.empty else row.iloc[0]


def default_cost(ev, costs: pd.DataFrame) -> tuple[float, str]:
    """A lever's cost per day from ``lever_costs.csv`` (NaN if it has no row) and where it is
    from (value, unit, range, quality)."""
    kind = KINDS[type(ev)]
    r = _row(costs, kind)
    if r is None:
        return np.nan, "none"
    size = ev.extra_capacity_trucks_per_day if isinstance(ev, ExtraCapacityEvent) else 1.0
    return float(r["value"]) * size, (f"{LEVER_COSTS_FILE} {kind}: {r['value']:g} {r['unit']} "
                                      f"({r['low']:g}-{r['high']:g}, {r['quality']})")


def _lead_time(ev, raw_lead, scenario: Scenario, costs: pd.DataFrame, bad):
    """A licence's event with its start set by its lead time (dated runs); refused if its
    ``from`` is earlier than the horizon's start plus the lead time."""
    if raw_lead is not None and (isinstance(raw_lead, bool) or not isinstance(raw_lead, int)
                                 or raw_lead < 0):
        raise bad("lead_time_days", f"a whole number of days >= 0, got {raw_lead!r}")
    start = scenario.horizon.start
    if start is None:
        return ev  # a static run stands for a month with the licence in force
    if raw_lead is None:
        r = _row(costs, LEAD_TIME_ROW)
        if r is None:
            raise bad("lead_time_days", f"no lead time given and none in {LEVER_COSTS_FILE}")
        lead = int(round(float(r["value"])))
        told = f"{LEVER_COSTS_FILE} {LEAD_TIME_ROW}: {lead} days ({r['low']:g}-{r['high']:g})"
    else:
        lead, told = raw_lead, f"lead_time_days: {raw_lead}"
    earliest = start + dt.timedelta(days=lead)
    if ev.start is None:
        return ev.model_copy(update={"start": earliest})
    if ev.start < earliest:
        raise bad("from", f"a licence decided on the horizon's first day ({start}) takes "
                  f"effect {lead} days later ({told}): from {earliest} at the earliest; give "
                  "lead_time_days for one already in the pipeline")
    return ev


def read_menu(path: Path | str, tables: InputTables, scenario: Scenario) -> list[Lever]:
    """The levers of a menu file, each checked against the dataset and the horizon.

    Raises
    ------
    InputError
        One line naming the file, the lever's line and the field.
    """
    shown = display_path(path)
    text = read_text(path)
    try:
        node = yaml.compose(text)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(Problem(shown, mark.line + 1 if mark else None, None,
                                 "not valid YAML")) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("levers"), list) or \
            not doc["levers"]:
        raise InputError(Problem(shown, None, "levers", "a menu is a mapping with a non-empty "
                                 "list 'levers' of events, each with a 'name'"))
    items = next(v for k, v in node.value if k.value == "levers").value
    costs = lever_costs(tables)
    catalog = Catalog.of(tables)
    adapter = TypeAdapter(Event)
    levers, names = [], set()
    for k, (item, raw) in enumerate(zip(items, doc["levers"])):
        line = item.start_mark.line + 1

        def bad(fieldname: str, message: str, line=line, k=k) -> InputError:
            return InputError(Problem(shown, line, f"levers[{k}].{fieldname}", message))

        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise bad("name", "each lever is a mapping with a 'name' and its event's fields")
        raw = dict(raw)
        name = raw.pop("name")
        sizes, lead = raw.pop("sizes", None), raw.pop("lead_time_days", None)
        if name in names:
            raise bad("name", f"lever name '{name}' is used twice")
        names.add(name)
        try:
            ev = adapter.validate_python(raw)
        except ValidationError as err:
            e = err.errors()[0]
            where = ".".join(str(x) for x in e["loc"][1:]) or "event"
            raise bad(where, e["msg"]) from None
        if isinstance(ev, (SlotQuotaEvent, HoldDispatchEvent)) or \
                (isinstance(ev, LicenseEvent) and not ev.license.licensed):
            raise bad("event", "slot quotas, dispatch holds and withdrawn licences only "
                      "restrict what the model routes at least cost, so they cannot lower its "
                      "cost: solve them as scenario events (borderflow solve) to see what "
                      "they cost")
        if not isinstance(ev, tuple(KINDS)):
            raise bad("event", "a lever is extra_capacity_trucks_per_day, open or license")
        if lead is not None and not isinstance(ev, LicenseEvent):
            raise bad("lead_time_days", "only a licence has a lead time")
        if isinstance(ev, LicenseEvent):
            ev = _lead_time(ev, lead, scenario, costs, bad)
        problems = scenario_problems(Scenario(horizon=scenario.horizon, events=(ev,)), catalog)
        if problems:
            loc, _, message = problems[0]
            raise bad(".".join(str(x) for x in loc[2:]) or "event", message)
        events = [(name, ev, None)]
        if sizes is not None:
            events = _sizes(name, ev, sizes, bad)
        for lever_name, one, group in events:
            if one.cost_usd_per_day is not None:
                cost, source = one.cost_usd_per_day, "menu"
            else:
                cost, source = default_cost(one, costs)
                if not np.isfinite(cost):
                    raise bad("cost_usd_per_day", f"no cost given and none in "
                              f"{LEVER_COSTS_FILE}")
            levers.append(Lever(lever_name, one, float(cost), source, line, group))
    return levers


def _sizes(name: str, ev, sizes, bad) -> list[tuple[str, object, str]]:
    """One lever per size (``name@size``), of one group: at most one is chosen. A size is a
    number (trucks/day; its cost: the lever's ``cost_usd_per_day`` or lever_costs.csv's per
    truck-day) or ``{trucks_per_day: N, cost_usd_per_day: C}``."""
    if not isinstance(ev, ExtraCapacityEvent):
        raise bad("sizes", "only extra_capacity_trucks_per_day has sizes")
    if not isinstance(sizes, list) or len(sizes) < 2:
        raise bad("sizes", "a list of two or more sizes (trucks/day)")
    out, seen = [], set()
    for j, v in enumerate(sizes):
        cost = ev.cost_usd_per_day
        if isinstance(v, dict) and set(v) <= {"trucks_per_day", "cost_usd_per_day"}:
            v, cost = v.get("trucks_per_day"), v.get("cost_usd_per_day", cost)
            if cost is not None and (isinstance(cost, bool) or not isinstance(
                    cost, (int, float)) or not 0 <= cost <= 1e9):
                raise bad(f"sizes[{j}].cost_usd_per_day", f"a cost in USD/day >= 0, got "
                          f"{cost!r}")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 1e5:
            raise bad(f"sizes[{j}]", f"a size is a number of trucks/day > 0 (or a mapping "
                      f"with trucks_per_day and cost_usd_per_day), got {v!r}")
        if v in seen:
            raise bad(f"sizes[{j}]", f"size {v:g} is given twice")
        seen.add(v)
        out.append((f"{name}@{v:g}", ev.model_copy(update={
            "extra_capacity_trucks_per_day": float(v),
            "cost_usd_per_day": None if cost is None else float(cost)}), name))
    return out
