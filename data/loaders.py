"""Read the dataset's CSV tables into validated DataFrames (no modelling logic here).

``read_tables(dir)`` reads every table of :data:`borderflow.data.schemas.TABLES`, checks each
against its schema and returns an :class:`InputTables`. Any problem becomes an
:class:`~borderflow.data.errors.InputError` naming the file, the row and the field.
Overlay folders add rows or replace rows with the same key (e.g. a user's new crossing).
"""

from __future__ import annotations

import ast
import csv
import difflib
import hashlib
import io
import os
import re
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .errors import InputError, Problem, display_path
from .inputfile import regular_file_size
from .schemas import REGION_LAT, REGION_LON, SLUG, TABLES, TableSpec

#: largest input file read (bytes): beyond it the file is refused before parsing
MAX_FILE_BYTES = 200 * 1024 * 1024


def default_data_dir() -> Path:
    """Folder of the embedded default dataset (``borderflow/data/default``)."""
    try:
        path = Path(str(resources.files("borderflow.data") / "default"))
    except ModuleNotFoundError:  # pragma: no cover - running from a source tree
        path = Path(__file__).parent / "default"
    return path


def uncalibrated_data_dir() -> Path:
    """Folder of the uncalibrated overlay shipped beside the embedded dataset
    (``borderflow/data/uncalibrated``; ``data/uncalibrated`` in a source tree): the prior rows
    of every row calibration moved. ``load_dataset(overlays=[uncalibrated_data_dir()])`` (CLI:
    ``--overlay``) is the uncalibrated dataset, for comparison (docs/calibration.md)."""
    return default_data_dir().parent / "uncalibrated"


def example_scenario(name: str) -> Path:
    """Path of a scenario file shipped with borderflow (``data/scenarios/<name>.yaml``, e.g.
    ``"boten-2021"``); read it with ``bf.Scenario.from_yaml``. Raises :class:`InputError`
    naming the examples if there is none of that name."""
    folder = default_data_dir().parent / "scenarios"
    path = folder / f"{name.removesuffix('.yaml')}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))
        raise InputError(Problem(f"scenario {name!r}", None, None,
                                 f"no example scenario of that name (there are: {known})"))
    return path


@dataclass
class InputTables:
    """The validated input tables of one dataset, one DataFrame per table.

    Attributes are named as the tables (``products``, ``nodes``, ``crossings``, ``links``,
    ``supply``, ``seasonality``, ``markets``, ``parameters``, ``provenance``, and the optional
    ``cost_terms`` and ``destination_shares``: empty when the dataset has none); ``sources`` maps
    each table to the file(s) it was read from and ``checksums`` each file to its SHA-256
    (with the dataset folder's :data:`RUN_SIDE_FILES`, e.g. ``behaviour.csv``).
    """

    products: pd.DataFrame
    nodes: pd.DataFrame
    crossings: pd.DataFrame
    links: pd.DataFrame
    supply: pd.DataFrame
    seasonality: pd.DataFrame
    markets: pd.DataFrame
    parameters: pd.DataFrame
    provenance: pd.DataFrame
    cost_terms: pd.DataFrame
    destination_shares: pd.DataFrame
    sources: dict[str, list[str]] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)

    def parameter(self, name: str, default: float | None = None) -> float:
        """Value of a scalar parameter from ``parameters.csv`` (``default`` if absent)."""
        row = self.parameters.loc[self.parameters["parameter"] == name, "value"]
        if row.empty and default is not None:
            return float(default)
        if row.empty:
            raise InputError(Problem(self.sources.get("parameters", ["parameters.csv"])[0],
                                     None, "parameter", f"missing parameter '{name}'"))
        return float(row.iloc[0])

    def copy(self) -> InputTables:
        """Deep copy (stages never mutate their inputs; scenarios work on copies)."""
        return InputTables(**{spec.name: getattr(self, spec.name).copy() for spec in TABLES},
                           sources=dict(self.sources), checksums=dict(self.checksums))


