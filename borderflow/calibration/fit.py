"""The fit: a prior-regularised weighted misfit (MAP), minimised in two stages.

Objective (dimensionless), over the parameter coordinates ``z`` (:mod:`.parameters`)::

    J(z) = sum_i rho(r_i(z)) + lambda^2 sum_d z_d^2,   rho(r) = r^2 (|r| <= 1), 2|r| - 1 (else)

``r_i`` is observation ``i``'s misfit in units of its band (:meth:`Targets.residuals`), ``z_d``
the distance of dimension ``d`` from its prior in units of its range; ``lambda`` (default 1)
weighs the prior. A reading: the band is one standard deviation of the figure, the range one
standard deviation of the prior, and the misfit has Huber's tails: quadratic within one band,
linear beyond, so that an observation the model cannot reach at all (an LP sends a product
through one of two parallel gates, not both, unless a capacity binds) does not drag every
other number to its range end. ``scipy.optimize.least_squares`` applies the same loss
(``loss="huber"``, ``f_scale=1``); the prior terms never leave its quadratic zone
(``|lambda z| <= 1`` for ``lambda <= 1``).

Why two stages (docs/calibration.md has the full argument):

- **supply**: the LP's flows are piecewise *linear* in the supply right-hand sides (linear
  while the optimal basis stays), so the misfit is piecewise smooth in them and a
  Gauss-Newton / trust-region least-squares method converges in a few iterations:
  :func:`scipy.optimize.least_squares` (``trf``, bounds ``[-1, 1]``) with a forward-difference
  Jacobian, each column one warm re-solve per month;
- **costs** (value of time, factors, per-km rates, gate fees and dwell, market prices): the
  flows are piecewise *constant* in the costs (a route is chosen or not), so gradients are
  zero almost everywhere and gradient methods stall. Each cost stage runs Powell's
  derivative-free conjugate-direction method (:func:`scipy.optimize.minimize`,
  ``method="Powell"``, bounded), which searches along lines with Brent's method, then a
  coordinate grid scan (every dimension in turn at ``scan_points`` values of its range,
  :func:`scipy.optimize.brute`), which finds a step a line search stepped over (a golden
  section that samples both sides of a switch at the same height brackets the wrong side).

With ``global_evaluations`` the first cost stage starts with a global search of the cost
dimensions (:mod:`.search`: differential evolution from a Sobol population and the current
point, seeded), which can move several dimensions at once across the steps a line search and a
coordinate scan cannot; Powell and the scan then refine its point.

With a ``refresh`` callable (``refresh_routes``) every round after the first starts from a kept
model rebuilt at the current point: its routes enumerated at the calibrated numbers, not the
prior ones (:mod:`.engine`: a cost change re-prices the kept routes but adds none, so the kept
model's optimum drifts from the one a fresh run finds as the costs move away from the prior).

The stages alternate (block coordinate descent: costs first, since they decide where goods
go, then supply, which sets how much) for ``rounds`` rounds and stop early when a
round lowers ``J`` by less than ``tol`` (relative). Every evaluation is a warm re-solve of the
kept model (:class:`~.engine.KeptModel`) for each month.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brute, least_squares, minimize

from .engine import KeptModel, month_mean
from .parameters import Parameters
from .search import global_stage
from .targets import Targets

#: forward-difference step of the supply Jacobian, in range units
FD_STEP = 0.02


def huber(r: np.ndarray) -> np.ndarray:
    """Huber's loss with threshold 1 (as ``least_squares``' ``loss="huber"``): ``r^2`` inside
    one band, ``2|r| - 1`` beyond."""
    a = np.abs(np.asarray(r, dtype=float))
    return np.where(a <= 1.0, a * a, 2.0 * a - 1.0)


@dataclass
class FitOptions:
    """Options of the fit.

    Attributes
    ----------
    prior_weight : float
        ``lambda``: weight of the prior term (1: a range end costs as much as missing one
        observation by its band).
    rounds : int
        Most rounds of supply stage + cost stage.
    supply_iterations : int
        Most Jacobian evaluations of the supply stage per round (``least_squares``
        ``max_nfev``).
    cost_evaluations : int
        Most evaluations of Powell's search in the cost stage per round (``maxfev``).
    scan_points : int
        Points of the coordinate grid scan that ends each cost stage (0: none).
    tol : float
        Stop when a round lowers the objective by less than this share.
    global_evaluations : int
        About the most evaluations of the global search that opens the first cost stage
        (:mod:`.search`; 0: none).
    seed : int
        Seed of the global search (Sobol scrambling and mutations).
    refresh_routes : bool
        Rebuild the kept model at the current point before every round after the first
        (its routes enumerated at the calibrated numbers).
    """

    prior_weight: float = 1.0
    rounds: int = 2
    supply_iterations: int = 8
    cost_evaluations: int = 600
    scan_points: int = 9
    tol: float = 1e-3
    global_evaluations: int = 0
    seed: int = 0
    refresh_routes: bool = False


@dataclass
class FitResult:
    """Where the fit ended.

    Attributes
    ----------
    z : ndarray
        Dimension coordinates at the optimum (-1 low, 0 prior, +1 high).
    objective : float
        ``J`` at ``z`` (kept model).
    objective_prior : float
        ``J`` at the prior (``z = 0``).
    values : ndarray
        Each observation's model value at ``z`` (kept model).
    history : list of dict
        One entry per stage: ``stage, round, evaluations, objective``.
    evaluations, solves : int
        Misfit evaluations and LP solves in all.
    """

    z: np.ndarray
    objective: float
    objective_prior: float
    values: np.ndarray
    history: list = field(default_factory=list)
    evaluations: int = 0
    solves: int = 0


class Misfit:
    """``J`` and its residuals on a kept model (evaluations cached by ``z``).

    ``values`` (default :meth:`Parameters.values`) maps ``z`` to the numbers the model is
    solved at; :func:`borderflow.calibrate` passes :func:`~.dataset.written_values` (rounded
    as the calibrated dataset writes them)."""

    def __init__(self, model: KeptModel, parameters: Parameters, targets: Targets,
                 operator, prior_weight: float = 1.0, values=None):
        self.model, self.parameters, self.targets = model, parameters, targets
        self.values = values or parameters.values
        self.A = operator
        self.prior_weight = prior_weight
        self.evaluations = 0
        self._cache: dict[bytes, np.ndarray] = {}

    def model_values(self, z: np.ndarray) -> np.ndarray:
        """Each observation's model value at ``z``."""
        key = np.round(np.asarray(z, dtype=float), 12).tobytes()
        if key not in self._cache:
            ev = self.model.evaluate(self.values(z))
            self.evaluations += 1
            per_month = (self.A @ ev.flows.T).T
            self._cache = {key: month_mean(per_month, self.targets.months, self.model.months)}
        return self._cache[key]

    def residuals(self, z: np.ndarray) -> np.ndarray:
        """Observation residuals (fitted ones) then the prior terms."""
        r = self.targets.residuals(self.model_values(z))[self.targets.fitted]
        return np.concatenate([r, self.prior_weight * np.asarray(z, dtype=float)])

    def objective(self, z: np.ndarray) -> float:
        """``J(z)``."""
        return float(np.sum(huber(self.residuals(z))))


