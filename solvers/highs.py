"""Solve a Pyomo LP with HiGHS through highspy, keeping the HiGHS model for warm re-solves.

The model is translated once with Pyomo's sparse standard-form compiler
(``pyomo.repn.plugins.standard_form``) into a column-wise matrix passed to ``highspy.Highs``.
:class:`HighsSession` keeps that HiGHS instance: a scenario that changes only bounds (closures,
throttles) re-solves by ``changeColsBounds``/``changeRowsBounds`` from the previous basis instead
of rebuilding and re-translating the model.

Results are loaded back into Pyomo (variable values, ``model.dual`` suffix) only when the solve
is optimal; any other termination raises a :class:`SolverError` subclass whose message says
what happened in words.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import highspy
import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.repn.linear import LinearRepnVisitor
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

_MS = highspy.HighsModelStatus

#: ``listener(line, iterations)`` called while a session solves in this context (:func:`listening`)
_LISTENER: contextvars.ContextVar[Callable[[str | None, int | None], None] | None] = \
    contextvars.ContextVar("borderflow_highs_listener", default=None)


@contextlib.contextmanager
def listening(listener: Callable[[str | None, int | None], None]) -> Iterator[None]:
    """While the block runs, every :meth:`HighsSession.solve` in this context calls
    ``listener(line, None)`` with each line of HiGHS's log and ``listener(None, iterations)``
    at each simplex or interior-point iteration (progress displays; nothing is printed and the
    solve is unchanged)."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def run_highs(h: highspy.Highs, log: bool = False) -> None:
    """``h.run()``, feeding the listener of :func:`listening` if one is set (``log``: the
    HiGHS log is also printed, as :attr:`SolverOptions.log` asks)."""
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

    @property
    def optimal(self) -> bool:
        """True when HiGHS proved optimality."""
        return self.status == "optimal"

    def as_dict(self) -> dict:
        """Plain dict (for summary.json)."""
        return asdict(self)


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


def new_highs() -> highspy.Highs:
    """A silent ``highspy.Highs``: the copyright banner HiGHS prints on its first construction
    is sent to /dev/null at the file-descriptor level, so ``--json`` output stays pure JSON."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


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
            for i, con in enumerate(self.rows):
                self._row_index.setdefault(id(con), i)
        return self._row_index


@dataclass
class _Form:
    """A linear model in HiGHS's terms: min c x + offset, row bounds on A x, column bounds."""

    columns: list
    rows: list
    A: sp.csc_matrix
    cost: np.ndarray
    offset: float
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    translator: str


def _column_bounds(columns) -> tuple[np.ndarray, np.ndarray]:
    lo = np.empty(len(columns))
    up = np.empty(len(columns))
    for j, v in enumerate(columns):
        if v.fixed:
            lo[j] = up[j] = v.value
            continue
        a, b = v.bounds
        lo[j] = -np.inf if a is None else a
        up[j] = np.inf if b is None else b
    return lo, up


def _compiled_form(model: pyo.ConcreteModel) -> _Form:
    """Any linear model, through Pyomo's sparse standard-form compiler."""
    info = LinearStandardFormCompiler().write(model, mixed_form=True)
    A = info.A.tocsc()
    n_rows, n_cols = A.shape
    c = info.c.toarray().ravel() if info.c.shape[0] else np.zeros(n_cols)
    rhs = np.asarray(info.rhs, dtype=float)
    kind = np.array([r.bound_type for r in info.rows], dtype=int)
    lo = np.array([-np.inf if v.lb is None else v.lb for v in info.columns], dtype=float)
    up = np.array([np.inf if v.ub is None else v.ub for v in info.columns], dtype=float)
    return _Form(columns=list(info.columns), rows=[r.constraint for r in info.rows], A=A,
                 cost=c[:n_cols] if c.size else np.zeros(n_cols),
                 offset=float(info.c_offset[0]) if len(info.c_offset) else 0.0,
                 col_lower=lo, col_upper=up,
                 row_lower=np.where(kind <= 0, rhs, -np.inf),
                 row_upper=np.where(kind >= 0, rhs, np.inf), translator="pyomo-standard-form")


