"""Rolling-horizon solves: a long dated LP solved window by window.

A year day by day is one LP of half a million columns; HiGHS's interior point needs about
days^1.9 time on it (BENCHMARKS.md), 8 minutes for 365 days. Solved in windows of a few weeks
the same year takes under a minute, because the model is *causal*: every row involves only
variables of its own day and earlier ones (:func:`borderflow.model.formulation.column_periods`).

Window ``w`` commits days ``[s, s + window_days)`` and looks ``overlap_days`` further ahead:

1. columns of days ``[s, s + window_days + overlap_days)`` are the window's variables;
   columns of earlier days are fixed at the values earlier windows committed (their terms move
   to the row bounds); later columns are left out;
2. rows whose latest variable falls in the window are the window's rows (earlier rows are
   already satisfied, later ones wait for their window);
3. HiGHS solves the window LP (same options as the whole model); its values of committed
   days, and the duals of rows whose latest day is committed, are kept.

The look-ahead defaults to the longest a cargo may wait in a queue (14 days on the embedded
dataset), so every committed dispatch is seen through to its crossing or expiry, and is never
below the model's reach (``min_overlap_days``: how far a committed dispatch counts in capacity
and market rows), so whatever a window commits leaves the next window feasible. The result is a
feasible solution of the whole LP, optimal for a planner who sees ``window_days +
overlap_days`` ahead: equal to the exact optimum when nothing beyond the look-ahead changes
today's decisions (the undisrupted year, to 1e-14), costlier otherwise (the exact LP's perfect
foresight is the optimistic bound). A look-ahead shorter than the queue wait is faster but
myopic: revenue of cargo still queued at a window's end is not seen. Duals are each window's,
not the whole LP's.

**Exact mode** (``RollingHorizon(exact=True)``): the stitched solution is only the start. IPX's
crossover runs on the *whole* LP from the stitched values and the windows' duals, and the
primal simplex proves the whole LP's optimum from the basis it returns
(:meth:`HighsSession.solve_from_point`): the answer, its duals and its basis are those of the
whole LP, the same optimum as one interior-point solve (to HiGHS's tolerances), in time linear
in days where the one-LP interior point grows as days^1.9-2.2 (365 days of the embedded
dataset: 15-23 s CPU against 504 s; docs/dated-performance-plan.md). A short look-ahead (4
days) is enough: the windows only have to give a good start. Each window after the first
starts HiGHS's dual simplex from the basis the window before ended with, on the days both
hold (:func:`window_basis`; the first window, and any window whose start HiGHS refuses or
that does not end optimal from it, is solved cold by the session's algorithm): the same
window optimum, found faster. If a window fails (an
infeasible or congested horizon), the whole LP is solved at once instead, so an infeasibility
is explained from the whole model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import highspy
import numpy as np

from .highs import (METHODS, HighsSession, SolveSummary, configure, highs_lp,
                    new_highs, raise_for_status, run_highs, solver_version, status_of)
from .memory import lp_arrays


@dataclass(frozen=True)
class RollingHorizon:
    """Window sizes of a rolling-horizon solve, in days.

    Attributes
    ----------
    window_days : int
        Days each window commits.
    overlap_days : int or None
        Days each window looks further ahead without committing them (raised to the model's
        minimum look-ahead). ``None``: the model's own horizon of consequences (the longest a
        cargo may wait in a queue), so that every committed dispatch is seen through to its
        crossing or expiry.
    exact : bool
        After the windows, bring the whole LP to its optimum from their solution (crossover
        and the primal simplex): the exact optimum, the windows only a start. False: the
        stitched windows are the answer (an approximation with limited foresight).
    """

    window_days: int = 14
    overlap_days: int | None = None
    exact: bool = False

    def __post_init__(self):
        if self.window_days < 1 or (self.overlap_days is not None and self.overlap_days < 0):
            raise ValueError(f"window_days must be >= 1 and overlap_days >= 0, got "
                             f"{self.window_days} and {self.overlap_days}")


@dataclass(frozen=True)
class _Window:
    first_day: int
    commit_end: int  # first day not committed by this window
    end: int  # first day not in this window


def windows(n_days: int, horizon: RollingHorizon, min_overlap_days: int = 0,
            default_overlap_days: int = 0) -> list[_Window]:
    """The windows covering days ``0 .. n_days - 1``."""
    asked = default_overlap_days if horizon.overlap_days is None else horizon.overlap_days
    overlap = max(asked, min_overlap_days)
    out = []
    for s in range(0, n_days, horizon.window_days):
        commit = min(n_days, s + horizon.window_days)
        end = n_days if commit == n_days else min(n_days, commit + overlap)
        out.append(_Window(s, commit, end))
    return out


def column_days(session: HighsSession, periods: dict) -> np.ndarray:
    """Day of each HiGHS column from ``{variable component: day per index}``; every column
    must be given one."""
    n = session.highs.getNumCol()
    day = np.full(n, -1, dtype=np.int64)
    for comp, p in periods.items():
        where = session.columns_of(comp)
        ok = where >= 0
        day[where[ok]] = np.asarray(p, dtype=np.int64)[ok]
    if (day < 0).any():
        raise ValueError(f"{int((day < 0).sum())} column(s) have no day: a rolling horizon "
                         "needs the day of every variable")
    return day


def solve_rolling(session: HighsSession, periods: dict, horizon: RollingHorizon,
                  min_overlap_days: int = 0, default_overlap_days: int = 0,
                  load: bool = True, on_window=None) -> SolveSummary:
    """Solve ``session``'s model window by window; load the stitched solution into Pyomo
    (``horizon.exact``: then the whole LP from it, see the module docstring).

    Parameters
    ----------
    session : HighsSession
        The whole model (its HiGHS LP is read, not solved).
    periods : dict
        Day of each variable, per variable component
        (:func:`borderflow.model.formulation.column_periods`).
    horizon : RollingHorizon
    min_overlap_days : int
        The model's minimum look-ahead (:func:`borderflow.model.formulation.lookahead_days`).
    default_overlap_days : int
        Look-ahead when ``horizon.overlap_days`` is ``None``
        (:func:`borderflow.model.formulation.longest_queue_wait_days`).
    load : bool
        Load values and duals into the Pyomo model.
    on_window : callable, optional
        ``on_window(k, n, first_day, last_day)`` before window ``k`` (0-based) of ``n`` is
        solved (progress display); with ``exact``, ``k == n`` before the whole LP is.

    Returns
    -------
    SolveSummary
        Objective of the stitched solution on the whole LP (``exact``: the whole LP's
        optimum), total HiGHS time and iterations, ``windows`` solved, ``method`` and
        ``exact``.

    Raises
    ------
    SolverError
        A subclass, if a window does not end optimal (the message names the window's days);
        with ``exact``, if the whole LP does not (a failed window falls back to it).
    """
    point = window_point(session, periods, horizon, min_overlap_days, default_overlap_days,
                         on_window)
    return finish_rolling(session, point, horizon, load, on_window)



def window_progress(progress) -> object:
    """``on_window`` of a rolling solve reported through a pipeline progress callback
    ``progress(stage, done, total, message)`` as stage ``solve``: window ``k`` of ``n``, then
    ``n`` of ``n`` for the whole LP of the exact path."""
    def window(k: int, n: int, first_day: int, last_day: int) -> None:
        progress("solve", k, n, f"window {k + 1} of {n} (days {first_day}-{last_day})"
                 if k < n else "the whole LP from the windows' solution (crossover, primal "
                               "simplex)")

    return window

@dataclass
class WindowPoint:
    """The windows' stitched solution of a rolling-horizon solve (:func:`window_point`):
    ``x`` per HiGHS column, the committed rows' ``duals`` per HiGHS row, its ``objective`` on
    the whole LP, HiGHS ``seconds`` and ``iterations``, the window ``plan`` and the last day,
    and ``failed``: ``None`` or ``(k, status, termination)`` of the first window that did not
    end optimal (the windows stopped there)."""

    x: np.ndarray
    duals: np.ndarray
    objective: float | None
    seconds: float
    iterations: int
    plan: list
    last_day: int
    failed: tuple | None = None


def window_point(session: HighsSession, periods: dict, horizon: RollingHorizon,
                 min_overlap_days: int = 0, default_overlap_days: int = 0,
                 on_window=None) -> WindowPoint:
    """Solve the windows of ``session``'s LP one after another (:func:`solve_rolling`'s first
    part; parameters as there): their stitched values and duals, nothing loaded."""
    day = column_days(session, periods)
    plan = windows(int(day.max(initial=-1)) + 1, horizon, min_overlap_days,
                   default_overlap_days)
    # the windows' copies of the LP (about 300 MB at 365 days) are gone once this returns,
    # before the whole LP's crossover and simplex ask HiGHS for their memory
    x, duals, objective, seconds, iterations, failed = _solve_windows(session, day, plan,
                                                                     horizon, on_window)
    return WindowPoint(x=x, duals=duals, objective=objective, seconds=seconds,
                       iterations=iterations, plan=plan, last_day=int(day.max(initial=-1)),
                       failed=failed)


def finish_rolling(session: HighsSession, point: WindowPoint, horizon: RollingHorizon,
                   load: bool = True, on_window=None) -> SolveSummary:
    """:func:`solve_rolling`'s second part on a :func:`window_point` of ``session``'s LP
    (``session`` may be a model rebuilt over more columns, ``point`` carried to it): the
    whole LP from the point (``horizon.exact``), or the stitched windows as the answer; a
    failed window: the whole LP at once (exact) or the window's error."""
    plan = point.plan
    if point.failed is not None and horizon.exact:  # the whole LP says why, or solves it
        if on_window is not None:
            on_window(len(plan), len(plan), 0, point.last_day)
        return session.solve(load=load)
    if point.failed is not None:
        k, status, termination = point.failed
        w = plan[k]
        raise_for_status(_summary(session, status, termination, None, point.seconds,
                                  point.iterations, k + 1, horizon, plan),
                         prefix=f"rolling horizon, window {k + 1} of {len(plan)} (days "
                                f"{w.first_day}-{w.end - 1}): ")
    if horizon.exact:
        if on_window is not None:
            on_window(len(plan), len(plan), 0, point.last_day)
        exact = session.solve_from_point(point.x, point.duals, load=load, windows=len(plan))
        return replace(exact, solve_seconds=point.seconds + exact.solve_seconds,
                       iterations=point.iterations + exact.iterations)
    summary = _summary(session, "optimal", "Optimal (rolling horizon)", point.objective,
                       point.seconds, point.iterations, len(plan), horizon, plan)
    if load:
        session.load_solution(point.x, point.duals)
    return summary


