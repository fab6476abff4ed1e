"""A sweep folder on disk: its plan, one run folder per scenario, and reading them back.

Layout of ``<out>``: ``plan.json`` (the plan, investment variants included once planned),
``scenarios/scenario=<name>/`` (a run folder per scenario: result tables, ``summary.json`` with
the plan row, status and fingerprint, ``run.json``), and the sweep's tables at the top
(:mod:`borderflow.sweeps.analysis`). Every folder and file is written through
:mod:`borderflow.io` (atomically); a scenario counts as done when its folder's fingerprint
matches the plan's and it ended optimal or with a failure a re-run would not change. Where the
sweep folder is and whether it is written in place or replaced whole is decided by the runner
(:func:`borderflow.sweeps.runner.run_sweep`), which holds it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from borderflow.data.errors import InputError, Problem, display_path
from borderflow.faults import fault_point
from borderflow.io import (PARTITION_TIMING_KEYS, SUMMARY, read_run, read_summary, read_table,
                           write_json, write_run)
from borderflow.model.results import ResultTables
from borderflow.pipeline import run_metadata

from .plan import PlannedScenario, SweepPlan

if TYPE_CHECKING:  # pragma: no cover
    from .runner import SweepResult
    from .worker import Outcome

PARTITIONS = "scenarios"
PLAN = "plan.json"
#: statuses of a scenario that ran and failed for a reason that a re-run would not change
FINAL_FAILURES = ("infeasible", "unbounded", "infeasible_or_unbounded", "input_error",
                  "numerical_error", "time_limit", "iteration_limit")


# ---- layout ----------------------------------------------------------------------------------
def partition(out: Path | str, name: str) -> Path:
    """Folder of a scenario's results in a sweep folder."""
    return Path(out) / PARTITIONS / f"scenario={name}"


def solved_partitions(out: Path | str) -> dict[str, Path] | None:
    """Scenario name -> run folder of every optimal scenario of the sweep folder ``out``
    (``None`` if ``out`` is not a sweep folder)."""
    out = Path(out)
    if not (out / PLAN).is_file() or not (out / PARTITIONS).is_dir():
        return None
    found = {}
    for folder in sorted((out / PARTITIONS).glob("scenario=*")):
        summary = read_summary(folder)
        if summary is not None and summary.get("status") == "optimal":
            found[folder.name.split("=", 1)[1]] = folder
    return found


def is_done(out: Path, entry: PlannedScenario) -> bool:
    """True if ``entry``'s folder holds a final outcome of the same fingerprint."""
    s = read_summary(partition(out, entry.name))
    return bool(s) and s.get("fingerprint") == entry.fingerprint and (
        s.get("status") == "optimal" or s.get("status") in FINAL_FAILURES)


def empty_results(summary: dict) -> ResultTables:
    """Result tables with no rows (a failed scenario's folder)."""
    return ResultTables(summary=summary, **{n: pd.DataFrame() for n in ResultTables.TABLES})


# ---- writing ---------------------------------------------------------------------------------
def write_plan(out: Path, plan: SweepPlan) -> None:
    """Write ``plan.json``: source, dataset, options, projects and every scenario's row and
    events."""
    write_json(out / PLAN, {"source": plan.source, "data": plan.data,
                            "overlays": list(plan.overlays),
                            "options": plan.options.recorded(),
                            **({"dispatch_reason": plan.dispatch_reason}
                               if plan.dispatch_reason else {}),
                            "projects": [p.name for p in plan.projects],
                            "scenarios": [e.row() | {"events": e.scenario.model_dump(
                                mode="json", by_alias=True)["events"]} for e in plan.entries]})
    fault_point(f"sweep:write:{PLAN}")


def write_partition(out: Path | str, plan: SweepPlan, entry: PlannedScenario,
                    outcome: Outcome) -> Path:
    """Write one scenario's outcome as a run folder, atomically (temp folder + rename)."""
    return write_outcome(out, entry.name, entry.row(), partition_metadata(plan, entry), outcome)


