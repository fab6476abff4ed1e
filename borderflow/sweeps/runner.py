"""Running a sweep on Dask: submit the plan's scenarios in chunks, record each outcome as it
arrives, plan and run the investment variants, then write the sweep's tables.

:func:`run_sweep` (``borderflow.sweep``) is the entry point. It uses the client given, one
connected to a scheduler, or a LocalCluster of single-threaded worker processes
(:func:`dask_client`). On a LocalCluster the workers write their scenarios' folders
themselves (in parallel, no result table through the scheduler); for a cluster given by the
caller the client writes them. Progress is reported to an optional ``on_progress(stage, done,
total, message)`` callback: stages ``scenarios`` and ``investments`` (``done`` of ``total``;
``message``: ``"<scenario>: <status>"``) and ``tables``.

The sweep folder is claimed (:func:`borderflow.runfolder.claim`) after the plan, ``only`` and
the scheduler address are checked and before anything is solved: refused unless absent, empty
or a sweep folder borderflow marked, and locked against a second writer. A new sweep, and a
``resume``, are written in place (every scenario folder swapped in whole as it finishes, the
folder marked incomplete until the end); a sweep run again without ``resume`` over a finished
one is built in a hidden sibling and swapped in whole at the end, so the old sweep and its
scenario folders stay as they were until then (docs/reliability.md).
"""

from __future__ import annotations

import difflib
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from borderflow.data.errors import InputError, Problem
from borderflow.faults import fault_point, worker_env
from borderflow.io import PARTITION_TIMING_KEYS
from borderflow.probe import probe_scheduler
from borderflow.runfolder import check_target, claim, clean_stale_tree

from .analysis import comparison_table, write_sweep_tables
from .partitions import (PARTITIONS, is_done, partition_metadata, solved_partitions,
                         write_partition, write_plan)
from .plan import PlannedScenario, SweepPlan, investment_entries
from .worker import PLUGIN, Job, ModelCache, Outcome, chunk_size, dask_solve, dask_start

log = logging.getLogger("borderflow.sweeps")

#: ``LocalCluster`` options: no dashboard, and the scheduler's small HTTP server (health,
#: metrics) on a free local port: on its default 8787, held by any other cluster on the
#: machine, Dask warns "Port 8787 is already in use" in the middle of a command's output
NO_DASHBOARD = {"dashboard_address": None,
                "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"}}


def _quiet(stage: str, done=None, total=None, message: str = "") -> None:
    """A progress callback that reports nothing."""


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
    # Dask's INFO and WARNING lines only with --verbose (a warning such as "Worker process
    # still alive after 4.0 seconds, killing" at the end of a sweep on a loaded machine is not
    # the user's concern; failed scenarios are reported by the sweep itself)
    verbose = log.isEnabledFor(logging.INFO)
    if not verbose:
        quiet.setLevel(logging.ERROR)
    try:
        if scheduler:
            with Client(scheduler) as c:
                yield c
            return
        # worker processes take part in fault injection only when a test asks for it there
        extra = {"env": worker_env()} if processes else {}
        with _worker_start() if processes else nullcontext(), \
                LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                             silence_logs=logging.WARNING if verbose else logging.ERROR,
                             **NO_DASHBOARD, **extra) as cluster, \
                Client(cluster) as c:
            yield c
    finally:
        quiet.setLevel(level)


#: what a LocalCluster's worker process imports before its first task, imported once per
#: LocalCluster by the forkserver its worker processes are forked from (:func:`_worker_start`)
PRELOAD = ("distributed", "borderflow.sweeps.worker")


@contextmanager
def _worker_start() -> Iterator[str]:
    """How a LocalCluster's worker processes start within the block: ``forkserver``, each
    forked from one process that imported :data:`PRELOAD` once, where the platform has it, no
    other forkserver is running and Dask's ``distributed.worker.multiprocessing-method`` is
    left at its ``spawn``; else as configured (``spawn``, with a forkserver of someone else's).

    A spawned worker imports Python, Dask and borderflow anew (2.8 CPU s each on the 60-day
    sweep's machine); a forked one inherits them (0.08 CPU s): the same code, the same
    modules, the same numbers. The forkserver is started by the cluster's first worker
    (after Dask's nanny has set its variables, the hash seed among them) and stopped when the
    block ends, after the cluster: every LocalCluster forks from one of its own, so its
    workers see the caller's environment and source files as spawned workers would, and the
    forkserver and its workers are reaped by the caller (their CPU counted as its
    children's, as spawned workers' is)."""
    import multiprocessing
    from multiprocessing import forkserver

    import dask

    key = "distributed.worker.multiprocessing-method"
    server = getattr(forkserver, "_forkserver", None)
    if dask.config.get(key) != "spawn" \
            or "forkserver" not in multiprocessing.get_all_start_methods() \
            or not hasattr(server, "_stop"):
        yield dask.config.get(key)
        return
    if getattr(server, "_forkserver_pid", None) is not None:  # not ours: left alone
        yield "spawn"
        return
    with dask.config.set({key: "forkserver"}):
        from distributed.utils import get_mp_context

        get_mp_context().set_forkserver_preload(list(PRELOAD))  # after Dask's own list
        try:
            yield "forkserver"
        finally:
            server._stop()


