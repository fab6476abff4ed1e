"""Solved model -> tidy result tables (pandas), named columns with units, inputs untouched.

Tables (one row per ...):

- ``route_flows``: route, product, period with flow (t/day, trucks/day), cost, revenue, duration;
- ``flows``: arc (link direction or crossing direction), product, period;
- ``crossings``: crossing, direction, period, with flow, capacity, utilisation and the dual
  value of capacity (USD per extra truck/day: minus the row's dual, >= 0 up to solver noise,
  not clipped);
- ``unserved``: origin, product, period: supply, shipped, unserved and spoiled tonnes;
- ``products``: product totals;
- ``route_arcs``: the arcs of every route that carries cargo, in order, with their end nodes,
  travel hours and hours from dispatch (what an independent check needs to follow a route);
- ``market_duals``: market, product, period of each capped market the model has, with its
  demand (t) and the dual of its demand row (USD/t, >= 0 up to solver noise: not clipped);
- ``share_duals``: rule, side (low/high) and period of each destination-share row the model
  has, with its band end and its dual (USD/t, HiGHS's sign: >= 0 low, <= 0 high);
- ``entry_duals`` (runs with slot quotas, dispatch holds or licence events only): each
  gate-entry row the model has (:mod:`borderflow.model.levers`) with its limit under the run's
  scenario and its dual (USD per truck/day, ``>= 0`` up to solver noise: not clipped); rows
  relaxed in this scenario (limit ``inf``) are left out when their dual is 0;
- dated runs: ``queues`` (per gate, direction, day), ``backlog``, ``spoilage``, and per stream
  (route, product) and day ``stream_queues`` (arrivals, initial queue, departures, expired,
  stock in tonnes) and ``initial_queues`` (how the scenario's waiting trucks were split over
  the streams they may belong to, with the dual of each entry's total, USD/truck, HiGHS's
  sign).

Amounts are per period: t/day for each day of a dated horizon, or for the representative day of a
static run. Summary totals add periods up (tonnes over the horizon, or per representative day).
The dated runs' queue tables (``queues``, ``backlog``, ``stream_queues``, ``initial_queues``)
are read by :mod:`borderflow.model.queue_results`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .column_generation import Routing
from .class_fifo import class_fifo
from .congestion import congestion_table, delay_cost_usd
from .fifo import repair_fifo, stream_arrays
from .formulation import BuiltModel, left_value_usd_per_t
from .streams import pair_view
from .levers import entry_bounds, entry_duals
from .network import DIRECTIONS, FreightNetwork
from .queue_results import (FLOW_TOL_T, queue_tables as _queue_tables,
                            stream_days as _stream_days, stream_tables as _stream_tables,
                            row_duals as _duals, solved_values as _values)
from .origin_stock import STOCK_SENTENCE, stock_duals, stock_table
from .origin_stock import objective_terms as stock_objective_terms
from .routes import RouteSet, summary_stats
from .scenario_columns import appended_rows, objective_with
from .summary import UNITS, RunSummary
from . import flow_tables, result_memo


@dataclass
class ResultTables:
    """The tidy result tables of one solved scenario, and its summary (``summary``: the dict
    of a :class:`~borderflow.model.summary.RunSummary`, as ``summary.json`` holds it)."""

    summary: dict
    route_flows: pd.DataFrame
    flows: pd.DataFrame
    crossings: pd.DataFrame
    unserved: pd.DataFrame
    products: pd.DataFrame
    queues: pd.DataFrame
    backlog: pd.DataFrame
    spoilage: pd.DataFrame
    route_arcs: pd.DataFrame = field(default_factory=pd.DataFrame)
    stream_queues: pd.DataFrame = field(default_factory=pd.DataFrame)
    initial_queues: pd.DataFrame = field(default_factory=pd.DataFrame)
    market_duals: pd.DataFrame = field(default_factory=pd.DataFrame)
    share_duals: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: dated runs with a dispatch hold only (:func:`borderflow.model.origin_stock.stock_table`)
    origin_stock: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: runs with gate-entry rows only (:func:`_entry_duals`)
    entry_duals: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: dated runs with stock rows only (:func:`borderflow.model.origin_stock.stock_duals`)
    stock_duals: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: realistic runs with drivers who keep coming only (:func:`borderflow.dispatch.
    #: keep_coming_table`): the floors on the route flows toward a closed or throttled gate
    keep_coming: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: realistic runs only: transit route-days not dispatched (:mod:`borderflow.unwarned`)
    unwarned_transit: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: static runs with congestion tiers only (:func:`borderflow.model.congestion.
    #: congestion_table`)
    congestion: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: dated sweep scenarios whose last pricing pass skipped searches by a proven bound only
    #: (:mod:`borderflow.model.dated_skip`; re-checked by ``borderflow verify``)
    pricing_bounds: pd.DataFrame = field(default_factory=pd.DataFrame)

    TABLES = ("route_flows", "flows", "crossings", "unserved", "products", "queues", "backlog",
              "spoilage", "route_arcs", "stream_queues", "initial_queues", "market_duals",
              "share_duals")
    #: tables written only when a run has them (older folders and other runs lack them)
    OPTIONAL_TABLES = ("origin_stock", "entry_duals", "stock_duals", "keep_coming",
                       "unwarned_transit", "congestion", "pricing_bounds")

    def tables(self) -> dict[str, pd.DataFrame]:
        """Name -> DataFrame of every result table (``origin_stock`` only in runs that have
        stock at origins, ``keep_coming`` only in realistic runs where drivers keep coming)."""
        out = {name: getattr(self, name) for name in self.TABLES}
        for name in self.OPTIONAL_TABLES:
            if len(getattr(self, name).columns):
                out[name] = getattr(self, name)
        return out


def _spoilage_table(net: FreightNetwork, built: BuiltModel, unserved: pd.DataFrame,
                    stock: pd.DataFrame) -> pd.DataFrame:
    """Spoiled tonnes and value per product and day: at origin (unshipped), in queues and (runs
    with a dispatch hold) in stock at origins (``origin stock``)."""
    at_origin = unserved[unserved["spoiled_t"] > 0].groupby(
        ["product_id", "period"], as_index=False)["spoiled_t"].sum().assign(where="origin")
    parts = [at_origin]
    if built.dated:
        q = built.queues[["q", "product_id", "period", "perishable"]].copy()
        q["spoiled_t"] = _values(built.model.expired, len(q)).clip(min=0.0)
        q = q[q["perishable"].astype(bool) & (q["spoiled_t"] > FLOW_TOL_T)]
        parts.append(q.groupby(["product_id", "period"], as_index=False)["spoiled_t"].sum()
                     .assign(where="queue"))
    if len(stock):
        w = stock[stock["written_off_t"] > FLOW_TOL_T]
        w = w[net.products.loc[w["product_id"], "perishable"].to_numpy(dtype=bool)]
        parts.append(w.groupby(["product_id", "period"], as_index=False)["written_off_t"].sum()
                     .rename(columns={"written_off_t": "spoiled_t"})
                     .assign(where="origin stock"))
    out = pd.concat(parts, ignore_index=True)
    out["spoiled_value_usd"] = out["spoiled_t"] * net.products.loc[
        out["product_id"], "penalty_usd_per_t"].to_numpy()
    out = out.merge(net.periods[["period", "label"]].rename(columns={"label": "date"}),
                    on="period", how="left")
    return out[["product_id", "period", "date", "where", "spoiled_t", "spoiled_value_usd"]] \
        .sort_values(["product_id", "period", "where"], kind="stable", ignore_index=True)


def _crossing_table(net: FreightNetwork, built: BuiltModel,
                    arc_flows: pd.DataFrame, added=None) -> pd.DataFrame:
    cap = net.capacity.copy()
    used = arc_flows[arc_flows["kind"] == "crossing"].groupby(
        ["element_id", "direction", "period"], as_index=False)[["flow_t", "trucks_per_day"]].sum()
    used = used.rename(columns={"element_id": "crossing_id", "trucks_per_day": "flow_trucks"})
    out = cap.merge(used, on=["crossing_id", "direction", "period"], how="left")
    out[["flow_t", "flow_trucks"]] = out[["flow_t", "flow_trucks"]].fillna(0.0)
    rows = built.capacity_rows
    m = built.model
    duals = _duals(m, m.crossing_capacity, len(rows)) if len(rows) else np.zeros(0)
    dual = rows[["crossing_id", "direction", "period"]].assign(
        dual_usd_per_truck=-duals + 0.0)
    dual = appended_rows(dual, added, "crossing_capacity", "dual_usd_per_truck")
    out = out.merge(dual, on=["crossing_id", "direction", "period"], how="left")
    # minus HiGHS's row dual, not clipped (the certificate checks the sign on raw values)
    out["dual_usd_per_truck"] = out["dual_usd_per_truck"].fillna(0.0) + 0.0
    prio = built.priority_rows[["crossing_id", "direction", "period"]].assign(
        priority_dual_usd_per_truck=-_duals(m, m.priority_share, len(built.priority_rows)) + 0.0)
    prio = appended_rows(prio, added, "priority_share", "priority_dual_usd_per_truck")
    out = out.merge(prio, on=["crossing_id", "direction", "period"], how="left")
    out["priority_dual_usd_per_truck"] = out["priority_dual_usd_per_truck"].fillna(0.0) + 0.0
    cap_v = out["capacity_trucks_per_day"].to_numpy()
    out["utilisation"] = np.divide(out["flow_trucks"].to_numpy(), cap_v,
                                   out=np.zeros(len(out)), where=cap_v > 0)
    meta = net.tables.crossings[["crossing_id", "name", "country_a", "country_b", "mode", "status"]]
    out = out.merge(meta, on="crossing_id", how="left")
    a_to_b = out["direction"] == DIRECTIONS[0]
    out["from_country"] = np.where(a_to_b, out["country_a"], out["country_b"])
    out["to_country"] = np.where(a_to_b, out["country_b"], out["country_a"])
    out["available"] = out["capacity_trucks_per_day"] > 0
    cols = ["crossing_id", "name", "direction", "from_country", "to_country", "mode", "status",
            "period", "available", "capacity_trucks_per_day", "flow_trucks", "flow_t",
            "utilisation", "dual_usd_per_truck", "priority_dual_usd_per_truck"]
    return out[cols].sort_values(["crossing_id", "direction", "period"], kind="stable",
                                 ignore_index=True)


def _unserved_table(built: BuiltModel, route_flows: pd.DataFrame) -> pd.DataFrame:
    u = built.unserved.copy()
    u["unserved_t"] = _values(built.model.unserved, len(u)).clip(min=0.0)
    u["dual_usd_per_t"] = _duals(built.model, built.model.supply_balance, len(u)) + 0.0
    shipped = route_flows.groupby(["origin", "product_id", "period"], as_index=False)["flow_t"] \
        .sum().rename(columns={"flow_t": "shipped_t"})
    u = u.merge(shipped, on=["origin", "product_id", "period"], how="left")
    u["shipped_t"] = u["shipped_t"].fillna(0.0)
    u["spoiled_t"] = np.where(u["perishable"], u["unserved_t"], 0.0)
    u["lost_value_usd"] = u["unserved_t"] * u["penalty_usd_per_t"]
    cols = ["origin", "product_id", "period", "supply_t", "shipped_t", "unserved_t", "spoiled_t",
            "lost_value_usd", "dual_usd_per_t"]
    return u[cols].sort_values(["origin", "product_id", "period"], kind="stable",
                               ignore_index=True)


def _product_table(unserved: pd.DataFrame, route_flows: pd.DataFrame, spoilage: pd.DataFrame,
                   built: BuiltModel, stock: pd.DataFrame) -> pd.DataFrame:
    p = unserved.groupby("product_id", as_index=False)[
        ["supply_t", "shipped_t", "unserved_t", "lost_value_usd"]].sum()
    spoiled = spoilage.groupby("product_id")["spoiled_t"].sum()
    p["spoiled_t"] = p["product_id"].map(spoiled).fillna(0.0).to_numpy()
    if built.dated:
        q = built.queues[["product_id", "penalty_usd_per_t"]].copy()
        q["expired_t"] = _values(built.model.expired, len(q)).clip(min=0.0)
        q["value"] = q["expired_t"] * q["penalty_usd_per_t"]
        lost = q.groupby("product_id")["value"].sum()
        p["lost_value_usd"] += p["product_id"].map(lost).fillna(0.0).to_numpy()
    if len(stock):  # written off at origins under a hold
        pen = built.stock.cells.groupby("product_id")["penalty_usd_per_t"].first()
        off = (stock["written_off_t"] * pen.reindex(stock["product_id"]).to_numpy()).groupby(
            stock["product_id"]).sum()
        p["lost_value_usd"] += p["product_id"].map(off).fillna(0.0).to_numpy()
    money = route_flows.groupby("product_id", as_index=False)[
        ["trucks_per_day", "cost_usd", "revenue_usd"]].sum().rename(
        columns={"trucks_per_day": "trucks", "cost_usd": "transport_cost_usd"})
    p = p.merge(money, on="product_id", how="left").fillna(
        {"trucks": 0.0, "transport_cost_usd": 0.0, "revenue_usd": 0.0})
    return p.sort_values("product_id", kind="stable", ignore_index=True)


MARKET_DUAL_COLUMNS = ["market", "product_id", "period", "demand_t", "dual_usd_per_t"]


def _market_duals(built: BuiltModel, added=None) -> pd.DataFrame:
    """Each capped market's demand row (market, product, period), its demand (t) and dual
    (USD/t, >= 0: what one more tonne of demand would save)."""
    rows = built.demand_rows
    out = rows[["market", "product_id", "period", "demand_t"]].copy()
    m = built.model
    out["dual_usd_per_t"] = -_duals(m, m.market_demand, len(rows)) + 0.0
    out = appended_rows(out, added, "market_demand", "dual_usd_per_t", "demand_t")
    return out[MARKET_DUAL_COLUMNS].sort_values(["market", "product_id", "period"],
                                                kind="stable", ignore_index=True)


def _left_in_queue(built: BuiltModel) -> float:
    """Tonnes waiting at the end of the last modelled day (t)."""
    q = built.queues
    last = np.flatnonzero(q["period"].to_numpy() == built.index.n_periods - 1)
    return float(_values(built.model.queue, len(q))[last].clip(min=0.0).sum())


SHARE_DUAL_COLUMNS = ["rule_id", "side", "period", "share", "dual_usd_per_t"]


def _share_duals(built: BuiltModel) -> pd.DataFrame:
    """Each destination-share row the model has (rule, side ``low``/``high``), its band end
    and its dual as HiGHS gives it (USD per tonne of the row's activity, minimisation: the
    change of the objective if the row's right-hand side 0 rose by one tonne; ``>= 0`` on a
    low side, ``<= 0`` on a high side, 0 when the share is inside its band); ``period``: 0
    in a static run, the dispatch day of the row in a dated run."""
    rows = built.share_rows
    out = rows[["rule_id", "side", "share", "period"]].copy()
    m = built.model
    out["dual_usd_per_t"] = _duals(m, m.destination_share, len(rows)) + 0.0
    return out[SHARE_DUAL_COLUMNS].sort_values(["rule_id", "side", "period"], kind="stable",
                                               ignore_index=True)


ENTRY_DUAL_COLUMNS = ["kind", "key", "crossing_id", "direction", "period", "origins",
                      "products", "limit_trucks_per_day", "dual_usd_per_truck"]


def _entry_duals(built: BuiltModel, net: FreightNetwork,
                 duals: np.ndarray | None = None) -> pd.DataFrame:
    """Each gate-entry row (slot quota, dispatch hold, licence) with its limit under ``net``'s
    scenario (trucks/day; another scenario re-solved on the same model may have relaxed it to
    ``inf``) and its dual (USD per truck/day, minus HiGHS's: ``>= 0``, not clipped); origins and
    products joined by ``;`` (empty: any). ``duals``: HiGHS's row duals of ``gate_entry_limit``
    when the model's own dual suffix does not hold them (a robust plan reads its session's).
    Rows with an infinite limit and a zero dual are left
    out (they stand for an event this scenario does not have). Empty (no columns) when the model
    has no such rows."""
    rows = built.entry_rows
    if rows is None or rows.empty or not hasattr(built.model, "gate_entry_limit"):
        return pd.DataFrame()
    if duals is None:
        duals = _duals(built.model, built.model.gate_entry_limit, len(rows))
    out = entry_duals(rows, duals)
    out["limit_trucks_per_day"] = entry_bounds(rows, net)
    out["origins"] = [";".join(o) for o in out["origins"]]
    out["products"] = [";".join(p) for p in out["products"]]
    keep = np.isfinite(out["limit_trucks_per_day"].to_numpy()) | \
        (out["dual_usd_per_truck"].to_numpy() != 0.0)
    return out.loc[keep, ENTRY_DUAL_COLUMNS].sort_values(
        ["kind", "key", "crossing_id", "direction", "period"], kind="stable", ignore_index=True)


def _priced(var, usd_per_unit) -> float:
    """``sum(price * value)`` over an indexed variable, in index order (USD)."""
    return float(_values(var, len(var)) @ np.asarray(usd_per_unit, dtype=float))


def extract_results(net: FreightNetwork, routes: RouteSet, built: BuiltModel,
                    solve_summary: dict, routing: Routing | None = None,
                    added=None, reuse: bool = False) -> ResultTables:
    """Read the solved model into tidy tables and a summary.

    Parameters
    ----------
    net, routes, built
        The network, route set and built model that were solved.
    solve_summary : dict
        The solver's summary (:meth:`SolveSummary.as_dict`); must be optimal.
    routing : Routing, optional
        How optimality over the routes was established
        (:func:`borderflow.pipeline.generate_columns`); without it the run is ``restricted``
        to the routes in the model, with no gap bound.
    added : AddedColumns, optional
        A static sweep scenario's own columns and rows in the kept HiGHS model
        (:mod:`borderflow.model.scenario_columns`): their values and duals are read from
        HiGHS (``routes`` must include their routes).
    reuse : bool
        A sweep scenario read from its kept model (not rebuilt): the tables whose inputs are
        bit for bit those of the model's first reading (most of a closure's class-FIFO
        replay, often its arc flows, route arcs, queue split and queue, supply and dual
        tables; the crossings table but for the scenario's capacity) are taken from that
        reading, the same bytes (:mod:`borderflow.model.replay_memo`,
        :mod:`borderflow.model.table_memo`, :mod:`borderflow.model.result_memo`).

    Returns
    -------
    ResultTables
    """
    # the queues' arrays, read once: the FIFO repair's, and the class replay's unless the
    # repair changed the values they are read from
    arrays = stream_arrays(built) if built.dated and not built.queues.empty else None
    fifo = repair_fifo(built, arrays)  # before any table reads the queues
    plan_usd, read = objective_with(built.model, added, built.flows), built
    lanes = class_fifo(built, plan_usd, fifo.lp_objective_usd if fifo is not None else None,
                       show=bool(solve_summary.get("show_class_fifo", False)), keep=reuse,
                       arrays=arrays if fifo is None else None)
    built, split = pair_view(net, built, keep=reuse)  # aggregated: queues split per pair
    # a per-pair view's objective is the aggregated model's (the same component and values)
    same_model = built is read or (split is not None and added is None)
    objective = plan_usd if same_model and not (lanes and lanes.changed) else \
        objective_with(built.model, added, built.flows)  # class replay set values, or a view
    route_flows = flow_tables.route_flows(built, routes, added, reuse)
    flows = flow_tables.arc_flows(net, route_flows, routes, built, reuse)
    # a sweep scenario's tables whose inputs are its kept model's first reading's
    kept = reuse and added is None and built.stock is None
    owner = routes.route_arcs
    crossings = result_memo.crossing_table(owner, net, built, routes, lambda: _crossing_table(
        net, built, flows, added)) if kept else _crossing_table(net, built, flows, added)

    def queue_tables() -> tuple:
        days = _stream_days(net, built) if built.dated else None
        return (*_queue_tables(net, built, days), *_stream_tables(net, built, days))
    queues, backlog, stream_queues, initial_queues = result_memo.queue_tables(
        owner, net, built, queue_tables) if kept and built.dated else queue_tables()
    m = built.model
    stock = stock_table(net, m, built.stock) if built.stock is not None else pd.DataFrame()

    def supply_tables() -> tuple:
        unserved = _unserved_table(built, route_flows)
        spoilage = _spoilage_table(net, built, unserved, stock)
        return unserved, spoilage, _product_table(unserved, route_flows, spoilage, built, stock)
    unserved, spoilage, products = result_memo.supply_tables(
        owner, net, built, routes, supply_tables) if kept else supply_tables()

    def dual_tables() -> tuple:
        return _market_duals(built, added), _share_duals(built)
    market_duals, share_duals = result_memo.dual_tables(owner, built, dual_tables) \
        if kept else dual_tables()
    congestion = congestion_table(built)
    if routing is None:
        routing = Routing(method="route enumeration", reason="routes enumerated, not priced",
                          route_products=len(routes.eligible))
    summary = RunSummary(
        scenario=net.scenario.name,
        status=solve_summary["status"],
        objective_usd=objective,
        transport_cost_usd=float(route_flows["cost_usd"].sum()),
        revenue_usd=float(route_flows["revenue_usd"].sum()),
        lost_value_usd=_priced(m.unserved, built.unserved["penalty_usd_per_t"])
        + (_priced(m.expired, built.queues["penalty_usd_per_t"])
           + _priced(m.queue, left_value_usd_per_t(built.queues, built.index.n_periods))
           if built.dated else 0.0)
        + (_stock_value(m, built) if built.stock is not None else 0.0),
        waiting_cost_usd=_priced(m.queue, net.parameters.waiting_cost_usd_per_truck_day
                                 / built.queues["payload_t_per_truck"])
        if built.dated else 0.0,
        congestion_cost_usd=delay_cost_usd(congestion) if len(congestion) else None,
        supply_t=float(unserved["supply_t"].sum()),
        shipped_t=float(unserved["shipped_t"].sum()),
        unserved_t=float(unserved["unserved_t"].sum()),
        expired_in_queue_t=float(queues["expired_t"].sum()) if len(queues) else 0.0,
        spoiled_t=float(spoilage["spoiled_t"].sum()),
        trucks=float(route_flows["trucks_per_day"].sum()),
        periods=int(len(net.periods)),
        period_label=str(net.periods["label"].iloc[0]) if len(net.periods) == 1 else
        f"{net.periods['label'].iloc[0]} to {net.periods['label'].iloc[-1]}",
        units=UNITS,
        solver=solve_summary["solver"],
        solve_seconds=solve_summary["solve_seconds"],
        translate_seconds=solve_summary["translate_seconds"],
        iterations=solve_summary["iterations"],
        rolling_windows=int(solve_summary.get("windows", 0)),
        solve_method=str(solve_summary.get("method", "")),
        exact=bool(solve_summary.get("exact", True)) and fifo is None
        and not (lanes is not None and lanes.shown),
        left_in_queue_t=_left_in_queue(built) if built.dated else None,
        fifo_repair=fifo.as_dict() if fifo is not None else None,
        class_fifo=lanes.as_dict() if lanes is not None else None,
        dispatch=str(solve_summary.get("dispatch", "foresight")),
        foresight_objective_usd=solve_summary.get("foresight_objective_usd"),
        foresight_bound_lp=solve_summary.get("foresight_bound_lp") or None,
        value_of_foresight_usd=None if solve_summary.get("foresight_objective_usd") is None
        else objective - solve_summary["foresight_objective_usd"],
        decision_days=solve_summary.get("windows") if solve_summary.get("dispatch") ==
        "realistic" else None,
        decision_dates=[str(net.periods["label"].iloc[d])
                        for d in solve_summary.get("decision_periods", ())] or None,
        plan_iterations=[int(n) for n in solve_summary.get("plan_iterations", ())]
        if solve_summary.get("dispatch") == "realistic" else None,
        plan_solves=list(solve_summary.get("plan_solves", ()))
        if solve_summary.get("dispatch") == "realistic" else None,
        reaction_lag_days=solve_summary.get("reaction_lag_days"),
        reaction_lag_source=solve_summary.get("reaction_lag_source") or None,
        keep_coming_share=solve_summary.get("keep_coming_share"),
        keep_coming_days=solve_summary.get("keep_coming_days"),
        keep_coming_days_by_gate=solve_summary.get("keep_coming_days_by_gate"),
        keep_coming_source=solve_summary.get("keep_coming_source") or None,
        keep_coming_floor_t=solve_summary.get("keep_coming_floor_t"),
        unwarned_transit_route_days=solve_summary.get("unwarned_transit_route_days"),
        unwarned_transit_foresight_t=solve_summary.get("unwarned_transit_foresight_t"),
        variables=solve_summary["variables"], constraints=solve_summary["constraints"],
        routes=summary_stats(net, routes),
        routing=routing.status,
        optimality=routing.sentence(per_day=not net.dated)
        + (f"; {fifo.sentence()}" if fifo is not None else "")
        + (f"; {lanes.sentence()}" if lanes is not None and not lanes.in_order else "")
        + (f"; {STOCK_SENTENCE}" if built.stock is not None else "")
        if solve_summary.get("dispatch") != "realistic" else
        ("not an optimum: a realistic-dispatch policy simulation, each day's plan optimal for "
         "the calendar known that day over the (route, product) pairs in the model"),
        pricing=routing.summary(),
        stream_aggregation=split.as_dict() if split is not None else None,
    ).as_dict()
    return ResultTables(summary=summary, route_flows=route_flows, flows=flows,
                        crossings=crossings, unserved=unserved, products=products, queues=queues,
                        backlog=backlog, spoilage=spoilage,
                        route_arcs=flow_tables.route_arc_table(net, routes, route_flows,
                                                               stream_queues, reuse),
                        stream_queues=stream_queues, initial_queues=initial_queues,
                        market_duals=market_duals, share_duals=share_duals,
                        origin_stock=stock, entry_duals=_entry_duals(built, net),
                        stock_duals=_stock_duals(built, net), congestion=congestion,
                        pricing_bounds=routing.skipped if routing.skipped is not None
                        else pd.DataFrame())


def _stock_duals(built: BuiltModel, net: FreightNetwork) -> pd.DataFrame:
    """The ``stock_duals`` table (:func:`borderflow.model.origin_stock.stock_duals`)."""
    comp = getattr(built.model, "origin_stock_shelf", None)
    if built.stock is None or comp is None or not len(comp):
        return pd.DataFrame()
    return stock_duals(net, built.stock, _duals(built.model, comp, len(comp)))


def _stock_value(m, built: BuiltModel) -> float:
    """Value (USD) written off at origins and left in origin stock after the last day."""
    t = stock_objective_terms(built.index, built.stock)
    return float(sum(c * (getattr(m, v)[int(i)].value or 0.0)
                     for v, i, c in zip(t["var"], t["idx"], t["coef"])))