def _solve_windows(session: HighsSession, day: np.ndarray, plan: list[_Window],
                   horizon: RollingHorizon, on_window) -> tuple:
    """Solve the windows of ``plan`` one after another on ``session``'s LP.

    Returns
    -------
    tuple
        ``(x, duals, objective, seconds, iterations, failed)``: the stitched values per column,
        the committed rows' duals, the stitched objective on the whole LP, HiGHS seconds and
        iterations, and ``None`` or ``(k, status, termination)`` of the first window that did
        not end optimal (the windows stop there).
    """
    lp = lp_arrays(session.highs)
    A = lp.A
    R = A.tocsr()
    filled = np.diff(R.indptr) > 0
    row_day = np.full(R.shape[0], -1, dtype=np.int64)
    if filled.any():
        row_day[filled] = np.maximum.reduceat(day[R.indices], R.indptr[:-1][filled])
    del R
    x = np.zeros(A.shape[1])
    duals = np.zeros(A.shape[0])
    seconds, iterations = 0.0, 0
    previous = None  # (columns, rows, basis) of the window before, for a warm start
    for k, w in enumerate(plan):
        if on_window is not None:
            on_window(k, len(plan), w.first_day, w.end - 1)
        cols = np.flatnonzero((day >= w.first_day) & (day < w.end))
        rows = np.flatnonzero((row_day >= w.first_day) & (row_day < w.end))
        past = np.where(day < w.first_day, x, 0.0)
        fixed = (A @ past)[rows]  # what committed days already put in the window's rows
        h = new_highs()
        configure(h, session.options)
        h.passModel(highs_lp(A[rows][:, cols], lp.cost[cols], lp.col_lower[cols],
                             lp.col_upper[cols], lp.row_lower[rows] - fixed,
                             lp.row_upper[rows] - fixed))
        basis = window_basis(previous, cols, rows, lp.col_lower[cols]) if horizon.exact \
            else None
        t0 = time.perf_counter()
        status, termination, its = _run_window(h, session.options, basis)
        seconds += time.perf_counter() - t0
        iterations += its
        if status != "optimal":
            return x, duals, None, seconds, iterations, (k, status, termination)
        sol = h.getSolution()
        keep = day[cols] < w.commit_end
        x[cols[keep]] = np.asarray(sol.col_value)[keep]
        keep_rows = row_day[rows] < w.commit_end
        duals[rows[keep_rows]] = np.asarray(sol.row_dual)[keep_rows]
        previous = (cols, rows, h.getBasis()) if horizon.exact else None
        del h, sol
    return x, duals, float(lp.cost @ x + lp.offset), seconds, iterations, None


