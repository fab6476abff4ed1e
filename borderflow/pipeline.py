"""One function per use: load and check a dataset, solve a scenario, compare with a baseline.

Stages pass values, not files: tables -> network -> routes -> model -> HiGHS -> results.
"""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyomo
import pyomo.environ as pyo

import borderflow
from borderflow.data.checks import validate_tables
from borderflow.data.loaders import InputTables, read_tables
from borderflow.data.scenario import Scenario
from borderflow.model.formulation import BuiltModel, build_model
from borderflow.model.network import FreightNetwork, build_network
from borderflow.model.results import ResultTables, extract_results
from borderflow.model.routes import RouteOptions, RouteSet, enumerate_routes
from borderflow.solvers.highs import SolveSummary, SolverOptions, solve, solver_version


@dataclass(frozen=True)
class RunOptions:
    """Options of a run: route enumeration and solver settings."""

    routes: RouteOptions = field(default_factory=RouteOptions)
    solver: SolverOptions = field(default_factory=SolverOptions)


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

    def metadata(self) -> dict:
        """Provenance for ``run.json``: inputs' checksums, scenario, options, versions."""
        return {
            "borderflow_version": borderflow.__version__,
            "solver": solver_version(),
            "pyomo_version": pyomo.version.version,
            "python_version": platform.python_version(),
            "inputs": self.tables.sources,
            "input_sha256": self.tables.checksums,
            "scenario": self.net.scenario.model_dump(mode="json", by_alias=True),
            "options": asdict(self.options),
        }


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
        If the scenario refers to unknown ids or dates outside its horizon.
    SolverError
        If HiGHS does not end optimal (the message says how it ended).
    """
    options = options or RunOptions()
    net = build_network(tables, scenario)
    routes = enumerate_routes(net, options.routes)
    built = build_model(net, routes)
    summary = solve(built.model, options.solver)
    results = extract_results(net, routes, built, summary.as_dict())
    return Run(tables=tables, net=net, routes=routes, built=built, solve=summary,
               results=results, options=options)


def objective_value(built: BuiltModel) -> float:
    """The solved model's objective, USD."""
    return float(pyo.value(built.model.objective))