def _read_csv(path: Path, spec: TableSpec) -> pd.DataFrame:
    shown = display_path(path)
    size = regular_file_size(path, shown, "CSV")
    if size == 0:
        raise InputError(Problem(shown, None, None, "the file is empty (expected a header row "
                                 f"with columns {', '.join(spec.schema.columns)})"))
    if size > MAX_FILE_BYTES:
        raise InputError(Problem(shown, None, None, f"the file is {size / 1e6:.0f} MB, larger "
                                 f"than the {MAX_FILE_BYTES / 1e6:.0f} MB limit"))
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(Problem(shown, None, None, f"cannot be read: {err.strerror}")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(_not_utf8(raw, err.start, shown)) from None
    header = next(csv.reader(io.StringIO(text)), [])
    _check_delimiter(header, spec, shown)
    _check_field_counts(text, len(header), shown)
    dup = sorted({c.strip() for c in header if [h.strip() for h in header].count(c.strip()) > 1})
    if dup:
        raise InputError(Problem(shown, None, dup[0], f"column '{dup[0]}' appears twice in the "
                                 "header (each column once)"))
    try:
        with warnings.catch_warnings():  # trailing empty fields ("1,2,"): dropped, as intended
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                             na_values=[""], skipinitialspace=True, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(_parser_problem(str(err), len(header), shown)) from None
    df.columns = [c.strip() for c in df.columns]
    if df.empty and spec.required:
        raise InputError(Problem(shown, None, None, "the table has a header but no rows"))
    _check_columns(df, spec, shown)
    return df


#: separators spreadsheets write instead of commas, in words
_SEPARATORS = {";": "semicolons (';')", "\t": "tabs (a TSV file)", "|": "bars ('|')"}


def _check_delimiter(header: list[str], spec: TableSpec, shown: str) -> None:
    """Refuse a file whose columns are separated by something else than commas: its header
    then reads as one (or a few) columns holding the separator."""
    expected = set(spec.schema.columns)
    if any(c.strip() in expected for c in header):
        return
    joined = ",".join(header)
    for sep, words in _SEPARATORS.items():
        if sum(name.strip() in expected for name in joined.split(sep)) >= 2:
            raise InputError(Problem(shown, None, None, f"columns are separated by {words}, "
                                     "not commas: save it as comma-separated CSV (in a "
                                     "spreadsheet: 'CSV UTF-8 (comma delimited)')"))


def _check_field_counts(text: str, n_header: int, shown: str) -> None:
    """Refuse a row with more values than the header has columns (an unquoted comma in a
    value, e.g. ``1,000``): pandas would shift the row's values, or the whole table's if it is
    the first row, silently. Extra empty fields at the end of a row are allowed."""
    try:
        for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if len(row) > n_header and any(v.strip() for v in row[n_header:]):
                raise InputError(Problem(shown, max(line - 1, 1), None, f"has {len(row)} "
                                         f"values where the header has {n_header} columns: a "
                                         "value holding a comma must be in double quotes"))
    except csv.Error as err:
        raise InputError(Problem(shown, None, None, f"not a readable CSV table: {err}")) from None


def _parser_problem(message: str, n_header: int, shown: str) -> Problem:
    """pandas' tokenizer error in words, with the data row it is on."""
    hit = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if hit is None:
        return Problem(shown, None, None, f"not a readable CSV table: {message}")
    line, saw = int(hit.group(2)), int(hit.group(3))
    return Problem(shown, max(line - 1, 1), None, f"has {saw} fields where the header has "
                   f"{n_header}: a value holding a comma must be in double quotes")


def _not_utf8(raw: bytes, at: int, shown: str) -> Problem:
    """The problem of a file that is not UTF-8: its row, the column the bad byte is in."""
    line = raw[:at].count(b"\n") + 1
    start = raw.rfind(b"\n", 0, at) + 1
    prefix = raw[start:at].decode("utf-8", errors="replace")
    header = next(csv.reader([raw.split(b"\n", 1)[0].decode("utf-8", errors="replace")]), [])
    col = len(next(csv.reader([prefix]), [""])) - 1 if line > 1 else None
    field = header[col].strip() if col is not None and col < len(header) else None
    char = bytes([raw[at]]).decode("cp1252", errors="replace")
    return Problem(shown, max(line - 1, 1), field, f"not UTF-8 text (byte 0x{raw[at]:02x} at "
                   f"line {line}, '{char}' in Latin-1/Windows-1252); save the file as UTF-8")


def _check_columns(df: pd.DataFrame, spec: TableSpec, shown: str) -> None:
    expected = list(spec.schema.columns)
    required = [c for c, col in spec.schema.columns.items() if col.required]
    missing = [c for c in required if c not in df.columns]
    if missing:
        unknown = [c for c in df.columns if c not in expected]
        hint = ""
        close = difflib.get_close_matches(missing[0], unknown, n=1)
        if close:
            hint = f" (found '{close[0]}': did you mean '{missing[0]}'?)"
        raise InputError(Problem(shown, None, missing[0],
                                 f"required column '{missing[0]}' is missing{hint}"))


def _coerce_booleans(df: pd.DataFrame, spec: TableSpec, shown: str) -> pd.DataFrame:
    truth = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
    for col in spec.booleans:
        values = df[col].astype("string").str.strip().str.lower()
        bad = values.isna() | ~values.isin(list(truth))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(row_problem(df, spec, shown, i, col,
                                      f"expected true or false, got {df[col].iloc[i]!r}"))
        df[col] = values.map(truth).astype(bool)
    return df


def row_problem(df: pd.DataFrame, spec: TableSpec, shown: str, i: int, col: str | None,
             message: str) -> Problem:
    """Problem at positional row ``i`` of a loaded table, with its file, 1-based row and id."""
    row_id = None
    if all(k in df.columns for k in spec.key):
        row_id = "/".join(str(df[k].iloc[i]) for k in spec.key)
    if "_file" in df:
        shown = str(df["_file"].iloc[i])
    return Problem(shown, int(df["_row"].iloc[i]) if "_row" in df else i + 1, col, message, row_id)


def _validate(df: pd.DataFrame, spec: TableSpec, shown: str) -> pd.DataFrame:
    df = df.reset_index(drop=True)
    try:
        out = spec.schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases.copy()
        cases["index"] = pd.to_numeric(cases["index"], errors="coerce")
        cases = cases.dropna(subset=["index"]).sort_values(["index"], kind="stable")
        problems = []
        seen = set()
        for _, case in cases.iterrows():
            i = int(case["index"])
            col = case["column"] if isinstance(case["column"], str) else None
            if (i, col) in seen:  # one problem per cell: inf is not finite, nor <= the bound
                continue
            seen.add((i, col))
            message = _describe_check(str(case["check"]), case["failure_case"])
            if col in ("lon", "lat"):
                message += _coordinate_hint(df, i)
            problems.append(row_problem(df, spec, shown, i, col, message))
        if not problems:
            problems = [Problem(shown, None, None, str(err).splitlines()[0])]
        raise InputError(problems) from None
    dup = out.duplicated(subset=list(spec.key), keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((out[list(spec.key)] == out.loc[i, list(spec.key)]).all(axis=1)
                                   .to_numpy())[0])
        raise InputError(row_problem(out, spec, shown, i, spec.key[-1],
                                  f"duplicate id {'/'.join(map(str, out.loc[i, list(spec.key)]))}"
                                  f" (first defined in row {int(out['_row'].iloc[first])})"))
    return out


_COMPARE = {"greater_than_or_equal_to": ">=", "greater_than": ">", "less_than_or_equal_to": "<=",
            "less_than": "<", "equal_to": "=", "not_equal_to": "!="}


def _describe_check(check: str, value: object) -> str:
    """A failed pandera check in words: what is wrong and what was expected."""
    shown = "empty" if value is None or (isinstance(value, float) and np.isnan(value)) \
        else repr(value)
    name, _, args = check.partition("(")
    try:
        arg = ast.literal_eval(args[:-1]) if args else None
    except (ValueError, SyntaxError):
        arg = args[:-1]
    if name in ("coerce_dtype", "dtype"):
        kind = {"float64": "number", "int64": "whole number", "bool": "true or false"}.get(
            str(arg), str(arg))
        return f"expected a {kind}, got {shown}"
    if name == "not_nullable":
        return "a value is required, got empty (or NaN)"
    if name in ("less_than_or_equal_to", "less_than"):
        return (f"must be {_COMPARE[name]} {_number(arg)} (the largest plausible value; see "
                f"docs/reliability.md), got {shown}")
    if name in _COMPARE:
        return f"must be {_COMPARE[name]} {_number(arg)}, got {shown}"
    if name == "in_range" and isinstance(arg, tuple):
        return f"must be between {_number(arg[0])} and {_number(arg[1])}, got {shown}"
    if name == "isin":
        return f"must be one of {', '.join(map(str, arg))}, got {shown}"
    if name == "str_matches" and arg == SLUG:
        return f"must be an id of lowercase letters, digits, '-' or '_', got {shown}"
    if name == "finite":
        return f"must be a finite number, got {shown}"
    if name == "str_length":
        return f"must not be empty, got {shown}"
    readable = {"str_matches": "must match", "str_startswith": "must start with"}.get(name, name)
    return f"{readable} {arg!r}, got {shown}"


def _number(x: object) -> str:
    """``0`` for 0.0, ``125`` for 125.0; anything else as it is."""
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


def _coordinate_hint(df: pd.DataFrame, i: int) -> str:
    """Why a row's lon/lat is outside the region: projected metres, or lat and lon swapped."""
    try:
        lon, lat = float(df["lon"].iloc[i]), float(df["lat"].iloc[i])
    except (KeyError, TypeError, ValueError):
        return ""
    if REGION_LAT[0] <= lon <= REGION_LAT[1] and REGION_LON[0] <= lat <= REGION_LON[1]:
        return f" (lat/lon swapped? lon {lat:g}, lat {lon:g} would be in the region)"
    if abs(lon) > 180 or abs(lat) > 90:
        return (" (projected metres, e.g. Web Mercator EPSG:3857? expected degrees, "
                f"EPSG:4326: lon {REGION_LON[0]:g} to {REGION_LON[1]:g}, lat {REGION_LAT[0]:g} "
                f"to {REGION_LAT[1]:g})")
    return ""


def _read_table(folder: Path, spec: TableSpec) -> pd.DataFrame | None:
    path = folder / spec.filename
    if not os.path.lexists(path):
        return None
    return read_table_file(path, spec)


def read_table_file(path: Path | str, spec: TableSpec) -> pd.DataFrame:
    """Read one CSV file (whatever its name) as table ``spec`` and check it against the schema.

    Returns
    -------
    DataFrame
        With ``_row`` (1-based data row) and ``_file`` (as shown in messages) columns.

    Raises
    ------
    InputError
        Naming file, row and field of every problem (a missing file too).
    """
    path = Path(path)
    shown = display_path(path)
    if not os.path.lexists(path):  # a folder, FIFO or link: _read_csv says what it is
        raise InputError(Problem(shown, None, None, f"no such file (expected the "
                                 f"{spec.name} table, {spec.filename})"))
    df = _read_csv(path, spec)
    df["_row"] = np.arange(1, len(df) + 1)
    df["_file"] = shown
    df = _coerce_booleans(df, spec, shown)
    return _validate(df, spec, shown)


def _empty(spec: TableSpec) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in spec.schema.columns})