_STATUS = {int(v): v for v in highspy.HighsBasisStatus.__members__.values()}
_BASIC = int(highspy.HighsBasisStatus.kBasic)
_LOWER = int(highspy.HighsBasisStatus.kLower)
_ZERO = int(highspy.HighsBasisStatus.kZero)


def window_basis(previous, cols: np.ndarray, rows: np.ndarray,
                 col_lower: np.ndarray | None = None) -> highspy.HighsBasis | None:
    """A start basis for a window LP of whole-LP ``cols`` and ``rows`` (sorted indices) from
    the window before it (exact windows only: the windows there are a start, not the answer).

    The windows overlap (7 committed days + 4 of look-ahead: 4 of a window's 11 days were the
    last window's look-ahead), so the columns and rows both windows hold keep the status they
    had at the last window's optimum; a column new to this window starts nonbasic at its lower
    bound (at zero if it has none: a flow not yet sent), a row new to it basic (its slack).
    Columns the last window held and this one fixes drop out, so the basis may have fewer (or
    more) basic variables than rows: HiGHS's ``setBasis`` accepts it and its simplex repairs
    the rank, as with any crash basis. The basis only chooses where the dual simplex starts;
    the window's optimum is the LP's own (:func:`_run_window` re-solves cold if the warm
    solve does not end optimal).

    Parameters
    ----------
    previous : tuple or None
        ``(cols, rows, basis)`` of the window before (sorted whole-LP column and row indices,
        and its ``highspy.HighsBasis``), or ``None``.
    cols, rows : numpy.ndarray
        Sorted whole-LP column and row indices of this window.
    col_lower : numpy.ndarray, optional
        Lower bounds of this window's columns: a new column without one (``-inf``) starts
        nonbasic at zero.

    Returns
    -------
    highspy.HighsBasis or None
        ``None`` (a cold start) when there is no previous window, its basis is not valid, or
        its statuses do not match its columns and rows in number.
    """
    if previous is None:
        return None
    prev_cols, prev_rows, prev = previous
    if prev is None or not prev.valid or len(prev.col_status) != len(prev_cols) or \
            len(prev.row_status) != len(prev_rows):
        return None
    col_status = _carried(prev_cols, np.fromiter(map(int, prev.col_status), np.int64,
                                                 len(prev_cols)), cols, -1)
    new = col_status < 0
    col_status[new] = _LOWER
    if col_lower is not None:
        col_status[new & np.isneginf(np.asarray(col_lower, dtype=float))] = _ZERO
    row_status = _carried(prev_rows, np.fromiter(map(int, prev.row_status), np.int64,
                                                 len(prev_rows)), rows, _BASIC)
    basis = highspy.HighsBasis()
    basis.col_status = [_STATUS[v] for v in col_status.tolist()]
    basis.row_status = [_STATUS[v] for v in row_status.tolist()]
    basis.valid = True
    return basis


