"""Run folders and result files: the one module that writes to disk, and reads run folders back.

A run folder holds ``summary.json``, ``run.json`` (inputs' checksums, scenario, versions,
options: what is needed to reproduce it), each result table as CSV and parquet, the checksum
manifest (``manifest.json``) and the marker that makes it borderflow's
(``.borderflow-run.json``). :func:`write_folder` writes it through
:mod:`borderflow.runfolder`: ``--out`` is claimed (refused unless it is absent, empty or a
folder borderflow marked; locked against a second writer), the new folder is built complete in
a hidden sibling and swapped in atomically, so a killed run leaves the previous results intact
and never a half-written folder. Single files (JSON, a sweep's tables, GIS files, maps) are
written to a temporary name in their folder and renamed into place (:func:`atomic_write`).
Sweep folders, robust plans and run folders all use these functions: this is the place to make
writing safer for every command at once (docs/reliability.md).

Reading: :func:`read_run` (result tables and summary), :func:`read_metadata` (``run.json``),
:func:`read_run_inputs` (results with the dataset and scenario they were solved on), and
:func:`find_inputs` / :func:`changed_inputs` (the input files a run names, and which changed).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pandas as pd

from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError, Problem, display_path
from borderflow.data.loaders import default_data_dir, sha256_file
from borderflow.data.scenario import Scenario
from borderflow.faults import fault_point
from borderflow.model.results import ResultTables
from borderflow.runfolder import Claim, claim, replace_folder
from borderflow.table_files import table_bytes

log = logging.getLogger(__name__)

SUMMARY = "summary.json"
METADATA = "run.json"
#: the ``run.json`` key written beside ``input_sha256``: each input's name -> its path relative to
#: the run folder, so a folder moved or shared together with its dataset reads back exactly
RELATIVE_INPUTS = "input_paths_from_folder"
#: summary.json fields that are wall-clock times: the only content of a run folder that may differ
#: between two runs of the same inputs and options (every other byte is reproducible)
TIMING_KEYS = ("solve_seconds", "translate_seconds", "verify_seconds")
#: parquet settings fixed here so that equal tables give equal bytes whatever the defaults
PARQUET_OPTIONS = {"engine": "pyarrow", "compression": "snappy", "index": False,
                   "row_group_size": 1_000_000, "use_dictionary": True,
                   "write_statistics": True}


# ---- writing --------------------------------------------------------------------------------
def atomic_write(path: Path | str, write: Callable[[Path], None]) -> Path:
    """Write a file atomically: ``write(tmp)`` fills a fresh temporary path in the same folder
    (``.<name>.<random>.tmp<suffix>``, which does not exist yet), which then replaces ``path``
    (:func:`os.replace`); on error the temporary file is removed and ``path`` left as it was.

    Parameters
    ----------
    path : path
        Final file (its folder is created).
    write : callable
        Called with the temporary path; it creates the file (so the umask applies).

    Returns
    -------
    Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}",
                               dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json(path: Path | str, obj: dict) -> Path:
    """Write JSON (sorted keys, indent 2, UTF-8, final newline) atomically."""
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=2, sort_keys=True, default=str)
            fh.write("\n")

    return atomic_write(path, write)


def write_csv(path: Path | str, df: pd.DataFrame) -> Path:
    """Write a table as CSV (no index, ``\\n`` line ends) atomically."""
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, lineterminator="\n"))


def write_table(folder: Path | str, name: str, df: pd.DataFrame) -> None:
    """Write ``<folder>/<name>.csv`` and ``.parquet``, each atomically."""
    folder = Path(folder)
    write_csv(folder / f"{name}.csv", df)
    atomic_write(folder / f"{name}.parquet", lambda p: df.to_parquet(p, **PARQUET_OPTIONS))


def remove_table(folder: Path | str, name: str) -> None:
    """Remove ``<folder>/<name>.csv`` and ``.parquet`` if they exist."""
    for ext in ("csv", "parquet"):
        (Path(folder) / f"{name}.{ext}").unlink(missing_ok=True)


#: what a run folder's manifest leaves out of ``summary.json``'s checksum: wall-clock times
RUN_VOLATILE = {SUMMARY: TIMING_KEYS}
#: the same for a robust plan's folder (its summary also records the plan's wall time)
ROBUST_VOLATILE = {SUMMARY: (*TIMING_KEYS, "total_seconds")}
#: the same for a sweep's scenario folder (its summary also records the worker's wall time)
PARTITION_TIMING_KEYS = (*TIMING_KEYS, "wall_seconds")
#: what one folder holds: tables (name -> DataFrame) and JSON documents (file name -> dict)
Contents = tuple[dict[str, pd.DataFrame], dict[str, dict]]


