"""``tools/calibrate_default.py`` re-fits the calibrated embedded dataset from its priors:
``data/default`` + overlay ``data/uncalibrated``. ``data/default/ranges.csv`` records the
calibrated values, the overlay the priors, so the tool stages a copy whose ranges record the
priors; without it ``borderflow calibrate`` refuses every calibrated row's range (exit 2,
"the range was derived from another number")."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError
from borderflow.uncertainty.ranges import read_ranges

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("calibrate_default",
                                                  ROOT / "tools" / "calibrate_default.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_the_staged_ranges_record_the_priors_the_fit_reads(tmp_path):
    """The staged dataset + overlay passes the ranges check that the committed ranges fail;
    only the ``value`` of rows the overlay holds changes (to the prior), and a row's line keeps
    its text otherwise."""
    tool = _tool()
    default, prior = ROOT / "data" / "default", ROOT / "data" / "uncalibrated"
    tables = load_dataset(default, overlays=[prior], check_borders=False)
    with pytest.raises(InputError, match="derived from another number"):
        read_ranges(default, tables)
    staged = tool.with_prior_values(default, tmp_path / "staged")
    tables = load_dataset(staged, overlays=[prior], check_borders=False)
    assert len(read_ranges(staged, tables).table) > 0
    before = pd.read_csv(default / "ranges.csv", dtype=str, keep_default_na=False)
    after = pd.read_csv(staged / "ranges.csv", dtype=str, keep_default_na=False)
    assert list(before.columns) == list(after.columns) and len(before) == len(after)
    assert before.drop(columns="value").equals(after.drop(columns="value"))
    moved = before["value"] != after["value"]
    crossings = pd.read_csv(prior / "crossings.csv", dtype=str).set_index("crossing_id")
    row = after[moved & (after["table"] == "crossings")].iloc[0]
    assert float(row["value"]) == float(crossings.loc[row["row_key"], row["field"]])
    assert moved.sum() > 100  # the calibrated rows (225-235 numbers moved by the fit)
    again = tool.with_prior_values(staged, staged)  # staged in place: nothing else changes
    assert (again / "ranges.csv").read_bytes() == (staged / "ranges.csv").read_bytes()
