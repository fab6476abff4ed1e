"""One function per use: load and check a dataset, solve a scenario, compare with a baseline.

Stages pass values, not files: tables -> network -> routes -> model -> HiGHS -> results.
"""

from __future__ import annotations

import importlib.metadata
import platform
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pyomo

import borderflow
from borderflow.data.checks import validate_tables
from borderflow.data.loaders import InputTables, read_tables, sha256_file
from borderflow.data.errors import InputError, Problem, display_path
from borderflow.data.scenario import PriorityEvent, Scenario
from borderflow.model.formulation import (BuiltModel, bound_updates, build_model,
                                          column_periods, lookahead_days,
                                          longest_queue_wait_days)
from borderflow.model.infeasibility import explain_infeasibility
from borderflow.model.network import FreightNetwork, build_network, with_scenario
from borderflow.model.results import ResultTables, extract_results
from borderflow.model.routes import RouteOptions, RouteSet, enumerate_routes
from borderflow.model.size import check_model_size
from borderflow.solvers.highs import (HighsSession, InfeasibleError, SolveSummary, SolverOptions,
                                     solver_version)
from borderflow.solvers.rolling import RollingHorizon, solve_rolling


#: routes kept per (origin, product) in day-by-day runs unless the options say otherwise
DATED_ROUTES_PER_PRODUCT = 5


@dataclass(frozen=True)
class RunOptions:
    """Options of a run: route enumeration and solver settings."""

    routes: RouteOptions = field(default_factory=RouteOptions)
    solver: SolverOptions = field(default_factory=SolverOptions)
    #: largest model built, GB (None: $BORDERFLOW_MAX_MODEL_GB or half the machine's memory)
    max_model_gb: float | None = None
    #: dated runs: solve window by window (:mod:`borderflow.solvers.rolling`); None: at once
    rolling: RollingHorizon | None = None


@dataclass
class Run:
    """A solved scenario: every stage's output, for inspection and writing."""

    tables: InputTables
    net: FreightNetwork
    routes: RouteSet
    built: BuiltModel
    solve: SolveSummary
    results: ResultTables
    options: RunOptions
    session: HighsSession | None = None
    route_options: RouteOptions | None = None

    def metadata(self, scenario_file: Path | str | None = None) -> dict:
        """Provenance for ``run.json``: what is needed to reproduce the run.

        Inputs' paths and SHA-256 (the scenario file's too, if given), the scenario in full,
        the options asked for and those in effect (dated runs cap routes and use interior
        point), and the versions of borderflow, Python, Pyomo, HiGHS and the libraries that
        shape the numbers. Nothing in it depends on the clock.
        """
        checksums = dict(self.tables.checksums)
        meta = {
            "borderflow_version": borderflow.__version__,
            "solver": solver_version(),
            "pyomo_version": pyomo.version.version,
            "python_version": platform.python_version(),
            "versions": library_versions(),
            "inputs": self.tables.sources,
            "input_sha256": checksums,
            "scenario": self.net.scenario.model_dump(mode="json", by_alias=True),
            "options": asdict(self.options),
            "effective_options": {
                "routes": asdict(self.route_options or self.options.routes),
                "solver": asdict(self.session.options if self.session is not None
                                 else self.options.solver)},
        }
        if scenario_file is not None:
            shown = display_path(scenario_file)
            checksums[shown] = sha256_file(scenario_file)
            meta["scenario_file"] = shown
        return meta


