"""The extensive form of an uncertain reopening: one copy of the dated model per branch of the
scenario tree, tied by non-anticipativity rows (the formulation; :mod:`borderflow.reopening_plan`
solves and reports it).

A closure with ``reopening_odds`` reopens on day ``r_k`` (the first day open again) with
probability ``p_k``; with several such closures a branch is one combination of their days. Each
branch ``k`` is the dated model of its own calendar
(:func:`borderflow.model.formulation.build_model`, every family unchanged, one Pyomo block
``b<k>`` each). The expected cost is minimised::

    min  sum_k p_k z_k                      z_k: branch k's own objective (USD)
    s.t. x_k[i] - x_j[i] = 0                 for every decision i of day t and every two
                                             branches j, k not yet told apart on day t

**Decisions of day t** (:func:`decision_days`): the route flows dispatched on day ``t`` (what
leaves the origins), the supply left unserved on day ``t``, the gate's departures and
write-offs of day ``t`` (what each queue does that day), the split of the initial queues (day
0) and, under a dispatch hold, the origin stock's variables of day ``t``
(:func:`borderflow.model.formulation.column_periods`). The queue at the end of day ``t`` is a
state that follows from them (equal whenever they are).

**Told apart** (:func:`information_groups`): on day ``t`` a closure whose possible reopening
days are all after ``t`` is still closed in every branch; the branches differ in what they know
only by the closures that have reopened by day ``t`` and on which day. Two branches are told
apart on day ``t`` when some uncertain closure has reopened by ``t`` in one of them and not on
the same day in the other: a branch is revealed on its reopening day (the dispatcher sees the
gate open that day; the rule of :func:`borderflow.model.information.reopening_known_on`). The
rows tie each branch of a group to the group's first branch (``nonanticipative_<var>``, one
family per variable component, at the top level of the model).

Every other part of the calendar (the closure's start, other events) is the same in every
branch and known from day 0: the tree has perfect foresight on everything but the reopening.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .formulation import BuiltModel, build_model, column_periods
from .network import FreightNetwork
from .pyomo_layer import ArrayObjective
from .routes import RouteSet
from .stochastic import FLOW_KEYS
from .terms import add_rows, terms

#: variable components that are states, not decisions (they follow from the decisions)
STATES = ("queue",)


@dataclass
class TreeModel:
    """The extensive form: one block ``model.b<k>`` per branch and the rows that tie them.

    Attributes
    ----------
    model : pyo.ConcreteModel
    branches : list of BuiltModel
        Each branch's dated model (a block of ``model``; its own objective deactivated).
    probabilities : list of float
    reopen_periods : list of tuple of int
        Per branch, the period (0-based day) each uncertain closure reopens on.
    ties : DataFrame
        The non-anticipativity rows: ``family`` (constraint component), ``row``, ``var``,
        ``idx`` (the variable's index in every branch), ``period``, ``branch``, ``root`` (the
        branch it is tied to).
    """

    model: pyo.ConcreteModel
    branches: list[BuiltModel]
    probabilities: list[float]
    reopen_periods: list[tuple[int, ...]]
    ties: pd.DataFrame

    def tie_components(self) -> list:
        """The constraint components of the non-anticipativity rows."""
        return [getattr(self.model, name) for name in self.ties["family"].unique()]


def information_groups(reopen_periods: list[tuple[int, ...]], n_periods: int
                       ) -> list[tuple[int, list[int]]]:
    """``(day, branches)`` for every day and every group of two or more branches not yet told
    apart on that day (module docstring), branches in their given order."""
    out = []
    for t in range(n_periods):
        groups: dict[tuple, list[int]] = {}
        for k, days in enumerate(reopen_periods):
            seen = tuple(r if r <= t else None for r in days)
            groups.setdefault(seen, []).append(k)
        out.extend((t, members) for members in groups.values() if len(members) > 1)
    return out


def decision_days(built: BuiltModel) -> dict[str, np.ndarray]:
    """The day of each decision, per variable component name (module docstring: every
    variable of :func:`~borderflow.model.formulation.column_periods` but the states)."""
    return {comp.local_name: np.asarray(days, dtype=np.int64)
            for comp, days in column_periods(built).items() if comp.local_name not in STATES}


def _same_structure(built: list[BuiltModel]) -> None:
    first = built[0]
    for b in built[1:]:
        if not (b.flows[FLOW_KEYS].equals(first.flows[FLOW_KEYS])
                and len(b.queues) == len(first.queues)
                and len(b.unserved) == len(first.unserved)):
            raise ValueError("the branches of a reopening tree must share their horizon, "
                             "routes and queues (only the reopening day may differ)")


def define_nonanticipativity(m: pyo.ConcreteModel, branches: list[BuiltModel],
                             groups: list[tuple[int, list[int]]]) -> pd.DataFrame:
    """Rows ``x_k[i] - x_root[i] = 0`` for each decision ``i`` of day ``t`` and each branch
    ``k`` of a group of day ``t`` (``root``: the group's first branch); one family
    ``nonanticipative_<var>`` per variable component. Returns the rows as a table
    (:attr:`TreeModel.ties`).

    .. math:: x_{k,i} - x_{g(t),i} = 0 \\quad \\forall t,\\ k \\in G_t,\\ i: t_i = t
    """
    days = {var: day for var, day in decision_days(branches[0]).items() if len(day)}
    for k, b in enumerate(branches):  # the blocks' variables, by a top-level name
        for var in days:
            m.add_component(f"b{k}_{var}", pyo.Reference(getattr(b.model, var)))
    tables = []
    for var, day in days.items():
        order = np.argsort(day, kind="stable")
        cut = np.searchsorted(day[order], np.arange(day.max(initial=-1) + 2))
        parts = []
        for t, members in groups:
            idx = order[cut[t]:cut[t + 1]] if t + 1 < len(cut) else np.zeros(0, np.int64)
            for k in members[1:]:
                parts.append(pd.DataFrame({"var": var, "idx": idx, "period": t, "branch": k,
                                           "root": members[0]}))
        if not parts:
            continue
        rows = pd.concat(parts, ignore_index=True)
        rows["row"] = np.arange(len(rows))
        name = f"nonanticipative_{var}"
        n = len(rows)
        table = pd.concat([terms(rows["row"], "", rows["idx"], 1.0).assign(
                               var=[f"b{k}_{var}" for k in rows["branch"]]),
                           terms(rows["row"], "", rows["idx"], -1.0).assign(
                               var=[f"b{k}_{var}" for k in rows["root"]])], ignore_index=True)
        add_rows(m, name, n, table, lower=np.zeros(n), upper=np.zeros(n))
        tables.append(rows.assign(family=name))
    if not tables:
        return pd.DataFrame(columns=["family", "row", "var", "idx", "period", "branch", "root"])
    return pd.concat(tables, ignore_index=True)[["family", "row", "var", "idx", "period",
                                                 "branch", "root"]]


def expected_objective(built: list[BuiltModel], probabilities: list[float]):
    """``min sum_k p_k z_k`` as one :class:`~borderflow.model.pyomo_layer.ArrayObjective` over
    the branches' cost arrays (the translation reads arrays, not a 3 x 200,000-term
    expression); a walked expression if a branch's objective was replaced."""
    arrays = [b.model.objective.cost_arrays() for b in built]
    if any(a is None for a in arrays):
        return pyo.Objective(expr=sum(float(p) * b.model.objective.expr
                                      for b, p in zip(built, probabilities)),
                             sense=pyo.minimize)
    xs, positions, costs, offset = [], [], [], 0
    for (x, pos, cost), p in zip(arrays, probabilities):
        xs.extend(x)
        positions.append(np.asarray(pos, dtype=np.int64) + offset)
        costs.append(float(p) * np.asarray(cost, dtype=float))
        offset += len(x)
    return ArrayObjective(tuple(xs), np.concatenate(positions), np.concatenate(costs))


