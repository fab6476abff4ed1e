"""Fault injection for tests: die (stop, or press Ctrl-C) at a named step of writing a run or
sweep folder, or of solving.

Every step that changes what is on disk while a run or sweep folder is written calls
:func:`fault_point` with the step's name (e.g. ``run:staging-created``, ``run:write:flows.csv``,
``run:swap``). Nothing happens unless the environment asks for it:

``BORDERFLOW_FAULT_AT``
    A step name, or a shell-style pattern of step names (``run:write:*``): the process sends
    itself ``SIGKILL`` on reaching it, as a power cut, the OOM killer or ``kill -9`` would stop
    it. ``name#N`` stops at the N-th time a matching step is reached (1-based; default 1).
``BORDERFLOW_FAULT_ACTION``
    ``kill`` (default), ``stop`` (``SIGSTOP``: the process freezes holding whatever it holds,
    e.g. the output folder's lock, until the test sends ``SIGCONT`` or kills it),
    ``interrupt`` (``SIGINT``, as Ctrl-C sends it: the command must stop, say so in one line,
    exit 130 and write nothing) or ``terminate`` (``SIGTERM``, as ``kill PID`` sends it: the
    same line, exit 143). Besides the writing steps, ``solve:highs`` is reached at the
    start of every HiGHS run (:mod:`borderflow.solvers.interrupt`), so a test can press Ctrl-C
    in the middle of a solve.
``BORDERFLOW_FAULT_TRACE``
    A file to which the name of every step reached is appended, one per line: a test runs a
    command once with it to list the steps, then once per step with ``BORDERFLOW_FAULT_AT``.

The variables are read at each call (cheap: one dictionary lookup when unset). The worker
processes of a sweep's LocalCluster do not inherit them: they get ``BORDERFLOW_WORKER_FAULT_AT``
and ``BORDERFLOW_WORKER_FAULT_TRACE`` instead (:func:`worker_env`), so a test kills the command
or a worker, as it means to. They are for tests; nothing else should set them.
"""

from __future__ import annotations

import fnmatch
import os
import signal

FAULT_ENV = "BORDERFLOW_FAULT_AT"
ACTION_ENV = "BORDERFLOW_FAULT_ACTION"
TRACE_ENV = "BORDERFLOW_FAULT_TRACE"

_seen: dict[str, int] = {}


def fault_point(step: str) -> None:
    """Mark that ``step`` was reached: trace it and, if asked, kill or stop the process here.

    Parameters
    ----------
    step : str
        Name of the step, ``<kind>:<what>`` (``run:swap``, ``sweep:write:plan.json``).
    """
    trace = os.environ.get(TRACE_ENV)
    if trace:
        with open(trace, "a", encoding="utf-8") as fh:
            fh.write(step + "\n")
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    pattern, _, nth = wanted.partition("#")
    if not fnmatch.fnmatchcase(step, pattern):
        return
    _seen[pattern] = _seen.get(pattern, 0) + 1
    if _seen[pattern] != (int(nth) if nth.isdigit() else 1):
        return
    action = os.environ.get(ACTION_ENV, "kill")
    os.kill(os.getpid(), {"stop": signal.SIGSTOP, "interrupt": signal.SIGINT,
                              "terminate": signal.SIGTERM}.get(
        action, signal.SIGKILL))


def read_trace(path: str | os.PathLike) -> list[str]:
    """Steps recorded in a ``BORDERFLOW_FAULT_TRACE`` file, in order (empty if none)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return [line.strip() for line in fh if line.strip()]
    except FileNotFoundError:
        return []


#: the same variables for the worker processes of a sweep's LocalCluster (a test that kills a
#: worker, not the command, names its step here)
WORKER_FAULT_ENV = "BORDERFLOW_WORKER_FAULT_AT"
WORKER_TRACE_ENV = "BORDERFLOW_WORKER_FAULT_TRACE"


def worker_env() -> dict[str, str]:
    """Environment for worker processes a command starts (Dask's ``Nanny(env=...)``): the
    command's own kill point and trace are not passed on (a kill meant for the command would
    kill a worker, which Dask replaces), the worker ones are.

    Returns
    -------
    dict
        ``BORDERFLOW_FAULT_AT`` and ``BORDERFLOW_FAULT_TRACE`` as the worker should see them
        (empty: off).
    """
    return {FAULT_ENV: os.environ.get(WORKER_FAULT_ENV, ""),
            TRACE_ENV: os.environ.get(WORKER_TRACE_ENV, ""),
            ACTION_ENV: os.environ.get(ACTION_ENV, "kill")}
