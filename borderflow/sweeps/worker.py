"""What a Dask worker does in a sweep: keep built models, solve scenarios warm, price them,
write them.

Each worker keeps, per model *structure* (:class:`~borderflow.sweeps.plan.Structure`), the
Pyomo model and HiGHS session built by :func:`borderflow.pipeline.prepare` and the basis of its
reference solve (:class:`ModelCache`, a worker plugin). A scenario is then its bound updates
applied and a warm re-solve from that basis (:func:`solve_job`): restarting every scenario from
the same basis makes its result independent of which scenarios the worker solved before, so a
sweep gives the same numbers on 1 or 8 workers and when resumed. A scenario whose pricing finds
improving routes gets column generation of its own: static, its routes added to the kept
HiGHS model and removed after it (:mod:`borderflow.model.scenario_columns`); dated, on a model
rebuilt for it (the kept model stays as it is). A dated scenario's pricing searches again only
what its duals changed (:mod:`borderflow.model.dated_reuse`). :func:`dask_solve` is the task
run on a worker: a few scenarios, each written to its folder by the worker when the job says
where.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

from distributed import WorkerPlugin

from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import Scenario
from borderflow.model.formulation import bound_updates
from borderflow.model.pricing import PricingLimitError
from borderflow.model.network import FreightNetwork, build_network, with_scenario
from borderflow.model.results import ResultTables, extract_results
from borderflow.options import RunOptions
from borderflow.model.column_generation import pricing_inputs
from borderflow.pipeline import (Prepared, assemble, explained, generate_columns, prepare,
                                 solve_session)
from borderflow.pricing_scope import not_priced
from borderflow.solvers.highs import InfeasibleError, SolverError, SolveSummary

from .partitions import write_outcome
from .plan import Structure
from .warm_start import WarmStart, basis_of, from_kept

PLUGIN = "borderflow-models"
#: networks of other horizons (a seasonal sweep's months) kept per worker
NETWORKS_KEPT = 24
#: most scenarios solved by one Dask task
MAX_CHUNK = 8


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
    #: CPU seconds of this worker process for the scenario alone (its marginal cost: bounds,
    #: re-solve, pricing, its own routes, result tables), and of the one-off setup it paid
    #: first if it built the structure's model (build, reference solve, the reference's
    #: column generation and pricing pass; 0 otherwise): what a sweep's benchmark reports
    #: apart as per-scenario and fixed cost (docs/sweeps.md "Speed")
    cpu_seconds: float = 0.0
    setup_cpu_seconds: float = 0.0
    #: CPU seconds of writing the scenario's run folder, when its worker wrote it
    write_cpu_seconds: float = 0.0


@dataclass
class KeptModel:
    """A structure's model as a worker keeps it: prepared, and the basis of its reference
    (undisrupted) solve that every scenario restarts from (``None``: scenarios start cold)."""

    prepared: Prepared
    basis: object = None
    reference: SolveSummary | None = None
    #: a dated reference's last pricing pass, kept so that each scenario's pricing searches
    #: again only what its duals changed (:mod:`borderflow.model.dated_reuse`)
    priced: object = None


def build(tables: InputTables, structure: Structure) -> Prepared:
    """The structure's model, built for its reference scenario with its options."""
    return prepare(tables, structure.reference, structure.routes, structure.solver,
                   aggregate=structure.aggregate)