def _matrix_form(model: pyo.ConcreteModel) -> _Form | None:
    """A model whose constraints are all matrix rows (:class:`borderflow.model.terms.LinearRows`:
    anything with ``csr()`` and ``bounds_arrays()``), read without walking expressions: the
    rows' sparse matrices are stacked as they are; the objective's costs come from the arrays
    :func:`borderflow.model.terms.add_objective` keeps (any other objective: Pyomo's linear
    walker). ``None`` if the model has other constraints or not one minimised objective
    (then the standard-form compiler translates it)."""
    comps = list(model.component_objects(pyo.Constraint, active=True, descend_into=True))
    if any(not hasattr(c, "csr") for c in comps):
        return None
    objectives = list(model.component_data_objects(pyo.Objective, active=True,
                                                   descend_into=True))
    if len(objectives) != 1 or objectives[0].sense != pyo.minimize:
        return None
    columns: list = []
    col_index: dict[int, int] = {}
    x_maps: dict[int, np.ndarray] = {}

    def column(v) -> int:
        if columns and not col_index:  # columns so far taken in order: index them now
            col_index.update((id(u), j) for j, u in enumerate(columns))
        j = col_index.get(id(v))
        if j is None:
            j = col_index[id(v)] = len(columns)
            columns.append(v)
        return j

    def x_map(x) -> np.ndarray:
        """HiGHS column of each entry of ``x``. The first ``x`` (every model variable, once,
        as :func:`borderflow.model.terms.columns` makes it) is the column order itself, with
        no index dict (127 MB at a million variables); any other goes through one."""
        if id(x) not in x_maps:
            if not columns:
                columns.extend(x)
                x_maps[id(x)] = np.arange(len(x), dtype=np.int64)
            else:
                x_maps[id(x)] = np.fromiter((column(v) for v in x), dtype=np.int64,
                                            count=len(x))
        return x_maps[id(x)]

    blocks, rows, lows, ups = [], [], [], []
    for comp in comps:
        indptr, indices, coef, x = comp.csr()
        data = list(comp.values())
        active = np.fromiter((d.active for d in data), dtype=bool, count=len(data))
        lo, up = comp.bounds_arrays()
        block = (indptr, x_map(x)[indices], coef)
        keep = np.flatnonzero(active)
        blocks.append((block, keep, len(data)))
        rows += [data[i] for i in keep]
        lows.append(lo[keep])
        ups.append(up[keep])
    # an objective made by borderflow.model.terms.add_objective keeps its costs as arrays:
    # read them, no expression walk
    kept = objectives[0].cost_arrays() if hasattr(objectives[0], "cost_arrays") else None
    if kept is not None:
        x, positions, obj_coefs = kept
        obj_cols, constant = x_map(x)[positions], 0.0
    else:
        visitor = LinearRepnVisitor({})
        repn = visitor.walk_expression(objectives[0].expr)
        if repn.nonlinear is not None:
            return None
        obj_cols = np.fromiter((column(visitor.var_map[k]) for k in repn.linear),
                               dtype=np.int64, count=len(repn.linear))
        obj_coefs = np.fromiter((float(v) for v in repn.linear.values()), dtype=float,
                                count=len(repn.linear))
        constant = float(repn.constant) if repn.constant else 0.0
    n_cols = len(columns)
    cost = np.zeros(n_cols)
    np.add.at(cost, obj_cols, obj_coefs)
    mats = []
    for (indptr, idx, coef), keep, n in blocks:
        M = sp.csr_matrix((coef, idx, indptr), shape=(n, n_cols))
        mats.append(M if len(keep) == n else M[keep])
    A = (sp.vstack(mats, format="csc") if mats else sp.csc_matrix((0, n_cols)))
    A.sort_indices()
    col_lower, col_upper = _column_bounds(columns)
    return _Form(columns=columns, rows=rows, A=A, cost=cost,
                 offset=constant,
                 col_lower=col_lower, col_upper=col_upper,
                 row_lower=np.concatenate(lows) if lows else np.zeros(0),
                 row_upper=np.concatenate(ups) if ups else np.zeros(0),
                 translator="matrix-rows")


def _set_constraint_bounds(con, lower, upper) -> None:
    """New bounds of a Pyomo constraint, keeping its body (matrix rows keep their terms)."""
    if hasattr(con, "set_bounds"):
        con.set_bounds(lower, upper)
    else:
        con.set_value((lower, con.body, upper))


