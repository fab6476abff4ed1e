"""``bf.calibrate``: fit the estimated numbers of a dataset to its normal-time observations.

The stages, each its own module: observations and their use (:mod:`.targets`), the calibrated
numbers (:mod:`.parameters`), the kept model (:mod:`.engine`), the fit (:mod:`.fit`), the
calibrated dataset (:mod:`.dataset`), the report (:mod:`.report`). The method and its
justification: ``docs/calibration.md``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import borderflow
from borderflow.data.errors import display_path
from borderflow.data.loaders import RUN_SIDE_FILES, InputTables, sha256_file
from borderflow.runfolder import Claim, claim
from borderflow.solvers.highs import solver_version
from borderflow.uncertainty.perturb import apply_sample
from borderflow.uncertainty.ranges import read_ranges
from borderflow.uncertainty.sampling import FactorSpace

from .dataset import calibrated_values, write_dataset, written_values
from .dated_check import DatedCheckOptions, dated_check
from .engine import KeptModel, month_mean
from .fit import FitOptions, FitResult, Misfit, fit
from .parameters import DEFAULT_PARAMETERS, Parameters, select
from .report import calibration_report, findings, html, markdown
from .targets import CORRIDORS, Targets, operator, read_targets

#: the run-folder kind of a calibration folder (:mod:`borderflow.runfolder` marks it)
KIND = "calibration"
#: the fit's metadata in a calibration folder
METADATA = "calibration.json"
METHOD = ("two-stage MAP fit: Powell (derivative-free, scipy) on the cost dimensions, "
          "trust-region least squares (scipy least_squares, trf) on supply, alternated; "
          "misfit in band units + distance from the prior in range units; every evaluation "
          "at the numbers as the calibrated dataset writes them (rounded)")


@dataclass
class CalibrationResult:
    """A calibration: the fit, the calibrated dataset and the report.

    Attributes
    ----------
    fit_id : str
        Short SHA-256 of the inputs and options (same inputs, same id).
    fit : FitResult
    tables : InputTables
        The calibrated dataset (in memory; :meth:`write` puts it on disk).
    changes : dict
        ``{(table, key, field): value}`` of every number that moved (as written).
    report : dict of DataFrame
        ``observations``, ``parameters``, ``goodness`` (:mod:`.report`) and, when the
        dated-baseline check ran, ``dated_check`` (:mod:`.dated_check`).
    metadata : dict
        Method, options, inputs and their SHA-256, versions, evaluations, history.
    """

    fit_id: str
    fit: FitResult
    tables: InputTables
    changes: dict
    report: dict
    metadata: dict
    parameters: Parameters = field(repr=False, default=None)
    inputs: InputTables = field(repr=False, default=None)

    def markdown(self) -> str:
        """The fit report as Markdown."""
        return markdown(self.report, self.metadata)

    def write(self, out: Path | str, protected=()) -> Path:
        """Write the calibration folder through the one writer (:mod:`borderflow.runfolder`):
        ``calibration.json``, the report (``report.md``, ``report.html``,
        ``observations.csv``, ``parameters.csv``, ``goodness.csv``), the calibrated
        ``dataset/`` and the ``uncalibrated/`` overlay, built in a hidden sibling with its
        manifest and marker (kind ``calibration``) and swapped into place.

        Parameters
        ----------
        out : path
            Absent, empty, or a folder ``borderflow calibrate`` marked.
        protected : pairs (option, path)
            Inputs the folder may not be, hold or be inside (default: the dataset's folders
            and the observation files).

        Raises
        ------
        OutputError
            ``out`` refused (anything borderflow did not write, an input), in use, or the
            disk failed; nothing replaced.
        """
        with claim(out, KIND, protected=list(protected) or self._inputs()) as target:
            return self.write_claimed(target)

    def write_claimed(self, target: Claim) -> Path:
        """Write into an output folder already claimed (see :meth:`write`)."""
        with target.replace() as tmp:
            counts = write_dataset(tmp, self.inputs, self.parameters, self.changes, self.fit_id)
            for name, df in self.report.items():
                df.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
            (tmp / "report.md").write_text(self.markdown(), encoding="utf-8")
            (tmp / "report.html").write_text(html(self.report, self.metadata), encoding="utf-8")
            meta = {**self.metadata, "rows_calibrated": counts}
            (tmp / METADATA).write_text(json.dumps(meta, indent=2, sort_keys=True, default=str)
                                        + "\n", encoding="utf-8")
        return target.out

    def _inputs(self) -> list[tuple[str, Path]]:
        return input_paths(self.inputs, self.metadata.get("observation_files", {}))


def input_paths(tables: InputTables, files) -> list[tuple[str, Path]]:
    """(option, path) of what a calibration reads: its dataset folders and observation files
    (an output folder may not be, hold or be inside any of them)."""
    folders = sorted({Path(f).parent for paths in tables.sources.values() for f in paths})
    return [("--data", f) for f in folders] + [("--observations", Path(f)) for f in files]


def _fit_id(tables: InputTables, targets_files: list[Path], selectors, options: FitOptions,
            estimates_only: bool) -> str:
    h = hashlib.sha256()
    for name, digest in sorted(tables.checksums.items()):
        if Path(name).name in RUN_SIDE_FILES:  # behaviour: read by dated runs, not by a fit
            continue
        h.update(f"{Path(name).name}:{digest}\n".encode())
    for path in targets_files:
        h.update(f"{path.name}:{sha256_file(path)}\n".encode())
    h.update(json.dumps({"parameters": list(selectors), "options": asdict(options),
                         "estimates_only": estimates_only}, sort_keys=True).encode())
    return h.hexdigest()[:10]


def observation_values(tables: InputTables, targets: Targets) -> np.ndarray:
    """Each observation's model value for a dataset solved from scratch (every month)."""
    empty = select_nothing(tables)
    model = KeptModel(tables, empty)
    ev = model.evaluate(np.zeros(0))
    A = operator(targets, model.flow_table(), model.routes.route_crossings, tables)
    return month_mean((A @ ev.flows.T).T, targets.months, model.months)


