"""Load a dataset: read its tables and check them, the first stage of every run.

:func:`load_dataset` is :func:`borderflow.data.loaders.read_tables` (CSV tables, overlays
applied, checksums) followed by :func:`borderflow.data.checks.validate_tables` (cross-table
rules): what comes back is safe to build a network on, and the first bad row raises
:class:`~borderflow.data.errors.InputError` naming file, row and field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .checks import validate_tables
from .loaders import InputTables, read_tables


def load_dataset(data: Path | str | None = None, overlays=(), check_borders: bool = True, *,
                 on_progress: Callable | None = None) -> InputTables:
    """Read a dataset and check it; raise :class:`InputError` on the first bad row.

    Parameters
    ----------
    data : path, optional
        Dataset folder (default: the embedded dataset, ``data/default``).
    overlays : sequence of paths
        Folders with rows that add to or replace the base tables.
    check_borders : bool
        Check crossing points against the Natural Earth borders (slower; off when re-reading
        the dataset of a run that was checked when it was solved).
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)``, called with stage ``"load"`` (see
        :data:`borderflow.api.STAGES`).

    Returns
    -------
    InputTables
        The checked tables, with the files they came from and their SHA-256.
    """
    if on_progress is not None:
        on_progress("load", None, None, f"reading {data or 'the embedded dataset'}")
    tables = read_tables(data, overlays)
    validate_tables(tables, check_borders=check_borders).raise_for_errors()
    return tables
