"""The parameter table (borderflow/data/parameters.py): one place names every model parameter
with its unit, default, valid range and source; the dataset checks hold parameters.csv to it
and the model reads its typed values."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import tiny

import borderflow as bf
from borderflow.data.errors import InputError
from borderflow.data.parameters import (PARAMETER, PARAMETERS, ModelParameters, markdown_table,
                                        parameter_problems)
from borderflow.model.network import build_network

ROOT = Path(__file__).parents[1]


def test_the_shipped_parameters_follow_the_table():
    """Every parameter is shipped, the table's first, in order, then the congestion tiers: on
    in the embedded dataset since its calibration (session 14, docs/calibration.md), appended
    from tools/congestion_prior in that file's order; the prior overlay (data/uncalibrated)
    keeps the same parameters."""
    shipped = pd.read_csv(ROOT / "data" / "default" / "parameters.csv")
    assert parameter_problems(shipped) == []
    listed = [p for p in PARAMETERS if not p.name.startswith("congestion_")]
    prior = pd.read_csv(ROOT / "tools" / "congestion_prior" / "parameters.csv")
    assert list(shipped["parameter"]) == [p.name for p in listed] + list(prior["parameter"])
    units = {p.name: p.unit for p in PARAMETERS}
    assert dict(zip(shipped["parameter"], shipped["unit"])) == {
        n: units[n] for n in shipped["parameter"]}
    assert ModelParameters.of(SimpleNamespace(parameters=shipped, sources={})
                              ).congestion_tiers() is not None


def test_every_parameter_has_a_unit_a_range_and_a_source():
    for p in PARAMETERS:
        assert p.unit and p.sets and p.source
        assert p.low <= p.high
        assert p.default is None or p.problem(p.default) is None


def test_docs_list_the_table():
    assert markdown_table() in (ROOT / "docs" / "model.md").read_text()


def _tables_with(tmp_path, edit):
    t = tiny.base_tables()
    t["parameters"] = edit(t["parameters"])
    return tiny.write(tmp_path / "data", t)


def _add(name, value, unit):
    def edit(df):
        df.loc[len(df)] = {**df.iloc[0].to_dict(), "parameter": name, "value": value,
                           "unit": unit}
        return df
    return edit


@pytest.mark.parametrize("name, value, unit, field, message", [
    ("empty_return_share", 1.5, "-", "value",
     "empty_return_share = 1.5 - is outside its valid range (between 0 and 1)"),
    ("queue_max_wait_days", 2.5, "days", "value",
     "queue_max_wait_days = 2.5 must be a whole number of days"),
    ("empty_return_days", 2, "hours", "unit", "empty_return_days is read in days, not 'hours'"),
])
def test_a_bad_parameter_row_is_named(tmp_path, name, value, unit, field, message):
    folder = _tables_with(tmp_path, _add(name, value, unit))
    with pytest.raises(InputError) as err:
        bf.load_dataset(folder, check_borders=False)
    problem = err.value.first
    assert problem.file.endswith("parameters.csv")
    assert problem.row == 7 and problem.field == field
    assert problem.message == message


def test_a_missing_required_parameter_is_named(tmp_path):
    folder = _tables_with(tmp_path, lambda df: df.drop(index=3))
    with pytest.raises(InputError, match=r"parameters.csv, field 'parameter': missing "
                                         r"parameter 'reefer_cost_factor' \(-\)"):
        bf.load_dataset(folder, check_borders=False)


def test_an_unknown_parameter_is_a_warning():
    df = pd.DataFrame({"parameter": ["road_cost_usd_per_truck_km", "ferry_speed"],
                       "value": [1.0, 3.0], "unit": ["USD/truck-km", "km/h"]})
    found = parameter_problems(df)
    assert (1, "parameter", "unknown parameter 'ferry_speed': the model does not read it "
            "(docs/model.md, Parameters)", "warning") in found


def test_the_model_reads_the_typed_values_with_their_defaults(tmp_path):
    """The tiny dataset gives no queue, empties or robust-plan parameters: the table's
    defaults apply, once, on the network the model, results and robust plans read."""
    ds = bf.load_dataset(tiny.write(tmp_path / "data"), check_borders=False)
    par = ModelParameters.of(ds)
    assert par.queue_max_wait_days == 14 and par.empty_return_share == 0.0
    assert par.spot_premium_factor == PARAMETER["spot_premium_factor"].default
    assert par.waiting_cost_usd_per_truck_day == 40.0
    assert par.link_rate_usd_per_truck_km("rail") == 0.8
    net = build_network(ds)
    assert net.parameters == par and net.max_wait_days == 14
    assert set(par.as_dict()) == set(PARAMETER)


def test_an_out_of_range_value_is_refused_when_the_model_reads_it(tmp_path):
    """Tables that skipped the checks (a sampled dataset) are held to the range too."""
    ds = bf.load_dataset(tiny.write(tmp_path / "data"), check_borders=False)
    ds.parameters.loc[3, "value"] = 0.5  # reefer_cost_factor below 1
    with pytest.raises(InputError, match="reefer_cost_factor = 0.5 - is outside its valid "
                                         "range \\(between 1 and 10\\)"):
        ModelParameters.of(ds)
    assert PARAMETER["reefer_cost_factor"].high == 10.0


def test_the_uncertainty_engine_knows_every_parameter_in_its_unit():
    from borderflow.uncertainty.fields import PARAMETERS as EFFECTS

    assert set(EFFECTS) == set(PARAMETER)
    assert {name: e.unit for name, e in EFFECTS.items()} == {p.name: p.unit for p in PARAMETERS}
