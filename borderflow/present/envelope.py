"""The JSON every command prints with ``--json``: one envelope, one schema.

Every command prints one JSON object (schema: ``docs/schema/borderflow-output.schema.json``,
JSON Schema draft 2020-12)::

    {"schema": "borderflow-output/1", "command": "reroute", "status": "ok", "exit_code": 0,
     "summary": {...}, "horizon": {...}, "narrative": ["..."], "tables": {"name": {...}},
     "messages": [], "outputs": [...], "verification": {...}, "borderflow_version": "0.1.0"}

- ``status`` and ``exit_code`` always agree (:data:`EXIT_STATUS`): a script checks either.
- ``summary``: the command's figures (numbers cleaned by
  :func:`borderflow.present.numbers.clean_json`); ``horizon`` says whether amounts are per day
  or over a dated horizon.
- ``narrative``: the sentences the terminal prints.
- ``tables``: name -> ``{"title", "columns", "units", "rows"}``; rows are records (column ->
  value), in the order of ``columns``; ``units`` gives each numeric column's unit.
- ``messages``: errors and warnings, each with the file, row and field it concerns (an input
  error gives exit 2 and one message per problem).
- ``outputs``: files and folders written; ``verification``: checks run and violations.

The envelope is printed on stdout also when a command fails, so a script reads ``status``
instead of parsing a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from borderflow.present.numbers import Horizon, clean_json, clean_summary

SCHEMA = "borderflow-output/1"
#: exit code -> status word (the command line's exit codes, see borderflow.cli)
EXIT_STATUS: dict[int, str] = {0: "ok", 2: "input_error", 3: "solver_error", 4: "infeasible",
                               5: "unbounded", 6: "limit_reached", 7: "numerical_trouble",
                               8: "verification_failed", 9: "calibration_check_failed"}
#: path of the schema in a source checkout
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schema" / \
    "borderflow-output.schema.json"


def table(df: pd.DataFrame, units: Mapping[str, str] | None = None, title: str = "") -> dict:
    """One entry of ``tables``: a DataFrame as columns, units and cleaned records.

    Parameters
    ----------
    df : DataFrame
    units : mapping, optional
        Column -> unit (``"t/day"``, ``"USD"``, ``"share"`` ...); only columns of ``df`` kept.
    title : str
        What the table shows, with its scope (``"flow by crossing, trucks per day"``).

    Returns
    -------
    dict
        ``{"title", "columns", "units", "rows"}``.
    """
    frame = df.reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), None)
    return {"title": title, "columns": [str(c) for c in frame.columns],
            "units": {str(k): v for k, v in (units or {}).items() if k in frame.columns},
            "rows": clean_json(frame.to_dict(orient="records"))}


def horizon_info(horizon: Horizon) -> dict:
    """The ``horizon`` entry: ``{"dated", "periods", "label", "scope"}``."""
    return {"dated": horizon.dated, "periods": horizon.periods, "label": horizon.label,
            "scope": horizon.scope}


def message(level: str, text: str, file: str | None = None, row: int | None = None,
            field: str | None = None) -> dict:
    """One entry of ``messages`` (``level``: error, warning or info)."""
    if level not in ("error", "warning", "info"):
        raise ValueError(f"message level must be error, warning or info, not '{level}'")
    return {"level": level, "text": text, "file": file, "row": row, "field": field}


def envelope(command: str, *, exit_code: int = 0, summary: Mapping[str, Any] | None = None,
             narrative: Iterable[str] = (), tables: Mapping[str, dict] | None = None,
             horizon: Horizon | None = None, messages: Iterable[dict] = (),
             outputs: Iterable[tuple[str, Path | str]] = (),
             verification: Mapping[str, Any] | None = None) -> dict:
    """The ``--json`` output of a command.

    Parameters
    ----------
    command : str
        The command as typed after ``borderflow`` (``"solve"``, ``"data list"``).
    exit_code : int
        The command's exit code (a key of :data:`EXIT_STATUS`); ``status`` follows from it.
    summary : mapping, optional
        The command's figures.
    narrative : iterable of str
        Sentences, most important first.
    tables : mapping, optional
        Name -> entry made by :func:`table`.
    horizon : Horizon, optional
        What the run's amounts are per.
    messages : iterable of dict
        Entries made by :func:`message`.
    outputs : iterable of (kind, path)
        What was written (``("run_folder", "runs/base")``, ``("geopackage", ...)``).
    verification : mapping, optional
        ``{"checks", "violations", "passed", "report"}``.

    Returns
    -------
    dict
        Plain JSON types; :func:`dumps` prints it.

    Raises
    ------
    ValueError
        If ``exit_code`` is not one of the command line's.
    """
    if exit_code not in EXIT_STATUS:
        raise ValueError(f"unknown exit code {exit_code}; one of {sorted(EXIT_STATUS)}")
    from borderflow import __version__

    env = {"schema": SCHEMA, "command": command, "status": EXIT_STATUS[exit_code],
           "exit_code": exit_code, "summary": clean_summary(dict(summary or {})),
           "horizon": horizon_info(horizon) if horizon is not None else None,
           "narrative": [str(s) for s in narrative],
           "tables": dict(tables or {}), "messages": list(messages),
           "outputs": [{"kind": k, "path": str(p)} for k, p in outputs],
           "verification": clean_json(dict(verification)) if verification is not None else None,
           "borderflow_version": __version__}
    return env


def error_envelope(command: str, err: Exception) -> dict:
    """The envelope of a command that failed on ``err``: an input error (exit 2, one message
    per problem with its file, row and field) or a solver error (its exit code, the
    termination in the summary).

    Raises
    ------
    TypeError
        For any other exception (a bug is not an outcome to report as JSON).
    """
    from borderflow.data.errors import InputError
    from borderflow.solvers.highs import SolverError

    if isinstance(err, InputError):
        msgs = [message("error", p.message, p.file, p.row, p.field) for p in err.problems]
        return envelope(command, exit_code=2, messages=msgs, narrative=[str(err)])
    if isinstance(err, SolverError):
        summary = {"termination": err.summary.termination, "solver_status": err.summary.status}
        return envelope(command, exit_code=err.exit_code, summary=summary,
                        messages=[message("error", str(err))], narrative=[str(err)])
    raise TypeError(f"{type(err).__name__} is not a reportable outcome")


#: checks of a run folder's files rather than of the solution (``borderflow verify`` adds
#: them: input checksums, tables present, the checksum manifest, each CSV against its parquet)
FILE_CHECKS = ("input_checksum", "tables", "manifest", "csv_parquet")


def verification_info(report: pd.DataFrame, path: Path | str | None = None) -> dict:
    """The ``verification`` entry from a verification table (``ok`` per check).

    ``checks`` and ``violations`` count the checks of the solution, so ``solve`` and a later
    ``verify`` of its folder report the same number; the folder's file checks (of
    :data:`FILE_CHECKS`, ``verify`` only) are counted in ``file_checks`` and
    ``file_violations``. ``passed`` is true when nothing failed.
    """
    ok = report["ok"].astype(bool) if len(report) else pd.Series([], dtype=bool)
    files = report["check"].isin(FILE_CHECKS) if len(report) else ok
    bad = int((~ok & ~files).sum())
    info = {"checks": int((~files).sum()), "violations": bad,
            "passed": bool(ok.all()), "report": None if path is None else str(path)}
    if files.any():
        info.update(file_checks=int(files.sum()), file_violations=int((~ok & files).sum()))
    return info


def dumps(env: Mapping[str, Any]) -> str:
    """The envelope as JSON text: UTF-8 names (``VN→CN``), 2-space indent, no NaN."""
    return json.dumps(env, ensure_ascii=False, indent=2, allow_nan=False)
