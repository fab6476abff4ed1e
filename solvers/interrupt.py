"""Ctrl-C during a HiGHS solve: stop the solve, then raise ``KeyboardInterrupt``.

Python delivers SIGINT to the main thread only between bytecodes, and a HiGHS ``run()`` is one
long C++ call. Before this module two things went wrong (found in session 9):

- with a progress display, HiGHS calls Python callbacks; the interrupt was raised inside one of
  them, HiGHS took it for a failed callback and returned an error, and borderflow took that for
  a numerical failure of the solve: a rolling window "failed", the whole LP was solved again
  another way, and the run went on to write a folder the user had asked to stop;
- without one, the solve ran to its end before the interrupt was noticed.

:func:`interruptible` replaces the SIGINT handler for the length of one ``run()`` by one that
only records the key press, and subscribes HiGHS's interrupt callbacks (simplex, interior
point, MIP), which ask HiGHS to stop at its next iteration once a press is recorded. When
``run()`` returns, a recorded press raises ``KeyboardInterrupt``, before the solve's status is
read, so no caller can mistake an interrupted solve for a failed one. The command line turns
it into one line and exit 130 (:class:`borderflow.cli.typer_app.Command`); a notebook sees an
ordinary ``KeyboardInterrupt``.

Outside the main thread (Dask workers, the app's server threads) or where the caller has its
own SIGINT handler, nothing is changed: the handler belongs to the main thread's owner.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

import highspy

from borderflow.faults import fault_point


def _events(h: highspy.Highs) -> tuple:
    """HiGHS's interrupt callbacks: simplex, interior point and MIP."""
    return h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt


@contextmanager
def interruptible(h: highspy.Highs) -> Iterator[None]:
    """Run the body (one ``h.run()``) so that Ctrl-C stops HiGHS at its next iteration and
    raises ``KeyboardInterrupt`` once ``run()`` has returned.

    Parameters
    ----------
    h : highspy.Highs
        The instance about to run.

    Raises
    ------
    KeyboardInterrupt
        After the body, if SIGINT arrived while it ran.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    pressed: list[int] = []

    def on_sigint(signum, frame) -> None:  # noqa: ARG001 - signal's API
        pressed.append(signum)

    def stop(event) -> None:
        if pressed:
            event.interrupt()

    previous = signal.signal(signal.SIGINT, on_sigint)
    events = _events(h)
    for event in events:
        event.subscribe(stop)
    try:
        fault_point("solve:highs")  # tests press Ctrl-C here (borderflow.faults)
        yield
    finally:
        for event in events:
            event.unsubscribe(stop)
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt
