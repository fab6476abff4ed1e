"""Options of a run: route enumeration, solver, memory limit, rolling horizon, dated defaults.

:class:`RunOptions` is frozen and names every default that decides a result, including those
that apply only to day-by-day (dated) horizons: a dated model is large, so unless asked
otherwise its routes are capped per origin and product (keeping the gates the scenario names),
HiGHS uses interior point, and a long horizon is solved exactly through rolling windows
(:meth:`RunOptions.rolling_for`: windows, then the whole LP by crossover and the primal simplex
from their solution), over stream queues (:attr:`RunOptions.aggregate_streams`) and with a
window-priced start (:attr:`Pricing.window_start`) wherever the run can take them.
:meth:`RunOptions.effective` says what is in effect for a horizon; both the single-run pipeline
and sweeps use it, and ``run.json`` records the options asked for (``options``) and those in
effect (``effective_options``; a dated run's also says whether its queues were aggregated and
whether the window-priced start was used, and why).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from borderflow.model.column_generation import Pricing
from borderflow.model.routes import RouteOptions
from borderflow.solvers.highs import SolverOptions
from borderflow.solvers.rolling import RollingHorizon

#: how a dated horizon may be solved (``--method``): ``auto`` (the rule of
#: :meth:`RunOptions.rolling_for`), ``lp`` (one LP, interior point), ``exact-windows``
#: (rolling windows, then the whole LP from their solution: exact), ``windows`` (rolling
#: windows only: an approximation with limited foresight)
DATED_METHODS = ("auto", "lp", "exact-windows", "windows")

#: which plan a dated run's tables show (``--clearance-order``): the LP optimum, or its
#: replay first come, first served across goods within each lane class
CLEARANCE_ORDERS = ("lp", "class-fifo")

#: windows of the exact path when none are asked for: 7 days committed, 4 days of look-ahead
#: (raised to the model's reach). A window's interior point grows faster than its days (90
#: days of the embedded dataset, CPU s per committed day: 3 days 0.075, 7 days 0.070, 14 days
#: 0.099, 28 days 0.165), and the windows are only the start of the exact solve: 7 since
#: session 19 (14 before; docs/notes/performance-log.md, "Target 1, session 19")
EXACT_WINDOWS = RollingHorizon(window_days=7, overlap_days=4, exact=True)


def recorded_pricing(pricing: Pricing) -> dict:
    """``pricing`` as ``run.json`` records it: ``window_start`` only when it is asked for or
    turned off (``None``, the default, is left out), so a static run records what it always
    did (run folders stay byte-identical; a dated run's ``effective_options`` says whether the
    window-priced start was used)."""
    out = asdict(pricing)
    if out["window_start"] is None:
        out.pop("window_start")
    if out["booking_scenarios"] == Pricing.booking_scenarios:  # likewise
        out.pop("booking_scenarios")
    if not out["label_bound"]:  # likewise
        out.pop("label_bound")
    if not out["dominance"]:  # likewise
        out.pop("dominance")
    if not out["hour_bounds"]:  # likewise
        out.pop("hour_bounds")
    return out


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
        Dated runs: solve window by window (:mod:`borderflow.solvers.rolling`; with
        ``exact``, then the whole LP from the windows' solution); ``None``: the rule of
        :attr:`exact_windows_from_days`. Ignored by static runs.
    exact_windows_from_days : int or None
        Dated runs without ``rolling``: a horizon of at least this many days (the scenario's
        days, the run-out tail not counted) is solved by :data:`EXACT_WINDOWS` (exact),
        a shorter one as one LP; ``None``: always one LP. 30: from there the one-LP
        interior point's time grows as days^1.6-2.2 while the exact windows' grows linearly
        (docs/performance.md, "Long horizons").
    dated_routes_per_product : int
        Dated runs whose ``routes.max_routes_per_product`` is ``None``: keep at most this many
        routes per (origin, product), and always the best one through each gate the scenario
        names (5: the 45-day Boten model then solves in minutes; docs/performance.md).
    dated_solver : str
        Dated runs whose ``solver.solver`` is ``"choose"``: the HiGHS algorithm used
        (``"ipm"``: interior point with crossover solves the large sparse dated models in ~3
        min where dual simplex is stopped at 600 s, and crossover gives a basis for warm
        re-solves).
    aggregate_streams : bool or None
        Dated runs: (route, product) pairs that share gate, direction, product, market, days
        to market and allowed wait share one queue (:mod:`borderflow.model.streams`; the
        optimum is the per-pair model's, certified by a first-in-first-out split back per
        pair, and a run whose split fails or whose aggregated LP writes cargo off early is
        solved again per pair). ``None`` (the default): on for every dated run that can take
        it, per pair where it cannot or where another tie-break would change the answer
        (extra constraints, rolling windows alone; :meth:`streams_for` says why; no error);
        ``True``: asked for (``--aggregate-streams``; refused where it cannot serve,
        :meth:`aggregation_problem`); ``False``: per pair (``--per-pair-streams``). At ties
        the aggregated and the per-pair paths may report different per-pair splits of the
        same optimum (docs/notes/dated-performance-plan-log.md sections 15-16). A realistic
        dispatch solves its plans on the run's model: on streams by default (another
        FIFO-repaired policy than the per-pair plans', about 4-8x cheaper, docs/dynamics.md),
        per pair with ``False``; its foresight bound is solved on the LP the foresight run
        would solve by default either way (the same optimum).
    dispatch : str
        Dated runs: ``"foresight"`` (one LP that knows the whole calendar: the optimum),
        ``"realistic"`` (a policy re-planned each decision day with the events announced by
        then, :mod:`borderflow.dispatch`; reported beside the foresight bound, with the value
        of foresight) or ``"auto"`` (the default): resolved before solving by
        :func:`borderflow.model.information.resolve_dispatch`, realistic for a dated scenario
        in which news arrives after the first day (a surprise), foresight otherwise (a static
        run; a dated run that knows every event on day 0, whose realistic dispatch is the
        optimum). Commands that need the optimum of many scenarios (sweeps, samples,
        responses, appraisals) run ``auto`` as foresight and refuse ``realistic``.
    clearance_order : str
        Dated runs: which plan the result tables show. ``"lp"`` (the default): the LP
        optimum, the certified answer of the model as stated, whose gates may clear goods out
        of arrival order; ``"class-fifo"``: its replay first come, first served across goods
        within each lane class (:mod:`borderflow.model.class_fifo`), shown only when it
        satisfies every row (then ``exact`` is false). Either way ``summary.class_fifo``
        reports the tonnes out of order, the replayed cost and the gap.
    """

    routes: RouteOptions = field(default_factory=RouteOptions)
    pricing: Pricing = field(default_factory=Pricing)
    solver: SolverOptions = field(default_factory=SolverOptions)
    max_model_gb: float | None = None
    rolling: RollingHorizon | None = None
    exact_windows_from_days: int | None = 30
    dated_routes_per_product: int = 5
    dated_solver: str = "ipm"
    dispatch: str = "auto"
    clearance_order: str = "lp"
    aggregate_streams: bool | None = None

    def __post_init__(self):
        from borderflow.model.information import DISPATCH_MODES

        if self.dispatch not in DISPATCH_MODES:
            raise ValueError(f"dispatch must be one of {', '.join(DISPATCH_MODES)}, not "
                             f"{self.dispatch!r}")
        if self.clearance_order not in CLEARANCE_ORDERS:
            raise ValueError(f"clearance order must be one of {', '.join(CLEARANCE_ORDERS)}, "
                             f"not {self.clearance_order!r}")

    @classmethod
    def of(cls, *, threads: int = 1, time_limit_s: float = 600.0,
           window_days: int | None = None, overlap_days: int | None = None,
           pricing_rounds: int = Pricing.max_rounds, method: str = "auto",
           pricing_labels: int = Pricing.max_labels,
           routes: str = "enumerate", window_pricing: bool | None = None,
           booking_scenarios: int = Pricing.booking_scenarios,
           aggregate_streams: bool | None = None) -> RunOptions:
        """Options from the few settings the command line exposes.

        Parameters
        ----------
        threads : int
            HiGHS threads.
        time_limit_s : float
            Solver time limit, seconds.
        window_days, overlap_days : int, optional
            Rolling horizon of dated runs: days committed per window and days each window
            looks further ahead (``None``: the longest a cargo may wait in a queue; 4 days
            with ``method="exact-windows"``).
        pricing_rounds : int
            Static runs: most rounds of column generation that add routes (0: none; the run
            is then optimal over the enumerated routes only, with its gap bound).
        pricing_labels : int
            Dated runs: labels one pricing search may pop before pricing stops (the run is
            then ``restricted``, gap unknown): :attr:`Pricing.max_labels`.
        method : str
            One of :data:`DATED_METHODS`. ``auto`` with ``window_days``: ``windows`` (the
            approximation, as before there was an exact path); without: the rule of
            :meth:`rolling_for`.
        routes : str
            How the first route set is made (:attr:`RouteOptions.start`): ``enumerate`` or
            ``seed``.
        window_pricing : bool or None
            Dated runs solved by exact windows: :attr:`Pricing.window_start` (``None``: the
            default, on where the run can take it).
        booking_scenarios : int
            Robust plans: :attr:`Pricing.booking_scenarios`.
        aggregate_streams : bool or None
            Dated runs: :attr:`aggregate_streams` (``None``: the default, on where the run
            can take it).

        Raises
        ------
        ValueError
            If ``method`` is unknown, or ``lp`` is given windows.
        """
        if method not in DATED_METHODS:
            raise ValueError(f"method must be one of {', '.join(DATED_METHODS)}, not {method!r}")
        if method == "lp" and window_days is not None:
            raise ValueError("method 'lp' solves the whole horizon at once: no window_days")
        if method == "exact-windows":
            rolling = RollingHorizon(window_days or EXACT_WINDOWS.window_days,
                                     EXACT_WINDOWS.overlap_days if overlap_days is None
                                     else overlap_days, exact=True)
        elif method == "windows" or window_days is not None:
            rolling = RollingHorizon(window_days or 14, overlap_days)
        else:
            rolling = None
        return cls(routes=RouteOptions(start=routes),
                   pricing=Pricing(enabled=pricing_rounds > 0, max_rounds=pricing_rounds,
                                   max_labels=pricing_labels, window_start=window_pricing,
                                   booking_scenarios=booking_scenarios),
                   solver=SolverOptions(threads=threads, time_limit_s=time_limit_s),
                   rolling=rolling,
                   exact_windows_from_days=None if method == "lp"
                   else cls.exact_windows_from_days, aggregate_streams=aggregate_streams)

    def rolling_for(self, days: int) -> RollingHorizon | None:
        """The rolling horizon in effect for a dated horizon of ``days`` days (the run-out
        tail not counted): :attr:`rolling` if set; else :data:`EXACT_WINDOWS` from
        :attr:`exact_windows_from_days` days on; else ``None`` (one LP)."""
        if self.rolling is not None:
            return self.rolling
        if self.exact_windows_from_days is not None and days >= self.exact_windows_from_days:
            return EXACT_WINDOWS
        return None

    def seed_problem(self, days: int | None) -> str:
        """Why a seed start of the routes (``routes.start == "seed"``,
        :mod:`borderflow.model.seed_routes`) is refused for a run of ``days`` dated days
        (``None``: static), in words; empty when it is not. The seed is a start that pricing
        grows: a run pricing cannot price (a realistic dispatch, rolling windows without the
        whole LP) would silently be optimal over the seed only."""
        if self.routes.start != "seed":
            return ""
        if self.dispatch == "realistic":
            return ("a realistic dispatch is not priced (a policy simulation): the seed routes "
                    "would be all it routes over; use --routes enumerate, or --dispatch "
                    "foresight for the priced optimum")
        rolling = self.rolling_for(days) if days is not None else None
        if rolling is not None and not rolling.exact:
            return ("rolling windows without the whole LP are not priced: the seed routes would "
                    "be all they route over; use --routes enumerate or --method exact-windows")
        return ""

    def aggregation_problem(self, dated: bool, extended: bool = False) -> str:
        """Why an explicit :attr:`aggregate_streams` (``True``) is refused for a run, in words
        (empty: it is not, or it was not asked for): a static run has no queues; an
        analyst's extra constraints read the queues per (route, product) pair. The default
        (``None``) is never refused: :meth:`streams_for`."""
        if self.aggregate_streams is not True:
            return ""
        if not dated:
            return "stream aggregation needs a dated horizon (horizon.start): a static run " \
                   "has no queues"
        why = self._per_pair_need(extended)
        return f"{why}; drop --aggregate-streams" if why else ""

    @staticmethod
    def _per_pair_need(extended: bool) -> str:
        """What in a dated run needs the queues per pair (empty: nothing)."""
        if extended:
            return "extra constraints may read the queues per (route, product) pair"
        return ""

    def streams_for(self, dated: bool, extended: bool = False,
                    approximate: bool = False) -> tuple[bool, str]:
        """Whether a run's gate queues are aggregated per stream, and why, in words (what
        ``run.json`` records as ``effective_options.aggregate_streams``).

        Parameters
        ----------
        dated : bool
            True for a day-by-day horizon (a static run has no queues).
        extended : bool
            True if an analyst's extra constraints are in the model.
        approximate : bool
            True if the run is solved by rolling windows alone (an approximation): each
            window commits the vertex its LP ends on, so another tie-break there changes the
            approximation's answer; by default such a run stays per pair (asked for, it is
            aggregated: the same windows, another tie-break).
        """
        if not dated:
            return False, "a static run has no queues"
        if self.aggregate_streams is False:
            return False, ("per pair, as the options ask (--per-pair-streams, or --samples: "
                           "the sampled runs read the queues per pair)")
        need = self._per_pair_need(extended)
        if need:
            return False, f"per pair: {need}"
        if approximate and self.aggregate_streams is None:
            return False, ("per pair: rolling windows alone (an approximation) commit each "
                           "window's vertex, so their answer is kept as it was")
        return True, ("asked for (--aggregate-streams)" if self.aggregate_streams
                      else "the default of dated runs")

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
        if dated and routes.max_routes_per_product is None and routes.start == "enumerate":
            routes = replace(routes, max_routes_per_product=self.dated_routes_per_product,
                             keep_gates=tuple(gates))
        if dated and solver.solver == "choose":
            solver = replace(solver, solver=self.dated_solver)
        return routes, solver

    def recorded(self) -> dict:
        """The options as ``run.json`` and a sweep's ``plan.json`` record them (``options``):
        routes, solver, memory limit and rolling horizon as asked for, and the two dated-run
        defaults (``dated_routes_per_product``, ``dated_solver``); ``dispatch``,
        ``clearance_order`` and ``aggregate_streams`` only when not their default (``auto``,
        ``lp``, ``None``). What the dated defaults made of them (a dated run's dispatch too)
        is recorded as ``effective_options``."""
        return {"routes": self.routes.recorded(), "pricing": recorded_pricing(self.pricing),
                "solver": asdict(self.solver),
                "max_model_gb": self.max_model_gb,
                "rolling": None if self.rolling is None else asdict(self.rolling),
                "exact_windows_from_days": self.exact_windows_from_days,
                "dated_routes_per_product": self.dated_routes_per_product,
                "dated_solver": self.dated_solver,
                **({"dispatch": self.dispatch} if self.dispatch != "auto" else {}),
                **({"clearance_order": self.clearance_order}
                   if self.clearance_order != "lp" else {}),
                **({"aggregate_streams": self.aggregate_streams}
                   if self.aggregate_streams is not None else {})}


def for_optimum(options: RunOptions, command: str) -> tuple[RunOptions, str]:
    """``options`` for ``command`` (e.g. ``"a sweep"``), which needs the optimum of each
    scenario it solves (sweeps, samples, responses, appraisals): ``auto`` run as
    ``foresight``, and why in one line (:func:`borderflow.model.information.resolve_dispatch`).

    Raises
    ------
    InputError
        If ``options`` ask for a realistic dispatch (a policy simulation, not an optimum).
    """
    from borderflow.model.information import resolve_dispatch

    mode, why = resolve_dispatch(options.dispatch, None, command)
    return replace(options, dispatch=mode), why
