"""First come, first served across goods within a lane class: the replay of a solved dated LP.

The rule
--------
At a real gate, trucks of different goods clear in the order they arrived, within a lane
class: the perishable priority lane (at a gate and direction with a ``priority`` rule, the
perishables) and the general lane (everything else there; at a gate without a priority rule,
every good). The dated LP keeps each stream (route, product) first in, first out
(:mod:`borderflow.model.fifo`), but between the streams of one class it clears in the order
that minimises cost: a gate operator who lets the valuable or short-lived cargo jump the
queue.

Why the LP does not state it
----------------------------
"Clear cohort ``a`` of every stream before any of cohort ``a + 1``" makes each stream's
departures a function of the class's cumulative departures through the arrival profile of
all its streams: whether a tonne of stream ``s`` may leave on day ``t`` depends on whether
every older tonne of the class has left, a disjunction (an older cohort still waits, or the
younger tonne stays) per pair of cohorts. Like FIFO write-offs, the set of class-FIFO plans
is not convex (two class-FIFO plans that clear different cohorts on a day average to a plan
that clears a younger cohort while an older one waits), so no LP states it exactly; an exact
form needs integer variables (:mod:`borderflow.model.fifo` gives the within-stream case).

What a run does: the replay and the two bounds
----------------------------------------------
:func:`class_replay` keeps the LP's departures **per class and day in trucks** (so every
capacity, priority-lane and returning-empties row is as in the LP or slacker) and fills them
from the oldest cohorts of the class whatever the product, a tie within a day split pro rata
across the streams (the same share of each stream's cohort); each day cargo past its
allowed wait is written off first, as in the within-stream replay. Departures that find the
class queue empty are not made (``unfilled_trucks``). Market arrivals follow the replayed
departures, ``downstream_days`` later; route flows, initial-queue allocations and so every
supply, entry and destination-share row are the LP's. The only rows the replay can break are
finite market demands (a product now arriving on a day its market is full); they are
checked (``demand_excess_t``).

- ``L``, the LP optimum, is a lower bound on the optimum under class FIFO (every class-FIFO
  plan is feasible in the LP).
- ``U``, the replay's objective (the model's own cost terms), is an upper bound on it when
  the replay satisfies every row (``feasible``): it is one class-FIFO plan.

So the class-FIFO optimum lies in ``[L, U]``; ``gap_usd = U - L``. The tonnes the LP clears
out of arrival order (``out_of_order_t``) are read from the LP's own plan (its streams
replayed first in, first out within themselves): on each day and class, the tonnes the LP
sends beyond what first come, first served would send from the same queue with the same
trucks (so a residue of a tonne left in an old cohort counts as a tonne, not as everything
younger that left). With none, the LP's plan is already first come, first served across goods and
the replay reproduces it: gap 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .fifo import TOL_T, stream_arrays
from .pyomo_layer import column_values, var_values
from .table_memo import same

#: lane labels of :func:`lane_classes`
PRIORITY, GENERAL, ALL = "perishable priority lane", "general lane", "one lane"


@dataclass(frozen=True)
class Replay:
    """One replay of a class queue (arrays ``(streams, days)`` unless said).

    Attributes
    ----------
    departures, expired, queue : ndarray
        Tonnes crossing, written off, waiting at the end of each day.
    unfilled_trucks : ndarray, shape (fill classes, days)
        Departures (trucks) the budget allowed but the queue could not fill.
    out_of_order : ndarray
        Tonnes that left out of arrival order: beyond what first come, first served in the
        order class would have sent from the same queue with the same trucks that day.
    """

    departures: np.ndarray
    expired: np.ndarray
    queue: np.ndarray
    unfilled_trucks: np.ndarray
    out_of_order: np.ndarray


def lane_classes(streams: pd.DataFrame, priority_rows: pd.DataFrame
                 ) -> tuple[np.ndarray, pd.DataFrame]:
    """The lane class of every stream: its gate, direction and lane.

    A gate and direction with a priority rule (a row of ``priority_share`` on any day) has two
    classes, its perishables (the priority lane) and the rest; any other gate and direction
    has one.

    Returns
    -------
    cls : ndarray of int, shape (streams,)
        Class index per stream.
    classes : DataFrame
        One row per class: ``crossing_id, direction, lane``.
    """
    lanes = set(zip(priority_rows["crossing_id"], priority_rows["direction"])) \
        if len(priority_rows) else set()
    has = np.array([(c, d) in lanes for c, d in zip(streams["crossing_id"],
                                                     streams["direction"])], dtype=bool)
    per = streams["perishable"].to_numpy(dtype=bool)
    lane = np.where(has, np.where(per, PRIORITY, GENERAL), ALL)
    key = pd.DataFrame({"crossing_id": streams["crossing_id"].to_numpy(),
                        "direction": streams["direction"].to_numpy(), "lane": lane})
    classes = key.drop_duplicates().sort_values(list(key.columns), ignore_index=True)
    cls = pd.MultiIndex.from_frame(key).map(
        pd.Series(np.arange(len(classes)), index=pd.MultiIndex.from_frame(classes)))
    return np.asarray(cls, dtype=np.int64), classes


def class_replay(inflow: np.ndarray, back: int, trucks_per_t: np.ndarray,
                 max_wait_days: np.ndarray, fill: np.ndarray, budget: np.ndarray,
                 order: np.ndarray, span: int | None = None) -> Replay:
    """Replay queues whose departures are filled oldest cohort first across the streams of a
    fill class, within a daily truck budget per class.

    Parameters
    ----------
    inflow : ndarray, shape (streams, back + days)
        Tonnes reaching the queue, column ``back + a`` on day ``a`` (initial queues of age
        ``g`` in column ``back - g``), as :func:`borderflow.model.fifo.fifo_writeoffs`.
    back : int
        Columns before day 0.
    trucks_per_t : ndarray, shape (streams,)
        ``1 / payload``.
    max_wait_days : ndarray of int, shape (streams,)
        ``W``: cargo of day ``a`` is written off on day ``a + W + 1``.
    fill : ndarray of int, shape (streams,)
        The class whose budget a stream's departures use (the stream itself for the LP's own
        order, its lane class for first come, first served across goods).
    budget : ndarray, shape (fill classes, days)
        Trucks each class sends each day.
    order : ndarray of int, shape (streams,)
        The class in which ``out_of_order`` is measured.
    span : int, optional
        Columns of the queue looked at each day (default: the longest wait + 2); the streams
        of a few classes replayed apart pass the whole model's, so that their rows are summed
        over the same columns as when every class is replayed
        (:mod:`borderflow.model.replay_memo`).

    Returns
    -------
    Replay
    """
    n_s, n_c = inflow.shape
    n_p = n_c - back
    w = np.asarray(max_wait_days, dtype=np.int64)
    tpt = np.asarray(trucks_per_t, dtype=float)
    n_f, n_o = budget.shape[0], int(order.max(initial=-1)) + 1
    rem = np.zeros((n_s, n_c))
    dep, exp_, queue, ooo = (np.zeros((n_s, n_p)) for _ in range(4))
    unfilled = np.zeros((n_f, n_p))
    cols = np.arange(n_c)
    span = int(w.max(initial=0)) + 2 if span is None else int(span)
    for t in range(n_p):
        lo = 0 if t == 0 else max(0, back + t - span)
        hi = back + t + 1
        rem[:, back + t] += inflow[:, back + t]
        if t == 0:
            rem[:, :back] += inflow[:, :back]
        win = rem[:, lo:hi]
        due = cols[None, lo:hi] <= (back + t - w - 1)[:, None]
        exp_[:, t] = np.where(due, win, 0.0).sum(axis=1)
        win[due] = 0.0
        take, have = _fill(win, tpt, fill, n_f, budget[:, t])
        unfilled[:, t] = np.clip(budget[:, t] - have, 0.0, None)
        # what first come, first served in the order class would have sent from the same
        # queue with the same trucks: the tonnes taken beyond it left out of arrival order
        sent = np.bincount(order, weights=(take * tpt[:, None]).sum(axis=1), minlength=n_o)
        fcfs, _ = _fill(win, tpt, order, n_o, sent)
        ooo[:, t] = np.clip(take - fcfs, 0.0, None).sum(axis=1)
        win -= take
        dep[:, t] = take.sum(axis=1)
        queue[:, t] = win.sum(axis=1)
    return Replay(dep, exp_, queue, unfilled, ooo)


def _fill(win: np.ndarray, tpt: np.ndarray, cls: np.ndarray, n_cls: int,
          trucks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tonnes taken from each stream's cohorts (``win``, streams x arrival days, oldest
    first) when each class sends ``trucks``: oldest arrival day first, a day pro rata across
    the class's streams. Also returns the trucks each class had waiting."""
    per_class = np.zeros((n_cls, win.shape[1]))
    np.add.at(per_class, cls, win * tpt[:, None])
    before = np.cumsum(per_class, axis=1) - per_class
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(per_class > 0, (trucks[:, None] - before) / per_class, 0.0)
    return win * np.clip(frac, 0.0, 1.0)[cls], per_class.sum(axis=1)


