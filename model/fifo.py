"""First-in-first-out write-offs of a solved dated LP: the replay, its repair and its bound.

Why an LP cannot state FIFO write-offs exactly
----------------------------------------------
Within a stream, cargo arriving on day ``a`` may wait to the end of day ``a + W``; under FIFO
the write-off on day ``t`` is exactly what is left of the cohorts of days ``<= t - W - 1``:

.. math:: e_t = \\max(0,\\ S_{t-W-1} - D_{t-1})

(``S``: cumulative arrivals, ``D``: cumulative departures and write-offs). The queue rows of
:mod:`borderflow.model.formulation` state the convex half of it: ``queue_age`` is
``D_{t-1} + e_t >= S_{t-W-1}`` (old cargo cannot stay) and ``queue_expiry`` the valid bound
``e_t <= A_{t-W-1}``. The other half, ``e_t <= max(0, S_{t-W-1} - D_{t-1})``, is not convex,
and no linear formulation, in these variables or any others, can replace it: the set of FIFO
solutions is not convex. Example (``W = 1``; 10 t arrive on day 0 and 10 t on day 1):
departing 20 t on day 1 (nothing written off) and departing nothing (10 t written off on day
2, 10 t on day 3) are both FIFO, but their midpoint (10 t depart on day 1, 5 t written off on
day 2) is not: FIFO sends the day-0 cargo on day 1 and writes nothing off on day 2. Any LP
that contains the two FIFO points contains the midpoint, which writes off 5 t of day-1 cargo a
day early ("phantom expiry") and saves 5 t-days of waiting.

So the dated LP is a **relaxation** of the FIFO model: its optimum ``L`` is a lower bound.
Writing young cargo off early pays only when that cargo expires later anyway (a gate closed
longer than the shelf life, capacity short for days), which is when it happens.

What a run does about it
------------------------
:func:`fifo_writeoffs` replays every stream first in, first out with the LP's departures (the
verifier's order: write-offs of cargo past its wait first, then departures, oldest first) and
gives the true write-offs and stocks. If they equal the LP's, the LP optimum is a FIFO solution
and therefore the FIFO optimum (exact). If not, :func:`repair_fifo` replaces the LP's
write-offs and stocks by the replay's: departures, flows and every capacity and market row are
unchanged, the replayed write-offs are never larger (so the stocks stay non-negative and every
queue row holds), and the objective becomes ``U >= L``. The run then reports the repaired,
FIFO-consistent solution, the bound ``L`` and the gap ``U - L``: the FIFO optimum lies in
``[L, U]``. Closing that gap needs integer variables (one disjunction per stream-day:
``e_t = 0`` or ``D_{t-1} + e_t = S_{t-W-1}``), which the model does not add.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .pyomo_layer import var_values
from .queues import arrivals

#: tonnes below which an LP write-off and the replay's count as equal (HiGHS's feasibility
#: tolerance is 1e-7 on rows of tonnes)
TOL_T = 1e-6


@dataclass(frozen=True)
class FifoRepair:
    """What the FIFO replay found in a solved dated LP.

    Attributes
    ----------
    written_off_early_t : float
        Tonnes the LP wrote off before their deadline (summed positive differences, t).
    lp_objective_usd : float
        The LP optimum: a lower bound on the FIFO optimum (USD).
    objective_usd : float
        The objective of the repaired, FIFO-consistent solution (USD).
    streams : int
        Streams whose write-offs were repaired.
    """

    written_off_early_t: float
    lp_objective_usd: float
    objective_usd: float
    streams: int

    @property
    def gap_usd(self) -> float:
        """How far the reported solution may be above the FIFO optimum (USD)."""
        return self.objective_usd - self.lp_objective_usd

    def as_dict(self) -> dict:
        """``summary.json``'s ``fifo_repair``."""
        return {"written_off_early_t": self.written_off_early_t,
                "streams": self.streams,
                "lp_lower_bound_usd": self.lp_objective_usd,
                "gap_usd": self.gap_usd}

    def sentence(self) -> str:
        """The repair in words, for ``optimality``."""
        return (f"the LP wrote off {self.written_off_early_t:,.1f} t before their deadline in "
                f"{self.streams} stream(s) (an LP cannot state FIFO write-offs exactly); "
                f"written off first in, first out instead, the objective is within "
                f"{self.gap_usd:,.0f} USD of the FIFO optimum")


