"""A sweep worker's table files made once per distinct table (borderflow/table_files.py): the
bytes of an identical table are the bytes formatting it gives, and "identical" is exact
(``-0.0`` is not ``0.0``, a changed string, dtype or column name is a different table); a
run folder written with ``same_tables`` has the same files as one written without."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from borderflow import table_files
from borderflow.io import PARQUET_OPTIONS, write_folder
from borderflow.table_files import identical, table_bytes


def _table() -> pd.DataFrame:
    return pd.DataFrame({"route_id": ["r1", "r2", None], "period": [0, 1, 2],
                         "flow_t": [1.5, 0.0, np.nan], "open": [True, False, True],
                         "note": pd.Series(["x", "a", None], dtype=object)})


def _formatted(df: pd.DataFrame) -> tuple[bytes, bytes]:
    import io
    buf = io.BytesIO()
    df.to_parquet(buf, **PARQUET_OPTIONS)
    return df.to_csv(None, index=False, lineterminator="\n").encode(), buf.getvalue()


@pytest.fixture(autouse=True)
def fresh():
    table_files._KEPT.clear()
    table_files.COUNTS.update(made=0, kept=0)
    yield
    table_files._KEPT.clear()


@pytest.mark.parametrize("change", [
    lambda d: d.assign(flow_t=[1.5, -0.0, np.nan]),      # -0.0 is written "-0.0"
    lambda d: d.assign(route_id=["r1", "r2", ""]),       # an empty string is not missing
    lambda d: d.assign(period=[0.0, 1.0, 2.0]),          # the same numbers, another dtype
    lambda d: d.rename(columns={"open": "is_open"}),
    lambda d: d.assign(note=pd.Series(["x", "b", None], dtype=object)),
    lambda d: d.iloc[:2],
])
def test_a_changed_table_is_not_identical(change):
    """Each change that a CSV or parquet file would show makes the table a different one."""
    a = _table()
    assert identical(a, _table())
    assert not identical(a, change(_table()))


def test_identical_table_gets_the_formatted_bytes():
    """First made (the bytes formatting gives), then taken for an identical table (a copy,
    another index), then made again for a changed one; each time the bytes are the
    formatter's."""
    a = _table()
    assert table_bytes("t", a, PARQUET_OPTIONS) == _formatted(a)
    b = _table().set_index(pd.Index([7, 8, 9]))  # the index is not written
    assert table_bytes("t", b, PARQUET_OPTIONS) == _formatted(b)
    assert table_files.COUNTS == {"made": 1, "kept": 1}
    c = _table().assign(flow_t=[1.5, 2.0, np.nan])
    assert table_bytes("t", c, PARQUET_OPTIONS) == _formatted(c)
    assert table_files.COUNTS == {"made": 2, "kept": 1}
    # a table changed after it was kept does not change what was kept
    a.loc[0, "flow_t"] = 99.0
    assert table_bytes("t", _table(), PARQUET_OPTIONS) == _formatted(_table())
    assert table_files.COUNTS == {"made": 2, "kept": 2}


def test_folders_with_and_without_kept_tables_are_the_same(tmp_path):
    """Two folders of the same tables, the second written twice with ``same_tables`` (the
    second time from what was kept): every table file the same bytes."""
    tables = {"flows": _table(), "other": _table().assign(period=[3, 4, 5])}
    plain = write_folder(tmp_path / "plain", tables, {"summary.json": {"a": 1}})
    for name in ("kept1", "kept2"):
        write_folder(tmp_path / name, tables, {"summary.json": {"a": 1}}, same_tables=True)
    assert table_files.COUNTS == {"made": 2, "kept": 2}
    for name in ("kept1", "kept2"):
        for table in tables:
            for ext in ("csv", "parquet"):
                f = f"{table}.{ext}"
                assert (tmp_path / name / f).read_bytes() == (plain / f).read_bytes(), f