@dataclass
class SweepResult:
    """A finished sweep: its folder, plan (investment variants included), tables and counts
    (``skipped``: scenarios kept from an earlier run).

    Made by :func:`run_sweep`, or read back from a sweep folder by
    :func:`~borderflow.sweeps.partitions.read_sweep` (``bf.read_sweep``; then ``plan`` is
    ``None``: the folder's ``plan.json`` records it as written).
    """

    out: Path
    plan: SweepPlan | None
    tables: dict[str, pd.DataFrame]
    solved: int = 0
    failed: int = 0
    skipped: int = 0
    models_built: int = 0
    bands: object = None
    """With ``run_sweep(..., bands=...)``: the :class:`~borderflow.uncertainty.sweep_bands.
    SweepBands`."""
    timings: dict = field(default_factory=dict)
    """Scenario name -> ``{"cpu_s", "setup_cpu_s", "write_cpu_s", "wall_s", "model_built"}``
    of each scenario solved by this run (its worker's CPU seconds for the scenario alone, for
    the model it built first, if any, and for writing its folder:
    :class:`~borderflow.sweeps.worker.Outcome`); not written to the folder (timings are not
    results)."""

    def __getitem__(self, name: str) -> pd.DataFrame:
        """A table by name (see :data:`borderflow.sweeps.analysis.TABLES`)."""
        return self.tables[name]

    def runs(self) -> dict[str, Path]:
        """Scenario name -> run folder of every scenario solved to optimality, sorted by name
        (each reads back with :func:`borderflow.read_result`)."""
        return solved_partitions(self.out) or {}


def _starts(client, plan: SweepPlan, entries: list[PlannedScenario], warm: bool,
            starts: dict) -> None:
    """Submit :func:`~borderflow.sweeps.worker.dask_start` once for each dated structure of
    ``entries`` solved warm by exact methods (into ``starts``, structure key -> future): one
    worker builds its model, the others start warm from what it sends
    (:mod:`borderflow.sweeps.warm_start`)."""
    if not warm:
        return
    for e in entries:
        s = plan.structures[e.structure]
        if s.key in starts or s.reference.horizon.start is None \
                or (s.rolling is not None and not s.rolling.exact):
            continue
        starts[s.key] = client.submit(dask_start, s, pure=False,
                                      key=f"borderflow-start-{uuid.uuid4().hex[:8]}")


def _run_entries(client, out: Path, plan: SweepPlan, entries: list[PlannedScenario],
                 warm: bool, progress: Callable, label: str, result: SweepResult,
                 workers_write: bool, starts: dict | None = None) -> None:
    from distributed import as_completed

    total, done = len(entries), 0
    if total:
        progress(label, 0, total, "")
    n_workers = len(client.scheduler_info().get("workers", {})) or 1
    size = chunk_size(len(entries), n_workers)
    starts = {} if starts is None else starts
    _starts(client, plan, entries, warm and n_workers > 1, starts)  # 1 worker: it builds
    futures = {}
    for start in range(0, len(entries), size):
        chunk = entries[start:start + size]
        keys = {plan.structures[e.structure].key for e in chunk}
        jobs = []
        for e in chunk:
            job = Job(e.scenario, plan.structures[e.structure], warm)
            if workers_write:
                job = replace(job, out=str(out.resolve()), row=e.row(),
                              meta=partition_metadata(plan, e))
            jobs.append(job)
        given = {k: starts[k] for k in keys if k in starts}
        # chunks that wait for a start share one task group ("borderflow-started"): Dask then
        # queues them and hands them to idle workers in plan order once the start is made,
        # instead of placing them all where the start was made (which chunk a worker solves
        # first, and so which scenario's summary says model_built, is still Dask's choice)
        group = f"borderflow-started-{start}" if given else "borderflow"
        key = f"{group}-{chunk[0].name}-{len(chunk)}-{uuid.uuid4().hex[:8]}"
        futures[client.submit(dask_solve, jobs, given, key=key)] = chunk
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
                done += 1
                progress(label, done, total, f"{entry.name}: {outcome.status}")
                fault_point("sweep:scenario-recorded")  # tests press Ctrl-C here
            fut.release()
    finally:
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
    result.timings[entry.name] = {"cpu_s": outcome.cpu_seconds,
                                  "setup_cpu_s": outcome.setup_cpu_seconds,
                                  "write_cpu_s": outcome.write_cpu_seconds,
                                  "wall_s": outcome.wall_seconds,
                                  "model_built": outcome.model_built}
    if not ok:
        log.warning("scenario %s: %s %s", entry.name, outcome.status, outcome.message)


