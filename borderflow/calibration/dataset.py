"""The calibrated dataset, its provenance, and the uncalibrated rows kept beside it.

:func:`calibrated_values` rounds each calibrated number as the dataset writes it (whole tonnes,
cents of a dollar, hundredths of an hour, four significant figures otherwise; never outside its
range). :func:`write_dataset` writes

- ``dataset/``: the whole input dataset (the base folder's files, every overlay merged in) with
  the calibrated numbers put in. A calibrated row keeps its ``quality`` (only estimates are
  calibrated by default; a crossing's quality is its capacity's, and calibration moves its fee
  and dwell) and says what happened in its ``notes`` (``calibrated (fit <id>): fee_usd_per_truck
  40 -> 34.5 USD/truck; ...`` before the old notes) and ``source`` (``...; borderflow calibrate
  fit <id>``); ``ranges.csv`` gets the calibrated value (the prior range, which holds it);
- ``uncalibrated/``: the prior rows of every row calibration changed, as an *overlay*:
  ``--data dataset --overlay uncalibrated`` is the uncalibrated dataset again.

Rows are rewritten as text, one CSV line each, and every other line is kept byte for byte, so
the calibrated dataset differs from its input only where calibration put a number.
"""

from __future__ import annotations

import csv
import io
import math
import shutil
from pathlib import Path

import numpy as np

from borderflow.data.loaders import InputTables
from borderflow.data.schemas import TABLES

from .parameters import Parameters

_KEYS = {spec.name: spec.key for spec in TABLES}
#: decimals a calibrated number is written with, by unit (others: 4 significant figures)
DECIMALS = {"t/year": 0, "USD/truck": 2, "h": 2, "USD/t": 0}
RANGES_FILE = "ranges.csv"


def _significant(value: float, digits: int) -> float:
    if not value:
        return 0.0
    return round(value, digits - math.floor(math.log10(abs(value))) - 1)


def _round(value: float, unit: str, low: float, high: float) -> float:
    """As the dataset writes it, at most 6 significant figures (``ranges.csv`` keeps 6)."""
    out = round(value, DECIMALS[unit]) if unit in DECIMALS else _significant(value, 4)
    return float(min(max(_significant(out, 6), low), high))


def written_values(parameters: Parameters, z: np.ndarray) -> np.ndarray:
    """Every calibrated number at ``z`` as the calibrated dataset writes it: rounded
    (:func:`_round`) where it moved, its prior where it did not. The fit evaluates these
    (:class:`~.fit.Misfit`), so its optimum is the written dataset's: on a tie between two
    gates or markets (a reduced cost of a few cents per tonne) the rounding of a price to the
    whole dollar would otherwise move whole flows after the fit."""
    f = parameters.space.factors
    out = parameters.values(z).astype(float)
    for i, r in enumerate(f.itertuples(index=False)):
        new = _round(float(out[i]), r.unit, float(r.low), float(r.high))
        moved = abs(new - float(r.value)) > 1e-12 * max(1.0, abs(float(r.value)))
        out[i] = new if moved else float(r.value)
    return out


def calibrated_values(parameters: Parameters, z: np.ndarray) -> dict[tuple[str, str, str], float]:
    """``{(table, key, field): value}`` of every calibrated number that moved, rounded."""
    f = parameters.space.factors
    out = {}
    for r, new in zip(f.itertuples(index=False), written_values(parameters, z)):
        if abs(new - float(r.value)) > 1e-12 * max(1.0, abs(float(r.value))):
            out[(r.table, r.key, r.field)] = float(new)
    return out


def _text(value: float) -> str:
    return f"{value:.10g}"


