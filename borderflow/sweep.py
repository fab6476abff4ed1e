"""Sweeps: many scenarios solved on one model per worker, in parallel on Dask, resumable.

A sweep turns a list of scenarios (a scenario file, or N-1: every open crossing closed in turn)
into one tidy comparison with their baselines, and into answers that go beyond routing: which
crossings' loss costs most (criticality), what one more truck per day is worth at each gate
(value of capacity) and which proposed crossing is worth most, in a normal year and under
disruptions (investment ranking).

How it runs
-----------
Scenarios are grouped by *structure*: those with the same horizon, priority rules and initial
queues share one Pyomo model and one HiGHS instance, since they differ only in bounds
(capacities, closures, builds, supply). Each Dask worker builds a structure's model once
(:class:`ModelCache`, a worker plugin), solves its reference (the undisrupted baseline) cold and
keeps that basis; every scenario then applies its bound updates
(:func:`borderflow.model.formulation.bound_updates`) and is re-solved warm from that basis.
Restarting from the same basis makes each result independent of which scenarios a worker
solved before, so a sweep gives the same numbers on 1 or 8 workers and when resumed.

Each scenario's results are written as soon as they are solved, by the worker that solved it
(on a LocalCluster; by the client for a cluster given by the caller), as a run folder
``<out>/scenarios/scenario=<name>/`` (parquet and CSV tables, ``summary.json``, ``run.json``),
built in a temporary folder and renamed into place: an interrupted sweep leaves whole folders
only, and ``resume`` skips those whose fingerprint (scenario, model structure, input checksums)
still matches. The tables at the top of ``<out>`` are rebuilt from the folders at the end, so a
resumed sweep writes the same tables as an uninterrupted one (all but the ``solve_seconds``
column, which is wall-clock time).

Money is in USD per period summed over the run's periods: per representative day for a static
run, over the whole horizon (run-out tail included) for a dated one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd
from distributed import WorkerPlugin

import borderflow
from borderflow.compare import (PRODUCT_MEASURES, crossing_changes_many,
                                product_changes_many)
from borderflow.data.errors import InputError, Problem, display_path
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import (BuildEvent, Catalog, CloseEvent, Horizon, Investments,
                                      LoadedScenarios, PriorityEvent, Project, Scenario,
                                      load_scenario_file, scenario_problems, unknown_id)
from borderflow.io import PARQUET_OPTIONS, SUMMARY, read_run, write_json, write_run
from borderflow.model.formulation import BuiltModel, bound_updates, build_model
from borderflow.model.network import FreightNetwork, build_network, with_scenario
from borderflow.model.results import ResultTables, extract_results
from borderflow.model.routes import RouteOptions, RouteSet, enumerate_routes
from borderflow.model.size import check_model_size
from borderflow.pipeline import (DATED_ROUTES_PER_PRODUCT, RunOptions, counterfactual,
                                 explained, has_disruptions, load_dataset)
from borderflow.solvers.highs import (HighsSession, InfeasibleError, SolverError,
                                      SolverOptions, SolveSummary, solver_version)

log = logging.getLogger(__name__)

PLUGIN = "borderflow-models"
#: networks of other horizons (a seasonal sweep's months) kept per worker
NETWORKS_KEPT = 24
#: most scenarios solved by one Dask task
MAX_CHUNK = 8
PARTITIONS = "scenarios"
PLAN = "plan.json"
#: crossings named in the comparison's ``top_gaining_crossings``
TOP_GAINS = 3
#: changes smaller than this (t, trucks or USD) are solver noise
TOL = 1e-6
#: statuses of a scenario that ran and failed for a reason that a re-run would not change
FINAL_FAILURES = ("infeasible", "unbounded", "infeasible_or_unbounded", "input_error",
                  "numerical_error", "time_limit", "iteration_limit")
ROLES = ("baseline", "scenario", "investment")
TABLES = ("comparison", "crossing_changes", "product_changes", "criticality",
          "criticality_by_product", "criticality_by_month", "capacity_value", "investments",
          "investment_ranking")


# ---- what is solved -------------------------------------------------------------------------
@dataclass(frozen=True)
class Structure:
    """What one model is built from; scenarios of one structure differ only in bounds.

    Attributes
    ----------
    data : str or None
        Dataset folder (absolute; ``None`` = the embedded dataset).
    overlays : tuple of str
        Overlay folders.
    reference : Scenario
        The scenario the model is built and first solved for (an undisrupted baseline).
    routes, solver
        Route enumeration and HiGHS options in effect.
    """

    data: str | None
    overlays: tuple[str, ...]
    reference: Scenario
    routes: RouteOptions
    solver: SolverOptions

    def payload(self, with_paths: bool = True) -> dict:
        """A JSON-able description (paths left out for fingerprints)."""
        out = {"reference": self.reference.model_dump(mode="json", by_alias=True),
               "routes": asdict(self.routes), "solver": asdict(self.solver)}
        if with_paths:
            out.update(data=self.data, overlays=list(self.overlays))
        return out

    @property
    def key(self) -> str:
        """Identity of the model on a worker."""
        return _sha(self.payload())


@dataclass(frozen=True)
class Job:
    """One scenario to solve on a structure's model (warm) or on a model of its own (cold).

    With ``out`` set, the worker writes the scenario's run folder itself (``row`` and ``meta``
    are its plan entry and provenance) and sends back only the outcome's status: workers
    write in parallel and no result table travels through the scheduler.
    """

    scenario: Scenario
    structure: Structure
    warm: bool = True
    out: str | None = None
    row: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


@dataclass
class Outcome:
    """What a worker sends back for one scenario."""

    name: str
    status: str
    message: str = ""
    results: ResultTables | None = None
    solve: dict = field(default_factory=dict)
    wall_seconds: float = 0.0
    model_built: bool = False
    written: bool = False


@dataclass
class _Model:
    tables: InputTables
    net: FreightNetwork
    routes: RouteSet
    built: BuiltModel
    session: HighsSession
    basis: object = None
    reference: SolveSummary | None = None


def _sha(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


# ---- on the workers -------------------------------------------------------------------------
class ModelCache(WorkerPlugin):
    """Datasets and built models kept by one worker between tasks (a Dask worker plugin).

    Parameters
    ----------
    size : int
        Models kept at once (least recently used dropped first).
    """

    name = PLUGIN

    def __init__(self, size: int = 2):
        self.size = size
        self.datasets: dict[tuple, InputTables] = {}
        self.models: OrderedDict[str, _Model] = OrderedDict()
        self.networks: OrderedDict[tuple, FreightNetwork] = OrderedDict()
        self.lock = None

    def setup(self, worker=None) -> None:
        """Start empty on each worker; one task at a time uses the models (a worker may run
        several threads)."""
        self.datasets, self.models, self.networks = {}, OrderedDict(), OrderedDict()
        self.lock = threading.Lock()

    def network(self, model: _Model, scenario: Scenario) -> FreightNetwork:
        """``scenario``'s network, derived from a kept network of its horizon: a seasonal
        sweep's months share one model but each month has its own calendar, built once per
        worker (:data:`NETWORKS_KEPT` months kept) instead of once per scenario."""
        horizon = scenario.horizon
        if horizon == model.net.scenario.horizon:
            return with_scenario(model.net, scenario)
        key = (id(model.tables), horizon.model_dump_json())
        base = self.networks.get(key)
        if base is None:
            base = build_network(model.tables, Scenario(name=f"{scenario.name}-horizon",
                                                        horizon=horizon))
            self.networks[key] = base
            while len(self.networks) > NETWORKS_KEPT:
                self.networks.popitem(last=False)
        else:
            self.networks.move_to_end(key)
        return with_scenario(base, scenario)

    def dataset(self, structure: Structure) -> InputTables:
        """The structure's checked dataset, read once per worker."""
        key = (structure.data, structure.overlays)
        if key not in self.datasets:
            self.datasets[key] = load_dataset(structure.data, structure.overlays,
                                              check_borders=False)
        return self.datasets[key]

    def model(self, structure: Structure) -> tuple[_Model, bool]:
        """The structure's model (built and solved for its reference on first use) and
        whether it was built by this call."""
        key = structure.key
        if key in self.models:
            self.models.move_to_end(key)
            return self.models[key], False
        model = _build(self.dataset(structure), structure)
        try:
            model.reference = model.session.solve(load=False)
            model.basis = model.session.basis()
        except SolverError:  # scenarios then start cold
            model.basis = None
        self.models[key] = model
        while len(self.models) > self.size:
            self.models.popitem(last=False)
        return model, True