#: what a sweep's manifest leaves out of its scenario folders' summaries: wall-clock times
SWEEP_VOLATILE = {f"{PARTITIONS}/*/summary.json": PARTITION_TIMING_KEYS}


def run_sweep(plan: SweepPlan, out: Path | str, *, client=None, workers: int = 2,
              scheduler: str | None = None, processes: bool = True, resume: bool = False,
              warm: bool = True, only: list[str] | None = None,
              on_progress: Callable | None = None,
              follow_up: Callable | None = None,
              after: Callable | None = None, bands=None) -> SweepResult:
    """Solve every scenario of ``plan`` on Dask, write each as it finishes, then the tables.

    Parameters
    ----------
    plan : SweepPlan
    out : path
        Sweep folder: ``plan.json``, ``scenarios/scenario=<name>/`` and the tables. Absent,
        empty, or a sweep folder borderflow wrote (anything else is refused).
    client : distributed.Client, optional
        Use this client (``workers``, ``scheduler`` and ``processes`` are then ignored).
    workers : int
        Workers of the LocalCluster started when no client or scheduler is given.
    scheduler : str, optional
        Address of an existing Dask scheduler (workers must have borderflow installed and
        see the dataset folder at the same path); probed before anything is written.
    resume : bool
        Keep the scenarios already solved in ``out`` (same fingerprint), writing in place;
        without it a finished sweep at ``out`` is replaced whole once the new one is.
    warm : bool
        Re-solve each scenario on its structure's model (default); ``False`` builds and solves
        a model per scenario from scratch (for comparison).
    only : list of str, optional
        Solve only these scenarios (and their baselines); the plan, and so every model, is
        still that of the whole file.
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)``: stages ``scenarios``, ``investments``
        (one call per scenario finished, ``message`` ``"<name>: <status>"``) and ``tables``.
    follow_up : callable, optional
        ``follow_up(folder, plan, solve)``, called once the plan's scenarios are solved (on
        the same workers and kept models, inside the claimed folder): it may add entries to
        ``plan.entries`` and solve them with ``solve(entries, stage)`` (entries already done
        in ``folder`` are kept), in as many rounds as it needs; the tables are written after
        it (the guided N-k search, :mod:`borderflow.sweeps.nk`).
    after : callable, optional
        ``after(folder, plan, client, resume)``, called once the tables are written (inside the
        claimed folder, on the same Dask client; ``client`` is ``None`` for a LocalCluster of
        in-process workers); it may write more tables there and returns a dict of them, added
        to the result's tables (the bands of ``sweep --samples``,
        :func:`borderflow.uncertainty.sweep_bands.sweep_bands`).
    bands : BandRequest, optional
        Also solve every scenario under ``bands.samples`` samples of the dataset's ranges and
        write their bands (:mod:`borderflow.uncertainty.sweep_bands`; checked before anything
        is written); the result's ``bands`` holds them.

    Returns
    -------
    SweepResult

    Raises
    ------
    InputError
        If ``only`` names unknown scenarios or ``scheduler`` does not answer (nothing
        written); :class:`~borderflow.runfolder.OutputError` if ``out`` is refused or in use.
    """
    out = Path(out)
    progress = on_progress or _quiet
    # investment variants are planned afresh from this run's results (the caller's plan is
    # left as it was)
    plan = replace(plan, entries=[e for e in plan.entries if e.role != "investment"],
                   structures=dict(plan.structures))
    wanted = _wanted(plan, only)
    step = None
    if bands is not None:
        from borderflow.uncertainty.sweep_bands import BandsStep

        if after is not None:
            raise ValueError("give bands or after, not both")
        if only:
            raise InputError(Problem("command line", None, "--only", "does not go with "
                                     "--samples: bands are solved for every scenario of the "
                                     "sweep"))
        step = after = BandsStep(bands, on_progress)
        step.check(plan)
    if client is None and scheduler is not None:
        probe_scheduler(scheduler)
    with claim(out, "sweep", protected=_plan_inputs(plan), volatile=SWEEP_VOLATILE) as target:
        if resume or check_target(out, "sweep") != "ours":
            result = _solve_into(target.open_in_place(), plan, wanted, only, client, workers,
                                 scheduler, processes, warm, progress, follow_up, after, resume)
            target.finish_in_place()
        else:  # a finished sweep stays whole at ``out`` until the new one replaces it
            with target.replace() as tmp:
                result = _solve_into(tmp, plan, wanted, only, client, workers, scheduler,
                                     processes, warm, progress, follow_up, after, resume)
    result.out = out
    result.bands = None if step is None else step.bands
    return result