@dataclass(frozen=True)
class ClassFifo:
    """What the class-FIFO replay of a solved dated LP found (``summary.class_fifo``)."""

    out_of_order_t: float
    classes: int
    classes_out_of_order: int
    lp_objective_usd: float
    objective_usd: float
    unfilled_trucks: float
    expired_t: float
    lp_expired_t: float
    demand_excess_t: float
    demand_rows_exceeded: int
    shown: bool
    #: the replay set other values in the model at some point (restored unless ``shown``:
    #: clipped at 0 then), so the model's objective is to be read again
    changed: bool = False

    @property
    def in_order(self) -> bool:
        """The LP's plan already clears first come, first served across goods."""
        return self.out_of_order_t <= TOL_T

    @property
    def feasible(self) -> bool:
        """The replay satisfies every row of the LP (its objective is an upper bound)."""
        return self.demand_rows_exceeded == 0

    @property
    def gap_usd(self) -> float:
        """Replayed objective minus the LP optimum (USD)."""
        return self.objective_usd - self.lp_objective_usd

    def as_dict(self) -> dict:
        """``summary.json``'s ``class_fifo``."""
        base = abs(self.lp_objective_usd)
        return {"rule": "first come, first served across goods within a lane class "
                        "(gate, direction, perishable priority lane or general lane)",
                "out_of_order_t": self.out_of_order_t,
                "classes": self.classes,
                "classes_out_of_order": self.classes_out_of_order,
                "lp_lower_bound_usd": self.lp_objective_usd,
                "replayed_objective_usd": self.objective_usd,
                "gap_usd": self.gap_usd,
                "gap_pct": 100.0 * self.gap_usd / base if base > 0 else 0.0,
                "replayed_expired_t": self.expired_t,
                "lp_expired_t": self.lp_expired_t,
                "unfilled_trucks": self.unfilled_trucks,
                "demand_excess_t": self.demand_excess_t,
                "demand_rows_exceeded": self.demand_rows_exceeded,
                "feasible": self.feasible,
                "tables_show": "class_fifo replay" if self.shown else "LP plan"}

    def sentence(self) -> str:
        """The finding in words (``optimality`` and the narrative)."""
        if self.in_order:
            return ("the LP's gates clear first come, first served across goods within each "
                    "lane class")
        head = (f"the LP clears {self.out_of_order_t:,.1f} t out of arrival order across goods "
                f"in {self.classes_out_of_order} lane class(es); cleared first come, first "
                f"served, the plan costs {self.gap_usd:,.0f} USD more")
        if self.feasible:
            return head + (" (the optimum under that rule lies between the LP optimum and "
                           "the replay)")
        return head + (f", but the replay exceeds {self.demand_rows_exceeded} market demand "
                       f"row(s) by {self.demand_excess_t:,.1f} t in all: not a feasible plan, "
                       "only the LP optimum bounds the optimum under that rule (from below)")