class ModelCache(WorkerPlugin):
    """Datasets and built models kept by one worker between tasks (a Dask worker plugin).

    Parameters
    ----------
    size : int
        Models kept at once (least recently used dropped first).
    """

    name = PLUGIN

    def __init__(self, size: int = 2, freeze: bool = False):
        self.size = size
        #: keep the models out of the garbage collector's full passes (:func:`_freeze`): on a
        #: Dask worker (set by :meth:`setup`), or a process that only runs a sweep
        self.freeze = freeze
        self.datasets: dict[tuple, InputTables] = {}
        self.models: OrderedDict[str, KeptModel] = OrderedDict()
        self.networks: OrderedDict[tuple, FreightNetwork] = OrderedDict()
        self.lock = None
        #: CPU s of building a model in a task that solved no scenario (:func:`dask_start`),
        #: reported by the first scenario solved on it as its setup
        self.unreported: dict[str, float] = {}

    def setup(self, worker=None) -> None:
        """Start empty on each worker; one task at a time uses the models (a worker may run
        several threads)."""
        self.datasets, self.models, self.networks = {}, OrderedDict(), OrderedDict()
        self.unreported = {}
        self.lock = threading.Lock()
        self.freeze = self.freeze or worker is not None

    def network(self, model: KeptModel, scenario: Scenario) -> FreightNetwork:
        """``scenario``'s network, derived from a kept network of its horizon: a seasonal
        sweep's months share one model but each month has its own calendar, built once per
        worker (:data:`NETWORKS_KEPT` months kept) instead of once per scenario."""
        horizon = scenario.horizon
        net = model.prepared.net
        if horizon == net.scenario.horizon:
            return with_scenario(net, scenario)
        key = (id(model.prepared.tables), horizon.model_dump_json())
        base = self.networks.get(key)
        if base is None:
            base = build_network(model.prepared.tables, Scenario(name=f"{scenario.name}-horizon",
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

    def _solved(self, structure: Structure) -> KeptModel:
        """The structure's model built and solved for its reference, with the basis every
        scenario restarts from (``None`` if the reference solve failed: scenarios start
        cold)."""
        model = KeptModel(build(self.dataset(structure), structure))
        p = model.prepared
        try:  # exact windows on a long dated horizon: the whole LP's basis all the same
            model.reference = solve_session(p.session, p.built, p.net, structure.rolling)
            model.basis = p.session.basis()
        except SolverError:
            model.basis = None
        return model

    def _started(self, structure: Structure, start: WarmStart) -> KeptModel | None:
        """The structure's model assembled over a :class:`WarmStart`'s routes, its basis set
        and its reference pricing pass made (``None`` if the start does not fit the model)."""
        tables = self.dataset(structure)
        p = assemble(tables, build_network(tables, structure.reference), start.routes,
                     structure.solver, aggregate=structure.aggregate)
        if not start.fits(p.session):
            return None
        basis = basis_of(start)
        p.session.resume_warm(start.solver)
        model = KeptModel(p, basis, start.reference)
        model.priced = reference_pricing(p, start.reference, basis, structure, start)
        return model

    def model(self, structure: Structure, start: WarmStart | None = None
              ) -> tuple[KeptModel, bool]:
        """The structure's model (on first use built and solved for its reference, or
        assembled warm from ``start`` when it is the structure's) and whether it was built by
        this call."""
        key = structure.key
        if key in self.models:
            self.models.move_to_end(key)
            return self.models[key], False
        model = None
        if start is not None and start.key == key:
            try:
                model = self._started(structure, start)
            except SolverError:
                model = None
        if model is None:
            model = self._built(structure)
        self.models[key] = model
        if len(self.models) > self.size:
            if self.freeze:
                gc.unfreeze()  # the evicted model's objects can be collected again
            while len(self.models) > self.size:
                self.models.popitem(last=False)
                self.unreported = {k: v for k, v in self.unreported.items()
                                   if k in self.models}
        if self.freeze:
            _freeze()
        return model, True

    def _built(self, structure: Structure) -> KeptModel:
        """The structure's model built and solved here; a dated one priced for its
        reference and its pricing pass kept."""
        model = self._solved(structure)
        if model.basis is not None and model.prepared.net.dated:
            try:
                model.prepared, model.reference = reference_priced(
                    model.prepared, model.reference, structure)
                model.basis = model.prepared.session.basis()
                model.priced = reference_pricing(model.prepared, model.reference, model.basis,
                                                 structure)
            except SolverError:  # a priced model that failed to re-solve: the capped one
                model = self._solved(structure)
        return model


def _freeze() -> None:
    """Leave what the worker keeps (the models, their networks and datasets: millions of
    Python objects) out of the garbage collector's full passes: each would walk all of them,
    0.2-0.5 s CPU, every few scenarios, whatever the scenario (``gc.freeze``; undone before a
    model is dropped; not in a process that goes on to other work, as a test session: what
    the frozen objects leave as garbage would stay). Nothing a scenario computes depends on
    it."""
    gc.collect()
    gc.freeze()


def reference_priced(model: Prepared, reference: SolveSummary,
                     structure: Structure) -> tuple[Prepared, SolveSummary]:
    """A dated structure's kept model with the routes its reference (undisrupted) solve
    prices in, and that solve (:func:`borderflow.pipeline.generate_columns` on the reference,
    ``keep_input`` False: the capped model is dropped once the priced one is built).

    A dated model caps routes per origin and product, so every scenario's pricing would
    otherwise find the reference's missing routes again, rebuild a model for itself and
    re-solve it: two pricing passes, a build and a second solve per scenario. Kept in the
    model once per worker, each scenario's single pricing pass only finds what its own
    bounds change (usually nothing: certified at once). Every worker builds the same priced
    model (pricing is deterministic), so results still do not depend on the worker; a
    scenario's columns still come from its own duals, so its label (``certified`` or
    ``restricted`` with a bound) means what a cold solve's does. A reference that is not
    priced (approximate windows, terms pricing does not see) is kept as it is.
    """
    priced, summary, _ = generate_columns(model, reference,
                                          RunOptions(pricing=structure.pricing),
                                          keep_input=False)
    return priced, summary


def reference_pricing(model: Prepared, reference: SolveSummary, basis,
                      structure: Structure, start: WarmStart | None = None):
    """The priced reference's pricing pass, kept for reuse by its scenarios
    (:class:`~borderflow.model.dated_reuse.ReferencePricing`; ``None`` where the reference is
    not priced, or has stock at origins, whose searches are not reused).

    The reference is solved once more from ``basis`` as every scenario is (restarted, then
    warm): its duals are then bit for bit those of a scenario whose re-solve makes no pivot
    (the same basis, factorised the same way), which is what lets such a scenario reuse every
    search its closure does not reach.

    ``start``: the :class:`~borderflow.sweeps.warm_start.WarmStart` this model was assembled
    from: the pass reuses each search of the builder's pass whose inputs are bit for bit its
    own (:class:`~borderflow.model.dated_reuse.Reuse`; none skipped by a bound), so it is the
    pass a full one makes, without searching again what the builder searched."""
    if not_priced(model, reference):
        return None
    from borderflow.model.dated_columns import price_dated_model

    model.session.restart_from(basis)
    try:
        model.session.solve(load=False)
        inputs = pricing_inputs(model.net)
        sent = start.reference_pass(inputs[0]) if start is not None else None
        found = price_dated_model(model.session, model.built, model.net, structure.pricing,
                                  inputs, keep=True, reference=sent, skip=False)
    except (SolverError, PricingLimitError):  # nothing to reuse: scenarios search in full
        return None
    return found.reference


def solve_job(job: Job, cache: ModelCache, start: WarmStart | None = None) -> Outcome:
    """Solve one scenario; never raises for a failed solve or bad scenario (the outcome says).

    Warm: the structure's model from ``cache``, the scenario's bounds applied, HiGHS restarted
    from the reference basis (a structure solved by approximate rolling windows solves each
    scenario window by window). Cold: a model built for the scenario alone, solved from
    scratch (by the structure's rolling horizon, if any).

    The scenario is then priced with its own duals
    (:func:`borderflow.pipeline.generate_columns`, the structure's ``pricing`` options): if no
    route has a negative reduced cost it is ``certified`` at once (the fast path); otherwise
    the routes that price out are added (warm, static: to the kept HiGHS model, as columns
    and rows removed once the result tables are read; dated or cold: to a model rebuilt for
    this scenario alone), re-solved warm from its basis, and priced again until none does
    (``certified``) or the rounds run out (``restricted``, with the gap bound of the last
    pricing). The columns come from the scenario's own pricing only and the kept model is the
    same LP before and after, so the result does not depend on the worker, the chunking or a
    resumed sweep.

    ``start``: the structure's :class:`~borderflow.sweeps.warm_start.WarmStart` made by
    another worker, if the model is not kept here yet (assembled warm from it instead of
    built and solved: the same LP and basis, the same numbers).
    """
    t0, c0 = time.perf_counter(), time.process_time()
    name = job.scenario.name
    built_here = False
    setup = 0.0  # CPU s of building the kept model (warm, first use on this worker)
    earlier = 0.0  # ... or of building it in a task of its own (dask_start), reported here

    def timed(outcome: Outcome) -> Outcome:
        outcome.setup_cpu_seconds = setup + earlier
        outcome.cpu_seconds = time.process_time() - c0 - setup
        outcome.model_built = outcome.model_built or earlier > 0
        return outcome

    try:
        if job.warm:
            kept, built_here = cache.model(job.structure, start)
            if built_here:
                setup = time.process_time() - c0
            else:
                earlier = cache.unreported.pop(job.structure.key, 0.0)
            model = kept.prepared
            net = cache.network(kept, job.scenario)
            try:
                update = bound_updates(model.built, net)
            except ValueError as err:
                raise InputError(Problem(f"scenario '{name}'", None, "events", str(err))) \
                    from None
            model.session.apply(update)  # sends only the bounds that changed
            model.session.restart_from(kept.basis)
        else:
            model = build(cache.dataset(job.structure),
                          replace(job.structure, reference=job.scenario))
            net, built_here = model.net, True
        rolling = job.structure.rolling
        # a warm dated scenario's re-solve is loaded into Pyomo only if no rebuilt model
        # replaces it (:meth:`HighsSession.load_last` below; pricing reads HiGHS's duals)
        lazy = job.warm and net.dated
        try:
            summary = solve_session(model.session, model.built, net, rolling, load=not lazy)
        except InfeasibleError as err:
            if rolling is not None and not rolling.exact:  # a window's, not the model's
                raise
            raise explained(err, model.session, model.built, net) from None
        # price the scenario with its own duals; only if a route prices out, column
        # generation of its own: on the kept HiGHS model (static: the columns added for this
        # scenario and removed after it), else on a model rebuilt for it
        model, summary, routing = generate_columns(
            replace(model, net=net), summary, RunOptions(pricing=job.structure.pricing),
            in_place=job.warm, reference=kept.priced if job.warm else None)
        model.session.load_last()  # the solve the tables read, if not loaded yet
        try:
            # a scenario read from the kept model (not rebuilt) takes the tables whose inputs
            # are the model's first reading's from it (the same bytes)
            results = extract_results(net, model.routes, model.built, summary.as_dict(),
                                      routing=routing, added=model.added,
                                      reuse=job.warm and model.built is kept.prepared.built)
        finally:
            if model.added is not None:
                model.added.drop()
        return timed(Outcome(name, "optimal", results=results, solve=summary.as_dict(),
                             wall_seconds=time.perf_counter() - t0, model_built=built_here))
    except SolverError as err:
        return timed(Outcome(name, err.summary.status, str(err), solve=err.summary.as_dict(),
                             wall_seconds=time.perf_counter() - t0, model_built=built_here))
    except InputError as err:
        return timed(Outcome(name, "input_error", str(err),
                             wall_seconds=time.perf_counter() - t0, model_built=built_here))


def dask_start(structure: Structure) -> WarmStart | None:
    """Task run on one Dask worker per dated structure: its model built and solved in the
    worker's :class:`ModelCache` (kept there for its scenarios) and the
    :class:`~borderflow.sweeps.warm_start.WarmStart` the other workers start from. Never
    raises: ``None`` (each worker then builds the model itself, as without a start) if the
    structure is not one a start is made for or its model could not be built and solved."""
    from distributed import get_worker

    cache = get_worker().plugins.get(PLUGIN)
    if cache is None:
        return None
    with cache.lock or nullcontext():
        c0 = time.process_time()
        try:
            kept, built = cache.model(structure)
        except Exception:  # noqa: BLE001 - the scenarios report it, each on its worker
            return None
        if built:
            cache.unreported[structure.key] = time.process_time() - c0
        return from_kept(structure.key, kept)


def dask_solve(jobs: list[Job], starts: dict | None = None) -> list[Outcome]:
    """Task run on a Dask worker: :func:`solve_job` for a few scenarios with the worker's
    :class:`ModelCache`, each written by the worker when its job says where (``starts``:
    structure key -> :class:`~borderflow.sweeps.warm_start.WarmStart` or ``None``, from
    :func:`dask_start`)."""
    from distributed import get_worker

    cache = get_worker().plugins.get(PLUGIN)
    starts = starts or {}
    outcomes = []
    for job in jobs:
        if cache is None:  # plugin not registered: nothing is kept
            outcome = solve_job(job, ModelCache())
        else:
            with cache.lock or nullcontext():
                outcome = solve_job(job, cache, starts.get(job.structure.key))
        if job.out is not None:
            c0 = time.process_time()
            write_outcome(job.out, job.scenario.name, job.row, job.meta, outcome)
            outcome = replace(outcome, results=None, written=True,
                              write_cpu_seconds=time.process_time() - c0)
        outcomes.append(outcome)
    return outcomes


def chunk_size(n_scenarios: int, n_workers: int) -> int:
    """Scenarios per Dask task: a few at a time cut the scheduler's and client's work per
    scenario (they share the cores with the workers), while leaving each worker at least
    ~8 tasks so that the last ones balance; at most :data:`MAX_CHUNK`."""
    return max(1, min(MAX_CHUNK, n_scenarios // (8 * max(1, n_workers))))
