"""Run folders: write result tables atomically, read them back.

A run folder holds ``summary.json``, ``run.json`` (inputs' checksums, scenario, versions,
options: what is needed to reproduce it) and each result table as CSV and parquet. The folder is
written complete in a temporary sibling and then swapped into place, so a killed run leaves the
previous results intact and never a half-written folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from borderflow.model.results import ResultTables

SUMMARY = "summary.json"
METADATA = "run.json"


def write_json(path: Path, obj: dict) -> None:
    """Write JSON (sorted keys, UTF-8) atomically: temp file in the same folder + rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=2, sort_keys=True, default=str)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        df.to_parquet(folder / f"{name}.parquet", index=False)


def write_run(run_dir: Path | str, results: ResultTables, metadata: dict,
              extra: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write a run folder atomically, replacing any previous run there.

    Parameters
    ----------
    run_dir : path
        Target folder (created; an existing one is replaced only once the new one is complete).
    results : ResultTables
    metadata : dict
        Provenance for ``run.json``.
    extra : dict, optional
        More tables to write (e.g. a comparison with a baseline).

    Returns
    -------
    Path
        The run folder.
    """
    run_dir = Path(run_dir)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.", suffix=".tmp", dir=run_dir.parent))
    try:
        _write_tables(tmp, {**results.tables(), **(extra or {})})
        write_json(tmp / METADATA, metadata)
        write_json(tmp / SUMMARY, results.summary)
        _swap_into_place(tmp, run_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return run_dir


def _swap_into_place(new: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_run(run_dir: Path | str) -> ResultTables:
    """Read a run folder written by :func:`write_run` back into :class:`ResultTables`."""
    run_dir = Path(run_dir)
    summary_path = run_dir / SUMMARY
    if not summary_path.exists():
        from borderflow.data.errors import InputError, Problem, display_path
        raise InputError(Problem(display_path(run_dir), None, None,
                                 f"not a run folder (no {SUMMARY})"))
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    tables = {name: pd.read_parquet(run_dir / f"{name}.parquet")
              for name in ResultTables.TABLES}
    return ResultTables(summary=summary, **tables)


def read_metadata(run_dir: Path | str) -> dict:
    """The ``run.json`` of a run folder."""
    return json.loads((Path(run_dir) / METADATA).read_text(encoding="utf-8"))
