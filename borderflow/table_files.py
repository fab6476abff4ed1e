"""A table's CSV and parquet bytes, made once per distinct table a process writes.

A sweep's worker writes one run folder per scenario; most closures of a dated sweep leave
most tables as another scenario's (31 of the 50 ten-day closures of the embedded 60-day sweep
have the reference's optimum: their flows, queues, stream and spoilage tables are the
reference's), and formatting a table as CSV is most of writing it (0.30 of a folder's 0.43
profiled CPU s). :func:`table_bytes` keeps, per table name, the last few tables it formatted
with their bytes, and gives the kept bytes for a table identical to a kept one.

*Identical* is exact, column by column, never a hash: the same column names, order, dtypes
and length (and the column index's name and ``attrs``, which parquet records); numbers
compared as their bytes (so ``-0.0`` is not ``0.0``, and NaN payloads count); strings by
Arrow's exact equality, with missing values at the same places; any other column (objects,
categories) by the ``repr`` of every value and its type. The CSV and parquet writers are
deterministic functions of those (the index is not written), so an identical table has the
same bytes: what :func:`table_bytes` returns is what formatting it again would give.

*A table that differs from the kept ones* is mostly their rows: a closure that reroutes
traffic changes the flows near it (96 % of the rows of Pang Hok's 30,703-row ``flows.csv``
are the reference's). Its CSV is then written line by line (:func:`_csv_by_rows`): a row whose
values are, bit for bit, those of a row of a table formatted before under the same name, with
the same columns and dtypes, gets that row's line (:data:`_LINES`); the other rows are
formatted by pandas, together, and put in their places. A CSV line is a function of the
row's values alone for the columns this is done for (numbers, booleans and text: pandas
formats them value by value; dates, whose format depends on the whole column, and any other
dtype are formatted whole, as is a table whose text holds a line break), so the bytes are
those of formatting the table whole. A row's values are kept as one ``bytes`` (numbers as
their bytes, text as a code per distinct value: :func:`_row_keys`), about 0.4 kB a row with
its line: 26 MB for the tables of the 60-day sweep's baseline and four closures.
"""

from __future__ import annotations

import copy
import io
import threading
from collections import OrderedDict

import numpy as np
import pandas as pd
import pyarrow as pa

#: tables kept per name (the reference's, the last closures')
KEEP = 4

#: name -> [(the table's :func:`signature`, parquet options, its CSV bytes, its parquet
#: bytes)], the newest last
_KEPT: dict[str, list] = {}

#: (name, (column names, dtypes)) -> {a row's values (:func:`_row_keys`): its CSV line}: the
#: lines of every table of that name and columns formatted so far (at most :data:`MAX_LINES`)
_LINES: dict[tuple, dict] = {}

#: (name, (column names, dtypes)) -> {text column's position: {value: its code}} (the codes
#: of :func:`_row_keys`: distinct per value, missing -1)
_CODES: dict[tuple, dict] = {}

#: lines kept per table name and columns (a 60-day sweep's flows table: 30,703 rows)
MAX_LINES = 400_000

_LOCK = threading.Lock()

#: how many tables were formatted and how many taken from what was kept, and of the tables
#: formatted line by line, how many lines were taken and how many formatted (a test reads them)
COUNTS: OrderedDict = OrderedDict(made=0, kept=0, lines_kept=0, lines_made=0)


def table_bytes(name: str, df: pd.DataFrame, parquet_options: dict) -> tuple[bytes, bytes]:
    """``df``'s CSV (``index=False``, ``\\n`` line ends, UTF-8) and parquet
    (``parquet_options``) bytes, taken from a kept identical table of the same ``name`` when
    there is one.

    ``df``'s exact content (:func:`signature`) is read once and compared with each kept
    table's, read when it was kept: not each column of both tables again per kept table.

    Parameters
    ----------
    name : str
        The table's file name (without extension): tables are compared within a name.
    df : pandas.DataFrame
        The table.
    parquet_options : dict
        ``DataFrame.to_parquet``'s options (part of what is compared).

    Returns
    -------
    tuple of bytes
        The CSV file's bytes and the parquet file's bytes.
    """
    sig = signature(df)
    with _LOCK:  # a worker with several threads writes several folders at once
        kept = _KEPT.setdefault(name, [])
        for i, (other, options, csv, parquet) in enumerate(kept):
            if options == parquet_options and same_signature(sig, other):
                kept.append(kept.pop(i))  # the newest last: the least used goes first
                COUNTS["kept"] += 1
                return csv, parquet
    csv = _csv_by_rows(name, df, (tuple(sig[0][1]), tuple(sig[0][2])))
    buf = io.BytesIO()
    df.to_parquet(buf, **parquet_options)
    parquet = buf.getvalue()
    with _LOCK:
        COUNTS["made"] += 1
        kept.append((sig, dict(parquet_options), csv, parquet))
        del kept[:-KEEP]
    return csv, parquet


def _csv(df: pd.DataFrame) -> bytes:
    """``df``'s CSV bytes, formatted by pandas."""
    return df.to_csv(None, index=False, lineterminator="\n").encode("utf-8")


