"""The workbench's one door into borderflow: every call the app makes into the model is here.

Nothing else in :mod:`borderflow.app` imports borderflow's modelling, I/O or GIS code, so moving
the app onto the public Python API (issue 16: ``bf.load_dataset``, ``bf.Scenario.from_yaml``,
``bf.solve(..., on_progress=)``, ``Result.write / .map / .export``, ``bf.read_result``,
``bf.verify_run``) rewrites this module only. Until that API lands it is built on today's
functions, the same ones ``borderflow solve --gis`` calls, in the same order:

========================  ====================================================================
app needs                 today's function (-> the API's)
========================  ====================================================================
dataset                   ``pipeline.load_dataset`` (-> ``bf.load_dataset``)
scenario from YAML        ``data.scenario.load_scenarios`` + ``Catalog`` (-> ``Scenario.from_yaml``)
solve                     ``pipeline.run_scenario``, ``has_disruptions``,
                          ``solve_counterfactual``, ``compare.compare``,
                          ``verify.verify_solved`` (-> ``bf.solve`` with its baseline,
                          comparison and verification)
run folder                ``io.write_run`` (+ ``gis.write_layers`` as ``--gis``; the baseline's
                          own run folder in ``<run>/baseline``) (-> ``Result.write``)
narrative                 ``narrative.story`` (-> ``Result.story``)
reading a run             ``io.read_run``, ``io.read_metadata`` (-> ``bf.read_result``)
layers, exports, PNG      ``gis.load_run``, ``gis.run_layers``, ``gis.export_run``,
                          ``maps.flow_map_png`` (-> ``Result.export``, ``Result.map``)
verification              ``verify.verify_run`` (-> ``bf.verify_run``)
sweep folders             ``sweep.solved_partitions``, ``sweep.PLAN`` / ``TABLES``
========================  ====================================================================

Progress: ``on_progress(stage, done, total, message)`` is called at each stage boundary (the API
will report finer stages from inside the solve; the signature is the API's).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from borderflow.data.errors import InputError, Problem
from borderflow.solvers.highs import SolverError

__all__ = [
    "BASELINE_FOLDER",
    "RESULT_TABLES",
    "STAGES",
    "InputError",
    "Problem",
    "SolverError",
    "catalog_frames",
    "check_scenario",
    "export",
    "is_run",
    "is_sweep",
    "load",
    "map_png",
    "network_frames",
    "read_metadata",
    "read_results",
    "read_table",
    "result_layers",
    "same_inputs",
    "scenario_yaml",
    "solve_to_folder",
    "story",
    "sweep_partitions",
    "sweep_tables",
    "verify",
]

#: stages reported by :func:`solve_to_folder`, in order
STAGES = ("dataset", "scenario", "baseline", "compare", "verify", "write", "gis")
#: the baseline's own run folder inside a run folder with disruptions
BASELINE_FOLDER = "baseline"
Progress = Callable[[str, int, int, str], None]


def load(data: Path | str | None = None, overlays=()):
    """The checked dataset (embedded by default); raises :class:`InputError` on a bad row."""
    from borderflow.pipeline import load_dataset

    return load_dataset(data, overlays)


def catalog_frames(tables) -> dict[str, pd.DataFrame]:
    """The dataset's tables the page lists and hovers: ``crossings``, ``products``, ``nodes``,
    ``links``, ``supply`` (input rows with their source, year and quality)."""
    return {"crossings": tables.crossings, "products": tables.products, "nodes": tables.nodes,
            "links": tables.links, "supply": tables.supply}


def network_frames(tables) -> dict:
    """Geometry of the dataset's network: GeoDataFrames ``nodes``, ``links``, ``crossings``
    (EPSG:4326) and ``countries`` (the Natural Earth basemap the maps use)."""
    from borderflow.data.basemap import load_countries
    from borderflow.model.network import build_network

    net = build_network(tables)
    return {"nodes": net.nodes, "links": net.links, "crossings": net.crossings,
            "countries": load_countries()}


def check_scenario(text: str, filename: str, tables):
    """Validate scenario YAML exactly as ``borderflow solve --scenario FILE`` does.

    The text is read from a temporary file named ``filename`` by the same loader and checked
    against the dataset's ids; messages name ``filename`` (not the temporary path), so the page
    shows the CLI's one-line error.

    Parameters
    ----------
    text : str
        YAML text (already size-limited and decoded by the caller).
    filename : str
        Name shown in messages (a plain file name).
    tables : InputTables

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
    """
    from borderflow.data.scenario import Catalog, load_scenarios

    with tempfile.TemporaryDirectory(prefix="borderflow-app-") as tmp:
        path = Path(tmp) / filename
        path.write_text(text, encoding="utf-8")
        try:
            scenarios = load_scenarios(path, Catalog.of(tables))
        except InputError as err:
            raise InputError([_renamed(p, str(path), filename) for p in err.problems]) from None
    if len(scenarios) != 1:
        raise InputError(Problem(filename, None, "scenarios", f"holds {len(scenarios)} "
                                 "scenarios; use 'borderflow sweep' for several"))
    return scenarios[0]


def _renamed(problem: Problem, shown: str, filename: str) -> Problem:
    """``problem`` with the temporary file's path replaced by the name the user knows."""
    from borderflow.data.errors import display_path

    names = {shown, display_path(shown)}
    if problem.file in names:
        return dataclasses.replace(problem, file=filename)
    return problem


