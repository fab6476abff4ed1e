"""Validated tables + scenario -> :class:`FreightNetwork` (networkx graph, GeoDataFrames,
calendars).

The network holds everything the model needs, per period:

- ``graph``: ``nx.MultiDiGraph`` over node ids; one edge per *arc* (a link direction or a
  crossing direction) keyed by ``arc_id``;
- ``arcs``: one row per arc with length_km, travel_h, cost_usd_per_truck (running cost + toll,
  or fee + transit fee: the generalized cost's money part, :mod:`borderflow.model.costs`),
  toll_usd_per_truck, kind (link|crossing);
- ``capacity``: crossing capacity in trucks/day per crossing, direction and period, after the
  scenario's closures, throttles and builds;
- ``supply`` (t/day per origin, product, period) and ``demand`` (t/day, price USD/t per market,
  product, period).

A static run has one period: a representative day of a month or of the year. Its capacity and
supply are the means over the days it stands for, so a 10-day closure in a 30-day month leaves
two thirds of the capacity; a closure without dates leaves none.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, replace

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely import wkt
from shapely.geometry import LineString, Point

from borderflow.data.cost_terms import cost_index
from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import InputTables
from borderflow.data.parameters import ModelParameters
from borderflow.data.scenario import (BuildEvent, CapacityEvent, CloseEvent,
                                      ExtraCapacityEvent, OpenEvent, PriorityEvent,
                                      Scenario, SupplyEvent)
from borderflow.data.scenario_checks import Catalog, scenario_problems
from borderflow.data.schemas import AVAILABLE_STATUSES

from .costs import crossing_fees, link_costs, product_vot
from .opening_ramp import with_opening_ramps
from .ramp import apply_ramps

DIRECTIONS = ("a_to_b", "b_to_a")
#: days of travel to a gate the run-out tail of a dated horizon allows for
TAIL_TRAVEL_DAYS = 7


@dataclass
class FreightNetwork:
    """Everything the model reads, built from validated tables and a scenario (never mutated)."""

    tables: InputTables
    scenario: Scenario
    periods: pd.DataFrame
    graph: nx.MultiDiGraph
    arcs: pd.DataFrame
    nodes: gpd.GeoDataFrame
    crossings: gpd.GeoDataFrame
    links: gpd.GeoDataFrame
    products: pd.DataFrame
    supply: pd.DataFrame
    demand: pd.DataFrame
    capacity: pd.DataFrame
    priority: pd.DataFrame
    parameters: ModelParameters

    @property
    def max_wait_days(self) -> int:
        """Longest wait in a gate queue, days (``queue_max_wait_days``)."""
        return self.parameters.queue_max_wait_days

    @property
    def period_ids(self) -> list[int]:
        """Period indices 0..T-1 (a dated horizon's run-out tail included)."""
        return self.periods["period"].tolist()

    @property
    def dated(self) -> bool:
        """True for a day-by-day horizon (queues, spoilage over time)."""
        return self.scenario.horizon.start is not None

    @property
    def supply_periods(self) -> list[int]:
        """Periods in the horizon proper (supply arrives only on these)."""
        return self.periods.loc[self.periods["in_horizon"], "period"].tolist()


def _period_days(scenario: Scenario, tail_days: int) -> tuple[pd.DataFrame,
                                                                list[list[dt.date]]]:
    """Periods and, for each, the calendar days it stands for.

    A dated horizon gets ``tail_days`` run-out days after its end: no new supply, the calendar
    goes on, so trucks dispatched late in the horizon still queue, cross or spoil in the model
    (no end-of-horizon artefact of free deliveries or vanishing queues).
    """
    dates = scenario.horizon.dates
    if dates is None:
        days = scenario.horizon.representative_days()
        label = (calendar.month_abbr[scenario.horizon.month] if scenario.horizon.month
                 else "annual-average")
        periods = pd.DataFrame({"period": [0], "date": [pd.NaT], "days": [len(days)],
                                "label": [f"representative day ({label})"],
                                "in_horizon": [True]})
        return periods, [days]
    tail = [dates[-1] + dt.timedelta(days=k + 1) for k in range(tail_days)]
    every = dates + tail
    periods = pd.DataFrame({"period": range(len(every)), "date": pd.to_datetime(every),
                            "days": 1, "label": [d.isoformat() for d in every],
                            "in_horizon": [True] * len(dates) + [False] * len(tail)})
    return periods, [[d] for d in every]


def _check_event_refs(tables: InputTables, scenario: Scenario) -> None:
    """Raise :class:`InputError` listing every id the scenario names that the dataset lacks and
    every event outside its horizon (:func:`borderflow.data.scenario_checks.scenario_problems`)."""
    problems = scenario_problems(scenario, Catalog.of(tables))
    if problems:
        raise InputError([Problem(f"scenario '{scenario.name}'", None, _yaml_path(loc), message)
                          for loc, _, message in problems])


def _yaml_path(loc: tuple) -> str:
    """``("events", 2, "crossing")`` -> ``events[2].crossing`` (where in the scenario)."""
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc).lstrip(".")


