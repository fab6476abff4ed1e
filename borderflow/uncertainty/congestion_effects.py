"""Congestion tiers in a kept model's warm changes (docs/model.md, "Congestion at the gates").

A static kept model built with congestion tiers (:mod:`borderflow.model.congestion`) takes a
sample's tier hours and values of time as the objective costs of its ``congestion`` columns
(``hours x (vot x payload + waiting / 24)`` per truck, or with ``congestion_fifo`` 1
``hours x (lane + waiting / 24)``, the lane value of the gate's ``congestion_lane_value`` row of
``cost_terms.csv`` or ``congestion_lane_usd_per_truck_h``; the waiting cost per truck-day is not
sampled in static runs, so it holds its dataset value) and its breakpoints and capacities as
the bounds of its
``congestion_tier`` rows (``(b_k - b_{k-1}) x capacity``). Tiers a dataset does not switch on
(every ``congestion_hours_k`` 0) are not in its model: sampling their numbers is refused
(:class:`~borderflow.uncertainty.changes.StructureChange`), as is sampling payloads of a model
with tiers (the link rows' ``1/payload`` terms are not re-written here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from borderflow.data.cost_terms import crossing_lane_values
from borderflow.data.errors import InputError, Problem
from borderflow.data.parameters import CONGESTION_TIERS, PARAMETER, congestion_problem

from .ranges import RANGES_FILE

__all__ = ["CONGESTION_PARAMETERS", "cell_costs", "check_congestion_sampling", "check_sample_tiers",
           "congestion_changes", "sampled_cells", "tier_widths"]

#: the parameters.csv rows of the tiers
CONGESTION_PARAMETERS = tuple(f"congestion_breakpoint_{k}" for k in range(1, CONGESTION_TIERS)) \
    + tuple(f"congestion_hours_{k}" for k in range(1, CONGESTION_TIERS + 1)) \
    + ("congestion_fifo", "congestion_lane_usd_per_truck_h")


def check_congestion_sampling(built, factors) -> str | None:
    """Why a kept model cannot take these sampled numbers warm (``None``: it can)."""
    sampled = factors["table"].eq("parameters") & factors["key"].isin(CONGESTION_PARAMETERS)
    if built.congestion is None and sampled.any():
        return ("congestion parameters are sampled but the dataset has no congestion tiers "
                "(every congestion_hours_k is 0): switch them on in parameters.csv")
    payload = factors["table"].eq("products") & factors["field"].eq("payload_t_per_truck")
    if built.congestion is not None and payload.any():
        return "payloads are sampled in a model with congestion tiers: solve them by rebuilding"
    return None


def check_sample_tiers(effects, arr: dict) -> None:
    """Refuse a sample whose tiers do not make a convex delay, as a rebuild does
    (:func:`borderflow.data.parameters.congestion_problem`: hours falling with the tier,
    breakpoints not rising): a kept model would solve it with a non-convex delay.

    Raises
    ------
    InputError
        One line naming the parameter and the sample's values.
    """
    values = {name: effects.param(arr, name, PARAMETER[name].default)
              for name in CONGESTION_PARAMETERS}
    bad = congestion_problem(values)
    if bad is not None:
        raise InputError(Problem(effects.space.source or RANGES_FILE, None, bad[0],
                                 f"a sample's {bad[1]}; a rebuild "
                                 "refuses it too: draw the tiers together (docs/uncertainty.md,"
                                 " 'Ladders')"))


def _tiers(effects, arr: dict) -> tuple[np.ndarray, np.ndarray, float]:
    """Tier ends (0, b_1.., 1), hours per tier and the waiting cost per truck-day of a sample."""
    def par(name: str) -> float:
        return effects.param(arr, name, PARAMETER[name].default)

    ends = np.array([0.0] + [par(f"congestion_breakpoint_{k}")
                             for k in range(1, CONGESTION_TIERS)] + [1.0])
    hours = np.array([par(f"congestion_hours_{k}") for k in range(1, CONGESTION_TIERS + 1)])
    return ends, hours, par("waiting_cost_usd_per_truck_day")


def cell_costs(effects, arr: dict, vot: np.ndarray, crossing, product, tier) -> np.ndarray:
    """A sample's ``congestion`` cost per truck (USD) of cells given by their crossing ids,
    product ids and tiers (1..): ``hours x (vot x payload + waiting / 24)``, or with
    ``congestion_fifo`` 1 ``hours x (lane + waiting / 24)`` (the arithmetic of
    :func:`borderflow.model.congestion.congestion_index`; cells of the kept model or new ones,
    :mod:`borderflow.uncertainty.sample_gates`)."""
    _, hours, waiting = _tiers(effects, arr)
    p = pd.Series(product).map(effects.product_ix).to_numpy(dtype=np.int64)
    payload = arr[("products", "payload_t_per_truck")][p]
    h = hours[np.asarray(tier, dtype=np.int64) - 1]
    if effects.param(arr, "congestion_fifo", 0.0) != 1.0:
        per_hour = np.asarray(vot, dtype=float)[p] * payload + waiting / 24.0
    else:  # first come, first served: the gate's lane value (cost_terms), else the parameter
        lane = crossing_lane_values(
            effects.cost_index, arr.get(("cost_terms", "value"), np.zeros(0)),
            effects.param(arr, "congestion_lane_usd_per_truck_h",
                          PARAMETER["congestion_lane_usd_per_truck_h"].default))
        at = {c: i for i, c in enumerate(effects.tables.crossings["crossing_id"].astype(str))}
        per_hour = lane[pd.Series(crossing).astype(str).map(at).to_numpy(dtype=np.int64)] \
            + waiting / 24.0
    return h * per_hour


def tier_widths(effects, arr: dict) -> np.ndarray:
    """A sample's share of capacity per tier (``b_k - b_{k-1}``, tier ``k`` at ``k - 1``)."""
    ends = _tiers(effects, arr)[0]
    return ends[1:] - ends[:-1]


def sampled_cells(effects, arr: dict, vot: np.ndarray):
    """The kept model's ``congestion`` cells with a sample's hours and cost per truck."""
    cells = effects.built.congestion.cells
    hours = _tiers(effects, arr)[1]
    return cells.assign(hours=hours[cells["tier"].to_numpy(dtype=np.int64) - 1],
                        cost_usd_per_truck=cell_costs(effects, arr, vot, cells["crossing_id"],
                                                      cells["product_id"], cells["tier"]))


def congestion_changes(effects, arr: dict, cap: np.ndarray, vot: np.ndarray
                       ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """``(costs of congestion[j], (lower, upper) of congestion_tier[r])`` at a sample's arrays
    (``cap``: the sample's ``crossing_capacity`` bounds, ``vot``: values of time per product
    of ``products.csv``)."""
    ci = effects.built.congestion
    costs = cell_costs(effects, arr, vot, ci.cells["crossing_id"], ci.cells["product_id"],
                       ci.cells["tier"])
    width = tier_widths(effects, arr)[ci.tiers["tier"].to_numpy(dtype=np.int64) - 1]
    up = width * np.maximum(np.asarray(cap, dtype=float)[ci.tiers["cap_row"].to_numpy()], 0.0)
    return costs, (np.full(len(up), -np.inf), up)
