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

from borderflow.data.loaders import sha256_file

from borderflow.model.results import ResultTables

SUMMARY = "summary.json"
METADATA = "run.json"
#: summary.json fields that are wall-clock times: the only content of a run folder that may differ
#: between two runs of the same inputs and options (every other byte is reproducible)
TIMING_KEYS = ("solve_seconds", "translate_seconds", "verify_seconds")
#: parquet settings fixed here so that equal tables give equal bytes whatever the defaults
PARQUET_OPTIONS = {"engine": "pyarrow", "compression": "snappy", "index": False,
                   "row_group_size": 1_000_000, "use_dictionary": True,
                   "write_statistics": True}


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
        df.to_parquet(folder / f"{name}.parquet", **PARQUET_OPTIONS)


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
    return write_folder(run_dir, {**results.tables(), **(extra or {})},
                        {METADATA: metadata, SUMMARY: results.summary})


def write_folder(folder: Path | str, tables: dict[str, pd.DataFrame],
                 documents: dict[str, dict]) -> Path:
    """Write tables (CSV and parquet) and JSON documents into ``folder`` atomically: built in a
    temporary folder next to it and renamed into place, so a killed run leaves the previous
    folder intact and never a half-written one."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    try:
        _write_tables(tmp, tables)
        for name, doc in documents.items():
            write_json(tmp / name, doc)
        _swap_into_place(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


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
    # tables added to the format later are empty in run folders written before them
    tables = {name: pd.read_parquet(run_dir / f"{name}.parquet")
              if (run_dir / f"{name}.parquet").exists() else pd.DataFrame()
              for name in ResultTables.TABLES}
    return ResultTables(summary=summary, **tables)


def read_metadata(run_dir: Path | str) -> dict:
    """The ``run.json`` of a run folder."""
    return json.loads((Path(run_dir) / METADATA).read_text(encoding="utf-8"))


def _locate(run_dir: Path, name: str) -> Path | None:
    """An input file named in ``run.json``: as given if absolute, else from the working directory
    or one of the run folder's parents (names are relative to where the run was started)."""
    for root in (Path.cwd(), *Path(run_dir).resolve().parents):
        cand = Path(name) if Path(name).is_absolute() else root / name
        if cand.exists():
            return cand
    return None


def find_inputs(run_dir: Path | str, meta: dict) -> tuple[Path, list[Path]]:
    """Dataset folder and overlay folders a run was solved on, from its ``run.json``.

    Raises
    ------
    InputError
        If ``run.json`` names no inputs or one of them cannot be found.
    """
    from borderflow.data.errors import InputError, Problem, display_path

    run_dir = Path(run_dir)
    inputs = meta.get("inputs", {})
    files = [f for name in sorted(inputs) for f in inputs[name]]
    if not files:
        raise InputError(Problem(display_path(run_dir / METADATA), None, "inputs",
                                 "names no input files; pass the dataset folder (--data)"))
    folders: list[Path] = []
    for f in [inputs[name][0] for name in sorted(inputs)] + files:
        found = _locate(run_dir, f)
        if found is None:
            raise InputError(Problem(display_path(run_dir / METADATA), None, "inputs",
                                     f"input file '{f}' not found; pass the dataset folder "
                                     "(--data)"))
        if found.parent not in folders:
            folders.append(found.parent)
    return folders[0], folders[1:]


def changed_inputs(run_dir: Path | str, meta: dict) -> list[tuple[str, str, str | None]]:
    """Input files of a run whose SHA-256 differs from the one in its ``run.json``.

    Returns
    -------
    list of (file, recorded sha256, current sha256 or None if the file is gone)
    """
    out = []
    for name, recorded in sorted(meta.get("input_sha256", {}).items()):
        found = _locate(Path(run_dir), name)
        current = sha256_file(found) if found is not None else None
        if current != recorded:
            out.append((name, recorded, current))
    return out


def read_run_inputs(run_dir: Path | str, data: Path | str | None = None, overlays=()):
    """A run folder's results with what it was solved on: ``run.json``, inputs, scenario.

    Parameters
    ----------
    run_dir : path
        Folder written by :func:`write_run`.
    data : path, optional
        Dataset folder (default: the inputs named in ``run.json``); ``overlays`` with it.

    Returns
    -------
    tuple
        ``(ResultTables, run.json as a dict, InputTables, Scenario or None)``.

    Raises
    ------
    InputError
        If the folder is not a run folder or its inputs cannot be found.
    """
    from borderflow.data.scenario import Scenario
    from borderflow.pipeline import load_dataset

    run_dir = Path(run_dir)
    results = read_run(run_dir)
    meta = read_metadata(run_dir)
    if data is None:
        data, overlays = find_inputs(run_dir, meta)
    tables = load_dataset(data, overlays, check_borders=False)
    scenario = Scenario.model_validate(meta["scenario"]) if "scenario" in meta else None
    return results, meta, tables, scenario