def _supply_stage(misfit: Misfit, z: np.ndarray, dims: np.ndarray, options: FitOptions
                  ) -> np.ndarray:
    def fun(sub):
        full = z.copy()
        full[dims] = sub
        return misfit.residuals(full)

    def jac(sub):
        base = fun(sub)
        out = np.empty((len(base), len(sub)))
        for k in range(len(sub)):
            step = FD_STEP if sub[k] + FD_STEP <= 1.0 else -FD_STEP
            moved = sub.copy()
            moved[k] += step
            out[:, k] = (fun(moved) - base) / step
        return out

    res = least_squares(fun, z[dims], jac=jac, bounds=(-1.0, 1.0), method="trf",
                        loss="huber", f_scale=1.0, max_nfev=options.supply_iterations,
                        x_scale=1.0, xtol=1e-4, ftol=1e-4)
    out = z.copy()
    out[dims] = res.x
    return out


def _scan(misfit: Misfit, z: np.ndarray, dims: np.ndarray, points: int) -> np.ndarray:
    """One pass of coordinate grid scans: each dimension in turn over ``points`` values of
    [-1, 1] (:func:`scipy.optimize.brute`), the others held, kept where it lowers ``J``."""
    z = z.copy()
    for d in dims:
        def along(x, d=d):
            moved = z.copy()
            moved[d] = x[0]
            return misfit.objective(moved)
        best = float(brute(along, ((-1.0, 1.0),), Ns=points, finish=None))
        if along([best]) < misfit.objective(z):
            z[d] = best
    return z


