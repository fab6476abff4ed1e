"""``bf.uncertainty``: a scenario's headline numbers with their bands, and what drives them.

::

    import borderflow as bf

    ds = bf.load_dataset()
    u = bf.uncertainty(ds, bf.Scenario.closing(["boten-mohan"]), samples=200, seed=0)
    u.increase            # P10/P50/P90 of the closure's cost, unserved and spoiled tonnes
    u.text()              # "+44,200 USD/day (P10–P90: 21,000–90,500)" ...
    u.write("runs/boten-bands")

Steps: the dataset's ``ranges.csv`` is read and checked
(:func:`~borderflow.uncertainty.ranges.read_ranges`); its sampled numbers
(:class:`~borderflow.uncertainty.sampling.FactorSpace`) are drawn by a seeded Latin hypercube
or scrambled Sobol sequence (``scipy.stats.qmc``); each sample is solved warm on the kept model
(:mod:`borderflow.uncertainty.kept`; the scenario and, when it disrupts, its baseline, paired
sample by sample) or, with ``mode="rebuild"``, rebuilt from its tables. Then P10/P50/P90 per
measure (:func:`~borderflow.uncertainty.summaries.quantile_table`), the paired increase, and a
sensitivity ranking of the inputs (:mod:`borderflow.uncertainty.screening`).

Routes (static runs): the kept models hold the enumerated routes plus those column generation
adds at the dataset's values (the point is the certified optimum over every route); each
sample is then priced with its own duals and numbers, its own improving routes are added to
HiGHS and re-solved (at most ``--pricing-rounds`` rounds) and taken out again, so each sample
says ``certified`` or ``restricted`` with a gap bound (``results.csv``: measures
``certified``, ``gap_bound_usd``, ``routes_added``; ``uncertainty.json``: ``routing``).
Dated runs keep their enumerated routes (restricted, gap unknown). In a dated run, numbers that
change the model's structure (link hours, dwell, shelf lives), and in a static run with
congestion tiers the payloads (the tier cells are per payload), are held at the dataset's
values unless ``mode="rebuild"``; the result says how many.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import Scenario
from borderflow.options import RunOptions, for_optimum
from borderflow.provenance import library_versions, provenance, shared_path
from borderflow.solvers.highs import SolverError

from .chunks import design_sha256, solve_in_chunks
from .kept import kept_models, rebuilt_measures
from .perturb import apply_sample
from .ranges import RANGES_FILE, Ranges, read_ranges
from .result import UncertaintyResult
from .sampling import FactorSpace, SampleSet, latin_hypercube, sobol_sequence
from .screening import SENSITIVITY_METHODS, sensitivity_analysis
from .summaries import ROUTING_MEASURES, paired_increase, quantile_table, routing_summary

METHODS = ("lhs", "sobol")
#: the kind of folder ``out`` is claimed as (:mod:`borderflow.runfolder`)
KIND = "uncertainty"
#: ``route_set`` of the metadata, by (mode, dated)
ROUTE_SET = {("warm", False): "kept routes + column generation at the point; each sample "
                              "priced (routing: certified or restricted with a gap bound)",
             ("warm", True): "enumerated routes, not priced (day-by-day model: restricted, "
                             "gap unknown)",
             ("rebuild", False): "column generation per rebuilt sample",
             ("rebuild", True): "enumerated per rebuilt sample, not priced (restricted, gap "
                                "unknown)"}
#: sub-folder of an uncertainty folder being written: the solved chunks (the unit of resume;
#: gone once the folder is complete)
SAMPLES_DIR = "solved_samples"
MODES = ("warm", "rebuild")


def dataset_folder(tables: InputTables) -> Path | None:
    """The folder the dataset's tables were read from (where ``ranges.csv`` is looked for)."""
    files = tables.sources.get("products") or tables.sources.get("crossings")
    return Path(files[0]).parent if files else None


def check_request(samples: int, method: str, seed: int, sensitivity: str, mode: str,
                  screen: int, trajectories: int) -> None:
    """Refuse an impossible request before anything is built (one problem per option).

    Raises
    ------
    InputError
        Naming the option (``--samples``, ``--method`` ...).
    """
    problems = []
    if not 1 <= samples <= 1_000_000:
        problems.append(("--samples", f"must be between 1 and 1,000,000, got {samples}"))
    if method not in METHODS:
        problems.append(("--method", f"unknown method '{method}'; choose {', '.join(METHODS)}"))
    if seed < 0:
        problems.append(("--seed", f"must be >= 0, got {seed}"))
    if sensitivity not in SENSITIVITY_METHODS:
        problems.append(("--sensitivity", f"unknown method '{sensitivity}'; choose "
                         f"{', '.join(SENSITIVITY_METHODS)}"))
    if mode not in MODES:
        problems.append(("--mode", f"unknown mode '{mode}'; choose {', '.join(MODES)}"))
    if screen < 0:
        problems.append(("--screen", f"must be >= 0 (0: every dimension), got {screen}"))
    if trajectories < 2:
        problems.append(("--trajectories", f"Morris needs at least 2, got {trajectories}"))
    if sensitivity != "none" and samples < 10 and screen:
        problems.append(("--samples", f"screening the inputs for --sensitivity {sensitivity} "
                         f"needs at least 10 samples, got {samples} (or --sensitivity none)"))
    if problems:
        raise InputError([Problem("command line", None, o, m) for o, m in problems])


