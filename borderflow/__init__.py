"""borderflow: route export freight across alternative land border crossings.

The public API (docs/api.md)::

    import borderflow as bf

    ds = bf.load_dataset()                           # checked tables (embedded dataset)
    sc = bf.Scenario.closing(["boten-mohan"])        # or bf.Scenario.from_yaml(path, ds)
    res = bf.solve(ds, sc, bf.RunOptions())          # -> bf.Result, with its baseline
    res.comparison["crossing_changes"], res.story
    res.write("runs/no-boten"); res.map(png="no-boten.png")
    bf.read_result("runs/no-boten"), bf.verify_run("runs/no-boten")
    bf.sweep(bf.plan_sweep(n_minus_1=True), "runs/n1")  # many scenarios on Dask
    bf.read_sweep("runs/n1")                          # a sweep folder's tables, read back
    bf.robust_plan(ds, *bf.closure_scenarios(["boten-mohan"], 0.05))
    bf.reopening_plan(ds, sc_with_reopening_odds)   # stochastic plan over an uncertain reopening
    bf.calibrate(bf.load_dataset(), out="runs/calibration")
    bf.uncertainty(ds, sc, samples=200).text()        # bands: "+55,400 USD/day (P10–P90: ...)"
    bf.appraise(ds, samples=50).ranking               # NPV, EIRR, BCR of investments.csv
    bf.respond(ds, sc, "levers.yaml", budget_usd=2e6)  # best response portfolio (MIP)

Stages, each in its own module, data flowing one way (docs/architecture.md)::

    borderflow.data.dataset      load_dataset()      CSV tables -> checked InputTables
    borderflow.data.scenario     Scenario            what-ifs (schema); scenario_files: YAML
    borderflow.model.network     build_network()     tables + scenario -> FreightNetwork
    borderflow.model.routes      enumerate_routes()  networkx routes filtered by shelf life/licence
    borderflow.model.indices     index_tables()      which variable and row is which, by key
    borderflow.model.formulation build_model()       Pyomo LP, one define_* per constraint family
    borderflow.model.pyomo_layer linear_form()       the one module on Pyomo internals
    borderflow.solvers.highs     HighsSession        HiGHS through highspy (rolling: windows)
    borderflow.model.results     extract_results()   tidy pandas tables, RunSummary
    borderflow.pipeline          run_scenario()      the stages above, for code that keeps a model
    borderflow.api               solve(), Result     the one path: + baseline, compare, verify
    borderflow.io                run folders, atomic files
    borderflow.sweeps / robust   many scenarios on Dask / a plan that holds up when gates close
    borderflow.calibration       calibrate()         fit estimates to normal-time observations
    borderflow.gis / maps        GIS layers and exports / PNG and HTML maps
    borderflow.cli               the command line: parse -> API -> print

Names are imported on first use, so ``import borderflow`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS = {
    "load_dataset": "borderflow.data.dataset",
    "InputTables": "borderflow.data.loaders",
    "example_scenario": "borderflow.data.loaders",
    "uncalibrated_data_dir": "borderflow.data.loaders",
    "InputError": "borderflow.data.errors",
    "Scenario": "borderflow.data.scenario",
    "Horizon": "borderflow.data.scenario",
    "Window": "borderflow.data.scenario",
    "CloseEvent": "borderflow.data.scenario",
    "CapacityEvent": "borderflow.data.scenario",
    "BuildEvent": "borderflow.data.scenario",
    "SupplyEvent": "borderflow.data.scenario",
    "SupplyChange": "borderflow.data.scenario",
    "PriorityEvent": "borderflow.data.scenario",
    "PriorityRule": "borderflow.data.scenario",
    "InitialQueue": "borderflow.data.scenario",
    "RunOptions": "borderflow.options",
    "RouteOptions": "borderflow.model.routes",
    "SolverOptions": "borderflow.solvers.highs",
    "SolverError": "borderflow.solvers.highs",
    "RollingHorizon": "borderflow.solvers.rolling",
    "Result": "borderflow.api",
    "SolvedRoutes": "borderflow.api",
    "respond": "borderflow.responses",
    "ResponseResult": "borderflow.responses",
    "ExtraCapacityEvent": "borderflow.data.scenario",
    "OpenEvent": "borderflow.data.scenario",
    "SlotQuotaEvent": "borderflow.data.scenario",
    "HoldDispatchEvent": "borderflow.data.scenario",
    "solve": "borderflow.api",
    "read_result": "borderflow.api",
    "folder_kind": "borderflow.api",
    "STAGES": "borderflow.api",
    "verify_run": "borderflow.verify",
    "plan_sweep": "borderflow.sweeps",
    "sweep": "borderflow.sweeps",
    "read_sweep": "borderflow.sweeps",
    "SweepPlan": "borderflow.sweeps",
    "SweepResult": "borderflow.sweeps",
    "n_minus_1_scenarios": "borderflow.sweeps",
    "investment_candidates": "borderflow.sweeps",
    "label_directions": "borderflow.present.names",
    "robust_plan": "borderflow.robust",
    "closure_scenarios": "borderflow.robust",
    "reopening_plan": "borderflow.reopening_plan",
    "ReopeningResult": "borderflow.reopening_plan",
    "RobustResult": "borderflow.robust",
    "calibrate": "borderflow.calibration",
    "CalibrationResult": "borderflow.calibration",
    "FitOptions": "borderflow.calibration",
    "RunSummary": "borderflow.model.summary",
    "IndexTables": "borderflow.model.indices",
    "uncertainty": "borderflow.uncertainty",
    "UncertaintyResult": "borderflow.uncertainty.result",
    "appraise": "borderflow.appraisal.run",
    "AppraisalResult": "borderflow.appraisal.run",
}
#: public names whose object has another name in its module
_RENAMED = {"sweep": "run_sweep"}
#: public names that are a module itself (``bf.uncertainty``: a callable package)
_MODULES = {"uncertainty"}

__all__ = ["AppraisalResult", "BuildEvent", "CalibrationResult", "CapacityEvent", "CloseEvent",
           "ExtraCapacityEvent", "FitOptions", "HoldDispatchEvent", "Horizon", "IndexTables",
           "InitialQueue", "InputError", "InputTables", "OpenEvent", "PriorityEvent",
           "PriorityRule", "ReopeningResult", "ResponseResult", "Result", "RobustResult",
           "RollingHorizon", "RouteOptions", "RunOptions", "RunSummary", "STAGES", "Scenario",
           "SolvedRoutes", "SolverError",
           "SlotQuotaEvent", "SolverOptions", "SupplyChange", "SupplyEvent", "SweepPlan",
           "SweepResult",
           "UncertaintyResult", "Window", "appraise", "calibrate", "closure_scenarios",
           "example_scenario", "folder_kind", "investment_candidates", "label_directions",
           "load_dataset", "n_minus_1_scenarios", "plan_sweep", "read_result", "read_sweep",
           "reopening_plan", "respond", "robust_plan", "solve", "sweep", "uncertainty",
           "uncalibrated_data_dir", "verify_run"]


def __getattr__(name: str):
    """Import a public name's module on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'borderflow' has no attribute {name!r}")
    module = importlib.import_module(_EXPORTS[name])
    value = module if name in _MODULES else getattr(module, _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from borderflow.api import STAGES, Result, SolvedRoutes, folder_kind, read_result, solve
    from borderflow.calibration import CalibrationResult, FitOptions, calibrate
    from borderflow.data.dataset import load_dataset
    from borderflow.data.errors import InputError
    from borderflow.data.loaders import InputTables, example_scenario, uncalibrated_data_dir
    from borderflow.data.scenario import (BuildEvent, CapacityEvent, CloseEvent, Horizon,
                                          InitialQueue, PriorityEvent, PriorityRule, Scenario,
                                          SupplyChange, SupplyEvent, Window)
    from borderflow.model.indices import IndexTables
    from borderflow.model.routes import RouteOptions
    from borderflow.model.summary import RunSummary
    from borderflow.options import RunOptions
    from borderflow.reopening_plan import ReopeningResult, reopening_plan
    from borderflow.robust import RobustResult, closure_scenarios, robust_plan
    from borderflow.solvers.highs import SolverError, SolverOptions
    from borderflow.solvers.rolling import RollingHorizon
    from borderflow.present.names import label_directions
    from borderflow.sweeps import (SweepPlan, SweepResult, investment_candidates,
                                   n_minus_1_scenarios, plan_sweep, read_sweep)
    from borderflow.sweeps import run_sweep as sweep
    from borderflow.verify import verify_run
    from borderflow.appraisal.run import AppraisalResult, appraise
    from borderflow.data.scenario import (ExtraCapacityEvent, HoldDispatchEvent, OpenEvent,
                                          SlotQuotaEvent)
    from borderflow.responses import ResponseResult, respond
    from borderflow.uncertainty.result import UncertaintyResult
