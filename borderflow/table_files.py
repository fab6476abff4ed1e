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

_LOCK = threading.Lock()

#: how many tables were formatted and how many taken from what was kept (a test reads them)
COUNTS: OrderedDict = OrderedDict(made=0, kept=0)


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
    csv = df.to_csv(None, index=False, lineterminator="\n").encode("utf-8")
    buf = io.BytesIO()
    df.to_parquet(buf, **parquet_options)
    parquet = buf.getvalue()
    with _LOCK:
        COUNTS["made"] += 1
        kept.append((sig, dict(parquet_options), csv, parquet))
        del kept[:-KEEP]
    return csv, parquet


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
    if isinstance(x.dtype, pd.StringDtype):
        return x.dtype, "arrow", pa.array(x.array)
    return x.dtype, "repr", [(type(v), repr(v)) for v in x.tolist()]


def _same_values(x: tuple, y: tuple) -> bool:
    """Two columns' :func:`_column_values` the same, exactly."""
    if x[0] != y[0] or x[1] != y[1]:
        return False
    return x[2].equals(y[2]) if x[1] == "arrow" else x[2] == y[2]