def _build(tables: InputTables, structure: Structure) -> _Model:
    """Network, routes, Pyomo model and HiGHS session of ``structure.reference``."""
    net = build_network(tables, structure.reference)
    routes = enumerate_routes(net, structure.routes)
    check_model_size(net, routes)  # refuse a model that would not fit, before building it
    try:
        built = build_model(net, routes)
    except ValueError as err:  # an initial queue with no route through its gate
        raise InputError(Problem(f"scenario '{structure.reference.name}'", None,
                                 "initial_queues", str(err))) from None
    return _Model(tables=tables, net=net, routes=routes, built=built,
                  session=HighsSession(built.model, structure.solver))


def solve_job(job: Job, cache: ModelCache) -> Outcome:
    """Solve one scenario; never raises for a failed solve or bad scenario (the outcome says).

    Warm: the structure's model from ``cache``, the scenario's bounds applied, HiGHS restarted
    from the reference basis. Cold: a model built for the scenario alone, solved from scratch.
    """
    t0 = time.perf_counter()
    name = job.scenario.name
    built_here = False
    try:
        if job.warm:
            model, built_here = cache.model(job.structure)
            net = cache.network(model, job.scenario)
            try:
                update = bound_updates(model.built, net)
            except ValueError as err:
                raise InputError(Problem(f"scenario '{name}'", None, "events", str(err))) \
                    from None
            model.session.apply(update)  # sends only the bounds that changed
            model.session.restart_from(model.basis)
        else:
            model = _build(cache.dataset(job.structure),
                           replace(job.structure, reference=job.scenario))
            net, built_here = model.net, True
        try:
            summary = model.session.solve()
        except InfeasibleError as err:
            raise explained(err, model.session, model.built, net) from None
        results = extract_results(net, model.routes, model.built, summary.as_dict())
        return Outcome(name, "optimal", results=results, solve=summary.as_dict(),
                       wall_seconds=time.perf_counter() - t0, model_built=built_here)
    except SolverError as err:
        return Outcome(name, err.summary.status, str(err), solve=err.summary.as_dict(),
                       wall_seconds=time.perf_counter() - t0, model_built=built_here)
    except InputError as err:
        return Outcome(name, "input_error", str(err), wall_seconds=time.perf_counter() - t0,
                       model_built=built_here)


def _dask_solve(jobs: list[Job]) -> list[Outcome]:
    """Task run on a Dask worker: :func:`solve_job` for a few scenarios with the worker's
    :class:`ModelCache`, each written by the worker when its job says where."""
    from distributed import get_worker

    cache = get_worker().plugins.get(PLUGIN)
    outcomes = []
    for job in jobs:
        if cache is None:  # plugin not registered: nothing is kept
            outcome = solve_job(job, ModelCache())
        else:
            with cache.lock or nullcontext():
                outcome = solve_job(job, cache)
        if job.out is not None:
            write_outcome(job.out, job.scenario.name, job.row, job.meta, outcome)
            outcome = replace(outcome, results=None, written=True)
        outcomes.append(outcome)
    return outcomes


