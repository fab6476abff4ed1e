"""What the GIS layers and maps are drawn from: a run's network (geometry) and result tables.

:func:`run_data` takes a solved :class:`borderflow.Result` (or the lower-level
:class:`borderflow.pipeline.Run`); :func:`load_run` reads a run folder. The arcs of each route
come from the run's own ``route_arcs`` table, so nothing here re-enumerates routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from borderflow.io import read_run_inputs
from borderflow.model.network import FreightNetwork, build_network
from borderflow.model.results import ResultTables


@dataclass
class RunData:
    """What the layers are drawn from: the network (geometry) and the results of one run.

    Attributes
    ----------
    name : str
        Run name (the scenario name).
    net : FreightNetwork
        The run's network (its scenario applied).
    results : ResultTables
        The run's result tables.
    route_arcs : DataFrame
        ``route_id, seq, arc_id`` of at least the routes with flow.
    """

    name: str
    net: FreightNetwork
    results: ResultTables
    route_arcs: pd.DataFrame


def run_data(run) -> RunData:
    """:class:`RunData` of a :class:`borderflow.Result` (solved, or read from a folder: its
    network is then rebuilt from the inputs its ``run.json`` names) or of a
    :class:`borderflow.pipeline.Run`.

    Raises
    ------
    InputError
        If the run carries cargo but has no ``route_arcs`` table, or (for a result read from
        a folder) its inputs cannot be found.
    """
    from .layers import route_arcs_table

    if hasattr(run, "result_tables"):  # borderflow.Result
        name, net, results = run.name, run.network, run.result_tables()
    else:  # borderflow.pipeline.Run
        name, net, results = run.results.summary["scenario"], run.net, run.results
    return RunData(name=name, net=net, results=results,
                   route_arcs=route_arcs_table(results, f"run {name}"))


def load_run(run_dir: Path | str, data: Path | str | None = None, overlays=()) -> RunData:
    """Read a run folder and rebuild the network it was solved on (for geometry).

    Parameters
    ----------
    run_dir : path
        Run folder written by :meth:`borderflow.Result.write` or the CLI.
    data : path, optional
        Dataset folder; default: the inputs named in the run's ``run.json`` (looked up from the
        working directory and the run folder's parents).
    overlays : sequence of paths
        Overlay folders (only with ``data``).

    Returns
    -------
    RunData

    Raises
    ------
    InputError
        If the folder is not a run or its dataset cannot be found.
    """
    from .layers import route_arcs_table

    results, _, tables, scenario = read_run_inputs(run_dir, data, overlays, warn_changed=True)
    name = str(results.summary.get("scenario", Path(run_dir).name))
    return RunData(name=name, net=build_network(tables, scenario), results=results,
                   route_arcs=route_arcs_table(results, f"run {name}"))
