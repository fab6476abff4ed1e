"""The verifier's entry points and report summaries that no oracle case reaches, checked by hand
without a solve (issue 16, session 22: the mutation run's survivors of ``borderflow/verify/
__init__.py`` and ``report.py``).

- :func:`verify_results` names every check that could not run in its failed ``verifier`` row:
  the oracle's checks raise only for cargo, flows, money, crossings, route tables, tables of
  totals and the optimality certificate, so the other names were never shown; and
  ``RESULT_CHECKS`` (an extension point borderflow leaves empty) joins the report.
- :func:`verify_sweep` (no oracle case is a sweep folder): each optimal scenario's rows with
  ``scenario=<name>: ``, the others none, one failed row when none ended optimal; ``data`` and
  ``overlays`` reach each scenario's :func:`verify_run`.
- :func:`verify_solved` (used by the tests and notebooks; the oracle calls
  :func:`verify_results` directly) and :func:`verification_summary`, :func:`by_check`,
  :func:`violations` (the command line's summaries of a report).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import tiny
from helpers import dated

import borderflow.verify as verify
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError, display_path
from borderflow.runfolder import write_marker
from borderflow.verify.report import REPORT_COLUMNS, assemble, rows

#: checks that read a result table (all but ``congestion``, which reads none without tiers,
#: and ``ramp-ups``, which reads only the inputs), in a static run
STATIC_CHECKS = ["cargo", "crossings", "dates", "destination shares", "dispatch rule", "flows",
                 "flows table",
                 "keep coming", "levers", "money", "non-negative amounts",
                 "optimality certificate", "realistic dispatch", "route tables", "routes",
                 "solver status", "tables of totals", "unwarned transit"]
#: and the three a dated run adds
DATED_CHECKS = ["backlog", "origin stock", "queues"]


class _NoTables:
    """Result tables of which every table is missing (each attribute an AttributeError)."""

    def __getattr__(self, name):
        raise AttributeError(f"no table {name}")


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory):
    return load_dataset(tiny.write(tmp_path_factory.mktemp("data") / "d"), check_borders=False)


def _failed_names(report: pd.DataFrame) -> list[str]:
    bad = report[(report["check"] == "verifier") & ~report["ok"]]
    assert (bad["amount"] == np.inf).all() and (bad["unit"] == "checks").all()
    return sorted(e.split(" could not be checked (")[0] for e in bad["entity"])


def test_every_check_that_cannot_run_is_named(tiny_dataset):
    """Static: the 18 checks that read a result table each fail by name; a dated run adds
    queues, backlog and origin stock (and nothing passes: no row but the failed ones)."""
    static = verify.verify_results(_NoTables(), tiny_dataset, None)
    assert _failed_names(static) == STATIC_CHECKS
    assert len(static) == len(STATIC_CHECKS)
    assert "routes could not be checked (AttributeError: no table route_flows)" in set(
        static["entity"])
    assert "cargo could not be checked (KeyError: 'paths')" in set(static["entity"])
    in_time = verify.verify_results(_NoTables(), tiny_dataset, dated("d", 3))
    assert _failed_names(in_time) == sorted(STATIC_CHECKS + DATED_CHECKS)


def _seen(results, f):
    """One passing row saying what the check was handed."""
    return [rows("seen", f"{type(results).__name__}, dated {f.dated}", 0.0, "-")]


def _raises(results, f, message="boom"):
    raise ValueError(message)


def test_registered_result_checks_join_the_report_and_a_raising_one_is_named(tiny_dataset,
                                                                            monkeypatch):
    monkeypatch.setattr(verify, "RESULT_CHECKS",
                        [_seen, _raises, functools.partial(_raises, message="no name")])
    report = verify.verify_results(_NoTables(), tiny_dataset, None)
    seen = report[report["check"] == "seen"]
    assert seen["entity"].tolist() == ["_NoTables, dated False"] and bool(seen["ok"].all())
    assert _failed_names(report) == sorted(STATIC_CHECKS + ["_raises", "check"])
    assert {"_raises could not be checked (ValueError: boom)",
            "check could not be checked (ValueError: no name)"} <= set(report["entity"])


def _sweep(root: Path, statuses: dict[str, str]) -> Path:
    """A sweep folder: plan.json, and per scenario a folder holding only its summary.json."""
    (root / "scenarios").mkdir(parents=True)
    (root / "plan.json").write_text("{}")
    for name, status in statuses.items():
        folder = root / "scenarios" / f"scenario={name}"
        folder.mkdir()
        (folder / "summary.json").write_text(json.dumps({"status": status}))
    return root


def test_a_sweep_is_verified_scenario_by_scenario_optimal_ones_only(tmp_path):
    """Scenario a (optimal) is verified as a run folder of a summary alone (no manifest, no
    tables, no run.json: its failed rows), each entity led by ``scenario=a: ``; b
    (infeasible) claims no solution and gets no row. Through verify_run (a sweep marker) too."""
    sweep = _sweep(tmp_path / "sweep", {"a": "optimal", "b": "infeasible"})
    alone = verify.verify_run(sweep / "scenarios" / "scenario=a")
    assert len(alone) > 10 and not alone["ok"].all()
    report = verify.verify_sweep(sweep)
    assert list(report.columns) == REPORT_COLUMNS
    expected = alone.assign(entity="scenario=a: " + alone["entity"])
    pd.testing.assert_frame_equal(report, expected)
    assert "scenario=a: 13 result tables read" in set(report["entity"])
    write_marker(sweep, "sweep")
    pd.testing.assert_frame_equal(verify.verify_run(sweep), expected)


def test_a_sweep_with_no_optimal_scenario_is_one_failed_row(tmp_path):
    sweep = _sweep(tmp_path / "sweep", {"a": "infeasible", "b": "time_limit"})
    report = verify.verify_sweep(sweep)
    assert report.to_dict("records") == [{
        "check": "verifier", "entity": f"{display_path(sweep)}: no scenario ended optimal, "
        "nothing to verify", "amount": 1.0, "unit": "scenarios", "tolerance": 1e-6,
        "ok": False}]


def test_a_sweep_passes_data_and_overlays_to_each_scenario(tmp_path):
    """With ``data``, a scenario folder without run.json is checked against that dataset (its
    missing tables named by the checks that stop on them); an overlay that does not exist is
    the InputError of reading the inputs. Through verify_run's sweep marker the same."""
    sweep = _sweep(tmp_path / "sweep", {"a": "optimal"})
    data = tiny.write(tmp_path / "data")
    for verify_folder in (verify.verify_sweep, verify.verify_run):
        report = verify_folder(sweep, data)
        said = [e for e in report["entity"] if e.endswith(": routes not checked")]
        assert len(said) == 1 and said[0].startswith("scenario=a: missing table backlog, ")
        assert "missing table route_flows, " in said[0]
        with pytest.raises(InputError, match="no-such-overlay"):
            verify_folder(sweep, data, (tmp_path / "no-such-overlay",))
        write_marker(sweep, "sweep")


