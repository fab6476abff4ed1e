"""Running a sweep on Dask: submit the plan's scenarios in chunks, record each outcome as it
arrives, plan and run the investment variants, then write the sweep's tables.

:func:`run_sweep` (``borderflow.sweep``) is the entry point. It uses the client given, one
connected to a scheduler, or a LocalCluster of single-threaded worker processes
(:func:`dask_client`). On a LocalCluster the workers write their scenarios' folders
themselves (in parallel, no result table through the scheduler); for a cluster given by the
caller the client writes them. Progress is reported to an optional ``on_progress(stage, done,
total, message)`` callback: stages ``scenarios`` and ``investments`` (``done`` of ``total``;
``message``: ``"<scenario>: <status>"``) and ``tables``.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from borderflow.data.errors import InputError, Problem

from .analysis import comparison_table, write_sweep_tables
from .partitions import (is_done, partition_metadata, prepare_folder, solved_partitions,
                         write_partition, write_plan)
from .plan import PlannedScenario, SweepPlan, investment_entries
from .worker import PLUGIN, Job, ModelCache, Outcome, chunk_size, dask_solve

log = logging.getLogger("borderflow.sweeps")


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

    def __getitem__(self, name: str) -> pd.DataFrame:
        """A table by name (see :data:`borderflow.sweeps.analysis.TABLES`)."""
        return self.tables[name]

    def runs(self) -> dict[str, Path]:
        """Scenario name -> run folder of every scenario solved to optimality, sorted by name
        (each reads back with :func:`borderflow.read_result`)."""
        return solved_partitions(self.out) or {}


def _run_entries(client, out: Path, plan: SweepPlan, entries: list[PlannedScenario],
                 warm: bool, progress: Callable, label: str, result: SweepResult,
                 workers_write: bool) -> None:
    from distributed import as_completed

    total, done = len(entries), 0
    if total:
        progress(label, 0, total, "")
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
        futures[client.submit(dask_solve, jobs, key=key)] = chunk
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
    if not ok:
        log.warning("scenario %s: %s %s", entry.name, outcome.status, outcome.message)


def run_sweep(plan: SweepPlan, out: Path | str, *, client=None, workers: int = 2,
              scheduler: str | None = None, processes: bool = True, resume: bool = False,
              warm: bool = True, only: list[str] | None = None,
              on_progress: Callable | None = None) -> SweepResult:
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
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)``: stages ``scenarios``, ``investments``
        (one call per scenario finished, ``message`` ``"<name>: <status>"``) and ``tables``.

    Returns
    -------
    SweepResult

    Raises
    ------
    InputError
        If ``out`` is not a sweep folder, or ``only`` names unknown scenarios.
    """
    out = Path(out)
    progress = on_progress or _quiet
    prepare_folder(out, resume)
    # investment variants are planned afresh from this run's results (the caller's plan is
    # left as it was)
    plan = replace(plan, entries=[e for e in plan.entries if e.role != "investment"],
                   structures=dict(plan.structures))
    wanted = _wanted(plan, only)
    write_plan(out, plan)
    result = SweepResult(out=out, plan=plan, tables={})
    # workers of a LocalCluster see ``out``: they write their own scenarios (in parallel);
    # for a cluster given by the caller the client writes them
    local = client is None and scheduler is None
    with dask_client(client, workers, scheduler, processes) as c:
        c.register_plugin(ModelCache(), name=PLUGIN)
        todo = [e for e in plan.entries if e.name in wanted and not is_done(out, e)]
        result.skipped = sum(e.name in wanted for e in plan.entries) - len(todo)
        _run_entries(c, out, plan, todo, warm, progress, "scenarios", result, local)
        if plan.projects:
            variants = investment_entries(plan, comparison_table(out, plan))
            plan.entries += variants
            write_plan(out, plan)
            todo = [v for v in variants if (only is None or v.name in wanted)
                    and not is_done(out, v)]
            result.skipped += sum(only is None or v.name in wanted for v in variants) \
                - len(todo)
            _run_entries(c, out, plan, todo, warm, progress, "investments", result, local)
    progress("tables", None, None, "comparing the scenarios with their baselines")
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
