"""``ranges.csv``: a low and a high (and a distribution) for every estimated number, checked.

The table is long, one row per ranged number::

    table,key,field,low,high,distribution,basis,source
    crossings,boten-mohan,capacity_a_to_b_trucks_per_day,300,450,triangular,"...",...
    supply,la-attapeu|cassava,supply_t_per_year,80000,160000,uniform,"...",...
    parameters,road_cost_usd_per_truck_km,value,1.0,1.5,uniform,"GMS rates 1.0-1.5",...

``key`` (or ``row_key``, as the embedded dataset and ``tools/build_ranges.py`` name it) names
the row in its table: its id columns joined by ``|`` in the schema's key order
(``crossing_id``; ``node_id|product_id`` for supply and markets; ``product_id|country|month``
for seasonality; the parameter name for parameters). Optional columns: ``distribution``
(``uniform`` when empty, ``triangular``, ``pert``, ``loguniform``; the dataset's value is the
mode of the first two), ``group`` (rows of one group move together: see
:mod:`borderflow.uncertainty.sampling`), ``unit`` (checked against the field's unit),
``basis`` (how the range was derived), ``source`` and ``value`` (the number the range was
derived from: when given, it must be the dataset's, else the file is out of date with the
table it ranges).

:func:`read_ranges` returns the checked table (or an empty one, "no ranges in the dataset",
when the file is absent) and raises :class:`~borderflow.data.errors.InputError` naming file,
row and field of every problem: an unknown table, key or field, a low above the high, a range
that does not hold the dataset's value, a bound outside what the field's schema allows.
:func:`check_ranges` is what ``borderflow data check`` calls.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.data.errors import InputError, Problem, display_path
from borderflow.data.loaders import InputTables, default_data_dir
from borderflow.data.parameters import congestion_tiers
from borderflow.data.schemas import TABLES, TableSpec

from .fields import WARM_EFFECTS, field_effect, fields_of, rangeable_tables
from .ladders import ladder_problems

RANGES_FILE = "ranges.csv"
REQUIRED_COLUMNS = ("table", "key", "field", "low", "high")
OPTIONAL_COLUMNS = ("distribution", "group", "unit", "basis", "source", "value")
DISTRIBUTIONS = ("uniform", "triangular", "pert", "loguniform")
#: the dataset's value may sit this far (relative) outside [low, high]: CSV rounding
VALUE_TOLERANCE = 1e-9
NO_RANGES = "no ranges in the dataset"

#: columns of :attr:`Ranges.table`
RANGE_TABLE_COLUMNS = ["table", "key", "field", "low", "value", "high", "distribution", "unit",
                       "effect_static", "effect_dated", "group", "basis", "source", "row"]


@dataclass(frozen=True)
class RangedTable:
    """A table whose numbers may be ranged: its rows, key columns and file name."""

    name: str
    frame: pd.DataFrame
    key: tuple[str, ...]
    file: str
    bounds: dict[str, tuple[float | None, float | None, bool]] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranges:
    """Checked ranges of a dataset.

    Attributes
    ----------
    table : DataFrame
        One row per ranged number (:data:`RANGE_TABLE_COLUMNS`): ``value`` is the dataset's,
        ``effect_static``/``effect_dated`` what it changes in a kept model
        (:mod:`borderflow.uncertainty.fields`), ``row`` its 1-based row in the file.
    file : str or None
        The file read (``None``: the dataset has none).
    """

    table: pd.DataFrame
    file: str | None = None

    @property
    def empty(self) -> bool:
        """True when there is nothing to sample."""
        return self.table.empty

    def describe(self) -> str:
        """One line for ``data check``: how many ranges, how many sampled and warm."""
        if self.file is None:
            return NO_RANGES
        t = self.table
        used = t[t["effect_static"] != "none"]
        fixed = int((used["low"] == used["high"]).sum())
        warm = int(used["effect_static"].isin(WARM_EFFECTS).sum())
        return (f"{len(t):,} ranges in {self.file}: {len(used) - fixed:,} sampled in a static "
                f"run ({warm - fixed:,} warm, {len(used) - warm:,} needing a rebuild), "
                f"{len(t) - len(used):,} on numbers the model does not read, {fixed:,} fixed "
                "(low = high)")


def ranged_tables(tables: InputTables) -> dict[str, RangedTable]:
    """The input tables as :class:`RangedTable` (schema key columns and numeric bounds)."""
    out = {}
    for spec in TABLES:
        if spec.name == "provenance":
            continue
        out[spec.name] = RangedTable(spec.name, getattr(tables, spec.name), spec.key,
                                     _file(tables, spec), _schema_bounds(spec))
    return out


def _file(tables: InputTables, spec: TableSpec) -> str:
    files = tables.sources.get(spec.name)
    return files[-1] if files else spec.filename


def _schema_bounds(spec: TableSpec) -> dict[str, tuple[float | None, float | None, bool]]:
    """Per numeric column: (lowest, highest, lowest excluded) its schema allows."""
    out = {}
    for name, col in spec.schema.columns.items():
        if str(col.dtype) not in ("float64", "int64"):
            continue
        lo = hi = None
        strict = False
        for check in col.checks:
            stats = check.statistics or {}
            if "min_value" in stats:
                lo, strict = float(stats["min_value"]), check.name == "greater_than"
            if "max_value" in stats:
                hi = float(stats["max_value"])
        out[name] = (lo, hi, strict)
    return out


def key_of(row: pd.Series | dict, key: tuple[str, ...]) -> str:
    """The ``key`` text of a table row: its id columns joined by ``|`` (whole numbers without
    a decimal point, so month 3 is ``3``)."""
    parts = []
    for k in key:
        v = row[k]
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)
        parts.append(str(v).strip())
    return "|".join(parts)


def read_ranges(source: Path | str | None, tables: InputTables,
                extra: dict[str, RangedTable] | None = None) -> Ranges:
    """Read and check a ranges file against the dataset it describes.

    Parameters
    ----------
    source : path or None
        ``ranges.csv`` or the dataset folder holding it; ``None`` or a missing file gives
        empty ranges (:data:`NO_RANGES`).
    tables : InputTables
        The dataset's checked tables (the values the ranges must hold).
    extra : dict, optional
        Further tables whose numbers may be ranged (e.g. ``investments``), by name.

    Returns
    -------
    Ranges

    Raises
    ------
    InputError
        Every problem found, each naming the file, its row and field.
    """
    ranges, problems = _read(source, tables, extra)
    if problems:
        raise InputError(problems)
    return ranges


def range_problems(source: Path | str | None, tables: InputTables,
                   extra: dict[str, RangedTable] | None = None) -> list[Problem]:
    """Every problem of a ranges file (empty list: fine or absent)."""
    return _read(source, tables, extra)[1]


def check_ranges(tables: InputTables, data_dir: Path | str | None,
                 extra: dict[str, RangedTable] | None = None) -> tuple[list[Problem], str]:
    """What ``borderflow data check`` reports about ranges: the problems, and one line that
    says how many ranges there are and how they are used (or :data:`NO_RANGES`).

    ``data_dir`` ``None`` is the embedded dataset (as for :func:`read_tables`)."""
    if data_dir is None:
        data_dir = default_data_dir()
    ranges, problems = _read(data_dir, tables, extra)
    return problems, ranges.describe() if not problems else f"{len(problems)} range problem(s)"


def _resolve(source: Path | str | None) -> Path | None:
    if source is None:
        return None
    path = Path(source)
    if path.is_dir():
        path = path / RANGES_FILE
    return path if path.exists() else None


def _read(source, tables: InputTables, extra) -> tuple[Ranges, list[Problem]]:
    path = _resolve(source)
    if path is None:
        return Ranges(pd.DataFrame(columns=RANGE_TABLE_COLUMNS)), []
    shown = display_path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                          skipinitialspace=True, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        return Ranges(pd.DataFrame(columns=RANGE_TABLE_COLUMNS), shown), [
            Problem(shown, None, None, f"not a readable UTF-8 CSV table: {err}")]
    raw.columns = [c.strip() for c in raw.columns]
    if "row_key" in raw.columns and "key" not in raw.columns:  # the embedded dataset's name
        raw = raw.rename(columns={"row_key": "key"})
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        return Ranges(pd.DataFrame(columns=RANGE_TABLE_COLUMNS), shown), [
            Problem(shown, None, missing[0], f"required column '{missing[0]}' is missing "
                    f"(columns: {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)})")]
    known = {**ranged_tables(tables), **(extra or {})}
    checker = _RowChecker(shown, known)
    rows = [checker.row(i + 1, rec) for i, rec in enumerate(raw.to_dict("records"))]
    out = pd.DataFrame([r for r in rows if r is not None], columns=RANGE_TABLE_COLUMNS)
    out = checker.ladders(out)
    return Ranges(out, shown), checker.problems


def ranges_from_records(records: list[dict], shown: str, tables: InputTables,
                        extra: dict[str, RangedTable] | None = None) -> Ranges:
    """Ranges given as records (``table, key, field, low, high``, optional columns as in the
    file) rather than read from ``ranges.csv``, checked the same way (e.g. the capex ranges
    ``investments.csv`` carries in its own low and high columns).

    Raises
    ------
    InputError
        Every problem, naming ``shown``, the record's 1-based row and its field.
    """
    checker = _RowChecker(shown, {**ranged_tables(tables), **(extra or {})})
    rows = [checker.row(i + 1, rec) for i, rec in enumerate(records)]
    out = checker.ladders(pd.DataFrame([r for r in rows if r is not None],
                                       columns=RANGE_TABLE_COLUMNS))
    if checker.problems:
        raise InputError(checker.problems)
    return Ranges(out, shown)


class _RowChecker:
    """Checks ranges rows one by one, collecting problems."""

    def __init__(self, shown: str, known: dict[str, RangedTable]):
        self.shown = shown
        self.known = known
        self.problems: list[Problem] = []
        self.seen: dict[tuple[str, str, str], int] = {}
        self.index = {name: {key_of(r, t.key): i for i, r in
                             enumerate(t.frame[list(t.key)].to_dict("records"))}
                      for name, t in known.items()}
        params = known.get("parameters")
        #: parameters.csv values by name (empty without that table)
        self.values = {} if params is None or "parameter" not in params.frame else dict(
            zip(params.frame["parameter"].astype(str), params.frame["value"].astype(float)))
        #: a static model with congestion tiers builds its tier cells per payload: sampling a
        #: payload there is a structural change (rebuilt, or held in a warm run)
        self.tiers = bool(self.values) and congestion_tiers(self.values) is not None

    def ladders(self, out: pd.DataFrame) -> pd.DataFrame:
        """``out`` with overlapping ladders grouped (:mod:`borderflow.uncertainty.ladders`);
        a ladder that can fall even drawn together is a problem (checked once rows are
        fine)."""
        if self.problems:
            return out
        out, problems = ladder_problems(out, self.shown, self.values)
        self.problems.extend(problems)
        return out

    def fail(self, row: int, fieldname: str, message: str, row_id: str | None) -> None:
        self.problems.append(Problem(self.shown, row, fieldname, message, row_id))

    def row(self, n: int, rec: dict) -> dict | None:
        text = {k: ("" if v is None or (isinstance(v, float) and math.isnan(v)) else
                    str(v).strip()) for k, v in rec.items()}
        table, key, fieldname = text.get("table", ""), text.get("key", ""), text.get("field", "")
        rid = "/".join(x for x in (table, key, fieldname) if x) or None
        target = self._target(n, table, key, fieldname, rid)
        if target is None:
            return None
        t, i, effect = target
        value = t.frame[fieldname].iloc[i]
        bounds = self._bounds(n, text, rid)
        if bounds is None:
            return None
        low, high = bounds
        if value is None or pd.isna(value):
            self.fail(n, "field", f"{t.file} row '{key}' has no {fieldname} (empty): there is "
                      "no value to range", rid)
            return None
        value = float(value)
        if not self._recorded_value_ok(n, text.get("value", ""), value, t, key, fieldname, rid):
            return None
        dist = text.get("distribution", "").lower() or "uniform"
        if not self._values_ok(n, t, fieldname, low, value, high, dist, effect.unit, rid):
            return None
        unit = text.get("unit", "")
        if unit and effect.unit and unit != effect.unit:
            self.fail(n, "unit", f"unit '{unit}' does not match {table}.{fieldname}'s unit "
                      f"'{effect.unit}' (give low and high in {effect.unit})", rid)
            return None
        seen = (table, key, fieldname)
        if seen in self.seen:
            self.fail(n, "field", f"duplicate range for {'/'.join(seen)} (first in row "
                      f"{self.seen[seen]})", rid)
            return None
        self.seen[seen] = n
        eff_static = effect.effect(False)
        eff_dated = effect.effect(True)
        if table == "parameters" and key == "empty_return_share" and value == 0:
            eff_static = eff_dated = "structure"  # no empties terms exist to re-weight
        if table == "products" and fieldname == "payload_t_per_truck" and self.tiers:
            eff_static = "structure"  # check_congestion_sampling: the tier cells are per payload
        return {"table": table, "key": key, "field": fieldname, "low": low, "value": value,
                "high": high, "distribution": dist, "unit": effect.unit,
                "effect_static": eff_static, "effect_dated": eff_dated,
                "group": text.get("group", ""), "basis": text.get("basis", ""),
                "source": text.get("source", ""), "row": n}

    def _target(self, n: int, table: str, key: str, fieldname: str, rid: str | None):
        if table not in self.known:
            names = sorted(set(rangeable_tables()) & set(self.known) | set(self.known))
            close = difflib.get_close_matches(table, names, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            self.fail(n, "table", f"unknown table '{table}' ({hint}tables with ranges: "
                      f"{', '.join(names)})", rid)
            return None
        t = self.known[table]
        i = self.index[table].get(key)
        if i is None:
            close = difflib.get_close_matches(key, list(self.index[table]), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.fail(n, "key", f"no row '{key}' in {t.file}{hint}; a key is "
                      f"{'|'.join(t.key)}", rid)
            return None
        effect = field_effect(table, fieldname, key)
        if effect is None or fieldname not in t.frame.columns:
            options = fields_of(table)
            close = [f for f in options if fieldname and f.startswith(fieldname)] or \
                difflib.get_close_matches(fieldname, options, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            self.fail(n, "field", f"{table} has no rangeable number '{fieldname}' ({hint}"
                      f"fields: {', '.join(options)})", rid)
            return None
        return t, i, effect

    def _recorded_value_ok(self, n: int, recorded: str, value: float, t: RangedTable, key: str,
                           fieldname: str, rid: str | None) -> bool:
        """A ``value`` column, when given, must be the dataset's number (else the range was
        derived from another number: regenerate the file or drop the row)."""
        if not recorded:
            return True
        try:
            x = float(recorded.replace(",", ""))
        except ValueError:
            x = math.nan
        if not (math.isfinite(x) and abs(x - value) <= 1e-6 * max(1.0, abs(value))):
            self.fail(n, "value", f"value {recorded} differs from {t.file} row '{key}' "
                      f"{fieldname} = {value:g}: the range was derived from another number "
                      "(regenerate ranges.csv)", rid)
            return False
        return True

    def _bounds(self, n: int, text: dict, rid: str | None) -> tuple[float, float] | None:
        out = []
        for col in ("low", "high"):
            try:
                x = float(text[col].replace(",", "")) if text[col] else math.nan
            except ValueError:
                x = math.nan
            if not math.isfinite(x):
                self.fail(n, col, f"expected a finite number, got {text[col]!r}", rid)
                return None
            out.append(x)
        return out[0], out[1]

    def _values_ok(self, n: int, t: RangedTable, fieldname: str, low: float, value: float,
                   high: float, dist: str, unit: str, rid: str | None) -> bool:
        u = f" {unit}" if unit and unit != "-" else ""
        if dist not in DISTRIBUTIONS:
            close = difflib.get_close_matches(dist, DISTRIBUTIONS, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            self.fail(n, "distribution", f"unknown distribution '{dist}' ({hint}one of "
                      f"{', '.join(DISTRIBUTIONS)}; empty = uniform)", rid)
            return False
        if low > high:
            self.fail(n, "low", f"low {low:g} is above high {high:g}", rid)
            return False
        tol = VALUE_TOLERANCE * max(1.0, abs(value))
        if value < low - tol or value > high + tol:
            side = "low" if value < low else "high"
            self.fail(n, side, f"the dataset's value {value:g}{u} is outside [{low:g}, "
                      f"{high:g}] (the range must hold the value the model uses)", rid)
            return False
        lo, hi, strict = t.bounds.get(fieldname, (None, None, False))
        if lo is not None and (low < lo or (strict and low <= lo)):
            self.fail(n, "low", f"low {low:g} is {'at or ' if strict else ''}below the "
                      f"smallest {fieldname} the schema allows ({'>' if strict else '>='} "
                      f"{lo:g})", rid)
            return False
        if hi is not None and high > hi:
            self.fail(n, "high", f"high {high:g} is above the largest {fieldname} the schema "
                      f"allows ({hi:g})", rid)
            return False
        if dist == "loguniform" and low <= 0:
            self.fail(n, "low", f"a loguniform range needs low > 0, got {low:g}", rid)
            return False
        return True