def chunk_size(n_scenarios: int, n_workers: int) -> int:
    """Scenarios per Dask task: a few at a time cut the scheduler's and client's work per
    scenario (they share the cores with the workers), while leaving each worker at least
    ~8 tasks so that the last ones balance; at most :data:`MAX_CHUNK`."""
    return max(1, min(MAX_CHUNK, n_scenarios // (8 * max(1, n_workers))))


# ---- the plan -------------------------------------------------------------------------------
@dataclass(frozen=True)
class InvestmentProject:
    """A project valued with vs without it.

    ``kind``: ``build`` (a proposed or closed crossing opened), ``existing`` (an upgraded
    crossing: valued against closing it) or ``custom`` (events from the scenario file).
    """

    name: str
    kind: str
    crossing_id: str | None
    with_events: tuple = ()
    without_events: tuple = ()

    @property
    def suffix(self) -> str:
        """Name suffix of the variant scenario that differs from its context."""
        if self.kind == "build":
            return f"build-{self.crossing_id}"
        if self.kind == "existing":
            return f"without-{self.crossing_id}"
        return self.name


@dataclass(frozen=True)
class PlannedScenario:
    """One scenario of a sweep with its place in it."""

    scenario: Scenario
    role: str
    baseline: str
    structure: str
    fingerprint: str
    closed: str | None = None
    closed_days: int | None = None
    project: str | None = None
    context: str | None = None

    @property
    def name(self) -> str:
        """The scenario's name (its partition)."""
        return self.scenario.name

    def row(self) -> dict:
        """Plan row (JSON) without the scenario's events."""
        return {"scenario": self.name, "role": self.role, "baseline": self.baseline,
                "structure": self.structure, "fingerprint": self.fingerprint,
                "closed": self.closed, "closed_days": self.closed_days,
                "month": self.scenario.horizon.month, "project": self.project,
                "context": self.context}


@dataclass
class SweepPlan:
    """Scenarios of a sweep, their baselines and structures, and the investments to value.

    Build one with :func:`plan_scenarios`, :func:`plan_file` or :func:`plan_n_minus_1`.
    """

    entries: list[PlannedScenario]
    structures: dict[str, Structure]
    tables: InputTables
    options: RunOptions
    data: str | None = None
    overlays: tuple[str, ...] = ()
    projects: tuple[InvestmentProject, ...] = ()
    invest_under: tuple[str, ...] | None = None
    invest_top: int = 3
    source: str = ""
    gates: tuple[str, ...] = ()

    def entry(self, name: str) -> PlannedScenario:
        """The entry of a scenario by name."""
        return next(e for e in self.entries if e.name == name)

    def names(self) -> list[str]:
        """Scenario names in plan order."""
        return [e.name for e in self.entries]


def _shape(s: Scenario) -> dict:
    """What decides a scenario's model structure (not its bounds)."""
    static_month = s.horizon.month if any(isinstance(e, PriorityEvent) for e in s.events) \
        else None
    horizon = s.horizon.model_dump(mode="json") if s.horizon.start is not None else {
        "month": static_month}
    return {"horizon": horizon,
            "priority": [e.model_dump(mode="json") for e in s.events
                         if isinstance(e, PriorityEvent)],
            "initial_queues": [q.model_dump(mode="json") for q in s.initial_queues],
            "must_deliver": sorted(s.must_deliver)}


def _undisrupted_key(s: Scenario) -> str:
    cf = counterfactual(s)
    return _sha(cf.model_dump(mode="json", exclude={"name", "description"}))


def _baseline_name(s: Scenario, taken: set[str]) -> str:
    h = s.horizon
    if h.start is not None:
        label = f"baseline-{h.start.isoformat()}-{h.days}d"
    else:
        label = f"baseline-m{h.month:02d}" if h.month else "baseline"
    name, k = label, 2
    while name in taken:
        name, k = f"{label}-{k}", k + 1
    return name


def _closure(s: Scenario) -> tuple[str | None, int | None]:
    """(crossing, days closed) if the scenario's disruptions close exactly one crossing (both
    directions), else (None, None)."""
    events = [e for e in s.events if not (e.context or isinstance(e, PriorityEvent))]
    if not events or not all(isinstance(e, CloseEvent) and e.direction == "both"
                             for e in events) or len({e.crossing for e in events}) != 1:
        return None, None
    days = s.horizon.dates or s.horizon.representative_days()
    closed = sum(any(e.close.covers(d) for e in events) for d in days)
    return events[0].crossing, int(closed)


def _effective(options: RunOptions, dated: bool, gates: tuple[str, ...]) -> RunOptions:
    """Options in effect for a horizon: dated runs cap routes (keeping the named gates) and
    use interior point, as :func:`borderflow.pipeline.run_scenario` does."""
    routes, solver = options.routes, options.solver
    if dated and routes.max_routes_per_product is None:
        routes = replace(routes, max_routes_per_product=DATED_ROUTES_PER_PRODUCT,
                         keep_gates=gates)
    if dated and solver.solver == "choose":
        solver = replace(solver, solver="ipm")
    return RunOptions(routes=routes, solver=solver)


def _abs(path) -> str | None:
    return None if path is None else str(Path(path).resolve())


def plan_scenarios(scenarios: list[Scenario], *, data: Path | str | None = None, overlays=(),
                   tables: InputTables | None = None, options: RunOptions | None = None,
                   projects: tuple[InvestmentProject, ...] = (),
                   invest_under: tuple[str, ...] | None = None, invest_top: int = 3,
                   source: str = "") -> SweepPlan:
    """Plan a sweep: add the baselines the scenarios need, group them by structure.

    Every scenario is compared with its undisrupted counterfactual (same horizon, priority
    rules, ``context`` events and initial queues); a scenario of the list that has no
    disruptions serves as that baseline, otherwise one is added (``baseline``,
    ``baseline-m07``, ``baseline-2021-10-20-45d``).

    Parameters
    ----------
    scenarios : list of Scenario
        Checked against the dataset (names must be unique).
    data, overlays : paths
        The dataset (default: the embedded one); workers read it from there.
    tables : InputTables, optional
        The dataset already read and checked from ``data`` and ``overlays``.
    projects, invest_under, invest_top
        Investments to value after the scenarios: under the named scenarios, or (``None``)
        under the baselines and the ``invest_top`` costliest single-crossing closures.

    Raises
    ------
    InputError
        If a scenario does not fit the dataset, or names repeat.
    """
    options = options or RunOptions()
    tables = tables or load_dataset(data, overlays)
    catalog = Catalog.of(tables)
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(Problem(source or "scenarios", None, "name",
                                 f"duplicate scenario name(s): {', '.join(dup)}"))
    problems = [Problem(f"scenario '{s.name}'", None, f, m) for s in scenarios
                for _, f, m in scenario_problems(s, catalog)]
    if problems:
        raise InputError(problems)
    baselines: dict[str, Scenario] = {}
    for s in scenarios:
        if not has_disruptions(s):
            baselines.setdefault(_undisrupted_key(s), s)
    taken = set(names)
    ordered: list[Scenario] = []
    for s in scenarios:
        key = _undisrupted_key(s)
        if key not in baselines:
            name = _baseline_name(s, taken)
            taken.add(name)
            baselines[key] = counterfactual(s).model_copy(update={
                "name": name, "description": "undisrupted baseline"})
            ordered.append(baselines[key])
        ordered.append(s)
    gates = tuple(sorted({c for s in ordered for c in s.crossings_named()}
                         | {p.crossing_id for p in projects if p.crossing_id}
                         | {c for p in projects for ev in p.with_events
                            for c in Scenario(events=(ev,)).crossings_named()}))
    plan = SweepPlan(entries=[], structures={}, tables=tables, options=options,
                     data=_abs(data), overlays=tuple(_abs(o) for o in overlays),
                     projects=tuple(projects), invest_under=invest_under,
                     invest_top=invest_top, source=source, gates=gates)
    base_names = {b.name for b in baselines.values()}
    for s in ordered:
        role = "baseline" if s.name in base_names else "scenario"
        plan.entries.append(_entry(plan, s, role, baselines[_undisrupted_key(s)].name))
    return plan


def _entry(plan: SweepPlan, s: Scenario, role: str, baseline: str, project: str | None = None,
           context: str | None = None) -> PlannedScenario:
    shape = _sha(_shape(s))
    structure = next((st for st in plan.structures.values()
                      if _sha(_shape(st.reference)) == shape), None)
    if structure is None:
        reference = next((e.scenario for e in plan.entries if e.role == "baseline"
                          and _sha(_shape(e.scenario)) == shape), None)
        reference = reference or counterfactual(s).model_copy(update={"name": baseline})
        eff = _effective(plan.options, s.horizon.start is not None, plan.gates)
        structure = Structure(plan.data, plan.overlays, reference, eff.routes, eff.solver)
        plan.structures[structure.key] = structure
    fingerprint = _sha({"scenario": s.model_dump(mode="json", by_alias=True),
                        "structure": structure.payload(with_paths=False),
                        "inputs": sorted(plan.tables.checksums.values()),
                        "borderflow": borderflow.__version__})
    closed, days = _closure(s) if role == "scenario" else (None, None)
    return PlannedScenario(s, role, baseline, structure.key, fingerprint, closed, days,
                           project, context)


def investment_candidates(catalog: Catalog) -> tuple[InvestmentProject, ...]:
    """Every proposed or closed crossing (valued by building it) and every upgraded one
    (valued against closing it), in dataset order."""
    out = []
    for crossing, status in catalog.crossings.items():
        if status in ("proposed", "closed"):
            out.append(InvestmentProject(crossing, "build", crossing,
                                         with_events=(BuildEvent(build=crossing),)))
        elif status == "upgraded":
            out.append(InvestmentProject(crossing, "existing", crossing,
                                         without_events=(CloseEvent(crossing=crossing),)))
    return tuple(out)


def _projects(spec: Investments, catalog: Catalog, loaded: LoadedScenarios | None = None
              ) -> tuple[InvestmentProject, ...]:
    if spec.projects == "candidates":
        return investment_candidates(catalog)
    candidates = {p.name: p for p in investment_candidates(catalog)}
    out, problems = [], []
    for k, item in enumerate(spec.projects):
        if isinstance(item, Project):
            out.append(InvestmentProject(item.name, "custom", None, with_events=item.events))
            probe = Scenario(name=item.name, events=item.events)
            problems += [(("investments", "projects", k) + loc, f"project {item.name}: {m}")
                         for loc, _, m in scenario_problems(probe, catalog)]
        elif item in candidates:
            out.append(candidates[item])
        elif item in catalog.crossings:
            out.append(InvestmentProject(item, "existing", item,
                                         without_events=(CloseEvent(crossing=item),)))
        else:
            _, _, msg = unknown_id((), "crossing", item, catalog.crossings)
            problems.append((("investments", "projects", k), f"project: {msg}"))
    if problems:
        raise InputError([loaded.problem(loc, msg) if loaded else
                          Problem("investments", None, None, msg) for loc, msg in problems])
    return tuple(out)


def plan_file(path: Path | str, *, data: Path | str | None = None, overlays=(),
              options: RunOptions | None = None, invest: bool = False,
              tables: InputTables | None = None) -> SweepPlan:
    """Plan the sweep of a scenario file (scenarios, grids, and its ``investments:``).

    Parameters
    ----------
    invest : bool
        Value investment candidates under every scenario even if the file has no
        ``investments:`` section.

    Raises
    ------
    InputError
        Naming the file, line and field of every problem.
    """
    tables = tables or load_dataset(data, overlays)
    catalog = Catalog.of(tables)
    loaded = load_scenario_file(path)
    scenarios = [s for _, s in loaded.scenarios(catalog)]
    spec = loaded.spec.investments or (Investments() if invest else None)
    projects, under = (), None
    if spec is not None:
        projects = _projects(spec, catalog, loaded)
        names = [s.name for s in scenarios]
        if spec.under == "all":
            under = tuple(names)
        else:
            missing = [(k, n) for k, n in enumerate(spec.under) if n not in names]
            if missing:
                raise InputError([loaded.problem(("investments", "under", k),
                                                 f"investments: no scenario named '{n}' in "
                                                 "the file") for k, n in missing])
            under = tuple(spec.under)
    return plan_scenarios(scenarios, data=data, overlays=overlays, tables=tables,
                          options=options, projects=projects, invest_under=under,
                          source=loaded.shown)


def n_minus_1_scenarios(catalog: Catalog, months: list[int | None]) -> list[Scenario]:
    """For each month: the baseline, then every open crossing closed in turn."""
    out = []
    for month in months:
        tag = f"-m{month:02d}" if len(months) > 1 else ""
        horizon = Horizon(month=month)
        out.append(Scenario(name=f"baseline{tag}", horizon=horizon,
                            description="undisrupted baseline"))
        out += [Scenario(name=f"close-{c}{tag}", horizon=horizon,
                         description=f"{c} closed", events=(CloseEvent(crossing=c),))
                for c in catalog.open_crossings()]
    return out


def plan_n_minus_1(*, data: Path | str | None = None, overlays=(), month: int | None = None,
                   seasons: bool = False, invest: bool = False, invest_top: int = 3,
                   options: RunOptions | None = None,
                   tables: InputTables | None = None) -> SweepPlan:
    """Plan N-1: every open crossing closed in turn on a representative day (of ``month``, or
    of each month with ``seasons``), and optionally the investment candidates valued under the
    baseline(s) and the ``invest_top`` costliest closures."""
    tables = tables or load_dataset(data, overlays)
    catalog = Catalog.of(tables)
    months = list(range(1, 13)) if seasons else [month]
    projects = investment_candidates(catalog) if invest else ()
    return plan_scenarios(n_minus_1_scenarios(catalog, months), data=data, overlays=overlays,
                          tables=tables, options=options, projects=projects,
                          invest_top=invest_top, source="N-1")


def _investment_entries(plan: SweepPlan, comparison: pd.DataFrame) -> list[PlannedScenario]:
    """Variants (context + project) for the investments, once the scenarios are solved."""
    if not plan.projects:
        return []
    ok = comparison[comparison["status"] == "optimal"]
    if plan.invest_under is not None:
        contexts = [n for n in plan.invest_under if n in set(ok["scenario"])]
        bases = [plan.entry(n).baseline for n in contexts]
        contexts = list(dict.fromkeys([*bases, *contexts]))
    else:
        closures = ok[(ok["role"] == "scenario") & ok["closed"].notna()]
        top = closures.sort_values(["cost_increase_usd", "scenario"], ascending=[False, True],
                                   kind="stable").head(plan.invest_top)
        top = top[top["cost_increase_usd"] > TOL]
        bases = ok.loc[ok["role"] == "baseline", "scenario"].tolist()
        contexts = [*bases, *top["scenario"].tolist()]
    out = []
    for context in contexts:
        c = plan.entry(context)
        named = set(c.scenario.crossings_named())
        for p in plan.projects:
            if p.crossing_id in named:
                continue
            events = p.with_events or p.without_events
            s = c.scenario.model_copy(update={
                "name": f"{context}__{p.suffix}", "events": c.scenario.events + events,
                "description": f"{context} with project {p.name} "
                               f"{'built' if p.with_events else 'closed'}"})
            out.append(_entry(plan, s, "investment", c.baseline, project=p.name,
                              context=context))
    return out


# ---- writing --------------------------------------------------------------------------------
def solved_partitions(out: Path | str) -> dict[str, Path] | None:
    """Scenario name -> run folder of every optimal scenario of the sweep folder ``out``
    (``None`` if ``out`` is not a sweep folder)."""
    out = Path(out)
    if not (out / PLAN).is_file() or not (out / PARTITIONS).is_dir():
        return None
    found = {}
    for folder in sorted((out / PARTITIONS).glob("scenario=*")):
        summary = _summary(folder)
        if summary is not None and summary.get("status") == "optimal":
            found[folder.name.split("=", 1)[1]] = folder
    return found


def partition(out: Path | str, name: str) -> Path:
    """Folder of a scenario's results in a sweep folder."""
    return Path(out) / PARTITIONS / f"scenario={name}"


def _summary(folder: Path) -> dict | None:
    path = folder / SUMMARY
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _done(out: Path, entry: PlannedScenario) -> bool:
    s = _summary(partition(out, entry.name))
    return bool(s) and s.get("fingerprint") == entry.fingerprint and (
        s.get("status") == "optimal" or s.get("status") in FINAL_FAILURES)


def _empty_results(summary: dict) -> ResultTables:
    return ResultTables(summary=summary, **{n: pd.DataFrame() for n in ResultTables.TABLES})


def write_partition(out: Path | str, plan: SweepPlan, entry: PlannedScenario,
                    outcome: Outcome) -> Path:
    """Write one scenario's outcome as a run folder, atomically (temp folder + rename)."""
    return write_outcome(out, entry.name, entry.row(), partition_metadata(plan, entry), outcome)


def partition_metadata(plan: SweepPlan, entry: PlannedScenario) -> dict:
    """Provenance of a scenario's run folder (``run.json``)."""
    structure = plan.structures[entry.structure]
    return {"borderflow_version": borderflow.__version__, "solver": solver_version(),
            "inputs": plan.tables.sources, "input_sha256": plan.tables.checksums,
            "scenario": entry.scenario.model_dump(mode="json", by_alias=True),
            "options": asdict(plan.options), "structure": structure.payload(with_paths=False),
            "sweep": {"role": entry.role, "baseline": entry.baseline,
                      "fingerprint": entry.fingerprint}}


def write_outcome(out: Path | str, name: str, row: dict, meta: dict, outcome: Outcome) -> Path:
    """Write scenario ``name``'s outcome to its partition of ``out`` (``row``: its plan entry,
    ``meta``: :func:`partition_metadata`), atomically; on the client or on a worker."""
    results = outcome.results or _empty_results({"scenario": name})
    results.summary = {**results.summary, **row, "status": outcome.status,
                       "message": outcome.message, "wall_seconds": outcome.wall_seconds,
                       "model_built": outcome.model_built,
                       "warm_start": bool(outcome.solve.get("warm_start", False)),
                       "solve_seconds": outcome.solve.get("solve_seconds"),
                       "iterations": outcome.solve.get("iterations")}
    return write_run(partition(out, name), results, meta)


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(folder: Path | str, name: str, df: pd.DataFrame) -> None:
    """Write ``<folder>/<name>.csv`` and ``.parquet``, each atomically (temp file + rename)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _atomic(folder / f"{name}.csv", lambda p: df.to_csv(p, index=False, lineterminator="\n"))
    _atomic(folder / f"{name}.parquet", lambda p: df.to_parquet(p, **PARQUET_OPTIONS))


def _write_plan(out: Path, plan: SweepPlan) -> None:
    write_json(out / PLAN, {"source": plan.source, "data": plan.data,
                            "overlays": list(plan.overlays),
                            "options": asdict(plan.options),
                            "projects": [p.name for p in plan.projects],
                            "scenarios": [e.row() | {"events": e.scenario.model_dump(
                                mode="json", by_alias=True)["events"]} for e in plan.entries]})


def _prepare(out: Path, resume: bool) -> None:
    if out.exists() and any(out.iterdir()) and not (out / PLAN).exists():
        raise InputError(Problem(display_path(out), None, None,
                                 f"exists and is not a sweep folder (no {PLAN}); choose "
                                 "another --out"))
    if not resume and (out / PARTITIONS).exists():
        old = out / f".{PARTITIONS}.old-{os.getpid()}"
        os.replace(out / PARTITIONS, old)
        shutil.rmtree(old, ignore_errors=True)
    (out / PARTITIONS).mkdir(parents=True, exist_ok=True)


# ---- running --------------------------------------------------------------------------------
@contextmanager
def dask_client(client=None, workers: int = 2, scheduler: str | None = None,
                processes: bool = True) -> Iterator:
    """A Dask client: the one given, one connected to ``scheduler``, or a LocalCluster of
    ``workers`` single-threaded workers (processes unless ``processes=False``)."""
    if client is not None:
        yield client
        return
    from distributed import Client, LocalCluster

    quiet = logging.getLogger("distributed")
    level = quiet.level
    if not log.isEnabledFor(logging.INFO):  # Dask's INFO lines only with --verbose
        quiet.setLevel(logging.WARNING)
    try:
        if scheduler:
            with Client(scheduler) as c:
                yield c
            return
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                          dashboard_address=None, silence_logs=logging.WARNING) as cluster, \
                Client(cluster) as c:
            yield c
    finally:
        quiet.setLevel(level)


@dataclass
class SweepResult:
    """A finished sweep: its folder, plan (investment variants included), tables and counts
    (``skipped``: scenarios kept from an earlier run)."""

    out: Path
    plan: SweepPlan
    tables: dict[str, pd.DataFrame]
    solved: int = 0
    failed: int = 0
    skipped: int = 0
    models_built: int = 0

    def __getitem__(self, name: str) -> pd.DataFrame:
        """A table by name (see :data:`TABLES`)."""
        return self.tables[name]


class _Progress:
    """A rich progress bar with scenarios done / failed / remaining (or nothing)."""

    def __init__(self, show: bool, total: int, label: str):
        self.done = self.failed = 0
        self.total = total
        self.bar = None
        if show and total:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                MofNCompleteColumn(),
                                TextColumn("[green]{task.fields[ok]} done[/] · [red]"
                                           "{task.fields[failed]} failed[/] · "
                                           "{task.fields[left]} remaining"),
                                TimeElapsedColumn(), TimeRemainingColumn(),
                                console=Console(stderr=True))
            self.bar.start()
            self.task = self.bar.add_task(label, total=total, ok=0, failed=0, left=total)

    def advance(self, ok: bool) -> None:
        self.done += ok
        self.failed += not ok
        if self.bar is not None:
            self.bar.update(self.task, advance=1, ok=self.done, failed=self.failed,
                            left=self.total - self.done - self.failed)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _run_entries(client, out: Path, plan: SweepPlan, entries: list[PlannedScenario],
                 warm: bool, progress: bool, label: str, result: SweepResult,
                 workers_write: bool) -> None:
    from distributed import as_completed

    bar = _Progress(progress, len(entries), label)
    size = chunk_size(len(entries), len(client.scheduler_info().get("workers", {})) or 1)
    futures = {}
    for start in range(0, len(entries), size):
        chunk = entries[start:start + size]
        jobs = []
        for e in chunk:
            job = Job(e.scenario, plan.structures[e.structure], warm)
            if workers_write:
                job = replace(job, out=str(out.resolve()), row=e.row(),
                              meta=partition_metadata(plan, e))
            jobs.append(job)
        key = f"borderflow-{chunk[0].name}-{len(chunk)}-{uuid.uuid4().hex[:8]}"
        futures[client.submit(_dask_solve, jobs, key=key)] = chunk
    try:
        for fut in as_completed(list(futures)):
            chunk = futures.pop(fut)
            try:
                outcomes = fut.result()
            except Exception as err:  # a worker died or a bug: reported, the sweep goes on
                outcomes = [Outcome(e.name, "error", f"{type(err).__name__}: {err}")
                            for e in chunk]
            for entry, outcome in zip(chunk, outcomes):
                _record(out, plan, entry, outcome, result)
                bar.advance(outcome.status == "optimal")
            fut.release()
    finally:
        bar.close()
        for fut in futures:
            fut.cancel()


def _record(out: Path, plan: SweepPlan, entry: PlannedScenario, outcome: Outcome,
            result: SweepResult) -> None:
    """Count a scenario's outcome (and write it, if its worker did not)."""
    if not outcome.written:
        write_partition(out, plan, entry, outcome)
    ok = outcome.status == "optimal"
    result.solved += ok
    result.failed += not ok
    result.models_built += outcome.model_built
    if not ok:
        log.warning("scenario %s: %s %s", entry.name, outcome.status, outcome.message)


def run_sweep(plan: SweepPlan, out: Path | str, *, client=None, workers: int = 2,
              scheduler: str | None = None, processes: bool = True, resume: bool = False,
              warm: bool = True, only: list[str] | None = None,
              progress: bool = True) -> SweepResult:
    """Solve every scenario of ``plan`` on Dask, write each as it finishes, then the tables.

    Parameters
    ----------
    plan : SweepPlan
    out : path
        Sweep folder: ``plan.json``, ``scenarios/scenario=<name>/`` and the tables.
    client : distributed.Client, optional
        Use this client (``workers``, ``scheduler`` and ``processes`` are then ignored).
    workers : int
        Workers of the LocalCluster started when no client or scheduler is given.
    scheduler : str, optional
        Address of an existing Dask scheduler (workers must have borderflow installed and
        see the dataset folder at the same path).
    resume : bool
        Keep the scenarios already solved in ``out`` (same fingerprint); without it the
        folder's scenarios are solved again.
    warm : bool
        Re-solve each scenario on its structure's model (default); ``False`` builds and solves
        a model per scenario from scratch (for comparison).
    only : list of str, optional
        Solve only these scenarios (and their baselines); the plan, and so every model, is
        still that of the whole file.
    progress : bool
        Show a progress bar (stderr).

    Returns
    -------
    SweepResult

    Raises
    ------
    InputError
        If ``out`` is not a sweep folder, or ``only`` names unknown scenarios.
    """
    out = Path(out)
    _prepare(out, resume)
    # investment variants are planned afresh from this run's results (the caller's plan is
    # left as it was)
    plan = replace(plan, entries=[e for e in plan.entries if e.role != "investment"],
                   structures=dict(plan.structures))
    wanted = _wanted(plan, only)
    _write_plan(out, plan)
    result = SweepResult(out=out, plan=plan, tables={})
    # workers of a LocalCluster see ``out``: they write their own scenarios (in parallel);
    # for a cluster given by the caller the client writes them
    local = client is None and scheduler is None
    with dask_client(client, workers, scheduler, processes) as c:
        c.register_plugin(ModelCache(), name=PLUGIN)
        todo = [e for e in plan.entries if e.name in wanted and not _done(out, e)]
        result.skipped = sum(e.name in wanted for e in plan.entries) - len(todo)
        _run_entries(c, out, plan, todo, warm, progress, "scenarios", result, local)
        if plan.projects:
            variants = _investment_entries(plan, comparison_table(out, plan))
            plan.entries += variants
            _write_plan(out, plan)
            todo = [v for v in variants if (only is None or v.name in wanted)
                    and not _done(out, v)]
            result.skipped += sum(only is None or v.name in wanted for v in variants) \
                - len(todo)
            _run_entries(c, out, plan, todo, warm, progress, "investments", result, local)
    result.tables = write_sweep_tables(out, plan)
    return result


def _wanted(plan: SweepPlan, only: list[str] | None) -> set[str]:
    names = plan.names()
    if only is None:
        return set(names)
    unknown = [n for n in only if n not in names]
    if unknown:
        raise InputError(Problem(plan.source or "sweep", None, "only",
                                 f"no scenario named {', '.join(map(repr, unknown))}"))
    return set(only) | {plan.entry(n).baseline for n in only}


# ---- tables ---------------------------------------------------------------------------------
def _read(out: Path, name: str, table: str) -> pd.DataFrame:
    return _read_table(partition(out, name), table)


def _results(out: Path, name: str) -> ResultTables:
    """The crossings and products tables of a scenario (enough to compare), read once per
    version of its folder (a baseline is compared with every scenario of its group)."""
    return _results_cached(*_version(out, name))


def _version(out: Path, name: str) -> tuple[str, int | None]:
    folder = partition(out, name)
    return str(folder), (folder.stat().st_mtime_ns if folder.exists() else None)


@lru_cache(maxsize=4096)
def _results_cached(folder: str, stamp: int | None) -> ResultTables:
    folder = Path(folder)
    r = _empty_results(_summary(folder) or {})
    r.crossings, r.products = (_read_table(folder, "crossings"),
                               _read_table(folder, "products"))
    return r


def _read_table(folder: Path, table: str) -> pd.DataFrame:
    path = folder / f"{table}.parquet"
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def _long_changes(out: Path, pairs: list[tuple[str, str]]) -> tuple[pd.DataFrame,
                                                                     pd.DataFrame]:
    """Crossing and product changes of every ``(scenario, baseline)`` pair, in one pass
    (:func:`borderflow.compare.crossing_changes_many`), made once per version of the folders
    (the comparison and the long change tables both use them)."""
    return _long_changes_cached(tuple((s, b, _version(out, s), _version(out, b))
                                      for s, b in pairs))


@lru_cache(maxsize=8)
def _long_changes_cached(pairs: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not pairs:
        return pd.DataFrame(), pd.DataFrame()
    frame = pd.DataFrame([p[:2] for p in pairs], columns=["scenario", "baseline"])
    runs = {}
    for scenario, baseline, v_scen, v_base in pairs:
        runs[scenario], runs[baseline] = _results_cached(*v_scen), _results_cached(*v_base)
    crossings = pd.concat([r.crossings.assign(run=n) for n, r in runs.items()],
                          ignore_index=True)
    products = pd.concat([r.products.assign(run=n) for n, r in runs.items()],
                         ignore_index=True)
    # a product's net cost (transport - revenue + lost value) is compared too
    products["net_usd"] = products["transport_cost_usd"] - products["revenue_usd"] \
        + products["lost_value_usd"]
    return (crossing_changes_many(crossings, frame),
            product_changes_many(products, frame, [*PRODUCT_MEASURES, "net_usd"]))


def _top_gains(changes: pd.DataFrame) -> pd.Series:
    """Per scenario of a long change table: the crossings that gained most trucks, as text."""
    by = changes.groupby(["scenario", "crossing_id"], as_index=False)["delta_trucks"].sum()
    by = by[by["delta_trucks"] > TOL].sort_values(["scenario", "delta_trucks", "crossing_id"],
                                                   ascending=[True, False, True], kind="stable")
    top = by.groupby("scenario").head(TOP_GAINS)
    if top.empty:
        return pd.Series(dtype=object)
    text = top["crossing_id"].astype(str) + " +" + \
        top["delta_trucks"].map("{:,.1f}".format).astype(str)
    return text.groupby(top["scenario"]).agg("; ".join)


COMPARISON_COLUMNS = [
    "scenario", "role", "baseline", "status", "closed", "closed_days", "month", "project",
    "context", "objective_usd", "cost_increase_usd", "transport_cost_increase_usd",
    "lost_value_increase_usd", "shipped_t", "shipped_change_t", "unserved_t",
    "unserved_increase_t", "spoiled_t", "spoiled_increase_t", "rerouted_trucks",
    "top_gaining_crossings", "solve_seconds", "iterations", "warm_start", "message"]


def comparison_table(out: Path | str, plan: SweepPlan) -> pd.DataFrame:
    """One row per scenario, in plan order: status, cost and losses against its baseline and
    where the flow went (crossings that gained most, trucks summed over the run's days)."""
    out = Path(out)
    rows, pairs = [], []
    for e in plan.entries:
        s = _summary(partition(out, e.name))
        if s is None or s.get("fingerprint") != e.fingerprint:
            s = {"status": "not_run"}
        b = _summary(partition(out, e.baseline)) or {}
        row = {**e.row(), "status": s["status"], "message": s.get("message", "")}
        for k in ("objective_usd", "shipped_t", "unserved_t", "spoiled_t", "solve_seconds",
                  "iterations", "warm_start"):
            row[k] = s.get(k)
        both = s["status"] == "optimal" and b.get("status") == "optimal"
        for col, key, sign in (("cost_increase_usd", "objective_usd", 1),
                               ("transport_cost_increase_usd", "transport_cost_usd", 1),
                               ("lost_value_increase_usd", "lost_value_usd", 1),
                               ("shipped_change_t", "shipped_t", 1),
                               ("unserved_increase_t", "unserved_t", 1),
                               ("spoiled_increase_t", "spoiled_t", 1)):
            row[col] = sign * (s[key] - b[key]) if both else None
        row["rerouted_trucks"], row["top_gaining_crossings"] = None, ""
        if both:
            pairs.append((e.name, e.baseline))
        rows.append(row)
    df = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    changes, _ = _long_changes(out, pairs)
    if len(changes):
        gained = changes[changes["delta_trucks"] > TOL]
        rerouted = gained.groupby("scenario")["delta_trucks"].sum()
        compared = df["scenario"].isin([p[0] for p in pairs])
        df.loc[compared, "rerouted_trucks"] = df.loc[compared, "scenario"].map(
            rerouted).fillna(0.0).to_numpy(dtype=float)
        gains = _top_gains(changes).to_dict()
        df.loc[compared, "top_gaining_crossings"] = [
            gains.get(n, "") for n in df.loc[compared, "scenario"]]
    return _typed(df, ["closed_days", "month", "iterations"], ["objective_usd",
                  "cost_increase_usd", "transport_cost_increase_usd", "lost_value_increase_usd",
                  "shipped_t", "shipped_change_t", "unserved_t", "unserved_increase_t",
                  "spoiled_t", "spoiled_increase_t", "rerouted_trucks", "solve_seconds"])


def _typed(df: pd.DataFrame, ints: list[str], floats: list[str]) -> pd.DataFrame:
    for c in ints:
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    for c in floats:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def _changes(out: Path, plan: SweepPlan, comparison: pd.DataFrame) -> tuple[pd.DataFrame,
                                                                              pd.DataFrame]:
    """Long tables of crossing and product changes of every solved non-baseline scenario."""
    compared = comparison[comparison["cost_increase_usd"].notna()]
    cross, prod = _long_changes(out, list(zip(compared["scenario"], compared["baseline"])))
    keep = compared.loc[compared["role"] != "baseline", "scenario"]
    if len(cross):
        cross = cross[cross["scenario"].isin(keep)]
    if len(prod):
        prod = prod[prod["scenario"].isin(keep)].rename(
            columns={"net_usd_delta": "cost_increase_usd"})
    cross_cols = ["scenario", "crossing_id", "name", "direction", "from_country", "to_country",
                  "before_trucks", "after_trucks", "delta_trucks", "open_after"]
    prod_cols = ["scenario", "product_id", "cost_increase_usd", "shipped_t_before",
                 "shipped_t_after", "shipped_t_delta", "unserved_t_before", "unserved_t_after",
                 "unserved_t_delta", "spoiled_t_before", "spoiled_t_after", "spoiled_t_delta",
                 "lost_value_usd_delta"]
    c = cross[cross_cols].reset_index(drop=True) if len(cross) else pd.DataFrame(
        columns=cross_cols)
    p = prod[prod_cols].reset_index(drop=True) if len(prod) else pd.DataFrame(
        columns=prod_cols)
    return c, p


def criticality_tables(plan: SweepPlan, comparison: pd.DataFrame,
                       crossing_delta: pd.DataFrame, product_delta: pd.DataFrame
                       ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Criticality of crossings from the sweep's single-crossing closures.

    Returns
    -------
    criticality : DataFrame
        One row per closure scenario: the crossing, month, days closed, cost of its loss
        (USD, against the baseline), unserved and spoiled tonnes more, the trucks it carried in
        the baseline, where they went, and the rank (1 = costliest) among closures of the same
        month and length.
    by_product : DataFrame
        The cost and losses of each closure per product (cost = transport − revenue + value
        not shipped of that product; waiting costs are not split by product).
    by_month : DataFrame
        Cost of each crossing's loss (rows) per month (columns), if the sweep has several
        months; else empty.
    """
    names = dict(zip(plan.tables.crossings["crossing_id"], plan.tables.crossings["name"]))
    c = comparison[(comparison["role"] == "scenario") & comparison["closed"].notna()].copy()
    cols = ["crossing_id", "name", "month", "closed_days", "scenario", "status",
            "cost_increase_usd", "unserved_increase_t", "spoiled_increase_t",
            "baseline_flow_trucks", "rerouted_trucks", "top_gaining_crossings", "rank"]
    if c.empty:
        return pd.DataFrame(columns=cols), pd.DataFrame(), pd.DataFrame()
    c["crossing_id"] = c["closed"]
    c["name"] = c["crossing_id"].map(names)
    before = crossing_delta.assign(own=crossing_delta["crossing_id"] == crossing_delta[
        "scenario"].map(dict(zip(c["scenario"], c["crossing_id"]))))
    carried = before[before["own"]].groupby("scenario")["before_trucks"].sum()
    c["baseline_flow_trucks"] = c["scenario"].map(carried).fillna(0.0)
    c["rank"] = c.groupby(["month", "closed_days"], dropna=False)["cost_increase_usd"].rank(
        method="min", ascending=False).astype("Int64")
    c = c.sort_values(["month", "closed_days", "rank", "crossing_id"], kind="stable",
                      na_position="last")[cols].reset_index(drop=True)
    p = product_delta.merge(c[["scenario", "crossing_id", "month", "closed_days", "rank"]],
                            on="scenario")
    p = p.rename(columns={"unserved_t_delta": "unserved_increase_t",
                          "spoiled_t_delta": "spoiled_increase_t",
                          "shipped_t_delta": "shipped_change_t"})
    pcols = ["crossing_id", "product_id", "month", "closed_days", "cost_increase_usd",
             "unserved_increase_t", "spoiled_increase_t", "shipped_change_t"]
    moved = p[pcols[4:]].abs().max(axis=1) > TOL
    p = p[moved].sort_values(["month", "closed_days", "rank", "cost_increase_usd",
                              "product_id"], ascending=[True, True, True, False, True],
                             kind="stable")[pcols].reset_index(drop=True)
    months = c["month"].dropna().unique()
    wide = pd.DataFrame()
    if len(months) > 1:
        wide = c.pivot_table(index="crossing_id", columns="month", values="cost_increase_usd",
                             aggfunc="max")
        wide.columns = [f"m{int(m):02d}_usd" for m in wide.columns]
        wide["max_usd"] = wide.max(axis=1)
        wide["worst_month"] = wide.drop(columns="max_usd").idxmax(axis=1).str[1:3].astype(int)
        wide = wide.sort_values(["max_usd"], ascending=False, kind="stable").reset_index()
    return c, p, wide


def capacity_value_table(out: Path | str, plan: SweepPlan) -> pd.DataFrame:
    """Value of crossing capacity in each baseline: dual prices of the capacity rows.

    One row per baseline, crossing and direction with capacity: mean capacity and flow (trucks
    per day), utilisation, the dual price (USD per extra truck on a day: mean and max over the
    run's days), the days it binds, and ``value_usd_per_extra_truck_per_day``: what one more
    truck per day over the whole run is worth (the duals summed over the days; for a static
    run the dual itself). Sorted by that value.
    """
    out = Path(out)
    parts = []
    for e in plan.entries:
        s = _summary(partition(out, e.name)) or {}
        if e.role != "baseline" or s.get("status") != "optimal":
            continue
        cr = _read(out, e.name, "crossings")
        cr = cr[cr["capacity_trucks_per_day"] > 0]
        if cr.empty:
            continue
        g = cr.groupby(["crossing_id", "name", "direction", "from_country", "to_country",
                        "status"], as_index=False).agg(
            capacity_trucks_per_day=("capacity_trucks_per_day", "mean"),
            flow_trucks_per_day=("flow_trucks", "mean"), utilisation=("utilisation", "mean"),
            dual_mean_usd_per_truck=("dual_usd_per_truck", "mean"),
            dual_max_usd_per_truck=("dual_usd_per_truck", "max"),
            binding_days=("dual_usd_per_truck", lambda d: int((d > TOL).sum())),
            value_usd_per_extra_truck_per_day=("dual_usd_per_truck", "sum"))
        parts.append(g.assign(baseline=e.name, month=e.scenario.horizon.month))
    cols = ["baseline", "month", "crossing_id", "name", "direction", "from_country",
            "to_country", "status", "capacity_trucks_per_day", "flow_trucks_per_day",
            "utilisation", "dual_mean_usd_per_truck", "dual_max_usd_per_truck", "binding_days",
            "value_usd_per_extra_truck_per_day"]
    if not parts:
        return pd.DataFrame(columns=cols)
    df = pd.concat(parts, ignore_index=True)
    order = {n: k for k, n in enumerate(plan.names())}
    df["_b"] = df["baseline"].map(order)
    df = df.sort_values(["_b", "value_usd_per_extra_truck_per_day", "crossing_id", "direction"],
                        ascending=[True, False, True, True], kind="stable")
    return _typed(df[cols].reset_index(drop=True), ["month", "binding_days"], [])


def investment_tables(plan: SweepPlan, comparison: pd.DataFrame
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Benefit of each project under each context scenario, and the ranking.

    ``benefit_usd`` = objective without the project − objective with it (USD; positive: the
    project saves that much), with the unserved and spoiled tonnes it avoids. The ranking
    orders projects by their mean benefit over the contexts (baseline(s) and disruptions
    alike), and shows the benefit in the baseline and the context where it is worth most.
    """
    cols = ["project", "kind", "crossing_id", "context", "context_role", "status",
            "objective_with_usd", "objective_without_usd", "benefit_usd",
            "unserved_avoided_t", "spoiled_avoided_t"]
    rank_cols = ["rank", "project", "kind", "crossing_id", "contexts", "benefit_baseline_usd",
                 "benefit_mean_usd", "benefit_max_usd", "worth_most_under"]
    inv = comparison[comparison["role"] == "investment"]
    if inv.empty:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=rank_cols)
    by_name = comparison.set_index("scenario")
    projects = {p.name: p for p in plan.projects}
    rows = []
    for r in inv.itertuples(index=False):
        p, ctx = projects[r.project], by_name.loc[r.context]
        variant, base = by_name.loc[r.scenario], ctx
        with_, without = (variant, base) if p.with_events else (base, variant)
        ok = with_["status"] == "optimal" and without["status"] == "optimal"
        status = "optimal" if ok else f"{with_['status']}/{without['status']}"
        rows.append({"project": p.name, "kind": p.kind, "crossing_id": p.crossing_id,
                     "context": r.context, "context_role": ctx["role"], "status": status,
                     "objective_with_usd": with_["objective_usd"],
                     "objective_without_usd": without["objective_usd"],
                     "benefit_usd": without["objective_usd"] - with_["objective_usd"]
                     if ok else np.nan,
                     "unserved_avoided_t": without["unserved_t"] - with_["unserved_t"]
                     if ok else np.nan,
                     "spoiled_avoided_t": without["spoiled_t"] - with_["spoiled_t"]
                     if ok else np.nan})
    df = pd.DataFrame(rows, columns=cols)
    ranking = []
    for name, g in df.groupby("project", sort=False):
        good = g[g["status"] == "optimal"]
        base = good.loc[good["context_role"] == "baseline", "benefit_usd"]
        best = good.sort_values(["benefit_usd", "context"], ascending=[False, True],
                                kind="stable").head(1)
        ranking.append({"project": name, "kind": g["kind"].iloc[0],
                        "crossing_id": g["crossing_id"].iloc[0], "contexts": len(good),
                        "benefit_baseline_usd": base.mean() if len(base) else np.nan,
                        "benefit_mean_usd": good["benefit_usd"].mean() if len(good) else np.nan,
                        "benefit_max_usd": good["benefit_usd"].max() if len(good) else np.nan,
                        "worth_most_under": best["context"].iloc[0] if len(best) else ""})
    rank = pd.DataFrame(ranking)
    rank = rank.sort_values(["benefit_mean_usd", "project"], ascending=[False, True],
                            kind="stable", na_position="last").reset_index(drop=True)
    rank.insert(0, "rank", pd.array(range(1, len(rank) + 1), dtype="Int64"))
    return df, rank[rank_cols]


def sweep_tables(out: Path | str, plan: SweepPlan) -> dict[str, pd.DataFrame]:
    """Every table of a sweep, rebuilt from its scenario folders (see :data:`TABLES`)."""
    out = Path(out)
    comparison = comparison_table(out, plan)
    cross, prod = _changes(out, plan, comparison)
    crit, crit_p, crit_m = criticality_tables(plan, comparison, cross, prod)
    inv, rank = investment_tables(plan, comparison)
    return {"comparison": comparison, "crossing_changes": cross, "product_changes": prod,
            "criticality": crit, "criticality_by_product": crit_p,
            "criticality_by_month": crit_m, "capacity_value": capacity_value_table(out, plan),
            "investments": inv, "investment_ranking": rank}


def write_sweep_tables(out: Path | str, plan: SweepPlan) -> dict[str, pd.DataFrame]:
    """Rebuild the sweep's tables from its scenario folders and write them (CSV + parquet,
    atomically) at the top of ``out``; tables with no rows are not written (and removed)."""
    tables = sweep_tables(out, plan)
    for name, df in tables.items():
        if len(df):
            write_table(out, name, df)
        else:  # none of an earlier sweep's rows stay behind
            for ext in ("csv", "parquet"):
                (Path(out) / f"{name}.{ext}").unlink(missing_ok=True)
    return tables


def read_sweep_table(out: Path | str, table: str) -> pd.DataFrame:
    """One result table (e.g. ``crossings``) of every scenario of a sweep, with a ``scenario``
    column, from the scenario folders."""
    parts = []
    for folder in sorted((Path(out) / PARTITIONS).glob("scenario=*")):
        path = folder / f"{table}.parquet"
        if path.exists():
            df = pd.read_parquet(path)
            parts.append(df.assign(scenario=folder.name.split("=", 1)[1]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def read_results(out: Path | str, name: str) -> ResultTables:
    """All result tables of one scenario of a sweep."""
    return read_run(partition(out, name))