def _capacity_calendar(tables: InputTables, scenario: Scenario,
                       period_days: list[list[dt.date]]) -> pd.DataFrame:
    """Daily crossing capacity after events, averaged over each period's days: closures,
    throttles, builds and openings set it in the order given; extra capacity (a response
    lever) is then added on the days a crossing has capacity."""
    cr = tables.crossings
    all_days = sorted({d for days in period_days for d in days})
    day_index = {d: k for k, d in enumerate(all_days)}
    n_days = len(all_days)
    cap = {}
    for row in cr.itertuples(index=False):
        on = 1.0 if row.status in AVAILABLE_STATUSES else 0.0
        for direction in DIRECTIONS:
            cap[(row.crossing_id, direction)] = np.full(
                n_days, on * float(getattr(row, f"capacity_{direction}_trucks_per_day")))
    nominal = {(r.crossing_id, d): float(getattr(r, f"capacity_{d}_trucks_per_day"))
               for r in cr.itertuples(index=False) for d in DIRECTIONS}
    extra = [ev for ev in scenario.events if isinstance(ev, ExtraCapacityEvent)]
    for ev in scenario.events:
        if not isinstance(ev, (CloseEvent, CapacityEvent, BuildEvent, OpenEvent)):
            continue  # supply, priority, ramps and extra capacity (below), quotas, holds
        if isinstance(ev, OpenEvent):
            crossing, window, dirs = ev.crossing, ev.window, ev.direction
            value = ev.open.capacity_trucks_per_day
        elif isinstance(ev, CloseEvent):
            crossing, window, dirs, value = ev.crossing, ev.close, ev.direction, 0.0
        elif isinstance(ev, CapacityEvent):
            crossing, window, dirs = ev.crossing, ev.window, ev.direction
            value = ev.capacity_trucks_per_day
        else:
            assert isinstance(ev, BuildEvent)
            crossing, window, dirs, value = ev.build, ev.window, "both", ev.capacity_trucks_per_day
        mask = np.array([window.covers(d) for d in all_days], dtype=bool)
        for direction in (DIRECTIONS if dirs == "both" else (dirs,)):
            v = nominal[(crossing, direction)] if value is None else value
            cap[(crossing, direction)][mask] = v
    apply_ramps(cap, scenario, all_days)
    for ev in extra:  # overtime or extra lanes: added to the day's capacity, if it has any
        mask = np.array([ev.window.covers(d) for d in all_days], dtype=bool)
        for direction in (DIRECTIONS if ev.direction == "both" else (ev.direction,)):
            daily = cap[(ev.crossing, direction)]
            daily[mask & (daily > 0)] += ev.extra_capacity_trucks_per_day
    if all(len(days) == 1 for days in period_days):  # dated: a day's mean is its value
        idx = np.array([day_index[days[0]] for days in period_days], dtype=np.int64)
        keys = list(cap)
        out = pd.DataFrame({
            "crossing_id": np.repeat([k[0] for k in keys], len(idx)),
            "direction": np.repeat([k[1] for k in keys], len(idx)),
            "period": np.tile(np.arange(len(idx)), len(keys)),
            "capacity_trucks_per_day": np.concatenate([cap[k][idx] for k in keys])
            if keys else np.zeros(0)})
    else:
        rows = []
        for (crossing, direction), daily in cap.items():
            for period, days in enumerate(period_days):
                idx = [day_index[d] for d in days]
                rows.append((crossing, direction, period, float(daily[idx].mean())))
        out = pd.DataFrame(rows, columns=["crossing_id", "direction", "period",
                                          "capacity_trucks_per_day"])
    return out.sort_values(["crossing_id", "direction", "period"], kind="stable",
                           ignore_index=True)


