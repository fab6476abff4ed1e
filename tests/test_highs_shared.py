"""borderflow in a Python process that has already used HiGHS another way (a notebook).

HiGHS keeps one thread scheduler per process, started by the first solve with that solve's
thread count (HiGHS's default takes half the cores). borderflow solves with 1 thread, and
before solvers/highs.py handled it, every solve after e.g. ``pyo.SolverFactory("appsi_highs")``
ended "HiGHS ended with 'Not Set'" (issue 15). Each test runs in a fresh interpreter, since the
scheduler of this one is in whatever state earlier tests left it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = """\
    import logging, sys
    sys.path.insert(0, {tests!r})
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from pathlib import Path
    import pyomo.environ as pyo
    import tiny
    from borderflow.data.dataset import load_dataset
    from borderflow.pipeline import run_scenario
    from borderflow.solvers.highs import SCHEDULER_RESETS, SolverOptions
    from borderflow.options import RunOptions

    def toy():
        m = pyo.ConcreteModel()
        m.x = pyo.Var(bounds=(0, 4))
        m.y = pyo.Var(bounds=(0, 3))
        m.c = pyo.Constraint(expr=m.x + m.y >= 2)
        m.o = pyo.Objective(expr=m.x + 2 * m.y)
        return m

    first = {first!r}
    if first == "appsi":
        m = toy()
        print("appsi", pyo.SolverFactory("appsi_highs").solve(m).solver.termination_condition)
    elif first == "highspy":
        import highspy
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 2)
        h.passModel(highspy.HighsLp())
        h.addVar(0, 1)
        h.run()
        print("highspy", h.modelStatusToString(h.getModelStatus()))
    tables = load_dataset(tiny.write(Path({folder!r})), check_borders=False)
    for threads in {threads!r}:
        run = run_scenario(tables, None, RunOptions(solver=SolverOptions(threads=threads)))
        print("borderflow", threads, run.solve.status, round(run.solve.objective_usd, 6))
    if first == "appsi":  # the notebook's own solver still works after the reset
        m = toy()
        print("appsi again", pyo.SolverFactory("appsi_highs").solve(m).solver
              .termination_condition)
    print("resets", SCHEDULER_RESETS["count"])
"""


def _run(tmp_path: Path, first: str, threads=(1,)) -> subprocess.CompletedProcess:
    code = textwrap.dedent(SCRIPT).format(tests=str(Path(__file__).parent), first=first,
                                          folder=str(tmp_path / "data"), threads=list(threads))
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env=env, check=False)


@pytest.mark.parametrize("first", ["appsi", "highspy"])
def test_borderflow_solves_after_another_highs_use(tmp_path, first):
    done = _run(tmp_path, first, threads=(1, 1))
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    solved = [line for line in lines if line.startswith("borderflow")]
    assert solved == ["borderflow 1 optimal " + solved[0].split()[-1]] * 2, done.stdout
    if first == "appsi":
        assert "appsi again optimal" in lines
    # said once, clearly, on stderr; the second solve finds the scheduler as it left it
    assert done.stderr.count("thread scheduler had been started") == 1, done.stderr
    assert lines[-1] == "resets 1"


def test_no_reset_when_nothing_else_used_highs(tmp_path):
    done = _run(tmp_path, "none", threads=(1,))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "thread scheduler" not in done.stderr
    assert done.stdout.splitlines()[-1] == "resets 0"


def test_a_different_thread_count_in_the_same_process(tmp_path):
    """borderflow itself with 2 threads, then 1: the same remedy applies."""
    done = _run(tmp_path, "none", threads=(2, 1))
    assert done.returncode == 0, done.stderr[-3000:]
    statuses = [line.split()[:3] for line in done.stdout.splitlines()
                if line.startswith("borderflow")]
    assert statuses == [["borderflow", "2", "optimal"], ["borderflow", "1", "optimal"]]


CROSSOVER_FIRST = """\
    import numpy as np
    import pyomo.environ as pyo
    from borderflow.solvers.highs import HighsSession

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 10))
    m.y = pyo.Var(bounds=(0, 10))
    m.c = pyo.Constraint(expr=m.x + m.y <= 8)
    m.d = pyo.Constraint(expr=m.x - m.y >= -5)
    m.o = pyo.Objective(expr=-m.x - 2 * m.y)
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    session = HighsSession(m)
    # the first HiGHS call of the process: a crossover from a feasible point (x, y) = (1, 6)
    summary = session.solve_from_point(np.array([1.0, 6.0]), np.zeros(2))
    print(summary.status, summary.objective_usd, pyo.value(m.x), pyo.value(m.y))
"""


def test_the_whole_lp_from_a_point_as_the_first_highs_call_of_a_process():
    """``Highs.crossover`` before any ``run()`` in the process crashed the interpreter
    (segmentation fault: HiGHS's scheduler not started); ``solve_from_point`` starts it first.
    Hand optimum: x + y = 8 and x - y = -5 bind, (1.5, 6.5), objective -14.5."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(CROSSOVER_FIRST)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    status, objective, x, y = done.stdout.split()
    assert status == "optimal"
    assert float(objective) == pytest.approx(-14.5, abs=1e-9)
    assert (float(x), float(y)) == pytest.approx((1.5, 6.5), abs=1e-9)
