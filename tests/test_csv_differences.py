"""The verifier's comparison of a table's CSV with its parquet file
(``borderflow.verify.folder._csv_differences``) on the edges no oracle case reaches: a number
exactly at the 1e-9 relative tolerance, a cell emptied, text in a numeric column, an infinite
value, a nullable integer column with a missing value, a CSV that cannot be parsed and one
with a column missing (issue 16, the mutation run's unjudged ``_csv_differences`` survivors).

The rule, by hand: the CSV as borderflow writes it is the same table (``[]``); otherwise, value
by value, a number agrees when ``|csv - parquet| <= 1e-9 x max(1, |parquet|)`` or both are
missing, any other cell as text; the columns that disagree are named.
"""

import numpy as np
import pandas as pd

from borderflow.verify.folder import _csv_differences

TABLE = pd.DataFrame({"x": [0.0, 1e6], "y": ["a", "b"]})


def test_numbers_within_a_billionth_agree_and_past_it_differ():
    # 0 vs 1e-9: exactly the tolerance 1e-9 x max(1, 0), so it agrees (<=, not <);
    # 1e6 vs 1e6 + 1e-4: tolerance 1e-9 x 1e6 = 1e-3 (relative, not 1e-9 / 1e6), agrees
    assert _csv_differences(TABLE, "x,y\n1e-09,a\n1000000.0001,b\n") == []
    # 1e6 + 0.01 is past 1e-3: column x differs; a changed label: column y
    assert _csv_differences(TABLE, "x,y\n0.0,a\n1000000.01,c\n") == ["x", "y"]


def test_an_emptied_cell_or_text_in_a_numeric_column_differs():
    assert _csv_differences(TABLE, "x,y\n0.0,a\n,b\n") == ["x"]  # missing vs 1e6
    assert _csv_differences(TABLE, "x,y\n0.0,a\nn/a,b\n") == ["x"]  # not a number


def test_an_infinite_value_written_as_borderflow_writes_it_agrees():
    table = pd.DataFrame({"x": [np.inf, 1.0]})
    assert table.to_csv(index=False, lineterminator="\n") == "x\ninf\n1.0\n"
    assert _csv_differences(table, "x\ninf\n1.0\n") == []


def test_an_infinite_value_in_a_csv_written_otherwise_agrees_value_by_value():
    # the text differs (1.00 vs 1.0), so the comparison goes value by value; inf - inf is NaN,
    # which must not make equal infinities differ; -inf against inf does differ
    table = pd.DataFrame({"x": [np.inf, 1.0]})
    assert _csv_differences(table, "x\ninf\n1.00\n") == []
    assert _csv_differences(table, "x\n-inf\n1.00\n") == ["x"]


def test_a_missing_nullable_integer_is_compared_as_missing():
    table = pd.DataFrame({"n": pd.array([1, None], dtype="Int64")})
    assert _csv_differences(table, 'n\n1\n""\n') == []
    assert _csv_differences(table, "n\n1\n2\n") == ["n"]  # 2 where the parquet has none


def test_an_unparsable_csv_or_other_columns_are_named_as_such():
    assert _csv_differences(TABLE, 'x,y\n"1\n') == ["(not a readable CSV)"]
    assert _csv_differences(TABLE, "x\n0.0\n1000000.0\n") == ["(columns or rows)"]
    assert _csv_differences(TABLE, "x,y\n0.0,a\n") == ["(columns or rows)"]


def test_an_empty_or_na_text_cell_is_that_text_and_an_empty_number_is_missing():
    # written otherwise (1.00, not 1.0): value by value. A missing text cell is written empty
    # and compared as "", the text "NA" as "NA" (not as a missing value); a missing number as
    # missing (session 22: _csv_differences 14, 16, 79, 81, 83)
    table = pd.DataFrame({"x": [1.0, np.nan], "y": [None, "NA"]})
    assert _csv_differences(table, "x,y\n1.00,\n,NA\n") == []
    assert _csv_differences(table, "x,y\n1.00,None\n,NA\n") == ["y"]


def test_a_finite_number_never_agrees_with_an_infinite_one_and_the_floor_is_one():
    # 5 against inf: |5 - inf| is inf, within no tolerance; 1.5e-9 against 0: past 1e-9 x
    # max(1, 0) (session 22: _csv_differences 51, 74)
    assert _csv_differences(pd.DataFrame({"x": [np.inf]}), "x\n5\n") == ["x"]
    assert _csv_differences(pd.DataFrame({"x": [0.0]}), "x\n1.5e-09\n") == ["x"]
