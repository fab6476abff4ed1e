"""Tampered run folders must fail verification: ``borderflow verify`` exits 8, never 0, never
a traceback.

Two runs of the tiny network are solved once per module through the command line: a static
one where X1 is full (so its dual is positive and X2's is zero) and a dated one with a closure,
a throttle and trucks already queued, some too long (so the queue and spoilage tables are not
empty). Three robust plan folders are written beside them (``tampers.solve_robust_runs``: a
certified plan with a binding slot quota, a restricted one with a gap bound, one buying on the
spot market). Each tamper edits a copy of one of them the way a spreadsheet or a script would;
a robust tamper must also fail the check ``ROBUST_CHECKS`` names (a congestion or
reopening-tree tamper, ``NAMED_CHECKS``).

Two suites:

* ``TAMPERS``: the edit alone (what a user's tool does). The verifier re-derives the fact, or
  the checksum manifest written with the run tells the file changed.
* ``RE_DERIVABLE``: the same edits followed by a fresh manifest and marker, as someone covering
  their tracks would do. Only re-deriving the fact from the inputs (flows, capacities, duals by
  complementary slackness and dual feasibility, queues, derived tables against their sources)
  catches these; they are the facts the verifier must not leave to checksums.

The first ten are the blind spots the adversarial pass of issue 15 found (verify said
"verified"), the two after them made it crash; the rest are new (session 9: the robust
plans').
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from tampers import NAMED_CHECKS, RE_DERIVABLE, ROBUST_CHECKS, TAMPERS, resign, solve_runs
from typer.testing import CliRunner

from borderflow.cli import app
from borderflow.verify import EXIT_VIOLATIONS


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The solved runs (static with a full gate, dated with queues, six robust plans, static
    with congestion tiers, a reopening tree):
    tampers.solve_runs."""
    return solve_runs(tmp_path_factory.mktemp("tamper"))


def _verify_fails(run: Path, tmp_path: Path, check: str | None = None) -> str:
    """``borderflow verify`` exits 8 without a traceback; with ``check``, that check is among
    the violations (``--json``)."""
    result = CliRunner().invoke(app, ["verify", str(run)] + (["--json"] if check else []))
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code == EXIT_VIOLATIONS, result.output[-3000:]
    if check:
        failed = {r["check"] for r in json.loads(result.stdout)["tables"]["violations"]["rows"]}
        assert check in failed, failed
    return result.output


def _copy(runs: dict[str, Path], which: str, tmp_path: Path) -> Path:
    run = tmp_path / which
    shutil.copytree(runs[which], run, symlinks=True)
    return run


def test_the_untouched_runs_verify(runs, tmp_path):
    for which in runs:
        result = CliRunner().invoke(app, ["verify", str(_copy(runs, which, tmp_path))])
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", list(TAMPERS))
def test_a_tampered_run_fails_verification(runs, tmp_path, name):
    which, edit = TAMPERS[name]
    run = _copy(runs, which, tmp_path)
    edit(run)
    _verify_fails(run, tmp_path, ROBUST_CHECKS.get(name, NAMED_CHECKS.get(name)))


@pytest.mark.parametrize("name", RE_DERIVABLE)
def test_a_tampered_run_with_fresh_checksums_still_fails(runs, tmp_path, name):
    which, edit = TAMPERS[name]
    run = _copy(runs, which, tmp_path)
    edit(run)
    resign(run)
    _verify_fails(run, tmp_path)


def test_verify_says_how_each_column_is_covered(runs, tmp_path):
    """Every column of every result table is re-derived or checksum-covered, and verify says
    which (``--json``: a ``coverage`` list of table, column, coverage)."""
    run = _copy(runs, "static", tmp_path)
    result = CliRunner().invoke(app, ["verify", str(run), "--json"])
    assert result.exit_code == 0, result.output
    coverage = json.loads(result.stdout)["tables"].get("coverage", {}).get("rows")
    assert coverage, "verify --json has no 'coverage' table"
    seen = {(c["table"], c["column"]): c["coverage"] for c in coverage}
    for path in sorted(run.glob("*.parquet")):
        for column in pd.read_parquet(path).columns:
            assert seen.get((path.stem, column)) in ("re-derived", "checksum"), (path, column)
    for column in ("flow_t", "dual_usd_per_truck", "utilisation", "trucks_per_day"):
        assert "re-derived" in {v for (t, c), v in seen.items() if c == column}, column


def test_the_catalogue_is_large_enough():
    assert len(TAMPERS) >= 24 and len(RE_DERIVABLE) >= 17
    robust = [n for n in TAMPERS if TAMPERS[n][0].startswith("robust")]
    assert sorted(robust) == sorted(ROBUST_CHECKS) and len(robust) >= 20
