"""ranges.csv: read, checked against the dataset, refused with file/row/field."""

from __future__ import annotations

import pandas as pd
import pytest
import tiny
import uncertainty_data as ud
from borderflow.data.errors import InputError
from borderflow.data.loaders import read_tables

from borderflow.uncertainty.ranges import NO_RANGES, check_ranges, read_ranges

HEADER = "table,key,field,low,high,distribution,unit\n"


@pytest.fixture
def dataset(tmp_path):
    folder = ud.write(tmp_path / "ds", ranges=None)
    return folder, read_tables(folder)


def _refused(folder, tables, rows: str):
    (folder / "ranges.csv").write_text(HEADER + rows, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_ranges(folder, tables)
    return err.value


def test_absent_file_means_no_ranges(dataset):
    folder, tables = dataset
    ranges = read_ranges(folder, tables)
    assert ranges.empty and ranges.describe() == NO_RANGES
    assert check_ranges(tables, folder) == ([], NO_RANGES)


def test_ranges_read_with_value_unit_and_effect(tmp_path):
    folder = ud.write(tmp_path / "ds")
    tables = read_tables(folder)
    r = read_ranges(folder, tables).table.set_index(["table", "key", "field"])
    row = r.loc[("crossings", "x1", "capacity_a_to_b_trucks_per_day")]
    assert (row["low"], row["value"], row["high"]) == (5, 8, 12)
    assert row["unit"] == "trucks/day" and row["effect_static"] == "row_bound"
    assert r.loc[("products", "durian", "shelf_life_reefer_days"), "effect_dated"] == "structure"
    assert r.loc[("crossings", "x1", "lanes_a_to_b"), "effect_static"] == "none"
    assert r.loc[("links", "l1", "length_km"), "group"] == "len"
    problems, line = check_ranges(tables, folder)
    assert problems == [] and line.startswith("16 ranges") and "15 sampled" in line


@pytest.mark.parametrize("row, field, words", [
    ("crossings,x1,capacity_a_to_b_trucks_per_day,50,60,,", "low",
     "the dataset's value 8 trucks/day is outside [50, 60]"),
    ("crossings,x1,capacity_a_to_b_trucks_per_day,1,5,,", "high", "outside [1, 5]"),
    ("crossings,x1,fee_usd_per_truck,40,10,,", "low", "low 40 is above high 10"),
    ("crossing,x1,fee_usd_per_truck,10,40,,", "table", "did you mean 'crossings'?"),
    ("crossings,x9,fee_usd_per_truck,10,40,,", "key", "no row 'x9'"),
    ("crossings,x1,fee_usd,10,40,,", "field", "did you mean 'fee_usd_per_truck'?"),
    ("crossings,x1,name,10,40,,", "field", "no rangeable number 'name'"),
    ("products,durian,payload_t_per_truck,0,25,,", "low", "schema allows (> 0)"),
    ("seasonality,durian|VN|3,share,0.05,1.5,,", "high", "largest share the schema allows (1)"),
    ("links,l1,cost_usd_per_truck,10,40,,", "field", "no cost_usd_per_truck (empty)"),
    ("crossings,x1,fee_usd_per_truck,10,40,normal,", "distribution", "unknown distribution"),
    ("crossings,x1,fee_usd_per_truck,0,40,loguniform,", "low", "loguniform range needs low > 0"),
    ("crossings,x1,fee_usd_per_truck,10,40,,USD/t", "unit", "does not match"),
    ("crossings,x1,fee_usd_per_truck,ten,40,,", "low", "expected a finite number"),
])
def test_bad_rows_refused_with_file_row_field(dataset, row, field, words):
    folder, tables = dataset
    ok = "crossings,x2,fee_usd_per_truck,10,30,,\n"
    err = _refused(folder, tables, ok + row + "\n")
    assert err.first.file.endswith("ranges.csv")
    assert err.first.row == 2 and err.first.field == field
    assert words in str(err)


def test_duplicate_and_every_problem_listed(dataset):
    folder, tables = dataset
    err = _refused(folder, tables, "crossings,x1,fee_usd_per_truck,10,40,,\n"
                   "crossings,x1,fee_usd_per_truck,15,40,,\n"
                   "crossings,x1,dwell_h,5,6,,\n")
    assert [p.row for p in err.problems] == [2, 3]
    assert "duplicate range for crossings/x1/fee_usd_per_truck (first in row 1)" in str(err)
    assert check_ranges(tables, folder)[0] == err.problems


def test_missing_column_refused(dataset):
    folder, tables = dataset
    (folder / "ranges.csv").write_text("table,key,field,low\ncrossings,x1,dwell_h,1\n")
    with pytest.raises(InputError, match="required column 'high' is missing"):
        read_ranges(folder, tables)


def test_payloads_are_structure_in_a_static_model_with_congestion_tiers(tmp_path):
    """The tier cells of a static model are built per payload (check_congestion_sampling): with
    a tier switched on (congestion_hours_2 = 2 h) a payload range is structure in a static run,
    held in a warm one and said so; dated runs, which have no tiers, keep it a coefficient."""
    t = ud.binding_tables()
    t["parameters"] = pd.concat([t["parameters"], pd.DataFrame([{
        "parameter": "congestion_hours_2", "value": 2.0, "unit": "h", **tiny.PROV}])],
        ignore_index=True)
    folder = ud.write(tmp_path / "tiers", t)
    r = read_ranges(folder, read_tables(folder)).table.set_index(["table", "key", "field"])
    row = r.loc[("products", "durian", "payload_t_per_truck")]
    assert (row["effect_static"], row["effect_dated"]) == ("structure", "coefficient")
    plain = ud.write(tmp_path / "plain")
    r = read_ranges(plain, read_tables(plain)).table.set_index(["table", "key", "field"])
    assert r.loc[("products", "durian", "payload_t_per_truck"), "effect_static"] == "coefficient"


def test_the_ranges_file_is_named_without_this_machines_folders(tmp_path, monkeypatch):
    """``uncertainty.json`` and ``summary.txt`` name the ranges file as shared records should
    (:func:`borderflow.provenance.shared_path`): relative to the working directory when under
    it, else ``<dataset folder>/ranges.csv`` (a notebook run beside the dataset printed
    ``/work/.../data/default/ranges.csv``), and any other file as given."""
    from borderflow.provenance import shared_path

    folder = ud.write(tmp_path / "ds", ranges=None)
    (folder / "ranges.csv").write_text(HEADER, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # the dataset is not under it
    tables = read_tables(folder)
    assert shared_path(folder / "ranges.csv", tables) == "ds/ranges.csv"
    other = tmp_path / "mine.csv"
    assert shared_path(other, tables) == str(other)
    monkeypatch.chdir(tmp_path)
    assert shared_path(folder / "ranges.csv", tables) == "ds/ranges.csv"  # relative: under cwd
    assert shared_path(tmp_path / "ds" / "sub" / "x.csv", tables) == "ds/sub/x.csv"
