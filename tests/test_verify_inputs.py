"""The verifier reads a run's dataset once per content in a process
(``borderflow/verify/inputs.py``): what it is given is always what reading the files now gives.

One tiny run is solved; its folder is verified, an input file is then changed (the dataset kept
is stale), added to, or broken, and each following read must see the files as they are now.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import tiny
from helpers import border_data
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.data.errors import InputError
from borderflow.io import read_inputs as read_afresh
from borderflow.verify import verify_run
from borderflow.verify.inputs import read_inputs


@pytest.fixture()
def run(tmp_path):
    data = border_data(tmp_path, "data")
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["solve", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, data, json.loads((out / "run.json").read_text(encoding="utf-8"))


def _waiting(tables) -> float:
    return tables.parameter("waiting_cost_usd_per_truck_day")


def test_a_changed_input_file_is_read_again(run):
    out, data, meta = run
    assert verify_run(out)["ok"].all()
    first = read_inputs(out, meta)
    assert _waiting(first) == _waiting(read_afresh(out, meta)) == 40.0
    params = data / "parameters.csv"
    params.write_text(params.read_text(encoding="utf-8").replace("40.0", "41.0"),
                      encoding="utf-8")
    assert _waiting(read_inputs(out, meta)) == 41.0
    report = verify_run(out)
    changed = report[report["check"] == "input_checksum"]
    assert not changed["ok"].all() and "parameters.csv (changed since the run)" in " ".join(
        changed["entity"])


def test_each_caller_gets_its_own_copy(run):
    out, _, meta = run
    tables = read_inputs(out, meta)
    tables.parameters["value"] = 0.0
    tables.checksums.clear()
    again = read_inputs(out, meta)
    assert _waiting(again) == 40.0 and again.checksums == read_afresh(out, meta).checksums
    for name in ("products", "crossings", "links", "parameters", "markets"):
        assert getattr(again, name).equals(getattr(read_afresh(out, meta), name)), name


def test_a_file_added_or_broken_is_seen(run):
    out, data, meta = run
    read_inputs(out, meta)
    assert not len(read_inputs(out, meta).cost_terms)
    pd.DataFrame([{"term": "value_of_time", "applies_to": "durian", "value": 2.0,
                   "unit": "USD/t-h", "low": 2.0, "high": 2.0, **tiny.PROV}]).to_csv(
        data / "cost_terms.csv", index=False)
    assert len(read_inputs(out, meta).cost_terms) == len(read_afresh(out, meta).cost_terms) == 1
    (data / "products.csv").write_text("product_id\n", encoding="utf-8")
    for _ in range(2):  # a dataset that fails its checks is not kept: raised each time
        with pytest.raises(InputError):
            read_inputs(out, meta)


def test_facts_are_kept_per_content_and_scenario_and_never_for_edited_tables(run):
    """The verifier's facts of a dataset read here are computed once per content and scenario
    (``kept_facts``): the same facts again, a copy each time; another scenario or tables the
    caller edited get their own."""
    from borderflow.data.scenario import Scenario
    from borderflow.io import scenario_of
    from borderflow.verify.facts import input_facts

    out, _, meta = run
    scenario = scenario_of(meta)
    for _ in range(2):  # computed, then kept: each caller edits its own copy
        mine = input_facts(read_inputs(out, meta), scenario)
        mine.supply["supply_t"] = -1.0
    again = input_facts(read_inputs(out, meta), scenario)
    fresh = input_facts(read_afresh(out, meta), scenario)
    assert again.supply.equals(fresh.supply) and again.arcs.equals(fresh.arcs)
    edited = read_inputs(out, meta)
    edited.parameters.loc[edited.parameters["parameter"] == "waiting_cost_usd_per_truck_day",
                          "value"] = 99.0
    assert input_facts(edited, scenario).waiting_usd_per_truck_day == 99.0
    assert input_facts(read_inputs(out, meta), scenario).waiting_usd_per_truck_day == 40.0
    other = Scenario(name="other")
    assert input_facts(read_inputs(out, meta), other).scenario.name == "other"
