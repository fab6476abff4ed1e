"""Who hears HiGHS while it solves: the listener seam of :func:`listening`.

Apart from :mod:`borderflow.solvers.highs` (which feeds the listener from HiGHS's callbacks and
re-exports :func:`listening`) so that a progress display can set a listener without importing
highspy, Pyomo and scipy: commands that never solve start fast.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

#: ``listener(line, iterations)`` called while a session solves in this context (:func:`listening`)
_LISTENER: contextvars.ContextVar[Callable[[str | None, int | None], None] | None] = \
    contextvars.ContextVar("borderflow_highs_listener", default=None)


@contextlib.contextmanager
def listening(listener: Callable[[str | None, int | None], None]) -> Iterator[None]:
    """While the block runs, every :meth:`HighsSession.solve` in this context calls
    ``listener(line, None)`` with each line of HiGHS's log and ``listener(None, iterations)``
    at each simplex or interior-point iteration (progress displays; nothing is printed and the
    solve is unchanged).

    Parameters
    ----------
    listener : callable
        ``listener(line, iterations)``: a log line (iterations None) or an iteration count
        (line None).

    Yields
    ------
    None
    """
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
