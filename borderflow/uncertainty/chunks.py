"""Samples solved in chunks, written as they are solved: the unit of resume.

Both ``borderflow uncertainty`` (:func:`borderflow.uncertainty`) and a sweep's bands
(:mod:`borderflow.uncertainty.sweep_bands`) solve their samples :data:`CHUNK` at a time and
write each chunk (``chunk-00000.csv``/``.parquet``, long rows ``scenario, sample, measure,
value, status``) into a sub-folder of their (claimed) output folder, beside ``design.json``,
the fingerprint of what was asked (design, ranges, inputs, scenario). A resumed run keeps the
chunks whose fingerprint matches and solves the rest; results are concatenated in sample order,
so they are byte-identical to an uninterrupted run's (each sample restarts HiGHS from the
reference basis). A chunk cut short by a kill is unreadable and solved again. An evaluator on
Dask workers (with ``submit``) gets every chunk still to solve at once, in tasks of
:data:`TASK_ROWS` rows, and the chunks are collected and written in order: no worker waits at
the end of a chunk.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.faults import fault_point
from borderflow.io import write_json, write_table

#: samples per chunk (the unit of resume)
CHUNK = 16
#: samples per Dask task when the chunks are submitted at once (a few tasks per chunk: the
#: workers stay balanced to the last task, with little overhead per task)
TASK_ROWS = 4
#: the columns of a chunk
COLUMNS = ["scenario", "sample", "measure", "value", "status"]
#: the fingerprint's file in the chunks' folder
DESIGN = "design.json"


def design_sha256(values: np.ndarray) -> str:
    """SHA-256 of a design's values (its samples, as float64 bytes)."""
    return hashlib.sha256(np.ascontiguousarray(values, dtype=float).tobytes()).hexdigest()


def kept_chunks(folder: Path, fingerprint: dict, resume: bool) -> dict[int, pd.DataFrame]:
    """Chunks already solved in ``folder`` for this fingerprint (none unless ``resume``).

    Parameters
    ----------
    folder : Path
        The chunks' folder (``band_samples/``, ``solved_samples/``).
    fingerprint : dict
        JSON-able description of the design; chunks of another are not kept.
    resume : bool

    Returns
    -------
    dict
        Chunk number -> its rows.
    """
    if not resume or not (folder / DESIGN).is_file():
        return {}
    wanted = json.loads(json.dumps(fingerprint, default=str))  # as write_json wrote it
    try:
        if json.loads((folder / DESIGN).read_text(encoding="utf-8")) != wanted:
            return {}
    except (OSError, ValueError):
        return {}
    out = {}
    for p in sorted(folder.glob("chunk-*.parquet")):
        try:
            out[int(p.stem.split("-")[1])] = pd.read_parquet(p)
        except (OSError, ValueError):
            continue  # a chunk cut short is solved again
    return out


def sample_rows(i: int, solved: dict) -> list[dict]:
    """Long rows of sample ``i``: each model's measures, or its termination."""
    rows = []
    for name, measures in solved.items():
        if isinstance(measures, str):
            rows.append({"scenario": name, "sample": i, "measure": "cost_usd",
                         "value": np.nan, "status": measures})
            continue
        rows += [{"scenario": name, "sample": i, "measure": k, "value": float(v),
                  "status": "optimal"} for k, v in sorted(measures.items())]
    return rows


def solve_in_chunks(values: np.ndarray, evaluate, folder: Path | None, fingerprint: dict,
                    resume: bool, progress, step: str) -> tuple[pd.DataFrame, int, int]:
    """Solve ``values`` (one row per sample) chunk by chunk, keeping and writing chunks.

    Parameters
    ----------
    values : ndarray
        The design, one row per sample.
    evaluate : callable
        With ``many(rows, on_each)`` returning each row's measures per model name.
    folder : Path or None
        The chunks' folder (created); ``None``: solved in memory, nothing written or kept.
    fingerprint : dict
        Written to ``design.json``; only chunks of the same fingerprint are kept.
    resume : bool
        Keep the matching chunks already in ``folder``.
    progress : callable
        ``(stage, done, total, message)``, stage ``samples``.
    step : str
        Name of the fault point after each chunk written (``<kind>:chunk``).

    Returns
    -------
    results : DataFrame
        Long rows of every sample, in sample order.
    kept : int
        Chunks kept from a previous run.
    solved : int
        Samples solved by this call.
    """
    done = kept_chunks(folder, fingerprint, resume) if folder is not None else {}
    kept = len(done)
    if folder is not None:
        folder.mkdir(exist_ok=True)
        write_json(folder / DESIGN, fingerprint)
    n, solved, chunks = len(values), 0, []
    starts = dict(enumerate(range(0, n, CHUNK)))
    submitted = {k: evaluate.submit(values[s:s + CHUNK], TASK_ROWS) for k, s in starts.items()
                 if k not in done} if hasattr(evaluate, "submit") else {}
    for k, start in starts.items():
        if k not in done:
            rows = values[start:start + CHUNK]

            def told(j: int, s: int = start) -> None:
                progress("samples", s + j, n, f"sample {s + j:,} of {n:,}")

            got = submitted.pop(k).result(told) if k in submitted else evaluate.many(rows, told)
            solved += len(rows)
            done[k] = pd.DataFrame([r for i, one in enumerate(got)
                                    for r in sample_rows(start + i, one)], columns=COLUMNS)
            if folder is not None:
                write_table(folder, f"chunk-{k:05d}", done[k])
                fault_point(step)
        chunks.append(done[k])
        progress("samples", min(n, start + CHUNK), n, f"sample {min(n, start + CHUNK):,} "
                 f"of {n:,}")
    return pd.concat(chunks, ignore_index=True), kept, solved