def _set(var, idx: np.ndarray, values: np.ndarray) -> None:
    for i, v in zip(idx.ravel(), values.ravel()):
        var[int(i)].set_value(max(float(v), 0.0), skip_validation=True)


def _demand_excess(built, dep_values: np.ndarray) -> np.ndarray:
    """Per ``market_demand`` row: tonnes above the demand with ``dep_values`` departures."""
    ix, m = built.index, built.model
    rows = ix.demand_rows
    if rows.empty:
        return np.zeros(0)
    d = ix.deliveries()
    row = ix.demand_row(d)
    idx = d["idx"].to_numpy(dtype=np.int64)
    is_dep = d["var"].to_numpy() == "departures"
    val = np.zeros(len(d))
    val[is_dep] = dep_values[idx[is_dep]]
    val[~is_dep] = var_values(m.route_flow, len(m.route_flow))[idx[~is_dep]]
    has = row >= 0
    total = np.bincount(row[has], weights=val[has], minlength=len(rows))
    demand = rows["demand_t"].to_numpy(dtype=float)
    over = total - demand
    return np.where(over > TOL_T * np.maximum(1.0, np.abs(demand)), over, 0.0)


def class_fifo(built, plan_usd: float, lp_optimum_usd: float | None = None,
               show: bool = False, keep: bool = False,
               arrays: tuple | None = None) -> ClassFifo | None:
    """Replay a solved dated model's gates first come, first served across goods within each
    lane class (after :func:`borderflow.model.fifo.repair_fifo`).

    Parameters
    ----------
    built : BuiltModel
        A solved dated model (values loaded).
    plan_usd : float
        The objective of the model's values (the run's ``objective_usd``: with a sweep's own
        columns too); the replay's is it plus the change in the model's cost terms.
    lp_optimum_usd : float, optional
        The LP optimum when the model's values are a within-stream FIFO repair of it
        (``FifoRepair.lp_objective_usd``); default: ``plan_usd``.
    show : bool
        Leave the replayed plan in the model's values (the result tables then show it) when it
        is feasible; otherwise the LP's values are restored.
    keep : bool
        A sweep's kept model: the lane classes whose queues are its first replay's are taken
        from it, only the others replayed (:mod:`borderflow.model.replay_memo`; the same
        arrays, bit for bit).
    arrays : tuple, optional
        :func:`~borderflow.model.fifo.stream_arrays` of ``built`` as its values are now (the
        ones :func:`~borderflow.model.fifo.repair_fifo` read, when it changed nothing), if
        the caller has them; read again otherwise. Not changed here.

    Returns
    -------
    ClassFifo or None
        ``None`` for a static model or one without queues.
    """
    if not built.dated or built.queues.empty:
        return None
    m, ix = built.model, built.index
    inflow, back, dep, lp_exp, qpos = stream_arrays(built) if arrays is None else arrays
    streams = ix.streams
    tpt = 1.0 / streams["payload_t_per_truck"].to_numpy(dtype=float)
    w = streams["max_wait_days"].to_numpy(dtype=np.int64)
    from .replay_memo import replay_classes  # it replays with class_replay (above)

    cls, classes = lane_classes(streams, ix.priority_rows)
    # the classes whose queues are the kept model's first replay's are taken from it
    fifo = replay_classes(inflow, back, tpt, w, dep, cls, len(classes),
                          keep=streams if keep else None)
    out_t = fifo.out_of_order.sum(axis=1)
    lower = float(plan_usd if lp_optimum_usd is None else lp_optimum_usd)
    upper = float(plan_usd)
    lp_queue = var_values(m.queue, len(m.queue))[qpos]
    excess = np.zeros(0)
    changed = np.abs(fifo.departures - dep).max(initial=0.0) > TOL_T
    moved = (np.abs(fifo.departures - dep) + np.abs(fifo.expired - lp_exp)
             + np.abs(fifo.queue - lp_queue)).max(axis=1) > 0  # streams the replay changes
    put = False  # the replay's values are in the model
    if changed:
        def replayed():
            nonlocal put
            before = float(pyo.value(m.objective))
            _set(m.departures, qpos[moved], fifo.departures[moved])
            _set(m.expired, qpos[moved], fifo.expired[moved])
            _set(m.queue, qpos[moved], fifo.queue[moved])
            put = True
            return (float(pyo.value(m.objective)) - before,
                    _demand_excess(built, var_values(m.departures, len(m.departures))))

        # a kept model whose values are its first reading's: that reading's cost change and
        # demand excess (functions of the values and the replay, itself of the values)
        cost = m.objective.cost_arrays() if keep else None
        values = None if cost is None else column_values(cost[0])[cost[1]]  # NaN: none
        if values is None or np.isnan(values).any():
            delta, excess = replayed()
        else:
            delta, excess = same(streams, "class_fifo", (
                values, inflow, dep, lp_exp, lp_queue, moved,
                var_values(m.route_flow, len(m.route_flow))), replayed)
        upper += delta
    feasible = not (excess > 0).any()
    shown = bool(show and changed and feasible)
    if shown and not put:
        _set(m.departures, qpos[moved], fifo.departures[moved])
        _set(m.expired, qpos[moved], fifo.expired[moved])
        _set(m.queue, qpos[moved], fifo.queue[moved])
    if changed and not shown:  # the LP's values (clipped at 0), whether the replay's were put
        _set(m.departures, qpos[moved], dep[moved])
        _set(m.expired, qpos[moved], lp_exp[moved])
        _set(m.queue, qpos[moved], lp_queue[moved])
    by_class = np.bincount(cls, weights=out_t, minlength=len(classes))
    return ClassFifo(out_of_order_t=float(out_t.sum()), classes=len(classes),
                     classes_out_of_order=int((by_class > TOL_T).sum()),
                     lp_objective_usd=lower, objective_usd=upper,
                     unfilled_trucks=float(fifo.unfilled_trucks.sum()),
                     expired_t=float(fifo.expired.sum()), lp_expired_t=float(lp_exp.sum()),
                     demand_excess_t=float(excess.sum()),
                     demand_rows_exceeded=int((excess > 0).sum()), shown=shown,
                     changed=bool(changed))