def _plain_name(name: str) -> str:
    if not name or name.startswith(".") or "/" in name or "\\" in name:
        raise ValueError(f"'{name}': a file or sub-folder name must be a plain, visible name")
    return name


def with_relative_inputs(meta: dict, final: Path) -> dict:
    """``run.json`` with :data:`RELATIVE_INPUTS`: each file of ``input_sha256`` (named as the
    run saw it, from the working directory or absolute) relative to ``final``, the folder the
    document will be in (written afresh: a document read from another folder gets this
    folder's). A name that has no relative form (another drive) is left out; a document
    without ``input_sha256`` is returned as it is."""
    if "input_sha256" not in meta:
        return meta
    here = Path(os.path.abspath(final))
    rel = {}
    for name in meta["input_sha256"]:
        try:
            rel[name] = Path(os.path.relpath(os.path.abspath(name), here)).as_posix()
        except ValueError:  # pragma: no cover - Windows, another drive
            continue
    return {**meta, RELATIVE_INPUTS: rel}


def _fill(folder: Path, tables: dict[str, pd.DataFrame], documents: dict[str, dict],
          texts: dict[str, str], folders: dict[str, Contents], kind: str = "run",
          same_tables: bool = False, final: Path | None = None) -> None:
    """Tables (CSV, parquet), JSON documents, texts and sub-folders into a fresh folder, a
    fault point after each file (tests kill the process there: docs/reliability.md).
    ``same_tables``: a table identical to one this process wrote before gets that one's
    bytes (:func:`borderflow.table_files.table_bytes`: the same bytes, not formatted
    again). ``final``: where the folder will be once swapped in (a ``run.json`` records its
    inputs relative to it: :func:`with_relative_inputs`)."""
    for name, df in tables.items():
        if same_tables:
            csv, parquet = table_bytes(name, df, PARQUET_OPTIONS)
            (folder / f"{name}.csv").write_bytes(csv)
            fault_point(f"{kind}:write:{name}.csv")
            (folder / f"{name}.parquet").write_bytes(parquet)
            fault_point(f"{kind}:write:{name}.parquet")
            continue
        df.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        fault_point(f"{kind}:write:{name}.csv")
        df.to_parquet(folder / f"{name}.parquet", **PARQUET_OPTIONS)
        fault_point(f"{kind}:write:{name}.parquet")
    for name, doc in documents.items():
        if name == METADATA and final is not None:
            doc = with_relative_inputs(doc, final)
        with open(folder / name, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, sort_keys=True, default=str)
            fh.write("\n")
        fault_point(f"{kind}:write:{name}")
    for name, text in texts.items():
        (folder / _plain_name(name)).write_text(text, encoding="utf-8")
        fault_point(f"{kind}:write:{name}")
    for name, (sub_tables, sub_documents) in folders.items():
        sub = folder / _plain_name(name)
        sub.mkdir()
        _fill(sub, sub_tables, sub_documents, {}, {}, f"{kind}:{name}",
              final=None if final is None else final / name)