#: side tables of the dataset folder (not overlays) that a run reads besides the tables:
#: ``behaviour.csv`` (:mod:`borderflow.behaviour`, the realistic dispatch's reaction lag and
#: drivers who keep coming). Their SHA-256 is recorded with the tables' (``run.json``
#: ``input_sha256``), so a run says which behaviour it used and ``verify`` sees it change.
RUN_SIDE_FILES = ("behaviour.csv",)


def sha256_file(path: Path | str) -> str:
    """Hex SHA-256 of a file's bytes (the checksums recorded in ``run.json``)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _unknown_tables(folder: Path) -> None:
    """Refuse a CSV file in an overlay folder that is no table (it would be silently ignored)."""
    names = [spec.name for spec in TABLES]
    for path in sorted(folder.glob("*.csv")):
        if path.stem not in names:
            close = difflib.get_close_matches(path.stem, names, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise InputError(Problem(display_path(path), None, None, f"unknown table "
                                     f"'{path.stem}' ({hint}tables are {', '.join(names)})"))


def _check_folder(folder: Path, what: str) -> None:
    """A dataset or overlay folder exists and is a folder (the message says which not)."""
    if folder.is_dir():
        return
    if os.path.lexists(folder) and not folder.exists():
        message = f"{what} folder is a broken symbolic link"
    elif folder.exists():
        message = f"is a file, not a folder: give the {what} folder holding the CSV tables"
    else:
        message = f"{what} folder does not exist"
    raise InputError(Problem(display_path(folder), None, None, message))


def read_tables(data_dir: Path | str | None = None,
                overlays: tuple[Path | str, ...] | list[Path | str] = ()) -> InputTables:
    """Read and schema-check every table of a dataset folder.

    Parameters
    ----------
    data_dir : path, optional
        Folder holding ``products.csv``, ``nodes.csv``, ... (default: the embedded dataset).
    overlays : sequence of paths
        Folders whose tables add rows to, or replace rows (same key) of, the base tables.
        An overlay need only hold the tables it changes; a CSV file in it that is no table
        (e.g. ``crossing.csv``) is refused rather than ignored.

    Returns
    -------
    InputTables
        Schema-valid tables (types coerced, ids unique). Cross-table rules are checked by
        :func:`borderflow.data.checks.validate_tables`.

    Raises
    ------
    InputError
        Naming file, row and field of the first problem.
    """
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    _check_folder(base, "data")
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, list[str]] = {}
    checksums: dict[str, str] = {}
    for spec in TABLES:
        df = _read_table(base, spec)
        if df is None:
            if spec.required:
                raise InputError(Problem(display_path(base / spec.filename), None, None,
                                         "required table is missing"))
            df = _empty(spec)
        else:
            sources[spec.name] = [display_path(base / spec.filename)]
            checksums[display_path(base / spec.filename)] = sha256_file(base / spec.filename)
        frames[spec.name] = df
    for name in RUN_SIDE_FILES:  # read by the run from the dataset folder itself
        if (base / name).is_file():
            checksums[display_path(base / name)] = sha256_file(base / name)
    for overlay in overlays:
        folder = Path(overlay)
        _check_folder(folder, "overlay")
        _unknown_tables(folder)
        for spec in TABLES:
            extra = _read_table(folder, spec)
            if extra is None:
                continue
            key = list(spec.key)
            kept = frames[spec.name].merge(extra[key], on=key, how="left", indicator=True)
            kept = frames[spec.name][(kept["_merge"] == "left_only").to_numpy()]
            frames[spec.name] = pd.concat([kept, extra], ignore_index=True)
            path = folder / spec.filename
            sources.setdefault(spec.name, []).append(display_path(path))
            checksums[display_path(path)] = sha256_file(path)
    return InputTables(**frames, sources=sources, checksums=checksums)