class HighsSession:
    """A Pyomo model translated once into a live HiGHS model.

    Parameters
    ----------
    model : pyo.ConcreteModel
        A linear model with one active objective.
    options : SolverOptions, optional
    translator : str
        ``"auto"``: a model whose constraints are all matrix rows (as :func:`build_model`
        makes them) is read directly from their sparse matrices, any other model through
        Pyomo's standard-form compiler; ``"pyomo"``: always the compiler (for cross-checks).
    """

    def __init__(self, model: pyo.ConcreteModel, options: SolverOptions | None = None, *,
                 translator: str = "auto"):
        self.model = model
        self.options = options or SolverOptions()
        t0 = time.perf_counter()
        form = _matrix_form(model) if translator == "auto" else None
        if form is None:
            form = _compiled_form(model)
        self._matrix = _Matrix(columns=form.columns, rows=form.rows)
        self.translator = form.translator
        self.highs = new_highs()
        self._configure()
        self.highs.passModel(self._lp(form))
        self.translate_seconds = time.perf_counter() - t0
        self._solved_once = False
        self._state: dict[int, list] = {}

    def _configure(self) -> None:
        configure(self.highs, self.options)

    def _lp(self, form: "_Form") -> highspy.HighsLp:
        self._nonzeros = int(form.A.nnz)
        return highs_lp(form.A, form.cost, form.col_lower, form.col_upper, form.row_lower,
                        form.row_upper, form.offset)

    # -- scenario changes -------------------------------------------------------------------
    def _component_state(self, comp, kind: str) -> list:
        """``[HiGHS indices (-1: not in HiGHS), current lower, current upper, data]`` of a
        variable or constraint component, in index order (made once, then kept current)."""
        state = self._state.get(id(comp))
        if state is None:
            data = list(comp.values())
            if kind == "column":
                where = np.fromiter((self._matrix.col_index.get(id(v), -1) for v in data),
                                    dtype=np.int64, count=len(data))
                bounds = [v.bounds for v in data]
            else:
                where = np.fromiter((self._matrix.row_index.get(id(c), -1) for c in data),
                                    dtype=np.int64, count=len(data))
                bounds = [(c.lower, c.upper) for c in data]
            lo = np.array([-np.inf if a is None else pyo.value(a) for a, _ in bounds], float)
            up = np.array([np.inf if b is None else pyo.value(b) for _, b in bounds], float)
            state = self._state[id(comp)] = [where, lo, up, data]
        return state

    def columns_of(self, comp) -> np.ndarray:
        """HiGHS column of each variable of ``comp``, in index order (-1: not in the LP)."""
        return self._component_state(comp, "column")[0]

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
                _set_constraint_bounds(data[i], a, b)
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
        if basis is not None:
            self.highs.setBasis(basis)

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
        # HiGHS 1.x compares time_limit with the instance's total run time over every run()
        # (ERGO-Code/HiGHS#1331, #1477): move the limit on so it applies to this solve alone
        h.setOptionValue("time_limit", float(self.options.time_limit_s) + h.getRunTime())
        t0 = time.perf_counter()
        run_highs(h, self.options.log)
        seconds = time.perf_counter() - t0
        status, termination = status_of(h)
        info = h.getInfo()
        summary = SolveSummary(
            status=status, termination=termination,
            objective_usd=float(info.objective_function_value) if status == "optimal" else None,
            solver=solver_version(), solve_seconds=seconds,
            translate_seconds=0.0 if self._solved_once else self.translate_seconds,
            iterations=int(info.simplex_iteration_count + max(info.ipm_iteration_count, 0)),
            variables=len(self._matrix.columns), constraints=len(self._matrix.rows),
            nonzeros=self._nonzeros, warm_start=self._solved_once)
        self._solved_once = True
        raise_for_status(summary)
        if load:
            sol = self.highs.getSolution()
            self.load_solution(sol.col_value, sol.row_dual)
        return summary

    def load_solution(self, col_value, row_dual) -> None:
        """Put a solution (values per HiGHS column, duals per HiGHS row) into the Pyomo model:
        variable values, and duals into its ``dual`` suffix if it has one."""
        x = np.asarray(col_value, dtype=float)
        for v, value in zip(self._matrix.columns, x.tolist()):
            v.set_value(value, skip_validation=True)
        duals = np.asarray(row_dual, dtype=float)
        suffix = getattr(self.model, "dual", None)
        if suffix is None:
            return
        suffix.clear()
        for con, y in zip(self._matrix.rows, duals):
            suffix[con] = suffix.get(con, 0.0) + float(y)

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
