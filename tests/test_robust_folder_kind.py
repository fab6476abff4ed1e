"""A folder marked robust that holds no plan: ``borderflow verify`` says so in one line, exit 2.

``verify_run`` hands a folder whose marker says ``robust`` to
:func:`borderflow.verify.robust.verify_plan_folder`. With neither ``run.json`` nor
``plan.parquet`` there is nothing to verify: bad input (one line naming the folder, exit 2,
nothing written). With either file the folder is a plan folder, and a missing table is a failed
file check of the report (exit 8), not that error. (Session 15: the mutants of that test, no
oracle case has such a folder: docs/testing.md.)
"""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.data.errors import display_path
from borderflow.runfolder import write_marker

NO_PLAN = "not a robust plan folder (marked robust, but no run.json and no plan.parquet)"


def test_a_folder_marked_robust_without_run_json_and_plan_is_bad_input(tmp_path):
    folder = tmp_path / "plan"
    folder.mkdir()
    write_marker(folder, "robust")
    before = sorted(p.name for p in folder.iterdir())
    result = CliRunner().invoke(app, ["verify", str(folder)])
    assert result.exit_code == 2, result.output
    assert result.output == f"error: {display_path(folder)}: {NO_PLAN}\n"
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written


def test_a_folder_marked_robust_with_its_plan_alone_is_verified_as_a_plan(tmp_path):
    """``plan.parquet`` without ``run.json``: a plan folder whose other files are missing,
    each a failed file check (exit 8), never the no-plan error."""
    folder = tmp_path / "plan"
    folder.mkdir()
    write_marker(folder, "robust")
    pd.DataFrame({"route_id": ["r1"]}).to_parquet(folder / "plan.parquet")
    result = CliRunner().invoke(app, ["verify", str(folder)])
    assert result.exit_code == 8, result.output
    assert "not a robust plan folder" not in result.output
    assert "file checks failed" in " ".join(result.output.split())