def test_a_sweep_marked_folder_needs_its_plan(tmp_path):
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "summary.json").write_text("{}")
    write_marker(folder, "sweep")
    with pytest.raises(InputError) as err:
        verify.verify_run(folder)
    assert str(err.value) == (f"{display_path(folder)}: not a sweep folder (no plan.json and "
                              "scenarios/)")


def test_verify_solved_records_the_outcome_in_the_summary(monkeypatch):
    """verify_solved hands verify_results the run's results, tables, scenario and network and
    adds the report's counts to the summary: 3 rows, 1 failing."""
    report = assemble([rows("a", ["x", "y"], [0.0, 2.0], "t"), rows("b", "z", 0.0, "t")])
    called = []

    def fake(results, tables, scenario=None, net=None):
        called.append((results, tables, scenario, net))
        return report

    monkeypatch.setattr(verify, "verify_results", fake)
    net = SimpleNamespace(scenario="the scenario")
    run = SimpleNamespace(results=SimpleNamespace(summary={"status": "optimal"}),
                          tables="the tables", net=net)
    assert verify.verify_solved(run) is report
    assert called == [(run.results, "the tables", "the scenario", net)]
    summary = run.results.summary
    assert {k: summary[k] for k in ("status", "verified", "verification_checks",
                                    "verification_violations")} == {
        "status": "optimal", "verified": False, "verification_checks": 3,
        "verification_violations": 1}
    assert type(summary["verify_seconds"]) is float and 0 <= summary["verify_seconds"] < 60


