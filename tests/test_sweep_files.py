"""Sweep files: the scenario-file forms (one scenario, a list, a grid, investments) and their
errors, each named by file, line and field with a fix (``borderflow sweep`` exits 2 and writes
nothing). The sweeps themselves: test_sweep.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

import tiny
from helpers import write_text
from borderflow.cli import app
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError
from borderflow.data.scenario import Window
from borderflow.data.scenario_checks import Catalog
from borderflow.data.scenario_files import load_scenarios
from borderflow.sweeps import plan_file

CATALOG = Catalog(crossings={"boten-mohan": "open", "kim-thanh-hekou": "open",
                             "ba-sai-ban-vuoc": "proposed"},
                  products=("banana", "durian"), origins=("la-luang-namtha",))


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """The tiny dataset (tests/tiny.py), both gates open, loaded and checked."""
    return load_dataset(tiny.write(tmp_path_factory.mktemp("tiny")), check_borders=False)


def _write(tmp_path, text: str, name: str = "s.yaml"):
    return write_text(tmp_path / name, text)


# ---- scenario files -------------------------------------------------------------------------
@pytest.mark.parametrize("text, where", [
    ("""\
     scenarios:
       - name: a
         events:
           - {crossing: boten-mohn}
     """, ("row 4", "scenarios[0].events[0].crossing",
           "unknown crossing 'boten-mohn' (did you mean 'boten-mohan'?)")),
    ("""\
     name: late
     horizon: {start: 2021-10-20, days: 5}
     events:
       - {crossing: boten-mohan, close: {from: 2021-12-25}}
     """, ("row 4", "events[0].close.from", "lies outside the horizon 2021-10-20 to 2021-10-24")),
    ("""\
     name: static-2021
     horizon: {month: 7}
     events:
       - {crossing: boten-mohan, close: {from: 2021-07-01, to: 2021-07-10}}
     """, ("row 4", "events[0].close.to", "static run of July stands for the days 2023-07-01")),
    ("""\
     scenarios:
       - name: ok
       - name: neg
         events:
           - {crossing: kim-thanh-hekou, capacity_trucks_per_day: -5}
     """, ("row 5", "scenarios[1].events[0].capacity_trucks_per_day",
           "scenario neg: Input should be greater than or equal to 0 (got -5)")),
    ("""\
     name: what
     events:
       - {build: ba-sai-ban-vuoc, supply: {product: banana, factor: 2}}
     """, ("row 3", "events[0]", "exactly one of: close, capacity_trucks_per_day")),
    ("""\
     grid:
       crossings: [boten-mohan, kim-tanh-hekou]
       days: [3, 10]
     """, ("row 2", "grid.crossings[1]", "did you mean 'kim-thanh-hekou'")),
    ("""\
     scenarios:
       - {name: close-boten-mohan-3d}
     grid: {crossings: [boten-mohan], days: [3]}
     """, ("field 'name'", "duplicate scenario name(s): close-boten-mohan-3d")),
    ("""\
     grid: {crossings: open, days: [0]}
     """, ("row 1", "grid.days[0]", "greater than or equal to 1 (got 0)")),
    ("""\
     scenarios:
       - name: a
         horizon: {days: 3
     """, ("row 4", "malformed YAML")),
])
def test_scenario_file_errors_name_line_field_and_fix(tmp_path, text, where):
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_scenarios(path, CATALOG)
    message = str(err.value)
    assert message.startswith(str(path))
    for part in where:
        assert part in message, message


def test_scenario_file_forms(tmp_path):
    """One scenario (the existing format), a list, a grid (crossing x length x month)."""
    one = load_scenarios("data/scenarios/boten-2021.yaml")
    assert [s.name for s in one] == ["boten-2021"]
    path = _write(tmp_path, """\
        scenarios:
          - {name: a, horizon: {month: 3}, events: [{build: ba-sai-ban-vuoc}]}
        grid:
          crossings: open
          days: [10]
          months: [1, 7]
        """)
    scenarios = load_scenarios(path, CATALOG)
    assert [s.name for s in scenarios] == [
        "a", "close-boten-mohan-10d-m01", "close-kim-thanh-hekou-10d-m01",
        "close-boten-mohan-10d-m07", "close-kim-thanh-hekou-10d-m07"]
    july = scenarios[3]
    assert july.horizon.month == 7
    assert july.events[0].close == Window(**{"from": dt.date(2023, 7, 1),
                                             "to": dt.date(2023, 7, 10)})
    with pytest.raises(InputError, match="'crossings: open' needs the dataset"):
        load_scenarios(path)


def test_investments_name_unknown_scenarios_and_crossings(tmp_path, tiny_data):
    path = _write(tmp_path, """\
        scenarios:
          - {name: no-x1, events: [{crossing: x1}]}
        investments:
          projects: [x2, x9]
          under: [no-x1, no-x3]
        """)
    with pytest.raises(InputError) as err:
        plan_file(path, tables=tiny_data)
    assert "row 4" in str(err.value) and "investments.projects[1]" in str(err.value)
    assert "unknown crossing 'x9'" in str(err.value)


def test_cli_sweep_bad_file_exits_2_and_writes_nothing(tmp_path):
    path = _write(tmp_path, """\
        grid: {crossings: [boten-mohan, kim-tanh-hekou], days: [3]}
        """)
    res = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "did you mean 'kim-thanh-hekou'" in res.output
    assert not (tmp_path / "o").exists()
    res = CliRunner().invoke(app, ["sweep", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "--n-1" in res.output