def fifo_writeoffs(inflow: np.ndarray, back: int, departures: np.ndarray,
                   max_wait_days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Write-offs and end-of-day stocks of each stream under FIFO, for given departures.

    Parameters
    ----------
    inflow : ndarray, shape (streams, back + days)
        Tonnes reaching the queue: column ``back + a`` is day ``a`` (initial queues of age
        ``g`` in column ``back - g``).
    back : int
        Columns before day 0 (the oldest initial queue's age).
    departures : ndarray, shape (streams, days)
        Tonnes crossing each day (the LP's).
    max_wait_days : ndarray of int, shape (streams,)
        ``W``: cargo reaching the queue on day ``a`` may cross up to day ``a + W`` and is
        written off on day ``a + W + 1``.

    Returns
    -------
    expired, queue : ndarray, shape (streams, days)
        Tonnes written off on each day and waiting at its end.
    """
    n_s, n_p = departures.shape
    cum = np.cumsum(inflow, axis=1)
    w = np.asarray(max_wait_days, dtype=np.int64)
    expired = np.zeros((n_s, n_p))
    queue = np.zeros((n_s, n_p))
    out = np.zeros(n_s)  # cumulative departures and write-offs to the end of the day before
    rows = np.arange(n_s)
    for t in range(n_p):
        col = back + t - w - 1  # the youngest cohort due for write-off today
        old = np.where(col >= 0, cum[rows, np.clip(col, 0, None)], 0.0)
        e = np.clip(old - out, 0.0, None)
        out = out + e + departures[:, t]
        expired[:, t] = e
        queue[:, t] = cum[:, back + t] - out
    return expired, queue


def stream_arrays(built) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]:
    """Inflow (with initial queues by age, as :func:`fifo_writeoffs` takes it), ``back``,
    departures, write-offs and the queue-variable index of every (stream, day) of a solved
    dated model (arrays ``(streams, days)`` except ``inflow``)."""
    m, ix = built.model, built.index
    n_p = ix.n_periods
    streams = ix.streams
    n_s = len(streams)
    k_pos = pd.Series(np.arange(n_s), index=streams["k"].to_numpy())
    init = ix.initial
    ages = init["age_days"].to_numpy(dtype=np.int64) if len(init) else np.zeros(0, np.int64)
    back = int(max(ages.max(initial=0), 0))
    inflow = np.zeros((n_s, back + n_p))
    if len(init):
        val = _all(m.initial_queue)[init["i"].to_numpy(dtype=np.int64)]
        np.add.at(inflow, (k_pos.loc[init["k"]].to_numpy(), back - np.maximum(ages, 0)), val)
    arr = arrivals(ix.flows, ix.pairs)
    inside = (arr["arrival_period"] >= 0) & (arr["arrival_period"] < n_p)
    arr = arr[inside]
    if len(arr):
        flow = _all(m.route_flow)[arr["f"].to_numpy(dtype=np.int64)]
        np.add.at(inflow, (k_pos.loc[arr["k"]].to_numpy(),
                           back + arr["arrival_period"].to_numpy(dtype=np.int64)), flow)
    q = ix.queues
    qpos = np.full((n_s, n_p), -1, dtype=np.int64)
    qpos[k_pos.loc[q["k"]].to_numpy(), q["period"].to_numpy(dtype=np.int64)] = q["q"].to_numpy()
    return inflow, back, _all(m.departures)[qpos], _all(m.expired)[qpos], qpos


def _all(var) -> np.ndarray:
    """Values of ``var[0] .. var[n-1]`` (0 where unset; read by index,
    :func:`~borderflow.model.pyomo_layer.var_values`: a sweep reads them per scenario)."""
    return var_values(var, len(var))


def repair_fifo(built, arrays: tuple | None = None) -> FifoRepair | None:
    """Replay a solved dated model's queues first in, first out; where the LP wrote cargo off
    before its deadline, set the write-offs and stocks to the replay's (in the Pyomo model's
    values, which the result tables read).

    Parameters
    ----------
    built : BuiltModel
        A solved model (values loaded).
    arrays : tuple, optional
        :func:`stream_arrays` of ``built`` as its values are now, if the caller has them
        (read again otherwise; neither is changed here).

    Returns
    -------
    FifoRepair or None
        ``None`` if the LP's write-offs are FIFO's (the LP optimum is then the FIFO optimum).
    """
    if not built.dated or built.queues.empty:
        return None
    m, ix = built.model, built.index
    inflow, back, dep, lp_exp, qpos = stream_arrays(built) if arrays is None else arrays
    w = ix.streams["max_wait_days"].to_numpy(dtype=np.int64)
    expired, queue = fifo_writeoffs(inflow, back, dep, w)
    diff = lp_exp - expired
    bad = np.abs(diff).max(axis=1) > TOL_T
    if not bad.any():
        return None
    lower = float(pyo.value(m.objective))
    for s in np.flatnonzero(bad):
        for t, q in enumerate(qpos[s]):
            m.expired[int(q)].set_value(max(float(expired[s, t]), 0.0), skip_validation=True)
            m.queue[int(q)].set_value(max(float(queue[s, t]), 0.0), skip_validation=True)
    return FifoRepair(written_off_early_t=float(np.clip(diff, 0.0, None)[bad].sum()),
                      lp_objective_usd=lower, objective_usd=float(pyo.value(m.objective)),
                      streams=int(bad.sum()))