def _report() -> pd.DataFrame:
    """Five rows: check a (t) passes x, fails y by 2 t and w by 5 trucks; check b fails z (NaN,
    not a number) and passes v."""
    return assemble([rows("a", ["x", "y"], [0.0, 2.0], "t"), rows("b", "z", np.nan, "USD"),
                     rows("a", "w", 5.0, "trucks"), rows("b", "v", -1.0, "USD")])


def test_the_summary_counts_rows_and_failures():
    assert verify.verification_summary(_report()) == {
        "verified": False, "verification_checks": 5, "verification_violations": 3}
    clean = assemble([rows("a", ["x", "y"], [0.0, 1e-7], "t")])
    got = verify.verification_summary(clean)
    assert got == {"verified": True, "verification_checks": 2, "verification_violations": 0}
    assert [type(got[k]) for k in sorted(got)] == [int, int, bool]


def test_by_check_counts_entities_failures_worst_and_units():
    got = verify.by_check(_report())
    assert got.columns.tolist() == ["check", "entities", "violations", "worst", "unit"]
    assert got["check"].tolist() == ["a", "b"]
    assert got["entities"].tolist() == [3, 2] and got["violations"].tolist() == [2, 1]
    assert got["worst"].tolist() == [5.0, -1.0]  # max skips the NaN
    assert got["unit"].tolist() == ["t, trucks", "USD"]


def test_violations_are_the_failed_rows_largest_first_within_a_check():
    got = verify.violations(_report())
    assert got[["check", "entity"]].values.tolist() == [["a", "w"], ["a", "y"], ["b", "z"]]
    assert got.index.tolist() == [0, 1, 2] and not got["ok"].any()
    tied = assemble([rows("c", ["q", "p"], [1.0, 1.0], "t"), rows("c", "r", 3.0, "t")])
    assert verify.violations(tied)["entity"].tolist() == ["r", "p", "q"]  # ties keep order


def _folder(path: Path, run_json: dict | None = None, kind: str | None = None) -> Path:
    """A folder holding a summary.json (and ``run_json`` as its run.json, a marker of
    ``kind``)."""
    path.mkdir(parents=True)
    (path / "summary.json").write_text(json.dumps({"status": "optimal"}))
    if run_json is not None:
        (path / "run.json").write_text(json.dumps(run_json))
    if kind:
        write_marker(path, kind)
    return path


def test_an_unreadable_scenario_in_run_json_is_a_named_failure(tmp_path):
    """run.json's scenario edited into something that is no scenario (``events: 5``): the
    inputs are read (``data``), then one failed row names it and nothing else is checked; an
    overlay that does not exist is the InputError of reading the inputs."""
    run = _folder(tmp_path / "run", {"scenario": {"events": 5}})
    data = tiny.write(tmp_path / "data")
    report = verify.verify_run(run, data)
    said = report.loc[report["check"] == "verifier", "entity"].tolist()
    assert len(said) == 1 and said[0].startswith(
        "the scenario in run.json could not be checked (ValidationError: 1 validation error "
        "for Scenario events ")
    assert set(report["check"]) == {"manifest", "tables", "verifier"}
    with pytest.raises(InputError, match="no-such-overlay: overlay folder does not exist"):
        verify.verify_run(run, data, (tmp_path / "no-such-overlay",))


def test_an_old_robust_plan_is_refused_in_one_line(tmp_path):
    """Marked a run (here: no marker), with plan.csv and scenarios.csv and no route_flows:
    what `borderflow robust` wrote before issue 17."""
    old = _folder(tmp_path / "old")
    (old / "plan.csv").write_text("")
    (old / "scenarios.csv").write_text("")
    with pytest.raises(InputError) as err:
        verify.verify_run(old)
    assert str(err.value) == (f"{display_path(old)}: is an old robust plan folder, not a run "
                              f"folder: {verify.NOT_A_RUN['old robust plan'](old)}")


