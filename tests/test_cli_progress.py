"""What the command line shows while it works (borderflow.cli.progress) and the HiGHS seam it
listens on (borderflow.solvers.highs.listening): HiGHS's own log lines and iteration counts,
parsed into algorithm, iteration, objective and time; stages with steps get a k-of-n count and
an estimate of the time left."""

from __future__ import annotations

import pytest
import tiny
from borderflow.data.dataset import load_dataset
from borderflow.solvers.highs import listening

from borderflow.cli.progress import Progress, SolverStatus
from borderflow.pipeline import run_scenario


def test_solver_status_reads_simplex_and_interior_point_lines():
    s = SolverStatus()
    s.feed("Using dual simplex solver", None)
    s.feed("       7797    -1.6079698540e+03 Pr: 1464(110542) 5.2s", None)
    assert (s.algorithm, s.iterations, s.objective, s.seconds) == (
        "dual simplex", 7797, pytest.approx(-1607.969854), 5.2)
    s.feed(None, 8000)  # an iteration callback between log lines
    assert s.text() == "HiGHS dual simplex · iteration 8,000 · objective -1,608 · 5.2 s"
    ipm = SolverStatus()
    ipm.feed("Interior point solve", None)
    ipm.feed("   4   -1.23023369e+03  -2.35072796e+03   1.35e-03   1.44e-04  6.25e-01"
             "       0.1", None)
    assert (ipm.algorithm, ipm.iterations, ipm.seconds) == ("interior point", 4, 0.1)
    assert ipm.objective == pytest.approx(-1230.23369)
    quiet = SolverStatus()
    quiet.feed("Presolving model", None)
    assert quiet.iterations is None and quiet.text() == "HiGHS"


def test_listening_hears_highs_and_leaves_the_solve_unchanged(tmp_path):
    tables = load_dataset(tiny.write(tmp_path / "data"), check_borders=False)
    plain = run_scenario(tables)
    heard: list = []
    with listening(lambda line, it: heard.append((line, it))):
        listened = run_scenario(tables)
    assert listened.solve.objective_usd == plain.solve.objective_usd
    lines = [line for line, _ in heard if line]
    assert any("Model status" in line for line in lines), lines
    # the session is silent again afterwards, and outside the block nothing is heard
    assert listened.session.highs.getOptionValue("output_flag")[1] is False
    n = len(heard)
    run_scenario(tables)
    assert len(heard) == n


def test_stepped_stages_count_and_estimate_the_time_left():
    p = Progress("solve", show=False)
    p("solve", 0, 4, "window 1 of 4 (days 0-13)")
    assert p.steps == (0.0, 4.0) and p.eta() == ""
    p.t_stage -= 10.0  # ten seconds for the first window
    p("solve", 1, 4, "window 2 of 4 (days 14-27)")
    assert p.eta() == "about 30.0 s left"
    p("baseline", None, None, "re-solving without the disruptions")
    assert p.steps is None  # a new stage starts without steps
    p("baseline", 0, 4, "window 1 of 4")  # the baseline's windows (borderflow.pipeline)
    assert p.stage == "baseline" and p.steps == (0.0, 4.0)


def test_the_solve_line_says_what_runs_first_and_on_warm_re_solves():
    """cg-three-borders: the first solve runs the session's algorithm (HiGHS's choice by
    default); pricing adds the three-border route and the rebuilt model is re-solved by the
    primal simplex from the carried basis: the progress line says so, not "ipm"."""
    from pathlib import Path

    from borderflow.options import RunOptions

    tables = load_dataset(Path(__file__).parent / "data" / "cg-three-borders",
                          check_borders=False)
    said: list[str] = []
    options = RunOptions()
    run_scenario(tables, None, options,
                 lambda stage, done, total, message: said.append(message)
                 if stage == "solve" else None)
    first = {"ipm": "interior point", "simplex": "simplex",
             "choose": "HiGHS's choice"}[options.solver.solver]
    assert said[0] == f"HiGHS ({first})"
    assert "HiGHS (primal simplex, warm from the carried basis)" in said[1:]
    assert not any("ipm" in m or "choice" in m for m in said[1:])
