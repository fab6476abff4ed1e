"""Dated runs' queue tables, read from a solved model (one job of
:func:`borderflow.model.results.extract_results`).

- :func:`stream_days`: one row per stream (route, product) and day with its queue, arrivals,
  initial queue, departures and write-offs (t);
- :func:`stream_tables`: the ``stream_queues`` and ``initial_queues`` result tables;
- :func:`queue_tables`: the ``queues`` table (per gate, direction and day, in trucks) and the
  ``backlog`` episodes of each gate;
- :func:`departures`: gate departures per stream and day (the arcs after the gate carry them).
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from .formulation import BuiltModel
from .network import FreightNetwork
from .pyomo_layer import suffix_values, var_values
from .queues import arrivals

#: flows below this (t/day) are solver noise and left out of the tables
FLOW_TOL_T = 1e-7


def solved_values(var, n: int) -> np.ndarray:
    """Values of ``var[0] .. var[n-1]`` (0 where unset).

    Parameters
    ----------
    var : pyomo indexed Var
        A solved variable indexed ``0 .. n-1``.
    n : int
        Its number of indices.

    Returns
    -------
    numpy.ndarray
        ``n`` floats, in the variable's units.
    """
    return var_values(var, n)


def row_duals(m, comp, n: int) -> np.ndarray:
    """Duals of ``comp[0] .. comp[n-1]`` from the model's ``dual`` suffix (0 where unset), as
    HiGHS gives them (minimisation: a binding ``<=`` row's dual is <= 0).

    Parameters
    ----------
    m : pyomo ConcreteModel
        The solved model (with its ``dual`` suffix).
    comp : pyomo indexed Constraint
        A row family indexed ``0 .. n-1``.
    n : int
        Its number of rows.

    Returns
    -------
    numpy.ndarray
        ``n`` duals, in the objective's units per unit of the row.
    """
    return suffix_values(m.dual, comp, n) if n else np.zeros(0)


def departures(built: BuiltModel) -> pd.DataFrame:
    """Gate departures per stream and day (t and trucks), with the stream's route.

    Parameters
    ----------
    built : BuiltModel
        A solved dated model.

    Returns
    -------
    pandas.DataFrame
        ``q, k, period, product_id, payload_t_per_truck, flow_t, trucks_per_day, route_id``,
        rows above :data:`FLOW_TOL_T` only.
    """
    q = built.queues
    dep = q[["q", "k", "period", "product_id", "payload_t_per_truck"]].copy()
    dep["flow_t"] = solved_values(built.model.departures, len(q)).clip(min=0.0)
    dep = dep[dep["flow_t"] > FLOW_TOL_T]
    dep["trucks_per_day"] = dep["flow_t"] / dep["payload_t_per_truck"]
    return dep.merge(built.streams[["k", "route_id"]], on="k")


def stream_days(net: FreightNetwork, built: BuiltModel) -> pd.DataFrame:
    """Dated runs: one row per stream ``k`` and day with its queue (t waiting at the end of the
    day), departures, expired, arrivals (route flows reaching the gate that day) and initial
    queue (day 0) in tonnes.

    Parameters
    ----------
    net : FreightNetwork
        The network solved.
    built : BuiltModel
        The solved dated model.

    Returns
    -------
    pandas.DataFrame
        One row per queue index ``q``: its stream, gate, day and product, ``queue_t``,
        ``departures_t``, ``expired_t``, ``arrivals_t``, ``initial_t``.
    """
    q = built.queues
    m = built.model
    t = q[["q", "k", "crossing_id", "direction", "period", "product_id", "payload_t_per_truck",
           "perishable"]].copy()
    t["queue_t"] = solved_values(m.queue, len(q)).clip(min=0.0)
    t["departures_t"] = solved_values(m.departures, len(q)).clip(min=0.0)
    t["expired_t"] = solved_values(m.expired, len(q)).clip(min=0.0)
    ix = built.index
    arr = arrivals(built.flows, built.streams)
    arr["flow_t"] = solved_values(m.route_flow, len(built.flows))[arr["f"].to_numpy()]
    arr["q"] = ix.queue_index(arr["k"], arr["arrival_period"])
    arr_q = arr[arr["q"] >= 0].groupby("q", as_index=False)["flow_t"].sum()
    t["arrivals_t"] = 0.0
    t.loc[arr_q["q"].to_numpy(), "arrivals_t"] = arr_q["flow_t"].to_numpy()
    t["initial_t"] = 0.0
    if len(built.initial):
        add = _initial_values(built).groupby("k")["t"].sum()
        t.loc[ix.queue_index(add.index.to_numpy(), 0), "initial_t"] = add.to_numpy()
    return t


def _initial_values(built: BuiltModel) -> pd.DataFrame:
    """Initial-queue allocations ``i`` (entry ``j`` to stream ``k``) with their tonnes ``t``."""
    init = built.initial.copy()
    init["t"] = solved_values(built.model.initial_queue, len(init)).clip(min=0.0)
    return init


STREAM_COLUMNS = ["route_id", "product_id", "origin", "market", "crossing_id", "direction",
                  "period", "date", "arrivals_t", "initial_t", "departures_t", "expired_t",
                  "queue_t"]
INITIAL_COLUMNS = ["entry", "crossing_id", "direction", "product_id", "origin", "route_id",
                   "age_days", "trucks", "initial_t", "initial_trucks", "dual_usd_per_truck"]


def stream_tables(net: FreightNetwork, built: BuiltModel,
                   days: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dated runs: ``stream_queues`` (per stream and day, rows with any cargo; tonnes) and
    ``initial_queues`` (per initial-queue entry of the scenario and stream it went to).

    Parameters
    ----------
    net : FreightNetwork
        The network solved.
    built : BuiltModel
        The solved model.
    days : pandas.DataFrame or None
        :func:`stream_days` of a dated run; None for a static run (empty tables).

    Returns
    -------
    tuple of pandas.DataFrame
        ``stream_queues`` (columns :data:`STREAM_COLUMNS`) and ``initial_queues``
        (:data:`INITIAL_COLUMNS`).
    """
    if days is None:
        return pd.DataFrame(columns=STREAM_COLUMNS), pd.DataFrame(columns=INITIAL_COLUMNS)
    values = ["arrivals_t", "initial_t", "departures_t", "expired_t", "queue_t"]
    s = days[days[values].max(axis=1) > FLOW_TOL_T]
    s = s.merge(built.streams[["k", "route_id", "origin", "market"]], on="k").merge(
        net.periods[["period", "label"]].rename(columns={"label": "date"}), on="period")
    s = s.sort_values(["product_id", "route_id", "period"], kind="stable", ignore_index=True)
    init = _initial_values(built).merge(
        built.streams[["k", "route_id", "product_id", "origin", "crossing_id", "direction",
                       "payload_t_per_truck"]], on="k")
    init = init.rename(columns={"j": "entry", "t": "initial_t"})
    # the streams the trucks went to: a zero allocation names a route that may carry nothing
    # (then no other table knows it)
    init = init[init["initial_t"] > FLOW_TOL_T].assign(
        initial_trucks=lambda d: d["initial_t"] / d["payload_t_per_truck"])
    # the entry's initial_queue_total row dual as HiGHS gives it (USD per truck of the entry:
    # what the certificate's dual objective and initial-queue check read)
    m = built.model
    eta = row_duals(m, m.initial_queue_total, len(m.initial_queue_total))
    init["dual_usd_per_truck"] = eta[init["entry"].to_numpy(dtype=np.int64)] + 0.0 \
        if len(init) else np.zeros(0)
    init = init.sort_values(["entry", "route_id"], kind="stable", ignore_index=True)
    return s[STREAM_COLUMNS], init[INITIAL_COLUMNS]


def queue_tables(net: FreightNetwork, built: BuiltModel,
                  days: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dated runs: queue per crossing/direction/day and the backlog of each gate.

    ``queues``: queue_trucks (waiting at the end of the day), arrivals_trucks,
    departures_trucks, expired_t, spoiled_t, mean_wait_days (Little's law: trucks waiting /
    trucks released that day, for the trucks in the queue; empty on a day nothing is released,
    e.g. while the gate is closed). ``backlog``: one row per episode
    of a gate's queue (see :func:`_backlog_episodes`).

    Parameters
    ----------
    net, built, days
        As for :func:`stream_tables`.

    Returns
    -------
    tuple of pandas.DataFrame
        ``queues`` and ``backlog``.
    """
    keys = ["crossing_id", "direction", "period"]
    if days is None:
        return (pd.DataFrame(columns=[*keys, "date", "queue_trucks", "arrivals_trucks",
                                      "departures_trucks", "expired_t", "spoiled_t",
                                      "mean_wait_days", "expired_trucks"]),
                pd.DataFrame(columns=BACKLOG_COLUMNS))
    t = days.copy()
    t["arrivals_t"] = t["arrivals_t"] + t["initial_t"]
    for col in ("queue", "departures", "arrivals", "expired"):
        t[f"{col}_trucks"] = t[f"{col}_t"] / t["payload_t_per_truck"]
    t["spoiled_t"] = np.where(t["perishable"].astype(bool), t["expired_t"], 0.0)
    g = t.groupby(keys, as_index=False)[["queue_trucks", "arrivals_trucks", "departures_trucks",
                                         "expired_t", "spoiled_t", "expired_trucks"]].sum()
    g = g[(g[["queue_trucks", "arrivals_trucks", "departures_trucks", "expired_t"]].abs()
           .sum(axis=1) > 1e-9)]
    g["mean_wait_days"] = np.divide(g["queue_trucks"].to_numpy(),
                                    g["departures_trucks"].to_numpy(),
                                    out=np.full(len(g), np.nan),
                                    where=g["departures_trucks"].to_numpy() > 1e-9)
    g = g.merge(net.periods[["period", "label"]].rename(columns={"label": "date"}), on="period")
    g = g.sort_values(keys, kind="stable", ignore_index=True)
    backlog = _backlog_episodes(g, net.periods, net.parameters.waiting_cost_usd_per_truck_day)
    return g[[*keys, "date", "queue_trucks", "arrivals_trucks", "departures_trucks",
              "expired_t", "spoiled_t", "mean_wait_days", "expired_trucks"]], backlog


#: a gate has a backlog while at least this many trucks wait at the end of the day
BACKLOG_MIN_TRUCKS = 1.0
BACKLOG_COLUMNS = ["crossing_id", "direction", "episode", "start_date", "peak_queue_trucks",
                   "peak_date", "clear_date", "truck_days_waited", "waiting_cost_usd"]


def _backlog_episodes(queues: pd.DataFrame, periods: pd.DataFrame,
                      waiting_usd_per_truck_day: float) -> pd.DataFrame:
    """One row per backlog episode of a gate direction: a maximal run of days with at least
    :data:`BACKLOG_MIN_TRUCKS` waiting. ``clear_date`` is the first day after the episode
    (empty if the queue is still there at the end of the modelled days); truck-days and waiting
    cost are summed over the episode's days."""
    labels = periods.set_index("period")["label"]
    rows = []
    for (c, d), grp in queues.groupby(["crossing_id", "direction"], sort=True):
        series = grp.set_index("period")["queue_trucks"].reindex(labels.index, fill_value=0.0)
        busy = (series >= BACKLOG_MIN_TRUCKS).to_numpy()
        episode = np.cumsum(busy & ~np.r_[False, busy[:-1]])
        for n in np.unique(episode[busy]):
            days = series[busy & (episode == n)]
            after = days.index[-1] + 1
            truck_days = float(days.sum())
            rows.append((c, d, int(n), labels[days.index[0]], float(days.max()),
                         labels[days.idxmax()], labels[after] if after in labels.index else None,
                         truck_days, truck_days * waiting_usd_per_truck_day))
    return pd.DataFrame(rows, columns=BACKLOG_COLUMNS)


#: per route set (:func:`gate_arcs`)
_GATE_ARCS: dict = {}


def gate_arcs(routes) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A dated route set's arcs with their route's queue-gate position (``gate_seq``, inf
    without a crossing), each route's gate offset (``gate_offset_h``) and the arcs from the
    gate on: made once per route set (a sweep's scenarios share the kept model's)."""
    at = id(routes.route_arcs)
    if at not in _GATE_ARCS:
        ra = routes.route_arcs[["route_id", "seq", "arc_id", "offset_h"]]
        gate_seq = ra.merge(routes.route_crossings.groupby("route_id", as_index=False)["seq"]
                            .max().rename(columns={"seq": "gate_seq"}), on="route_id",
                            how="left")
        gate_seq["gate_seq"] = gate_seq["gate_seq"].fillna(np.inf)
        gate_off = gate_seq[gate_seq["seq"] == gate_seq["gate_seq"]][["route_id", "offset_h"]] \
            .rename(columns={"offset_h": "gate_offset_h"})
        _GATE_ARCS[at] = (gate_seq, gate_off, gate_seq[gate_seq["seq"] >= gate_seq["gate_seq"]])
        weakref.finalize(routes.route_arcs, _GATE_ARCS.pop, at, None)
    return _GATE_ARCS[at]