def write_folder(folder: Path | str | Claim, tables: dict[str, pd.DataFrame],
                 documents: dict[str, dict], *, texts: dict[str, str] | None = None,
                 folders: dict[str, Contents] | None = None, inside_claim: bool = False,
                 protected: Iterable[tuple[str, Path | str | None]] = (),
                 also: Callable[[Path], None] | None = None,
                 volatile: Mapping[str, Iterable[str]] | None = None,
                 kind: str = "run", same_tables: bool = False) -> Path:
    """Write a run folder: tables (CSV and parquet), JSON documents, texts and sub-folders,
    built complete in a hidden sibling and swapped into place, with its manifest and marker
    (:mod:`borderflow.runfolder`): the folder and its sub-folders appear together, and a
    killed run leaves the previous folder intact and never a half-written one.

    Parameters
    ----------
    folder : path or Claim
        The folder to write, or a :class:`~borderflow.runfolder.Claim` the caller took before
        solving (``with claim(out, "run", ...) as target: ... write_folder(target, ...)``): a
        command checks and locks ``--out`` before it solves. A path is claimed here: refused
        unless it is absent, empty or a run folder borderflow marked; locked meanwhile.
    tables : dict
        File name (without extension) -> table.
    documents : dict
        File name -> JSON document (e.g. ``summary.json``).
    texts : dict, optional
        File name -> UTF-8 text (e.g. a scenario's YAML as the user wrote it).
    folders : dict, optional
        Sub-folder name -> its ``(tables, documents)`` (e.g. a baseline's run folder).
    inside_claim : bool
        ``folder`` is inside a folder the caller holds (a sweep's scenario folder, written by
        a worker): not locked again, not ``fsync``'d (the sweep is durable as a whole).
    protected : pairs (option, path)
        Inputs of the caller (``("--data", folder)``): ``folder`` may not be, hold or be
        inside them.
    also : callable, optional
        ``also(tmp)`` writes more files into the new folder before it is swapped in (a
        GeoPackage of the flows), so they are covered by the manifest and appear with it.
    volatile : mapping, optional
        JSON keys left out of the checksums (default: :data:`RUN_VOLATILE`, and the same
        keys of each sub-folder's ``summary.json``).
    kind : str
        The marker's kind when ``folder`` is a path (:data:`borderflow.runfolder.KINDS`; a
        robust plan's is ``robust``); a Claim carries its own.
    same_tables : bool
        Tables identical to ones this process wrote before take their bytes instead of being
        formatted again (a sweep's worker: :mod:`borderflow.table_files`; the same files).

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    OutputError
        ``folder`` refused, in use, or the disk failed (nothing replaced).
    ValueError
        A text or sub-folder name that is not a plain, visible name.
    """
    texts, folders = dict(texts or {}), dict(folders or {})
    for name in (*texts, *folders):
        _plain_name(name)
    if volatile is None:
        volatile = {**RUN_VOLATILE, **{f"{name}/{SUMMARY}": TIMING_KEYS for name in folders}}

    final = folder.out if isinstance(folder, Claim) else Path(folder)

    def fill(tmp: Path) -> None:
        _fill(tmp, tables, documents, texts, folders, same_tables=same_tables, final=final)
        if also is not None:
            also(tmp)

    if isinstance(folder, Claim):
        with folder.replace() as tmp:
            fill(tmp)
        return folder.out
    if inside_claim:
        with replace_folder(folder, kind, durable=False, volatile=volatile) as tmp:
            fill(tmp)
        return Path(folder)
    with claim(folder, kind, protected=protected, volatile=volatile) as target, \
            target.replace() as tmp:
        fill(tmp)
    return target.out


def write_run(run_dir: Path | str | Claim, results: ResultTables, metadata: dict,
              extra: dict[str, pd.DataFrame] | None = None, **options) -> Path:
    """Write a run folder (see :func:`write_folder`), replacing a previous run there.

    Parameters
    ----------
    run_dir : path or Claim
        Target folder, or the claim a command took on it before solving.
    results : ResultTables
    metadata : dict
        Provenance for ``run.json``.
    extra : dict, optional
        More tables to write (e.g. a comparison with a baseline, the verification report).
    **options
        Passed to :func:`write_folder` (``inside_claim``, ``protected``, ``also``,
        ``volatile``, ``texts``, ``folders``).

    Returns
    -------
    Path
        The run folder.
    """
    return write_folder(run_dir, *run_contents(results, metadata, extra), **options)


def run_contents(results: ResultTables, metadata: dict,
                 extra: dict[str, pd.DataFrame] | None = None) -> Contents:
    """What a run folder holds (:func:`write_run`): the result tables and ``extra`` tables,
    ``run.json`` (``metadata``) and ``summary.json``; for :func:`write_folder`."""
    return ({**results.tables(), **(extra or {})},
            {METADATA: metadata, SUMMARY: results.summary})


# ---- reading --------------------------------------------------------------------------------
def read_summary(folder: Path | str) -> dict | None:
    """The ``summary.json`` of a run folder, or ``None`` if it has none."""
    path = Path(folder) / SUMMARY
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def read_table(folder: Path | str, name: str) -> pd.DataFrame:
    """One table of a run folder (its parquet file; empty if the folder has none)."""
    path = Path(folder) / f"{name}.parquet"
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def read_run(run_dir: Path | str) -> ResultTables:
    """Read a run folder written by :func:`write_run` back into :class:`ResultTables`.

    Raises
    ------
    InputError
        If the folder has no ``summary.json``.
    """
    run_dir = Path(run_dir)
    summary = read_summary(run_dir)
    if summary is None:
        raise InputError(Problem(display_path(run_dir), None, None,
                                 f"not a run folder (no {SUMMARY})"))
    # tables added to the format later are empty in run folders written before them
    tables = {name: read_table(run_dir, name)
              for name in ResultTables.TABLES + ResultTables.OPTIONAL_TABLES}
    return ResultTables(summary=summary, **tables)


def read_metadata(run_dir: Path | str) -> dict:
    """The ``run.json`` of a run folder."""
    return json.loads((Path(run_dir) / METADATA).read_text(encoding="utf-8"))


