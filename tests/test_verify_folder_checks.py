"""Checks registered in ``borderflow.verify.FOLDER_CHECKS`` (the extension point for a run
folder's own checks): each is called with the folder, its result tables, its ``run.json`` and
its input tables, and its rows join the report; one that raises is a failed ``verifier`` row
naming it (its ``__name__``, or ``check`` for a callable without one), never a traceback.
borderflow registers none, so no oracle case reaches these lines (issue 16, the mutation run's
``verify_run`` survivors)."""

import functools
import json

import pandas as pd
from helpers import border_data
from typer.testing import CliRunner

import borderflow.verify as verify
from borderflow.cli import app
from borderflow.verify.report import rows


def _seen(run_dir, results, meta, tables):
    """One passing row saying what the check was handed."""
    said = (f"{run_dir.name}: {len(results.route_flows)} route flows, run.json keys "
            f"{sorted(meta)}, {len(tables.crossings)} crossings")
    return [rows("seen", said, 0.0, "-")]


def _raises(run_dir, results, meta, tables, message="boom"):
    raise ValueError(message)


def test_registered_folder_checks_join_the_report_and_a_raising_one_is_named(tmp_path,
                                                                            monkeypatch):
    run = tmp_path / "run"
    data = border_data(tmp_path, "data")
    assert CliRunner().invoke(app, ["solve", "--data", str(data), "--out", str(run)]
                              ).exit_code == 0
    flows = len(pd.read_parquet(run / "route_flows.parquet"))
    keys = sorted(json.loads((run / "run.json").read_text()))
    crossings = len(pd.read_csv(data / "crossings.csv"))
    monkeypatch.setattr(verify, "FOLDER_CHECKS",
                        [_seen, _raises, functools.partial(_raises, message="no name")])
    report = verify.verify_run(run)
    seen = report[report["check"] == "seen"]
    assert seen["entity"].tolist() == [
        f"run: {flows} route flows, run.json keys {keys}, {crossings} crossings"]
    assert bool(seen["ok"].all())
    failed = report[(report["check"] == "verifier") & ~report["ok"]]
    assert sorted(failed["entity"]) == ["_raises could not be checked (ValueError: boom)",
                                        "check could not be checked (ValueError: no name)"]
    assert set(report.loc[~report["ok"], "check"]) == {"verifier"}
