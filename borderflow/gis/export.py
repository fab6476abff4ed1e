"""Export a run folder, or a whole sweep, as GIS layers (``borderflow export``)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from borderflow.io import read_run

from .dictionary import CRS
from .layers import LAYERS, run_layers
from .runs import load_run
from .writers import write_layers


def default_out(run_dir: Path | str, fmt: str) -> Path:
    """Default export path: ``<run>/<run>.gpkg``, or the folder ``<run>/gis-<fmt>/``."""
    run_dir = Path(run_dir)
    return run_dir / f"{run_dir.name}.gpkg" if fmt == "gpkg" else run_dir / f"gis-{fmt}"


def export_run(run_dir: Path | str, out_path: Path | str | None = None, fmt: str = "gpkg",
               baseline: Path | str | None = None, data: Path | str | None = None,
               overlays=()) -> list[Path]:
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

    Returns
    -------
    list of Path
    """
    run = load_run(run_dir, data, overlays)
    base = read_run(baseline) if baseline is not None else None
    return write_layers(run_layers(run, base), out_path or default_out(run_dir, fmt), fmt)


def export_sweep(run_dirs: dict[str, Path], out_path: Path | str, fmt: str = "gpkg",
                 data: Path | str | None = None) -> list[Path]:
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

    Returns
    -------
    list of Path
    """
    stacked: dict[str, list[gpd.GeoDataFrame]] = {name: [] for name in LAYERS}
    for scenario in sorted(run_dirs):
        layers = run_layers(load_run(run_dirs[scenario], data))
        for name, gdf in layers.items():
            stacked[name].append(gdf.assign(scenario=scenario)[
                ["scenario", *[c for c in gdf.columns]]])
    out = {name: gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=CRS)
           for name, parts in stacked.items() if parts}
    return write_layers(out, out_path, fmt)


def export_folder(folder: Path | str, out_path: Path | str | None = None, fmt: str = "gpkg",
                  baseline: Path | str | None = None,
                  data: Path | str | None = None) -> list[Path]:
    """Export a run folder (:func:`export_run`) or a sweep folder (:func:`export_sweep`: every
    scenario solved to optimality, with a ``scenario`` column), whichever ``folder`` is.

    Parameters
    ----------
    folder : path
        A run folder or a sweep folder.
    out_path : path, optional
        Output file (gpkg) or folder (other formats); default :func:`default_out`.
    fmt : {"gpkg", "geoparquet", "geojson", "shp"}
    baseline : path, optional
        Baseline run folder (runs only): adds baseline values and deltas.
    data : path, optional
        Dataset folder (default: from each run's ``run.json``).

    Returns
    -------
    list of Path
        The files written.
    """
    from borderflow.sweeps.partitions import solved_partitions

    sweep_runs = solved_partitions(folder)
    if sweep_runs is not None:
        return export_sweep(sweep_runs, out_path or default_out(folder, fmt), fmt, data=data)
    return export_run(folder, out_path, fmt, baseline=baseline, data=data)