def _carried(prev_index: np.ndarray, prev_status: np.ndarray, index: np.ndarray,
             new: int) -> np.ndarray:
    """Statuses of ``index`` (sorted): ``prev_status`` where ``prev_index`` (sorted) holds the
    same entry, ``new`` elsewhere."""
    out = np.full(len(index), new, dtype=np.int64)
    if len(prev_index) == 0 or len(index) == 0:
        return out
    pos = np.minimum(np.searchsorted(prev_index, index), len(prev_index) - 1)
    held = prev_index[pos] == index
    out[held] = prev_status[pos[held]]
    return out


def _run_window(h: highspy.Highs, options, basis) -> tuple[str, str, int]:
    """Solve the window LP held by ``h``: warm by the dual simplex from ``basis`` (ignored if
    ``None`` or if HiGHS refuses it), else cold by the session's algorithm; a warm solve that
    does not end optimal is solved again cold, so a start basis never changes how a window
    ends. Returns ``(status, termination, iterations)``."""
    iterations = 0
    if basis is not None:
        h.setOptionValue("solver", "simplex")
        if h.setBasis(basis) == highspy.HighsStatus.kOk:
            run_highs(h, options.log)
            iterations += _iterations(h)
            status, termination = status_of(h)
            if status == "optimal":
                return status, termination, iterations
        h.clearSolver()  # a cold start, as without a basis
        h.setOptionValue("solver", options.solver)
    run_highs(h, options.log)  # h.run(), heard by a progress display
    status, termination = status_of(h)
    return status, termination, iterations + _iterations(h)


def _iterations(h: highspy.Highs) -> int:
    info = h.getInfo()
    return int(info.simplex_iteration_count + max(info.ipm_iteration_count, 0))


def _summary(session: HighsSession, status: str, termination: str, objective: float | None,
             seconds: float, iterations: int, n_windows: int, horizon: RollingHorizon,
             plan: list[_Window]) -> SolveSummary:
    ahead = max((w.end - w.commit_end for w in plan), default=0)
    return SolveSummary(status=status, termination=termination, objective_usd=objective,
                        solver=solver_version(), solve_seconds=seconds,
                        translate_seconds=session.translate_seconds, iterations=iterations,
                        variables=session.highs.getNumCol(), constraints=session.highs.getNumRow(),
                        nonzeros=session.highs.getNumNz(), warm_start=False, windows=n_windows,
                        method=METHODS["windows"].format(window=horizon.window_days,
                                                         ahead=ahead),
                        exact=False)
