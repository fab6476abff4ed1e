"""Fault injection for tests: die (or stop) at a named step of writing a run or sweep folder.

Every step that changes what is on disk while a run or sweep folder is written calls
:func:`fault_point` with the step's name (e.g. ``run:staging-created``, ``run:write:flows.csv``,
``run:swap``). Nothing happens unless the environment asks for it:

``BORDERFLOW_FAULT_AT``
    A step name, or a shell-style pattern of step names (``run:write:*``): the process sends
    itself ``SIGKILL`` on reaching it, as a power cut, the OOM killer or ``kill -9`` would stop
    it. ``name#N`` stops at the N-th time a matching step is reached (1-based; default 1).
``BORDERFLOW_FAULT_ACTION``
    ``kill`` (default) or ``stop`` (``SIGSTOP``: the process freezes holding whatever it holds,
    e.g. the output folder's lock, until the test sends ``SIGCONT`` or kills it).
``BORDERFLOW_FAULT_TRACE``
    A file to which the name of every step reached is appended, one per line: a test runs a
    command once with it to list the steps, then once per step with ``BORDERFLOW_FAULT_AT``.

The variables are read at each call (cheap: one dictionary lookup when unset), so a Dask worker
started by the command inherits them. They are for tests; nothing else should set them.
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
    os.kill(os.getpid(), signal.SIGSTOP if action == "stop" else signal.SIGKILL)


def read_trace(path: str | os.PathLike) -> list[str]:
    """Steps recorded in a ``BORDERFLOW_FAULT_TRACE`` file, in order (empty if none)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return [line.strip() for line in fh if line.strip()]
    except FileNotFoundError:
        return []
