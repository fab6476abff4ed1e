"""Export a run folder, or a whole sweep, as GIS layers (``borderflow export``).

A dated run also gets ``crossings_daily`` (one point per crossing and day, with a date and a
time field QGIS's temporal controller plays); a sweep's layers carry a ``scenario`` column and,
for every scenario compared with a baseline, the baseline's values and the deltas.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from borderflow.io import read_run

from .dictionary import CRS
from .layers import LAYERS, run_layers, with_daily
from .levers import with_levers
from .runs import load_run
from .writers import write_layers


def _quiet(stage: str, done=None, total=None, message: str = "") -> None:
    """A progress callback that reports nothing."""


def default_out(run_dir: Path | str, fmt: str) -> Path:
    """Default export path: ``<run>/<run>.gpkg``, or the folder ``<run>/gis-<fmt>/``."""
    run_dir = Path(run_dir)
    return run_dir / f"{run_dir.name}.gpkg" if fmt == "gpkg" else run_dir / f"gis-{fmt}"


def export_run(run_dir: Path | str, out_path: Path | str | None = None, fmt: str = "gpkg",
               baseline: Path | str | None = None, data: Path | str | None = None,
               overlays=(), on_progress=None) -> list[Path]:
    """Export a run folder's optimal flows as GIS layers (see :func:`write_layers`).

    Parameters
    ----------
    run_dir : path
        Run folder.
    out_path : path, optional
        Output file (gpkg) or folder (other formats); default :func:`default_out`.
    fmt : {"gpkg", "geoparquet", "geojson", "shp"}
    baseline : path, optional
        Baseline run folder: adds baseline values and deltas.
    data, overlays
        Dataset of the run (default: found from its ``run.json``).
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)``: ``read``, ``layers``, ``write``.

    Returns
    -------
    list of Path
    """
    progress = on_progress or _quiet
    progress("read", None, None, f"reading {run_dir} and rebuilding its network")
    run = load_run(run_dir, data, overlays)
    base = read_run(baseline) if baseline is not None else None
    progress("layers", None, None, "building the layers")
    layers = with_levers(run, with_daily(run, run_layers(run, base)))
    progress("write", None, None, f"writing {len(layers)} layers")
    return write_layers(layers, out_path or default_out(run_dir, fmt), fmt)


def _baselines(folder: Path) -> dict[str, str]:
    """Scenario -> its baseline's name, from a sweep folder's ``plan.json``."""
    from borderflow.sweeps.partitions import PLAN

    plan = json.loads((folder / PLAN).read_text(encoding="utf-8"))
    return {r["scenario"]: r["baseline"] for r in plan.get("scenarios", [])
            if r.get("baseline") and r["baseline"] != r["scenario"]}


def export_sweep(run_dirs: dict[str, Path], out_path: Path | str, fmt: str = "gpkg",
                 data: Path | str | None = None, baselines: dict[str, str] | None = None,
                 on_progress=None) -> list[Path]:
    """Export several runs (a sweep) as one layer set with a ``scenario`` column.

    Parameters
    ----------
    run_dirs : dict
        Scenario name -> run folder. The runs must share a dataset (geometry).
    out_path : path
        GeoPackage file (``gpkg``) or folder (other formats).
    fmt : {"gpkg", "geoparquet", "geojson", "shp"}
    data : path, optional
        Dataset folder (default: from each run's ``run.json``).
    baselines : dict, optional
        Scenario -> its baseline scenario (of ``run_dirs``): adds the baseline's values and the
        deltas (``base_t``, ``flow_delta_trucks`` ...) to that scenario's rows; a baseline's own
        rows and scenarios without one have them empty.
    on_progress : callable, optional
        ``on_progress("export", k, n, message)`` per scenario, then ``write``.

    Returns
    -------
    list of Path
    """
    progress = on_progress or _quiet
    baselines = baselines or {}
    stacked: dict[str, list[gpd.GeoDataFrame]] = {name: [] for name in LAYERS}
    names = sorted(run_dirs)
    for k, scenario in enumerate(names):
        progress("export", k, len(names), f"scenario {k + 1} of {len(names)}: {scenario}")
        base_name = baselines.get(scenario)
        base = read_run(run_dirs[base_name]) if base_name in run_dirs else None
        layers = run_layers(load_run(run_dirs[scenario], data), base)
        for name, gdf in layers.items():
            stacked[name].append(gdf.assign(scenario=scenario)[
                ["scenario", *[c for c in gdf.columns]]])
    out = {name: gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=CRS)
           for name, parts in stacked.items() if parts}
    progress("write", None, None, f"writing {len(out)} layers")
    return write_layers(out, out_path, fmt)


def export_folder(folder: Path | str, out_path: Path | str | None = None, fmt: str = "gpkg",
                  baseline: Path | str | None = None, data: Path | str | None = None,
                  overlays=(), on_progress=None) -> list[Path]:
    """Export a run folder (:func:`export_run`) or a sweep folder (:func:`export_sweep`: every
    scenario solved to optimality, with a ``scenario`` column and deltas against its
    baseline), whichever ``folder`` is.

    Parameters
    ----------
    folder : path
        A run folder or a sweep folder.
    out_path : path, optional
        Output file (gpkg) or folder (other formats); default :func:`default_out`.
    fmt : {"gpkg", "geoparquet", "geojson", "shp"}
    baseline : path, optional
        Baseline run folder (runs only): adds baseline values and deltas.
    data, overlays : path, optional
        Dataset folder and overlays (default: from each run's ``run.json``).
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)``.

    Returns
    -------
    list of Path
        The files written.
    """
    from borderflow.sweeps.partitions import solved_partitions

    sweep_runs = solved_partitions(folder)
    if sweep_runs is not None:
        return export_sweep(sweep_runs, out_path or default_out(folder, fmt), fmt, data=data,
                            baselines=_baselines(Path(folder)), on_progress=on_progress)
    return export_run(folder, out_path, fmt, baseline=baseline, data=data, overlays=overlays,
                      on_progress=on_progress)