def written(par: Parameters):
    """``z -> values`` as the calibrated dataset writes them (what the fit evaluates)."""
    return lambda z: written_values(par, z)


def method(options: FitOptions) -> str:
    """The method as the report names it (the global search and the route refresh when
    on)."""
    out = METHOD
    if options.global_evaluations:
        out += (f"; the first cost stage opens with a global search (scipy differential_"
                f"evolution from a Sobol population and the prior, seed {options.seed}, about "
                f"{options.global_evaluations:,} evaluations; heuristic, not a certified "
                "global optimum)")
    if options.refresh_routes:
        out += "; every later round on a kept model rebuilt at the current point"
    return out


def rebuilt_misfit(dataset: InputTables, par: Parameters, tg: Targets, z: np.ndarray,
                   prior_weight: float = 1.0) -> Misfit:
    """The misfit on a kept model built at ``z``: the dataset with the numbers at ``z``, its
    routes enumerated there; the coordinates stay those of ``par`` (0 the prior)."""
    values = par.values(z)
    f = par.space.factors
    tables = apply_sample(dataset, dict(zip(zip(f["table"], f["key"], f["field"]), values)))
    point = Parameters(FactorSpace(f.assign(value=values), par.space.dimensions,
                                   par.space.dated), par.stage)
    model = KeptModel(tables, point)
    A = operator(tg, model.flow_table(), model.routes.route_crossings, tables)
    return Misfit(model, par, tg, A, prior_weight, values=written(par))


def select_nothing(tables: InputTables) -> Parameters:
    """An empty parameter set (the model of the dataset as it is)."""
    from borderflow.uncertainty.sampling import FACTOR_COLUMNS, FactorSpace
    return Parameters(FactorSpace(pd.DataFrame(columns=FACTOR_COLUMNS), [], False), [])


def calibrate(dataset: InputTables, observations: Path | str | None = None, *,
              targets: Path | str | None = None, parameters=DEFAULT_PARAMETERS,
              estimates_only: bool = True, options: FitOptions | None = None,
              out: Path | str | None = None, protected=(),
              on_progress: Callable[[str, str], None] | None = None,
              dated: DatedCheckOptions | None = DatedCheckOptions()) -> CalibrationResult:
    """Fit the estimated numbers of a dataset to its normal-time observations.

    Parameters
    ----------
    dataset : InputTables
        The (uncalibrated) dataset, checked (:func:`borderflow.load_dataset`).
    observations, targets : path, optional
        ``observations.csv`` and ``calibration_targets.csv`` (default: the dataset folder's).
    parameters : sequence of str
        Selectors of the calibrated numbers (``table[/key[/field]]``, fnmatch patterns;
        default :data:`~.parameters.DEFAULT_PARAMETERS`).
    estimates_only : bool
        Leave published numbers as they are (default).
    options : FitOptions, optional
    out : path, optional
        Write the calibration folder there (:meth:`CalibrationResult.write`); claimed (checked
        and locked) after the inputs are checked and before anything is solved.
    protected : pairs (option, path), optional
        Inputs ``out`` may not be, hold or be inside (default: the dataset's folders and the
        observation files).
    on_progress : callable, optional
        ``on_progress(stage, message)``.
    dated : DatedCheckOptions or None
        After the fit, solve undisrupted dated baselines of the calibrated dataset and compare
        the gates with their observations as the static check does (:mod:`.dated_check`;
        the report's ``dated_check`` table, ``metadata["dated_check"]``); ``None``: skip it.
        Not part of the fit (nor of its id).

    Returns
    -------
    CalibrationResult

    Raises
    ------
    InputError
        Bad observations, targets, ranges or selectors (file, row and field named), or an
        ``out`` folder borderflow did not write (:class:`~borderflow.runfolder.OutputError`);
        checked before anything is solved.
    """
    progress = on_progress or (lambda stage, message: None)
    options = options or FitOptions()
    tg = read_targets(dataset, observations, targets)
    folder = Path(dataset.sources["products"][0]).parent
    ranges = read_ranges(folder, dataset)
    named = set(tg.table.loc[tg.table["element_kind"].isin(("crossing", "rail"))
                             & (tg.table["use"] == "fit"), "element_id"])
    for corridor in set(tg.table.loc[(tg.table["element_kind"] == "corridor")
                                     & (tg.table["use"] == "fit"), "element_id"]):
        named |= {c for c, _ in CORRIDORS[corridor]}
    par = select(ranges, dataset, parameters, estimates_only=estimates_only,
                 named_crossings=named, strict=tuple(parameters) != DEFAULT_PARAMETERS)
    files = [Path(observations) if observations is not None else folder / "observations.csv"]
    if targets is not None or (folder / "calibration_targets.csv").exists():
        files.append(Path(targets) if targets is not None else
                     folder / "calibration_targets.csv")
    fit_id = _fit_id(dataset, files, parameters, options, estimates_only)
    if out is None:
        return _fit(dataset, tg, par, files, fit_id, parameters, estimates_only, options,
                    progress, dated)
    with claim(out, KIND, protected=list(protected) or input_paths(dataset, files)) as target:
        res = _fit(dataset, tg, par, files, fit_id, parameters, estimates_only, options,
                   progress, dated)
        progress("write", f"writing {out}")
        res.write_claimed(target)
    return res