def build_tree_model(nets: list[FreightNetwork], probabilities: list[float], routes: RouteSet,
                     reopen_periods: list[tuple[int, ...]]) -> TreeModel:
    """Build the extensive form of a reopening tree.

    Parameters
    ----------
    nets : list of FreightNetwork
        One dated network per branch (its calendar: the gate reopens on the branch's day).
    probabilities : list of float
        Branch probabilities (summing to 1).
    routes : RouteSet
        One route set for every branch.
    reopen_periods : list of tuple of int
        Per branch, the period each uncertain closure reopens on (0-based; a day after the
        modelled days if it reopens after them).

    Raises
    ------
    ValueError
        If the branches do not share their horizon, routes and queues.
    """
    built = [build_model(net, routes) for net in nets]
    _same_structure(built)
    m = pyo.ConcreteModel(name="borderflow:reopening-tree")
    for k, b in enumerate(built):
        m.add_component(f"b{k}", b.model)
        b.model.objective.deactivate()
    n_periods = built[0].index.n_periods
    ties = define_nonanticipativity(m, built, information_groups(reopen_periods, n_periods))
    m.objective = expected_objective(built, probabilities)
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return TreeModel(model=m, branches=built, probabilities=[float(p) for p in probabilities],
                     reopen_periods=[tuple(r) for r in reopen_periods], ties=ties)