def scenario_yaml(scenario) -> str:
    """A scenario as YAML (what ``run.json`` records, without defaults)."""
    doc = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=None)


def solve_to_folder(tables, scenario, out: Path, on_progress: Progress | None = None,
                    yaml_text: str | None = None) -> dict:
    """Solve a scenario and write its run folder as ``borderflow solve --gis`` does.

    The folder holds the result tables, ``summary.json``, ``run.json``, the comparison with the
    undisrupted baseline and ``verification.csv`` (written atomically by the run-folder writer),
    the GeoPackage ``<out>/<name>.gpkg`` (with deltas against the baseline), the scenario as
    ``scenario.yaml`` and, for a scenario with disruptions, the baseline's own run folder in
    ``<out>/baseline``.

    Parameters
    ----------
    tables : InputTables
    scenario : Scenario
    out : Path
        Run folder to write (the caller checked it is safe to write).
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)``.
    yaml_text : str, optional
        The scenario as the user wrote it (kept as ``scenario.yaml``).

    Returns
    -------
    dict
        The run's ``summary.json``.

    Raises
    ------
    InputError, SolverError
    """
    from borderflow.compare import compare
    from borderflow.gis import default_out, run_data, run_layers, write_layers
    from borderflow.io import write_run
    from borderflow.pipeline import (
        RunOptions,
        counterfactual,
        has_disruptions,
        run_scenario,
        solve_counterfactual,
    )
    from borderflow.verify import REPORT_TABLE, verify_solved

    total = len(STAGES)

    def tell(stage: str, message: str) -> None:
        if on_progress is not None:
            on_progress(stage, STAGES.index(stage), total, message)

    tell("scenario", f"building and solving '{scenario.name}' (network, routes, model, HiGHS)")
    run = run_scenario(tables, scenario, RunOptions())
    diff = base = None
    if has_disruptions(scenario):
        tell("baseline", "solving the undisrupted baseline (warm re-solve)")
        base = solve_counterfactual(run)
        tell("compare", "comparing with the baseline")
        diff = compare(base, run.results)
    tell("verify", "verifying the solution independently")
    report = verify_solved(run)
    tell("write", f"writing the run folder {out.name}")
    meta = run.metadata()
    write_run(out, run.results, meta, extra={**(diff or {}), REPORT_TABLE: report})
    if base is not None:
        base_meta = {**meta, "scenario": counterfactual(scenario).model_dump(
            mode="json", by_alias=True), "baseline_of": scenario.name}
        write_run(out / BASELINE_FOLDER, base, base_meta)
    (out / "scenario.yaml").write_text(yaml_text or scenario_yaml(scenario), encoding="utf-8")
    tell("gis", "writing the GeoPackage")
    write_layers(run_layers(run_data(run), base), default_out(out, "gpkg"))
    return run.results.summary


# ---- reading run folders ---------------------------------------------------------------------
#: tables a run folder may hold beyond the result tables (comparison and verification)
RESULT_TABLES = ("crossing_changes", "product_changes", "cost_changes",
                 "daily_crossing_changes", "rerouted", "verification")


def is_run(folder: Path) -> bool:
    """True if ``folder`` is a run folder (it has ``summary.json``)."""
    from borderflow.io import SUMMARY

    return (folder / SUMMARY).is_file()


