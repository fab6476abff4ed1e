"""Options of a run: route enumeration, solver, memory limit, rolling horizon, dated defaults.

:class:`RunOptions` is frozen and names every default that decides a result, including those
that apply only to day-by-day (dated) horizons: a dated model is large, so unless asked
otherwise its routes are capped per origin and product (keeping the gates the scenario names)
and HiGHS uses interior point. :meth:`RunOptions.effective` says what is in effect for a
horizon; both the single-run pipeline and sweeps use it, and ``run.json`` records the options
asked for (``options``) and those in effect (``effective_options``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from borderflow.model.column_generation import Pricing
from borderflow.model.routes import RouteOptions
from borderflow.solvers.highs import SolverOptions
from borderflow.solvers.rolling import RollingHorizon


@dataclass(frozen=True)
class RunOptions:
    """Options of a run (frozen: derive variants with :func:`dataclasses.replace`).

    Attributes
    ----------
    routes : RouteOptions
        Route enumeration (at most 2 crossings per route, detour factor 1.6, no cap on the
        routes per origin and product): the routes a static run starts from.
    pricing : Pricing
        Column generation of static runs (on, at most 20 rounds, tolerance 1e-7 USD/t): routes
        that improve the objective are priced and added until none does, which certifies the
        optimum over every route (:mod:`borderflow.model.column_generation`).
    solver : SolverOptions
        HiGHS settings (1 thread, 600 s, presolve on, ``choose`` algorithm, seed 0).
    max_model_gb : float or None
        Largest model built, GB (``None``: ``$BORDERFLOW_MAX_MODEL_GB``, else half of the
        machine's memory; see :func:`borderflow.model.size.max_model_gb`).
    rolling : RollingHorizon or None
        Dated runs: solve window by window (:mod:`borderflow.solvers.rolling`); ``None``:
        the whole horizon at once. Ignored by static runs.
    dated_routes_per_product : int
        Dated runs whose ``routes.max_routes_per_product`` is ``None``: keep at most this many
        routes per (origin, product), and always the best one through each gate the scenario
        names (5: the 45-day Boten model then solves in minutes; docs/performance.md).
    dated_solver : str
        Dated runs whose ``solver.solver`` is ``"choose"``: the HiGHS algorithm used
        (``"ipm"``: interior point with crossover solves the large sparse dated models in ~3
        min where dual simplex is stopped at 600 s, and crossover gives a basis for warm
        re-solves).
    """

    routes: RouteOptions = field(default_factory=RouteOptions)
    pricing: Pricing = field(default_factory=Pricing)
    solver: SolverOptions = field(default_factory=SolverOptions)
    max_model_gb: float | None = None
    rolling: RollingHorizon | None = None
    dated_routes_per_product: int = 5
    dated_solver: str = "ipm"

    @classmethod
    def of(cls, *, threads: int = 1, time_limit_s: float = 600.0,
           window_days: int | None = None, overlap_days: int | None = None,
           pricing_rounds: int = Pricing.max_rounds) -> RunOptions:
        """Options from the few settings the command line exposes.

        Parameters
        ----------
        threads : int
            HiGHS threads.
        time_limit_s : float
            Solver time limit, seconds.
        window_days, overlap_days : int, optional
            Rolling horizon of dated runs: days committed per window and days each window
            looks further ahead (``None``: the longest a cargo may wait in a queue).
        pricing_rounds : int
            Static runs: most rounds of column generation that add routes (0: none; the run
            is then optimal over the enumerated routes only, with its gap bound).
        """
        rolling = None if window_days is None else RollingHorizon(window_days, overlap_days)
        return cls(routes=RouteOptions(),
                   pricing=Pricing(enabled=pricing_rounds > 0, max_rounds=pricing_rounds),
                   solver=SolverOptions(threads=threads, time_limit_s=time_limit_s),
                   rolling=rolling)

    def effective(self, dated: bool, gates: tuple[str, ...] = ()
                  ) -> tuple[RouteOptions, SolverOptions]:
        """Route and solver options in effect for a static or a dated horizon.

        Parameters
        ----------
        dated : bool
            True for a day-by-day horizon.
        gates : tuple of str
            Crossings whose best route per (origin, product) a route cap must keep (those the
            scenario, or any scenario of a sweep, closes, throttles or queues at).

        Returns
        -------
        (RouteOptions, SolverOptions)
            ``routes`` and ``solver``, with :attr:`dated_routes_per_product` and
            :attr:`dated_solver` applied to a dated horizon where they are left open.
        """
        routes, solver = self.routes, self.solver
        if dated and routes.max_routes_per_product is None:
            routes = replace(routes, max_routes_per_product=self.dated_routes_per_product,
                             keep_gates=tuple(gates))
        if dated and solver.solver == "choose":
            solver = replace(solver, solver=self.dated_solver)
        return routes, solver

    def recorded(self) -> dict:
        """The options as ``run.json`` and a sweep's ``plan.json`` record them (``options``):
        routes, solver, memory limit and rolling horizon as asked for, and the two dated-run
        defaults (``dated_routes_per_product``, ``dated_solver``). What the dated defaults
        made of them is recorded as ``effective_options``."""
        return {"routes": asdict(self.routes), "pricing": asdict(self.pricing),
                "solver": asdict(self.solver),
                "max_model_gb": self.max_model_gb,
                "rolling": None if self.rolling is None else asdict(self.rolling),
                "dated_routes_per_product": self.dated_routes_per_product,
                "dated_solver": self.dated_solver}
