"""The workbench's one door into borderflow: every call the app makes into the model is here,
and each is a call of the public Python API (docs/api.md).

Nothing else in :mod:`borderflow.app` imports borderflow's modelling, I/O or GIS code.

========================  ====================================================================
app needs                 public API
========================  ====================================================================
dataset                   ``bf.load_dataset``
scenario from YAML text   ``bf.Scenario.from_yaml_text`` (the checks and the one-line error of
                          ``Scenario.from_yaml``, i.e. of ``borderflow solve --scenario``)
solve                     ``bf.solve(..., on_progress=)``: scenario, undisrupted baseline,
                          comparison, verification
run folder                ``Result.write(out, baseline=True, files={"scenario.yaml": ...})``
                          (one atomic folder, the baseline's run folder in ``<out>/baseline``,
                          ``<name>.gpkg`` written into it before the swap as ``solve --gis``
                          does: ``Result.write(..., also=)``)
what a folder is          ``bf.folder_kind``
reading a run             ``bf.read_result`` (tables, summary, comparison, story, baseline)
layers, exports, PNG      ``Result.layers``, ``Result.export``, ``Result.map``; a sweep's
                          layers by ``borderflow.gis.export_folder`` (``borderflow export``)
verification              by ``bf.solve`` on every run (``summary.json``'s ``verified``)
sweep folders             ``bf.read_sweep`` (tables, ``runs()``)
network geometry          ``borderflow.model.network.build_network`` and the basemap's
                          ``load_countries`` (what ``borderflow data map`` draws)
========================  ====================================================================

Downloads the run folder does not hold (a GeoParquet, a PNG, the GeoPackage of a folder the CLI
wrote without ``--gis``) are written into a folder the app owns (``cache``), never into a run
or sweep folder after it was written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

import borderflow as bf
from borderflow.api import BASELINE_FOLDER

InputError = bf.InputError
SolverError = bf.SolverError


class FolderChanged(RuntimeError):
    """The run folder reserved for a run (empty) was changed by another program before the
    run was written: the app writes only into folders it created."""


__all__ = [
    "BASELINE_FOLDER",
    "STAGES",
    "FolderChanged",
    "InputError",
    "SolverError",
    "catalog_frames",
    "check_scenario",
    "export",
    "folder_kind",
    "load",
    "map_png",
    "network_frames",
    "read_result",
    "read_sweep",
    "result_layers",
    "run_summary",
    "same_inputs",
    "scenario_yaml",
    "solve_to_folder",
]

#: stages of a run the app reports, in order (the API's after loading, then the GeoPackage)
STAGES = (*bf.STAGES[1:], "gis")
#: the scenario as the user wrote it, kept in the run folder
SCENARIO_FILE = "scenario.yaml"
Progress = Callable[[str, float, int, str], None]


def load(data: Path | str | None = None, overlays=()) -> bf.InputTables:
    """The checked dataset (embedded by default); raises :class:`InputError` on a bad row."""
    return bf.load_dataset(data, overlays)


def catalog_frames(tables: bf.InputTables) -> dict[str, pd.DataFrame]:
    """The dataset's tables the page lists and hovers: ``crossings``, ``products``, ``nodes``,
    ``links``, ``supply`` (input rows with their source, year and quality)."""
    return {"crossings": tables.crossings, "products": tables.products, "nodes": tables.nodes,
            "links": tables.links, "supply": tables.supply}


def network_frames(tables: bf.InputTables) -> dict:
    """Geometry of the dataset's network: GeoDataFrames ``nodes``, ``links``, ``crossings``
    (EPSG:4326) and ``countries`` (the Natural Earth basemap the maps use)."""
    from borderflow.data.basemap import load_countries
    from borderflow.model.network import build_network

    net = build_network(tables)
    return {"nodes": net.nodes, "links": net.links, "crossings": net.crossings,
            "countries": load_countries()}


def check_scenario(text: str, filename: str, tables: bf.InputTables) -> bf.Scenario:
    """Validate scenario YAML exactly as ``borderflow solve --scenario FILE`` does.

    Parameters
    ----------
    text : str
        YAML text (already size-limited and decoded by the caller).
    filename : str
        Name shown in messages (a plain file name): the error is the line the CLI prints for
        a file of that name holding ``text``.
    tables : InputTables

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
    """
    return bf.Scenario.from_yaml_text(text, tables, name=filename)


def scenario_yaml(scenario: bf.Scenario) -> str:
    """A scenario as YAML (its fields without defaults)."""
    doc = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=None)


def solve_to_folder(tables: bf.InputTables, scenario: bf.Scenario, out: Path,
                    on_progress: Progress | None = None, yaml_text: str | None = None) -> dict:
    """Solve a scenario and write its run folder as ``borderflow solve --gis`` does, with the
    baseline's run folder and the scenario's text inside.

    ``out`` holds the result tables, ``summary.json``, ``run.json``, the comparison with the
    undisrupted baseline, ``verification.csv``, ``scenario.yaml`` and, for a scenario with
    disruptions, the baseline's run folder ``<out>/baseline`` (one atomic write by
    :meth:`Result.write`); then the GeoPackage ``<out>/<name>.gpkg`` with deltas.

    Parameters
    ----------
    tables : InputTables
    scenario : Scenario
    out : Path
        Run folder to write: a folder the app reserved for this run (empty) or nothing.
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)``: ``stage`` of :data:`STAGES`, ``done``
        its position (a fraction within the solve of a rolling horizon), ``total`` their
        number.
    yaml_text : str, optional
        The scenario as the user wrote it (kept as ``scenario.yaml``).

    Returns
    -------
    dict
        The run's summary.

    Raises
    ------
    InputError, SolverError
    FolderChanged
        If ``out`` is no longer empty (or absent) when the run is to be written.
    """
    from borderflow.gis import default_out

    total = len(STAGES)

    def tell(stage: str, done=None, steps=None, message: str = "") -> None:
        if on_progress is None or stage not in STAGES:
            return
        at = float(STAGES.index(stage))
        if done is not None and steps:
            at += float(done) / float(steps)
        on_progress(stage, at, total, message)

    res = bf.solve(tables, scenario, on_progress=tell)
    if out.is_symlink() or (out.exists() and (not out.is_dir() or any(out.iterdir()))):
        raise FolderChanged(f"run folder '{out.name}' was changed by another program while "
                            "the run was queued; nothing written")
    def gis(tmp: Path) -> None:  # inside the new folder: covered by its manifest
        tell("gis", message="writing the GeoPackage")
        res.export(tmp / default_out(out, "gpkg").relative_to(out))

    res.write(out, tell, baseline=res.baseline is not None,
              files={SCENARIO_FILE: yaml_text or scenario_yaml(scenario)}, also=gis)
    return res.summary


# ---- reading run and sweep folders -----------------------------------------------------------
def folder_kind(folder: Path) -> str | None:
    """``"run"``, ``"sweep"`` or ``None`` (from file names: cheap enough for listings)."""
    return bf.folder_kind(folder)


def run_summary(run_dir: Path) -> dict:
    """A run folder's ``summary.json`` alone (for listings; :func:`read_result` reads all)."""
    return json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))


