"""Ctrl-C stops a solve: HiGHS stops at its next iteration, ``KeyboardInterrupt`` is raised
once it has returned (never taken for a failed solve), and every command says so in one line,
exits 130 and writes nothing (``sweep`` keeps its finished scenarios for ``--resume``).

SIGTERM (``kill PID``, a scheduler's or container's stop) ends a command the same way, with
exit 143 (128 + SIGTERM) and ``SIGTERM`` in the line. Before session 15 the command died at
once without a word (exit 143; nothing of the user's touched, nothing said).

Before the fix (session 9), Ctrl-C during a dated solve with a progress display was raised
inside HiGHS's Python callback; HiGHS returned an error, the rolling window was taken for a
numerical failure, the whole LP was solved again another way and a folder was written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import highspy
import numpy as np
import pytest
import scipy.sparse as sp
from clitools import borderflow_command
from helpers import CLOSURE_YAML, border_data, write_text

from borderflow.faults import ACTION_ENV, FAULT_ENV, TRACE_ENV
from borderflow.solvers.highs import highs_lp, listening, new_highs, run_highs
from borderflow.solvers.interrupt import Terminated, raise_terminated

N = 40  # a 40 x 40 transportation LP: a few hundred simplex iterations


def _transport() -> highspy.Highs:
    """A dense transportation LP (supply 1 at each of N origins, demand 1 at each of N
    markets, deterministic costs), quiet, 1 thread."""
    rng = np.random.default_rng(7)
    cost = rng.uniform(1.0, 100.0, N * N)
    rows = np.concatenate([np.repeat(np.arange(N), N), N + np.tile(np.arange(N), N)])
    cols = np.concatenate([np.arange(N * N), np.arange(N * N)])
    a = sp.csc_matrix((np.ones(2 * N * N), (rows, cols)), shape=(2 * N, N * N))
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("presolve", "off")
    h.passModel(highs_lp(a, cost, np.zeros(N * N), np.full(N * N, np.inf),
                         np.concatenate([np.full(N, -np.inf), np.ones(N)]),
                         np.concatenate([np.ones(N), np.full(N, np.inf)])))
    return h


def _press_ctrl_c_at(h: highspy.Highs, iteration: int) -> None:
    """Send this process SIGINT from HiGHS's simplex callback at ``iteration``."""
    def press(event) -> None:
        if event.data_out.simplex_iteration_count == iteration:
            os.kill(os.getpid(), signal.SIGINT)
    h.cbSimplexInterrupt.subscribe(press)


@pytest.fixture
def default_sigint():
    """Python's own SIGINT handler for the test (a test runner may have replaced it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("listener", [False, True], ids=["quiet", "progress-display"])
def test_ctrl_c_stops_highs_and_raises(default_sigint, listener):
    full = _transport()
    run_highs(full)
    assert full.getModelStatus() == highspy.HighsModelStatus.kOptimal
    iterations = full.getInfo().simplex_iteration_count
    assert iterations > 50

    h = _transport()
    _press_ctrl_c_at(h, 20)
    heard = []
    with pytest.raises(KeyboardInterrupt):
        if listener:
            with listening(lambda message, it: heard.append(it)):
                run_highs(h)
        else:
            run_highs(h)
    assert h.getModelStatus() == highspy.HighsModelStatus.kInterrupt
    assert 20 <= h.getInfo().simplex_iteration_count < iterations
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handed back
    assert not listener or heard  # the display was fed until the key press


def test_a_solve_without_ctrl_c_is_unchanged(default_sigint):
    plain, guarded = _transport(), _transport()
    plain.run()
    run_highs(guarded)
    assert guarded.getInfo().objective_function_value == plain.getInfo().objective_function_value
    assert (guarded.getInfo().simplex_iteration_count
            == plain.getInfo().simplex_iteration_count)


def test_outside_the_main_thread_nothing_is_replaced(default_sigint):
    """Dask workers and the app's server solve in threads: there SIGINT is not ours."""
    done = {}

    def solve() -> None:
        h = _transport()
        run_highs(h)
        done["status"] = h.getModelStatus()

    t = threading.Thread(target=solve)
    t.start()
    t.join()
    assert done["status"] == highspy.HighsModelStatus.kOptimal


