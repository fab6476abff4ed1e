"""The two commands of the README, run as a user runs them, on the embedded dataset.

`borderflow solve` must write summary.json with the documented keys and the tidy tables as CSV
and parquet (the same rows in both); `borderflow reroute --close boten-mohan` must move Boten's
flow elsewhere, cost no less than the baseline (closing a gate can only remove options), and
print the same comparison as JSON with `--json`.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from borderflow.cli import app

pytestmark = pytest.mark.slow
SUMMARY_KEYS = {"status", "objective_usd", "shipped_t", "unserved_t", "spoiled_t", "solver",
                "solve_seconds"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A baseline run and a Boten–Mohan closure (reroute) with its JSON output."""
    root = tmp_path_factory.mktemp("cli")
    runner = CliRunner()
    base = runner.invoke(app, ["solve", "--out", str(root / "base")])
    assert base.exit_code == 0, base.output
    rr = runner.invoke(app, ["reroute", "--close", "boten-mohan", "--out",
                             str(root / "no-boten"), "--baseline", str(root / "base"),
                             "--json"])
    assert rr.exit_code == 0, rr.output
    return root, json.loads(rr.stdout)


def test_solve_writes_summary_and_tables(runs):
    root, _ = runs
    summary = json.loads((root / "base" / "summary.json").read_text())
    assert SUMMARY_KEYS <= summary.keys()
    assert summary["status"] == "optimal"
    assert summary["solver"].startswith("HiGHS")
    assert summary["shipped_t"] > 0
    for name in ("flows", "crossings"):
        csv = pd.read_csv(root / "base" / f"{name}.csv")
        parquet = pd.read_parquet(root / "base" / f"{name}.parquet")
        assert len(csv) == len(parquet) > 0
        assert list(csv.columns) == list(parquet.columns)
    crossings = pd.read_parquet(root / "base" / "crossings.parquet")
    for col in ("crossing_id", "direction", "flow_trucks", "capacity_trucks_per_day",
                "utilisation", "dual_usd_per_truck"):
        assert col in crossings.columns
    # the capacity rows hold: no crossing carries more than its capacity
    assert (crossings.flow_trucks <= crossings.capacity_trucks_per_day * (1 + 1e-9) + 1e-6).all()


def test_reroute_moves_boten_flow_and_costs_more(runs):
    root, payload = runs
    base = json.loads((root / "base" / "summary.json").read_text())
    scen = json.loads((root / "no-boten" / "summary.json").read_text())
    assert scen["objective_usd"] >= base["objective_usd"] - 1e-6 * abs(base["objective_usd"])
    table = payload["tables"]["crossing_changes"]  # the --json envelope (docs/outputs.md)
    changes = pd.DataFrame(table["rows"], columns=table["columns"])
    boten = changes[changes.crossing_id == "boten-mohan"]
    assert (boten.after_trucks.abs() < 1e-6).all()
    moved = boten.before_trucks.sum()
    assert moved > 0, "the baseline uses Boten–Mohan, so closing it must move flow"
    others = changes[changes.crossing_id != "boten-mohan"]
    assert others.delta_trucks.clip(lower=0).sum() > 0
    assert {"cost_changes", "product_changes"} <= payload["tables"].keys()
    assert payload["status"] == "ok" and payload["summary"]["closed"] == ["boten-mohan"]


def test_reroute_table_output_names_the_closed_gate(runs, tmp_path):
    root, _ = runs
    result = CliRunner().invoke(app, ["reroute", "--close", "boten-mohan", "--out",
                                      str(tmp_path / "x"), "--baseline", str(root / "base")],
                                env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert re.search(r"Boten–Mohan\s+│ boten-mohan\s+│ LA→CN │ closed", result.stdout)
    assert "value, costs and losses, per day" in result.stdout


def test_unknown_crossing_is_refused_with_suggestion(tmp_path):
    result = CliRunner().invoke(app, ["reroute", "--close", "boten-mohn", "--out",
                                      str(tmp_path / "bad")])
    assert result.exit_code == 2
    assert "boten-mohan" in result.output
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize("args, names", [
    (["solve", "--window-days", "0"], "'--window-days'"),
    (["sweep", "--window-days", "0"], "'--window-days'"),
    (["solve", "--threads", "two"], "'--threads'"),
    (["solve", "--no-such-option"], "--no-such-option"),
    (["solvee"], "'solvee'"),
])
def test_a_bad_command_line_is_one_line_naming_the_option(tmp_path, args, names):
    """A value click refuses is one ``error:`` line naming the option and where help is, exit 2,
    nothing written (it was click's six-line usage panel in a box)."""
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [*args, "--out", str(out)] if args[0] != "solvee" else args)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: command line:"), result.output
    assert names in lines[0] and "--help'" in lines[0]
    assert not out.exists()
