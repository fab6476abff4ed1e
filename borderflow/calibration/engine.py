"""The model calibration evaluates: one kept LP, twelve months, warm re-solves.

A static model of a month differs from the annual one only in its supply (the calendar:
seasonality and the month's days); capacities, costs, prices and demand are the same. So one
kept HiGHS model (built once, for the annual day, from
:func:`borderflow.uncertainty.changes.structure_tables`, by the pipeline's
:func:`borderflow.pipeline.prepare` as every kept model is) serves every month: an evaluation at
parameter values ``v``

1. turns ``v`` into bounds, costs and coefficients
   (:class:`~borderflow.uncertainty.changes.WarmEffects`, :class:`~borderflow.uncertainty.warm.
   WarmModel`);
2. for each month, sets the supply rows to ``supply x factor(month)`` (the factors are the
   network's own calendar with unit supply, so they are exact) and re-solves warm from that
   month's last basis;
3. returns the route flows per month (t/day).

The route set is the one enumerated at the prior values (a restricted optimum while costs move,
as for uncertainty samples): the calibrated dataset is solved again from scratch for the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.data.loaders import InputTables
from borderflow.data.scenario import Horizon, Scenario
from borderflow.model.network import build_network
from borderflow.model.routes import RouteOptions
from borderflow.pipeline import prepare
from borderflow.solvers.highs import SolverError, SolverOptions
from borderflow.uncertainty.changes import WarmEffects, structure_tables
from borderflow.uncertainty.warm import WarmModel

from .parameters import Parameters

MONTHS = tuple(range(1, 13))


@dataclass
class Evaluation:
    """Route flows of one evaluation: ``flows[m]`` (t/day per column of the kept model's
    ``flows`` table) for month ``m + 1``; ``objective_usd[m]`` per representative day."""

    flows: np.ndarray
    objective_usd: np.ndarray


class KeptModel:
    """The kept model of a dataset and its calibrated numbers.

    Parameters
    ----------
    tables : InputTables
        The (prior) dataset.
    parameters : Parameters
        The calibrated numbers.
    routes, solver : RouteOptions, SolverOptions, optional
        Route enumeration and HiGHS options (default: the static defaults).
    months : tuple of int
        The months solved (default all twelve).
    """

    def __init__(self, tables: InputTables, parameters: Parameters,
                 routes: RouteOptions | None = None, solver: SolverOptions | None = None,
                 months: tuple[int, ...] = MONTHS):
        self.tables, self.parameters, self.months = tables, parameters, tuple(months)
        space = parameters.space
        kept = prepare(structure_tables(tables, space), None, routes or RouteOptions(),
                       solver or SolverOptions())
        self.net, self.routes, self.built = kept.net, kept.routes, kept.built
        self.effects = WarmEffects(self.built, self.routes, self.net, space, tables=tables)
        self.session = kept.session
        self.warm = WarmModel(self.session, self.built.model)
        self.columns = self.session.columns_of(self.built.model.route_flow)
        self._supply_index()
        self._bases: dict[int, object] = {}
        self.solves = 0
        self.cold_retries = 0

    def _supply_index(self) -> None:
        """Annual supply of each supply row (t/year) and each row's daily factor per month."""
        u = self.built.unserved
        s = self.tables.supply
        annual = dict(zip(zip(s["node_id"], s["product_id"]),
                          s["supply_t_per_year"].astype(float)))
        self.base_supply = np.array([annual[(o, p)] for o, p in
                                     zip(u["origin"], u["product_id"])], dtype=float)
        f = self.parameters.space.factors
        rows = {(k, i) for i, k in enumerate(f["key"]) if f["table"].iloc[i] == "supply"}
        where = {f"{o}|{p}": j for j, (o, p) in enumerate(zip(u["origin"], u["product_id"]))}
        self.supply_slots = [(i, where[k]) for k, i in sorted(rows) if k in where]
        unit = self.tables.copy()
        unit.supply["supply_t_per_year"] = 1.0
        keys = ["origin", "product_id"]
        self.factor = np.zeros((len(self.months), len(u)))
        for j, month in enumerate(self.months):
            cal = build_network(unit, Scenario(horizon=Horizon(month=month))).supply
            self.factor[j] = u[keys].merge(cal.groupby(keys, as_index=False)["supply_t"].mean(),
                                           on=keys, how="left")["supply_t"].to_numpy(float)

    def supply(self, values: np.ndarray) -> np.ndarray:
        """Annual supply per supply row (t/year) at parameter values ``values``."""
        out = self.base_supply.copy()
        for i, row in self.supply_slots:
            out[row] = values[i]
        return out

    def evaluate(self, values: np.ndarray) -> Evaluation:
        """Route flows of every month at parameter values ``values`` (one per number of the
        parameter space).

        A warm start HiGHS does not finish from (status ``Unknown``, rare after large cost
        changes) is retried once from scratch (``cold_retries`` counts them).

        Raises
        ------
        SolverError
            If a month does not solve to optimality even from scratch (it always should:
            produce may go unserved, so every month is feasible and bounded).
        """
        changes = self.effects.changes(values)
        supply = self.supply(values)
        flows = np.zeros((len(self.months), len(self.columns)))
        objective = np.zeros(len(self.months))
        h = self.session.highs
        for j, month in enumerate(self.months):
            day = supply * self.factor[j]
            changes.rows["supply_balance"] = (day, day.copy())
            self.warm.apply(changes)
            self.session.restart_from(self._bases.get(month))
            try:
                summary = self.session.solve(load=False)
            except SolverError:  # a warm start HiGHS cannot finish from: once more, cold
                self.session.restart_from(None)
                summary = self.session.solve(load=False)
                self.cold_retries += 1
            self.solves += 1
            self._bases[month] = self.session.basis()
            x = np.asarray(h.getSolution().col_value, dtype=float)
            flows[j] = np.where(self.columns >= 0, x[np.maximum(self.columns, 0)], 0.0)
            objective[j] = summary.objective_usd
        return Evaluation(np.maximum(flows, 0.0), objective)

    def flow_table(self) -> pd.DataFrame:
        """The kept model's route-flow columns (``route_id, product_id, origin, market``)."""
        return self.built.flows[["route_id", "product_id", "origin", "market"]]


def month_mean(month_values: np.ndarray, weights: np.ndarray, months=MONTHS) -> np.ndarray:
    """Each observation's value: its months' values weighted by its days in each month.

    Parameters
    ----------
    month_values : array (months solved, observations)
    weights : array (observations, 12)
    """
    w = np.asarray(weights, dtype=float)[:, [m - 1 for m in months]]
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (w * np.asarray(month_values).T).sum(axis=1) / total
    return np.where(total > 0, out, math.nan)
