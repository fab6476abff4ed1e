"""The stages of one solve, for code that keeps the model: tables -> network -> routes -> model
-> HiGHS -> results.

This is the layer under the public API (:func:`borderflow.solve`): sweeps and robust plans use
it directly because they keep a built Pyomo model and its HiGHS session between solves.

- :func:`prepare` builds a scenario's network, route set, Pyomo model (extended by an
  analyst's ``extra_constraints``, :mod:`borderflow.model.extend`) and HiGHS session with
  given route and solver options (the model size is checked before anything is built);
- :func:`run_scenario` prepares with the options in effect (:meth:`RunOptions.effective`),
  solves at once or window by window, explains an infeasibility and extracts the result
  tables: a :class:`Run`;
- :func:`solve_baseline` re-solves a run's model warm for its undisrupted baseline;
- :func:`run_metadata` (with :func:`provenance`, both in :mod:`borderflow.provenance`)
  describes a run for ``run.json``, a single solve's (:meth:`Run.metadata`) and a sweep
  scenario's alike.

Stages pass values, not files; progress is reported through an optional ``on_progress``
callback (:data:`borderflow.api.STAGES`). (Over 500 lines: the stages and the column
generation loop every command shares are read together.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable


from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import Scenario, counterfactual, has_disruptions
from borderflow.behaviour import keep_coming, reaction_lag
from borderflow.dispatch import aggregated_bound, check_surprises, own_bound, realistic_solve
from borderflow.model.column_generation import (Routing, grow, keyed_basis,
                                                pricing_inputs)
from borderflow.model.dated_reuse import ScenarioPasses
from borderflow.model.extend import ExtraConstraints, apply_extension
from borderflow.model.formulation import (BuiltModel, bound_updates, build_model,
                                          column_periods, lookahead_days,
                                          longest_queue_wait_days)
from borderflow.model.infeasibility import explain_infeasibility
from borderflow.model.information import resolve_dispatch
from borderflow.model.network import FreightNetwork, build_network, with_scenario
from borderflow.model.results import ResultTables, extract_results
from borderflow.model.summary import RunSummary
from borderflow.model.scenario_columns import supported
from borderflow.model.scenario_pricing import generate_in_place
from borderflow.model.routes import RouteOptions, RouteSet, enumerate_routes
from borderflow.model.seed_routes import seed_routes
from borderflow.model.size import check_model_size
from borderflow.options import RunOptions
from borderflow.provenance import library_versions, provenance, run_metadata
from borderflow.model.pricing import PricingLimitError
from borderflow.pricing_scope import (label_limit_reason, not_priced, outside_pricing,
                                      price_once)
from borderflow.solvers.highs import (HighsSession, InfeasibleError, SolverOptions,
                                      SolveSummary)
from borderflow.solvers.memory import release_freed_memory
from borderflow.solvers.rolling import RollingHorizon, solve_rolling, window_progress
from borderflow.window_pricing import (solve_window_priced, window_routing,
                                       window_start_problem)

__all__ = ["Prepared", "Run", "assemble", "counterfactual", "explained", "generate_columns",
           "has_disruptions",
           "library_versions", "prepare", "provenance", "run_metadata",
           "run_scenario",
           "solve_baseline", "solve_counterfactual", "solve_session"]

#: ``on_progress(stage, done, total, message)``: see :data:`borderflow.api.STAGES`
Progress = Callable[[str, "float | None", "float | None", str], None]


def _quiet(stage: str, done=None, total=None, message: str = "") -> None:
    """A progress callback that reports nothing."""


@dataclass
class Prepared:
    """A scenario's network, route set, Pyomo model and HiGHS session, ready to solve.

    The model is built for ``net.scenario``; other scenarios of the same structure (same
    horizon, priority rules and initial queues) are solved on it by applying their bounds
    (:func:`borderflow.model.formulation.bound_updates`).
    """

    tables: InputTables
    net: FreightNetwork
    routes: RouteSet
    built: BuiltModel
    session: HighsSession
    #: what an extension added (:func:`borderflow.model.extend.apply_extension`), or None
    extension: dict | None = None
    #: a sweep scenario's own columns in the kept HiGHS model
    #: (:mod:`borderflow.model.scenario_columns`; ``generate_columns(..., in_place=True)``):
    #: read by the result tables, removed with ``added.drop()`` after the scenario
    added: object = None


def prepare(tables: InputTables, scenario: Scenario | None, routes: RouteOptions,
            solver: SolverOptions, max_model_gb: float | None = None,
            on_progress: Progress | None = None, *,
            extra_constraints: ExtraConstraints | None = None,
            aggregate: bool = False) -> Prepared:
    """Build ``scenario``'s network, routes, model and HiGHS session (``aggregate``: a dated
    model's pairs share stream queues, :mod:`borderflow.model.streams`).

    Parameters
    ----------
    tables : InputTables
        Checked tables.
    scenario : Scenario, optional
        Default: the baseline.
    routes, solver
        Route enumeration and HiGHS options as they are to be used (see
        :meth:`RunOptions.effective`).
    max_model_gb : float, optional
        Memory limit of the model (:func:`borderflow.model.size.max_model_gb`).
    extra_constraints : callable, optional
        ``extra(model, index)``: adds an analyst's own Pyomo constraints to the built model
        before HiGHS sees it (:mod:`borderflow.model.extend`).

    Raises
    ------
    InputError
        If the scenario names unknown ids or dates outside its horizon, if its model would not
        fit in memory (checked before it is built), or if an initial queue has no route
        through its gate.
    """
    progress = on_progress or _quiet
    net = build_network(tables, scenario)
    if routes.start == "seed":
        progress("routes", None, None, "seed routes for column generation")
        try:
            route_set = seed_routes(net)
        except ValueError as err:  # an initial queue whose gate has no seed route
            raise InputError(Problem("option --routes", None, None, str(err))) from None
    else:
        progress("routes", None, None, "enumerating routes")
        route_set = enumerate_routes(net, routes)
    return assemble(tables, net, route_set, solver, max_model_gb, progress,
                    extra_constraints=extra_constraints, aggregate=aggregate)


def assemble(tables: InputTables, net: FreightNetwork, route_set: RouteSet,
             solver: SolverOptions, max_model_gb: float | None = None,
             on_progress: Progress | None = None, *,
             extra_constraints: ExtraConstraints | None = None,
             aggregate: bool = False) -> Prepared:
    """The Pyomo model and HiGHS session of ``net`` over a given route set (the size checked
    first); :func:`prepare` after the routes are known, and each round of column generation
    (``aggregate``: stream queues, :mod:`borderflow.model.streams`).

    Raises
    ------
    InputError
        As :func:`prepare`.
    """
    progress = on_progress or _quiet
    check_model_size(net, route_set, max_model_gb,  # before building: refuse what won't fit
                     aggregate=aggregate and net.dated)
    progress("model", None, None, f"building the model of {len(route_set.routes):,} routes")
    try:
        built = build_model(net, route_set, aggregate)
    except ValueError as err:  # an initial queue with no route through its gate
        raise InputError(Problem(f"scenario '{net.scenario.name}'", None, "initial_queues",
                                 str(err))) from None
    extension = None if extra_constraints is None else \
        apply_extension(built.model, built.index, extra_constraints)
    return Prepared(tables=tables, net=net, routes=route_set, built=built,
                    session=HighsSession(built.model, solver), extension=extension)


@dataclass
class Run:
    """A solved scenario with its model: every stage's output.

    ``results`` are the scenario's, extracted right after its solve. The Pyomo model
    (``built.model``) and the HiGHS session hold whatever was solved last: after
    :func:`solve_counterfactual` that is the baseline. Code that only needs the answer uses
    :func:`borderflow.solve`, whose :class:`~borderflow.api.Result` keeps tables, not models.
    """

    tables: InputTables
    net: FreightNetwork
    routes: RouteSet
    built: BuiltModel
    solve: SolveSummary
    results: ResultTables
    options: RunOptions
    session: HighsSession | None = None
    route_options: RouteOptions | None = None
    extension: dict | None = None
    #: how optimality over the routes was established (static runs: column generation)
    routing: Routing | None = None
    #: dated runs: which path ran and why (``run.json``'s ``effective_options``:
    #: ``aggregate_streams`` and ``window_pricing``, each ``{"on": bool, "why": str}``)
    paths: dict | None = None

    def metadata(self, scenario_file: Path | str | None = None) -> dict:
        """Provenance for ``run.json``: what is needed to reproduce the run.

        Inputs' paths and SHA-256 (the scenario file's too, if given), the scenario in full,
        the options asked for and those in effect (dated runs cap routes and use interior
        point), and the versions of borderflow, Python, Pyomo, HiGHS and the libraries that
        shape the numbers; the extension it was solved with, if any (``extra_constraints``).
        Nothing in it depends on the clock.
        """
        meta = run_metadata(self.tables, self.net.scenario, self.options,
                            self.route_options or self.options.routes,
                            self.session.options if self.session is not None
                            else self.options.solver, scenario_file, paths=self.paths)
        if self.extension is not None:
            meta["extra_constraints"] = self.extension
        return meta


def run_scenario(tables: InputTables, scenario: Scenario | None = None,
                 options: RunOptions | None = None,
                 on_progress: Progress | None = None, *,
                 extra_constraints: ExtraConstraints | None = None) -> Run:
    """Build and solve one scenario on checked tables (with ``extra_constraints``: an
    analyst's own rows, :mod:`borderflow.model.extend`).

    The dispatch asked for (``options.dispatch``; ``auto`` by default) is resolved first
    (:func:`borderflow.model.information.resolve_dispatch`); a dated run's summary records
    the mode it ran (``dispatch``) and why (``dispatch_reason``), and its ``run.json`` both
    (``effective_options.dispatch``: ``asked``, ``ran``, ``why``). ``Run.options`` keeps the
    options asked for.

    Raises
    ------
    InputError
        If the scenario refers to unknown ids or dates outside its horizon, its model
        would not fit in memory (:func:`borderflow.model.size.check_model_size`), or an
        extension adds variables to a rolling-horizon solve.
    SolverError
        If HiGHS does not end optimal (the message says how it ended; an infeasibility is
        explained from HiGHS's irreducible infeasible subsystem).
    """
    options = options or RunOptions()
    scenario = scenario or Scenario()
    mode, why = resolve_dispatch(options.dispatch, scenario)
    if scenario.horizon.start is not None and options.dispatch == "auto":
        (on_progress or _quiet)("model", None, None, f"dispatch {mode}: {why}")
    run = _run_resolved(tables, scenario, replace(options, dispatch=mode), on_progress,
                        extra_constraints=extra_constraints)
    return _dispatched(run, options, why)


def _dispatched(run: Run, asked: RunOptions, why: str) -> Run:
    """``run`` keeping the options ``asked`` for; a dated run's summary and paths with the
    dispatch it ran and ``why`` (:func:`run_scenario`)."""
    ran = run.options.dispatch
    run.options = asked
    if run.paths is not None:  # dated
        run.paths = {**run.paths, "dispatch": {"asked": asked.dispatch, "ran": ran, "why": why}}
        summary = {}
        for key, value in run.results.summary.items():
            summary[key] = value
            if key == "dispatch":  # in the summary's field order
                summary["dispatch_reason"] = why
        run.results.summary = summary
    return run


def _run_resolved(tables: InputTables, scenario: Scenario, options: RunOptions,
                  on_progress: Progress | None = None, *,
                  extra_constraints: ExtraConstraints | None = None) -> Run:
    """:func:`run_scenario` with ``options.dispatch`` resolved (``foresight`` or
    ``realistic``)."""
    progress = on_progress or _quiet
    dated = scenario.horizon.start is not None
    routes, solver = options.effective(dated, tuple(sorted(set(scenario.crossings_named()))))
    refused = options.seed_problem(scenario.horizon.days if dated else None)
    if refused:
        raise InputError(Problem("option --routes", None, None, f"seed: {refused}"))
    refused = options.aggregation_problem(dated, extra_constraints is not None)
    if refused:
        raise InputError(Problem("option --aggregate-streams", None, None, refused))
    rolling = options.rolling_for(scenario.horizon.days) if dated else None
    aggregate, streams_why = options.streams_for(dated, extra_constraints is not None,
                                                 rolling is not None and not rolling.exact)
    realistic = options.dispatch == "realistic"
    bound = None  # a realistic run's foresight bound solved on the aggregated LP
    # a realistic run's bound is solved on the LP the foresight run would solve by default
    # (--per-pair-streams asks for per-pair plans, not a per-pair bound): aggregated streams
    # where that run has them (the same optimum), dropped before the per-pair model
    bound_aggregated, bound_why = replace(
        options, dispatch="foresight", aggregate_streams=options.aggregate_streams or None
    ).streams_for(dated, extra_constraints is not None,
                  rolling is not None and not rolling.exact)
    if realistic and bound_aggregated and not aggregate:  # plans per pair (--per-pair-streams)
        checked = []  # the checks read the routes, scenario and dataset: run once, on the
        # aggregated model (the per-pair model is assembled over the same route set)
        bound, bound_why, net, route_set = _aggregated_bound(
            tables, scenario, options, routes, solver, rolling, progress,
            lambda m: checked.append(_checked(m, routes, rolling, options, tables, scenario)))
        release_freed_memory()  # the aggregated model let go before the per-pair one
        model = assemble(tables, net, route_set, solver, options.max_model_gb, progress)
        del net, route_set
        rolling, lag, keep = checked[0]
    else:
        model = prepare(tables, scenario, routes, solver, options.max_model_gb, progress,
                        extra_constraints=extra_constraints, aggregate=aggregate)
        rolling, lag, keep = _checked(model, routes, rolling, options, tables, scenario)
    window_routes = None  # routes added by a window-priced start (None: not used)
    paths = None
    if dated:
        unused = window_start_problem(model, options, rolling)
        paths = {"aggregate_streams": {"on": aggregate, "why": streams_why},
                 "window_pricing": {"on": not unused, "why": unused or (
                     "asked for (--window-pricing)" if options.pricing.window_start
                     else "the default of dated runs solved by exact windows")}}
    try:
        if bound is not None:  # plan 0 is solved by realistic_solve
            summary = None
        elif paths is None or not paths["window_pricing"]["on"]:
            summary = solve_session(model.session, model.built, model.net, rolling, progress)
        else:
            model, summary, window_routes = solve_window_priced(model, rolling, options,
                                                                solver, progress)
    except InfeasibleError as err:
        if rolling is not None and not rolling.exact:  # a window's IIS is not the model's
            raise
        raise explained(err, model.session, model.built, model.net) from None
    kept = transit = None
    if realistic:
        if bound is None and aggregate:  # plans on streams: the bound is this LP's optimum
            bound, why = aggregated_bound(model.net, model.built, model.session, summary)
            if bound is None:  # not the per-pair optimum: the whole run per pair instead
                return _plans_per_pair(tables, scenario, options, progress, why)
        if bound is None:  # the bound is the session's own foresight solve, in HiGHS now
            bound = own_bound(model.session, model.built, summary, bound_why)
        summary, kept, transit = realistic_solve(
            model.session, model.built, model.net, bound,
            lambda: solve_session(model.session, model.built, model.net, rolling, progress),
            progress, lag=lag, keep=keep)
        bound = None  # its route flows are read: let them go before the results
    model, summary, routing = generate_columns(model, summary, options, progress,
                                               extra_constraints=extra_constraints,
                                               keep_input=False)
    window_routing(routing, window_routes)
    progress("results", None, None, "extracting the result tables")
    results = extract_results(model.net, model.routes, model.built, {
        **summary.as_dict(), "show_class_fifo": options.clearance_order == "class-fifo"},
        routing=routing)
    if kept is not None and summary.keep_coming_share and (
            summary.keep_coming_days or any((summary.keep_coming_days_by_gate or {}).values())):
        results.keep_coming = kept
    if transit is not None and len(transit):
        results.unwarned_transit = transit
    run = Run(tables=tables, net=model.net, routes=model.routes, built=model.built,
              solve=summary, results=results, options=options, session=model.session,
              route_options=routes, extension=model.extension, routing=routing, paths=paths)
    return disaggregated(run, progress) or run


def _checked(model: Prepared, routes: RouteOptions, rolling, options: RunOptions, tables,
             scenario) -> tuple:
    """Refuse, before solving, what ``model`` cannot be solved for (seed routes pricing
    cannot extend, an extension's variables in a rolling solve, a realistic dispatch it
    cannot simulate: a surprise it cannot represent, a bad lag); ``(rolling horizon to solve
    it by or None: one LP, reaction lag, keep coming)`` (both ``None`` unless realistic)."""
    if routes.start == "seed":  # before solving: rows pricing cannot price (extra
        # constraints, terms outside its scope) would make the seed routes the answer
        refused = ("extra constraints are in the model: pricing does not see their duals"
                   if model.extension is not None else outside_pricing(model))
        if refused:
            raise InputError(Problem("option --routes", None, None, f"seed: {refused}; the "
                                     "seed routes would be all the run routes over: use "
                                     "enumerate"))
    if rolling is not None and model.extension and model.extension["variables"]:
        if options.rolling is not None:
            raise InputError(Problem("extra_constraints", None, None,
                                     f"{model.extension['function']} adds variables "
                                     f"{model.extension['variables']}: a rolling-horizon solve "
                                     "needs the day of every variable; write rows over the "
                                     "model's own variables or solve the whole horizon at "
                                     "once"))
        rolling = None  # the rule's exact windows need every variable's day: one LP instead
    lag = keep = None
    if options.dispatch == "realistic":
        lag, keep = reaction_lag(tables, scenario), keep_coming(tables, scenario)
        _check_realistic(model, lag.days, keep.days if keep.active else 0,
                         keep.days_by_gate if keep.active else None)
    return rolling, lag, keep


def _aggregated_bound(tables, scenario, options, routes, solver, rolling, progress, check):
    """A realistic run's foresight bound on the aggregated-streams LP of its routes
    (:func:`borderflow.dispatch.aggregated_bound`), the model checked by ``check`` and the
    per-pair model's size before it is solved: ``(bound or None, why per pair, network,
    route set)``; the aggregated model is let go on return (``None``: the foresight run would
    fall back to per pair, ``why`` says why)."""
    agg = prepare(tables, scenario, routes, solver, options.max_model_gb, progress,
                  aggregate=True)
    check(agg)
    check_model_size(agg.net, agg.routes, options.max_model_gb)  # the per-pair model's
    progress("solve", None, None, "the perfect-foresight bound on the aggregated-streams LP")
    try:
        summary = solve_session(agg.session, agg.built, agg.net, rolling, progress)
    except InfeasibleError as err:
        raise explained(err, agg.session, agg.built, agg.net) from None
    bound, why = aggregated_bound(agg.net, agg.built, agg.session, summary)
    return bound, why, agg.net, agg.routes


def _plans_per_pair(tables, scenario, options: RunOptions, progress, why: str) -> Run:
    """A realistic run planning on streams (the default, or ``--aggregate-streams``) whose
    aggregated foresight LP is not the per-pair one (``why``: it wrote cargo off before its
    deadline, or its split failed), solved with its plans per pair (as ``--per-pair-streams``
    solves them); ``stream_aggregation`` and ``run.json`` say why."""
    progress("model", None, None, f"{why}: the realistic plans solved per pair instead")
    return _again_per_pair(tables, scenario, options, replace(options, aggregate_streams=False),
                           progress, {"split": f"not used: {why}", "fallback": (
                               f"{why}: the realistic plans solved per pair (the reported "
                               "policy is the per-pair plans')")},
                           f"per pair, the realistic plans too: {why}")


def _again_per_pair(tables, scenario, options: RunOptions, per_pair: RunOptions, progress,
                    stream_aggregation: dict, why: str) -> Run:
    """``scenario`` run again with the ``per_pair`` options after a run on streams fell back:
    the summary's ``stream_aggregation`` and ``run.json``'s ``aggregate_streams`` (``why``)
    say so, and the run keeps the ``options`` asked for."""
    release_freed_memory()
    again = _run_resolved(tables, scenario, per_pair, progress)
    summary = dict(again.results.summary)
    summary["stream_aggregation"] = stream_aggregation
    again.results.summary = RunSummary.from_dict(summary).as_dict()
    again.options = options
    if again.paths is not None:
        again.paths = {**again.paths, "aggregate_streams": {"on": False, "why": why}}
    return again


def disaggregated(run: Run, on_progress: Progress | None = None) -> Run | None:
    """A run with stream aggregation whose aggregated LP wrote cargo off before its deadline
    (a FIFO repair) or whose split failed, solved again per pair (the fallback of
    :mod:`borderflow.model.streams`); ``None`` when the aggregated run stands. The summary's
    ``stream_aggregation`` keeps what the aggregated run found and says why it fell back."""
    agg = run.results.summary.get("stream_aggregation")
    # a realistic policy's write-offs are repaired and reported, per pair as on streams
    if agg is None or agg["split"].startswith("exact") and (
            run.results.summary.get("fifo_repair") is None
            or run.options.dispatch == "realistic"):
        return None
    why = ("the aggregated LP wrote cargo off before its deadline"
           if run.results.summary.get("fifo_repair") is not None else "the split failed")
    (on_progress or _quiet)("model", None, None, f"{why}: solving again per pair")
    scenario = run.net.scenario
    tables, options = run.tables, run.options
    del run  # its model is let go before the per pair one is built
    return _again_per_pair(tables, scenario, options, replace(options, aggregate_streams=False),
                           on_progress, {**agg, "fallback": f"{why}: solved again per pair "
                                         "(the reported solution is the per-pair model's)"},
                           f"per pair after the aggregated run: {why}")


def _check_realistic(model: Prepared, reaction_lag_days: int = 0,
                     keep_coming_days: int = 0, keep_coming_days_by_gate=None) -> None:
    """Refuse a realistic dispatch the model cannot simulate: a static run, an extension that
    adds variables, news that bounds the dispatch while a reaction lag or drivers who keep
    coming hold it (:func:`borderflow.dispatch.check_surprises`; a surprise on a crossing
    passed before a queue gate is not refused: :mod:`borderflow.unwarned`)."""
    if not model.net.dated:
        raise InputError(Problem("option --dispatch", None, None, "realistic dispatch needs a "
                                 "dated horizon (horizon.start): a static run has no days to "
                                 "announce events on"))
    if model.extension is not None and model.extension["variables"]:
        raise InputError(Problem("extra_constraints", None, None, "realistic dispatch needs the "
                                 "day of every variable; the extension adds variables"))
    check_surprises(model.net, model.built, reaction_lag_days, keep_coming_days,
                    keep_coming_days_by_gate)


#: a model of at least this many HiGHS columns dropped by :func:`generate_columns` is
#: collected at once (its Pyomo objects hold reference cycles) before the rebuild; a smaller
#: one (a static day: a few MB) is left to Python's collector: a full collection cost 0.2-0.3 s
#: CPU (load 10) whatever it freed, half of a static round
COLLECT_COLUMNS = 100_000


def generate_columns(model: Prepared, summary: SolveSummary, options: RunOptions,
                     on_progress: Progress | None = None, *,
                     extra_constraints: ExtraConstraints | None = None,
                     keep_input: bool = True,
                     in_place: bool = False,
                     reference=None) -> tuple[Prepared, SolveSummary, Routing]:
    """Column generation on a solved model (:mod:`borderflow.model.column_generation`; dated
    runs :mod:`borderflow.model.dated_columns`): price every (origin, product[, dispatch day])
    with the model's duals, add the routes that improve the objective, rebuild and re-solve
    warm, until none does (``certified``) or a limit stops it (``restricted``, with the gap
    bound of the last pricing).

    Value of time x hours, tolls and destination-share rows are priced (the generalized cost
    per arc; share duals per origin, product and market); in a dated run the queues at the
    gates too (depart, hold and direct columns per dispatch day, and what a new stream could
    make of an initial queue, priced over every route through its gate,
    :mod:`borderflow.model.initial_pricing`: its route is added when it prices out; with a
    dispatch hold, the stock rows' duals and the cells a route could open,
    :mod:`borderflow.model.stock_bound`, a held route added for a cell that prices out,
    :mod:`borderflow.model.held_routes`). A dated search that reaches its label limit
    (``options.pricing.max_labels``, ``--pricing-labels``) stops pricing: ``restricted``, the
    reason naming the limit, day and product, gap unknown. Not priced, ``restricted`` with
    the gap unknown (a bound computed without the duals of every row would not be a bound): a
    realistic dispatch (a policy simulation),
    rolling windows without the whole LP (an approximation), extra constraints and rows
    pricing does not price (:func:`borderflow.pricing_scope.outside_pricing`).

    Memory: a model is dropped before the one rebuilt from it is built (its basis is kept by
    key, :func:`borderflow.model.column_generation.keyed_basis`), and collected at once if it
    is large (:data:`COLLECT_COLUMNS`), so two large models and their HiGHS instances never
    sit in memory at once (a 365-day run: about 1.7 GB each). The
    models a round rebuilt are always dropped so; ``model`` itself only with ``keep_input``
    False.

    Parameters
    ----------
    model : Prepared
        The solved model.
    summary : SolveSummary
        Its solve.
    options : RunOptions
        ``pricing`` (rounds, tolerance, warm starts) and the memory limit of rebuilt models.
    on_progress : callable, optional
    extra_constraints : callable, optional
        Re-applied to each rebuilt model.
    keep_input : bool
        False: the caller gives ``model`` up; once a rebuilt model replaces it, its route
        set, Pyomo model and HiGHS session are dropped (those fields set to ``None``). True:
        ``model`` is left as it is (it still holds its own solution).
    in_place : bool
        A sweep scenario on its kept static model: routes that price out are added to the
        kept HiGHS model (:mod:`borderflow.model.scenario_columns`) instead of a model rebuilt
        for the scenario; the returned model's ``added`` holds them (its ``routes`` include
        them) and the caller removes them (``added.drop()``) once the results are read. A
        model that cannot take them (dated, gate-entry rows, a share row it lacks) is
        rebuilt as without the option.
    reference : ReferencePricing, optional
        A dated sweep's kept reference pricing (:mod:`borderflow.model.dated_reuse`): each
        pass reuses its searches where the duals they read are the reference's, or the
        previous pass's of this scenario (:class:`~borderflow.model.dated_reuse.
        ScenarioPasses`; the same result, faster).

    Returns
    -------
    (Prepared, SolveSummary, Routing)
        The model last solved (a rebuilt one if routes were added), its solve summary (solve
        and translation seconds and iterations summed over the rounds; a dated run keeps how
        its first solve was made and adds the warm re-solves) and how optimality over the
        routes was established.
    """
    progress = on_progress or _quiet
    pricing = options.pricing
    routing = Routing(tolerance_usd_per_t=pricing.tolerance_usd_per_t,
                      route_products=len(model.routes.eligible))
    net = model.net
    reason = not_priced(model, summary)
    if reason:
        routing.method = "route enumeration"
        routing.reason = reason
        return model, summary, routing
    inputs = pricing_inputs(net)
    if in_place and supported(model):
        added, summary, routing = generate_in_place(model, summary, pricing, inputs, progress)
        if routing is not None:  # else: a row it cannot append, rebuilt below
            if added is not None:
                model = replace(model, routes=added.all_routes(model.routes), added=added)
            return model, summary, routing
    net_tables = model.tables
    kept = model if keep_input else None  # the caller's model, left as it is
    if reference is not None and net.dated:  # each pass also reuses the scenario's last one
        reference = ScenarioPasses(reference)
    first, added, entries = summary, 0, 0
    totals = [summary.solve_seconds, summary.translate_seconds, summary.iterations]
    while True:
        progress("pricing", None, None, f"pricing round {routing.rounds + 1}: routes of "
                                        "negative reduced cost")
        try:
            columns, least, gap, entries, notes, seconds, skipped = price_once(
                model, options, inputs, reference)
        except PricingLimitError as err:  # the pass did not finish: no bound is claimed
            routing.rounds += 1
            routing.min_reduced_cost_usd_per_t = routing.gap_bound_usd = None
            routing.skipped = None
            routing.reason = label_limit_reason(err, net)
            entries = 0
            break
        routing.rounds += 1
        routing.pricing_seconds += seconds
        routing.min_reduced_cost_usd_per_t, routing.gap_bound_usd = least, gap
        routing.skipped = skipped  # the last pass's, as the bound
        if columns.empty:
            routing.status = "certified" if not entries and not notes else "restricted"
            if notes:
                routing.reason = "; ".join(notes)
            break
        routes = grow(routing, pricing, net, model.routes, columns, least)
        if routes is None:
            break
        added += len(routes.routes) - len(model.routes.routes)
        start = keyed_basis(model.session, model.built) if pricing.warm else None
        aggregate = model.built.index.aggregated
        solver = model.session.options
        freed = model is not kept and model.session.highs.getNumCol() >= COLLECT_COLUMNS
        if model is not kept:
            _drop(model)
        model = None  # nothing here refers to the old model any more
        if freed:  # a large model let go: give its memory back before the rebuild
            release_freed_memory()
        model = assemble(net_tables, net, routes, solver, options.max_model_gb, progress,
                         extra_constraints=extra_constraints, aggregate=aggregate)
        if start is not None and start.apply(model.session, model.built):
            model.session.continue_warm()
        del start
        # loaded into Pyomo only once the last round is known (pricing reads HiGHS's duals)
        summary = solve_session(model.session, model.built, net, None, progress, load=False)
        totals = [totals[0] + summary.solve_seconds, totals[1] + summary.translate_seconds,
                  totals[2] + summary.iterations]
    if entries and not routing.reason:
        routing.reason = (f"{entries} initial-queue entr{'y' if entries == 1 else 'ies'}: a "
                          "route not in the model would take the waiting trucks for less "
                          "(priced over every route through their gate); the gap bound "
                          "counts them")
    routing.routes_generated = added
    routing.route_products = len(model.routes.eligible)
    if net.dated and summary is not first:  # how the LP was first solved, then warm rounds
        summary = replace(summary, windows=first.windows, method=f"{first.method}; then "
                          f"{routing.rounds - 1} warm re-solve(s) over priced routes (simplex)")
    summary = replace(summary, solve_seconds=totals[0], translate_seconds=totals[1],
                      iterations=totals[2])
    model.session.load_last()  # the last round's solution (earlier rounds' never loaded)
    return model, summary, routing


def _drop(model: Prepared) -> None:
    """Let go of ``model``'s route set, Pyomo model and HiGHS session (set to ``None``: a
    model replaced by one rebuilt over more routes, :func:`generate_columns`)."""
    model.routes = model.built = model.session = None


def solve_session(session: HighsSession, built: BuiltModel, net: FreightNetwork,
                  rolling: RollingHorizon | None = None,
                  on_progress: Progress | None = None, load: bool = True) -> SolveSummary:
    """Solve a session's model at once or, with ``rolling``, window by window (dated models;
    ``rolling.exact``: then the whole LP from the windows' solution); values and duals are
    loaded into the Pyomo model. Reports stage ``solve`` (each window ``k`` of ``n`` with
    ``rolling``, then ``n`` of ``n`` for the whole LP of the exact path). A session solved
    before re-solves warm from its basis unless ``rolling`` is an approximation (whose
    windows are solved anew). ``load`` False: a solve at once leaves its values and duals in
    HiGHS until :meth:`~borderflow.solvers.highs.HighsSession.load_last` (a caller that
    prices and may re-solve first; the windows' path always loads)."""
    progress = on_progress or _quiet
    if rolling is None or (rolling.exact and session.basis() is not None):
        progress("solve", None, None, f"HiGHS ({session.next_algorithm()})")
        return session.solve(load=load)
    return solve_rolling(session, column_periods(built), rolling, lookahead_days(built),
                         longest_queue_wait_days(built), on_window=window_progress(progress))


def explained(err: InfeasibleError, session: HighsSession, built: BuiltModel,
              net: FreightNetwork) -> InfeasibleError:
    """``err`` re-told from HiGHS's irreducible infeasible subsystem: what cannot be delivered
    and which closed or full gates, markets or queues stand in the way (the IIS table is kept
    as ``iis``)."""
    iis = session.iis()
    out = InfeasibleError(explain_infeasibility(iis, built, net), err.summary)
    out.iis = iis
    return out


def solve_baseline(run: Run, on_progress: Progress | None = None
                   ) -> tuple[FreightNetwork, ResultTables]:
    """The network and results of ``run``'s scenario without its disruptions
    (:func:`borderflow.data.scenario.counterfactual`), by a warm re-solve of its model, then
    column generation of its own (static runs: the baseline may need routes the scenario did
    not; the model is rebuilt if it does); a run solved by exact windows solves the baseline's
    windows and whole LP afresh, on the same model.

    ``run.results`` (the scenario's) were extracted before and are not touched; the returned
    tables are new. The Pyomo model and the session hold the baseline's solution afterwards
    unless pricing rebuilt the model.
    """
    progress = on_progress or _quiet
    progress("baseline", None, None, "re-solving without the disruptions (warm start)")
    net = with_scenario(run.net, counterfactual(run.net.scenario))
    run.session.apply(bound_updates(run.built, net))
    def windows(stage, done, total, message):  # the baseline's rolling windows, k of n
        if total is not None:
            progress("baseline", done, total, message)

    rolling = run.options.rolling_for(net.scenario.horizon.days) if net.dated else None
    if rolling is not None and rolling.exact:
        # the exact windows afresh: the dual simplex from the scenario's basis is slower on a
        # baseline (lifting a closure): 24 s against 13 s CPU at 35 days, > 600 s on Boten 2021
        run.session.restart_from(None)
    summary = solve_session(run.session, run.built, net, rolling, windows)
    model = Prepared(tables=run.tables, net=net, routes=run.routes, built=run.built,
                     session=run.session, extension=run.extension)
    model, summary, routing = generate_columns(model, summary, run.options, windows)
    return net, extract_results(net, model.routes, model.built, summary.as_dict(),
                                routing=routing)


def solve_counterfactual(run: Run, on_progress: Progress | None = None) -> ResultTables:
    """The results of :func:`solve_baseline` (its network left out)."""
    return solve_baseline(run, on_progress)[1]