def _lines(path: Path) -> tuple[list[str], list[list[str]]]:
    """A CSV file's lines and their parsed fields (one record per line)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) != len(lines):
        raise ValueError(f"{path}: a record spans several lines (not supported)")
    return lines, rows


def _line(fields: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


def _sources(tables: InputTables, name: str) -> list[Path]:
    return [Path(p) for p in tables.sources.get(name, [])]


def _merged(tables: InputTables, name: str) -> tuple[list[str], list[list[str]], list[str]]:
    """A table's header, rows (base file, overlays merged by key) and the lines as written
    (unchanged rows keep their text)."""
    files = _sources(tables, name)
    lines, rows = _lines(files[0])
    header, key = rows[0], _KEYS[name]
    at = [header.index(k) for k in key]
    where = {tuple(r[i] for i in at): n for n, r in enumerate(rows) if n}
    for extra in files[1:]:
        xl, xr = _lines(extra)
        cols = xr[0]
        for text, r in zip(xl[1:], xr[1:]):
            row = [r[cols.index(c)] if c in cols else "" for c in header]
            k = tuple(row[i] for i in at)
            if k in where:
                rows[where[k]], lines[where[k]] = row, _line(row) if cols != header else text
            else:
                where[k] = len(rows)
                rows.append(row)
                lines.append(_line(row) if cols != header else text)
    return header, rows, lines


def write_dataset(folder: Path, tables: InputTables, parameters: Parameters,
                  changes: dict[tuple[str, str, str], float], fit_id: str) -> dict[str, int]:
    """Write ``folder/dataset`` and ``folder/uncalibrated`` (see the module docstring).

    Parameters
    ----------
    folder : Path
        The calibration's output folder (being built).
    tables : InputTables
        The input dataset (its files are read again: rows are rewritten as text).
    parameters : Parameters
        The calibrated numbers (their units).
    changes : dict
        :func:`calibrated_values`.
    fit_id : str

    Returns
    -------
    dict
        Rows rewritten per table.
    """
    out_dir, prior_dir = folder / "dataset", folder / "uncalibrated"
    out_dir.mkdir(parents=True)
    prior_dir.mkdir()
    base = _sources(tables, "products")[0].parent
    for path in sorted(base.glob("*.csv")):
        shutil.copyfile(path, out_dir / path.name)
    units = {(r.table, r.key, r.field): r.unit for r in
             parameters.space.factors.itertuples(index=False)}
    by_table: dict[str, dict[str, dict[str, float]]] = {}
    for (table, key, field), value in changes.items():
        by_table.setdefault(table, {}).setdefault(key, {})[field] = value
    counts = {}
    for spec in TABLES:
        if not _sources(tables, spec.name):
            continue
        header, rows, lines = _merged(tables, spec.name)
        edits = by_table.get(spec.name, {})
        at = [header.index(k) for k in spec.key]
        prior = [lines[0]]
        for n in range(1, len(rows)):
            key = "|".join(rows[n][i] for i in at)
            if key not in edits:
                continue
            prior.append(lines[n])
            rows[n] = _calibrated_row(header, rows[n], edits[key], units, spec.name, key, fit_id)
            lines[n] = _line(rows[n])
        (out_dir / spec.filename).write_text("\n".join(lines) + "\n", encoding="utf-8")
        if len(prior) > 1:
            (prior_dir / spec.filename).write_text("\n".join(prior) + "\n", encoding="utf-8")
            counts[spec.name] = len(prior) - 1
    if (out_dir / RANGES_FILE).exists():
        _update_ranges(out_dir / RANGES_FILE, changes)
    return counts


def _calibrated_row(header: list[str], row: list[str], edits: dict[str, float], units: dict,
                    table: str, key: str, fit_id: str) -> list[str]:
    row = list(row)
    moves = []
    for field, value in sorted(edits.items()):
        i = header.index(field)
        unit = units.get((table, key, field), "")
        moves.append(f"{field} {row[i]} -> {_text(value)} {unit}".rstrip())
        row[i] = _text(value)
    note = f"calibrated (fit {fit_id}): " + "; ".join(moves)
    if "notes" in header:
        i = header.index("notes")
        row[i] = f"{note}. {row[i]}" if row[i] else note
    if "source" in header:
        i = header.index("source")
        row[i] = f"{row[i]}; borderflow calibrate fit {fit_id} (docs/calibration-report.md)"
    return row


def _update_ranges(path: Path, changes: dict[tuple[str, str, str], float]) -> None:
    lines, rows = _lines(path)
    header = rows[0]
    t, k, f, v = (header.index(c) for c in ("table", "row_key", "field", "value"))
    for n in range(1, len(rows)):
        new = changes.get((rows[n][t], rows[n][k], rows[n][f]))
        if new is not None:
            rows[n][v] = f"{new:.6g}"
            lines[n] = _line(rows[n])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