def _powell(misfit: Misfit, z: np.ndarray, dims: np.ndarray, evaluations: int) -> np.ndarray:
    def fun(sub):
        full = z.copy()
        full[dims] = sub
        return misfit.objective(full)

    res = minimize(fun, z[dims], method="Powell", bounds=[(-1.0, 1.0)] * len(dims),
                   options={"maxfev": evaluations, "xtol": 1e-3, "ftol": 1e-4})
    out = z.copy()
    out[dims] = np.clip(res.x, -1.0, 1.0)
    return out if misfit.objective(out) <= misfit.objective(z) else z


def _cost_stage(misfit: Misfit, z: np.ndarray, dims: np.ndarray, options: FitOptions,
                global_search: bool = False) -> np.ndarray:
    if global_search and options.global_evaluations:
        z = global_stage(misfit.objective, z, dims, options.global_evaluations, options.seed)
    z = _powell(misfit, z, dims, options.cost_evaluations)
    return _scan(misfit, z, dims, options.scan_points) if options.scan_points else z


def fit(misfit: Misfit, options: FitOptions | None = None, on_stage=None, refresh=None
        ) -> FitResult:
    """Minimise ``J`` from the prior, cost and supply stages in turn.

    Parameters
    ----------
    misfit : Misfit
    options : FitOptions, optional
    on_stage : callable, optional
        ``on_stage(entry)`` after each stage (``entry`` as in :attr:`FitResult.history`).
    refresh : callable, optional
        ``refresh(z) -> Misfit``: the misfit on a kept model rebuilt at ``z``; called before
        every round after the first when ``options.refresh_routes`` (a ``refresh`` entry in
        the history gives the objective on the rebuilt model).

    Returns
    -------
    FitResult
    """
    options = options or FitOptions()
    par = misfit.parameters
    z = np.zeros(par.n)
    j0 = misfit.objective(z)
    history = [{"stage": "prior", "round": 0, "evaluations": misfit.evaluations,
                "objective": j0}]
    solves = 0

    def log(entry):
        history.append(entry)
        if on_stage is not None:
            on_stage(entry)

    # costs first: they decide where goods go, supply then sets how much
    stages = [(s, par.dimensions_of(s)) for s in ("cost", "supply")]
    for k in range(1, options.rounds + 1):
        if k > 1 and options.refresh_routes and refresh is not None:
            solves += misfit.model.solves
            evaluations = misfit.evaluations
            misfit = refresh(z)
            misfit.evaluations += evaluations
            log({"stage": "refresh", "round": k, "evaluations": misfit.evaluations,
                 "objective": misfit.objective(z)})
        start = misfit.objective(z)
        for name, dims in stages:
            if not len(dims):
                continue
            if name == "supply":
                z = _supply_stage(misfit, z, dims, options)
            else:
                z = _cost_stage(misfit, z, dims, options, global_search=k == 1)
            log({"stage": name, "round": k, "evaluations": misfit.evaluations,
                 "objective": misfit.objective(z)})
        if start - misfit.objective(z) < options.tol * max(start, 1e-12):
            break
    return FitResult(z=z, objective=misfit.objective(z), objective_prior=j0,
                     values=misfit.model_values(z), history=history,
                     evaluations=misfit.evaluations, solves=solves + misfit.model.solves)
