"""A scenario against a dataset: the ids it may name and everything in it that does not fit.

:class:`Catalog` lists the crossings, products and origins of checked input tables;
:func:`scenario_problems` returns every unknown id (with the closest known one as a hint) and
every event outside the horizon, each with its location in the scenario's YAML so that
:mod:`borderflow.data.scenario_files` can name the file's line.
"""

from __future__ import annotations

import calendar
import difflib
from dataclasses import dataclass, field, replace

from .scenario import BuildEvent, CapacityEvent, CloseEvent, Scenario, SupplyEvent, Window
from .schemas import AVAILABLE_STATUSES


@dataclass(frozen=True)
class Catalog:
    """The ids a scenario may name: crossings (id -> status), products, supply origins and
    closure groups (name -> crossing ids: :mod:`borderflow.data.closure_groups`)."""

    crossings: dict
    products: tuple[str, ...]
    origins: tuple[str, ...]
    groups: dict = field(default_factory=dict)

    @classmethod
    def of(cls, tables) -> "Catalog":
        """The catalog of checked input tables (:class:`borderflow.data.loaders.InputTables`),
        with the dataset's built-in closure groups."""
        from .closure_groups import builtin_groups

        cr = tables.crossings
        return cls(crossings=dict(zip(cr["crossing_id"], cr["status"])),
                   products=tuple(tables.products["product_id"]),
                   origins=tuple(sorted(tables.supply["node_id"].unique())),
                   groups=builtin_groups(tables))

    def with_groups(self, groups: dict) -> "Catalog":
        """A copy that also knows the user-defined ``groups`` (name -> crossing ids)."""
        if not groups:
            return self
        return replace(self, groups={**self.groups, **{k: tuple(v) for k, v in groups.items()}})

    def open_crossings(self) -> list[str]:
        """Crossings available in the dataset's normal state (open, upgraded, restricted)."""
        return [c for c, status in self.crossings.items() if status in AVAILABLE_STATUSES]


def unknown_id(loc: tuple, kind: str, name: str, known) -> tuple | None:
    """``(loc, kind, message)`` if ``name`` is not in ``known`` (with the closest id as a hint),
    else ``None``."""
    if name in known:
        return None
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (loc, kind, f"unknown {kind} '{name}'{hint}")


def event_window(ev) -> Window:
    """The date window an event is in force (a closure's ``close``, else its from/to)."""
    return ev.close if isinstance(ev, CloseEvent) else ev.window


def scenario_problems(scenario: Scenario, catalog: Catalog) -> list[tuple[tuple, str, str]]:
    """Everything in ``scenario`` that does not fit the dataset or the horizon.

    Unknown crossing, product or origin ids (with the closest known id as a hint), events
    whose dates all lie outside the horizon (for a static run: outside the days its
    representative day stands for; a dated run keeps a ``context`` closure with no ``from``
    that ends before its horizon: the crossing opened before the horizon, and its opening's
    ramp may still hold, :mod:`borderflow.model.opening_ramp`), initial queues without a
    dated horizon.

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
        elif isinstance(ev, CloseEvent) and ev.crossing in catalog.groups:
            continue  # a closure group: expanded into its crossings (expand_groups)
        elif ev.crossing in catalog.groups:
            found.append((("events", k, "crossing"), "crossing", f"'{ev.crossing}' is a "
                          "closure group: only close events take a group (list its crossings)"))
        else:
            found.append(unknown_id(("events", k, "crossing"), "crossing", ev.crossing,
                                    catalog.crossings))
    for k, ev in enumerate(scenario.events):  # the origins a slot quota or a hold names
        spec = ("slot_quota", getattr(ev, "slot_quota", None)) if hasattr(ev, "slot_quota") \
            else ("hold_dispatch", getattr(ev, "hold_dispatch", None))
        for i, origin in enumerate(getattr(spec[1], "origins", ()) or ()):
            found.append(unknown_id(("events", k, spec[0], "origins", i), "origin", origin,
                                    catalog.origins))
    for k, ev in enumerate(scenario.events):  # the products a licence names
        for i, product in enumerate(getattr(getattr(ev, "license", None), "products", ())):
            found.append(unknown_id(("events", k, "license", "products", i), "product",
                                    product, catalog.products))
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
        window = event_window(ev)
        if horizon.dates is not None and isinstance(ev, CloseEvent) and ev.context \
                and window.start is None:
            continue  # "not open until": before the horizon, its opening's ramp (opening_ramp)
        late = window.start is not None and window.start > days[-1]
        if late or (window.end is not None and window.end < days[0]):
            key = "from" if late else "to"
            loc = ("events", k, "close", key) if isinstance(ev, CloseEvent) else ("events", k,
                                                                                 key)
            shown = ev.model_dump(mode="json", by_alias=True, exclude_defaults=True)
            found.append((loc, key, f"event {shown} lies outside {span}"))
    return [p for p in found if p is not None]

def expand_groups(scenario: Scenario, groups: dict) -> Scenario:
    """``scenario`` with every close event that names a closure group replaced by one close
    event per member crossing (same window and direction), in place of the group's event."""
    if not groups or not any(isinstance(ev, CloseEvent) and ev.crossing in groups
                             for ev in scenario.events):
        return scenario
    events = []
    for ev in scenario.events:
        if isinstance(ev, CloseEvent) and ev.crossing in groups:
            events += [ev.model_copy(update={"crossing": c}) for c in groups[ev.crossing]]
        else:
            events.append(ev)
    return scenario.model_copy(update={"events": tuple(events)})


def _capacity_target(ev) -> tuple[str, tuple[str, ...]] | None:
    """The crossing and directions whose capacity an event sets (closures and throttles)."""
    if not isinstance(ev, (CloseEvent, CapacityEvent)):
        return None
    dirs = ("a_to_b", "b_to_a") if ev.direction == "both" else (ev.direction,)
    return ev.crossing, dirs


def overlapping_events(scenario: Scenario) -> list[tuple[int, int, str]]:
    """Closures and throttles that set the same crossing's capacity on the same days.

    The model applies events in order, so the later one wins on the shared days: legitimate
    (a throttle inside a longer closure), but easy to write by mistake, so it is told.

    Returns
    -------
    list of (first event index, later event index, message)
    """
    horizon = scenario.horizon
    days = horizon.dates or horizon.representative_days()
    found = []
    events = list(scenario.events)
    for i, a in enumerate(events):
        ta = _capacity_target(a)
        for j in range(i + 1, len(events)):
            tb = _capacity_target(events[j])
            if ta is None or tb is None or ta[0] != tb[0] or not set(ta[1]) & set(tb[1]):
                continue
            wa, wb = event_window(a), event_window(events[j])
            shared = [d for d in days if wa.covers(d) and wb.covers(d)]
            if not shared:
                continue
            span = str(shared[0]) if len(shared) == 1 else f"{shared[0]} to {shared[-1]}"
            if horizon.dates is None:
                span += " (days the static run stands for)"
            found.append((i, j, f"events[{i}] and events[{j}] both set the capacity of "
                          f"{ta[0]} on {span}: events[{j}] applies on those days (the later "
                          "event wins)"))
    return found