def _fit(dataset: InputTables, tg: Targets, par: Parameters, files: list[Path], fit_id: str,
         parameters, estimates_only: bool, options: FitOptions, progress,
         dated: DatedCheckOptions | None = None) -> CalibrationResult:
    """The fit, the calibrated dataset and the report (inputs checked by :func:`calibrate`)."""
    progress("model", f"building the kept model ({par.n} dimensions, {par.space.n_factors} "
                      "numbers)")
    model = KeptModel(dataset, par)
    A = operator(tg, model.flow_table(), model.routes.route_crossings, dataset)
    misfit = Misfit(model, par, tg, A, options.prior_weight, values=written(par))
    retries, current = [0], [misfit]

    def refresh(z: np.ndarray) -> Misfit:
        retries[0] += current[0].model.cold_retries
        progress("model", "rebuilding the kept model at the current point (routes "
                          "enumerated at the calibrated numbers)")
        current[0] = rebuilt_misfit(dataset, par, tg, z, options.prior_weight)
        return current[0]

    result = fit(misfit, options, on_stage=lambda e: progress(
        "fit", f"{e['stage']} stage, round {e['round']}: objective {e['objective']:,.1f} "
               f"after {e['evaluations']:,} evaluations"), refresh=refresh)
    changes = calibrated_values(par, result.z)
    after_tables = apply_sample(dataset, changes)
    progress("report", "solving the prior and the calibrated dataset from scratch")
    before = observation_values(dataset, tg)
    after = observation_values(after_tables, tg)
    unrounded = {k: v for k, v in zip(
        [(r.table, r.key, r.field) for r in par.space.factors.itertuples(index=False)],
        par.values(result.z))}
    ptable = par.table(result.z)
    ptable["calibrated"] = [changes.get((a, b, c), p) for a, b, c, p in
                            zip(ptable["table"], ptable["key"], ptable["field"],
                                ptable["prior"])]
    report = calibration_report(tg, before, after, ptable, result.z, options.prior_weight)
    checked = None
    if dated is not None:
        progress("check", "solving undisrupted dated baselines of the calibrated dataset")
        report["dated_check"], checked = dated_check(
            after_tables, tg, after, dated, lambda message: progress("check", message))
    meta = {"fit_id": fit_id, "method": method(options), "options": asdict(options),
            "findings": findings(report["observations"]),
            "parameters": list(parameters), "estimates_only": estimates_only,
            "dimensions": par.n, "numbers": par.space.n_factors,
            "evaluations": result.evaluations, "solves": result.solves,
            "cold_retries": retries[0] + current[0].model.cold_retries,
            "objective_prior_kept_model": result.objective_prior,
            "objective_kept_model": result.objective, "history": result.history,
            "route_set": "baseline (kept model); report: rebuilt from scratch",
            "inputs": dataset.sources, "input_sha256": dict(dataset.checksums),
            "observation_files": {display_path(p): sha256_file(p) for p in files},
            "borderflow_version": borderflow.__version__, "solver": solver_version(),
            "unrounded": {"/".join(k): v for k, v in unrounded.items()},
            **({"dated_check": checked} if checked is not None else {})}
    return CalibrationResult(fit_id=fit_id, fit=result, tables=after_tables, changes=changes,
                             report=report, metadata=meta, parameters=par, inputs=dataset)