def read_result(run_dir: Path, data: Path | str | None = None) -> bf.Result:
    """A run folder as a :class:`Result`: tables, summary, comparison, story, and the baseline
    when the folder holds its run folder."""
    return bf.read_result(run_dir, data)


def same_inputs(metadata: dict, tables: bf.InputTables) -> bool:
    """True if a run (its ``run.json``, :attr:`Result.metadata`) was solved on exactly these
    input files: its recorded checksums are the dataset's."""
    recorded = metadata.get("input_sha256", {})
    return bool(recorded) and recorded == dict(tables.checksums)


def result_layers(run_dir: Path, data: Path | str | None = None) -> dict:
    """The ``links`` and ``crossings`` layers of a run (per day, with baseline values and
    deltas when the run has a baseline): read from its GeoPackage if the app or ``solve --gis``
    wrote one, else built from the run folder and its dataset."""
    from borderflow.gis import default_out

    gpkg = default_out(run_dir, "gpkg")
    if gpkg.is_file():
        import pyogrio

        return {name: pyogrio.read_dataframe(gpkg, layer=name)
                for name in ("links", "crossings")}
    layers = read_result(run_dir, data).layers()
    return {name: layers[name] for name in ("links", "crossings")}


def export(folder: Path, fmt: str, cache: Path, data: Path | str | None = None) -> list[Path]:
    """A run (or a sweep) as GIS layers: the run folder's own GeoPackage if it has one, else
    written into ``cache`` (a folder the app owns) as ``borderflow export`` writes them; a
    run's layers carry deltas against its baseline when the folder holds one.

    Returns
    -------
    list of Path
        The files (one GeoPackage, or one file per layer and the data dictionary).
    """
    from borderflow.gis import default_out, export_folder

    own = default_out(folder, fmt)
    if fmt == "gpkg" and own.is_file():
        return [own]
    out = default_out(cache, fmt)
    if fmt == "gpkg" and out.is_file():
        return [out]
    if fmt != "gpkg" and out.is_dir():
        return sorted(p for p in out.iterdir() if p.is_file())
    if folder_kind(folder) == "sweep":
        return export_folder(folder, out, fmt, data=data)
    return read_result(folder, data).export(out, fmt)


def map_png(run_dir: Path, cache: Path, data: Path | str | None = None) -> Path:
    """The run's static map (``borderflow map``'s, with what moved against the baseline when
    the folder holds one): ``<run>/map.png`` if ``borderflow map`` drew it, else drawn into
    ``cache``."""
    own = run_dir / "map.png"
    if own.is_file():
        return own
    out = cache / "map.png"
    if not out.is_file():
        read_result(run_dir, data).map(png=out)
    return out


def read_sweep(folder: Path):
    """A sweep folder: its tables (``comparison``, ``criticality``, ``capacity_value``,
    ``investment_ranking`` ... those written) and ``runs()`` (scenario -> run folder)."""
    return bf.read_sweep(folder)
