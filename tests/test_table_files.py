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


def _made_kept() -> dict:
    return {k: table_files.COUNTS[k] for k in ("made", "kept")}


@pytest.fixture(autouse=True)
def fresh():
    table_files._KEPT.clear()
    table_files._LINES.clear()
    table_files._CODES.clear()
    table_files.COUNTS.update(made=0, kept=0, lines_kept=0, lines_made=0)
    yield
    table_files._KEPT.clear()
    table_files._LINES.clear()
    table_files._CODES.clear()


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
    assert _made_kept() == {"made": 1, "kept": 1}
    c = _table().assign(flow_t=[1.5, 2.0, np.nan])
    assert table_bytes("t", c, PARQUET_OPTIONS) == _formatted(c)
    assert _made_kept() == {"made": 2, "kept": 1}
    # a table changed after it was kept does not change what was kept
    a.loc[0, "flow_t"] = 99.0
    assert table_bytes("t", _table(), PARQUET_OPTIONS) == _formatted(_table())
    assert _made_kept() == {"made": 2, "kept": 2}


def test_folders_with_and_without_kept_tables_are_the_same(tmp_path):
    """Two folders of the same tables, the second written twice with ``same_tables`` (the
    second time from what was kept): every table file the same bytes."""
    tables = {"flows": _table(), "other": _table().assign(period=[3, 4, 5])}
    plain = write_folder(tmp_path / "plain", tables, {"summary.json": {"a": 1}})
    for name in ("kept1", "kept2"):
        write_folder(tmp_path / name, tables, {"summary.json": {"a": 1}}, same_tables=True)
    assert _made_kept() == {"made": 2, "kept": 2}
    for name in ("kept1", "kept2"):
        for table in tables:
            for ext in ("csv", "parquet"):
                f = f"{table}.{ext}"
                assert (tmp_path / name / f).read_bytes() == (plain / f).read_bytes(), f


def _rows() -> pd.DataFrame:
    """A table of every kind of value a line is made of: floats (``-0.0``, NaN, infinities,
    the smallest and largest), ints, booleans, text with commas, quotes and missing values."""
    n = 40
    rng = np.random.default_rng(7)
    flow = rng.normal(size=n) * 10.0 ** rng.integers(-8, 9, size=n)
    flow[:6] = [-0.0, np.nan, np.inf, -np.inf, 5e-324, 1.7976931348623157e308]
    text = [f"r{i}" for i in range(n)]
    text[1], text[2], text[3], text[4] = 'a,b', 'say "x"', None, ""
    with np.errstate(over="ignore"):  # the largest double is inf as a float32
        small = flow.astype(np.float32)
    return pd.DataFrame({"route_id": pd.array(text, dtype="string"),
                         "period": np.arange(n, dtype=np.int64) - 3,
                         "flow_t": flow, "small": small,
                         "open": rng.integers(0, 2, size=n).astype(bool)})


@pytest.mark.parametrize("change", [
    lambda d: d.assign(flow_t=np.where(np.arange(len(d)) % 7 == 0, 1.25, d["flow_t"])),
    lambda d: d.iloc[::-1],                                     # every row kept, reordered
    lambda d: pd.concat([d.iloc[5:], d.iloc[:3].assign(period=99)], ignore_index=True),
    lambda d: d.assign(route_id=d["route_id"].where(d["period"] != 10, "new,line")),
    lambda d: d.assign(flow_t=d["flow_t"].where(d["period"] != 0, 0.0)),  # -0.0 -> 0.0
])
def test_a_changed_table_written_line_by_line_is_the_formatted_one(change):
    """A table that differs from the kept one in some rows: the rows it shares take the kept
    lines, the others are formatted; the CSV is what pandas writes for the whole table (and a
    third table takes lines from both)."""
    a, b = _rows(), change(_rows())
    assert table_bytes("t", a, PARQUET_OPTIONS) == _formatted(a)
    assert table_bytes("t", b, PARQUET_OPTIONS) == _formatted(b)
    assert table_files.COUNTS["lines_kept"] > 0
    c = pd.concat([b.iloc[:10], a.iloc[10:]], ignore_index=True)
    assert table_bytes("t", c, PARQUET_OPTIONS) == _formatted(c)


@pytest.mark.parametrize("other", [
    lambda d: d.assign(route_id=d["route_id"].where(d["period"] != 4, "two\nlines")),
    lambda d: d.assign(day=pd.Timestamp("2023-10-10") + pd.to_timedelta(d["period"], "D")),
    lambda d: d.assign(note=pd.Series(["x"] * len(d), dtype=object)),
    lambda d: d.assign(period=d["period"].astype("Int64")),
])
def test_tables_not_written_line_by_line_are_formatted_whole(other):
    """A line break in a value (lines cannot be split), a date column (its format depends on
    the whole column), object and nullable columns: formatted whole, the same bytes."""
    a = other(_rows())
    assert table_bytes("t", a, PARQUET_OPTIONS) == _formatted(a)
    b = a.iloc[::-1]
    assert table_bytes("t", b, PARQUET_OPTIONS) == _formatted(b)
    assert table_files.COUNTS["lines_kept"] == 0


def test_lines_are_taken_only_from_a_table_of_the_same_columns_and_dtypes():
    """The same values under another dtype or column name are another table's lines."""
    a = _rows()
    table_bytes("t", a, PARQUET_OPTIONS)
    for b in (a.assign(period=a["period"].astype(np.int32)).iloc[::-1],
              a.rename(columns={"open": "is_open"}).iloc[::-1]):
        assert table_bytes("t", b, PARQUET_OPTIONS) == _formatted(b)
    assert table_files.COUNTS["lines_kept"] == 0


def test_folders_of_changed_tables_with_and_without_kept_lines_are_the_same(tmp_path):
    """Three folders of tables that change a few rows from one to the next, written with
    ``same_tables`` (lines taken from the kept tables) and without: every file the same."""
    base = _rows()
    steps = [base, base.assign(flow_t=base["flow_t"].where(base["period"] != 7, 3.0)),
             base.iloc[::-1].reset_index(drop=True)]
    for i, t in enumerate(steps):
        tables = {"flows": t, "other": t.iloc[:5]}
        plain = write_folder(tmp_path / f"plain{i}", tables, {"summary.json": {"a": i}})
        kept = write_folder(tmp_path / f"kept{i}", tables, {"summary.json": {"a": i}},
                            same_tables=True)
        for table in tables:
            for ext in ("csv", "parquet"):
                f = f"{table}.{ext}"
                assert (kept / f).read_bytes() == (plain / f).read_bytes(), f
    assert table_files.COUNTS["lines_kept"] > 0