def sample_space(tables: InputTables, scenario: Scenario, ranges: Path | str | None = None,
                 *, mode: str = "warm", extra=None) -> tuple[Ranges, FactorSpace, pd.DataFrame]:
    """The checked ranges, the space sampled in ``scenario``'s horizon, and the structural
    numbers held at their values (a warm dated run).

    Raises
    ------
    InputError
        A problem in the ranges file (file, row and field), or no ranges at all.
    """
    source = ranges if ranges is not None else dataset_folder(tables)
    checked = read_ranges(source, tables, extra)
    if checked.file is None:
        where = source if source is not None else "the dataset"
        raise InputError(Problem(str(Path(where) / RANGES_FILE) if source is not None else where,
                                 None, None, "no ranges.csv: nothing to sample (give --ranges "
                                 "FILE, docs/uncertainty.md says how to write one)"))
    dated = scenario.horizon.start is not None
    t = checked.table
    effect = t["effect_dated" if dated else "effect_static"]
    held = t.iloc[0:0]
    if mode == "warm":
        held = t[(effect == "structure") & (t["low"] < t["high"])]
        t = t[effect != "structure"]
    space = FactorSpace.from_ranges(Ranges(t.reset_index(drop=True), checked.file), dated=dated)
    if space.n_dimensions == 0:
        raise InputError(Problem(checked.file, None, None, "no ranged number the model reads "
                                 "in this run (every range is fixed, or on a number the model "
                                 "does not read)"))
    return checked, space, held


def draw(space: FactorSpace, n: int, method: str = "lhs", seed: int = 0) -> SampleSet:
    """``n`` seeded samples: Latin hypercube (``lhs``) or scrambled Sobol (``sobol``)."""
    return (latin_hypercube if method == "lhs" else sobol_sequence)(space, n, seed)


class _Evaluator:
    """Solves samples (rows of factor values) warm on kept models, or rebuilt."""

    def __init__(self, tables: InputTables, scenario: Scenario, options: RunOptions,
                 space: FactorSpace, mode: str, progress):
        self.tables, self.scenario, self.options = tables, scenario, options
        self.space, self.mode = space, mode
        self.models = kept_models(tables, scenario, options, space, progress) \
            if mode == "warm" else []
        self.names = ["scenario", "baseline"] if scenario.has_disruptions else ["scenario"]
        self.seconds = 0.0
        self.solves = 0

    def __call__(self, values: np.ndarray) -> dict[str, dict[str, float] | str]:
        """Measures per model name, or the termination that stopped a model."""
        t0 = time.perf_counter()
        out: dict = {}
        if self.mode == "warm":
            for kept in self.models:
                try:
                    out[kept.name] = kept.solve(values)
                except SolverError as err:
                    out[kept.name] = err.summary.termination
        else:
            f = self.space.factors
            sample = {(a, b, c): float(v) for a, b, c, v in
                      zip(f["table"], f["key"], f["field"], values)}
            try:
                out = rebuilt_measures(apply_sample(self.tables, sample), self.scenario,
                                       self.options)
            except SolverError as err:
                out = {n: err.summary.termination for n in self.names}
        self.seconds += time.perf_counter() - t0
        self.solves += 1
        return out

    def many(self, values: np.ndarray, on_each=None) -> list[dict]:
        """Each row's measures, in order; ``on_each(done)`` after each row."""
        out = []
        for k, v in enumerate(np.atleast_2d(values)):
            out.append(self(v))
            if on_each is not None:
                on_each(k + 1)
        return out


