"""``borderflow respond``: the envelope, the folder it writes, and bad input (exit 2, one line,
nothing written), on the embedded dataset."""

from __future__ import annotations

import json

import jsonschema
import pandas as pd
import pytest
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.runfolder import read_marker

from clitools import invoke

SCHEMA = json.loads(open("docs/schema/borderflow-output.schema.json").read()) \
    if __import__("pathlib").Path("docs/schema/borderflow-output.schema.json").exists() else None

MENU = """levers:
  - {name: overtime-tan-thanh, crossing: tan-thanh-puzhai, extra_capacity_trucks_per_day: 100}
  - {name: reopen-coc-nam, crossing: coc-nam-nonghuai, open: {capacity_trucks_per_day: 200},
     cost_usd_per_day: 2500}
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("respond")
    (root / "scenario.yaml").write_text("name: lang-son-shut\nevents:\n"
                                        "  - {crossing: huu-nghi-youyiguan}\n"
                                        "  - {crossing: tan-thanh-puzhai, "
                                        "capacity_trucks_per_day: 50}\n")
    (root / "menu.yaml").write_text(MENU)
    return root


def test_respond_writes_its_folder_and_envelope(files):
    out = files / "out"
    res = invoke(CliRunner(), app, ["respond", str(files / "scenario.yaml"), "--levers",
                                    str(files / "menu.yaml"), "--budget", "5000", "--out",
                                    str(out), "--json"], seconds=300)
    assert res.exit_code == 0, res.output
    env = json.loads(res.stdout)
    if SCHEMA is not None:
        jsonschema.Draft202012Validator(SCHEMA).validate(env)
    assert env["command"] == "respond" and env["summary"]["unit"] == "USD/day"
    assert env["summary"]["mip_gap"] <= 1e-6 and env["summary"]["status"] == "optimal"
    assert read_marker(out)["kind"] == "respond"
    port = pd.read_csv(out / "portfolios.csv")
    best = port[port["set"] == "best"].iloc[0]
    assert best["lever_cost"] <= 5000 + 1e-6
    assert best["net_benefit"] >= port["net_benefit"].max() - 1e-6  # no set of any size beats it
    levers = pd.read_csv(out / "levers.csv")
    # the default cost: lever_costs.csv's 12 USD/truck-day x 100 trucks
    assert levers.set_index("name").loc["overtime-tan-thanh", "cost_usd_per_day"] == 1200
    # same inputs, same bytes
    again = files / "again"
    res = invoke(CliRunner(), app, ["respond", str(files / "scenario.yaml"), "--levers",
                                    str(files / "menu.yaml"), "--budget", "5000", "--out",
                                    str(again)], seconds=300)
    assert res.exit_code == 0, res.output
    for name in ("portfolios.csv", "levers.csv", "respond.json", "summary.txt",
                 "portfolios.parquet"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


@pytest.mark.parametrize("menu, field", [
    ("levers:\n  - {name: a, crossing: tan-thanh-puzhaii, extra_capacity_trucks_per_day: 9}\n",
     "levers[0].crossing"),
    ("levers:\n  - {name: a, crossing: tan-thanh-puzhai, extra_capacity_trucks_per_day: 9,\n"
     "     cost_usd_per_day: -1}\n", "levers[0].cost_usd_per_day"),
    ("levers: []\n", "levers"),
])
def test_bad_menu_exit_2_one_line_nothing_written(files, menu, field):
    bad = files / "bad.yaml"
    bad.write_text(menu)
    out = files / "never"
    res = invoke(CliRunner(), app, ["respond", str(files / "scenario.yaml"), "--levers",
                                    str(bad), "--budget", "5000", "--out", str(out)])
    assert res.exit_code == 2
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "bad.yaml" in lines[0] and field in lines[0], res.output
    assert not out.exists()


def test_negative_budget_exit_2(files):
    out = files / "never2"
    res = invoke(CliRunner(), app, ["respond", str(files / "scenario.yaml"), "--levers",
                                    str(files / "menu.yaml"), "--budget", "-1", "--out",
                                    str(out)])
    assert res.exit_code == 2 and "--budget" in res.output and not out.exists()
