"""Running the command line in tests: a time limit for in-process runs, the command for
subprocesses.

A hang becomes a test failure, not a stuck CI: ``SIGALRM`` interrupts blocking system calls
too (opening a FIFO nobody writes to, a TCP connect), and :class:`Hung` derives from
``BaseException`` so that typer's ``CliRunner``, which catches ``Exception``, lets it through.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path

import pytest


class Hung(BaseException):
    """The command ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise :class:`Hung` in the main thread if the block runs longer than ``seconds``."""
    def hung(signum, frame):
        raise Hung(f"no answer within {seconds:g} s: the command hangs")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def invoke(runner, app, args: list[str], seconds: float = 120.0, **kw):
    """``runner.invoke(app, args)`` that fails the test if it does not end within ``seconds``."""
    try:
        with time_limit(seconds):
            return runner.invoke(app, args, **kw)
    except Hung as err:
        pytest.fail(str(err))


def borderflow_command() -> list[str]:
    """The ``borderflow`` console script of this environment (``python -m borderflow.cli``
    if it is not installed as a script)."""
    script = Path(sys.executable).with_name("borderflow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "borderflow.cli"]