def _plan_inputs(plan: SweepPlan) -> list[tuple[str, str | None]]:
    """What a sweep reads (its ``--out`` may not be, hold or be inside any of it)."""
    from borderflow.data.loaders import default_data_dir

    pairs = [("--data", plan.data or default_data_dir())]
    pairs += [("--overlay", o) for o in plan.overlays]
    if plan.source and Path(plan.source).is_file():
        pairs.append(("scenario file", plan.source))
    return pairs


def _solve_into(folder: Path, plan: SweepPlan, wanted: set[str], only: list[str] | None,
                client, workers: int, scheduler: str | None, processes: bool, warm: bool,
                progress: Callable, follow_up: Callable | None = None,
                after: Callable | None = None, resume: bool = False) -> SweepResult:
    """Solve the plan's scenarios not yet done in ``folder`` (the sweep folder itself, or the
    hidden folder that will replace it) and write its tables."""
    (folder / PARTITIONS).mkdir(exist_ok=True)
    write_plan(folder, plan)
    result = SweepResult(out=folder, plan=plan, tables={})
    # workers of a LocalCluster see ``folder``: they write their own scenarios (in parallel);
    # for a cluster given by the caller the client writes them
    local = client is None and scheduler is None
    with dask_client(client, workers, scheduler, processes) as c:
        c.register_plugin(ModelCache(), name=PLUGIN)
        todo = [e for e in plan.entries if e.name in wanted and not is_done(folder, e)]
        result.skipped = sum(e.name in wanted for e in plan.entries) - len(todo)
        starts: dict = {}  # dated structure key -> the future of its WarmStart
        _run_entries(c, folder, plan, todo, warm, progress, "scenarios", result, local,
                     starts)
        if plan.projects:
            variants = investment_entries(plan, comparison_table(folder, plan))
            plan.entries += variants
            write_plan(folder, plan)
            todo = [v for v in variants if (only is None or v.name in wanted)
                    and not is_done(folder, v)]
            result.skipped += sum(only is None or v.name in wanted for v in variants) \
                - len(todo)
            _run_entries(c, folder, plan, todo, warm, progress, "investments", result, local,
                         starts)
        if follow_up is not None:
            def solve(entries: list[PlannedScenario], stage: str) -> None:
                todo = [e for e in entries if not is_done(folder, e)]
                result.skipped += len(entries) - len(todo)
                _run_entries(c, folder, plan, todo, warm, progress, stage, result, local,
                             starts)

            follow_up(folder, plan, solve)
            write_plan(folder, plan)
        # a worker killed while writing a scenario folder leaves its temporary folder: not
        # part of the sweep (the scenario is reported failed and solved again on the next run)
        clean_stale_tree(folder / PARTITIONS)
        progress("tables", None, None, "comparing the scenarios with their baselines")
        result.tables = write_sweep_tables(folder, plan)
        if after is not None:
            result.tables.update(after(folder, plan, c, resume))
    return result


def _wanted(plan: SweepPlan, only: list[str] | None) -> set[str]:
    names = plan.names()
    if only is None:
        return set(names)
    unknown = [n for n in only if n not in names]
    if unknown:
        close = difflib.get_close_matches(unknown[0], names, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise InputError(Problem(plan.source or "sweep", None, "--only",
                                 f"no scenario named {', '.join(map(repr, unknown))}{hint}"))
    return set(only) | {plan.entry(n).baseline for n in only}
