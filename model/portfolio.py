"""The response portfolio as one mixed-integer model: a binary per lever (issue 21).

On the model built with every capacity lever of the menu in force
(:func:`borderflow.model.formulation.build_model`), each lever ``i`` is switched by a binary
:math:`z_i`. Its effect goes through the same capacity rows: where it changes a crossing's
capacity (in trucks/day, per direction and day) by :math:`\\Delta_{r,i}`, the row is written
again with the capacity the chosen levers give (family ``lever_capacity``, written by
:func:`define_lever_choice`):

.. math:: \\sum_{v \\ni r} v / \\text{payload}_v + \\sigma (\\text{empties})
          - \\sum_i \\Delta_{r,i} z_i \\le K^0_r

(:math:`K^0` the scenario's capacity without levers; the original row keeps the capacity with
every lever, so it is implied). A lever costs :math:`c_i` (USD over the horizon, or USD/day
in a static run); the budget is :math:`\\sum_i c_i z_i \\le B` and the objective is the
model's plus :math:`\\sum_i c_i z_i`, so a lever is chosen only if it saves more than it costs.
A row's capacity must be additive in the levers: the menu check refuses two levers that change
the same crossing on the same day (:func:`borderflow.responses.lever_deltas`), unless they
are sizes of one lever (a *group*, :mod:`borderflow.response_menu`), of which at most one is
chosen (family ``lever_group``: :math:`\\sum_{i \\in g} z_i \\le 1`).

A licence lever (a product licensed at a gate on days it is not today) lifts the limit of
the ``license`` rows of ``gate_entry_limit`` (:mod:`borderflow.model.licences`): the trucks of
the product reaching the gate on such a day, 0 without the lever. Family ``lever_entry``
writes each such row again as

.. math:: \\sum_{f} x_f / \\text{payload}_f - (U_{r,i} - L^0_r) z_i \\le L^0_r

with :math:`L^0_r` its limit without levers (0) and :math:`U_{r,i}` the limit with the lever,
capped at the product's whole supply in trucks (a bound no solution exceeds), so the routes
through that gate for that product carry nothing unless the lever is chosen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .pyomo_layer import ArrayObjective, linear


def define_lever_choice(m: pyo.ConcreteModel, deltas: pd.DataFrame, base_capacity: np.ndarray,
                        cost: np.ndarray, budget: float, entries: pd.DataFrame | None = None,
                        groups: list | None = None) -> None:
    """Binaries ``lever_on[i]``, rows ``lever_capacity`` (one per capacity row a lever
    changes), ``lever_budget`` and ``lever_count`` (``0 <= sum z <= n``, narrowed to ``k`` for
    the best set of size ``k``), and the objective ``portfolio_objective`` (the model's plus
    the levers' cost, USD); the model's own objective is deactivated.

    Parameters
    ----------
    m : ConcreteModel
        A built model whose ``crossing_capacity`` rows hold the capacity with every lever.
    deltas : DataFrame
        ``row`` (capacity row), ``lever`` (index), ``delta_trucks_per_day`` (> 0).
    base_capacity : array
        Per capacity row, its capacity without any lever (trucks/day).
    cost : array
        Per lever, its cost in the objective's unit (USD over the horizon; static: USD/day).
    budget : float
        Most the chosen levers may cost (same unit).
    entries : DataFrame, optional
        ``row`` (of ``gate_entry_limit``), ``lever``, ``base`` and ``with`` (its limit
        without levers and with the lever, trucks/day): :func:`borderflow.responses.
        entry_deltas`.
    groups : list, optional
        Per lever, its group (None: its own): at most one lever of a group is chosen.
    """
    n = len(cost)
    m.lever_on = pyo.Var(range(n), domain=pyo.Binary)
    indptr, indices, coef, x = m.crossing_capacity.csr()
    rows = sorted(set(deltas["row"].astype(int).tolist()))
    by_row = {r: g for r, g in deltas.groupby("row")}

    def capacity_rule(_, r):
        lo, hi = indptr[r], indptr[r + 1]
        body = linear(coef[lo:hi], [x[j] for j in indices[lo:hi]])
        d = by_row[r]
        return body - sum(float(v) * m.lever_on[int(i)] for i, v in
                          zip(d["lever"], d["delta_trucks_per_day"])) <= float(base_capacity[r])

    m.lever_capacity = pyo.Constraint(rows, rule=capacity_rule)
    entries = entries if entries is not None else pd.DataFrame(columns=["row", "lever"])
    e_ptr, e_idx, e_coef, e_x = m.gate_entry_limit.csr() if len(entries) else (0, 0, 0, 0)

    def entry_rule(_, k):
        e = entries.iloc[k]
        r, i = int(e["row"]), int(e["lever"])
        lo, hi = e_ptr[r], e_ptr[r + 1]
        body = linear(e_coef[lo:hi], [e_x[j] for j in e_idx[lo:hi]])
        return body - float(e["with"] - e["base"]) * m.lever_on[i] <= float(e["base"])

    m.lever_entry = pyo.Constraint(range(len(entries)), rule=entry_rule)
    sets = {}
    for i, g in enumerate(groups or []):
        if g is not None:
            sets.setdefault(g, []).append(i)
    sets = [v for _, v in sorted(sets.items()) if len(v) > 1]
    m.lever_group = pyo.Constraint(range(len(sets)), rule=lambda _, k: sum(
        m.lever_on[i] for i in sets[k]) <= 1)
    m.lever_budget = pyo.Constraint(expr=sum(float(c) * m.lever_on[i]
                                             for i, c in enumerate(cost)) <= float(budget))
    m.lever_count = pyo.Constraint(expr=pyo.inequality(0, sum(m.lever_on[i] for i in range(n)),
                                                       n))
    x0, positions, obj = m.objective.cost_arrays()
    z = tuple(m.lever_on[i] for i in range(n))
    m.objective.deactivate()
    m.portfolio_objective = ArrayObjective(
        tuple(x0) + z, np.concatenate([positions, len(x0) + np.arange(n)]),
        np.concatenate([obj, np.asarray(cost, dtype=float)]))
