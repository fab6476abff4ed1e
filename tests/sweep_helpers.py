"""Helpers shared by the warm-sweep memo tests (tests/test_table_memo.py,
tests/test_result_memo.py): a scenario solved warm on a worker's cache, and two readings of one
scenario compared bit for bit."""

from __future__ import annotations

import pandas as pd


def solve_warm(plan, name: str, cache):
    """Scenario ``name`` of a sweep ``plan`` solved warm on a worker's ``cache`` (optimal)."""
    from borderflow.sweeps import Job, solve_job

    e = plan.entry(name)
    out = solve_job(Job(e.scenario, plan.structures[e.structure], True), cache)
    assert out.status == "optimal", out.message
    return out


def assert_same_reading(got, want, name: str) -> None:
    """Two readings of one scenario (:class:`~borderflow.model.results.ResultTables`): both
    certified, the summaries equal but for the solve times, every table equal bit for bit."""
    timing = {"solve_seconds", "translate_seconds"}
    assert got.summary["routing"] == want.summary["routing"] == "certified"
    assert {k: v for k, v in got.summary.items() if k not in timing} == \
        {k: v for k, v in want.summary.items() if k not in timing}, name
    assert got.tables().keys() == want.tables().keys()
    for table, frame in want.tables().items():
        pd.testing.assert_frame_equal(got.tables()[table], frame, check_exact=True,
                                      obj=f"{name} {table}")