def uncertainty(dataset: InputTables, scenario: Scenario | None = None,
                options: RunOptions | None = None, *, samples: int = 200, method: str = "lhs",
                seed: int = 0, ranges: Path | str | None = None, sensitivity: str = "morris",
                screen: int = 12, trajectories: int = 10, mode: str = "warm",
                workers: int = 1, client=None, scheduler: str | None = None,
                out: Path | str | None = None, resume: bool = False, protected=None,
                on_progress=None) -> UncertaintyResult:
    """Sample the dataset's ranges and solve each sample: bands of the headline numbers.

    Parameters
    ----------
    dataset : InputTables
        Checked tables (:func:`borderflow.load_dataset`); their values are the point.
    scenario : Scenario, optional
        Default: the baseline (annual-average day). A scenario that disrupts is solved with
        its undisrupted baseline for every sample, on the same route set, and the increase
        (scenario minus baseline) is banded sample by sample.
    options : RunOptions, optional
        Route and solver options (rolling windows are not used for samples).
    samples : int
        Samples drawn (Sobol: rounded up to a power of two, said in ``method``).
    method : {"lhs", "sobol"}
    seed : int
        Seed of the design: the same seed gives the same samples and results.
    ranges : path, optional
        A ranges file or folder (default: ``ranges.csv`` of the dataset's folder).
    sensitivity : {"morris", "oat", "sobol", "none"}
        Which inputs drive the headline number (:mod:`borderflow.uncertainty.screening`).
    screen : int
        Dimensions kept for the sensitivity design, those most rank-correlated with the
        headline number over the samples (0: every dimension).
    trajectories : int
        Morris trajectories.
    mode : {"warm", "rebuild"}
        Warm re-solves on the kept model, or every sample rebuilt (slow; the reference).
    workers : int
        1: solve in this process; more: a Dask LocalCluster of that many single-threaded
        worker processes, each keeping its own models (:mod:`borderflow.uncertainty.
        distributed`; the same results as one process).
    client, scheduler : optional
        A Dask client, or a scheduler's address, to use instead of a LocalCluster.
    out : path, optional
        Write the uncertainty folder here (claimed before solving, kind ``uncertainty``:
        absent, empty or an uncertainty folder borderflow wrote). Samples are written in
        chunks as they are solved (``solved_samples/``, :mod:`borderflow.uncertainty.chunks`)
        so that an interrupted run can be resumed; the finished folder holds the tables only.
    resume : bool
        Keep the chunks already solved in ``out`` for the same design, inputs and scenario
        (another seed, samples, ranges or scenario: nothing is kept). The folder is
        byte-identical to an uninterrupted run's.
    protected : pairs (option, path), optional
        Inputs ``out`` may not be, hold or be inside (``[("--data", folder)]``).
    on_progress : callable, optional
        ``(stage, done, total, message)``; stage ``samples`` counts solved samples.

    Returns
    -------
    UncertaintyResult

    Raises
    ------
    InputError
        Bad options (named), a ranges problem (file, row, field), no ranges; ``out`` refused
        (another kind of folder, files borderflow did not write, an input).
    """
    dataset = dataset.copy()  # a snapshot: tables edited in place later do not reach cached rules
    progress = on_progress or (lambda *a, **k: None)
    check_request(samples, method, seed, sensitivity, mode, screen, trajectories)
    options, why = for_optimum(options or RunOptions(), "uncertainty (bands around the optimum)")
    scenario = scenario if scenario is not None else Scenario(name="baseline")
    if scenario.horizon.start is not None:
        progress("samples", None, None, f"dispatch foresight: {why}")
    checked, space, held = sample_space(dataset, scenario, ranges, mode=mode)
    design = draw(space, samples, method, seed)
    args = (dataset, scenario, options, checked, space, held, design, mode, seed, sensitivity,
            screen, trajectories, progress)
    if out is None:
        return _reasoned(_solve(args, workers, client, scheduler, None), scenario, why)
    from borderflow.runfolder import check_target, claim

    with claim(out, KIND, protected=protected, volatile={}) as target:
        # a finished folder stays whole until the new one replaces it (as a sweep's)
        in_place = resume or check_target(out, KIND) != "ours"
        chunks = None
        if in_place:
            chunks = (target.open_in_place() / SAMPLES_DIR,
                      _fingerprint(dataset, scenario, options, checked, space, design, mode,
                                   seed), resume)
        result = _reasoned(_solve(args, workers, client, scheduler, chunks), scenario, why)
        result.write(target, progress)
    return result


def _reasoned(result: UncertaintyResult, scenario: Scenario, why: str) -> UncertaintyResult:
    """``result`` whose metadata (``uncertainty.json``) says, for a dated scenario, why its
    samples are solved with perfect foresight (``dispatch_reason``)."""
    if scenario.horizon.start is not None:
        result.metadata["dispatch_reason"] = why
    return result


