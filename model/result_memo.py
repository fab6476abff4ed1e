"""A sweep scenario's result tables taken from its kept model's first reading when their inputs
repeat, bit for bit (:func:`borderflow.model.results.extract_results` with ``reuse``).

Most closures of a dated sweep leave the plan as the reference had it: in the embedded
dataset's 60-day sweep, 35 of the 50 ten-day closures have every value and dual of the kept
model's first reading (the baseline), bit for bit, and their tables were made again only
because each closure is a new network. Each table here is a function of the arrays named in
its key (solution values and row duals, read from the model), of tables compared by identity
(the model's index tables, the network tables a closure shares with its base: never changed in
place) and of a few numbers; :func:`borderflow.model.table_memo.same` keeps the first reading's
table with those inputs and gives a copy of it to a scenario whose inputs are equal, byte for
byte and object for object: the same function of the same inputs, the same table.

The ``crossings`` table reads the scenario's capacity calendar, new in every closure: it is
kept without it (its rows, keyed by crossing, direction and day, are the calendar's rows when
the calendar's keys are the kept one's), and its capacity, ``available`` and ``utilisation``
columns are made from the scenario's calendar as the table makes them.

Only a sweep's scenarios read from a kept model use these (what is kept is dropped with that
model's route set); a single run keeps nothing.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from .queue_results import row_duals, solved_values
from .table_memo import same

#: the keys of a capacity calendar's rows (one row each)
CAPACITY_KEYS = ["crossing_id", "direction", "period"]


def queue_tables(owner, net, built, make: Callable[[], tuple]) -> tuple:
    """``make()`` (a dated model's ``queues``, ``backlog``, ``stream_queues`` and
    ``initial_queues``), or the kept reading's when the queue, departure, write-off,
    route-flow and initial-queue values and the initial-queue duals are its own."""
    m = built.model
    n_q, n_init = len(built.queues), len(built.initial)
    arrays = (solved_values(m.queue, n_q), solved_values(m.departures, n_q),
              solved_values(m.expired, n_q), solved_values(m.route_flow, len(built.flows)),
              solved_values(m.initial_queue, n_init),
              row_duals(m, m.initial_queue_total, len(m.initial_queue_total)),
              float(net.parameters.waiting_cost_usd_per_truck_day))
    return same(owner, "queue tables", arrays, make, (built.index, net.periods))


def supply_tables(owner, net, built, routes, make: Callable[[], tuple]) -> tuple:
    """``make()`` (``unserved``, ``spoilage`` and ``products`` of a model without stock at
    origins), or the kept reading's when the unserved, route-flow and write-off values and
    the supply duals are its own (the route flows: a function of these values, the model's
    flow table and the route table, :func:`borderflow.model.flow_tables.route_flows`)."""
    m = built.model
    arrays = (solved_values(m.unserved, len(built.unserved)),
              row_duals(m, m.supply_balance, len(built.unserved)),
              solved_values(m.route_flow, len(built.flows)), built.dated,
              solved_values(m.expired, len(built.queues)) if built.dated else None)
    return same(owner, "supply tables", arrays, make,
                (built.index, routes.routes, net.products, net.periods))


def dual_tables(owner, built, make: Callable[[], tuple]) -> tuple:
    """``make()`` (``market_duals`` and ``share_duals``), or the kept reading's when the
    market-demand and destination-share duals are its own."""
    m = built.model
    arrays = (row_duals(m, m.market_demand, len(built.demand_rows)),
              row_duals(m, m.destination_share, len(built.share_rows)))
    return same(owner, "dual tables", arrays, make, (built.index,))


def crossing_table(owner, net, built, routes,
                   make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``make()`` (the ``crossings`` table), or the kept reading's with the scenario's
    capacity: when the route-flow and departure values (the arc flows'
    inputs, :func:`borderflow.model.flow_tables.arc_flows`), the capacity and priority duals
    and the capacity calendar's keys are the kept reading's, the table is that reading's but
    for ``capacity_trucks_per_day``, ``available`` and ``utilisation``, made here from the
    scenario's calendar as :func:`~borderflow.model.results._crossing_table` makes them."""
    m, cap = built.model, net.capacity
    keys = cap.drop(columns="capacity_trucks_per_day")
    arrays = (solved_values(m.route_flow, len(built.flows)),
              solved_values(m.departures, len(built.queues)) if built.dated else None,
              row_duals(m, m.crossing_capacity, len(built.capacity_rows)),
              row_duals(m, m.priority_share, len(built.priority_rows)),
              keys, str(cap["capacity_trucks_per_day"].dtype), built.dated)
    made: list = []

    def first() -> tuple:
        made.append(make())
        return made[0], _rows_of(cap, made[0])

    table, rows = same(owner, "crossings", arrays, first,
                       (built.index, routes.routes, net.arcs, net.products, net.periods,
                        net.tables.crossings))
    if made:
        return made[0]
    if rows is None:  # the kept calendar's keys are not one row each: made whole
        return make()
    cap_v = cap["capacity_trucks_per_day"].to_numpy()[rows]
    table["capacity_trucks_per_day"] = cap_v
    table["available"] = table["capacity_trucks_per_day"] > 0
    table["utilisation"] = np.divide(table["flow_trucks"].to_numpy(), cap_v,
                                     out=np.zeros(len(table)), where=cap_v > 0)
    return table


def _rows_of(cap: pd.DataFrame, table: pd.DataFrame) -> np.ndarray | None:
    """For each row of the crossings table, the calendar row of its key (``None`` when the
    calendar's keys are not one row each, or the table's rows are not the calendar's)."""
    at = pd.MultiIndex.from_frame(cap[CAPACITY_KEYS])
    if not at.is_unique or len(table) != len(cap):
        return None
    rows = at.get_indexer(pd.MultiIndex.from_frame(table[CAPACITY_KEYS]))
    if (rows < 0).any() or len(np.unique(rows)) != len(rows):
        return None
    return rows