def _locate(run_dir: Path, name: str, sha256: str | None = None,
            relative: str | None = None) -> Path | None:
    """An input file named in ``run.json``: first by ``relative``, its path from the run folder
    (:data:`RELATIVE_INPUTS`, written since session 19: a folder moved or shared together with
    its dataset), if that file exists and its SHA-256 is ``sha256``; then as given if absolute,
    else from the working directory or one of the run folder's parents (names are relative to
    where the run was started).

    Not there (the folder was moved, with or without its dataset, or read on another machine):
    the name's trailing parts, longest first, under the working directory, the run folder's
    parents and the embedded dataset's package folder (so ``.../data/default/crossings.csv``
    of any install is this install's), taken only if the file's SHA-256 is ``sha256`` (the one
    ``run.json`` records); last, a file of the embedded dataset by its folder and file name,
    whatever its content (:func:`changed_inputs` then reports it as changed). Old folders
    (no ``relative``) are read as before."""
    if relative is not None:
        cand = Path(os.path.normpath(Path(run_dir) / relative))
        if cand.is_file() and (sha256 is None or sha256_file(cand) == sha256):
            return cand
    starts = (Path.cwd(), *Path(run_dir).resolve().parents)
    for root in starts:
        cand = Path(name) if Path(name).is_absolute() else root / name
        if cand.exists():
            return cand
    parts = Path(name).parts
    embedded = default_data_dir().parent
    if sha256 is not None:
        for k in range(1, len(parts)):  # longest tail first; the bare file name last
            tail = Path(*parts[k:])
            for root in (*starts, embedded):
                cand = root / tail
                if cand.is_file() and sha256_file(cand) == sha256:
                    return cand
    cand = embedded / Path(*parts[-2:]) if len(parts) >= 2 else None
    return cand if cand is not None and cand.is_file() else None


def find_inputs(run_dir: Path | str, meta: dict) -> tuple[Path, list[Path]]:
    """Dataset folder and overlay folders a run was solved on, from its ``run.json``.

    Raises
    ------
    InputError
        If ``run.json`` names no inputs or one of them cannot be found.
    """
    run_dir = Path(run_dir)
    inputs = meta.get("inputs", {})
    files = [f for name in sorted(inputs) for f in inputs[name]]
    if not files:
        raise InputError(Problem(display_path(run_dir / METADATA), None, "inputs",
                                 "names no input files; pass the dataset folder (--data)"))
    folders: list[Path] = []
    for f in [inputs[name][0] for name in sorted(inputs)] + files:
        found = _locate(run_dir, f, meta.get("input_sha256", {}).get(f),
                        meta.get(RELATIVE_INPUTS, {}).get(f))
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
        found = _locate(Path(run_dir), name, recorded, meta.get(RELATIVE_INPUTS, {}).get(name))
        current = sha256_file(found) if found is not None else None
        if current != recorded:
            out.append((name, recorded, current))
    return out


def read_run_inputs(run_dir: Path | str, data: Path | str | None = None, overlays=(), *,
                    warn_changed: bool = False):
    """A run folder's results with what it was solved on: ``run.json``, inputs, scenario.

    Parameters
    ----------
    run_dir : path
        Folder written by :func:`write_run`.
    data : path, optional
        Dataset folder (default: the inputs named in ``run.json``); ``overlays`` with it.
    warn_changed : bool
        Log a warning for every input file that changed since the run (see
        :func:`read_inputs`).

    Returns
    -------
    tuple
        ``(ResultTables, run.json as a dict, InputTables, Scenario or None)``.

    Raises
    ------
    InputError
        If the folder is not a run folder or its inputs cannot be found.
    """
    run_dir = Path(run_dir)
    results = read_run(run_dir)
    meta = read_metadata(run_dir)
    tables = read_inputs(run_dir, meta, data, overlays, warn_changed=warn_changed)
    return results, meta, tables, scenario_of(meta)


def read_inputs(run_dir: Path | str, meta: dict, data: Path | str | None = None, overlays=(),
                *, warn_changed: bool = False):
    """The checked dataset a run was solved on: ``data`` and ``overlays`` if given, else the
    folders named in its ``run.json`` (:func:`find_inputs`; with ``warn_changed`` a warning
    is logged for every input file that changed since the run); crossing points are not
    checked against the borders again.

    Raises
    ------
    InputError
        If the inputs cannot be found or no longer pass the checks.
    """
    if data is None:
        data, overlays = find_inputs(run_dir, meta)
        for f, _, _ in changed_inputs(run_dir, meta) if warn_changed else ():
            log.warning("%s changed since run %s was solved; the current file is used", f,
                        run_dir)
    return load_dataset(data, overlays, check_borders=False)


def scenario_of(meta: dict) -> Scenario | None:
    """The scenario recorded in a ``run.json`` (``None`` if it records none)."""
    return Scenario.model_validate(meta["scenario"]) if meta.get("scenario") else None
