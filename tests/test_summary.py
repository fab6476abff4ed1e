"""The typed summary (borderflow/model/summary.py): one field per summary.json key, each with
its unit and documented in docs/api.md; the run options recorded in run.json."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest
import tiny

import borderflow as bf
from borderflow.model.summary import RunSummary, markdown_table

ROOT = Path(__file__).parents[1]


def test_summary_json_has_exactly_the_typed_fields(tmp_path):
    ds = bf.load_dataset(tiny.write(tmp_path / "data"), check_borders=False)
    res = bf.solve(ds, bf.Scenario.closing(["x1"]))
    # a static run has no queues: no left_in_queue_t, fifo_repair, class_fifo,
    # stream_aggregation (dated only); the realistic-dispatch fields are a realistic run's
    # only; no congestion tiers by default; dispatch_reason is a dated run's
    names = [f.name for f in fields(RunSummary)
             if f.name not in ("left_in_queue_t", "congestion_cost_usd", "fifo_repair",
                               "class_fifo", "stream_aggregation", "dispatch_reason",
                               *RunSummary.REALISTIC_ONLY)]
    assert list(res.summary) == names  # in order: the CLI's --json prints them so
    written = json.loads((res.write(tmp_path / "run") / "summary.json").read_text())
    assert sorted(written) == sorted(names)
    typed = res.typed_summary
    assert typed.verified is True and typed.objective_usd == res.summary["objective_usd"]
    assert RunSummary.from_dict(written) == RunSummary.from_dict(res.summary)
    # the baseline solved alongside is not verified: its summary has no verification fields
    assert list(res.baseline.summary) == [n for n in names if n not in RunSummary.OPTIONAL]
    assert RunSummary.unit("trucks") == "trucks" and RunSummary.unit("objective_usd") == "USD"


def test_every_field_is_documented():
    assert markdown_table() in (ROOT / "docs" / "api.md").read_text()
    assert all(unit and doc for _, unit, doc in RunSummary.fields_table())


def test_run_json_records_the_dated_defaults_and_the_options_in_effect(tmp_path):
    ds = bf.load_dataset(tiny.write(tmp_path / "data"), check_borders=False)
    opts = bf.RunOptions(dated_routes_per_product=3, dated_solver="simplex")
    res = bf.solve(ds, bf.Scenario(name="d", horizon=bf.Horizon(start="2024-01-01", days=3)),
                   opts)
    recorded = res.metadata["options"]
    assert recorded["dated_routes_per_product"] == 3 and recorded["dated_solver"] == "simplex"
    effective = res.metadata["effective_options"]
    assert effective["routes"]["max_routes_per_product"] == 3
    assert effective["solver"]["solver"] == "simplex"
    assert {"versions", "pyomo_version", "python_version"} <= set(res.metadata)


def test_a_sweep_scenario_records_what_a_single_run_records(tmp_path):
    """A sweep's scenario folders' run.json has the versions and the options in effect, as a
    single solve's has (plus the model structure and its place in the sweep)."""
    from borderflow.sweeps.partitions import partition_metadata

    folder = tiny.write(tmp_path / "data")
    ds = bf.load_dataset(folder, check_borders=False)
    plan = bf.plan_sweep(scenarios=[bf.Scenario.closing(["x1"])], data=folder, dataset=ds)
    entry = plan.entries[-1]
    meta = partition_metadata(plan, entry)
    single = bf.solve(ds, entry.scenario).metadata
    assert set(single) <= set(meta)
    assert meta["effective_options"] == single["effective_options"]
    assert meta["versions"] == single["versions"] and meta["options"] == single["options"]
    assert {"structure", "sweep"} <= set(meta)


def test_a_summary_without_the_solve_is_refused_by_name():
    with pytest.raises(KeyError, match="no status, objective_usd"):
        RunSummary.from_dict({"scenario": "failed", "message": "infeasible"})