def is_sweep(folder: Path) -> bool:
    """True if ``folder`` is a sweep folder (``plan.json`` and scenario partitions)."""
    from borderflow.sweep import PARTITIONS, PLAN

    return (folder / PLAN).is_file() and (folder / PARTITIONS).is_dir()


def read_results(run_dir: Path):
    """A run folder's result tables (:class:`ResultTables`: ``summary`` and tables)."""
    from borderflow.io import read_run

    return read_run(run_dir)


def read_metadata(run_dir: Path) -> dict:
    """A run folder's ``run.json``."""
    from borderflow.io import read_metadata as read

    return read(run_dir)


def same_inputs(run_dir: Path, tables) -> bool:
    """True if a run folder was solved on exactly these input files (its ``run.json``
    checksums are the dataset's)."""
    try:
        recorded = read_metadata(run_dir).get("input_sha256", {})
    except (OSError, ValueError):
        return False
    return bool(recorded) and recorded == dict(tables.checksums)


def read_table(folder: Path, name: str) -> pd.DataFrame | None:
    """One table of a run or sweep folder (its parquet file), ``None`` if absent."""
    path = folder / f"{name}.parquet"
    return pd.read_parquet(path) if path.is_file() else None


def story(results, diff: dict | None) -> list[str]:
    """The run's narrative, the sentences the CLI prints."""
    from borderflow.narrative import story as tell

    return tell(results, diff)


def result_layers(run_dir: Path, data: Path | str | None = None, overlays=()) -> dict:
    """The GIS layers of a run (per day, with baseline values and deltas when the run has a
    baseline): read from its GeoPackage if the app or ``solve --gis`` wrote one, else built
    from the run folder and its dataset (``borderflow export`` does the same)."""
    from borderflow.gis import default_out, load_run, run_layers

    gpkg = default_out(run_dir, "gpkg")
    if gpkg.is_file():
        import pyogrio

        return {name: pyogrio.read_dataframe(gpkg, layer=name)
                for name in ("links", "crossings")}
    base_dir = run_dir / BASELINE_FOLDER
    base = read_results(base_dir) if is_run(base_dir) else None
    return run_layers(load_run(run_dir, data, overlays), base)


def export(run_dir: Path, fmt: str, data: Path | str | None = None) -> list[Path]:
    """Export a run (or a sweep) as GIS layers where ``borderflow export`` puts them (inside
    the folder); with the run's baseline folder, deltas included."""
    from borderflow.gis import default_out, export_run, export_sweep
    from borderflow.sweep import solved_partitions

    out = default_out(run_dir, fmt)
    if fmt == "gpkg" and out.is_file():
        return [out]
    runs = solved_partitions(run_dir)
    if runs is not None:
        return export_sweep(runs, out, fmt, data=data)
    base_dir = run_dir / BASELINE_FOLDER
    return export_run(run_dir, out, fmt, baseline=base_dir if is_run(base_dir) else None,
                      data=data)


def map_png(run_dir: Path, data: Path | str | None = None) -> Path:
    """The run's static map as ``<run>/map.png`` (``borderflow map``'s default), with what
    moved against the baseline when the run has one."""
    from borderflow.gis import load_run
    from borderflow.maps import flow_map_png

    out = run_dir / "map.png"
    if not out.is_file():
        base_dir = run_dir / BASELINE_FOLDER
        base = read_results(base_dir) if is_run(base_dir) else None
        flow_map_png(load_run(run_dir, data), out, baseline=base)
    return out


def verify(run_dir: Path, data: Path | str | None = None) -> pd.DataFrame:
    """Re-check a run folder's solution from its tables alone (``borderflow verify``)."""
    from borderflow.verify import verify_run

    return verify_run(run_dir, data)


def sweep_partitions(folder: Path) -> dict[str, Path]:
    """Scenario name -> run folder of every optimal scenario of a sweep folder."""
    from borderflow.sweep import solved_partitions

    return solved_partitions(folder) or {}


def sweep_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The analysis tables of a sweep folder (those present): ``comparison``, ``criticality``,
    ``capacity_value``, ``investment_ranking`` ..."""
    from borderflow.sweep import TABLES

    return {name: df for name in TABLES if (df := read_table(folder, name)) is not None}
