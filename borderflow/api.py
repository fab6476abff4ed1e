"""The public Python API: solve a scenario and get one :class:`Result` back.

::

    import borderflow as bf

    ds = bf.load_dataset()                                  # checked tables
    sc = bf.Scenario.closing(["boten-mohan"])               # or bf.Scenario.from_yaml(path, ds)
    res = bf.solve(ds, sc)                                  # scenario, baseline, comparison
    res.summary["objective_usd"], res.tables["crossings"], res.comparison["cost_changes"]
    res.write("runs/no-boten")                              # the run folder the CLI writes
    again = bf.read_result("runs/no-boten")

:func:`solve` is the one path through the workflow: load (the caller) -> network and routes ->
model -> HiGHS (at once, or window by window) -> result tables -> the undisrupted baseline by a
warm re-solve (when the scenario disrupts) -> comparison -> independent verification. The CLI,
the notebooks and the app call it; sweeps and robust plans share its stages
(:mod:`borderflow.pipeline`). Results are new objects: the baseline's re-solve leaves the
scenario's tables as they were, and nothing in a :class:`Result` refers to the model.

(Over 500 lines: the public API is one page an analyst reads top to bottom, the
:class:`Result` with its documented accessors, :func:`solve`, :func:`read_result` and
:func:`folder_kind`; split, a reader would hunt for the half they need.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from borderflow.compare import COMPARISON_TABLES
from borderflow.compare import compare as compare_tables
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import Scenario
from borderflow.io import (METADATA, SUMMARY, Contents, read_inputs, read_metadata, read_run,
                           read_table, run_contents, scenario_of, write_folder)
from borderflow.model.extend import ExtraConstraints
from borderflow.model.network import FreightNetwork, build_network
from borderflow.model.queue_results import solved_values
from borderflow.model.results import ResultTables
from borderflow.model.routes import RouteSet
from borderflow.model.summary import RunSummary
from borderflow.narrative import story
from borderflow.options import RunOptions
from borderflow.pipeline import Run, run_scenario, solve_baseline
from borderflow.runfolder import Claim
from borderflow.present.names import Names
from borderflow.present.numbers import Horizon, clean_summary
from borderflow import verify
from borderflow.verify import REPORT_TABLE, verification_summary

#: stages reported to ``on_progress(stage, done, total, message)``, in order: ``done`` and
#: ``total`` are numbers where the stage has steps (``solve``: rolling windows ``k`` of ``n``,
#: 0-based) and ``None`` otherwise
STAGES = ("load", "routes", "model", "solve", "pricing", "results", "baseline", "compare",
          "verify", "write")

#: the baseline's own run folder inside a run folder (:meth:`Result.write` with ``baseline``)
BASELINE_FOLDER = "baseline"

#: ``on_progress(stage, done, total, message)``
ProgressCallback = Callable[[str, "float | None", "float | None", str], None]


def _quiet(stage: str, done=None, total=None, message: str = "") -> None:
    """A progress callback that reports nothing."""


@dataclass(frozen=True, eq=False)
class SolvedRoutes:
    """The route set a scenario was solved over and its route flows at the solver's full
    precision: what code that builds on a solved plan reads (a robust plan books the
    undisrupted optimum, :func:`borderflow.robust_plan`). Kept by :func:`solve` with
    ``keep_routes=True`` as :attr:`Result.solved_routes`; values, never the model's variables.

    Attributes
    ----------
    routes : RouteSet
        The routes of the model, the generated columns included
        (:class:`~borderflow.model.routes.RouteSet`).
    flows : DataFrame
        One row per flow variable of the model, in its order (the model's flow index:
        ``route_id, product_id, origin, market, period, payload_t_per_truck, cost_usd_per_t,
        ...``) with ``flow_t``, the solved flow (t/day; zero flows included, solver noise
        below 0 clipped to 0). The ``route_flows`` table keeps only flows above 1e-7 t/day.
    """

    routes: RouteSet
    flows: pd.DataFrame


@dataclass(frozen=True, eq=False)
class Result:
    """One solved scenario: its tables, summary, baseline, comparison, story and checks.

    Made by :func:`solve` or read back by :func:`read_result`; never changed afterwards
    (derive a variant with :meth:`with_metadata`).

    Attributes
    ----------
    scenario : Scenario or None
        The scenario solved (``None`` for a run folder that records none).
    summary : dict
        Objective and its parts (USD over the run's periods), tonnes supplied, shipped,
        unserved and spoiled, trucks, solver status and statistics, and the verification
        outcome (``verified``, ``verification_checks``, ``verification_violations``): the
        fields of :class:`~borderflow.model.summary.RunSummary` (units: docs/api.md), as
        ``summary.json`` holds them (typed: :attr:`typed_summary`); numbers as quoted (solver
        noise removed, ten significant digits:
        :func:`borderflow.present.numbers.clean_summary`; the tables keep full precision),
        ``units`` saying whether amounts are per day or summed over a dated horizon.
    tables : Mapping[str, DataFrame]
        The result tables by name (:attr:`borderflow.model.results.ResultTables.TABLES`):
        ``route_flows``, ``flows``, ``crossings``, ``unserved``, ``products``, ``queues``,
        ``backlog``, ``spoilage``, ``route_arcs``, ``stream_queues``, ``initial_queues``.
    metadata : dict
        Provenance, as written to ``run.json``: inputs and their SHA-256, the scenario, the
        options asked for and in effect, versions.
    baseline : Result or None
        The undisrupted baseline when the scenario disrupts (a warm re-solve of the same
        model), or the baseline given to :func:`solve`; ``None`` otherwise.
    comparison : Mapping[str, DataFrame] or None
        Against the baseline (:func:`borderflow.compare.compare`): ``crossing_changes``,
        ``product_changes``, ``cost_changes``, ``daily_crossing_changes``, ``rerouted``.
    story : list of str
        A few sentences that say what happened (:func:`borderflow.narrative.story`).
    verification : DataFrame or None
        The independent checks of the solution (:func:`borderflow.verify.verify_results`):
        one row per check and entity. ``None`` for a baseline solved alongside a scenario
        (:meth:`verify` checks it on demand).
    folder : Path or None
        The run folder it was read from (:func:`read_result`).
    solved_routes : SolvedRoutes or None
        The scenario's route set and route flows at full precision, when :func:`solve` was
        asked to keep them (``keep_routes=True``); ``None`` otherwise and for a result read
        from a run folder.
    """

    scenario: Scenario | None
    summary: dict
    tables: Mapping[str, pd.DataFrame]
    metadata: dict
    baseline: Result | None = None
    comparison: Mapping[str, pd.DataFrame] | None = None
    story: list[str] = field(default_factory=list)
    verification: pd.DataFrame | None = None
    folder: Path | None = None
    solved_routes: SolvedRoutes | None = None
    _inputs: InputTables | None = field(default=None, repr=False)
    _net: FreightNetwork | None = field(default=None, repr=False)
    _data: tuple = field(default=(None, ()), repr=False)
    _raw: dict | None = field(default=None, repr=False)

    # ---- what the result was solved on (loaded on first use for a result read from disk)
    @property
    def dataset(self) -> InputTables:
        """The checked input tables the scenario was solved on (for a result read from a run
        folder: the inputs its ``run.json`` names, read on first use; a warning is logged for
        every input file that changed since)."""
        if self._inputs is None:
            if self.folder is None:
                raise ValueError("this result has no dataset (it was neither solved here nor "
                                 "read from a run folder)")
            data, overlays = self._data
            object.__setattr__(self, "_inputs",
                               read_inputs(self.folder, self.metadata, data, overlays,
                                           warn_changed=True))
        return self._inputs

    @property
    def network(self) -> FreightNetwork:
        """The scenario's network (geometry, calendars), built on first use if need be."""
        if self._net is None:
            object.__setattr__(self, "_net", build_network(self.dataset, self.scenario))
        return self._net

    @property
    def typed_summary(self) -> RunSummary:
        """:attr:`summary` as a :class:`~borderflow.model.summary.RunSummary` (attributes;
        ``RunSummary.unit(name)`` gives a field's unit)."""
        return RunSummary.from_dict(self.summary)

    @property
    def raw_summary(self) -> dict:
        """:attr:`summary` at the solver's full precision (a copy), for arithmetic on its
        numbers: differences of objectives, sums over runs (:attr:`summary` is rounded to ten
        significant digits, as quoted and as ``summary.json`` holds it). The same fields; for
        a result read from a run folder, :attr:`summary` itself (the folder keeps no more)."""
        return dict(self._raw if self._raw is not None else self.summary)

    @property
    def name(self) -> str:
        """The scenario's name (the run folder's name if it records none)."""
        default = self.folder.name if self.folder is not None else "run"
        return str(self.summary.get("scenario", default))

    def result_tables(self) -> ResultTables:
        """The tables and summary as a :class:`~borderflow.model.results.ResultTables` (new
        container, the same DataFrames): what the lower-level functions take."""
        return ResultTables(summary=dict(self.summary), **dict(self.tables))

    # ---- what one does with it
    def write(self, folder: Path | str | Claim, on_progress: ProgressCallback | None = None, *,
              baseline: bool = False, files: Mapping[str, str] | None = None,
              also: Callable[[Path], None] | None = None) -> Path:
        """Write the run folder: result tables (CSV and parquet), the comparison tables and
        ``verification`` if any, ``summary.json``, ``run.json``, the checksum manifest and the
        marker that makes it borderflow's; atomically (the folder is built beside and swapped
        into place, :func:`borderflow.io.write_folder`).

        Parameters
        ----------
        folder : path or Claim
            The run folder: absent, empty, or a run folder borderflow wrote (anything else is
            refused: borderflow never replaces what it did not write); or the
            :class:`~borderflow.runfolder.Claim` a caller took on it before solving.
        on_progress : callable, optional
            Told ``("write", None, None, message)``.
        baseline : bool
            Also write :attr:`baseline` as a run folder of its own, ``<folder>/baseline``
            (:data:`BASELINE_FOLDER`; its ``run.json`` records ``baseline_of``), in the same
            atomic write. :func:`read_result` reads it back as the result's baseline, so maps
            and exports of the folder show what moved against it.
        files : mapping, optional
            More text files to keep in the folder, file name -> UTF-8 text (e.g. the scenario
            as the user wrote it, ``{"scenario.yaml": text}``).
        also : callable, optional
            ``also(tmp)`` writes more files into the new folder before it is swapped in (a
            GeoPackage: ``borderflow solve --gis``).

        Returns
        -------
        Path
            The run folder.

        Raises
        ------
        OutputError
            The folder is refused, in use by another borderflow process, or the disk failed
            (the previous folder is then left as it was).
        ValueError
            If ``baseline`` is asked of a result that has none, or a file name is not a plain
            one.
        """
        folders = {}
        if baseline:
            if self.baseline is None:
                raise ValueError("this result has no baseline to write (its scenario does not "
                                 "disrupt and none was given)")
            folders[BASELINE_FOLDER] = self.baseline._contents(baseline_of=self.name)
        shown = folder.out if isinstance(folder, Claim) else folder
        (on_progress or _quiet)("write", None, None, f"writing {shown}")
        return write_folder(folder, *self._contents(), texts=dict(files or {}),
                            folders=folders, also=also)

    def _contents(self, **metadata) -> Contents:
        """What :meth:`write` puts in the run folder, with ``metadata`` added to ``run.json``."""
        extra = dict(self.comparison or {})
        if self.verification is not None:
            extra[REPORT_TABLE] = self.verification
        tables = self.result_tables()
        # summary.json as quoted (as solve makes it; a folder read back may be older)
        tables.summary = clean_summary(tables.summary)
        return run_contents(tables, {**self.metadata, **metadata}, extra)

    def verify(self) -> pd.DataFrame:
        """Check the solution independently of the model, again: for a result read from a run
        folder, the folder against its inputs (:func:`borderflow.verify.verify_run`, with the
        input checksums); else the tables against the dataset they were solved on.

        Returns
        -------
        DataFrame
            One row per check and entity: ``check, entity, amount, unit, tolerance, ok``.
        """
        if self.folder is not None:
            data, overlays = self._data
            return verify.verify_run(self.folder, data, overlays)
        return verify.verify_results(self.result_tables(), self.dataset, self.scenario,
                                     net=self.network)

    def map(self, png: Path | str | None = None, html: Path | str | None = None, *,
            baseline: Result | None = None,
            uncertainty: Path | str | None = None) -> list[Path]:
        """Draw the optimal flows: a static PNG (reports) and/or a self-contained HTML map.

        Parameters
        ----------
        png, html : path, optional
            Files to write (at least one).
        baseline : Result, optional
            Show what moved against it (default: :attr:`baseline`).
        uncertainty : path, optional
            A ``borderflow uncertainty`` folder: its headline tornado chart goes in the HTML
            map, in the popup of the crossings its scenario closes (else in the legend;
            :mod:`borderflow.uncertainty.map_chart`).

        Returns
        -------
        list of Path
            The files written.

        Raises
        ------
        InputError
            ``uncertainty`` is not a finished uncertainty folder with a tornado chart.
        """
        from functools import partial

        from borderflow.gis import run_data
        from borderflow.maps import flow_map_html, flow_map_png

        if png is None and html is None:
            raise ValueError("give png and/or html: the file(s) to write")
        if uncertainty is not None:
            from borderflow.uncertainty.map_chart import headline_chart

            flow_map_html = partial(flow_map_html, chart=headline_chart(uncertainty))
        base = baseline if baseline is not None else self.baseline
        base_tables = base.result_tables() if base is not None else None
        run = run_data(self)
        written = []
        for path, draw in ((png, flow_map_png), (html, flow_map_html)):
            if path is not None:
                written.append(draw(run, path, baseline=base_tables))
        return written

    def export(self, path: Path | str, fmt: str = "gpkg", *,
               baseline: Result | None = None) -> list[Path]:
        """Write the optimal flows as GIS layers with their data dictionary
        (:func:`borderflow.gis.write_layers`; a dated run adds ``crossings_daily``).

        Parameters
        ----------
        path : path
            The GeoPackage (``gpkg``), or a folder for ``geoparquet``, ``geojson``, ``shp``.
        fmt : {"gpkg", "geoparquet", "geojson", "shp"}
        baseline : Result, optional
            Adds baseline values and deltas (default: :attr:`baseline`).

        Returns
        -------
        list of Path
            The files written.
        """
        from borderflow.gis import write_layers

        return write_layers(self.layers(baseline=baseline), path, fmt)

    def layers(self, *, baseline: Result | None = None) -> dict:
        """The optimal flows as GIS layers in memory, as :meth:`export` writes them
        (:func:`borderflow.gis.run_layers`: ``nodes``, ``links``, ``crossings``, ``routes``,
        ``origins``, ``markets``, and ``crossings_daily`` for a dated run:
        :func:`borderflow.gis.with_daily`, and ``levers`` when the scenario has response levers,
        :func:`borderflow.gis.with_levers`; EPSG:4326; fields in docs/gis.md).

        Parameters
        ----------
        baseline : Result, optional
            Adds baseline values and deltas (``base_trucks``, ``flow_delta_trucks`` ...;
            default: :attr:`baseline`).

        Returns
        -------
        dict of str to GeoDataFrame
        """
        from borderflow.gis import run_data, run_layers, with_daily, with_levers

        base = baseline if baseline is not None else self.baseline
        run = run_data(self)
        return with_levers(run, with_daily(run, run_layers(
            run, base.result_tables() if base is not None else None)))

    def with_metadata(self, **fields) -> Result:
        """A copy whose ``run.json`` also records ``fields``."""
        return replace(self, metadata={**self.metadata, **fields})


def solve(dataset: InputTables, scenario: Scenario | None = None,
          options: RunOptions | None = None, on_progress: ProgressCallback | None = None, *,
          baseline: Result | None = None, compare: bool = True,
          extra_constraints: ExtraConstraints | None = None,
          keep_routes: bool = False) -> Result:
    """Solve a scenario, its baseline if it disrupts, compare them and verify the solution.

    Parameters
    ----------
    dataset : InputTables
        Checked tables (:func:`load_dataset`).
    scenario : Scenario, optional
        Default: the baseline (annual-average day, nothing closed).
    options : RunOptions, optional
        Default: ``RunOptions()`` (every default named there).
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)`` at each stage (:data:`STAGES`).
    baseline : Result, optional
        Compare with this result (e.g. :func:`read_result` of an earlier run) instead of
        solving the scenario's undisrupted baseline.
    compare : bool
        ``False``: solve and verify the scenario alone, with no baseline and no comparison
        (``Result.baseline`` and ``Result.comparison`` are ``None``), e.g. to compare several
        responses to one disruption with each other; the scenario's own tables, summary and
        checks are the same as with ``True``.
    extra_constraints : callable, optional
        ``extra(model, index)``: adds the analyst's own Pyomo constraints to the built model
        (e.g. at most 30 % of durian through Lang Son); the baseline re-solve keeps them.
        ``model`` is the Pyomo model, ``index`` its
        :class:`~borderflow.model.indices.IndexTables` (which variable is which route,
        product, gate and day). Contract and example: :mod:`borderflow.model.extend`,
        docs/api.md. ``run.json`` records it (``extra_constraints``).
    keep_routes : bool
        Keep the scenario's route set and its route flows at the solver's precision in
        :attr:`Result.solved_routes` (:class:`SolvedRoutes`; memory: the route set), for
        code that builds on the solved plan. The tables, summary and checks are the same.

    Returns
    -------
    Result
        With :attr:`Result.baseline` and :attr:`Result.comparison` when the scenario has
        disruptions (closures, throttles, builds, supply changes) or a baseline was given
        (unless ``compare=False``).

    Raises
    ------
    InputError
        If the scenario does not fit the dataset, or its model would not fit in memory.
    SolverError
        If HiGHS does not end optimal (infeasible: the message says what cannot be delivered
        and which gates stand in the way).
    """
    dataset = dataset.copy()  # a snapshot: tables edited in place later do not reach cached rules
    progress = on_progress or _quiet
    options = options or RunOptions()
    scenario = scenario if scenario is not None else Scenario()
    run = run_scenario(dataset, scenario, options, progress,
                       extra_constraints=extra_constraints)
    # read before the baseline's warm re-solve overwrites the model's values
    kept = _solved_routes(run) if keep_routes else None
    base_tables = None
    if not compare:
        baseline = None
    elif baseline is not None:
        base_tables = baseline.result_tables()
    elif scenario.has_disruptions:
        baseline = _baseline(run, progress)
        base_tables = baseline.result_tables()
    diff = None
    if base_tables is not None:
        progress("compare", None, None, "comparing with the baseline")
        diff = compare_tables(base_tables, run.results)
    progress("verify", None, None, "checking the solution independently")
    t0 = time.perf_counter()
    report = verify.verify_results(run.results, dataset, run.net.scenario, net=run.net)
    summary = replace(RunSummary.from_dict(run.results.summary),
                      **verification_summary(report),
                      verify_seconds=time.perf_counter() - t0).as_dict()
    summary["units"] = _units(summary, scenario)
    return Result(scenario=scenario, summary=clean_summary(summary),
                  tables=MappingProxyType(run.results.tables()),
                  metadata=run.metadata(scenario.source_file), baseline=baseline,
                  comparison=None if diff is None else MappingProxyType(diff),
                  story=story(run.results, diff,
                              product_names=Names.from_tables(dataset).products),
                  verification=report, solved_routes=kept, _inputs=dataset, _net=run.net,
                  _raw=summary)


def _solved_routes(run: Run) -> SolvedRoutes:
    """The run's routes and its route flows as solved (:class:`SolvedRoutes`)."""
    values = solved_values(run.built.model.route_flow, len(run.built.flows))
    flows = run.built.flows.assign(flow_t=np.clip(values, 0.0, None) + 0.0)
    return SolvedRoutes(routes=run.routes, flows=flows)


def _units(summary: dict, scenario: Scenario) -> str:
    """The summary's ``units``: per day for a static run, summed over the days for a dated
    one (:attr:`borderflow.present.numbers.Horizon.units_note`)."""
    horizon = Horizon.from_summary(summary, {"horizon": {"start": scenario.horizon.start}})
    return horizon.units_note


def _baseline(run: Run, progress: ProgressCallback) -> Result:
    """The undisrupted baseline of ``run`` as a :class:`Result` (warm re-solve)."""
    net, tables = solve_baseline(run, progress)
    metadata = {**run.metadata(), "scenario": net.scenario.model_dump(mode="json",
                                                                      by_alias=True)}
    summary = {**tables.summary, "units": _units(tables.summary, net.scenario)}
    return Result(scenario=net.scenario, summary=clean_summary(summary),
                  tables=MappingProxyType(tables.tables()), metadata=metadata,
                  story=story(tables), _inputs=run.tables, _net=net, _raw=summary)


def read_result(folder: Path | str, data: Path | str | None = None, overlays=()) -> Result:
    """Read a run folder (written by :meth:`Result.write` or the CLI) back into a Result.

    Parameters
    ----------
    folder : path
        The run folder.
    data, overlays : paths, optional
        The dataset the run was solved on (default: the inputs named in its ``run.json``,
        read only when needed: :attr:`Result.dataset`, maps, exports, :meth:`Result.verify`).

    Returns
    -------
    Result
        Tables, summary, metadata, scenario, the comparison tables and the verification
        report if the folder has them, the story retold from the tables; the baseline if the
        folder holds its run folder (``<folder>/baseline``, :meth:`Result.write` with
        ``baseline``), else none.

    Raises
    ------
    InputError
        If the folder is not a run folder.
    """
    folder = Path(folder)
    results = read_run(folder)
    meta = read_metadata(folder) if (folder / METADATA).exists() else {}
    diff = {name: read_table(folder, name) for name in COMPARISON_TABLES
            if (folder / f"{name}.parquet").exists()}
    report = read_table(folder, REPORT_TABLE) if (folder / f"{REPORT_TABLE}.parquet").exists() \
        else None
    base_dir = folder / BASELINE_FOLDER
    baseline = read_result(base_dir, data, overlays) if (base_dir / SUMMARY).is_file() else None
    return Result(scenario=scenario_of(meta), summary=dict(results.summary),
                  tables=MappingProxyType(results.tables()), metadata=meta, baseline=baseline,
                  comparison=MappingProxyType(diff) if diff else None,
                  story=story(results, diff or None), verification=report, folder=folder,
                  _data=(data, tuple(overlays)))


def folder_kind(folder: Path | str) -> str | None:
    """What a folder holds, told from its marker (:data:`borderflow.runfolder.KINDS`; cheap
    enough to list a runs folder): ``"run"`` for a run folder (:func:`read_result`),
    ``"sweep"`` for a sweep folder (:func:`borderflow.read_sweep`), ``"robust"`` for a robust
    plan (also one written before robust plans had their own kind, marked ``run``), and the
    marker's kind for the others. A folder without a marker (a run's baseline sub-folder, a
    folder of a borderflow before markers) is told from its file names: ``"run"`` with a
    ``summary.json``, ``"sweep"`` with ``plan.json`` and ``scenarios/``; ``None`` for anything
    else.

    Parameters
    ----------
    folder : path

    Returns
    -------
    str or None
    """
    from borderflow.runfolder import old_robust, read_marker
    from borderflow.sweeps.partitions import PARTITIONS, PLAN

    folder = Path(folder)
    marker = read_marker(folder)
    if marker is not None:
        return "robust" if marker["kind"] == "run" and old_robust(folder) else marker["kind"]
    if (folder / SUMMARY).is_file():
        return "run"
    if (folder / PLAN).is_file() and (folder / PARTITIONS).is_dir():
        return "sweep"
    return None