def _command(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """``borderflow ARGS`` with ``env`` (the fault variables), Ctrl-C at its default action."""
    clean = {k: v for k, v in os.environ.items() if k not in (FAULT_ENV, TRACE_ENV, ACTION_ENV)}
    return subprocess.run([*borderflow_command(), *args], env={**clean, **env},
                          capture_output=True, text=True, timeout=300, check=False,
                          preexec_fn=_ctrl_c_as_at_a_terminal)


def _ctrl_c_as_at_a_terminal() -> None:
    """In the child before ``exec``: SIGINT at its default action, as for a command typed at a
    terminal. A test run started in the background by a shell without job control (``nohup
    pytest &``) has SIGINT ignored, every process it starts inherits that, and a program started
    with SIGINT ignored keeps ignoring it (Python, and so borderflow, installs no Ctrl-C handler
    then): these tests would see no Ctrl-C at all."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _solves(tmp_path, args: list[str]) -> list[str]:
    """The ``solve:highs`` steps a command reaches (one per HiGHS run), as kill targets."""
    trace = tmp_path / "trace.txt"
    done = _command(args, **{TRACE_ENV: str(trace)})
    assert done.returncode == 0, done.stderr[-2000:]
    runs = [s for s in trace.read_text().split() if s == "solve:highs"]
    return [f"solve:highs#{k}" for k in range(1, len(runs) + 1)]


def _dated(tmp_path) -> list[str]:
    data = border_data(tmp_path, "data")
    scenario = write_text(tmp_path / "closure.yaml", CLOSURE_YAML)
    return ["solve", "--data", str(data), "--scenario", str(scenario), "--dispatch", "foresight"]


def test_solve_pressed_ctrl_c_in_each_highs_run_writes_nothing(tmp_path):
    """A dated closure (its baseline, the scenario, their pricing rounds: every HiGHS run
    of the command, the first, one in the middle and the last) interrupted in the solve."""
    args = _dated(tmp_path)
    steps = _solves(tmp_path, args + ["--out", str(tmp_path / "traced")])
    assert len(steps) >= 2, steps
    (tmp_path / "notes.txt").write_text("mine\n")
    for step in sorted({steps[0], steps[len(steps) // 2], steps[-1]}):
        out = tmp_path / "out"
        done = _command(args + ["--out", str(out)],
                        **{FAULT_ENV: step, ACTION_ENV: "interrupt"})
        assert done.returncode == 130, (step, done.stderr[-2000:])
        lines = done.stderr.strip().splitlines()
        assert lines == ["interrupted: stopped (Ctrl-C): nothing was written"], (step, lines)
        assert not out.exists(), step
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "closure.yaml", "data", "notes.txt", "trace.txt", "traced"], step


def test_an_interrupted_json_command_exits_130_too(tmp_path):
    args = _dated(tmp_path)
    done = _command(args + ["--out", str(tmp_path / "out"), "--json"],
                    **{FAULT_ENV: "solve:highs", ACTION_ENV: "interrupt"})
    assert done.returncode == 130, done.stderr[-2000:]
    assert "nothing was written" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("action", "status", "how"), [("interrupt", 130, "Ctrl-C"),
                                                      ("terminate", 143, "SIGTERM")])
def test_sweep_pressed_ctrl_c_points_at_resume(tmp_path, action, status, how):
    """Ctrl-C (or SIGTERM) while the sweep waits for its workers (after the first scenario is
    recorded): exit 130 (143), the line names the folder and --resume, and --resume finishes
    the sweep. On one worker process (``--workers 1``): the parent waits for its worker and
    is stopped there as with two, and each command starts one worker process, not two (about
    4 CPU s each of borderflow's imports: docs/testing.md, CI time); sweeps on two workers are
    tested in test_sweep.py and test_sweep_warm_start.py."""
    data = border_data(tmp_path, "data")
    out = tmp_path / "sweep"
    args = ["sweep", "--data", str(data), "--n-1", "--out", str(out), "--workers", "1"]
    done = _command(args, **{FAULT_ENV: "sweep:scenario-recorded", ACTION_ENV: action})
    assert done.returncode == status, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == (
        f"interrupted: stopped ({how}): what had finished is kept in {out}; run the same "
        "command with --resume to go on")
    again = _command([*args, "--resume"])
    assert again.returncode == 0, again.stderr[-2000:]
    assert (out / "comparison.csv").exists() or any(out.glob("comparison*"))


@pytest.fixture
def command_line_sigterm():
    """The SIGTERM handler the command line installs, for the test."""
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_sigterm_stops_highs_and_raises_terminated(command_line_sigterm):
    full = _transport()
    run_highs(full)
    iterations = full.getInfo().simplex_iteration_count
    h = _transport()

    def send(event) -> None:
        if event.data_out.simplex_iteration_count == 20:
            os.kill(os.getpid(), signal.SIGTERM)
    h.cbSimplexInterrupt.subscribe(send)
    with pytest.raises(Terminated):
        run_highs(h)
    assert h.getModelStatus() == highspy.HighsModelStatus.kInterrupt
    assert 20 <= h.getInfo().simplex_iteration_count < iterations
    assert signal.getsignal(signal.SIGTERM) is raise_terminated  # handed back


def test_a_foreign_sigterm_handler_is_left_alone():
    """Outside the command line (a notebook, a server) SIGTERM is not borderflow's: the
    solve does not replace the handler, and runs to its end."""
    heard = []
    previous = signal.signal(signal.SIGTERM, lambda s, f: heard.append(s))
    try:
        h = _transport()
        sent = []

        def send(event) -> None:
            if event.data_out.simplex_iteration_count == 20 and not sent:
                sent.append(1)
                assert signal.getsignal(signal.SIGTERM) is not raise_terminated
                os.kill(os.getpid(), signal.SIGTERM)
        h.cbSimplexInterrupt.subscribe(send)
        run_highs(h)
        assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        assert heard == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.parametrize("step", ["solve:highs", "run:staging-created"])
def test_solve_sent_sigterm_says_so_and_writes_nothing(tmp_path, step):
    """In a HiGHS run (the handler swapped for the solve) and while the folder is being
    written (the command line's own handler): one line, exit 143, no folder."""
    args = _dated(tmp_path)
    (tmp_path / "notes.txt").write_text("mine\n")
    out = tmp_path / "out"
    done = _command(args + ["--out", str(out)], **{FAULT_ENV: step, ACTION_ENV: "terminate"})
    assert done.returncode == 143, done.stderr[-2000:]
    assert done.stderr.strip().splitlines() == [
        "interrupted: stopped (SIGTERM): nothing was written"]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["closure.yaml", "data", "notes.txt"]


def test_kill_pid_during_a_run_says_so(tmp_path):
    """What a user does: start a run, ``kill PID`` it a moment later (whatever it is doing)."""
    args = _dated(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.Popen([*borderflow_command(), *args, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:  # finished before the signal: a complete folder, nothing to say
        assert (out / "run.json").exists()
        return
    assert proc.returncode == 143, err[-2000:]
    assert err.strip().splitlines()[-1] == "interrupted: stopped (SIGTERM): nothing was written"
    assert not out.exists()