def library_versions() -> dict[str, str]:
    """Versions of the interpreter, the solver stack and the libraries used on the numbers."""
    out = {"python": platform.python_version(), "pyomo": pyomo.version.version,
           "platform": f"{platform.system()} {platform.machine()}"}
    for dist in ("highspy", "numpy", "pandas", "pyarrow", "networkx", "scipy", "pydantic"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            out[dist] = "not installed"
    return out


def load_dataset(data_dir: Path | str | None = None, overlays=(), *,
                 check_borders: bool = True) -> InputTables:
    """Read a dataset and check it; raise :class:`InputError` on the first bad row.

    Parameters
    ----------
    data_dir : path, optional
        Dataset folder (default: the embedded dataset).
    overlays : sequence of paths
        Folders with rows that add to or replace the base tables.
    check_borders : bool
        Check crossing points against the Natural Earth borders.
    """
    tables = read_tables(data_dir, overlays)
    validate_tables(tables, check_borders=check_borders).raise_for_errors()
    return tables


def run_scenario(tables: InputTables, scenario: Scenario | None = None,
                 options: RunOptions | None = None) -> Run:
    """Build and solve one scenario on checked tables.

    Raises
    ------
    InputError
        If the scenario refers to unknown ids or dates outside its horizon, or its model
        would not fit in memory (:func:`borderflow.model.size.check_model_size`).
    SolverError
        If HiGHS does not end optimal (the message says how it ended).
    """
    options = options or RunOptions()
    net = build_network(tables, scenario)
    route_options = options.routes
    if net.dated and route_options.max_routes_per_product is None:
        named = tuple(sorted(set(net.scenario.crossings_named())))
        route_options = replace(route_options, max_routes_per_product=DATED_ROUTES_PER_PRODUCT,
                                keep_gates=named)
    routes = enumerate_routes(net, route_options)
    check_model_size(net, routes, options.max_model_gb)  # before building: refuse what won't fit
    try:
        built = build_model(net, routes)
    except ValueError as err:  # an initial queue with no route through its gate
        raise InputError(Problem(f"scenario '{net.scenario.name}'", None, "initial_queues",
                                 str(err))) from None
    solver_options = options.solver
    if net.dated and solver_options.solver == "choose":
        # Dated models are large and sparse: on the 45-day Boten model interior point solves in
        # ~3 min where dual simplex is stopped at 600 s (docs/performance.md). Crossover gives a
        # basis for warm re-solves.
        solver_options = replace(solver_options, solver="ipm")
    session = HighsSession(built.model, solver_options)
    rolling = options.rolling if net.dated else None
    try:
        summary = solve_session(session, built, net, rolling)
    except InfeasibleError as err:
        if rolling is not None:  # the IIS of the whole model would not be this window's
            raise
        raise explained(err, session, built, net) from None
    results = extract_results(net, routes, built, summary.as_dict())
    return Run(tables=tables, net=net, routes=routes, built=built, solve=summary,
               results=results, options=options, session=session,
               route_options=route_options)


def solve_session(session: HighsSession, built: BuiltModel, net: FreightNetwork,
                  rolling: RollingHorizon | None = None) -> SolveSummary:
    """Solve a session's model at once or, with ``rolling``, window by window (dated models);
    values and duals are loaded into the Pyomo model."""
    if rolling is None:
        return session.solve()
    return solve_rolling(session, column_periods(built), rolling, lookahead_days(built, net),
                         longest_queue_wait_days(built))


def explained(err: InfeasibleError, session: HighsSession, built: BuiltModel,
              net: FreightNetwork) -> InfeasibleError:
    """``err`` re-told from HiGHS's irreducible infeasible subsystem: what cannot be delivered
    and which closed or full gates, markets or queues stand in the way (the IIS table is kept
    as ``iis``)."""
    iis = session.iis()
    out = InfeasibleError(explain_infeasibility(iis, built, net), err.summary)
    out.iis = iis
    return out


def counterfactual(scenario: Scenario) -> Scenario:
    """The same scenario without its disruptions: closures, throttles, builds and supply changes
    removed; horizon, priority rules, ``context`` events and initial queues kept (so the model
    structure is the same and the baseline is a warm re-solve)."""
    keep = tuple(ev for ev in scenario.events if not _is_disruption(ev))
    return scenario.model_copy(update={"name": f"{scenario.name}-baseline", "events": keep})


def has_disruptions(scenario: Scenario) -> bool:
    """True if the scenario changes capacity or supply (so a baseline comparison means
    something)."""
    return any(_is_disruption(ev) for ev in scenario.events)


def _is_disruption(event) -> bool:
    return not (event.context or isinstance(event, PriorityEvent))


def solve_counterfactual(run: Run) -> ResultTables:
    """Results of ``run``'s scenario without its disruptions, by a warm re-solve of its model.

    ``run``'s own results were extracted before; the Pyomo model afterwards holds the baseline
    solution.
    """
    net = with_scenario(run.net, counterfactual(run.net.scenario))
    run.session.apply(bound_updates(run.built, net))
    summary = solve_session(run.session, run.built, net,
                            run.options.rolling if net.dated else None)
    return extract_results(net, run.routes, run.built, summary.as_dict())
