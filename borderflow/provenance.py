"""What a run folder's ``run.json`` records of where a run came from: the borderflow, HiGHS,
Pyomo and library versions, the input files and their SHA-256, the scenario in full and the
options asked for and in effect. A single solve's (:meth:`borderflow.pipeline.Run.metadata`),
a sweep scenario's and an uncertainty run's alike.
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform
from dataclasses import asdict
from pathlib import Path

import pyomo

import borderflow
from borderflow.data.errors import display_path
from borderflow.data.loaders import InputTables, sha256_file
from borderflow.data.scenario import Scenario
from borderflow.model.routes import RouteOptions
from borderflow.options import RunOptions
from borderflow.solvers.highs import SolverOptions, solver_version

__all__ = ["library_versions", "provenance", "run_metadata", "shared_path"]


def run_metadata(tables: InputTables, scenario: Scenario | None, options: RunOptions,
                 routes: RouteOptions, solver: SolverOptions,
                 scenario_file: Path | str | None = None, *, paths: dict | None = None) -> dict:
    """What every run folder's ``run.json`` records, a sweep's scenario folders included:
    :func:`provenance`, the Pyomo and Python versions and those of the libraries that shape
    the numbers (``versions``), and the route and solver options in effect
    (``effective_options``: ``routes`` and ``solver`` as :meth:`RunOptions.effective` made
    them, and with ``paths`` (dated runs) whether the queues were aggregated per stream and
    the window-priced start used, and why: ``aggregate_streams`` and ``window_pricing``, each
    ``{"on": bool, "why": str}``); with ``scenario_file``, its path and SHA-256."""
    meta = provenance(tables, scenario, options)
    meta.update({
        "pyomo_version": pyomo.version.version,
        "python_version": platform.python_version(),
        "versions": library_versions(),
        "effective_options": {"routes": routes.recorded(), "solver": asdict(solver),
                              **(paths or {})},
    })
    if scenario_file is not None:
        shown = display_path(scenario_file)
        meta["input_sha256"][shown] = sha256_file(scenario_file)
        meta["scenario_file"] = shown
    return meta


def provenance(tables: InputTables, scenario: Scenario | None, options: RunOptions) -> dict:
    """What every run folder records (``run.json``), a sweep's scenarios included: borderflow
    and HiGHS versions, the input files and their SHA-256, the scenario in full and the
    options asked for (:meth:`RunOptions.recorded`)."""
    return {"borderflow_version": borderflow.__version__, "solver": solver_version(),
            "inputs": tables.sources, "input_sha256": dict(tables.checksums),
            "scenario": None if scenario is None
            else scenario.model_dump(mode="json", by_alias=True),
            "options": options.recorded()}


def library_versions() -> dict[str, str]:
    """Versions of the interpreter, the solver stack and the libraries used on the numbers
    (read once per process: a sweep's worker records them in every scenario's folder)."""
    return dict(_versions())


@functools.cache
def _versions() -> dict[str, str]:
    """:func:`library_versions`, read from the installed distributions."""
    out = {"python": platform.python_version(), "pyomo": pyomo.version.version,
           "platform": f"{platform.system()} {platform.machine()}"}
    for dist in ("highspy", "numpy", "pandas", "pyarrow", "networkx", "scipy", "pydantic"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            out[dist] = "not installed"
    return out


def shared_path(path: Path | str, tables: InputTables) -> str:
    """A dataset file's path as a record meant to be shared shows it (``uncertainty.json``,
    ``summary.txt``): relative to the working directory when it lies under it (as messages show
    paths, :func:`~borderflow.data.errors.display_path`), else, for a file in one of the
    dataset's folders (the embedded one, an overlay), ``<folder name>/<file name>``, so that
    neither names the machine's folders; any other file as given."""
    shown = display_path(path)
    if not Path(shown).is_absolute():
        return shown
    folders = {Path(f).resolve().parent for files in tables.sources.values() for f in files}
    where = Path(path).resolve()
    return f"{where.parent.name}/{where.name}" if where.parent in folders else str(path)