def _supply_calendar(tables: InputTables, scenario: Scenario,
                     period_days: list[list[dt.date]]) -> pd.DataFrame:
    """Supply in t/day per origin, product and horizon period (seasonality, supply events)."""
    country = dict(zip(tables.nodes["node_id"], tables.nodes["country"]))
    share = {(r.product_id, r.country, int(r.month)): float(r.share)
             for r in tables.seasonality.itertuples(index=False)}
    rows = []
    for r in tables.supply.itertuples(index=False):
        c = country[r.node_id]
        for period, days in enumerate(period_days):
            daily = []
            for d in days:
                base = r.supply_t_per_year * share.get((r.product_id, c, d.month), 1 / 12)
                base /= calendar.monthrange(d.year, d.month)[1]
                for ev in scenario.events:
                    if (isinstance(ev, SupplyEvent) and ev.supply.product == r.product_id
                            and ev.supply.origin in (None, r.node_id) and ev.window.covers(d)):
                        base *= ev.supply.factor
                daily.append(base)
            rows.append((r.node_id, r.product_id, period, float(np.mean(daily))))
    return pd.DataFrame(rows, columns=["origin", "product_id", "period", "supply_t"])


def _priority_calendar(tables: InputTables, scenario: Scenario,
                       period_days: list[list[dt.date]]) -> pd.DataFrame:
    """Share of capacity reserved for perishables per crossing, direction and period."""
    rows = []
    for ev in scenario.events:
        if not isinstance(ev, PriorityEvent):
            continue
        for direction in (DIRECTIONS if ev.direction == "both" else (ev.direction,)):
            for period, days in enumerate(period_days):
                share = float(np.mean([ev.window.covers(d) for d in days])) * ev.priority.share
                if share > 0:
                    rows.append((ev.crossing, direction, period, share))
    out = pd.DataFrame(rows, columns=["crossing_id", "direction", "period",
                                      "perishable_share"])
    return out.groupby(["crossing_id", "direction", "period"], as_index=False)[
        "perishable_share"].max()


def _demand_calendar(tables: InputTables, periods: pd.DataFrame) -> pd.DataFrame:
    m = tables.markets
    out = m[["node_id", "product_id", "price_usd_per_t", "demand_t_per_year"]].merge(
        periods[["period"]], how="cross")
    out["demand_t"] = out["demand_t_per_year"] / 365.0
    return out.rename(columns={"node_id": "market"})[
        ["market", "product_id", "period", "price_usd_per_t", "demand_t"]]


def _link_cost(par: ModelParameters, tables: InputTables, links: pd.DataFrame
               ) -> tuple[np.ndarray, np.ndarray]:
    """Running cost and toll of each link, USD/truck (:func:`borderflow.model.costs.link_costs`:
    per-km rates with the country and terrain factors of ``cost_terms.csv``)."""
    rates = {m: par.link_rate_usd_per_truck_km(m) for m in links["mode"].unique()}
    rate = links["mode"].map(rates).to_numpy(dtype=float)
    return link_costs(links["cost_usd_per_truck"].to_numpy(dtype=float),
                      links["length_km"].to_numpy(dtype=float), rate, cost_index(tables),
                      _term_values(tables))


def _term_values(tables: InputTables) -> np.ndarray:
    return tables.cost_terms["value"].to_numpy(dtype=float) if len(tables.cost_terms) \
        else np.zeros(0)