def _fingerprint(dataset, scenario, options, checked, space, design, mode, seed) -> dict:
    """What a resumed run must share with the chunks it keeps (``design.json``)."""
    return {"kind": KIND, "samples": int(len(design)), "method": design.method,
            "seed": int(seed), "mode": mode, "ranges_sha256": _sha256(checked.file),
            "dimensions": int(space.n_dimensions), "factors": int(space.n_factors),
            "design_sha256": design_sha256(design.values),
            "input_sha256": dict(dataset.checksums),
            "scenario": scenario.model_dump(mode="json", by_alias=True),
            "options": options.recorded()}


def _solve(args: tuple, workers: int, client, scheduler, chunks) -> UncertaintyResult:
    """Solve locally or on Dask (``chunks``: ``(folder, fingerprint, resume)`` or None)."""
    dataset, scenario, options, _, space, _, _, mode, *_, progress = args
    if workers > 1 or client is not None or scheduler is not None:
        from borderflow.sweeps.runner import dask_client

        from .distributed import DaskEvaluator

        progress("workers", None, None, f"starting {workers} Dask worker(s)")
        with dask_client(client, workers, scheduler) as c:
            n_workers = max(1, len(c.scheduler_info().get("workers", {})) or workers)
            evaluate = DaskEvaluator(c, (dataset, scenario, options, space, mode), n_workers)
            return _uncertainty(*args, evaluate, chunks)
    evaluate = _Evaluator(dataset, scenario, options, space, mode, progress)
    return _uncertainty(*args, evaluate, chunks)


def _uncertainty(dataset, scenario, options, checked, space, held, design, mode, seed,
                 sensitivity, screen, trajectories, progress, evaluate,
                 chunks) -> UncertaintyResult:
    """The samples solved by ``evaluate`` (local or on Dask; in chunks written to a folder
    when ``chunks`` is ``(folder, fingerprint, resume)``), then bands and sensitivity."""
    point = evaluate(space.point()[0])
    n = len(design)
    progress("samples", 0, n, f"solving {n:,} samples ({mode})")
    t0 = time.perf_counter()
    folder, fingerprint, resume = chunks if chunks is not None else (None, {}, False)
    results, _, solved = solve_in_chunks(design.values, evaluate, folder, fingerprint, resume,
                                         progress, f"{KIND}:chunk")
    per_sample = (time.perf_counter() - t0) / max(solved, 1)
    banded = results[~results["measure"].isin(ROUTING_MEASURES)]
    summary = pd.concat([quantile_table(g, point.get(name) if isinstance(point.get(name), dict)
                                        else None).assign(scenario=name)
                         for name, g in banded.groupby("scenario", sort=False)],
                        ignore_index=True)
    summary = summary[["scenario", *[c for c in summary.columns if c != "scenario"]]]
    increase = None
    if scenario.has_disruptions:
        diff = paired_increase(results.dropna(subset=["value"]), "scenario", "baseline")
        point_diff = {} if not all(isinstance(point.get(k), dict) for k in evaluate.names) else \
            {re.sub(r"_(usd|t)$", r"_increase_\1", k): point["scenario"][k] - point["baseline"][k]
             for k in ("cost_usd", "unserved_t", "spoiled_t")}
        increase = quantile_table(diff, point_diff)
    sens = sensitivity_analysis(sensitivity, space, design, results, evaluate, seed=seed,
                                screen=screen, trajectories=trajectories,
                                target="cost_increase_usd" if increase is not None
                                else "cost_usd", on_progress=progress)
    meta = {**provenance(dataset, scenario, options), "versions": library_versions(),
            "samples": int(n), "method": design.method, "seed": int(seed), "mode": mode,
            "route_set": ROUTE_SET[mode, space.dated],
            "routing": routing_summary(results),
            "ranges_file": _shown(checked.file, dataset),
            "ranges_sha256": _sha256(checked.file),
            "dimensions": space.n_dimensions, "factors": space.n_factors,
            "held_structural": held[["table", "key", "field"]].to_dict("records"),
            "sensitivity": sens.meta}
    return UncertaintyResult(scenario=scenario, samples=design, results=results,
                             summary=summary, increase=increase, sensitivity=sens.tables,
                             tornado=sens.tornado, metadata=meta,
                             seconds_per_sample=per_sample, dated=space.dated)


def _shown(file: str | None, dataset: InputTables) -> str | None:
    """The ranges file as ``uncertainty.json`` and ``summary.txt`` name it, naming no folder
    of this machine (:func:`borderflow.provenance.shared_path`)."""
    return None if file is None else shared_path(file, dataset)


def _sha256(file: str | None) -> str | None:
    if file is None or not Path(file).is_file():
        return None
    return hashlib.sha256(Path(file).read_bytes()).hexdigest()
