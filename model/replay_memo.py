"""The class-FIFO replays of a kept dated model, replayed again only for the classes that changed.

A sweep's scenarios share one kept model (:mod:`borderflow.sweeps.worker`); a closure changes
the queues of a few lane classes (gate, direction, lane) and leaves the rest as the model's
first solve had them. The two replays of :func:`borderflow.model.class_fifo.class_fifo` (each
stream in its own order, and first come, first served across the goods of a class) compute
every class on its own: a class's rows depend only on its own streams' inflow and departures
(the arrays are summed row by row, a class's streams in the same order, over the same
columns). So the rows of a class whose inflow and departures are bit for bit the ones the
model's first replay saw are that replay's rows, and only the other classes are replayed (on
the same columns, with the same span of days): the same arrays, bit for bit, as replaying
every class (``tests/test_replay_memo.py`` checks it against the full replay).

What is kept, per built model (dropped with it): the first replay's inputs and outputs per
class. Which scenario filled it does not matter: a class is taken from it only when its inputs
are identical, and then its outputs are.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from .class_fifo import class_replay

#: per built model's stream index (``id(ix.streams)``): the first :class:`Replays` and its keys
_KEPT: dict[int, tuple[list[bytes], "Replays"]] = {}


@dataclass(frozen=True)
class Replays:
    """What :func:`~borderflow.model.class_fifo.class_fifo` reads of its two replays."""

    #: tonnes out of arrival order per (stream, day), in each stream's own order
    out_of_order: np.ndarray
    #: first come, first served across goods: departures, write-offs, queues per (stream, day)
    departures: np.ndarray
    expired: np.ndarray
    queue: np.ndarray
    #: trucks the class's budget allowed but its queue could not fill, per (class, day)
    unfilled_trucks: np.ndarray
    #: classes replayed (the rest taken from the kept replay)
    replayed: int


def replay_classes(inflow: np.ndarray, back: int, tpt: np.ndarray, w: np.ndarray,
                   dep: np.ndarray, cls: np.ndarray, n_classes: int,
                   keep=None) -> Replays:
    """Both class-FIFO replays of a solved dated model.

    Parameters
    ----------
    inflow, back, dep
        As :func:`borderflow.model.fifo.stream_arrays` returns them.
    tpt, w
        ``1 / payload`` and ``max_wait_days`` per stream.
    cls, n_classes
        Lane class per stream (:func:`~borderflow.model.class_fifo.lane_classes`) and how many.
    keep : object, optional
        The model's stream table (``ix.streams``): with it, the classes whose inputs are the
        first replay's of that model are taken from it (module docstring); without, every
        class is replayed.

    Returns
    -------
    Replays
    """
    span = int(np.asarray(w, dtype=np.int64).max(initial=0)) + 2
    keys = _class_keys(inflow, dep, cls, n_classes)
    kept = _KEPT.get(id(keep)) if keep is not None else None
    todo = np.arange(n_classes) if kept is None else \
        np.array([c for c in range(n_classes) if keys[c] != kept[0][c]], dtype=np.int64)
    if kept is not None and not len(todo):
        return Replays(*(a.copy() for a in (kept[1].out_of_order, kept[1].departures,
                                            kept[1].expired, kept[1].queue,
                                            kept[1].unfilled_trucks)), replayed=0)
    rows = np.flatnonzero(np.isin(cls, todo))
    sub_cls = np.searchsorted(todo, cls[rows])  # classes renumbered 0.., order kept
    out = _replay(inflow[rows], back, tpt[rows], w[rows], dep[rows], sub_cls, len(todo), span)
    if kept is None:
        res = Replays(*out, replayed=n_classes)
        if keep is not None:
            _KEPT[id(keep)] = (keys, res)
            weakref.finalize(keep, _KEPT.pop, id(keep), None)
        return res
    ooo, fdep, fexp, fq, unf = (a.copy() for a in (kept[1].out_of_order, kept[1].departures,
                                                   kept[1].expired, kept[1].queue,
                                                   kept[1].unfilled_trucks))
    ooo[rows], fdep[rows], fexp[rows], fq[rows] = out[:4]
    unf[todo] = out[4]
    return Replays(ooo, fdep, fexp, fq, unf, replayed=len(todo))


def _replay(inflow, back, tpt, w, dep, cls, n_classes, span):
    """The two replays of the streams given (``cls`` numbered ``0..n_classes-1``)."""
    trucks = dep * tpt[:, None]
    own = class_replay(inflow, back, tpt, w, np.arange(len(cls)), trucks, cls, span=span)
    budget = np.zeros((n_classes, dep.shape[1]))
    np.add.at(budget, cls, trucks)
    fifo = class_replay(inflow, back, tpt, w, cls, budget, cls, span=span)
    return own.out_of_order, fifo.departures, fifo.expired, fifo.queue, fifo.unfilled_trucks


def _class_keys(inflow: np.ndarray, dep: np.ndarray, cls: np.ndarray,
                n_classes: int) -> list[bytes]:
    """Per class: the bytes of its streams' inflow and departures (bit for bit)."""
    order = np.argsort(cls, kind="stable")
    bounds = np.searchsorted(cls[order], np.arange(n_classes + 1))
    a, b = np.ascontiguousarray(inflow[order]), np.ascontiguousarray(dep[order])
    return [a[lo:hi].tobytes() + b[lo:hi].tobytes() for lo, hi in zip(bounds, bounds[1:])]