def _arcs(tables: InputTables, par: ModelParameters) -> pd.DataFrame:
    """One row per arc: links in each direction they run, crossings both ways. A link arc's
    ``cost_usd_per_truck`` is its running cost plus its toll (``toll_usd_per_truck``, kept apart
    because the reefer factor does not scale it); a crossing arc's is its fee plus the transit
    fee of the country it enters."""
    ln = tables.links.copy()
    running, toll = _link_cost(par, tables, ln)
    fwd = pd.DataFrame({
        "arc_id": ln["link_id"], "kind": "link", "element_id": ln["link_id"],
        "direction": "forward", "from_node": ln["from_node"], "to_node": ln["to_node"],
        "mode": ln["mode"], "length_km": ln["length_km"], "travel_h": ln["travel_h"],
        "cost_usd_per_truck": running + toll, "toll_usd_per_truck": toll})
    back = fwd[ln["bidirectional"].to_numpy()].copy()
    back["arc_id"] = back["arc_id"] + ":r"
    back["direction"] = "reverse"
    back[["from_node", "to_node"]] = back[["to_node", "from_node"]].to_numpy()
    cr = tables.crossings
    index, terms = cost_index(tables), _term_values(tables)
    crossing_arcs = []
    for direction, (src, dst) in (("a_to_b", ("node_a", "node_b")),
                                  ("b_to_a", ("node_b", "node_a"))):
        crossing_arcs.append(pd.DataFrame({
            "arc_id": cr["crossing_id"] + ":" + direction, "kind": "crossing",
            "element_id": cr["crossing_id"], "direction": direction,
            "from_node": cr[src], "to_node": cr[dst], "mode": cr["mode"], "length_km": 0.0,
            "travel_h": cr["dwell_h"],
            "cost_usd_per_truck": crossing_fees(cr["fee_usd_per_truck"], index, terms,
                                                direction),
            "toll_usd_per_truck": 0.0}))
    arcs = pd.concat([fwd, back, *crossing_arcs], ignore_index=True)
    return arcs.sort_values("arc_id", kind="stable", ignore_index=True)


def _geo(tables: InputTables) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    nodes = gpd.GeoDataFrame(tables.nodes.drop(columns=["_row", "_file"], errors="ignore"),
                             geometry=[Point(x, y) for x, y in
                                       zip(tables.nodes["lon"], tables.nodes["lat"])],
                             crs="EPSG:4326")
    xy = dict(zip(tables.nodes["node_id"], zip(tables.nodes["lon"], tables.nodes["lat"])))
    cr = tables.crossings.drop(columns=["_row", "_file"], errors="ignore")
    crossings = gpd.GeoDataFrame(cr, geometry=[Point(x, y) for x, y in zip(cr["lon"], cr["lat"])],
                                 crs="EPSG:4326")
    crossings["geometry_line"] = [LineString([xy[a], (x, y), xy[b]]) for a, b, x, y in
                                  zip(cr["node_a"], cr["node_b"], cr["lon"], cr["lat"])]
    ln = tables.links.drop(columns=["_row", "_file"], errors="ignore")
    links = gpd.GeoDataFrame(ln.drop(columns=["geometry_wkt"]),
                             geometry=[wkt.loads(s) for s in ln["geometry_wkt"]], crs="EPSG:4326")
    return nodes, crossings, links


def _products(tables: InputTables, par: ModelParameters) -> pd.DataFrame:
    p = tables.products.drop(columns=["_row", "_file"], errors="ignore").copy()
    p["shelf_life_h"] = np.where(p["reefer"], p["shelf_life_reefer_days"],
                                 p["shelf_life_ambient_days"]) * 24.0
    p["cost_factor"] = np.where(p["reefer"], par.reefer_cost_factor, 1.0)
    p["penalty_usd_per_t"] = p["value_usd_per_t"] * par.unserved_penalty_factor
    p["vot_usd_per_t_h"] = product_vot(cost_index(tables), _term_values(tables))
    return p.set_index("product_id", drop=False).sort_index()