def partition_metadata(plan: SweepPlan, entry: PlannedScenario) -> dict:
    """Provenance of a scenario's run folder (``run.json``): what every run records
    (:func:`borderflow.pipeline.provenance`) with the model structure it was solved on and its
    place in the sweep."""
    structure = plan.structures[entry.structure]
    paths = None
    if entry.scenario.horizon.start is not None:  # which path ran and why, as a single run's
        rolling = structure.rolling
        paths = {"aggregate_streams": {"on": structure.aggregate, "why": plan.options.streams_for(
            True, approximate=rolling is not None and not rolling.exact)[1]},
                 "window_pricing": {"on": False, "why": "a sweep solves its kept model "
                                    "without it"}}
    return {**run_metadata(plan.tables, entry.scenario, plan.options, *structure.effective,
                           paths=paths),
            "structure": structure.payload(with_paths=False),
            "sweep": {"role": entry.role, "baseline": entry.baseline,
                      "fingerprint": entry.fingerprint}}


def write_outcome(out: Path | str, name: str, row: dict, meta: dict, outcome: Outcome) -> Path:
    """Write scenario ``name``'s outcome to its partition of ``out`` (``row``: its plan entry,
    ``meta``: :func:`partition_metadata`), atomically; on the client or on a worker, inside
    the sweep folder the client holds (:func:`borderflow.io.write_folder`, ``inside_claim``)."""
    results = outcome.results or empty_results({"scenario": name})
    results.summary = {**results.summary, **row, "status": outcome.status,
                       "message": outcome.message, "wall_seconds": outcome.wall_seconds,
                       "model_built": outcome.model_built,
                       "warm_start": bool(outcome.solve.get("warm_start", False)),
                       "solve_seconds": outcome.solve.get("solve_seconds"),
                       "iterations": outcome.solve.get("iterations")}
    return write_run(partition(out, name), results, meta, inside_claim=True,
                     volatile={SUMMARY: PARTITION_TIMING_KEYS}, same_tables=True)


# ---- reading ---------------------------------------------------------------------------------
def read_partition_table(out: Path, name: str, table: str) -> pd.DataFrame:
    """One result table of one scenario of a sweep (empty if it has none)."""
    return read_table(partition(out, name), table)


def partition_version(out: Path, name: str) -> tuple[str, int | None]:
    """A scenario folder and its modification time: what :func:`comparable_results` caches on
    (a folder written again gets a new time)."""
    folder = partition(out, name)
    return str(folder), (folder.stat().st_mtime_ns if folder.exists() else None)


@lru_cache(maxsize=4096)
def comparable_results(folder: str, stamp: int | None) -> ResultTables:
    """The summary, ``crossings`` and ``products`` tables of a scenario folder (enough to
    compare), read once per version of the folder (a baseline is compared with every scenario
    of its group)."""
    folder = Path(folder)
    r = empty_results(read_summary(folder) or {})
    r.crossings, r.products = read_table(folder, "crossings"), read_table(folder, "products")
    return r


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


def read_sweep(out: Path | str) -> SweepResult:
    """A sweep folder written by :func:`~borderflow.sweeps.runner.run_sweep` (or ``borderflow
    sweep``) read back: its tables and how its scenarios ended.

    Parameters
    ----------
    out : path
        The sweep folder.

    Returns
    -------
    SweepResult
        ``tables``: those the sweep wrote (:data:`~borderflow.sweeps.analysis.TABLES`, and
        the band tables of ``--samples``; a table with no rows is not written); ``solved``:
        scenarios that ended optimal,
        ``failed``: any other status, ``models_built`` as recorded; ``plan`` is ``None``.
        :meth:`~borderflow.sweeps.runner.SweepResult.runs` gives each solved scenario's folder.

    Raises
    ------
    InputError
        If ``out`` is not a sweep folder (no ``plan.json`` and ``scenarios/``).
    """
    from borderflow.uncertainty.sweep_bands import BAND_TABLES

    from .analysis import TABLES
    from .runner import SweepResult

    out = Path(out)
    if solved_partitions(out) is None:
        raise InputError(Problem(display_path(out), None, None, f"not a sweep folder (no {PLAN} "
                                 f"and {PARTITIONS}/)"))
    result = SweepResult(out=out, plan=None, tables={
        name: read_table(out, name) for name in (*TABLES, *BAND_TABLES)
        if (out / f"{name}.parquet").is_file()})
    for folder in sorted((out / PARTITIONS).glob("scenario=*")):
        summary = read_summary(folder)
        if summary is None:
            continue
        ok = summary.get("status") == "optimal"
        result.solved += ok
        result.failed += not ok
        result.models_built += bool(summary.get("model_built"))
    return result
