"""Ctrl-C (or ``kill PID``) during a HiGHS solve: stop the solve, then raise ``KeyboardInterrupt``.

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

SIGTERM (``kill PID``, a scheduler's or a container's stop) is the same request said another
way. The command line turns it into :class:`Terminated`, a ``KeyboardInterrupt``, with
:func:`raise_terminated` as the main thread's SIGTERM handler, so every path that cleans up after
Ctrl-C cleans up after it too; while HiGHS runs, :func:`interruptible` records it as it records
Ctrl-C, and raises :class:`Terminated` once ``run()`` has returned. A SIGTERM handler that is
not :func:`raise_terminated` (Python's default, which ends the process at once, or a caller's
own) is left alone.

Outside the main thread (Dask workers, the app's server threads) or where the caller has its
own SIGINT handler, nothing is changed: the handler belongs to the main thread's owner.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from borderflow.faults import fault_point

if TYPE_CHECKING:  # the command line imports this module: no solver until a command needs one
    import highspy


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by SIGTERM (``kill PID``), not by Ctrl-C: the command
    line says so in its one line and exits 143 (128 + SIGTERM) instead of 130."""


def raise_terminated(signum, frame) -> None:  # noqa: ARG001 - signal's API
    """A SIGTERM handler that raises :class:`Terminated` in the main thread (installed by the
    command line for the length of a command, :class:`borderflow.cli.typer_app.Command`)."""
    raise Terminated


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
        After the body, if SIGINT arrived while it ran (:class:`Terminated`, a subclass, if
        SIGTERM came first and the command line's :func:`raise_terminated` handles it).
    """
    owned = [sig for sig, ours in ((signal.SIGINT, signal.default_int_handler),
                                   (signal.SIGTERM, raise_terminated))
             if signal.getsignal(sig) is ours]
    if threading.current_thread() is not threading.main_thread() or not owned:
        yield
        return
    pressed: list[int] = []

    def on_signal(signum, frame) -> None:  # noqa: ARG001 - signal's API
        pressed.append(signum)

    def stop(event) -> None:
        if pressed:
            event.interrupt()

    previous = {sig: signal.signal(sig, on_signal) for sig in owned}
    events = _events(h)
    for event in events:
        event.subscribe(stop)
    try:
        fault_point("solve:highs")  # tests press Ctrl-C here (borderflow.faults)
        yield
    finally:
        for event in events:
            event.unsubscribe(stop)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if pressed:
        raise Terminated if pressed[0] == signal.SIGTERM else KeyboardInterrupt