def build_network(tables: InputTables, scenario: Scenario | None = None) -> FreightNetwork:
    """Build the freight network of a dataset under a scenario.

    Parameters
    ----------
    tables : InputTables
        Tables that passed :func:`borderflow.data.checks.validate_tables`.
    scenario : Scenario, optional
        Closures, throttles, builds and supply changes (default: the baseline, one
        representative day of the annual average).

    Returns
    -------
    FreightNetwork

    Raises
    ------
    InputError
        If the scenario names an unknown crossing, product or origin, or a date outside
        its horizon.
    """
    scenario = with_opening_ramps(tables, scenario or Scenario())
    _check_event_refs(tables, scenario)
    par = ModelParameters.of(tables)
    periods, period_days = _period_days(scenario, par.queue_max_wait_days + TAIL_TRAVEL_DAYS)
    horizon_days = [days for days, keep in zip(period_days, periods["in_horizon"]) if keep]
    arcs = _arcs(tables, par)
    graph = nx.MultiDiGraph()
    for row in tables.nodes.itertuples(index=False):
        graph.add_node(row.node_id, country=row.country, kind=row.kind, lon=row.lon, lat=row.lat)
    for row in arcs.itertuples(index=False):
        graph.add_edge(row.from_node, row.to_node, key=row.arc_id, kind=row.kind,
                       element_id=row.element_id, direction=row.direction,
                       cost_usd_per_truck=row.cost_usd_per_truck, travel_h=row.travel_h,
                       length_km=row.length_km, mode=row.mode)
    nodes, crossings, links = _geo(tables)
    return FreightNetwork(
        tables=tables, scenario=scenario, periods=periods, graph=graph, arcs=arcs, nodes=nodes,
        crossings=crossings, links=links, products=_products(tables, par),
        supply=_supply_calendar(tables, scenario, horizon_days),
        demand=_demand_calendar(tables, periods),
        capacity=_capacity_calendar(tables, scenario, period_days),
        priority=_priority_calendar(tables, scenario, period_days),
        parameters=par,
    )


def capacity_supply(tables: InputTables, scenario: Scenario) -> tuple[pd.DataFrame,
                                                                      pd.DataFrame]:
    """The capacity and supply calendars of :func:`build_network` ``(tables, scenario)``
    (its ``capacity`` and ``supply``, the same frames), without the rest of the network
    (graph, arcs, geometry, products): a fraction of the work, for callers that probe how
    capacities, supplies or seasonality move these calendars. ``scenario``'s references are
    not checked again (build the network once first)."""
    scenario = with_opening_ramps(tables, scenario)
    par = ModelParameters.of(tables)
    periods, period_days = _period_days(scenario, par.queue_max_wait_days + TAIL_TRAVEL_DAYS)
    horizon_days = [days for days, keep in zip(period_days, periods["in_horizon"]) if keep]
    return (_capacity_calendar(tables, scenario, period_days),
            _supply_calendar(tables, scenario, horizon_days))


def with_scenario(net: FreightNetwork, scenario: Scenario) -> FreightNetwork:
    """``net``'s network under another scenario of the same horizon: only the calendars that
    scenarios change (supply, capacity, priority) are rebuilt; graph, geometry, products and
    demand are shared. Same result as :func:`build_network` (another horizon falls back to it).

    Raises
    ------
    InputError
        If the scenario names an unknown id or a date outside its horizon.
    """
    if scenario.horizon != net.scenario.horizon:
        return build_network(net.tables, scenario)
    tables = net.tables
    scenario = with_opening_ramps(tables, scenario)
    _check_event_refs(tables, scenario)
    periods, period_days = _period_days(scenario, net.max_wait_days + TAIL_TRAVEL_DAYS)
    horizon_days = [days for days, keep in zip(period_days, periods["in_horizon"]) if keep]
    same_supply = _supply_events(scenario) == _supply_events(net.scenario)
    return replace(net, scenario=scenario,
                   supply=net.supply if same_supply else _supply_calendar(tables, scenario,
                                                                          horizon_days),
                   capacity=_capacity_calendar(tables, scenario, period_days),
                   priority=_priority_calendar(tables, scenario, period_days))


def _supply_events(scenario: Scenario) -> list:
    """The events that change supply (the supply calendar depends on nothing else but the
    horizon)."""
    return [ev for ev in scenario.events if isinstance(ev, SupplyEvent)]