@pytest.mark.parametrize("kind", ["robust", "reopening"])
def test_a_plan_or_tree_folder_gets_data_and_overlays(tmp_path, kind):
    """verify_run hands a robust plan's or a reopening tree's folder its ``data`` and
    ``overlays``: an overlay that does not exist is the InputError of reading them; a robust
    folder of a summary alone is checked against ``data`` (its missing tables named) and,
    without, reports only its files."""
    folder = _folder(tmp_path / kind, {}, kind)
    data = tiny.write(tmp_path / "data")
    with pytest.raises(InputError, match="no-such-overlay: overlay folder does not exist"):
        verify.verify_run(folder, data, (tmp_path / "no-such-overlay",))
    if kind == "robust":
        said = "missing table objective: objective not re-checked"
        assert said in set(verify.verify_run(folder, data)["entity"])
        assert said not in set(verify.verify_run(folder)["entity"])
    else:  # a tree folder whose run.json records no scenario: a failed row, not a crash
        report = verify.verify_run(folder, data)
        row = report[report["check"] == "tree_branches"]
        assert row["entity"].tolist() == ["run.json records no scenario"]
        assert row["amount"].tolist() == [1.0] and row["unit"].tolist() == ["branches"]
        assert not row["ok"].any()


def _folder_seen(run_dir, results, meta, tables):
    return [rows("seen", f"{run_dir.name}: run.json keys {sorted(meta)}", 0.0, "-")]


def test_a_folder_holding_run_json_alone_is_verified_as_a_run(tmp_path, monkeypatch):
    """No marker, no summary.json, a run.json (an interrupted write, say): still a run folder,
    its missing files reported, not refused as "not a run folder"; a registered folder check's
    row joins the others."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text("{}")
    monkeypatch.setattr(verify, "FOLDER_CHECKS", [_folder_seen])
    report = verify.verify_run(run, tiny.write(tmp_path / "data"))
    assert {"manifest", "tables", "verifier", "seen"} <= set(report["check"])
    assert report.loc[report["check"] == "seen", "entity"].tolist() == ["run: run.json keys []"]
    assert "summary.status = None" in set(report["entity"])


def test_an_amount_equal_to_its_tolerance_passes():
    """The tolerance is max(1e-6, 1e-6 x |scale|): 1e-6 t at scale 0 and 2 t at scale 2e6 sit
    exactly on it and pass; a hair above fails."""
    got = rows("c", ["e", "f", "g"], [1e-6, 2.0, 2.0 + 1e-9], "t", [0.0, 2e6, 2e6])
    assert got["tolerance"].tolist() == [1e-6, 2.0, 2.0]
    assert got["ok"].tolist() == [True, True, False]


def test_a_missing_column_mismatches_and_differs_on_every_row():
    """``recorded`` None (the column is missing): mismatch is NaN (float) on every row, differs
    1.0; a missing recorded label where one is expected differs, missing on both sides agrees."""
    from borderflow.verify.report import differs, mismatch

    got = mismatch(None, [1.0, 2.0])
    assert got.dtype == np.float64 and got.shape == (2,) and np.isnan(got).all()
    assert differs(None, ["a", "b"]).tolist() == [1.0, 1.0]
    assert differs([None, "x", None], ["a", "x", None]).tolist() == [1.0, 0.0, 0.0]


def test_the_assembled_report_is_sorted_with_a_fresh_index():
    report = assemble([rows("b", "z", 0.0, "t"), rows("a", ["y", "x"], [0.0, 1.0], "t")])
    assert report.columns.tolist() == REPORT_COLUMNS and report["ok"].dtype == bool
    assert report[["check", "entity"]].values.tolist() == [["a", "x"], ["a", "y"], ["b", "z"]]
    assert report.index.tolist() == [0, 1, 2]


def test_by_check_sorts_the_checks_of_an_unsorted_report():
    unsorted = pd.concat([rows("b", "z", 1.0, "t"), rows("a", "y", 0.0, "t")],
                         ignore_index=True)
    assert verify.by_check(unsorted)["check"].tolist() == ["a", "b"]
