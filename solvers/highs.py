"""Solve a Pyomo LP with HiGHS through highspy, keeping the HiGHS model for warm re-solves.

The model is translated once into a column-wise matrix passed to ``highspy.Highs``: fast, from
the matrix rows the formulation builds (:func:`borderflow.model.pyomo_layer.linear_form`, which
also walks any ordinary Pyomo constraint an analyst added), or with Pyomo's own standard-form
compiler (``translator="pyomo"``, the cross-check).
:class:`HighsSession` keeps that HiGHS instance: a scenario that changes only bounds (closures,
throttles) re-solves by ``changeColsBounds``/``changeRowsBounds`` from the previous basis instead
of rebuilding and re-translating the model.

Results are loaded back into Pyomo (variable values, ``model.dual`` suffix) only when the solve
is optimal; any other termination raises a :class:`SolverError` subclass whose message says
what happened in words. (Over 500 lines: the session, the changes it takes and the
terminations it reports belong together.)
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import asdict, dataclass

import highspy
import numpy as np
import pandas as pd
import pyomo.environ as pyo
import borderflow.model  # noqa: F401  (before scipy: model/lazy_scipy.py)
import scipy.sparse as sp

from borderflow.model.pyomo_layer import (LinearForm, compiled_form, integer_columns,
                                          linear_form, load_duals, load_values,
                                          no_collection, prefix_columns, set_row_bounds)
from borderflow.solvers.interrupt import interruptible
from borderflow.solvers.listeners import _LISTENER, listening  # noqa: F401 (public here too)
from borderflow.solvers.memory import lp_arrays, release_freed_memory

_MS = highspy.HighsModelStatus
log = logging.getLogger(__name__)

def limit_time(h, seconds: float) -> None:
    """Let ``h``'s next ``run()`` take at most ``seconds`` of wall clock. HiGHS 1.x compares
    ``time_limit`` with the instance's total run time over every ``run()``
    (ERGO-Code/HiGHS#1331, #1477), so the limit is moved on by the time already run."""
    h.setOptionValue("time_limit", float(seconds) + h.getRunTime())


def run_highs(h: highspy.Highs, log: bool = False) -> None:
    """``h.run()``, feeding the listener of :func:`listening` if one is set (``log``: the
    HiGHS log is also printed, as :attr:`SolverOptions.log` asks). Ctrl-C stops HiGHS at its
    next iteration and raises ``KeyboardInterrupt`` once it has returned
    (:func:`~borderflow.solvers.interrupt.interruptible`)."""
    with interruptible(h):
        _run_listened(h, log)


def _run_listened(h: highspy.Highs, log: bool) -> None:
    """``h.run()`` with the listener's callbacks subscribed for its length, if one is set."""
    listener = _LISTENER.get()
    if listener is None:
        h.run()
        return
    feeds = ((h.cbLogging, lambda e: listener(e.message, None)),
             (h.cbSimplexInterrupt, lambda e: listener(None, e.data_out.simplex_iteration_count)),
             (h.cbIpmInterrupt, lambda e: listener(None, e.data_out.ipm_iteration_count)))
    h.setOptionValue("log_to_console", bool(log))
    h.setOptionValue("output_flag", True)  # HiGHS calls the logging callback only with output on
    for event, feed in feeds:
        event.subscribe(feed)
    try:
        h.run()
    finally:
        for event, feed in feeds:
            event.unsubscribe(feed)
        h.setOptionValue("output_flag", bool(log))
        h.setOptionValue("log_to_console", True)


@dataclass(frozen=True)
class SolverOptions:
    """HiGHS settings. Defaults are deterministic (1 thread, fixed seed).

    Attributes
    ----------
    time_limit_s : float
        Wall-clock limit of one solve, seconds.
    threads : int
        HiGHS threads (1 = deterministic and fastest for these LPs on 2 cores).
    presolve : str
        ``"on"``, ``"off"`` or ``"choose"``.
    solver : str
        HiGHS LP algorithm: ``"choose"``, ``"simplex"``, ``"ipm"``, ``"pdlp"``.
    random_seed : int
        HiGHS random seed.
    log : bool
        Print the HiGHS log.
    """

    time_limit_s: float = 600.0
    threads: int = 1
    presolve: str = "on"
    solver: str = "choose"
    random_seed: int = 0
    log: bool = False


@dataclass(frozen=True)
class SolveSummary:
    """What a solve did, whatever its outcome.

    ``status`` is one of ``optimal``, ``infeasible``, ``unbounded``, ``infeasible_or_unbounded``,
    ``time_limit``, ``iteration_limit``, ``numerical_error``, ``error``.
    """

    status: str
    termination: str
    objective_usd: float | None
    solver: str
    solve_seconds: float
    translate_seconds: float
    iterations: int
    variables: int
    constraints: int
    nonzeros: int
    warm_start: bool = False
    #: windows of a rolling-horizon solve (0: the whole model at once)
    windows: int = 0
    #: how the LP was solved, in words (:data:`METHODS`)
    method: str = ""
    #: the whole LP's optimum, proved by HiGHS (False: a rolling-horizon approximation)
    exact: bool = True
    #: ``foresight`` (the LP sees the whole calendar) or ``realistic`` (a dispatch policy
    #: re-planned as events are announced, :mod:`borderflow.solvers.informed`)
    dispatch: str = "foresight"
    #: realistic dispatch: the perfect-foresight optimum of the same model (USD), its bound,
    #: and the LP it was solved on, in words (:func:`borderflow.dispatch.aggregated_bound`)
    foresight_objective_usd: float | None = None
    foresight_bound_lp: str = ""
    #: realistic dispatch: warm dual-simplex iterations of each plan after the first
    plan_iterations: tuple = ()
    #: realistic dispatch: how each plan after the first was solved (``warm`` or ``ipx``)
    plan_solves: tuple = ()
    #: realistic dispatch: the days (0-based) on which a plan was made
    decision_periods: tuple = ()
    #: realistic dispatch: days between news of a gate and the dispatch reacting to it, and
    #: where that value comes from (:mod:`borderflow.behaviour`)
    reaction_lag_days: int | None = None
    reaction_lag_source: str = ""
    #: realistic dispatch: drivers who keep coming after news of a closure or throttle
    #: (share, days and their source, :mod:`borderflow.behaviour`; tonnes kept as floors)
    keep_coming_share: float | None = None
    keep_coming_days: int | None = None
    #: the gates with their own window: crossing id -> days (``behaviour.csv``)
    keep_coming_days_by_gate: dict | None = None
    keep_coming_source: str = ""
    keep_coming_floor_t: float | None = None
    #: realistic dispatch: transit route-days not dispatched (:mod:`borderflow.unwarned`) and
    #: the tonnes the foresight optimum sent on them
    unwarned_transit_route_days: int | None = None
    unwarned_transit_foresight_t: float | None = None

    @property
    def optimal(self) -> bool:
        """True when HiGHS proved optimality."""
        return self.status == "optimal"

    def as_dict(self) -> dict:
        """Plain dict (for summary.json)."""
        return asdict(self)


#: the words :attr:`SolveSummary.method` uses
METHODS = {
    "lp": "one LP ({algorithm})",
    "warm": "warm re-solve (simplex from the kept basis)",
    "exact_windows": "rolling windows, then the whole LP by crossover and the primal simplex",
    "windows": "rolling windows (approximation: {window} days committed per window, "
               "{ahead} days of look-ahead)",
}


class SolverError(RuntimeError):
    """A solve that did not end optimal. ``summary`` says how it ended."""

    exit_code = 3

    def __init__(self, message: str, summary: SolveSummary):
        super().__init__(message)
        self.summary = summary


class InfeasibleError(SolverError):
    """No solution satisfies every hard constraint."""

    exit_code = 4


class UnboundedError(SolverError):
    """The objective can decrease without limit (a modelling or data error)."""

    exit_code = 5


class TimeLimitError(SolverError):
    """The time limit was reached before optimality was proved."""

    exit_code = 6


class NumericalError(SolverError):
    """HiGHS reported a solve error (numerical trouble)."""

    exit_code = 7


#: HiGHS's ``solver`` option in words
_ALGORITHMS = {"ipm": "interior point", "simplex": "simplex", "choose": "HiGHS's choice",
               "pdlp": "PDLP"}

_STATUS = {
    _MS.kOptimal: "optimal",
    _MS.kModelEmpty: "optimal",
    _MS.kInfeasible: "infeasible",
    _MS.kUnbounded: "unbounded",
    _MS.kUnboundedOrInfeasible: "infeasible_or_unbounded",
    _MS.kTimeLimit: "time_limit",
    _MS.kIterationLimit: "iteration_limit",
    _MS.kSolveError: "numerical_error",
}

#: HiGHS IIS bound codes (``IisBoundStatus``) in words
_IIS_BOUNDS = {1: "free", 2: "lower", 3: "upper", 4: "boxed"}

_MESSAGES = {
    "infeasible": (InfeasibleError, "infeasible: no routing satisfies every hard constraint"),
    "infeasible_or_unbounded": (InfeasibleError, "infeasible or unbounded: HiGHS could not tell "
                                                 "which (check soft slacks and costs)"),
    "unbounded": (UnboundedError, "unbounded: the objective can fall without limit (a negative "
                                  "cost cycle or an uncapped revenue)"),
    "time_limit": (TimeLimitError, "time limit reached before HiGHS proved optimality"),
    "iteration_limit": (TimeLimitError, "iteration limit reached before optimality"),
    "numerical_error": (NumericalError, "HiGHS stopped on a numerical error"),
}


def solver_version() -> str:
    """``HiGHS x.y.z via highspy``."""
    return (f"HiGHS {highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}."
            f"{highspy.HIGHS_VERSION_PATCH} via highspy")


#: how many times, in this process, HiGHS's global thread scheduler was found started with
#: another thread count and was reset (see :class:`SchedulerSafeHighs`)
SCHEDULER_RESETS = {"count": 0}


class SchedulerSafeHighs(highspy.Highs):
    """``highspy.Highs`` whose :meth:`run` survives another HiGHS use in the same process.

    HiGHS keeps one thread scheduler per process, started by the first solve with that solve's
    ``threads`` option (HiGHS's default, 0, takes half the cores). A later solve asking for
    another count, as borderflow's deterministic 1 thread after a notebook's
    ``pyo.SolverFactory("appsi_highs").solve(...)`` on 2 cores, is refused by HiGHS: ``run``
    returns an error and the model status stays "Not Set". Here that case resets the global
    scheduler (``Highs.resetGlobalScheduler(True)``, HiGHS's own remedy) and runs once more,
    logging a warning that says so; later HiGHS solves with default threads adopt the new
    scheduler. A second failure is left to the caller (it is then something else).

    The reset must not happen while another thread of the process is inside a HiGHS solve;
    borderflow solves one model at a time per process (Dask workers are single-threaded).
    """

    def run(self):
        status = super().run()
        if status == highspy.HighsStatus.kError and self.getModelStatus() == _MS.kNotset:
            threads = self.getOptionValue("threads")
            threads = threads[-1] if isinstance(threads, tuple) else threads  # (status, value)
            highspy.Highs.resetGlobalScheduler(True)
            SCHEDULER_RESETS["count"] += 1
            status = super().run()
            if self.getModelStatus() != _MS.kNotset:
                log.warning("HiGHS's thread scheduler had been started in this process with "
                            "another thread count (an earlier HiGHS solve with default threads?); "
                            "borderflow reset it to %s thread(s) and solved again", threads)
        return status


def new_highs() -> highspy.Highs:
    """A silent :class:`SchedulerSafeHighs`: the copyright banner HiGHS prints on its first
    construction is sent to /dev/null at the file-descriptor level, so ``--json`` output stays
    pure JSON."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            h = SchedulerSafeHighs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


def start_scheduler(options: SolverOptions) -> None:
    """Start HiGHS's global thread scheduler, as a ``run()`` does, if it is not running.

    ``Highs.crossover`` uses the scheduler without starting it: called in a process where no
    HiGHS ``run()`` has happened yet it crashes the interpreter (a segmentation fault, highspy
    1.16; the exact windows always ran first, so the pipeline never met it, but
    :meth:`HighsSession.solve_from_point` is public). A one-column LP solved on a throwaway
    instance with ``options``' thread count starts it (about a millisecond; with the scheduler
    already running, nothing changes).

    Parameters
    ----------
    options : SolverOptions
        The thread count the scheduler is started with (the session's, so its own solves
        find the scheduler they ask for).
    """
    h = new_highs()
    configure(h, options)
    h.setOptionValue("output_flag", False)
    h.passModel(highs_lp(sp.csc_matrix(np.ones((1, 1))), [1.0], [0.0], [1.0], [0.0], [1.0]))
    h.run()


def configure(h: highspy.Highs, options: SolverOptions) -> None:
    """Apply ``options`` to a HiGHS instance."""
    h.setOptionValue("output_flag", bool(options.log))
    h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("random_seed", int(options.random_seed))
    h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("presolve", options.presolve)
    h.setOptionValue("solver", options.solver)


def highs_lp(A: sp.csc_matrix, cost, col_lower, col_upper, row_lower, row_upper,
             offset: float = 0.0) -> highspy.HighsLp:
    """``min cost x + offset`` s.t. ``row_lower <= A x <= row_upper``, ``col_lower <= x <=
    col_upper`` as a ``highspy.HighsLp`` (``A`` column-wise)."""
    A = sp.csc_matrix(A)
    n_rows, n_cols = A.shape
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.offset_ = float(offset)
    lp.col_lower_ = np.asarray(col_lower, dtype=float)
    lp.col_upper_ = np.asarray(col_upper, dtype=float)
    lp.row_lower_ = np.asarray(row_lower, dtype=float)
    lp.row_upper_ = np.asarray(row_upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    lp.sense_ = highspy.ObjSense.kMinimize
    return lp


def status_of(h: highspy.Highs) -> tuple[str, str]:
    """``(status, termination)`` of HiGHS's last run: our status word and HiGHS's own."""
    ms = h.getModelStatus()
    return _STATUS.get(ms, "error"), h.modelStatusToString(ms)


def raise_for_status(summary: SolveSummary, prefix: str = "") -> None:
    """Raise the :class:`SolverError` subclass of a summary that is not optimal."""
    if summary.status == "optimal":
        return
    cls, text = _MESSAGES.get(summary.status, (SolverError, f"HiGHS ended with "
                                                            f"'{summary.termination}'"))
    raise cls(prefix + text, summary)


@dataclass
class _Matrix:
    """The Pyomo objects behind HiGHS's columns and rows; the reverse look-ups (id -> HiGHS
    index) are made on first use (scenario bound changes), not for a single solve."""

    columns: list  # VarData per HiGHS column
    rows: list  # ConstraintData per HiGHS row
    #: :attr:`LinearForm.column_prefix` and :attr:`LinearForm.row_blocks` of the translation
    #: (where whole components are, without a look-up per entry)
    prefix: tuple | None = None
    row_blocks: dict | None = None
    _col_index: dict | None = None
    _row_index: dict | None = None

    @property
    def col_index(self) -> dict[int, int]:
        """``id(VarData)`` -> HiGHS column."""
        if self._col_index is None:
            self._col_index = {id(v): j for j, v in enumerate(self.columns)}
        return self._col_index

    @property
    def row_index(self) -> dict[int, int]:
        """``id(ConstraintData)`` -> its first HiGHS row."""
        if self._row_index is None:
            self._row_index = {}
            # a matrix-row component's rows are where row_blocks says: only the walked ones
            for i, con in (self.rows.walked() if hasattr(self.rows, "walked")
                           else enumerate(self.rows)):
                self._row_index.setdefault(id(con), i)
        return self._row_index


class HighsSession:
    """A Pyomo model translated once into a live HiGHS model.

    What other code changes in the kept model goes through public methods that keep HiGHS
    and (for bounds) Pyomo in step: :meth:`set_bounds` and :meth:`apply` (scenarios),
    :meth:`set_costs` and :meth:`set_coefficients` (sampled inputs); :meth:`columns_of` and
    :meth:`rows_of` say where a Pyomo component's entries are in HiGHS.

    Parameters
    ----------
    model : pyo.ConcreteModel
        A linear model with one active minimised objective.
    options : SolverOptions, optional
    translator : str
        ``"auto"``: the fast translation (:func:`borderflow.model.pyomo_layer.linear_form`:
        the formulation's matrix rows as they are, any ordinary Pyomo constraint walked row by
        row); ``"pyomo"``: Pyomo's standard-form compiler (for cross-checks).

    Raises
    ------
    ValueError
        If the model is not linear or has not one minimised objective (the message names the
        component).
    """

    #: more coefficient changes than this at once are passed as a new matrix
    #: (:meth:`set_coefficients`)
    bulk_threshold = 2_000

    def __init__(self, model: pyo.ConcreteModel, options: SolverOptions | None = None, *,
                 translator: str = "auto"):
        if translator not in ("auto", "pyomo"):
            raise ValueError(f"translator must be 'auto' or 'pyomo', not {translator!r}")
        self.model = model
        self.options = options or SolverOptions()
        t0 = time.perf_counter()
        with no_collection():  # lists of every column and row object: nothing to collect
            form = linear_form(model) if translator == "auto" else compiled_form(model)
            self._matrix = _Matrix(columns=form.columns, rows=form.rows,
                                   prefix=form.column_prefix, row_blocks=form.row_blocks or {})
            self.translator = form.translator
            self.highs = new_highs()
            self._configure()
            self.highs.passModel(self._lp(form))
        self.translate_seconds = time.perf_counter() - t0
        self._solved_once = False
        self._primal_next = False
        #: the last solve ran with ``load=False`` and its solution is not in Pyomo yet
        #: (:meth:`load_last`)
        self._unloaded = False
        self._state: dict[int, list] = {}
        self._where: dict[int, np.ndarray] = {}
        self._costs: dict[int, np.ndarray] = {}
        self._entries: tuple[np.ndarray, np.ndarray] | None = None
        #: ``(layout, matrix values)`` of the last bulk coefficient change
        self._values: tuple | None = None

    def _configure(self) -> None:
        configure(self.highs, self.options)

    def _lp(self, form: LinearForm) -> highspy.HighsLp:
        self._nonzeros = int(form.A.nnz)
        lp = highs_lp(form.A, form.cost, form.col_lower, form.col_upper, form.row_lower,
                      form.row_upper, form.offset)
        integer = integer_columns(form.columns)
        self.integer_columns = np.flatnonzero(integer)
        if integer.any():  # a mixed-integer model (the response portfolio's lever choices)
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else
                               highspy.HighsVarType.kContinuous for i in integer.tolist()]
        return lp

    def set_integer(self, integer: bool) -> None:
        """Keep (``True``) or relax (``False``) the integrality of the model's integer columns:
        with every integer column fixed by its bounds the LP is the same problem, solved by
        the LP algorithms (interior point for a dated run) instead of branch and bound."""
        cols = getattr(self, "integer_columns", np.zeros(0, dtype=np.int64))
        if not len(cols):
            return
        kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
        self._relaxed = not integer
        self.highs.changeColsIntegrality(len(cols), cols.astype(np.int32),
                                         np.array([kind] * len(cols)))

    def incumbent(self) -> bool:
        """Load the best feasible solution HiGHS found in a solve that ended early (a MIP at
        its time limit); ``False`` if it has none."""
        info = self.highs.getInfo()
        if int(info.primal_solution_status) != 2:  # kSolutionStatusFeasible
            return False
        sol = self.highs.getSolution()
        self.load_solution(sol.col_value, [])
        return True

    def mip_gap(self) -> tuple[float, float]:
        """``(relative gap, dual bound USD)`` HiGHS proved at the end of the last MIP solve
        (``(0, objective)`` for an LP, whose optimum is exact)."""
        info = self.highs.getInfo()
        if not len(getattr(self, "integer_columns", ())) or getattr(self, "_relaxed", False):
            return 0.0, float(info.objective_function_value)
        return float(info.mip_gap), float(info.mip_dual_bound)

    # -- where things are -------------------------------------------------------------------
    def _component_state(self, comp, kind: str) -> list:
        """``[HiGHS indices (-1: not in HiGHS), current lower, current upper, data]`` of a
        variable or constraint component, in index order (made once, then kept current)."""
        state = self._state.get(id(comp))
        if state is None:
            data = list(comp.values())
            if kind == "column":
                bounds = [v.bounds for v in data]
            else:
                bounds = [(c.lower, c.upper) for c in data]
            lo = np.array([-np.inf if a is None else pyo.value(a) for a, _ in bounds], float)
            up = np.array([np.inf if b is None else pyo.value(b) for _, b in bounds], float)
            state = self._state[id(comp)] = [self._where_of(comp, kind), lo, up, data]
        return state

    def _where_of(self, comp, kind: str) -> np.ndarray:
        """HiGHS index of each entry of ``comp`` (index order; -1: not in HiGHS), made once:
        a whole variable component of the translation's column prefix or a matrix-row
        component is a range (:attr:`_Matrix.prefix`, :attr:`_Matrix.row_blocks`), anything
        else is looked up entry by entry."""
        where = self._where.get(id(comp))
        if where is not None:
            return where
        m = self._matrix
        if kind == "column":
            where = prefix_columns(self.model, comp, m.prefix)
            if where is None:
                where = np.fromiter((m.col_index.get(id(v), -1) for v in comp.values()),
                                    dtype=np.int64, count=len(comp))
        elif id(comp) in m.row_blocks:
            first, keep, n = m.row_blocks[id(comp)]
            where = np.full(n, -1, dtype=np.int64)
            where[keep] = first + np.arange(len(keep), dtype=np.int64)
        else:
            where = np.fromiter((m.row_index.get(id(c), -1) for c in comp.values()),
                                dtype=np.int64, count=len(comp))
        self._where[id(comp)] = where
        return where

    def columns_of(self, comp) -> np.ndarray:
        """HiGHS column of each variable of ``comp``, in index order (-1: not in the LP)."""
        return self._where_of(comp, "column")

    def rows_of(self, comp) -> np.ndarray:
        """HiGHS row of each constraint of ``comp``, in index order (-1: not in the LP; a
        ranged ordinary constraint compiled by ``translator="pyomo"``: its first row)."""
        return self._where_of(comp, "row")

    # -- scenario changes -------------------------------------------------------------------
    def set_bounds(self, comp, lower, upper) -> int:
        """Set the bounds of every variable (or constraint) of ``comp``, in index order, in
        HiGHS and in Pyomo; ``inf``/``-inf`` = unbounded. Only entries that differ from the
        bounds set last are sent, so a sweep scenario costs what it changes.

        Returns
        -------
        int
            How many entries changed.
        """
        kind = "column" if comp.ctype is pyo.Var else "row"
        where, lo, up, data = self._component_state(comp, kind)
        lower = np.asarray(lower, dtype=float)
        upper = np.asarray(upper, dtype=float)
        changed = np.flatnonzero((lower != lo) | (upper != up))
        if not len(changed):
            return 0
        lo[changed], up[changed] = lower[changed], upper[changed]
        for i in changed.tolist():
            a = None if np.isinf(lower[i]) else float(lower[i])
            b = None if np.isinf(upper[i]) else float(upper[i])
            if kind == "column":
                data[i].setlb(a)
                data[i].setub(b)
            else:
                set_row_bounds(data[i], a, b)
        sent = changed[where[changed] >= 0]
        if len(sent):
            change = self.highs.changeColsBounds if kind == "column" else \
                self.highs.changeRowsBounds
            change(len(sent), where[sent].astype(np.int32), lower[sent].copy(),
                   upper[sent].copy())
        return len(changed)

    def apply(self, update) -> int:
        """Apply a :class:`borderflow.model.formulation.BoundUpdate` (rows and columns);
        returns how many bounds changed."""
        return sum(self.set_bounds(comp, lo, up)
                   for comp, (lo, up) in {**update.columns, **update.rows}.items())

    # -- sampled inputs: costs and coefficients (HiGHS only) ---------------------------------
    def set_costs(self, comp, cost) -> int:
        """Objective coefficients of ``comp``'s variables (in index order) in HiGHS; only
        entries that differ from those sent last (at first: the model's own) are sent. The
        Pyomo objective keeps the model's costs: report a changed model from the solution,
        not from ``pyo.value(model.objective)``.

        Returns
        -------
        int
            How many coefficients changed.
        """
        cost = np.asarray(cost, dtype=float)
        cols = self.columns_of(comp)
        last = self._costs.get(id(comp))
        if last is None:
            lp_cost = np.asarray(self.highs.getLp().col_cost_, dtype=float)
            last = np.where(cols >= 0, lp_cost[np.maximum(cols, 0)], np.nan)
        diff = np.flatnonzero((cost != last) & (cols >= 0))
        if len(diff):
            self.highs.changeColsCost(len(diff), cols[diff].astype(np.int32), cost[diff].copy())
        self._costs[id(comp)] = cost.copy()
        return len(diff)

    def set_coefficients(self, rows, cols, values, bulk: bool | None = None) -> None:
        """Matrix coefficients ``A[rows, cols] = values`` (HiGHS numbering, entries that exist
        in the matrix), in HiGHS only. One by one (``changeCoeff``, ~1 us each), or with
        ``bulk`` (default: more than :attr:`bulk_threshold` entries) written into the matrix
        read back from HiGHS and passed again with the current basis (highspy has no batch
        ``changeCoeff``).

        Raises
        ------
        RuntimeError
            If an entry of a bulk change is not in the matrix.
        """
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        values = np.asarray(values, dtype=float)
        if not (len(values) > self.bulk_threshold if bulk is None else bulk):
            self._values = None  # the matrix changes outside the kept copy
            change = self.highs.changeCoeff
            for r, c, v in zip(rows.tolist(), cols.tolist(), values.tolist()):
                change(r, c, v)
            return
        h = self.highs
        lp = h.getLp()
        basis = h.getBasis()
        # the matrix values passed last time are HiGHS's while the layout is the same (columns
        # and rows added for one sample are dropped again, and nothing else writes the matrix)
        layout = (h.getNumCol(), h.getNumRow(), h.getNumNz())
        if self._values is not None and self._values[0] == layout:
            value = self._values[1]
        else:
            value = np.array(lp.a_matrix_.value_, dtype=float)
        if self._entries is None:  # entry keys in sorted order, made once per matrix layout
            start = np.asarray(lp.a_matrix_.start_, dtype=np.int64)
            index = np.asarray(lp.a_matrix_.index_, dtype=np.int64)
            col_of = np.repeat(np.arange(len(start) - 1), np.diff(start))
            keys = col_of * lp.num_row_ + index
            order = np.argsort(keys, kind="stable")
            self._entries = (keys[order], order)
        keys, order = self._entries
        want = cols * lp.num_row_ + rows
        at = np.searchsorted(keys, want)
        if np.any(at >= len(keys)) or np.any(keys[np.minimum(at, len(keys) - 1)] != want):
            raise RuntimeError("a coefficient to change is not in the kept model's matrix")
        value[order[at]] = values
        lp.a_matrix_.value_ = value
        h.passModel(lp)
        self._values = (layout, value) if h.getNumNz() == layout[2] else None
        if basis.valid:
            h.setBasis(basis)

    # -- columns only HiGHS sees --------------------------------------------------------------
    def add_columns(self, cost: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                    values: np.ndarray) -> int:
        """Append columns ``x >= 0`` to the HiGHS model only (Pyomo does not see them: read
        their values from HiGHS; :meth:`drop_columns_from` removes them). The basis is kept,
        the new columns nonbasic at 0, so the next :meth:`solve` continues warm.

        Parameters
        ----------
        cost : array (new columns,)
            Objective coefficients.
        rows, cols, values : arrays (entries,)
            HiGHS row, new column (``0 ..`` number of new columns - 1) and coefficient of
            each matrix entry.

        Returns
        -------
        int
            The HiGHS index of the first new column.
        """
        h = self.highs
        first = int(h.getNumCol())
        n = len(cost)
        if not n:
            return first
        order = np.lexsort((rows, cols))
        starts = np.searchsorted(np.asarray(cols)[order], np.arange(n)).astype(np.int32)
        h.addCols(n, np.asarray(cost, dtype=float), np.zeros(n), np.full(n, highspy.kHighsInf),
                  len(order), starts, np.asarray(rows, dtype=np.int32)[order],
                  np.asarray(values, dtype=float)[order])
        return first

    def add_rows(self, lower: np.ndarray, upper: np.ndarray) -> int:
        """Append empty rows ``lower <= . <= upper`` to the HiGHS model only (their entries
        come with :meth:`add_columns`; :meth:`drop_rows_from` removes them). Returns the HiGHS
        index of the first new row."""
        h = self.highs
        first = int(h.getNumRow())
        n = len(lower)
        if n:
            lo = np.where(np.isfinite(lower), lower, -highspy.kHighsInf).astype(float)
            up = np.where(np.isfinite(upper), upper, highspy.kHighsInf).astype(float)
            h.addRows(n, lo, up, 0, np.zeros(n, dtype=np.int32), np.zeros(0, dtype=np.int32),
                      np.zeros(0))
        return first

    def drop_rows_from(self, first: int) -> None:
        """Delete the HiGHS rows from index ``first`` on (those :meth:`add_rows` appended)."""
        h = self.highs
        n = int(h.getNumRow())
        if n > first:
            h.deleteRows(n - first, np.arange(first, n, dtype=np.int32))

    def drop_columns_from(self, first: int) -> None:
        """Delete the HiGHS columns from index ``first`` on (those :meth:`add_columns`
        appended)."""
        h = self.highs
        n = int(h.getNumCol())
        if n > first:
            h.deleteCols(n - first, np.arange(first, n, dtype=np.int32))

    # -- warm starts ------------------------------------------------------------------------
    def basis(self) -> highspy.HighsBasis | None:
        """A copy of the current basis (``None`` if HiGHS has no valid basis)."""
        basis = self.highs.getBasis()  # highspy returns a copy
        return basis if basis.valid else None

    def restart_from(self, basis: highspy.HighsBasis | None) -> None:
        """Forget everything the solver kept from earlier solves and start the next one from
        ``basis`` (a cold start if ``None``).

        The next solve then depends only on the model and ``basis``, not on which scenarios were
        solved before: a sweep gives the same numbers whatever order its scenarios run in.
        """
        self.highs.clearSolver()
        self._unloaded = False  # HiGHS no longer holds a solution to load
        if basis is not None:
            self.highs.setBasis(basis)

    def restart_cold(self) -> None:
        """Forget everything the solver kept (:meth:`restart_from` ``None``) and run the next
        :meth:`solve` as the session's first: by its own algorithm (interior point for a dated
        run), presolved, not by the simplex later solves switch to. For an LP after solves
        that left no useful basis (a MIP's): the dated response LPs of notebook 06 took the
        cold simplex 13-31 CPU s each against about 8 by interior point."""
        self.restart_from(None)
        self.highs.setOptionValue("solver", self.options.solver)
        self._solved_once = False
        self._primal_next = False

    def resume_warm(self, solver: str) -> None:
        """Take up a model that was solved elsewhere: the next :meth:`solve` re-solves warm
        (from the basis set with :meth:`restart_from`) by HiGHS's ``solver`` as the session
        that solved it would (a sweep worker started from another's
        :class:`~borderflow.sweeps.warm_start.WarmStart`)."""
        self.highs.setOptionValue("solver", solver)
        self._solved_once = True
        self._primal_next = False

    def continue_warm(self) -> None:
        """The next :meth:`solve` continues from the basis set on HiGHS (a model rebuilt over
        more routes, started from the last one's optimal basis by
        :func:`borderflow.model.column_generation.carry_basis`): by the simplex, also when the
        session's algorithm is interior point, and reported as a warm re-solve."""
        if self.options.solver == "ipm":
            self.highs.setOptionValue("solver", "simplex")
        self._solved_once = True
        self._primal_next = True  # the basis is primal feasible: the new columns are at 0

    def next_algorithm(self) -> str:
        """What the next :meth:`solve` runs, in words (the progress line): the session's
        algorithm on a first solve; the simplex warm from the kept basis on a re-solve (the
        primal simplex after :meth:`continue_warm`), whatever the session's algorithm."""
        if not self._solved_once:
            return _ALGORITHMS.get(self.options.solver, self.options.solver)
        if self._primal_next:
            return "primal simplex, warm from the carried basis"
        return "simplex, warm from the kept basis"

    # -- solve ------------------------------------------------------------------------------
    def solve(self, load: bool = True) -> SolveSummary:
        """Run HiGHS (warm from the last basis if solved before); load results into Pyomo.

        Raises
        ------
        SolverError
            (a subclass) when the solve did not end optimal.
        """
        h = self.highs
        if self._solved_once and self.options.solver == "ipm":
            h.setOptionValue("solver", "simplex")  # re-solve from the crossover basis
        method = METHODS["warm"] if self._solved_once else \
            METHODS["lp"].format(algorithm=_ALGORITHMS.get(self.options.solver,
                                                            self.options.solver))
        if not self._primal_next:
            return self._run(load, method)
        # after continue_warm: the primal simplex (only dual infeasibilities to repair; the
        # dual simplex from such a basis took > 600 s on the 45-day Boten model)
        self._primal_next = False
        strategy = h.getOptionValue("simplex_strategy")
        strategy = strategy[-1] if isinstance(strategy, tuple) else strategy  # (status, value)
        h.setOptionValue("simplex_strategy", 4)
        try:
            return self._run(load, method)
        finally:
            h.setOptionValue("simplex_strategy", int(strategy))  # later re-solves: as before

    def solve_from_point(self, col_value, row_dual, load: bool = True,
                         windows: int = 0) -> SolveSummary:
        """The whole LP's optimum from a primal-feasible point and row duals (a rolling-horizon
        solution): IPX's crossover from that point gives a basis, then the primal simplex
        (which only has dual infeasibilities to repair) proves the whole LP's optimum; results
        are loaded into Pyomo, and later :meth:`solve` calls re-solve warm from that basis.

        Parameters
        ----------
        col_value : array
            Values per HiGHS column (feasible for the whole LP).
        row_dual : array
            Duals per HiGHS row (estimates; zeros are allowed).
        load : bool
            Load values and duals into the Pyomo model.
        windows : int
            Windows that produced the point (recorded in the summary).

        Raises
        ------
        SolverError
            (a subclass) when the simplex does not end optimal.
        """
        h = self.highs
        point = _start_point(h, col_value, row_dual)
        h.clearSolver()
        release_freed_memory()  # the largest allocations of the run come next (§11 of the plan)
        strategy = h.getOptionValue("simplex_strategy")
        strategy = strategy[-1] if isinstance(strategy, tuple) else strategy  # (status, value)
        t0 = time.perf_counter()
        start_scheduler(self.options)  # crossover needs it and does not start it
        h.crossover(point)
        start_seconds = time.perf_counter() - t0
        del point
        release_freed_memory()  # IPX's work arrays, before the simplex's own
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 4)  # primal: the point is primal feasible
        try:
            return self._run(load, METHODS["exact_windows"], start_seconds, windows)
        finally:
            h.setOptionValue("simplex_strategy", int(strategy))  # later re-solves: as before

    def _run(self, load: bool, method: str, extra_seconds: float = 0.0,
             windows: int = 0) -> SolveSummary:
        h = self.highs
        limit_time(h, self.options.time_limit_s)
        t0 = time.perf_counter()
        run_highs(h, self.options.log)
        seconds = time.perf_counter() - t0 + extra_seconds
        status, termination = status_of(h)
        info = h.getInfo()
        summary = SolveSummary(
            status=status, termination=termination,
            objective_usd=float(info.objective_function_value) if status == "optimal" else None,
            solver=solver_version(), solve_seconds=seconds,
            translate_seconds=0.0 if self._solved_once else self.translate_seconds,
            iterations=int(info.simplex_iteration_count + max(info.ipm_iteration_count, 0)),
            variables=len(self._matrix.columns), constraints=len(self._matrix.rows),
            nonzeros=self._nonzeros, warm_start=self._solved_once, windows=windows,
            method=method)
        self._solved_once = True
        self._unloaded = False
        raise_for_status(summary)
        if load:
            sol = self.highs.getSolution()
            self.load_solution(sol.col_value, sol.row_dual)
        else:
            self._unloaded = True
        return summary

    def load_last(self) -> None:
        """Load the last solve's values and duals into the Pyomo model if it ran with
        ``load=False`` and nothing has replaced its solution since (a restart, another
        solve); else nothing. The same numbers :meth:`solve` would have loaded: a caller
        that may re-solve before reading the model (column generation's rounds) loads only
        the solve it reads."""
        if self._unloaded:
            sol = self.highs.getSolution()
            self.load_solution(sol.col_value, sol.row_dual)

    def load_solution(self, col_value, row_dual) -> None:
        """Put a solution (values per HiGHS column, duals per HiGHS row) into the Pyomo model:
        variable values, and duals into its ``dual`` suffix if it has one."""
        self._unloaded = False
        load_values(self._matrix.columns, np.asarray(col_value, dtype=float).tolist())
        suffix = getattr(self.model, "dual", None)
        if suffix is None:
            return
        load_duals(suffix, self._matrix.rows, np.asarray(row_dual, dtype=float).tolist())

    def iis(self) -> pd.DataFrame | None:
        """An irreducible infeasible subsystem of the last (infeasible) solve, from HiGHS.

        Returns
        -------
        DataFrame or None
            One row per member: ``kind`` ("row" or "column"), ``component`` (the Pyomo
            constraint or variable name), ``index`` (its index) and ``bound`` ("lower",
            "upper", "boxed", "free"); ``None`` if HiGHS found no IIS.
        """
        # from the LP (not the cheap "light" pass, which misses capacity rows), then reduced
        # to an irreducible set
        self.highs.setOptionValue("iis_strategy", int(highspy.IisStrategy.kIisStrategyFromLp)
                                  | int(highspy.IisStrategy.kIisStrategyIrreducible))
        status, iis = self.highs.getIis()
        if status == highspy.HighsStatus.kError or not iis.valid_ or \
                not (len(iis.row_index_) or len(iis.col_index_)):
            return None
        members = [("row", self._matrix.rows[i], b)
                   for i, b in zip(iis.row_index_, iis.row_bound_)]
        members += [("column", self._matrix.columns[j], b)
                    for j, b in zip(iis.col_index_, iis.col_bound_)]
        return pd.DataFrame(
            [(kind, obj.parent_component().local_name, obj.index(), _IIS_BOUNDS.get(b, str(b)))
             for kind, obj, b in members], columns=["kind", "component", "index", "bound"])


def _start_point(h: highspy.Highs, col_value, row_dual) -> highspy.HighsSolution:
    """A ``HighsSolution`` of ``h``'s LP at ``col_value`` with row duals ``row_dual`` (row
    values ``A x``, reduced costs ``c - A'y``); the LP's arrays read for it are freed on
    return."""
    lp = lp_arrays(h)
    x = np.asarray(col_value, dtype=float)
    y = np.asarray(row_dual, dtype=float)
    point = highspy.HighsSolution()
    point.value_valid = point.dual_valid = True
    point.col_value, point.row_value = x, lp.A @ x
    point.row_dual, point.col_dual = y, lp.cost - lp.A.T @ y
    return point


def solve(model: pyo.ConcreteModel, options: SolverOptions | None = None) -> SolveSummary:
    """Solve ``model`` once with HiGHS and load values and duals into it.

    Parameters
    ----------
    model : pyo.ConcreteModel
    options : SolverOptions, optional

    Returns
    -------
    SolveSummary

    Raises
    ------
    SolverError
        A subclass naming the termination when the solve is not optimal.
    """
    return HighsSession(model, options).solve()