def _csv_by_rows(name: str, df: pd.DataFrame, head: tuple) -> bytes:
    """``df``'s CSV bytes, each row's line taken from the lines kept for tables of ``name``
    and ``head`` (column names and dtypes) where a row's values are a kept row's, the other
    rows formatted by pandas together (module docstring); their lines are kept in turn."""
    at = (name, head)
    with _LOCK:
        keys = _row_keys(df, at)
        if keys is None:
            return _csv(df)
        book = _LINES.get(at)
        lines = list(map(book.get, keys)) if book is not None else [None] * len(keys)
    missing = [i for i, line in enumerate(lines) if line is None]
    if len(missing) == len(keys):
        made = _csv(df)
        parts = made.split(b"\n")
        if len(parts) != len(keys) + 2:  # a line break inside a value: not split
            return made
        lines = new = [x + b"\n" for x in parts[1:-1]]
    else:
        parts = _csv(df.iloc[missing]).split(b"\n")
        if len(parts) != len(missing) + 2:
            return _csv(df)
        new = [x + b"\n" for x in parts[1:-1]]
        for i, line in zip(missing, new):
            lines[i] = line
        made = parts[0] + b"\n" + b"".join(lines)
    with _LOCK:
        COUNTS["lines_kept"] += len(keys) - len(missing)
        COUNTS["lines_made"] += len(missing)
        book = _LINES.setdefault(at, {})
        if len(book) + len(missing) > MAX_LINES:  # start again from this table's lines
            book.clear()
            book.update(zip(keys, lines))
        else:
            book.update(zip((keys[i] for i in missing), new))
    return made


def _row_keys(df: pd.DataFrame, at: tuple) -> list | None:
    """Each row's values as one ``bytes`` equal only for rows of the same values bit for bit:
    numbers and booleans as their bytes, text as a code per distinct value of that column of
    the tables ``at`` (name, columns and dtypes; :data:`_CODES`, missing -1), column after
    column; None if a column is of another dtype (its CSV format may depend on the whole
    column)."""
    n, parts, codes = len(df), [], None
    for j, (_, x) in enumerate(df.items()):
        if isinstance(x.dtype, np.dtype) and x.dtype.kind in "biuf":
            v = np.ascontiguousarray(x.to_numpy())
            parts.append(v.view(np.uint8).reshape(n, v.dtype.itemsize))
        elif isinstance(x.dtype, pd.StringDtype):
            if codes is None:
                codes = _CODES.setdefault(at, {})
            seen = codes.setdefault(j, {None: -1})
            text = x.to_numpy(dtype=object, na_value=None).tolist()
            code = np.fromiter((seen.setdefault(t, len(seen)) for t in text), dtype=np.int64,
                               count=n)
            parts.append(code.view(np.uint8).reshape(n, 8))
        else:
            return None
    if not parts:
        return None
    rows = np.ascontiguousarray(np.hstack(parts))
    return rows.view(f"V{rows.shape[1]}").ravel().tolist()


def identical(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two tables have the same columns (names, order, dtypes) and values, exactly
    (numbers bit for bit); the index is not compared (it is not written)."""
    return same_signature(signature(a), signature(b))


def signature(df: pd.DataFrame) -> tuple:
    """What of ``df`` its CSV and parquet files are made from, exactly, as values that do
    not change when ``df`` does: ``(head, columns)``, the head its shape, column names,
    dtypes, column index name and ``attrs`` (parquet records both), each column's values as
    :func:`_column_values` reads them. Compared by :func:`same_signature`."""
    head = (df.shape, list(df.columns), list(map(str, df.dtypes)), df.columns.name,
            copy.deepcopy(df.attrs))
    return head, [_column_values(col) for _, col in df.items()]


def same_signature(a: tuple, b: tuple) -> bool:
    """Whether two :func:`signature` values are of identical tables: the same head, then
    every column's values the same (column by column, the first difference ends it)."""
    if a[0] != b[0]:
        return False
    return all(_same_values(x, y) for x, y in zip(a[1], b[1]))


def _column_values(x: pd.Series) -> tuple:
    """``(dtype, kind, values)`` of one column: numbers (and dates) as their bytes, strings
    as an Arrow array (compared by Arrow's exact equality: values and nulls), any other
    column as the type and ``repr`` of every value."""
    if isinstance(x.dtype, np.dtype) and x.dtype.kind in "biufcmM":
        return x.dtype, "bytes", np.ascontiguousarray(x.to_numpy()).tobytes()
    if isinstance(x.dtype, pd.StringDtype):  # one array (a chunked one compares only with
        arr = pa.array(x.array)              # its own kind: one chunk for every column)
        return x.dtype, "arrow", arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) \
            else arr
    return x.dtype, "repr", [(type(v), repr(v)) for v in x.tolist()]


def _same_values(x: tuple, y: tuple) -> bool:
    """Two columns' :func:`_column_values` the same, exactly."""
    if x[0] != y[0] or x[1] != y[1]:
        return False
    return x[2].equals(y[2]) if x[1] == "arrow" else x[2] == y[2]
